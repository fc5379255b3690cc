//! Measures batched field extraction cost per field.
//!
//! ```text
//! make -C fixtures/plugins && make -C fixtures/plugins/go
//! cargo run --release -p plugin-host --example extract_bench [events] [rounds]
//! ```
//!
//! For each plugin: produce `events` events with the plugin itself, then extract the three
//! dummy fields (`dummy.value`, `dummy.strvalue`, `dummy.divisible[3]`) from all of them
//! `rounds` times into one reused `ExtractResults`, and report ns per field and per event.

use std::path::PathBuf;
use std::time::Instant;

use plugin_host::{BatchStatus, EventBatch, ExtractPlan, ExtractResults, Plugin};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/plugins/build")
        .join(rel)
}

fn bench(rel: &str, fields: &[&str], n_events: usize, rounds: usize) -> Result<(), plugin_host::HostError> {
    let path = fixture(rel);
    if !path.exists() {
        println!("{rel:<28} missing: run make -C fixtures/plugins (and fixtures/plugins/go)");
        return Ok(());
    }
    let plugin = Plugin::load(&path)?;
    let mut state = plugin.init(r#"{"jitter": 10, "seed": 7}"#)?;
    state.open(&format!(r#"{{"start": 1, "maxEvents": {n_events}}}"#))?;
    let mut batch = EventBatch::default();
    while state.next_batch(&mut batch)? != BatchStatus::Eof {}
    state.close();
    let events = batch.event_refs(1);
    let plan = ExtractPlan::parse(&plugin, fields)?;
    let mut results = ExtractResults::new();
    state.extract(&plan, "dummy", &events, &mut results)?; // warm-up
    let start = Instant::now();
    for _ in 0..rounds {
        state.extract(&plan, "dummy", &events, &mut results)?;
    }
    let ns = start.elapsed().as_nanos() as f64;
    let per_event = ns / (rounds * events.len()) as f64;
    println!(
        "{rel:<28} {:<4} {:>2} fields  {:>8.1} ns/field  {:>8.1} ns/event",
        plugin.generation().label(),
        fields.len(),
        per_event / fields.len() as f64,
        per_event
    );
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n_events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let three = ["dummy.value", "dummy.strvalue", "dummy.divisible[3]"];
    let one = ["dummy.value"];
    println!("{n_events} events x {rounds} rounds");
    for rel in [
        "libdummy_api3.so",
        "libdummy_api3_12.so",
        "libdummy_api2.so",
        "libdummy_c.so",
        "go/libdummy.so",
        "go/libdummy_sdk06.so",
    ] {
        for fields in [&three[..], &one[..]] {
            if let Err(e) = bench(rel, fields, n_events, rounds) {
                println!("{rel}: {e}");
            }
        }
    }
}
