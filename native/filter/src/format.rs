//! Output formats (`sysdig -p`, Falco rule `output:`): parsing and rendering as text or JSON.
//!
//! The syntax is current libsinsp's `sinsp_evt_formatter::set_format` (`eventformatter.cpp`,
//! read in falcosecurity/libs), checked line for line against the oracle's sinsp-example
//! (test/print-libsinsp.test.ts and the generated fuzz), and against sysdig 0.29.3 where it
//! agrees:
//!
//! * A leading `*` means "print even when some fields have no value", which then print as
//!   `<NA>`. Without it a line with a missing field is not printed at all (the formatter says
//!   so; sysdig and Falco honour it). sysdig: `-p "%evt.num %dummy.divisible"` prints nothing;
//!   `-p "*%evt.num %dummy.divisible"` prints `1 <NA>`, `2 <NA>`.
//! * After `%` and an optional width `NN`, libsinsp parses a field (with its `[arg]`, quoted or
//!   bare as in conditions: `%dummyx3.repr['hex']` is the argument `hex`) or a transformer, on
//!   ever shorter prefixes of the rest of the format, and takes the first that also compiles:
//!   `%evt.numx` prints `1x`, `%dummy.value.foo` prints `8.foo`, `%dummy.value[3]` prints
//!   `8[3]` (dummy.value takes no argument). Nothing at all: an error ("unknown filter"), as
//!   for `%(evt.num)`, `%%evt.num`, `%dummy.nope`; a `%` or a width at the end too.
//! * `%NN`: the value's bytes cut or padded with spaces to NN bytes (`std::string::resize`),
//!   `<NA>` included (sysdig `%5evt.num|` → `1    |`, `%2dummy.strvalue|` with 100 → `10|`).
//!   The line is built in bytes and shown with invalid UTF-8 as U+FFFD, as a reader of
//!   libsinsp's output sees it.
//! * Transformers, as in conditions (sysdig 0.29.3 has none): `%toupper(proc.name)`, nested,
//!   with a width (`%2toupper(...)`). Text output prints the transformed value (none, e.g.
//!   invalid base64: `<NA>` or no line); a number made from a field without a numeric print
//!   format has no text either (`%len(evt.source)`, `%len(join(...))` print `<NA>`: see
//!   [`PrintFormat::NotApplicable`]). JSON output and [`OutputFormat::json_fields`] hold the
//!   plain fields inside instead, not the transformed value: libsinsp's default
//!   (`set_resolve_transformed_fields(false)`), which Falco keeps for `output_fields`.
//!   `%val(...)` is refused.
//!
//! Text rendering (`rawval_to_string` with the plugin fields' `PF_DEC`): numbers in decimal
//! (zero-padded to 9 digits for [`PrintFormat::PaddedDec9`]), reltime/abstime as their
//! nanoseconds, strings as C strings, bools `true`/`false`, IPv4 dotted, IPv6 as `inet_ntop`
//! (RFC 5952), ipnet `<IPNET>` (what current libsinsp prints for a PT_IPNET value), lists
//! `(a,b,c)` (`sinsp_filter_check::tostring`, which writes a comma only once something follows
//! the `(`: a list starting with empty strings prints `(x)` for `("", "x")`).
//!
//! JSON rendering (`sysdig -j -p`, Falco `output_fields`): one object, keys are the fields as
//! libsinsp writes them (`dummy.divisible[3]`, an argument with a blank double-quoted) in sorted
//! order, literal text dropped, numbers as JSON numbers
//! (strings for `PaddedDec9`), strings, bools, lists as arrays, a missing field as `null` (with
//! `*`; without `*` the line is dropped). sysdig: `-j -p "%evt.num %dummy.value %dummy.strvalue
//! %dummy.divisible[3]"` prints `{"dummy.divisible[3]":0,"dummy.strvalue":"8","dummy.value":8,
//! "evt.num":1}`; `-j -p "*%evt.num %dummy.divisible"` prints `{"dummy.divisible":null,
//! "evt.num":1}`. A field with a [`crate::JsonSubstitute`] is read from the substitute. A format
//! without a plain field (only text and transformers) prints `null`, as libsinsp's untouched
//! jsoncpp object.

use std::io::Write as _;

use plugin_host::ValueRef;

use crate::ast::FieldRef;
use crate::ast::Operand;
use crate::compile::{
    compile_transformer, resolve_field, CompiledTransformer, FieldResolver, PrintFormat,
    RequiredField, ResolvedField,
};
use crate::error::{ErrorKind, FilterError, Pos};
use crate::parser::parse_field_or_transformer;
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
    /// As libsinsp writes it: `name` or `name[arg]` (the JSON key).
    key: String,
    name: String,
    /// Unquoted.
    arg: Option<String>,
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

/// Records a field and its JSON substitute in `fields`, once.
fn add_required(fields: &mut Vec<RequiredField>, f: &FieldToken) {
    let field = f.field;
    for (id, ty, is_list) in std::iter::once((field.id, field.ty, field.is_list))
        .chain(field.json_as.map(|j| (j.id, j.ty, j.is_list)))
    {
        if !fields.iter().any(|x| x.id == id) {
            fields.push(RequiredField {
                id,
                name: f.name.clone(),
                arg: f.arg.clone(),
                ty,
                is_list,
            });
        }
    }
}

/// Compiles one parsed `%` token: a field, or a transformer and the plain fields inside it.
fn compile_token(
    op: &Operand,
    width: usize,
    resolver: &dyn FieldResolver,
    source_name: &str,
) -> Result<Token, FilterError> {
    let resolve = |f: &FieldRef| {
        resolve_field(resolver, f)
            .map_err(|m| FilterError::new(ErrorKind::Field, source_name, f.pos, m))
    };
    match op {
        Operand::Field(f) => Ok(Token::Field(FieldToken {
            key: op.libsinsp_string(),
            name: f.name.clone(),
            arg: f.arg.clone(),
            field: resolve(f)?,
            width,
        })),
        Operand::Transformer { .. } => {
            let expr = compile_transformer(op, resolver, source_name)?;
            let mut inner = Vec::new();
            let mut failed = None;
            op.for_each_field(&mut |f| {
                if failed.is_none() {
                    match resolve(f) {
                        Ok(field) => inner.push(FieldToken {
                            key: Operand::Field(f.clone()).libsinsp_string(),
                            name: f.name.clone(),
                            arg: f.arg.clone(),
                            field,
                            width: 0,
                        }),
                        Err(e) => failed = Some(e),
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            Ok(Token::Transformed(XToken {
                key: op.libsinsp_string(),
                expr,
                width,
                inner,
            }))
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
            // libsinsp parses a field or a transformer at the start of ever shorter prefixes of
            // the rest of the format, and takes the first one that also compiles: `%evt.numx`
            // is evt.num then `x`, `%dummy.value[3]` is dummy.value then `[3]` (it takes no
            // argument). The first failure is the one reported when none does.
            let rest = &fmt[i..];
            let shift = |e: FilterError| {
                FilterError::new(
                    e.kind,
                    source_name,
                    Pos::at(fmt, i + e.pos.offset),
                    e.message,
                )
            };
            let mut first_err: Option<FilterError> = None;
            let mut len = rest.len();
            let mut found = None;
            while len > 0 {
                if !rest.is_char_boundary(len) {
                    len -= 1;
                    continue;
                }
                match parse_field_or_transformer(&rest[..len], source_name) {
                    Ok((op, used)) => match compile_token(&op, width, resolver, source_name) {
                        Ok(tok) => {
                            found = Some((tok, used));
                            break;
                        }
                        Err(e) => {
                            first_err.get_or_insert_with(|| shift(e));
                            // every prefix at least `used` long parses the same
                            len = used.min(len) - 1;
                        }
                    },
                    Err(e) => {
                        first_err.get_or_insert_with(|| shift(e));
                        len -= 1;
                    }
                }
            }
            let Some((tok, used)) = found else {
                return Err(first_err.unwrap_or_else(|| {
                    err(
                        i,
                        ErrorKind::Syntax,
                        "invalid formatting token: expected a field or a transformer".into(),
                    )
                }));
            };
            match &tok {
                Token::Field(f) => add_required(&mut fields, f),
                Token::Transformed(x) => {
                    for f in &x.inner {
                        add_required(&mut fields, f);
                    }
                }
                Token::Text(_) => {}
            }
            tokens.push(tok);
            i += used;
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
        LINE.with(|line| {
            let mut line = line.borrow_mut();
            line.clear();
            if !self.render_bytes(values, &mut line) {
                return false;
            }
            // libsinsp writes bytes; a reader of its output sees invalid UTF-8 as U+FFFD
            out.push_str(&String::from_utf8_lossy(&line));
            true
        })
    }

    /// The line as libsinsp builds it, in bytes: values as C strings, `%NN` cutting or padding
    /// bytes (`std::string::resize`).
    fn render_bytes(&self, values: &dyn FieldValues, out: &mut Vec<u8>) -> bool {
        for t in &self.tokens {
            let start = out.len();
            let width = match t {
                Token::Text(s) => {
                    out.extend_from_slice(s.as_bytes());
                    continue;
                }
                Token::Field(f) => {
                    let v = values.get(f.field.id);
                    if v.is_present() {
                        render_text_bytes(&v, &f.field, out);
                    } else if self.require_all {
                        return false;
                    } else {
                        out.extend_from_slice(NA);
                    }
                    f.width
                }
                Token::Transformed(x) => {
                    match x.expr.eval_for_output(values) {
                        Some(v) => render_xval(&v, x.expr.print(), out),
                        None if self.require_all => return false,
                        None => out.extend_from_slice(NA),
                    }
                    x.width
                }
            };
            if width > 0 {
                out.resize(start + width, b' ');
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
        // libsinsp's JSON object is never filled without a plain field: jsoncpp writes `null`
        if fields.is_empty() {
            out.push_str("null");
            return true;
        }
        out.push('{');
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json_string(k, out);
            out.push(':');
            push_ascii_json(&v.to_string(), out);
        }
        out.push('}');
        true
    }

    pub fn to_json(&self, values: &dyn FieldValues) -> Option<String> {
        let mut s = String::new();
        self.render_json(values, &mut s).then_some(s)
    }
}

/// What a field without a value prints with `*`.
const NA: &[u8] = b"<NA>";

thread_local! {
    /// The line being rendered, reused.
    static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn write_json_string(s: &str, out: &mut String) {
    push_ascii_json(&serde_json::Value::String(s.to_string()).to_string(), out);
}

/// Appends JSON text with every non-ASCII character as `\uXXXX` (UTF-16, surrogate pairs above
/// U+FFFF): libsinsp's JSON formatter (jsoncpp without `emitUTF8`) does so, in sysdig 0.29.3
/// (`"12\u00e9\ud83d\ude80"`) and current libsinsp alike. Non-ASCII only occurs inside strings.
fn push_ascii_json(json: &str, out: &mut String) {
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{u:04x}"));
            }
        }
    }
}

/// Appends the text of one value (`rawval_to_string`; strings as C strings).
pub fn render_value(v: ValueRef, print: PrintFormat, out: &mut Vec<u8>) {
    match v {
        ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x) => {
            let _ = match print {
                // a number never has NotApplicable here (transformers check it before)
                PrintFormat::Dec | PrintFormat::NotApplicable => write!(out, "{x}"),
                PrintFormat::PaddedDec9 => write!(out, "{x:09}"),
                PrintFormat::SignedDec => write!(out, "{}", x as i64),
            };
        }
        ValueRef::Str(s) => out.extend_from_slice(cstr(s)),
        ValueRef::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        ValueRef::IpAddr(a) => {
            let _ = write!(out, "{a}");
        }
        ValueRef::IpNet(_) => out.extend_from_slice(b"<IPNET>"),
    }
}

/// libsinsp's list text (`sinsp_filter_check::tostring`): `(a,b)`, where a comma is written
/// only once something follows the `(` (`("", "x")` prints `(x)`), the whole cut to 1023 bytes
/// (it is copied into a 1024-byte buffer with `strlcpy`). `item(i, out)` writes item i.
fn render_list(n: usize, out: &mut Vec<u8>, mut item: impl FnMut(usize, &mut Vec<u8>)) {
    const MAX: usize = 1023;
    let open = out.len();
    out.push(b'(');
    for i in 0..n {
        if out.len() - open > 1 {
            out.push(b',');
        }
        item(i, out);
    }
    out.push(b')');
    out.truncate(open + MAX);
}

/// Appends the text of a field's value(s): one value, or `(a,b)` for a list field.
fn render_text_bytes(v: &FieldValue, field: &ResolvedField, out: &mut Vec<u8>) {
    match v {
        FieldValue::Absent => out.extend_from_slice(NA),
        FieldValue::One(x) if !field.is_list => render_value(*x, field.print, out),
        _ => render_list(v.len(), out, |i, o| {
            if let Some(x) = v.get(i) {
                render_value(x, field.print, o)
            }
        }),
    }
}

/// The text of a field's value(s), as output shows it.
pub fn render_text(v: &FieldValue, field: &ResolvedField, out: &mut String) {
    let mut b = Vec::new();
    render_text_bytes(v, field, &mut b);
    out.push_str(&String::from_utf8_lossy(&b));
}

/// Appends the text of a transformed value (`rawval_to_string` of the transformed type:
/// strings up to their first NUL, numbers with the transformed field's print format, lists as
/// libsinsp writes them).
fn render_xval(v: &XVal, print: PrintFormat, out: &mut Vec<u8>) {
    match v {
        XVal::Str(s) => out.extend_from_slice(cstr(s)),
        XVal::U64(n) => render_value(ValueRef::U64(*n), print, out),
        XVal::Strs(l) => render_list(l.len(), out, |i, o| o.extend_from_slice(cstr(&l[i]))),
    }
}

fn json_scalar(v: ValueRef, print: PrintFormat) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x) => match print {
            PrintFormat::Dec | PrintFormat::NotApplicable => J::from(x),
            PrintFormat::PaddedDec9 => J::String(format!("{x:09}")),
            PrintFormat::SignedDec => J::from(x as i64),
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
