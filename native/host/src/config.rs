//! Init config checks before `init`, as the framework does them: the config is validated
//! against the plugin's JSON Schema (`get_init_schema`), an empty config counting as `{}`.
//!
//! What the plugin then receives, per generation (our choice, documented):
//! * 1.x, 2.x, 3.x with a JSON schema: an empty config is replaced by `"{}"` (libs rewrites
//!   the string it validated and passes it on).
//! * 0.x and seed: the config as given; an empty config is passed as `""`, never NULL. The
//!   0.3.0 framework validated `{}` but passed the original text, and Falco 0.31 passed NULL
//!   for an empty config; seed and 0.1 plugins were written against frameworks passing a
//!   C++ string's `c_str()`, so `""` is the value every generation must accept.
//! * no schema: the config as given, `""` when empty.

use jsonschema::Draft;
use serde_json::Value;

use crate::abi::schema_type;
use crate::error::{ErrorKind, HostError};
use crate::generation::Generation;
use crate::info::InitSchema;

/// Validates `config` and returns the text to pass to the plugin's `init`.
pub fn prepare(
    plugin: &str,
    generation: Generation,
    schema: Option<&InitSchema>,
    config: &str,
) -> Result<String, HostError> {
    let Some(schema) = schema else {
        return Ok(config.to_string());
    };
    match schema.schema_type {
        schema_type::NONE => return Ok(config.to_string()),
        schema_type::JSON => {}
        other => {
            return Err(HostError::new(
                ErrorKind::InvalidSchema,
                format!("plugin '{plugin}': get_init_schema returned an unknown schema type {other}"),
            ))
        }
    }
    if schema.text.is_empty() {
        return Ok(config.to_string());
    }
    let schema_json: Value = serde_json::from_str(&schema.text)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            HostError::new(
                ErrorKind::InvalidSchema,
                format!("plugin '{plugin}': get_init_schema did not return a JSON object"),
            )
        })?;
    let effective = if config.is_empty() { "{}" } else { config };
    let config_json: Value = serde_json::from_str(effective).map_err(|e| {
        HostError::new(
            ErrorKind::InvalidConfig,
            format!("plugin '{plugin}': init config is not valid JSON ({e}): {effective}"),
        )
    })?;
    let validator = jsonschema::options()
        .with_draft(Draft::Draft7)
        .build(&schema_json)
        .map_err(|e| {
            HostError::new(
                ErrorKind::InvalidSchema,
                format!("plugin '{plugin}': get_init_schema is not a valid JSON Schema: {e}"),
            )
        })?;
    let problems: Vec<String> = validator
        .iter_errors(&config_json)
        .map(|e| {
            let path = e.instance_path().as_str();
            format!("at {}: {e}", if path.is_empty() { "/" } else { path })
        })
        .collect();
    if !problems.is_empty() {
        return Err(HostError::new(
            ErrorKind::InvalidConfig,
            format!(
                "plugin '{plugin}': init config {effective} does not match the plugin's schema: {}",
                problems.join("; ")
            ),
        ));
    }
    let passes_stub = !generation.has_plugin_type();
    Ok(if config.is_empty() && passes_stub {
        "{}".to_string()
    } else {
        config.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> InitSchema {
        InitSchema {
            schema_type: 1,
            text: r#"{"type":"object","properties":{"jitter":{"type":"integer","minimum":0}},"additionalProperties":false}"#.into(),
        }
    }

    #[test]
    fn validates_and_names_the_path() {
        assert_eq!(prepare("p", Generation::V3, Some(&schema()), "").unwrap(), "{}");
        assert_eq!(prepare("p", Generation::V0_3, Some(&schema()), "").unwrap(), "");
        assert_eq!(prepare("p", Generation::V3, None, "").unwrap(), "");
        let e = prepare("p", Generation::V3, Some(&schema()), r#"{"jitter": -1}"#).unwrap_err();
        assert!(e.message.contains("at /jitter:"), "{e}");
        let e = prepare("p", Generation::V3, Some(&schema()), r#"{"jiter": 1}"#).unwrap_err();
        assert!(e.message.contains("at /:"), "{e}");
        let e = prepare("p", Generation::V3, Some(&schema()), "nope").unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidConfig);
        let bad = InitSchema {
            schema_type: 1,
            text: "[1]".into(),
        };
        assert_eq!(
            prepare("p", Generation::V3, Some(&bad), "").unwrap_err().kind,
            ErrorKind::InvalidSchema
        );
        let odd = InitSchema {
            schema_type: 7,
            text: "{}".into(),
        };
        assert!(prepare("p", Generation::V3, Some(&odd), "")
            .unwrap_err()
            .message
            .contains("unknown schema type 7"));
    }
}
