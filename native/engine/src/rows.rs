//! One batch of events extracted by every plugin of a session into a table of golden cells
//! (canonical text), shared by recording (which writes the cells) and replay (which compares
//! them). The table and the per-plugin result structures are reused batch after batch.

use plugin_host::{EventRef, ExtractResults, FieldOutcome, PluginState};
use scap::bytes::{le_u16, le_u32};

use crate::error::EngineError;
use crate::golden::{ABSENT, ERROR, NOT_APPLICABLE};
use crate::session::Session;

/// Cells of a batch: `events × columns`, each a range of one shared text buffer.
#[derive(Default)]
pub struct CellTable {
    text: String,
    cells: Vec<(u32, u32)>,
    columns: usize,
}

/// The range every not-applicable cell points at (the first byte of the buffer).
const NA: (u32, u32) = (0, 1);

impl CellTable {
    pub fn reset(&mut self, events: usize, columns: usize) {
        self.text.clear();
        self.text.push_str(NOT_APPLICABLE);
        self.columns = columns;
        self.cells.clear();
        self.cells.resize(events * columns, NA);
    }

    pub fn events(&self) -> usize {
        self.cells.len().checked_div(self.columns).unwrap_or(0)
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Bytes of cell text the table holds.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Gives back memory beyond what the current cells need (after a window of large cells).
    pub fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.cells.shrink_to_fit();
    }

    pub fn get(&self, event: usize, column: usize) -> &str {
        let (start, end) = self.cells[event * self.columns + column];
        &self.text[start as usize..end as usize]
    }

    pub fn row(&self, event: usize) -> impl Iterator<Item = &str> + '_ {
        (0..self.columns).map(move |c| self.get(event, c))
    }

    /// Appends row `event` of `other` (same columns) as this table's last row: a stateful
    /// replay extracts each event right after it is parsed.
    pub fn append_row(&mut self, other: &CellTable, event: usize) {
        debug_assert_eq!(self.columns, other.columns);
        for c in 0..other.columns {
            let start = self.text.len() as u32;
            self.text.push_str(other.get(event, c));
            self.cells.push((start, self.text.len() as u32));
        }
    }

    fn set(&mut self, event: usize, column: usize, outcome: &FieldOutcome<'_>) {
        let start = self.text.len() as u32;
        match outcome {
            FieldOutcome::Absent => self.text.push_str(ABSENT),
            FieldOutcome::Error(_) => self.text.push_str(ERROR),
            FieldOutcome::Value(v) => v.render(&mut self.text),
        }
        self.cells[event * self.columns + column] = (start, self.text.len() as u32);
    }
}

/// What the engine needs to know of an event besides its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventKey {
    pub evtnum: u64,
    pub ts: u64,
    pub event_type: u16,
    /// The plugin id of plugin (322) and async (402) events.
    pub plugin_id: Option<u32>,
}

impl EventKey {
    pub fn of(evtnum: u64, bytes: &[u8]) -> EventKey {
        let ts = u64::from_le_bytes(bytes[0..8].try_into().unwrap());
        let event_type = le_u16(bytes, 20);
        let plugin_id = match event_type {
            // 322: lens {4, N} at 26, id at 34; 402: lens {4, name, data} at 26, id at 38.
            scap::event_types::PLUGINEVENT_E if bytes.len() >= 38 && le_u32(bytes, 26) == 4 => Some(le_u32(bytes, 34)),
            scap::event_types::ASYNCEVENT_E if bytes.len() >= 42 && le_u32(bytes, 26) == 4 => Some(le_u32(bytes, 38)),
            _ => None,
        };
        EventKey { evtnum, ts, event_type, plugin_id }
    }
}

/// Reusable buffers for [`extract`].
#[derive(Default)]
pub struct Scratch {
    results: Vec<ExtractResults>,
    picked: Vec<usize>,
    /// Per event: the index of its source among the batch's distinct sources (`NO_SOURCE`
    /// when no plugin of the run declared its id).
    sources: Vec<u32>,
    /// Plugins whose results wait in `results` to be rendered (`render_values`).
    deferred: Vec<usize>,
}

const NO_SOURCE: u32 = u32::MAX;

/// The event source of an event: its plugin's source for plugin events (`None` when no plugin
/// of the run declared its id), "syscall" for everything else (async events of the syscall
/// source carry id 0).
fn source_of<'s>(session: &'s Session, key: &EventKey) -> Option<&'s str> {
    match (key.event_type, key.plugin_id) {
        (scap::event_types::PLUGINEVENT_E, Some(id)) => session.source_of(id),
        (scap::event_types::ASYNCEVENT_E, Some(0)) => Some("syscall"),
        (scap::event_types::ASYNCEVENT_E, Some(id)) => session.source_of(id),
        _ => Some("syscall"),
    }
}

/// Which of a session plugin's plans a pass extracts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plans {
    /// libsinsp's one field per call (every pass that proves values).
    OneFieldPerCall,
    /// All fields in one call, for the batching probe; plugins without a batched plan are
    /// skipped (their cells stay not applicable).
    Batched,
}

/// Extracts every column of `session` from `events` with `states` (one per session plugin;
/// `None` for plugins without columns) into `table`.
pub fn extract(
    session: &Session,
    plans: Plans,
    states: &mut [Option<PluginState>],
    events: &[EventRef<'_>],
    keys: &[EventKey],
    table: &mut CellTable,
    scratch: &mut Scratch,
) -> Result<(), EngineError> {
    extract_values(session, plans, states, events, keys, table, scratch)?;
    render_values(session, table, scratch);
    Ok(())
}

/// The plugin calls of [`extract`]. When every event of the batch has one source, the values
/// stay in `scratch` for [`render_values`], which may then run on another thread while the
/// caller's thread goes on calling plugins; otherwise they are rendered into `table` at once.
pub fn extract_values(
    session: &Session,
    plans: Plans,
    states: &mut [Option<PluginState>],
    events: &[EventRef<'_>],
    keys: &[EventKey],
    table: &mut CellTable,
    scratch: &mut Scratch,
) -> Result<(), EngineError> {
    table.reset(events.len(), session.columns.len());
    scratch.deferred.clear();
    if scratch.results.len() < session.plugins.len() {
        scratch.results.resize_with(session.plugins.len(), ExtractResults::new);
    }
    // Distinct sources of the batch, in order of appearance (usually one), and each event's.
    // An event's source follows from its type and plugin id: consecutive events mostly share
    // both, so the last answer is reused.
    let mut distinct: Vec<&str> = Vec::new();
    let mut last: Option<((u16, Option<u32>), u32)> = None;
    scratch.sources.clear();
    for k in keys {
        let id = (k.event_type, k.plugin_id);
        let index = match last {
            Some((seen, index)) if seen == id => index,
            _ => {
                let index = match source_of(session, k) {
                    None => NO_SOURCE,
                    Some(s) => match distinct.iter().position(|d| *d == s) {
                        Some(i) => i as u32,
                        None => {
                            distinct.push(s);
                            (distinct.len() - 1) as u32
                        }
                    },
                };
                last = Some((id, index));
                index
            }
        };
        scratch.sources.push(index);
    }
    // Every event of one source: the batch goes to the plugin as it is, and each plugin's
    // results cover the whole batch (they can wait to be rendered).
    let uniform = distinct.len() == 1 && scratch.sources.iter().all(|&s| s == 0);
    for (pi, p) in session.plugins.iter().enumerate() {
        let plan = match plans {
            Plans::OneFieldPerCall => p.plan.as_ref(),
            Plans::Batched => p.batched_plan.as_ref(),
        };
        let (Some(plan), Some(state)) = (plan, states.get_mut(pi).and_then(Option::as_mut)) else {
            continue;
        };
        for (si, source) in distinct.iter().enumerate().filter(|(_, s)| p.applies_to(s)) {
            let picked_refs: Vec<EventRef<'_>>;
            let refs: &[EventRef<'_>] = if uniform {
                events
            } else {
                scratch.picked.clear();
                scratch.picked.extend((0..events.len()).filter(|&i| scratch.sources[i] == si as u32));
                picked_refs = scratch.picked.iter().map(|&i| events[i]).collect();
                &picked_refs
            };
            let results = &mut scratch.results[pi];
            state.extract(plan, source, refs, results).map_err(|e| {
                let first = refs.first().map(|r| r.num).unwrap_or(0);
                EngineError::plugin(p.name(), e).at_event(first)
            })?;
            if uniform {
                scratch.deferred.push(pi);
            } else {
                render_plugin(session, pi, results, Some(&scratch.picked), table);
            }
        }
    }
    Ok(())
}

/// Renders the values [`extract_values`] left in `scratch` into `table`.
pub fn render_values(session: &Session, table: &mut CellTable, scratch: &Scratch) {
    for &pi in &scratch.deferred {
        render_plugin(session, pi, &scratch.results[pi], None, table);
    }
}

/// Renders plugin `pi`'s results into its columns: row `i` of the results is event `picked[i]`
/// (or event `i`).
fn render_plugin(session: &Session, pi: usize, results: &ExtractResults, picked: Option<&[usize]>, table: &mut CellTable) {
    let columns: Vec<(usize, usize)> = session.columns_of(pi).map(|(column, col)| (column, col.request)).collect();
    for row in 0..results.events() {
        let event = picked.map_or(row, |p| p[row]);
        for &(column, request) in &columns {
            table.set(event, column, &results.get(row, request));
        }
    }
}
