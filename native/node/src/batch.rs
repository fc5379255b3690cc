//! The packed batch format: events cross into JS as one Buffer per batch, decoded lazily in
//! TypeScript (`src/capture/batch.ts` mirrors this layout), instead of one JS object per event.
//!
//! Each record, little-endian, 8-byte aligned:
//! ```text
//! +0  u32 record_len   bytes of this record, padding included (a multiple of 8)
//! +4  u32 block_type   block the event came from (0x216, 0x221, 0x204, ...)
//! +8  u64 evtnum       1-based, as libsinsp numbers events
//! +16 u64 offset       byte offset of the event's block in the (decompressed) stream
//! +24 u32 flags        EVF flags (0 for EV blocks)
//! +28 u16 cpuid
//! +30 u16 section      index of the section holding the event
//! +32 event            in the v2 layout: u64 ts, u64 tid, u32 len, u16 type, u32 nparams,
//!                      lens (u16, or u32 for large-payload types), data; `len` bytes in all
//! ```
//! The same format goes back into the writer (`CaptureWriter::write_batch`).

use scap::reader::Event;

pub const RECORD_HEADER: usize = 32;

/// Appends one event record to `out`.
pub fn push_event(out: &mut Vec<u8>, ev: &Event<'_>) {
    let rec = &ev.record;
    let record_len = (RECORD_HEADER + rec.len as usize + 7) & !7;
    let start = out.len();
    out.reserve(record_len);
    // One 32-byte copy for the record header: cheaper than eight small appends.
    let mut head = [0u8; RECORD_HEADER];
    head[0..4].copy_from_slice(&(record_len as u32).to_le_bytes());
    head[4..8].copy_from_slice(&ev.block_type.to_le_bytes());
    head[8..16].copy_from_slice(&ev.evtnum.to_le_bytes());
    head[16..24].copy_from_slice(&ev.offset.to_le_bytes());
    head[24..28].copy_from_slice(&rec.flags.to_le_bytes());
    head[28..30].copy_from_slice(&rec.cpuid.to_le_bytes());
    head[30..32].copy_from_slice(&(ev.section.min(u16::MAX as u32) as u16).to_le_bytes());
    out.extend_from_slice(&head);
    rec.write_v2(out);
    out.resize(start + record_len, 0);
}

/// One record of a packed batch: (cpuid, flags, event bytes in the v2 layout).
pub struct Record<'a> {
    pub cpuid: u16,
    pub flags: u32,
    pub event: &'a [u8],
}

/// Walks the records of a packed batch; `Err` names the record index and byte offset of a
/// record whose length fields do not fit.
pub fn records(buf: &[u8]) -> impl Iterator<Item = Result<Record<'_>, String>> {
    let mut pos = 0usize;
    let mut index = 0usize;
    std::iter::from_fn(move || {
        if pos >= buf.len() {
            return None;
        }
        if buf.len() - pos < RECORD_HEADER + 26 {
            let p = pos;
            pos = buf.len();
            return Some(Err(format!("packed batch record {index} at byte {p}: shorter than a record header")));
        }
        let u32_at = |at: usize| u32::from_le_bytes(buf[at..at + 4].try_into().unwrap());
        let record_len = u32_at(pos) as usize;
        let event_len = u32_at(pos + RECORD_HEADER + 16) as usize;
        if record_len < RECORD_HEADER + event_len || record_len > buf.len() - pos {
            let p = pos;
            pos = buf.len();
            return Some(Err(format!("packed batch record {index} at byte {p}: record length {record_len} does not fit")));
        }
        let rec = Record {
            cpuid: u16::from_le_bytes([buf[pos + 28], buf[pos + 29]]),
            flags: u32_at(pos + 24),
            event: &buf[pos + RECORD_HEADER..pos + RECORD_HEADER + event_len],
        };
        pos += record_len;
        index += 1;
        Some(Ok(rec))
    })
}
