//! A batch of capture events for the print and rules engines: filled by the reader's
//! `read_into` (no per-event item values), events in the v2 layout back to back, plus what the
//! `evt.*` fields need (cpu, type, plugin id).

use plugin_host::EventRef;
use scap::reader::ItemSink;
use scap::{Event, Item, ScapReader};

use crate::error::EngineError;
use crate::evt_fields::EventMeta;
use crate::rows::EventKey;

pub struct EventBatch {
    pub bytes: Vec<u8>,
    pub offsets: Vec<usize>,
    pub meta: Vec<EventMeta>,
    max_events: usize,
    max_bytes: usize,
}

impl EventBatch {
    pub fn new(max_events: usize, max_bytes: usize) -> EventBatch {
        EventBatch { bytes: Vec::new(), offsets: Vec::new(), meta: Vec::new(), max_events: max_events.max(1), max_bytes: max_bytes.max(1) }
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.offsets.clear();
        self.meta.clear();
    }

    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    pub fn event(&self, i: usize) -> EventRef<'_> {
        let end = self.offsets.get(i + 1).copied().unwrap_or(self.bytes.len());
        EventRef { num: self.meta[i].evtnum, bytes: &self.bytes[self.offsets[i]..end] }
    }

    /// Reads the next batch (cleared first); false when the capture has ended.
    pub fn fill(&mut self, reader: &mut ScapReader, capture: &str) -> Result<bool, EngineError> {
        self.clear();
        reader.read_into(self).map_err(|e| {
            let evtnum = reader.events_read() + 1;
            EngineError::capture(capture, e).at_event(evtnum)
        })
    }
}

impl ItemSink for EventBatch {
    fn event(&mut self, ev: &Event<'_>) {
        let start = self.bytes.len();
        self.offsets.push(start);
        ev.record.write_v2(&mut self.bytes);
        let key = EventKey::of(ev.evtnum, &self.bytes[start..]);
        self.meta.push(EventMeta { evtnum: ev.evtnum, ts: ev.record.ts, cpu: ev.record.cpuid, event_type: ev.record.event_type, plugin_id: key.plugin_id });
    }

    fn other(&mut self, _item: Item<'_>) {}

    fn is_full(&self) -> bool {
        self.offsets.len() >= self.max_events || self.bytes.len() >= self.max_bytes
    }
}
