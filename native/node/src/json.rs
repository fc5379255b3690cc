//! Plugin and engine results cross as JSON text (their structures are serde-described in the
//! host and engine crates); `src/plugin` and `src/engine` parse them into typed objects.

use plugin_host::HostError;
use scap_engine::EngineError;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorJson {
    /// `USAGE`, `CAPTURE`, `PLUGIN`, `GOLDEN`, `IO`.
    pub kind: String,
    pub message: String,
    pub plugin: Option<String>,
    pub plugin_message: Option<String>,
    /// The host's or reader's own code (`plugin_init_failed`, `TRUNCATED`...).
    pub code: Option<String>,
    pub evtnum: Option<u64>,
    pub file: Option<String>,
    pub offset: Option<u64>,
    /// For filter, format and rule compile errors: the text and the position in it.
    pub filter: Option<scap_engine::error::FilterLocation>,
}

impl From<&EngineError> for ErrorJson {
    fn from(e: &EngineError) -> Self {
        ErrorJson {
            kind: e.kind.code().to_string(),
            message: e.message.clone(),
            plugin: e.plugin.clone(),
            plugin_message: e.plugin_message.clone(),
            code: e.detail_code.clone(),
            evtnum: e.evtnum,
            file: e.file.clone(),
            offset: e.offset,
            filter: e.filter.as_deref().cloned(),
        }
    }
}

pub fn host_error(path: &str, e: HostError) -> ErrorJson {
    ErrorJson::from(&EngineError::plugin(path, e))
}

/// `{"ok": value}` or `{"error": {...}}`.
pub fn outcome<T: Serialize>(r: Result<T, ErrorJson>) -> String {
    // Built once per call to be serialized: its size does not matter.
    #[allow(clippy::large_enum_variant)]
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    enum Outcome<T> {
        Ok(T),
        Error(ErrorJson),
    }
    let o = match r {
        Ok(v) => Outcome::Ok(v),
        Err(e) => Outcome::Error(e),
    };
    serde_json::to_string(&o).unwrap_or_else(|e| format!(r#"{{"error":{{"kind":"IO","message":"cannot serialize the result: {e}"}}}}"#))
}
