//! The parameters of an event in the v2 layout, split by the lengths array, whose width (u16
//! or u32) the current schema's large-payload flag decides.

use crate::bytes::{le_u16, le_u32, le_u64};
use crate::event_schema;

const HDR: usize = 26;

/// A v2 event and its parameters.
#[derive(Clone, Debug)]
pub struct EventParams<'a> {
    pub ts: u64,
    pub tid: u64,
    pub event_type: u16,
    params: Vec<&'a [u8]>,
}

impl<'a> EventParams<'a> {
    /// Whether [`EventParams::parse`] would split `event` (its lengths fit in it), without
    /// building the parameter list.
    pub fn fits(event: &[u8]) -> bool {
        split(event, |_| {}).is_some()
    }

    /// Splits `event`; `None` when the lengths do not fit in it.
    pub fn parse(event: &'a [u8]) -> Option<EventParams<'a>> {
        // one allocation: the stored count, bounded by what the event can hold
        let count = if event.len() >= HDR { (le_u32(event, 22) as usize).min((event.len() - HDR) / 2) } else { 0 };
        let mut params = Vec::with_capacity(count);
        let event_type = split(event, |p| params.push(p))?;
        Some(EventParams { ts: le_u64(event, 0), tid: le_u64(event, 8), event_type, params })
    }

    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Parameter `i` (`None` past the last one). An empty slice is an empty parameter.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.params.get(i).copied()
    }

    pub fn all(&self) -> &[&'a [u8]] {
        &self.params
    }

    /// Parameter `i` as a little-endian integer of its width (1, 2, 4 or 8 bytes).
    pub fn int(&self, i: usize) -> Option<u64> {
        let p = self.get(i)?;
        Some(match p.len() {
            1 => p[0] as u64,
            2 => le_u16(p, 0) as u64,
            4 => le_u32(p, 0) as u64,
            8 => le_u64(p, 0),
            _ => return None,
        })
    }

    /// Parameter `i` as a signed 64-bit value (sign-extended from its width).
    pub fn i64(&self, i: usize) -> Option<i64> {
        let p = self.get(i)?;
        Some(match p.len() {
            1 => p[0] as i8 as i64,
            2 => le_u16(p, 0) as i16 as i64,
            4 => le_u32(p, 0) as i32 as i64,
            8 => le_u64(p, 0) as i64,
            _ => return None,
        })
    }

    /// Parameter `i` as a C string (up to its first NUL).
    pub fn cstr(&self, i: usize) -> Option<&'a [u8]> {
        let p = self.get(i)?;
        Some(p.iter().position(|&b| b == 0).map_or(p, |n| &p[..n]))
    }
}

/// Walks `event`'s parameters, handing each to `param` in order: the event type, or `None` (after
/// handing some) when the lengths do not fit in it.
fn split<'a>(event: &'a [u8], mut param: impl FnMut(&'a [u8])) -> Option<u16> {
    if event.len() < HDR {
        return None;
    }
    let event_type = le_u16(event, 20);
    let n = le_u32(event, 22) as usize;
    let ls = if event_schema::large_payload(event_type) { 4 } else { 2 };
    let mut at = HDR.checked_add(n.checked_mul(ls)?)?;
    if at > event.len() {
        return None;
    }
    for i in 0..n {
        let len = if ls == 4 { le_u32(event, HDR + i * 4) as usize } else { le_u16(event, HDR + i * 2) as usize };
        let end = at.checked_add(len)?;
        if end > event.len() {
            return None;
        }
        param(&event[at..end]);
        at = end;
    }
    Some(event_type)
}
