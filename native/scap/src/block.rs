//! Generic pcapng-style block framing shared by every .scap block type.
//!
//! ```text
//! +0 u32 block_type  +4 u32 block_total_length  +8 body ... padding  -4 u32 block_total_length
//! ```
//! `block_total_length` counts the whole block (header, body, padding and trailer) and is a
//! multiple of 4 when libscap writes it.

use crate::bytes::le_u32;

pub const SHB: u32 = 0x0A0D_0D0A;
pub const MI: u32 = 0x201;
pub const MI_INT: u32 = 0x8002_ABCD;
pub const PL_V1: u32 = 0x202;
pub const PL_V1_INT: u32 = 0x8000_ABCD;
pub const PL_V2: u32 = 0x207;
pub const PL_V2_INT: u32 = 0x8013_ABCD;
pub const PL_V3: u32 = 0x209;
pub const PL_V3_INT: u32 = 0x8014_ABCD;
pub const PL_V4: u32 = 0x210;
pub const PL_V5: u32 = 0x211;
pub const PL_V6: u32 = 0x212;
pub const PL_V7: u32 = 0x213;
pub const PL_V8: u32 = 0x214;
pub const PL_V9: u32 = 0x215;
pub const FDL: u32 = 0x203;
pub const FDL_INT: u32 = 0x8001_ABCD;
pub const FDL_V2: u32 = 0x218;
pub const EV: u32 = 0x204;
pub const EV_INT: u32 = 0x8010_ABCD;
pub const EVF: u32 = 0x208;
pub const EV_V2: u32 = 0x216;
pub const EVF_V2: u32 = 0x217;
pub const EV_V2_LARGE: u32 = 0x221;
pub const EVF_V2_LARGE: u32 = 0x222;
pub const IL: u32 = 0x205;
pub const IL_INT: u32 = 0x8011_ABCD;
pub const IL_V2: u32 = 0x219;
pub const UL: u32 = 0x206;
pub const UL_INT: u32 = 0x8012_ABCD;
pub const UL_V2: u32 = 0x220;

/// Size of the block header (type + length) and of the trailer.
pub const HEADER_LEN: usize = 8;
pub const TRAILER_LEN: usize = 4;
/// The smallest well-formed block: header plus trailer, empty body.
pub const MIN_BLOCK_LEN: u32 = 12;
/// libscap reads non-large event blocks into a 64 KiB buffer (`READER_BUF_SIZE`); a block whose
/// `block_total_length - 8` exceeds it is rejected.
pub const NON_LARGE_MAX_BODY: u32 = 65536;

/// Which event header layout an event block carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventHeaderVersion {
    /// 22-byte header without `nparams` (EV 0x204 / EVF 0x208).
    V1,
    /// 26-byte header with `nparams`.
    V2,
}

/// Shape of an event block: header version, flags word present, large (> 64 KiB allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventBlockShape {
    pub header: EventHeaderVersion,
    pub has_flags: bool,
    pub large: bool,
}

/// What a block type code means to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Section,
    MachineInfo,
    /// Process list, version 1..=9.
    ProcList(u8),
    /// File-descriptor list, version 1 or 2.
    FdList(u8),
    /// Interface list, version 1 or 2.
    IfList(u8),
    /// User list, version 1 or 2.
    UserList(u8),
    Event(EventBlockShape),
    Unknown,
}

pub fn classify(block_type: u32) -> BlockKind {
    use EventHeaderVersion::{V1, V2};
    let event = |header, has_flags, large| BlockKind::Event(EventBlockShape { header, has_flags, large });
    match block_type {
        SHB => BlockKind::Section,
        MI | MI_INT => BlockKind::MachineInfo,
        PL_V1 | PL_V1_INT => BlockKind::ProcList(1),
        PL_V2 | PL_V2_INT => BlockKind::ProcList(2),
        PL_V3 | PL_V3_INT => BlockKind::ProcList(3),
        PL_V4 => BlockKind::ProcList(4),
        PL_V5 => BlockKind::ProcList(5),
        PL_V6 => BlockKind::ProcList(6),
        PL_V7 => BlockKind::ProcList(7),
        PL_V8 => BlockKind::ProcList(8),
        PL_V9 => BlockKind::ProcList(9),
        FDL | FDL_INT => BlockKind::FdList(1),
        FDL_V2 => BlockKind::FdList(2),
        IL | IL_INT => BlockKind::IfList(1),
        IL_V2 => BlockKind::IfList(2),
        UL | UL_INT => BlockKind::UserList(1),
        UL_V2 => BlockKind::UserList(2),
        EV | EV_INT => event(V1, false, false),
        EVF => event(V1, true, false),
        EV_V2 => event(V2, false, false),
        EVF_V2 => event(V2, true, false),
        EV_V2_LARGE => event(V2, false, true),
        EVF_V2_LARGE => event(V2, true, true),
        _ => BlockKind::Unknown,
    }
}

/// Short stable name of a block type, used in summaries and JSON output.
pub fn block_type_name(block_type: u32) -> String {
    let fixed = match block_type {
        SHB => "SHB",
        MI | MI_INT => "MI",
        PL_V1 | PL_V1_INT => "PL_V1",
        PL_V2 | PL_V2_INT => "PL_V2",
        PL_V3 | PL_V3_INT => "PL_V3",
        PL_V4 => "PL_V4",
        PL_V5 => "PL_V5",
        PL_V6 => "PL_V6",
        PL_V7 => "PL_V7",
        PL_V8 => "PL_V8",
        PL_V9 => "PL_V9",
        FDL | FDL_INT => "FDL",
        FDL_V2 => "FDL_V2",
        IL | IL_INT => "IL",
        IL_V2 => "IL_V2",
        UL | UL_INT => "UL",
        UL_V2 => "UL_V2",
        EV | EV_INT => "EV",
        EVF => "EVF",
        EV_V2 => "EV_V2",
        EVF_V2 => "EVF_V2",
        EV_V2_LARGE => "EV_V2_LARGE",
        EVF_V2_LARGE => "EVF_V2_LARGE",
        _ => return format!("UNKNOWN_0x{block_type:X}"),
    };
    fixed.to_string()
}

/// The 8-byte header at the start of every block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    pub block_type: u32,
    pub total_len: u32,
}

impl BlockHeader {
    /// Reads a header from the first 8 bytes of `buf` (the caller guarantees the length).
    pub fn read(buf: &[u8]) -> BlockHeader {
        BlockHeader { block_type: le_u32(buf, 0), total_len: le_u32(buf, 4) }
    }

    /// Writes the header as it appears on disk.
    pub fn to_bytes(self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&self.block_type.to_le_bytes());
        out[4..].copy_from_slice(&self.total_len.to_le_bytes());
        out
    }
}

/// `block_total_length` for a body of `body_len` bytes: header + body + padding + trailer.
pub fn total_len_for_body(body_len: usize) -> usize {
    HEADER_LEN + padded4(body_len) + TRAILER_LEN
}

/// `n` rounded up to the next multiple of 4.
pub fn padded4(n: usize) -> usize {
    (n + 3) & !3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_documented_type() {
        assert_eq!(classify(SHB), BlockKind::Section);
        assert_eq!(classify(PL_V9), BlockKind::ProcList(9));
        assert_eq!(classify(PL_V1_INT), BlockKind::ProcList(1));
        assert_eq!(classify(UL_V2), BlockKind::UserList(2));
        match classify(EVF_V2_LARGE) {
            BlockKind::Event(s) => assert!(s.large && s.has_flags && s.header == EventHeaderVersion::V2),
            other => panic!("{other:?}"),
        }
        match classify(EV_INT) {
            BlockKind::Event(s) => assert!(!s.large && !s.has_flags && s.header == EventHeaderVersion::V1),
            other => panic!("{other:?}"),
        }
        assert_eq!(classify(0x999), BlockKind::Unknown);
    }

    #[test]
    fn padding_matches_libscap() {
        // A plugin event with a 6-byte payload: body = 2 (cpuid) + 44 (event) -> 60 bytes in all.
        assert_eq!(total_len_for_body(2 + 44), 60);
        assert_eq!(total_len_for_body(0), 12);
        assert_eq!(total_len_for_body(16), 28);
    }
}
