//! Output formats (`sysdig -p`, Falco rule `output:`): parsing and rendering as text or JSON.
//!
//! The syntax is libsinsp's `sinsp_evt_formatter::set_format` (`eventformatter.cpp`, read in
//! falcosecurity/libs), checked against sysdig 0.29.3 on the dummy_c capture:
//!
//! * A leading `*` means "print even when some fields have no value", which then print as
//!   `<NA>`. Without it a line with a missing field is not printed at all. sysdig:
//!   `-p "%evt.num %dummy.divisible"` prints nothing; `-p "*%evt.num %dummy.divisible"` prints
//!   `1 <NA>`, `2 <NA>`.
//! * `%field`, `%field[arg]` (the argument is the raw text up to `]`, quotes included, as
//!   libsinsp passes it to the field), and `%NNfield`: the value padded with spaces or cut to
//!   NN bytes (sysdig `%5evt.num|` → `1    |`, `%2dummy.strvalue|` with 100 → `10|`). Cutting
//!   stops at a character boundary here (libsinsp cuts bytes).
//! * A field name is the longest known field the text starts with: `%evt.numx` prints `1x`,
//!   `%dummy.value.foo` prints `8.foo` (sysdig). Here the longest field-name-shaped token is
//!   resolved, then shorter prefixes until the resolver accepts one.
//! * `%` at the end is an error ("formatting cannot end with a %"), so are `%(evt.num)` and
//!   `%%evt.num` ("invalid formatting token"), and unknown fields (`%dummy.nope`).
//! * Transformers, as in conditions (current libsinsp's `set_format` parses a field or a
//!   transformer; sysdig 0.29.3 has none): `%toupper(proc.name)`, nested, with a width
//!   (`%2toupper(...)`); no blank before the `(`, and the token ends at the closing `)`.
//!   Text output prints the transformed value (none, e.g. invalid base64: `<NA>` or no line).
//!   JSON output and [`OutputFormat::json_fields`] hold the plain fields inside instead, not
//!   the transformed value: libsinsp's default (`set_resolve_transformed_fields(false)`), which
//!   Falco keeps for `output_fields`. `%val(...)` is refused.
//!
//! Text rendering (`rawval_to_string` with the plugin fields' `PF_DEC`): numbers in decimal
//! (zero-padded to 9 digits for [`PrintFormat::PaddedDec9`]), reltime/abstime as their
//! nanoseconds, strings raw (invalid UTF-8 becomes U+FFFD, as Falco's output does), bools
//! `true`/`false`, IPv4 dotted, IPv6 as `inet_ntop` (RFC 5952), ipnet `<IPNET>` (what current
//! libsinsp prints for a PT_IPNET value), lists `(a,b,c)` (`sinsp_filter_check::tostring`).
//! sysdig 0.29.3 has only string and uint64 plugin fields; the other types follow current
//! libsinsp's source.
//!
//! JSON rendering (`sysdig -j -p`, Falco `output_fields`): one object, keys are the fields as
//! written (`dummy.divisible[3]`) in sorted order, literal text dropped, numbers as JSON numbers
//! (strings for `PaddedDec9`), strings, bools, lists as arrays, a missing field as `null` (with
//! `*`; without `*` the line is dropped). sysdig: `-j -p "%evt.num %dummy.value %dummy.strvalue
//! %dummy.divisible[3]"` prints `{"dummy.divisible[3]":0,"dummy.strvalue":"8","dummy.value":8,
//! "evt.num":1}`; `-j -p "*%evt.num %dummy.divisible"` prints `{"dummy.divisible":null,
//! "evt.num":1}`. A field with a [`crate::JsonSubstitute`] is read from the substitute.

use std::fmt::Write as _;
use std::net::IpAddr;

use plugin_host::ValueRef;

use crate::ast::Operand;
use crate::compile::{
    compile_transformer, CompiledTransformer, FieldResolver, PrintFormat, RequiredField,
    ResolvedField,
};
use crate::error::{ErrorKind, FilterError, Pos};
use crate::parser::parse_transformer_at;
use crate::transform::{cstr, XVal};
use crate::values::{FieldValue, FieldValues};

#[derive(Clone, Debug)]
enum Token {
    Text(String),
    Field(FieldToken),
    Transformed(XToken),
}

/// `%tolower(proc.name)`: a transformer and the plain fields it reads.
#[derive(Clone, Debug)]
struct XToken {
    /// libsinsp's text of the transformer (`toupper(proc.name)`).
    key: String,
    expr: CompiledTransformer,
    /// 0: no width.
    width: usize,
    /// The fields inside, in order: JSON output and `json_fields` list these, not the
    /// transformed value (libsinsp's default, `set_resolve_transformed_fields(false)`, which
    /// Falco keeps).
    inner: Vec<FieldToken>,
}

#[derive(Clone, Debug)]
struct FieldToken {
    /// As written: `name` or `name[arg]` (the JSON key).
    key: String,
    field: ResolvedField,
    /// 0: no width.
    width: usize,
}

/// A parsed output format.
#[derive(Clone, Debug)]
pub struct OutputFormat {
    tokens: Vec<Token>,
    require_all: bool,
    fields: Vec<RequiredField>,
}

fn ident_len(b: &[u8]) -> usize {
    if b.first().is_some_and(|c| c.is_ascii_alphabetic()) {
        b.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count()
    } else {
        0
    }
}

/// Length of the field-name-shaped text at the start of `b` (identifiers joined by dots).
fn field_shape_len(b: &[u8]) -> usize {
    let mut n = ident_len(b);
    if n == 0 {
        return 0;
    }
    while b.get(n) == Some(&b'.') {
        let m = ident_len(&b[n + 1..]);
        if m == 0 {
            break;
        }
        n += 1 + m;
    }
    n
}

/// Records `field` (`name[arg]`) and its JSON substitute in `fields`, once.
fn add_required(
    fields: &mut Vec<RequiredField>,
    name: &str,
    arg: Option<&str>,
    field: &ResolvedField,
) {
    for (id, ty, is_list) in std::iter::once((field.id, field.ty, field.is_list))
        .chain(field.json_as.map(|j| (j.id, j.ty, j.is_list)))
    {
        if !fields.iter().any(|x| x.id == id) {
            fields.push(RequiredField {
                id,
                name: name.to_string(),
                arg: arg.map(str::to_string),
                ty,
                is_list,
            });
        }
    }
}

impl OutputFormat {
    /// Parses a format, naming it `output` in errors.
    pub fn parse(fmt: &str, resolver: &dyn FieldResolver) -> Result<OutputFormat, FilterError> {
        Self::parse_named(fmt, resolver, "output")
    }

    pub fn parse_named(
        fmt: &str,
        resolver: &dyn FieldResolver,
        source_name: &str,
    ) -> Result<OutputFormat, FilterError> {
        let err = |off: usize, kind: ErrorKind, msg: String| {
            FilterError::new(kind, source_name, Pos::at(fmt, off), msg)
        };
        if fmt.is_empty() {
            return Err(err(
                0,
                ErrorKind::Syntax,
                "the output format is empty".into(),
            ));
        }
        let (require_all, start) = if fmt.starts_with('*') {
            (false, 1)
        } else {
            (true, 0)
        };
        let b = fmt.as_bytes();
        let mut tokens = Vec::new();
        let mut fields: Vec<RequiredField> = Vec::new();
        let mut text_start = start;
        let mut i = start;
        while i < b.len() {
            if b[i] != b'%' {
                i += 1;
                continue;
            }
            if text_start < i {
                tokens.push(Token::Text(fmt[text_start..i].to_string()));
            }
            let pct = i;
            i += 1;
            if i >= b.len() {
                return Err(err(
                    pct,
                    ErrorKind::Syntax,
                    "invalid formatting syntax: formatting cannot end with a %".into(),
                ));
            }
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let mut width = 0usize;
            if digits > 0 {
                width = fmt[i..i + digits].parse().unwrap_or(usize::MAX);
                i += digits;
                if i >= b.len() {
                    return Err(err(
                        pct,
                        ErrorKind::Syntax,
                        "invalid formatting syntax: formatting cannot end with a number".into(),
                    ));
                }
            }
            let name_start = i;
            // a transformer: `%tolower(proc.name)`, `%2toupper(basename(fd.name))`
            if let Some(parsed) = parse_transformer_at(fmt, i, source_name) {
                let (op, end) = parsed?;
                let expr = compile_transformer(&op, resolver, source_name)?;
                let mut inner = Vec::new();
                let mut failed = None;
                op.for_each_field(&mut |f| {
                    if failed.is_some() {
                        return;
                    }
                    match resolver.resolve(&f.name, f.arg.as_deref(), f.pos) {
                        Ok(field) => {
                            add_required(&mut fields, &f.name, f.arg.as_deref(), &field);
                            inner.push(FieldToken {
                                key: Operand::Field(f.clone()).libsinsp_string(),
                                field,
                                width: 0,
                            })
                        }
                        Err(m) => {
                            failed = Some(FilterError::new(ErrorKind::Field, source_name, f.pos, m))
                        }
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                tokens.push(Token::Transformed(XToken {
                    key: op.libsinsp_string(),
                    expr,
                    width,
                    inner,
                }));
                i = end;
                text_start = i;
                continue;
            }
            let full = field_shape_len(&b[i..]);
            if full == 0 {
                let tok: String = fmt[i..].chars().take(20).collect();
                return Err(err(
                    name_start,
                    ErrorKind::Syntax,
                    format!("invalid formatting token {tok}"),
                ));
            }
            // the argument, if '[' follows the whole name
            let arg = if b.get(i + full) == Some(&b'[') {
                match fmt[i + full + 1..].find(']') {
                    Some(end) => Some(&fmt[i + full + 1..i + full + 1 + end]),
                    None => {
                        return Err(err(
                            i + full,
                            ErrorKind::Syntax,
                            format!(
                                "expected ']' to close the argument of field '{}'",
                                &fmt[i..i + full]
                            ),
                        ))
                    }
                }
            } else {
                None
            };
            let pos = Pos::at(fmt, name_start);
            let (len, arg, field) = match resolver.resolve(&fmt[i..i + full], arg, pos) {
                Ok(f) => (full, arg, f),
                Err(first_err) => {
                    // the longest shorter prefix that is a field (libsinsp matches `%evt.numx` as evt.num)
                    let found = (1..full).rev().find_map(|n| {
                        if !fmt.is_char_boundary(i + n) {
                            return None;
                        }
                        resolver
                            .resolve(&fmt[i..i + n], None, pos)
                            .ok()
                            .map(|f| (n, f))
                    });
                    match found {
                        Some((n, f)) => (n, None, f),
                        None => {
                            return Err(FilterError::new(
                                ErrorKind::Field,
                                source_name,
                                pos,
                                first_err,
                            ))
                        }
                    }
                }
            };
            let name = &fmt[i..i + len];
            let key = match arg {
                Some(a) => format!("{name}[{a}]"),
                None => name.to_string(),
            };
            i += len + arg.map_or(0, |a| a.len() + 2);
            add_required(&mut fields, name, arg, &field);
            tokens.push(Token::Field(FieldToken { key, field, width }));
            text_start = i;
        }
        if text_start < b.len() {
            tokens.push(Token::Text(fmt[text_start..].to_string()));
        }
        Ok(OutputFormat {
            tokens,
            require_all,
            fields,
        })
    }

    /// The distinct fields the format reads (JSON substitutes included), in order of first use.
    pub fn fields(&self) -> &[RequiredField] {
        &self.fields
    }

    /// False when the format starts with `*` (missing fields print as `<NA>`).
    pub fn requires_all_values(&self) -> bool {
        self.require_all
    }

    /// The field keys as written (`name` or `name[arg]`; a transformer as libsinsp writes it,
    /// `toupper(proc.name)`), in order, duplicates included.
    pub fn field_keys(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Field(f) => Some(f.key.as_str()),
            Token::Transformed(x) => Some(x.key.as_str()),
            Token::Text(_) => None,
        })
    }

    /// Appends the line to `out`. Returns false, leaving `out` as it was, when a field has no
    /// value and the format does not start with `*`.
    pub fn render(&self, values: &dyn FieldValues, out: &mut String) -> bool {
        let mark = out.len();
        for t in &self.tokens {
            match t {
                Token::Text(s) => out.push_str(s),
                Token::Field(f) => {
                    let v = values.get(f.field.id);
                    let start = out.len();
                    if v.is_present() {
                        render_text(&v, &f.field, out);
                    } else if self.require_all {
                        out.truncate(mark);
                        return false;
                    } else {
                        out.push_str("<NA>");
                    }
                    if f.width > 0 {
                        apply_width(out, start, f.width);
                    }
                }
                Token::Transformed(x) => {
                    let start = out.len();
                    match x.expr.eval(values) {
                        Some(v) => render_xval(&v, out),
                        None if self.require_all => {
                            out.truncate(mark);
                            return false;
                        }
                        None => out.push_str("<NA>"),
                    }
                    if x.width > 0 {
                        apply_width(out, start, x.width);
                    }
                }
            }
        }
        true
    }

    /// The line, or `None` when a required field has no value.
    pub fn to_text(&self, values: &dyn FieldValues) -> Option<String> {
        let mut s = String::new();
        self.render(values, &mut s).then_some(s)
    }

    /// The fields as (key, JSON value) pairs, sorted by key, one per distinct key; `None` when
    /// a field has no value and the format does not start with `*`.
    pub fn json_fields(
        &self,
        values: &dyn FieldValues,
    ) -> Option<Vec<(String, serde_json::Value)>> {
        let mut out: Vec<(String, serde_json::Value)> = Vec::new();
        let plain = self.tokens.iter().flat_map(|t| match t {
            Token::Field(f) => std::slice::from_ref(f),
            Token::Transformed(x) => x.inner.as_slice(),
            Token::Text(_) => &[],
        });
        for f in plain {
            let (id, print) = match f.field.json_as {
                Some(j) => (j.id, PrintFormat::Dec),
                None => (f.field.id, f.field.print),
            };
            let v = values.get(id);
            let j = if v.is_present() {
                json_value(
                    &v,
                    print,
                    f.field.is_list || matches!(v, FieldValue::List(_)),
                )
            } else if self.require_all {
                return None;
            } else {
                serde_json::Value::Null
            };
            match out.iter_mut().find(|(k, _)| *k == f.key) {
                Some(slot) => slot.1 = j,
                None => out.push((f.key.clone(), j)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Some(out)
    }

    /// Appends the JSON object (`sysdig -j -p` style) to `out`; false (nothing appended) when
    /// a required field has no value.
    pub fn render_json(&self, values: &dyn FieldValues, out: &mut String) -> bool {
        let Some(fields) = self.json_fields(values) else {
            return false;
        };
        out.push('{');
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json_string(k, out);
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
        true
    }

    pub fn to_json(&self, values: &dyn FieldValues) -> Option<String> {
        let mut s = String::new();
        self.render_json(values, &mut s).then_some(s)
    }
}

fn apply_width(out: &mut String, start: usize, width: usize) {
    let len = out.len() - start;
    if len > width {
        let mut end = start + width;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    } else {
        out.extend(std::iter::repeat_n(' ', width - len));
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// Appends the text of one value.
pub fn render_value(v: ValueRef, print: PrintFormat, out: &mut String) {
    match v {
        ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x) => {
            let _ = match print {
                PrintFormat::Dec => write!(out, "{x}"),
                PrintFormat::PaddedDec9 => write!(out, "{x:09}"),
            };
        }
        ValueRef::Str(s) => out.push_str(&String::from_utf8_lossy(s)),
        ValueRef::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        ValueRef::IpAddr(a) => render_ip(a, out),
        ValueRef::IpNet(_) => out.push_str("<IPNET>"),
    }
}

fn render_ip(a: IpAddr, out: &mut String) {
    let _ = write!(out, "{a}");
}

/// Appends the text of a field's value(s): one value, or `(a,b)` for a list field.
pub fn render_text(v: &FieldValue, field: &ResolvedField, out: &mut String) {
    match v {
        FieldValue::Absent => out.push_str("<NA>"),
        FieldValue::One(x) if !field.is_list => render_value(*x, field.print, out),
        _ => {
            out.push('(');
            for i in 0..v.len() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(x) = v.get(i) {
                    render_value(x, field.print, out);
                }
            }
            out.push(')');
        }
    }
}

/// Appends the text of a transformed value (`rawval_to_string` of the transformed type:
/// strings up to their first NUL, numbers in decimal, lists as `(a,b)`).
fn render_xval(v: &XVal, out: &mut String) {
    match v {
        XVal::Str(s) => out.push_str(&String::from_utf8_lossy(cstr(s))),
        XVal::U64(n) => {
            let _ = write!(out, "{n}");
        }
        XVal::Strs(l) => {
            out.push('(');
            for (i, s) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&String::from_utf8_lossy(cstr(s)));
            }
            out.push(')');
        }
    }
}

fn json_scalar(v: ValueRef, print: PrintFormat) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x) => match print {
            PrintFormat::Dec => J::from(x),
            PrintFormat::PaddedDec9 => J::String(format!("{x:09}")),
        },
        ValueRef::Str(s) => J::String(String::from_utf8_lossy(s).into_owned()),
        ValueRef::Bool(b) => J::Bool(b),
        ValueRef::IpAddr(a) => J::String(a.to_string()),
        ValueRef::IpNet(_) => J::String("<IPNET>".into()),
    }
}

/// The JSON value of a field's value(s): a scalar, or an array for a list.
pub fn json_value(v: &FieldValue, print: PrintFormat, as_list: bool) -> serde_json::Value {
    match v {
        FieldValue::Absent => serde_json::Value::Null,
        FieldValue::One(x) if !as_list => json_scalar(*x, print),
        _ => serde_json::Value::Array(
            (0..v.len())
                .filter_map(|i| v.get(i))
                .map(|x| json_scalar(x, print))
                .collect(),
        ),
    }
}

/// The format Falco prints an alert with: `*%evt.time: PRIORITY OUTPUT` (or `%evt.time.iso8601`
/// with `time_format_iso_8601: true`), from Falco's `formats.cpp`/`falco_outputs.cpp`.
pub fn falco_alert_format(rule_output: &str, priority: &str, time_iso8601: bool) -> String {
    let t = if time_iso8601 {
        "evt.time.iso8601"
    } else {
        "evt.time"
    };
    format!("*%{t}: {priority} {rule_output}")
}
