//! The misbehaving fixtures: every fault is reported as the plugin's, with its own text where it
//! has one, and never panics.

mod common;

use common::*;
use plugin_host::{
    BatchStatus, ErrorKind, EventBatch, EventRef, ExtractErrorKind, ExtractPlan, ExtractResults, Plugin,
};

fn open(file: &str, config: &str, params: &str) -> plugin_host::PluginState {
    let mut s = load(file).init(config).unwrap_or_else(|e| panic!("{file}: {e}"));
    s.open(params).unwrap();
    s
}

#[test]
fn init_failure_carries_the_plugin_text() {
    let p = load("libbad_init_fail.so");
    let e = p.init(r#"{"jitter": 1}"#).err().unwrap();
    assert_eq!(e.kind, ErrorKind::InitFailed);
    assert_eq!(
        e.plugin_message.as_deref(),
        Some(r#"bad_init_fail: init refused on purpose (config: '{"jitter": 1}')"#)
    );
    assert_eq!(
        e.message,
        r#"plugin 'bad_init_fail' failed to initialize: bad_init_fail: init refused on purpose (config: '{"jitter": 1}')"#
    );
    let e = p.init(r#"{"null_state": true}"#).err().unwrap();
    assert_eq!(e.kind, ErrorKind::InitFailed);
    assert!(e.message.contains("returned no state"), "{e}");
}

#[test]
fn open_failure_carries_the_plugin_text() {
    let mut s = load("libbad_open_fail.so").init("").unwrap();
    let e = s.open("abc").unwrap_err();
    assert_eq!(e.kind, ErrorKind::OpenFailed);
    assert_eq!(
        e.plugin_message.as_deref(),
        Some("bad_open_fail: open refused on purpose (params: 'abc')")
    );
    assert!(!s.is_open());
}

#[test]
fn next_failure_comes_after_the_events() {
    let mut s = open("libbad_next_fail.so", r#"{"seed": 7}"#, "");
    let mut out = EventBatch::default();
    assert_eq!(s.next_batch(&mut out).unwrap(), BatchStatus::Events(5));
    assert_eq!(samples(&out, 906), SEED7_SAMPLES[..5]);
    let e = s.next_batch(&mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NextFailed);
    assert_eq!(
        e.plugin_message.as_deref(),
        Some("bad_next_fail: failing on purpose after 5 events")
    );
}

#[test]
fn zero_events_with_success_is_an_error() {
    let mut s = open("libbad_zero_events.so", "", "");
    let e = s.next_batch(&mut EventBatch::default()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ZeroEvents);
    assert!(e.message.contains("'bad_zero_events'"), "{e}");

    let mut s = open("libbad_zero_events.so", r#"{"after": 3}"#, "");
    let mut out = EventBatch::default();
    assert_eq!(s.next_batch(&mut out).unwrap(), BatchStatus::Events(3));
    assert_eq!(s.next_batch(&mut out).unwrap_err().kind, ErrorKind::ZeroEvents);
}

#[test]
fn payloads_over_64_kib_are_accepted() {
    let mut s = open("libbad_big_payload.so", r#"{"seed": 7}"#, r#"{"maxEvents": 6}"#);
    let b = drain(&mut s, 10);
    assert_eq!(b.len(), 6);
    assert!(b.iter().all(|e| e.len() == 38 + 70_000));
    assert_eq!(samples(&b, 902), SEED7_SAMPLES[..6]);
    // The dummy extractor reads them too.
    let x = load("libdummyx3_1_0_0.so");
    let plan = ExtractPlan::parse(&x, &["dummyx3.value"]).unwrap();
    let r = extract_dummy(&mut x.init("").unwrap(), &plan, &b.event_refs(1));
    assert_eq!(r.get(5, 0).to_string(), "30");
}

fn statuses(s: &mut plugin_host::PluginState, calls: usize) -> Vec<BatchStatus> {
    let mut out = EventBatch::default();
    let mut v = Vec::new();
    for _ in 0..calls {
        let st = s.next_batch(&mut out).unwrap();
        v.push(st);
        if st == BatchStatus::Eof {
            break;
        }
    }
    v
}

#[test]
fn timeouts_are_distinct_and_never_lose_events() {
    use BatchStatus::*;
    let mut s = open("libbad_timeout.so", "", r#"{"maxEvents": 3}"#);
    assert_eq!(
        statuses(&mut s, 20),
        [Timeout, Events(1), Timeout, Events(1), Timeout, Events(1), Timeout, Eof]
    );
    let mut s = open("libbad_timeout.so", r#"{"mode": "with_events"}"#, r#"{"maxEvents": 3}"#);
    assert_eq!(
        statuses(&mut s, 20),
        [Events(1), Timeout, Events(1), Timeout, Events(1), Eof]
    );
    let mut s = open("libbad_timeout.so", r#"{"mode": "always"}"#, "");
    assert!(statuses(&mut s, 1000).iter().all(|s| *s == Timeout));
}

#[test]
fn malformed_events() {
    let cases = [
        ("wrong_id", "carries plugin ID 4242, not the plugin's ID 907"),
        ("wrong_type", "type 0 with 2 parameters"),
        ("wrong_nparams", "type 322 with 3 parameters"),
        ("short_len", "header length 30"),
    ];
    for (mode, text) in cases {
        let mut s = open(
            "libbad_malformed_event.so",
            &format!(r#"{{"mode": "{mode}", "at": 3}}"#),
            "",
        );
        let mut out = EventBatch::default();
        // The events before the bad one are delivered, the error comes with the next call.
        assert_eq!(s.next_batch(&mut out).unwrap(), BatchStatus::Events(2), "{mode}");
        let e = s.next_batch(&mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MalformedEvent, "{mode}: {e}");
        assert!(
            e.message.contains("malformed plugin event") && e.message.contains(text),
            "{mode}: {e}"
        );
        assert_eq!(out.len(), 2);
    }
    // plugin_id 0 is legal: the framework stamps its own ID.
    let mut s = open("libbad_malformed_event.so", r#"{"mode": "zero_id", "seed": 7}"#, "");
    assert_eq!(samples(&drain(&mut s, 10), 907), SEED7_SAMPLES);
}

#[test]
fn garbage_fields_json_is_refused_at_load() {
    let err = |f: &str| Plugin::load(fixture(f)).err().unwrap();
    let e = err("libbad_fields_garbage.so");
    assert_eq!(e.kind, ErrorKind::InvalidFields);
    assert!(e.message.contains("get_fields returned text that is not JSON"), "{e}");
    let e = err("libbad_fields_badtype.so");
    assert_eq!(e.kind, ErrorKind::InvalidFields);
    assert!(
        e.message
            .contains(r#"field #1 (badtype.float): type "float" is not a 3.x plugin field type"#),
        "{e}"
    );
    let e = err("libbad_fields_badbool.so");
    assert!(
        e.message
            .contains(r#"field #1 (badbool.list): "isList" must be a boolean, got the string "yes""#),
        "{e}"
    );
}

#[test]
fn garbage_extraction_results() {
    let p = load("libbad_extract_garbage.so");
    let names: Vec<&str> = p.info().fields.iter().map(|f| f.name.as_str()).collect();
    let plan = ExtractPlan::parse(&p, &names).unwrap();
    let ev = plugin_event(1, b"77");
    let r = extract_dummy(&mut p.init("").unwrap(), &plan, &[EventRef { num: 1, bytes: &ev }]);
    let cell = |i: usize| r.get(0, i).to_string();
    // The whole call fails because of garbage.fail; each field asked alone isolates it.
    assert_eq!(cell(0), "77");
    assert!(cell(1).contains("res_len 1 with a NULL result"), "{}", cell(1));
    assert!(cell(2).contains("value 0 is a NULL string"), "{}", cell(2));
    assert_eq!(cell(3), r#""\xff\xfe\xc3(""#);
    assert!(cell(4).contains("a non-list field returned 3 values"), "{}", cell(4));
    assert!(
        cell(5).contains("ipaddr value of length 7 (expected 4 or 16)"),
        "{}",
        cell(5)
    );
    assert!(cell(6).contains("bool value 7 is neither 0 nor 1"), "{}", cell(6));
    let fail = r.get(0, 7);
    let err = fail.error().unwrap();
    assert_eq!(err.kind, ExtractErrorKind::PluginFailure);
    assert_eq!(
        err.plugin_message.as_deref(),
        Some("bad_extract_garbage: garbage.fail fails on purpose")
    );
    for i in 1..7 {
        assert_eq!(
            r.get(0, i)
                .error()
                .map(|e| e.kind)
                .unwrap_or(ExtractErrorKind::PluginFault),
            ExtractErrorKind::PluginFault
        );
    }
}

#[test]
fn misuse_is_the_callers_error() {
    let p = load("libdummyx3_1_0_0.so");
    let mut s = p.init("").unwrap();
    assert_eq!(s.open("").unwrap_err().kind, ErrorKind::InvalidRequest);
    assert_eq!(
        s.next_batch(&mut EventBatch::default()).unwrap_err().kind,
        ErrorKind::InvalidRequest
    );
    let other = load("libdummy_api3.so");
    let plan = ExtractPlan::parse(&other, &["dummy.value"]).unwrap();
    assert_eq!(
        s.extract(&plan, "dummy", &[], &mut ExtractResults::new())
            .unwrap_err()
            .kind,
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        load("libbad_zero_events.so")
            .init("")
            .unwrap()
            .start_async()
            .unwrap_err()
            .kind,
        ErrorKind::InvalidRequest
    );
    assert!(Plugin::load("/nonexistent/libx.so")
        .err()
        .unwrap()
        .message
        .contains("no such file"));
}
