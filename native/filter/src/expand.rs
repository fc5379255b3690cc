//! Macros and lists, the Falco rules-file constructs (libsinsp itself knows neither).
//!
//! * A **macro** is a named condition. A bare identifier in check position (`spawned_process
//!   and proc.name = sh`) is a macro reference and is replaced by the macro's condition, whose
//!   own references are expanded in turn (Falco's `filter_macro_resolver.cpp` does the same on
//!   the AST). A macro that uses itself, directly or not, is an error, as is an undefined name.
//! * A **list** is a named list of strings. Falco substitutes list names textually before
//!   parsing (`rule_loader_compiler.cpp`, `resolve_list`): a name delimited by blanks, `(`, `)`,
//!   `,` or `=` is replaced by the items joined with `, `, items containing a space being
//!   double-quoted. This module does the same on the AST, where it is unambiguous:
//!   - an unquoted item of a `( ... )` list value that names a list is replaced by that list's
//!     items (a quoted `"name"` stays a string: in Falco's text substitution the quote is not a
//!     delimiter);
//!   - a list name after `in`/`intersects`/`pmatch` or after a modifier (`startswith anyof
//!     my_list`) is replaced by its items; an undefined name there is an error;
//!   - a list item that names another list is replaced by that list's items, recursively
//!     (Falco resolves one level, in definition order); a list that contains itself is an error;
//!   - an item written as a quoted string (`'"/usr/bin/x y"'` in YAML) is unquoted, as Falco's
//!     re-parse of the substituted text would.
//!
//!   Falco's text substitution also rewrites a list name in other places (`proc.name = my_list`
//!   becomes `proc.name = a, b`, which then fails to parse); here such a value stays a string.
//!
//! Expanded nodes keep the positions of the macro body they come from, plus an [`Origin`]
//! chain, so a later compile error inside a macro says `macro NAME:1:5: ... (in macro 'NAME'
//! used at filter:1:20)`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::*;
use crate::error::{ErrorKind, FilterError, Pos};
use crate::parser::{list_item_text, parse_with, ParseOptions};

#[derive(Clone, Debug)]
struct MacroDef {
    expr: Expr,
}

/// The macros and lists a condition may refer to.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    macros: HashMap<String, MacroDef>,
    lists: HashMap<String, Vec<String>>,
    max_depth: Option<u32>,
}

struct Ctx<'a> {
    top: &'a str,
    origin: Option<Arc<Origin>>,
    macro_stack: Vec<String>,
    /// Checks and list items the expansion may still produce (see [`MAX_EXPANDED`]).
    budget: usize,
}

/// The most checks plus list items one expanded condition may hold. Macros used several times
/// in macros that are themselves used several times (and lists of lists) grow exponentially: 39
/// levels of doubling make 2^39 checks. Falco would expand them until memory runs out; this
/// stops with an error naming the chain. 131,072 leaves room for long lists used many times
/// and keeps a refused file under 200 MB (an expanded check costs about 900 bytes).
pub const MAX_EXPANDED: usize = 1 << 17;

impl Definitions {
    pub fn new() -> Self {
        Self::default()
    }

    /// The nesting limit used to parse macro bodies (default 100).
    pub fn set_max_depth(&mut self, depth: u32) {
        self.max_depth = Some(depth);
    }

    /// Defines (or redefines) a macro from its condition text. Parse errors point into the
    /// text, named `macro NAME`.
    pub fn add_macro(&mut self, name: &str, condition: &str) -> Result<(), FilterError> {
        let opts = ParseOptions {
            source_name: format!("macro {name}"),
            max_depth: self.max_depth.unwrap_or(100),
        };
        let expr = parse_with(condition, &opts)?;
        self.add_macro_expr(name, expr);
        Ok(())
    }

    /// Defines (or redefines) a macro from a parsed condition (positions in it are read as
    /// positions in the macro's text).
    pub fn add_macro_expr(&mut self, name: &str, expr: Expr) {
        self.macros.insert(name.to_string(), MacroDef { expr });
    }

    /// Defines (or redefines) a list.
    pub fn add_list<I, S>(&mut self, name: &str, items: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.lists.insert(
            name.to_string(),
            items.into_iter().map(Into::into).collect(),
        );
    }

    pub fn has_macro(&self, name: &str) -> bool {
        self.macros.contains_key(name)
    }

    pub fn has_list(&self, name: &str) -> bool {
        self.lists.contains_key(name)
    }

    /// The parsed body of a macro.
    pub fn macro_expr(&self, name: &str) -> Option<&Expr> {
        self.macros.get(name).map(|m| &m.expr)
    }

    /// The items of a list, with nested lists expanded.
    pub fn list_items(&self, name: &str) -> Result<Vec<String>, FilterError> {
        let mut stack = Vec::new();
        let mut out = Vec::new();
        let mut ctx = Ctx {
            top: "list",
            origin: None,
            macro_stack: Vec::new(),
            budget: MAX_EXPANDED,
        };
        self.expand_list(name, Pos::START, &mut ctx, &mut stack, &mut out)?;
        Ok(out.into_iter().map(|v| v.text).collect())
    }

    /// Expands every macro and list reference of a condition parsed from the text named
    /// `filter`.
    pub fn expand(&self, expr: &Expr) -> Result<Expr, FilterError> {
        self.expand_named(expr, "filter")
    }

    /// Like [`Definitions::expand`], for a condition whose text is named `source_name` in
    /// error messages.
    pub fn expand_named(&self, expr: &Expr, source_name: &str) -> Result<Expr, FilterError> {
        let mut ctx = Ctx {
            top: source_name,
            origin: expr.origin.clone(),
            macro_stack: Vec::new(),
            budget: MAX_EXPANDED,
        };
        self.expand_expr(expr, &mut ctx)
    }

    fn source_of(ctx: &Ctx) -> String {
        match &ctx.origin {
            Some(o) => o.source_name(),
            None => ctx.top.to_string(),
        }
    }

    fn expand_expr(&self, e: &Expr, ctx: &mut Ctx) -> Result<Expr, FilterError> {
        let kind = match &e.kind {
            ExprKind::And(c) => ExprKind::And(
                c.iter()
                    .map(|x| self.expand_expr(x, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Or(c) => ExprKind::Or(
                c.iter()
                    .map(|x| self.expand_expr(x, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Not(x) => ExprKind::Not(Box::new(self.expand_expr(x, ctx)?)),
            ExprKind::Macro(name) => {
                if let Some(i) = ctx.macro_stack.iter().position(|m| m == name) {
                    let mut chain: Vec<&str> =
                        ctx.macro_stack[i..].iter().map(String::as_str).collect();
                    chain.push(name);
                    return Err(error_in(
                        &ctx.origin,
                        ctx.top,
                        ErrorKind::Cycle,
                        e.pos,
                        format!("macro '{name}' uses itself: {}", chain.join(" -> ")),
                    ));
                }
                let Some(def) = self.macros.get(name) else {
                    return Err(error_in(
                        &ctx.origin,
                        ctx.top,
                        ErrorKind::UndefinedMacro,
                        e.pos,
                        format!("undefined macro '{name}'"),
                    ));
                };
                let origin = Arc::new(Origin {
                    macro_name: name.clone(),
                    used_in: Self::source_of(ctx),
                    used_at: e.pos,
                    parent: ctx.origin.clone(),
                });
                let saved = ctx.origin.replace(origin);
                ctx.macro_stack.push(name.clone());
                let r = self.expand_expr(&def.expr, ctx);
                ctx.macro_stack.pop();
                ctx.origin = saved;
                return r;
            }
            ExprKind::Check(c) => {
                Self::spend(ctx, 1, e.pos, "checks", None)?;
                ExprKind::Check(Box::new(self.expand_check(c, ctx)?))
            }
        };
        Ok(Expr {
            kind,
            pos: e.pos,
            origin: ctx.origin.clone(),
        })
    }

    /// Takes `n` from the expansion budget, or fails naming the macro chain (and the list).
    fn spend(ctx: &mut Ctx, n: usize, pos: Pos, what: &str, list: Option<&[String]>) -> Result<(), FilterError> {
        if ctx.budget >= n {
            ctx.budget -= n;
            return Ok(());
        }
        let mut chain = ctx.macro_stack.iter().map(|m| format!("macro '{m}'")).collect::<Vec<_>>();
        chain.extend(list.unwrap_or_default().iter().map(|l| format!("list '{l}'")));
        let via = if chain.is_empty() { String::new() } else { format!(" (expanding {})", chain.join(" -> ")) };
        Err(error_in(
            &ctx.origin,
            ctx.top,
            ErrorKind::Cycle,
            pos,
            format!("the condition grows past {MAX_EXPANDED} {what} once macros and lists are expanded{via}: macros or lists used many times inside others used many times"),
        ))
    }

    fn expand_check(&self, c: &Check, ctx: &mut Ctx) -> Result<Check, FilterError> {
        let rhs = match &c.rhs {
            Rhs::List { items, pos } => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    if !it.quoted && self.lists.contains_key(&it.text) {
                        let mut stack = Vec::new();
                        self.expand_list(&it.text, it.pos, ctx, &mut stack, &mut out)?;
                    } else {
                        out.push(it.clone());
                    }
                }
                Rhs::List {
                    items: out,
                    pos: *pos,
                }
            }
            Rhs::ListRef { name, pos } => {
                if !self.lists.contains_key(name) {
                    return Err(error_in(
                        &ctx.origin,
                        ctx.top,
                        ErrorKind::UndefinedList,
                        *pos,
                        format!("undefined list '{name}'"),
                    ));
                }
                let mut out = Vec::new();
                let mut stack = Vec::new();
                self.expand_list(name, *pos, ctx, &mut stack, &mut out)?;
                Rhs::List {
                    items: out,
                    pos: *pos,
                }
            }
            other => other.clone(),
        };
        Ok(Check { rhs, ..c.clone() })
    }

    /// Appends the items of list `name` (nested lists expanded) as values positioned at `pos`.
    fn expand_list(
        &self,
        name: &str,
        pos: Pos,
        ctx: &mut Ctx,
        stack: &mut Vec<String>,
        out: &mut Vec<Value>,
    ) -> Result<(), FilterError> {
        if let Some(i) = stack.iter().position(|m| m == name) {
            let mut chain: Vec<&str> = stack[i..].iter().map(String::as_str).collect();
            chain.push(name);
            return Err(error_in(
                &ctx.origin,
                ctx.top,
                ErrorKind::Cycle,
                pos,
                format!("list '{name}' contains itself: {}", chain.join(" -> ")),
            ));
        }
        let Some(items) = self.lists.get(name) else {
            return Err(error_in(
                &ctx.origin,
                ctx.top,
                ErrorKind::UndefinedList,
                pos,
                format!("undefined list '{name}'"),
            ));
        };
        stack.push(name.to_string());
        for item in items {
            if self.lists.contains_key(item.as_str()) {
                self.expand_list(item, pos, ctx, stack, out)?;
            } else {
                Self::spend(ctx, 1, pos, "list items", Some(stack))?;
                out.push(Value {
                    text: list_item_text(item),
                    pos,
                    quoted: true,
                });
            }
        }
        stack.pop();
        Ok(())
    }
}
