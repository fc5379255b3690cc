//! The syntax tree of a filter condition, as produced by [`crate::parse`] and rewritten by
//! [`crate::Definitions::expand`].
//!
//! The shape follows libsinsp's `filter/ast.h` (and/or/not nodes, identifier = macro reference,
//! unary and binary checks, list values, field transformers, `val()`), with every node carrying
//! the position where it starts. `Display` prints a canonical form in which every `and`/`or`
//! group is parenthesized, so precedence is visible: `a = 1 or b = 2 and c = 3` prints as
//! `(a = 1 or (b = 2 and c = 3))`. Values are printed bare when the grammar would read them back
//! unchanged, quoted (with libsinsp's escapes, `filter/escaping.cpp`) otherwise.

use std::fmt;
use std::sync::Arc;

use crate::error::Pos;

/// One node of a condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// Where the node starts.
    pub pos: Pos,
    /// Set on nodes that come from an expanded macro body.
    pub origin: Option<Arc<Origin>>,
}

/// Where an expanded node came from: a macro body, used at some position of its parent.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub macro_name: String,
    /// The source the use is in (`filter`, `macro OTHER`).
    pub used_in: String,
    pub used_at: Pos,
    /// The origin of the use site (`None`: the top-level filter).
    pub parent: Option<Arc<Origin>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare identifier in check position: a macro reference.
    Macro(String),
    Check(Box<Check>),
}

/// `lhs op rhs`, or `lhs exists`.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub lhs: Operand,
    pub op: Op,
    pub op_pos: Pos,
    pub modifier: Option<Modifier>,
    pub rhs: Rhs,
}

/// A field, or a transformer applied to an operand (`tolower(proc.name)`, `val(fd.name)`).
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Field(FieldRef),
    Transformer {
        name: String,
        pos: Pos,
        args: Vec<TransformerArg>,
        /// `getopt(...)[t]`: the grammar allows an argument after any transformer.
        arg: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum TransformerArg {
    Operand(Operand),
    /// A quoted string or a number (only `join`/`concat`/`getopt` take these; libsinsp makes
    /// them constant strings). `quoted` tells which.
    Str(Value),
    /// A transformer list `(a.b, "x", tolower(c.d))` (only as an argument of
    /// `join`/`concat`/`getopt`).
    List {
        items: Vec<TransformerArg>,
        pos: Pos,
    },
}

/// `name` or `name[arg]`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    pub name: String,
    /// The argument, unquoted if it was quoted.
    pub arg: Option<String>,
    pub pos: Pos,
}

/// A constant as written in the filter, after unescaping.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub text: String,
    pub pos: Pos,
    /// Written between quotes (quoted names are never expanded as list references).
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// `exists` has no right-hand side.
    None,
    Value(Value),
    /// `( a, b, "c d" )`.
    List {
        items: Vec<Value>,
        pos: Pos,
    },
    /// A list name after a list operator or a modifier: `in shell_binaries`.
    ListRef {
        name: String,
        pos: Pos,
    },
    /// `val(field)` or a transformer: compare with another field.
    Operand(Operand),
}

/// List modifiers that can follow a string operator (`startswith anyof (a, b)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Exactly one element matches.
    OneOf,
    /// At least one element matches.
    AnyOf,
    /// Every element matches.
    AllOf,
}

impl Modifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::OneOf => "oneof",
            Modifier::AnyOf => "anyof",
            Modifier::AllOf => "allof",
        }
    }

    pub(crate) fn from_word(w: &str) -> Option<Modifier> {
        Some(match w {
            "oneof" => Modifier::OneOf,
            "anyof" => Modifier::AnyOf,
            "allof" => Modifier::AllOf,
            _ => return None,
        })
    }
}

/// Comparison operators (libsinsp's `cmpop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Exists,
    /// `=` and `==`.
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    PMatch,
}

/// How an operator's right-hand side is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpClass {
    Unary,
    /// A number (or hex number) follows.
    Num,
    /// A string follows (or a modifier and a list).
    Str,
    /// A list follows.
    List,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Exists => "exists",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::PMatch => "pmatch",
        }
    }

    pub(crate) fn class(self) -> OpClass {
        match self {
            Op::Exists => OpClass::Unary,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => OpClass::Num,
            Op::In | Op::Intersects | Op::PMatch => OpClass::List,
            _ => OpClass::Str,
        }
    }

    /// Every operator spelling, in the order the parser tries them (longest first where one is
    /// a prefix of another). The flag says whether a space must follow (libsinsp spells these
    /// operators with a trailing space).
    pub(crate) const SPELLINGS: &'static [(&'static str, Op, bool)] = &[
        ("exists", Op::Exists, false),
        ("<=", Op::Le, false),
        ("<", Op::Lt, false),
        (">=", Op::Ge, false),
        (">", Op::Gt, false),
        ("==", Op::Eq, false),
        ("=", Op::Eq, false),
        ("!=", Op::Ne, false),
        ("glob", Op::Glob, true),
        ("iglob", Op::IGlob, true),
        ("contains", Op::Contains, true),
        ("icontains", Op::IContains, true),
        ("bcontains", Op::BContains, true),
        ("startswith", Op::StartsWith, true),
        ("bstartswith", Op::BStartsWith, true),
        ("endswith", Op::EndsWith, true),
        ("regex", Op::Regex, true),
        ("intersects", Op::Intersects, false),
        ("in", Op::In, false),
        ("pmatch", Op::PMatch, false),
    ];

    /// Whether a list modifier may follow (libsinsp: `= != contains icontains bcontains
    /// startswith bstartswith endswith glob iglob regex`).
    pub fn takes_modifier(self) -> bool {
        self.class() == OpClass::Str
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Origin {
    /// The source name of the nodes that carry this origin: `macro NAME`.
    pub fn source_name(&self) -> String {
        format!("macro {}", self.macro_name)
    }
}

/// An error at `pos` of a node with origin `origin` (`None`: the top-level text named `top`).
pub(crate) fn error_in(
    origin: &Option<Arc<Origin>>,
    top: &str,
    kind: crate::error::ErrorKind,
    pos: Pos,
    msg: impl Into<String>,
) -> crate::error::FilterError {
    let source = match origin {
        Some(o) => o.source_name(),
        None => top.to_string(),
    };
    let mut e = crate::error::FilterError::new(kind, &source, pos, msg);
    let mut cur = origin.clone();
    while let Some(o) = cur {
        e.expanded_from.push(crate::error::Expansion {
            macro_name: o.macro_name.clone(),
            used_in: o.used_in.clone(),
            used_at: o.used_at,
        });
        cur = o.parent.clone();
    }
    e
}

impl Expr {
    pub(crate) fn new(kind: ExprKind, pos: Pos) -> Expr {
        Expr {
            kind,
            pos,
            origin: None,
        }
    }

    /// Calls `f` on every check of the tree.
    pub fn for_each_check(&self, f: &mut dyn FnMut(&Check)) {
        match &self.kind {
            ExprKind::And(c) | ExprKind::Or(c) => c.iter().for_each(|e| e.for_each_check(f)),
            ExprKind::Not(e) => e.for_each_check(f),
            ExprKind::Macro(_) => {}
            ExprKind::Check(c) => f(c),
        }
    }

    /// The names of the macros the tree references (not expanded yet), in order of appearance.
    pub fn macro_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match &e.kind {
                ExprKind::And(c) | ExprKind::Or(c) => c.iter().for_each(|e| walk(e, out)),
                ExprKind::Not(e) => walk(e, out),
                ExprKind::Macro(m) => out.push(m),
                ExprKind::Check(_) => {}
            }
        }
        walk(self, &mut out);
        out
    }
}

/// Whether `s` reads back as one bare string value.
fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && !s.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\x08' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b',' | b'=' | b'"' | b'\''
            )
        })
}

/// Writes `s` bare if possible, else double-quoted with libsinsp's escapes.
pub(crate) fn write_value(f: &mut dyn fmt::Write, s: &str) -> fmt::Result {
    if is_bare(s) && !s.contains('\\') {
        return f.write_str(s);
    }
    write_quoted(f, s)
}

/// Writes `s` double-quoted with libsinsp's escapes.
pub(crate) fn write_quoted(f: &mut dyn fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\x08' => f.write_str("\\b")?,
            '\x0c' => f.write_str("\\f")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(arg) = &self.arg {
            f.write_char('[')?;
            let bare = !arg.is_empty()
                && !arg.bytes().any(|b| {
                    matches!(
                        b,
                        b' ' | b'\x08' | b'\t' | b'\n' | b'\r' | b'[' | b']' | b'"' | b'\''
                    )
                });
            if bare {
                f.write_str(arg)?;
            } else {
                write_value(f, arg)?;
            }
            f.write_char(']')?;
        }
        Ok(())
    }
}

use std::fmt::Write as _;

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(r) => r.fmt(f),
            Operand::Transformer {
                name, args, arg, ..
            } => {
                write!(f, "{name}(")?;
                write_args(f, args)?;
                f.write_char(')')?;
                if let Some(a) = arg {
                    write!(f, "[{a}]")?;
                }
                Ok(())
            }
        }
    }
}

fn write_args(f: &mut fmt::Formatter<'_>, args: &[TransformerArg]) -> fmt::Result {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match a {
            TransformerArg::Operand(o) => fmt::Display::fmt(o, f)?,
            TransformerArg::Str(v) if v.quoted => write_quoted(f, &v.text)?,
            TransformerArg::Str(v) => f.write_str(&v.text)?,
            TransformerArg::List { items, .. } => {
                f.write_char('(')?;
                write_args(f, items)?;
                f.write_char(')')?;
            }
        }
    }
    Ok(())
}

/// libsinsp's `escape_str` (`filter/escaping.cpp`), which `ast::as_string` writes constants and
/// field arguments with: double-quoted when the text holds a blank, `=`, a quote, a backslash or
/// a NUL, with `\b \f \n \r \t \\ \"` escaped (a space, `=`, `'` and NUL as they are); as it
/// is otherwise, `(` and `,` included.
pub fn libsinsp_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut quote = false;
    for c in s.chars() {
        match c {
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            ' ' | '=' | '\'' | '\0' => out.push(c),
            c => {
                out.push(c);
                continue;
            }
        }
        quote = true;
    }
    if quote {
        format!("\"{out}\"")
    } else {
        out
    }
}

/// A field argument as libsinsp's `ast::as_string` writes it (`[""]` when empty).
fn libsinsp_arg(arg: &str) -> String {
    if arg.is_empty() {
        "[\"\"]".into()
    } else {
        format!("[{}]", libsinsp_escape(arg))
    }
}

impl Operand {
    /// The text libsinsp's `ast::as_string` gives (no blanks, constants and arguments written
    /// with its `escape_str`): `join(->,(proc.name,evt.arg.path))`, `dummyx3.repr[hex]`. JSON
    /// output keys fields with it.
    pub fn libsinsp_string(&self) -> String {
        fn args(out: &mut String, list: &[TransformerArg]) {
            for (i, a) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match a {
                    TransformerArg::Operand(o) => out.push_str(&o.libsinsp_string()),
                    TransformerArg::Str(v) => out.push_str(&libsinsp_escape(&v.text)),
                    TransformerArg::List { items, .. } => {
                        out.push('(');
                        args(out, items);
                        out.push(')');
                    }
                }
            }
        }
        match self {
            Operand::Field(r) => match &r.arg {
                Some(a) => format!("{}{}", r.name, libsinsp_arg(a)),
                None => r.name.clone(),
            },
            Operand::Transformer {
                name,
                args: list,
                arg,
                ..
            } => {
                let mut out = format!("{name}(");
                args(&mut out, list);
                out.push(')');
                if let Some(a) = arg {
                    out.push_str(&libsinsp_arg(a));
                }
                out
            }
        }
    }

    /// Calls `f` on every field the operand reads, in order (transformer arguments
    /// depth-first, as libsinsp's formatter visits them).
    pub fn for_each_field<'a>(&'a self, f: &mut dyn FnMut(&'a FieldRef)) {
        fn args<'a>(list: &'a [TransformerArg], f: &mut dyn FnMut(&'a FieldRef)) {
            for a in list {
                match a {
                    TransformerArg::Operand(o) => o.for_each_field(f),
                    TransformerArg::Str(_) => {}
                    TransformerArg::List { items, .. } => args(items, f),
                }
            }
        }
        match self {
            Operand::Field(r) => f(r),
            Operand::Transformer { args: list, .. } => args(list, f),
        }
    }
}

impl fmt::Display for Rhs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rhs::None => Ok(()),
            Rhs::Value(v) => write_value(f, &v.text),
            Rhs::List { items, .. } => {
                f.write_char('(')?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_value(f, &v.text)?;
                }
                f.write_char(')')
            }
            Rhs::ListRef { name, .. } => f.write_str(name),
            Rhs::Operand(o) => o.fmt(f),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.lhs, self.op)?;
        if let Some(m) = self.modifier {
            write!(f, " {}", m.as_str())?;
        }
        if !matches!(self.rhs, Rhs::None) {
            write!(f, " {}", self.rhs)?;
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::And(c) | ExprKind::Or(c) => {
                let sep = if matches!(self.kind, ExprKind::And(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_char('(')?;
                for (i, e) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    e.fmt(f)?;
                }
                f.write_char(')')
            }
            ExprKind::Not(e) => write!(f, "not {e}"),
            ExprKind::Macro(m) => f.write_str(m),
            ExprKind::Check(c) => c.fmt(f),
        }
    }
}
