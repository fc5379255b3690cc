//! The Go fixtures: plugin-sdk-go v0.8.3 (API 3.11), v0.6.2 (2.0), v0.5.0 (1.0), v0.2.0 (0.2),
//! each c-shared library with its own Go runtime, all in this one process.

mod common;

use common::*;
use plugin_host::{CallConvention, ExtractPlan, ExtractedValue, Generation};

const CONFIG: &str = r#"{"jitter": 10, "seed": 42}"#;

/// The Go dummy's sample generator is per library, not per state: tests that read samples of
/// one library take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn drive(file: &str, generation: Generation, required: &str, name: &str) {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let plugin = load_go(file);
    let info = plugin.info();
    assert_eq!(info.generation, generation, "{file}");
    assert_eq!(info.required_api_version, required);
    assert_eq!(info.name, name);
    assert_eq!(info.id, Some(3));
    assert_eq!(info.extract_event_sources, ["dummy"]);
    assert!(
        info.init_schema.as_ref().is_some_and(|s| s.text.contains("draft-07")),
        "{file}"
    );
    assert!(info.warnings.is_empty(), "{file}: {:?}", info.warnings);

    // Schema validation happens before init.
    let e = plugin.init(r#"{"seed": "x"}"#).err().unwrap();
    assert_eq!(e.kind, plugin_host::ErrorKind::InvalidConfig, "{file}: {e}");
    assert!(e.message.contains("/seed"), "{e}");

    let mut state = plugin.init(CONFIG).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(
        state.open_params().unwrap()[0].value,
        r#"{"start": 1, "maxEvents": 20}"#
    );
    state.open(r#"{"start": 1, "maxEvents": 20}"#).unwrap();
    let batch = drain(&mut state, 100);
    // plugin-sdk-go writes plugin_id 0; the host stamps the plugin's ID.
    let got = samples(&batch, 3);
    assert_eq!(got.len(), 20);
    assert_eq!(got[..10], GO_SEED42_FIRST, "{file}");
    assert_eq!(state.progress().map(|p| p.pct), Some(10000));

    let plan = ExtractPlan::parse(&plugin, &["dummy.value", "dummy.strvalue", "dummy.divisible[3]"]).unwrap();
    let events = batch.event_refs(1);
    let r = extract_dummy(&mut state, &plan, &events);
    for (i, s) in got.iter().enumerate() {
        assert_eq!(r.get(i, 0).value(), Some(ExtractedValue::U64(*s)), "{file}");
        assert_eq!(
            r.get(i, 1).value(),
            Some(ExtractedValue::Str(s.to_string().into_bytes())),
            "{file}"
        );
        assert_eq!(
            r.get(i, 2).value(),
            Some(ExtractedValue::U64((s % 3 == 0) as u64)),
            "{file}"
        );
    }
    assert_eq!(
        state.event_to_string(events[0]).unwrap(),
        format!(r#"{{"sample": "{}"}}"#, got[0]).into_bytes()
    );
    let e = {
        state.close();
        state.open(r#"{"maxEvent": 3}"#).unwrap_err()
    };
    assert!(e.plugin_message.is_some(), "{file}: {e}");
    state.destroy();
}

#[test]
fn go_sdk_0_8_api_3_11() {
    drive("libdummy.so", Generation::V3, "3.11.0", "dummy");
    // 3.11 value offsets from the SDK.
    let p = load_go("libdummy.so");
    let mut s = p.init(CONFIG).unwrap();
    assert_eq!(s.extract_event_types(), &plugin_host::EventTypes::Only(vec![322]));
    s.open(r#"{"maxEvents": 2}"#).unwrap();
    let b = drain(&mut s, 10);
    let plan = ExtractPlan::parse(&p, &["dummy.value", "dummy.divisible[2]"])
        .unwrap()
        .with_offsets(true);
    let r = extract_dummy(&mut s, &plan, &b.event_refs(1));
    assert_eq!(r.offsets(0, 0), Some((38, (b.event(0).len() - 38) as u32)));
}

#[test]
fn go_sdk_0_6_api_2() {
    drive("libdummy_sdk06.so", Generation::V2, "2.0.0", "dummy_go_api2");
}

#[test]
fn go_sdk_0_5_api_1() {
    drive("libdummy_sdk05.so", Generation::V1, "1.0.0", "dummy_go_api1");
}

#[test]
fn go_sdk_0_2_api_0_2() {
    // v0.2.0 has 31 cgo handles per process lifetime: init and open only a few times.
    drive("libdummy_sdk02.so", Generation::V0_2, "0.2.0", "dummy_go_api0");
}

#[test]
fn go_maxsample_depends_on_history() {
    let p = load_go("libdummy_maxsample.so");
    let mut s = p.init(CONFIG).unwrap();
    s.open(r#"{"maxEvents": 5}"#).unwrap();
    let b = drain(&mut s, 10);
    let plan = ExtractPlan::parse(&p, &["dummy.value", "dummy.max_sample"]).unwrap();
    let mut events = b.event_refs(1);
    events.reverse();
    let r = extract_dummy(&mut p.init(CONFIG).unwrap(), &plan, &events);
    let last = r.get(0, 0).value();
    for i in 0..5 {
        assert_eq!(
            r.get(i, 1).value(),
            last,
            "reverse order: every event reports the last sample"
        );
    }
}

/// plugin-sdk-go 0.6–0.8 keeps one request/result buffer per field id: two arguments of one
/// field in one `extract_fields` call share the last one's value. libsinsp asks for one field
/// per call, and so does the host by default; the all-fields convention shows the SDK's bug.
#[test]
fn go_sdk_needs_one_field_per_call() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for file in ["libdummy.so", "libdummy_sdk06.so"] {
        let p = load_go(file);
        let mut s = p.init(CONFIG).unwrap();
        s.open(r#"{"maxEvents": 20}"#).unwrap();
        let b = drain(&mut s, 100);
        let got = samples(&b, 3);
        let names = ["dummy.divisible[3]", "dummy.divisible[2]", "dummy.divisible[5]"];
        let divisors = [3, 2, 5];
        let plan = ExtractPlan::parse(&p, &names).unwrap();
        assert_eq!(plan.convention(), CallConvention::OneFieldPerCall);
        let r = extract_dummy(&mut s, &plan, &b.event_refs(1));
        for (i, v) in got.iter().enumerate() {
            for (j, d) in divisors.iter().enumerate() {
                assert_eq!(r.get(i, j).value(), Some(ExtractedValue::U64((v % d == 0) as u64)), "{file} {v} {}", names[j]);
            }
        }
        let batched = ExtractPlan::parse(&p, &names).unwrap().with_convention(CallConvention::AllFieldsPerCall);
        let r = extract_dummy(&mut s, &batched, &b.event_refs(1));
        let shared = (0..got.len()).filter(|&i| r.get(i, 0).value() == r.get(i, 2).value()).count();
        assert_eq!(shared, got.len(), "{file}: with all fields in one call, every argument gets the last one's value");
        let wrong = got.iter().enumerate().filter(|(i, v)| r.get(*i, 0).value() != Some(ExtractedValue::U64((*v % 3 == 0) as u64))).count();
        assert!(wrong > 0, "{file}: the SDK bug should show on 20 samples");
    }
}
