//! Async events and event parsing (3.x), against a small test plugin compiled here
//! (`tests/plugins/async_parse.c`): no project fixture has these capabilities.

mod common;

use std::path::PathBuf;

use common::*;
use plugin_host::{EventBatch, EventRef, EventTypes, ExtractPlan, Plugin};

fn build_plugin() -> PathBuf {
    build_test_plugin(
        "async_parse.c",
        "libhost_async_parse.so",
        &["-O1", "-pthread"],
        "the async/parse test plugin",
    )
}

fn async_name_and_data(ev: &[u8]) -> (String, String) {
    let rec = scap::event::parse_v2_event(ev).unwrap();
    let a = scap::plugin_event::as_async_event(&rec).expect("async event");
    (
        String::from_utf8_lossy(a.name).into_owned(),
        String::from_utf8_lossy(a.data).into_owned(),
    )
}

#[test]
fn async_events_and_parsing() {
    let plugin = Plugin::load(build_plugin()).unwrap();
    let info = plugin.info();
    assert!(info.capabilities.async_events && info.capabilities.parsing && info.capabilities.extraction);
    assert_eq!(info.async_events, ["tick"]);
    assert_eq!(info.async_event_sources, ["dummy"]);

    let mut s = plugin.init("").unwrap();
    // log_fn is passed from 3.3 on.
    let (logs, _) = s.take_logs();
    assert_eq!(logs[0].component.as_deref(), Some("async_parse"));
    assert_eq!(s.parse_event_types(), &EventTypes::Only(vec![322]));

    s.start_async().unwrap();
    s.stop_async(); // joins the plugin's thread
    let mut out = EventBatch::default();
    let (n, rejected) = s.take_async_events(&mut out);
    assert_eq!((n, rejected), (3, 1));
    let got: Vec<(String, String)> = out.iter().map(async_name_and_data).collect();
    assert_eq!(
        got,
        [
            ("tick".into(), "1".into()),
            ("tick".into(), "2".into()),
            ("tick".into(), "3".into())
        ]
    );
    assert!(
        out.iter()
            .all(|e| u64::from_le_bytes(e[0..8].try_into().unwrap()) != u64::MAX),
        "ts stamped at receipt"
    );
    assert_eq!(
        s.last_error().as_deref(),
        Some("handler refused tock: async event name \"tock\" is not one of get_async_events")
    );

    let mut dump = EventBatch::default();
    assert_eq!(s.dump_state(&mut dump).unwrap(), 1);
    assert_eq!(async_name_and_data(dump.event(0)).1, "dump");

    // Parsing: plugin events are sent, other types are not; the parse count shows in a field.
    let plugin_ev = plugin_event(1, b"x");
    let mut other = plugin_ev.clone();
    other[20..22].copy_from_slice(&1u16.to_le_bytes());
    assert!(s
        .parse_event(
            "dummy",
            EventRef {
                num: 1,
                bytes: &plugin_ev
            }
        )
        .unwrap());
    assert!(!s.parse_event("dummy", EventRef { num: 2, bytes: &other }).unwrap());
    assert!(s
        .parse_event(
            "dummy",
            EventRef {
                num: 3,
                bytes: &plugin_ev
            }
        )
        .unwrap());
    let plan = ExtractPlan::parse(&plugin, &["ap.parsed"]).unwrap();
    let r = extract_dummy(
        &mut s,
        &plan,
        &[EventRef {
            num: 3,
            bytes: &plugin_ev,
        }],
    );
    assert_eq!(r.get(0, 0).to_string(), "2");

    // Started again, then dropped: the drop stops the plugin before destroying it.
    s.start_async().unwrap();
    drop(s);
}
