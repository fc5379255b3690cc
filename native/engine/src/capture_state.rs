//! What libsinsp does with every event of a capture before anything is extracted from it, and
//! what the run's plugins see of that (`sinsp::next`):
//!
//! * the event goes through libscap's converter and gets its `evt.num` (the inspector:
//!   `plugin_host::inspector`); the capture's process and fd lists filled the `threads` table
//!   before the first event;
//! * libsinsp's parser updates the `threads` table, then every plugin with the parsing
//!   capability whose event types and sources take the event parses it (in load order), with
//!   the state tables' reader and writer; async events stored in the capture (type 402) are
//!   parsed like live ones;
//! * the leading initial-state events are consumed while the capture opens; then plugins with
//!   the capture listening capability get `capture_open`, and `capture_close` at the end.
//!
//! Extraction then reads the state as it is after the event: a run whose plugins parse,
//! listen, or extract from syscall events, or whose filters read syscall fields, handles its
//! events one at a time ([`CaptureState::per_event`]).

use std::collections::HashMap;

use plugin_host::inspector::fields::{SyscallField, SyscallValue};
use plugin_host::inspector::{Inspector, Processed, Stage};
use plugin_host::{EventRef, PluginInfo, PluginState};
use scap::bytes::{le_u16, le_u32};
use scap::metadata::Metadata;
use scap::{Item, ScapReader};

use crate::error::{EngineError, EngineErrorKind};
use crate::event_batch::EventBatch;
use crate::fieldset::FieldSet;

/// The run's plugin states, wherever the engine keeps them.
pub trait StateSlots {
    fn slot(&mut self, plugin: usize) -> Option<&mut PluginState>;
}

impl StateSlots for Vec<Option<PluginState>> {
    fn slot(&mut self, plugin: usize) -> Option<&mut PluginState> {
        self.get_mut(plugin).and_then(Option::as_mut)
    }
}

/// A plugin parser (`sinsp_plugin_parser`): the plugin and the sources it parses (empty: all).
struct Parser {
    plugin: usize,
    sources: Vec<String>,
}

/// What became of one event of the capture.
pub enum Fed {
    /// The converter kept or dropped it: no `evt.num`, nothing saw it.
    NotNumbered,
    /// Numbered and parsed, but libsinsp hands it to no consumer (a leading initial-state
    /// event, an enter event kept for the parser, a state-only event).
    Hidden(u64),
    /// Numbered, parsed, handed out: its converted bytes are [`CaptureState::current_event`].
    Visible(u64),
}

pub struct CaptureState {
    pub inspector: Inspector,
    parsers: Vec<Parser>,
    listeners: Vec<usize>,
    names: Vec<String>,
    /// Plugin id → event source, from the run's source plugins.
    sources_by_id: HashMap<u32, String>,
    per_event: std::cell::Cell<bool>,
    opened: bool,
    closed: bool,
    current: Option<Processed>,
    /// Failures of `parse_event`: libsinsp ignores them (the event goes on); counted here, the
    /// first one kept for the report.
    pub parse_failures: u64,
    pub first_parse_failure: Option<String>,
}

/// Whether a run of these plugins needs libsinsp's per-event order: a plugin parses events,
/// listens to the capture, or extracts from syscall events (whose state changes event by
/// event).
pub fn plugins_need_state(infos: &[&PluginInfo]) -> bool {
    infos.iter().any(|i| {
        i.capabilities.parsing
            || i.capabilities.listening
            || (i.capabilities.extraction && (i.extract_event_sources.is_empty() || i.extract_event_sources.iter().any(|s| s == "syscall")))
    })
}

impl CaptureState {
    /// The state of a run: `inspector` is the one the plugins were initialised in (they share
    /// its table registry); `infos` are the run's plugins in load order.
    pub fn new(inspector: Inspector, infos: &[&PluginInfo], sources_by_id: HashMap<u32, String>) -> CaptureState {
        let mut parsers = Vec::new();
        let mut listeners = Vec::new();
        for (i, info) in infos.iter().enumerate() {
            if info.capabilities.parsing {
                parsers.push(Parser { plugin: i, sources: info.parse_event_sources.clone() });
            }
            if info.capabilities.listening {
                listeners.push(i);
            }
        }
        CaptureState {
            inspector,
            parsers,
            listeners,
            names: infos.iter().map(|i| i.name.clone()).collect(),
            sources_by_id,
            per_event: std::cell::Cell::new(plugins_need_state(infos)),
            opened: false,
            closed: false,
            current: None,
            parse_failures: 0,
            first_parse_failure: None,
        }
    }

    /// Whether extraction must follow each event's parsing (see [`plugins_need_state`]; also set
    /// by [`CaptureState::require_per_event`] when syscall fields are read).
    pub fn per_event(&self) -> bool {
        self.per_event.get()
    }

    pub fn require_per_event(&self) {
        self.per_event.set(true);
    }

    /// A metadata block of the capture.
    pub fn on_metadata(&mut self, md: &Metadata) {
        self.inspector.on_metadata(md);
    }

    /// The event source of a (converted) event: `syscall` for libscap events and plugin or
    /// async events of id 0, else the source of the run's plugin with that id (`None`: no
    /// plugin of the run has it, `sinsp_no_event_source_idx`).
    pub fn source_of<'a>(&'a self, bytes: &[u8]) -> Option<&'a str> {
        let t = le_u16(bytes, 20);
        if t != scap::event_types::PLUGINEVENT_E && t != scap::event_types::ASYNCEVENT_E {
            return Some("syscall");
        }
        let nparams = le_u32(bytes, 22) as usize;
        let at = 26 + 4 * nparams;
        if nparams == 0 || bytes.len() < at + 4 || le_u32(bytes, 26) != 4 {
            return Some("syscall");
        }
        match le_u32(bytes, at) {
            0 => Some("syscall"),
            id => self.sources_by_id.get(&id).map(String::as_str),
        }
    }

    /// One event of the capture (v2 layout), in capture order: conversion, numbering, the
    /// inspector's parsing, then the plugins'.
    pub fn feed(&mut self, raw: &[u8], dump_flags: u32, states: &mut dyn StateSlots) -> Result<Fed, EngineError> {
        if let Some(p) = self.inspector.pass_plugin_event(raw, dump_flags) {
            return Ok(self.processed(p, states));
        }
        let event_type = match self.inspector.convert(raw) {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(Fed::NotNumbered),
            Err(e) => return Err(EngineError::new(EngineErrorKind::Capture, format!("libscap's event converter: {}", e.0))),
        };
        if self.inspector.ends_opening(event_type) {
            self.open(states)?;
        }
        let p = self.inspector.process(dump_flags);
        Ok(self.processed(p, states))
    }

    /// A batch read from the capture (its events validated by the reader: their parameters
    /// fit) of plugin events only, none state-only, with no metadata block, when no plugin
    /// parses: every event is what [`Inspector::pass_plugin_event`] takes, so the batch is
    /// numbered in place, in one go. False, with nothing done, for any other batch.
    pub fn pass_plugin_batch(&mut self, batch: &mut EventBatch) -> bool {
        let n = batch.len();
        if n == 0 || !batch.plugin_events_only || !batch.metadata.is_empty() || !self.parsers.is_empty() || !self.inspector.passes_plugin_events() {
            return false;
        }
        let first = self.inspector.pass_plugin_events(n as u64, batch.event(n - 1).bytes);
        for (m, evtnum) in batch.meta.iter_mut().zip(first..) {
            m.evtnum = evtnum;
        }
        self.current = Some(Processed { evtnum: first + n as u64 - 1, initial_state: false, filtered_out: false, tinfo: None, fdinfo: None, fd: -1 });
        true
    }

    /// The numbered event goes to the plugins' parsers.
    fn processed(&mut self, p: Processed, states: &mut dyn StateSlots) -> Fed {
        let num = p.evtnum;
        let hidden = p.initial_state || p.filtered_out;
        self.current = Some(p);
        self.parse_with_plugins(num, states);
        if hidden {
            Fed::Hidden(num)
        } else {
            Fed::Visible(num)
        }
    }

    fn parse_with_plugins(&mut self, num: u64, states: &mut dyn StateSlots) {
        if self.parsers.is_empty() {
            return;
        }
        let bytes = self.inspector.current();
        let Some(source) = self.source_of(bytes) else { return };
        let mut failures = Vec::new();
        for p in &self.parsers {
            if !p.sources.is_empty() && !p.sources.iter().any(|s| s == source) {
                continue;
            }
            let Some(state) = states.slot(p.plugin) else { continue };
            if let Err(e) = state.parse_event(source, EventRef { num, bytes }) {
                failures.push(e.to_string());
            }
        }
        self.parse_failures += failures.len() as u64;
        if self.first_parse_failure.is_none() {
            self.first_parse_failure = failures.into_iter().next();
        }
    }

    /// The end of the capture's opening (the leading initial-state events consumed): socket
    /// directions fixed, then `capture_open` for listening plugins. Done once; a capture
    /// without events opens at its end.
    pub fn open(&mut self, states: &mut dyn StateSlots) -> Result<(), EngineError> {
        if self.opened {
            return Ok(());
        }
        self.opened = true;
        self.inspector.finish_opening();
        for &i in &self.listeners {
            if let Some(s) = states.slot(i) {
                s.capture_open().map_err(|e| EngineError::plugin(&self.names[i], e))?;
            }
        }
        Ok(())
    }

    /// The end of the capture: `capture_close` for listening plugins (once).
    pub fn close(&mut self, states: &mut dyn StateSlots) -> Result<(), EngineError> {
        self.open(states)?;
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        for &i in &self.listeners {
            if let Some(s) = states.slot(i) {
                s.capture_close().map_err(|e| EngineError::plugin(&self.names[i], e))?;
            }
        }
        Ok(())
    }

    /// Whether the capture is open (its leading state events consumed).
    pub fn is_open(&self) -> bool {
        self.inspector.stage() == Stage::Running
    }

    /// The last event fed, converted (what plugins parsed and extract from).
    pub fn current_event(&self) -> &[u8] {
        self.inspector.current()
    }

    /// A syscall field of the last event fed, from the state as it is now.
    pub fn syscall_field(&self, f: &SyscallField) -> Option<SyscallValue> {
        let p = self.current.as_ref()?;
        let bytes = self.inspector.current();
        let e = self.inspector.evt(p, bytes)?;
        self.inspector.syscall_field(f, &e)
    }
}

impl StateSlots for Vec<crate::fieldset::RunPlugin> {
    fn slot(&mut self, plugin: usize) -> Option<&mut PluginState> {
        self.get_mut(plugin).and_then(|p| p.state.as_mut())
    }
}

/// How far [`FieldSet::fill_view`] went in a batch read from the capture.
#[derive(Clone, Copy, Debug, Default)]
pub struct FeedPos {
    event: usize,
    metadata: usize,
}

impl FeedPos {
    /// Whether every event and metadata block of `raw` went through.
    pub fn finished(&self, raw: &EventBatch) -> bool {
        self.event >= raw.len() && self.metadata >= raw.metadata.len()
    }
}

impl FieldSet {
    /// A fresh batch of the capture that [`CaptureState::pass_plugin_batch`] takes, when the
    /// run does not go event by event: numbered in place, to be handed out whole.
    pub fn pass_plugin_batch(&mut self, batch: &mut EventBatch) -> bool {
        !self.capture.per_event() && self.capture.pass_plugin_batch(batch)
    }

    /// Feeds the events of `raw` (as read from the capture) from `pos` on to the capture's
    /// state and puts those libsinsp hands out into `view` (cleared first): one event when the
    /// run goes event by event ([`CaptureState::per_event`]), else every remaining one.
    pub fn fill_view(&mut self, raw: &EventBatch, pos: &mut FeedPos, view: &mut EventBatch) -> Result<(), EngineError> {
        view.clear();
        let per_event = self.capture.per_event();
        loop {
            while let Some((before, md)) = raw.metadata.get(pos.metadata) {
                if *before > pos.event {
                    break;
                }
                self.capture.on_metadata(md);
                pos.metadata += 1;
            }
            if pos.event >= raw.len() {
                return Ok(());
            }
            let i = pos.event;
            pos.event += 1;
            let fed = self.capture.feed(raw.event(i).bytes, raw.flags[i], &mut self.plugins).map_err(|e| e.at_event(raw.meta[i].evtnum))?;
            if let Fed::Visible(num) = fed {
                view.push_event(num, raw.meta[i].cpu, raw.flags[i], self.capture.current_event());
                if per_event {
                    return Ok(());
                }
            }
        }
    }

    /// The end of the run's capture: plugins listening to it get `capture_close`.
    pub fn close_capture(&mut self) -> Result<(), EngineError> {
        self.capture.close(&mut self.plugins)
    }
}

/// Whether a capture holds syscall state: a process list, or a first event that is not a
/// plugin event. Falco's syscall source applies to such a capture.
pub fn capture_has_syscall_events(path: &str) -> Result<bool, EngineError> {
    let mut reader = ScapReader::open(std::path::Path::new(path)).map_err(|e| EngineError::capture(path, e))?;
    loop {
        match reader.next_item().map_err(|e| EngineError::capture(path, e))? {
            None => return Ok(false),
            Some(Item::Metadata { metadata: Metadata::ProcList(_), .. }) => return Ok(true),
            Some(Item::Event(ev)) => return Ok(ev.record.event_type != scap::event_types::PLUGINEVENT_E),
            Some(_) => {}
        }
    }
}
