//! Field values of a batch of events, extracted in stages: a stage is a set of slots extracted
//! together for some events of the batch. The print and rules engines run one stage for the
//! fields their filters read (every event), then one for the fields only their outputs read
//! (only the events that matched), so that output fields cost nothing for filtered-out events.
//!
//! Plugin fields go through `plugin_host` batch extraction: one call per plugin and source for
//! the stage's events of that source. `evt.*` values are computed into a per-batch arena. A
//! [`Row`] then answers `scap_filter::FieldValues` for one event without copying.

use plugin_host::inspector::fields::{SyscallField, SyscallValue};
use plugin_host::{EventRef, ExtractPlan, ExtractResults, FieldRequest, ValueRef};
use scap_filter::{FieldValue, FieldValues};

use crate::clock::{self, Clock};
use crate::error::EngineError;
use crate::event_batch::EventBatch;
use crate::evt_fields::{self, EvtField};
use crate::fieldset::{FieldSet, SlotKind};

/// Run-wide inputs of `evt.*` values.
pub struct EvtContext {
    pub clock: Clock,
    /// Timestamp of the capture's first event (`evt.reltime`).
    pub first_ts: Option<u64>,
    pub hostname: String,
}

#[derive(Clone, Copy, Debug)]
enum EvtVal {
    Absent,
    U64(u64),
    Abs(u64),
    Rel(u64),
    Bool(bool),
    Str(u32, u32),
}

struct PluginPart {
    plugin: usize,
    plan: ExtractPlan,
    /// Slot id of each request of the plan.
    slots: Vec<u32>,
    /// Result sets of this batch, one per source (reused across batches).
    results: Vec<(String, ExtractResults)>,
    used: usize,
}

struct Stage {
    parts: Vec<PluginPart>,
    evt: Vec<(u32, EvtField)>,
    /// `[event * parts.len() + part]` → (result set, row), `u32::MAX` set: not extracted.
    rows: Vec<(u32, u32)>,
    /// `[event * evt.len() + k]`.
    evt_vals: Vec<EvtVal>,
    arena: String,
    /// Syscall fields, read from the capture's state (one event at a time).
    sys: Vec<(u32, SyscallField)>,
    /// `[event * sys.len() + k]`; strings in `sys_arena` (bytes, not always UTF-8).
    sys_vals: Vec<EvtVal>,
    sys_arena: Vec<u8>,
    /// `run` wrote values since the tables were last reset: otherwise they still hold only
    /// "not extracted", and a batch of the same size need not reset them (print's format
    /// stage, when no event of a batch passed the filter).
    written: bool,
}

/// Where a slot's values are: stage, and part (plugin) or evt index within it.
#[derive(Clone, Copy, Debug)]
enum Loc {
    None,
    Evt { stage: u8, k: u32 },
    Sys { stage: u8, k: u32 },
    /// The providers' parts in this stage, in preference order (`first..first+count` of `providers`).
    Plugin { stage: u8, first: u32, count: u32 },
}

pub struct Extraction {
    stages: Vec<Stage>,
    locs: Vec<Loc>,
    /// (part index) lists referenced by `Loc::Plugin`, with the request index in that part.
    providers: Vec<(u32, u32)>,
    events: usize,
    /// Per event: index into `sources` (`u32::MAX`: no source, i.e. an unknown plugin id).
    source_of: Vec<u32>,
    sources: Vec<String>,
    scratch_refs: Vec<usize>,
}

impl Extraction {
    /// Plans the stages: `stages[i]` lists the slot ids extracted in stage `i` (a slot listed in
    /// an earlier stage is not extracted again).
    pub fn new(set: &FieldSet, stages: &[Vec<u32>]) -> Result<Extraction, EngineError> {
        let mut locs = vec![Loc::None; set.slot_count()];
        let mut providers: Vec<(u32, u32)> = Vec::new();
        let mut out = Vec::new();
        for (si, ids) in stages.iter().enumerate() {
            let mut reqs: Vec<(usize, Vec<FieldRequest>, Vec<u32>)> = Vec::new();
            let mut evt = Vec::new();
            let mut sys: Vec<(u32, SyscallField)> = Vec::new();
            let mut plugin_slots: Vec<(u32, Vec<(usize, usize)>)> = Vec::new();
            for &id in ids {
                if !matches!(locs[id as usize], Loc::None) || plugin_slots.iter().any(|(s, _)| *s == id) || evt.iter().any(|(s, _)| *s == id) {
                    continue;
                }
                let slot = set.slot(id);
                match slot.kind {
                    SlotKind::Evt(f) => {
                        locs[id as usize] = Loc::Evt { stage: si as u8, k: evt.len() as u32 };
                        evt.push((id, f));
                    }
                    SlotKind::Syscall(f) => {
                        locs[id as usize] = Loc::Sys { stage: si as u8, k: sys.len() as u32 };
                        sys.push((id, f));
                    }
                    SlotKind::Plugin(ps) => {
                        for &(pi, fi) in &ps {
                            let entry = match reqs.iter_mut().position(|r| r.0 == pi) {
                                Some(i) => i,
                                None => {
                                    reqs.push((pi, Vec::new(), Vec::new()));
                                    reqs.len() - 1
                                }
                            };
                            reqs[entry].1.push(FieldRequest::new(fi, slot.arg.as_deref()));
                            reqs[entry].2.push(id);
                        }
                        plugin_slots.push((id, ps));
                    }
                }
            }
            let mut parts = Vec::new();
            for (pi, requests, slots) in reqs {
                let p = &set.plugins[pi];
                let plan = ExtractPlan::new(&p.plugin, &requests).map_err(|e| EngineError::plugin(p.name(), e))?;
                parts.push(PluginPart { plugin: pi, plan, slots, results: Vec::new(), used: 0 });
            }
            for (id, ps) in plugin_slots {
                let first = providers.len() as u32;
                for (pi, _) in ps {
                    let part = parts.iter().position(|x| x.plugin == pi).expect("planned above");
                    let req = parts[part].slots.iter().position(|s| *s == id).expect("planned above");
                    providers.push((part as u32, req as u32));
                }
                locs[id as usize] = Loc::Plugin { stage: si as u8, first, count: providers.len() as u32 - first };
            }
            out.push(Stage { parts, evt, rows: Vec::new(), evt_vals: Vec::new(), arena: String::new(), sys, sys_vals: Vec::new(), sys_arena: Vec::new(), written: true });
        }
        Ok(Extraction { stages: out, locs, providers, events: 0, source_of: Vec::new(), sources: Vec::new(), scratch_refs: Vec::new() })
    }

    /// Starts a batch: decides each event's source.
    pub fn begin(&mut self, set: &FieldSet, batch: &EventBatch) {
        self.events = batch.len();
        self.source_of.clear();
        // Consecutive events usually share their type and plugin id: decide once per run of them.
        let mut last: Option<(u16, Option<u32>, u32)> = None;
        for m in &batch.meta {
            if let Some((t, id, idx)) = last {
                if t == m.event_type && id == m.plugin_id {
                    self.source_of.push(idx);
                    continue;
                }
            }
            let src = event_source(set, m);
            let idx = match src {
                None => u32::MAX,
                Some(s) => match self.sources.iter().position(|x| x == s) {
                    Some(i) => i as u32,
                    None => {
                        self.sources.push(s.to_string());
                        (self.sources.len() - 1) as u32
                    }
                },
            };
            last = Some((m.event_type, m.plugin_id, idx));
            self.source_of.push(idx);
        }
        for st in &mut self.stages {
            for p in &mut st.parts {
                p.used = 0;
            }
            let unchanged = !st.written && st.rows.len() == self.events * st.parts.len() && st.evt_vals.len() == self.events * st.evt.len() && st.sys_vals.len() == self.events * st.sys.len();
            if unchanged {
                continue;
            }
            st.rows.clear();
            st.rows.resize(self.events * st.parts.len(), (u32::MAX, 0));
            st.evt_vals.clear();
            st.evt_vals.resize(self.events * st.evt.len(), EvtVal::Absent);
            st.arena.clear();
            st.sys_vals.clear();
            st.sys_vals.resize(self.events * st.sys.len(), EvtVal::Absent);
            st.sys_arena.clear();
            st.written = false;
        }
    }

    /// The source of event `i` of the batch (`None`: a plugin id no loaded plugin has).
    pub fn source(&self, i: usize) -> Option<&str> {
        self.source_of.get(i).and_then(|&s| self.sources.get(s as usize)).map(String::as_str)
    }

    pub fn has_stage_work(&self, stage: usize) -> bool {
        self.stages.get(stage).is_some_and(|s| !s.parts.is_empty() || !s.evt.is_empty() || !s.sys.is_empty())
    }

    /// Extracts stage `stage` for the batch events `which` (indexes, ascending).
    pub fn run(&mut self, stage: usize, set: &mut FieldSet, batch: &EventBatch, which: &[usize], ctx: &mut EvtContext) -> Result<(), EngineError> {
        let Some(st) = self.stages.get_mut(stage) else { return Ok(()) };
        if which.is_empty() {
            return Ok(());
        }
        st.written = true;
        let nparts = st.parts.len();
        // plugin fields: per part, per source present among `which`
        for (part_index, part) in st.parts.iter_mut().enumerate() {
            let p = &mut set.plugins[part.plugin];
            for (src_index, src) in self.sources.iter().enumerate() {
                if !p.extracts_from(src) {
                    continue;
                }
                self.scratch_refs.clear();
                self.scratch_refs.extend(which.iter().copied().filter(|&i| self.source_of[i] == src_index as u32));
                if self.scratch_refs.is_empty() {
                    continue;
                }
                let refs: Vec<EventRef<'_>> = self.scratch_refs.iter().map(|&i| batch.event(i)).collect();
                if part.used == part.results.len() {
                    part.results.push((String::new(), ExtractResults::new()));
                }
                let set_index = part.used;
                part.used += 1;
                let (name, results) = &mut part.results[set_index];
                name.clear();
                name.push_str(src);
                let name_of = p.plugin.name().to_string();
                let state = p.state.as_mut().expect("states live until the run ends");
                state.extract(&part.plan, src, &refs, results).map_err(|e| EngineError::plugin(&name_of, e).at_event(refs[0].num))?;
                for (row, &i) in self.scratch_refs.iter().enumerate() {
                    st.rows[i * nparts + part_index] = (set_index as u32, row as u32);
                }
            }
        }
        // evt.* fields
        let nevt = st.evt.len();
        // evt.num, the field filters use most, in a loop of its own
        for (k, _) in st.evt.iter().enumerate().filter(|(_, &(_, f))| f == EvtField::Num) {
            for &i in which {
                st.evt_vals[i * nevt + k] = EvtVal::U64(batch.meta[i].evtnum);
            }
        }
        if st.evt.iter().any(|&(_, f)| f != EvtField::Num) {
            for &i in which {
                let m = batch.meta[i];
                for (k, &(_, f)) in st.evt.iter().enumerate().filter(|(_, &(_, f))| f != EvtField::Num) {
                    let v = evt_value(f, i, &m, batch, set, self.source_of[i], &self.sources, ctx, &mut st.arena)?;
                    st.evt_vals[i * nevt + k] = v;
                }
            }
        }
        // syscall fields: the state after the batch's (single) event
        let nsys = st.sys.len();
        for &i in which.iter().filter(|_| nsys > 0) {
            for (k, (_, f)) in st.sys.iter().enumerate() {
                st.sys_vals[i * nsys + k] = match set.capture.syscall_field(f) {
                    None => EvtVal::Absent,
                    Some(SyscallValue::I64(v)) => EvtVal::U64(v as u64),
                    Some(SyscallValue::Str(s)) => {
                        let start = st.sys_arena.len() as u32;
                        st.sys_arena.extend_from_slice(&s);
                        EvtVal::Str(start, s.len() as u32)
                    }
                };
            }
        }
        Ok(())
    }

    /// The values of event `i` of the batch.
    pub fn row(&self, i: usize) -> Row<'_> {
        Row { x: self, event: i }
    }

    /// Extraction errors met in event `i` for the slots of `stage` (plugin failures are not
    /// values: libsinsp skips the event's field, scaptool too, but reports them).
    pub fn errors(&self, stage: usize, i: usize, out: &mut Vec<String>) {
        let Some(st) = self.stages.get(stage) else { return };
        let n = st.parts.len();
        for (pi, part) in st.parts.iter().enumerate() {
            let (set, row) = st.rows[i * n + pi];
            if set == u32::MAX {
                continue;
            }
            let r = &part.results[set as usize].1;
            for req in 0..part.plan.len() {
                if let Some(e) = r.get(row as usize, req).error() {
                    out.push(e.message.clone());
                }
            }
        }
    }
}

/// The source of an event: `syscall` for libscap events and async events of id 0, the source
/// of the loaded plugin with the event's id, else none.
fn event_source<'a>(set: &'a FieldSet, m: &evt_fields::EventMeta) -> Option<&'a str> {
    match (m.event_type, m.plugin_id) {
        (scap::event_types::PLUGINEVENT_E, Some(id)) => set.plugin_of_id(id).map(|(s, _)| s),
        (scap::event_types::ASYNCEVENT_E, Some(0)) => Some("syscall"),
        (scap::event_types::ASYNCEVENT_E, Some(id)) => set.plugin_of_id(id).map(|(s, _)| s),
        (scap::event_types::PLUGINEVENT_E, None) => None,
        _ => Some("syscall"),
    }
}

/// `evt.type` as current libsinsp names a libscap event: from its event table (a few types were
/// renamed since 2022, e.g. 196 `scapevent`), a generic syscall event after its syscall.
fn syscall_type_name(m: &evt_fields::EventMeta, bytes: &[u8]) -> Option<&'static str> {
    if m.event_type == plugin_host::inspector::codes::GENERIC_X {
        return plugin_host::inspector::args::generic_syscall_name(&plugin_host::inspector::Evt::new(m.evtnum, bytes)?);
    }
    if m.event_type == scap::event_types::PLUGINEVENT_E || m.event_type == scap::event_types::ASYNCEVENT_E {
        return None;
    }
    scap::event_schema::event(m.event_type).map(|s| s.name)
}

fn push_str(arena: &mut String, s: &str) -> EvtVal {
    let start = arena.len() as u32;
    arena.push_str(s);
    EvtVal::Str(start, s.len() as u32)
}

#[allow(clippy::too_many_arguments)]
fn evt_value(
    f: EvtField,
    i: usize,
    m: &evt_fields::EventMeta,
    batch: &EventBatch,
    set: &mut FieldSet,
    source: u32,
    sources: &[String],
    ctx: &mut EvtContext,
    arena: &mut String,
) -> Result<EvtVal, EngineError> {
    const NS: u64 = 1_000_000_000;
    // libsinsp subtracts unsigned: an event older than the base wraps around
    let rel = m.ts.wrapping_sub(ctx.first_ts.unwrap_or(m.ts));
    let start = arena.len() as u32;
    let text = |arena: &mut String| EvtVal::Str(start, arena.len() as u32 - start);
    Ok(match f {
        EvtField::Num => EvtVal::U64(m.evtnum),
        EvtField::Time | EvtField::TimeS => {
            ctx.clock.time(m.ts, f == EvtField::Time, arena);
            text(arena)
        }
        EvtField::Datetime | EvtField::DatetimeS => {
            ctx.clock.datetime(m.ts, f == EvtField::Datetime, arena);
            text(arena)
        }
        EvtField::TimeIso8601 => {
            clock::iso8601(m.ts, arena);
            text(arena)
        }
        EvtField::Rawtime => EvtVal::Abs(m.ts),
        EvtField::RawtimeS => EvtVal::Abs(m.ts / NS),
        EvtField::RawtimeNs => EvtVal::Abs(m.ts % NS),
        EvtField::Reltime => EvtVal::Rel(rel),
        EvtField::ReltimeS => EvtVal::Rel(rel / NS),
        EvtField::ReltimeNs => EvtVal::Rel(rel % NS),
        // libsinsp gives no value for a plugin id that no loaded plugin has (sinsp_parser::set_event_source).
        EvtField::Source => match sources.get(source as usize) {
            Some(s) => push_str(arena, s),
            None => EvtVal::Absent,
        },
        EvtField::PluginName => match (m.event_type, m.plugin_id.and_then(|id| set.plugin_of_id(id))) {
            (scap::event_types::PLUGINEVENT_E, Some((_, pi))) => push_str(arena, set.plugins[pi].name()),
            _ => EvtVal::Absent,
        },
        EvtField::PluginInfo => match (m.event_type, m.plugin_id.and_then(|id| set.plugin_of_id(id))) {
            (scap::event_types::PLUGINEVENT_E, Some((_, pi))) => {
                let p = &mut set.plugins[pi];
                let state = p.state.as_mut().expect("states live until the run ends");
                let bytes = state.event_to_string(batch.event(i)).map_err(|e| EngineError::plugin(p.plugin.name(), e).at_event(m.evtnum))?;
                push_str(arena, &String::from_utf8_lossy(&bytes))
            }
            _ => EvtVal::Absent,
        },
        EvtField::IsAsync => EvtVal::Bool(evt_fields::is_metaevent(m.event_type)),
        EvtField::AsyncType => match evt_fields::async_type(m.event_type, batch.event(i).bytes) {
            Some(n) => push_str(arena, &String::from_utf8_lossy(n)),
            None => EvtVal::Absent,
        },
        EvtField::Type => match syscall_type_name(m, batch.event(i).bytes) {
            Some(name) => push_str(arena, name),
            None => push_str(arena, evt_fields::type_name(m.event_type)),
        },
        EvtField::Dir => push_str(arena, if m.event_type.is_multiple_of(2) { ">" } else { "<" }),
        EvtField::Cpu => EvtVal::U64(m.cpu as u64),
        EvtField::Hostname => push_str(arena, &ctx.hostname),
    })
}

/// One event's values, by slot id.
pub struct Row<'a> {
    x: &'a Extraction,
    event: usize,
}

impl FieldValues for Row<'_> {
    /// Inlined for the `evt.*` fields (filters' `evt.num`), whose value then stays in registers;
    /// the other kinds out of line.
    #[inline(always)]
    fn get(&self, id: u32) -> FieldValue<'_> {
        match self.x.locs.get(id as usize).copied().unwrap_or(Loc::None) {
            Loc::Evt { stage, k } => {
                let st = &self.x.stages[stage as usize];
                let v = st.evt_vals.get(self.event * st.evt.len() + k as usize).copied().unwrap_or(EvtVal::Absent);
                match v {
                    EvtVal::Absent => FieldValue::Absent,
                    EvtVal::U64(x) => FieldValue::One(ValueRef::U64(x)),
                    EvtVal::Abs(x) => FieldValue::One(ValueRef::AbsTime(x)),
                    EvtVal::Rel(x) => FieldValue::One(ValueRef::RelTime(x)),
                    EvtVal::Bool(b) => FieldValue::One(ValueRef::Bool(b)),
                    EvtVal::Str(s, l) => FieldValue::One(ValueRef::Str(&st.arena.as_bytes()[s as usize..(s + l) as usize])),
                }
            }
            other => self.get_other(other),
        }
    }
}

impl Row<'_> {
    #[inline(never)]
    fn get_other(&self, loc: Loc) -> FieldValue<'_> {
        match loc {
            // (`get` answers for `Loc::Evt`)
            Loc::None | Loc::Evt { .. } => FieldValue::Absent,
            Loc::Sys { stage, k } => {
                let st = &self.x.stages[stage as usize];
                match st.sys_vals.get(self.event * st.sys.len() + k as usize).copied().unwrap_or(EvtVal::Absent) {
                    EvtVal::U64(x) => FieldValue::One(ValueRef::U64(x)),
                    EvtVal::Str(s, l) => FieldValue::One(ValueRef::Str(&st.sys_arena[s as usize..(s + l) as usize])),
                    _ => FieldValue::Absent,
                }
            }
            Loc::Plugin { stage, first, count } => {
                let st = &self.x.stages[stage as usize];
                let n = st.parts.len();
                for &(part, req) in &self.x.providers[first as usize..(first + count) as usize] {
                    let (set, row) = st.rows[self.event * n + part as usize];
                    if set == u32::MAX {
                        continue;
                    }
                    let results = &st.parts[part as usize].results[set as usize].1;
                    return FieldValue::from_outcome(results.get(row as usize, req as usize));
                }
                FieldValue::Absent
            }
        }
    }
}
