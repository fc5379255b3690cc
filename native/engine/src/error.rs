//! Engine errors: which kind (the CLI maps kinds to exit codes), what happened, and where
//! (plugin, evt.num, file) when known.

use std::fmt;

use plugin_host::HostError;
use scap::ScapError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineErrorKind {
    /// Bad options: unknown field, a field that needs an argument, no source plugin...
    Usage,
    /// The capture is unreadable, corrupt or truncated.
    Capture,
    /// A plugin failed or misbehaved.
    Plugin,
    /// The golden file is malformed or does not belong to the capture.
    Golden,
    /// A file could not be read or written.
    Io,
}

impl EngineErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            EngineErrorKind::Usage => "USAGE",
            EngineErrorKind::Capture => "CAPTURE",
            EngineErrorKind::Plugin => "PLUGIN",
            EngineErrorKind::Golden => "GOLDEN",
            EngineErrorKind::Io => "IO",
        }
    }
}

#[derive(Clone, Debug, thiserror::Error)]
pub struct EngineError {
    pub kind: EngineErrorKind,
    pub message: String,
    /// The plugin at fault (its name), for plugin errors.
    pub plugin: Option<String>,
    /// The plugin's own `get_last_error` text, when it gave one.
    pub plugin_message: Option<String>,
    /// A stable sub-code: the host's (`plugin_init_failed`...) or the capture reader's
    /// (`TRUNCATED`...).
    pub detail_code: Option<String>,
    /// The event being processed, when known.
    pub evtnum: Option<u64>,
    /// The file concerned, when known.
    pub file: Option<String>,
    /// Byte offset in `file`, for capture errors.
    pub offset: Option<u64>,
    /// Where in a filter, output format, rule or macro text a compile error is (print, rules).
    pub filter: Option<Box<FilterLocation>>,
}

/// The text a filter/format compile error is in, and where, so the caller can show a caret or
/// map it to a rules file's line and column.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLocation {
    /// `filter`, `format`, `rule`, `macro`.
    pub kind: String,
    /// The rule's or macro's name.
    pub name: Option<String>,
    /// `condition` or `output`.
    pub part: String,
    /// The text the position refers to.
    pub text: String,
    pub offset: usize,
    pub line: u32,
    pub col: u32,
    /// The error without its position prefix.
    pub reason: String,
    /// For an error in a macro expanded by a rule: the rule.
    pub rule: Option<String>,
    /// For an error in an expanded macro: where the macro was used, innermost first
    /// (`filter` is the rule's condition, `macro NAME` another macro's).
    pub used_at: Vec<UsedAt>,
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsedAt {
    pub macro_name: String,
    /// `filter` or `macro NAME`.
    pub used_in: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl EngineError {
    pub fn new(kind: EngineErrorKind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
            plugin: None,
            plugin_message: None,
            detail_code: None,
            evtnum: None,
            file: None,
            offset: None,
            filter: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(EngineErrorKind::Usage, message)
    }

    pub fn golden(file: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(EngineErrorKind::Golden, format!("{file}: {}", message.into()));
        e.file = Some(file.to_string());
        e
    }

    pub fn io(file: &str, err: &std::io::Error) -> Self {
        let mut e = Self::new(EngineErrorKind::Io, format!("{file}: {err}"));
        e.file = Some(file.to_string());
        e
    }

    /// An output refused by its policy (a usage error: another path or `--force` helps) or not
    /// creatable (I/O).
    pub fn output(file: &str, err: scap::output_file::OutputError) -> Self {
        let kind = if err.usage { EngineErrorKind::Usage } else { EngineErrorKind::Io };
        let mut e = Self::new(kind, err.message);
        e.file = Some(file.to_string());
        e
    }

    /// A plugin failure, named after the plugin; invalid requests and config are usage errors.
    pub fn plugin(plugin: &str, err: HostError) -> Self {
        let kind = if err.kind.is_plugin_fault() || err.kind == plugin_host::ErrorKind::Load {
            EngineErrorKind::Plugin
        } else {
            EngineErrorKind::Usage
        };
        // The host's messages usually name the plugin already.
        let message = if err.message.contains(&format!("'{plugin}'")) { err.message.clone() } else { format!("plugin '{plugin}': {}", err.message) };
        let mut e = Self::new(kind, message);
        e.plugin = Some(plugin.to_string());
        e.plugin_message = err.plugin_message;
        e.detail_code = Some(err.kind.code().to_string());
        e
    }

    pub fn capture(file: &str, err: ScapError) -> Self {
        let kind = if err.kind == scap::ErrorKind::Io { EngineErrorKind::Io } else { EngineErrorKind::Capture };
        let mut e = Self::new(kind, format!("{file}: {err}"));
        e.file = Some(file.to_string());
        e.offset = Some(err.offset);
        e.detail_code = Some(err.kind.code().to_string());
        e
    }

    pub fn at_event(mut self, evtnum: u64) -> Self {
        self.evtnum = Some(evtnum);
        self
    }
}
