//! Regenerates `corpus-seed/`: small captures of every shape the reader knows, written with
//! `ScapWriter` or assembled block by block, plus the first blocks of the public sample
//! captures in /work/shared/captures (decompressed, cut at a block boundary).
//!
//! Run from native/fuzz: `cargo run --release --example gen_seeds [captures-dir]`.
//! Keeps the whole seed corpus under 200 KB.

use std::io::Read;
use std::path::{Path, PathBuf};

use scap::block;
use scap::machine_info::MachineInfo;
use scap::plugin_event;
use scap::writer::{ScapWriter, WriterOptions};
use scap::Compression;

// The scap integration tests' builders: the writer's in-memory sink, blocks and events.
#[path = "../../scap/tests/common/builders.rs"]
mod builders;
use builders::{event_block, raw_block, v1_event, v2_event, SharedSink};

fn written(n: u64, compression: Compression, mi: bool, payload: impl Fn(u64) -> Vec<u8>) -> Vec<u8> {
    let sink = SharedSink::default();
    let options = WriterOptions {
        compression: Some(compression),
        machine_info: mi.then(|| MachineInfo {
            num_cpus: 4,
            memory_size_bytes: 1 << 30,
            max_pid: 32768,
            hostname: "fuzz".into(),
            boot_ts_epoch: 0,
            flags: 0,
        }),
        level: None,
        ..Default::default()
    };
    let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &options).unwrap();
    for i in 0..n {
        w.write_plugin_event(1_600_000_000_000_000_000 + i * 1000, 999, &payload(i)).unwrap();
        if i % 3 == 2 {
            w.flush().unwrap();
        }
    }
    let mut v = Vec::new();
    plugin_event::encode_async(&mut v, 5, u64::MAX, 999, "container", b"{\"id\":\"abc\"}");
    w.write_event(0, 0, &v).unwrap();
    w.finish().unwrap();
    sink.snapshot()
}

/// A v2 event of `event_type` (ts 7, tid 42); `wide` selects u32 lengths.
fn v2(event_type: u16, params: &[&[u8]], wide: bool) -> Vec<u8> {
    v2_event(7, 42, event_type, wide, params)
}

/// A v1 event of `event_type` (ts 7, tid 42).
fn v1(event_type: u16, params: &[&[u8]]) -> Vec<u8> {
    v1_event(7, 42, event_type, params)
}

/// An event block on CPU 1.
fn ev_block(block_type: u32, flags: Option<u32>, ev: &[u8]) -> Vec<u8> {
    event_block(block_type, 1, flags, ev)
}

/// Every block shape in one plain capture: MI, unknown, EV/EVF v1 and v2, large, dropped
/// types, a second section with SHB options.
fn assorted() -> Vec<u8> {
    let mut b = scap::section::to_bytes().to_vec();
    b.extend(raw_block(block::MI, &[0u8; 180]));
    b.extend(raw_block(0x999, b"unknown block"));
    b.extend(raw_block(block::PL_V9, b""));
    b.extend(ev_block(block::EV_V2, None, &v2(3, &[b"\x05\0\0\0\0\0\0\0", b"/etc/passwd\0", b"\0\0\0\0"], false)));
    b.extend(ev_block(block::EVF_V2, Some(1), &v2(2, &[b"/tmp\0", b"\x01\0\0\0"], false)));
    b.extend(ev_block(block::EV, None, &v1(3, &[b"\x05\0\0\0\0\0\0\0", b"/x\0"])));
    b.extend(ev_block(block::EVF, Some(2), &v1(1, &[])));
    b.extend(ev_block(block::EV_V2, None, &v2(500, &[b"dropped"], false)));
    b.extend(ev_block(block::EV_V2, None, &v2(323, &[], false)));
    let mut pe = Vec::new();
    plugin_event::encode(&mut pe, 9, 999, b"plugin event in a non-large block");
    b.extend(ev_block(block::EV_V2, None, &pe));
    b.extend(ev_block(block::EVF_V2_LARGE, Some(1), &pe));
    b.extend(ev_block(block::EV_V2_LARGE, None, &v2(324, &[b"{\"container\":{}}\0"], true)));
    // Second section, SHB with pcapng options.
    let mut shb = scap::section::to_bytes()[8..24].to_vec();
    shb.extend_from_slice(&[1, 0, 4, 0]);
    shb.extend_from_slice(b"note");
    shb.extend_from_slice(&[0, 0, 0, 0]);
    b.extend(raw_block(block::SHB, &shb));
    b.extend(ev_block(block::EV_V2_LARGE, None, &pe));
    b
}

/// The blocks of a capture, in order, that fit in `limit` bytes (larger ones, such as a big
/// process list, are left out), so that a seed keeps metadata and events of every kind.
fn head(bytes: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if len < 12 || at + len > bytes.len() {
            break;
        }
        // Half of the budget at most for metadata, so that events always make it in.
        let is_event = matches!(
            block::classify(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())),
            block::BlockKind::Event(_)
        );
        let budget = if is_event || out.is_empty() { limit } else { limit / 2 };
        if out.len() + len <= budget && (out.is_empty() || len <= limit / 8) {
            out.extend_from_slice(&bytes[at..at + len]);
        }
        at += len;
    }
    out
}

fn decompress(bytes: &[u8]) -> Vec<u8> {
    let mut input = scap::input::from_bytes(bytes.to_vec()).unwrap();
    let mut out = Vec::new();
    input.stream.read_to_end(&mut out).unwrap();
    out
}

fn main() {
    // Seeds of our own writer go to corpus-seed/ (committed); seeds cut from the reference
    // captures (which stay in ../shared, never copied into the project) go to corpus-shared/,
    // regenerated by run.sh before each fuzz run and not committed.
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus-seed");
    let shared_out = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus-shared");
    let captures = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures"));
    std::fs::create_dir_all(&here).unwrap();
    std::fs::create_dir_all(&shared_out).unwrap();
    let mut seeds: Vec<(String, Vec<u8>)> = vec![
        ("plugin5.scap".into(), written(5, Compression::None, false, |i| format!("hello{i}").into_bytes())),
        ("plugin7_mi.scap".into(), written(7, Compression::None, true, |i| vec![b'x'; i as usize])),
        ("plugin8.scap.gz".into(), written(8, Compression::Gzip, false, |i| vec![i as u8; 3 * i as usize])),
        ("plugin8.scap.zst".into(), written(8, Compression::Zstd, true, |i| vec![i as u8; 5 * i as usize])),
        ("plugin_large.scap".into(), written(3, Compression::None, false, |i| vec![0xAB; 6000 * i as usize])),
        ("assorted.scap".into(), assorted()),
    ];
    let mut twice = seeds[0].1.clone();
    twice.extend(seeds[1].1.clone());
    seeds.push(("two_sections.scap".into(), twice));
    let own = seeds.len();
    for (name, limit) in [
        ("sysdig-plugin/plugin3.scap.gz", usize::MAX),
        ("sysdig-plugin/resaved.scap", usize::MAX),
        ("libs/sample.scap", 24 * 1024),
        ("libs/curl_google_comments.scap", 12 * 1024),
        ("falco/syscall.scap", 16 * 1024),
        ("falco/privileged.scap", 16 * 1024),
    ] {
        let bytes = std::fs::read(captures.join(name)).unwrap_or_else(|e| panic!("{}: {e}", captures.join(name).display()));
        let file = name.rsplit('/').next().unwrap().to_string();
        if limit == usize::MAX {
            seeds.push((file, bytes));
        } else {
            seeds.push((format!("head_{}", file.trim_end_matches(".gz")), head(&decompress(&bytes), limit)));
        }
    }
    let total: usize = seeds.iter().map(|s| s.1.len()).sum();
    assert!(total < 200 * 1024, "seed corpus would be {total} bytes");
    for (i, (name, bytes)) in seeds.iter().enumerate() {
        let dir = if i < own { &here } else { &shared_out };
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    // Every seed must read without a reader error, except the cut heads (clean ends).
    for (name, bytes) in &seeds {
        let mut r = scap::ScapReader::new(scap::input::from_bytes(bytes.clone()).unwrap());
        let mut n = 0;
        loop {
            match r.next_event() {
                Ok(Some(_)) => n += 1,
                Ok(None) => break,
                Err(e) => panic!("seed {name}: {e}"),
            }
        }
        println!("{name}: {} bytes, {n} events", bytes.len());
    }
    println!("{} seeds, {total} bytes", seeds.len());
}
