//! A batch of capture events for the print and rules engines: filled by the reader's
//! `read_into` (no per-event item values), events in the v2 layout back to back, plus what the
//! `evt.*` fields need (cpu, type, plugin id).

use plugin_host::EventRef;
use scap::metadata::Metadata;
use scap::reader::ItemSink;
use scap::{Event, Item, ScapReader};

use crate::error::EngineError;
use crate::evt_fields::EventMeta;
use crate::rows::EventKey;

pub struct EventBatch {
    pub bytes: Vec<u8>,
    pub offsets: Vec<usize>,
    pub meta: Vec<EventMeta>,
    /// Each event's dump flags (`SCAP_DF_STATE_ONLY`...).
    pub flags: Vec<u32>,
    /// The metadata blocks read with the batch (process, fd, interface, user lists), each with
    /// the number of the batch's events before it.
    pub metadata: Vec<(usize, Metadata)>,
    /// Every event is a plugin event (type 322) without the state-only flag: the batch can be
    /// numbered in one go ([`crate::capture_state::CaptureState::pass_plugin_batch`]).
    pub plugin_events_only: bool,
    max_events: usize,
    max_bytes: usize,
}

impl EventBatch {
    pub fn new(max_events: usize, max_bytes: usize) -> EventBatch {
        EventBatch {
            bytes: Vec::new(),
            offsets: Vec::new(),
            meta: Vec::new(),
            flags: Vec::new(),
            metadata: Vec::new(),
            plugin_events_only: true,
            max_events: max_events.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.offsets.clear();
        self.meta.clear();
        self.flags.clear();
        self.metadata.clear();
        self.plugin_events_only = true;
    }

    /// Keeps [`EventBatch::plugin_events_only`] true of the events pushed.
    #[inline]
    fn note_kind(&mut self, event_type: u16, flags: u32) {
        self.plugin_events_only &= event_type == scap::event_types::PLUGINEVENT_E && flags & plugin_host::inspector::DF_STATE_ONLY == 0;
    }

    /// Appends an event as libsinsp hands it out (converted, numbered by the inspector).
    pub fn push_event(&mut self, evtnum: u64, cpu: u16, flags: u32, bytes: &[u8]) {
        let start = self.bytes.len();
        self.offsets.push(start);
        self.bytes.extend_from_slice(bytes);
        let key = EventKey::of(evtnum, bytes);
        let event_type = scap::bytes::le_u16(bytes, 20);
        self.meta.push(EventMeta { evtnum, ts: key.ts, cpu, event_type, plugin_id: key.plugin_id });
        self.flags.push(flags);
        self.note_kind(event_type, flags);
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

    /// Reads the next batch (cleared first): whether more may follow, and the capture's fault
    /// if reading stopped on one (the events before it are in the batch).
    pub fn fill(&mut self, reader: &mut ScapReader, capture: &str) -> (bool, Option<EngineError>) {
        self.clear();
        match reader.read_into(self) {
            Ok(more) => (more, None),
            Err(e) => {
                let evtnum = reader.events_read() + 1;
                (false, Some(EngineError::capture(capture, e).at_event(evtnum)))
            }
        }
    }
}

impl ItemSink for EventBatch {
    fn event(&mut self, ev: &Event<'_>) {
        let start = self.bytes.len();
        self.offsets.push(start);
        ev.record.write_v2(&mut self.bytes);
        let key = EventKey::of(ev.evtnum, &self.bytes[start..]);
        self.meta.push(EventMeta { evtnum: ev.evtnum, ts: ev.record.ts, cpu: ev.record.cpuid, event_type: ev.record.event_type, plugin_id: key.plugin_id });
        self.flags.push(ev.record.flags);
        self.note_kind(ev.record.event_type, ev.record.flags);
    }

    #[inline]
    fn stored_v2_event(&mut self, evtnum: u64, cpuid: u16, flags: u32, stored: &[u8]) -> bool {
        self.offsets.push(self.bytes.len());
        self.bytes.extend_from_slice(stored);
        let key = EventKey::of(evtnum, stored);
        self.meta.push(EventMeta { evtnum, ts: key.ts, cpu: cpuid, event_type: key.event_type, plugin_id: key.plugin_id });
        self.flags.push(flags);
        self.note_kind(key.event_type, flags);
        true
    }

    fn other(&mut self, item: Item<'_>) {
        if let Item::Metadata { metadata, .. } = item {
            self.metadata.push((self.offsets.len(), metadata));
        }
    }

    fn is_full(&self) -> bool {
        self.offsets.len() >= self.max_events || self.bytes.len() >= self.max_bytes
    }
}

/// Reads batches on a thread of its own, one batch ahead of the consumer, so that decoding the
/// capture overlaps with extracting and rendering the previous batch. Batches are recycled.
pub struct BatchReader {
    rx: std::sync::mpsc::Receiver<Result<Filled, EngineError>>,
    recycle: std::sync::mpsc::SyncSender<EventBatch>,
    file_size: u64,
    done: bool,
}

/// A batch read ahead: the events, whether more may follow, the reader's position after it.
pub struct Filled {
    pub batch: EventBatch,
    pub more: bool,
    pub position: u64,
}

impl BatchReader {
    pub fn open(capture: &str, max_events: usize) -> Result<BatchReader, EngineError> {
        let mut reader = ScapReader::open(std::path::Path::new(capture)).map_err(|e| EngineError::capture(capture, e))?;
        let file_size = reader.file_size();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Filled, EngineError>>(1);
        let (recycle, recycled) = std::sync::mpsc::sync_channel::<EventBatch>(3);
        let name = capture.to_string();
        std::thread::Builder::new()
            .name("scap-read-ahead".into())
            .spawn(move || {
                loop {
                    let mut batch = recycled.try_recv().unwrap_or_else(|_| EventBatch::new(max_events, 16 << 20));
                    let (more, fault) = batch.fill(&mut reader, &name);
                    let more = more || fault.is_some();
                    // The consumer went away: stop reading.
                    if (!batch.is_empty() || fault.is_none()) && tx.send(Ok(Filled { batch, more, position: reader.position() })).is_err() {
                        break;
                    }
                    if let Some(e) = fault {
                        let _ = tx.send(Err(e));
                        break;
                    }
                    if !more {
                        break;
                    }
                }
            })
            .map_err(|e| EngineError::io(capture, &e))?;
        Ok(BatchReader { rx, recycle, file_size, done: false })
    }

    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The next batch (`None` after the last one).
    pub fn next_batch(&mut self) -> Result<Option<Filled>, EngineError> {
        if self.done {
            return Ok(None);
        }
        match self.rx.recv() {
            Ok(Ok(f)) => {
                self.done = !f.more;
                Ok(Some(f))
            }
            Ok(Err(e)) => {
                self.done = true;
                Err(e)
            }
            Err(_) => {
                self.done = true;
                Ok(None)
            }
        }
    }

    /// Gives a batch back for reuse.
    pub fn recycle(&self, batch: EventBatch) {
        let _ = self.recycle.try_send(batch);
    }
}
