//! The filter language on arbitrary text: macro and list definitions (`macro NAME: condition`,
//! `list NAME: a, b` lines), then a condition that is parsed, expanded and compiled against a
//! resolver with a field of every type; the same text as an output format. Anything may be
//! refused with a `FilterError`; nothing may panic, hang or grow without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scap_filter::{compile, parse, Definitions, OutputFormat};

#[path = "../../filter/tests/common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut defs = Definitions::new();
    let mut condition = "";
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("macro ") {
            if let Some((name, cond)) = rest.split_once(':') {
                let _ = defs.add_macro(name.trim(), cond);
            }
        } else if let Some(rest) = line.strip_prefix("list ") {
            if let Some((name, items)) = rest.split_once(':') {
                defs.add_list(name.trim(), items.split(',').map(str::trim));
            }
        } else {
            condition = line;
        }
    }
    if let Ok(ast) = parse(condition) {
        if let Ok(expanded) = defs.expand(&ast) {
            let _ = compile(&expanded, &common::resolve);
        }
    }
    let _ = OutputFormat::parse(text, &common::resolve);
});
