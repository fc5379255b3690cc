//! Reads a capture into event batches as the print and rules engines do (`EventBatch::fill`),
//! on this thread only, and prints the time per event: the reader's share of a scan, away
//! from the engine's and the process's.
//!
//!   cargo run --release -p scap-engine --example fill -- CAPTURE [RUNS]
use std::time::Instant;

use scap::ScapReader;
use scap_engine::event_batch::EventBatch;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: fill CAPTURE [RUNS]");
    let runs: usize = args.next().map(|r| r.parse().expect("RUNS: a number")).unwrap_or(10);
    let mut best = f64::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let mut reader = ScapReader::open(path.as_ref()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut batch = EventBatch::new(16384, 64 << 20);
        let mut events = 0u64;
        loop {
            let (more, err) = batch.fill(&mut reader, &path);
            if let Some(e) = err {
                panic!("{e}");
            }
            events += batch.len() as u64;
            if !more {
                break;
            }
        }
        let s = started.elapsed().as_secs_f64();
        best = best.min(s);
        eprintln!("{events} events in {:.1} ms ({:.1} ns/event)", s * 1e3, s * 1e9 / events as f64);
    }
    println!("best {:.1} ms", best * 1e3);
}
