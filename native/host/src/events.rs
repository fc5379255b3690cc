//! Events in and out of the host, always in the scap v2 layout (26-byte header, parameter
//! lengths, parameters): what `next_batch` appends and what extraction reads.

use scap::bytes::{le_u16, le_u32, le_u64};
use scap::event::V2_HEADER_LEN;
use scap::plugin_event::PAYLOAD_OFFSET;

use crate::abi::event_code;

/// Events appended back to back to one buffer, with the offset of each: a recorder hands the
/// slices to scap's writer without a per-event allocation. Reused across batches.
#[derive(Clone, Debug, Default)]
pub struct EventBatch {
    pub bytes: Vec<u8>,
    pub offsets: Vec<usize>,
}

impl EventBatch {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.offsets.clear();
    }

    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The `i`-th event (its header's `len` bytes).
    pub fn event(&self, i: usize) -> &[u8] {
        let start = self.offsets[i];
        let end = self.offsets.get(i + 1).copied().unwrap_or(self.bytes.len());
        &self.bytes[start..end]
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.event(i))
    }

    /// The events as [`EventRef`]s numbered from `first_num` (sinsp numbers from 1).
    pub fn event_refs(&self, first_num: u64) -> Vec<EventRef<'_>> {
        self.iter()
            .enumerate()
            .map(|(i, bytes)| EventRef {
                num: first_num + i as u64,
                bytes,
            })
            .collect()
    }
}

/// An event handed to the plugin: its number (sinsp numbers events from 1) and its bytes in
/// the v2 layout.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    pub num: u64,
    pub bytes: &'a [u8],
}

/// The header fields of a v2 event, if `bytes` holds at least a header and the event it
/// announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventView<'a> {
    pub ts: u64,
    pub tid: u64,
    pub event_type: u16,
    pub nparams: u32,
    /// Exactly the event's `len` bytes.
    pub bytes: &'a [u8],
}

impl<'a> EventView<'a> {
    pub fn parse(bytes: &'a [u8]) -> Option<EventView<'a>> {
        if bytes.len() < V2_HEADER_LEN {
            return None;
        }
        let len = le_u32(bytes, 16) as usize;
        if len < V2_HEADER_LEN || len > bytes.len() {
            return None;
        }
        Some(EventView {
            ts: le_u64(bytes, 0),
            tid: le_u64(bytes, 8),
            event_type: le_u16(bytes, 20),
            nparams: le_u32(bytes, 22),
            bytes: &bytes[..len],
        })
    }

    /// `(plugin_id, payload)` of a well-formed plugin event (type 322, 2 parameters, lengths
    /// {4, N}, `len == 38 + N`).
    pub fn plugin_payload(&self) -> Option<(u32, &'a [u8])> {
        if self.event_type != event_code::PLUGINEVENT_E || self.nparams != 2 || self.bytes.len() < PAYLOAD_OFFSET {
            return None;
        }
        let (id_len, data_len) = (le_u32(self.bytes, 26), le_u32(self.bytes, 30) as usize);
        if id_len != 4 || PAYLOAD_OFFSET + data_len != self.bytes.len() {
            return None;
        }
        Some((le_u32(self.bytes, 34), &self.bytes[PAYLOAD_OFFSET..]))
    }
}

/// Wall-clock time in ns since the epoch (what the framework stamps on `ts == UINT64_MAX`).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
