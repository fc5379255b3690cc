//! `scaptool print`: sysdig's `-r capture [filter] -p format [-j]` without sysdig. Reads the
//! capture in batches, extracts the filter's fields for every event and the format's fields for
//! the events that pass, and renders one line per event (text or JSON) into one string per
//! batch.
//!
//! Defaults are Debian sysdig 0.29.3's: plugin events print with
//! `*%evt.num %evt.datetime.s [%evt.pluginname] %evt.plugininfo`
//! (`1 2020-09-13 12:26:40 [<NA>] <NA>` when the event's plugin is not loaded); `-j` without a
//! format prints that format's fields as JSON. Other events print with
//! `*%evt.num %evt.time %evt.cpu %evt.dir %evt.type` (sysdig's syscall format needs process
//! state scaptool does not keep). `max_events` stops after that many events passed the filter,
//! as sysdig's `-n`.
//!
//! What is printed is current libsinsp's (test/print-libsinsp*.test.ts against the oracle's
//! sinsp-example): the capture's leading initial-state events (container, user, group, async)
//! are consumed unseen, as `sinsp::consume_initialstate_events` does; `evt.reltime` counts from
//! the first non-meta event (from 0 before it, as libsinsp's `m_firstevent_ts`); `evt.hostname`
//! is empty, as libsinsp reading a capture has no host name.

use std::time::Instant;

use scap_filter::{CompiledFilter, FilterError, OutputFormat};
use serde::{Deserialize, Serialize};

use crate::capture_feed::{CaptureFeed, Fed, StepReads};
use crate::clock::Clock;
use crate::error::{EngineError, FilterLocation};
use crate::event_batch::EventBatch;
use crate::evt_fields::{is_initial_state_event, is_metaevent};
use crate::extraction::{EvtContext, Extraction};
use crate::fieldset::FieldSet;
use crate::spec::PluginSpec;

/// sysdig 0.29.3's format for plugin events.
pub const DEFAULT_PLUGIN_FORMAT: &str = "*%evt.num %evt.datetime.s [%evt.pluginname] %evt.plugininfo";
/// scaptool's format for other events.
pub const DEFAULT_OTHER_FORMAT: &str = "*%evt.num %evt.time %evt.cpu %evt.dir %evt.type";

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintOptions {
    pub capture: String,
    #[serde(default)]
    pub plugins: Vec<PluginSpec>,
    /// Filter condition (empty: every event).
    #[serde(default)]
    pub filter: Option<String>,
    /// Output format (`None`: sysdig's default).
    #[serde(default)]
    pub format: Option<String>,
    /// One JSON object per event (sysdig `-j`).
    #[serde(default)]
    pub json: bool,
    /// `UTC` (default), `local`, or an IANA zone name.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Stop after this many events passed the filter (sysdig `-n`).
    #[serde(default)]
    pub max_events: Option<u64>,
    #[serde(default = "default_batch")]
    pub batch_events: usize,
    /// Write the lines to this file descriptor (the CLI's stdout) instead of returning them.
    #[serde(default)]
    pub output_fd: Option<i32>,
}

fn default_batch() -> usize {
    16384
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintProgress {
    /// Events read.
    pub events: u64,
    /// Events that passed the filter.
    pub matched: u64,
    /// Lines printed (a format without `*` skips events with a field that has no value).
    pub printed: u64,
    pub position: u64,
    pub file_size: u64,
    pub elapsed_ms: u64,
    pub done: bool,
    /// The output descriptor's reader went away (`| head`): the run stopped there.
    pub output_closed: bool,
}

/// A filter or format compile error as an engine error with its location.
pub fn filter_error(kind: &str, name: Option<&str>, part: &str, text: &str, e: &FilterError) -> EngineError {
    let mut err = EngineError::usage(match name {
        Some(n) => format!("{kind} '{n}' {part}: {e}"),
        None => e.to_string(),
    });
    err.detail_code = Some(format!("{:?}", e.kind).to_uppercase());
    err.filter = Some(Box::new(FilterLocation {
        kind: kind.to_string(),
        name: name.map(String::from),
        part: part.to_string(),
        text: text.to_string(),
        offset: e.pos.offset,
        line: e.pos.line,
        col: e.pos.col,
        reason: e.message.clone(),
        rule: None,
        used_at: e
            .expanded_from
            .iter()
            .map(|x| crate::error::UsedAt { macro_name: x.macro_name.clone(), used_in: x.used_in.clone(), line: x.used_at.line, col: x.used_at.col })
            .collect(),
    }));
    err
}

pub struct Printer {
    opts: PrintOptions,
    set: FieldSet,
    filter: Option<CompiledFilter>,
    /// (plugin-event format, other-event format): the same one when a format is given.
    plugin_format: OutputFormat,
    other_format: OutputFormat,
    extraction: Extraction,
    ctx: EvtContext,
    input: CaptureFeed,
    /// The events libsinsp hands out (converted, numbered): a capture batch's, or one when the
    /// run follows the state event by event.
    batch: EventBatch,
    matched_idx: Vec<usize>,
    all_idx: Vec<usize>,
    /// Still at the capture's leading initial-state events (libsinsp consumes them at open).
    at_initial_state: bool,
    /// Events of the batch before this index come before the capture's first non-meta event:
    /// their `evt.reltime` base is still 0 in libsinsp.
    meta_prefix: usize,
    /// The next of `matched_idx` to print: a step stops at [`STEP_OUTPUT_BUDGET`] and the
    /// next one goes on from here.
    emit_next: usize,
    /// `-n` was reached: the run ends once the matched events are printed.
    stopping: bool,
    progress: PrintProgress,
    started: Instant,
}

/// Output one step may produce before it returns; the rest of the batch's lines come at the
/// next step. Fields that print megabytes each would otherwise make one step's text grow with
/// the batch, past what memory allows and past the longest string JavaScript can hold.
pub const STEP_OUTPUT_BUDGET: usize = 8 << 20;

impl Printer {
    pub fn start(opts: PrintOptions) -> Result<Printer, EngineError> {
        let clock = Clock::new(opts.timezone.as_deref().unwrap_or("UTC")).map_err(EngineError::usage)?;
        let set = FieldSet::load(&opts.plugins)?;
        let filter = match opts.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(text) => {
                let f = scap_filter::compile_filter(text, None, &set.resolver(None)).map_err(|e| filter_error("filter", None, "condition", text, &e))?;
                Some(f)
            }
        };
        let parse = |text: &str| OutputFormat::parse(text, &set.resolver(None)).map_err(|e| filter_error("format", None, "output", text, &e));
        let (plugin_format, other_format) = match &opts.format {
            Some(f) => (parse(f)?, parse(f)?),
            None => (parse(DEFAULT_PLUGIN_FORMAT)?, parse(DEFAULT_OTHER_FORMAT)?),
        };
        let filter_ids: Vec<u32> = filter.as_ref().map(|f| f.fields().iter().map(|r| r.id).collect()).unwrap_or_default();
        let format_ids: Vec<u32> = plugin_format.fields().iter().chain(other_format.fields()).map(|r| r.id).collect();
        let extraction = Extraction::new(&set, &[filter_ids, format_ids])?;
        let input = CaptureFeed::open(&opts.capture, opts.batch_events)?;
        let progress = PrintProgress { file_size: input.file_size(), ..Default::default() };
        Ok(Printer {
            batch: EventBatch::new(opts.batch_events, 16 << 20),
            // libsinsp reading a capture has no host name: evt.hostname is empty whatever the
            // capture's machine info or SCAP_HOSTNAME say (sinsp-example and Falco's replay agree)
            ctx: EvtContext { clock, first_ts: None, hostname: String::new() },
            opts,
            set,
            filter,
            plugin_format,
            other_format,
            extraction,
            input,
            matched_idx: Vec::new(),
            all_idx: Vec::new(),
            at_initial_state: true,
            meta_prefix: 0,
            emit_next: 0,
            stopping: false,
            progress,
            started: Instant::now(),
        })
    }

    /// Prints the next batch (or, to a file descriptor, the batches of
    /// [`crate::capture_feed::STEP_TIME`]) into
    /// `out` (lines ending in `\n`), at most about [`STEP_OUTPUT_BUDGET`] of it; `done` at the
    /// end. The lines printed before a failure reach the file descriptor before the error
    /// ([`crate::fd_output::end_step`]).
    pub fn step(&mut self, out: &mut String) -> Result<PrintProgress, EngineError> {
        if self.progress.done {
            return Ok(self.progress.clone());
        }
        let stepped = self.print_batches(out);
        if crate::fd_output::end_step(self.opts.output_fd, out, stepped)? {
            self.progress.output_closed = true;
            if !self.progress.done {
                self.end_capture()?;
            }
        }
        self.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        Ok(self.progress.clone())
    }

    fn print_batches(&mut self, out: &mut String) -> Result<(), EngineError> {
        let mut reads = StepReads::start(self.opts.output_fd.is_some());
        loop {
            if !self.emit(out) {
                return Ok(()); // the budget is spent: the rest at the next step
            }
            if self.stopping {
                return self.end_capture();
            }
            match self.input.next_view(&mut self.set, &mut self.batch, &mut reads, &mut self.progress.position)? {
                Fed::View => self.select_batch()?,
                Fed::Later => return Ok(()),
                Fed::End => return self.end_capture(),
            }
        }
    }

    /// The capture is over (or `-n` was reached): listening plugins get `capture_close`.
    fn end_capture(&mut self) -> Result<(), EngineError> {
        self.set.close_capture()?;
        self.progress.done = true;
        Ok(())
    }

    /// Prints the selected events of `batch` from `emit_next` on, until the step's output
    /// budget is spent; true when all of them are printed.
    fn emit(&mut self, out: &mut String) -> bool {
        while let Some(&i) = self.matched_idx.get(self.emit_next) {
            if out.len() >= STEP_OUTPUT_BUDGET {
                return false;
            }
            self.emit_next += 1;
            let row = self.extraction.row(i);
            let fmt = if self.batch.meta[i].event_type == scap::event_types::PLUGINEVENT_E { &self.plugin_format } else { &self.other_format };
            let ok = if self.opts.json { fmt.render_json(&row, out) } else { fmt.render(&row, out) };
            if ok {
                out.push('\n');
                self.progress.printed += 1;
            }
        }
        true
    }

    /// Filters the events of `batch` and extracts the format's fields of those that pass; they
    /// are printed by [`Printer::emit`].
    fn select_batch(&mut self) -> Result<(), EngineError> {
        self.emit_next = 0;
        self.matched_idx.clear();
        let n = self.batch.len();
        if n > 0 {
            // libsinsp hands out no leading initial-state event
            let mut first = 0;
            if self.at_initial_state {
                first = self.batch.meta.iter().position(|m| !is_initial_state_event(m.event_type)).unwrap_or(n);
                self.at_initial_state = first == n;
            }
            // evt.reltime counts from the first non-meta event, from 0 before it
            self.meta_prefix = 0;
            if self.ctx.first_ts.is_none() {
                match self.batch.meta[first..].iter().position(|m| !is_metaevent(m.event_type)) {
                    Some(k) => {
                        self.meta_prefix = first + k;
                        self.ctx.first_ts = Some(self.batch.meta[first + k].ts);
                    }
                    None => self.meta_prefix = n,
                }
            }
            self.extraction.begin(&self.set, &self.batch);
            self.all_idx.clear();
            self.all_idx.extend(first..n);
            self.matched_idx.clear();
            match &self.filter {
                None => self.matched_idx.extend(first..n),
                Some(_) => {
                    let all = std::mem::take(&mut self.all_idx);
                    self.extract(0, &all)?;
                    self.all_idx = all;
                    let f = self.filter.as_ref().expect("matched above");
                    for &i in &self.all_idx {
                        if f.matches(&self.extraction.row(i)) {
                            self.matched_idx.push(i);
                        }
                    }
                }
            }
            // sysdig -n: stop after that many events passed the filter
            if let Some(max) = self.opts.max_events {
                let left = max.saturating_sub(self.progress.matched) as usize;
                if self.matched_idx.len() >= left {
                    self.matched_idx.truncate(left);
                    self.stopping = true;
                }
            }
            let matched = std::mem::take(&mut self.matched_idx);
            self.extract(1, &matched)?;
            self.matched_idx = matched;
            self.progress.events += n as u64;
            self.progress.matched += self.matched_idx.len() as u64;
        }
        Ok(())
    }

    /// Extracts `stage` for the events `which`, those before the first non-meta event with
    /// libsinsp's reltime base of 0.
    fn extract(&mut self, stage: usize, which: &[usize]) -> Result<(), EngineError> {
        let cut = which.partition_point(|&i| i < self.meta_prefix);
        if cut > 0 {
            let base = self.ctx.first_ts.replace(0);
            self.extraction.run(stage, &mut self.set, &self.batch, &which[..cut], &mut self.ctx)?;
            self.ctx.first_ts = base;
        }
        if cut < which.len() {
            self.extraction.run(stage, &mut self.set, &self.batch, &which[cut..], &mut self.ctx)?;
        }
        Ok(())
    }

    pub fn finish(self) -> PrintProgress {
        let mut p = self.progress.clone();
        p.elapsed_ms = self.started.elapsed().as_millis() as u64;
        p
    }
}
