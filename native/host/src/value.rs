//! Extracted values and their canonical text, used by golden files. The rendering is stable:
//!
//! | type | rendering | example |
//! |---|---|---|
//! | uint64 | decimal | `1234` |
//! | string | JSON-style quoted: `\"` `\\` `\n` `\r` `\t` `\b` `\f`, other control bytes (and DEL) as `\u00XX`, valid UTF-8 kept, every byte of invalid UTF-8 as `\xNN` | `"a\"b"`, `"\xff\xfe\xc3("` |
//! | bool | `true` / `false` | `true` |
//! | reltime | decimal ns + `ns` | `1234000ns` |
//! | abstime | RFC 3339 UTC with 9 fraction digits | `1970-01-01T00:00:00.000005000Z` |
//! | ipaddr | dotted IPv4 / RFC 5952 IPv6 | `10.0.4.210`, `2001:db8::4d2` |
//! | ipnet | the network address, as ipaddr | `10.0.4.0`, `2001:db8:0:4d2::` |
//! | list | `[` elements rendered as above, joined by `,` `]` | `[1,2,3,4]`, `["one","two"]`, `[]` |
//!
//! An ipnet value carries no prefix length: the 3.x ABI passes an `ipnet` as a byte buffer of
//! 4 or 16 bytes holding only the network address (libsinsp copies the buffer as is), so there
//! is nothing to render after a `/`.

use std::fmt::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One value; lists hold values of one element type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExtractedValue {
    U64(u64),
    /// The string's bytes (no NUL), as the plugin gave them: not necessarily UTF-8.
    Str(Vec<u8>),
    Bool(bool),
    /// ns.
    RelTime(u64),
    /// ns since the epoch.
    AbsTime(u64),
    IpAddr(IpAddr),
    /// The network address (see the module comment).
    IpNet(IpAddr),
    List(Vec<ExtractedValue>),
}

/// A scalar value borrowed from an [`crate::results::ExtractResults`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueRef<'a> {
    U64(u64),
    Str(&'a [u8]),
    Bool(bool),
    RelTime(u64),
    AbsTime(u64),
    IpAddr(IpAddr),
    IpNet(IpAddr),
}

impl ValueRef<'_> {
    pub fn to_owned(self) -> ExtractedValue {
        match self {
            ValueRef::U64(v) => ExtractedValue::U64(v),
            ValueRef::Str(s) => ExtractedValue::Str(s.to_vec()),
            ValueRef::Bool(b) => ExtractedValue::Bool(b),
            ValueRef::RelTime(v) => ExtractedValue::RelTime(v),
            ValueRef::AbsTime(v) => ExtractedValue::AbsTime(v),
            ValueRef::IpAddr(a) => ExtractedValue::IpAddr(a),
            ValueRef::IpNet(a) => ExtractedValue::IpNet(a),
        }
    }

    pub fn render(self, out: &mut String) {
        match self {
            ValueRef::U64(v) => out.push_str(itoa::Buffer::new().format(v)),
            ValueRef::Str(s) => render_string(s, out),
            ValueRef::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            ValueRef::RelTime(v) => {
                out.push_str(itoa::Buffer::new().format(v));
                out.push_str("ns");
            }
            ValueRef::AbsTime(v) => render_abstime(v, out),
            ValueRef::IpAddr(a) | ValueRef::IpNet(a) => {
                let _ = write!(out, "{a}");
            }
        }
    }
}

impl ExtractedValue {
    fn as_ref(&self) -> Option<ValueRef<'_>> {
        Some(match self {
            ExtractedValue::U64(v) => ValueRef::U64(*v),
            ExtractedValue::Str(s) => ValueRef::Str(s),
            ExtractedValue::Bool(b) => ValueRef::Bool(*b),
            ExtractedValue::RelTime(v) => ValueRef::RelTime(*v),
            ExtractedValue::AbsTime(v) => ValueRef::AbsTime(*v),
            ExtractedValue::IpAddr(a) => ValueRef::IpAddr(*a),
            ExtractedValue::IpNet(a) => ValueRef::IpNet(*a),
            ExtractedValue::List(_) => return None,
        })
    }

    /// Appends the canonical rendering.
    pub fn render(&self, out: &mut String) {
        match self {
            ExtractedValue::List(items) => render_list(items.iter(), out, |item, out| item.render(out)),
            scalar => {
                if let Some(r) = scalar.as_ref() {
                    r.render(out)
                }
            }
        }
    }
}

impl fmt::Display for ExtractedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.render(&mut s);
        f.write_str(&s)
    }
}

/// The canonical rendering of a list: `[a,b,...]`, each item by `render`.
pub(crate) fn render_list<T>(items: impl Iterator<Item = T>, out: &mut String, mut render: impl FnMut(T, &mut String)) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        render(item, out);
    }
    out.push(']');
}

/// Decodes a 4- or 16-byte address buffer.
pub fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// JSON-style string with invalid UTF-8 bytes as `\xNN`.
pub fn render_string(bytes: &[u8], out: &mut String) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        // Every character that needs an escape is ASCII, so runs between them are whole
        // characters: copied in one piece, not character by character.
        let valid = chunk.valid();
        let mut run = 0;
        for (i, b) in valid.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..0x20 | 0x7f => "",
                _ => continue,
            };
            out.push_str(&valid[run..i]);
            run = i + 1;
            if escape.is_empty() {
                let _ = write!(out, "\\u{:04x}", b);
            } else {
                out.push_str(escape);
            }
        }
        out.push_str(&valid[run..]);
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's civil-from-days), without a date library.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month as u32, day as u32)
}

/// RFC 3339, UTC, nanoseconds.
pub fn render_abstime(ns: u64, out: &mut String) {
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: &ExtractedValue) -> String {
        v.to_string()
    }

    #[test]
    fn canonical_rendering() {
        assert_eq!(r(&ExtractedValue::U64(1234)), "1234");
        assert_eq!(
            r(&ExtractedValue::Str(b"a\"b\\c\n\x01\x7f".to_vec())),
            r#""a\"b\\c\n\u0001\u007f""#
        );
        assert_eq!(r(&ExtractedValue::Str(b"\xff\xfe\xc3(".to_vec())), r#""\xff\xfe\xc3(""#);
        assert_eq!(r(&ExtractedValue::Str("é".as_bytes().to_vec())), "\"é\"");
        // runs between escapes, invalid bytes between valid runs
        assert_eq!(r(&ExtractedValue::Str(b"ab\tc\xc3\xa9\x01z\xffq\"".to_vec())), r#""ab\tcé\u0001z\xffq\"""#);
        assert_eq!(r(&ExtractedValue::Bool(true)), "true");
        assert_eq!(r(&ExtractedValue::RelTime(1_234_000)), "1234000ns");
        assert_eq!(r(&ExtractedValue::AbsTime(5000)), "1970-01-01T00:00:00.000005000Z");
        assert_eq!(
            r(&ExtractedValue::AbsTime(1_700_000_000_123_456_789)),
            "2023-11-14T22:13:20.123456789Z"
        );
        assert_eq!(
            r(&ExtractedValue::AbsTime(951_782_400_000_000_000)),
            "2000-02-29T00:00:00.000000000Z"
        );
        assert_eq!(
            r(&ExtractedValue::IpAddr(ip_from_bytes(&[10, 0, 4, 210]).unwrap())),
            "10.0.4.210"
        );
        let v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0xd2];
        assert_eq!(r(&ExtractedValue::IpAddr(ip_from_bytes(&v6).unwrap())), "2001:db8::4d2");
        let list = ExtractedValue::List(vec![ExtractedValue::U64(1), ExtractedValue::U64(2)]);
        assert_eq!(r(&list), "[1,2]");
        assert_eq!(r(&ExtractedValue::List(vec![])), "[]");
        assert!(ip_from_bytes(&[1, 2, 3]).is_none());
    }
}
