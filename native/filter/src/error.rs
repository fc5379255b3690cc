//! Source positions and the one error type of the crate.
//!
//! A position is a byte offset plus a 1-based line and column. Columns count characters (Unicode
//! scalar values), not bytes, so a caret can be drawn under the offending character; libsinsp's
//! parser (`filter/parser.cpp`, `update_pos`) counts bytes, which is the same thing for the ASCII
//! filters seen in practice. As in libsinsp, `\n` and `\r` start a new line (`\r\n` counts once).
//!
//! Errors render as `SOURCE:LINE:COL: message`, e.g. `filter:1:17: expected a value after
//! operator '='`. SOURCE is `filter` for a condition, `output` for an output format and
//! `macro NAME` for the body of a macro; an error inside an expanded macro also says where the
//! macro was used (`... (in macro 'm' used at filter:1:5)`).

use std::fmt;

/// A position in a filter or format text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    /// Byte offset from the start of the text.
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl Pos {
    pub const START: Pos = Pos {
        offset: 0,
        line: 1,
        col: 1,
    };

    /// The position of byte `offset` in `text` (clamped to the text, moved back to a character
    /// boundary).
    pub fn at(text: &str, offset: usize) -> Pos {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut p = Pos::START;
        let mut prev_cr = false;
        for c in text[..end].chars() {
            p.advance(c, prev_cr);
            prev_cr = c == '\r';
        }
        p
    }

    /// Moves past `c`. `prev_cr` says whether the previous character was `\r` (so that `\r\n`
    /// counts as one line break).
    pub(crate) fn advance(&mut self, c: char, prev_cr: bool) {
        self.offset += c.len_utf8();
        match c {
            '\n' if prev_cr => {}
            '\n' | '\r' => {
                self.line += 1;
                self.col = 1;
            }
            _ => self.col += 1,
        }
    }
}

impl Default for Pos {
    fn default() -> Self {
        Pos::START
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// What went wrong, for callers that branch on it (exit codes, `skip-if-unknown-filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// The nesting depth limit was reached.
    TooDeep,
    /// A macro name that is not defined.
    UndefinedMacro,
    /// A list name that is not defined.
    UndefinedList,
    /// A macro that (indirectly) uses itself, or a list that contains itself.
    Cycle,
    /// The field resolver refused the field (unknown field, bad argument...).
    Field,
    /// The operator (or a transformer) cannot be applied to the field's type.
    Operator,
    /// A constant cannot be read as the field's type (bad number, address, boolean...).
    Value,
    /// A regex that does not compile or uses syntax RE2's POSIX mode refuses.
    Regex,
    /// Something the grammar accepts but this crate does not implement (`getopt()`).
    Unsupported,
}

/// Where a macro body was expanded: the macro's name and the position of its use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub macro_name: String,
    /// The source the use is in (`filter` or `macro OTHER`).
    pub used_in: String,
    pub used_at: Pos,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub kind: ErrorKind,
    pub message: String,
    /// The source the position is in: `filter`, `output`, `macro NAME`.
    pub source: String,
    pub pos: Pos,
    /// When the error is inside expanded macros: the chain of uses, innermost first.
    pub expanded_from: Vec<Expansion>,
}

impl FilterError {
    pub(crate) fn new(kind: ErrorKind, source: &str, pos: Pos, message: impl Into<String>) -> Self {
        FilterError {
            kind,
            message: message.into(),
            source: source.to_string(),
            pos,
            expanded_from: Vec::new(),
        }
    }

    /// The line of `text` the error is on and a caret under its column:
    ///
    /// ```text
    /// evt.num > 0 and dummy.value =
    ///                              ^
    /// ```
    ///
    /// `text` must be the text the error's `source` refers to.
    pub fn caret(&self, text: &str) -> String {
        let line = text
            .split(['\n', '\r'])
            .nth(self.pos.line.saturating_sub(1) as usize)
            .unwrap_or("");
        let pad: String = line
            .chars()
            .take(self.pos.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{line}\n{pad}^")
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.pos, self.message)?;
        for e in &self.expanded_from {
            write!(
                f,
                " (in macro '{}' used at {}:{})",
                e.macro_name, e.used_in, e.used_at
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab\ncd\r\nef\rg";
        assert_eq!(
            Pos::at(t, 0),
            Pos {
                offset: 0,
                line: 1,
                col: 1
            }
        );
        assert_eq!(
            Pos::at(t, 4),
            Pos {
                offset: 4,
                line: 2,
                col: 2
            }
        );
        assert_eq!(
            Pos::at(t, 7),
            Pos {
                offset: 7,
                line: 3,
                col: 1
            }
        );
        assert_eq!(
            Pos::at(t, 10),
            Pos {
                offset: 10,
                line: 4,
                col: 1
            }
        );
        assert_eq!(Pos::at("é=x", 2).col, 2);
    }

    #[test]
    fn caret() {
        let e = FilterError::new(
            ErrorKind::Syntax,
            "filter",
            Pos::at("a = \nbb cc", 8),
            "bad",
        );
        assert_eq!(e.to_string(), "filter:2:4: bad");
        assert_eq!(e.caret("a = \nbb cc"), "bb cc\n   ^");
    }
}
