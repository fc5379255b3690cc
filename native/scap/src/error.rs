//! Errors. Parsers report whether they need more bytes or found malformed bytes (a streaming
//! reader reacts differently to the two); the reader turns both into a [`ScapError`] carrying
//! the byte offset of the fault.

use std::fmt;

/// What a parser of an in-memory slice can report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The slice ends before the item does; `needed` is the total length the item requires,
    /// counted from the start of the slice.
    Incomplete { needed: usize },
    /// The bytes are there but do not form a valid item.
    Malformed(Malformed),
}

impl From<Malformed> for ParseError {
    fn from(m: Malformed) -> Self {
        ParseError::Malformed(m)
    }
}

/// A malformed item: which rule it breaks, and where inside the item (relative offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub kind: ErrorKind,
    /// Offset of the faulty field relative to the start of the block.
    pub at: usize,
    pub message: String,
}

impl Malformed {
    pub fn new(kind: ErrorKind, at: usize, message: impl Into<String>) -> Self {
        Malformed { kind, at, message: message.into() }
    }
}

/// Stable error codes (also the `code` of the JS error and of `--json` output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The file could not be opened or read.
    Io,
    /// The compressed stream is corrupt (not merely cut short).
    Decompress,
    /// The input ends inside a block (interrupted writer, cut download...).
    Truncated,
    /// The first block is not a Section Header Block: not a capture.
    NotACapture,
    /// The section header's byte-order magic is wrong.
    BadMagic,
    /// The magic is byte-swapped: a big-endian capture, which libscap cannot read either.
    BigEndian,
    /// Major version greater than 1 (libscap: SCAP_VERSION_MISMATCH).
    VersionMismatch,
    /// A block length is shorter than the block type allows.
    BadBlockLength,
    /// A metadata block's trailer differs from its header length.
    TrailerMismatch,
    /// A non-large event block longer than libscap's 64 KiB read buffer.
    OversizedBlock,
    /// An event's length or parameter lengths run past the bytes that hold them.
    EventOverrun,
    /// A block that is neither an event nor a section header after events started.
    UnexpectedBlock,
    /// A metadata block whose entries do not fit its body.
    BadMetadata,
    /// The capture holds no event at all (libscap refuses such files).
    NoEvents,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Io => "IO",
            ErrorKind::Decompress => "DECOMPRESS",
            ErrorKind::Truncated => "TRUNCATED",
            ErrorKind::NotACapture => "NOT_A_CAPTURE",
            ErrorKind::BadMagic => "BAD_MAGIC",
            ErrorKind::BigEndian => "BIG_ENDIAN",
            ErrorKind::VersionMismatch => "VERSION_MISMATCH",
            ErrorKind::BadBlockLength => "BAD_BLOCK_LENGTH",
            ErrorKind::TrailerMismatch => "TRAILER_MISMATCH",
            ErrorKind::OversizedBlock => "OVERSIZED_BLOCK",
            ErrorKind::EventOverrun => "EVENT_OVERRUN",
            ErrorKind::UnexpectedBlock => "UNEXPECTED_BLOCK",
            ErrorKind::BadMetadata => "BAD_METADATA",
            ErrorKind::NoEvents => "NO_EVENTS",
        }
    }
}

/// An error of the capture reader or writer, with the byte offset of the fault. For compressed
/// captures the offset counts bytes of the decompressed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScapError {
    pub kind: ErrorKind,
    pub offset: u64,
    pub message: String,
}

impl ScapError {
    pub fn new(kind: ErrorKind, offset: u64, message: impl Into<String>) -> Self {
        ScapError { kind, offset, message: message.into() }
    }

    pub fn io(offset: u64, err: &std::io::Error) -> Self {
        ScapError::new(ErrorKind::Io, offset, err.to_string())
    }

    /// Places a block-relative parse fault at its absolute offset.
    pub fn at_block(block_offset: u64, m: Malformed) -> Self {
        ScapError::new(m.kind, block_offset + m.at as u64, m.message)
    }
}

impl fmt::Display for ScapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.message, self.offset)
    }
}

impl std::error::Error for ScapError {}
