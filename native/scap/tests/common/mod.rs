//! Helpers shared by the integration tests: an in-memory sink for the writer, hand-built
//! blocks and events, and a reader driver that checks the reader's contract on every input
//! (events numbered 1, 2, 3...; at most one error; then `Ok(None)` forever, through both
//! `next_item` and `next_event`).
#![allow(dead_code)]

use std::io::Write;

use scap::block::BlockHeader;
use scap::event;
use scap::input;
use scap::plugin_event;
use scap::reader::{Item, ScapReader};
use scap::writer::{ScapWriter, WriterOptions};
use scap::{Compression, ErrorKind, ScapError};

mod builders;
pub use builders::*;

pub const TS0: u64 = 1_600_000_000_000_000_000;
pub const PLUGIN_ID: u32 = 999;

/// Payload of the i-th test event: "hello<i>" (the payloads of sysdig's plugin5.scap).
pub fn payload(i: u64) -> Vec<u8> {
    format!("hello{i}").into_bytes()
}

/// Payload whose length varies with i, so that blocks get every padding length.
pub fn varied_payload(i: u64) -> Vec<u8> {
    let mut p = format!("event-{i}:").into_bytes();
    p.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i as usize * 7) % 23));
    p
}

/// A capture of `n` plugin events written by `ScapWriter`.
pub fn write_capture(n: u64, compression: Compression, payload_of: fn(u64) -> Vec<u8>) -> Vec<u8> {
    let sink = SharedSink::default();
    let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &WriterOptions::default()).unwrap();
    for i in 0..n {
        w.write_plugin_event(TS0 + i * 1000, PLUGIN_ID, &payload_of(i)).unwrap();
    }
    w.finish().unwrap();
    sink.snapshot()
}

/// The plugin-event block the writer produces for event i.
pub fn plugin_block(i: u64, payload_of: fn(u64) -> Vec<u8>) -> Vec<u8> {
    let mut ev = Vec::new();
    plugin_event::encode(&mut ev, TS0 + i * 1000, PLUGIN_ID, &payload_of(i));
    let mut out = Vec::new();
    event::append_block(&mut out, 0, 0, &ev);
    out
}

/// A capture assembled block by block, remembering where each block starts.
pub struct Cap {
    pub bytes: Vec<u8>,
    pub offsets: Vec<u64>,
}

impl Cap {
    /// Starts with the 28-byte version 1.2 section header.
    pub fn new() -> Cap {
        let mut c = Cap { bytes: Vec::new(), offsets: Vec::new() };
        c.push(&scap::section::to_bytes());
        c
    }
    pub fn empty() -> Cap {
        Cap { bytes: Vec::new(), offsets: Vec::new() }
    }
    /// Appends a block; returns its offset.
    pub fn push(&mut self, block: &[u8]) -> u64 {
        let at = self.bytes.len() as u64;
        self.offsets.push(at);
        self.bytes.extend_from_slice(block);
        at
    }
    /// Appends the writer's block for plugin event i ("hello<i>").
    pub fn plugin(&mut self, i: u64) -> u64 {
        self.push(&plugin_block(i, payload))
    }
    pub fn plugins(&mut self, range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(|i| self.plugin(i)).collect()
    }
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// Offsets and lengths of the blocks of a plain capture (stops at anything that does not fit).
pub fn walk_blocks(bytes: &[u8]) -> Vec<(u64, u32, u32)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let h = BlockHeader::read(&bytes[at..]);
        if h.total_len < 12 || at + h.total_len as usize > bytes.len() {
            break;
        }
        out.push((at as u64, h.block_type, h.total_len));
        at += h.total_len as usize;
    }
    out
}

/// What the reader returned, item by item, copied out of the reader's window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Section { offset: u64, index: u32, options_len: usize, major: u16, minor: u16 },
    Metadata { offset: u64, block_type: u32 },
    Unknown { offset: u64, block_type: u32, total_len: u32 },
    Event(Ev),
    Dropped { offset: u64, event_type: u16 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ev {
    pub evtnum: u64,
    pub offset: u64,
    pub block_type: u32,
    pub section: u32,
    pub cpuid: u16,
    pub flags: u32,
    pub ts: u64,
    pub tid: u64,
    pub len: u32,
    pub event_type: u16,
    pub nparams: u32,
    pub v1: bool,
    pub params: Vec<Vec<u8>>,
    /// Plugin id and payload, when the event decodes as a plugin event.
    pub plugin: Option<(u32, Vec<u8>)>,
}

impl Ev {
    fn of(e: &scap::Event<'_>) -> Ev {
        let r = &e.record;
        // Every parameter is touched, and the v2 re-encoding must be self-consistent.
        let params: Vec<Vec<u8>> = r.params().map(|p| p.to_vec()).collect();
        assert_eq!(params.len() as u32, r.nparams, "params() yields nparams parameters");
        let mut v2 = Vec::new();
        r.write_v2(&mut v2);
        assert_eq!(v2.len(), r.len as usize, "write_v2 writes len bytes");
        let plugin = plugin_event::as_plugin_event(r).map(|p| (p.plugin_id, p.payload.to_vec()));
        Ev {
            evtnum: e.evtnum,
            offset: e.offset,
            block_type: e.block_type,
            section: e.section,
            cpuid: r.cpuid,
            flags: r.flags,
            ts: r.ts,
            tid: r.tid,
            len: r.len,
            event_type: r.event_type,
            nparams: r.nparams,
            v1: r.v1,
            params,
            plugin,
        }
    }
}

#[derive(Debug)]
pub struct Outcome {
    pub items: Vec<Seen>,
    pub error: Option<ScapError>,
}

impl Outcome {
    pub fn events(&self) -> Vec<&Ev> {
        self.items.iter().filter_map(|s| if let Seen::Event(e) = s { Some(e) } else { None }).collect()
    }
    pub fn dropped(&self) -> usize {
        self.items.iter().filter(|s| matches!(s, Seen::Dropped { .. })).count()
    }
}

/// After the end (clean or not) the reader must stay at `Ok(None)`, through both calls.
fn assert_stays_done(r: &mut ScapReader) {
    for _ in 0..3 {
        assert!(matches!(r.next_item(), Ok(None)), "next_item after the end must be Ok(None)");
        assert!(matches!(r.next_event(), Ok(None)), "next_event after the end must be Ok(None)");
    }
}

/// Reads `bytes` item by item.
pub fn read_items(bytes: &[u8]) -> Outcome {
    let mut r = ScapReader::new(input::from_bytes(bytes.to_vec()).unwrap());
    let mut items = Vec::new();
    let error = loop {
        match r.next_item() {
            Ok(Some(item)) => items.push(match item {
                Item::Section { offset, index, header } => Seen::Section {
                    offset,
                    index,
                    options_len: header.options_len,
                    major: header.major,
                    minor: header.minor,
                },
                Item::Metadata { offset, block_type, .. } => Seen::Metadata { offset, block_type },
                Item::UnknownBlock { offset, block_type, total_len } => Seen::Unknown { offset, block_type, total_len },
                Item::Event(e) => Seen::Event(Ev::of(&e)),
                Item::DroppedEvent { offset, event_type } => Seen::Dropped { offset, event_type },
            }),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_stays_done(&mut r);
    Outcome { items, error }
}

/// Reads `bytes` event by event, through a tiny window (odd-sized, so that blocks straddle
/// refills and the window must grow and compact): results must not depend on it.
pub fn read_events(bytes: &[u8]) -> (Vec<Ev>, Option<ScapError>) {
    let mut r = ScapReader::with_window(input::from_bytes(bytes.to_vec()).unwrap(), 13);
    let mut events = Vec::new();
    let error = loop {
        match r.next_event() {
            Ok(Some(e)) => events.push(Ev::of(&e)),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_eq!(r.events_read(), events.len() as u64);
    assert_stays_done(&mut r);
    (events, error)
}

/// Runs both reading paths and checks: `events` events numbered 1..=events, then the expected
/// error kind at the expected offset (or a clean end), identically through both paths.
#[track_caller]
pub fn expect(bytes: &[u8], events: u64, err: Option<(ErrorKind, u64)>) -> Outcome {
    let out = read_items(bytes);
    let evs = out.events();
    let nums: Vec<u64> = evs.iter().map(|e| e.evtnum).collect();
    assert_eq!(nums, (1..=events).collect::<Vec<_>>(), "event numbers (error: {:?})", out.error);
    let got = out.error.as_ref().map(|e| (e.kind, e.offset));
    assert_eq!(got, err, "error after {events} events: {:?}", out.error);
    let (evs2, err2) = read_events(bytes);
    assert_eq!(evs2.iter().collect::<Vec<_>>(), evs, "next_event and next_item deliver the same events");
    assert_eq!(where_(&err2), got, "next_event and next_item end the same way");
    out
}

/// Kind and offset of an error (messages of a corrupt compressed stream may differ with the
/// read sizes: zlib-rs can report a fault as "repeated call with bad state" on the next call).
pub fn where_(e: &Option<ScapError>) -> Option<(ErrorKind, u64)> {
    e.as_ref().map(|e| (e.kind, e.offset))
}

/// Runs both reading paths and checks only the contract (no panic, numbering, at most one
/// error, both paths agree); for inputs whose exact outcome is not predictable.
pub fn contract(bytes: &[u8]) -> Outcome {
    let out = read_items(bytes);
    let nums: Vec<u64> = out.events().iter().map(|e| e.evtnum).collect();
    assert_eq!(nums, (1..=nums.len() as u64).collect::<Vec<_>>());
    let (evs2, err2) = read_events(bytes);
    assert_eq!(evs2.iter().collect::<Vec<_>>(), out.events());
    assert_eq!(where_(&err2), where_(&out.error));
    out
}

/// Checks that event k (0-based) of the outcome is the writer's plugin event k.
#[track_caller]
pub fn assert_plugin_events(out: &Outcome, payload_of: fn(u64) -> Vec<u8>) {
    for (k, e) in out.events().iter().enumerate() {
        let k = k as u64;
        assert_eq!(e.ts, TS0 + k * 1000, "ts of event {}", e.evtnum);
        assert_eq!(e.tid, u64::MAX);
        assert_eq!(e.plugin, Some((PLUGIN_ID, payload_of(k))), "payload of event {}", e.evtnum);
    }
}

/// Decompresses as much of a cut stream as the stock decoders manage, to know which events a
/// reader can possibly get. (They return every byte before a cut and report the cut on the
/// next read; on *corrupt* data they would drop the output of the failing read.)
pub fn decodable_prefix(compressed: &[u8], compression: Compression) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut r: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(compressed)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(compressed).unwrap()),
        Compression::None => unreachable!(),
    };
    while let Ok(n @ 1..) = r.read(&mut chunk) {
        out.extend_from_slice(&chunk[..n]);
    }
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 3).unwrap()
}
