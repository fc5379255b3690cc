//! Field transformers at run time: the compiled form of `tolower(...)`, `len(...)`,
//! `join(...)`... and its evaluation on one event's values. What each transformer does, and
//! which libsinsp source says so, is in the module comment of `compile.rs`.
//!
//! Strings are handled as libsinsp's C strings where libsinsp reads them so: a transformer's
//! input loses its trailing NUL bytes, `len()`, `concat()`, `join()`, comparisons and output
//! read up to the first NUL. Only `b64()` can produce a NUL (plugin strings have none), so for
//! everything else these are plain byte strings.

use std::borrow::Cow;

use plugin_host::ValueRef;

use crate::compile::PrintFormat;
use crate::values::{FieldValue, FieldValues, ValueList};

/// A compiled transformer expression.
#[derive(Clone, Debug)]
pub(crate) enum XExpr {
    /// A string field (one value or a list) read as a transformer's input.
    Field(u32),
    /// A numeric field in a transformer list: its first value as text, as libsinsp's
    /// `rawnum_check` renders it (`rawval_to_string` with the field's print format).
    NumText(u32, PrintFormat),
    /// A 16-bit field (`evt.cpu`) in a transformer list: libsinsp passes its two raw bytes
    /// (little-endian), read as a C string (`0` is the empty string).
    Int16Bytes(u32),
    /// A boolean field (one or a list) in a transformer list: libsinsp passes each 32-bit value's
    /// raw bytes, read as a C string: true is `"\x01"`, false is empty.
    BoolBytes(u32),
    /// The number of values of a list field (`len()` of a list field, any element type).
    Count(u32),
    /// A constant string (`join`/`concat` arguments, transformer list items).
    Const(Box<[u8]>),
    Lower(Box<XExpr>),
    Upper(Box<XExpr>),
    B64(Box<XExpr>),
    Basename(Box<XExpr>),
    /// `len()` of a string (bytes before the first NUL) or of a transformed list (its size).
    Len(Box<XExpr>),
    Concat(Box<[XExpr]>),
    Join(Box<XExpr>, Box<XExpr>),
    /// A transformer list `( ... )`: every item's values, in order.
    List(Box<[XExpr]>),
}

/// A transformed value (`None` from [`XExpr::eval`] is "no value").
#[derive(Debug)]
pub(crate) enum XVal<'a> {
    Str(Cow<'a, [u8]>),
    U64(u64),
    /// A list of strings (possibly empty: `join(",", ())`).
    Strs(Vec<Cow<'a, [u8]>>),
}

/// The C string `s` holds: the bytes before the first NUL.
#[inline]
pub(crate) fn cstr(s: &[u8]) -> &[u8] {
    match memchr::memchr(0, s) {
        Some(i) => &s[..i],
        None => s,
    }
}

/// A string transformer's input: libsinsp drops the trailing NULs (`string_transformer`).
fn trim_nuls(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &s[..end]
}

/// libsinsp's `Base64::decodeWithoutPadding`: the standard alphabet (`+`, `/`), up to two
/// trailing `=` ignored (and not required), no blanks; the unused low bits of a final partial
/// group must be zero. Anything else is invalid (`None`).
pub(crate) fn b64_decode(input: &[u8]) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    if input.is_empty() {
        return Some(Vec::new());
    }
    let mut n = input.len();
    for _ in 0..2 {
        if n > 0 && input[n - 1] == b'=' {
            n -= 1;
        }
    }
    let body = &input[..n];
    // "=" alone, or a lone sextet at the end, cannot be decoded
    if body.is_empty() || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let mut chunks = body.chunks_exact(4);
    for c in &mut chunks {
        let v =
            (sextet(c[0])? << 18) | (sextet(c[1])? << 12) | (sextet(c[2])? << 6) | sextet(c[3])?;
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let (a, b) = (sextet(a)?, sextet(b)?);
            if b & 0b1111 != 0 {
                return None;
            }
            out.push(((a << 2) | (b >> 4)) as u8);
        }
        [a, b, c] => {
            let (a, b, c) = (sextet(a)?, sextet(b)?, sextet(c)?);
            if c & 0b11 != 0 {
                return None;
            }
            let v = (a << 18) | (b << 12) | (c << 6);
            out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8]);
        }
        _ => unreachable!("a remainder of 1 is refused above"),
    }
    Some(out)
}

/// libsinsp's `basename()`: what follows the last `/` (all of it without one), so `""`,
/// `"/"` and `"a/b/"` give `""`.
pub(crate) fn basename(s: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', s) {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// Applies a string-to-string transformer to one value or to every value of a list; a `None`
/// from `f` (invalid base64) makes the whole result "no value", as in libsinsp. Each result
/// keeps the NUL libsinsp's `string_transformer` ends it with: C-string readers do not see it,
/// but `in`/`intersects` compare raw values, so a transformed list item or right-hand value
/// never equals a constant (`tolower(l) intersects (a)` is false; libsinsp, checked with
/// sinsp-example).
fn map_strings<'a>(v: XVal<'a>, f: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Option<XVal<'a>> {
    let terminated = |s: &[u8]| {
        f(trim_nuls(s)).map(|mut out| {
            if out.last() != Some(&0) {
                out.push(0);
            }
            Cow::Owned(out)
        })
    };
    Some(match v {
        XVal::Str(s) => XVal::Str(terminated(&s)?),
        XVal::Strs(l) => XVal::Strs(
            l.iter()
                .map(|s| terminated(s))
                .collect::<Option<Vec<_>>>()?,
        ),
        XVal::U64(_) => return None, // refused when compiling
    })
}

impl XExpr {
    /// The value for one event (`None`: no value, or a transformer failed).
    pub(crate) fn eval<'a>(&'a self, vals: &'a dyn FieldValues) -> Option<XVal<'a>> {
        match self {
            XExpr::Field(id) => match vals.get(*id) {
                FieldValue::Absent => None,
                FieldValue::One(ValueRef::Str(s)) => Some(XVal::Str(Cow::Borrowed(s))),
                FieldValue::One(_) => None,
                FieldValue::List(l) => {
                    if l.is_empty() {
                        return None;
                    }
                    let items = l
                        .iter()
                        .map(|v| match v {
                            ValueRef::Str(s) => Some(Cow::Borrowed(s)),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some(XVal::Strs(items))
                }
            },
            XExpr::NumText(id, print) => {
                let text = match vals.get(*id).first()? {
                    ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x) => match print {
                        PrintFormat::Dec | PrintFormat::NotApplicable => x.to_string(),
                        PrintFormat::PaddedDec9 => format!("{x:09}"),
                        PrintFormat::SignedDec => (x as i64).to_string(),
                    },
                    _ => return None,
                };
                Some(XVal::Str(Cow::Owned(text.into_bytes())))
            }
            XExpr::Int16Bytes(id) => {
                let ValueRef::U64(x) = vals.get(*id).first()? else {
                    return None;
                };
                let raw = [x as u8, (x >> 8) as u8];
                Some(XVal::Str(Cow::Owned(cstr(&raw).to_vec())))
            }
            XExpr::BoolBytes(id) => {
                let text = |v: ValueRef| match v {
                    ValueRef::Bool(true) => Some(Cow::Borrowed(&b"\x01"[..])),
                    ValueRef::Bool(false) => Some(Cow::Borrowed(&b""[..])),
                    _ => None,
                };
                match vals.get(*id) {
                    FieldValue::Absent => None,
                    FieldValue::One(v) => Some(XVal::Str(text(v)?)),
                    FieldValue::List(l) => {
                        Some(XVal::Strs(l.iter().map(text).collect::<Option<Vec<_>>>()?))
                    }
                }
            }
            XExpr::Count(id) => {
                let v = vals.get(*id);
                v.is_present().then(|| XVal::U64(v.len() as u64))
            }
            XExpr::Const(s) => Some(XVal::Str(Cow::Borrowed(s))),
            XExpr::Lower(e) => map_strings(e.eval(vals)?, |s| Some(s.to_ascii_lowercase())),
            XExpr::Upper(e) => map_strings(e.eval(vals)?, |s| Some(s.to_ascii_uppercase())),
            XExpr::B64(e) => map_strings(e.eval(vals)?, b64_decode),
            XExpr::Basename(e) => map_strings(e.eval(vals)?, |s| Some(basename(s).to_vec())),
            XExpr::Len(e) => Some(XVal::U64(match e.eval(vals)? {
                XVal::Str(s) => cstr(&s).len() as u64,
                XVal::Strs(l) => l.len() as u64,
                XVal::U64(_) => return None, // refused when compiling
            })),
            XExpr::Concat(args) => {
                let mut out = Vec::new();
                for a in args.iter() {
                    match a.eval(vals)? {
                        XVal::Str(s) => out.extend_from_slice(cstr(&s)),
                        _ => return None, // refused when compiling
                    }
                }
                Some(XVal::Str(Cow::Owned(out)))
            }
            XExpr::Join(sep, list) => {
                let XVal::Str(sep) = sep.eval(vals)? else {
                    return None;
                };
                let sep = cstr(&sep);
                let items = match list.eval(vals)? {
                    XVal::Strs(l) => l,
                    _ => return None, // refused when compiling
                };
                let mut out = Vec::new();
                for (i, s) in items.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(sep);
                    }
                    out.extend_from_slice(cstr(s));
                }
                Some(XVal::Str(Cow::Owned(out)))
            }
            XExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items.iter() {
                    match it.eval(vals)? {
                        XVal::Str(s) => out.push(s),
                        XVal::Strs(l) => out.extend(l),
                        XVal::U64(_) => return None, // refused when compiling
                    }
                }
                Some(XVal::Strs(out))
            }
        }
    }
}

impl XVal<'_> {
    /// Hands the value to `f` as a left-hand side reads it: one string as a C string (libsinsp
    /// drops a single value's NULs before comparing), list items raw (a transformed item keeps
    /// its NUL: see `map_strings`).
    pub(crate) fn with_field_value<R>(&self, f: impl FnOnce(FieldValue<'_>) -> R) -> R {
        match self {
            XVal::Str(s) => f(FieldValue::One(ValueRef::Str(cstr(s)))),
            _ => self.with_raw_value(f),
        }
    }

    /// Hands the raw value(s) to `f`, NULs included: a right-hand side's values as `in` and
    /// `intersects` compare them.
    pub(crate) fn with_raw_value<R>(&self, f: impl FnOnce(FieldValue<'_>) -> R) -> R {
        match self {
            XVal::Str(s) => f(FieldValue::One(ValueRef::Str(s))),
            XVal::U64(n) => f(FieldValue::One(ValueRef::U64(*n))),
            XVal::Strs(l) => {
                let refs: Vec<ValueRef> = l.iter().map(|s| ValueRef::Str(s)).collect();
                f(FieldValue::List(ValueList::Refs(&refs)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_libsinsp() {
        let ok =
            |s: &str| b64_decode(s.as_bytes()).map(|v| String::from_utf8_lossy(&v).into_owned());
        assert_eq!(ok("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(
            ok("aGVsbG8").as_deref(),
            Some("hello"),
            "padding is optional"
        );
        assert_eq!(ok("d29ybGQgIQ==").as_deref(), Some("world !"));
        assert_eq!(
            ok("YWJj==").as_deref(),
            Some("abc"),
            "padding is not checked against the length"
        );
        assert_eq!(ok("").as_deref(), Some(""));
        assert_eq!(ok("YQ").as_deref(), Some("a"));
        assert_eq!(ok("YWI").as_deref(), Some("ab"));
        assert_eq!(b64_decode(b"YQA=").unwrap(), b"a\0");
        for bad in [
            "=",
            "==",
            "===",
            "YQ===",
            "Y",
            "YWJjZ",
            "YR==",
            "YWJ=a",
            "a b=",
            "aGVs\nbG8=",
            "aGVsbG8-",
            "YW_j",
        ] {
            assert_eq!(b64_decode(bad.as_bytes()), None, "{bad:?}");
        }
        // unused low bits must be zero
        assert_eq!(b64_decode(b"YR"), None);
        assert_eq!(b64_decode(b"YWK"), None);
    }

    #[test]
    fn basenames() {
        for (s, want) in [
            ("/home/ubuntu/hello.txt", "hello.txt"),
            ("/usr/local/bin/cat", "cat"),
            ("/", ""),
            ("/hello/", ""),
            ("a/b/", ""),
            ("hello", "hello"),
            ("", ""),
        ] {
            assert_eq!(basename(s.as_bytes()), want.as_bytes(), "{s:?}");
        }
    }

    #[test]
    fn c_strings() {
        assert_eq!(cstr(b"a\0b"), b"a");
        assert_eq!(trim_nuls(b"ab\0\0"), b"ab");
        assert_eq!(trim_nuls(b"\0"), b"");
    }
}
