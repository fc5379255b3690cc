//! Output formats: parsing, text and JSON rendering of every type, `*`, `<NA>`, widths,
//! longest-prefix field names, transformers, errors; the guide's rule output. Expected strings marked
//! "sysdig" are what Debian's sysdig 0.29.3 prints on fixtures/captures/dummy_c-sysdig.scap.

mod common;

use common::*;
use scap_filter::*;

const PLUGININFO: u32 = 30;

/// common::resolve plus evt.plugininfo.
fn resolver(name: &str, arg: Option<&str>, pos: Pos) -> Result<ResolvedField, String> {
    if name == "evt.plugininfo" && arg.is_none() {
        return Ok(ResolvedField::new(PLUGININFO, FieldType::String, false));
    }
    resolve(name, arg, pos)
}

fn fmt(f: &str) -> OutputFormat {
    OutputFormat::parse(f, &resolver).unwrap_or_else(|e| panic!("{f}: {e}"))
}

fn fmt_err(f: &str) -> String {
    OutputFormat::parse(f, &resolver)
        .err()
        .unwrap_or_else(|| panic!("{f} parsed"))
        .to_string()
}

/// A dummy event plus evt.plugininfo as dummy_c prints it.
struct WithInfo(DummyEvent, Vec<u8>);

impl FieldValues for WithInfo {
    fn get(&self, id: u32) -> FieldValue<'_> {
        if id == PLUGININFO {
            FieldValue::One(ValueRef::Str(&self.1))
        } else {
            self.0.get(id)
        }
    }
}

fn event(n: usize) -> WithInfo {
    let (num, value, _) = DUMMY_EVENTS[n - 1];
    WithInfo(
        DummyEvent::new(num, value),
        format!("{{\"sample\": \"{value}\"}}").into_bytes(),
    )
}

#[test]
fn sysdig_text() {
    let e1 = event(1);
    let text = |f: &str, e: &WithInfo| fmt(f).to_text(e);
    // sysdig -p "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]": "1 8 8 0"
    assert_eq!(
        text(
            "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]",
            &e1
        )
        .unwrap(),
        "1 8 8 0"
    );
    // sysdig -p "%evt.num %dummy.divisible" prints nothing; with '*': "1 <NA>"
    assert_eq!(text("%evt.num %dummy.divisible[0]", &e1), None);
    assert_eq!(
        text("*%evt.num %dummy.divisible[0]", &e1).unwrap(),
        "1 <NA>"
    );
    assert_eq!(
        text("*%evt.num %dummy.divisible[0] x", &e1).unwrap(),
        "1 <NA> x"
    );
    // sysdig "%5evt.num|" → "1    |"; "%2dummy.strvalue|" on 100 → "10|"
    assert_eq!(text("%5evt.num|", &e1).unwrap(), "1    |");
    assert_eq!(text("%2dummy.strvalue|", &event(14)).unwrap(), "10|");
    assert_eq!(text("*%6dummy.divisible[0]|", &e1).unwrap(), "<NA>  |");
    // sysdig: the longest field name wins: "%evt.numx" → "1x", "%dummy.value.foo" → "8.foo"
    assert_eq!(text("%evt.numx", &e1).unwrap(), "1x");
    assert_eq!(text("%dummy.value.foo", &e1).unwrap(), "8.foo");
    assert_eq!(text("%dummy.valuex", &e1).unwrap(), "8x");
    assert_eq!(text("%evt.num:%dummy.value", &e1).unwrap(), "1:8");
    // sysdig: "a %evt.plugininfo b" → a {"sample": "8"} b
    assert_eq!(
        text("a %evt.plugininfo b", &e1).unwrap(),
        "a {\"sample\": \"8\"} b"
    );
    assert_eq!(text("*", &e1).unwrap(), "");
    assert_eq!(text("no fields", &e1).unwrap(), "no fields");
    // a failed render leaves the buffer alone
    let mut out = String::from("keep");
    assert!(!fmt("x %dummy.divisible[0]").render(&e1, &mut out));
    assert_eq!(out, "keep");
}

#[test]
fn guide_rule_output() {
    // The guide's rule, on the events its condition selects (sysdig: 2 6 8).
    let cond = compile_filter(
        "evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1",
        None,
        &resolver,
    )
    .unwrap();
    let out = fmt("A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)");
    let lines: Vec<String> = (1..=20)
        .map(event)
        .filter(|e| cond.matches(e))
        .map(|e| out.to_text(&e).unwrap())
        .collect();
    assert_eq!(
        lines,
        vec![
            "A dummy event (event={\"sample\": \"9\"} sample=9 sample_str=9 num=2)",
            "A dummy event (event={\"sample\": \"30\"} sample=30 sample_str=30 num=6)",
            "A dummy event (event={\"sample\": \"48\"} sample=48 sample_str=48 num=8)",
        ]
    );
    let keys: Vec<&str> = out.field_keys().collect();
    assert_eq!(
        keys,
        vec!["evt.plugininfo", "dummy.value", "dummy.strvalue", "evt.num"]
    );
    let ids: Vec<u32> = out.fields().iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![PLUGININFO, VALUE, STRVALUE, EVT_NUM]);
    // Falco's alert line: "*%evt.time: <priority> <output>"
    let alert = falco_alert_format(
        "A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)",
        "Informational",
        false,
    );
    assert_eq!(alert, "*%evt.time: Informational A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)");
    let f = fmt(&alert);
    assert!(!f.requires_all_values());
    let e = event(2);
    // evt.time is not set in this fake event: '*' prints <NA>
    assert_eq!(
        f.to_text(&e).unwrap(),
        "<NA>: Informational A dummy event (event={\"sample\": \"9\"} sample=9 sample_str=9 num=2)"
    );
    assert_eq!(
        falco_alert_format("o", "Notice", true),
        "*%evt.time.iso8601: Notice o"
    );
    // JSON output_fields of the rule
    assert_eq!(
        out.to_json(&e).unwrap(),
        r#"{"dummy.strvalue":"9","dummy.value":9,"evt.num":2,"evt.plugininfo":"{\"sample\": \"9\"}"}"#
    );
}

#[test]
fn sysdig_json() {
    let e1 = event(1);
    // sysdig -j -p "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]":
    // {"dummy.divisible[3]":0,"dummy.strvalue":"8","dummy.value":8,"evt.num":1}
    assert_eq!(
        fmt("%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]")
            .to_json(&e1)
            .unwrap(),
        r#"{"dummy.divisible[3]":0,"dummy.strvalue":"8","dummy.value":8,"evt.num":1}"#
    );
    // sysdig -j -p "*%evt.num %dummy.divisible": {"dummy.divisible":null,"evt.num":1}; without '*': nothing
    assert_eq!(
        fmt("*%evt.num %dummy.divisible[0]").to_json(&e1).unwrap(),
        r#"{"dummy.divisible[0]":null,"evt.num":1}"#
    );
    assert_eq!(fmt("%evt.num %dummy.divisible[0]").to_json(&e1), None);
    // sysdig -j -p "%5evt.num x": {"evt.num":1} (literals and widths do not show)
    assert_eq!(fmt("%5evt.num x").to_json(&e1).unwrap(), r#"{"evt.num":1}"#);
    // duplicates collapse
    assert_eq!(
        fmt("%evt.num %evt.num").to_json(&e1).unwrap(),
        r#"{"evt.num":1}"#
    );
    let pairs = fmt("%dummy.value %evt.num").json_fields(&e1).unwrap();
    assert_eq!(
        pairs,
        vec![
            ("dummy.value".to_string(), serde_json::json!(8)),
            ("evt.num".to_string(), serde_json::json!(1))
        ]
    );
}

#[test]
fn every_type() {
    let mut v = OwnedValues::new();
    v.set(VALUE, Some(u(18446744073709551615)))
        .set(STRVALUE, Some(s("a \"q\"\nz")))
        .set(REL, Some(ExtractedValue::RelTime(1500)))
        .set(
            ABS,
            Some(ExtractedValue::AbsTime(1_795_618_587_775_128_000)),
        )
        .set(FLAG, Some(ExtractedValue::Bool(true)))
        .set(IP, Some(ip("10.0.4.210")))
        .set(NET, Some(net("10.0.4.0")))
        .set(WORDS, Some(list(vec![s("one"), s("two")])))
        .set(NUMS, Some(list(vec![u(1), u(2), u(3)])))
        .set(IPS, Some(list(vec![ip("2001:db8::4d2"), ip("::1")])))
        .set(NETS, Some(list(vec![net("10.0.0.0")])))
        .set(BOOLS, Some(list(vec![ExtractedValue::Bool(false)])))
        .set(WORDS2, Some(list(vec![])))
        .set(EVT_RELTIME, Some(ExtractedValue::RelTime(47000)))
        .set(EVT_TIME, Some(s("14:56:27.775175000")))
        .set(
            EVT_RAWTIME,
            Some(ExtractedValue::AbsTime(1_795_618_587_775_175_000)),
        )
        .set(PATH, Some(ExtractedValue::Str(b"bad\xff".to_vec())));
    let text = |f: &str| fmt(f).to_text(&v).unwrap_or_else(|| panic!("{f}"));
    assert_eq!(text("%dummy.value"), "18446744073709551615");
    assert_eq!(text("%dummy.strvalue"), "a \"q\"\nz");
    assert_eq!(text("%t.rel %t.abs"), "1500 1795618587775128000");
    assert_eq!(text("%t.flag"), "true");
    assert_eq!(text("%t.ip %t.ips"), "10.0.4.210 (2001:db8::4d2,::1)");
    assert_eq!(text("%t.net %t.nets"), "<IPNET> (<IPNET>)");
    assert_eq!(
        text("%t.words %t.nums %t.bools"),
        "(one,two) (1,2,3) (false)"
    );
    assert_eq!(text("%t.path"), "bad\u{fffd}");
    // sysdig: %evt.reltime prints 000047000 (PF_10_PADDED_DEC); -j prints 47000
    assert_eq!(text("%evt.reltime"), "000047000");
    assert_eq!(text("%evt.time"), "14:56:27.775175000");
    // an empty list has no value
    assert_eq!(fmt("%t.words2").to_text(&v), None);
    assert_eq!(fmt("*%t.words2").to_text(&v).unwrap(), "<NA>");
    let json = fmt("*%dummy.value %dummy.strvalue %t.rel %t.flag %t.ip %t.net %t.words %t.nums %t.ips %t.words2 %evt.reltime %evt.time")
        .to_json(&v)
        .unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"dummy.strvalue":"a \"q\"\nz","dummy.value":18446744073709551615,"evt.reltime":47000,"#,
            r#""evt.time":1795618587775175000,"t.flag":true,"t.ip":"10.0.4.210","t.ips":["2001:db8::4d2","::1"],"#,
            r#""t.net":"<IPNET>","t.nums":[1,2,3],"t.rel":1500,"t.words":["one","two"],"t.words2":null}"#
        )
    );
    // -j is ASCII: non-ASCII as \u escapes, as libsinsp's formatter (sysdig 0.29.3 prints
    // "12\u00e9\ud83d\ude80" for "12é🚀")
    assert_eq!(
        fmt("%t.path").to_json(&v).unwrap(),
        r#"{"t.path":"bad\ufffd"}"#
    );
    // the JSON substitute is among the fields to extract
    let ids: Vec<u32> = fmt("%evt.time").fields().iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![EVT_TIME, EVT_RAWTIME]);
}

#[test]
fn format_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "output:1:1: the output format is empty"),
        // sysdig: "invalid formatting syntax: formatting cannot end with a %"
        (
            "%evt.num%",
            "output:1:9: invalid formatting syntax: formatting cannot end with a %",
        ),
        (
            "x %12",
            "output:1:3: invalid formatting syntax: formatting cannot end with a number",
        ),
        // sysdig: "invalid formatting token (evt.num)", "invalid formatting token %evt.num"
        (
            "%(evt.num)",
            "output:1:2: invalid formatting token (evt.num)",
        ),
        ("%%evt.num", "output:1:2: invalid formatting token %evt.num"),
        ("% evt.num", "output:1:2: invalid formatting token  evt.num"),
        // sysdig: "invalid formatting token dummy.nope"
        (
            "%evt.num %dummy.nope",
            "output:1:11: filter_check called with nonexistent field dummy.nope",
        ),
        (
            "*%dummy.divisible[3",
            "output:1:20: expected ']' to close the argument of field 'dummy.divisible'",
        ),
        (
            "%dummy.divisible[x]",
            "output:1:2: field 'dummy.divisible': argument 'x' is not an index",
        ),
        (
            "%dummy.divisible",
            "output:1:2: field 'dummy.divisible' requires an argument",
        ),
    ];
    for (f, want) in cases {
        assert_eq!(&fmt_err(f), want, "{f:?}");
    }
    let e = OutputFormat::parse_named("x\n %nope.x", &resolver, "rule 'r' output").unwrap_err();
    assert_eq!(
        e.to_string(),
        "rule 'r' output:2:3: filter_check called with nonexistent field nope.x"
    );
    assert_eq!(e.kind, ErrorKind::Field);
}

/// Current libsinsp formats accept transformers (falcosecurity/libs PR #1847 and the
/// `sinsp_formatter_test` cases: "start %toupper(proc.name) end" → "start INIT end"). Text
/// output prints the transformed value; the key/value maps (JSON, Falco's `output_fields`)
/// hold the plain fields inside instead, libsinsp's default that Falco keeps.
#[test]
fn transformers() {
    let mut v = OwnedValues::new();
    v.set(STRVALUE, Some(s("init")))
        .set(PATH, Some(s("/Test/Dir")))
        .set(WORDS, Some(list(vec![s("A"), s("b")])))
        .set(EVT_NUM, Some(u(1)))
        .set(EVT_TIME, Some(s("13:53:31.726060287")))
        .set(EVT_RAWTIME, Some(ExtractedValue::AbsTime(7)));
    let text = |f: &str| fmt(f).to_text(&v);
    let json = |f: &str| fmt(f).to_json(&v);
    let cases: &[(&str, Option<&str>)] = &[
        ("start %toupper(dummy.strvalue) end", Some("start INIT end")),
        (
            "start %tolower(toupper(dummy.strvalue)) end",
            Some("start init end"),
        ),
        (
            "start %toupper( tolower( dummy.strvalue ) ) end",
            Some("start INIT end"),
        ),
        (
            "start%toupper(dummy.strvalue)and%toupper(t.path)end",
            Some("startINITand/TEST/DIRend"),
        ),
        ("start %2toupper(dummy.strvalue) end", Some("start IN end")),
        (
            "start %10toupper(dummy.strvalue) end",
            Some("start INIT       end"),
        ),
        (
            "%basename(t.path) %len(dummy.strvalue) %len(t.words)",
            Some("Dir 4 2"),
        ),
        ("%tolower(t.words)", Some("(a,b)")),
        (
            "start %join(\"->\", (dummy.strvalue, t.path)) end",
            Some("start init->/Test/Dir end"),
        ),
        (
            "start %concat(dummy.strvalue, t.path) end",
            Some("start init/Test/Dir end"),
        ),
        (
            "start %toupper(concat(dummy.strvalue, t.path)) end",
            Some("start INIT/TEST/DIR end"),
        ),
        (
            "start %concat(toupper(dummy.strvalue), t.path) end",
            Some("start INIT/Test/Dir end"),
        ),
        ("%join(\"-\", (dummy.strvalue, evt.num))", Some("init-1")),
        // the token ends with the transformer; what follows is text
        ("%tolower(dummy.strvalue)x", Some("initx")),
        ("%toupper(dummy.strvalue)[abc]", Some("INIT[abc]")),
        // no value (a missing field, invalid base64): the line is dropped, or <NA> with '*'
        ("%toupper(t.str2) x", None),
        ("*%toupper(t.str2) x", Some("<NA> x")),
        ("%b64(t.path)", None),
        ("*%5b64(t.path)|", Some("<NA> |")),
    ];
    for (f, want) in cases {
        assert_eq!(text(f).as_deref(), *want, "{f:?}");
    }
    // JSON and the key/value maps: the plain fields inside, not the transformed values
    assert_eq!(
        json("start %toupper(dummy.strvalue) %evt.num end").unwrap(),
        r#"{"dummy.strvalue":"init","evt.num":1}"#
    );
    assert_eq!(
        json("%toupper(join(\"->\", (concat(dummy.strvalue, t.path), dummy.strvalue)))").unwrap(),
        r#"{"dummy.strvalue":"init","t.path":"/Test/Dir"}"#
    );
    assert_eq!(json("%b64(t.path)").unwrap(), r#"{"t.path":"/Test/Dir"}"#);
    assert_eq!(json("%toupper(t.str2)"), None);
    assert_eq!(json("*%toupper(t.str2)").unwrap(), r#"{"t.str2":null}"#);
    assert_eq!(json("%tolower(evt.time)").unwrap(), r#"{"evt.time":7}"#);
    let f = fmt("%toupper(dummy.strvalue) %join(\",\", (t.path, evt.time)) %dummy.strvalue");
    let ids: Vec<u32> = f.fields().iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![STRVALUE, PATH, EVT_TIME, EVT_RAWTIME]);
    let keys: Vec<&str> = f.field_keys().collect();
    assert_eq!(
        keys,
        vec![
            "toupper(dummy.strvalue)",
            "join(,,(t.path,evt.time))",
            "dummy.strvalue"
        ]
    );
    // errors name the column in the format
    let errors: &[(&str, &str)] = &[
        ("start %toupper(dummy.value) end", "output:1:8: can't apply the 'toupper' transformer to field 'dummy.value' of type uint64: toupper() takes strings and lists of strings"),
        ("x %len(dummy.value)", "output:1:4: can't apply the 'len' transformer to field 'dummy.value' of type uint64: len() takes strings and lists"),
        ("%toupper(dummy.nope)", "output:1:10: filter_check called with nonexistent field dummy.nope"),
        ("%val(dummy.value)", "output:1:2: val() only compares fields in conditions; output formats take fields and transformers"),
        ("%toupper(dummy.strvalue", "output:1:24: expected ')' to close 'toupper(', found the end of the filter"),
        // no blank before the '(': `toupper` alone is neither a field nor a transformer
        ("%toupper (dummy.strvalue)", "output:1:2: invalid formatting token toupper (dummy.strva"),
        ("%concat(dummy.strvalue)", "output:1:2: concat() requires at least 2 arguments"),
        ("%getopt(t.words, \"n\")", "output:1:2: the field transformer 'getopt()' is not supported: its results changed between recent libsinsp versions (options after the first non-option, unknown options, a missing option argument, the [opt] selector), so there is no settled behaviour to reproduce"),
    ];
    for (f, want) in errors {
        assert_eq!(&fmt_err(f), want, "{f:?}");
    }
}
