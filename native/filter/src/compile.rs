//! Compilation of a condition against a caller's field resolver, and evaluation.
//!
//! Compiling resolves every field once, checks each operator against the field's type, parses
//! every constant once (numbers, booleans, addresses, networks), builds regexes, globs, path
//! sets and sorted sets for `in`, and records the distinct fields the filter reads
//! ([`CompiledFilter::fields`]) so the caller can extract them in one batch. Evaluation walks a
//! small tree with short-circuit `and`/`or`; the common checks do not allocate.
//!
//! Semantics, from current libsinsp (`filter_compare.cpp` `flt_is_comparable`/`flt_compare`,
//! `sinsp_filtercheck.cpp` `compare_rhs*`, `value_parser.cpp`, read in falcosecurity/libs) and
//! checked against Debian's sysdig 0.29.3 where it has the feature (dummy_c capture, values of
//! `dummy.value` 8 9 10 16 26 30 37 48 55 65 71 82 93 100 109 113 114 124 129 133):
//!
//! * A check on a field with no value is false, whatever the operator (`!=` included); `not`
//!   of it is true. sysdig: `dummy.divisible != 1` (no argument: no value) prints nothing,
//!   `not dummy.divisible = 1` and `not dummy.divisible exists` print all 20 events.
//!   An empty list is no value (libsinsp's plugin check returns "no value" for `res_len == 0`).
//! * Operators per type (`flt_is_comparable`):
//!   - uint64/reltime/abstime: `= != < <= > >= in intersects exists`. sysdig: `dummy.value
//!     contains 1` → "'contains' not supported for numeric filters".
//!   - string: `= != < <= > >= contains icontains startswith endswith glob iglob regex in
//!     intersects pmatch exists`; `bcontains`/`bstartswith` are for byte buffers only, which
//!     no plugin field type is, so they are refused here ("not supported for string filters").
//!   - bool: `= != in intersects exists`; ipaddr/ipnet: `= != in intersects exists`.
//!   - list fields (`isList`): `in intersects exists` only. `in` is true when every value of
//!     the list is in the set, `intersects` when one is.
//! * Numbers are read as libsinsp's `parseu64` (`sscanf("%lu%c") == 1`): leading blanks and a
//!   sign are allowed, `-1` wraps to 18446744073709551615, too large saturates, anything after
//!   the digits is an error. sysdig: `dummy.value = 0x10` → "0x10 is not a valid number",
//!   `> 1.5` → "1.5 is not a valid number", `= +8` and `= ' 8'` match 8, `= -1` and
//!   `= 99999999999999999999999` match nothing. The same rules apply to reltime and abstime
//!   (plain nanoseconds). A field marked [`ResolvedField::int16`] (`evt.cpu`, libsinsp's
//!   PT_INT16) reads them as C's `%d` cut to 16 bits and compares signed (`evt.cpu > -1`).
//! * Strings compare bytes: `=`/`!=` exact, `< <= > >=` as `strcmp` (sysdig: `dummy.strvalue < 2`
//!   → 10 16 100 109 113 114 124 129 133), `contains` substring, `icontains` ASCII
//!   case-insensitive (`strcasestr`), `startswith`/`endswith`, `glob`/`iglob` fnmatch, `regex`
//!   full match (see `re.rs`), `pmatch` path prefix (see `glob.rs`), `in`/`intersects` exact
//!   membership (sysdig: `dummy.strvalue in ("16", '8')` → 8 16; `in ()` matches nothing).
//!   An empty needle is contained in every string (sysdig: `contains ''` → all 20).
//! * bool constants are exactly `true` or `false`.
//! * ipaddr constants are addresses: with a `.`, IPv4 (inet_pton), else IPv6; `=` is equality
//!   and an address of the other family is simply different. A CIDR network is refused for an
//!   ipaddr field, as in libsinsp ("unrecognized IPv4 address 10.0.0.0/8").
//! * ipnet constants are networks `addr/len` (required): the field's value (an address) is
//!   masked with the constant's netmask (`flt_compare_ipv4net`, `ipv6net::in_cidr`); `in`
//!   matches when any network of the list contains it. As libsinsp reads them: with a `.` an
//!   IPv4 network of length 0 to 32, else an IPv6 one of length 1 to 128 (`::/0` is refused),
//!   the length read as an 8-bit `%u` (`/288` is `/32`).
//! * List modifiers (`oneof`/`anyof`/`allof`, current libsinsp only): `x op anyof (a, b)` is
//!   `x op a or x op b`, `allof` is `and`, `oneof` is true when exactly one element matches
//!   (`matches_one_rhs`); an empty list is false. `= anyof` and `!= allof` are libsinsp set
//!   lookups of raw values, which for an ipnet field never match a network constant: always
//!   false and always true.
//! * `val(field)` compares with another field of the same type and list-ness (libsinsp's
//!   `check_rhs_field_type_consistency`); not with `regex`/`pmatch`, nor for an ipnet
//!   left-hand side. If the right-hand field has no value the check is false. For single-value
//!   operators the first right-hand value is used; `in`/`intersects` use all of them.
//!
//! Field transformers, from current libsinsp (`sinsp_filter_transformers/*.cpp`, `base64.h`,
//! `sinsp_filtercheck.cpp` `add_transformer`/`apply_transformers`,
//! `sinsp_filtercheck_multivalue_transformer.cpp`, `sinsp_filtercheck_rawstring.cpp`, and the
//! cases of `test/filter_transformer.ut.cpp`); evaluated in `transform.rs`:
//!
//! * Types are checked when compiling, innermost first, and an operator is checked against the
//!   transformer's output type: `len(f) > 3` is numeric, `tolower(f) contains x` a string check.
//!   A refused input type is an `Operator` error at the transformer's column (libsinsp: "can't
//!   add field transformer: type ... is not supported by 'tolower' transformer").
//! * Every transformer takes libsinsp's arguments: fields, nested transformers, quoted strings
//!   and numbers (constant strings, `rawstring_check`), and transformer lists `( ... )` (a list
//!   of strings, `list_check`). One argument: a transformer applied to it; `join`/`concat` take
//!   several (libsinsp's multivalue transformers); `[arg]` after a transformer is refused.
//! * `tolower`, `toupper`, `basename`, `b64` take strings, or lists of strings element-wise;
//!   the result has the input's type and list-ness. `tolower`/`toupper` map ASCII letters only
//!   (C `tolower`). `basename` keeps what follows the last `/`: `""`, `"/"` and `"a/b/"` give
//!   `""`. `b64` decodes standard base64, `=` padding optional; invalid input (or one invalid
//!   element of a list) leaves the check with no value, so it is false, `exists` included.
//!   Their values end with a NUL, as libsinsp's `string_transformer` leaves them: C-string
//!   readers (comparisons, output, `len`, `concat`, `join`) do not see it, but `in` and
//!   `intersects` compare raw values, so a transformed list item or right-hand value never
//!   equals a constant or a field's value (checked with sinsp-example). An empty transformed
//!   list (`tolower(())`) is a value: it exists and is `in` every set.
//! * `len` gives a uint64: the number of values of a list (any type), the bytes of a string up
//!   to its first NUL (`strnlen`). Other scalars are refused. In output, the number keeps the
//!   print format of the field measured ([`PrintFormat::NotApplicable`]: `<NA>` for text
//!   fields without one, constants, `concat()`/`join()` results).
//! * `concat(a, b, ...)`: at least two single strings, concatenated. `join(sep, list)`: a single
//!   string separator (a constant, a number's text, a field's value) and a list: a string list
//!   field, a transformer giving one, or a transformer list `(a, "x", f)`. Transformer list
//!   items: strings and constants as they are, uint64 fields as the text of their (first)
//!   value with the field's print format (libsinsp's `rawnum_check`), `evt.cpu` as its two raw
//!   bytes read as a C string (libsinsp's list check treats no other type as numeric); a list
//!   field item adds all its values. Other items (booleans, addresses, reltime/abstime, `len()`
//!   results) are refused: libsinsp passes their raw bytes, which need not end. Both give a
//!   string; an argument or item with no value gives no value.
//! * `getopt()` is refused: its results differ between recent libsinsp versions.
//! * A field with no value gives no value. On the right-hand side (`f = tolower(g)`) the
//!   transformed types of both sides must match as for `val()`. Transformer checks allocate
//!   their values per event; the checks on plain fields keep their own node and do not.
//! * A field argument is read as libsinsp's field checks read `name[arg]`: a blank in it is an
//!   error ("unbalanced argument brackets"), a `]` ends it.

use std::cmp::Ordering;
use std::net::IpAddr;
use std::sync::Arc;

use memchr::memmem;
use plugin_host::{FieldType, ValueRef};

use crate::ast::*;
use crate::error::{ErrorKind, FilterError, Pos};
use crate::glob::{Glob, PathSet};
use crate::re::AnchoredRegex;
use crate::transform::{cstr, XExpr, XVal};
use crate::values::{FieldValue, FieldValues};

/// How text output prints a numeric field (libsinsp's print formats that apply here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrintFormat {
    /// Decimal (`PF_DEC`): every plugin field.
    #[default]
    Dec,
    /// Zero-padded to 9 digits (`PF_10_PADDED_DEC`, `%09`): e.g. `evt.reltime`, `evt.rawtime.ns`.
    /// JSON output prints such a field as a string, as libsinsp's `rawval_to_json` does.
    PaddedDec9,
    /// None (`PF_NA`): libsinsp's text fields (`evt.source`, `evt.time`...), constants and the
    /// results of `concat()`/`join()`. A transformer keeps the print format of the field it
    /// transforms, so a number made from one of these (`len(evt.source)`) has no text: libsinsp's
    /// `rawval_to_string` gives none, and output prints `<NA>` (checked with sinsp-example).
    NotApplicable,
    /// Signed decimal (`PF_DEC`/`PF_ID` of libsinsp's `PT_INT64`: `proc.pid`, `thread.tid`,
    /// `fd.num`...): the uint64 value carries the int64's two's complement, so comparisons are
    /// signed and `-1` prints as `-1`.
    SignedDec,
}

/// A field JSON output reads instead of the displayed one (libsinsp checks that override
/// `extract_as_js`, e.g. `evt.time`, whose JSON value is the raw timestamp in ns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JsonSubstitute {
    pub id: u32,
    pub ty: FieldType,
    pub is_list: bool,
}

/// What a resolver says about a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResolvedField {
    /// The caller's id for (field, argument): [`FieldValues::get`] is asked for it.
    pub id: u32,
    pub ty: FieldType,
    pub is_list: bool,
    pub print: PrintFormat,
    pub json_as: Option<JsonSubstitute>,
    /// libsinsp's `PT_INT16` (`evt.cpu`), carried as a uint64 value: constants are read as C's
    /// `%d` cut to 16 bits (`-1` is -1, `70000` is 4464), comparisons are signed, and it is a
    /// type of its own for `val()` and transformers on the right-hand side.
    pub int16: bool,
}

impl ResolvedField {
    pub fn new(id: u32, ty: FieldType, is_list: bool) -> Self {
        ResolvedField {
            id,
            ty,
            is_list,
            print: PrintFormat::Dec,
            json_as: None,
            int16: false,
        }
    }

    /// libsinsp's name of the field's type, for errors (`UINT64`, `CHARBUF (list)`).
    fn type_name(&self) -> String {
        let t = if self.int16 {
            "INT16"
        } else if self.print == PrintFormat::SignedDec {
            "INT64"
        } else {
            match self.ty {
                FieldType::Uint64 => "UINT64",
                FieldType::String => "CHARBUF",
                FieldType::Reltime => "RELTIME",
                FieldType::Abstime => "ABSTIME",
                FieldType::Bool => "BOOL",
                FieldType::Ipaddr => "IPADDR",
                FieldType::Ipnet => "IPNET",
                FieldType::Int64 => "INT64",
                FieldType::Float => "DOUBLE",
            }
        };
        format!("{t}{}", if self.is_list { " (list)" } else { "" })
    }
}

/// Turns field names (and arguments) into ids and types. The engine resolves `evt.*` fields
/// itself and plugin fields through the plugin host.
pub trait FieldResolver {
    /// Resolves `name` with its argument (unquoted; `None` when there is no `[...]`). `pos` is
    /// where the field is written. The error message is reported at `pos`.
    fn resolve(&self, name: &str, arg: Option<&str>, pos: Pos) -> Result<ResolvedField, String>;

    /// Checks a constant compared with the resolved field `id` (each item of a list), as a
    /// libsinsp filtercheck's `validate_filter_value` does (`evt.type = foo` is refused). The
    /// error message is reported at the constant.
    fn validate_value(&self, _id: u32, _text: &str) -> Result<(), String> {
        Ok(())
    }
}

impl<F> FieldResolver for F
where
    F: Fn(&str, Option<&str>, Pos) -> Result<ResolvedField, String>,
{
    fn resolve(&self, name: &str, arg: Option<&str>, pos: Pos) -> Result<ResolvedField, String> {
        self(name, arg, pos)
    }
}

/// A field a filter or format reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredField {
    pub id: u32,
    pub name: String,
    pub arg: Option<String>,
    pub ty: FieldType,
    pub is_list: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ord6 {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Ord6 {
    fn of(op: Op) -> Option<Ord6> {
        Some(match op {
            Op::Eq => Ord6::Eq,
            Op::Ne => Ord6::Ne,
            Op::Lt => Ord6::Lt,
            Op::Le => Ord6::Le,
            Op::Gt => Ord6::Gt,
            Op::Ge => Ord6::Ge,
            _ => return None,
        })
    }

    #[inline]
    fn test(self, o: Ordering) -> bool {
        match self {
            Ord6::Eq => o == Ordering::Equal,
            Ord6::Ne => o != Ordering::Equal,
            Ord6::Lt => o == Ordering::Less,
            Ord6::Le => o != Ordering::Greater,
            Ord6::Gt => o == Ordering::Greater,
            Ord6::Ge => o != Ordering::Less,
        }
    }
}

/// An IP network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    #[inline]
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix as u32)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix as u32)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug)]
enum Set {
    U64(Box<[u64]>),
    Str(Box<[Box<[u8]>]>),
    Bool { t: bool, f: bool },
    Ip(Box<[IpAddr]>),
    Net(Box<[Net]>),
}

impl Set {
    #[inline]
    fn contains(&self, v: ValueRef) -> bool {
        match (self, v) {
            (Set::U64(s), ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x)) => {
                s.binary_search(&x).is_ok()
            }
            (Set::Str(s), ValueRef::Str(x)) => s.binary_search_by(|e| (**e).cmp(x)).is_ok(),
            (Set::Bool { t, f }, ValueRef::Bool(b)) => {
                if b {
                    *t
                } else {
                    *f
                }
            }
            (Set::Ip(s), ValueRef::IpAddr(a) | ValueRef::IpNet(a)) => s.contains(&a),
            (Set::Net(s), ValueRef::IpAddr(a) | ValueRef::IpNet(a)) => {
                s.iter().any(|n| n.contains(a))
            }
            _ => false,
        }
    }
}

/// A test on one value.
#[derive(Debug)]
enum Test {
    Num(Ord6, u64),
    /// A signed 16-bit comparison (`evt.cpu`).
    NumI16(Ord6, i16),
    /// A signed 64-bit comparison ([`PrintFormat::SignedDec`] fields).
    NumI64(Ord6, i64),
    Bool {
        rhs: bool,
        ne: bool,
    },
    StrOrd(Ord6, Box<[u8]>),
    Contains(Box<memmem::Finder<'static>>),
    IContains(Box<[u8]>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    Glob(Glob),
    Regex(AnchoredRegex),
    PMatch(PathSet),
    Ip {
        rhs: IpAddr,
        ne: bool,
    },
    Net {
        rhs: Net,
        ne: bool,
    },
    In(Set),
}

fn icontains(hay: &[u8], lower_needle: &[u8]) -> bool {
    if lower_needle.is_empty() {
        return true;
    }
    if hay.len() < lower_needle.len() {
        return false;
    }
    let first = lower_needle[0];
    (0..=hay.len() - lower_needle.len()).any(|i| {
        hay[i].to_ascii_lowercase() == first
            && hay[i + 1..i + lower_needle.len()]
                .iter()
                .zip(&lower_needle[1..])
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

impl Test {
    /// Takes the value by reference: a row's value is read in place, field by field (a copy of
    /// the whole enum, written field by field a moment before, stalls the store buffer).
    #[inline]
    fn eval(&self, v: &ValueRef) -> bool {
        match (self, v) {
            (Test::Num(op, rhs), ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x)) => op.test(x.cmp(rhs)),
            (Test::NumI16(op, rhs), ValueRef::U64(x)) => op.test((*x as u16 as i16).cmp(rhs)),
            (Test::NumI64(op, rhs), ValueRef::U64(x)) => op.test((*x as i64).cmp(rhs)),
            (Test::Bool { rhs, ne }, ValueRef::Bool(b)) => (b == rhs) != *ne,
            (Test::StrOrd(op, rhs), ValueRef::Str(s)) => op.test((*s).cmp(&rhs[..])),
            (Test::Contains(f), ValueRef::Str(s)) => f.find(s).is_some(),
            (Test::IContains(n), ValueRef::Str(s)) => icontains(s, n),
            (Test::StartsWith(p), ValueRef::Str(s)) => s.starts_with(p),
            (Test::EndsWith(p), ValueRef::Str(s)) => s.ends_with(p),
            (Test::Glob(g), ValueRef::Str(s)) => g.matches(s),
            (Test::Regex(r), ValueRef::Str(s)) => r.matches(s),
            (Test::PMatch(p), ValueRef::Str(s)) => p.matches(s),
            (Test::Ip { rhs, ne }, ValueRef::IpAddr(a) | ValueRef::IpNet(a)) => (a == rhs) != *ne,
            (Test::Net { rhs, ne }, ValueRef::IpAddr(a) | ValueRef::IpNet(a)) => rhs.contains(*a) != *ne,
            (Test::In(set), v) => set.contains(*v),
            _ => false,
        }
    }
}

#[derive(Debug)]
enum CheckKind {
    Exists,
    /// The (first) value passes the test.
    Single(Test),
    /// Every value of the list is in the set (and there is one).
    ListIn(Set),
    /// One value of the list is in the set.
    ListIntersects(Set),
    Modifier(Modifier, Box<[Test]>),
    /// A value gives this answer whatever it is (see the ipnet modifiers in `check`).
    Present(bool),
    /// `val(field)`: compare with another field's values.
    Field {
        op: Op,
        rhs: u32,
        lhs_list: bool,
    },
    /// A transformer on the right-hand side: compare with its values.
    XField {
        op: Op,
        rhs: Box<XExpr>,
        lhs_list: bool,
    },
}

/// A check whose left-hand side is a transformer.
#[derive(Debug)]
struct XCheckNode {
    lhs: XExpr,
    kind: CheckKind,
}

#[derive(Debug)]
struct CheckNode {
    field: u32,
    kind: CheckKind,
}

#[derive(Debug)]
enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Check(CheckNode),
    /// Kept apart so that checks on plain fields stay as small and direct as they were.
    XCheck(Box<XCheckNode>),
}

/// A compiled condition.
#[derive(Debug)]
pub struct CompiledFilter {
    root: Node,
    fields: Vec<RequiredField>,
}

impl CompiledFilter {
    /// The distinct fields the filter reads, in order of first use.
    pub fn fields(&self) -> &[RequiredField] {
        &self.fields
    }

    /// Evaluates the filter on one event's values.
    /// Generic, so that a concrete row's `get` is inlined into the checks (a value returned
    /// through a trait object costs the hot loop a store-forwarding stall per check).
    pub fn matches<V: FieldValues>(&self, values: &V) -> bool {
        eval(&self.root, values)
    }
}

fn eval<V: FieldValues>(n: &Node, vals: &V) -> bool {
    match n {
        Node::And(c) => c.iter().all(|n| eval(n, vals)),
        Node::Or(c) => c.iter().any(|n| eval(n, vals)),
        Node::Not(n) => !eval(n, vals),
        Node::Check(c) => eval_check(c, vals),
        Node::XCheck(c) => eval_xcheck(c, vals as &dyn FieldValues),
    }
}

/// Out of line and cold, so that the transformer path does not weigh on the plain checks.
#[cold]
#[inline(never)]
fn eval_xcheck(c: &XCheckNode, vals: &dyn FieldValues) -> bool {
    match c.lhs.eval(vals) {
        // no value (or a transformer failed, e.g. invalid base64): false, `exists` included
        None => false,
        // an empty transformed list (`tolower(())`) is a value, unlike a plugin's empty list:
        // it exists, and is `in` any set (every one of its values is)
        Some(XVal::Strs(l)) if l.is_empty() => match &c.kind {
            CheckKind::Exists | CheckKind::ListIn(_) => true,
            CheckKind::Field {
                op: Op::In, rhs, ..
            } => vals.get(*rhs).is_present(),
            CheckKind::XField {
                op: Op::In, rhs, ..
            } => rhs.eval(vals).is_some(),
            _ => false,
        },
        Some(v) => v.with_field_value(|v| eval_kind(&c.kind, v, &vals)),
    }
}

#[inline]
fn eval_check<V: FieldValues>(c: &CheckNode, vals: &V) -> bool {
    eval_kind(&c.kind, vals.get(c.field), vals)
}

#[inline]
fn eval_kind<V: FieldValues>(kind: &CheckKind, v: FieldValue, vals: &V) -> bool {
    match kind {
        CheckKind::Single(t) => match &v {
            FieldValue::One(x) => t.eval(x),
            _ => v.first().is_some_and(|x| t.eval(&x)),
        },
        CheckKind::Exists => v.is_present(),
        CheckKind::ListIn(set) => {
            let n = v.len();
            n > 0 && (0..n).all(|i| v.get(i).is_some_and(|x| set.contains(x)))
        }
        CheckKind::ListIntersects(set) => {
            (0..v.len()).any(|i| v.get(i).is_some_and(|x| set.contains(x)))
        }
        CheckKind::Present(answer) => *answer && v.is_present(),
        CheckKind::Modifier(m, tests) => {
            let Some(x) = v.first() else { return false };
            if tests.is_empty() {
                return false;
            }
            match m {
                Modifier::AnyOf => tests.iter().any(|t| t.eval(&x)),
                Modifier::AllOf => tests.iter().all(|t| t.eval(&x)),
                Modifier::OneOf => {
                    let mut hits = 0;
                    for t in tests.iter() {
                        if t.eval(&x) {
                            hits += 1;
                            if hits > 1 {
                                return false;
                            }
                        }
                    }
                    hits == 1
                }
            }
        }
        CheckKind::Field { op, rhs, lhs_list } => {
            if !v.is_present() {
                return false;
            }
            let r = vals.get(*rhs);
            if !r.is_present() {
                return false;
            }
            eval_field_cmp(*op, *lhs_list, v, r)
        }
        CheckKind::XField { op, rhs, lhs_list } => eval_xfield(*op, rhs, *lhs_list, v, vals as &dyn FieldValues),
    }
}

#[inline(never)]
fn eval_xfield(op: Op, rhs: &XExpr, lhs_list: bool, v: FieldValue, vals: &dyn FieldValues) -> bool {
    if !v.is_present() {
        return false;
    }
    match rhs.eval(vals) {
        None => false,
        // `in`/`intersects` compare the raw values, where those of tolower() & co. end with
        // their NUL (see `transform.rs`)
        Some(r) => r.with_raw_value(|r| r.is_present() && eval_field_cmp(op, lhs_list, v, r)),
    }
}

/// Whether `x` is one of the values of `r` (libsinsp compares the raw bytes).
fn member(x: ValueRef, r: &FieldValue) -> bool {
    (0..r.len()).any(|i| r.get(i).is_some_and(|y| same_value(x, y)))
}

fn same_value(a: ValueRef, b: ValueRef) -> bool {
    match (a, b) {
        (
            ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x),
            ValueRef::U64(y) | ValueRef::RelTime(y) | ValueRef::AbsTime(y),
        ) => x == y,
        (ValueRef::Str(x), ValueRef::Str(y)) => x == y,
        (ValueRef::Bool(x), ValueRef::Bool(y)) => x == y,
        (ValueRef::IpAddr(x) | ValueRef::IpNet(x), ValueRef::IpAddr(y) | ValueRef::IpNet(y)) => {
            x == y
        }
        _ => false,
    }
}

fn eval_field_cmp(op: Op, lhs_list: bool, l: FieldValue, r: FieldValue) -> bool {
    match op {
        Op::In | Op::Intersects if lhs_list => {
            let n = l.len();
            if op == Op::In {
                (0..n).all(|i| l.get(i).is_some_and(|x| member(x, &r)))
            } else {
                (0..n).any(|i| l.get(i).is_some_and(|x| member(x, &r)))
            }
        }
        Op::In | Op::Intersects => l.first().is_some_and(|x| member(x, &r)),
        _ => {
            let (Some(a), Some(b)) = (l.first(), r.first()) else {
                return false;
            };
            dyn_compare(op, a, b)
        }
    }
}

/// One comparison with a right-hand side known only at run time (`val()`).
fn dyn_compare(op: Op, a: ValueRef, b: ValueRef) -> bool {
    match (a, b) {
        (
            ValueRef::U64(x) | ValueRef::RelTime(x) | ValueRef::AbsTime(x),
            ValueRef::U64(y) | ValueRef::RelTime(y) | ValueRef::AbsTime(y),
        ) => Ord6::of(op).is_some_and(|o| o.test(x.cmp(&y))),
        (ValueRef::Bool(x), ValueRef::Bool(y)) => match op {
            Op::Eq => x == y,
            Op::Ne => x != y,
            _ => false,
        },
        (ValueRef::IpAddr(x) | ValueRef::IpNet(x), ValueRef::IpAddr(y) | ValueRef::IpNet(y)) => {
            match op {
                Op::Eq => x == y,
                Op::Ne => x != y,
                _ => false,
            }
        }
        // the other operators compare C strings (`flt_compare_string`)
        (ValueRef::Str(s), ValueRef::Str(t)) => {
            let (s, t) = (cstr(s), cstr(t));
            match op {
                Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    Ord6::of(op).unwrap().test(s.cmp(t))
                }
                Op::Contains => memmem::find(s, t).is_some(),
                Op::IContains => icontains(s, &t.to_ascii_lowercase()),
                Op::StartsWith => s.starts_with(t),
                Op::EndsWith => s.ends_with(t),
                Op::Glob => Glob::new(t, false).matches(s),
                Op::IGlob => Glob::new(t, true).matches(s),
                _ => false,
            }
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// compilation

/// Compiles an expanded condition (no macro or list references left) parsed from the text
/// named `filter`.
pub fn compile(expr: &Expr, resolver: &dyn FieldResolver) -> Result<CompiledFilter, FilterError> {
    compile_named(expr, resolver, "filter")
}

/// Like [`compile`], naming the top-level text `source_name` in errors.
pub fn compile_named(
    expr: &Expr,
    resolver: &dyn FieldResolver,
    source_name: &str,
) -> Result<CompiledFilter, FilterError> {
    let mut c = Compiler {
        resolver,
        top: source_name,
        fields: Vec::new(),
    };
    let root = c.node(expr)?;
    Ok(CompiledFilter {
        root,
        fields: c.fields,
    })
}

/// Parses, expands (when `defs` is given) and compiles a condition.
pub fn compile_filter(
    text: &str,
    defs: Option<&crate::Definitions>,
    resolver: &dyn FieldResolver,
) -> Result<CompiledFilter, FilterError> {
    let ast = crate::parse(text)?;
    let ast = match defs {
        Some(d) => d.expand(&ast)?,
        None => ast,
    };
    compile(&ast, resolver)
}

struct Compiler<'a> {
    resolver: &'a dyn FieldResolver,
    top: &'a str,
    fields: Vec<RequiredField>,
}

/// The type of a transformer's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct XType {
    pub ty: FieldType,
    pub is_list: bool,
    /// The print format the result is shown with: the transformed field's (see
    /// [`PrintFormat::NotApplicable`]).
    pub print: PrintFormat,
}

/// A compiled transformer argument.
enum Arg {
    Field {
        id: u32,
        ty: FieldType,
        is_list: bool,
        print: PrintFormat,
        int16: bool,
        name: String,
        pos: Pos,
    },
    X {
        expr: XExpr,
        t: XType,
        name: String,
        pos: Pos,
    },
    /// A quoted string or a number: libsinsp makes it a constant string (`rawstring_check`).
    Const(Box<[u8]>, Pos),
    /// `( ... )`: a list of strings (`list_check`).
    List { items: Vec<Arg>, pos: Pos },
}

impl Arg {
    /// The print format a transformer applied to this argument keeps.
    fn print(&self) -> PrintFormat {
        match self {
            Arg::Field { print, .. } => *print,
            Arg::X { t, .. } => t.print,
            Arg::Const(..) | Arg::List { .. } => PrintFormat::NotApplicable,
        }
    }

    fn ty(&self) -> (FieldType, bool) {
        match self {
            Arg::Field { ty, is_list, .. } => (*ty, *is_list),
            Arg::X { t, .. } => (t.ty, t.is_list),
            Arg::Const(..) => (FieldType::String, false),
            Arg::List { .. } => (FieldType::String, true),
        }
    }

    fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::X { pos, .. }
            | Arg::Const(_, pos)
            | Arg::List { pos, .. } => *pos,
        }
    }

    fn describe(&self) -> String {
        let (ty, list) = self.ty();
        let list = if list { " (list)" } else { "" };
        match self {
            Arg::Field { name, .. } => format!("field '{name}' of type {}{list}", ty.name()),
            Arg::X { name, .. } => format!("'{name}' of type {}{list}", ty.name()),
            Arg::Const(..) => "a constant string".into(),
            Arg::List { .. } => "a transformer list '(...)'".into(),
        }
    }
}

fn operand_pos(o: &Operand) -> Pos {
    match o {
        Operand::Field(f) => f.pos,
        Operand::Transformer { pos, .. } => *pos,
    }
}

/// A transformer compiled on its own, for output formats (`%tolower(proc.name)`).
#[derive(Clone, Debug)]
pub(crate) struct CompiledTransformer {
    expr: XExpr,
    print: PrintFormat,
}

impl CompiledTransformer {
    /// The value as output shows it: a number without a print format has no text.
    pub(crate) fn eval_for_output<'a>(&'a self, vals: &'a dyn FieldValues) -> Option<XVal<'a>> {
        match self.expr.eval(vals)? {
            XVal::U64(_) if self.print == PrintFormat::NotApplicable => None,
            v => Some(v),
        }
    }

    pub(crate) fn print(&self) -> PrintFormat {
        self.print
    }
}

/// Compiles the transformer `o` (not `val()`) of the text named `source_name`.
pub(crate) fn compile_transformer(
    o: &Operand,
    resolver: &dyn FieldResolver,
    source_name: &str,
) -> Result<CompiledTransformer, FilterError> {
    let mut c = Compiler {
        resolver,
        top: source_name,
        fields: Vec::new(),
    };
    let (expr, t) = c.transformer(o, &None)?;
    Ok(CompiledTransformer {
        expr,
        print: t.print,
    })
}

fn type_family(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Uint64
        | FieldType::Reltime
        | FieldType::Abstime
        | FieldType::Int64
        | FieldType::Float => "numeric",
        FieldType::String => "string",
        FieldType::Bool => "boolean",
        FieldType::Ipaddr | FieldType::Ipnet => "ip address and network",
    }
}

fn comparable(op: Op, ty: FieldType, is_list: bool) -> bool {
    use Op::*;
    if op == Exists {
        return true;
    }
    if is_list {
        return matches!(op, In | Intersects);
    }
    match ty {
        FieldType::Uint64 | FieldType::Reltime | FieldType::Abstime => {
            matches!(op, Eq | Ne | Lt | Le | Gt | Ge | In | Intersects)
        }
        FieldType::Bool | FieldType::Ipaddr | FieldType::Ipnet => {
            matches!(op, Eq | Ne | In | Intersects)
        }
        FieldType::String => !matches!(op, BContains | BStartsWith),
        FieldType::Int64 | FieldType::Float => false,
    }
}

/// A field's argument as libsinsp's field checks read it: the compiler hands them the text
/// `name[arg]`, which a plugin field cuts at its first space (then finds no `]`: an error) and
/// whose argument ends at the first `]` (`'a]b'` is `a`).
pub(crate) fn field_arg(f: &FieldRef) -> Result<Option<&str>, String> {
    match f.arg.as_deref() {
        Some(a) if a.contains(' ') => Err(format!(
            "filter '{}[{}': {} has unbalanced argument brackets (libsinsp cuts a field at its first blank)",
            f.name,
            a.split(' ').next().unwrap_or(""),
            f.name
        )),
        Some(a) => Ok(Some(a.split(']').next().unwrap_or(a))),
        None => Ok(None),
    }
}

/// Resolves a field with its argument read as libsinsp does ([`field_arg`]).
pub(crate) fn resolve_field(
    resolver: &dyn FieldResolver,
    f: &FieldRef,
) -> Result<ResolvedField, String> {
    resolver.resolve(&f.name, field_arg(f)?, f.pos)
}

/// libsinsp's `parseu64`: `sscanf(s, "%lu%c") == 1`.
pub(crate) fn parse_u64_c(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = 0;
    for b in digits.bytes() {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add((b - b'0') as u64))
        {
            Some(x) => v = x,
            None => return Some(u64::MAX),
        }
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// C's `strtol` on the whole text (what `sscanf("%d%c") == 1` accepts): blanks, a sign, digits;
/// out of range saturates.
fn parse_i64_c(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = (v * 10 + (b - b'0') as i128).min(i64::MAX as i128 + 1);
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// libsinsp's `parsed16`: `sscanf("%d%c") == 1` into an int, cut to 16 bits.
pub(crate) fn parse_i16_c(s: &str) -> Option<i16> {
    parse_i64_c(s).map(|v| v as i32 as i16)
}

/// libsinsp's `parseu8`: `sscanf("%u%c") == 1` into an unsigned int, cut to 8 bits (`288` is 32).
fn parse_u8_c(s: &str) -> Option<u8> {
    parse_u64_c(s).map(|v| v as u32 as u8)
}

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    if s.contains('.') {
        s.parse::<std::net::Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| format!("unrecognized IPv4 address {s}"))
    } else {
        s.parse::<std::net::Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| format!("unrecognized IPv6 address {s}"))
    }
}

/// A network constant as libsinsp reads one (`value_parser.cpp`, `ipv6net::init`): with a `.`
/// an IPv4 `addr/len` (len 0 to 32), else an IPv6 `addr/len` (len 1 to 128); the length is read
/// as `parseu8` does (`/288` is `/32`).
fn parse_net(s: &str) -> Result<Net, String> {
    let v4 = s.contains('.');
    let Some((ip, mask)) = s.split_once('/') else {
        return Err(if v4 {
            format!("unrecognized IP network {s} (expected address/prefix-length)")
        } else {
            format!("invalid v6 netmask: {s} (expected address/prefix-length)")
        });
    };
    let bad_mask = || {
        if v4 {
            format!("invalid netmask {mask}")
        } else {
            format!("invalid v6 netmask {mask}")
        }
    };
    let addr = if v4 {
        IpAddr::V4(
            ip.parse::<std::net::Ipv4Addr>()
                .map_err(|_| format!("unrecognized IP address {s}"))?,
        )
    } else {
        IpAddr::V6(
            ip.parse::<std::net::Ipv6Addr>()
                .map_err(|_| format!("unrecognized IPv6 address {s}"))?,
        )
    };
    let prefix = parse_u8_c(mask).ok_or_else(|| format!("{mask} is not a valid number"))?;
    if v4 && prefix > 32 || !v4 && (prefix == 0 || prefix > 128) {
        return Err(bad_mask());
    }
    Ok(Net { addr, prefix })
}

impl<'a> Compiler<'a> {
    fn err(
        &self,
        origin: &Option<Arc<Origin>>,
        kind: ErrorKind,
        pos: Pos,
        msg: impl Into<String>,
    ) -> FilterError {
        error_in(origin, self.top, kind, pos, msg)
    }

    fn node(&mut self, e: &Expr) -> Result<Node, FilterError> {
        Ok(match &e.kind {
            ExprKind::And(c) => {
                Node::And(c.iter().map(|x| self.node(x)).collect::<Result<_, _>>()?)
            }
            ExprKind::Or(c) => Node::Or(c.iter().map(|x| self.node(x)).collect::<Result<_, _>>()?),
            ExprKind::Not(x) => Node::Not(Box::new(self.node(x)?)),
            ExprKind::Macro(m) => {
                return Err(self.err(
                    &e.origin,
                    ErrorKind::UndefinedMacro,
                    e.pos,
                    format!("undefined macro '{m}'"),
                ))
            }
            ExprKind::Check(c) => self.check(c, &e.origin)?,
        })
    }

    fn field(
        &mut self,
        f: &FieldRef,
        origin: &Option<Arc<Origin>>,
    ) -> Result<ResolvedField, FilterError> {
        let r = resolve_field(self.resolver, f)
            .map_err(|m| self.err(origin, ErrorKind::Field, f.pos, m))?;
        if !self.fields.iter().any(|x| x.id == r.id) {
            self.fields.push(RequiredField {
                id: r.id,
                name: f.name.clone(),
                arg: field_arg(f).ok().flatten().map(str::to_string),
                ty: r.ty,
                is_list: r.is_list,
            });
        }
        Ok(r)
    }

    /// A compiled operand: a field, or a transformer with the type of its result.
    fn operand(
        &mut self,
        o: &Operand,
        origin: &Option<Arc<Origin>>,
    ) -> Result<(ResolvedField, Option<XExpr>), FilterError> {
        match o {
            Operand::Field(f) => Ok((self.field(f, origin)?, None)),
            // val() is the identity (libsinsp drops it when compiling)
            Operand::Transformer {
                name, args, pos, ..
            } if name == "val" => match args.as_slice() {
                [TransformerArg::Operand(Operand::Field(f))] => Ok((self.field(f, origin)?, None)),
                // only a hand-built syntax tree gets here: the parser requires one field
                _ => Err(self.err(
                    origin,
                    ErrorKind::Syntax,
                    *pos,
                    "val() takes exactly one field",
                )),
            },
            Operand::Transformer { .. } => {
                let (e, t) = self.transformer(o, origin)?;
                // the id is never read: the check evaluates the expression
                Ok((ResolvedField::new(u32::MAX, t.ty, t.is_list), Some(e)))
            }
        }
    }

    fn check(&mut self, c: &Check, origin: &Option<Arc<Origin>>) -> Result<Node, FilterError> {
        let (lhs, lx) = self.operand(&c.lhs, origin)?;
        let fname = c.lhs.to_string();
        // the operator is checked against the transformer's output type (`len(f) > 3`)
        if !comparable(c.op, lhs.ty, lhs.is_list) {
            let what = if lhs.is_list {
                "list".to_string()
            } else {
                type_family(lhs.ty).to_string()
            };
            let hint = if lhs.is_list {
                " (list fields support 'in', 'intersects' and 'exists')"
            } else {
                ""
            };
            return Err(self.err(
                origin,
                ErrorKind::Operator,
                c.op_pos,
                format!(
                    "'{}' operator not supported for {what} filters: field '{fname}' has type {}{}{hint}",
                    c.op,
                    lhs.ty.name(),
                    if lhs.is_list { " (list)" } else { "" }
                ),
            ));
        }
        if c.modifier.is_some() && !c.op.takes_modifier() {
            return Err(self.err(
                origin,
                ErrorKind::Syntax,
                c.op_pos,
                format!("operator '{}' does not take a list modifier", c.op),
            ));
        }
        let kind = match (&c.rhs, c.modifier) {
            _ if c.op == Op::Exists => CheckKind::Exists,
            (Rhs::None, _) => {
                return Err(self.err(
                    origin,
                    ErrorKind::Syntax,
                    c.op_pos,
                    format!("operator '{}' needs a right-hand side", c.op),
                ))
            }
            (Rhs::Operand(o), _) => {
                if matches!(c.op, Op::PMatch | Op::Regex) {
                    return Err(self.err(
                        origin,
                        ErrorKind::Operator,
                        c.op_pos,
                        format!("operator '{}' doesn't support right-hand side fields", c.op),
                    ));
                }
                if lhs.ty == FieldType::Ipnet {
                    return Err(self.err(
                        origin,
                        ErrorKind::Operator,
                        c.op_pos,
                        "field type 'ipnet' doesn't support right-hand side fields",
                    ));
                }
                let (rhs, rx) = self.operand(o, origin)?;
                // libsinsp compares the transformed types of both sides
                // (`check_rhs_field_type_consistency`)
                if rhs.ty != lhs.ty || rhs.is_list != lhs.is_list || rhs.int16 != lhs.int16 {
                    let (rname, rpos) = match o {
                        Operand::Transformer { name, args, .. } if name == "val" => {
                            match args.first() {
                                Some(TransformerArg::Operand(f)) => (f.to_string(), operand_pos(f)),
                                _ => (o.to_string(), operand_pos(o)),
                            }
                        }
                        _ => (o.to_string(), operand_pos(o)),
                    };
                    return Err(self.err(
                        origin,
                        ErrorKind::Operator,
                        rpos,
                        format!(
                            "field '{fname}' has type '{}' while the right-hand side field '{rname}' has incompatible type '{}'",
                            lhs.type_name(),
                            rhs.type_name()
                        ),
                    ));
                }
                match rx {
                    None => CheckKind::Field {
                        op: c.op,
                        rhs: rhs.id,
                        lhs_list: lhs.is_list,
                    },
                    Some(e) => CheckKind::XField {
                        op: c.op,
                        rhs: Box::new(e),
                        lhs_list: lhs.is_list,
                    },
                }
            }
            (Rhs::ListRef { name, pos }, _) => {
                return Err(self.err(
                    origin,
                    ErrorKind::UndefinedList,
                    *pos,
                    format!("undefined list '{name}'"),
                ))
            }
            (Rhs::List { items, .. }, Some(m)) => {
                let tests = items
                    .iter()
                    .map(|v| self.test(c.op, lhs, v, origin))
                    .collect::<Result<Vec<_>, _>>()?;
                // libsinsp reads `= anyof` as membership and `!= allof` as non-membership of
                // the raw values, where an ipnet field's value never equals a network
                // constant: always false and always true (checked with sinsp-example)
                match (lhs.ty, m, c.op) {
                    (FieldType::Ipnet, Modifier::AnyOf, Op::Eq) if !tests.is_empty() => {
                        CheckKind::Present(false)
                    }
                    (FieldType::Ipnet, Modifier::AllOf, Op::Ne) if !tests.is_empty() => {
                        CheckKind::Present(true)
                    }
                    _ => CheckKind::Modifier(m, tests.into_boxed_slice()),
                }
            }
            (Rhs::List { items, pos }, None) => {
                if c.op == Op::PMatch {
                    let paths = items
                        .iter()
                        .map(|v| self.str_value(v, origin))
                        .collect::<Result<Vec<_>, _>>()?;
                    CheckKind::Single(Test::PMatch(PathSet::new(paths)))
                } else {
                    let set = self.set(lhs, items, origin)?;
                    match (lhs.is_list, c.op) {
                        (true, Op::In) => CheckKind::ListIn(set),
                        (true, _) => CheckKind::ListIntersects(set),
                        (false, Op::In | Op::Intersects) => CheckKind::Single(Test::In(set)),
                        _ => {
                            return Err(self.err(
                                origin,
                                ErrorKind::Syntax,
                                *pos,
                                format!("operator '{}' does not take a list", c.op),
                            ))
                        }
                    }
                }
            }
            (Rhs::Value(v), _) => {
                if matches!(c.op, Op::In | Op::Intersects | Op::PMatch) {
                    // only reachable from a hand-built AST: treat a single value as a list of one
                    let items = std::slice::from_ref(v);
                    let set = self.set(lhs, items, origin)?;
                    if c.op == Op::PMatch {
                        CheckKind::Single(Test::PMatch(PathSet::new([self.str_value(v, origin)?])))
                    } else if lhs.is_list {
                        if c.op == Op::In {
                            CheckKind::ListIn(set)
                        } else {
                            CheckKind::ListIntersects(set)
                        }
                    } else {
                        CheckKind::Single(Test::In(set))
                    }
                } else {
                    CheckKind::Single(self.test(c.op, lhs, v, origin)?)
                }
            }
        };
        if lx.is_none() && c.op != Op::Exists {
            let values = match &c.rhs {
                Rhs::Value(v) => std::slice::from_ref(v),
                Rhs::List { items, .. } => items.as_slice(),
                _ => &[],
            };
            for v in values {
                self.resolver
                    .validate_value(lhs.id, &v.text)
                    .map_err(|m| self.err(origin, ErrorKind::Value, v.pos, m))?;
            }
        }
        Ok(match lx {
            None => Node::Check(CheckNode {
                field: lhs.id,
                kind,
            }),
            Some(lhs) => Node::XCheck(Box::new(XCheckNode { lhs, kind })),
        })
    }

    /// Compiles a transformer (not `val()`) and gives the type of its result. Type errors
    /// name the transformer's column.
    fn transformer(
        &mut self,
        o: &Operand,
        origin: &Option<Arc<Origin>>,
    ) -> Result<(XExpr, XType), FilterError> {
        let Operand::Transformer {
            name,
            pos,
            args,
            arg,
        } = o
        else {
            unreachable!("called on transformers only")
        };
        let pos = *pos;
        if name == "getopt" {
            return Err(self.err(
                origin,
                ErrorKind::Unsupported,
                pos,
                "the field transformer 'getopt()' is not supported: its results changed between \
                 recent libsinsp versions (options after the first non-option, unknown options, \
                 a missing option argument, the [opt] selector), so there is no settled behaviour \
                 to reproduce",
            ));
        }
        if arg.is_some() {
            return Err(self.err(
                origin,
                ErrorKind::Syntax,
                pos,
                format!("transformer '{name}' does not support field arguments"),
            ));
        }
        // concat() and join() results are libsinsp checks of their own, without a print format
        let string = XType {
            ty: FieldType::String,
            is_list: false,
            print: PrintFormat::NotApplicable,
        };
        match name.as_str() {
            "tolower" | "toupper" | "b64" | "basename" | "len" => {
                let [a] = args.as_slice() else {
                    return Err(self.err(
                        origin,
                        ErrorKind::Syntax,
                        pos,
                        format!("{name}() takes exactly one argument"),
                    ));
                };
                let a = self.arg(a, origin)?;
                let (ty, is_list) = a.ty();
                let print = a.print();
                if name == "len" {
                    // a list of any type (its size), or a string (its length)
                    let e = match (&a, is_list, ty) {
                        (Arg::Field { id, .. }, true, _) => XExpr::Count(*id),
                        (_, true, _) | (_, false, FieldType::String) => {
                            XExpr::Len(Box::new(self.string_input(a, name, pos, origin)?))
                        }
                        _ => return Err(self.type_error(&a, name, pos, origin)),
                    };
                    return Ok((
                        e,
                        XType {
                            ty: FieldType::Uint64,
                            is_list: false,
                            print,
                        },
                    ));
                }
                if ty != FieldType::String {
                    return Err(self.type_error(&a, name, pos, origin));
                }
                let inner = Box::new(self.string_input(a, name, pos, origin)?);
                let e = match name.as_str() {
                    "tolower" => XExpr::Lower(inner),
                    "toupper" => XExpr::Upper(inner),
                    "b64" => XExpr::B64(inner),
                    _ => XExpr::Basename(inner),
                };
                // the type (and list-ness) and print format of the input are kept
                Ok((e, XType { ty, is_list, print }))
            }
            "concat" => {
                if args.len() < 2 {
                    return Err(self.err(
                        origin,
                        ErrorKind::Syntax,
                        pos,
                        "concat() requires at least 2 arguments",
                    ));
                }
                let mut parts = Vec::with_capacity(args.len());
                for a in args {
                    let a = self.arg(a, origin)?;
                    if a.ty() != (FieldType::String, false) {
                        return Err(self.err(
                            origin,
                            ErrorKind::Operator,
                            a.pos(),
                            format!("concat() arguments must be strings, not {}", a.describe()),
                        ));
                    }
                    parts.push(self.string_input(a, name, pos, origin)?);
                }
                Ok((XExpr::Concat(parts.into()), string))
            }
            "join" => {
                let [sep, list] = args.as_slice() else {
                    return Err(self.err(
                        origin,
                        ErrorKind::Syntax,
                        pos,
                        "join() requires exactly 2 arguments: separator and list",
                    ));
                };
                let sep = self.arg(sep, origin)?;
                match sep.ty() {
                    (_, true) => {
                        return Err(self.err(
                            origin,
                            ErrorKind::Operator,
                            sep.pos(),
                            format!(
                                "join() first argument (separator) must be a single value, not {}",
                                sep.describe()
                            ),
                        ))
                    }
                    // libsinsp takes any separator's raw bytes; only strings read as text
                    (FieldType::String, false) => {}
                    _ => {
                        return Err(self.err(
                            origin,
                            ErrorKind::Operator,
                            sep.pos(),
                            format!("join() separator must be a string, not {}", sep.describe()),
                        ))
                    }
                }
                let sep = self.string_input(sep, name, pos, origin)?;
                let list = self.arg(list, origin)?;
                let list = match list {
                    Arg::List { items, .. } => XExpr::List(
                        items
                            .into_iter()
                            .map(|it| self.list_item(it, origin))
                            .collect::<Result<Vec<_>, _>>()?
                            .into(),
                    ),
                    a if a.ty() == (FieldType::String, true) => {
                        self.string_input(a, name, pos, origin)?
                    }
                    a if a.ty().1 => {
                        // libsinsp appends each value's raw bytes as a C string
                        return Err(self.err(
                            origin,
                            ErrorKind::Operator,
                            a.pos(),
                            format!("join() joins lists of strings, not {}", a.describe()),
                        ));
                    }
                    a => {
                        return Err(self.err(
                            origin,
                            ErrorKind::Operator,
                            a.pos(),
                            format!(
                                "join() second argument must be a list, not {}",
                                a.describe()
                            ),
                        ))
                    }
                };
                Ok((XExpr::Join(Box::new(sep), Box::new(list)), string))
            }
            "val" => Err(self.err(
                origin,
                ErrorKind::Syntax,
                pos,
                "val() takes a field and compares it as is; it cannot be nested in a transformer",
            )),
            _ => Err(self.err(
                origin,
                ErrorKind::Unsupported,
                pos,
                format!("unknown field transformer '{name}()'"),
            )),
        }
    }

    /// A transformer argument, compiled but not yet converted to what the transformer reads.
    fn arg(
        &mut self,
        a: &TransformerArg,
        origin: &Option<Arc<Origin>>,
    ) -> Result<Arg, FilterError> {
        Ok(match a {
            TransformerArg::Operand(Operand::Field(f)) => {
                let r = self.field(f, origin)?;
                Arg::Field {
                    id: r.id,
                    ty: r.ty,
                    is_list: r.is_list,
                    print: r.print,
                    int16: r.int16,
                    name: f.to_string(),
                    pos: f.pos,
                }
            }
            TransformerArg::Operand(o) => {
                let (expr, t) = self.transformer(o, origin)?;
                Arg::X {
                    expr,
                    t,
                    name: o.to_string(),
                    pos: operand_pos(o),
                }
            }
            TransformerArg::Str(v) => Arg::Const(v.text.as_bytes().into(), v.pos),
            TransformerArg::List { items, pos } => Arg::List {
                items: items
                    .iter()
                    .map(|x| self.arg(x, origin))
                    .collect::<Result<_, _>>()?,
                pos: *pos,
            },
        })
    }

    /// A string (or list of strings) argument as a transformer input.
    fn string_input(
        &self,
        a: Arg,
        name: &str,
        pos: Pos,
        origin: &Option<Arc<Origin>>,
    ) -> Result<XExpr, FilterError> {
        match a {
            // `tolower(("A", f))`, `len((a, b))`: libsinsp's list check
            Arg::List { items, .. } => Ok(XExpr::List(
                items
                    .into_iter()
                    .map(|it| self.list_item(it, origin))
                    .collect::<Result<Vec<_>, _>>()?
                    .into(),
            )),
            Arg::Field {
                id,
                ty: FieldType::String,
                ..
            } => Ok(XExpr::Field(id)),
            Arg::X { expr, t, .. } if t.ty == FieldType::String || t.is_list => Ok(expr),
            Arg::Const(s, _) => Ok(XExpr::Const(s)),
            a => Err(self.type_error(&a, name, pos, origin)),
        }
    }

    /// An item of a transformer list (libsinsp's `list_check`): strings as they are, numbers
    /// as text (`rawnum_check`), string lists flattened.
    fn list_item(&self, a: Arg, origin: &Option<Arc<Origin>>) -> Result<XExpr, FilterError> {
        match a {
            Arg::Field {
                id,
                ty: FieldType::String,
                ..
            } => Ok(XExpr::Field(id)),
            // libsinsp's list check passes its own "numeric types" (uint64 here) through
            // `rawnum_check`: the first value as text. Any other type goes in as its raw bytes,
            // read as a C string: a 16-bit evt.cpu and a 32-bit boolean end within their bytes
            // (`\x01` or empty); wider values (reltime, abstime, addresses, len() results) may
            // have no NUL at all, so libsinsp reads past them: not reproducible, refused.
            Arg::Field {
                id,
                ty: FieldType::Bool,
                ..
            } => Ok(XExpr::BoolBytes(id)),
            Arg::Field {
                id,
                ty: FieldType::Uint64,
                int16: true,
                is_list: false,
                ..
            } => Ok(XExpr::Int16Bytes(id)),
            Arg::Field {
                id,
                ty: FieldType::Uint64,
                int16: false,
                print,
                ..
            } => Ok(XExpr::NumText(id, print)),
            Arg::X { expr, t, .. } if t.ty == FieldType::String => Ok(expr),
            Arg::Const(s, _) => Ok(XExpr::Const(s)),
            a => Err(self.err(
                origin,
                ErrorKind::Operator,
                a.pos(),
                format!(
                    "a transformer list takes strings, uint64 numbers, booleans and constants, not \
                     {} (libsinsp passes its raw bytes, which need not end)",
                    a.describe()
                ),
            )),
        }
    }

    fn type_error(
        &self,
        a: &Arg,
        name: &str,
        pos: Pos,
        origin: &Option<Arc<Origin>>,
    ) -> FilterError {
        let takes = match name {
            "len" => "strings and lists",
            _ => "strings and lists of strings",
        };
        self.err(
            origin,
            ErrorKind::Operator,
            pos,
            format!(
                "can't apply the '{name}' transformer to {}: {name}() takes {takes}",
                a.describe()
            ),
        )
    }

    fn num(&self, v: &Value, origin: &Option<Arc<Origin>>) -> Result<u64, FilterError> {
        parse_u64_c(&v.text).ok_or_else(|| {
            self.err(
                origin,
                ErrorKind::Value,
                v.pos,
                format!("{} is not a valid number", v.text),
            )
        })
    }

    fn num16(&self, v: &Value, origin: &Option<Arc<Origin>>) -> Result<i16, FilterError> {
        parse_i16_c(&v.text).ok_or_else(|| {
            self.err(
                origin,
                ErrorKind::Value,
                v.pos,
                format!("{} is not a valid number", v.text),
            )
        })
    }

    /// A string constant as libsinsp stores it: a C string (up to a NUL from `\x00`) in a
    /// buffer of at most 256 bytes, its NUL included ("filter parameter too long").
    fn str_value<'v>(
        &self,
        v: &'v Value,
        origin: &Option<Arc<Origin>>,
    ) -> Result<&'v [u8], FilterError> {
        let b = cstr(v.text.as_bytes());
        if b.len() + 1 > 256 {
            return Err(self.err(
                origin,
                ErrorKind::Value,
                v.pos,
                format!(
                    "filter parameter too long (used={}, available=256): libsinsp stores a string \
                     value in at most 256 bytes",
                    b.len() + 1
                ),
            ));
        }
        Ok(b)
    }

    fn boolean(&self, v: &Value, origin: &Option<Arc<Origin>>) -> Result<bool, FilterError> {
        match v.text.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.err(
                origin,
                ErrorKind::Value,
                v.pos,
                format!(
                    "unrecognized boolean value {} (expected true or false)",
                    v.text
                ),
            )),
        }
    }

    fn ip(&self, v: &Value, origin: &Option<Arc<Origin>>) -> Result<IpAddr, FilterError> {
        parse_ip(&v.text).map_err(|m| {
            let hint = if v.text.contains('/') {
                " (a network: compare an ipnet field)"
            } else {
                ""
            };
            self.err(origin, ErrorKind::Value, v.pos, format!("{m}{hint}"))
        })
    }

    fn net(&self, v: &Value, origin: &Option<Arc<Origin>>) -> Result<Net, FilterError> {
        parse_net(&v.text).map_err(|m| self.err(origin, ErrorKind::Value, v.pos, m))
    }

    /// The test `field op v` for a single-value operator.
    fn test(
        &self,
        op: Op,
        f: ResolvedField,
        v: &Value,
        origin: &Option<Arc<Origin>>,
    ) -> Result<Test, FilterError> {
        let ord = Ord6::of(op);
        Ok(match f.ty {
            FieldType::Uint64 if f.int16 => Test::NumI16(ord.unwrap(), self.num16(v, origin)?),
            FieldType::Uint64 if f.print == PrintFormat::SignedDec => {
                Test::NumI64(ord.unwrap(), self.num(v, origin)? as i64)
            }
            FieldType::Uint64 | FieldType::Reltime | FieldType::Abstime => {
                Test::Num(ord.unwrap(), self.num(v, origin)?)
            }
            FieldType::Bool => Test::Bool {
                rhs: self.boolean(v, origin)?,
                ne: op == Op::Ne,
            },
            FieldType::Ipaddr => Test::Ip {
                rhs: self.ip(v, origin)?,
                ne: op == Op::Ne,
            },
            FieldType::Ipnet => Test::Net {
                rhs: self.net(v, origin)?,
                ne: op == Op::Ne,
            },
            FieldType::String => {
                let b: Box<[u8]> = self.str_value(v, origin)?.into();
                match op {
                    Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        Test::StrOrd(ord.unwrap(), b)
                    }
                    Op::Contains => Test::Contains(Box::new(memmem::Finder::new(&b).into_owned())),
                    Op::IContains => Test::IContains(b.to_ascii_lowercase().into()),
                    Op::StartsWith => Test::StartsWith(b),
                    Op::EndsWith => Test::EndsWith(b),
                    Op::Glob => Test::Glob(Glob::new(&b, false)),
                    Op::IGlob => Test::Glob(Glob::new(&b, true)),
                    Op::Regex => Test::Regex(
                        AnchoredRegex::new(std::str::from_utf8(&b).unwrap_or_default()).map_err(
                            |m| {
                                self.err(
                                    origin,
                                    ErrorKind::Regex,
                                    v.pos,
                                    format!("invalid regex pattern: {m}"),
                                )
                            },
                        )?,
                    ),
                    Op::PMatch => Test::PMatch(PathSet::new([&b[..]])),
                    Op::In | Op::Intersects => Test::In(Set::Str(vec![b].into())),
                    Op::Exists | Op::BContains | Op::BStartsWith => {
                        unreachable!("refused by comparable()")
                    }
                }
            }
            FieldType::Int64 | FieldType::Float => unreachable!("refused by comparable()"),
        })
    }

    fn set(
        &self,
        f: ResolvedField,
        items: &[Value],
        origin: &Option<Arc<Origin>>,
    ) -> Result<Set, FilterError> {
        Ok(match f.ty {
            FieldType::Uint64 | FieldType::Reltime | FieldType::Abstime => {
                let mut v = items
                    .iter()
                    .map(|x| {
                        if f.int16 {
                            // the value is carried as its 16-bit pattern
                            self.num16(x, origin).map(|n| n as u16 as u64)
                        } else {
                            self.num(x, origin)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                v.sort_unstable();
                v.dedup();
                Set::U64(v.into())
            }
            FieldType::String => {
                let mut v: Vec<Box<[u8]>> = items
                    .iter()
                    .map(|x| self.str_value(x, origin).map(Into::into))
                    .collect::<Result<_, _>>()?;
                v.sort_unstable();
                v.dedup();
                Set::Str(v.into())
            }
            FieldType::Bool => {
                let (mut t, mut fa) = (false, false);
                for x in items {
                    if self.boolean(x, origin)? {
                        t = true;
                    } else {
                        fa = true;
                    }
                }
                Set::Bool { t, f: fa }
            }
            FieldType::Ipaddr => Set::Ip(
                items
                    .iter()
                    .map(|x| self.ip(x, origin))
                    .collect::<Result<Vec<_>, _>>()?
                    .into(),
            ),
            FieldType::Ipnet => Set::Net(
                items
                    .iter()
                    .map(|x| self.net(x, origin))
                    .collect::<Result<Vec<_>, _>>()?
                    .into(),
            ),
            FieldType::Int64 | FieldType::Float => unreachable!("refused by comparable()"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sscanf_numbers() {
        assert_eq!(parse_u64_c("16"), Some(16));
        assert_eq!(parse_u64_c("+8"), Some(8));
        assert_eq!(parse_u64_c(" 8"), Some(8));
        assert_eq!(parse_u64_c("-1"), Some(u64::MAX));
        assert_eq!(parse_u64_c("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_u64_c("18446744073709551615"), Some(u64::MAX));
        for bad in ["0x10", "1.5", "8 ", "", "-", "abc", "1e3"] {
            assert_eq!(parse_u64_c(bad), None, "{bad}");
        }
    }

    #[test]
    fn int16_numbers() {
        assert_eq!(parse_i16_c("-2"), Some(-2));
        assert_eq!(parse_i16_c("+5"), Some(5));
        assert_eq!(
            parse_i16_c("70000"),
            Some(4464),
            "cut to 16 bits as libsinsp's parsed16"
        );
        assert_eq!(
            parse_i16_c("99999999999999999999"),
            Some(-1),
            "strtol saturates, then cut"
        );
        assert_eq!(parse_i16_c("0x10"), None);
    }

    #[test]
    fn nets() {
        let n = parse_net("10.1.2.3/8").unwrap();
        assert!(
            n.contains("10.200.0.1".parse().unwrap()) && !n.contains("11.0.0.1".parse().unwrap())
        );
        assert!(!n.contains("::1".parse().unwrap()));
        let z = parse_net("0.0.0.0/0").unwrap();
        assert!(z.contains("1.2.3.4".parse().unwrap()));
        let v6 = parse_net("2001:db8::/32").unwrap();
        assert!(
            v6.contains("2001:db8:1::1".parse().unwrap())
                && !v6.contains("2001:db9::1".parse().unwrap())
        );
        assert!(
            parse_net("10.0.0.0").is_err()
                && parse_net("10.0.0.0/33").is_err()
                && parse_net("::/129").is_err()
        );
        // libsinsp: an IPv6 network needs a length of 1 to 128 (IPv4 takes 0); the length is
        // cut to 8 bits first
        assert!(parse_net("2001:db8::/0").is_err() && parse_net("0.0.0.0/0").is_ok());
        assert_eq!(parse_net("10.0.0.0/288").unwrap().prefix, 32);
        assert_eq!(parse_net("2001:db8::/320").unwrap().prefix, 64);
        assert!(
            parse_ip("::ffff:1.2.3.4").is_err(),
            "a '.' means IPv4, as libsinsp"
        );
    }

    #[test]
    fn icontains_ascii() {
        assert!(
            icontains(b"Hello World", b"world")
                && icontains(b"x", b"")
                && !icontains(b"ab", b"abc")
        );
    }
}
