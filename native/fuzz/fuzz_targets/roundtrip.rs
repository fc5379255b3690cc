//! Events derived from the fuzz input are written with `ScapWriter` (plain, gzip or zstd,
//! flushing at fuzz-chosen points, with or without an MI block) and read back: every event the
//! writer accepts comes back identically, numbered 1, 2, 3... (types libsinsp drops come back
//! as dropped items, without a number); the writer refuses only what its reader would refuse.
//! The output is then cut at a fuzz-chosen byte: the reader delivers a prefix of the events,
//! then ends cleanly or with a single error.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scap::event_types::{has_large_payload, is_known_to_libsinsp};
use scap::machine_info::MachineInfo;
use scap::reader::{Item, ScapReader};
use scap::writer::{ScapWriter, WriterOptions};
use scap::{input, plugin_event, Compression, ErrorKind};

// The scap integration tests' builders: the writer's in-memory sink and v2 events.
#[path = "../../scap/tests/common/builders.rs"]
mod builders;
use builders::{v2_event, SharedSink};

#[derive(Arbitrary, Debug)]
enum Kind {
    Plugin {
        plugin_id: u32,
        payload: Vec<u8>,
    },
    Async {
        tid: u64,
        plugin_id: u32,
        name: String,
        data: Vec<u8>,
    },
    /// Any event type with u16 or u32 lengths as the type requires.
    Typed {
        tid: u64,
        event_type: u16,
        params: Vec<Vec<u8>>,
    },
    /// Raw bytes handed to `write_event`: the writer must refuse what the reader would.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Ev {
    ts: u64,
    cpuid: u16,
    flags: u32,
    flush_after: bool,
    kind: Kind,
}

#[derive(Arbitrary, Debug)]
struct Case {
    compression: u8,
    machine_info: Option<(u32, u64, String)>,
    events: Vec<Ev>,
    cut: u32,
}

fn typed(ts: u64, tid: u64, event_type: u16, params: &[Vec<u8>]) -> Vec<u8> {
    let wide = has_large_payload(event_type);
    let params: Vec<&[u8]> = params.iter().map(|p| if wide { &p[..] } else { &p[..p.len().min(65535)] }).collect();
    v2_event(ts, tid, event_type, wide, &params)
}

/// An event as written, and as it must come back.
struct Written {
    cpuid: u16,
    flags: u32,
    v2: Vec<u8>,
    numbered: bool,
}

/// What reading gave: events (cpuid, flags, v2 bytes) and dropped types, and the end.
fn read_back(bytes: Vec<u8>) -> (Vec<(u64, u16, u32, Vec<u8>)>, usize, Option<scap::ScapError>) {
    let mut r = ScapReader::new(input::from_bytes(bytes).unwrap());
    let mut events = Vec::new();
    let mut dropped = 0;
    let err = loop {
        match r.next_item() {
            Ok(Some(Item::Event(e))) => {
                let mut v2 = Vec::new();
                e.record.write_v2(&mut v2);
                let params: Vec<&[u8]> = e.record.params().collect();
                assert_eq!(params.len() as u32, e.record.nparams);
                events.push((e.evtnum, e.record.cpuid, e.record.flags, v2));
            }
            Ok(Some(Item::DroppedEvent { .. })) => dropped += 1,
            Ok(Some(_)) => {}
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert!(matches!(r.next_item(), Ok(None)));
    (events, dropped, err)
}

fuzz_target!(|case: Case| {
    let compression = match case.compression % 3 {
        0 => Compression::None,
        1 => Compression::Gzip,
        _ => Compression::Zstd,
    };
    let options = WriterOptions {
        compression: Some(compression),
        machine_info: case.machine_info.as_ref().map(|(cpus, mem, host)| MachineInfo {
            num_cpus: *cpus,
            memory_size_bytes: *mem,
            max_pid: 0,
            // The MI hostname field holds 127 bytes and a NUL; what comes back is what fits.
            hostname: host.chars().filter(|&c| c != '\0').take(32).collect(),
            boot_ts_epoch: 0,
            flags: 0,
        }),
        level: Some(1),
        ..Default::default()
    };
    let sink = SharedSink::default();
    let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &options).unwrap();
    let mut written: Vec<Written> = Vec::new();
    let mut flushed_at: Vec<usize> = Vec::new();
    for ev in &case.events {
        let mut v2 = Vec::new();
        let res = match &ev.kind {
            Kind::Plugin { plugin_id, payload } => {
                plugin_event::encode(&mut v2, ev.ts, *plugin_id, payload);
                w.write_plugin_event(ev.ts, *plugin_id, payload)
            }
            Kind::Async { tid, plugin_id, name, data } => {
                let name: String = name.chars().filter(|&c| c != '\0').collect();
                plugin_event::encode_async(&mut v2, ev.ts, *tid, *plugin_id, &name, data);
                w.write_event(ev.cpuid, ev.flags, &v2)
            }
            Kind::Typed { tid, event_type, params } => {
                v2 = typed(ev.ts, *tid, *event_type, params);
                w.write_event(ev.cpuid, ev.flags, &v2)
            }
            Kind::Raw(bytes) => {
                v2 = bytes.clone();
                w.write_event(ev.cpuid, ev.flags, &v2)
            }
        };
        match res {
            Ok(()) => {
                let plugin = matches!(ev.kind, Kind::Plugin { .. });
                let event_type = u16::from_le_bytes([v2[20], v2[21]]);
                written.push(Written {
                    cpuid: if plugin { 0 } else { ev.cpuid },
                    flags: if plugin { 0 } else { ev.flags & !scap::event::DF_LARGE },
                    numbered: is_known_to_libsinsp(event_type),
                    v2,
                });
            }
            Err(e) => {
                // Only malformed events (never the generated well-formed ones, unless too big
                // for a non-large block) are refused.
                match &ev.kind {
                    Kind::Raw(_) => {
                        assert!(matches!(e.kind, ErrorKind::EventOverrun | ErrorKind::OversizedBlock), "{e}")
                    }
                    _ => assert_eq!(e.kind, ErrorKind::OversizedBlock, "{e}"),
                }
            }
        }
        if ev.flush_after {
            w.flush().unwrap();
            flushed_at.push(sink.len());
        }
    }
    w.finish().unwrap();
    let bytes = sink.snapshot();

    let (events, dropped, err) = read_back(bytes.clone());
    let numbered: Vec<&Written> = written.iter().filter(|w| w.numbered).collect();
    assert_eq!(dropped, written.len() - numbered.len());
    assert_eq!(events.len(), numbered.len());
    for (k, (got, want)) in events.iter().zip(&numbered).enumerate() {
        assert_eq!(got.0, k as u64 + 1);
        assert_eq!((got.1, got.2), (want.cpuid, want.flags));
        assert_eq!(got.3, want.v2);
    }
    match err {
        None => assert!(!written.is_empty()),
        Some(e) => assert!(written.is_empty() && e.kind == ErrorKind::NoEvents, "{e}"),
    }

    // Cut anywhere: a prefix of the events, then a clean end or one error.
    if !bytes.is_empty() {
        let cut = case.cut as usize % (bytes.len() + 1);
        let (prefix, _, _) = read_back(bytes[..cut].to_vec());
        assert!(prefix.len() <= events.len());
        assert_eq!(prefix[..], events[..prefix.len()]);
        // Flushed data of a writer that was never finished decodes up to the flush.
        for &at in flushed_at.iter().rev().take(1) {
            let (upto, _, e) = read_back(bytes[..at].to_vec());
            assert_eq!(upto[..], events[..upto.len()]);
            if compression != Compression::None {
                assert!(e.is_some());
            }
        }
    }
});
