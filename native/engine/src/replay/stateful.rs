//! Replay of a capture whose plugins need libsinsp's per-event order (they parse events, listen
//! to the capture, or extract from syscall events), or of a syscall capture: one inspector and
//! one state per plugin, all sharing its tables, and each event handed out is extracted right
//! after it was parsed, in capture order, as libsinsp does. Its `evt.num` is libsinsp's (old
//! enter events merged by libscap's converter; leading state events consumed unseen).
//!
//! The reverse and shuffled passes do not run: a plugin that parses events keeps state across
//! them by design, and a syscall field's value is the state at its event. Neither does the
//! batching probe nor the split of a window across threads (one state sees every event).

use std::collections::HashMap;

use plugin_host::inspector::Inspector;
use plugin_host::{EventRef, PluginState};
use scap::Item;

use super::{Input, Pass, Replayer, WINDOW_BYTES};
use crate::capture_state::{capture_has_syscall_events, plugins_need_state, CaptureState, Fed};
use crate::error::EngineError;
use crate::rows::{self, CellTable, EventKey, Plans, Scratch};
use crate::session::Session;

pub(super) struct StatefulReplay {
    capture: CaptureState,
    /// One event's cells, appended to the forward pass's table.
    one: CellTable,
    scratch: Scratch,
    raw: Vec<u8>,
}

/// Why the order passes and the probe did not run.
pub(super) const ORDER_PASSES_SKIPPED: &str =
    "the run keeps libsinsp's state event by event (plugins that parse events or listen to the capture, syscall fields or a syscall capture): events are extracted once, in capture order";

impl StatefulReplay {
    /// The stateful replay of `capture` with `session`, with the forward pass that goes with it
    /// (every plugin initialised, in load order, in the inspector's table registry); `None` when
    /// the run needs no state.
    pub(super) fn start(session: &Session, capture: &str) -> Result<Option<(StatefulReplay, Pass)>, EngineError> {
        let infos: Vec<_> = session.plugins.iter().map(|p| p.plugin.info()).collect();
        if !plugins_need_state(&infos) && !capture_has_syscall_events(capture)? {
            return Ok(None);
        }
        let inspector = Inspector::new();
        let mut states: Vec<Option<PluginState>> = Vec::with_capacity(session.plugins.len());
        for p in &session.plugins {
            states.push(Some(p.plugin.init_in(&p.config, &inspector.registry).map_err(|e| EngineError::plugin(p.name(), e))?));
        }
        let mut sources = HashMap::new();
        for info in &infos {
            if let (Some(id), Some(src)) = (info.capture_plugin_id(), info.event_source.as_ref()) {
                sources.entry(id).or_insert_with(|| src.clone());
            }
        }
        let capture = CaptureState::new(inspector, &infos, sources);
        let forward = Pass { plans: Plans::OneFieldPerCall, states, table: CellTable::default(), scratch: Scratch::default(), ordered_keys: Vec::new() };
        Ok(Some((StatefulReplay { capture, one: CellTable::default(), scratch: Scratch::default(), raw: Vec::new() }, forward)))
    }

    /// The end of the capture: `capture_close` for listening plugins.
    pub(super) fn close(&mut self, states: &mut Vec<Option<PluginState>>) -> Result<(), EngineError> {
        self.capture.close(states)
    }
}

impl Replayer {
    /// Reads the next window: every event through the inspector and the plugins' parsers, and
    /// each event handed out extracted at once into the forward pass's table.
    pub(super) fn fill_window_stateful(&mut self) -> Result<(), EngineError> {
        let Some(st) = self.stateful.as_mut() else { return Ok(()) };
        let Input::InLine(reader) = &mut self.input else { unreachable!("a stateful replay reads in line") };
        self.bytes.clear();
        self.offsets.clear();
        self.keys.clear();
        self.forward.table.reset(0, self.session.columns.len());
        while self.offsets.len() < self.window_events && self.bytes.len() < WINDOW_BYTES {
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => {
                    self.report.progress.done = true;
                    break;
                }
                Err(e) => {
                    let evtnum = reader.events_read() + 1;
                    return Err(EngineError::capture(&self.opts.capture, e).at_event(evtnum));
                }
            };
            let (bytes, flags) = match item {
                Item::Metadata { metadata, .. } => {
                    st.capture.on_metadata(&metadata);
                    continue;
                }
                Item::Event(ev) => {
                    st.raw.clear();
                    ev.record.write_v2(&mut st.raw);
                    (&st.raw, ev.record.flags)
                }
                _ => continue,
            };
            let Fed::Visible(num) = st.capture.feed(bytes, flags, &mut self.forward.states)? else { continue };
            let event = st.capture.current_event();
            let start = self.bytes.len();
            self.offsets.push(start);
            self.bytes.extend_from_slice(event);
            let key = EventKey::of(num, event);
            self.keys.push(key);
            rows::extract(&self.session, Plans::OneFieldPerCall, &mut self.forward.states, &[EventRef { num, bytes: event }], &[key], &mut st.one, &mut st.scratch)?;
            self.forward.table.append_row(&st.one, 0);
        }
        self.report.events += self.offsets.len() as u64;
        self.report.progress.events = self.report.events;
        Ok(())
    }
}
