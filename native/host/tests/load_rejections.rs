//! Plugins a framework refuses at load time, built here from `tests/plugins/broken.c` (one
//! `-D` flag per concept), and the precise message for each.

mod common;

use std::path::PathBuf;

use common::*;
use plugin_host::{ErrorKind, Plugin};

fn build(flag: &str) -> PathBuf {
    build_test_plugin(
        "broken.c",
        &format!("libbroken_{}.so", flag.to_lowercase()),
        &[&format!("-D{flag}")],
        "the load-rejection test plugins",
    )
}

fn rejection(flag: &str) -> (ErrorKind, String) {
    let e = Plugin::load(build(flag))
        .err()
        .unwrap_or_else(|| panic!("{flag} must be refused"));
    (e.kind, e.message)
}

#[test]
fn each_rejection_names_the_problem() {
    let cases = [
        (
            "API_3_13",
            ErrorKind::IncompatibleApi,
            "plugin requires API 3.13.0 but scaptool's 3.x host implements 3.12.0: framework's minor is less than the requested one",
        ),
        ("BROKEN_SOURCING", ErrorKind::BrokenCapability, "CAP_SOURCING is broken: exports plugin_open but not plugin_next_batch"),
        ("NO_CAPABILITY", ErrorKind::BrokenCapability, "plugin does not implement any capability"),
        ("ID_WITHOUT_SOURCE", ErrorKind::BrokenCapability, "plugin_get_id returned 5 but plugin_get_event_source returned \"\""),
        ("V0_EXTRACTOR_NO_FIELDS", ErrorKind::MissingSymbol, "missing required symbol plugin_get_fields for an extractor plugin"),
        ("BAD_VERSION", ErrorKind::InvalidInfo, "plugin_get_version must return a semver version: '1.0' is not MAJOR.MINOR.PATCH"),
        ("V0_1_NO_FREE_MEM", ErrorKind::MissingSymbol, "missing required symbol plugin_free_mem for an API 0.1 plugin"),
    ];
    for (flag, kind, text) in cases {
        let (k, message) = rejection(flag);
        assert_eq!(k, kind, "{flag}: {message}");
        assert!(message.contains(text), "{flag}: {message}");
        assert!(message.contains("libbroken_"), "the path is named: {message}");
    }
}
