//! Measures field extraction cost per field, with libsinsp's calling convention (one field per
//! `extract_fields` call, the default) and with all fields in one call (the batching probe's).
//!
//! ```text
//! make -C fixtures/plugins && make -C fixtures/plugins/go
//! cargo run --release -p plugin-host --example extract_bench [events] [rounds]
//! ```
//!
//! For each plugin: produce `events` events with the plugin itself, then extract the three
//! dummy fields (`dummy.value`, `dummy.strvalue`, `dummy.divisible[3]`) from all of them
//! `rounds` times into one reused `ExtractResults`, and report ns per field and per event for
//! each calling convention.

use std::path::PathBuf;
use std::time::Instant;

use plugin_host::{BatchStatus, CallConvention, EventBatch, ExtractPlan, ExtractResults, Plugin};

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
    let mut line = format!("{rel:<24} {:<4} {} field{:<2}", plugin.generation().label(), fields.len(), if fields.len() == 1 { "" } else { "s" });
    for convention in [CallConvention::OneFieldPerCall, CallConvention::AllFieldsPerCall] {
        if fields.len() == 1 && convention == CallConvention::AllFieldsPerCall {
            continue;
        }
        let plan = ExtractPlan::parse(&plugin, fields)?.with_convention(convention);
        let mut results = ExtractResults::new();
        state.extract(&plan, "dummy", &events, &mut results)?; // warm-up
        let start = Instant::now();
        for _ in 0..rounds {
            state.extract(&plan, "dummy", &events, &mut results)?;
        }
        let per_event = start.elapsed().as_nanos() as f64 / (rounds * events.len()) as f64;
        let label = match convention {
            CallConvention::OneFieldPerCall => "one per call",
            CallConvention::AllFieldsPerCall => "all in one call",
        };
        line.push_str(&format!("  {label}: {:>6.1} ns/field {:>7.1} ns/event", per_event / fields.len() as f64, per_event));
    }
    println!("{line}");
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
