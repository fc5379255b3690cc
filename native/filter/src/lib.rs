//! The libsinsp filter (condition) language and output formats, for filtering and printing
//! captures and replaying Falco rules without Falco.
//!
//! * [`parse`]: condition text → [`Expr`] (positions on every node; errors name the column:
//!   `filter:1:17: expected a value after operator '='`).
//! * [`Definitions`]: macros and lists of Falco rules files, expanded on the AST with cycle and
//!   undefined-name errors.
//! * [`compile`]: [`Expr`] + a [`FieldResolver`] → [`CompiledFilter`], type-checked, constants
//!   parsed once; [`CompiledFilter::fields`] lists the fields to extract;
//!   [`CompiledFilter::matches`] evaluates one event's [`FieldValues`].
//! * [`OutputFormat`]: `-p`/rule output formats, rendered as text or as a JSON object.
//!
//! Each module says which libsinsp source it follows and what was checked against Debian's
//! sysdig 0.29.3 (the 2022 libsinsp): where current libsinsp differs, current libsinsp wins.
//!
//! ```
//! use scap_filter::{compile_filter, FieldType, OwnedValues, ExtractedValue, Pos, ResolvedField};
//!
//! let resolver = |name: &str, arg: Option<&str>, _pos: Pos| match (name, arg) {
//!     ("evt.num", None) => Ok(ResolvedField::new(0, FieldType::Uint64, false)),
//!     ("dummy.divisible", Some("3")) => Ok(ResolvedField::new(1, FieldType::Uint64, false)),
//!     _ => Err(format!("unknown field {name}")),
//! };
//! let f = compile_filter("evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1", None, &resolver).unwrap();
//! let mut v = OwnedValues::new();
//! v.set(0, Some(ExtractedValue::U64(2))).set(1, Some(ExtractedValue::U64(1)));
//! assert!(f.matches(&v));
//! ```

pub mod ast;
pub mod compile;
pub mod error;
pub mod expand;
pub mod format;
pub mod glob;
pub mod parser;
pub mod re;
mod transform;
pub mod values;

pub use ast::{Check, Expr, ExprKind, FieldRef, Modifier, Op, Operand, Origin, Rhs, Value};
pub use compile::{
    compile, compile_filter, compile_named, CompiledFilter, FieldResolver, JsonSubstitute,
    PrintFormat, RequiredField, ResolvedField,
};
pub use error::{ErrorKind, Expansion, FilterError, Pos};
pub use expand::Definitions;
pub use format::{falco_alert_format, OutputFormat};
pub use parser::{parse, parse_with, ParseOptions, MAX_DEPTH_LIMIT};
pub use values::{FieldValue, FieldValues, OwnedValues, ValueList};

pub use plugin_host::{ExtractedValue, FieldType, ValueRef};
