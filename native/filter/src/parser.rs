//! The condition parser: libsinsp's filter grammar (`userspace/libsinsp/filter/parser.h` and
//! `parser.cpp`, summarized in shared/reference/filter-and-output.md §4.1), written from the
//! grammar, with positions on every node and errors that name the column.
//!
//! Behaviour taken from current libsinsp (checked by reading `parser.cpp`/`escaping.cpp` in
//! falcosecurity/libs):
//!
//! * Precedence: `not` binds tightest, then `and`, then `or`; `and`/`or` groups are n-ary.
//!   (Debian's sysdig 0.29.3 still has the 2022 compiler, which refuses to mix `and` and `or`
//!   without brackets: `dummy.value = 8 or dummy.value = 9 and dummy.value = 10` gives "filter
//!   error at position 56: expression mixes 'and' and 'or' in an ambiguous way"; current
//!   libsinsp, and this parser, read it as `a or (b and c)`.)
//! * `not` must be followed by a blank or by `(`; repeated `not`s toggle (`not not x` is `x`;
//!   sysdig 0.29.3 prints the events of `not x` for it, a bug of its old compiler).
//! * `and`/`or` must be followed by a blank or `(`; directly followed by `(`, they take just the
//!   bracketed expression (`a or(b) and c` is an error, as in libsinsp).
//! * Blanks are space, tab, `\b`, `\r`, `\n`.
//! * Operators are matched as prefixes in libsinsp's order (`<=` before `<`, `intersects` before
//!   `in`). The word operators `glob iglob contains icontains bcontains startswith bstartswith
//!   endswith regex` must be followed by a space (libsinsp spells them with a trailing space);
//!   here a clear error says so instead of "expected a valid check operator".
//! * After `< <= > >=` the value must be a number token (`[+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?`)
//!   or a hex token (`0[xX][0-9a-fA-F]+`); whether it is a valid number for the field is decided
//!   when compiling.
//! * After a string operator: a quoted string, or a bare string `[^ \b\t\n\r(),="']+`.
//! * After `in intersects pmatch`: `( v, v, ... )` (possibly empty) or a list name.
//! * Field names `[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+`, identifiers
//!   `[a-zA-Z][a-zA-Z0-9_]*`; field arguments `[...]` are a quoted string or `[^ \b\t\n\r[\]"']+`.
//! * Quoted strings use `"` or `'` and end at the first quote not preceded by a backslash (so
//!   `"a\\"` does not end at its second quote); escapes `\b \f \n \r \t \\ \/ \xHH`, `\"` only
//!   inside `"..."`, `\'` only inside `'...'`, and `\ ` (backslash space), which libsinsp turns
//!   into a single backslash for compatibility with old rules. Any other escape is an error.
//! * `val(field)` and the transformers `tolower toupper b64 basename len join concat getopt`
//!   are parsed (their semantics are in `compile.rs`). `val()` takes one field; the others take
//!   libsinsp's `FieldTransformerArg`s, comma-separated: fields, nested transformers (not
//!   `val()`), quoted strings, numbers and transformer lists `(a.b, "x", tolower(c.d))`, then an
//!   optional `[arg]` (only `getopt` takes one; compiling says so).
//! * The list modifiers `oneof`/`anyof`/`allof` may follow a string operator, then a list
//!   (`proc.name startswith anyof (a, b)`); the word is a modifier only when a list (`(` or a
//!   list name) follows it, so `x = anyof` still compares with the string "anyof".
//!
//! Deliberate difference from libsinsp:
//!
//! * The depth limit counts nesting levels (parentheses, `not`, transformers), not recursive
//!   calls of the parser as libsinsp does (about four calls per parenthesis there); the default
//!   limit is 100 levels. Falco raises libsinsp's limit to 1000 for rules files.

use crate::ast::*;
use crate::error::{ErrorKind, FilterError, Pos};

/// Parser settings.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Name used in error messages (`filter`, `macro NAME`, ...).
    pub source_name: String,
    /// Maximum nesting depth, at most [`MAX_DEPTH_LIMIT`]. Parsing, expansion, compilation and
    /// evaluation recurse once per level: about 2.5 KiB of stack per level in release builds,
    /// 7 KiB in debug builds.
    pub max_depth: u32,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            source_name: "filter".into(),
            max_depth: 100,
        }
    }
}

/// The largest accepted [`ParseOptions::max_depth`] (larger values are clamped).
pub const MAX_DEPTH_LIMIT: u32 = 1000;

/// Parses a condition with the default options (source name `filter`, depth 100).
pub fn parse(text: &str) -> Result<Expr, FilterError> {
    parse_with(text, &ParseOptions::default())
}

/// Parses a condition.
pub fn parse_with(text: &str, opts: &ParseOptions) -> Result<Expr, FilterError> {
    let mut p = Parser {
        src: text,
        pos: Pos::START,
        prev_cr: false,
        depth: 0,
        opts,
    };
    p.skip_blank();
    if p.at_end() {
        return Err(p.err_at(Pos::START, ErrorKind::Syntax, "the filter is empty"));
    }
    let e = p.parse_or()?;
    p.skip_blank();
    if !p.at_end() {
        let tok = p.peek_token();
        return Err(p.err(
            ErrorKind::Syntax,
            format!("unexpected '{tok}', expected 'and', 'or' or the end of the filter"),
        ));
    }
    Ok(e)
}

/// libsinsp's `parse_field_or_transformer`, which output formats use on the text after a `%`:
/// a field with its optional `[arg]`, or a transformer (not `val()`), at the start of `text`,
/// and the bytes it took; what follows is left alone. libsinsp tries ever shorter prefixes of
/// the rest of the format until one parses and compiles (see `format.rs`), so `text` is such a
/// prefix. Errors carry positions in `text`.
pub(crate) fn parse_field_or_transformer(
    text: &str,
    source_name: &str,
) -> Result<(Operand, usize), FilterError> {
    let opts = ParseOptions {
        source_name: source_name.to_string(),
        ..Default::default()
    };
    let mut p = Parser {
        src: text,
        pos: Pos::START,
        prev_cr: false,
        depth: 0,
        opts: &opts,
    };
    let n = p.field_name_len();
    let op = if n > 0 {
        Operand::Field(p.parse_field(n)?)
    } else {
        match p.transformer_start() {
            Some("val") => {
                return Err(p.err(
                    ErrorKind::Syntax,
                    "val() only compares fields in conditions; output formats take fields and transformers",
                ))
            }
            Some(name) => p.parse_transformer(name)?,
            None => {
                let tok: String = text.chars().take(20).collect();
                return Err(p.err(
                    ErrorKind::Syntax,
                    format!("invalid formatting token {tok}"),
                ));
            }
        }
    };
    Ok((op, p.pos.offset))
}

pub(crate) fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x08' | b'\r' | b'\n')
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[^ \b\t\n\r(),="']`
fn is_bare_char(b: u8) -> bool {
    !is_blank(b) && !matches!(b, b'(' | b')' | b',' | b'=' | b'"' | b'\'')
}

/// `[^ \b\t\n\r[\]"']`
fn is_arg_bare_char(b: u8) -> bool {
    !is_blank(b) && !matches!(b, b'[' | b']' | b'"' | b'\'')
}

const TRANSFORMERS: &[&str] = &[
    "tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt",
];

struct Parser<'a> {
    src: &'a str,
    pos: Pos,
    prev_cr: bool,
    depth: u32,
    opts: &'a ParseOptions,
}

type PResult<T> = Result<T, FilterError>;

impl<'a> Parser<'a> {
    // ---- cursor ----

    fn rest(&self) -> &'a str {
        &self.src[self.pos.offset..]
    }

    fn bytes(&self) -> &'a [u8] {
        self.rest().as_bytes()
    }

    fn at_end(&self) -> bool {
        self.pos.offset >= self.src.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().first().copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes().get(n).copied()
    }

    /// Moves forward by `n` bytes (a character boundary).
    fn bump(&mut self, n: usize) {
        let end = self.pos.offset + n;
        let chunk = &self.src[self.pos.offset..end];
        for c in chunk.chars() {
            self.pos.advance(c, self.prev_cr);
            self.prev_cr = c == '\r';
        }
    }

    fn skip_blank(&mut self) -> bool {
        let n = self.bytes().iter().take_while(|b| is_blank(**b)).count();
        self.bump(n);
        n > 0
    }

    fn starts_with(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.bump(s.len());
            true
        } else {
            false
        }
    }

    /// Length of the identifier at the cursor (0 if none).
    fn ident_len(&self) -> usize {
        let b = self.bytes();
        if b.first().is_some_and(|c| is_ident_start(*c)) {
            b.iter().take_while(|c| is_ident_char(**c)).count()
        } else {
            0
        }
    }

    /// Length of the field name at the cursor (0 if none: an identifier without a dot is not a
    /// field name).
    fn field_name_len(&self) -> usize {
        let b = self.bytes();
        let mut n = self.ident_len();
        if n == 0 {
            return 0;
        }
        let mut parts = 1;
        while b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(|c| is_ident_start(*c)) {
            n += 1;
            n += b[n..].iter().take_while(|c| is_ident_char(**c)).count();
            parts += 1;
        }
        if parts > 1 {
            n
        } else {
            0
        }
    }

    /// The next token for error messages: up to the next blank, at most 20 characters.
    fn peek_token(&self) -> String {
        let t: String = self
            .rest()
            .chars()
            .take_while(|c| !matches!(c, ' ' | '\t' | '\x08' | '\r' | '\n'))
            .take(20)
            .collect();
        if t.is_empty() {
            "end of filter".into()
        } else {
            t
        }
    }

    fn describe_next(&self) -> String {
        if self.at_end() {
            "the end of the filter".into()
        } else {
            format!("'{}'", self.peek_token())
        }
    }

    // ---- errors ----

    fn err_at(&self, pos: Pos, kind: ErrorKind, msg: impl Into<String>) -> FilterError {
        FilterError::new(kind, &self.opts.source_name, pos, msg)
    }

    fn err(&self, kind: ErrorKind, msg: impl Into<String>) -> FilterError {
        self.err_at(self.pos, kind, msg)
    }

    /// One more nesting level, opened at `at`.
    fn enter(&mut self, at: Pos) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.opts.max_depth.min(MAX_DEPTH_LIMIT) {
            return Err(self.err_at(
                at,
                ErrorKind::TooDeep,
                format!(
                    "exceeded the maximum nesting depth of {}",
                    self.opts.max_depth.min(MAX_DEPTH_LIMIT)
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- grammar ----

    /// Consumes `kw` (`and`/`or`) when it is followed by a blank or `(`. A word that merely
    /// starts with it (`order`) is left alone.
    fn eat_keyword(&mut self, kw: &str) -> PResult<bool> {
        if !self.starts_with(kw) {
            return Ok(false);
        }
        match self.peek_at(kw.len()) {
            Some(b) if is_blank(b) || b == b'(' => {
                self.bump(kw.len());
                Ok(true)
            }
            None => {
                let at = self.pos;
                self.bump(kw.len());
                Err(self.err_at(
                    at,
                    ErrorKind::Syntax,
                    format!("expected an expression after '{kw}'"),
                ))
            }
            Some(b) if is_ident_char(b) || b == b'.' => Ok(false),
            Some(_) => {
                self.bump(kw.len());
                Err(self.err(
                    ErrorKind::Syntax,
                    format!("expected a blank or '(' after '{kw}'"),
                ))
            }
        }
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        self.parse_chain("or", Self::parse_and, ExprKind::Or)
    }

    fn parse_and(&mut self) -> PResult<Expr> {
        self.parse_chain("and", Self::parse_not, ExprKind::And)
    }

    /// `operand (keyword operand)*`: one `Or`/`And` node for the whole run (libsinsp's
    /// n-ary AST), or the operand itself when there is no keyword.
    fn parse_chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> PResult<Expr>,
        node: fn(Vec<Expr>) -> ExprKind,
    ) -> PResult<Expr> {
        self.skip_blank();
        let pos = self.pos;
        let mut children = vec![operand(self)?];
        loop {
            self.skip_blank();
            if !self.eat_keyword(keyword)? {
                break;
            }
            // `or(...)`/`and(...)` without a blank: libsinsp takes just the bracketed
            // expression (`a or(b) and c` is then an error, not `a or ((b) and c)`)
            if self.peek() == Some(b'(') {
                let open = self.pos;
                self.bump(1);
                children.push(self.parse_paren_remainder(open)?);
                continue;
            }
            self.skip_blank();
            children.push(operand(self)?);
        }
        Ok(if children.len() == 1 {
            children.pop().unwrap()
        } else {
            Expr::new(node(children), pos)
        })
    }

    fn parse_not(&mut self) -> PResult<Expr> {
        self.skip_blank();
        let pos = self.pos;
        let mut negate = false;
        let mut levels = 0;
        loop {
            if self.starts_with("not") && self.peek_at(3).is_some_and(is_blank) {
                let at = self.pos;
                self.bump(3);
                self.skip_blank();
                negate = !negate;
                self.enter(at)?;
                levels += 1;
            } else {
                break;
            }
        }
        let child = if self.starts_with("not(") {
            let at = self.pos;
            self.bump(4);
            negate = !negate;
            self.enter(at)?;
            levels += 1;
            self.parse_paren_remainder(Pos {
                offset: self.pos.offset - 1,
                col: self.pos.col - 1,
                ..self.pos
            })?
        } else {
            self.parse_check()?
        };
        for _ in 0..levels {
            self.leave();
        }
        Ok(if negate {
            Expr::new(ExprKind::Not(Box::new(child)), pos)
        } else {
            child
        })
    }

    /// After a `(` at `open`: an expression and its `)`.
    fn parse_paren_remainder(&mut self, open: Pos) -> PResult<Expr> {
        self.enter(open)?;
        self.skip_blank();
        if self.peek() == Some(b')') {
            return Err(self.err(ErrorKind::Syntax, "expected an expression inside '(' ')'"));
        }
        let e = self.parse_or()?;
        self.skip_blank();
        if !self.eat(")") {
            let msg = if self.at_end() {
                format!("expected ')' to close the '(' at {open}")
            } else {
                format!(
                    "expected 'and', 'or' or ')' (closing the '(' at {open}), found {}",
                    self.describe_next()
                )
            };
            return Err(self.err(ErrorKind::Syntax, msg));
        }
        self.leave();
        Ok(e)
    }

    fn parse_check(&mut self) -> PResult<Expr> {
        self.skip_blank();
        let pos = self.pos;
        if self.eat("(") {
            return self.parse_paren_remainder(pos);
        }
        let n = self.field_name_len();
        if n > 0 {
            let lhs = Operand::Field(self.parse_field(n)?);
            return self.parse_condition(lhs, pos);
        }
        if let Some(name) = self.transformer_start() {
            if name == "val" {
                return Err(self.err(
                    ErrorKind::Syntax,
                    "val() is only allowed on the right-hand side of a comparison",
                ));
            }
            let lhs = self.parse_transformer(name)?;
            return self.parse_condition(lhs, pos);
        }
        let n = self.ident_len();
        if n > 0 {
            let name = self.rest()[..n].to_string();
            if name == "and" || name == "or" {
                return Err(self.err(
                    ErrorKind::Syntax,
                    format!("expected a field check, a macro name, 'not' or '(' before '{name}'"),
                ));
            }
            self.bump(n);
            return Ok(Expr::new(ExprKind::Macro(name), pos));
        }
        Err(self.err(
            ErrorKind::Syntax,
            format!(
                "expected a field check, a macro name, 'not' or '(', found {}",
                self.describe_next()
            ),
        ))
    }

    /// The transformer name if the cursor is at `name(` for a known transformer or `val(`.
    fn transformer_start(&self) -> Option<&'static str> {
        TRANSFORMERS
            .iter()
            .chain(std::iter::once(&"val"))
            .find(|t| self.starts_with(t) && self.peek_at(t.len()) == Some(b'('))
            .copied()
    }

    /// A field name of `n` bytes at the cursor, then an optional `[arg]`.
    fn parse_field(&mut self, n: usize) -> PResult<FieldRef> {
        let pos = self.pos;
        let name = self.rest()[..n].to_string();
        self.bump(n);
        let mut arg = None;
        if self.peek() == Some(b'[') {
            arg = Some(self.parse_bracket_arg(&name)?);
        }
        Ok(FieldRef { name, arg, pos })
    }

    /// `[arg]` at the cursor (after the field or transformer `what`): a quoted string or
    /// `[^ \b\t\n\r[\]"']+`.
    fn parse_bracket_arg(&mut self, what: &str) -> PResult<String> {
        self.bump(1);
        let arg_pos = self.pos;
        let a = if matches!(self.peek(), Some(b'"' | b'\'')) {
            self.lex_quoted()?.text
        } else {
            let len = self
                .bytes()
                .iter()
                .take_while(|b| is_arg_bare_char(**b))
                .count();
            if len == 0 {
                return Err(self.err_at(
                    arg_pos,
                    ErrorKind::Syntax,
                    format!("expected an argument for field '{what}' after '[': a quoted string or a bare string"),
                ));
            }
            let s = self.rest()[..len].to_string();
            self.bump(len);
            s
        };
        if !self.eat("]") {
            return Err(self.err(
                ErrorKind::Syntax,
                format!("expected ']' to close the argument of field '{what}'"),
            ));
        }
        Ok(a)
    }

    /// `name(` was seen at the cursor: the whole transformer.
    fn parse_transformer(&mut self, name: &'static str) -> PResult<Operand> {
        let pos = self.pos;
        self.enter(pos)?;
        self.bump(name.len() + 1);
        self.skip_blank();
        let mut args = Vec::new();
        // libsinsp parses the same arguments for every transformer; compiling decides
        let multi = name != "val";
        loop {
            args.push(self.parse_transformer_arg(name, multi)?);
            self.skip_blank();
            if multi && self.eat(",") {
                self.skip_blank();
                continue;
            }
            break;
        }
        if !self.eat(")") {
            return Err(self.err(
                ErrorKind::Syntax,
                format!(
                    "expected ')' to close '{name}(', found {}",
                    self.describe_next()
                ),
            ));
        }
        // `getopt(...)[t]` selects one option; the grammar allows one after any transformer,
        // compiling refuses it on the others
        let mut arg = None;
        if self.peek() == Some(b'[') {
            arg = Some(self.parse_bracket_arg(name)?);
        }
        self.leave();
        Ok(Operand::Transformer {
            name: name.to_string(),
            pos,
            args,
            arg,
        })
    }

    /// One argument of `name(`: a field or a nested transformer; for `join`/`concat`/`getopt`
    /// also a quoted string, a number or a transformer list `( ... )` (libsinsp's
    /// `FieldTransformerArg`).
    fn parse_transformer_arg(&mut self, name: &str, multi: bool) -> PResult<TransformerArg> {
        let arg_pos = self.pos;
        let n = self.field_name_len();
        if n > 0 {
            return Ok(TransformerArg::Operand(Operand::Field(
                self.parse_field(n)?,
            )));
        }
        if let Some(inner) = self
            .transformer_start()
            .filter(|t| *t != "val" && name != "val")
        {
            return Ok(TransformerArg::Operand(self.parse_transformer(inner)?));
        }
        if multi {
            if matches!(self.peek(), Some(b'"' | b'\'')) {
                return Ok(TransformerArg::Str(self.lex_quoted()?));
            }
            if let Some(v) = self.lex_number() {
                return Ok(TransformerArg::Str(v));
            }
            if self.peek() == Some(b'(') {
                return self.parse_transformer_list();
            }
        }
        let what = if name == "val" {
            "a field"
        } else if multi {
            "a field, a nested transformer, a quoted string, a number or a list '(...)'"
        } else {
            "a field or a nested transformer"
        };
        Err(self.err_at(
            arg_pos,
            ErrorKind::Syntax,
            format!(
                "expected {what} inside '{name}(', found {}",
                self.describe_next()
            ),
        ))
    }

    /// `( item, ... )` at the cursor, items being fields, transformers, quoted strings or
    /// numbers (libsinsp's `TransformerList`); may be empty.
    fn parse_transformer_list(&mut self) -> PResult<TransformerArg> {
        let pos = self.pos;
        self.enter(pos)?;
        self.bump(1);
        self.skip_blank();
        let mut items = Vec::new();
        if !self.eat(")") {
            loop {
                self.skip_blank();
                let at = self.pos;
                let n = self.field_name_len();
                let item = if n > 0 {
                    TransformerArg::Operand(Operand::Field(self.parse_field(n)?))
                } else if let Some(t) = self.transformer_start().filter(|t| *t != "val") {
                    TransformerArg::Operand(self.parse_transformer(t)?)
                } else if matches!(self.peek(), Some(b'"' | b'\'')) {
                    TransformerArg::Str(self.lex_quoted()?)
                } else if let Some(v) = self.lex_number() {
                    TransformerArg::Str(v)
                } else {
                    return Err(self.err_at(
                        at,
                        ErrorKind::Syntax,
                        format!(
                            "expected a field, a transformer, a quoted string or a number in the transformer list, found {}",
                            self.describe_next()
                        ),
                    ));
                };
                items.push(item);
                self.skip_blank();
                if self.eat(",") {
                    continue;
                }
                if self.eat(")") {
                    break;
                }
                return Err(self.err(
                    ErrorKind::Syntax,
                    format!(
                        "expected ',' or ')' in the transformer list, found {}",
                        self.describe_next()
                    ),
                ));
            }
        }
        self.leave();
        Ok(TransformerArg::List { items, pos })
    }

    fn lex_operator(&mut self) -> PResult<Option<Op>> {
        for (spelling, op, needs_space) in Op::SPELLINGS {
            if !self.starts_with(spelling) {
                continue;
            }
            let next = self.peek_at(spelling.len());
            if *needs_space {
                match next {
                    Some(b' ') => {}
                    Some(b) if is_ident_char(b) => continue,
                    _ => {
                        self.bump(spelling.len());
                        return Err(self.err(
                            ErrorKind::Syntax,
                            format!("expected a space after operator '{spelling}'"),
                        ));
                    }
                }
            }
            self.bump(spelling.len());
            return Ok(Some(*op));
        }
        Ok(None)
    }

    fn parse_condition(&mut self, lhs: Operand, pos: Pos) -> PResult<Expr> {
        self.skip_blank();
        let op_pos = self.pos;
        let Some(op) = self.lex_operator()? else {
            let names: Vec<&str> = {
                let mut v: Vec<&str> = Op::SPELLINGS.iter().map(|s| s.0).collect();
                v.dedup();
                v
            };
            return Err(self.err(
                ErrorKind::Syntax,
                format!(
                    "expected an operator after '{lhs}', found {} (operators: {})",
                    self.describe_next(),
                    names.join(" ")
                ),
            ));
        };
        let mut modifier = None;
        let rhs = match op.class() {
            OpClass::Unary => Rhs::None,
            OpClass::Num => {
                self.skip_blank();
                if let Some(o) = self.try_rhs_operand()? {
                    Rhs::Operand(o)
                } else if let Some(v) = self.lex_number() {
                    Rhs::Value(v)
                } else {
                    return Err(self.err(
                        ErrorKind::Syntax,
                        format!(
                            "expected a number after operator '{op}', found {}",
                            self.describe_next()
                        ),
                    ));
                }
            }
            OpClass::Str => {
                self.skip_blank();
                if let Some(m) = self.try_modifier() {
                    modifier = Some(m);
                    self.parse_list_rhs(op, Some(m))?
                } else if let Some(o) = self.try_rhs_operand()? {
                    Rhs::Operand(o)
                } else if let Some(v) = self.lex_string_value()? {
                    Rhs::Value(v)
                } else {
                    return Err(self.err(
                        ErrorKind::Syntax,
                        format!(
                            "expected a value after operator '{op}', found {}",
                            self.describe_next()
                        ),
                    ));
                }
            }
            OpClass::List => {
                self.skip_blank();
                self.parse_list_rhs(op, None)?
            }
        };
        Ok(Expr::new(
            ExprKind::Check(Box::new(Check {
                lhs,
                op,
                op_pos,
                modifier,
                rhs,
            })),
            pos,
        ))
    }

    /// `oneof`/`anyof`/`allof` when a list follows it.
    fn try_modifier(&mut self) -> Option<Modifier> {
        let n = self.ident_len();
        let m = Modifier::from_word(&self.rest()[..n])?;
        let after = &self.bytes()[n..];
        let blanks = after.iter().take_while(|b| is_blank(**b)).count();
        let list_follows = match after.get(blanks) {
            Some(b'(') => true,
            Some(b) if is_ident_start(*b) && blanks > 0 => {
                // a list name, unless it is the next 'and'/'or'
                let word: Vec<u8> = after[blanks..]
                    .iter()
                    .take_while(|c| is_ident_char(**c))
                    .copied()
                    .collect();
                word != b"and" && word != b"or"
            }
            _ => false,
        };
        if !list_follows {
            return None;
        }
        self.bump(n);
        self.skip_blank();
        Some(m)
    }

    /// After a list operator (or a modifier): `( v, ... )`, `val()`/transformer, or a list name.
    fn parse_list_rhs(&mut self, op: Op, modifier: Option<Modifier>) -> PResult<Rhs> {
        let pos = self.pos;
        let after = match modifier {
            Some(m) => format!("'{op} {}'", m.as_str()),
            None => format!("operator '{op}'"),
        };
        if self.eat("(") {
            self.skip_blank();
            let mut items = Vec::new();
            if self.peek() != Some(b')') {
                loop {
                    self.skip_blank();
                    match self.lex_string_value()? {
                        Some(v) => items.push(v),
                        None => {
                            return Err(self.err(
                                ErrorKind::Syntax,
                                format!("expected a list value, found {}", self.describe_next()),
                            ))
                        }
                    }
                    self.skip_blank();
                    if self.eat(",") {
                        continue;
                    }
                    break;
                }
            }
            if !self.eat(")") {
                return Err(self.err(
                    ErrorKind::Syntax,
                    format!(
                        "expected ',' or ')' in the list, found {}",
                        self.describe_next()
                    ),
                ));
            }
            return Ok(Rhs::List { items, pos });
        }
        if modifier.is_none() {
            if let Some(o) = self.try_rhs_operand()? {
                return Ok(Rhs::Operand(o));
            }
        }
        let n = self.ident_len();
        if n > 0 {
            let name = self.rest()[..n].to_string();
            self.bump(n);
            return Ok(Rhs::ListRef { name, pos });
        }
        Err(self.err(
            ErrorKind::Syntax,
            format!(
                "expected a list '(...)' or a list name after {after}, found {}",
                self.describe_next()
            ),
        ))
    }

    /// `val(field)` or a transformer on the right-hand side.
    fn try_rhs_operand(&mut self) -> PResult<Option<Operand>> {
        match self.transformer_start() {
            Some(t) => Ok(Some(self.parse_transformer(t)?)),
            None => Ok(None),
        }
    }

    fn lex_number(&mut self) -> Option<Value> {
        let pos = self.pos;
        let b = self.bytes();
        // hex first, as libsinsp does
        if b.len() >= 3 && b[0] == b'0' && matches!(b[1], b'x' | b'X') && b[2].is_ascii_hexdigit() {
            let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            let text = self.rest()[..n].to_string();
            self.bump(n);
            return Some(Value {
                text,
                pos,
                quoted: false,
            });
        }
        let mut i = 0;
        if matches!(b.first(), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += digits;
        if b.get(i) == Some(&b'.') {
            i += 1;
        }
        i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if matches!(b.get(i), Some(b'e' | b'E'))
            && matches!(b.get(i + 1), Some(b'+' | b'-'))
            && b.get(i + 2).is_some_and(|c| c.is_ascii_digit())
        {
            i += 2;
            i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        }
        let text = self.rest()[..i].to_string();
        self.bump(i);
        Some(Value {
            text,
            pos,
            quoted: false,
        })
    }

    /// A quoted string or a bare string (`None` if neither starts here).
    fn lex_string_value(&mut self) -> PResult<Option<Value>> {
        if matches!(self.peek(), Some(b'"' | b'\'')) {
            return self.lex_quoted().map(Some);
        }
        let pos = self.pos;
        let n = self
            .bytes()
            .iter()
            .take_while(|b| is_bare_char(**b))
            .count();
        if n == 0 {
            return Ok(None);
        }
        // bare strings may hold any non-ASCII character: extend to a char boundary
        let mut end = n;
        while !self.rest().is_char_boundary(end) {
            end += 1;
        }
        let text = self.rest()[..end].to_string();
        self.bump(end);
        Ok(Some(Value {
            text,
            pos,
            quoted: false,
        }))
    }

    /// A quoted string at the cursor, unescaped.
    fn lex_quoted(&mut self) -> PResult<Value> {
        let pos = self.pos;
        let delim = self.peek().unwrap() as char;
        let body_start = self.pos.offset + 1;
        let b = self.src.as_bytes();
        // libsinsp (`parser::lex_quoted_str`) ends the string at the first quote whose previous
        // byte is not a backslash, escaped or not: `"C:\\"` does not end at its last quote
        let closed = (body_start..b.len()).find(|&i| b[i] == delim as u8 && b[i - 1] != b'\\');
        let Some(end) = closed else {
            return Err(self.err_at(
                pos,
                ErrorKind::Syntax,
                format!("unterminated {delim}-quoted string"),
            ));
        };
        let body = &self.src[body_start..end];
        let text = match unescape(body, delim) {
            Ok(t) => t,
            Err((off, msg)) => {
                let mut epos = pos;
                let mut prev_cr = false;
                for c in self.src[pos.offset..body_start + off].chars() {
                    epos.advance(c, prev_cr);
                    prev_cr = c == '\r';
                }
                return Err(self.err_at(epos, ErrorKind::Syntax, msg));
            }
        };
        self.bump(end + 1 - self.pos.offset);
        Ok(Value {
            text,
            pos,
            quoted: true,
        })
    }
}

/// libsinsp's `unescape_str` rules on the body of a `delim`-quoted string: `\b \f \n \r \t \\
/// \/`, `\"` only inside `"..."`, `\'` only inside `'...'`, `\ ` (a single backslash, kept for
/// old rules) and `\xHH`. The error carries the byte offset of the offending backslash in `body`.
/// A `\x` escape that leaves the text invalid UTF-8 is refused (values are text here).
pub(crate) fn unescape(body: &str, delim: char) -> Result<String, (usize, String)> {
    let b = body.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            return Err((i, "a quoted string cannot end with a backslash".into()));
        };
        match e {
            b'b' => out.push(b'\x08'),
            b'f' => out.push(b'\x0c'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            // libsinsp keeps `\ ` working for old rules: it becomes a single backslash
            b' ' | b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' | b'\'' if e as char == delim => out.push(e),
            b'"' => return Err((i, "invalid \\\" escape in a '-quoted string".into())),
            b'\'' => return Err((i, "invalid \\' escape in a \"-quoted string".into())),
            b'x' => {
                let hex = b
                    .get(i + 2..i + 4)
                    .ok_or((i, "truncated hex char escape sequence".to_string()))?;
                let v = std::str::from_utf8(hex)
                    .ok()
                    .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        (
                            i,
                            format!(
                                "invalid hex char escape sequence: {}",
                                String::from_utf8_lossy(hex)
                            ),
                        )
                    })?;
                out.push(v);
                i += 4;
                continue;
            }
            _ => {
                let c = body[i + 1..].chars().next().unwrap_or('?');
                return Err((i, format!("unsupported escape sequence '\\{c}'")));
            }
        }
        i += 2;
    }
    String::from_utf8(out).map_err(|_| {
        (
            0,
            "a \\x escape makes the string invalid UTF-8, which is not supported".to_string(),
        )
    })
}

/// Parses the body of a list item the way Falco's textual list substitution would: an item
/// that is itself a complete quoted string is unquoted, anything else is taken as is.
pub(crate) fn list_item_text(item: &str) -> String {
    let t = item.trim();
    let b = t.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        if let Ok(s) = unescape(&t[1..t.len() - 1], b[0] as char) {
            return s;
        }
    }
    item.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_rules() {
        assert_eq!(unescape(r"a\nb\t\\\/", '"').unwrap(), "a\nb\t\\/");
        assert_eq!(unescape(r"a\ b", '"').unwrap(), "a\\b");
        assert_eq!(unescape(r#"\""#, '"').unwrap(), "\"");
        assert!(unescape(r#"\""#, '\'').is_err());
        assert_eq!(unescape(r"\x41\x2f", '"').unwrap(), "A/");
        assert!(unescape(r"\x4", '"').is_err() && unescape(r"\x4g", '"').is_err());
        assert!(unescape(r"\q", '"').is_err());
    }

    #[test]
    fn list_items() {
        assert_eq!(list_item_text("\"a b\""), "a b");
        assert_eq!(list_item_text("'x'"), "x");
        assert_eq!(list_item_text("plain"), "plain");
    }
}
