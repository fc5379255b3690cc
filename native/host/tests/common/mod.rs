//! Shared helpers: fixture paths (the .so files are built by `make -C fixtures/plugins`,
//! `make -C fixtures/plugins/go`, `make -C fixtures/plugins/rust` and
//! `make -C fixtures/plugins/cpp-sdk-examples`; CI builds them before
//! `cargo test`; a missing one fails the test), stream draining, hand-made plugin events, and
//! the test plugins compiled here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use plugin_host::{BatchStatus, EventBatch, EventRef, EventView, ExtractPlan, ExtractResults, Plugin, PluginState};

pub const SEED7_SAMPLES: [u64; 20] = [
    8, 9, 10, 16, 26, 30, 37, 48, 55, 65, 71, 82, 93, 100, 109, 113, 114, 124, 129, 133,
];
pub const GO_SEED42_FIRST: [u64; 10] = [11, 14, 19, 27, 37, 42, 53, 63, 73, 80];

fn build_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plugins/build")
}

/// A C/C++ fixture library; fails with the command that builds it when missing.
pub fn fixture(file: &str) -> PathBuf {
    let p = build_dir().join(file);
    assert!(
        p.exists(),
        "fixture {} is missing: run make -C fixtures/plugins first",
        p.display()
    );
    p
}

/// A Go fixture library.
pub fn go_fixture(file: &str) -> PathBuf {
    let p = build_dir().join("go").join(file);
    assert!(
        p.exists(),
        "Go fixture {} is missing: run make -C fixtures/plugins/go first",
        p.display()
    );
    p
}

/// An example plugin of the official C++ SDK (`lib<example>.so`), built by
/// `make -C fixtures/plugins/cpp-sdk-examples` from the SDK tarball in ../shared/sdk.
pub fn cpp_sdk_fixture(file: &str) -> PathBuf {
    let p = build_dir().join("cpp-sdk").join(file);
    assert!(
        p.exists(),
        "C++ SDK example {} is missing: run make -C fixtures/plugins/cpp-sdk-examples first",
        p.display()
    );
    p
}

/// The Rust SDK fixture (`fixtures/plugins/rust`, falco_plugin 0.5.1).
pub fn rust_fixture(file: &str) -> PathBuf {
    let p = build_dir().join("rust").join(file);
    assert!(
        p.exists(),
        "Rust fixture {} is missing: run make -C fixtures/plugins/rust first",
        p.display()
    );
    p
}

pub fn load(file: &str) -> Plugin {
    Plugin::load(fixture(file)).unwrap_or_else(|e| panic!("loading {file}: {e}"))
}

pub fn load_go(file: &str) -> Plugin {
    Plugin::load(go_fixture(file)).unwrap_or_else(|e| panic!("loading {file}: {e}"))
}

/// Calls next_batch until EOF (at most `limit` calls), returning every event.
pub fn drain(state: &mut PluginState, limit: usize) -> EventBatch {
    let mut out = EventBatch::default();
    for _ in 0..limit {
        match state.next_batch(&mut out).unwrap_or_else(|e| panic!("next_batch: {e}")) {
            BatchStatus::Eof => return out,
            BatchStatus::Events(_) | BatchStatus::Timeout => {}
        }
    }
    panic!("no EOF after {limit} calls");
}

/// The decimal payload of each plugin event, and checks every event is well formed with `id`.
pub fn samples(batch: &EventBatch, id: u32) -> Vec<u64> {
    batch
        .iter()
        .map(|ev| {
            let view = EventView::parse(ev).expect("complete event");
            assert_eq!(view.tid, u64::MAX, "plugin events have tid -1");
            assert_ne!(view.ts, u64::MAX, "ts must be stamped");
            let (pid, payload) = view.plugin_payload().expect("well-formed plugin event");
            assert_eq!(pid, id, "plugin id");
            std::str::from_utf8(payload).unwrap().parse().unwrap()
        })
        .collect()
}

/// A plugin event (ID 3, the dummy source) with `payload`, at `ts`.
pub fn plugin_event(ts: u64, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    scap::plugin_event::encode(&mut v, ts, 3, payload);
    v
}

/// `events` as [`EventRef`]s numbered from 1, as sinsp numbers them.
pub fn event_refs(events: &[Vec<u8>]) -> Vec<EventRef<'_>> {
    events
        .iter()
        .enumerate()
        .map(|(i, b)| EventRef {
            num: i as u64 + 1,
            bytes: b,
        })
        .collect()
}

/// Extracts `plan` from `events` of the dummy source into fresh results.
pub fn extract_dummy(state: &mut PluginState, plan: &ExtractPlan, events: &[EventRef<'_>]) -> ExtractResults {
    let mut r = ExtractResults::new();
    state
        .extract(plan, "dummy", events, &mut r)
        .unwrap_or_else(|e| panic!("extract: {e}"));
    r
}

/// Compiles `tests/plugins/<src>` into `<CARGO_TARGET_TMPDIR>/<lib>` with `cc -shared -fPIC
/// -Wall` and `flags`; `what` names the plugin in the failure messages.
pub fn build_test_plugin(src: &str, lib: &str, flags: &[&str], what: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins").join(src);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(lib);
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-Wall"])
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| panic!("a C compiler (cc) is needed to build {what}: {e}"));
    assert!(status.success(), "building {}", src.display());
    out
}
