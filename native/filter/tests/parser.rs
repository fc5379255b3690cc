//! Parser: every operator, precedence, nesting, quoting and escapes, field arguments, modifiers,
//! val() and transformers, and errors with their exact line:column.

use scap_filter::*;

fn canon(src: &str) -> String {
    parse(src)
        .unwrap_or_else(|e| panic!("{src:?}: {e}"))
        .to_string()
}

fn perr(src: &str) -> String {
    match parse(src) {
        Ok(e) => panic!("{src:?} parsed as {e}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn canonical_forms() {
    let cases: &[(&str, &str)] = &[
        // the guide's rule condition
        (
            "evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1",
            "(evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1)",
        ),
        // precedence: not > and > or
        (
            "a.b = 1 or c.d = 2 and e.f = 3",
            "(a.b = 1 or (c.d = 2 and e.f = 3))",
        ),
        (
            "a.b = 1 and c.d = 2 or e.f = 3",
            "((a.b = 1 and c.d = 2) or e.f = 3)",
        ),
        (
            "(a.b = 1 or c.d = 2) and e.f = 3",
            "((a.b = 1 or c.d = 2) and e.f = 3)",
        ),
        ("not a.b = 1 and c.d = 2", "(not a.b = 1 and c.d = 2)"),
        ("not a.b = 1 or not c.d = 2", "(not a.b = 1 or not c.d = 2)"),
        ("not (a.b = 1 and c.d = 2)", "not (a.b = 1 and c.d = 2)"),
        ("not(a.b = 1)", "not a.b = 1"),
        ("not not a.b = 1", "a.b = 1"),
        ("not not not a.b exists", "not a.b exists"),
        ("not not(a.b exists)", "a.b exists"),
        ("((((a.b exists))))", "a.b exists"),
        (
            "a.b = 1 and (c.d = 2 or (e.f = 3 and not g.h = 4))",
            "(a.b = 1 and (c.d = 2 or (e.f = 3 and not g.h = 4)))",
        ),
        ("a.b = 1 and(c.d = 2)", "(a.b = 1 and c.d = 2)"),
        ("a.b = 1 or(c.d = 2)", "(a.b = 1 or c.d = 2)"),
        // blanks: space, tab, \b, \r, \n
        ("\ta.b\n=\r\n1\x08", "a.b = 1"),
        ("a.b=1", "a.b = 1"),
        ("a.b==1", "a.b = 1"),
        // every operator
        ("a.b != x", "a.b != x"),
        ("a.b < 1", "a.b < 1"),
        ("a.b <= 1", "a.b <= 1"),
        ("a.b > 1", "a.b > 1"),
        ("a.b >= 1", "a.b >= 1"),
        ("a.b contains x", "a.b contains x"),
        ("a.b icontains X", "a.b icontains X"),
        ("a.b bcontains 414243", "a.b bcontains 414243"),
        ("a.b startswith /usr", "a.b startswith /usr"),
        ("a.b bstartswith 41", "a.b bstartswith 41"),
        ("a.b endswith .so", "a.b endswith .so"),
        ("a.b glob '/home/*/.ssh/*'", "a.b glob /home/*/.ssh/*"),
        ("a.b iglob '*.EXE'", "a.b iglob *.EXE"),
        ("a.b regex 'a.*b'", "a.b regex a.*b"),
        ("a.b in (x, y)", "a.b in (x, y)"),
        ("a.b in(x,y)", "a.b in (x, y)"),
        ("a.b intersects (x, y)", "a.b intersects (x, y)"),
        ("a.b pmatch (/etc, /var/run)", "a.b pmatch (/etc, /var/run)"),
        ("a.b exists", "a.b exists"),
        ("a.b in ()", "a.b in ()"),
        ("a.b in ( )", "a.b in ()"),
        ("a.b in (x, \"c d\", 'e')", "a.b in (x, \"c d\", e)"),
        ("a.b in my_list", "a.b in my_list"),
        ("a.b pmatch my_paths", "a.b pmatch my_paths"),
        // numbers and hex
        ("a.b > 0x1F", "a.b > 0x1F"),
        ("a.b > -5", "a.b > -5"),
        ("a.b > +1.5e+3", "a.b > +1.5e+3"),
        // field arguments
        ("a.b[1] = 2", "a.b[1] = 2"),
        ("a.b[\"x y\"] = 2", "a.b[\"x y\"] = 2"),
        ("a.b['k'] = 2", "a.b[k] = 2"),
        (
            "ct.request.parameters[key] exists",
            "ct.request.parameters[key] exists",
        ),
        ("a.b[/p/q] exists", "a.b[/p/q] exists"),
        // macros
        ("my_macro", "my_macro"),
        (
            "my_macro and not other_macro",
            "(my_macro and not other_macro)",
        ),
        ("order", "order"),
        ("a.b = 1 or order", "(a.b = 1 or order)"),
        // modifiers
        ("a.b startswith anyof (x, y)", "a.b startswith anyof (x, y)"),
        ("a.b = oneof (1,2)", "a.b = oneof (1, 2)"),
        ("a.b endswith allof my_list", "a.b endswith allof my_list"),
        (
            "a.b regex anyof ('a.*', 'b.*')",
            "a.b regex anyof (a.*, b.*)",
        ),
        ("a.b = anyof", "a.b = anyof"),
        ("a.b = anyof and c.d = 1", "(a.b = anyof and c.d = 1)"),
        // val() and transformers
        ("a.b = val(c.d)", "a.b = val(c.d)"),
        ("a.b > val( c.d[1] )", "a.b > val(c.d[1])"),
        ("a.b in val(c.d)", "a.b in val(c.d)"),
        ("tolower(a.b) = x", "tolower(a.b) = x"),
        // every transformer takes libsinsp's transformer arguments (compiling decides)
        ("tolower(\"a\") = x", "tolower(\"a\") = x"),
        ("len((a.b, 'c')) > 1", "len((a.b, \"c\")) > 1"),
        ("len(a.b) > 3", "len(a.b) > 3"),
        ("toupper(basename(a.b)) = X", "toupper(basename(a.b)) = X"),
        ("a.b = tolower(c.d)", "a.b = tolower(c.d)"),
        (
            "concat(a.b, \"-\", c.d) = x-y",
            "concat(a.b, \"-\", c.d) = x-y",
        ),
        // join/concat/getopt also take numbers and transformer lists
        (
            "join( '->' , ( a.b,1 , \"x y\",tolower(c.d) ) ) = z",
            "join(\"->\", (a.b, 1, \"x y\", tolower(c.d))) = z",
        ),
        ("join(\",\", ()) exists", "join(\",\", ()) exists"),
        ("concat(a.b, 0x1F, -2.5) = x", "concat(a.b, 0x1F, -2.5) = x"),
        (
            "toupper(join(\"-\", (concat(a.b, c.d), e.f))) = X",
            "toupper(join(\"-\", (concat(a.b, c.d), e.f))) = X",
        ),
        (
            "a.b = getopt((c.d, e.f), 'n:')[n]",
            "a.b = getopt((c.d, e.f), \"n:\")[n]",
        ),
        ("a.b in len(c.d)", "a.b in len(c.d)"),
        // bare strings keep anything but blanks ( ) , = and quotes
        ("a.b = /usr/bin/x!<>", "a.b = /usr/bin/x!<>"),
        ("a.b = héllo", "a.b = héllo"),
        ("a.b contains \"x y\"", "a.b contains \"x y\""),
    ];
    for (src, want) in cases {
        assert_eq!(&canon(src), want, "{src:?}");
        // the canonical form reads back to itself
        assert_eq!(&canon(want), want, "re-parse of {want:?}");
    }
}

fn value_of(src: &str) -> String {
    let e = parse(src).unwrap();
    let ExprKind::Check(c) = e.kind else {
        panic!("{src}")
    };
    match c.rhs {
        Rhs::Value(v) => v.text,
        other => panic!("{other:?}"),
    }
}

#[test]
fn quoting_and_escapes() {
    // escapes of filter/escaping.cpp
    assert_eq!(value_of(r#"a.b = "x\"y""#), "x\"y");
    assert_eq!(value_of(r"a.b = 'it\'s'"), "it's");
    assert_eq!(
        value_of(r#"a.b = "t\tn\nr\rb\bf\f""#),
        "t\tn\nr\rb\x08f\x0c"
    );
    assert_eq!(value_of(r#"a.b = "a\\b\/c""#), "a\\b/c");
    assert_eq!(
        value_of(r#"a.b = "a\ b""#),
        "a\\b",
        "libsinsp's compatibility escape"
    );
    assert_eq!(value_of(r#"a.b = 'say "hi"'"#), "say \"hi\"");
    assert_eq!(value_of(r#"a.b = "it's""#), "it's");
    assert_eq!(value_of(r#"a.b = """#), "");
    // libsinsp ends a string at the first quote not preceded by a backslash, escaped or not
    assert_eq!(
        perr(r#"a.b = "C:\\""#),
        "filter:1:7: unterminated \"-quoted string"
    );
    assert_eq!(value_of(r#"a.b = "C:\\ ""#), "C:\\ ");
    assert_eq!(value_of(r#"a.b = "\x41\x2fz""#), "A/z", "hex escapes");
    // quoted values are remembered as such (list names are not expanded from them)
    let e = parse("a.b in (x, \"y\")").unwrap();
    let ExprKind::Check(c) = e.kind else { panic!() };
    let Rhs::List { items, .. } = c.rhs else {
        panic!()
    };
    assert!(!items[0].quoted && items[1].quoted);
    // display re-escapes
    assert_eq!(canon(r#"a.b = "x\"y\\z""#), r#"a.b = "x\"y\\z""#);
    assert_eq!(canon("a.b = \"l1\\nl2\""), "a.b = \"l1\\nl2\"");
}

#[test]
fn positions() {
    let e = parse("evt.num > 0 and\n  dummy.divisible[3] = 1").unwrap();
    let ExprKind::And(c) = &e.kind else { panic!() };
    assert_eq!((c[1].pos.line, c[1].pos.col, c[1].pos.offset), (2, 3, 18));
    let ExprKind::Check(chk) = &c[1].kind else {
        panic!()
    };
    assert_eq!((chk.op_pos.line, chk.op_pos.col), (2, 22));
    let Rhs::Value(v) = &chk.rhs else { panic!() };
    assert_eq!((v.pos.line, v.pos.col), (2, 24));
    let Operand::Field(f) = &chk.lhs else {
        panic!()
    };
    assert_eq!(
        (f.name.as_str(), f.arg.as_deref()),
        ("dummy.divisible", Some("3"))
    );
}

#[test]
fn errors_with_columns() {
    let cases: &[(&str, &str)] = &[
        ("", "filter:1:1: the filter is empty"),
        ("  \n ", "filter:1:1: the filter is empty"),
        ("evt.num =", "filter:1:10: expected a value after operator '=', found the end of the filter"),
        ("evt.num > 0 and x.y = ", "filter:1:23: expected a value after operator '=', found the end of the filter"),
        ("dummy.value = ,", "filter:1:15: expected a value after operator '=', found ','"),
        ("evt.num > abc", "filter:1:11: expected a number after operator '>', found 'abc'"),
        ("(evt.num = 1", "filter:1:13: expected ')' to close the '(' at 1:1"),
        ("not(evt.num = 1", "filter:1:16: expected ')' to close the '(' at 1:4"),
        ("(evt.num = 1 x", "filter:1:14: expected 'and', 'or' or ')' (closing the '(' at 1:1), found 'x'"),
        ("()", "filter:1:2: expected an expression inside '(' ')'"),
        ("evt.num = 1)", "filter:1:12: unexpected ')', expected 'and', 'or' or the end of the filter"),
        ("evt.num = 1 evt.num = 2", "filter:1:13: unexpected 'evt.num', expected 'and', 'or' or the end of the filter"),
        ("evt.num = 1 andx", "filter:1:13: unexpected 'andx', expected 'and', 'or' or the end of the filter"),
        ("evt.num = 1 and", "filter:1:13: expected an expression after 'and'"),
        ("evt.num = 1 or", "filter:1:13: expected an expression after 'or'"),
        ("evt.num = 1 and or a.b = 1", "filter:1:17: expected a field check, a macro name, 'not' or '(' before 'or'"),
        ("evt.num = 1 and, a.b = 1", "filter:1:16: expected a blank or '(' after 'and'"),
        ("evt.num = 'abc", "filter:1:11: unterminated '-quoted string"),
        ("evt.num = \"ab\\\"", "filter:1:11: unterminated \"-quoted string"),
        ("evt.num = \"a\\qb\"", "filter:1:13: unsupported escape sequence '\\q'"),
        ("evt.num = 'a\\\"b'", "filter:1:13: invalid \\\" escape in a '-quoted string"),
        ("evt.num in (1, 2", "filter:1:17: expected ',' or ')' in the list, found the end of the filter"),
        ("evt.num in (1,)", "filter:1:15: expected a list value, found ')'"),
        ("evt.num in (1 2)", "filter:1:15: expected ',' or ')' in the list, found '2)'"),
        ("evt.num in 1", "filter:1:12: expected a list '(...)' or a list name after operator 'in', found '1'"),
        ("a.b startswith anyof (x", "filter:1:24: expected ',' or ')' in the list, found the end of the filter"),
        ("a.b[x = 1", "filter:1:6: expected ']' to close the argument of field 'a.b'"),
        ("a.b[] = 1", "filter:1:5: expected an argument for field 'a.b' after '[': a quoted string or a bare string"),
        ("evt.num", "filter:1:8: expected an operator after 'evt.num', found the end of the filter (operators: exists <= < >= > == = != glob iglob contains icontains bcontains startswith bstartswith endswith regex intersects in pmatch)"),
        ("evt.num contains\tx", "filter:1:17: expected a space after operator 'contains'"),
        ("evt.num containsx x", "filter:1:9: expected an operator after 'evt.num', found 'containsx' (operators: exists <= < >= > == = != glob iglob contains icontains bcontains startswith bstartswith endswith regex intersects in pmatch)"),
        ("a.b = x = y", "filter:1:9: unexpected '=', expected 'and', 'or' or the end of the filter"),
        ("= 1", "filter:1:1: expected a field check, a macro name, 'not' or '(', found '='"),
        // `or(`/`and(` take just the bracketed expression, as in libsinsp
        ("a.b = 1 or(c.d = 2) and e.f = 3", "filter:1:21: unexpected 'and', expected 'and', 'or' or the end of the filter"),
        ("tolower(a.b = x", "filter:1:13: expected ')' to close 'tolower(', found '='"),
        ("a.b = val(1)", "filter:1:11: expected a field inside 'val(', found '1)'"),
        ("a.b = val(tolower(c.d))", "filter:1:11: expected a field inside 'val(', found 'tolower(c.d))'"),
        ("val(a.b) = 1", "filter:1:1: val() is only allowed on the right-hand side of a comparison"),
        ("tolower(a.b c.d) = x", "filter:1:13: expected ')' to close 'tolower(', found 'c.d)'"),
        ("concat(a.b, val(c.d)) = x", "filter:1:13: expected a field, a nested transformer, a quoted string, a number or a list '(...)' inside 'concat(', found 'val(c.d))'"),
        ("join(\",\", (a.b, (c.d))) = x", "filter:1:17: expected a field, a transformer, a quoted string or a number in the transformer list, found '(c.d)))'"),
        ("join(\",\", (a.b c.d)) = x", "filter:1:16: expected ',' or ')' in the transformer list, found 'c.d))'"),
        ("join(\",\", (a.b,)) = x", "filter:1:16: expected a field, a transformer, a quoted string or a number in the transformer list, found '))'"),
        ("a.b = getopt((c.d), \"n\")[", "filter:1:26: expected an argument for field 'getopt' after '[': a quoted string or a bare string"),
        ("evt.num = 1 and\n  dummy.value =", "filter:2:16: expected a value after operator '=', found the end of the filter"),
        ("evt.num = 1 and\r\n  x.y ~ 2", "filter:2:7: expected an operator after 'x.y', found '~' (operators: exists <= < >= > == = != glob iglob contains icontains bcontains startswith bstartswith endswith regex intersects in pmatch)"),
    ];
    for (src, want) in cases {
        assert_eq!(&perr(src), want, "{src:?}");
    }
    let e = parse("evt.num > 0 and x.y = ").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(
        e.caret("evt.num > 0 and x.y = "),
        "evt.num > 0 and x.y = \n                      ^"
    );
}

#[test]
fn depth_limit() {
    let nest = |n: usize| format!("{}a.b exists{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&nest(99)).is_ok());
    let e = parse(&nest(101)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooDeep);
    assert_eq!(
        e.to_string(),
        "filter:1:101: exceeded the maximum nesting depth of 100"
    );
    let nots = format!("{}a.b exists", "not ".repeat(101));
    assert_eq!(parse(&nots).unwrap_err().kind, ErrorKind::TooDeep);
    // Falco's setting, on a thread with room for it (debug builds need ~7 KiB per level)
    let deep = std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(move || {
            let opts = ParseOptions {
                max_depth: 5000,
                ..Default::default()
            };
            let ok = parse_with(&nest(1000), &opts)
                .map(|e| e.to_string().len())
                .is_ok();
            let clamped = parse_with(&nest(1001), &opts).unwrap_err().to_string();
            (ok, clamped)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(deep.0);
    assert_eq!(
        deep.1,
        "filter:1:1001: exceeded the maximum nesting depth of 1000"
    );
    // a long flat chain is not deep
    let flat = vec!["a.b exists"; 5000].join(" and ");
    assert!(parse(&flat).is_ok());
}

#[test]
fn source_name_in_errors() {
    let opts = ParseOptions {
        source_name: "macro m".into(),
        ..Default::default()
    };
    assert_eq!(
        parse_with("x.y =", &opts).unwrap_err().to_string(),
        "macro m:1:6: expected a value after operator '=', found the end of the filter"
    );
}
