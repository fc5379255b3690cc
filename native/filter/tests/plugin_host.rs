//! End to end through the real plugin host: a resolver built from a plugin's fields, a batch
//! extraction into `ExtractResults`, rows read with `FieldValue::from_outcome`, then filters and
//! formats. dummyx3 (fixtures/plugins, API 3.0.0) has every 3.x field type, list fields and
//! index arguments; for the payload "1234" the host's own tests show:
//! value 1234, is_even true, reltime 1234000ns, ts 5000ns, ipv4 10.0.4.210, ipv6 2001:db8::4d2,
//! net4 10.0.4.0, net6 2001:db8:0:4d2::, digits [1,2,3,4], words [one,two,three,four],
//! digit[2] 3, mod[7] 2, mod[0] absent. A payload that is not a number gives no value at all.
//!
//! Skipped when the fixture plugins are not built (`make -C fixtures/plugins`).

use std::cell::RefCell;
use std::path::PathBuf;

use plugin_host::{EventRef, ExtractPlan, ExtractResults, FieldRequest, Plugin};
use scap_filter::*;

/// A fixture plugin; a missing one fails the test (a skipped test is a set-up failure).
fn fixture(file: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/plugins/build")
        .join(file);
    assert!(
        p.exists(),
        "{} missing: run make -C fixtures/plugins",
        p.display()
    );
    Some(p)
}

/// Resolves fields of one plugin into extraction requests; the id is the request's index.
struct PluginResolver<'p> {
    plugin: &'p Plugin,
    requests: RefCell<Vec<(String, FieldRequest)>>,
}

impl FieldResolver for PluginResolver<'_> {
    fn resolve(&self, name: &str, arg: Option<&str>, _pos: Pos) -> Result<ResolvedField, String> {
        let info = self.plugin.info();
        let Some(f) = info.fields.iter().find(|f| f.name == name) else {
            return Err(format!("plugin '{}' has no field '{name}'", info.name));
        };
        if arg.is_some() && !f.arg.accepts_argument() {
            return Err(format!("field '{name}' does not take an argument"));
        }
        if arg.is_none() && f.arg.is_required {
            return Err(format!("field '{name}' requires an argument"));
        }
        let key = match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        let mut reqs = self.requests.borrow_mut();
        let id = match reqs.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                reqs.push((key, FieldRequest::new(f.id as usize, arg)));
                reqs.len() - 1
            }
        };
        Ok(ResolvedField::new(id as u32, f.field_type, f.is_list))
    }
}

/// One event of a batch result.
struct Row<'r> {
    results: &'r ExtractResults,
    event: usize,
}

impl FieldValues for Row<'_> {
    fn get(&self, id: u32) -> FieldValue<'_> {
        if (id as usize) < self.results.fields() {
            FieldValue::from_outcome(self.results.get(self.event, id as usize))
        } else {
            FieldValue::Absent
        }
    }
}

fn event(ts: u64, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    scap::plugin_event::encode(&mut v, ts, 3, payload);
    v
}

#[test]
fn dummyx3_every_type_through_the_host() {
    let Some(path) = fixture("libdummyx3_1_0_0.so") else {
        return;
    };
    let plugin = Plugin::load(path).unwrap();
    let resolver = PluginResolver {
        plugin: &plugin,
        requests: RefCell::new(Vec::new()),
    };

    // (filter, matches for payloads "1234", "00042", "not a number")
    let cases: &[(&str, [bool; 3])] = &[
        ("dummyx3.value = 1234", [true, false, false]),
        (
            "dummyx3.value > 100 and dummyx3.is_even = true",
            [true, false, false],
        ),
        ("dummyx3.is_even = true", [true, true, false]),
        ("dummyx3.is_even != true", [false, false, false]),
        ("not dummyx3.is_even exists", [false, false, true]),
        ("dummyx3.reltime = 1234000", [true, false, false]),
        ("dummyx3.reltime >= 42000", [true, true, false]),
        ("dummyx3.ts = 5000", [true, false, false]),
        ("dummyx3.ipv4 = 10.0.4.210", [true, false, false]),
        (
            "dummyx3.ipv4 in (10.0.0.42, 10.0.4.210)",
            [true, true, false],
        ),
        ("dummyx3.ipv4 != ::1", [true, true, false]),
        ("dummyx3.ipv6 = 2001:db8::4d2", [true, false, false]),
        ("dummyx3.net4 = 10.0.0.0/16", [true, true, false]),
        ("dummyx3.net4 = 10.0.4.0/24", [true, false, false]),
        ("dummyx3.net6 = 2001:db8:0:4d2::/64", [true, false, false]),
        ("dummyx3.net6 in (2001:db8::/32)", [true, true, false]),
        ("dummyx3.digits in (1, 2, 3, 4)", [true, true, false]),
        ("dummyx3.digits in (1, 2, 3)", [false, false, false]),
        ("dummyx3.digits in (2, 4)", [false, true, false]),
        ("dummyx3.digits intersects (4)", [true, true, false]),
        ("dummyx3.words intersects (three)", [true, false, false]),
        (
            "dummyx3.words in (one, two, three, four, five)",
            [true, true, false],
        ),
        ("dummyx3.digit[2] = 3", [true, false, false]),
        ("dummyx3.mod[7] = 2", [true, false, false]),
        ("dummyx3.mod[0] exists", [false, false, false]),
        ("not dummyx3.mod[0] = 1", [true, true, true]),
    ];
    let compiled: Vec<CompiledFilter> = cases
        .iter()
        .map(|(f, _)| compile_filter(f, None, &resolver).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect();
    let out = OutputFormat::parse(
        "*%dummyx3.value %dummyx3.is_even %dummyx3.reltime %dummyx3.ipv4 %dummyx3.ipv6 %dummyx3.net4 %dummyx3.digits %dummyx3.words %dummyx3.mod[0]",
        &resolver,
    )
    .unwrap();

    let requests: Vec<FieldRequest> = resolver
        .requests
        .borrow()
        .iter()
        .map(|(_, r)| r.clone())
        .collect();
    let plan = ExtractPlan::new(&plugin, &requests).unwrap();
    let mut state = plugin.init("").unwrap();
    let events = [
        event(5000, b"1234"),
        event(6000, b"00042"),
        event(7000, b"not a number"),
    ];
    let refs: Vec<EventRef> = events
        .iter()
        .enumerate()
        .map(|(i, b)| EventRef {
            num: i as u64 + 1,
            bytes: b,
        })
        .collect();
    let mut results = ExtractResults::new();
    state.extract(&plan, "dummy", &refs, &mut results).unwrap();

    for (i, (f, want)) in cases.iter().enumerate() {
        for (e, w) in want.iter().enumerate() {
            let row = Row {
                results: &results,
                event: e,
            };
            assert_eq!(compiled[i].matches(&row), *w, "{f} on event {e}");
        }
    }
    let row = Row {
        results: &results,
        event: 0,
    };
    assert_eq!(
        out.to_text(&row).unwrap(),
        "1234 true 1234000 10.0.4.210 2001:db8::4d2 <IPNET> (1,2,3,4) (one,two,three,four) <NA>"
    );
    assert_eq!(
        out.to_json(&row).unwrap(),
        r#"{"dummyx3.digits":[1,2,3,4],"dummyx3.ipv4":"10.0.4.210","dummyx3.ipv6":"2001:db8::4d2","dummyx3.is_even":true,"dummyx3.mod[0]":null,"dummyx3.net4":"<IPNET>","dummyx3.reltime":1234000,"dummyx3.value":1234,"dummyx3.words":["one","two","three","four"]}"#
    );
    let empty = Row {
        results: &results,
        event: 2,
    };
    assert_eq!(
        out.to_text(&empty).unwrap(),
        "<NA> <NA> <NA> <NA> <NA> <NA> <NA> <NA> <NA>"
    );
    // type errors use the plugin's declared types
    let e = compile_filter("dummyx3.words = one", None, &resolver).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Operator);
    let e = compile_filter("dummyx3.ipv4 contains 10", None, &resolver).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Operator);
}
