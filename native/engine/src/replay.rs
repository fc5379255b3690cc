//! Replay: read a capture back through plugins with fresh states and prove that every field
//! returns the value of the live run (the golden file), then extract again in reverse and in a
//! shuffled order, each with its own fresh state, to find fields whose value depends on what
//! the plugin saw before (the guide's `max_sample` anti-pattern).
//!
//! Every pass asks for one field per `extract_fields` call, as libsinsp does. The batching
//! probe is one more pass (fresh states, capture order) that asks for all of an event's fields
//! in one call, which the API allows and libsinsp does not do: a plugin whose values then
//! change would break under a host that batches (its SDK shares buffers between the fields of
//! a call).
//!
//! The capture is processed in windows of events, bounded in events (`--window`), in event
//! bytes ([`WINDOW_BYTES`]) and, adaptively, in cell text: a window whose extracted values
//! exceed [`CELL_BUDGET`] in a pass makes the next windows smaller (large payloads extracted
//! whole), so memory stays flat whatever the payload size. Windows start at
//! [`FIRST_WINDOW_EVENTS`] and double while their cells stay small. When every plugin's API
//! generation allows concurrent calls on distinct states (2.0+), the forward, reverse,
//! shuffled and batched passes of a window run on separate threads.

use std::path::Path;
use std::time::Instant;

use plugin_host::{EventRef, PluginState};
use scap::ScapReader;
use serde::Serialize;

use crate::error::{EngineError, EngineErrorKind};
use crate::compare::{self, CompareSpec, PartOutcome};
use crate::golden::{GoldenHeader, GoldenReader, GoldenWriter, LineBlock};
use read_ahead::{ReadAhead, WindowBuffers};
use crate::order::{self, SplitMix64};
use crate::positions::{self, EvtnumBins, Positions};
use crate::rows::{self, CellTable, EventKey, Plans, Scratch};
use crate::session::Session;
use crate::spec::ReplayOptions;
use crate::top_values::{TopValues, ValueDistribution};
use order_check::{ExtractedWindow, OrderChecker, OrderFindings};

mod order_check;
mod read_ahead;
mod stateful;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    pub evtnum: u64,
    pub column: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDifference {
    pub evtnum: u64,
    pub column: String,
    /// `reverse` or `shuffle`.
    pub order: String,
    pub forward: String,
    pub other: String,
}

/// A value that changes when the event's fields are all requested in one call.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchingDifference {
    pub evtnum: u64,
    pub column: String,
    /// The value with one field per call (libsinsp's convention).
    pub one_field: String,
    /// The value with all the event's fields in one call.
    pub all_fields: String,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnReport {
    pub column: String,
    /// The replaying plugin providing it (`None`: no loaded plugin exports this field).
    pub plugin: Option<String>,
    pub compared: u64,
    pub mismatches: u64,
    /// Events whose value differs when extracted in reverse / shuffled order.
    pub reverse_differences: u64,
    pub shuffle_differences: u64,
    /// Events whose value differs when all of the plugin's fields are requested in one call
    /// (0 when the probe did not run on this column's plugin).
    pub batching_differences: u64,
    /// Cells by outcome in this replay: values, absent, errors, not applicable.
    pub values: u64,
    pub absent: u64,
    pub errors: u64,
    pub not_applicable: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayProgress {
    pub events: u64,
    /// Decompressed bytes of the capture consumed, and its size on disk.
    pub position: u64,
    pub file_size: u64,
    pub elapsed_ms: u64,
    pub done: bool,
    /// Some plugin of the run has what the batching probe looks at (API 1.0 or later, several
    /// fields): the isolated replay starts its probe process only then.
    pub batching_probeable: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginReport {
    pub name: String,
    pub version: String,
    pub path: String,
    pub generation: String,
    pub required_api_version: String,
    /// The plugin's fields (for upgrade comparisons with the golden file's header).
    pub fields: Vec<crate::golden::GoldenField>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    pub capture: String,
    /// The golden file compared with (`None`: nothing to compare).
    pub golden: Option<String>,
    /// The golden file written (`--update`).
    pub updated: Option<String>,
    pub events: u64,
    pub columns: Vec<ColumnReport>,
    /// The first `max_details` mismatches, in capture order.
    pub mismatches: Vec<Mismatch>,
    pub order_differences: Vec<OrderDifference>,
    /// The first `max_details` batching differences, in capture order.
    pub batching_differences: Vec<BatchingDifference>,
    /// Plugins the batching probe ran on (several fields, API 1.0 or later).
    pub batching_probed: Vec<String>,
    pub reverse: bool,
    pub shuffle_seed: Option<u64>,
    /// Why the reverse, shuffled and batching passes did not run (a stateful run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_passes_skipped: Option<String>,
    pub threads: usize,
    /// The golden file's header (what was recorded), for upgrade verdicts.
    #[serde(skip)]
    pub recorded: Option<GoldenHeader>,
    pub plugins: Vec<PluginReport>,
    pub progress: ReplayProgress,
    /// Where events, mismatches and order/batching differences are along evt.num (every one
    /// counted, in bounded bins; filled by `finish`).
    pub positions: Positions,
    /// Each column's most frequent values (with `distributions`; filled by `finish`).
    pub distributions: Vec<ValueDistribution>,
    /// Where the replay's time went, in milliseconds of wall time.
    pub timings: PhaseTimings,
}

/// Wall time per phase of the window loop. `extractMs` holds every pass of a window (they run
/// side by side when the plugins allow it), plugin calls and value rendering alike; a stateful
/// replay extracts while it reads, so its extraction counts as `readMs`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseTimings {
    /// Reading and decoding the capture into windows.
    pub read_ms: f64,
    /// Reading the golden file's rows.
    pub golden_ms: f64,
    pub extract_ms: f64,
    /// Comparing with the golden rows and between passes.
    pub compare_ms: f64,
}

impl PhaseTimings {
    fn add(total: &mut f64, since: &mut Instant) {
        let now = Instant::now();
        *total += now.duration_since(*since).as_secs_f64() * 1e3;
        *since = now;
    }
}

/// Event bytes per window (the events are held once, in the v2 layout).
pub const WINDOW_BYTES: usize = 16 << 20;
/// Cell text per pass and window above which the next windows hold fewer events. Up to four
/// tables (forward, reverse, shuffled, golden rows) live at once, each with up to twice its
/// text in capacity: 16 MiB keeps a window's cells near 128 MiB whatever the fields return.
pub const CELL_BUDGET: usize = 16 << 20;
/// Events in the first window: windows start small and double while their cells stay small,
/// so that the first window of large events cannot exceed the cell budget many times over.
pub const FIRST_WINDOW_EVENTS: usize = 1024;

/// One pass (forward, reverse, shuffled or batched): its plans, states, table and buffers.
struct Pass {
    plans: Plans,
    states: Vec<Option<PluginState>>,
    table: CellTable,
    scratch: Scratch,
    /// The window's keys in the pass's order (reused window after window).
    ordered_keys: Vec<EventKey>,
}

impl Pass {
    /// A pass with a fresh state for every plugin it extracts with.
    fn new(session: &Session, plans: Plans) -> Result<Pass, EngineError> {
        let mut states = Vec::with_capacity(session.plugins.len());
        for p in &session.plugins {
            let extracts = match plans {
                Plans::OneFieldPerCall => p.plan.is_some(),
                Plans::Batched => p.batched_plan.is_some(),
            };
            if extracts {
                states.push(Some(p.plugin.init(&p.config).map_err(|e| EngineError::plugin(p.name(), e))?));
            } else {
                states.push(None);
            }
        }
        Ok(Pass { plans, states, table: CellTable::default(), scratch: Scratch::default(), ordered_keys: Vec::new() })
    }

    /// A pass without states of its own: it borrows the forward pass's (see `Replayer::start`).
    fn shared(plans: Plans) -> Pass {
        Pass { plans, states: Vec::new(), table: CellTable::default(), scratch: Scratch::default(), ordered_keys: Vec::new() }
    }

    fn is_shared(&self) -> bool {
        self.states.is_empty()
    }

    /// Extracts `events` in the order given by `order` (indexes into `events`).
    fn run(&mut self, session: &Session, events: &[EventRef<'_>], keys: &[EventKey], order: Option<&[usize]>) -> Result<(), EngineError> {
        self.extract_values(session, events, keys, order)?;
        self.render(session);
        Ok(())
    }

    /// The plugin calls of `run`; `render` completes it (possibly on another thread).
    fn extract_values(&mut self, session: &Session, events: &[EventRef<'_>], keys: &[EventKey], order: Option<&[usize]>) -> Result<(), EngineError> {
        match order {
            None => rows::extract_values(session, self.plans, &mut self.states, events, keys, &mut self.table, &mut self.scratch),
            Some(order) => {
                let ev: Vec<EventRef<'_>> = order.iter().map(|&i| events[i]).collect();
                let mut ks = std::mem::take(&mut self.ordered_keys);
                ks.clear();
                ks.extend(order.iter().map(|&i| keys[i]));
                let result = rows::extract_values(session, self.plans, &mut self.states, &ev, &ks, &mut self.table, &mut self.scratch);
                self.ordered_keys = ks;
                result
            }
        }
    }

    fn render(&mut self, session: &Session) {
        rows::render_values(session, &mut self.table, &self.scratch);
    }
}

pub struct Replayer {
    opts: ReplayOptions,
    session: Session,
    /// For each golden column: the session column that replays it.
    provided: Vec<Option<usize>>,
    /// The golden file, read in line (a stateful replay); else the read-ahead thread has it.
    golden: Option<GoldenReader>,
    golden_path: Option<String>,
    /// Rows are compared with a golden file.
    comparing: bool,
    update: Option<GoldenWriter>,
    input: Input,
    /// The capture reader's position after the current window.
    position: u64,
    /// The golden file goes on past the capture (found with the last window, reported after it).
    golden_end: Option<EngineError>,
    forward: Pass,
    /// With spare threads (order passes off), the window is split: `forward` extracts the first
    /// part, each of these (fresh states too) one of the others, in parallel.
    forward_parts: Vec<Pass>,
    /// Events per forward part in the current window.
    chunk: usize,
    reverse: Option<Pass>,
    shuffle: Option<(Pass, SplitMix64)>,
    /// The batching probe: capture order, all fields per call.
    batched: Option<Pass>,
    /// The permutation the shuffled pass used on the current window.
    last_shuffle: Option<Vec<usize>>,
    threads: usize,
    /// Events per window now: `--window`, lowered while windows have large cells.
    window_events: usize,
    /// The window: events in the v2 layout, back to back.
    bytes: Vec<u8>,
    offsets: Vec<usize>,
    keys: Vec<EventKey>,
    /// The golden rows of the current window.
    lines: LineBlock,
    golden_columns: Vec<String>,
    /// Golden columns are the session's, in order (rows compare as whole lines).
    identity: bool,
    report: ReplayReport,
    /// Counts along evt.num (events, then four series per report column: `positions`) and
    /// value distributions; away on the checking thread during a step.
    checker: Option<OrderChecker>,
    /// The last window extracted, its order checks still to run (during the next window).
    extracted: Option<ExtractedWindow>,
    started: Instant,
    /// libsinsp's state of the capture, when the run needs it (`replay/stateful.rs`).
    stateful: Option<stateful::StatefulReplay>,
}

/// Where windows come from: the reader itself (a stateful replay parses items as it reads), or
/// the read-ahead thread.
enum Input {
    InLine(ScapReader),
    Ahead(ReadAhead),
}

impl Replayer {
    pub fn start(opts: ReplayOptions) -> Result<Replayer, EngineError> {
        let golden_path = match &opts.golden {
            Some(p) if !p.is_empty() => Some(p.clone()),
            Some(_) => None,
            // <capture>.golden, or its compressed forms
            None => ["", ".zst", ".gz"].iter().map(|ext| format!("{}.golden{ext}", opts.capture)).find(|p| Path::new(p).exists()),
        };
        let golden = match (&golden_path, opts.update) {
            (Some(p), false) => Some(GoldenReader::open(Path::new(p))?),
            _ => None,
        };
        // The probe replays the golden file's columns without comparing its rows.
        let (golden, probe_header) = match golden {
            Some(g) if opts.probe_only => (None, Some(g.header)),
            g => (g, None),
        };
        if opts.plugins.is_empty() {
            return Err(EngineError::usage("replay needs at least one plugin (--plugin)"));
        }
        let header = golden.as_ref().map(|g| &g.header).or(probe_header.as_ref());
        let (session, provided) = Session::for_replay(&opts.plugins, header, &opts.fields, &opts.exclude_fields)?;
        let reader = ScapReader::open(Path::new(&opts.capture)).map_err(|e| EngineError::capture(&opts.capture, e))?;
        // Before API 2.0 a framework initialized a plugin once: some old SDKs keep one global
        // object behind every state (Go SDK v0.2.0 double-frees with two live states). Those
        // plugins get one state, which the order passes reuse after the forward pass (history
        // still shows, since that state has seen every event in capture order first).
        let concurrent = session.plugins.iter().all(|p| p.plugin.info().concurrent_states_allowed);
        let extra_pass = |s: &Session, plans| if concurrent { Pass::new(s, plans) } else { Ok(Pass::shared(plans)) };
        let (stateful, forward) = match stateful::StatefulReplay::start(&session, &opts.capture)? {
            Some((s, forward)) => (Some(s), forward),
            None => (None, Pass::new(&session, Plans::OneFieldPerCall)?),
        };
        let mut opts = opts;
        if stateful.is_some() {
            (opts.reverse, opts.shuffle_seed, opts.batching_probe, opts.threads) = (false, None, false, 1);
        }
        let reverse = if opts.reverse && !opts.probe_only { Some(extra_pass(&session, Plans::OneFieldPerCall)?) } else { None };
        let shuffle = match opts.shuffle_seed.filter(|_| !opts.probe_only) {
            Some(seed) => Some((extra_pass(&session, Plans::OneFieldPerCall)?, SplitMix64::new(seed))),
            None => None,
        };
        let probed: Vec<usize> = (0..session.plugins.len()).filter(|&pi| session.plugins[pi].batched_plan.is_some()).collect();
        let batched = if (opts.batching_probe || opts.probe_only) && !probed.is_empty() && stateful.is_none() { Some(extra_pass(&session, Plans::Batched)?) } else { None };
        let probed_columns: Vec<bool> = session.columns.iter().map(|c| batched.is_some() && probed.contains(&c.plugin)).collect();
        let batching_probed: Vec<String> = if batched.is_some() { probed.iter().map(|&pi| session.plugins[pi].name().to_string()).collect() } else { Vec::new() };
        let update = if opts.update && !opts.probe_only {
            let path = golden_path.clone().unwrap_or_else(|| format!("{}.golden", opts.capture));
            Some(GoldenWriter::create_with(Path::new(&path), &session.golden_header(), &[Path::new(&opts.capture)], opts.force)?)
        } else {
            None
        };
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        // Go plugins serialise their calls (the library lock): threads would only wait
        let parallel = session.plugins.iter().all(|p| p.plugin.info().parallel_calls_allowed);
        let threads = if !parallel || stateful.is_some() { 1 } else if opts.threads == 0 { cores } else { opts.threads };
        let order_passes = reverse.is_some() as usize + shuffle.is_some() as usize + batched.is_some() as usize;
        let mut forward_parts = Vec::new();
        for _ in 1..threads.saturating_sub(order_passes).max(1) {
            forward_parts.push(Pass::new(&session, Plans::OneFieldPerCall)?);
        }
        let recorded = golden.as_ref().map(|g| g.header.clone());
        let mut columns: Vec<ColumnReport> = Vec::new();
        match &recorded {
            Some(h) => {
                for (gi, label) in h.columns().into_iter().enumerate() {
                    let plugin = provided[gi].map(|ci| session.plugins[session.columns[ci].plugin].name().to_string());
                    columns.push(ColumnReport { column: label, plugin, ..Default::default() });
                }
            }
            None => {
                for c in &session.columns {
                    columns.push(ColumnReport { column: c.label.clone(), plugin: Some(session.plugins[c.plugin].name().to_string()), ..Default::default() });
                }
            }
        }
        let plugins = session
            .plugins
            .iter()
            .map(|p| {
                let info = p.plugin.info();
                PluginReport {
                    name: info.name.clone(),
                    version: info.version.clone(),
                    path: p.spec.path.clone(),
                    generation: info.generation.label().to_string(),
                    required_api_version: info.required_api_version.clone(),
                    fields: session.golden_header().plugins.into_iter().find(|g| g.name == info.name).map(|g| g.fields).unwrap_or_default(),
                }
            })
            .collect();
        let report = ReplayReport {
            capture: opts.capture.clone(),
            golden: golden.as_ref().and(golden_path.clone()),
            updated: None,
            events: 0,
            columns,
            mismatches: Vec::new(),
            order_differences: Vec::new(),
            batching_differences: Vec::new(),
            batching_probed,
            reverse: opts.reverse,
            shuffle_seed: opts.shuffle_seed,
            order_passes_skipped: stateful.as_ref().map(|_| stateful::ORDER_PASSES_SKIPPED.to_string()),
            threads,
            recorded,
            plugins,
            progress: ReplayProgress { file_size: reader.file_size(), batching_probeable: !probed.is_empty() && stateful.is_none(), ..Default::default() },
            positions: Positions::default(),
            distributions: Vec::new(),
            timings: PhaseTimings::default(),
        };
        let report_index = (0..session.columns.len()).map(|ci| report_column(&report, &provided, ci)).collect();
        let checker = OrderChecker {
            bins: EvtnumBins::new(1 + 4 * report.columns.len()),
            top_values: if opts.distributions { report.columns.iter().map(|_| TopValues::default()).collect() } else { Vec::new() },
            report_index,
            labels: session.columns.iter().map(|c| c.label.clone()).collect(),
            probed: probed_columns,
        };
        let recorded = report.recorded.clone();
        let identity = provided.iter().enumerate().all(|(gi, p)| *p == Some(gi)) && provided.len() == session.columns.len();
        let comparing = golden.is_some();
        let (input, golden) = if stateful.is_some() {
            (Input::InLine(reader), golden)
        } else {
            (Input::Ahead(ReadAhead::start(reader, golden, &opts.capture)?), None)
        };
        Ok(Replayer {
            session,
            golden,
            golden_path,
            comparing,
            update,
            input,
            position: 0,
            golden_end: None,
            forward,
            forward_parts,
            chunk: 0,
            reverse,
            shuffle,
            batched,
            last_shuffle: None,
            threads,
            window_events: opts.window.clamp(1, FIRST_WINDOW_EVENTS),
            bytes: Vec::new(),
            offsets: Vec::new(),
            keys: Vec::new(),
            lines: LineBlock::default(),
            identity,
            golden_columns: recorded.as_ref().map(|h| h.columns()).unwrap_or_default(),
            provided,
            report,
            checker: Some(checker),
            extracted: None,
            started: Instant::now(),
            stateful,
            opts,
        })
    }

    /// Replays the next window of events; returns the progress (`done` at the end).
    pub fn step(&mut self) -> Result<ReplayProgress, EngineError> {
        if self.report.progress.done {
            return Ok(self.report.progress.clone());
        }
        // a probe without a plugin to probe has nothing to extract
        if self.opts.probe_only && self.batched.is_none() {
            self.report.progress.done = true;
            return Ok(self.report.progress.clone());
        }
        let mut since = Instant::now();
        self.fill_window()?;
        PhaseTimings::add(&mut self.report.timings.read_ms, &mut since);
        if !self.offsets.is_empty() {
            self.read_golden_rows()?;
            PhaseTimings::add(&mut self.report.timings.golden_ms, &mut since);
            // the previous window's order checks run meanwhile
            let previous = self.extracted.take();
            let mut checker = self.checker.take().expect("the order checker is back after each step");
            let room = self.detail_room();
            let columns = self.report.columns.len();
            let (outcomes, findings) = std::thread::scope(|s| {
                let checking = previous.as_ref().map(|w| {
                    let checker = &mut checker;
                    s.spawn(move || w.check(checker, columns, room))
                });
                let outcomes = self.run_passes();
                (outcomes, checking.map(|h| h.join()))
            });
            self.checker = Some(checker);
            PhaseTimings::add(&mut self.report.timings.extract_ms, &mut since);
            if let Some(found) = findings {
                self.add_findings(found.map_err(|_| EngineError::new(EngineErrorKind::Plugin, "the order checks panicked"))?);
            }
            self.merge(outcomes?)?;
            self.adapt_window();
            self.extracted = Some(self.hand_over(previous.unwrap_or_default()));
            if self.report.progress.done {
                self.check_last_window();
            }
            PhaseTimings::add(&mut self.report.timings.compare_ms, &mut since);
        }
        self.report.progress.position = match &self.input {
            Input::InLine(reader) => reader.position(),
            Input::Ahead(_) => self.position,
        };
        self.report.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        if self.report.progress.done {
            self.check_golden_end()?;
        }
        Ok(self.report.progress.clone())
    }

    fn fill_window(&mut self) -> Result<(), EngineError> {
        if self.stateful.is_some() {
            return self.fill_window_stateful();
        }
        let Input::Ahead(ahead) = &mut self.input else { unreachable!("only a stateful replay reads in line") };
        let window = ahead.receive(self.window_events)?;
        let done = WindowBuffers {
            bytes: std::mem::replace(&mut self.bytes, window.buffers.bytes),
            offsets: std::mem::replace(&mut self.offsets, window.buffers.offsets),
            keys: std::mem::replace(&mut self.keys, window.buffers.keys),
            lines: std::mem::replace(&mut self.lines, window.buffers.lines),
        };
        self.position = window.position;
        self.golden_end = window.golden_end;
        if window.end {
            self.report.progress.done = true;
        } else {
            // the next window is read while this one is extracted (its size lags by a window)
            ahead.request(self.window_events, done);
        }
        self.report.events += self.offsets.len() as u64;
        self.report.progress.events = self.report.events;
        Ok(())
    }

    /// Sizes the next window from this one's largest cell table: fewer events when the cells
    /// exceeded the budget, back towards `--window` when they are small. Memory held for a
    /// window of large events or cells is given back.
    fn adapt_window(&mut self) {
        let n = self.offsets.len();
        let forward: usize = self.forward.table.text_len() + self.forward_parts.iter().map(|p| p.table.text_len()).sum::<usize>();
        let others = self.reverse.iter().chain(self.shuffle.iter().map(|(p, _)| p)).chain(self.batched.iter());
        let cells = others.map(|p| p.table.text_len()).fold(forward.max(self.lines.text_len()), usize::max);
        if cells > CELL_BUDGET {
            self.window_events = (n * CELL_BUDGET / cells).max(1);
            for p in std::iter::once(&mut self.forward)
                .chain(self.forward_parts.iter_mut())
                .chain(self.reverse.iter_mut())
                .chain(self.shuffle.iter_mut().map(|(p, _)| p))
                .chain(self.batched.iter_mut())
            {
                p.table.shrink();
            }
        } else if cells < CELL_BUDGET / 4 && self.window_events < self.opts.window {
            self.window_events = (self.window_events * 2).min(self.opts.window.max(1));
        }
        if self.bytes.capacity() > 2 * WINDOW_BYTES {
            self.bytes.shrink_to(WINDOW_BYTES);
        }
    }

    /// The golden rows of the window (one per event), when read in line.
    fn read_golden_rows(&mut self) -> Result<(), EngineError> {
        match self.golden.as_mut() {
            Some(golden) => read_ahead::golden_rows(golden, &self.keys, &mut self.lines),
            None => Ok(()),
        }
    }

    /// Extracts the window in every pass (in parallel when allowed), and checks each forward
    /// part against the golden rows on the thread that extracted it.
    fn run_passes(&mut self) -> Result<Vec<PartOutcome>, EngineError> {
        let n = self.offsets.len();
        let shuffle_order = self.shuffle.as_mut().map(|(_, rng)| order::shuffled(n, rng));
        let reverse_order = order::reversed(n);
        let events = event_refs(&self.bytes, &self.offsets, &self.keys);
        let keys = &self.keys;
        let session = &self.session;
        let forward = &mut self.forward;
        let reverse = self.reverse.as_mut();
        let shuffle = self.shuffle.as_mut().map(|(p, _)| p);
        let batched = self.batched.as_mut();
        let parts = 1 + self.forward_parts.len();
        self.chunk = n.div_ceil(parts).max(1);
        let chunk = self.chunk;
        let golden_path = self.golden_path.clone().unwrap_or_default();
        let spec = CompareSpec {
            provided: &self.provided,
            golden_columns: &self.golden_columns,
            identity: self.identity,
            max_details: self.opts.max_details,
            golden_path: &golden_path,
            write_rows: self.update.is_some(),
        };
        let lines = self.comparing.then_some(&self.lines);
        let check = |p: &Pass, start: usize, end: usize| compare::check_part(&p.table, &keys[start..end], lines.map(|l| (l, start)), &spec);
        // a stateful window was extracted while it was read
        if self.stateful.is_some() {
            return Ok(vec![check(forward, 0, n)]);
        }
        let result = if self.threads > 1 {
            let panicked = |what: &str| EngineError::new(EngineErrorKind::Plugin, format!("the {what} pass panicked"));
            std::thread::scope(|s| {
                let mut parts = Vec::new();
                for (j, p) in self.forward_parts.iter_mut().enumerate() {
                    let (start, end) = (((j + 1) * chunk).min(n), ((j + 2) * chunk).min(n));
                    let (ev, ks, check) = (&events[start..end], &keys[start..end], &check);
                    parts.push(s.spawn(move || p.run(session, ev, ks, None).map(|_| check(p, start, end))));
                }
                let mut others = Vec::new();
                if let Some(p) = reverse {
                    let (order, ev) = (&reverse_order, &events);
                    others.push(("reverse-order", s.spawn(move || p.run(session, ev, keys, Some(order)))));
                }
                if let Some(p) = shuffle {
                    let (order, ev) = (shuffle_order.as_deref(), &events);
                    others.push(("shuffled-order", s.spawn(move || p.run(session, ev, keys, order))));
                }
                if let Some(p) = batched {
                    let ev = &events;
                    others.push(("batching-probe", s.spawn(move || p.run(session, ev, keys, None))));
                }
                let first = chunk.min(n);
                let mut outcomes = vec![forward.run(session, &events[..first], &keys[..first], None).map(|_| check(forward, 0, first))];
                outcomes.extend(parts.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(panicked("forward")))));
                let mut result: Result<Vec<PartOutcome>, EngineError> = outcomes.into_iter().collect();
                for (what, h) in others {
                    if let Err(e) = h.join().unwrap_or_else(|_| Err(panicked(what))) {
                        if result.is_ok() {
                            result = Err(e);
                        }
                    }
                }
                result
            })
        } else if reverse.is_none() && shuffle.is_none() && batched.is_none() {
            forward.run(session, &events, keys, None).map(|_| vec![check(forward, 0, n)])
        } else {
            // One thread calls the plugin (one state, pass after pass); another renders each
            // pass's values, and compares the forward rows with the golden rows, meanwhile.
            forward.extract_values(session, &events, keys, None)?;
            let Pass { table: forward_table, states: forward_states, scratch: forward_scratch, .. } = forward;
            let forward_scratch = &*forward_scratch;
            std::thread::scope(|s| {
                let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send + '_>>();
                let renderer = s.spawn(move || queue.into_iter().for_each(|job| job()));
                let (checked, outcome) = std::sync::mpsc::channel();
                let (lines, spec) = (lines, &spec);
                let _ = jobs.send(Box::new(move || {
                    rows::render_values(session, forward_table, forward_scratch);
                    let _ = checked.send(compare::check_part(forward_table, &keys[..n], lines.map(|l| (l, 0)), spec));
                }));
                let passes = (|| -> Result<(), EngineError> {
                    for (p, order) in [(reverse, Some(reverse_order.as_slice())), (shuffle, shuffle_order.as_deref()), (batched, None)] {
                        let Some(p) = p else { continue };
                        if p.is_shared() {
                            std::mem::swap(forward_states, &mut p.states);
                            let r = p.extract_values(session, &events, keys, order);
                            std::mem::swap(forward_states, &mut p.states);
                            r?;
                        } else {
                            p.extract_values(session, &events, keys, order)?;
                        }
                        let _ = jobs.send(Box::new(move || p.render(session)));
                    }
                    Ok(())
                })();
                drop(jobs);
                let rendered = renderer.join();
                let outcome = match (rendered, outcome.recv()) {
                    (Ok(()), Ok(outcome)) => outcome,
                    _ => return Err(EngineError::new(EngineErrorKind::Plugin, "rendering the values panicked")),
                };
                passes.map(|_| vec![outcome])
            })
        };
        self.last_shuffle = shuffle_order;
        result
    }

    /// Adds the parts' outcomes to the report, in capture order.
    fn merge(&mut self, outcomes: Vec<PartOutcome>) -> Result<(), EngineError> {
        for part in outcomes {
            if let Some(e) = part.error {
                return Err(e);
            }
            for (ci, counts) in part.counts.iter().enumerate() {
                let ri = self.report_column(ci);
                let c = &mut self.report.columns[ri];
                c.values += counts[0];
                c.absent += counts[1];
                c.errors += counts[2];
                c.not_applicable += counts[3];
            }
            for (gi, (compared, mismatches)) in part.compared.iter().zip(&part.mismatches).enumerate() {
                self.report.columns[gi].compared += compared;
                self.report.columns[gi].mismatches += mismatches;
            }
            if let Some(p) = &part.positions {
                self.checker.as_mut().expect("the order checker is home").bins.absorb(p, |gi| positions::replay_series(gi, positions::MISMATCH));
            }
            let room = self.opts.max_details.saturating_sub(self.report.mismatches.len());
            self.report.mismatches.extend(part.details.into_iter().take(room));
            if let Some(update) = self.update.as_mut() {
                let rows = part.rows.bytes().filter(|&b| b == b'\n').count() as u64;
                update.write_formatted(&part.rows, rows)?;
            }
        }
        Ok(())
    }

    /// How many more order and batching differences the report keeps in detail.
    fn detail_room(&self) -> (usize, usize) {
        let max = self.opts.max_details;
        (max.saturating_sub(self.report.order_differences.len()), max.saturating_sub(self.report.batching_differences.len()))
    }

    fn add_findings(&mut self, found: OrderFindings) {
        for (c, counts) in self.report.columns.iter_mut().zip(&found.counts) {
            c.reverse_differences += counts[0];
            c.shuffle_differences += counts[1];
            c.batching_differences += counts[2];
        }
        self.report.order_differences.extend(found.order_differences);
        self.report.batching_differences.extend(found.batching_differences);
    }

    /// The window just extracted, for its order checks: the passes' tables go with it, and
    /// `spare` (a checked window's) gives them tables for the next window.
    fn hand_over(&mut self, mut spare: ExtractedWindow) -> ExtractedWindow {
        spare.forward.resize_with(1 + self.forward_parts.len(), CellTable::default);
        let parts = std::iter::once(&mut self.forward).chain(self.forward_parts.iter_mut());
        for (pass, table) in parts.zip(spare.forward.iter_mut()) {
            std::mem::swap(&mut pass.table, table);
        }
        let swap = |pass: Option<&mut Pass>, table: &mut Option<CellTable>| match pass {
            Some(p) => std::mem::swap(&mut p.table, table.get_or_insert_with(CellTable::default)),
            None => *table = None,
        };
        swap(self.reverse.as_mut(), &mut spare.reverse);
        swap(self.shuffle.as_mut().map(|(p, _)| p), &mut spare.shuffle);
        swap(self.batched.as_mut(), &mut spare.batched);
        spare.shuffle_order = self.last_shuffle.take();
        spare.chunk = self.chunk.max(1);
        spare.keys.clear();
        spare.keys.extend_from_slice(&self.keys);
        spare
    }

    /// Runs the order checks of the window extracted last (at the end, or when stopped).
    fn check_last_window(&mut self) {
        let Some(w) = self.extracted.take() else { return };
        let room = self.detail_room();
        let checker = self.checker.as_mut().expect("the order checker is home");
        let found = w.check(checker, self.report.columns.len(), room);
        self.add_findings(found);
    }

    /// The report entry of session column `ci`.
    fn report_column(&self, ci: usize) -> usize {
        report_column(&self.report, &self.provided, ci)
    }

    fn check_golden_end(&mut self) -> Result<(), EngineError> {
        if let Some(e) = self.golden_end.take() {
            return Err(e);
        }
        match self.golden.as_mut() {
            Some(golden) => read_ahead::golden_goes_on(golden),
            None => Ok(()),
        }
    }

    /// Ends the replay: destroys the states, completes an updated golden file.
    pub fn finish(mut self) -> Result<ReplayReport, EngineError> {
        // a run stopped before its end has a window extracted but not yet checked
        self.check_last_window();
        if let Some(st) = self.stateful.as_mut() {
            st.close(&mut self.forward.states)?;
        }
        for pass in std::iter::once(&mut self.forward).chain(self.forward_parts.iter_mut()).chain(self.reverse.as_mut()).chain(self.shuffle.as_mut().map(|(p, _)| p)).chain(self.batched.as_mut()) {
            for s in pass.states.iter_mut().filter_map(Option::take) {
                s.destroy();
            }
        }
        if let Some(update) = self.update.take() {
            if self.report.progress.done {
                self.report.updated = Some(update.path().display().to_string());
                update.finish()?;
            }
        }
        self.report.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        let names: Vec<String> = self.report.columns.iter().map(|c| c.column.clone()).collect();
        let checker = self.checker.as_ref().expect("the order checker is home");
        self.report.positions = Positions::of_replay(&checker.bins, &names);
        self.report.distributions = checker.top_values.iter().zip(&names).map(|(t, name)| t.report(name)).collect();
        Ok(self.report)
    }
}

/// The window's events as host event references.
fn event_refs<'a>(bytes: &'a [u8], offsets: &[usize], keys: &[EventKey]) -> Vec<EventRef<'a>> {
    (0..offsets.len())
        .map(|i| {
            let end = offsets.get(i + 1).copied().unwrap_or(bytes.len());
            EventRef { num: keys[i].evtnum, bytes: &bytes[offsets[i]..end] }
        })
        .collect()
}

/// The report entry of session column `ci`: the golden column it replays, else its own.
fn report_column(report: &ReplayReport, provided: &[Option<usize>], ci: usize) -> usize {
    match report.recorded {
        Some(_) => provided.iter().position(|p| *p == Some(ci)).expect("session columns come from the golden file"),
        None => ci,
    }
}
