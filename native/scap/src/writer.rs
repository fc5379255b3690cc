//! Capture writer: SHB 1.2, an optional MI block, then events in EV_V2/EVF_V2 blocks, or in
//! EV_V2_LARGE/EVF_V2_LARGE blocks for large-payload types (plugin and async events), plain,
//! gzip or zstd.
//!
//! The writer never emits a block its reader (or libscap) would refuse: every event is
//! validated first. [`ScapWriter::flush`] pushes everything written so far through the
//! compressor and to the OS, so that a recorder that flushes per batch leaves, if it is killed,
//! a file readable up to its last flushed event.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::block;
use crate::error::{ErrorKind, ScapError};
use crate::event::{self, DF_LARGE};
use crate::input::Compression;
use crate::machine_info::{self, MachineInfo};
use crate::plugin_event;
use crate::section;

enum Sink {
    Plain(BufWriter<Box<dyn Write + Send>>),
    Gzip(flate2::write::GzEncoder<BufWriter<Box<dyn Write + Send>>>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<Box<dyn Write + Send>>>),
}

impl Sink {
    /// `level`: gzip 0..9 (default zlib's 6), zstd 1..22 (default 3).
    fn new(out: Box<dyn Write + Send>, compression: Compression, level: Option<i32>) -> std::io::Result<Sink> {
        let out = BufWriter::with_capacity(OUT_BUFFER, out);
        Ok(match compression {
            Compression::None => Sink::Plain(out),
            Compression::Gzip => {
                let level = level.map(|l| l.clamp(0, 9) as u32).unwrap_or(6);
                Sink::Gzip(flate2::write::GzEncoder::new(out, flate2::Compression::new(level)))
            }
            Compression::Zstd => Sink::Zstd(zstd::stream::write::Encoder::new(out, level.unwrap_or(3))?),
        })
    }

    fn out(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w,
            Sink::Zstd(w) => w,
        }
    }

    /// Ends the compressed stream and flushes everything to the underlying writer.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(w) => w.finish()?.flush(),
            Sink::Zstd(w) => w.finish()?.flush(),
        }
    }
}

/// A byte stream written plain, gzip or zstd: the capture writer's sink, for other files
/// scaptool may compress (golden files). Call [`CompressedWriter::finish`] to end the stream.
pub struct CompressedWriter {
    sink: Sink,
}

impl CompressedWriter {
    pub fn new(out: Box<dyn Write + Send>, compression: Compression, level: Option<i32>) -> std::io::Result<CompressedWriter> {
        Ok(CompressedWriter { sink: Sink::new(out, compression, level)? })
    }

    pub fn finish(self) -> std::io::Result<()> {
        self.sink.finish()
    }
}

impl Write for CompressedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sink.out().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sink.out().flush()
    }
}

#[derive(Clone, Debug, Default)]
pub struct WriterOptions {
    pub compression: Option<Compression>,
    /// Writes an MI block after the section header (current libscap does, with zeroes, for
    /// plugin captures; 2022 libscap does not).
    pub machine_info: Option<MachineInfo>,
    /// Compression level (gzip 0..9, zstd 1..22); defaults: zlib's default 6, zstd 3.
    pub level: Option<i32>,
    /// Write no section header: the caller copies every block itself, the first SHB included
    /// ([`ScapWriter::write_raw_block`]), so a copy keeps the input's header byte for byte.
    pub raw: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub events: u64,
    /// Uncompressed bytes written.
    pub bytes: u64,
}

pub struct ScapWriter {
    sink: Option<Sink>,
    stats: WriterStats,
    /// Reused buffers: the block being written, and the event being encoded.
    scratch: Vec<u8>,
    event_scratch: Vec<u8>,
}

const OUT_BUFFER: usize = 1 << 20;

impl ScapWriter {
    /// Creates `path` (compression from the options, else from the `.gz`/`.zst` extension) and
    /// writes the section header.
    pub fn create(path: &Path, options: &WriterOptions) -> Result<ScapWriter, ScapError> {
        let file = File::create(path).map_err(|e| ScapError::io(0, &e))?;
        let compression = options.compression.unwrap_or_else(|| Compression::from_file_name(path));
        Self::new(Box::new(file), compression, options)
    }

    /// Writes into an [`OutputFile`](crate::output_file::OutputFile)'s temporary file
    /// (compression from the options, else from the final name's extension); the caller
    /// commits the output after [`ScapWriter::finish`].
    pub fn to_output(out: &crate::output_file::OutputFile, options: &WriterOptions) -> Result<ScapWriter, ScapError> {
        let file = out.writer().map_err(|e| ScapError::io(0, &e))?;
        let compression = options.compression.unwrap_or_else(|| Compression::from_file_name(out.path()));
        Self::new(Box::new(file), compression, options)
    }

    pub fn new(out: Box<dyn Write + Send>, compression: Compression, options: &WriterOptions) -> Result<ScapWriter, ScapError> {
        let sink = Sink::new(out, compression, options.level).map_err(|e| ScapError::io(0, &e))?;
        let mut w = ScapWriter { sink: Some(sink), stats: WriterStats::default(), scratch: Vec::with_capacity(1 << 16), event_scratch: Vec::new() };
        if options.raw {
            return Ok(w);
        }
        w.put(&section::to_bytes())?;
        if let Some(mi) = &options.machine_info {
            let body = machine_info::to_body(mi);
            let total = block::total_len_for_body(body.len()) as u32;
            let mut blk = Vec::with_capacity(total as usize);
            blk.extend_from_slice(&block::BlockHeader { block_type: block::MI, total_len: total }.to_bytes());
            blk.extend_from_slice(&body);
            blk.extend_from_slice(&total.to_le_bytes());
            w.put(&blk)?;
        }
        Ok(w)
    }

    pub fn stats(&self) -> WriterStats {
        self.stats
    }

    /// Writes one event given in the v2 layout (26-byte header, lengths, data).
    pub fn write_event(&mut self, cpuid: u16, flags: u32, event_v2: &[u8]) -> Result<(), ScapError> {
        let rec = event::parse_v2_event(event_v2).map_err(|m| {
            ScapError::new(m.kind, self.stats.bytes, format!("refusing to write event {}: {}", self.stats.events + 1, m.message))
        })?;
        let flags = flags & !DF_LARGE;
        let block_type = event::block_type_for(rec.event_type, flags);
        let prefix = if flags != 0 { 6 } else { 2 };
        if !matches!(block_type, block::EV_V2_LARGE | block::EVF_V2_LARGE)
            && block::total_len_for_body(prefix + event_v2.len()) - 8 > block::NON_LARGE_MAX_BODY as usize
        {
            return Err(ScapError::new(
                ErrorKind::OversizedBlock,
                self.stats.bytes,
                format!("event {} of type {} is too large for a non-large event block", self.stats.events + 1, rec.event_type),
            ));
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        event::append_block(&mut scratch, cpuid, flags, event_v2);
        let res = self.put(&scratch);
        self.scratch = scratch;
        res?;
        self.stats.events += 1;
        Ok(())
    }

    /// Writes a plugin event (type 322, cpuid 0, tid -1) for `payload`.
    pub fn write_plugin_event(&mut self, ts: u64, plugin_id: u32, payload: &[u8]) -> Result<(), ScapError> {
        let mut ev = std::mem::take(&mut self.event_scratch);
        ev.clear();
        plugin_event::encode(&mut ev, ts, plugin_id, payload);
        let res = self.write_event(0, 0, &ev);
        self.event_scratch = ev;
        res
    }

    /// Copies a whole block verbatim (used by `convert`, which must not change any byte).
    pub fn write_raw_block(&mut self, block: &[u8], is_event: bool) -> Result<(), ScapError> {
        self.put(block)?;
        if is_event {
            self.stats.events += 1;
        }
        Ok(())
    }

    /// Pushes everything written so far to the file: a sync flush of the compressor and a
    /// write to the OS. A reader then decodes every event written before this call.
    pub fn flush(&mut self) -> Result<(), ScapError> {
        let offset = self.stats.bytes;
        self.sink.as_mut().expect("writer is open").out().flush().map_err(|e| ScapError::io(offset, &e))
    }

    /// Finishes the compressed stream and flushes the file.
    pub fn finish(mut self) -> Result<WriterStats, ScapError> {
        let offset = self.stats.bytes;
        let io = |e: std::io::Error| ScapError::io(offset, &e);
        self.sink.take().expect("writer is open").finish().map_err(io)?;
        Ok(self.stats)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), ScapError> {
        let offset = self.stats.bytes;
        self.sink.as_mut().expect("writer is open").out().write_all(bytes).map_err(|e| ScapError::io(offset, &e))?;
        self.stats.bytes += bytes.len() as u64;
        Ok(())
    }
}

impl Drop for ScapWriter {
    /// A writer dropped without `finish` (error path, interrupted recording) still flushes what
    /// it has, so the file stays readable up to the last complete event.
    fn drop(&mut self) {
        if let Some(mut sink) = self.sink.take() {
            let _ = sink.out().flush();
            match sink {
                Sink::Gzip(w) => {
                    let _ = w.finish();
                }
                Sink::Zstd(w) => {
                    let _ = w.finish();
                }
                Sink::Plain(_) => {}
            }
        }
    }
}
