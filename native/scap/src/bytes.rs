//! Little-endian reads from byte slices, and a bounds-checked cursor for variable-length records.
//!
//! libscap writes packed structs in host order; every capture in practice is little-endian.

/// Reads a u16 at `at`; the caller has checked that `buf` is long enough.
#[inline]
pub fn le_u16(buf: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([buf[at], buf[at + 1]])
}

/// Reads a u32 at `at`; the caller has checked that `buf` is long enough.
#[inline]
pub fn le_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(buf[at..at + 4].try_into().unwrap())
}

/// Reads a u64 at `at`; the caller has checked that `buf` is long enough.
#[inline]
pub fn le_u64(buf: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(buf[at..at + 8].try_into().unwrap())
}

/// A record ran past the end of the bytes that contain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBounds {
    /// Offset inside the parsed slice where the read was attempted.
    pub at: usize,
    /// Bytes the read needed.
    pub wanted: usize,
}

/// A forward-only reader over a slice whose every read is bounds-checked, for metadata entries
/// whose layout is only known while parsing (strings with u16 length prefixes and the like).
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], OutOfBounds> {
        if self.remaining() < n {
            return Err(OutOfBounds { at: self.pos, wanted: n });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), OutOfBounds> {
        self.take(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Result<u8, OutOfBounds> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, OutOfBounds> {
        Ok(le_u16(self.take(2)?, 0))
    }

    pub fn u32(&mut self) -> Result<u32, OutOfBounds> {
        Ok(le_u32(self.take(4)?, 0))
    }

    pub fn u64(&mut self) -> Result<u64, OutOfBounds> {
        Ok(le_u64(self.take(8)?, 0))
    }

    /// A string stored as a u16 length followed by that many bytes (no NUL), as in PL/FDL/UL
    /// entries. Invalid UTF-8 is replaced, since these are informational.
    pub fn str16(&mut self) -> Result<String, OutOfBounds> {
        let len = self.u16()? as usize;
        Ok(String::from_utf8_lossy(self.take(len)?).into_owned())
    }
}
