//! One event as the inspector parses it (libsinsp's `sinsp_evt` during parsing): its
//! parameters read with libsinsp's conventions, its thread and its file descriptor once
//! `reset` found them.

use std::sync::Arc;

use scap::event_schema::{self as schema, ec, ef, pt};
use scap::params::EventParams;

use crate::tables::CText;
use crate::threads::{FdEntry, ThreadEntry};

pub struct Evt<'a> {
    pub num: u64,
    pub ts: u64,
    pub tid: i64,
    pub etype: u16,
    pub bytes: &'a [u8],
    pub params: EventParams<'a>,
    pub tinfo: Option<Arc<ThreadEntry>>,
    pub fdinfo: Option<Arc<FdEntry>>,
    /// The fd the event refers to (libsinsp's `m_lastevent_fd` of the thread).
    pub fd: i64,
    pub errorcode: i32,
}

impl<'a> Evt<'a> {
    pub fn new(num: u64, bytes: &'a [u8]) -> Option<Evt<'a>> {
        let params = EventParams::parse(bytes)?;
        Some(Evt {
            num,
            ts: params.ts,
            tid: params.tid as i64,
            etype: params.event_type,
            bytes,
            params,
            tinfo: None,
            fdinfo: None,
            fd: -1,
            errorcode: 0,
        })
    }

    pub fn flags(&self) -> u32 {
        schema::event(self.etype).map_or(0, |e| e.flags)
    }

    pub fn category(&self) -> u32 {
        schema::event(self.etype).map_or(0, |e| e.category)
    }

    pub fn nparams(&self) -> usize {
        self.params.len()
    }

    pub fn is_enter(&self) -> bool {
        schema::is_enter(self.etype)
    }

    pub fn uses_fd(&self) -> bool {
        self.flags() & ef::USES_FD != 0
    }

    fn param_type(&self, i: usize) -> u32 {
        schema::event(self.etype).and_then(|e| e.params.get(i)).map_or(pt::NONE, |p| p.ty)
    }

    /// Parameter `i`'s bytes (`None` past the last one).
    pub fn raw(&self, i: usize) -> Option<&'a [u8]> {
        self.params.get(i)
    }

    /// Whether parameter `i` is empty (or missing).
    pub fn empty(&self, i: usize) -> bool {
        self.raw(i).is_none_or(|p| p.is_empty())
    }

    /// `used_legacy_null_encoding`: an empty or "(NULL)" string parameter reads as "<NA>".
    fn legacy_null(&self, i: usize, p: &[u8]) -> bool {
        matches!(self.param_type(i), pt::CHARBUF | pt::FSPATH | pt::FSRELPATH)
            && (p.is_empty() || (p.len() == 7 && &p[..6] == b"(NULL)"))
    }

    /// The bytes `as<T>` reads (the legacy-null substitute for string types).
    fn data(&self, i: usize) -> &'a [u8] {
        match self.raw(i) {
            None => &[],
            Some(p) if self.legacy_null(i, p) => b"<NA>\0",
            Some(p) => p,
        }
    }

    pub fn i64(&self, i: usize) -> i64 {
        let p = self.data(i);
        match p.len() {
            8 => i64::from_le_bytes(p.try_into().expect("8 bytes")),
            4 => i32::from_le_bytes(p.try_into().expect("4 bytes")) as i64,
            2 => i16::from_le_bytes(p.try_into().expect("2 bytes")) as i64,
            1 => p[0] as i8 as i64,
            _ => 0,
        }
    }

    pub fn u64(&self, i: usize) -> u64 {
        self.i64(i) as u64
    }

    pub fn u32(&self, i: usize) -> u32 {
        let p = self.data(i);
        match p.len() {
            4 => u32::from_le_bytes(p.try_into().expect("4 bytes")),
            _ => self.i64(i) as u32,
        }
    }

    pub fn u16(&self, i: usize) -> u16 {
        self.u32(i) as u16
    }

    pub fn u8(&self, i: usize) -> u8 {
        self.data(i).first().copied().unwrap_or(0)
    }

    /// `as<std::string_view>`: up to the NUL; "<NA>" for the legacy null encoding.
    pub fn str(&self, i: usize) -> &'a [u8] {
        let p = self.data(i);
        p.iter().position(|&b| b == 0).map_or(p, |n| &p[..n])
    }

    /// `as<std::vector<std::string>>`: NUL-separated strings (a trailing NUL dropped).
    pub fn strings(&self, i: usize) -> Vec<CText> {
        let mut p = self.data(i);
        if p.last() == Some(&0) {
            p = &p[..p.len() - 1];
        }
        if p.is_empty() {
            return Vec::new();
        }
        p.split(|&b| b == 0).map(CText::new).collect()
    }

    /// `has_return_value`.
    pub fn has_return_value(&self) -> bool {
        self.etype != super::codes::GENERIC_X
            && self.category() & ec::SYSCALL != 0
            && !self.is_enter()
            && self.nparams() > 0
    }

    /// `get_syscall_return_value` (0 without one).
    pub fn ret(&self) -> i64 {
        if !self.has_return_value() {
            return 0;
        }
        match self.raw(0).map_or(0, |p| p.len()) {
            4 | 8 => self.i64(0),
            _ => 0,
        }
    }
}
