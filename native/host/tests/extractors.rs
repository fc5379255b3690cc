//! Extractor-only plugins: dummyx_api0_3 (0.3.0, get_type 2) and dummyx3 (3.0.0, every field
//! type, lists, key and index arguments, many fields per call), across its semver variants.

mod common;

use common::*;
use plugin_host::{EventRef, ExtractPlan, ExtractResults, ExtractedValue, FieldOutcome, FieldType, Generation, Plugin};

fn render(o: FieldOutcome<'_>) -> String {
    o.to_string()
}

const ALL_X3: [&str; 18] = [
    "dummyx3.value",
    "dummyx3.is_even",
    "dummyx3.reltime",
    "dummyx3.ts",
    "dummyx3.ipv4",
    "dummyx3.ipv6",
    "dummyx3.net4",
    "dummyx3.net6",
    "dummyx3.digits",
    "dummyx3.words",
    "dummyx3.repr[dec]",
    "dummyx3.repr[hex]",
    "dummyx3.repr[oct]",
    "dummyx3.repr[bin]",
    "dummyx3.repr[nope]",
    "dummyx3.digit[2]",
    "dummyx3.digit[9]",
    "dummyx3.mod",
];

fn extract_all(plugin: &Plugin, fields: &[&str], events: &[Vec<u8>]) -> Vec<Vec<String>> {
    let plan = ExtractPlan::parse(plugin, fields).unwrap();
    let r = extract_dummy(&mut plugin.init("").unwrap(), &plan, &event_refs(events));
    (0..events.len())
        .map(|e| (0..fields.len()).map(|f| render(r.get(e, f))).collect())
        .collect()
}

#[test]
fn dummyx3_every_type() {
    let p = load("libdummyx3_1_0_0.so");
    let info = p.info();
    assert_eq!(info.generation, Generation::V3);
    assert!(info.capabilities.extraction && !info.capabilities.sourcing);
    assert_eq!(info.extract_event_sources, ["dummy"]);
    let types: Vec<FieldType> = info.fields.iter().map(|f| f.field_type).collect();
    for t in [
        FieldType::Bool,
        FieldType::Reltime,
        FieldType::Abstime,
        FieldType::Ipaddr,
        FieldType::Ipnet,
    ] {
        assert!(types.contains(&t));
    }
    let got = extract_all(&p, &ALL_X3, &[plugin_event(5000, b"1234")]);
    assert_eq!(
        got[0],
        [
            "1234",
            "true",
            "1234000ns",
            "1970-01-01T00:00:00.000005000Z",
            "10.0.4.210",
            "2001:db8::4d2",
            "10.0.4.0",
            "2001:db8:0:4d2::",
            "[1,2,3,4]",
            r#"["one","two","three","four"]"#,
            r#""1234""#,
            r#""0x4d2""#,
            r#""0o2322""#,
            r#""0b10011010010""#,
            "<absent>",
            "3",
            "<absent>",
            "4",
        ]
    );
}

#[test]
fn dummyx3_values_and_arguments() {
    let p = load("libdummyx3_1_0_0.so");
    let events = [
        plugin_event(1, b"1234"),
        plugin_event(2, b"00042"),
        plugin_event(3, b"not a number"),
    ];
    let got = extract_all(
        &p,
        &[
            "dummyx3.mod[7]",
            "dummyx3.mod[1]",
            "dummyx3.mod[0]",
            "dummyx3.is_even",
            "dummyx3.digits",
        ],
        &events,
    );
    assert_eq!(got[0], ["2", "0", "<absent>", "true", "[1,2,3,4]"]);
    assert_eq!(got[1], ["0", "0", "<absent>", "true", "[4,2]"]);
    assert_eq!(got[2], ["<absent>"; 5]);

    // The typed values, not just their text.
    let plan = ExtractPlan::parse(&p, &["dummyx3.words", "dummyx3.ipv6"]).unwrap();
    let ev = plugin_event(9, b"12");
    let r = extract_dummy(&mut p.init("{}").unwrap(), &plan, &[EventRef { num: 1, bytes: &ev }]);
    assert_eq!(
        r.get(0, 0).value(),
        Some(ExtractedValue::List(vec![
            ExtractedValue::Str(b"one".to_vec()),
            ExtractedValue::Str(b"two".to_vec())
        ]))
    );
    let FieldOutcome::Value(v) = r.get(0, 1) else { panic!() };
    assert!(!v.is_list());
    assert_eq!(
        v.first(),
        Some(plugin_host::ValueRef::IpAddr("2001:db8::c".parse().unwrap()))
    );
}

#[test]
fn argument_rules_follow_the_framework() {
    let p = load("libdummyx3_1_0_0.so");
    let err = |f: &str| ExtractPlan::parse(&p, &[f]).unwrap_err().message;
    assert!(err("dummyx3.repr").contains("requires an argument"));
    assert!(err("dummyx3.digit").contains("requires an argument"));
    assert!(err("dummyx3.digit[02]").contains("must be an index"));
    assert!(err("dummyx3.digit[x]").contains("must be an index"));
    assert!(err("dummyx3.digit[99999999999999999999]").contains("must be an index"));
    assert!(err("dummyx3.value[1]").contains("does not take an argument"));
    assert!(err("dummyx3.repr[dec").contains("unbalanced"));
    assert!(err("dummyx3.nope").contains("has no field 'dummyx3.nope'"));
    assert!(ExtractPlan::parse(&p, &["dummyx3.digit[0]", "dummyx3.mod"]).is_ok());
}

#[test]
fn events_the_plugin_did_not_ask_for_are_never_sent() {
    let p = load("libdummyx3_1_0_0.so");
    // A non-plugin event type (the default event types of a "dummy"-only extractor are [322]).
    let mut other = plugin_event(1, b"12");
    other[20..22].copy_from_slice(&1u16.to_le_bytes());
    let got = extract_all(&p, &["dummyx3.value"], &[other, b"short".to_vec()]);
    assert_eq!(got[0], ["<absent>"]);
    assert_eq!(got[1], ["<error: not a complete v2 event>"]);
}

#[test]
fn semver_variants() {
    let ev = [plugin_event(0, b"1234")];
    let fields = |p: &Plugin| p.info().fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    let base = load("libdummyx3_1_0_0.so");
    let v110 = load("libdummyx3_1_1_0.so");
    assert_eq!(v110.info().version, "1.1.0");
    assert_eq!(fields(&v110).len(), fields(&base).len() + 1);
    assert_eq!(extract_all(&v110, &["dummyx3.hex"], &ev)[0], [r#""0x4d2""#]);
    assert_eq!(load("libdummyx3_1_0_1.so").info().parsed_version.patch, 1);
    let v200 = load("libdummyx3_2_0_0.so");
    assert_eq!(v200.info().fields[0].field_type, FieldType::String);
    assert_eq!(extract_all(&v200, &["dummyx3.value"], &ev)[0], [r#""1234""#]);
    assert_eq!(
        extract_all(&load("libdummyx3_1_0_2.so"), &["dummyx3.reltime"], &ev)[0],
        ["1234000000ns"]
    );
    assert!(!fields(&load("libdummyx3_1_1_1.so")).contains(&"dummyx3.words".to_string()));
}

#[test]
fn api_0_3_extractor() {
    let p = load("libdummyx_api0_3.so");
    let info = p.info();
    assert_eq!(info.generation, Generation::V0_3);
    assert_eq!(info.plugin_type, Some(2));
    assert!(info.capabilities.extraction && !info.capabilities.sourcing);
    assert!(info.fields.iter().all(|f| f.arg.legacy_text && !f.arg.is_required));
    let got = extract_all(
        &p,
        &["dummyx.double", "dummyx.parity", "dummyx.double[ignored]"],
        &[plugin_event(0, b"21"), plugin_event(0, b"x")],
    );
    assert_eq!(got[0], ["42", r#""odd""#, "42"]);
    assert_eq!(got[1], ["<absent>"; 3]);
    let e = p.init(r#"{"x": 1}"#).err().unwrap();
    assert!(e.plugin_message.unwrap().contains("unknown key"), "the plugin explains");
}

#[test]
fn results_are_reused_between_batches() {
    let p = load("libdummyx3_1_0_0.so");
    let plan = ExtractPlan::parse(&p, &["dummyx3.words", "dummyx3.value"]).unwrap();
    let mut s = p.init("").unwrap();
    let mut r = ExtractResults::new();
    for round in 0..3u64 {
        let evs: Vec<Vec<u8>> = (0..100)
            .map(|i| plugin_event(i, (round * 1000 + i).to_string().as_bytes()))
            .collect();
        s.extract(&plan, "dummy", &event_refs(&evs), &mut r).unwrap();
        assert_eq!(r.events(), 100);
        assert_eq!(r.get(99, 1).value(), Some(ExtractedValue::U64(round * 1000 + 99)));
    }
}
