//! The official C++ plugin SDK's example plugins (falcosecurity/plugin-sdk-cpp 744287e, API
//! 3.12.0), built by `make -C fixtures/plugins/cpp-sdk-examples`: `plugin_source` (id 999,
//! source "example", "hello world #N" events) and `plugin_extract` (`example.msg`), plus the
//! syscall examples: their info, and their init against the host's state tables (the values
//! they print and extract are compared with libsinsp's by test/tables.test.ts).

mod common;

use common::*;
use plugin_host::{
    CallConvention, EventBatch, EventView, ExtractPlan, ExtractResults, ExtractedValue, FieldArg, FieldType,
    Generation, Plugin, PluginState,
};

const SOURCE_ID: u32 = 999;

fn load_example(name: &str) -> Plugin {
    let path = cpp_sdk_fixture(&format!("lib{name}.so"));
    Plugin::load(&path).unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
}

/// The example's message of event `n` (0-based): the SDK example writes the terminating NUL
/// into the payload too.
fn message(n: usize) -> Vec<u8> {
    format!("hello world #{n}\0").into_bytes()
}

/// Runs `plugin_source` opened with `params` to EOF.
fn record(params: &str) -> (PluginState, EventBatch) {
    let source = load_example("plugin_source");
    let mut state = source.init("").unwrap_or_else(|e| panic!("init: {e}"));
    state.open(params).unwrap_or_else(|e| panic!("open {params:?}: {e}"));
    let batch = drain(&mut state, 10_000);
    (state, batch)
}

fn assert_sdk_3_12(plugin: &Plugin, name: &str) {
    let info = plugin.info();
    assert_eq!(info.name, name);
    assert_eq!(info.version, "0.1.0");
    assert_eq!(info.description, "some description");
    assert_eq!(info.contact, "some contact");
    assert_eq!(info.required_api_version, "3.12.0");
    assert_eq!(info.generation, Generation::V3);
    assert!(info.concurrent_states_allowed);
    assert!(info.init_schema.is_none(), "{name}: the examples have no init schema");
    assert!(info.warnings.is_empty(), "{name}: {:?}", info.warnings);
}

#[test]
fn source_example_info() {
    let p = load_example("plugin_source");
    assert_sdk_3_12(&p, "plugin-source-example");
    let info = p.info();
    let c = info.capabilities;
    assert!(c.sourcing && !c.extraction && !c.parsing && !c.async_events && !c.listening, "{c:?}");
    assert_eq!(info.id, Some(SOURCE_ID));
    assert_eq!(info.event_source.as_deref(), Some("example"));
    assert!(info.fields.is_empty());
    // The SDK at 744287e defines plugin_event_to_string without FALCOSECURITY_EXPORT, inside
    // its C++ namespace: the symbol is mangled, so no framework sees the example's
    // event_to_string ("evt num: N") and libsinsp prints its own "datalen=N data=..." text.
    assert!(!info.symbols.iter().any(|s| s == "plugin_event_to_string"), "{:?}", info.symbols);
}

#[test]
fn extract_example_info() {
    let p = load_example("plugin_extract");
    assert_sdk_3_12(&p, "plugin-extract-example");
    let info = p.info();
    let c = info.capabilities;
    assert!(c.extraction && !c.sourcing && !c.parsing && !c.async_events && !c.listening, "{c:?}");
    assert_eq!(info.id, None);
    assert_eq!(info.extract_event_sources, ["example"]);
    assert_eq!(info.fields.len(), 1);
    let f = &info.fields[0];
    assert_eq!((f.id, f.name.as_str()), (0, "example.msg"));
    assert_eq!(f.field_type, FieldType::String);
    assert!(!f.is_list);
    assert_eq!(f.arg, FieldArg::default(), "example.msg takes no argument");
    assert_eq!(f.display, "Example Message");
    assert_eq!(f.desc, "Message written inside example events");
}

#[test]
fn source_example_events() {
    let (mut state, batch) = record("25");
    assert_eq!(batch.len(), 25, "the open params are the event count");
    let mut last_ts = 0;
    for (n, ev) in batch.iter().enumerate() {
        let view = EventView::parse(ev).expect("a complete event");
        assert_eq!(view.event_type, 322, "PPME_PLUGINEVENT_E");
        assert_eq!(view.nparams, 2);
        assert_eq!(view.tid, u64::MAX, "plugin events have tid -1");
        assert!(view.ts != u64::MAX && view.ts >= last_ts, "ts stamped, in order");
        last_ts = view.ts;
        let (id, payload) = view.plugin_payload().expect("a well-formed plugin event");
        assert_eq!(id, SOURCE_ID, "the host stamps the plugin's id");
        assert_eq!(payload, message(n).as_slice());
    }
    // No exported event_to_string (see source_example_info): the framework's text, and the
    // payload holds a NUL, hence <binary>.
    let events = batch.event_refs(1);
    assert_eq!(state.event_to_string(events[0]).unwrap(), b"datalen=15 data=<binary>");
    assert_eq!(state.event_to_string(events[12]).unwrap(), b"datalen=16 data=<binary>");
    assert_eq!(state.progress().map(|p| (p.pct, p.text)), Some((0, "0.00%".to_string())));
    assert!(state.open_params().unwrap().is_empty());
    // The SDK's logger reaches the host's log function.
    let (logs, dropped) = state.take_logs();
    assert_eq!(dropped, 0);
    assert!(logs.iter().any(|l| l.message == "plugin initialized"), "{logs:?}");
    state.destroy();
}

#[test]
fn source_example_open_params() {
    assert_eq!(record("").1.len(), 1000, "empty params: the example's default of 1000 events");
    assert_eq!(record("3").1.len(), 3);
    // atoi: text that is not a number opens a stream of zero events.
    assert_eq!(record("many").1.len(), 0);
}

#[test]
fn extract_example_fields_one_per_call() {
    let (_source, batch) = record("40");
    let extractor = load_example("plugin_extract");
    let plan = ExtractPlan::parse(&extractor, &["example.msg"]).unwrap();
    assert_eq!(plan.convention(), CallConvention::OneFieldPerCall, "libsinsp's convention is the default");
    let expected = |n: usize| Some(ExtractedValue::Str(message(n)[..message(n).len() - 1].to_vec()));

    let mut state = extractor.init("").unwrap();
    let events = batch.event_refs(1);
    let mut r = ExtractResults::new();
    state.extract(&plan, "example", &events, &mut r).unwrap();
    assert_eq!(r.events(), 40);
    for n in 0..40 {
        assert_eq!(r.get(n, 0).value(), expected(n), "event {n}: the string stops at its NUL");
    }

    // A fresh state in reverse order gives the same values: the field depends on the event only.
    let mut reversed = events.clone();
    reversed.reverse();
    let mut r = ExtractResults::new();
    extractor.init("").unwrap().extract(&plan, "example", &reversed, &mut r).unwrap();
    for n in 0..40 {
        assert_eq!(r.get(n, 0).value(), expected(39 - n));
    }
    state.destroy();
}

/// Their init asks for libsinsp's `threads` table: syscall_parse asks for `tid` as uint64 and
/// syscall_extract for a field only syscall_parse would add, which libsinsp refuses with these
/// texts; syscall_subtables and syscall_async init.
#[test]
fn syscall_examples_init_against_the_threads_table() {
    let init_error = |name: &str| match load_example(name).init("") {
        Ok(_) => panic!("{name} initialised"),
        Err(e) => e.to_string(),
    };
    assert!(init_error("syscall_parse").contains("can't get field: incompatible data types for static field: tid"));
    assert!(init_error("syscall_extract").contains("can't get field: undefined field 'open_evt_count' in table 'threads'"));
    load_example("syscall_subtables").init("").expect("syscall_subtables inits").destroy();
    load_example("syscall_async").init("").expect("syscall_async inits").destroy();
}

/// Loadable, with the capabilities and fields their sources declare.
#[test]
fn syscall_examples_info() {
    let parse = load_example("syscall_parse");
    assert_sdk_3_12(&parse, "syscall-parse-example");
    let c = parse.info().capabilities;
    assert!(c.parsing && c.listening && !c.sourcing && !c.extraction && !c.async_events, "{c:?}");
    assert_eq!(parse.info().parse_event_sources, ["syscall"]);

    let subtables = load_example("syscall_subtables");
    assert_sdk_3_12(&subtables, "syscall-subtables-example");
    let c = subtables.info().capabilities;
    assert!(c.parsing && !c.listening && !c.sourcing && !c.extraction && !c.async_events, "{c:?}");

    let extract = load_example("syscall_extract");
    assert_sdk_3_12(&extract, "syscall-extract-example");
    let info = extract.info();
    assert!(info.capabilities.extraction && !info.capabilities.parsing);
    assert_eq!(info.extract_event_sources, ["syscall"]);
    let fields: Vec<(&str, FieldType)> = info.fields.iter().map(|f| (f.name.as_str(), f.field_type)).collect();
    assert_eq!(fields, [("sample.is_open", FieldType::Bool), ("sample.open_count", FieldType::Uint64)]);

    let async_example = load_example("syscall_async");
    assert_sdk_3_12(&async_example, "syscall-async-example");
    let info = async_example.info();
    assert!(info.capabilities.async_events && info.capabilities.extraction);
    assert_eq!(info.async_events, ["samplenotification"]);
    assert_eq!(info.async_event_sources, ["syscall"]);
    let names: Vec<&str> = info.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["myplugin.geteventname", "myplugin.geteventdata"]);
}
