//! Record with real fixture plugins, then replay: values match, other generations replay the
//! same capture, history-dependent fields are caught, interrupted files stay sound.

use std::path::PathBuf;
use std::time::Duration;

use scap_engine::golden::GoldenReader;
use scap_engine::record::Recorder;
use scap_engine::replay::{ReplayReport, Replayer};
use scap_engine::spec::{PluginSpec, RecordOptions, ReplayOptions};
use scap_engine::EngineErrorKind;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plugins/build").join(name);
    assert!(p.exists(), "{} is missing: run `make -C fixtures/plugins` (and `make -C fixtures/plugins/go`)", p.display());
    p.display().to_string()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("engine-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).display().to_string()
}

fn spec(lib: &str, config: &str, params: &str) -> PluginSpec {
    PluginSpec { path: fixture(lib), init_config: config.into(), open_params: params.into() }
}

fn record(lib: &str, out: &str, fields: &[&str], max: Option<u64>) -> scap_engine::record::RecordSummary {
    let opts = RecordOptions {
        sources: vec![spec(lib, r#"{"seed": 7}"#, r#"{"start": 1, "maxEvents": 500}"#)],
        extractors: vec![],
        plugins: vec![],
        fields: fields.iter().map(|s| s.to_string()).collect(),
        exclude_fields: vec![],
        output: out.into(),
        compression: None,
        golden: None,
        max_events: max,
        duration_ms: None,
        force: false,
        timeout_wait_ms: 1,
    };
    let mut r = Recorder::start(&opts).unwrap();
    while !r.step(Duration::from_millis(50)).unwrap().done {}
    r.finish().unwrap()
}

fn replay(capture: &str, libs: &[&str], shuffle: Option<u64>, threads: usize) -> ReplayReport {
    let opts: ReplayOptions = serde_json::from_value(serde_json::json!({
        "capture": capture,
        "plugins": libs.iter().map(|l| serde_json::json!({"path": fixture(l)})).collect::<Vec<_>>(),
        "shuffleSeed": shuffle,
        "threads": threads,
        "window": 128,
    }))
    .unwrap();
    let mut r = Replayer::start(opts).unwrap();
    while !r.step().unwrap().done {}
    r.finish().unwrap()
}

#[test]
fn record_then_replay_matches_with_every_generation() {
    let out = tmp("api3.scap");
    let summary = record("libdummy_api3.so", &out, &["dummy.divisible[3]"], None);
    assert_eq!(summary.events, 500);
    assert_eq!(summary.columns, vec!["dummy.value", "dummy.strvalue", "dummy.divisible[3]"]);
    let mut g = GoldenReader::open(std::path::Path::new(summary.golden.as_ref().unwrap())).unwrap();
    assert_eq!(g.header.plugins[0].name, "dummy_api3");
    let row = g.next_row().unwrap().unwrap();
    assert_eq!((row.evtnum, row.plugin_id), (1, Some(3)));
    assert_eq!(row.cells, vec!["8", "\"8\"", "0"]); // seed 7: first sample 8
    for (lib, threads) in [("libdummy_api3.so", 1), ("libdummy_api3.so", 2), ("libdummy_api3_12.so", 2), ("libdummy_api1.so", 2), ("libdummy_api0_3.so", 1), ("libdummy_api0_2.so", 1), ("libdummy_seed.so", 1), ("libdummy_api0_1.so", 1)] {
        let rep = replay(&out, &[lib], Some(42), threads);
        assert_eq!(rep.events, 500, "{lib}");
        assert!(rep.mismatches.is_empty(), "{lib}: {:?}", rep.mismatches);
        assert!(rep.order_differences.is_empty(), "{lib}: {:?}", rep.order_differences);
        assert!(rep.columns.iter().all(|c| c.compared == 500 && c.values == 500), "{lib}: {:?}", rep.columns);
    }
}

#[test]
fn history_dependent_fields_are_caught() {
    let out = tmp("maxsample.scap");
    let summary = record("libdummy_maxsample_c.so", &out, &[], None);
    assert!(summary.columns.contains(&"dummy.max_sample".to_string()));
    let rep = replay(&out, &["libdummy_maxsample_c.so"], Some(7), 2);
    let col = rep.columns.iter().find(|c| c.column == "dummy.max_sample").unwrap();
    assert!(col.reverse_differences > 0 && col.shuffle_differences > 0, "{col:?}");
    let value = rep.columns.iter().find(|c| c.column == "dummy.value").unwrap();
    assert_eq!((value.reverse_differences, value.shuffle_differences, value.mismatches), (0, 0, 0));
}

#[test]
fn a_golden_file_of_another_capture_is_refused() {
    let a = tmp("a.scap");
    let b = tmp("b.scap");
    record("libdummy_api3.so", &a, &[], Some(50));
    record("libdummy_api3.so", &b, &[], Some(60));
    let opts: ReplayOptions = serde_json::from_value(serde_json::json!({
        "capture": b, "golden": format!("{a}.golden"), "plugins": [{"path": fixture("libdummy_api3.so")}]
    }))
    .unwrap();
    let mut r = Replayer::start(opts).unwrap();
    let err = loop {
        match r.step() {
            Ok(p) if p.done => panic!("accepted a foreign golden file"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind, EngineErrorKind::Golden);
    assert!(err.message.contains("belongs to another capture"), "{}", err.message);
}
