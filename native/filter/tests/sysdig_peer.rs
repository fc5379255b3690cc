//! Differential test against Debian's sysdig 0.29.3 (2022 libsinsp) on
//! fixtures/captures/dummy_c-sysdig.scap with the dummy_c plugin: the same filters and formats
//! are run by sysdig and by this crate (on the values sysdig prints), and must agree.
//!
//! Only filters whose meaning is the same in sysdig 0.29.3 and in current libsinsp are used
//! (0.29.3 refuses to mix `and`/`or` without brackets, reads `not not x` as `not x`, has no `==`, no
//! `regex`/`iglob`/`bcontains`, and accepts `x > ''`).
//!
//! Skipped (with a note on stderr) when `sysdig` is not installed or the fixture plugins are not
//! built (`make -C fixtures/plugins`).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use scap_filter::*;

fn plugins_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plugins")
}

fn available() -> bool {
    let dir = plugins_dir();
    let ok = Command::new("sysdig")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && dir.join("build/libdummy_c.so").exists()
        && dir.join("build/libdummyx_api0_3.so").exists()
        && dir.join("../captures/dummy_c-sysdig.scap").exists();
    // A skipped peer test is a set-up failure, not a pass: install sysdig and build the fixtures.
    assert!(ok, "sysdig_peer needs Debian's sysdig (scripts/install-system-deps.sh) and `make -C fixtures/plugins`");
    ok
}

fn sysdig(format: &str, filter: Option<&str>, json: bool) -> String {
    let mut cmd = Command::new("sysdig");
    cmd.current_dir(plugins_dir()).env("TZ", "UTC").args([
        "--plugin-config-file",
        "dummy_c/sysdig-plugins.yaml",
        "-r",
        "../captures/dummy_c-sysdig.scap",
    ]);
    if json {
        cmd.arg("-j");
    }
    cmd.args(["-p", format]);
    if let Some(f) = filter {
        cmd.arg(f);
    }
    let out = cmd.output().expect("sysdig runs");
    assert!(
        out.status.success(),
        "sysdig {format:?} {filter:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn filters_agree_with_sysdig() {
    if !available() {
        return;
    }
    // the fixture's values are the ones the other tests hard-code
    let dump = sysdig(
        "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]",
        None,
        false,
    );
    let rows: Vec<(u64, u64, u64)> = dump
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f[1], f[2]);
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, DUMMY_EVENTS.to_vec());

    let filters = [
        "evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1",
        "dummy.divisible[3] = 1",
        "dummy.divisible[5] = 1 or dummy.divisible[7] = 1",
        "not dummy.divisible[3] = 1",
        "dummy.divisible[0] != 1",
        "not dummy.divisible[0] = 1",
        "dummy.divisible[0] exists",
        "not dummy.divisible[0] exists",
        "dummy.value = 16",
        "dummy.value != 16",
        "dummy.value < 30",
        "dummy.value <= 30",
        "dummy.value > 100",
        "dummy.value >= 100",
        "dummy.value in (8, 9, 100)",
        "dummy.value = +8",
        "dummy.value = ' 8'",
        "dummy.value = -1",
        "dummy.value = 99999999999999999999999",
        "dummy.strvalue = 16",
        "dummy.strvalue != 16",
        "dummy.strvalue < 2",
        "dummy.strvalue >= 5",
        "dummy.strvalue contains 1",
        "dummy.strvalue icontains 1",
        "dummy.strvalue startswith 1",
        "dummy.strvalue endswith 0",
        "dummy.strvalue glob '1*0'",
        "dummy.strvalue glob '[0-1]?'",
        "dummy.strvalue glob '[!1]*'",
        "dummy.strvalue glob '*'",
        "dummy.strvalue in (8, 9, 100)",
        "dummy.strvalue in (\"16\", '8')",
        "dummy.strvalue in ()",
        "dummy.strvalue pmatch (16, 8)",
        "dummy.strvalue pmatch (1)",
        "dummy.strvalue pmatch (/)",
        "dummy.strvalue exists",
        "not dummy.strvalue exists",
        "dummy.strvalue contains ''",
        "dummy.strvalue startswith ''",
        "(dummy.value < 30 or dummy.value > 100) and dummy.divisible[2] = 1",
        "not (dummy.value < 30 or dummy.value > 100)",
        "not(dummy.strvalue=16) and dummy.value<10",
        "evt.num in (1,2)",
        "evt.num<3",
        "((evt.num > 2) and (evt.num < 6))",
        "dummyx.double = 32",
        "dummyx.parity = odd and dummy.value > 100",
    ];
    // dummyx (the API 0.3 extractor loaded next to dummy_c): double = 2*value, parity = even/odd
    let resolver = |name: &str, arg: Option<&str>, pos: Pos| match name {
        "dummyx.double" => Ok(ResolvedField::new(200, FieldType::Uint64, false)),
        "dummyx.parity" => Ok(ResolvedField::new(201, FieldType::String, false)),
        _ => resolve(name, arg, pos),
    };
    struct X(DummyEvent, Vec<u8>);
    impl FieldValues for X {
        fn get(&self, id: u32) -> FieldValue<'_> {
            match id {
                200 => FieldValue::One(ValueRef::U64(self.0.value * 2)),
                201 => FieldValue::One(ValueRef::Str(&self.1)),
                _ => self.0.get(id),
            }
        }
    }
    let events: Vec<X> = DUMMY_EVENTS
        .iter()
        .map(|(n, v, _)| {
            X(
                DummyEvent::new(*n, *v),
                if v % 2 == 0 {
                    b"even".to_vec()
                } else {
                    b"odd".to_vec()
                },
            )
        })
        .collect();
    for f in filters {
        let theirs: Vec<u64> = sysdig("%evt.num", Some(f), false)
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        let compiled = compile_filter(f, None, &resolver).unwrap_or_else(|e| panic!("{f}: {e}"));
        let ours: Vec<u64> = events
            .iter()
            .filter(|e| compiled.matches(*e))
            .map(|e| e.0.num)
            .collect();
        assert_eq!(ours, theirs, "{f}");
    }
}

#[test]
fn formats_agree_with_sysdig() {
    if !available() {
        return;
    }
    let formats = [
        "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]",
        "*%evt.num %dummy.divisible[0] x",
        "%evt.num %dummy.divisible[0]",
        "%5evt.num|%2dummy.strvalue|%evt.numx %dummy.value.foo",
        "[%evt.num] %dummy.divisible[2]:%dummy.divisible[4]",
    ];
    let events = dummy_events();
    for f in formats {
        let parsed = OutputFormat::parse(f, &resolve).unwrap();
        let ours: String = events
            .iter()
            .filter_map(|e| parsed.to_text(e))
            .map(|l| l + "\n")
            .collect();
        assert_eq!(ours, sysdig(f, None, false), "{f}");
        let ours_json: String = events
            .iter()
            .filter_map(|e| parsed.to_json(e))
            .map(|l| l + "\n")
            .collect();
        assert_eq!(ours_json, sysdig(f, None, true), "-j {f}");
    }
}
