//! Errors of the plugin host. Every error carries a stable kind (for the binding and `--json`
//! output), a message that says what happened and what to do, and, where the plugin explained
//! itself through `get_last_error`, the plugin's own text.

use std::fmt;

/// Stable error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The library could not be opened (missing file, wrong architecture, unresolved symbol).
    Load,
    /// The plugin's required API version is not one this host implements.
    IncompatibleApi,
    /// A symbol the plugin's generation requires is not exported.
    MissingSymbol,
    /// The exported symbols form a half capability (libs' CAP_BROKEN), or none at all.
    BrokenCapability,
    /// A descriptive getter returned something unusable (NULL, unparsable version, bad JSON).
    InvalidInfo,
    /// The fields JSON breaks the framework's rules.
    InvalidFields,
    /// `get_init_schema` returned something that is not a JSON Schema object.
    InvalidSchema,
    /// The init config does not satisfy the plugin's schema (or is not JSON).
    InvalidConfig,
    /// `init` returned FAILURE or no state.
    InitFailed,
    /// `open` returned FAILURE.
    OpenFailed,
    /// `next_batch`/`next` returned FAILURE.
    NextFailed,
    /// `next_batch` returned 0 events with SUCCESS.
    ZeroEvents,
    /// A batch held an event the framework would refuse.
    MalformedEvent,
    /// Another call returned FAILURE (list_open_params, set_config, parse_event...).
    CallFailed,
    /// The plugin broke the ABI contract in a way that is not one of the kinds above (NULL where
    /// a pointer is required, impossible lengths, ...).
    PluginFault,
    /// The caller asked for something this plugin cannot do (unknown field, bad argument,
    /// capability it lacks, call in the wrong state).
    InvalidRequest,
    /// An I/O error (crash region file).
    Io,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Load => "plugin_load",
            ErrorKind::IncompatibleApi => "plugin_incompatible_api",
            ErrorKind::MissingSymbol => "plugin_missing_symbol",
            ErrorKind::BrokenCapability => "plugin_broken_capability",
            ErrorKind::InvalidInfo => "plugin_invalid_info",
            ErrorKind::InvalidFields => "plugin_invalid_fields",
            ErrorKind::InvalidSchema => "plugin_invalid_schema",
            ErrorKind::InvalidConfig => "plugin_invalid_config",
            ErrorKind::InitFailed => "plugin_init_failed",
            ErrorKind::OpenFailed => "plugin_open_failed",
            ErrorKind::NextFailed => "plugin_next_failed",
            ErrorKind::ZeroEvents => "plugin_zero_events",
            ErrorKind::MalformedEvent => "plugin_malformed_event",
            ErrorKind::CallFailed => "plugin_call_failed",
            ErrorKind::PluginFault => "plugin_fault",
            ErrorKind::InvalidRequest => "plugin_invalid_request",
            ErrorKind::Io => "io",
        }
    }

    /// Whether the plugin (rather than the caller or the environment) is at fault.
    pub fn is_plugin_fault(self) -> bool {
        !matches!(
            self,
            ErrorKind::Load | ErrorKind::InvalidRequest | ErrorKind::InvalidConfig | ErrorKind::Io
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct HostError {
    pub kind: ErrorKind,
    pub message: String,
    /// The plugin's `get_last_error` text, when it gave one (lossily decoded).
    pub plugin_message: Option<String>,
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl HostError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        HostError {
            kind,
            message: message.into(),
            plugin_message: None,
        }
    }

    /// An error whose message ends with the plugin's own explanation, when it has one.
    pub fn with_plugin_text(kind: ErrorKind, message: impl Into<String>, plugin_text: Option<String>) -> Self {
        let mut message = message.into();
        match plugin_text.as_deref() {
            Some(t) if !t.is_empty() => {
                message.push_str(": ");
                message.push_str(t);
            }
            _ => message.push_str(" (the plugin gave no error text)"),
        }
        HostError {
            kind,
            message,
            plugin_message: plugin_text.filter(|t| !t.is_empty()),
        }
    }
}
