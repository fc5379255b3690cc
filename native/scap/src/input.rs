//! Opening capture input: plain, gzip (libscap's own compression; zlib's gzread also reads
//! concatenated members) or zstd, detected by magic bytes whatever the file name says.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
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
    from_reader(file, file_size)
}

/// Wraps any byte source (a pipe, a socket, a generator) the same way as a file: compression
/// is sniffed from the first bytes. `file_size` is only informative (0 when unknown).
pub fn from_reader<R: Read + Send + 'static>(src: R, file_size: u64) -> Result<Input, ScapError> {
    let mut src = BufReader::with_capacity(FILE_BUFFER, src);
    let head = peek(&mut src).map_err(|e| ScapError::io(0, &e))?;
    let compression = Compression::sniff(&head);
    let stream = decoder(compression, src)?;
    Ok(Input { stream, compression, file_size })
}

/// Wraps an in-memory capture (tests, fuzzing) the same way as a file.
pub fn from_bytes(bytes: Vec<u8>) -> Result<Input, ScapError> {
    let file_size = bytes.len() as u64;
    let compression = Compression::sniff(&bytes);
    let stream = decoder(compression, io::Cursor::new(bytes))?;
    Ok(Input { stream, compression, file_size })
}

/// Wraps `src` in the decoder for `compression`.
///
/// The gzip and zstd decoders hand out every byte they decoded before a fault and report the
/// fault on the next read. The stock `flate2`/`zstd` readers drop the output of the read call
/// that meets corrupt data, which made the capture reader lose every event decoded in that
/// call (up to a whole window) and report the fault at the wrong offset.
fn decoder<R: BufRead + Send + 'static>(compression: Compression, src: R) -> Result<Box<dyn Read + Send>, ScapError> {
    Ok(match compression {
        Compression::None => Box::new(src),
        Compression::Gzip => Box::new(GzipStream::new(src)),
        Compression::Zstd => {
            Box::new(ZstdStream::new(src).map_err(|e| ScapError::new(ErrorKind::Io, 0, e.to_string()))?)
        }
    })
}

fn peek<R: Read>(src: &mut BufReader<R>) -> io::Result<Vec<u8>> {
    Ok(src.fill_buf()?.iter().take(4).copied().collect())
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

/// A gzip stream (one or more members, as zlib's `gzread` reads them) decoded with raw inflate,
/// so that the bytes inflated before a corrupt spot are returned before the error.
struct GzipStream<R> {
    src: R,
    inflate: flate2::Decompress,
    crc: flate2::Crc,
    state: GzState,
    /// A fault met after some output was returned; reported by the next read.
    pending: Option<io::Error>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GzState {
    /// Before a member header; `first` is false after a complete member (EOF is then clean).
    Header {
        first: bool,
    },
    Body,
    Trailer,
    Done,
}

impl<R: BufRead> GzipStream<R> {
    fn new(src: R) -> Self {
        GzipStream {
            src,
            inflate: flate2::Decompress::new(false),
            crc: flate2::Crc::new(),
            state: GzState::Header { first: true },
            pending: None,
        }
    }

    fn byte(&mut self) -> io::Result<u8> {
        let mut b = [0u8; 1];
        self.src.read_exact(&mut b).map_err(cut_gzip)?;
        Ok(b[0])
    }

    /// Reads a member header (RFC 1952 §2.3), leaving the source at the deflate data.
    fn header(&mut self) -> io::Result<()> {
        // Magic and method byte by byte, so that trailing garbage is reported as such, not as
        // a cut member.
        for expected in [0x1f, 0x8b, 8] {
            if self.byte()? != expected {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "invalid gzip header"));
            }
        }
        let mut rest = [0u8; 7];
        self.src.read_exact(&mut rest).map_err(cut_gzip)?;
        let flags = rest[0];
        if flags & 0x04 != 0 {
            let xlen = u16::from_le_bytes([self.byte()?, self.byte()?]);
            for _ in 0..xlen {
                self.byte()?;
            }
        }
        for bit in [0x08, 0x10] {
            if flags & bit != 0 {
                while self.byte()? != 0 {}
            }
        }
        if flags & 0x02 != 0 {
            self.byte()?;
            self.byte()?;
        }
        self.inflate.reset(false);
        self.crc.reset();
        Ok(())
    }

    fn step(&mut self, into: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                GzState::Done => return Ok(0),
                GzState::Header { first } => {
                    if !first && self.src.fill_buf()?.is_empty() {
                        self.state = GzState::Done;
                        return Ok(0);
                    }
                    self.header()?;
                    self.state = GzState::Body;
                }
                GzState::Trailer => {
                    let mut trailer = [0u8; 8];
                    self.src.read_exact(&mut trailer).map_err(cut_gzip)?;
                    let crc = u32::from_le_bytes(trailer[..4].try_into().unwrap());
                    let size = u32::from_le_bytes(trailer[4..].try_into().unwrap());
                    if crc != self.crc.sum() || size != self.crc.amount() {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "corrupt gzip stream does not have a matching checksum",
                        ));
                    }
                    self.state = GzState::Header { first: false };
                }
                GzState::Body => {
                    let input = self.src.fill_buf()?;
                    let eof = input.is_empty();
                    let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
                    let flush = if eof { flate2::FlushDecompress::Finish } else { flate2::FlushDecompress::None };
                    let res = self.inflate.decompress(input, into, flush);
                    let consumed = (self.inflate.total_in() - in0) as usize;
                    let produced = (self.inflate.total_out() - out0) as usize;
                    self.src.consume(consumed);
                    self.crc.update(&into[..produced]);
                    match res {
                        Ok(flate2::Status::StreamEnd) => self.state = GzState::Trailer,
                        Ok(_) if produced == 0 && eof => {
                            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete deflate stream"))
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let err =
                                io::Error::new(io::ErrorKind::InvalidData, format!("corrupt deflate stream: {e}"));
                            if produced == 0 {
                                return Err(err);
                            }
                            self.pending = Some(err);
                        }
                    }
                    if produced > 0 {
                        return Ok(produced);
                    }
                }
            }
        }
    }
}

fn cut_gzip(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        io::Error::new(io::ErrorKind::UnexpectedEof, "gzip stream ends early")
    } else {
        e
    }
}

impl<R: BufRead> Read for GzipStream<R> {
    fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.pending.take() {
            self.state = GzState::Done;
            return Err(e);
        }
        if into.is_empty() {
            return Ok(0);
        }
        self.step(into).inspect_err(|_| self.state = GzState::Done)
    }
}

/// A zstd stream (one or more frames) fed to the decoder one block at a time (the size the
/// decoder asks for), so that a corrupt block costs only its own bytes: zstd discards the
/// output of a call that fails.
struct ZstdStream<R> {
    src: R,
    dec: zstd::stream::raw::Decoder<'static>,
    /// Input bytes the decoder wants next; 0 between frames.
    hint: usize,
    /// The last call filled the output: the decoder may still hold part of a block, which
    /// must be drained before it is given more input (a failing call loses its output).
    draining: bool,
    done: bool,
}

impl<R: BufRead> ZstdStream<R> {
    fn new(src: R) -> io::Result<Self> {
        Ok(ZstdStream { src, dec: zstd::stream::raw::Decoder::new()?, hint: 0, draining: false, done: false })
    }

    fn step(&mut self, into: &mut [u8]) -> io::Result<usize> {
        use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
        loop {
            if self.draining {
                let mut out = OutBuffer::around(&mut *into);
                self.dec.run(&mut InBuffer::around(&[]), &mut out)?;
                let produced = out.pos();
                self.draining = produced == into.len();
                if produced > 0 {
                    return Ok(produced);
                }
            }
            let input = self.src.fill_buf()?;
            if input.is_empty() {
                // Flush what the decoder still holds, then decide whether the end is clean.
                let mut out = OutBuffer::around(&mut *into);
                self.dec.run(&mut InBuffer::around(&[]), &mut out)?;
                let produced = out.pos();
                if produced > 0 {
                    return Ok(produced);
                }
                self.done = true;
                return if self.hint == 0 {
                    Ok(0)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete zstd frame"))
                };
            }
            if self.hint == 0 {
                // A new frame (or the first one).
                self.dec.reinit()?;
            }
            // The hint counts the next block's 3-byte header too; holding it back makes every
            // call decode at most one block, so a corrupt header or block fails a call of its
            // own.
            let want = if self.hint > 3 { self.hint - 3 } else { self.hint.max(1) };
            let take = input.len().min(want);
            let mut inb = InBuffer::around(&input[..take]);
            let mut out = OutBuffer::around(&mut *into);
            let hint = self.dec.run(&mut inb, &mut out)?;
            let (consumed, produced) = (inb.pos(), out.pos());
            self.src.consume(consumed);
            self.hint = hint;
            self.draining = produced == into.len();
            if produced > 0 {
                return Ok(produced);
            }
        }
    }
}

impl<R: BufRead> Read for ZstdStream<R> {
    fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
        if self.done || into.is_empty() {
            return Ok(0);
        }
        self.step(into).inspect_err(|_| self.done = true)
    }
}
