//! Memory stays flat however large the capture: a synthetic capture is generated on the fly
//! (never materialised) and streamed through the reader, which must keep its window at about
//! 1 MiB, grow it only for a block that needs more, and give the memory back afterwards.
//!
//! `streams_a_multi_gb_capture` (4 GiB plain, then 512 MiB gzip and zstd) is `#[ignore]`d: it
//! takes about 1 s in release (4 GiB at memcpy speed) and much longer in a debug build. Run it with
//! `cargo test --release -p scap --test memory -- --ignored`. The small variant runs always.

mod common;

use std::io::{Read, Write};

use scap::event;
use scap::input;
use scap::plugin_event;
use scap::{Compression, ScapReader};

use common::SharedSink;

const MIB: usize = 1 << 20;

/// An endless-looking capture: the SHB, then event blocks cycled from a set of templates,
/// until `total` bytes (rounded up to a whole block). One huge event (`huge` bytes of
/// payload, 0 for none) sits in the middle.
struct Generator {
    /// Templates 0..TEMPLATES, then the SHB, then the huge block.
    blocks: Vec<Vec<u8>>,
    huge_at: Option<u64>,
    total: u64,
    produced: u64,
    events: u64,
    current: usize,
    pos: usize,
}

const TEMPLATES: usize = 64;
const SHB_BLOCK: usize = TEMPLATES;
const HUGE_BLOCK: usize = TEMPLATES + 1;

impl Generator {
    fn new(total: u64, huge: usize) -> Generator {
        let mut blocks = Vec::new();
        let block_of = |ts: u64, payload: &[u8]| {
            let mut ev = Vec::new();
            plugin_event::encode(&mut ev, ts, 999, payload);
            let mut blk = Vec::new();
            event::append_block(&mut blk, 0, 0, &ev);
            blk
        };
        for k in 0..TEMPLATES {
            let size = match k {
                7 => 60_000,
                23 => 64 * 1024 + 100, // a large block past the non-large limit
                _ => (k * 37) % 1500,
            };
            let payload: Vec<u8> = (0..size).map(|b| (b * 7 + k) as u8).collect();
            blocks.push(block_of(k as u64, &payload));
        }
        blocks.push(scap::section::to_bytes().to_vec());
        blocks.push(block_of(1, &vec![0x5A; huge]));
        Generator {
            blocks,
            huge_at: (huge > 0).then_some(total / 2),
            total,
            produced: 0,
            events: 0,
            current: SHB_BLOCK,
            pos: 0,
        }
    }

    fn next_block(&mut self) -> bool {
        if self.produced >= self.total {
            return false;
        }
        self.current = match self.huge_at {
            Some(at) if self.produced >= at => {
                self.huge_at = None;
                HUGE_BLOCK
            }
            _ => (self.events % TEMPLATES as u64) as usize,
        };
        self.pos = 0;
        self.events += 1;
        true
    }
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.pos == self.blocks[self.current].len() && !self.next_block() {
                break;
            }
            let cur = &self.blocks[self.current];
            let take = (cur.len() - self.pos).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&cur[self.pos..self.pos + take]);
            self.pos += take;
            n += take;
            self.produced += take as u64;
        }
        Ok(n)
    }
}

/// Compresses a generator on the fly, so that the compressed capture is not materialised
/// either.
struct Compressing<W: Write> {
    src: Generator,
    enc: Option<W>,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    chunk: Vec<u8>,
}


trait Finish: Write {
    fn done(self: Box<Self>);
}
impl Finish for flate2::write::GzEncoder<SharedSink> {
    fn done(self: Box<Self>) {
        self.finish().unwrap();
    }
}
impl Finish for zstd::stream::write::Encoder<'static, SharedSink> {
    fn done(self: Box<Self>) {
        self.finish().unwrap();
    }
}

impl Read for Compressing<Box<dyn Finish + Send>> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            {
                let mut out = self.out.lock().unwrap();
                if !out.is_empty() {
                    let take = out.len().min(buf.len());
                    buf[..take].copy_from_slice(&out[..take]);
                    out.drain(..take);
                    return Ok(take);
                }
            }
            let Some(enc) = self.enc.as_mut() else { return Ok(0) };
            let n = self.src.read(&mut self.chunk)?;
            if n == 0 {
                self.enc.take().unwrap().done();
            } else {
                enc.write_all(&self.chunk[..n])?;
            }
        }
    }
}

fn compressing(src: Generator, compression: Compression) -> Compressing<Box<dyn Finish + Send>> {
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = SharedSink(out.clone());
    let enc: Box<dyn Finish + Send> = match compression {
        Compression::Gzip => Box::new(flate2::write::GzEncoder::new(sink, flate2::Compression::fast())),
        Compression::Zstd => Box::new(zstd::stream::write::Encoder::new(sink, 1).unwrap()),
        Compression::None => unreachable!(),
    };
    Compressing { src, enc: Some(enc), out, chunk: vec![0; 256 * 1024] }
}

/// Streams the input through the reader; returns (events, bytes, largest window seen, window
/// at the end).
fn stream(input: input::Input, expected_compression: Compression) -> (u64, u64, usize, usize) {
    let mut r = ScapReader::new(input);
    assert_eq!(r.compression(), expected_compression);
    let mut max_cap = r.buffer_capacity();
    let mut events = 0u64;
    let mut payload_bytes = 0u64;
    loop {
        match r.next_event() {
            Ok(Some(e)) => {
                events += 1;
                assert_eq!(e.evtnum, events);
                let p = plugin_event::as_plugin_event(&e.record).expect("plugin event");
                payload_bytes += p.payload.len() as u64;
            }
            Ok(None) => break,
            Err(e) => panic!("after {events} events: {e}"),
        }
        max_cap = max_cap.max(r.buffer_capacity());
    }
    assert!(payload_bytes > 0);
    (events, r.position(), max_cap, r.buffer_capacity())
}

fn check(total: u64, huge: usize, compression: Compression) {
    let gen = Generator::new(total, huge);
    let expected_events = {
        let mut g = Generator::new(total, huge);
        std::io::copy(&mut g, &mut std::io::sink()).unwrap();
        g.events
    };
    let input = match compression {
        Compression::None => input::from_reader(gen, 0).unwrap(),
        c => input::from_reader(compressing(gen, c), 0).unwrap(),
    };
    let t = std::time::Instant::now();
    let (events, bytes, max_cap, end_cap) = stream(input, compression);
    eprintln!(
        "{compression:?}: {events} events, {} MiB in {:.1?}, window max {} KiB, at end {} KiB",
        bytes / MIB as u64,
        t.elapsed(),
        max_cap / 1024,
        end_cap / 1024
    );
    assert!(bytes >= total);
    assert_eq!(events, expected_events);
    let limit = if huge > 0 { huge + MIB } else { 2 * MIB };
    assert!(max_cap <= limit, "window grew to {max_cap} bytes");
    // After the huge block the window is given back.
    assert!(end_cap <= 2 * MIB, "window still {end_cap} bytes at the end");
}

#[test]
fn streams_a_capture_in_a_flat_window() {
    check(64 * MIB as u64, 0, Compression::None);
    check(8 * MIB as u64, 0, Compression::Gzip);
    check(8 * MIB as u64, 0, Compression::Zstd);
}

#[test]
fn window_grows_for_a_huge_event_and_shrinks_back() {
    check(24 * MIB as u64, 20 * MIB, Compression::None);
}

#[test]
#[ignore = "streams 4 GiB plain and 512 MiB compressed: run in release with --ignored"]
fn streams_a_multi_gb_capture() {
    check(4 << 30, 16 * MIB, Compression::None);
    check(512 * MIB as u64, 0, Compression::Gzip);
    check(512 * MIB as u64, 0, Compression::Zstd);
    // Whole-process peak: the window, the decoders and the test harness.
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("");
        eprintln!("{hwm}");
        let kb: usize = hwm.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
        assert!(kb < 256 * 1024, "peak RSS {kb} kB");
    }
}

