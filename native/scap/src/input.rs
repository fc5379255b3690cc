//! Opening capture input: plain, gzip (libscap's own compression; zlib's gzread also reads
//! concatenated members) or zstd, detected by magic bytes whatever the file name says.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::error::{ErrorKind, ScapError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    pub fn from_name(name: &str) -> Option<Compression> {
        match name {
            "none" | "plain" => Some(Compression::None),
            "gzip" | "gz" => Some(Compression::Gzip),
            "zstd" | "zst" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// Compression implied by an output file name: `.gz` or `.zst`, otherwise none.
    pub fn from_file_name(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Compression::Gzip,
            Some("zst") | Some("zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// Detects compression from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// A decompressed byte stream and what it was compressed with.
pub struct Input {
    pub stream: Box<dyn Read + Send>,
    pub compression: Compression,
    /// Size of the file on disk, for progress reporting.
    pub file_size: u64,
}

const FILE_BUFFER: usize = 256 * 1024;

/// Opens `path` and wraps it in the right decoder.
pub fn open(path: &Path) -> Result<Input, ScapError> {
    let file = File::open(path).map_err(|e| ScapError::io(0, &e))?;
    let file_size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut file = BufReader::with_capacity(FILE_BUFFER, file);
    let head = peek(&mut file).map_err(|e| ScapError::io(0, &e))?;
    let compression = Compression::sniff(&head);
    let stream: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(file).map_err(|e| ScapError::new(ErrorKind::Io, 0, e.to_string()))?,
        ),
    };
    Ok(Input { stream, compression, file_size })
}

/// Wraps an in-memory capture (tests, fuzzing) the same way as a file.
pub fn from_bytes(bytes: Vec<u8>) -> Result<Input, ScapError> {
    let file_size = bytes.len() as u64;
    let compression = Compression::sniff(&bytes);
    let cursor = io::Cursor::new(bytes);
    let stream: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(cursor),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(cursor)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(cursor).map_err(|e| ScapError::new(ErrorKind::Io, 0, e.to_string()))?,
        ),
    };
    Ok(Input { stream, compression, file_size })
}

fn peek(file: &mut BufReader<File>) -> io::Result<Vec<u8>> {
    use std::io::BufRead;
    Ok(file.fill_buf()?.iter().take(4).copied().collect())
}

/// Whether a read error from a decoder means "the compressed stream was cut short" (the
/// capture is truncated) rather than "the compressed stream is corrupt".
pub fn is_truncation(err: &io::Error) -> bool {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        return true;
    }
    // zstd reports a cut frame as an ordinary error whose text says so.
    let text = err.to_string();
    text.contains("incomplete frame") || text.contains("Truncated") || text.contains("truncated")
}
