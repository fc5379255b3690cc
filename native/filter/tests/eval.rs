//! Evaluation: every operator on every field type, list fields, missing fields, modifiers,
//! val(), and the value sources (owned values, slices of refs).

mod common;

use common::*;
use scap_filter::*;

/// (filter, values as (field id, value), expected)
type Row<'a> = (&'a str, Vec<(u32, ExtractedValue)>, bool);

fn run(rows: Vec<Row>) {
    for (filter, vals, want) in rows {
        let f = compile_ok(filter);
        let mut v = OwnedValues::new();
        for (id, x) in &vals {
            v.set(*id, Some(x.clone()));
        }
        assert_eq!(f.matches(&v), want, "{filter} with {vals:?}");
    }
}

#[test]
fn numeric_types() {
    let rel = ExtractedValue::RelTime;
    let abs = ExtractedValue::AbsTime;
    run(vec![
        ("dummy.value = 16", vec![(VALUE, u(16))], true),
        ("dummy.value = 16", vec![(VALUE, u(17))], false),
        ("dummy.value == 16", vec![(VALUE, u(16))], true),
        ("dummy.value != 16", vec![(VALUE, u(17))], true),
        ("dummy.value != 16", vec![(VALUE, u(16))], false),
        ("dummy.value < 16", vec![(VALUE, u(15))], true),
        ("dummy.value < 16", vec![(VALUE, u(16))], false),
        ("dummy.value <= 16", vec![(VALUE, u(16))], true),
        ("dummy.value <= 16", vec![(VALUE, u(17))], false),
        ("dummy.value > 16", vec![(VALUE, u(17))], true),
        ("dummy.value > 16", vec![(VALUE, u(16))], false),
        ("dummy.value >= 16", vec![(VALUE, u(16))], true),
        ("dummy.value >= 16", vec![(VALUE, u(15))], false),
        ("dummy.value in (1, 16, 3)", vec![(VALUE, u(16))], true),
        ("dummy.value in (1, 3)", vec![(VALUE, u(16))], false),
        ("dummy.value intersects (16)", vec![(VALUE, u(16))], true),
        ("dummy.value in ()", vec![(VALUE, u(16))], false),
        ("dummy.value exists", vec![(VALUE, u(0))], true),
        ("dummy.value = -1", vec![(VALUE, u(u64::MAX))], true),
        (
            "dummy.value = 99999999999999999999",
            vec![(VALUE, u(u64::MAX))],
            true,
        ),
        ("dummy.value > +5", vec![(VALUE, u(6))], true),
        ("dummy.value = ' 8'", vec![(VALUE, u(8))], true),
        // a value of another numeric variant is compared by its number
        ("dummy.value = 5", vec![(VALUE, rel(5))], true),
        // a value of a non-numeric variant never matches
        ("dummy.value = 5", vec![(VALUE, s("5"))], false),
        // reltime / abstime: plain nanoseconds
        ("t.rel = 1500", vec![(REL, rel(1500))], true),
        ("t.rel != 1500", vec![(REL, rel(1500))], false),
        ("t.rel > 1000", vec![(REL, rel(1500))], true),
        ("t.rel <= 1000", vec![(REL, rel(1500))], false),
        ("t.rel in (1, 1500)", vec![(REL, rel(1500))], true),
        (
            "t.abs >= 1700000000000000000",
            vec![(ABS, abs(1_700_000_000_000_000_001))],
            true,
        ),
        (
            "t.abs < 1700000000000000000",
            vec![(ABS, abs(1_700_000_000_000_000_001))],
            false,
        ),
        ("t.abs intersects (5, 6)", vec![(ABS, abs(6))], true),
        ("t.abs exists", vec![(ABS, abs(0))], true),
    ]);
}

#[test]
fn strings() {
    let v = |x: &str| vec![(STRVALUE, s(x))];
    run(vec![
        ("dummy.strvalue = abc", v("abc"), true),
        ("dummy.strvalue = abc", v("abcd"), false),
        ("dummy.strvalue = ''", v(""), true),
        ("dummy.strvalue != abc", v("abd"), true),
        ("dummy.strvalue != abc", v("abc"), false),
        // numeric operators compare strings as strcmp does
        ("dummy.strvalue < 2", v("10"), true),
        ("dummy.strvalue < 2", v("26"), false),
        ("dummy.strvalue <= 2", v("2"), true),
        ("dummy.strvalue > 2", v("30"), true),
        ("dummy.strvalue >= 30", v("30"), true),
        ("dummy.strvalue >= 30", v("100"), false),
        ("dummy.strvalue contains bc", v("abcd"), true),
        ("dummy.strvalue contains bd", v("abcd"), false),
        ("dummy.strvalue contains ''", v("x"), true),
        ("dummy.strvalue icontains BC", v("aBcD"), true),
        ("dummy.strvalue icontains bc", v("ABCD"), true),
        ("dummy.strvalue icontains xy", v("ABCD"), false),
        ("dummy.strvalue startswith /usr", v("/usr/bin"), true),
        ("dummy.strvalue startswith /usr", v("/bin/usr"), false),
        ("dummy.strvalue endswith .so", v("libx.so"), true),
        ("dummy.strvalue endswith .so", v("libx.so.1"), false),
        (
            "dummy.strvalue glob '/home/*/.ssh/*'",
            v("/home/u/.ssh/id_rsa"),
            true,
        ),
        (
            "dummy.strvalue glob '/home/*/.ssh/*'",
            v("/home/u/ssh/id_rsa"),
            false,
        ),
        ("dummy.strvalue glob 'a?c'", v("abc"), true),
        ("dummy.strvalue iglob '*.EXE'", v("setup.exe"), true),
        ("dummy.strvalue glob '*.EXE'", v("setup.exe"), false),
        ("dummy.strvalue regex '1.*'", v("100"), true),
        ("dummy.strvalue regex '1.*'", v("21"), false),
        ("dummy.strvalue regex 'a|b'", v("ab"), false),
        (
            "dummy.strvalue regex '[[:alpha:]]+[[:digit:]]'",
            v("abc1"),
            true,
        ),
        ("dummy.strvalue in (a, \"b c\", d)", v("b c"), true),
        ("dummy.strvalue in (a, d)", v("b"), false),
        ("dummy.strvalue intersects (a, b)", v("b"), true),
        (
            "dummy.strvalue pmatch (/etc, /var/run)",
            v("/var/run/docker.sock"),
            true,
        ),
        (
            "dummy.strvalue pmatch (/etc, /var/run)",
            v("/var/runx"),
            false,
        ),
        (
            "dummy.strvalue pmatch (/home/*/.ssh)",
            v("/home/u/.ssh/id"),
            true,
        ),
        ("dummy.strvalue exists", v(""), true),
        ("dummy.strvalue = héllo", v("héllo"), true),
        ("dummy.strvalue icontains HÉ", v("hé"), false),
        ("dummy.strvalue = 16", vec![(STRVALUE, u(16))], false),
    ]);
    // invalid UTF-8 values: bytes compare, regex sees U+FFFD
    let f = compile_ok("dummy.strvalue regex 'a.b'");
    let mut v = OwnedValues::new();
    v.set(STRVALUE, Some(ExtractedValue::Str(b"a\xffb".to_vec())));
    assert!(f.matches(&v));
    assert!(!compile_ok("dummy.strvalue contains \"\u{ff}\"").matches(&v));
    assert!(compile_ok("dummy.strvalue startswith a").matches(&v));
}

#[test]
fn booleans_and_addresses() {
    run(vec![
        (
            "t.flag = true",
            vec![(FLAG, ExtractedValue::Bool(true))],
            true,
        ),
        (
            "t.flag = true",
            vec![(FLAG, ExtractedValue::Bool(false))],
            false,
        ),
        (
            "t.flag = false",
            vec![(FLAG, ExtractedValue::Bool(false))],
            true,
        ),
        (
            "t.flag != true",
            vec![(FLAG, ExtractedValue::Bool(false))],
            true,
        ),
        (
            "t.flag in (false)",
            vec![(FLAG, ExtractedValue::Bool(false))],
            true,
        ),
        (
            "t.flag in (true)",
            vec![(FLAG, ExtractedValue::Bool(false))],
            false,
        ),
        (
            "t.flag intersects (true, false)",
            vec![(FLAG, ExtractedValue::Bool(true))],
            true,
        ),
        (
            "t.flag exists",
            vec![(FLAG, ExtractedValue::Bool(false))],
            true,
        ),
        ("t.ip = 10.0.0.1", vec![(IP, ip("10.0.0.1"))], true),
        ("t.ip = 10.0.0.1", vec![(IP, ip("10.0.0.2"))], false),
        ("t.ip = ::1", vec![(IP, ip("::1"))], true),
        (
            "t.ip = 2001:db8::4d2",
            vec![(IP, ip("2001:0db8:0:0::04d2"))],
            true,
        ),
        // an address of the other family is different (libsinsp: op == CO_NE)
        ("t.ip = 10.0.0.1", vec![(IP, ip("::ffff:10.0.0.1"))], false),
        ("t.ip != 10.0.0.1", vec![(IP, ip("::1"))], true),
        ("t.ip != 10.0.0.1", vec![(IP, ip("10.0.0.1"))], false),
        ("t.ip in (192.168.0.1, ::1)", vec![(IP, ip("::1"))], true),
        (
            "t.ip in (192.168.0.1, ::1)",
            vec![(IP, ip("10.0.0.1"))],
            false,
        ),
        (
            "t.ip intersects (10.0.0.1)",
            vec![(IP, ip("10.0.0.1"))],
            true,
        ),
        ("t.ip exists", vec![(IP, ip("0.0.0.0"))], true),
        // ipnet: the value (an address) against networks
        ("t.net = 10.0.0.0/8", vec![(NET, net("10.1.2.0"))], true),
        ("t.net = 10.0.0.0/8", vec![(NET, net("11.1.2.0"))], false),
        ("t.net = 10.9.9.9/8", vec![(NET, net("10.1.2.0"))], true),
        ("t.net != 10.0.0.0/8", vec![(NET, net("11.1.2.0"))], true),
        ("t.net != 10.0.0.0/8", vec![(NET, net("10.0.0.0"))], false),
        ("t.net = 0.0.0.0/0", vec![(NET, net("1.2.3.4"))], true),
        ("t.net = 0.0.0.0/0", vec![(NET, net("::1"))], false),
        (
            "t.net = 2001:db8::/32",
            vec![(NET, net("2001:db8:4d2::"))],
            true,
        ),
        (
            "t.net in (192.168.0.0/16, 10.0.0.0/8)",
            vec![(NET, net("10.3.0.0"))],
            true,
        ),
        (
            "t.net in (192.168.0.0/16, 2001:db8::/32)",
            vec![(NET, net("10.3.0.0"))],
            false,
        ),
        (
            "t.net intersects (10.0.0.0/8)",
            vec![(NET, net("10.3.0.0"))],
            true,
        ),
        ("t.net exists", vec![(NET, net("10.3.0.0"))], true),
    ]);
}

#[test]
fn lists() {
    let words = |w: &[&str]| vec![(WORDS, list(w.iter().map(|x| s(x)).collect()))];
    run(vec![
        // in: every value is in the set
        ("t.words in (a, b, c)", words(&["a", "b"]), true),
        ("t.words in (a, b, c)", words(&["a", "z"]), false),
        ("t.words in (a, b, c)", words(&[]), false),
        // intersects: one value is
        ("t.words intersects (a, b)", words(&["z", "b"]), true),
        ("t.words intersects (a, b)", words(&["y", "z"]), false),
        ("t.words intersects (a, b)", words(&[]), false),
        // an empty list has no value
        ("t.words exists", words(&[]), false),
        ("not t.words exists", words(&[]), true),
        ("t.words exists", words(&["x"]), true),
        ("not t.words intersects (a)", words(&[]), true),
        (
            "t.nums in (1, 2, 3)",
            vec![(NUMS, list(vec![u(1), u(3)]))],
            true,
        ),
        (
            "t.nums in (1, 2, 3)",
            vec![(NUMS, list(vec![u(1), u(4)]))],
            false,
        ),
        (
            "t.nums intersects (4)",
            vec![(NUMS, list(vec![u(1), u(4)]))],
            true,
        ),
        (
            "t.rels in (5, 6)",
            vec![(RELS, list(vec![ExtractedValue::RelTime(5)]))],
            true,
        ),
        (
            "t.abss intersects (7)",
            vec![(ABSS, list(vec![ExtractedValue::AbsTime(7)]))],
            true,
        ),
        (
            "t.bools in (true)",
            vec![(
                BOOLS,
                list(vec![ExtractedValue::Bool(true), ExtractedValue::Bool(true)]),
            )],
            true,
        ),
        (
            "t.bools in (true)",
            vec![(
                BOOLS,
                list(vec![
                    ExtractedValue::Bool(true),
                    ExtractedValue::Bool(false),
                ]),
            )],
            false,
        ),
        (
            "t.bools intersects (false)",
            vec![(
                BOOLS,
                list(vec![
                    ExtractedValue::Bool(true),
                    ExtractedValue::Bool(false),
                ]),
            )],
            true,
        ),
        (
            "t.ips intersects (10.0.0.1)",
            vec![(IPS, list(vec![ip("::1"), ip("10.0.0.1")]))],
            true,
        ),
        (
            "t.ips in (10.0.0.1)",
            vec![(IPS, list(vec![ip("::1"), ip("10.0.0.1")]))],
            false,
        ),
        (
            "t.nets in (10.0.0.0/8)",
            vec![(NETS, list(vec![net("10.1.0.0"), net("10.2.0.0")]))],
            true,
        ),
        (
            "t.nets in (10.0.0.0/8)",
            vec![(NETS, list(vec![net("10.1.0.0"), net("192.168.0.0")]))],
            false,
        ),
        (
            "t.nets intersects (10.0.0.0/8, 172.16.0.0/12)",
            vec![(NETS, list(vec![net("192.168.1.0"), net("172.17.0.0")]))],
            true,
        ),
        // a single value handed for a list field counts as a list of one
        ("t.words in (a)", vec![(WORDS, s("a"))], true),
    ]);
}

#[test]
fn missing_fields() {
    // sysdig 0.29.3: `dummy.divisible != 1` (no value) prints nothing; `not dummy.divisible = 1`
    // and `not dummy.divisible exists` print all 20 events; `dummy.divisible[0] in (1)` nothing.
    let absent = OwnedValues::new();
    for f in [
        "dummy.value = 1",
        "dummy.value != 1",
        "dummy.value < 1",
        "dummy.value >= 0",
        "dummy.value in (1)",
        "dummy.value intersects (1)",
        "dummy.value exists",
        "dummy.strvalue != x",
        "dummy.strvalue contains ''",
        "dummy.strvalue startswith ''",
        "dummy.strvalue glob '*'",
        "dummy.strvalue regex '.*'",
        "dummy.strvalue pmatch (/)",
        "dummy.strvalue > 0",
        "t.flag != true",
        "t.ip != 1.2.3.4",
        "t.net != 0.0.0.0/0",
        "t.words intersects (a)",
        "t.words in (a)",
        "dummy.strvalue != anyof (a, b)",
        "dummy.strvalue = val(t.str2)",
        "dummy.strvalue != val(t.str2)",
    ] {
        assert!(!compile_ok(f).matches(&absent), "{f}");
        assert!(compile_ok(&format!("not {f}")).matches(&absent), "not {f}");
    }
    assert!(compile_ok("not dummy.value = 1 and not dummy.strvalue exists").matches(&absent));
    assert!(compile_ok("dummy.value = 1 or not t.flag exists").matches(&absent));
}

#[test]
fn modifiers() {
    let v = |x: &str| vec![(STRVALUE, s(x))];
    run(vec![
        ("dummy.strvalue startswith anyof (1, 2)", v("16"), true),
        ("dummy.strvalue startswith anyof (1, 2)", v("30"), false),
        ("dummy.strvalue contains allof (1, 6)", v("16"), true),
        ("dummy.strvalue contains allof (1, 6)", v("10"), false),
        ("dummy.strvalue startswith oneof (1, 10)", v("16"), true),
        ("dummy.strvalue startswith oneof (1, 10)", v("100"), false),
        ("dummy.strvalue startswith oneof (1, 10)", v("2"), false),
        // sugar: `x != anyof (a, b)` is `x != a or x != b`
        ("dummy.strvalue != anyof (a, b)", v("a"), true),
        ("dummy.strvalue != allof (a, b)", v("a"), false),
        ("dummy.strvalue != allof (a, b)", v("c"), true),
        ("dummy.strvalue = anyof (a, b)", v("b"), true),
        ("dummy.strvalue = allof (a, a)", v("a"), true),
        ("dummy.strvalue = oneof (a, a)", v("a"), false),
        ("dummy.strvalue = anyof ()", v("a"), false),
        ("dummy.strvalue != allof ()", v("a"), false),
        ("dummy.strvalue endswith anyof (.so, .a)", v("lib.a"), true),
        ("dummy.strvalue icontains anyof (XY, BC)", v("abc"), true),
        (
            "dummy.strvalue glob oneof ('*.so', 'lib*')",
            v("libx.a"),
            true,
        ),
        (
            "dummy.strvalue glob oneof ('*.so', 'lib*')",
            v("libx.so"),
            false,
        ),
        ("dummy.strvalue iglob anyof ('*.SO')", v("x.so"), true),
        ("dummy.strvalue regex anyof ('1.*', '2.*')", v("26"), true),
        ("dummy.strvalue regex allof ('1.*', '.*0')", v("100"), true),
        ("dummy.strvalue regex allof ('1.*', '.*0')", v("16"), false),
        ("dummy.value = anyof (8, 9)", vec![(VALUE, u(9))], true),
        ("dummy.value != allof (8, 9)", vec![(VALUE, u(9))], false),
        (
            "t.flag = anyof (true)",
            vec![(FLAG, ExtractedValue::Bool(true))],
            true,
        ),
        ("t.ip = anyof (10.0.0.1, ::1)", vec![(IP, ip("::1"))], true),
        // libsinsp: `= anyof` is a raw set lookup, where an ipnet value never equals a network
        (
            "t.net = anyof (10.0.0.0/8, ::/1)",
            vec![(NET, net("10.1.0.0"))],
            false,
        ),
        (
            "t.net = oneof (10.0.0.0/8, ::/1)",
            vec![(NET, net("10.1.0.0"))],
            true,
        ),
    ]);
}

#[test]
fn field_to_field() {
    run(vec![
        (
            "dummy.value = val(t.num2)",
            vec![(VALUE, u(5)), (NUM2, u(5))],
            true,
        ),
        (
            "dummy.value = val(t.num2)",
            vec![(VALUE, u(5)), (NUM2, u(6))],
            false,
        ),
        (
            "dummy.value < val(t.num2)",
            vec![(VALUE, u(5)), (NUM2, u(6))],
            true,
        ),
        (
            "dummy.value >= val(t.num2)",
            vec![(VALUE, u(5)), (NUM2, u(6))],
            false,
        ),
        ("dummy.value != val(t.num2)", vec![(VALUE, u(5))], false),
        (
            "dummy.value in val(t.num2)",
            vec![(VALUE, u(5)), (NUM2, u(5))],
            true,
        ),
        (
            "dummy.strvalue contains val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("bc"))],
            true,
        ),
        (
            "dummy.strvalue icontains val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("BC"))],
            true,
        ),
        (
            "dummy.strvalue startswith val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("ab"))],
            true,
        ),
        (
            "dummy.strvalue endswith val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("ab"))],
            false,
        ),
        (
            "dummy.strvalue glob val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("a*d"))],
            true,
        ),
        (
            "dummy.strvalue iglob val(t.str2)",
            vec![(STRVALUE, s("abcd")), (STR2, s("A*D"))],
            true,
        ),
        (
            "dummy.strvalue > val(t.str2)",
            vec![(STRVALUE, s("b")), (STR2, s("a"))],
            true,
        ),
        (
            "t.flag = val(t.flag)",
            vec![(FLAG, ExtractedValue::Bool(true))],
            true,
        ),
        ("t.ip = val(t.ip)", vec![(IP, ip("::1"))], true),
        (
            "t.words intersects val(t.words2)",
            vec![
                (WORDS, list(vec![s("a"), s("b")])),
                (WORDS2, list(vec![s("b")])),
            ],
            true,
        ),
        (
            "t.words in val(t.words2)",
            vec![
                (WORDS, list(vec![s("a"), s("b")])),
                (WORDS2, list(vec![s("b")])),
            ],
            false,
        ),
        (
            "t.words in val(t.words2)",
            vec![
                (WORDS, list(vec![s("b")])),
                (WORDS2, list(vec![s("a"), s("b")])),
            ],
            true,
        ),
    ]);
}

#[test]
fn logic_and_value_sources() {
    run(vec![
        (
            "dummy.value = 1 or dummy.value = 2 and dummy.strvalue = x",
            vec![(VALUE, u(1))],
            true,
        ),
        (
            "(dummy.value = 1 or dummy.value = 2) and dummy.strvalue = x",
            vec![(VALUE, u(1))],
            false,
        ),
        (
            "not (dummy.value = 1 and dummy.strvalue = x)",
            vec![(VALUE, u(1))],
            true,
        ),
        ("not not dummy.value = 1", vec![(VALUE, u(1))], true),
    ]);
    // a slice of FieldValue indexed by id, borrowing refs
    let refs = [ValueRef::Str(b"a"), ValueRef::Str(b"b")];
    let row: Vec<FieldValue> = (0..=WORDS)
        .map(|id| match id {
            VALUE => FieldValue::One(ValueRef::U64(16)),
            WORDS => FieldValue::List(ValueList::Refs(&refs)),
            _ => FieldValue::Absent,
        })
        .collect();
    assert!(
        compile_ok("dummy.value = 16 and t.words in (a, b) and not dummy.strvalue exists")
            .matches(&row)
    );
    assert!(compile_ok("dummy.value = 16").matches(&row.as_slice()));
    let arr = [FieldValue::Absent, FieldValue::One(ValueRef::U64(3))];
    assert!(compile_ok("dummy.value = 3").matches(&arr));
    assert!(
        !compile_ok("t.flag exists").matches(&row),
        "ids past the end are absent"
    );
}

#[test]
fn compiled_objects_are_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<CompiledFilter>();
    shareable::<OutputFormat>();
    shareable::<Definitions>();
    shareable::<Expr>();
    shareable::<FilterError>();
}
