//! Version strings: the plugin's required API version (read the way libs reads it), the
//! plugin's own version (must be semver), and the framework's compatibility rule.

use std::fmt;

use serde::Serialize;

/// `major.minor.patch` of an API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl ApiVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        ApiVersion { major, minor, patch }
    }

    /// Reads a required API version as libs does (`sscanf("%u.%u.%u")`): leading whitespace is
    /// skipped, three dot-separated decimal numbers are needed, anything after them is ignored.
    /// `None` when fewer than three numbers can be read.
    pub fn parse_lenient(text: &str) -> Option<ApiVersion> {
        let mut rest = text.trim_start();
        let mut parts = [0u32; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            if i > 0 {
                rest = rest.strip_prefix('.')?;
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            *part = rest[..digits].parse().ok()?;
            rest = &rest[digits..];
        }
        Some(ApiVersion::new(parts[0], parts[1], parts[2]))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a framework refuses a required API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incompatibility {
    MajorDiffers,
    MinorTooLow,
    PatchTooLow,
}

impl Incompatibility {
    /// The framework's own wording (libs `plugin_loader.c`).
    pub fn reason(self) -> &'static str {
        match self {
            Incompatibility::MajorDiffers => "major versions disagree",
            Incompatibility::MinorTooLow => "framework's minor is less than the requested one",
            Incompatibility::PatchTooLow => "framework's patch is less than the requested one",
        }
    }
}

/// The semver rule of every framework since libs `b0a0272ba` (2021-12): same major, framework
/// minor >= required minor, and on equal minors framework patch >= required patch.
pub fn check_compatible(framework: ApiVersion, required: ApiVersion) -> Result<(), Incompatibility> {
    if framework.major != required.major {
        return Err(Incompatibility::MajorDiffers);
    }
    if framework.minor < required.minor {
        return Err(Incompatibility::MinorTooLow);
    }
    if framework.minor == required.minor && framework.patch < required.patch {
        return Err(Incompatibility::PatchTooLow);
    }
    Ok(())
}

/// The seed-era rule: only the majors are compared.
pub fn check_major_only(framework: ApiVersion, required: ApiVersion) -> Result<(), Incompatibility> {
    if framework.major != required.major {
        return Err(Incompatibility::MajorDiffers);
    }
    Ok(())
}

/// A plugin's own version, which must be semver 2.0 (`1.2.3`, `1.2.3-rc.1+build.5`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PluginVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre_release: String,
    pub build: String,
}

impl PluginVersion {
    /// Parses a semver 2.0 version; the error says what is wrong.
    pub fn parse(text: &str) -> Result<PluginVersion, String> {
        let (core_and_pre, build) = match text.split_once('+') {
            Some((a, b)) => (a, Some(b)),
            None => (text, None),
        };
        let (core, pre) = match core_and_pre.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (core_and_pre, None),
        };
        let nums: Vec<&str> = core.split('.').collect();
        if nums.len() != 3 {
            return Err(format!("'{text}' is not MAJOR.MINOR.PATCH"));
        }
        let mut parsed = [0u64; 3];
        for (slot, n) in parsed.iter_mut().zip(&nums) {
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("'{text}': '{n}' is not a number"));
            }
            if n.len() > 1 && n.starts_with('0') {
                return Err(format!("'{text}': '{n}' has a leading zero"));
            }
            *slot = n.parse().map_err(|_| format!("'{text}': '{n}' is too large"))?;
        }
        let identifiers_ok = |s: &str, numeric_no_zero: bool| {
            !s.is_empty()
                && s.split('.').all(|id| {
                    !id.is_empty()
                        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !(numeric_no_zero
                            && id.len() > 1
                            && id.starts_with('0')
                            && id.bytes().all(|b| b.is_ascii_digit()))
                })
        };
        if let Some(p) = pre {
            if !identifiers_ok(p, true) {
                return Err(format!("'{text}': invalid pre-release '{p}'"));
            }
        }
        if let Some(b) = build {
            if !identifiers_ok(b, false) {
                return Err(format!("'{text}': invalid build metadata '{b}'"));
            }
        }
        Ok(PluginVersion {
            major: parsed[0],
            minor: parsed[1],
            patch: parsed[2],
            pre_release: pre.unwrap_or("").to_string(),
            build: build.unwrap_or("").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_follows_sscanf() {
        assert_eq!(ApiVersion::parse_lenient("3.12.0"), Some(ApiVersion::new(3, 12, 0)));
        assert_eq!(ApiVersion::parse_lenient(" 0.3.0-dev"), Some(ApiVersion::new(0, 3, 0)));
        assert_eq!(ApiVersion::parse_lenient("3.11"), None);
        assert_eq!(ApiVersion::parse_lenient("x3.1.0"), None);
        assert_eq!(ApiVersion::parse_lenient(""), None);
    }

    #[test]
    fn semver_rule() {
        let fw = ApiVersion::new(3, 12, 0);
        assert_eq!(check_compatible(fw, ApiVersion::new(3, 0, 0)), Ok(()));
        assert_eq!(check_compatible(fw, ApiVersion::new(3, 12, 0)), Ok(()));
        assert_eq!(
            check_compatible(fw, ApiVersion::new(3, 13, 0)),
            Err(Incompatibility::MinorTooLow)
        );
        assert_eq!(
            check_compatible(fw, ApiVersion::new(3, 12, 1)),
            Err(Incompatibility::PatchTooLow)
        );
        assert_eq!(check_compatible(fw, ApiVersion::new(3, 11, 9)), Ok(()));
        assert_eq!(
            check_compatible(fw, ApiVersion::new(2, 0, 0)),
            Err(Incompatibility::MajorDiffers)
        );
        assert_eq!(
            check_major_only(ApiVersion::new(1, 0, 0), ApiVersion::new(1, 9, 9)),
            Ok(())
        );
    }

    #[test]
    fn plugin_versions_must_be_semver() {
        assert!(PluginVersion::parse("0.1.0").is_ok());
        assert!(PluginVersion::parse("1.2.3-rc.1+build.05").is_ok());
        assert!(PluginVersion::parse("1.2").is_err());
        assert!(PluginVersion::parse("01.2.3").is_err());
        assert!(PluginVersion::parse("1.2.3-01").is_err());
        assert!(PluginVersion::parse("1.2.x").is_err());
        assert!(PluginVersion::parse("").is_err());
    }
}
