//! Compile errors (unknown fields, operators the type refuses, bad constants, bad regexes,
//! val() and transformer type rules) with their positions, and the list of fields a filter needs.

mod common;

use common::*;
use scap_filter::*;

#[test]
fn compile_errors_with_positions() {
    let cases: &[(&str, ErrorKind, &str)] = &[
        // fields
        ("dummy.nope = 1", ErrorKind::Field, "filter:1:1: filter_check called with nonexistent field dummy.nope"),
        ("evt.num = 1 and\n  dummy.nope exists", ErrorKind::Field, "filter:2:3: filter_check called with nonexistent field dummy.nope"),
        ("dummy.divisible = 1", ErrorKind::Field, "filter:1:1: field 'dummy.divisible' requires an argument"),
        ("dummy.divisible[x] = 1", ErrorKind::Field, "filter:1:1: field 'dummy.divisible': argument 'x' is not an index"),
        ("dummy.value[1] = 1", ErrorKind::Field, "filter:1:1: field 'dummy.value' does not take an argument"),
        // numbers (sysdig 0.29.3: "filter error at position 18: 0x10 is not a valid number")
        ("dummy.value = 0x10", ErrorKind::Value, "filter:1:15: 0x10 is not a valid number"),
        ("dummy.value > 1.5", ErrorKind::Value, "filter:1:15: 1.5 is not a valid number"),
        ("dummy.value in (8, 9, 0x10)", ErrorKind::Value, "filter:1:23: 0x10 is not a valid number"),
        ("dummy.value = abc", ErrorKind::Value, "filter:1:15: abc is not a valid number"),
        ("t.rel < 1ms", ErrorKind::Syntax, "filter:1:10: unexpected 'ms', expected 'and', 'or' or the end of the filter"),
        ("t.abs = '2024-01-01'", ErrorKind::Value, "filter:1:9: 2024-01-01 is not a valid number"),
        // operators per type (sysdig 0.29.3: "'contains' not supported for numeric filters")
        ("dummy.value contains 1", ErrorKind::Operator, "filter:1:13: 'contains' operator not supported for numeric filters: field 'dummy.value' has type uint64"),
        ("t.rel startswith 1", ErrorKind::Operator, "filter:1:7: 'startswith' operator not supported for numeric filters: field 't.rel' has type reltime"),
        ("t.abs glob 1*", ErrorKind::Operator, "filter:1:7: 'glob' operator not supported for numeric filters: field 't.abs' has type abstime"),
        ("dummy.value pmatch (/a)", ErrorKind::Operator, "filter:1:13: 'pmatch' operator not supported for numeric filters: field 'dummy.value' has type uint64"),
        ("dummy.value regex '1.*'", ErrorKind::Operator, "filter:1:13: 'regex' operator not supported for numeric filters: field 'dummy.value' has type uint64"),
        ("dummy.strvalue bcontains 31", ErrorKind::Operator, "filter:1:16: 'bcontains' operator not supported for string filters: field 'dummy.strvalue' has type string"),
        ("dummy.strvalue bstartswith 31", ErrorKind::Operator, "filter:1:16: 'bstartswith' operator not supported for string filters: field 'dummy.strvalue' has type string"),
        ("t.flag < 1", ErrorKind::Operator, "filter:1:8: '<' operator not supported for boolean filters: field 't.flag' has type bool"),
        ("t.flag contains t", ErrorKind::Operator, "filter:1:8: 'contains' operator not supported for boolean filters: field 't.flag' has type bool"),
        ("t.ip startswith 10.", ErrorKind::Operator, "filter:1:6: 'startswith' operator not supported for ip address and network filters: field 't.ip' has type ipaddr"),
        ("t.net > 1", ErrorKind::Operator, "filter:1:7: '>' operator not supported for ip address and network filters: field 't.net' has type ipnet"),
        ("t.words = x", ErrorKind::Operator, "filter:1:9: '=' operator not supported for list filters: field 't.words' has type string (list) (list fields support 'in', 'intersects' and 'exists')"),
        ("t.nums > 1", ErrorKind::Operator, "filter:1:8: '>' operator not supported for list filters: field 't.nums' has type uint64 (list) (list fields support 'in', 'intersects' and 'exists')"),
        ("t.words pmatch (/a)", ErrorKind::Operator, "filter:1:9: 'pmatch' operator not supported for list filters: field 't.words' has type string (list) (list fields support 'in', 'intersects' and 'exists')"),
        ("t.words startswith anyof (a)", ErrorKind::Operator, "filter:1:9: 'startswith' operator not supported for list filters: field 't.words' has type string (list) (list fields support 'in', 'intersects' and 'exists')"),
        // constants of other types
        ("t.flag = yes", ErrorKind::Value, "filter:1:10: unrecognized boolean value yes (expected true or false)"),
        ("t.flag in (true, 1)", ErrorKind::Value, "filter:1:18: unrecognized boolean value 1 (expected true or false)"),
        ("t.ip = 10.0.0.0/8", ErrorKind::Value, "filter:1:8: unrecognized IPv4 address 10.0.0.0/8 (a network: compare an ipnet field)"),
        ("t.ip = 10.0.0.256", ErrorKind::Value, "filter:1:8: unrecognized IPv4 address 10.0.0.256"),
        ("t.ip = nope", ErrorKind::Value, "filter:1:8: unrecognized IPv6 address nope"),
        ("t.ip in (10.0.0.1, ::g)", ErrorKind::Value, "filter:1:20: unrecognized IPv6 address ::g"),
        ("t.net = 10.0.0.1", ErrorKind::Value, "filter:1:9: unrecognized IP network 10.0.0.1 (expected address/prefix-length)"),
        ("t.net = 10.0.0.0/40", ErrorKind::Value, "filter:1:9: invalid netmask 40"),
        ("t.net in (::/129)", ErrorKind::Value, "filter:1:11: invalid v6 netmask 129"),
        ("t.nums in (1, x)", ErrorKind::Value, "filter:1:15: x is not a valid number"),
        // regexes
        ("dummy.strvalue regex '('", ErrorKind::Regex, "filter:1:22: invalid regex pattern: unclosed group"),
        ("dummy.strvalue regex '\\\\d+'", ErrorKind::Regex, "filter:1:22: invalid regex pattern: Perl classes \\d \\s \\w are not allowed (RE2 POSIX syntax); use [[:digit:]], [[:space:]], [[:alnum:]_]"),
        ("dummy.strvalue regex '(?i)abc'", ErrorKind::Regex, "filter:1:22: invalid regex pattern: flag groups like (?i) are not allowed (RE2 POSIX syntax)"),
        ("dummy.strvalue regex anyof ('a', 'b*?')", ErrorKind::Regex, "filter:1:34: invalid regex pattern: non-greedy repetitions like *? are not allowed (RE2 POSIX syntax)"),
        // val()
        ("dummy.value = val(dummy.strvalue)", ErrorKind::Operator, "filter:1:19: field 'dummy.value' has type 'UINT64' while the right-hand side field 'dummy.strvalue' has incompatible type 'CHARBUF'"),
        ("t.words in val(t.str2)", ErrorKind::Operator, "filter:1:16: field 't.words' has type 'CHARBUF (list)' while the right-hand side field 't.str2' has incompatible type 'CHARBUF'"),
        ("t.rel = val(dummy.value)", ErrorKind::Operator, "filter:1:13: field 't.rel' has type 'RELTIME' while the right-hand side field 'dummy.value' has incompatible type 'UINT64'"),
        ("dummy.strvalue regex val(t.str2)", ErrorKind::Operator, "filter:1:16: operator 'regex' doesn't support right-hand side fields"),
        ("dummy.strvalue pmatch val(t.str2)", ErrorKind::Operator, "filter:1:16: operator 'pmatch' doesn't support right-hand side fields"),
        ("t.net = val(t.net)", ErrorKind::Operator, "filter:1:7: field type 'ipnet' doesn't support right-hand side fields"),
        ("dummy.value = val(dummy.nope)", ErrorKind::Field, "filter:1:19: filter_check called with nonexistent field dummy.nope"),
        // transformers (more in transformers.rs)
        ("tolower(dummy.value) = x", ErrorKind::Operator, "filter:1:1: can't apply the 'tolower' transformer to field 'dummy.value' of type uint64: tolower() takes strings and lists of strings"),
        // the grammar takes an argument after any transformer; only getopt() has a use for one
        ("tolower(dummy.strvalue)[x] = 1", ErrorKind::Syntax, "filter:1:1: transformer 'tolower' does not support field arguments"),
        ("dummy.value = toupper(t.str2)", ErrorKind::Operator, "filter:1:15: field 'dummy.value' has type 'UINT64' while the right-hand side field 'toupper(t.str2)' has incompatible type 'CHARBUF'"),
        ("getopt(t.words, \"n\") intersects (n)", ErrorKind::Unsupported, "filter:1:1: the field transformer 'getopt()' is not supported: its results changed between recent libsinsp versions (options after the first non-option, unknown options, a missing option argument, the [opt] selector), so there is no settled behaviour to reproduce"),
    ];
    for (src, kind, want) in cases {
        let e = compile_filter(src, None, &resolve)
            .err()
            .unwrap_or_else(|| panic!("{src:?} compiled"));
        assert_eq!((e.to_string().as_str(), e.kind), (*want, *kind), "{src:?}");
    }
}

#[test]
fn fields_needed() {
    let f = compile_ok("evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1");
    let names: Vec<(u32, &str, Option<&str>, FieldType)> = f
        .fields()
        .iter()
        .map(|r| (r.id, r.name.as_str(), r.arg.as_deref(), r.ty))
        .collect();
    assert_eq!(
        names,
        vec![
            (EVT_NUM, "evt.num", None, FieldType::Uint64),
            (
                DIVISIBLE + 3,
                "dummy.divisible",
                Some("3"),
                FieldType::Uint64
            )
        ]
    );
    let f = compile_ok("dummy.value = val(t.num2) or not (t.words exists and dummy.divisible[3] = 1 and dummy.divisible[5] = 1)");
    let ids: Vec<u32> = f.fields().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![VALUE, NUM2, WORDS, DIVISIBLE + 3, DIVISIBLE + 5]);
    assert!(f.fields()[2].is_list);
}

#[test]
fn closures_and_structs_are_resolvers() {
    struct Fixed;
    impl FieldResolver for Fixed {
        fn resolve(
            &self,
            name: &str,
            _arg: Option<&str>,
            pos: Pos,
        ) -> Result<ResolvedField, String> {
            if name == "x.y" {
                Ok(ResolvedField::new(7, FieldType::String, false))
            } else {
                Err(format!("no {name} at {pos}"))
            }
        }
    }
    let f = compile_filter("x.y = a", None, &Fixed).unwrap();
    let mut v = OwnedValues::new();
    v.set(7, Some(s("a")));
    assert!(f.matches(&v));
    assert_eq!(
        compile_filter("x.y = a and\n z.w = 1", None, &Fixed)
            .unwrap_err()
            .to_string(),
        "filter:2:2: no z.w at 2:2"
    );
    assert_eq!(
        compile_named(&parse("z.w = 1").unwrap(), &Fixed, "rule 'r'")
            .unwrap_err()
            .source,
        "rule 'r'"
    );
}
