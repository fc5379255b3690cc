//! The Rust SDK fixture (`fixtures/plugins/rust`: dummy_rs on falco_plugin 0.5.1, API 3.11).
//!
//! With libsinsp's convention (one field per `extract_fields` call, the default) every field
//! has the dummy semantics' value. With every field in one call the SDK's extraction arena
//! gives wrong values: it writes each result into a bump arena and frees the buffers of
//! numbers, booleans, times and lists when the field's extractor returns, so the next field
//! of the same call overwrites them. Strings and single addresses survive.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use common::*;
use plugin_host::{
    CallConvention, ErrorKind, EventView, ExtractErrorKind, ExtractPlan, ExtractResults, ExtractedValue, Generation,
    Plugin, PluginState,
};

const CONFIG: &str = r#"{"jitter": 10, "seed": 7}"#;
const PARAMS: &str = r#"{"start": 1, "maxEvents": 20}"#;
const PLUGIN_ID: u32 = 11;

/// Every field, with several arguments for those that take one.
const ALL_FIELDS: [&str; 21] = [
    "dummy_rs.value",
    "dummy_rs.strvalue",
    "dummy_rs.even",
    "dummy_rs.divisible[3]",
    "dummy_rs.divisible[2]",
    "dummy_rs.divisible[5]",
    "dummy_rs.divisible[0]",
    "dummy_rs.mod",
    "dummy_rs.mod[7]",
    "dummy_rs.reltime",
    "dummy_rs.abstime",
    "dummy_rs.ipv4",
    "dummy_rs.ipv6",
    "dummy_rs.net",
    "dummy_rs.digits",
    "dummy_rs.words",
    "dummy_rs.key[dec]",
    "dummy_rs.key[hex]",
    "dummy_rs.key[oct]",
    "dummy_rs.key[bin]",
    "dummy_rs.key[zz]",
];

const WORDS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

fn load_rust() -> Plugin {
    Plugin::load(rust_fixture("libdummy_rs.so")).unwrap_or_else(|e| panic!("loading libdummy_rs.so: {e}"))
}

fn str_value(s: impl Into<String>) -> ExtractedValue {
    ExtractedValue::Str(s.into().into_bytes())
}

/// The dummy semantics' value of `field` for `sample` in an event stamped `ts` (None: absent).
fn expected(field: &str, sample: u64, ts: u64) -> Option<ExtractedValue> {
    let (name, arg) = match field.split_once('[') {
        Some((n, a)) => (n, a.strip_suffix(']')),
        None => (field, None),
    };
    let index = || arg.map(|a| a.parse::<u64>().unwrap());
    let digits = || {
        sample
            .to_string()
            .bytes()
            .map(|d| usize::from(d - b'0'))
            .collect::<Vec<_>>()
    };
    Some(match name {
        "dummy_rs.value" => ExtractedValue::U64(sample),
        "dummy_rs.strvalue" => str_value(sample.to_string()),
        "dummy_rs.even" => ExtractedValue::Bool(sample.is_multiple_of(2)),
        "dummy_rs.divisible" => ExtractedValue::U64(sample.checked_rem(index().unwrap())?.eq(&0) as u64),
        "dummy_rs.mod" => ExtractedValue::U64(sample.checked_rem(index().unwrap_or(10))?),
        "dummy_rs.reltime" => ExtractedValue::RelTime(sample * 1000),
        "dummy_rs.abstime" => ExtractedValue::AbsTime(ts),
        "dummy_rs.ipv4" => ExtractedValue::IpAddr(IpAddr::V4(Ipv4Addr::from((10 << 24) | (sample as u32 & 0xff_ffff)))),
        "dummy_rs.ipv6" => {
            ExtractedValue::IpAddr(IpAddr::V6(Ipv6Addr::from((0x2001_0db8u128 << 96) | u128::from(sample))))
        }
        "dummy_rs.net" => ExtractedValue::IpNet(IpAddr::V4(Ipv4Addr::new(192, 168, sample as u8, 0))),
        "dummy_rs.digits" => {
            ExtractedValue::List(digits().into_iter().map(|d| ExtractedValue::U64(d as u64)).collect())
        }
        "dummy_rs.words" => ExtractedValue::List(digits().into_iter().map(|d| str_value(WORDS[d])).collect()),
        "dummy_rs.key" => str_value(match arg.unwrap() {
            "dec" => format!("{sample}"),
            "hex" => format!("{sample:x}"),
            "oct" => format!("{sample:o}"),
            "bin" => format!("{sample:b}"),
            _ => return None,
        }),
        other => panic!("no expectation for {other}"),
    })
}

/// A state opened on the 20 seed-7 events, the events, and each event's ts.
fn seed7_events() -> (Plugin, PluginState, plugin_host::EventBatch, Vec<u64>) {
    let plugin = load_rust();
    let mut state = plugin.init(CONFIG).unwrap_or_else(|e| panic!("init: {e}"));
    state.open(PARAMS).unwrap_or_else(|e| panic!("open: {e}"));
    let batch = drain(&mut state, 100);
    let ts = batch.iter().map(|ev| EventView::parse(ev).unwrap().ts).collect();
    (plugin, state, batch, ts)
}

fn extract(state: &mut PluginState, plan: &ExtractPlan, batch: &plugin_host::EventBatch) -> ExtractResults {
    extract_dummy(state, plan, &batch.event_refs(1))
}

#[test]
fn rust_sdk_plugin_info() {
    let plugin = load_rust();
    let info = plugin.info();
    assert_eq!(info.generation, Generation::V3);
    assert_eq!(info.required_api_version, "3.11.0", "the SDK's API version");
    assert_eq!(info.name, "dummy_rs");
    assert_eq!(info.id, Some(PLUGIN_ID));
    assert_eq!(info.event_source.as_deref(), Some("dummy"));
    assert_eq!(info.extract_event_sources, ["dummy"]);
    assert!(info.capabilities.sourcing && info.capabilities.extraction);
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    let table: Vec<(&str, &str, bool)> = info
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.field_type.name(), f.is_list))
        .collect();
    assert_eq!(
        table,
        [
            ("dummy_rs.value", "uint64", false),
            ("dummy_rs.strvalue", "string", false),
            ("dummy_rs.even", "bool", false),
            ("dummy_rs.divisible", "uint64", false),
            ("dummy_rs.mod", "uint64", false),
            ("dummy_rs.reltime", "reltime", false),
            ("dummy_rs.abstime", "abstime", false),
            ("dummy_rs.ipv4", "ipaddr", false),
            ("dummy_rs.ipv6", "ipaddr", false),
            ("dummy_rs.net", "ipnet", false),
            ("dummy_rs.digits", "uint64", true),
            ("dummy_rs.words", "string", true),
            ("dummy_rs.key", "string", false),
        ]
    );
    let arg = |i: usize| &info.fields[i].arg;
    assert!(arg(3).is_required && arg(3).is_index, "divisible: required index");
    assert!(!arg(4).is_required && arg(4).is_index, "mod: optional index");
    assert!(arg(12).is_required && arg(12).is_key, "key: required key");
    assert!(info.fields[0].add_output, "dummy_rs.value is a suggested output field");
    assert!(
        info.init_schema.is_some(),
        "the SDK derives an init schema from the config type"
    );

    let mut state = plugin.init(CONFIG).unwrap();
    let params: Vec<String> = state.open_params().unwrap().into_iter().map(|p| p.value).collect();
    assert_eq!(
        params,
        [r#"{"start":1,"maxEvents":20}"#, r#"{"start":100,"maxEvents":1000}"#]
    );
    state.destroy();
}

/// The same generator as every C/C++ dummy: seed 7 gives the same 20 samples, with plugin ID 11,
/// tid -1 and a timestamp; a new open starts again from the seed.
#[test]
fn rust_sdk_samples_are_the_dummy_samples() {
    let (_plugin, mut state, batch, _) = seed7_events();
    assert_eq!(samples(&batch, PLUGIN_ID), SEED7_SAMPLES);
    let progress = state.progress().unwrap();
    assert_eq!((progress.pct, progress.text.as_str()), (10000, "100.00%"));
    let events = batch.event_refs(1);
    assert_eq!(state.event_to_string(events[0]).unwrap(), br#"{"sample": "8"}"#);
    state.close();
    state.open(PARAMS).unwrap();
    assert_eq!(samples(&drain(&mut state, 100), PLUGIN_ID), SEED7_SAMPLES);
}

#[test]
fn rust_sdk_every_field_one_per_call() {
    let (plugin, mut state, batch, ts) = seed7_events();
    let plan = ExtractPlan::parse(&plugin, &ALL_FIELDS).unwrap();
    assert_eq!(
        plan.convention(),
        CallConvention::OneFieldPerCall,
        "libsinsp's convention is the default"
    );
    let r = extract(&mut state, &plan, &batch);
    for (i, sample) in SEED7_SAMPLES.iter().enumerate() {
        for (j, field) in ALL_FIELDS.iter().enumerate() {
            match expected(field, *sample, ts[i]) {
                Some(v) => assert_eq!(
                    r.get(i, j).value(),
                    Some(v),
                    "sample {sample}, {field}: {}",
                    r.get(i, j)
                ),
                None => assert!(r.get(i, j).is_absent(), "sample {sample}, {field}: {}", r.get(i, j)),
            }
        }
    }
}

/// 3.11 value offsets: value and strvalue point at the payload; computed fields have none.
#[test]
fn rust_sdk_value_offsets() {
    let (plugin, mut state, batch, _) = seed7_events();
    let plan = ExtractPlan::parse(&plugin, &["dummy_rs.value", "dummy_rs.strvalue", "dummy_rs.even"])
        .unwrap()
        .with_offsets(true);
    let r = extract(&mut state, &plan, &batch);
    for (i, sample) in SEED7_SAMPLES.iter().enumerate() {
        let payload = (38, sample.to_string().len() as u32);
        assert_eq!(r.offsets(i, 0), Some(payload), "dummy_rs.value of {sample}");
        assert_eq!(r.offsets(i, 1), Some(payload), "dummy_rs.strvalue of {sample}");
        assert_eq!(r.offsets(i, 2), None, "dummy_rs.even of {sample}");
    }
}

/// Payloads other than the generator's: leading zeros are a sample, anything else has no value.
#[test]
fn rust_sdk_hand_made_payloads() {
    let plugin = load_rust();
    let mut state = plugin.init("").unwrap();
    let evs = [
        plugin_event(5000, b"0042"),
        plugin_event(5001, b"4x"),
        plugin_event(5002, b""),
    ];
    let plan = ExtractPlan::parse(&plugin, &ALL_FIELDS).unwrap();
    let r = extract_dummy(&mut state, &plan, &event_refs(&evs));
    for (j, field) in ALL_FIELDS.iter().enumerate() {
        match expected(field, 42, 5000) {
            Some(v) => assert_eq!(r.get(0, j).value(), Some(v), "{field}"),
            None => assert!(r.get(0, j).is_absent(), "{field}"),
        }
        assert!(r.get(1, j).is_absent(), "{field} of '4x': {}", r.get(1, j));
        assert!(r.get(2, j).is_absent(), "{field} of '': {}", r.get(2, j));
    }
}

#[test]
fn rust_sdk_config_and_params_errors() {
    let plugin = load_rust();
    // The host validates against the SDK-derived schema before init, as libsinsp does.
    for bad in [r#"{"seed": "x"}"#, r#"{"jiter": 1}"#, r#"{"jitter": -1}"#] {
        let e = plugin.init(bad).err().unwrap_or_else(|| panic!("{bad} accepted"));
        assert_eq!(e.kind, ErrorKind::InvalidConfig, "{bad}: {e}");
    }
    let mut state = plugin.init("{}").unwrap();
    let e = state.open(r#"{"maxEvent": 3}"#).unwrap_err();
    let text = e.plugin_message.clone().unwrap_or_default();
    assert!(text.contains("unknown field `maxEvent`"), "{e}");
    assert!(state.open("garbage").unwrap_err().plugin_message.is_some());
    state.open(r#"{"maxEvents": 3}"#).unwrap();
    assert_eq!(drain(&mut state, 10).len(), 3);
}

/// The issue's symptoms: a uint64 extracted in one call before a string is garbage, a bool is an
/// extraction error; with one field per call both are right.
#[test]
fn rust_sdk_needs_one_field_per_call() {
    let (plugin, mut state, batch, _) = seed7_events();
    for pair in [
        ["dummy_rs.value", "dummy_rs.strvalue"],
        ["dummy_rs.even", "dummy_rs.strvalue"],
    ] {
        let one = ExtractPlan::parse(&plugin, &pair).unwrap();
        let r = extract(&mut state, &one, &batch);
        for (i, s) in SEED7_SAMPLES.iter().enumerate() {
            assert_eq!(r.get(i, 0).value(), expected(pair[0], *s, 0), "one per call: {pair:?}");
            assert_eq!(r.get(i, 1).value(), expected(pair[1], *s, 0), "one per call: {pair:?}");
        }
    }

    let all = |fields: &[&str]| {
        ExtractPlan::parse(&plugin, fields)
            .unwrap()
            .with_convention(CallConvention::AllFieldsPerCall)
    };
    let r = extract(&mut state, &all(&["dummy_rs.value", "dummy_rs.strvalue"]), &batch);
    for (i, s) in SEED7_SAMPLES.iter().enumerate() {
        let value = r.get(i, 0).value();
        assert!(
            matches!(value, Some(ExtractedValue::U64(v)) if v != *s),
            "sample {s}: the uint64 before a string should be garbage, got {}",
            r.get(i, 0)
        );
        assert_eq!(
            r.get(i, 1).value(),
            Some(str_value(s.to_string())),
            "the string survives"
        );
    }
    let r = extract(&mut state, &all(&["dummy_rs.even", "dummy_rs.strvalue"]), &batch);
    for (i, s) in SEED7_SAMPLES.iter().enumerate() {
        let cell = r.get(i, 0);
        let e = cell.error().unwrap_or_else(|| panic!("sample {s}: even gave {cell}"));
        assert_eq!(e.kind, ExtractErrorKind::PluginFault);
        assert!(e.message.contains("is neither 0 nor 1"), "{}", e.message);
    }

    // Every field in one call: the strings and single addresses survive, and so does the last
    // field; the other results of every event are overwritten by later fields. (words is last:
    // a string list before another field crashes, see rust_sdk_all_fields_can_crash_the_host.)
    let fields: Vec<&str> = ALL_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "dummy_rs.words")
        .chain(["dummy_rs.words"])
        .collect();
    let one = extract(&mut state, &ExtractPlan::parse(&plugin, &fields).unwrap(), &batch);
    let r = extract(&mut state, &all(&fields), &batch);
    for (i, s) in SEED7_SAMPLES.iter().enumerate() {
        let mut wrong = Vec::new();
        for (j, field) in fields.iter().enumerate() {
            let survives = j + 1 == fields.len()
                || ["strvalue", "ipv4", "ipv6", "net", "key["]
                    .iter()
                    .any(|k| field.contains(k));
            let same =
                r.get(i, j).value() == one.get(i, j).value() && r.get(i, j).is_absent() == one.get(i, j).is_absent();
            if survives {
                assert!(
                    same,
                    "sample {s}, {field}: {} in one call, {} alone",
                    r.get(i, j),
                    one.get(i, j)
                );
            } else if !same {
                wrong.push(*field);
            }
        }
        assert!(!wrong.is_empty(), "sample {s}: every field came back right in one call");
    }
    let value = fields.iter().position(|f| *f == "dummy_rs.value").unwrap();
    assert!(
        (0..20).all(|i| r.get(i, value).value() != one.get(i, value).value()),
        "dummy_rs.value is never right"
    );
}

const CRASH_ENV: &str = "SCAPTOOL_RUST_SDK_CRASH_CHILD";

/// The child of `rust_sdk_all_fields_can_crash_the_host`: does nothing unless re-executed by it.
#[test]
fn rust_sdk_crash_child() {
    if std::env::var(CRASH_ENV).is_err() {
        return;
    }
    let (plugin, mut state, batch, _) = seed7_events();
    let plan = ExtractPlan::parse(&plugin, &["dummy_rs.words", "dummy_rs.value"])
        .unwrap()
        .with_convention(CallConvention::AllFieldsPerCall);
    let r = extract(&mut state, &plan, &batch);
    panic!("no crash: {} {}", r.get(0, 0), r.get(0, 1));
}

/// A list of strings before a uint64 in one call: the SDK has freed the list's pointer array,
/// the uint64 is written over it, and the host reads the sample as a string pointer: SIGSEGV.
#[test]
fn rust_sdk_all_fields_can_crash_the_host() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["rust_sdk_crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_ENV, "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGSEGV),
        "expected SIGSEGV; status {:?}, stderr {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The same two fields, one per call, are right.
    let (plugin, mut state, batch, _) = seed7_events();
    let r = extract(
        &mut state,
        &ExtractPlan::parse(&plugin, &["dummy_rs.words", "dummy_rs.value"]).unwrap(),
        &batch,
    );
    assert_eq!(r.get(0, 0).value(), expected("dummy_rs.words", 8, 0));
    assert_eq!(r.get(0, 1).value(), Some(ExtractedValue::U64(8)));
}
