//! Arbitrary bytes (plain, gzip or zstd) through the reader to the end.
//!
//! Checks the reader's contract on every input: no panic, events numbered 1, 2, 3...; every
//! parameter of every event readable; plugin/async decoding never panics; every delivered
//! event re-encodes (v2 layout) into an event the writer's validator accepts with the same
//! content; at most one error, then `Ok(None)`; `next_event` and `next_item` agree; and
//! `summary::summarize` agrees with both, and so does `read_into` through a sink that copies
//! events (the reader's stored-v2 shortcut). Inputs the reader reads cleanly are also written back
//! with `ScapWriter` and must read back event for event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scap::event::{self, EventRecord};
use scap::reader::{Item, ItemSink, ScapReader};
use scap::writer::{ScapWriter, WriterOptions};
use scap::{input, plugin_event, summary, Compression, ErrorKind};

// The writer's in-memory sink of the scap integration tests.
#[path = "../../scap/tests/common/builders.rs"]
mod builders;
use builders::SharedSink;

/// What the test keeps of an event.
#[derive(Debug, PartialEq, Eq)]
struct Ev {
    evtnum: u64,
    cpuid: u16,
    flags: u32,
    ts: u64,
    tid: u64,
    event_type: u16,
    params: Vec<Vec<u8>>,
    v2: Vec<u8>,
}

fn touch(rec: &EventRecord<'_>) -> (Vec<Vec<u8>>, Vec<u8>) {
    let params: Vec<Vec<u8>> = rec.params().map(|p| p.to_vec()).collect();
    assert_eq!(params.len() as u32, rec.nparams);
    for (i, p) in params.iter().enumerate() {
        assert_eq!(rec.param_len(i), p.len());
        assert_eq!(rec.param(i), Some(&p[..]));
    }
    assert_eq!(rec.param(params.len()), None);
    if let Some(p) = plugin_event::as_plugin_event(rec) {
        assert_eq!(p.payload, &params[1][..]);
    }
    if let Some(a) = plugin_event::as_async_event(rec) {
        assert!(a.name.len() <= params[1].len());
    }
    let mut v2 = Vec::new();
    rec.write_v2(&mut v2);
    assert_eq!(v2.len(), rec.len as usize);
    let again = event::parse_v2_event(&v2).expect("a delivered event re-encodes into a valid v2 event");
    assert_eq!(again.params().collect::<Vec<_>>(), params.iter().map(|p| &p[..]).collect::<Vec<_>>());
    assert_eq!((again.ts, again.tid, again.event_type, again.nparams), (rec.ts, rec.tid, rec.event_type, rec.nparams));
    (params, v2)
}

/// Decompressed bytes a run may read. A 21 KB zstd input of RLE blocks decodes to 700 MB
/// inside one large event block (which may legally be up to 4 GiB): the reader then holds
/// what arrived, as it must, and the run would hit the 2 GiB rss limit. The cap turns such
/// bombs into truncated captures; memory against huge inputs is tested in tests/memory.rs.
const MAX_DECOMPRESSED: u64 = 64 << 20;

fn reader_with(data: &[u8], window: usize) -> Option<ScapReader> {
    use std::io::Read;
    let mut input = input::from_bytes(data.to_vec()).ok()?;
    input.stream = Box::new(input.stream.take(MAX_DECOMPRESSED));
    Some(ScapReader::with_window(input, window))
}

fn reader(data: &[u8]) -> Option<ScapReader> {
    reader_with(data, 1 << 20)
}

/// A sink that copies events as the engine's batches do: v2 events through the reader's
/// shortcut, the others re-encoded.
#[derive(Default)]
struct Copies(Vec<(u64, u16, u32, Vec<u8>)>);

impl ItemSink for Copies {
    fn event(&mut self, e: &scap::Event<'_>) {
        let mut v2 = Vec::new();
        e.record.write_v2(&mut v2);
        self.0.push((e.evtnum, e.record.cpuid, e.record.flags, v2));
    }
    fn stored_v2_event(&mut self, evtnum: u64, cpuid: u16, flags: u32, stored: &[u8]) -> bool {
        self.0.push((evtnum, cpuid, flags, stored.to_vec()));
        true
    }
    fn other(&mut self, _item: Item<'_>) {}
    fn is_full(&self) -> bool {
        false
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
});

fn check(data: &[u8]) {
    let Some(mut r) = reader(data) else { return };
    let mut events = Vec::new();
    let mut dropped = 0u64;
    let error = loop {
        match r.next_item() {
            Ok(Some(Item::Event(e))) => {
                assert_eq!(e.evtnum, events.len() as u64 + 1);
                let (params, v2) = touch(&e.record);
                let rec = e.record;
                events.push(Ev {
                    evtnum: e.evtnum,
                    cpuid: rec.cpuid,
                    flags: rec.flags,
                    ts: rec.ts,
                    tid: rec.tid,
                    event_type: rec.event_type,
                    params,
                    v2,
                });
            }
            Ok(Some(Item::Metadata { metadata, .. })) => {
                let _ = metadata.entry_count();
            }
            Ok(Some(Item::DroppedEvent { event_type, .. })) => {
                assert!(event_type >= scap::event_types::PPM_EVENT_MAX);
                dropped += 1;
            }
            Ok(Some(_)) => {}
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
        assert!(!r.last_block().is_empty());
    };
    for _ in 0..2 {
        assert!(matches!(r.next_item(), Ok(None)));
        assert!(matches!(r.next_event(), Ok(None)));
    }
    assert_eq!(r.events_read(), events.len() as u64);

    // next_event through a 7-byte window (blocks straddle every refill): the same events, the
    // same end.
    let mut r2 = reader_with(data, 7).unwrap();
    let mut n = 0u64;
    let error2 = loop {
        match r2.next_event() {
            Ok(Some(e)) => {
                n += 1;
                assert_eq!(e.evtnum, n);
                let want = &events[n as usize - 1];
                assert_eq!((e.record.ts, e.record.event_type, e.record.cpuid), (want.ts, want.event_type, want.cpuid));
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_eq!(n, events.len() as u64);
    // Kind and offset (zlib-rs may word a corrupt-stream error differently with other read sizes).
    let at = |e: &Option<scap::ScapError>| e.as_ref().map(|e| (e.kind, e.offset));
    assert_eq!(at(&error2), at(&error));

    // The summary agrees.
    let mut r3 = reader(data).unwrap();
    let s = summary::summarize(&mut r3);
    assert_eq!(s.events, events.len() as u64);
    assert_eq!(s.dropped_events.values().sum::<u64>(), dropped);
    assert_eq!(at(&s.error), at(&error));

    // read_into with a copying sink: the same events, bytes and end.
    let mut r4 = reader(data).unwrap();
    let mut copies = Copies::default();
    let error4 = loop {
        match r4.read_into(&mut copies) {
            Ok(true) => continue,
            Ok(false) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_eq!(copies.0.len(), events.len());
    for (got, want) in copies.0.iter().zip(&events) {
        assert_eq!(got, &(want.evtnum, want.cpuid, want.flags, want.v2.clone()));
    }
    assert_eq!(at(&error4), at(&error));

    // A capture read cleanly can be rewritten event by event and reads back identically (the
    // writer may only refuse a non-large event type too big for a non-large block).
    if error.is_none() {
        let out = SharedSink::default();
        let mut w = ScapWriter::new(Box::new(out.clone()), Compression::None, &WriterOptions::default()).unwrap();
        let mut written = Vec::new();
        for e in &events {
            match w.write_event(e.cpuid, e.flags, &e.v2) {
                Ok(()) => written.push(e),
                Err(err) => assert_eq!(err.kind, ErrorKind::OversizedBlock, "{err}"),
            }
        }
        w.finish().unwrap();
        let bytes = out.take();
        let mut back = reader(&bytes).unwrap();
        for want in &written {
            let got = back.next_event().unwrap().expect("every written event reads back");
            let (params, v2) = touch(&got.record);
            assert_eq!(params, want.params);
            assert_eq!(v2, want.v2);
            assert_eq!((got.record.cpuid, got.record.flags), (want.cpuid, want.flags & !event::DF_LARGE));
        }
        match back.next_event() {
            Ok(None) => assert!(!written.is_empty()),
            Err(e) => assert!(written.is_empty() && e.kind == ErrorKind::NoEvents, "{e}"),
            Ok(Some(_)) => panic!("more events read back than written"),
        }
    }
}

