//! The auditlike Go fixture (plugin-sdk-go v0.8.3, API 3.11): Kubernetes-audit-like JSON
//! events and a key-argument field, `json.value[<JSON pointer>]`.
//!
//! plugin-sdk-go 0.6–0.8 keeps one request/result buffer per field id. Three pointers of
//! `json.value` in one plan are one field id: asked one field per `extract_fields` call
//! (libsinsp's convention, the host's default) each gets its own value; asked in one call,
//! every cell that has a value points at the same buffer, which holds the call's last value.

mod common;

use common::*;
use plugin_host::{
    CallConvention, EventBatch, EventView, ExtractPlan, ExtractResults, ExtractedValue, Generation, Plugin, PluginState,
};

const CONFIG: &str = r#"{"seed": 5}"#;
const EVENTS: usize = 300;
const POINTERS: [&str; 3] = ["/verb", "/user/username", "/objectRef/resource"];

/// A live run of `EVENTS` events of seed 5.
fn record() -> (Plugin, PluginState, EventBatch) {
    let plugin = load_go("libauditlike.so");
    let mut state = plugin.init(CONFIG).unwrap_or_else(|e| panic!("init: {e}"));
    state.open(&format!(r#"{{"maxEvents": {EVENTS}}}"#)).unwrap();
    let batch = drain(&mut state, 100);
    assert_eq!(batch.len(), EVENTS);
    (plugin, state, batch)
}

/// What each pointer names in each event, read by serde_json (RFC 6901 too): a string's
/// content, `None` when the event has no such key.
fn truth(batch: &EventBatch) -> Vec<[Option<String>; 3]> {
    batch
        .iter()
        .map(|ev| {
            let (id, payload) = EventView::parse(ev).unwrap().plugin_payload().unwrap();
            assert_eq!(id, 12, "plugin-sdk-go writes 0; the host stamps the plugin's id");
            let doc: serde_json::Value = serde_json::from_slice(payload).expect("the payload is JSON");
            POINTERS.map(|p| doc.pointer(p).map(|v| v.as_str().expect("a string").to_owned()))
        })
        .collect()
}

fn cell(r: &ExtractResults, event: usize, field: usize) -> Option<String> {
    match r.get(event, field).value() {
        Some(ExtractedValue::Str(s)) => Some(String::from_utf8(s).unwrap()),
        None => None,
        Some(other) => panic!("json.value gave {other:?}"),
    }
}

fn plan(plugin: &Plugin, convention: CallConvention) -> ExtractPlan {
    let names: Vec<String> = POINTERS.iter().map(|p| format!("json.value[{p}]")).collect();
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.push("ka.verb"); // another field id: never shares json.value's buffer
    ExtractPlan::parse(plugin, &names).unwrap().with_convention(convention)
}

#[test]
fn auditlike_identity() {
    let plugin = load_go("libauditlike.so");
    let info = plugin.info();
    assert_eq!(info.generation, Generation::V3);
    assert_eq!(info.required_api_version, "3.11.0");
    assert_eq!(
        (info.name.as_str(), info.id, info.event_source.as_deref()),
        ("auditlike", Some(12), Some("auditlike"))
    );
    assert_eq!(info.extract_event_sources, ["auditlike"]);
    assert!(info.fields.len() >= 40, "{} fields", info.fields.len());
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
}

#[test]
fn one_field_per_call_gives_each_pointer_its_value() {
    let (plugin, mut state, batch) = record();
    let want = truth(&batch);
    let plan = plan(&plugin, CallConvention::default());
    assert_eq!(plan.convention(), CallConvention::OneFieldPerCall);
    let mut r = ExtractResults::new();
    state.extract(&plan, "auditlike", &batch.event_refs(1), &mut r).unwrap();
    let mut three_distinct = 0;
    for (i, w) in want.iter().enumerate() {
        let got = [cell(&r, i, 0), cell(&r, i, 1), cell(&r, i, 2)];
        assert_eq!(&got, w, "event {}", i + 1);
        assert_eq!(cell(&r, i, 3), w[0], "event {}: ka.verb", i + 1);
        if got.iter().all(Option::is_some) && got[0] != got[1] && got[1] != got[2] && got[0] != got[2] {
            three_distinct += 1;
        }
    }
    // the non-resource requests (/healthz, ...) have no objectRef
    assert!(
        three_distinct > EVENTS * 3 / 4,
        "{three_distinct} events with three distinct values"
    );
    assert!(want.iter().any(|w| w[2].is_none()), "some events have no objectRef");
}

#[test]
fn all_fields_per_call_shows_the_sdk_sharing_one_buffer_per_field_id() {
    let (plugin, mut state, batch) = record();
    let want = truth(&batch);
    let mut r = ExtractResults::new();
    state
        .extract(
            &plan(&plugin, CallConvention::AllFieldsPerCall),
            "auditlike",
            &batch.event_refs(1),
            &mut r,
        )
        .unwrap();
    let mut all_equal = 0;
    for (i, w) in want.iter().enumerate() {
        let got = [cell(&r, i, 0), cell(&r, i, 1), cell(&r, i, 2)];
        // a cell has a value when its own pointer names one (res_len is per field) ...
        let last = w.iter().rev().find_map(Clone::clone);
        for j in 0..3 {
            let expected = w[j].as_ref().and(last.clone());
            // ... but the value is the buffer's: the last pointer of the call that had one
            assert_eq!(got[j], expected, "event {} json.value[{}]", i + 1, POINTERS[j]);
        }
        assert_eq!(cell(&r, i, 3), w[0], "event {}: ka.verb has its own buffer", i + 1);
        if got.iter().all(Option::is_some) && got[0] == got[1] && got[1] == got[2] {
            all_equal += 1;
        }
    }
    let with_resource = want.iter().filter(|w| w[2].is_some()).count();
    assert_eq!(
        all_equal, with_resource,
        "every event with an objectRef shows three equal values"
    );
    assert!(all_equal > EVENTS * 3 / 4);
}
