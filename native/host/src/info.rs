//! What a plugin says about itself before init: `PluginInfo`, serialisable for the binding.

use serde::Serialize;
use serde_json::Value;

use crate::capabilities::Capabilities;
use crate::error::{ErrorKind, HostError};
use crate::fields::FieldInfo;
use crate::generation::Generation;
use crate::version::{ApiVersion, PluginVersion};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitSchema {
    /// `ss_plugin_schema_type` (1 = JSON; other values are refused at init, as libs does).
    pub schema_type: u32,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginInfo {
    pub path: String,
    pub name: String,
    pub description: String,
    pub contact: String,
    pub version: String,
    pub parsed_version: PluginVersion,
    /// The text `plugin_get_required_api_version` returned.
    pub required_api_version: String,
    pub parsed_required_api_version: ApiVersion,
    pub generation: Generation,
    /// The framework version scaptool plays for this plugin.
    pub framework_api_version: ApiVersion,
    /// `plugin_get_type` (seed and 0.x only): 1 source, 2 extractor.
    pub plugin_type: Option<u32>,
    pub capabilities: Capabilities,
    /// Sourcing plugins: `plugin_get_id` (0 = a generic 3.x source of libscap events).
    pub id: Option<u32>,
    pub event_source: Option<String>,
    /// Sources whose events this plugin extracts from; empty means every source. A sourcing
    /// plugin's own source is included, as the framework adds it.
    pub extract_event_sources: Vec<String>,
    /// 3.x parsing plugins; empty means every source.
    pub parse_event_sources: Vec<String>,
    /// 3.x async plugins: the event names (`get_async_events`) and sources.
    pub async_events: Vec<String>,
    pub async_event_sources: Vec<String>,
    pub fields: Vec<FieldInfo>,
    pub init_schema: Option<InitSchema>,
    /// Whether distinct states may be driven from different threads at the same time (2.0+).
    pub concurrent_states_allowed: bool,
    /// Calls of distinct states may run at the same time: the 2.0 contract, except for Go
    /// c-shared libraries (see [`crate::state`]). When false, every call takes the library's lock.
    pub parallel_calls_allowed: bool,
    /// The exported `plugin_*` symbols.
    pub symbols: Vec<String>,
    /// Things the framework would accept but that look wrong (invalid UTF-8 in a name, a half
    /// capability in 1.x/2.x, ...).
    pub warnings: Vec<String>,
}

impl PluginInfo {
    /// The plugin id this source plugin's events carry in a capture, by which a reader gives
    /// them back to it: its id; for a source before API 3.0 with id 0, 0 (the 2022 framework
    /// stored and matched id 0 like any other; sysdig 0.29.3 reads such captures); `None` for
    /// a 3.x source with id 0 (a generic source of libscap events, not plugin events) and for
    /// plugins without the sourcing capability.
    pub fn capture_plugin_id(&self) -> Option<u32> {
        match (self.capabilities.sourcing, self.id) {
            (true, Some(0)) if self.generation == Generation::V3 => None,
            (true, id) => id,
            _ => None,
        }
    }

    /// The position of a field by name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// Parses a JSON array of event source names (`get_*_event_sources`).
///
/// 3.x drops empty names and treats an empty text as "every source"; older frameworks refuse
/// an empty text. Numbers and booleans are turned into text, as jsoncpp's `asString` does.
pub fn parse_sources(text: &[u8], what: &str, generation: Generation) -> Result<Vec<String>, HostError> {
    let bad = |why: String| HostError::new(ErrorKind::InvalidInfo, format!("{what} {why}"));
    if text.iter().all(u8::is_ascii_whitespace) {
        return if generation == Generation::V3 {
            Ok(Vec::new())
        } else {
            Err(bad("returned an empty string".into()))
        };
    }
    let root: Value = serde_json::from_slice(text).map_err(|e| bad(format!("did not return a JSON array ({e})")))?;
    let Value::Array(items) = root else {
        return Err(bad("did not return a JSON array".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let s = match item {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => return Err(bad(format!("returned a non-string entry: {other}"))),
        };
        if s.is_empty() && generation == Generation::V3 {
            continue;
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// 3.x `get_async_events`: a non-empty JSON array of non-empty strings.
pub fn parse_async_event_names(text: &[u8]) -> Result<Vec<String>, HostError> {
    let bad = |why: &str| HostError::new(ErrorKind::InvalidInfo, format!("get_async_events {why}"));
    let root: Value = serde_json::from_slice(text).map_err(|_| bad("did not return a JSON array"))?;
    let Value::Array(items) = root else {
        return Err(bad("did not return a JSON array"));
    };
    let mut names = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) if !s.is_empty() => names.push(s),
            _ => return Err(bad("returned an entry that is not a non-empty string")),
        }
    }
    if names.is_empty() {
        return Err(bad("returned an empty array (an async plugin must name its events)"));
    }
    Ok(names)
}

/// An open-params suggestion (`list_open_params`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenParam {
    pub value: String,
    pub desc: String,
    /// 1.0.0+: separator between several values.
    pub separator: String,
}

pub fn parse_open_params(text: &[u8], plugin: &str) -> Result<Vec<OpenParam>, HostError> {
    let bad = |why: &str| {
        HostError::new(
            ErrorKind::InvalidInfo,
            format!("plugin '{plugin}': list_open_params {why}"),
        )
    };
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let root: Value = serde_json::from_slice(text).map_err(|_| bad("returned a non-array JSON"))?;
    let Value::Array(items) = root else {
        return Err(bad("returned a non-array JSON"));
    };
    let text_of = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for item in &items {
        let value = text_of(item.get("value"));
        if value.is_empty() {
            return Err(bad("has an entry with no value"));
        }
        out.push(OpenParam {
            value,
            desc: text_of(item.get("desc")),
            separator: text_of(item.get("separator")),
        });
    }
    Ok(out)
}
