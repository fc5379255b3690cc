//! Plugin-API generations: which ABI a library speaks, which framework version scaptool plays
//! for it, and the rules that differ between them (memory ownership, return codes, threading).
//!
//! | generation | chosen when | framework version played | memory |
//! |---|---|---|---|
//! | seed | "1.x.y" and `plugin_get_type` exported | 1.0.0 (major-only check) | host `free()`s |
//! | 0.1 | "0.1.x" | 0.3.0 | host calls `plugin_free_mem` |
//! | 0.2 / 0.3 | "0.2.x" / "0.3.x" | 0.3.0 | plugin-owned |
//! | 1.x | "1.x.y" without `plugin_get_type` | 1.0.0 | plugin-owned |
//! | 2.x | "2.x.y" | 2.0.0 | plugin-owned |
//! | 3.x | "3.x.y" | 3.12.0 | plugin-owned |
//!
//! 1.x and 2.x share one ABI; they differ only in the 2.0 concurrency contract, so each is
//! checked against the newest released framework of its own major (a 2.0.0 framework refuses
//! "1.0.0": the majors disagree).

use serde::Serialize;

use crate::abi::{rc, seed_rc};
use crate::error::{ErrorKind, HostError};
use crate::version::{check_compatible, check_major_only, ApiVersion};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Generation {
    #[serde(rename = "seed")]
    Seed,
    #[serde(rename = "0.1")]
    V0_1,
    #[serde(rename = "0.2")]
    V0_2,
    #[serde(rename = "0.3")]
    V0_3,
    #[serde(rename = "1.x")]
    V1,
    #[serde(rename = "2.x")]
    V2,
    #[serde(rename = "3.x")]
    V3,
}

/// How the host gives back memory a plugin returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Seed era: `free()`.
    Free,
    /// 0.1.0: `plugin_free_mem()`.
    FreeMem,
    /// 0.2.0 on: the plugin owns it until its next call of the same function.
    PluginOwned,
}

/// A return code, interpreted in its generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rc {
    Success,
    Failure,
    Timeout,
    Eof,
    NotSupported,
    /// A value the generation does not define (or a seed-era SCAP code other than the above).
    Other(i32),
}

impl Generation {
    pub fn label(self) -> &'static str {
        match self {
            Generation::Seed => "seed",
            Generation::V0_1 => "0.1",
            Generation::V0_2 => "0.2",
            Generation::V0_3 => "0.3",
            Generation::V1 => "1.x",
            Generation::V2 => "2.x",
            Generation::V3 => "3.x",
        }
    }

    /// The framework version scaptool implements for this generation.
    pub fn framework_version(self) -> ApiVersion {
        match self {
            Generation::Seed | Generation::V1 => ApiVersion::new(1, 0, 0),
            Generation::V0_1 | Generation::V0_2 | Generation::V0_3 => ApiVersion::new(0, 3, 0),
            Generation::V2 => ApiVersion::new(2, 0, 0),
            Generation::V3 => ApiVersion::new(3, 12, 0),
        }
    }

    /// The generations that tell a source from an extractor with `plugin_get_type`.
    pub fn has_plugin_type(self) -> bool {
        matches!(
            self,
            Generation::Seed | Generation::V0_1 | Generation::V0_2 | Generation::V0_3
        )
    }

    pub fn release(self) -> Release {
        match self {
            Generation::Seed => Release::Free,
            Generation::V0_1 => Release::FreeMem,
            _ => Release::PluginOwned,
        }
    }

    /// The 2.0.0 contract: distinct states (and instances) may be driven concurrently from
    /// different threads. Nothing was promised before it (and the Go SDK v0.2.0 shares one
    /// plugin object between all states of a library).
    pub fn concurrent_states_allowed(self) -> bool {
        matches!(self, Generation::V2 | Generation::V3)
    }

    /// Whether one `extract_fields` call may carry several fields (1.0.0 on: a field array with
    /// results per entry; before it each call had one `field_id`/`arg` in practice).
    pub fn several_fields_per_call(self) -> bool {
        matches!(self, Generation::V1 | Generation::V2 | Generation::V3)
    }

    pub fn rc(self, code: i32) -> Rc {
        if self == Generation::Seed {
            return match code {
                seed_rc::SUCCESS => Rc::Success,
                seed_rc::FAILURE => Rc::Failure,
                seed_rc::TIMEOUT => Rc::Timeout,
                seed_rc::EOF => Rc::Eof,
                seed_rc::NOT_SUPPORTED => Rc::NotSupported,
                other => Rc::Other(other),
            };
        }
        match code {
            rc::SUCCESS => Rc::Success,
            rc::FAILURE => Rc::Failure,
            rc::TIMEOUT => Rc::Timeout,
            rc::EOF => Rc::Eof,
            rc::NOT_SUPPORTED => Rc::NotSupported,
            other => Rc::Other(other),
        }
    }
}

/// Chooses the generation from the required API version text and the presence of
/// `plugin_get_type`, then applies that generation's framework compatibility check.
pub fn choose(required_text: &str, exports_get_type: bool) -> Result<(Generation, ApiVersion), HostError> {
    let required = ApiVersion::parse_lenient(required_text).ok_or_else(|| {
        HostError::new(
            ErrorKind::IncompatibleApi,
            format!(
                "plugin_get_required_api_version returned '{required_text}', which is not a MAJOR.MINOR.PATCH version"
            ),
        )
    })?;
    let generation = match required.major {
        0 => match required.minor {
            0 => {
                return Err(HostError::new(
                    ErrorKind::IncompatibleApi,
                    format!("plugin requires API {required}, which never existed (the 0.x generation starts at 0.1.0)"),
                ))
            }
            1 => Generation::V0_1,
            2 => Generation::V0_2,
            _ => Generation::V0_3,
        },
        1 if exports_get_type => Generation::Seed,
        1 => Generation::V1,
        2 => Generation::V2,
        3 => Generation::V3,
        major => {
            return Err(HostError::new(
                ErrorKind::IncompatibleApi,
                format!(
                "plugin requires API {required} but scaptool implements the seed \"1.0.0\", 0.x (0.3.0), 1.x (1.0.0), \
                     2.x (2.0.0) and 3.x (3.12.0) frameworks: there is no {major}.x host"
            ),
            ))
        }
    };
    let framework = generation.framework_version();
    let verdict = if generation == Generation::Seed {
        check_major_only(framework, required)
    } else {
        check_compatible(framework, required)
    };
    verdict.map_err(|why| {
        let host = match generation {
            Generation::Seed => "seed-era".to_string(),
            Generation::V0_1 | Generation::V0_2 | Generation::V0_3 => "0.x".to_string(),
            g => g.label().to_string(),
        };
        HostError::new(
            ErrorKind::IncompatibleApi,
            format!(
                "plugin requires API {required} but scaptool's {host} host implements {framework}: {}",
                why.reason()
            ),
        )
    })?;
    Ok((generation, required))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_by_version_and_symbols() {
        assert_eq!(choose("1.0.0", true).unwrap().0, Generation::Seed);
        assert_eq!(choose("1.0.0", false).unwrap().0, Generation::V1);
        assert_eq!(choose("0.1.0", true).unwrap().0, Generation::V0_1);
        assert_eq!(choose("0.2.0", true).unwrap().0, Generation::V0_2);
        assert_eq!(choose("0.3.0", true).unwrap().0, Generation::V0_3);
        assert_eq!(choose("2.0.0", false).unwrap().0, Generation::V2);
        assert_eq!(choose("3.11.0", false).unwrap().0, Generation::V3);
        assert_eq!(choose("3.12.0", false).unwrap().0, Generation::V3);
    }

    #[test]
    fn rejections_are_precise() {
        let e = choose("3.13.0", false).unwrap_err();
        assert_eq!(
            e.message,
            "plugin requires API 3.13.0 but scaptool's 3.x host implements 3.12.0: framework's minor is less than the requested one"
        );
        let e = choose("3.12.1", false).unwrap_err();
        assert!(
            e.message.ends_with("framework's patch is less than the requested one"),
            "{e}"
        );
        let e = choose("0.4.0", true).unwrap_err();
        assert!(e.message.contains("0.x host implements 0.3.0"), "{e}");
        let e = choose("2.1.0", false).unwrap_err();
        assert!(e.message.contains("2.x host implements 2.0.0"), "{e}");
        let e = choose("4.0.0", false).unwrap_err();
        assert!(e.message.contains("there is no 4.x host"), "{e}");
        assert!(choose("3.x", false)
            .unwrap_err()
            .message
            .contains("not a MAJOR.MINOR.PATCH"));
        assert!(choose("0.0.1", true).unwrap_err().message.contains("never existed"));
        // the seed era compared majors only
        assert_eq!(choose("1.5.0", true).unwrap().0, Generation::Seed);
        assert!(choose("1.1.0", false).is_err());
    }

    #[test]
    fn return_codes_per_generation() {
        assert_eq!(Generation::Seed.rc(6), Rc::Eof);
        assert_eq!(Generation::Seed.rc(2), Rc::Other(2));
        assert_eq!(Generation::V0_1.rc(2), Rc::Eof);
        assert_eq!(Generation::V3.rc(-1), Rc::Timeout);
        assert_eq!(Generation::V3.rc(6), Rc::Other(6));
    }
}
