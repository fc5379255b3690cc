//! `scaptool merge`: several captures into one, events ordered by timestamp (mergecap's job for
//! pcap files). The output is one section: a section header, then the state of every input
//! (the first machine info met, and every input's process, fd, interface and user tables, in
//! input order), then the events of all inputs merged by timestamp. Every block is copied byte
//! for byte. Events with equal timestamps keep the inputs' order (the first input's first), and
//! no input's events are ever reordered among themselves: an input whose timestamps go back in
//! time is merged as it is, and the out-of-order steps are counted.
//!
//! libscap reads state only before a section's first event, so the state blocks of a later
//! section of an input (concatenated captures) cannot follow merged events: they are left out
//! and reported. evt.num is not stored in a capture: read back, the merged capture is numbered
//! 1..N in its new order.

use std::path::Path;
use std::time::Instant;

use scap::block;
use scap::output_file::{OutputFile, OutputKind, OutputPolicy};
use scap::writer::{ScapWriter, WriterOptions};
use scap::{Compression, Item, ScapReader};
use serde::{Deserialize, Serialize};

use crate::error::EngineError;

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeOptions {
    pub inputs: Vec<String>,
    pub output: String,
    #[serde(default)]
    pub compression: Option<String>,
    #[serde(default)]
    pub level: Option<i32>,
    #[serde(default)]
    pub force: bool,
    /// Events written per step.
    #[serde(default = "default_step")]
    pub step_events: usize,
}

fn default_step() -> usize {
    65536
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeInput {
    pub file: String,
    pub compression: String,
    pub events: u64,
    /// State blocks written (machine info, tables).
    pub state_blocks: u64,
    /// Timestamps lower than the input's previous event's.
    pub out_of_order: u64,
    /// ns since the epoch, as decimal text (JSON numbers lose digits past 2^53).
    #[serde(serialize_with = "ns_text")]
    pub first_ts: Option<u64>,
    #[serde(serialize_with = "ns_text")]
    pub last_ts: Option<u64>,
}

fn ns_text<S: serde::Serializer>(ts: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeProgress {
    pub inputs: Vec<MergeInput>,
    pub output: String,
    pub output_compression: String,
    /// Events written.
    pub events: u64,
    /// Events of one input written after a later event of another (0: the output is in
    /// timestamp order wherever the inputs are).
    pub interleavings: u64,
    pub bytes_written: u64,
    /// Blocks left out, and why (a second machine info, a later section's state).
    pub warnings: Vec<String>,
    /// Input bytes consumed and input sizes, summed over the inputs.
    pub position: u64,
    pub file_size: u64,
    pub elapsed_ms: u64,
    pub done: bool,
    pub notes: Vec<String>,
}

/// An input with its next event read ahead.
struct Source {
    reader: ScapReader,
    /// The next event's raw block and timestamp.
    next: Option<(u64, Vec<u8>)>,
    /// Index of the section being read (state of sections after the first is left out).
    section: u32,
    done: bool,
}

pub struct Merger {
    opts: MergeOptions,
    sources: Vec<Source>,
    output: Option<OutputFile>,
    writer: Option<ScapWriter>,
    /// The input the last written event came from: a switch counts an interleaving.
    last_input: Option<usize>,
    progress: MergeProgress,
    started: Instant,
}

impl Merger {
    pub fn start(opts: MergeOptions) -> Result<Merger, EngineError> {
        if opts.inputs.len() < 2 {
            return Err(EngineError::usage("merge needs at least two captures"));
        }
        let mut sources = Vec::new();
        let mut progress = MergeProgress { output: opts.output.clone(), ..Default::default() };
        for file in &opts.inputs {
            let reader = ScapReader::open(Path::new(file)).map_err(|e| EngineError::capture(file, e))?;
            progress.file_size += reader.file_size();
            progress.inputs.push(MergeInput { file: file.clone(), compression: reader.compression().name().to_string(), ..Default::default() });
            sources.push(Source { reader, next: None, section: 0, done: false });
        }
        let compression = match opts.compression.as_deref() {
            None => Compression::from_file_name(Path::new(&opts.output)),
            Some(n) => Compression::from_name(n).ok_or_else(|| EngineError::usage(format!("unknown compression {n:?} (none, gzip, zstd)")))?,
        };
        let inputs: Vec<&Path> = opts.inputs.iter().map(Path::new).collect();
        let output = OutputFile::create(Path::new(&opts.output), &OutputPolicy { kind: OutputKind::Capture, inputs: &inputs, force: opts.force })
            .map_err(|e| EngineError::output(&opts.output, e))?;
        let mut writer = ScapWriter::to_output(&output, &WriterOptions { compression: Some(compression), machine_info: None, level: opts.level, raw: false })
            .map_err(|e| EngineError::capture(&opts.output, e))?;
        progress.output_compression = compression.name().to_string();
        progress.notes = output.notes().to_vec();
        let mut merger = Merger { opts, sources, output: Some(output), writer: None, last_input: None, progress, started: Instant::now() };
        // The state of every input first: libscap reads it only before the first event.
        let mut machine_info: Option<usize> = None;
        for i in 0..merger.sources.len() {
            merger.advance(i, &mut writer, &mut machine_info)?;
        }
        merger.writer = Some(writer);
        Ok(merger)
    }

    /// Reads input `i` up to its next event, writing the state blocks met on the way (those of
    /// its first section only).
    fn advance(&mut self, i: usize, writer: &mut ScapWriter, machine_info: &mut Option<usize>) -> Result<(), EngineError> {
        let file = self.opts.inputs[i].clone();
        let src = &mut self.sources[i];
        let stats = &mut self.progress.inputs[i];
        src.next = None;
        while !src.done {
            let state_block = match src.reader.next_item() {
                Ok(None) => {
                    src.done = true;
                    break;
                }
                Err(e) => {
                    let evtnum = src.reader.events_read() + 1;
                    return Err(EngineError::capture(&file, e).at_event(evtnum));
                }
                Ok(Some(Item::Event(ev))) => {
                    let ts = ev.record.ts;
                    if stats.last_ts.is_some_and(|last| ts < last) {
                        stats.out_of_order += 1;
                    }
                    stats.first_ts.get_or_insert(ts);
                    stats.last_ts = Some(ts);
                    src.next = Some((ts, src.reader.last_block().to_vec()));
                    break;
                }
                // A type libsinsp drops still is an event of the capture: kept, ordered by its
                // timestamp like the others.
                Ok(Some(Item::DroppedEvent { .. })) => {
                    let raw = src.reader.last_block().to_vec();
                    // the event header follows the block header and cpuid (and flags in EVF blocks)
                    let block_type = u32::from_le_bytes(raw[0..4].try_into().expect("block header"));
                    let at = if matches!(block_type, block::EVF | block::EVF_V2 | block::EVF_V2_LARGE) { 14 } else { 10 };
                    let ts = raw.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))).unwrap_or(0);
                    src.next = Some((ts, raw));
                    break;
                }
                Ok(Some(Item::Section { index, .. })) => {
                    src.section = index;
                    None
                }
                Ok(Some(Item::Metadata { block_type, .. })) => Some(block_type),
                Ok(Some(Item::UnknownBlock { block_type, .. })) => Some(block_type),
            };
            let Some(block_type) = state_block else { continue };
            if src.section > 0 || self.progress.events > 0 {
                self.progress.warnings.push(format!(
                    "{file}: a {} block of section {} was left out: the merged capture is one section, whose state comes before its first event",
                    block::block_type_name(block_type),
                    src.section
                ));
                continue;
            }
            if block_type == block::MI {
                if let Some(first) = *machine_info {
                    self.progress.warnings.push(format!("{file}: its machine info was left out: the merged capture keeps that of {}", self.opts.inputs[first]));
                    continue;
                }
                *machine_info = Some(i);
            }
            writer.write_raw_block(src.reader.last_block(), false).map_err(|e| EngineError::capture(&self.opts.output, e))?;
            stats.state_blocks += 1;
        }
        Ok(())
    }

    /// Writes up to `step_events` more events, earliest first.
    pub fn step(&mut self) -> Result<MergeProgress, EngineError> {
        if self.progress.done {
            return Ok(self.progress.clone());
        }
        let mut writer = self.writer.take().expect("writer open until done");
        let mut machine_info = Some(0);
        let result = (|| {
            for _ in 0..self.opts.step_events.max(1) {
                // the earliest pending event; ties go to the first input
                let next = (0..self.sources.len()).filter_map(|i| self.sources[i].next.as_ref().map(|(ts, _)| (*ts, i))).min();
                let Some((_, i)) = next else {
                    self.progress.done = true;
                    break;
                };
                let (_, raw) = self.sources[i].next.take().expect("pending event");
                writer.write_raw_block(&raw, true).map_err(|e| EngineError::capture(&self.opts.output, e))?;
                self.progress.events += 1;
                self.progress.inputs[i].events += 1;
                if self.last_input.is_some_and(|last| last != i) {
                    self.progress.interleavings += 1;
                }
                self.last_input = Some(i);
                self.advance(i, &mut writer, &mut machine_info)?;
            }
            writer.flush().map_err(|e| EngineError::capture(&self.opts.output, e))
        })();
        self.progress.position = self.sources.iter().map(|s| s.reader.position()).sum();
        self.progress.bytes_written = writer.stats().bytes;
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        if let Err(e) = result {
            self.progress.done = true;
            return Err(e);
        }
        if self.progress.done {
            let stats = writer.finish().map_err(|e| EngineError::capture(&self.opts.output, e))?;
            self.progress.bytes_written = stats.bytes;
            if let Some(output) = self.output.take() {
                output.commit().map_err(|e| EngineError::io(&self.opts.output, &e))?;
            }
        } else {
            self.writer = Some(writer);
        }
        Ok(self.progress.clone())
    }

    pub fn finish(mut self) -> MergeProgress {
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        // Not done (an input is damaged, or the run was stopped): the output is not committed.
        self.progress
    }
}
