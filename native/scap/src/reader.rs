//! Streaming capture reader: one window buffer, refilled from the (decompressed) input, never
//! more than one block held at a time, so memory stays flat whatever the capture size.
//!
//! It follows libscap's rules: a capture starts with a section header; metadata and unknown
//! blocks may come before the first event of a section; after that only events or a new
//! section header may follow. Events get their `evt.num` as libsinsp numbers them: 1-based,
//! continuing across concatenated sections, skipping types libsinsp drops. On a fault the
//! reader first delivers every complete event before it, then returns one [`ScapError`] naming
//! the byte offset, and then nothing more.

use std::io::{ErrorKind as IoErrorKind, Read};

use crate::block::{self, BlockHeader, BlockKind};
use crate::error::{ErrorKind, ScapError};
use crate::event::{self, EventRecord};
use crate::event_types;
use crate::input::{self, Compression, Input};
use crate::metadata::{self, Metadata};
use crate::section::{self, SectionHeader};

/// The largest block scaptool holds in memory (256 MiB). libscap grows its buffer to any
/// `*_LARGE` block's length (up to 4 GiB), so a crafted length over a stream of zeros costs it
/// gigabytes; no real event or metadata block comes near this size.
pub const MAX_BLOCK_LEN: u32 = 256 << 20;

/// Default window size. Blocks larger than this grow the window for as long as they need it.
const WINDOW: usize = 1 << 20;

/// Something the reader found in the capture.
#[derive(Debug)]
pub enum Item<'a> {
    /// A section header (index 0 for the first section).
    Section { offset: u64, index: u32, header: SectionHeader },
    /// A metadata block before the events of a section.
    Metadata { offset: u64, block_type: u32, metadata: Metadata },
    /// A block of unknown type before the events of a section: skipped, as libscap does.
    UnknownBlock { offset: u64, block_type: u32, total_len: u32 },
    /// An event.
    Event(Event<'a>),
    /// An event of a type libsinsp drops silently (at or above `PPM_EVENT_MAX`): no `evt.num`.
    DroppedEvent { offset: u64, event_type: u16 },
}

#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// 1-based event number, as libsinsp assigns it.
    pub evtnum: u64,
    /// Byte offset of the event's block (in the decompressed stream).
    pub offset: u64,
    pub block_type: u32,
    /// Index of the section holding the event.
    pub section: u32,
    pub record: EventRecord<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Nothing read yet: the next block must be a section header.
    Start,
    /// Inside a section, before its first event.
    Metadata,
    /// Events of the current section have started.
    Events,
    /// Clean end, or an error was returned.
    Done,
}

pub struct ScapReader {
    src: Box<dyn Read + Send>,
    compression: Compression,
    /// Size the window starts at and shrinks back to.
    window: usize,
    file_size: u64,
    buf: Vec<u8>,
    /// Window of valid bytes: `buf[start..end]`.
    start: usize,
    end: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    /// Bytes of the last returned block, consumed on the next call (the item borrows them).
    pending: usize,
    src_eof: bool,
    /// A decoder error met while filling, reported once the bytes before it are used up.
    src_error: Option<std::io::Error>,
    state: State,
    section: u32,
    sections: u32,
    next_evtnum: u64,
}

impl ScapReader {
    pub fn open(path: &std::path::Path) -> Result<ScapReader, ScapError> {
        Ok(Self::new(input::open(path)?))
    }

    pub fn new(input: Input) -> ScapReader {
        Self::with_window(input, WINDOW)
    }

    /// A reader with a window of `window` bytes instead of 1 MiB (at least 1). Results never
    /// depend on it; tests and fuzzing use a tiny one so that blocks straddle refills.
    #[doc(hidden)]
    pub fn with_window(input: Input, window: usize) -> ScapReader {
        let window = window.max(1);
        ScapReader {
            src: input.stream,
            compression: input.compression,
            file_size: input.file_size,
            buf: vec![0u8; window],
            window,
            start: 0,
            end: 0,
            offset: 0,
            pending: 0,
            src_eof: false,
            src_error: None,
            state: State::Start,
            section: 0,
            sections: 0,
            next_evtnum: 1,
        }
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Size of the input file on disk (compressed size for compressed captures).
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// Bytes of the decompressed stream consumed so far.
    pub fn position(&self) -> u64 {
        self.offset + self.pending as u64
    }

    /// The raw bytes of the block behind the last returned item (valid until the next call);
    /// `convert` copies blocks through this, byte for byte.
    pub fn last_block(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.pending]
    }

    /// Allocated size of the reader's window, for memory checks: it stays at 1 MiB unless a
    /// block is larger, and shrinks back after one.
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Events delivered so far (the last `evt.num`).
    pub fn events_read(&self) -> u64 {
        self.next_evtnum - 1
    }

    /// Next item of the capture, `Ok(None)` at a clean end. After an error, always `Ok(None)`.
    pub fn next_item(&mut self) -> Result<Option<Item<'_>>, ScapError> {
        match self.advance() {
            Ok(Some(step)) => self.item(step).map(Some),
            Ok(None) => {
                self.state = State::Done;
                Ok(None)
            }
            Err(e) => {
                self.state = State::Done;
                Err(e)
            }
        }
    }

    /// Next event, skipping every non-event item.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ScapError> {
        loop {
            let step = match self.advance() {
                Ok(Some(step @ Step::Event { .. })) => step,
                Ok(Some(_)) => continue,
                Ok(None) => {
                    self.state = State::Done;
                    return Ok(None);
                }
                Err(e) => {
                    self.state = State::Done;
                    return Err(e);
                }
            };
            // Dropped event types come back as a non-event item: keep looking.
            if let Step::Event { shape } = step {
                if !event_types::is_known_to_libsinsp(self.pending_event_type(shape)) {
                    continue;
                }
            }
            return match self.item(step)? {
                Item::Event(e) => Ok(Some(e)),
                _ => unreachable!("dropped types were skipped above"),
            };
        }
    }

    /// Reads items into `sink` until it is full or the capture ends (returns false then).
    /// Event blocks already whole in the window take a short path (no intermediate step or
    /// item values); everything else goes through [`Self::next_item`], so both paths apply the
    /// same rules and report the same errors.
    pub fn read_into(&mut self, sink: &mut impl ItemSink) -> Result<bool, ScapError> {
        while !sink.is_full() {
            if let Some(shape) = self.whole_event_block() {
                self.consume_pending();
                let total = crate::bytes::le_u32(&self.buf, self.start + 4) as usize;
                self.pending = total;
                if !event_types::is_known_to_libsinsp(self.pending_event_type(shape)) {
                    sink.other(Item::DroppedEvent { offset: self.offset, event_type: self.pending_event_type(shape) });
                    continue;
                }
                let bytes = &self.buf[self.start..self.start + total];
                if let Some((cpuid, flags, stored)) = event::valid_v2_event(bytes, shape) {
                    if sink.stored_v2_event(self.next_evtnum, cpuid, flags, stored) {
                        self.next_evtnum += 1;
                        continue;
                    }
                }
                match event::parse(bytes, shape) {
                    Ok(record) => {
                        let ev = Event {
                            evtnum: self.next_evtnum,
                            offset: self.offset,
                            block_type: crate::bytes::le_u32(bytes, 0),
                            section: self.section,
                            record,
                        };
                        self.next_evtnum += 1;
                        sink.event(&ev);
                    }
                    Err(m) => {
                        self.state = State::Done;
                        return Err(ScapError::at_block(self.offset, m));
                    }
                }
                continue;
            }
            match self.next_item()? {
                None => return Ok(false),
                Some(Item::Event(ev)) => sink.event(&ev),
                Some(other) => sink.other(other),
            }
        }
        Ok(true)
    }

    /// The shape of the block after the pending one, if it is an event block lying whole in the
    /// window, its length within the limits, while events are being read.
    #[inline]
    fn whole_event_block(&self) -> Option<block::EventBlockShape> {
        if self.state != State::Events {
            return None;
        }
        let at = self.start + self.pending;
        if self.end - at < block::HEADER_LEN {
            return None;
        }
        let header = BlockHeader::read(&self.buf[at..]);
        let block::BlockKind::Event(shape) = block::classify(header.block_type) else { return None };
        if event::check_block_len(shape, header.total_len).is_err() || header.total_len as usize > self.end - at {
            return None;
        }
        Some(shape)
    }

    /// The event type of the event block at the start of the window (its length was checked
    /// against the minimum, so the 26- or 22-byte event header is there).
    fn pending_event_type(&self, shape: block::EventBlockShape) -> u16 {
        let type_at = self.start + block::HEADER_LEN + event::prefix_len(shape) + 20;
        crate::bytes::le_u16(&self.buf, type_at)
    }

    /// Reads the next block into the window, validates it, and says what it is. The returned
    /// step is turned into an [`Item`] borrowing the window by [`Self::item`].
    fn advance(&mut self) -> Result<Option<Step>, ScapError> {
        self.consume_pending();
        if self.state == State::Done {
            return Ok(None);
        }
        let have = self.fill(block::HEADER_LEN);
        if have == 0 {
            return self.at_clean_end();
        }
        if have < block::HEADER_LEN {
            let (shb, n) = (block::SHB.to_le_bytes(), have.min(4));
            if self.state == State::Start
                && self.src_error.is_none()
                && self.buf[self.start..self.start + n] != shb[..n]
            {
                return Err(ScapError::new(
                    ErrorKind::NotACapture,
                    self.offset,
                    format!("not a capture file: {have} bytes that do not start a section header"),
                ));
            }
            return Err(self.truncated(block::HEADER_LEN, have, "the capture ends inside a block header"));
        }
        let header = BlockHeader::read(&self.buf[self.start..]);
        let kind = block::classify(header.block_type);
        if self.state == State::Start && kind != BlockKind::Section {
            return Err(ScapError::new(
                ErrorKind::NotACapture,
                self.offset,
                format!(
                    "not a capture file: first block type is 0x{:08X}, not a section header (0x0A0D0D0A)",
                    header.block_type
                ),
            ));
        }
        match kind {
            BlockKind::Section => {
                // The magic first: a byte-swapped capture has a swapped length too.
                if self.fill(12) >= 12 {
                    let magic = crate::bytes::le_u32(&self.buf, self.start + 8);
                    section::check_magic(magic).map_err(|m| ScapError::at_block(self.offset, m))?;
                }
                if header.total_len < section::SHB_LEN {
                    return Err(ScapError::new(
                        ErrorKind::BadBlockLength,
                        self.offset + 4,
                        format!("section header block length {} is shorter than 28", header.total_len),
                    ));
                }
                self.load_block(header.total_len, "section header")?;
                let parsed = section::parse(self.block(header.total_len))
                    .map_err(|m| ScapError::at_block(self.offset, m))?;
                if self.state != State::Start {
                    self.section += 1;
                }
                self.sections += 1;
                self.state = State::Metadata;
                Ok(Some(Step::Section { header: parsed }))
            }
            BlockKind::Event(shape) => {
                event::check_block_len(shape, header.total_len).map_err(|m| ScapError::at_block(self.offset, m))?;
                self.load_block(header.total_len, "event block")?;
                self.state = State::Events;
                Ok(Some(Step::Event { shape }))
            }
            _ => {
                if self.state == State::Events {
                    return Err(ScapError::new(
                        ErrorKind::UnexpectedBlock,
                        self.offset,
                        format!(
                            "unexpected block {} after events: only events or a new section header may follow events",
                            block::block_type_name(header.block_type)
                        ),
                    ));
                }
                if header.total_len < block::MIN_BLOCK_LEN {
                    return Err(ScapError::new(
                        ErrorKind::BadBlockLength,
                        self.offset + 4,
                        format!(
                            "{} block length {} is shorter than the 12-byte minimum",
                            block::block_type_name(header.block_type),
                            header.total_len
                        ),
                    ));
                }
                self.load_block(header.total_len, "metadata block")?;
                let bytes = self.block(header.total_len);
                let trailer = crate::bytes::le_u32(bytes, bytes.len() - 4);
                if trailer != header.total_len {
                    return Err(ScapError::new(
                        ErrorKind::TrailerMismatch,
                        self.offset + header.total_len as u64 - 4,
                        format!(
                            "wrong block total length in {} block: header={}, trailer={trailer}",
                            block::block_type_name(header.block_type),
                            header.total_len
                        ),
                    ));
                }
                if kind == BlockKind::Unknown {
                    return Ok(Some(Step::Unknown { header }));
                }
                let body = &bytes[block::HEADER_LEN..bytes.len() - block::TRAILER_LEN];
                let parsed = metadata::parse(kind, body)
                    .expect("metadata kind")
                    .map_err(|m| ScapError::at_block(self.offset, m))?;
                Ok(Some(Step::Metadata { block_type: header.block_type, metadata: parsed }))
            }
        }
    }

    /// Builds the item for a step whose block sits at the start of the window.
    fn item(&mut self, step: Step) -> Result<Item<'_>, ScapError> {
        let offset = self.offset;
        Ok(match step {
            Step::Section { header } => Item::Section { offset, index: self.section, header },
            Step::Metadata { block_type, metadata } => Item::Metadata { offset, block_type, metadata },
            Step::Unknown { header } => {
                Item::UnknownBlock { offset, block_type: header.block_type, total_len: header.total_len }
            }
            Step::Event { shape } => {
                // libscap skips types at or above PPM_EVENT_MAX before it looks at (or
                // validates) anything else in the event.
                let event_type = self.pending_event_type(shape);
                if !event_types::is_known_to_libsinsp(event_type) {
                    return Ok(Item::DroppedEvent { offset, event_type });
                }
                let bytes = &self.buf[self.start..self.start + self.pending];
                let block_type = BlockHeader::read(bytes).block_type;
                let record = match event::parse(bytes, shape) {
                    Ok(record) => record,
                    Err(m) => {
                        self.state = State::Done;
                        return Err(ScapError::at_block(offset, m));
                    }
                };
                let evtnum = self.next_evtnum;
                self.next_evtnum += 1;
                Item::Event(Event { evtnum, offset, block_type, section: self.section, record })
            }
        })
    }

    fn at_clean_end(&mut self) -> Result<Option<Step>, ScapError> {
        if self.src_error.is_some() {
            // The decoder failed exactly at a block boundary: still a damaged capture.
            return Err(self.truncated(block::HEADER_LEN, 0, "the compressed stream ends early"));
        }
        match self.state {
            // Not even a section header: an empty file (or compressed stream), as an
            // interrupted writer leaves it. libscap: "expecting 8 bytes, read 0".
            State::Start => Err(ScapError::new(
                ErrorKind::Truncated,
                self.offset,
                "truncated capture: the capture is empty (expecting 8 bytes, read 0)",
            )),
            // The last section has no event block. libscap refuses it when it opens the file
            // or, for a later section, when it restarts the capture on that section.
            State::Metadata => Err(ScapError::new(
                ErrorKind::NoEvents,
                self.offset,
                if self.sections > 1 {
                    "no events in the last section: libscap refuses a section without an event block"
                } else {
                    "no events in file: libscap refuses a capture without at least one event block"
                },
            )),
            State::Events | State::Done => Ok(None),
        }
    }

    /// Makes the whole block of `total_len` bytes available at `buf[start..]`.
    fn load_block(&mut self, total_len: u32, what: &str) -> Result<(), ScapError> {
        if total_len > MAX_BLOCK_LEN {
            return Err(ScapError::new(
                ErrorKind::OversizedBlock,
                self.offset + 4,
                format!(
                    "{what} length {total_len} is larger than scaptool's limit of {} MiB: refused before reading it \
                     (libscap would try to hold the whole block in memory)",
                    MAX_BLOCK_LEN >> 20
                ),
            ));
        }
        let total = total_len as usize;
        let have = self.fill(total);
        if have < total {
            // "an event block", "a section header"
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            return Err(self.truncated(total, have, &format!("the capture ends inside {article} {what}")));
        }
        self.pending = total;
        Ok(())
    }

    fn block(&self, total_len: u32) -> &[u8] {
        &self.buf[self.start..self.start + total_len as usize]
    }

    fn consume_pending(&mut self) {
        self.start += self.pending;
        self.offset += self.pending as u64;
        self.pending = 0;
    }

    /// Error for a stream that ended (or whose decoder failed) before `wanted` bytes.
    fn truncated(&mut self, wanted: usize, have: usize, what: &str) -> ScapError {
        if let Some(err) = self.src_error.take() {
            if !input::is_truncation(&err) {
                return ScapError::new(
                    ErrorKind::Decompress,
                    self.offset + have as u64,
                    format!("corrupt {} stream: {err}", self.compression.name()),
                );
            }
        }
        ScapError::new(
            ErrorKind::Truncated,
            self.offset,
            format!("truncated capture: {what} (expecting {wanted} bytes, read {have})"),
        )
    }

    /// Ensures at least `wanted` bytes in the window if the input has them; returns how many
    /// bytes the window holds (less than `wanted` only at the end of the input).
    fn fill(&mut self, wanted: usize) -> usize {
        if self.end - self.start >= wanted {
            return self.end - self.start;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            // After a very large block, give the memory back.
            if self.buf.len() > 4 * self.window && wanted <= self.window && self.end <= self.window {
                self.buf.truncate(self.window);
                self.buf.shrink_to_fit();
            }
        }
        if self.buf.len() < wanted {
            // Grow in steps as data arrives, so that a corrupt length in a short file costs at
            // most the file's own size.
            let target = wanted.min(self.buf.len().saturating_mul(2).max(self.end + self.window)).max(self.window);
            // Exact reservations: `resize` alone may double the capacity past what the block needs.
            self.buf.reserve_exact(target.saturating_sub(self.buf.len()));
            self.buf.resize(target, 0);
        }
        while self.end < wanted && !self.src_eof {
            if self.end == self.buf.len() {
                let target = wanted.min(self.buf.len().saturating_mul(2));
                self.buf.reserve_exact(target - self.buf.len());
                self.buf.resize(target, 0);
            }
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.src_eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
                Err(e) => {
                    self.src_eof = true;
                    self.src_error = Some(e);
                }
            }
        }
        self.end - self.start
    }
}

/// Where [`ScapReader::read_into`] delivers what it reads.
pub trait ItemSink {
    fn event(&mut self, event: &Event<'_>);
    /// A v2 event, validated as [`Event`]s are (`stored` is its `len` bytes), for a sink that
    /// only copies events: true if it took it, false to get it through [`ItemSink::event`].
    /// Skips building the [`Event`], which costs the reader's loop about a third of its time.
    #[inline]
    fn stored_v2_event(&mut self, _evtnum: u64, _cpuid: u16, _flags: u32, _stored: &[u8]) -> bool {
        false
    }
    /// Any non-event item (sections, metadata, skipped blocks, dropped events).
    fn other(&mut self, item: Item<'_>);
    /// Stop reading before the next item.
    fn is_full(&self) -> bool;
}

/// What `advance` found; turned into an [`Item`] once the borrow of the window can be taken.
enum Step {
    Section { header: SectionHeader },
    Metadata { block_type: u32, metadata: Metadata },
    Unknown { header: BlockHeader },
    Event { shape: block::EventBlockShape },
}
