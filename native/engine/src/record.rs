//! Recording: run source plugins live until EOF, a maximum event count, a deadline or a stop
//! request; write every event to a capture (flushed per batch, so an interrupted recording is
//! readable up to its last batch) and every field of every plugin that applies to it to the
//! golden file (renamed into place only when complete).
//!
//! As in a live Falco, a source plugin's own fields are extracted with the very state that
//! produced the events; extractor plugins get their own state. Several sources are polled in
//! turn; when every open source answers TIMEOUT, the recorder sleeps `timeout_wait_ms`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plugin_host::{BatchStatus, EventBatch, EventRef, PluginState};
use scap::output_file::{OutputFile, OutputKind, OutputPolicy};
use scap::writer::{ScapWriter, WriterOptions};
use scap::Compression;
use serde::Serialize;

use crate::capture_flusher::CaptureFlusher;
use crate::error::EngineError;
use crate::golden::GoldenWriter;
use crate::rows::{self, CellTable, EventKey, Scratch};
use crate::session::{Role, Session};
use crate::spec::RecordOptions;

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceProgress {
    pub plugin: String,
    pub events: u64,
    pub done: bool,
    /// The plugin's own `get_progress`: percent (0..=100, two decimals) and text.
    pub percent: Option<f64>,
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordProgress {
    pub events: u64,
    pub elapsed_ms: u64,
    /// TIMEOUT answers waited out so far.
    pub timeouts: u64,
    pub done: bool,
    /// Why recording ended: `eof`, `max-events`, `duration`, `stopped`.
    pub reason: Option<String>,
    pub sources: Vec<SourceProgress>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginSummary {
    pub name: String,
    pub version: String,
    pub path: String,
    pub role: String,
    pub generation: String,
    pub columns: Vec<String>,
    /// Fields that need an argument and were not named with --field.
    pub skipped_fields: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    pub capture: String,
    /// The golden file written (`None`: none asked for, or nothing recorded).
    pub golden: Option<String>,
    /// Whether the capture was written: a recording of 0 events leaves no file behind.
    pub written: bool,
    /// Things found on the way that the user should know (a partial capture left by an
    /// interrupted recording, a stale temporary file removed).
    pub notes: Vec<String>,
    pub events: u64,
    /// Uncompressed bytes written to the capture.
    pub bytes: u64,
    pub columns: Vec<String>,
    pub plugins: Vec<PluginSummary>,
    pub progress: RecordProgress,
}

/// What one poll of a source gave.
enum Polled {
    Events,
    Timeout,
    Eof,
}

pub struct Recorder {
    session: Session,
    states: Vec<Option<PluginState>>,
    source_done: Vec<bool>,
    source_events: Vec<u64>,
    /// The capture's temporary file (renamed into place by `finish`) and its writer, which
    /// writes to the file through `flusher`.
    capture_out: Option<OutputFile>,
    writer: Option<ScapWriter>,
    flusher: Option<CaptureFlusher>,
    golden: Option<GoldenWriter>,
    capture_path: String,
    batch: EventBatch,
    table: CellTable,
    scratch: Scratch,
    keys: Vec<EventKey>,
    text: String,
    next_evtnum: u64,
    max_events: Option<u64>,
    deadline: Option<Instant>,
    timeout_wait: Duration,
    stop: Arc<AtomicBool>,
    progress: RecordProgress,
    started: Instant,
    notes: Vec<String>,
}

impl Recorder {
    /// Loads and validates every plugin, claims the capture and golden outputs (temporary
    /// files, renamed into place by `finish`), then initializes the plugins and opens the
    /// sources.
    pub fn start(opts: &RecordOptions) -> Result<Recorder, EngineError> {
        let session = Session::for_recording(&opts.sources, &opts.extractors, &opts.plugins, &opts.fields, &opts.exclude_fields)?;
        let output = Path::new(&opts.output);
        let compression = match opts.compression.as_deref() {
            None => Compression::from_file_name(output),
            Some(n) => Compression::from_name(n).ok_or_else(|| EngineError::usage(format!("unknown compression '{n}' (none, gzip, zstd)")))?,
        };
        let golden_path = match opts.golden.as_deref() {
            Some("") => None,
            Some(p) => Some(p.to_string()),
            None => Some(format!("{}.golden", opts.output)),
        };
        // Each output is the other's input: never the same file, whatever the spelling.
        let golden_input: Vec<&Path> = golden_path.iter().map(Path::new).collect();
        let capture_out = OutputFile::create(output, &OutputPolicy { kind: OutputKind::Capture, inputs: &golden_input, force: opts.force })
            .map_err(|e| EngineError::output(&opts.output, e))?;
        let (flusher, pipe) = capture_out.writer().and_then(CaptureFlusher::start).map_err(|e| EngineError::io(&opts.output, &e))?;
        let writer = ScapWriter::new(Box::new(pipe), compression, &WriterOptions::default()).map_err(|e| EngineError::capture(&opts.output, e))?;
        let golden = match &golden_path {
            Some(p) => Some(GoldenWriter::create_with(Path::new(p), &session.golden_header(), &[output], opts.force)?),
            None => None,
        };
        let mut notes = capture_out.notes().to_vec();
        notes.extend(golden.iter().flat_map(|g| g.notes().iter().cloned()));
        // The outputs are checked (and claimed) before any plugin runs.
        let mut states = Vec::with_capacity(session.plugins.len());
        for p in &session.plugins {
            let mut state = p.plugin.init(&p.config).map_err(|e| EngineError::plugin(p.name(), e))?;
            if p.role == Role::Source {
                state.open(&p.spec.open_params).map_err(|e| EngineError::plugin(p.name(), e))?;
            }
            states.push(Some(state));
        }
        let n = session.plugins.len();
        let sources: Vec<SourceProgress> = session
            .plugins
            .iter()
            .filter(|p| p.role == Role::Source)
            .map(|p| SourceProgress { plugin: p.name().to_string(), ..Default::default() })
            .collect();
        let now = Instant::now();
        Ok(Recorder {
            session,
            states,
            source_done: vec![false; n],
            source_events: vec![0; n],
            capture_out: Some(capture_out),
            writer: Some(writer),
            flusher: Some(flusher),
            golden,
            capture_path: opts.output.clone(),
            batch: EventBatch::default(),
            table: CellTable::default(),
            scratch: Scratch::default(),
            keys: Vec::new(),
            text: String::new(),
            next_evtnum: 1,
            max_events: opts.max_events,
            deadline: opts.duration_ms.map(|ms| now + Duration::from_millis(ms)),
            timeout_wait: Duration::from_millis(opts.timeout_wait_ms.max(1)),
            stop: Arc::new(AtomicBool::new(false)),
            progress: RecordProgress { sources, ..Default::default() },
            started: now,
            notes,
        })
    }

    /// A flag that ends the recording at the next batch boundary (Ctrl-C).
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    fn end(&mut self, reason: &str) {
        if !self.progress.done {
            self.progress.done = true;
            self.progress.reason = Some(reason.to_string());
        }
    }

    /// Records for about `budget`, then returns the progress (`done` when recording is over).
    pub fn step(&mut self, budget: Duration) -> Result<RecordProgress, EngineError> {
        let until = Instant::now() + budget;
        while !self.progress.done && Instant::now() < until {
            // The deadline first: the CLI also sends a stop when --duration is over (for a
            // source that never returns), and that stop is the duration, not an interruption.
            if self.past_deadline() {
                self.end("duration");
                break;
            }
            if self.stop.load(Ordering::Relaxed) {
                self.end("stopped");
                break;
            }
            let mut got_events = false;
            let mut timed_out = false;
            for pi in 0..self.session.plugins.len() {
                if self.session.plugins[pi].role != Role::Source || self.source_done[pi] || self.progress.done {
                    continue;
                }
                match self.poll_source(pi)? {
                    Polled::Events => got_events = true,
                    Polled::Timeout => timed_out = true,
                    Polled::Eof => {}
                }
            }
            if !got_events && !timed_out {
                self.end("eof");
            } else if !got_events && !self.progress.done {
                self.progress.timeouts += 1;
                std::thread::sleep(self.timeout_wait.min(until.saturating_duration_since(Instant::now())).max(Duration::from_millis(1)));
            }
        }
        if self.past_deadline() {
            self.end("duration");
        }
        self.refresh_progress();
        Ok(self.progress.clone())
    }

    fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// One `next_batch` of source `pi`.
    fn poll_source(&mut self, pi: usize) -> Result<Polled, EngineError> {
        self.batch.clear();
        let name = self.session.plugins[pi].name().to_string();
        let state = self.states[pi].as_mut().expect("source state");
        let status = state.next_batch(&mut self.batch).map_err(|e| EngineError::plugin(&name, e).at_event(self.next_evtnum))?;
        match status {
            BatchStatus::Timeout => Ok(Polled::Timeout),
            BatchStatus::Eof => {
                self.source_done[pi] = true;
                Ok(Polled::Eof)
            }
            BatchStatus::Events(_) => {
                let mut n = self.batch.len();
                if let Some(max) = self.max_events {
                    let left = max.saturating_sub(self.next_evtnum - 1) as usize;
                    if n >= left {
                        n = left;
                        self.end("max-events");
                    }
                }
                self.write_events(n)?;
                self.source_events[pi] += n as u64;
                Ok(Polled::Events)
            }
        }
    }

    /// Writes the first `n` events of the batch, extracts their fields, writes golden rows.
    fn write_events(&mut self, n: usize) -> Result<(), EngineError> {
        let first = self.next_evtnum;
        let writer = self.writer.as_mut().expect("capture writer open");
        self.keys.clear();
        for (i, bytes) in self.batch.iter().take(n).enumerate() {
            writer.write_event(0, 0, bytes).map_err(|e| EngineError::capture(&self.capture_path, e).at_event(first + i as u64))?;
            self.keys.push(EventKey::of(first + i as u64, bytes));
        }
        // into the flusher's pipe: on file within FLUSH_INTERVAL
        writer.flush().map_err(|e| EngineError::capture(&self.capture_path, e))?;
        self.next_evtnum += n as u64;
        self.progress.events = self.next_evtnum - 1;
        if let Some(golden) = self.golden.as_mut() {
            let refs: Vec<EventRef<'_>> = self.batch.iter().take(n).enumerate().map(|(i, bytes)| EventRef { num: first + i as u64, bytes }).collect();
            rows::extract(&self.session, rows::Plans::OneFieldPerCall, &mut self.states, &refs, &self.keys, &mut self.table, &mut self.scratch)?;
            self.text.clear();
            for (i, key) in self.keys.iter().enumerate() {
                golden.format_row(&mut self.text, key.evtnum, key.ts, key.plugin_id, self.table.row(i));
            }
            golden.write_formatted(&self.text, n as u64)?;
        }
        Ok(())
    }

    fn refresh_progress(&mut self) {
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        let mut k = 0;
        for (pi, p) in self.session.plugins.iter().enumerate() {
            if p.role != Role::Source {
                continue;
            }
            let sp = &mut self.progress.sources[k];
            k += 1;
            sp.events = self.source_events[pi];
            sp.done = self.source_done[pi];
            if let Some(pr) = self.states[pi].as_mut().and_then(|s| s.progress()) {
                sp.percent = Some(pr.pct as f64 / 100.0);
                sp.text = Some(pr.text);
            }
        }
    }

    /// Closes the plugins and completes both files (also after a failed step: everything
    /// recorded so far is kept, capture and golden file alike).
    pub fn finish(mut self) -> Result<RecordSummary, EngineError> {
        self.refresh_progress();
        if !self.progress.done {
            self.end(if self.past_deadline() { "duration" } else { "stopped" });
        }
        for state in self.states.iter_mut().filter_map(Option::take) {
            state.destroy();
        }
        let stats = self.writer.take().expect("capture writer open").finish().map_err(|e| EngineError::capture(&self.capture_path, e))?;
        self.flusher.take().expect("capture flusher running").finish().map_err(|e| EngineError::io(&self.capture_path, &e))?;
        // A recording of 0 events leaves nothing: such a capture reads as "no events" everywhere.
        let capture_out = self.capture_out.take().expect("capture output open");
        let golden = match self.golden.take() {
            Some(g) if stats.events > 0 => {
                let path = g.path().display().to_string();
                g.finish()?;
                Some(path)
            }
            _ => None,
        };
        if stats.events > 0 {
            capture_out.commit().map_err(|e| EngineError::io(&self.capture_path, &e))?;
        }
        let plugins = self
            .session
            .plugins
            .iter()
            .enumerate()
            .map(|(pi, p)| PluginSummary {
                name: p.name().to_string(),
                version: p.plugin.info().version.clone(),
                path: p.spec.path.clone(),
                role: p.role.name().to_string(),
                generation: p.plugin.info().generation.label().to_string(),
                columns: self.session.columns_of(pi).map(|(_, c)| c.label.clone()).collect(),
                skipped_fields: p.skipped.clone(),
            })
            .collect();
        Ok(RecordSummary {
            capture: self.capture_path.clone(),
            golden,
            written: stats.events > 0,
            notes: std::mem::take(&mut self.notes),
            events: stats.events,
            bytes: stats.bytes,
            columns: self.session.columns.iter().map(|c| c.label.clone()).collect(),
            plugins,
            progress: self.progress.clone(),
        })
    }
}
