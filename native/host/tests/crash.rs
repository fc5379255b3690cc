//! A plugin that crashes its process: the child (this test binary, re-executed) records what it
//! was doing in a shared region; the parent reads it after the child died.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use common::*;
use plugin_host::crash::{self, CrashRegion};
use plugin_host::{ExtractPlan, ExtractResults};

const REGION_ENV: &str = "SCAPTOOL_HOST_CRASH_REGION";
const HANDLER_ENV: &str = "SCAPTOOL_HOST_CRASH_HANDLER";

/// The child: does nothing unless re-executed by `crash_is_recorded`.
#[test]
fn crash_child() {
    let Ok(region) = std::env::var(REGION_ENV) else { return };
    CrashRegion::create(Path::new(&region)).unwrap().install();
    if std::env::var(HANDLER_ENV).is_ok() {
        crash::install_fatal_signal_handler().unwrap();
    }
    let p = load("libbad_crash_extract.so");
    let mut s = p.init(r#"{"crash_at": 3}"#).unwrap();
    let plan = ExtractPlan::parse(&p, &["crash.value"]).unwrap();
    let evs: Vec<Vec<u8>> = (1..=5u64).map(|i| plugin_event(i, i.to_string().as_bytes())).collect();
    let refs = event_refs(&evs);
    let mut r = ExtractResults::new();
    // Events one at a time, as a replay would: 1 and 2 succeed, 3 crashes.
    for ev in &refs {
        s.extract(&plan, "dummy", std::slice::from_ref(ev), &mut r).unwrap();
        assert_eq!(r.get(0, 0).to_string(), ev.num.to_string());
    }
    panic!("the plugin did not crash");
}

fn run_child(with_handler: bool) -> (std::process::Output, Vec<crash::CrashRecord>) {
    let dir = std::env::temp_dir().join(format!("scaptool-crash-{}-{with_handler}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let region = dir.join("region");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(REGION_ENV, &region);
    if with_handler {
        cmd.env(HANDLER_ENV, "1");
    }
    let out = cmd.output().unwrap();
    let records = crash::read_records(&region).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (out, records)
}

#[test]
fn crash_is_recorded() {
    for with_handler in [true, false] {
        let (out, records) = run_child(with_handler);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGSEGV),
            "the child must die of SIGSEGV: {:?}\n{stderr}",
            out.status
        );
        assert_eq!(records.len(), 1, "{records:?}");
        let r = &records[0];
        assert_eq!(r.plugin, "bad_crash_extract");
        assert_eq!(r.operation, "extract");
        assert_eq!(r.evtnum, Some(3));
        assert_eq!(r.field.as_deref(), Some("crash.value"));
        assert_ne!(r.pid, std::process::id());
        if with_handler {
            assert!(
                stderr.contains("scaptool: fatal SIGSEGV in plugin 'bad_crash_extract' during extract of event 3 (field crash.value)"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn no_record_outside_plugin_calls() {
    let path = std::env::temp_dir().join(format!("scaptool-crash-idle-{}", std::process::id()));
    // Not installed: a fresh region has no busy slot.
    let _region = CrashRegion::create(&path).unwrap();
    assert!(crash::read_records(&path).unwrap().is_empty());
    std::fs::remove_file(&path).ok();
}
