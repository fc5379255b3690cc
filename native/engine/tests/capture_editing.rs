//! Capture editing: a selection of events (filter on plugin fields, evt.num and time ranges,
//! -n) copied byte for byte, with the state blocks; captures merged by timestamp; golden files
//! diffed. On the project's own capture and fixture plugins, and a syscall capture of Falco's.

use std::path::{Path, PathBuf};

use scap::{Item, ScapReader};
use scap_engine::golden_diff::{DiffOptions, GoldenDiff};
use scap_engine::merge::{MergeOptions, Merger};
use scap_engine::print::{PrintOptions, Printer};
use scap_engine::select::{SelectOptions, SelectProgress, Selector};
use scap_engine::EngineErrorKind;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> String {
    let p = root().join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p.display().to_string()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("engine-editing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).display().to_string()
}

const CAPTURE: &str = "fixtures/captures/dummy_c-sysdig.scap";

fn dummy_c() -> serde_json::Value {
    serde_json::json!([{"path": fixture("fixtures/plugins/build/libdummy_c.so"), "initConfig": "{\"jitter\": 10, \"seed\": 7}"}])
}

// EngineError is large and only built on failure paths (as in the engine itself)
#[allow(clippy::result_large_err)]
fn select(options: serde_json::Value) -> Result<SelectProgress, scap_engine::EngineError> {
    let opts: SelectOptions = serde_json::from_value(options).unwrap();
    let mut s = Selector::start(opts)?;
    loop {
        if s.step()?.done {
            return Ok(s.finish());
        }
    }
}

/// Every event of a capture: (ts, raw block bytes).
fn events(path: &str) -> Vec<(u64, Vec<u8>)> {
    let mut r = ScapReader::open(Path::new(path)).unwrap();
    let mut out = Vec::new();
    loop {
        let ts = match r.next_item().unwrap() {
            None => return out,
            Some(Item::Event(ev)) => ev.record.ts,
            Some(_) => continue,
        };
        out.push((ts, r.last_block().to_vec()));
    }
}

/// evt.num of the events `filter` matches, as print sees them.
fn printed(filter: &str) -> Vec<u64> {
    let opts: PrintOptions = serde_json::from_value(serde_json::json!({"capture": fixture(CAPTURE), "plugins": dummy_c(), "filter": filter, "format": "%evt.num"})).unwrap();
    let mut p = Printer::start(opts).unwrap();
    let mut out = String::new();
    while !p.step(&mut out).unwrap().done {}
    out.lines().map(|l| l.parse().unwrap()).collect()
}

#[test]
fn a_filter_on_plugin_fields_keeps_what_print_matches_byte_for_byte() {
    let out = tmp("divisible.scap");
    let filter = "dummy.divisible[3] = 1 or dummy.value < 20";
    let s = select(serde_json::json!({"input": fixture(CAPTURE), "output": out, "plugins": dummy_c(), "filter": filter, "batchEvents": 6})).unwrap();
    let expected = printed(filter);
    assert!(!expected.is_empty() && expected.len() < 20);
    assert_eq!(s.kept as usize, expected.len());
    assert_eq!((s.first_kept, s.last_kept), (expected.first().copied(), expected.last().copied()));
    let input = events(&fixture(CAPTURE));
    let kept: Vec<Vec<u8>> = expected.iter().map(|&n| input[n as usize - 1].1.clone()).collect();
    assert_eq!(events(&out).into_iter().map(|e| e.1).collect::<Vec<_>>(), kept);
}

#[test]
fn ranges_and_max_events() {
    let input = events(&fixture(CAPTURE));
    let out = tmp("range.scap");
    let s = select(serde_json::json!({"input": fixture(CAPTURE), "output": out, "firstEvtnum": 5, "lastEvtnum": 15, "maxEvents": 4})).unwrap();
    assert_eq!((s.kept, s.first_kept, s.last_kept), (4, Some(5), Some(8)));
    assert_eq!(events(&out), input[4..8].to_vec());
    // time range: since inclusive, until exclusive
    let (since, until) = (input[3].0, input[12].0);
    let s = select(serde_json::json!({"input": fixture(CAPTURE), "output": out, "sinceNs": since, "untilNs": until})).unwrap();
    let expected: Vec<_> = input.iter().filter(|e| e.0 >= since && e.0 < until).cloned().collect();
    assert_eq!(s.kept as usize, expected.len());
    assert_eq!(events(&out), expected);
    // an empty range is a usage error
    let e = select(serde_json::json!({"input": fixture(CAPTURE), "output": out, "firstEvtnum": 9, "lastEvtnum": 3})).unwrap_err();
    assert_eq!(e.kind, EngineErrorKind::Usage);
}

#[test]
fn state_blocks_of_a_syscall_capture_are_copied_whatever_the_filter() {
    let input = root().join("../shared/captures/falco/cat_write.scap").display().to_string();
    let out = tmp("open.scap");
    let s = select(serde_json::json!({"input": input, "output": out, "filter": "evt.type = open"})).unwrap();
    assert_eq!(s.kept, 8);
    // SHB, MI, PL, FDL x73, IL, UL
    assert_eq!(s.other_blocks, 78);
    let mut r = ScapReader::open(Path::new(&out)).unwrap();
    let mut metadata = 0;
    while let Some(item) = r.next_item().unwrap() {
        if matches!(item, Item::Metadata { .. }) {
            metadata += 1;
        }
    }
    assert_eq!(metadata, 77);
}

#[test]
fn merge_orders_by_timestamp_and_keeps_each_inputs_order() {
    let a = fixture(CAPTURE);
    // the second input: every other event of the first, so timestamps interleave and tie
    let b = tmp("odd.scap");
    select(serde_json::json!({"input": a, "output": b, "filter": "evt.num > 0 and dummy.value > 0 and evt.num in (1, 3, 5, 7, 9, 11, 13, 15, 17, 19)", "plugins": dummy_c()})).unwrap();
    let out = tmp("merged.scap");
    let opts: MergeOptions = serde_json::from_value(serde_json::json!({"inputs": [a, b], "output": out, "stepEvents": 3})).unwrap();
    let mut m = Merger::start(opts).unwrap();
    let p = loop {
        let p = m.step().unwrap();
        if p.done {
            break p;
        }
    };
    let (ea, eb, merged) = (events(&a), events(&b), events(&out));
    assert_eq!(p.events as usize, ea.len() + eb.len());
    assert_eq!(merged.len(), ea.len() + eb.len());
    assert!(merged.windows(2).all(|w| w[0].0 <= w[1].0), "timestamp order");
    // ties: the first input's event first; every block is one of the inputs'
    let mut expected: Vec<(u64, usize, Vec<u8>)> = ea.iter().map(|e| (e.0, 0, e.1.clone())).chain(eb.iter().map(|e| (e.0, 1, e.1.clone()))).collect();
    expected.sort_by_key(|e| (e.0, e.1));
    assert_eq!(merged.into_iter().map(|e| e.1).collect::<Vec<_>>(), expected.into_iter().map(|e| e.2).collect::<Vec<_>>());
}

fn diff(a: &str, b: &str) -> scap_engine::golden_diff::DiffReport {
    let opts: DiffOptions = serde_json::from_value(serde_json::json!({"a": a, "b": b, "maxDetails": 5, "stepRows": 7})).unwrap();
    let mut d = GoldenDiff::start(opts).unwrap();
    while !d.step().unwrap().done {}
    d.finish()
}

#[test]
fn golden_diff_finds_changed_cells_rows_and_columns() {
    let a = tmp("a.golden");
    let header = "# scaptool golden file, format 1. Rows: evt.num, ts (ns), plugin id (- if none), then one cell per column: value, - absent, ! extraction error, . not applicable\n";
    let plugin = |cols: &[&str]| {
        let columns: Vec<serde_json::Value> = cols.iter().map(|c| serde_json::json!({"column": c, "name": c, "arg": null, "type": "uint64", "isList": false})).collect();
        serde_json::json!({"name": "p", "version": "1.0.0", "requiredApiVersion": "3.0.0", "generation": "3.x", "role": "source", "id": 3, "eventSource": "p", "extractEventSources": ["p"], "library": "libp.so", "configSha256": "", "columns": columns, "fields": []}).to_string()
    };
    let file = |cols: &[&str], rows: &[String]| format!("{header}#plugin\t{}\n#columns\tevt.num\tts\tplugin_id\t{}\n{}#end\t{{\"events\":{}}}\n", plugin(cols), cols.join("\t"), rows.iter().map(|r| format!("{r}\n")).collect::<String>(), rows.len());
    let rows_a: Vec<String> = (1..=300).map(|i| format!("{i}\t{}\t3\t{i}\t{}", 1000 + i, i % 2)).collect();
    std::fs::write(&a, file(&["p.x", "p.y"], &rows_a)).unwrap();
    let same = diff(&a, &a);
    assert!(same.identical);
    assert_eq!((same.compared_rows, same.rows_a, same.rows_b), (300, 300, 300));

    let b = tmp("b.golden");
    let mut rows_b: Vec<String> = (1..=300).map(|i| format!("{i}\t{}\t3\t{}\t7", 1000 + i, if i == 42 || i == 250 { 0 } else { i })).collect();
    rows_b[99] = "100\t9999\t3\t100\t7".to_string(); // another event at row 100
    rows_b.truncate(298);
    std::fs::write(&b, file(&["p.x", "p.z"], &rows_b)).unwrap();
    let d = diff(&a, &b);
    assert!(!d.identical);
    assert_eq!((d.rows_a, d.rows_b, d.compared_rows), (300, 298, 298));
    assert_eq!((d.only_a.clone(), d.only_b.clone()), (vec!["p.y".to_string()], vec!["p.z".to_string()]));
    assert_eq!(d.columns.len(), 1);
    assert_eq!(d.columns[0].differences, 2);
    assert_eq!(d.event_differences, 1);
    assert_eq!(d.event_details[0].row, 100);
    assert_eq!((d.differences[0].evtnum, d.differences[0].a.as_str(), d.differences[0].b.as_str()), (42, "42", "0"));
    let p = &d.positions.columns[0].mismatches;
    assert_eq!(p.iter().sum::<u64>(), 2);
    assert_eq!(d.positions.events.iter().sum::<u64>(), 298);
}
