//! Falco's text alerts are not the raw rendered line: Falco passes the whole line (time,
//! priority and output) through its JSON encoder and drops the outer quotes, so that a text
//! alert is as safe to log as a JSON one. Seen with Falco 0.44 (engine 0.63.0): `"` → `\"`,
//! `\` → `\\`, `\b \f \n \r \t` by name, other control characters below 0x20 as `\u00xx`
//! (lower-case hex); DEL, `/` and non-ASCII characters are kept as they are. Invalid UTF-8 has
//! already become U+FFFD when the line was rendered (one per maximal invalid subsequence, as the
//! encoder's replacement does).

/// Appends `line` to `out` as Falco prints a text alert.
pub fn push_escaped(line: &str, out: &mut String) {
    for c in line.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_escaped;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        push_escaped(s, &mut out);
        out
    }

    #[test]
    fn escapes_as_falcos_json_encoder() {
        assert_eq!(escaped(r#"event={"sample": "9"}"#), r#"event={\"sample\": \"9\"}"#);
        assert_eq!(escaped("a\\b\tc\r\nd\u{8}\u{c}"), "a\\\\b\\tc\\r\\nd\\b\\f");
        assert_eq!(escaped("\u{1}\u{1b}\u{1f} \u{7f}/é😀\u{fffd}"), "\\u0001\\u001b\\u001f \u{7f}/é😀\u{fffd}");
    }
}
