//! Which symbols a generation requires, and which capabilities a plugin has.
//!
//! * seed/0.x: `plugin_get_type` decides (1 = source, 2 = extractor) and each type has its own
//!   required set (libsinsp 0.3.0 `resolve_dylib_symbols`; seed and 0.1.0 sources need
//!   `plugin_next`, 0.1.0 also `plugin_free_mem`). A source may also extract when it exports
//!   both `get_fields` and `extract_fields`.
//! * 1.x/2.x: capabilities are inferred; sourcing needs all of get_id, get_event_source, open,
//!   close and next_batch, extraction both get_fields and extract_fields. A partial set is not
//!   a capability (the 1.0/2.0 framework silently ignores it; we add a warning).
//! * 3.x: libs `plugin_get_capabilities`: a partial set is CAP_BROKEN and the plugin is refused.

use serde::Serialize;

use crate::abi::plugin_type;
use crate::error::{ErrorKind, HostError};
use crate::generation::Generation;
use crate::library::Exports;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub sourcing: bool,
    pub extraction: bool,
    pub parsing: bool,
    pub async_events: bool,
    pub listening: bool,
}

impl Capabilities {
    pub fn any(&self) -> bool {
        self.sourcing || self.extraction || self.parsing || self.async_events || self.listening
    }
}

fn require(exports: &Exports, names: &[&str], role: &str) -> Result<(), HostError> {
    for name in names {
        if exports.get(name).is_none() {
            return Err(HostError::new(
                ErrorKind::MissingSymbol,
                format!("missing required symbol plugin_{name} for {role}"),
            ));
        }
    }
    Ok(())
}

const V0_COMMON: &[&str] = &[
    "get_required_api_version",
    "get_type",
    "init",
    "destroy",
    "get_last_error",
    "get_name",
    "get_description",
    "get_contact",
    "get_version",
];
const V0_SOURCE: &[&str] = &["get_id", "get_event_source", "open", "close", "event_to_string"];
const V0_EXTRACTOR: &[&str] = &["get_fields", "extract_fields"];
const V1_COMMON: &[&str] = &[
    "get_required_api_version",
    "get_last_error",
    "get_name",
    "get_description",
    "get_contact",
    "get_version",
    "init",
    "destroy",
];
const V3_COMMON: &[&str] = &[
    "get_required_api_version",
    "get_version",
    "get_name",
    "get_description",
    "get_contact",
    "init",
    "destroy",
    "get_last_error",
];

/// Checks the symbols and returns the capabilities. `ptype` is `plugin_get_type()` for the
/// generations that have it. 3.x sourcing is finished by [`check_v3_source_identity`].
pub fn detect(
    exports: &Exports,
    generation: Generation,
    ptype: Option<u32>,
    warnings: &mut Vec<String>,
) -> Result<Capabilities, HostError> {
    let mut caps = Capabilities::default();
    match generation {
        Generation::Seed | Generation::V0_1 | Generation::V0_2 | Generation::V0_3 => {
            let label = if generation == Generation::Seed {
                "a seed-era".to_string()
            } else {
                format!("an API {}", generation.label())
            };
            require(exports, V0_COMMON, &format!("{label} plugin"))?;
            if generation == Generation::V0_1 {
                require(
                    exports,
                    &["free_mem"],
                    "an API 0.1 plugin (the host releases every returned pointer with it)",
                )?;
            }
            match ptype {
                Some(plugin_type::SOURCE) => {
                    require(exports, V0_SOURCE, "a source plugin")?;
                    let next = if matches!(generation, Generation::Seed | Generation::V0_1) {
                        "next"
                    } else {
                        "next_batch"
                    };
                    require(exports, &[next], "a source plugin")?;
                    caps.sourcing = true;
                    caps.extraction = exports.get_fields.is_some() && exports.extract_fields.is_some();
                    if exports.get_fields.is_some() != exports.extract_fields.is_some() {
                        warnings.push(
                            "exports only one of plugin_get_fields and plugin_extract_fields: no field extraction"
                                .into(),
                        );
                    }
                }
                Some(plugin_type::EXTRACTOR) => {
                    require(exports, V0_EXTRACTOR, "an extractor plugin")?;
                    caps.extraction = true;
                }
                Some(other) => {
                    return Err(HostError::new(
                        ErrorKind::InvalidInfo,
                        format!("plugin_get_type returned {other}: expected 1 (source) or 2 (extractor)"),
                    ))
                }
                None => {
                    return Err(HostError::new(
                        ErrorKind::MissingSymbol,
                        format!("missing required symbol plugin_get_type for {label} plugin"),
                    ))
                }
            }
        }
        Generation::V1 | Generation::V2 => {
            require(exports, V1_COMMON, &format!("an API {} plugin", generation.label()))?;
            let sourcing = ["get_id", "get_event_source", "open", "close", "next_batch"];
            let present: Vec<&str> = sourcing.iter().copied().filter(|n| exports.get(n).is_some()).collect();
            caps.sourcing = present.len() == sourcing.len();
            if !caps.sourcing && !present.is_empty() {
                let missing: Vec<String> = sourcing
                    .iter()
                    .filter(|n| exports.get(n).is_none())
                    .map(|n| format!("plugin_{n}"))
                    .collect();
                warnings.push(format!(
                    "not a source: exports some sourcing symbols but not {}",
                    missing.join(", ")
                ));
            }
            caps.extraction = exports.get_fields.is_some() && exports.extract_fields.is_some();
            if exports.get_fields.is_some() != exports.extract_fields.is_some() {
                warnings.push(
                    "exports only one of plugin_get_fields and plugin_extract_fields: no field extraction".into(),
                );
            }
        }
        Generation::V3 => {
            require(exports, V3_COMMON, "a 3.x plugin")?;
            let broken = |what: &str, has: &str, lacks: &str| {
                Err(HostError::new(
                    ErrorKind::BrokenCapability,
                    format!("{what} is broken: exports plugin_{has} but not plugin_{lacks}"),
                ))
            };
            let src = [
                ("open", exports.open),
                ("close", exports.close),
                ("next_batch", exports.next_batch),
            ];
            if let (Some((has, _)), Some((lacks, _))) =
                (src.iter().find(|s| s.1.is_some()), src.iter().find(|s| s.1.is_none()))
            {
                return broken("CAP_SOURCING", has, lacks);
            }
            caps.sourcing = src.iter().all(|s| s.1.is_some());
            if caps.sourcing {
                match (exports.get_id.is_some(), exports.get_event_source.is_some()) {
                    (true, false) => return broken("CAP_SOURCING", "get_id", "get_event_source"),
                    (false, true) => return broken("CAP_SOURCING", "get_event_source", "get_id"),
                    _ => {}
                }
            }
            if exports.extract_fields.is_some() && exports.get_fields.is_none() {
                return broken("CAP_EXTRACTION", "extract_fields", "get_fields");
            }
            caps.extraction = exports.extract_fields.is_some() && exports.get_fields.is_some();
            caps.parsing = exports.parse_event.is_some();
            if exports.set_async_event_handler.is_some() && exports.get_async_events.is_none() {
                return broken("CAP_ASYNC", "set_async_event_handler", "get_async_events");
            }
            caps.async_events = exports.set_async_event_handler.is_some() && exports.get_async_events.is_some();
            if exports.capture_open.is_some() && exports.capture_close.is_none() {
                return broken("CAP_CAPTURE_LISTENING", "capture_open", "capture_close");
            }
            caps.listening = exports.capture_open.is_some() && exports.capture_close.is_some();
        }
    }
    if !caps.any() {
        return Err(HostError::new(
            ErrorKind::BrokenCapability,
            "plugin does not implement any capability",
        ));
    }
    Ok(caps)
}

/// 3.x: a source has an ID and a source name, or neither (ID 0 and no name: a generic source
/// of libscap events); "syscall" is reserved.
pub fn check_v3_source_identity(id: u32, source: &str) -> Result<(), HostError> {
    if (id == 0) != source.is_empty() {
        return Err(HostError::new(
            ErrorKind::BrokenCapability,
            format!("CAP_SOURCING is broken: plugin_get_id returned {id} but plugin_get_event_source returned {source:?} (both must be set, or neither)"),
        ));
    }
    if id != 0 && source == "syscall" {
        return Err(HostError::new(
            ErrorKind::BrokenCapability,
            "plugin can't implement the reserved event source \"syscall\"",
        ));
    }
    Ok(())
}
