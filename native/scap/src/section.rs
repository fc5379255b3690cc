//! Section Header Block (SHB, 0x0A0D0D0A): starts every capture and every concatenated section.
//!
//! Body: `u32 byte_order_magic, u16 major, u16 minor, u64 section_length` (16 bytes), then
//! optional pcapng options (Wireshark's editcap writes them), which current libscap skips.

use crate::block::{self, BlockHeader};
use crate::bytes::{le_u16, le_u32, le_u64};
use crate::error::{ErrorKind, Malformed};

pub const MAGIC: u32 = 0x1A2B_3C4D;
const MAGIC_SWAPPED: u32 = 0x4D3C_2B1A;
pub const CURRENT_MAJOR: u16 = 1;
pub const CURRENT_MINOR: u16 = 2;
/// Header + 16-byte body + trailer.
pub const SHB_LEN: u32 = 28;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    pub major: u16,
    pub minor: u16,
    /// Always written as -1 and never read by libscap; kept for completeness.
    pub section_length: u64,
    /// Bytes of pcapng options after the fixed body (0 for libscap-written files).
    pub options_len: usize,
}

/// Parses a whole SHB block (`block.len() == total_len`, at least 12 bytes).
pub fn parse(block: &[u8]) -> Result<SectionHeader, Malformed> {
    let header = BlockHeader::read(block);
    if header.total_len < SHB_LEN {
        return Err(Malformed::new(
            ErrorKind::BadBlockLength,
            4,
            format!("section header block length {} is shorter than {SHB_LEN}", header.total_len),
        ));
    }
    check_magic(le_u32(block, 8))?;
    let major = le_u16(block, 12);
    let minor = le_u16(block, 14);
    if major > CURRENT_MAJOR {
        return Err(Malformed::new(
            ErrorKind::VersionMismatch,
            12,
            format!("capture format version {major}.{minor} is newer than the supported {CURRENT_MAJOR}.x"),
        ));
    }
    Ok(SectionHeader {
        major,
        minor,
        section_length: le_u64(block, 16),
        options_len: header.total_len as usize - SHB_LEN as usize,
    })
}

/// Checks the byte-order magic; a byte-swapped one means a big-endian capture.
pub fn check_magic(magic: u32) -> Result<(), Malformed> {
    match magic {
        MAGIC => Ok(()),
        MAGIC_SWAPPED => Err(Malformed::new(
            ErrorKind::BigEndian,
            8,
            "byte-swapped magic: a big-endian capture, which libscap cannot read either",
        )),
        other => Err(Malformed::new(
            ErrorKind::BadMagic,
            8,
            format!("invalid byte-order magic 0x{other:08X} (expected 0x{MAGIC:08X})"),
        )),
    }
}

/// The 28 bytes of a version 1.2 SHB exactly as libscap writes it.
pub fn to_bytes() -> [u8; SHB_LEN as usize] {
    let mut out = [0u8; SHB_LEN as usize];
    out[..8].copy_from_slice(&BlockHeader { block_type: block::SHB, total_len: SHB_LEN }.to_bytes());
    out[8..12].copy_from_slice(&MAGIC.to_le_bytes());
    out[12..14].copy_from_slice(&CURRENT_MAJOR.to_le_bytes());
    out[14..16].copy_from_slice(&CURRENT_MINOR.to_le_bytes());
    out[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    out[24..28].copy_from_slice(&SHB_LEN.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_libscap_bytes() {
        let expected = [
            0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0x1c, 0, 0, 0,
        ];
        assert_eq!(to_bytes(), expected);
        let parsed = parse(&expected).unwrap();
        assert_eq!((parsed.major, parsed.minor, parsed.options_len), (1, 2, 0));
    }

    #[test]
    fn rejects_newer_major_and_swapped_magic() {
        let mut b = to_bytes();
        b[12] = 2;
        assert_eq!(parse(&b).unwrap_err().kind, ErrorKind::VersionMismatch);
        let mut b = to_bytes();
        b[8..12].copy_from_slice(&MAGIC.to_be_bytes());
        assert_eq!(parse(&b).unwrap_err().kind, ErrorKind::BigEndian);
        let mut b = to_bytes();
        b[8] = 0;
        assert_eq!(parse(&b).unwrap_err().kind, ErrorKind::BadMagic);
    }

    #[test]
    fn minor_version_is_ignored() {
        let mut b = to_bytes();
        b[14] = 99;
        assert_eq!(parse(&b).unwrap().minor, 99);
    }
}
