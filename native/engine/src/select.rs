//! `scaptool convert --filter`, `--evtnum`, `--since/--until`, `-n`: a capture rewritten with a
//! selection of its events, as `sysdig -r in -w out filter` does. Every block the selection
//! keeps is copied byte for byte (event blocks keep their type: EV, EVF, EV_V2...), and so is
//! every block that is not an event (section headers, machine info, process, fd, interface and
//! user tables): they are the capture's state, not events, and libsinsp reads them whatever the
//! filter. Leading initial-state events (container, user, group and async events at the start,
//! which libsinsp consumes while opening a capture and never hands to a filter) are state too,
//! and are kept. Events of a type libsinsp drops (at or above `PPM_EVENT_MAX`) are never
//! delivered to a filter, so a selection leaves them out.
//!
//! Events are tested in order: evt.num range, time range, then the filter (plugin fields are
//! extracted only for events inside the ranges, as libsinsp's `evt.num >= a and ... and filter`
//! would short-circuit), then `-n` stops after that many events were kept. evt.num is the
//! input's numbering; the output, read back, is numbered from 1 again (libsinsp numbers events
//! as it reads them: a capture stores no event numbers).

use std::path::Path;
use std::time::Instant;

use scap::output_file::{OutputFile, OutputKind, OutputPolicy};
use scap::reader::ItemSink;
use scap::writer::{ScapWriter, WriterOptions};
use scap::{Compression, Item, ScapReader};
use scap_filter::CompiledFilter;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::EngineError;
use crate::event_batch::EventBatch;
use crate::evt_fields::{is_initial_state_event, is_metaevent};
use crate::extraction::{EvtContext, Extraction};
use crate::fieldset::FieldSet;
use crate::print::filter_error;
use crate::spec::PluginSpec;

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectOptions {
    pub input: String,
    pub output: String,
    /// `none`, `gzip`, `zstd`; default from the output name.
    #[serde(default)]
    pub compression: Option<String>,
    #[serde(default)]
    pub level: Option<i32>,
    /// Plugins whose fields the filter uses.
    #[serde(default)]
    pub plugins: Vec<PluginSpec>,
    /// A libsinsp filter condition (empty: no filter).
    #[serde(default)]
    pub filter: Option<String>,
    /// Inclusive evt.num range of the input.
    #[serde(default)]
    pub first_evtnum: Option<u64>,
    #[serde(default)]
    pub last_evtnum: Option<u64>,
    /// Timestamps (ns since the epoch): `since` inclusive, `until` exclusive.
    #[serde(default)]
    pub since_ns: Option<u64>,
    #[serde(default)]
    pub until_ns: Option<u64>,
    /// Stop after this many events were kept (sysdig `-n`).
    #[serde(default)]
    pub max_events: Option<u64>,
    /// Replace an existing file of another kind at the output path.
    #[serde(default)]
    pub force: bool,
    #[serde(default = "default_batch")]
    pub batch_events: usize,
}

fn default_batch() -> usize {
    16384
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectProgress {
    /// Events read from the input (numbered ones).
    pub events: u64,
    /// Events written because the selection kept them.
    pub kept: u64,
    /// Leading initial-state events, written as state (libsinsp never filters them).
    pub state_events: u64,
    /// Blocks that are not events, copied.
    pub other_blocks: u64,
    /// Events of types libsinsp drops, left out.
    pub dropped: u64,
    /// evt.num range of the input's events that were kept (absent when none was).
    pub first_kept: Option<u64>,
    pub last_kept: Option<u64>,
    /// Uncompressed bytes written.
    pub bytes_written: u64,
    pub input_compression: String,
    pub output_compression: String,
    pub position: u64,
    pub file_size: u64,
    pub elapsed_ms: u64,
    pub done: bool,
    /// Temporary files of earlier runs met at the output path (kept or removed).
    pub notes: Vec<String>,
}

/// What a batch holds, in capture order: blocks copied as they are, and events to test.
enum Piece {
    /// Raw block bytes `start..end` of `raw`, written whatever the selection: a block that is
    /// not an event, or (`is_event`) a leading initial-state event.
    Block { start: usize, end: usize, is_event: bool },
    /// Event `index` of the batch, raw bytes `start..end`.
    Event { index: usize, start: usize, end: usize },
}

pub struct Selector {
    opts: SelectOptions,
    set: FieldSet,
    filter: Option<CompiledFilter>,
    extraction: Extraction,
    ctx: EvtContext,
    reader: ScapReader,
    output: Option<OutputFile>,
    writer: Option<ScapWriter>,
    batch: EventBatch,
    raw: Vec<u8>,
    pieces: Vec<Piece>,
    at_initial_state: bool,
    /// Batch events before this index come before the capture's first non-meta event (their
    /// `evt.reltime` base is 0 in libsinsp).
    meta_prefix: usize,
    candidates: Vec<usize>,
    kept_flags: Vec<bool>,
    /// No event after this point can be kept (past the evt.num range, or `-n` reached).
    exhausted: bool,
    progress: SelectProgress,
    started: Instant,
}

impl Selector {
    pub fn start(opts: SelectOptions) -> Result<Selector, EngineError> {
        if let (Some(a), Some(b)) = (opts.first_evtnum, opts.last_evtnum) {
            if a > b {
                return Err(EngineError::usage(format!("evt.num range {a}-{b} is empty: its start is after its end")));
            }
        }
        if let (Some(a), Some(b)) = (opts.since_ns, opts.until_ns) {
            if a >= b {
                return Err(EngineError::usage("time range is empty: --since is not before --until"));
            }
        }
        let set = FieldSet::load(&opts.plugins)?;
        let filter = match opts.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(text) => Some(scap_filter::compile_filter(text, None, &set.resolver(None)).map_err(|e| filter_error("filter", None, "condition", text, &e))?),
        };
        let filter_ids: Vec<u32> = filter.as_ref().map(|f| f.fields().iter().map(|r| r.id).collect()).unwrap_or_default();
        let extraction = Extraction::new(&set, &[filter_ids])?;
        let input = Path::new(&opts.input);
        let reader = ScapReader::open(input).map_err(|e| EngineError::capture(&opts.input, e))?;
        let compression = match opts.compression.as_deref() {
            None => Compression::from_file_name(Path::new(&opts.output)),
            Some(n) => Compression::from_name(n).ok_or_else(|| EngineError::usage(format!("unknown compression {n:?} (none, gzip, zstd)")))?,
        };
        let output = OutputFile::create(Path::new(&opts.output), &OutputPolicy { kind: OutputKind::Capture, inputs: &[input], force: opts.force })
            .map_err(|e| EngineError::output(&opts.output, e))?;
        // raw: the input's own section header is copied too, byte for byte
        let writer = ScapWriter::to_output(&output, &WriterOptions { compression: Some(compression), machine_info: None, level: opts.level, raw: true })
            .map_err(|e| EngineError::capture(&opts.output, e))?;
        let progress = SelectProgress {
            file_size: reader.file_size(),
            input_compression: reader.compression().name().to_string(),
            output_compression: compression.name().to_string(),
            notes: output.notes().to_vec(),
            ..Default::default()
        };
        Ok(Selector {
            batch: EventBatch::new(opts.batch_events, 16 << 20),
            ctx: EvtContext { clock: Clock::utc(), first_ts: None, hostname: String::new() },
            opts,
            set,
            filter,
            extraction,
            reader,
            output: Some(output),
            writer: Some(writer),
            raw: Vec::new(),
            pieces: Vec::new(),
            at_initial_state: true,
            meta_prefix: 0,
            candidates: Vec::new(),
            kept_flags: Vec::new(),
            exhausted: false,
            progress,
            started: Instant::now(),
        })
    }

    /// Selects and writes the next batch of events. A fault in the input ends the run with an
    /// error after everything before it was written (the output is kept, as `convert` keeps it).
    pub fn step(&mut self) -> Result<SelectProgress, EngineError> {
        if self.progress.done {
            return Ok(self.progress.clone());
        }
        let fault = self.read_batch();
        self.select()?;
        self.write()?;
        self.progress.position = self.reader.position();
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        if let Some(e) = fault {
            self.progress.done = true;
            self.complete()?;
            return Err(e);
        }
        if self.progress.done {
            self.complete()?;
        }
        Ok(self.progress.clone())
    }

    /// Reads blocks until the batch is full or the input ends; returns the input's fault.
    fn read_batch(&mut self) -> Option<EngineError> {
        self.batch.clear();
        self.raw.clear();
        self.pieces.clear();
        while !self.batch.is_full() && self.raw.len() < (16 << 20) {
            if self.exhausted {
                self.progress.done = true;
                return None;
            }
            // (copied whatever the selection, is an event)
            let (keep_block, is_event) = match self.reader.next_item() {
                Ok(None) => {
                    self.progress.done = true;
                    return None;
                }
                Err(e) => {
                    let evtnum = self.reader.events_read() + 1;
                    return Some(EngineError::capture(&self.opts.input, e).at_event(evtnum));
                }
                Ok(Some(Item::Event(ev))) => {
                    self.progress.events += 1;
                    if self.opts.last_evtnum.is_some_and(|last| ev.evtnum >= last) {
                        // this one is the last that can be kept
                        self.exhausted = true;
                    }
                    if self.at_initial_state && is_initial_state_event(ev.record.event_type) {
                        (true, true)
                    } else {
                        self.at_initial_state = false;
                        ItemSink::event(&mut self.batch, &ev);
                        (false, true)
                    }
                }
                Ok(Some(Item::DroppedEvent { .. })) => {
                    self.progress.dropped += 1;
                    continue;
                }
                Ok(Some(_)) => (true, false),
            };
            let start = self.raw.len();
            self.raw.extend_from_slice(self.reader.last_block());
            let end = self.raw.len();
            if keep_block {
                self.pieces.push(Piece::Block { start, end, is_event });
            } else {
                self.pieces.push(Piece::Event { index: self.batch.len() - 1, start, end });
            }
        }
        None
    }

    /// Decides which events of the batch are kept (`kept_flags`).
    fn select(&mut self) -> Result<(), EngineError> {
        let n = self.batch.len();
        self.kept_flags.clear();
        self.kept_flags.resize(n, false);
        if n == 0 {
            return Ok(());
        }
        // evt.reltime counts from the first non-meta event, from 0 before it
        self.meta_prefix = 0;
        if self.ctx.first_ts.is_none() {
            match self.batch.meta.iter().position(|m| !is_metaevent(m.event_type)) {
                Some(k) => {
                    self.meta_prefix = k;
                    self.ctx.first_ts = Some(self.batch.meta[k].ts);
                }
                None => self.meta_prefix = n,
            }
        }
        let o = &self.opts;
        self.candidates.clear();
        for (i, m) in self.batch.meta.iter().enumerate() {
            let in_evtnums = o.first_evtnum.is_none_or(|a| m.evtnum >= a) && o.last_evtnum.is_none_or(|b| m.evtnum <= b);
            let in_time = o.since_ns.is_none_or(|a| m.ts >= a) && o.until_ns.is_none_or(|b| m.ts < b);
            if in_evtnums && in_time {
                self.candidates.push(i);
            }
        }
        if self.filter.is_some() && !self.candidates.is_empty() {
            self.extraction.begin(&self.set, &self.batch);
            let which = std::mem::take(&mut self.candidates);
            let cut = which.partition_point(|&i| i < self.meta_prefix);
            let result = (|| {
                if cut > 0 {
                    let base = self.ctx.first_ts.replace(0);
                    self.extraction.run(0, &mut self.set, &self.batch, &which[..cut], &mut self.ctx)?;
                    self.ctx.first_ts = base;
                }
                if cut < which.len() {
                    self.extraction.run(0, &mut self.set, &self.batch, &which[cut..], &mut self.ctx)?;
                }
                Ok::<(), EngineError>(())
            })();
            self.candidates = which;
            result?;
            if let Some(f) = &self.filter {
                let extraction = &self.extraction;
                self.candidates.retain(|&i| f.matches(&extraction.row(i)));
            }
        }
        for &i in &self.candidates {
            if self.opts.max_events.is_some_and(|max| self.progress.kept >= max) {
                self.exhausted = true;
                break;
            }
            self.kept_flags[i] = true;
            self.progress.kept += 1;
            let evtnum = self.batch.meta[i].evtnum;
            self.progress.first_kept.get_or_insert(evtnum);
            self.progress.last_kept = Some(evtnum);
        }
        if self.opts.max_events.is_some_and(|max| self.progress.kept >= max) {
            self.exhausted = true;
        }
        Ok(())
    }

    fn write(&mut self) -> Result<(), EngineError> {
        let writer = self.writer.as_mut().expect("writer open until complete");
        let out = &self.opts.output;
        for piece in &self.pieces {
            match *piece {
                Piece::Block { start, end, is_event } => {
                    if is_event {
                        self.progress.state_events += 1;
                    } else {
                        self.progress.other_blocks += 1;
                    }
                    writer.write_raw_block(&self.raw[start..end], is_event).map_err(|e| EngineError::capture(out, e))?;
                }
                Piece::Event { index, start, end } => {
                    if self.kept_flags[index] {
                        writer.write_raw_block(&self.raw[start..end], true).map_err(|e| EngineError::capture(out, e))?;
                    }
                }
            }
        }
        writer.flush().map_err(|e| EngineError::capture(out, e))?;
        self.progress.bytes_written = writer.stats().bytes;
        Ok(())
    }

    /// Finishes the output and renames it into place.
    fn complete(&mut self) -> Result<(), EngineError> {
        let out = self.opts.output.clone();
        if let Some(writer) = self.writer.take() {
            let stats = writer.finish().map_err(|e| EngineError::capture(&out, e))?;
            self.progress.bytes_written = stats.bytes;
        }
        if let Some(output) = self.output.take() {
            output.commit().map_err(|e| EngineError::io(&out, &e))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> SelectProgress {
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        // Not completed (a plugin failed, or the run was stopped): the output is not committed
        // and its temporary file is removed when `output` drops.
        self.progress
    }
}
