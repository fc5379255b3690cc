//! The `regex` operator: RE2 in POSIX mode, anchored at both ends.
//!
//! libsinsp compiles each `regex` value with `re2::RE2(pattern, re2::RE2::POSIX)` and matches
//! with `ANCHOR_BOTH`, i.e. the whole value must match (`sinsp_filtercheck.cpp`,
//! `add_filter_value`/`matches_rhs_regex`, checked in falcosecurity/libs). Values that are not
//! valid UTF-8 are sanitized first (`craft_filter_value`); here invalid sequences become U+FFFD.
//!
//! RE2's `POSIX` options mean `posix_syntax=true, longest_match=true` and leave `perl_classes`,
//! `word_boundary` and `one_line` off (RE2's `re2.h`). So RE2 refuses, and this module refuses
//! too (with a message naming the construct): Perl classes `\d \s \w \D \S \W` (also inside
//! brackets), Unicode classes `\pL`, word boundaries `\b \B`, `\A \z`, flag groups `(?i)`,
//! non-capturing and named groups `(?:...)` `(?P<n>...)`, non-greedy repetitions `*?`. Without
//! `one_line`, `^` and `$` also match at line breaks inside the value. `longest_match` does not
//! change whether an anchored match exists. The pattern is then compiled with the `regex`
//! crate as `\A(?:pattern)\z`.
//!
//! The `regex` crate's own extensions inside brackets (set operations `&& -- ~~`, nested
//! classes `[[a]]`) read differently in RE2 (as literal characters); they are refused rather
//! than silently meaning something else. Sysdig 0.29.3 has no `regex` operator ("filter error at
//! position 15: filter error: unrecognized comparison operator after dummy.strvalue"), so this
//! follows current libsinsp.

use regex::bytes::{Regex, RegexBuilder};
use regex_syntax::ast::{self, Ast, ClassSet, ClassSetItem, GroupKind};

#[derive(Clone, Debug)]
pub struct AnchoredRegex {
    re: Regex,
}

struct Re2Posix;

impl ast::Visitor for Re2Posix {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, a: &Ast) -> Result<(), String> {
        match a {
            Ast::Flags(_) => Err("flag groups like (?i) are not allowed (RE2 POSIX syntax)".into()),
            Ast::ClassPerl(_) => Err("Perl classes \\d \\s \\w are not allowed (RE2 POSIX syntax); use [[:digit:]], [[:space:]], [[:alnum:]_]".into()),
            Ast::ClassUnicode(_) => Err("Unicode classes \\p{..} are not allowed (RE2 POSIX syntax)".into()),
            Ast::Assertion(x) => match x.kind {
                ast::AssertionKind::StartLine | ast::AssertionKind::EndLine => Ok(()),
                ast::AssertionKind::StartText | ast::AssertionKind::EndText => {
                    Err("\\A and \\z are not allowed (RE2 POSIX syntax); the whole value is matched anyway".into())
                }
                _ => Err("word boundaries \\b \\B are not allowed (RE2 POSIX syntax)".into()),
            },
            Ast::Repetition(r) if !r.greedy => {
                Err("non-greedy repetitions like *? are not allowed (RE2 POSIX syntax)".into())
            }
            Ast::Group(g) => match g.kind {
                GroupKind::CaptureIndex(_) => Ok(()),
                GroupKind::CaptureName { .. } => Err("named groups are not allowed (RE2 POSIX syntax)".into()),
                GroupKind::NonCapturing(_) => {
                    Err("non-capturing groups (?:...) are not allowed (RE2 POSIX syntax)".into())
                }
            },
            Ast::ClassBracketed(c) => match &c.kind {
                ClassSet::BinaryOp(_) => {
                    Err("class set operations (&&, --, ~~) are not supported (RE2 reads them as literal characters)".into())
                }
                ClassSet::Item(_) => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), String> {
        match item {
            ClassSetItem::Perl(_) => Err("Perl classes \\d \\s \\w are not allowed (RE2 POSIX syntax); use [[:digit:]], [[:space:]], [[:alnum:]_]".into()),
            ClassSetItem::Unicode(_) => Err("Unicode classes \\p{..} are not allowed (RE2 POSIX syntax)".into()),
            ClassSetItem::Bracketed(_) => {
                Err("nested classes like [[a]] are not supported (RE2 reads '[' inside a class as a literal)".into())
            }
            _ => Ok(()),
        }
    }
}

impl AnchoredRegex {
    /// Checks `pattern` against RE2's POSIX syntax and compiles it anchored at both ends.
    pub fn new(pattern: &str) -> Result<AnchoredRegex, String> {
        let parsed = ast::parse::Parser::new()
            .parse(pattern)
            .map_err(|e| format!("{}", e.kind()))?;
        ast::visit(&parsed, Re2Posix)?;
        let re = RegexBuilder::new(&format!(r"\A(?:{pattern})\z"))
            .multi_line(true)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(AnchoredRegex { re })
    }

    pub fn matches(&self, value: &[u8]) -> bool {
        if std::str::from_utf8(value).is_ok() {
            self.re.is_match(value)
        } else {
            self.re.is_match(String::from_utf8_lossy(value).as_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_match_posix() {
        let r = AnchoredRegex::new("1.*").unwrap();
        assert!(r.matches(b"10") && r.matches(b"1") && !r.matches(b"21"));
        let r = AnchoredRegex::new("a|b").unwrap();
        assert!(r.matches(b"a") && r.matches(b"b") && !r.matches(b"ab"));
        let r = AnchoredRegex::new("[[:digit:]]+").unwrap();
        assert!(r.matches(b"123") && !r.matches(b"12a"));
        for bad in [
            r"\d+",
            r"(?i)a",
            r"(?:a)",
            r"a*?",
            r"\bx",
            r"[\w]",
            r"\pL",
            r"(?P<n>a)",
            r"\Aa",
            "(",
            "a{2",
        ] {
            assert!(AnchoredRegex::new(bad).is_err(), "{bad}");
        }
        assert!(AnchoredRegex::new("a)(b").is_err());
        let r = AnchoredRegex::new(".").unwrap();
        assert!(r.matches(b"\xff"));
        let r = AnchoredRegex::new("^b$").unwrap();
        assert!(!r.matches(b"a\nb"));
        let r = AnchoredRegex::new("a\n^b$").unwrap();
        assert!(r.matches(b"a\nb"));
    }
}
