//! A whole-capture summary for `scaptool info`: sections, blocks by type, events by type and by
//! plugin, time range, evt.num range, metadata counts, and the fault that ended reading, if any.

use std::collections::BTreeMap;

use crate::block::block_type_name;
use crate::error::ScapError;
use crate::event_types::display_name;
use crate::input::Compression;
use crate::machine_info::MachineInfo;
use crate::metadata::Metadata;
use crate::plugin_event::{as_async_event, as_plugin_event};
use crate::reader::{Item, ScapReader};

#[derive(Clone, Debug, Default)]
pub struct SectionSummary {
    pub index: u32,
    pub offset: u64,
    pub major: u16,
    pub minor: u16,
    /// Bytes of pcapng options in the section header (0 when written by libscap).
    pub options_len: u64,
    pub blocks: BTreeMap<String, u64>,
    pub events: u64,
    pub first_evtnum: Option<u64>,
    pub last_evtnum: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct EventTypeCount {
    pub name: String,
    pub count: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub compression: Option<Compression>,
    pub file_size: u64,
    /// Bytes of the (decompressed) stream that were read and understood.
    pub bytes_read: u64,
    pub sections: Vec<SectionSummary>,
    pub blocks: BTreeMap<String, u64>,
    pub events: u64,
    pub events_by_type: BTreeMap<u16, EventTypeCount>,
    pub events_by_plugin: BTreeMap<u32, u64>,
    /// Async events by (plugin id, event name).
    pub async_events: BTreeMap<(u32, String), u64>,
    /// Events of types libsinsp drops (no evt.num), by type.
    pub dropped_events: BTreeMap<u16, u64>,
    pub first_evtnum: Option<u64>,
    pub last_evtnum: Option<u64>,
    pub first_ts: Option<u64>,
    pub last_ts: Option<u64>,
    pub min_ts: Option<u64>,
    pub max_ts: Option<u64>,
    /// Events whose timestamp is lower than the previous event's.
    pub out_of_order_ts: u64,
    pub machine_info: Option<MachineInfo>,
    pub threads: u64,
    pub fds: u64,
    pub interfaces: u64,
    pub users: u64,
    pub groups: u64,
    pub warnings: Vec<Warning>,
    /// The fault that stopped reading, after every complete event before it was counted.
    pub error: Option<ScapError>,
}

#[derive(Clone, Debug)]
pub struct Warning {
    pub offset: u64,
    pub message: String,
}

/// Reads the whole capture and summarizes it. Reading faults end up in `error`, never as a
/// failure of this function.
pub fn summarize(reader: &mut ScapReader) -> Summary {
    let mut summarizer = Summarizer::new(reader);
    while !summarizer.feed(reader, u64::MAX) {}
    summarizer.finish(reader)
}

/// Incremental summary: feeds a bounded number of items at a time, so that a caller can report
/// progress (and stay responsive) on multi-gigabyte captures.
pub struct Summarizer {
    s: Summary,
}

impl Summarizer {
    pub fn new(reader: &ScapReader) -> Summarizer {
        Summarizer {
            s: Summary { compression: Some(reader.compression()), file_size: reader.file_size(), ..Default::default() },
        }
    }

    /// Reads up to `max_items` items; returns true when the capture is exhausted (cleanly or on
    /// a fault, which is then in the summary's `error`).
    pub fn feed(&mut self, reader: &mut ScapReader, max_items: u64) -> bool {
        let s = &mut self.s;
        for _ in 0..max_items {
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => return true,
                Err(e) => {
                    s.error = Some(e);
                    return true;
                }
            };
            s.add(item);
        }
        false
    }

    pub fn finish(mut self, reader: &ScapReader) -> Summary {
        self.s.bytes_read = reader.position();
        self.s
    }
}

impl Summary {
    fn add(&mut self, item: Item<'_>) {
        let s = self;
        match item {
            Item::Section { offset, index, header } => {
                count(&mut s.blocks, "SHB".into());
                let mut sec = SectionSummary {
                    index,
                    offset,
                    major: header.major,
                    minor: header.minor,
                    options_len: header.options_len as u64,
                    ..Default::default()
                };
                count(&mut sec.blocks, "SHB".into());
                if let Some(prev) = s.sections.last() {
                    if prev.events == 0 {
                        s.warnings.push(Warning { offset, message: format!("section {} has no events", prev.index) });
                    }
                }
                s.sections.push(sec);
            }
            Item::Metadata { block_type, metadata, .. } => {
                let name = block_type_name(block_type);
                count(&mut s.blocks, name.clone());
                if let Some(sec) = s.sections.last_mut() {
                    count(&mut sec.blocks, name);
                }
                match &metadata {
                    Metadata::MachineInfo(mi) => s.machine_info = Some(mi.clone()),
                    Metadata::ProcList(p) => s.threads += p.threads.len() as u64,
                    Metadata::FdList(f) => s.fds += f.fds.len() as u64,
                    Metadata::IfList(i) => s.interfaces += i.interfaces.len() as u64,
                    Metadata::UserList(u) => {
                        s.users += u.users.len() as u64;
                        s.groups += u.groups.len() as u64;
                    }
                }
            }
            Item::UnknownBlock { offset, block_type, total_len } => {
                let name = block_type_name(block_type);
                count(&mut s.blocks, name.clone());
                if let Some(sec) = s.sections.last_mut() {
                    count(&mut sec.blocks, name.clone());
                }
                s.warnings.push(Warning {
                    offset,
                    message: format!("skipped unknown block {name} ({total_len} bytes) before the first event"),
                });
            }
            Item::DroppedEvent { offset: _, event_type } => {
                *s.dropped_events.entry(event_type).or_default() += 1;
            }
            Item::Event(ev) => {
                let name = block_type_name(ev.block_type);
                count(&mut s.blocks, name.clone());
                let rec = ev.record;
                s.events += 1;
                s.events_by_type
                    .entry(rec.event_type)
                    .or_insert_with(|| EventTypeCount { name: display_name(rec.event_type), count: 0 })
                    .count += 1;
                if let Some(p) = as_plugin_event(&rec) {
                    *s.events_by_plugin.entry(p.plugin_id).or_default() += 1;
                } else if let Some(a) = as_async_event(&rec) {
                    *s.async_events.entry((a.plugin_id, String::from_utf8_lossy(a.name).into_owned())).or_default() += 1;
                }
                s.first_evtnum.get_or_insert(ev.evtnum);
                s.last_evtnum = Some(ev.evtnum);
                if let Some(last) = s.last_ts {
                    if rec.ts < last {
                        s.out_of_order_ts += 1;
                    }
                }
                s.first_ts.get_or_insert(rec.ts);
                s.last_ts = Some(rec.ts);
                s.min_ts = Some(s.min_ts.map_or(rec.ts, |m| m.min(rec.ts)));
                s.max_ts = Some(s.max_ts.map_or(rec.ts, |m| m.max(rec.ts)));
                if let Some(sec) = s.sections.last_mut() {
                    count(&mut sec.blocks, name);
                    sec.events += 1;
                    sec.first_evtnum.get_or_insert(ev.evtnum);
                    sec.last_evtnum = Some(ev.evtnum);
                }
            }
        }
    }
}

fn count(map: &mut BTreeMap<String, u64>, key: String) {
    *map.entry(key).or_default() += 1;
}
