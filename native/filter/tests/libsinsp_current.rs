//! What current libsinsp does where scaptool once followed sysdig 0.29.3 or guessed, each case
//! found by the differential fuzz against the oracle's sinsp-example
//! (test/print-libsinsp-fuzz.test.ts) and settled there: output formats parsed as libsinsp's
//! formatter does, bytes and widths, list text, `len()`'s print format, transformed values in
//! `in`/`intersects`, empty transformed lists, `evt.cpu`'s 16-bit type, networks, escapes.

use scap_filter::*;

const STR: u32 = 0;
const WORDS: u32 = 1;
const NUM: u32 = 2;
/// Like evt.source: a text field without a numeric print format (`PF_NA`).
const SRC: u32 = 3;
/// Like evt.cpu: libsinsp's PT_INT16.
const CPU: u32 = 4;
const KEY: u32 = 5;
const NUMS: u32 = 6;
const EMPTY: u32 = 7;
/// Never has a value.
const NONE: u32 = 8;
const NET: u32 = 9;

fn resolve(name: &str, arg: Option<&str>, _pos: Pos) -> Result<ResolvedField, String> {
    use FieldType::*;
    let mut f = match (name, arg) {
        ("p.str", None) => ResolvedField::new(STR, String, false),
        ("p.words", None) => ResolvedField::new(WORDS, String, true),
        ("p.num", None) => ResolvedField::new(NUM, Uint64, false),
        ("p.nums", None) => ResolvedField::new(NUMS, Uint64, true),
        ("p.empty", None) => ResolvedField::new(EMPTY, String, false),
        ("p.none", None) => ResolvedField::new(NONE, String, false),
        ("p.net", None) => ResolvedField::new(NET, Ipnet, false),
        ("p.key", Some(a)) => {
            ResolvedField::new(KEY + if a == "hex" { 100 } else { 0 }, String, false)
        }
        ("e.src", None) => {
            let mut f = ResolvedField::new(SRC, String, false);
            f.print = PrintFormat::NotApplicable;
            f
        }
        ("e.cpu", None) => ResolvedField::new(CPU, Uint64, false),
        (_, Some(_)) => return Err(format!("field '{name}' does not take an argument")),
        _ => return Err(format!("unknown field {name}")),
    };
    f.int16 = name == "e.cpu";
    Ok(f)
}

fn values() -> OwnedValues {
    let s = |x: &str| ExtractedValue::Str(x.as_bytes().to_vec());
    let mut v = OwnedValues::new();
    v.set(STR, Some(s("Ab/cd")))
        .set(
            WORDS,
            Some(ExtractedValue::List(vec![s(""), s("one"), s(""), s("two")])),
        )
        .set(NUM, Some(ExtractedValue::U64(42)))
        .set(
            NUMS,
            Some(ExtractedValue::List(vec![
                ExtractedValue::U64(7),
                ExtractedValue::U64(8),
            ])),
        )
        .set(SRC, Some(s("dummy")))
        .set(CPU, Some(ExtractedValue::U64(3)))
        .set(KEY, Some(s("k")))
        .set(KEY + 100, Some(s("0x2a")))
        .set(EMPTY, Some(s("")))
        .set(
            NET,
            Some(ExtractedValue::IpNet("2001:db8::1".parse().unwrap())),
        );
    v
}

fn text(f: &str) -> Option<String> {
    OutputFormat::parse(f, &resolve)
        .unwrap_or_else(|e| panic!("{f}: {e}"))
        .to_text(&values())
}

fn matches(filter: &str) -> bool {
    compile_filter(filter, None, &resolve)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(&values())
}

fn refused(filter: &str) -> String {
    compile_filter(filter, None, &resolve)
        .err()
        .unwrap_or_else(|| panic!("{filter} compiled"))
        .to_string()
}

#[test]
fn format_tokens_are_parsed_and_shortened_as_libsinsp_does() {
    // the longest prefix that parses and compiles: an argument a field does not take is text
    assert_eq!(text("%p.num[3]").unwrap(), "42[3]");
    assert_eq!(text("%p.numx").unwrap(), "42x");
    // field arguments are the condition grammar's: quoted ones are unquoted
    assert_eq!(
        text("%p.key['hex'] %p.key[\"k\"] %p.key[k]").unwrap(),
        "0x2a k k"
    );
    // a blank in an argument: libsinsp's plugin check cuts the field there and gives up
    let e = OutputFormat::parse("%p.key['a b']", &resolve).unwrap_err();
    assert!(e.message.contains("unbalanced argument brackets"), "{e}");
    // every transformer takes constants and transformer lists
    assert_eq!(
        text("%tolower(\"AB\") %toupper((p.words, 'x'))").unwrap(),
        "ab (ONE,,TWO,X)"
    );
    // JSON keys are written as libsinsp's ast::as_string does
    let f = OutputFormat::parse("%p.key['hex'] %p.key[k]", &resolve).unwrap();
    let keys: Vec<String> = f
        .json_fields(&values())
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["p.key[hex]", "p.key[k]"]);
    // without a plain field the JSON object is jsoncpp's untouched `null`
    let f = OutputFormat::parse("text %tolower(\"AB\")", &resolve).unwrap();
    assert_eq!(f.to_json(&values()).unwrap(), "null");
    // a transformer's plain fields are keys
    let f = OutputFormat::parse("text %tolower(p.str)", &resolve).unwrap();
    assert_eq!(f.to_json(&values()).unwrap(), r#"{"p.str":"Ab/cd"}"#);
}

#[test]
fn text_is_bytes_widths_cut_bytes_and_lists_skip_leading_commas() {
    // libsinsp's list text writes a comma once something follows the '(', and is cut to 1023
    // bytes
    assert_eq!(text("%p.words").unwrap(), "(one,,two)");
    let mut v = values();
    let long = ExtractedValue::Str(vec![b'x'; 600]);
    v.set(WORDS, Some(ExtractedValue::List(vec![long.clone(), long])));
    let f = OutputFormat::parse("%p.words|", &resolve).unwrap();
    assert_eq!(
        f.to_text(&v).unwrap(),
        format!("({},{}|", "x".repeat(600), "x".repeat(421))
    );
    // %NN resizes the value's bytes: a cut UTF-8 character shows as U+FFFD
    let mut v = values();
    v.set(STR, Some(ExtractedValue::Str("é-x".as_bytes().to_vec())));
    let f = OutputFormat::parse("%1p.str|%4p.str|", &resolve).unwrap();
    assert_eq!(f.to_text(&v).unwrap(), "\u{fffd}|é-x|");
    // padding counts bytes, <NA> included
    assert_eq!(
        text("*%6p.num|%6p.none|%2p.empty|").unwrap(),
        "42    |<NA>  |  |"
    );
}

#[test]
fn len_prints_with_the_print_format_of_what_it_measures() {
    // a plugin field (PF_DEC) prints its length; a text field without one (evt.source), a
    // constant, concat() or join() give a number without text: <NA>
    assert_eq!(
        text("*%len(p.str) %len(p.words) %len(e.src) %len(\"abc\") %len(concat(p.str, 'x')) %len(join(',', p.words))").unwrap(),
        "5 4 <NA> <NA> <NA> <NA>"
    );
    assert_eq!(text("%len(e.src)"), None, "no value: no line without *");
    // the value itself is there for filters
    assert!(matches("len(e.src) = 5 and len(join(',', p.words)) = 9"));
}

#[test]
fn transformed_values_in_sets_keep_their_nul() {
    // tolower() & co. end each value with a NUL; `in`/`intersects` compare raw values, so a
    // transformed list item or right-hand value never equals anything
    assert!(!matches("tolower(p.words) intersects (one)"));
    assert!(!matches("p.str in tolower(p.str)"));
    assert!(!matches("p.words intersects toupper(p.words)"));
    // a single transformed value is compared as text, so are join() and concat() results
    assert!(matches("tolower(p.str) in ('ab/cd')"));
    assert!(matches(
        "p.str = toupper(tolower(p.str)) or p.str != toupper(p.str)"
    ));
    assert!(matches(
        "concat(p.str, '') in ('Ab/cd') and join('-', p.words) in ('-one--two')"
    ));
    // an empty transformed list is a value: it exists and is in every set
    assert!(matches(
        "tolower(()) exists and b64(()) in (x) and not tolower(()) intersects (x)"
    ));
}

#[test]
fn transformer_lists_take_uint64_as_text_and_int16_as_raw_bytes() {
    // rawnum_check: a uint64 (the first of a list) as text; evt.cpu (PT_INT16) and booleans as
    // their raw bytes read as a C string (3 is "\x03", true "\x01", false "")
    assert_eq!(
        text("%join(',', (p.num, p.nums, e.cpu))").unwrap(),
        "42,7,\u{3}"
    );
    let mut v = values();
    v.set(NUM, Some(ExtractedValue::Bool(true)));
    let f = OutputFormat::parse(
        "%join(',', (p.flag, 'x'))",
        &|n: &str, a: Option<&str>, p: Pos| {
            if n == "p.flag" {
                Ok(ResolvedField::new(NUM, FieldType::Bool, false))
            } else {
                resolve(n, a, p)
            }
        },
    )
    .unwrap();
    assert_eq!(f.to_text(&v).unwrap(), "\u{1},x");
    let e = refused("join(',', (t.x)) = 1");
    assert!(e.contains("unknown field"), "{e}");
}

#[test]
fn int16_fields_read_numbers_as_c_int_and_compare_signed() {
    assert!(matches("e.cpu > -1 and e.cpu < 70000 and e.cpu = 65539"));
    assert!(matches("e.cpu in (-1, 3)"));
    let e = refused("e.cpu = val(p.num)");
    assert!(
        e.contains(
            "'INT16' while the right-hand side field 'p.num' has incompatible type 'UINT64'"
        ),
        "{e}"
    );
}

#[test]
fn ipnet_modifiers_that_libsinsp_reads_as_raw_membership() {
    // `= anyof` and `!= allof` are set lookups of raw values, where an ipnet value never
    // equals a network constant; the other modifiers compare as `=`/`!=` do (containment)
    assert!(!matches("p.net = anyof (2001:db8::/32)"));
    assert!(matches("p.net != allof (2001:db8::/32)"));
    assert!(matches(
        "p.net = oneof (2001:db8::/32) and p.net = allof (2001:db8::/32, 2001::/16)"
    ));
    assert!(matches("p.net != anyof (2001:db8::/32, 10.0.0.0/8)"));
    assert!(!matches("p.net = anyof ()") && !matches("p.net != allof ()"));
}

#[test]
fn grammar_details() {
    // `or(` takes just the bracketed expression
    assert!(refused("p.num = 1 or(p.num = 2) and p.num = 3").contains("unexpected 'and'"));
    assert!(matches("p.num = 1 or(p.num = 42)"));
    // \xHH escapes; a quote after a backslash does not end a string
    assert!(matches("p.str = \"\\x41b/cd\""));
    assert!(refused("p.str = \"C:\\\\\"").contains("unterminated"));
    // an argument after any transformer parses; only getopt() takes one
    assert!(refused("tolower(p.str)[x] = 1").contains("does not support field arguments"));
}
