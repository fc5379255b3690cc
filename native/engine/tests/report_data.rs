//! What replay reports beyond the first details, in bounded memory: every mismatch and order
//! difference placed along evt.num (`positions`), and each field's most frequent values
//! (`top_values`), on the project's fixture plugins.

use std::path::PathBuf;

use scap_engine::positions::{EvtnumBins, BINS};
use scap_engine::record::Recorder;
use scap_engine::replay::{ReplayReport, Replayer};
use scap_engine::spec::{RecordOptions, ReplayOptions};
use scap_engine::top_values::{TopValues, CAPACITY};

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plugins/build").join(name);
    assert!(p.exists(), "{} is missing: run `make -C fixtures/plugins`", p.display());
    p.display().to_string()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("engine-report-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).display().to_string()
}

#[test]
fn bins_double_in_width_and_stay_exact() {
    let mut b = EvtnumBins::new(2);
    for evtnum in 1..=1000u64 {
        b.add(0, evtnum, 1);
        if evtnum % 7 == 0 {
            b.add(1, evtnum, 2);
        }
    }
    // 1000 events in at most 128 bins: the smallest power of two that holds them is 8
    assert_eq!(b.width(), 8);
    assert_eq!(b.bins(), 125);
    assert!(b.bins() <= BINS);
    assert_eq!(b.series(0).iter().sum::<u64>(), 1000);
    assert!(b.series(0).iter().all(|&n| n == 8));
    assert_eq!(b.series(1).iter().sum::<u64>(), 2 * (1000 / 7));
    // bin 1 covers evt.num 9..=16: 14 is the only multiple of 7
    assert_eq!(b.series(1)[1], 2);
}

#[test]
fn merged_bins_equal_bins_counted_at_once() {
    let mut whole = EvtnumBins::new(1);
    let mut early = EvtnumBins::new(1);
    let mut late = EvtnumBins::new(1);
    for evtnum in (1..=5000u64).filter(|n| n % 3 == 0 || n % 11 == 0) {
        whole.add(0, evtnum, 1);
        if evtnum <= 700 { early.add(0, evtnum, 1) } else { late.add(0, evtnum, 1) }
    }
    // different widths before the merge (700 vs 5000 evt.num)
    assert!(early.width() < late.width());
    early.absorb(&late, |s| s);
    assert_eq!(early.width(), whole.width());
    assert_eq!(early.series(0), whole.series(0));
}

#[test]
fn top_values_are_exact_while_few_and_keep_heavy_hitters_past_capacity() {
    let mut t = TopValues::default();
    for i in 0..1000 {
        t.add(if i % 4 == 0 { "1" } else { "0" });
    }
    let d = t.report("f");
    assert!(d.exact);
    assert_eq!((d.values[0].value.as_str(), d.values[0].count, d.values[0].max_error), ("0", 750, 0));
    assert_eq!((d.values[1].value.as_str(), d.values[1].count), ("1", 250));
    assert_eq!((d.others, d.distinct, d.total), (0, 2, 1000));

    // 10,000 unique values and two frequent ones: the frequent ones are found, their counts are
    // upper bounds within maxError of the truth
    let mut t = TopValues::default();
    for i in 0..10_000u32 {
        t.add(&format!("u{i}"));
        if i % 10 == 0 {
            t.add("often");
        }
        if i % 25 == 0 {
            t.add("sometimes");
        }
    }
    let d = t.report("g");
    assert!(!d.exact);
    assert_eq!(d.total, 10_000 + 1000 + 400);
    let often = d.values.iter().find(|v| v.value == "often").expect("a value in 1 of 11 cells is kept");
    assert!(often.count >= 1000 && often.count - often.max_error <= 1000, "{often:?}");
    let sometimes = d.values.iter().find(|v| v.value == "sometimes").expect("a value in 1 of 28 cells is kept");
    assert!(sometimes.count >= 400 && sometimes.count - sometimes.max_error <= 400, "{sometimes:?}");
    assert_eq!(d.distinct as usize, CAPACITY);
    assert_eq!(d.others + d.values.iter().map(|v| v.count).sum::<u64>(), d.total);
}

#[test]
fn long_values_are_told_apart_by_hash() {
    let mut t = TopValues::default();
    let a = format!("{}A", "x".repeat(500));
    let b = format!("{}B", "x".repeat(500));
    for _ in 0..3 {
        t.add(&a);
    }
    t.add(&b);
    let d = t.report("payload");
    assert_eq!(d.values.len(), 2);
    assert_eq!(d.values[0].count, 3);
    assert!(d.values[0].value.len() < 200 && d.values[0].value.contains("(501 bytes, fnv "), "{}", d.values[0].value);
    assert_ne!(d.values[0].value, d.values[1].value);
}

fn record(lib: &str, out: &str, events: u64) {
    let opts: RecordOptions = serde_json::from_value(serde_json::json!({
        "sources": [{"path": fixture(lib), "initConfig": "{\"seed\": 7}", "openParams": format!("{{\"start\": 1, \"maxEvents\": {events}}}")}],
        "fields": ["dummy.divisible[3]"],
        "output": out,
        "timeoutWaitMs": 1,
    }))
    .unwrap();
    let mut r = Recorder::start(&opts).unwrap();
    while !r.step(std::time::Duration::from_millis(50)).unwrap().done {}
    r.finish().unwrap();
}

fn replay(capture: &str, lib: &str, threads: usize) -> ReplayReport {
    let opts: ReplayOptions = serde_json::from_value(serde_json::json!({
        "capture": capture,
        "plugins": [{"path": fixture(lib)}],
        "shuffleSeed": 5,
        "threads": threads,
        "window": 100,
        "distributions": true,
    }))
    .unwrap();
    let mut r = Replayer::start(opts).unwrap();
    while !r.step().unwrap().done {}
    r.finish().unwrap()
}

#[test]
fn replay_places_every_mismatch_and_counts_values() {
    let out = tmp("tampered.scap");
    record("libdummy_api3.so", &out, 1000);
    // the live run's value of dummy.value is changed at evt.num 10, 500 and 501
    let golden = format!("{out}.golden");
    let text = std::fs::read_to_string(&golden).unwrap();
    let tampered: Vec<String> = text
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split('\t').collect();
            if matches!(cells[0], "10" | "500" | "501") {
                cells[3] = "424242";
            }
            cells.join("\t")
        })
        .collect();
    std::fs::write(&golden, tampered.join("\n") + "\n").unwrap();
    for threads in [1, 2] {
        let r = replay(&out, "libdummy_api3.so", threads);
        let p = &r.positions;
        assert_eq!(p.bin_width, 8, "1000 events in 128 bins");
        assert_eq!(p.events.iter().sum::<u64>(), 1000);
        let value = p.columns.iter().find(|c| c.column == "dummy.value").unwrap();
        let mut at: Vec<(usize, u64)> = value.mismatches.iter().enumerate().filter(|(_, &n)| n > 0).map(|(i, &n)| (i, n)).collect();
        at.sort();
        // evt.num 10 is in bin 1 (9..=16); 500 and 501 in bin 62 (497..=504)
        assert_eq!(at, vec![(1, 1), (62, 2)], "threads {threads}");
        assert!(p.columns.iter().all(|c| c.reverse.iter().chain(&c.shuffle).all(|&n| n == 0)));
        let divisible = r.distributions.iter().find(|d| d.column == "dummy.divisible[3]").unwrap();
        assert!(divisible.exact);
        assert_eq!(divisible.values.iter().map(|v| v.count).sum::<u64>(), 1000);
        assert_eq!(divisible.values.len(), 2);
    }
}

#[test]
fn replay_places_history_differences() {
    let out = tmp("maxsample.scap");
    record("libdummy_maxsample_c.so", &out, 600);
    let r = replay(&out, "libdummy_maxsample_c.so", 2);
    let c = r.columns.iter().find(|c| c.column == "dummy.max_sample").unwrap();
    assert!(c.reverse_differences > 0 && c.shuffle_differences > 0);
    let p = r.positions.columns.iter().find(|c| c.column == "dummy.max_sample").unwrap();
    assert_eq!(p.reverse.iter().sum::<u64>(), c.reverse_differences);
    assert_eq!(p.shuffle.iter().sum::<u64>(), c.shuffle_differences);
    assert_eq!(p.mismatches.iter().sum::<u64>(), c.mismatches);
}
