//! The reusable result of a batch extraction: one cell per (event, field request), holding
//! "absent", values, or an extraction error. Values live in flat arrays (strings in one byte
//! arena), so refilling the structure batch after batch does not allocate once it has grown.

use std::fmt;
use std::net::IpAddr;

use crate::value::{render_list, ExtractedValue, ValueRef};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractErrorKind {
    /// `extract_fields` returned something other than SUCCESS.
    PluginFailure,
    /// The plugin answered with garbage (NULL result, impossible length, bad bool...).
    PluginFault,
    /// The field's type cannot be extracted (0.x "int64"/"float").
    UnsupportedType,
    /// The caller's event is not a complete v2 event.
    InvalidEvent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractError {
    pub kind: ExtractErrorKind,
    pub message: String,
    /// The plugin's `get_last_error` text, for failures.
    pub plugin_message: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Scalar {
    U64(u64),
    Str { start: u32, len: u32 },
    Bool(bool),
    RelTime(u64),
    AbsTime(u64),
    Ip(IpAddr),
    Net(IpAddr),
}

#[derive(Clone, Copy, Debug)]
enum Cell {
    Absent,
    Values { start: u32, count: u32, list: bool },
    Error(u32),
}

#[derive(Clone, Debug, Default)]
pub struct ExtractResults {
    n_fields: usize,
    cells: Vec<Cell>,
    scalars: Vec<Scalar>,
    bytes: Vec<u8>,
    errors: Vec<ExtractError>,
    /// 3.11 value offsets (start, length) per cell, when the plan asked for them.
    offsets: Vec<Option<(u32, u32)>>,
}

/// The outcome of one field request on one event.
#[derive(Clone, Copy, Debug)]
pub enum FieldOutcome<'a> {
    Absent,
    Value(Values<'a>),
    Error(&'a ExtractError),
}

/// The value(s) of one cell: one scalar, or a list.
#[derive(Clone, Copy, Debug)]
pub struct Values<'a> {
    results: &'a ExtractResults,
    start: usize,
    count: usize,
    list: bool,
}

impl<'a> Values<'a> {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn is_list(&self) -> bool {
        self.list
    }

    pub fn get(&self, i: usize) -> ValueRef<'a> {
        self.results.scalar(self.start + i)
    }

    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'a>> + '_ {
        (0..self.count).map(|i| self.get(i))
    }

    /// The first value (the value of a non-list field).
    pub fn first(&self) -> Option<ValueRef<'a>> {
        (self.count > 0).then(|| self.get(0))
    }

    pub fn to_owned(&self) -> ExtractedValue {
        if self.list {
            ExtractedValue::List(self.iter().map(ValueRef::to_owned).collect())
        } else {
            self.get(0).to_owned()
        }
    }

    pub fn render(&self, out: &mut String) {
        if self.list {
            render_list(self.iter(), out, |v, out| v.render(out));
        } else {
            self.get(0).render(out);
        }
    }
}

impl fmt::Display for FieldOutcome<'_> {
    /// `<absent>`, the canonical value, or `<error: message>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldOutcome::Absent => f.write_str("<absent>"),
            FieldOutcome::Value(v) => {
                let mut s = String::new();
                v.render(&mut s);
                f.write_str(&s)
            }
            FieldOutcome::Error(e) => write!(f, "<error: {}>", e.message),
        }
    }
}

impl FieldOutcome<'_> {
    pub fn value(&self) -> Option<ExtractedValue> {
        match self {
            FieldOutcome::Value(v) => Some(v.to_owned()),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, FieldOutcome::Absent)
    }

    pub fn error(&self) -> Option<&ExtractError> {
        match self {
            FieldOutcome::Error(e) => Some(e),
            _ => None,
        }
    }
}

/// Where a cell's values begin, to roll back a half-read cell.
#[derive(Clone, Copy)]
pub(crate) struct Mark {
    scalars: usize,
    bytes: usize,
}

impl ExtractResults {
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the structure for `n_events` × `n_fields` cells, keeping its capacity.
    pub(crate) fn reset(&mut self, n_events: usize, n_fields: usize, with_offsets: bool) {
        self.n_fields = n_fields;
        self.cells.clear();
        self.cells.resize(n_events * n_fields, Cell::Absent);
        self.scalars.clear();
        self.bytes.clear();
        self.errors.clear();
        self.offsets.clear();
        if with_offsets {
            self.offsets.resize(n_events * n_fields, None);
        }
    }

    pub fn events(&self) -> usize {
        self.cells.len().checked_div(self.n_fields).unwrap_or(0)
    }

    pub fn fields(&self) -> usize {
        self.n_fields
    }

    pub fn get(&self, event: usize, field: usize) -> FieldOutcome<'_> {
        match self.cells[event * self.n_fields + field] {
            Cell::Absent => FieldOutcome::Absent,
            Cell::Values { start, count, list } => FieldOutcome::Value(Values {
                results: self,
                start: start as usize,
                count: count as usize,
                list,
            }),
            Cell::Error(i) => FieldOutcome::Error(&self.errors[i as usize]),
        }
    }

    /// The 3.11 value offsets of a cell (start from the event header, length), when the plan
    /// asked for them and the plugin gave them.
    pub fn offsets(&self, event: usize, field: usize) -> Option<(u32, u32)> {
        self.offsets.get(event * self.n_fields + field).copied().flatten()
    }

    fn scalar(&self, i: usize) -> ValueRef<'_> {
        match self.scalars[i] {
            Scalar::U64(v) => ValueRef::U64(v),
            Scalar::Str { start, len } => ValueRef::Str(&self.bytes[start as usize..(start + len) as usize]),
            Scalar::Bool(b) => ValueRef::Bool(b),
            Scalar::RelTime(v) => ValueRef::RelTime(v),
            Scalar::AbsTime(v) => ValueRef::AbsTime(v),
            Scalar::Ip(a) => ValueRef::IpAddr(a),
            Scalar::Net(a) => ValueRef::IpNet(a),
        }
    }

    // ---- filling (crate-internal) ----

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            scalars: self.scalars.len(),
            bytes: self.bytes.len(),
        }
    }

    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.scalars.truncate(mark.scalars);
        self.bytes.truncate(mark.bytes);
    }

    pub(crate) fn push(&mut self, s: Scalar) {
        self.scalars.push(s);
    }

    pub(crate) fn push_str(&mut self, bytes: &[u8]) {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(bytes);
        self.scalars.push(Scalar::Str {
            start,
            len: bytes.len() as u32,
        });
    }

    /// Closes a cell whose values were pushed since `mark`.
    pub(crate) fn set_values(&mut self, cell: usize, mark: Mark, list: bool) {
        let count = (self.scalars.len() - mark.scalars) as u32;
        self.cells[cell] = Cell::Values {
            start: mark.scalars as u32,
            count,
            list,
        };
    }

    pub(crate) fn set_absent(&mut self, cell: usize) {
        self.cells[cell] = Cell::Absent;
    }

    pub(crate) fn set_error(&mut self, cell: usize, error: ExtractError) {
        self.cells[cell] = Cell::Error(self.errors.len() as u32);
        self.errors.push(error);
    }

    pub(crate) fn set_offsets(&mut self, cell: usize, start: u32, len: u32) {
        if let Some(slot) = self.offsets.get_mut(cell) {
            *slot = Some((start, len));
        }
    }
}
