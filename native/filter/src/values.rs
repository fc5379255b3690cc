//! What the evaluator and the formatter read: the values of the fields of one event.
//!
//! The caller extracts every field a filter or format needs (see `CompiledFilter::fields` and
//! `OutputFormat::fields`), then hands a [`FieldValues`] that answers by field id. A field is
//! absent, one value, or a list; values are the plugin host's [`ValueRef`]s, so a row of
//! [`plugin_host::ExtractResults`] can be read without copying ([`FieldValue::from_outcome`]).
//!
//! libsinsp (`sinsp_filter_check_plugin::extract`, checked in falcosecurity/libs) treats an
//! extraction that returns zero values as "no value": an empty list is therefore absent here
//! too, for filtering (`exists` is false) and for output (`<NA>`).

use plugin_host::{ExtractedValue, FieldOutcome, ValueRef, Values};

/// The value(s) of one field for one event.
#[derive(Clone, Copy, Debug)]
pub enum FieldValue<'a> {
    /// No value: the field does not apply, or the extraction failed.
    Absent,
    One(ValueRef<'a>),
    /// The values of a list field (an empty list counts as absent).
    List(ValueList<'a>),
}

/// A list of values, borrowed from wherever the caller keeps them.
#[derive(Clone, Copy, Debug)]
pub enum ValueList<'a> {
    Refs(&'a [ValueRef<'a>]),
    Owned(&'a [ExtractedValue]),
    Host(Values<'a>),
}

impl<'a> ValueList<'a> {
    pub fn len(&self) -> usize {
        match self {
            ValueList::Refs(r) => r.len(),
            ValueList::Owned(o) => o.len(),
            ValueList::Host(h) => h.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th value (`None` past the end, or for a nested list in owned values).
    pub fn get(&self, i: usize) -> Option<ValueRef<'a>> {
        match self {
            ValueList::Refs(r) => r.get(i).copied(),
            ValueList::Owned(o) => o.get(i).and_then(extracted_ref),
            ValueList::Host(h) => (i < h.len()).then(|| h.get(i)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'a>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<'a> FieldValue<'a> {
    /// Reads a cell of the plugin host's batch results. An extraction error is absent (the
    /// caller reports errors on its own).
    pub fn from_outcome(o: FieldOutcome<'a>) -> FieldValue<'a> {
        match o {
            FieldOutcome::Absent | FieldOutcome::Error(_) => FieldValue::Absent,
            FieldOutcome::Value(v) => {
                if v.is_list() {
                    FieldValue::List(ValueList::Host(v))
                } else {
                    match v.first() {
                        Some(x) => FieldValue::One(x),
                        None => FieldValue::Absent,
                    }
                }
            }
        }
    }

    /// Borrows an owned value (`None` is absent).
    pub fn from_extracted(v: Option<&'a ExtractedValue>) -> FieldValue<'a> {
        match v {
            None => FieldValue::Absent,
            Some(ExtractedValue::List(items)) => FieldValue::List(ValueList::Owned(items)),
            Some(other) => match extracted_ref(other) {
                Some(r) => FieldValue::One(r),
                None => FieldValue::Absent,
            },
        }
    }

    /// Whether there is at least one value.
    pub fn is_present(&self) -> bool {
        match self {
            FieldValue::Absent => false,
            FieldValue::One(_) => true,
            FieldValue::List(l) => !l.is_empty(),
        }
    }

    /// The value a non-list check looks at: the value, or the first of a list.
    pub fn first(&self) -> Option<ValueRef<'a>> {
        match self {
            FieldValue::Absent => None,
            FieldValue::One(v) => Some(*v),
            FieldValue::List(l) => l.get(0),
        }
    }

    /// Number of values (0 when absent).
    pub fn len(&self) -> usize {
        match self {
            FieldValue::Absent => 0,
            FieldValue::One(_) => 1,
            FieldValue::List(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th value (index 0 of a single value is the value).
    pub fn get(&self, i: usize) -> Option<ValueRef<'a>> {
        match self {
            FieldValue::Absent => None,
            FieldValue::One(v) => (i == 0).then_some(*v),
            FieldValue::List(l) => l.get(i),
        }
    }
}

/// A scalar `ExtractedValue` as a `ValueRef` (`None` for a nested list).
pub fn extracted_ref(v: &ExtractedValue) -> Option<ValueRef<'_>> {
    Some(match v {
        ExtractedValue::U64(x) => ValueRef::U64(*x),
        ExtractedValue::Str(s) => ValueRef::Str(s),
        ExtractedValue::Bool(b) => ValueRef::Bool(*b),
        ExtractedValue::RelTime(x) => ValueRef::RelTime(*x),
        ExtractedValue::AbsTime(x) => ValueRef::AbsTime(*x),
        ExtractedValue::IpAddr(a) => ValueRef::IpAddr(*a),
        ExtractedValue::IpNet(a) => ValueRef::IpNet(*a),
        ExtractedValue::List(_) => return None,
    })
}

/// The values of one event, by field id (the ids the [`crate::FieldResolver`] handed out).
pub trait FieldValues {
    fn get(&self, id: u32) -> FieldValue<'_>;
}

/// Values indexed by field id; ids past the end are absent.
/// So that generic evaluation can hand a trait object on (the transformer paths take one).
impl FieldValues for &dyn FieldValues {
    fn get(&self, id: u32) -> FieldValue<'_> {
        (**self).get(id)
    }
}

impl<'v> FieldValues for &[FieldValue<'v>] {
    fn get(&self, id: u32) -> FieldValue<'_> {
        <[FieldValue<'v>]>::get(self, id as usize)
            .copied()
            .unwrap_or(FieldValue::Absent)
    }
}

impl<'v, const N: usize> FieldValues for [FieldValue<'v>; N] {
    fn get(&self, id: u32) -> FieldValue<'_> {
        self.as_slice()
            .get(id as usize)
            .copied()
            .unwrap_or(FieldValue::Absent)
    }
}

impl<'v> FieldValues for Vec<FieldValue<'v>> {
    fn get(&self, id: u32) -> FieldValue<'_> {
        self.as_slice()
            .get(id as usize)
            .copied()
            .unwrap_or(FieldValue::Absent)
    }
}

/// Owned values indexed by field id (`None` = absent). Handy for tests and small tools.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OwnedValues(pub Vec<Option<ExtractedValue>>);

impl OwnedValues {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets field `id` (growing the table with absent fields as needed).
    pub fn set(&mut self, id: u32, v: Option<ExtractedValue>) -> &mut Self {
        let i = id as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        self.0[i] = v;
        self
    }
}

impl FieldValues for OwnedValues {
    fn get(&self, id: u32) -> FieldValue<'_> {
        FieldValue::from_extracted(self.0.get(id as usize).and_then(|v| v.as_ref()))
    }
}
