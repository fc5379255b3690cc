//! Process list blocks (PL v1..v9): one entry per thread known when the capture started.
//!
//! v1..v8 (0x202/0x8000ABCD, 0x207/0x8013ABCD, 0x209/0x8014ABCD, 0x210..0x214) have no entry
//! length: each version adds fields at fixed places and the reader must know them all.
//! v9 (0x215), written since ~2019, prefixes each entry with a u32 length counting itself, and
//! writers append fields instead of bumping the version. Entry layout, with the version that
//! introduced each field:
//!
//! ```text
//! [v9: u32 entry_len] u64 tid, pid, ptid; [v6: u64 sid] [v8: u64 vpgid]
//! str comm, exe; [v7: str exepath] str args; str cwd            (str = u16 len + bytes, no NUL)
//! u64 fdlimit; u32 flags, uid, gid
//! [v2: u32 vmsize_kb, vmrss_kb, vmswap_kb; u64 pfmajor, pfminor] [v3: str env]
//! [v4: i64 vtid, vpid; str cgroups] [v5: str root]
//! v9, each read only if it fits in entry_len:
//!   [libs >= 0.10: u64 pidns_init_start_ts; u32 tty] u32 loginuid; u8 exe_writable;
//!   u64 cap_inheritable, cap_permitted, cap_effective; u8 exe_upper_layer;
//!   u64 exe_ino, exe_ino_ctime, exe_ino_mtime; u8 exe_from_memfd; u8 exe_lower_layer; i64 pgid
//! ```
//!
//! libs 0.10.0 inserted `pidns_init_start_ts` and `tty` before `loginuid` instead of appending
//! them. Like current libscap, an entry with 29 bytes or fewer left after `root` (the size of
//! loginuid, exe_writable and the three capability sets) is taken as a pre-0.10 entry.
//!
//! Layouts of the old versions follow libscap's reader (`scap_read_proclist`). Bodies end when
//! fewer than 4 bytes remain, as in libscap, so 0..3 padding bytes are fine.

use crate::bytes::{le_u32, Cursor};
use crate::error::{ErrorKind, Malformed};

/// libscap's buffer limits (`SCAP_MAX_PATH_SIZE`, `SCAP_MAX_ARGS_SIZE`, `SCAP_MAX_ENV_SIZE`,
/// `SCAP_MAX_CGROUPS_SIZE`): a longer string makes libscap refuse the file ("invalid commlen").
const MAX_PATH: usize = 1024;
const MAX_ARGS: usize = 4096;
const MAX_ENV: usize = 4096;
const MAX_CGROUPS: usize = 4096;

/// Bytes after `root` at or below which a v9 entry is taken to predate libs 0.10.
const PRE_0_10_TAIL: usize = 4 + 1 + 3 * 8;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProcList {
    pub threads: Vec<ThreadInfo>,
}

/// One thread. `None` marks a field the block version (or, for v9, the entry) does not carry.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ThreadInfo {
    pub tid: u64,
    pub pid: u64,
    pub ptid: u64,
    /// v6+.
    pub sid: Option<u64>,
    /// v8+.
    pub vpgid: Option<u64>,
    pub comm: String,
    /// argv[0].
    pub exe: String,
    /// v7+: full executable path.
    pub exepath: Option<String>,
    /// Arguments after argv[0] (stored NUL-separated).
    pub args: Vec<String>,
    pub cwd: String,
    pub fdlimit: u64,
    pub flags: u32,
    pub uid: u32,
    pub gid: u32,
    /// v2+.
    pub vmsize_kb: Option<u32>,
    pub vmrss_kb: Option<u32>,
    pub vmswap_kb: Option<u32>,
    pub pfmajor: Option<u64>,
    pub pfminor: Option<u64>,
    /// v3+: `KEY=value` items (stored NUL-separated).
    pub env: Option<Vec<String>>,
    /// v4+.
    pub vtid: Option<i64>,
    pub vpid: Option<i64>,
    /// v4+: `subsystem=path` items (stored NUL-separated).
    pub cgroups: Option<Vec<String>>,
    /// v5+.
    pub root: Option<String>,
    /// v9 from libs 0.10 on.
    pub pidns_init_start_ts: Option<u64>,
    pub tty: Option<u32>,
    /// v9 fields, each present only if the entry is long enough.
    pub loginuid: Option<u32>,
    pub exe_writable: Option<bool>,
    pub cap_inheritable: Option<u64>,
    pub cap_permitted: Option<u64>,
    pub cap_effective: Option<u64>,
    pub exe_upper_layer: Option<bool>,
    pub exe_ino: Option<u64>,
    pub exe_ino_ctime: Option<u64>,
    pub exe_ino_mtime: Option<u64>,
    pub exe_from_memfd: Option<bool>,
    pub exe_lower_layer: Option<bool>,
    pub pgid: Option<i64>,
    /// Bytes at the end of a v9 entry that this parser does not know (fields appended by a
    /// newer writer); skipped as libscap does. Always 0 for v1..v8.
    pub unknown_tail: u32,
}

/// Parses a PL body of the given version (1..=9).
pub fn parse(body: &[u8], version: u8) -> Result<ProcList, Malformed> {
    if !(1..=9).contains(&version) {
        return Err(Malformed::new(ErrorKind::BadMetadata, 0, format!("unknown process list version {version}")));
    }
    let layout = if version == 9 { EntryLayout::Sized { counts_itself: true } } else { EntryLayout::Packed };
    let mut threads = Vec::new();
    Fields::each_entry(body, 0, layout, "process", |f| {
        threads.push(parse_thread(f, version)?);
        Ok(())
    })?;
    Ok(ProcList { threads })
}

fn parse_thread(f: &mut Fields, version: u8) -> Result<ThreadInfo, Malformed> {
    let mut t = ThreadInfo { tid: f.u64("tid")?, pid: f.u64("pid")?, ptid: f.u64("ptid")?, ..Default::default() };
    if version >= 6 {
        t.sid = Some(f.u64("sid")?);
    }
    if version >= 8 {
        t.vpgid = Some(f.u64("vpgid")?);
    }
    t.comm = f.str16("comm", MAX_PATH)?;
    t.exe = f.str16("exe", MAX_PATH)?;
    if version >= 7 {
        t.exepath = Some(f.str16("exepath", MAX_PATH)?);
    }
    t.args = nul_list(f.bytes16("args", MAX_ARGS)?);
    t.cwd = f.str16("cwd", MAX_PATH)?;
    t.fdlimit = f.u64("fdlimit")?;
    t.flags = f.u32("flags")?;
    t.uid = f.u32("uid")?;
    t.gid = f.u32("gid")?;
    if version >= 2 {
        t.vmsize_kb = Some(f.u32("vmsize_kb")?);
        t.vmrss_kb = Some(f.u32("vmrss_kb")?);
        t.vmswap_kb = Some(f.u32("vmswap_kb")?);
        t.pfmajor = Some(f.u64("pfmajor")?);
        t.pfminor = Some(f.u64("pfminor")?);
    }
    if version >= 3 {
        t.env = Some(nul_list(f.bytes16("env", MAX_ENV)?));
    }
    if version >= 4 {
        t.vtid = Some(f.u64("vtid")? as i64);
        t.vpid = Some(f.u64("vpid")? as i64);
        t.cgroups = Some(nul_list(f.bytes16("cgroups", MAX_CGROUPS)?));
    }
    if version >= 5 {
        t.root = Some(f.str16("root", MAX_PATH)?);
    }
    if version == 9 {
        // Every later field is optional: read it only if it fits, as libscap does (a field that
        // does not fit is skipped, and a smaller one after it may still be read).
        if f.remaining() > PRE_0_10_TAIL {
            t.pidns_init_start_ts = f.opt_u64();
            t.tty = f.opt_u32();
        }
        t.loginuid = f.opt_u32();
        t.exe_writable = f.opt_u8().map(|b| b != 0);
        t.cap_inheritable = f.opt_u64();
        t.cap_permitted = f.opt_u64();
        t.cap_effective = f.opt_u64();
        t.exe_upper_layer = f.opt_u8().map(|b| b != 0);
        t.exe_ino = f.opt_u64();
        t.exe_ino_ctime = f.opt_u64();
        t.exe_ino_mtime = f.opt_u64();
        t.exe_from_memfd = f.opt_u8().map(|b| b != 0);
        t.exe_lower_layer = f.opt_u8().map(|b| b != 0);
        t.pgid = f.opt_u64().map(|v| v as i64);
        t.unknown_tail = f.skip_rest();
    }
    Ok(t)
}

/// Splits a NUL-separated list (args, env, cgroups). A trailing NUL ends the last item rather
/// than starting an empty one.
pub(crate) fn nul_list(bytes: &[u8]) -> Vec<String> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    bytes.split(|&b| b == 0).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

/// How a list version stores its entries.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EntryLayout {
    /// v1 forms: no length; an entry extends as far as its fields say.
    Packed,
    /// v2 forms: each entry starts with a u32 length that counts itself (PL, FDL, UL) or not
    /// (IL).
    Sized { counts_itself: bool },
}

/// Bounds-checked reads inside one metadata entry (v2 forms: exactly the bytes its length
/// covers) or inside the rest of a v1 body, reporting faults as `BadMetadata` at offsets
/// relative to the block body. Shared by the process, fd, interface and user list parsers.
pub(crate) struct Fields<'a> {
    cur: Cursor<'a>,
    /// Offset of the cursor's slice in the body.
    base: usize,
    /// Offset of the entry's length field, for v2 forms.
    len_at: Option<usize>,
    kind: &'static str,
    index: usize,
}

impl<'a> Fields<'a> {
    /// A v1 entry: no length, it extends as far as its fields say (up to the end of `rest`).
    pub(crate) fn new(rest: &'a [u8], base: usize, kind: &'static str, index: usize) -> Self {
        Fields { cur: Cursor::new(rest), base, len_at: None, kind, index }
    }

    /// A v2 entry at `pos` (at least 4 bytes before the body end) starting with a u32 length
    /// that counts itself (PL, FDL, UL) or not (IL). The returned reader covers exactly the
    /// entry, with the length field already consumed.
    pub(crate) fn sized_entry(
        body: &'a [u8],
        pos: usize,
        counts_itself: bool,
        kind: &'static str,
        index: usize,
    ) -> Result<Self, Malformed> {
        let entry_len = le_u32(body, pos) as usize;
        let total = if counts_itself { entry_len } else { entry_len.saturating_add(4) };
        let left = body.len() - pos;
        if total < 4 {
            return Err(Malformed::new(
                ErrorKind::BadMetadata,
                pos,
                format!("{kind} entry {index}: entry length {entry_len} is smaller than the length field itself"),
            ));
        }
        if total > left {
            return Err(Malformed::new(
                ErrorKind::BadMetadata,
                pos,
                format!(
                    "{kind} entry {index}: entry length {entry_len} runs past the end of the block ({left} bytes left)"
                ),
            ));
        }
        let mut cur = Cursor::new(&body[pos..pos + total]);
        cur.skip(4).expect("checked above");
        Ok(Fields { cur, base: pos, len_at: Some(pos), kind, index })
    }

    /// Reads the entries of a list body from `pos` on, while at least 4 bytes are left: each
    /// through `entry`, on a reader laid out as `layout` says; the next entry starts where
    /// that reader stopped.
    pub(crate) fn each_entry(
        body: &'a [u8],
        mut pos: usize,
        layout: EntryLayout,
        kind: &'static str,
        mut entry: impl FnMut(&mut Fields<'a>) -> Result<(), Malformed>,
    ) -> Result<(), Malformed> {
        let mut index = 0;
        while body.len() - pos >= 4 {
            let mut f = match layout {
                EntryLayout::Sized { counts_itself } => Fields::sized_entry(body, pos, counts_itself, kind, index)?,
                EntryLayout::Packed => Fields::new(&body[pos..], pos, kind, index),
            };
            entry(&mut f)?;
            pos += f.consumed();
            index += 1;
        }
        Ok(())
    }

    /// Bytes read so far, length field included.
    pub(crate) fn consumed(&self) -> usize {
        self.cur.pos()
    }

    /// Bytes left in the entry (v2) or the body (v1).
    pub(crate) fn remaining(&self) -> usize {
        self.cur.remaining()
    }

    /// Body offset of the next read.
    pub(crate) fn at(&self) -> usize {
        self.base + self.cur.pos()
    }

    fn overrun(&self, field: &str, at: usize, wanted: usize) -> Malformed {
        let left = self.cur.remaining();
        let message = match self.len_at {
            Some(len_at) => format!(
                "{} entry {}: {field} needs {wanted} bytes but the entry (length at offset {len_at}) has {left} left",
                self.kind, self.index
            ),
            None => format!(
                "{} entry {}: {field} needs {wanted} bytes but the block has {left} left",
                self.kind, self.index
            ),
        };
        Malformed::new(ErrorKind::BadMetadata, at, message)
    }

    pub(crate) fn take(&mut self, field: &str, n: usize) -> Result<&'a [u8], Malformed> {
        let at = self.at();
        self.cur.take(n).map_err(|e| self.overrun(field, at, e.wanted))
    }

    pub(crate) fn u8(&mut self, field: &str) -> Result<u8, Malformed> {
        Ok(self.take(field, 1)?[0])
    }

    pub(crate) fn u16(&mut self, field: &str) -> Result<u16, Malformed> {
        let b = self.take(field, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, field: &str) -> Result<u32, Malformed> {
        Ok(le_u32(self.take(field, 4)?, 0))
    }

    pub(crate) fn u64(&mut self, field: &str) -> Result<u64, Malformed> {
        Ok(crate::bytes::le_u64(self.take(field, 8)?, 0))
    }

    pub(crate) fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], Malformed> {
        Ok(self.take(field, N)?.try_into().expect("took N bytes"))
    }

    /// A u16-length-prefixed byte string of at most `max` bytes. An overrun is reported at the
    /// length prefix, the field holding the wrong value.
    pub(crate) fn bytes16(&mut self, field: &str, max: usize) -> Result<&'a [u8], Malformed> {
        let len_at = self.at();
        let len = self.u16(field)? as usize;
        if len > max {
            return Err(Malformed::new(
                ErrorKind::BadMetadata,
                len_at,
                format!("{} entry {}: {field} length {len} exceeds libscap's limit of {max}", self.kind, self.index),
            ));
        }
        self.take(field, len).map_err(|mut m| {
            m.at = len_at;
            m.message = format!("{} (string length {len} at offset {len_at})", m.message);
            m
        })
    }

    pub(crate) fn str16(&mut self, field: &str, max: usize) -> Result<String, Malformed> {
        Ok(String::from_utf8_lossy(self.bytes16(field, max)?).into_owned())
    }

    pub(crate) fn opt_u8(&mut self) -> Option<u8> {
        self.cur.u8().ok()
    }

    pub(crate) fn opt_u32(&mut self) -> Option<u32> {
        if self.cur.remaining() >= 4 {
            self.cur.u32().ok()
        } else {
            None
        }
    }

    pub(crate) fn opt_u64(&mut self) -> Option<u64> {
        if self.cur.remaining() >= 8 {
            self.cur.u64().ok()
        } else {
            None
        }
    }

    /// Whatever is left in a v2 entry: fields of a newer writer, skipped.
    pub(crate) fn skip_rest(&mut self) -> u32 {
        let n = self.cur.remaining();
        self.cur.skip(n).expect("remaining bytes");
        n as u32
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A cheap deterministic sweep of a list parser: every prefix of `body`, and `body` with
    /// each byte flipped, parsed as every version in `versions`; nothing may panic.
    pub(crate) fn sweep_garbage<T>(
        body: &[u8],
        versions: std::ops::RangeInclusive<u8>,
        parse: impl Fn(&[u8], u8) -> Result<T, Malformed>,
    ) {
        for version in versions {
            for n in 0..body.len() {
                let _ = parse(&body[..n], version);
            }
            for i in 0..body.len() {
                let mut b = body.to_vec();
                b[i] ^= 0xFF;
                let _ = parse(&b, version);
            }
        }
    }

    /// Appends a u16-length-prefixed string.
    pub(crate) fn put_str(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u16).to_le_bytes());
        out.extend_from_slice(s);
    }

    /// A v9 entry body (without its length) as the 2022 writer lays it out: up to exe_writable.
    fn v9_fields_2022(tid: u64, comm: &str) -> Vec<u8> {
        let mut e = Vec::new();
        for v in [tid, tid, 1, 0, tid] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        put_str(&mut e, comm.as_bytes());
        put_str(&mut e, comm.as_bytes());
        put_str(&mut e, format!("/usr/bin/{comm}").as_bytes());
        put_str(&mut e, b"-l\0-a\0");
        put_str(&mut e, b"/root/");
        e.extend_from_slice(&1024u64.to_le_bytes());
        for v in [0u32, 0, 0, 1000, 200, 0] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        e.extend_from_slice(&3u64.to_le_bytes());
        e.extend_from_slice(&4u64.to_le_bytes());
        put_str(&mut e, b"HOME=/root\0PATH=/bin\0");
        e.extend_from_slice(&tid.to_le_bytes());
        e.extend_from_slice(&tid.to_le_bytes());
        put_str(&mut e, b"cpu=/\0memory=/user.slice\0");
        put_str(&mut e, b"/");
        e
    }

    fn with_len(fields: &[u8]) -> Vec<u8> {
        let mut out = ((fields.len() + 4) as u32).to_le_bytes().to_vec();
        out.extend_from_slice(fields);
        out
    }

    #[test]
    fn v9_pre_0_10_entry() {
        let mut fields = v9_fields_2022(42, "bash");
        fields.extend_from_slice(&1000u32.to_le_bytes()); // loginuid
        fields.push(1); // exe_writable
        let mut body = with_len(&fields);
        body.extend_from_slice(&[0, 0]); // padding
        let pl = parse(&body, 9).unwrap();
        assert_eq!(pl.threads.len(), 1);
        let t = &pl.threads[0];
        assert_eq!((t.tid, t.pid, t.ptid, t.sid, t.vpgid), (42, 42, 1, Some(0), Some(42)));
        assert_eq!(t.comm, "bash");
        assert_eq!(t.exepath.as_deref(), Some("/usr/bin/bash"));
        assert_eq!(t.args, vec!["-l", "-a"]);
        assert_eq!(t.env.as_ref().unwrap(), &vec!["HOME=/root".to_string(), "PATH=/bin".to_string()]);
        assert_eq!(t.cgroups.as_ref().unwrap()[1], "memory=/user.slice");
        assert_eq!((t.vmsize_kb, t.vmrss_kb, t.pfmajor, t.pfminor), (Some(1000), Some(200), Some(3), Some(4)));
        assert_eq!(t.root.as_deref(), Some("/"));
        assert_eq!((t.loginuid, t.exe_writable), (Some(1000), Some(true)));
        assert_eq!((t.pidns_init_start_ts, t.tty, t.cap_effective), (None, None, None));
        assert_eq!(t.unknown_tail, 0);
    }

    #[test]
    fn v9_post_0_10_entry_and_unknown_tail() {
        let mut fields = v9_fields_2022(7, "sh");
        fields.extend_from_slice(&99u64.to_le_bytes()); // pidns_init_start_ts
        fields.extend_from_slice(&34816u32.to_le_bytes()); // tty
        fields.extend_from_slice(&u32::MAX.to_le_bytes()); // loginuid
        fields.push(0); // exe_writable
        for cap in [1u64, 2, 3] {
            fields.extend_from_slice(&cap.to_le_bytes());
        }
        fields.push(1); // exe_upper_layer
        for v in [10u64, 11, 12] {
            fields.extend_from_slice(&v.to_le_bytes());
        }
        fields.push(0); // exe_from_memfd
        fields.push(1); // exe_lower_layer
        fields.extend_from_slice(&(-1i64).to_le_bytes()); // pgid
        fields.extend_from_slice(&[0xAA; 5]); // a field from the future
        let body = with_len(&fields);
        let t = &parse(&body, 9).unwrap().threads[0];
        assert_eq!((t.pidns_init_start_ts, t.tty, t.loginuid), (Some(99), Some(34816), Some(u32::MAX)));
        assert_eq!((t.cap_inheritable, t.cap_permitted, t.cap_effective), (Some(1), Some(2), Some(3)));
        assert_eq!((t.exe_upper_layer, t.exe_ino, t.exe_ino_mtime), (Some(true), Some(10), Some(12)));
        assert_eq!((t.exe_from_memfd, t.exe_lower_layer, t.pgid), (Some(false), Some(true), Some(-1)));
        assert_eq!(t.unknown_tail, 5);
    }

    /// A v1..v8 entry built field by field, to check each version reads exactly its fields.
    fn old_entry(version: u8, tid: u64) -> Vec<u8> {
        let mut e = Vec::new();
        for v in [tid, tid + 1, tid + 2] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        if version >= 6 {
            e.extend_from_slice(&5u64.to_le_bytes());
        }
        if version >= 8 {
            e.extend_from_slice(&6u64.to_le_bytes());
        }
        put_str(&mut e, b"comm");
        put_str(&mut e, b"exe");
        if version >= 7 {
            put_str(&mut e, b"/bin/exe");
        }
        put_str(&mut e, b"a1\0a2");
        put_str(&mut e, b"/tmp");
        e.extend_from_slice(&4096u64.to_le_bytes());
        for v in [1u32, 2, 3] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        if version >= 2 {
            for v in [10u32, 11, 12] {
                e.extend_from_slice(&v.to_le_bytes());
            }
            e.extend_from_slice(&13u64.to_le_bytes());
            e.extend_from_slice(&14u64.to_le_bytes());
        }
        if version >= 3 {
            put_str(&mut e, b"A=1");
        }
        if version >= 4 {
            e.extend_from_slice(&(-1i64).to_le_bytes());
            e.extend_from_slice(&(-1i64).to_le_bytes());
            put_str(&mut e, b"cpu=/x");
        }
        if version >= 5 {
            put_str(&mut e, b"/r");
        }
        e
    }

    #[test]
    fn every_old_version_reads_exactly_its_fields() {
        for version in 1..=8u8 {
            let mut body = old_entry(version, 100);
            body.extend(old_entry(version, 200));
            body.push(0); // 1..3 padding bytes end the body
            let pl = parse(&body, version).unwrap_or_else(|e| panic!("v{version}: {e:?}"));
            assert_eq!(pl.threads.len(), 2, "v{version}");
            let t = &pl.threads[1];
            assert_eq!((t.tid, t.pid, t.ptid), (200, 201, 202));
            assert_eq!((t.comm.as_str(), t.exe.as_str(), t.cwd.as_str()), ("comm", "exe", "/tmp"));
            assert_eq!(t.args, vec!["a1", "a2"]);
            assert_eq!((t.fdlimit, t.flags, t.uid, t.gid), (4096, 1, 2, 3));
            assert_eq!(t.sid.is_some(), version >= 6);
            assert_eq!(t.vpgid.is_some(), version >= 8);
            assert_eq!(t.exepath.is_some(), version >= 7);
            assert_eq!(t.vmsize_kb.map(|_| t.pfminor), if version >= 2 { Some(Some(14)) } else { None });
            assert_eq!(t.env.is_some(), version >= 3);
            assert_eq!(t.vtid, if version >= 4 { Some(-1) } else { None });
            assert_eq!(t.root.as_deref(), if version >= 5 { Some("/r") } else { None });
            assert_eq!(t.loginuid, None);
        }
    }

    #[test]
    fn empty_and_padding_only_bodies() {
        assert!(parse(&[], 9).unwrap().threads.is_empty());
        assert!(parse(&[0, 0, 0], 5).unwrap().threads.is_empty());
    }

    #[test]
    fn entry_length_overrunning_the_block() {
        let fields = v9_fields_2022(1, "x");
        let first = with_len(&fields);
        let mut body = first.clone();
        let mut second = with_len(&fields);
        second[..4].copy_from_slice(&((fields.len() + 4 + 8) as u32).to_le_bytes());
        body.extend(second);
        let err = parse(&body, 9).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadMetadata);
        assert_eq!(err.at, first.len());
        assert!(err.message.contains("process entry 1"), "{}", err.message);
    }

    #[test]
    fn entry_length_too_small_for_its_fields() {
        let fields = v9_fields_2022(1, "x");
        let mut body = with_len(&fields);
        // Claim an entry that ends inside `ptid`.
        body[..4].copy_from_slice(&20u32.to_le_bytes());
        let err = parse(&body, 9).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 4 + 16));
        let mut tiny = body.clone();
        tiny[..4].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(parse(&tiny, 9).unwrap_err().at, 0);
    }

    #[test]
    fn string_length_overrunning_the_entry() {
        let mut fields = v9_fields_2022(1, "x");
        // comm length is at 4 (entry_len) + 40 (five u64): make it longer than the entry.
        fields[40..42].copy_from_slice(&1000u16.to_le_bytes());
        let err = parse(&with_len(&fields), 9).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 44));
        // Same in a v1 body: no entry length, the block end bounds the string.
        let mut old = old_entry(1, 1);
        old[24..26].copy_from_slice(&600u16.to_le_bytes());
        let err = parse(&old, 1).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 24));
    }

    #[test]
    fn string_longer_than_libscap_allows() {
        let mut fields = Vec::new();
        for v in [1u64, 1, 0, 0, 1] {
            fields.extend_from_slice(&v.to_le_bytes());
        }
        put_str(&mut fields, &[b'a'; 1025]);
        let err = parse(&with_len(&fields), 9).unwrap_err();
        assert_eq!(err.at, 44);
        assert!(err.message.contains("limit"), "{}", err.message);
    }

    #[test]
    fn four_stray_bytes_are_a_truncated_entry() {
        let mut body = old_entry(5, 1);
        body.extend_from_slice(&[0; 4]);
        let err = parse(&body, 5).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadMetadata);
        assert!(err.at >= old_entry(5, 1).len());
    }

    #[test]
    fn splits_nul_lists() {
        assert!(nul_list(b"").is_empty());
        assert!(nul_list(b"\0").len() == 1 && nul_list(b"\0")[0].is_empty());
        assert_eq!(nul_list(b"a\0\0b"), vec!["a", "", "b"]);
        assert_eq!(nul_list(b"a\0b\0"), vec!["a", "b"]);
    }

    #[test]
    fn garbage_never_panics() {
        let mut fields = v9_fields_2022(9, "zsh");
        fields.extend_from_slice(&[1, 2, 3, 4, 5]);
        sweep_garbage(&with_len(&fields), 1..=9, parse);
    }
}
