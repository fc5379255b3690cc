//! Event blocks: EV/EVF (v1 header) and EV_V2/EVF_V2/EV_V2_LARGE/EVF_V2_LARGE (v2 header).
//!
//! ```text
//! [hdr 8][u16 cpuid][u32 flags, EVF only][event: evt.len bytes][padding][trailer]
//! event = u64 ts, u64 tid, u32 len, u16 type, [u32 nparams, v2 only], lens[nparams], data
//! ```
//! The width of `lens` (u16 or u32) is decided by the event type's large-payload flag, never by
//! the block type. Bytes after `len` inside the block are ignored, as libscap does (Wireshark's
//! editcap leaves pcapng comment options there). Event trailers are not compared (libscap never
//! does); metadata trailers are.

use crate::block::{self, BlockHeader, EventBlockShape, EventHeaderVersion};
use crate::bytes::{le_u16, le_u32, le_u64};
use crate::error::{ErrorKind, Malformed};
use crate::event_types::has_large_payload;

pub const V2_HEADER_LEN: usize = 26;
pub const V1_HEADER_LEN: usize = 22;

/// Flags of EVF blocks. `SCAP_DF_LARGE` (4) is never stored; the writer strips it.
pub const DF_STATE_ONLY: u32 = 1;
pub const DF_TRACER: u32 = 2;
pub const DF_LARGE: u32 = 4;

/// One decoded event block, borrowing its parameter bytes from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct EventRecord<'a> {
    pub cpuid: u16,
    /// EVF flags (0 for EV blocks).
    pub flags: u32,
    pub ts: u64,
    pub tid: u64,
    /// Length of the event as a v2 event (26-byte header); v1 events are re-measured, since the
    /// reader presents every event in the v2 layout.
    pub len: u32,
    pub event_type: u16,
    /// Parameter count: stored (v2) or inferred (v1).
    pub nparams: u32,
    /// The event came from a v1 block (22-byte header, `nparams` inferred).
    pub v1: bool,
    /// Parameter lengths are u32 (large-payload event type).
    pub wide_lens: bool,
    /// The event as stored, its header included (`len` bytes for a v2 event).
    pub stored: &'a [u8],
    /// `nparams` lengths, each 2 or 4 bytes.
    pub lens: &'a [u8],
    /// The parameter bytes (everything between the length array and the end of the event).
    pub data: &'a [u8],
}

impl<'a> EventRecord<'a> {
    pub fn param_len(&self, i: usize) -> usize {
        if self.wide_lens {
            le_u32(self.lens, i * 4) as usize
        } else {
            le_u16(self.lens, i * 2) as usize
        }
    }

    /// Iterates over the parameters' bytes, in order. Lengths were validated when parsing.
    pub fn params(&self) -> Params<'a> {
        Params { lens: self.lens, data: self.data, wide: self.wide_lens, index: 0, pos: 0 }
    }

    /// The `i`-th parameter, if the event has that many.
    pub fn param(&self, i: usize) -> Option<&'a [u8]> {
        self.params().nth(i)
    }

    /// Writes the event in the v2 layout (26-byte header, lengths, data) to `out`.
    pub fn write_v2(&self, out: &mut Vec<u8>) {
        // a v2 event is stored in that layout: one copy
        if !self.v1 {
            out.extend_from_slice(self.stored);
            return;
        }
        out.extend_from_slice(&self.ts.to_le_bytes());
        out.extend_from_slice(&self.tid.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&self.event_type.to_le_bytes());
        out.extend_from_slice(&self.nparams.to_le_bytes());
        out.extend_from_slice(self.lens);
        out.extend_from_slice(self.data);
    }
}

pub struct Params<'a> {
    lens: &'a [u8],
    data: &'a [u8],
    wide: bool,
    index: usize,
    pos: usize,
}

impl<'a> Iterator for Params<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let width = if self.wide { 4 } else { 2 };
        if (self.index + 1) * width > self.lens.len() {
            return None;
        }
        let len =
            if self.wide { le_u32(self.lens, self.index * 4) as usize } else { le_u16(self.lens, self.index * 2) as usize };
        self.index += 1;
        let out = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Some(out)
    }
}

/// Bytes before the event inside an event block body: cpuid, plus flags for EVF blocks.
pub fn prefix_len(shape: EventBlockShape) -> usize {
    2 + if shape.has_flags { 4 } else { 0 }
}

/// Smallest `block_total_length` an event block of this shape can have.
pub fn min_block_len(shape: EventBlockShape) -> u32 {
    let header = if shape.header == EventHeaderVersion::V1 { V1_HEADER_LEN } else { V2_HEADER_LEN };
    (block::HEADER_LEN + prefix_len(shape) + header + block::TRAILER_LEN) as u32
}

/// Checks the block length of an event block before its body is read, so that a corrupt
/// length never makes the reader buffer gigabytes for a block libscap would refuse.
#[inline]
pub fn check_block_len(shape: EventBlockShape, total_len: u32) -> Result<(), Malformed> {
    if total_len < min_block_len(shape) {
        return Err(Malformed::new(
            ErrorKind::BadBlockLength,
            4,
            format!("event block length {total_len} is too short (minimum {})", min_block_len(shape)),
        ));
    }
    if !shape.large && total_len - 8 > block::NON_LARGE_MAX_BODY {
        return Err(Malformed::new(
            ErrorKind::OversizedBlock,
            4,
            format!(
                "event block length {total_len} is greater than libscap's non-large read buffer ({} bytes)",
                block::NON_LARGE_MAX_BODY
            ),
        ));
    }
    Ok(())
}

/// Parses a whole event block (`block.len() == total_len`, checked by [`check_block_len`]).
/// Offsets in errors are relative to the start of the block.
#[inline]
pub fn parse(block: &[u8], shape: EventBlockShape) -> Result<EventRecord<'_>, Malformed> {
    let total_len = BlockHeader::read(block).total_len as usize;
    debug_assert_eq!(total_len, block.len());
    let cpuid = le_u16(block, block::HEADER_LEN);
    let flags = if shape.has_flags { le_u32(block, block::HEADER_LEN + 2) } else { 0 };
    let event_start = block::HEADER_LEN + prefix_len(shape);
    // The event may use the body up to the trailer.
    let room = &block[event_start..total_len - block::TRAILER_LEN];
    let mut rec = decode(room, shape.header).map_err(|mut m| {
        m.at += event_start;
        m
    })?;
    rec.cpuid = cpuid;
    rec.flags = flags;
    Ok(rec)
}

/// The cpuid, flags and event bytes of a whole v2 event block that [`parse`] would accept;
/// `None` for anything else (v1, or malformed: [`parse`] says what is wrong). No record is
/// built: the reader's copying sinks take the bytes as they are.
#[inline]
pub fn valid_v2_event(block: &[u8], shape: EventBlockShape) -> Option<(u16, u32, &[u8])> {
    if shape.header != EventHeaderVersion::V2 {
        return None;
    }
    let event_start = block::HEADER_LEN + prefix_len(shape);
    let room = block.get(event_start..block.len().checked_sub(block::TRAILER_LEN)?)?;
    if room.len() < V2_HEADER_LEN {
        return None;
    }
    let len = le_u32(room, 16) as usize;
    if len < V2_HEADER_LEN || len > room.len() {
        return None;
    }
    let width = if has_large_payload(le_u16(room, 20)) { 4 } else { 2 };
    let nparams = le_u32(room, 22) as usize;
    let lens_end = V2_HEADER_LEN.checked_add(nparams.checked_mul(width)?)?;
    if lens_end > len {
        return None;
    }
    let mut sum = 0usize;
    for i in 0..nparams {
        let at = V2_HEADER_LEN + i * width;
        sum += if width == 4 { le_u32(room, at) as usize } else { le_u16(room, at) as usize };
    }
    if sum > len - lens_end {
        return None;
    }
    let cpuid = le_u16(block, block::HEADER_LEN);
    let flags = if shape.has_flags { le_u32(block, block::HEADER_LEN + 2) } else { 0 };
    Some((cpuid, flags, &room[..len]))
}

/// Validates an event given in the v2 layout (as produced by [`EventRecord::write_v2`] or by a
/// plugin's `next_batch`), whose `len` must equal the slice length. The writer uses it so that
/// it never emits a block that its own reader, or libscap, would refuse.
pub fn parse_v2_event(event: &[u8]) -> Result<EventRecord<'_>, Malformed> {
    if event.len() >= V2_HEADER_LEN && le_u32(event, 16) as usize != event.len() {
        return Err(Malformed::new(
            ErrorKind::EventOverrun,
            16,
            format!("event len field {} differs from its {} bytes", le_u32(event, 16), event.len()),
        ));
    }
    decode(event, EventHeaderVersion::V2)
}

/// Decodes the event at the start of `room` (the bytes available to it). Offsets in errors are
/// relative to the start of the event.
#[inline]
fn decode(room: &[u8], version: EventHeaderVersion) -> Result<EventRecord<'_>, Malformed> {
    let hdr_len = match version {
        EventHeaderVersion::V1 => V1_HEADER_LEN,
        EventHeaderVersion::V2 => V2_HEADER_LEN,
    };
    if room.len() < hdr_len {
        return Err(Malformed::new(
            ErrorKind::EventOverrun,
            0,
            format!("invalid event: {} bytes cannot hold the {hdr_len}-byte event header", room.len()),
        ));
    }
    let ts = le_u64(room, 0);
    let tid = le_u64(room, 8);
    let len = le_u32(room, 16) as usize;
    let event_type = le_u16(room, 20);
    if len < hdr_len {
        return Err(Malformed::new(
            ErrorKind::EventOverrun,
            16,
            format!("invalid event: len {len} is shorter than the {hdr_len}-byte event header"),
        ));
    }
    if len > room.len() {
        return Err(Malformed::new(
            ErrorKind::EventOverrun,
            16,
            format!("invalid event: len {len} is larger than the {} bytes that hold it", room.len()),
        ));
    }
    let wide = has_large_payload(event_type);
    let width = if wide { 4 } else { 2 };
    let after_header = &room[hdr_len..len];
    let nparams = match version {
        EventHeaderVersion::V2 => {
            let n = le_u32(room, 22);
            if n as u64 * width as u64 > after_header.len() as u64 {
                return Err(Malformed::new(
                    ErrorKind::EventOverrun,
                    22,
                    format!("invalid event: nparams {n} does not fit in an event of len {len}"),
                ));
            }
            n as usize
        }
        EventHeaderVersion::V1 => infer_v1_nparams(after_header, width).ok_or_else(|| {
            Malformed::new(
                ErrorKind::EventOverrun,
                16,
                format!("invalid v1 event: no parameter count makes the lengths add up to len {len}"),
            )
        })?,
    };
    let (lens, data) = after_header.split_at(nparams * width);
    let mut sum = 0usize;
    for i in 0..nparams {
        let l = if wide { le_u32(lens, i * 4) as usize } else { le_u16(lens, i * 2) as usize };
        sum += l;
        if sum > data.len() {
            return Err(Malformed::new(
                ErrorKind::EventOverrun,
                hdr_len + i * width,
                format!("invalid event: param {i} len {l} exceeds the event (len {len})"),
            ));
        }
    }
    Ok(EventRecord {
        cpuid: 0,
        flags: 0,
        ts,
        tid,
        // Presented in the v2 layout: a v1 event gains the 4-byte nparams field.
        len: (len + if version == EventHeaderVersion::V1 { 4 } else { 0 }) as u32,
        event_type,
        nparams: nparams as u32,
        v1: version == EventHeaderVersion::V1,
        wide_lens: wide,
        stored: &room[..len],
        lens,
        // Bytes between the last param and `len` are ignored by libscap; they stay in `data` so
        // that a rewrite reproduces the event byte for byte.
        data,
    })
}

/// v1 events carry no `nparams`: find the parameter count whose lengths add up to the event
/// length exactly. Counting up finds the true count (a smaller count can never add up, since
/// lengths are unsigned); libscap counts down from its table, which agrees on every real file.
fn infer_v1_nparams(after_header: &[u8], width: usize) -> Option<usize> {
    let total = after_header.len();
    let mut sum = 0usize;
    let mut n = 0usize;
    loop {
        if n * width + sum == total {
            return Some(n);
        }
        if (n + 1) * width > total || n * width + sum > total {
            return None;
        }
        let l = if width == 4 { le_u32(after_header, n * 4) as usize } else { le_u16(after_header, n * 2) as usize };
        sum += l;
        n += 1;
    }
}

/// Where a writer puts an event: block type chosen from the type's large flag and the flags.
pub fn block_type_for(event_type: u16, flags: u32) -> u32 {
    match (has_large_payload(event_type), flags & !DF_LARGE != 0) {
        (true, false) => block::EV_V2_LARGE,
        (true, true) => block::EVF_V2_LARGE,
        (false, false) => block::EV_V2,
        (false, true) => block::EVF_V2,
    }
}

/// Appends one event block (header, cpuid, optional flags, event, padding, trailer) holding the
/// v2-layout `event`. Returns the block type used.
pub fn append_block(out: &mut Vec<u8>, cpuid: u16, flags: u32, event: &[u8]) -> u32 {
    let event_type = le_u16(event, 20);
    let flags = flags & !DF_LARGE;
    let block_type = block_type_for(event_type, flags);
    let prefix = if flags != 0 { 6 } else { 2 };
    // Padding is computed on cpuid + event only; the 4-byte flags do not change it modulo 4.
    let total_len = block::total_len_for_body(prefix + event.len());
    out.extend_from_slice(&BlockHeader { block_type, total_len: total_len as u32 }.to_bytes());
    out.extend_from_slice(&cpuid.to_le_bytes());
    if flags != 0 {
        out.extend_from_slice(&flags.to_le_bytes());
    }
    out.extend_from_slice(event);
    let pad = block::padded4(prefix + event.len()) - (prefix + event.len());
    out.extend_from_slice(&[0u8; 3][..pad]);
    out.extend_from_slice(&(total_len as u32).to_le_bytes());
    block_type
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::classify;
    use crate::block::BlockKind;

    fn shape(bt: u32) -> EventBlockShape {
        match classify(bt) {
            BlockKind::Event(s) => s,
            _ => unreachable!(),
        }
    }

    /// The annotated first event block of sysdig's plugin5.scap (scap-format.md §8.1).
    const PLUGIN5_FIRST: [u8; 60] = [
        0x21, 0x02, 0, 0, 0x3c, 0, 0, 0, // EV_V2_LARGE, total 60
        0, 0, // cpuid
        0x00, 0x00, 0xa0, 0xd8, 0x85, 0x57, 0x34, 0x16, // ts
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // tid
        0x2c, 0, 0, 0, 0x42, 0x01, 2, 0, 0, 0, // len 44, type 322, nparams 2
        4, 0, 0, 0, 6, 0, 0, 0, // lens
        0xe7, 0x03, 0, 0, b'h', b'e', b'l', b'l', b'o', b'0', // plugin id 999, "hello0"
        0, 0, 0x3c, 0, 0, 0, // padding, trailer
    ];

    #[test]
    fn decodes_a_sysdig_plugin_event() {
        let rec = parse(&PLUGIN5_FIRST, shape(block::EV_V2_LARGE)).unwrap();
        assert_eq!(rec.ts, 1_600_000_000_000_000_000);
        assert_eq!(rec.tid, u64::MAX);
        assert_eq!((rec.event_type, rec.nparams, rec.len), (322, 2, 44));
        let params: Vec<&[u8]> = rec.params().collect();
        assert_eq!(params, vec![&999u32.to_le_bytes()[..], b"hello0"]);
    }

    #[test]
    fn writes_the_same_block_back() {
        let rec = parse(&PLUGIN5_FIRST, shape(block::EV_V2_LARGE)).unwrap();
        let mut ev = Vec::new();
        rec.write_v2(&mut ev);
        let mut out = Vec::new();
        assert_eq!(append_block(&mut out, 0, 0, &ev), block::EV_V2_LARGE);
        assert_eq!(out, PLUGIN5_FIRST);
    }

    #[test]
    fn the_stored_v2_shortcut_accepts_what_parse_accepts() {
        // every single-byte change of a real block, and every truncation of its event: the
        // reader's shortcut (valid_v2_event) must agree with parse, and give the same bytes
        let sh = shape(block::EV_V2_LARGE);
        let check = |b: &[u8]| {
            let fast = valid_v2_event(b, sh);
            match parse(b, sh) {
                Ok(rec) => assert_eq!(fast, Some((rec.cpuid, rec.flags, rec.stored)), "{b:?}"),
                Err(_) => assert_eq!(fast, None, "{b:?}"),
            }
        };
        // (not the block's total length: the reader checked it against the block)
        for at in (0..PLUGIN5_FIRST.len() - block::TRAILER_LEN).filter(|at| !(4..8).contains(at)) {
            for v in [0u8, 1, 2, 4, 0x1a, 0x2b, 0x2c, 0x2d, 0x7f, 0xff] {
                let mut b = PLUGIN5_FIRST;
                b[at] = v;
                check(&b);
            }
        }
        // the event's len shrinking, with nparams and lengths unchanged or cut to fit
        for len in 0u8..=44 {
            let mut b = PLUGIN5_FIRST;
            b[26] = len;
            check(&b);
            b[34] = 1;
            check(&b);
        }
        // v1 blocks are not taken (parse infers their parameter count)
        assert_eq!(valid_v2_event(&PLUGIN5_FIRST, shape(block::EV)), None);
    }

    #[test]
    fn rejects_overruns() {
        let mut b = PLUGIN5_FIRST;
        b[27] = 0xff; // len far beyond the block
        assert_eq!(parse(&b, shape(block::EV_V2_LARGE)).unwrap_err().kind, ErrorKind::EventOverrun);
        let mut b = PLUGIN5_FIRST;
        b[40] = 200; // second param length overruns the event
        assert_eq!(parse(&b, shape(block::EV_V2_LARGE)).unwrap_err().kind, ErrorKind::EventOverrun);
        let mut b = PLUGIN5_FIRST;
        b[34] = 0xff; // nparams too large
        b[35] = 0xff;
        assert_eq!(parse(&b, shape(block::EV_V2_LARGE)).unwrap_err().kind, ErrorKind::EventOverrun);
    }

    #[test]
    fn infers_v1_parameter_counts() {
        // lens {3, 1} (u16) then 4 data bytes: 22 + 4 + 4 = 30.
        let body = [3u8, 0, 1, 0, b'a', b'b', b'c', b'd'];
        assert_eq!(infer_v1_nparams(&body, 2), Some(2));
        assert_eq!(infer_v1_nparams(&[], 2), Some(0));
        assert_eq!(infer_v1_nparams(&[9, 0, 1], 2), None);
    }

    #[test]
    fn checks_block_lengths_before_reading() {
        let s = shape(block::EV_V2);
        assert_eq!(check_block_len(s, 20).unwrap_err().kind, ErrorKind::BadBlockLength);
        assert_eq!(check_block_len(s, 65545).unwrap_err().kind, ErrorKind::OversizedBlock);
        assert!(check_block_len(s, 65544).is_ok());
        assert!(check_block_len(shape(block::EV_V2_LARGE), 1 << 20).is_ok());
    }
}
