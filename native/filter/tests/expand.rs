//! Macros and lists: nesting, lists in lists, quoted items, cycles, undefined names, and error
//! positions inside macro bodies.

mod common;

use common::*;
use scap_filter::*;

fn defs() -> Definitions {
    let mut d = Definitions::new();
    d.add_macro("is_small", "dummy.value < 20").unwrap();
    d.add_macro("is_div3", "dummy.divisible[3] = 1").unwrap();
    d.add_macro("small_div3", "is_small and is_div3").unwrap();
    d.add_macro("in_range", "evt.num > 0 and evt.num < 10")
        .unwrap();
    d.add_list("small_values", ["8", "9", "10"]);
    d.add_list("more_values", ["small_values", "16"]);
    d.add_list("spaced", ["\"a b\"", "'c'", "plain"]);
    d
}

fn expanded(d: &Definitions, src: &str) -> String {
    d.expand(&parse(src).unwrap())
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .to_string()
}

fn expand_err(d: &Definitions, src: &str) -> FilterError {
    match d.expand(&parse(src).unwrap()) {
        Ok(e) => panic!("{src}: expanded to {e}"),
        Err(e) => e,
    }
}

#[test]
fn macros_expand_recursively() {
    let d = defs();
    assert_eq!(expanded(&d, "is_small"), "dummy.value < 20");
    assert_eq!(
        expanded(&d, "small_div3"),
        "(dummy.value < 20 and dummy.divisible[3] = 1)"
    );
    assert_eq!(
        expanded(&d, "in_range and not small_div3 or evt.num = 1"),
        "(((evt.num > 0 and evt.num < 10) and not (dummy.value < 20 and dummy.divisible[3] = 1)) or evt.num = 1)"
    );
    // the guide's rule written with macros gives the guide's events
    let ast = d.expand(&parse("in_range and is_div3").unwrap()).unwrap();
    let f = compile(&ast, &resolve).unwrap();
    let hits: Vec<u64> = dummy_events()
        .iter()
        .filter(|e| f.matches(*e))
        .map(|e| e.num)
        .collect();
    assert_eq!(hits, vec![2, 6, 8]);
    // the expanded nodes know where they came from
    let ExprKind::And(c) = ast.kind else { panic!() };
    let o = c[1].origin.as_ref().unwrap();
    assert_eq!(
        (o.macro_name.as_str(), o.used_in.as_str(), o.used_at.col),
        ("is_div3", "filter", 14)
    );
    assert!(c[0].origin.is_some());
}

#[test]
fn lists_expand() {
    let d = defs();
    assert_eq!(
        expanded(&d, "dummy.value in small_values"),
        "dummy.value in (8, 9, 10)"
    );
    assert_eq!(
        expanded(&d, "dummy.value in (small_values, 100)"),
        "dummy.value in (8, 9, 10, 100)"
    );
    assert_eq!(
        expanded(&d, "dummy.value in (more_values)"),
        "dummy.value in (8, 9, 10, 16)"
    );
    assert_eq!(
        expanded(&d, "dummy.strvalue in (\"small_values\")"),
        "dummy.strvalue in (small_values)"
    );
    assert_eq!(
        expanded(&d, "dummy.strvalue in (spaced)"),
        "dummy.strvalue in (\"a b\", c, plain)"
    );
    assert_eq!(
        expanded(&d, "dummy.strvalue pmatch small_values"),
        "dummy.strvalue pmatch (8, 9, 10)"
    );
    assert_eq!(
        expanded(&d, "dummy.strvalue startswith anyof more_values"),
        "dummy.strvalue startswith anyof (8, 9, 10, 16)"
    );
    // a single value named like a list stays a string (Falco would substitute it textually)
    assert_eq!(
        expanded(&d, "dummy.strvalue = small_values"),
        "dummy.strvalue = small_values"
    );
    assert_eq!(
        d.list_items("more_values").unwrap(),
        vec!["8", "9", "10", "16"]
    );
    // lists used inside macros
    let mut d2 = defs();
    d2.add_macro("known", "dummy.value in (more_values)")
        .unwrap();
    assert_eq!(matching_with(&d2, "known"), vec![1, 2, 3, 4]);
    // an empty list
    d2.add_list("none", Vec::<String>::new());
    assert_eq!(
        expanded(&d2, "dummy.value in (none, 8)"),
        "dummy.value in (8)"
    );
    assert_eq!(matching_with(&d2, "dummy.value in none"), Vec::<u64>::new());
}

fn matching_with(d: &Definitions, src: &str) -> Vec<u64> {
    let f = compile_filter(src, Some(d), &resolve).unwrap();
    dummy_events()
        .iter()
        .filter(|e| f.matches(*e))
        .map(|e| e.num)
        .collect()
}

#[test]
fn cycles() {
    let mut d = defs();
    d.add_macro("a", "evt.num = 1 or b").unwrap();
    d.add_macro("b", "not c").unwrap();
    d.add_macro("c", "evt.num = 2 and a").unwrap();
    d.add_macro("self", "self").unwrap();
    let e = expand_err(&d, "evt.num = 3 and a");
    assert_eq!(e.kind, ErrorKind::Cycle);
    assert_eq!(
        e.to_string(),
        "macro c:1:17: macro 'a' uses itself: a -> b -> c -> a (in macro 'c' used at macro b:1:5) (in macro 'b' used at macro a:1:16) (in macro 'a' used at filter:1:17)"
    );
    assert_eq!(expand_err(&d, "self").to_string(), "macro self:1:1: macro 'self' uses itself: self -> self (in macro 'self' used at filter:1:1)");
    // a macro used twice side by side is not a cycle
    assert!(d.expand(&parse("is_small and is_small").unwrap()).is_ok());

    d.add_list("l1", ["x", "l2"]);
    d.add_list("l2", ["y", "l1"]);
    let e = expand_err(&d, "dummy.strvalue in (l1)");
    assert_eq!(e.kind, ErrorKind::Cycle);
    assert_eq!(
        e.to_string(),
        "filter:1:20: list 'l1' contains itself: l1 -> l2 -> l1"
    );
    // the same list twice is fine
    assert!(d
        .expand(&parse("dummy.value in (small_values, small_values)").unwrap())
        .is_ok());
}

#[test]
fn undefined_names() {
    let d = defs();
    let e = expand_err(&d, "evt.num = 1 and nope");
    assert_eq!(
        (e.kind, e.to_string().as_str()),
        (
            ErrorKind::UndefinedMacro,
            "filter:1:17: undefined macro 'nope'"
        )
    );
    let e = expand_err(&d, "dummy.value in nolist");
    assert_eq!(
        (e.kind, e.to_string().as_str()),
        (
            ErrorKind::UndefinedList,
            "filter:1:16: undefined list 'nolist'"
        )
    );
    // an unquoted list item that is not a list name is just a value
    assert_eq!(
        expanded(&d, "dummy.strvalue in (nolist)"),
        "dummy.strvalue in (nolist)"
    );
    // inside a macro: the position is in the macro body, with the use site
    let mut d = defs();
    d.add_macro("outer", "evt.num > 1 and\n  inner").unwrap();
    d.add_macro("inner", "dummy.value in missing_list").unwrap();
    let e = expand_err(&d, "not outer");
    assert_eq!(
        e.to_string(),
        "macro inner:1:16: undefined list 'missing_list' (in macro 'inner' used at macro outer:2:3) (in macro 'outer' used at filter:1:5)"
    );
    // compiling without expanding reports the macro
    let err = compile_filter("is_small", None, &resolve).unwrap_err();
    assert_eq!(
        (err.kind, err.to_string().as_str()),
        (
            ErrorKind::UndefinedMacro,
            "filter:1:1: undefined macro 'is_small'"
        )
    );
    let err = compile_filter("dummy.value in small_values", None, &resolve).unwrap_err();
    assert_eq!(
        err.to_string(),
        "filter:1:16: undefined list 'small_values'"
    );
}

#[test]
fn errors_inside_macros() {
    let mut d = defs();
    // parse errors in a macro body are named after the macro
    let e = d.add_macro("broken", "evt.num >").unwrap_err();
    assert_eq!(
        e.to_string(),
        "macro broken:1:10: expected a number after operator '>', found the end of the filter"
    );
    // compile errors in an expanded macro point into the macro and say where it was used
    d.add_macro("bad_field", "evt.num > 1 and dummy.nope = 2")
        .unwrap();
    d.add_macro("bad_value", "dummy.value = abc").unwrap();
    d.add_macro("wrapper", "bad_value").unwrap();
    let e = compile_filter("evt.num = 1 or bad_field", Some(&d), &resolve).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Field);
    assert_eq!(e.source, "macro bad_field");
    assert_eq!(
        e.to_string(),
        "macro bad_field:1:17: filter_check called with nonexistent field dummy.nope (in macro 'bad_field' used at filter:1:16)"
    );
    assert_eq!(
        e.caret("evt.num > 1 and dummy.nope = 2"),
        "evt.num > 1 and dummy.nope = 2\n                ^"
    );
    let e = compile_filter("wrapper", Some(&d), &resolve).unwrap_err();
    assert_eq!(
        e.to_string(),
        "macro bad_value:1:15: abc is not a valid number (in macro 'bad_value' used at macro wrapper:1:1) (in macro 'wrapper' used at filter:1:1)"
    );
    assert_eq!(e.expanded_from.len(), 2);
    // a redefinition replaces the macro (Falco's override)
    d.add_macro("bad_value", "dummy.value = 8").unwrap();
    assert_eq!(matching_with(&d, "wrapper"), vec![1]);
    // macros given as ASTs
    let mut d = Definitions::new();
    d.add_macro_expr("m", parse("dummy.value = 9").unwrap());
    assert!(d.has_macro("m") && !d.has_list("m"));
    assert_eq!(matching_with(&d, "m or dummy.value = 8"), vec![1, 2]);
}

/// A small rules file whose macros (or lists) double at every level would expand to 2^39 checks:
/// expansion stops at a fixed budget with an error naming the chain, in well under a second.
#[test]
fn exponential_expansion_is_bounded() {
    let mut d = Definitions::new();
    d.add_macro("m0", "dummy.value = 1").unwrap();
    for i in 1..40 {
        d.add_macro(&format!("m{i}"), &format!("m{p} or m{p}", p = i - 1)).unwrap();
    }
    let started = std::time::Instant::now();
    let e = expand_err(&d, "m39");
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
    assert!(e.message.contains("grows past"), "{}", e.message);
    assert!(e.message.contains("macro 'm39' -> macro 'm38'"), "{}", e.message);

    let mut d = Definitions::new();
    d.add_list("l0", ["1", "2"]);
    for i in 1..40 {
        let p = format!("l{}", i - 1);
        d.add_list(&format!("l{i}"), [p.as_str(), p.as_str()]);
    }
    let e = expand_err(&d, "dummy.value in (l39)");
    assert!(e.message.contains("list items"), "{}", e.message);
    assert!(e.message.contains("list 'l39'"), "{}", e.message);
}
