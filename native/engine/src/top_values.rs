//! A field's most frequent values, in bounded memory: the Space-Saving algorithm (Metwally,
//! Agrawal, El Abbadi, 2005) over at most [`CAPACITY`] tracked values. While a field has no
//! more distinct values than that, every count is exact; past it, a new value takes the place
//! of the least frequent one and inherits its count as an error bound, so that every value
//! seen more than total/CAPACITY times is still in the table with a count at most `maxError`
//! too high. Long values are tracked by a prefix and a hash of the whole value.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

/// Values tracked per field.
pub const CAPACITY: usize = 64;
/// Values reported per field.
pub const REPORTED: usize = 20;
/// Values longer than this (bytes) are tracked as a prefix and a hash.
const MAX_KEY: usize = 160;

/// FNV-1a: cells are short strings, hashed once per event and field.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.finish()
}

struct Entry {
    value: String,
    count: u64,
    error: u64,
}

pub struct TopValues {
    entries: Vec<Entry>,
    index: HashMap<String, usize, BuildHasherDefault<Fnv>>,
    total: u64,
    /// A value was ever replaced: counts are upper bounds from then on.
    evicted: bool,
    key: String,
}

/// One value and how often it occurred.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueCount {
    /// The cell text (golden canonical text; `-` absent, `!` error, `.` not applicable).
    pub value: String,
    pub count: u64,
    /// How much `count` may exceed the true count (0 when exact).
    pub max_error: u64,
}

/// A field's value distribution in the replay report.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueDistribution {
    pub column: String,
    /// Cells counted (one per event read).
    pub total: u64,
    /// Every count is exact (the field never had more than the tracked number of values).
    pub exact: bool,
    /// The most frequent values, most frequent first.
    pub values: Vec<ValueCount>,
    /// Cells not in `values`: `total` minus their counts (with `exact` false the counts are
    /// upper bounds, so the other values hold at least this many).
    pub others: u64,
    /// Distinct values seen, when `exact` (else at least the number tracked).
    pub distinct: u64,
}

impl Default for TopValues {
    fn default() -> TopValues {
        TopValues { entries: Vec::with_capacity(CAPACITY), index: HashMap::default(), total: 0, evicted: false, key: String::new() }
    }
}

impl TopValues {
    pub fn add(&mut self, value: &str) {
        self.total += 1;
        let key: &str = if value.len() <= MAX_KEY {
            value
        } else {
            let mut cut = MAX_KEY - 40;
            while !value.is_char_boundary(cut) {
                cut -= 1;
            }
            self.key.clear();
            use std::fmt::Write;
            let _ = write!(self.key, "{}… ({} bytes, fnv {:016x})", &value[..cut], value.len(), fnv(value.as_bytes()));
            &self.key
        };
        if let Some(&i) = self.index.get(key) {
            self.entries[i].count += 1;
            return;
        }
        if self.entries.len() < CAPACITY {
            self.index.insert(key.to_string(), self.entries.len());
            self.entries.push(Entry { value: key.to_string(), count: 1, error: 0 });
            return;
        }
        // Space-Saving: the least frequent value gives its place (and its count) to the new one.
        self.evicted = true;
        let (i, min) = self.entries.iter().enumerate().map(|(i, e)| (i, e.count)).min_by_key(|&(_, c)| c).expect("capacity > 0");
        let old = std::mem::replace(&mut self.entries[i], Entry { value: key.to_string(), count: min + 1, error: min });
        self.index.remove(&old.value);
        self.index.insert(key.to_string(), i);
    }

    pub fn report(&self, column: &str) -> ValueDistribution {
        let mut sorted: Vec<&Entry> = self.entries.iter().collect();
        sorted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let values: Vec<ValueCount> = sorted.iter().take(REPORTED).map(|e| ValueCount { value: e.value.clone(), count: e.count, max_error: e.error }).collect();
        // Space-Saving's counts add up to the total: the rest is what the others hold.
        let shown: u64 = values.iter().map(|v| v.count).sum();
        ValueDistribution {
            column: column.to_string(),
            total: self.total,
            exact: !self.evicted,
            others: self.total.saturating_sub(shown),
            distinct: self.entries.len() as u64,
            values,
        }
    }
}
