//! The fields a plugin extracts (`plugin_get_fields`), parsed and validated with the rules of
//! the plugin's generation:
//!
//! * 0.x and seed (libsinsp 0.3.0): `type` "string" or "uint64" ("int64"/"float" pass the
//!   parser but cannot be extracted), `name` and `desc` required, optional `display`,
//!   `argRequired` (read like jsoncpp's `asBool`: booleans, numbers and null), `properties`.
//!   Any field may take a free-text argument, passed as a string.
//! * 1.x/2.x: "string"/"uint64", `isList`, `arg: {isRequired, isIndex, isKey}`, `properties`;
//!   every bool slot must hold a JSON boolean.
//! * 3.x: adds "reltime", "abstime", "bool", "ipaddr", "ipnet", `addOutput`; at least one field.
//!
//! Text slots (`type`, `name`, `desc`, `display`) are read like jsoncpp's `asString`: a number
//! or boolean is turned into its text, an array or object is an error.

use serde::Serialize;
use serde_json::Value;

use crate::abi::ftype;
use crate::error::{ErrorKind, HostError};
use crate::generation::Generation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Uint64,
    String,
    Reltime,
    Abstime,
    Bool,
    Ipaddr,
    Ipnet,
    /// 0.x only: accepted when parsing the fields, refused at extraction (as libsinsp 0.3.0).
    Int64,
    /// 0.x only, like `Int64`.
    Float,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Uint64 => "uint64",
            FieldType::String => "string",
            FieldType::Reltime => "reltime",
            FieldType::Abstime => "abstime",
            FieldType::Bool => "bool",
            FieldType::Ipaddr => "ipaddr",
            FieldType::Ipnet => "ipnet",
            FieldType::Int64 => "int64",
            FieldType::Float => "float",
        }
    }

    /// The `ftype` code passed to the plugin (`None` for types that cannot be extracted).
    pub fn code(self) -> Option<u32> {
        match self {
            FieldType::Uint64 => Some(ftype::UINT64),
            FieldType::String => Some(ftype::STRING),
            FieldType::Reltime => Some(ftype::RELTIME),
            FieldType::Abstime => Some(ftype::ABSTIME),
            FieldType::Bool => Some(ftype::BOOL),
            FieldType::Ipaddr => Some(ftype::IPADDR),
            FieldType::Ipnet => Some(ftype::IPNET),
            FieldType::Int64 | FieldType::Float => None,
        }
    }

    fn allowed(generation: Generation) -> &'static [FieldType] {
        match generation {
            Generation::V3 => &[
                FieldType::String,
                FieldType::Uint64,
                FieldType::Reltime,
                FieldType::Abstime,
                FieldType::Bool,
                FieldType::Ipaddr,
                FieldType::Ipnet,
            ],
            Generation::V1 | Generation::V2 => &[FieldType::String, FieldType::Uint64],
            _ => &[FieldType::String, FieldType::Uint64, FieldType::Int64, FieldType::Float],
        }
    }
}

/// What argument a field takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldArg {
    pub is_required: bool,
    /// 1.x+: a decimal index (no leading zero) passed in `arg_index`.
    pub is_index: bool,
    /// 1.x+: a string passed in `arg_key`.
    pub is_key: bool,
    /// 0.x and seed: any field may take a free-text argument, passed as a string; `is_required`
    /// is the legacy `argRequired`.
    pub legacy_text: bool,
}

impl FieldArg {
    pub fn accepts_argument(&self) -> bool {
        self.legacy_text || self.is_index || self.is_key
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    /// Position in the plugin's fields array (the `field_id` passed from 0.2.0 on).
    pub id: u32,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub is_list: bool,
    pub arg: FieldArg,
    pub display: String,
    pub desc: String,
    pub properties: Vec<String>,
    /// 3.8 `addOutput` (read for every 3.x plugin, as the 3.12 framework does).
    pub add_output: bool,
}

fn invalid(message: String) -> HostError {
    HostError::new(ErrorKind::InvalidFields, message)
}

/// jsoncpp's `asString`.
fn as_text(v: Option<&Value>) -> Result<String, &'static str> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Array(_)) => Err("an array"),
        Some(Value::Object(_)) => Err("an object"),
    }
}

/// jsoncpp's `asBool` (0.x `argRequired`).
fn as_bool_lenient(v: Option<&Value>) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Some(other) => Err(describe(other)),
    }
}

/// 1.x+: absent/null means false; anything but a JSON boolean is an error.
fn as_bool_strict(v: Option<&Value>) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(describe(other)),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn excerpt(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut e: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        e.push('…');
    }
    e
}

/// Parses and validates a fields JSON for `generation`.
pub fn parse(text: &[u8], generation: Generation) -> Result<(Vec<FieldInfo>, Vec<String>), HostError> {
    let root: Value = serde_json::from_slice(text).map_err(|e| {
        invalid(format!(
            "get_fields returned text that is not JSON ({e}); it starts with {:?}",
            excerpt(text)
        ))
    })?;
    let Value::Array(entries) = root else {
        return Err(invalid(format!(
            "get_fields must return a JSON array, got {}",
            describe(&root)
        )));
    };
    let mut warnings = Vec::new();
    let mut fields = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let Value::Object(obj) = entry else {
            return Err(invalid(format!(
                "field #{i} must be a JSON object, got {}",
                describe(entry)
            )));
        };
        let text_of = |key: &str| -> Result<String, HostError> {
            as_text(obj.get(key)).map_err(|what| invalid(format!("field #{i}: \"{key}\" must be a string, got {what}")))
        };
        let name = text_of("name")?;
        if name.is_empty() {
            return Err(invalid(format!("field #{i} has no name")));
        }
        let at = format!("field #{i} ({name})");
        let type_text = text_of("type")?;
        if type_text.is_empty() {
            return Err(invalid(format!("{at} has no type")));
        }
        let allowed = FieldType::allowed(generation);
        let field_type = allowed.iter().copied().find(|t| t.name() == type_text).ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
            invalid(format!(
                "{at}: type {type_text:?} is not a {} plugin field type (one of {})",
                generation.label(),
                names.join(", ")
            ))
        })?;
        let desc = text_of("desc")?;
        if desc.is_empty() {
            return Err(invalid(format!("{at} has no desc")));
        }
        let display = text_of("display")?;
        let properties = match obj.get("properties") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| match p {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(invalid(format!(
                        "{at}: every entry of \"properties\" must be a string, got {}",
                        describe(other)
                    ))),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(invalid(format!(
                    "{at}: \"properties\" must be an array, got {}",
                    describe(other)
                )))
            }
        };
        let strict = |key: &str, v: Option<&Value>| {
            as_bool_strict(v).map_err(|got| invalid(format!("{at}: \"{key}\" must be a boolean, got {got}")))
        };
        let (is_list, arg, add_output) = if generation.has_plugin_type() {
            let required = as_bool_lenient(obj.get("argRequired"))
                .map_err(|got| invalid(format!("{at}: \"argRequired\" must be a boolean, got {got}")))?;
            if type_text == "int64" || type_text == "float" {
                warnings.push(format!(
                    "{at}: type {type_text} is accepted by the 0.3.0 framework but cannot be extracted"
                ));
            }
            if name.len() >= 64 {
                warnings.push(format!("{at}: the 0.x framework truncates names to 63 bytes"));
            }
            (
                false,
                FieldArg {
                    is_required: required,
                    legacy_text: true,
                    ..FieldArg::default()
                },
                false,
            )
        } else {
            let is_list = strict("isList", obj.get("isList"))?;
            let arg = match obj.get("arg") {
                None | Some(Value::Null) => FieldArg::default(),
                Some(Value::Object(a)) => {
                    let arg_bool = |key: &str| {
                        as_bool_strict(a.get(key))
                            .map_err(|got| invalid(format!("{at}: \"arg.{key}\" must be a boolean, got {got}")))
                    };
                    let arg = FieldArg {
                        is_required: arg_bool("isRequired")?,
                        is_index: arg_bool("isIndex")?,
                        is_key: arg_bool("isKey")?,
                        legacy_text: false,
                    };
                    if arg.is_required && !arg.is_index && !arg.is_key {
                        return Err(invalid(format!(
                            "{at}: arg has isRequired true, but neither isIndex nor isKey is true"
                        )));
                    }
                    arg
                }
                Some(other) => {
                    return Err(invalid(format!(
                        "{at}: \"arg\" must be an object, got {}",
                        describe(other)
                    )))
                }
            };
            let add_output = if generation == Generation::V3 {
                strict("addOutput", obj.get("addOutput"))?
            } else {
                false
            };
            (is_list, arg, add_output)
        };
        fields.push(FieldInfo {
            id: i as u32,
            name,
            field_type,
            is_list,
            arg,
            display,
            desc,
            properties,
            add_output,
        });
    }
    if generation == Generation::V3 && fields.is_empty() {
        return Err(invalid(
            "a plugin with the extraction capability must export at least one field".into(),
        ));
    }
    Ok((fields, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_rules() {
        let (f, _) = parse(
            br#"[{"type":"uint64","name":"a.b","desc":"d","arg":{"isRequired":true,"isIndex":true},"addOutput":true},
                 {"type":"ipnet","name":"a.n","desc":"d","isList":true,"properties":["hidden"]}]"#,
            Generation::V3,
        )
        .unwrap();
        assert_eq!(
            f[0].arg,
            FieldArg {
                is_required: true,
                is_index: true,
                ..Default::default()
            }
        );
        assert!(f[0].add_output && f[1].is_list && f[1].field_type == FieldType::Ipnet);
        let e = parse(
            br#"[{"type":"uint64","name":"x","desc":"d","isList":"yes"}]"#,
            Generation::V3,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "field #0 (x): \"isList\" must be a boolean, got the string \"yes\""
        );
        let e = parse(br#"[{"type":"float","name":"x","desc":"d"}]"#, Generation::V3).unwrap_err();
        assert!(
            e.message.contains("type \"float\" is not a 3.x plugin field type"),
            "{e}"
        );
        let e = parse(
            br#"[{"type":"uint64","name":"x","desc":"d","arg":{"isRequired":true}}]"#,
            Generation::V3,
        )
        .unwrap_err();
        assert!(e.message.contains("neither isIndex nor isKey"), "{e}");
        assert!(parse(b"[]", Generation::V3).is_err());
        assert!(parse(br#"[{"type":"uint64","name":"x"}]"#, Generation::V3)
            .unwrap_err()
            .message
            .contains("no desc"));
        assert!(parse(b"[{", Generation::V3).unwrap_err().message.contains("not JSON"));
    }

    #[test]
    fn legacy_rules() {
        let (f, _) = parse(
            br#"[{"type":"uint64","name":"d.x","desc":"d","argRequired":1}]"#,
            Generation::V0_3,
        )
        .unwrap();
        assert!(f[0].arg.is_required && f[0].arg.legacy_text);
        assert!(parse(br#"[{"type":"bool","name":"d.x","desc":"d"}]"#, Generation::V0_3).is_err());
        assert!(parse(br#"[{"type":"bool","name":"d.x","desc":"d"}]"#, Generation::V2).is_err());
        assert!(parse(
            br#"[{"type":"uint64","name":"d.x","desc":"d","argRequired":"yes"}]"#,
            Generation::V0_2
        )
        .is_err());
        assert_eq!(
            parse(br#"[{"type":"float","name":"d.x","desc":"d"}]"#, Generation::V0_3)
                .unwrap()
                .0[0]
                .field_type,
            FieldType::Float
        );
    }
}
