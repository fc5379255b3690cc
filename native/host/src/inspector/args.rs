//! Event parameters as text, as libsinsp renders them (`sinsp_evt::get_param_as_str`): a value
//! and, when it can say more, a resolved form (an fd's type and name, an errno's name, a
//! relative path joined to the cwd, a flag set's names, a user's name). `evt.arg.X` prints the
//! resolved form when there is one, `evt.args` prints both.

#[allow(dead_code)]
#[rustfmt::skip]
mod names {
    include!("names.rs");
}

use std::sync::Arc;

use scap::event_schema::{self as schema, pf, pt, ParamSchema};

use super::event::Evt;
use super::parse_exec::AT_FDCWD;
use super::sockets;
use super::Inspector;
use crate::threads::fd_info::fd_type;
use crate::threads::{FdInfo, ThreadEntry};

/// `sinsp_evt::param_fmt`: how buffers and fds render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamFmt {
    Normal,
    /// `PF_SIMPLE`: fds without their type character.
    Simple,
}

pub fn errno_name(code: i64) -> &'static str {
    let c = (-code) as i32;
    names::ERRNO_NAMES.iter().find(|(n, _)| *n == c).map_or("", |(_, s)| s)
}

pub fn signal_name(sig: u8) -> Option<&'static str> {
    names::SIGNAL_NAMES.iter().find(|(n, _)| *n == sig).map(|(_, s)| *s)
}

/// A ppm_sc code's name (a syscall or a tracepoint: `scap_get_ppm_sc_name`).
pub fn is_ppm_sc_name(name: &str) -> bool {
    names::SYSCALL_NAMES.iter().any(|(_, s)| *s == name)
}

pub fn syscall_name(sc: u16) -> Option<&'static str> {
    names::SYSCALL_NAMES.iter().find(|(n, _)| *n == sc).map(|(_, s)| *s)
}

/// `evt.type` of a generic syscall exit: the syscall's name from its ppm_sc code or, for
/// captures that only knew the native x86_64 number, from that (`scap_native_id_to_ppm_sc`).
pub fn generic_syscall_name(e: &Evt) -> Option<&'static str> {
    if e.etype != super::codes::GENERIC_X {
        return None;
    }
    let mut sc = e.u16(0);
    if sc == 0 && e.nparams() > 1 && !e.empty(1) {
        let native = e.u16(1);
        sc = names::NATIVE_ID_TO_SC.iter().find(|(n, _)| *n == native).map_or(0, |(_, s)| *s);
    }
    Some(syscall_name(sc).unwrap_or(""))
}

/// `get_typechar`.
pub fn typechar(f: &FdInfo) -> u8 {
    match f.fd_type {
        fd_type::FILE | fd_type::FILE_V2 => b'f',
        fd_type::IPV4_SOCK | fd_type::IPV4_SERVSOCK => b'4',
        fd_type::IPV6_SOCK | fd_type::IPV6_SERVSOCK => b'6',
        fd_type::DIRECTORY => b'd',
        fd_type::FIFO => b'p',
        fd_type::UNIX_SOCK => b'u',
        fd_type::EVENT => b'e',
        fd_type::UNKNOWN => b'o',
        fd_type::UNSUPPORTED => b'X',
        fd_type::SIGNALFD => b's',
        fd_type::EVENTPOLL => b'l',
        fd_type::INOTIFY => b'i',
        fd_type::TIMERFD => b't',
        fd_type::NETLINK => b'n',
        fd_type::BPF => b'b',
        fd_type::USERFAULTFD => b'u',
        fd_type::IOURING => b'r',
        fd_type::MEMFD => b'm',
        fd_type::PIDFD => b'P',
        _ => b'?',
    }
}

/// `get_l4proto`.
pub fn l4proto(f: &FdInfo) -> u8 {
    use super::sockets::l4;
    let none = f.flags & (crate::threads::fd_info::fd_flags::ROLE_CLIENT | crate::threads::fd_info::fd_flags::ROLE_SERVER) == 0;
    match f.fd_type {
        fd_type::IPV4_SOCK => {
            if f.ipv4_l4proto() == l4::RAW {
                l4::RAW
            } else if none {
                l4::NA
            } else {
                f.ipv4_l4proto()
            }
        }
        fd_type::IPV4_SERVSOCK => f.ipv4_server().2,
        fd_type::IPV6_SOCK => {
            if f.ipv6_l4proto() == l4::RAW {
                l4::RAW
            } else if none {
                l4::NA
            } else {
                f.ipv6_l4proto()
            }
        }
        fd_type::IPV6_SERVSOCK => f.ipv6_server().2,
        _ => l4::NA,
    }
}

/// C's `%g` of a double (6 significant digits, trailing zeros removed).
fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{:.5e}", v);
        let (mant, e) = s.split_once('e').expect("exponent");
        let mant = mant.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().expect("exponent");
        return format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number with its print format (`SET_NUMERIC_FORMAT`); `bits` is the C type's width,
/// `signed` whether printf gets a signed value.
fn num(v: i64, fmt: u32, bits: u32, signed: bool) -> String {
    let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    // printf promotes 8/16-bit values to int; %X and %o then print the int's 32 bits
    let promoted_unsigned = if bits < 32 { (v as i32 as u32) as u64 } else { v as u64 & mask };
    match fmt {
        pf::OCT => {
            let u = promoted_unsigned;
            if u == 0 {
                "0".into()
            } else {
                format!("0{u:o}")
            }
        }
        pf::HEX => format!("{promoted_unsigned:X}"),
        pf::TEN_PADDED_DEC => {
            if signed {
                format!("{:09}", v)
            } else {
                format!("{:09}", v as u64 & mask)
            }
        }
        _ => {
            if signed {
                v.to_string()
            } else {
                (v as u64 & mask).to_string()
            }
        }
    }
}

fn le(p: &[u8], n: usize) -> i64 {
    let mut b = [0u8; 8];
    let k = n.min(p.len());
    b[..k].copy_from_slice(&p[..k]);
    let u = u64::from_le_bytes(b);
    match n {
        1 => u as u8 as i8 as i64,
        2 => u as u16 as i16 as i64,
        4 => u as u32 as i32 as i64,
        _ => u as i64,
    }
}

/// `binary_buffer_to_string_dots`: printable ASCII kept, everything else a dot.
pub fn dots(p: &[u8]) -> Vec<u8> {
    p.iter().map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'.' }).collect()
}

fn flag_names(val: u32, table: i32, exact: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sep = "";
    let mut v = val;
    for f in schema::flag_names(table) {
        let matched = if exact {
            f.value == val
        } else if (f.value == 0 && val == 0) || (f.value != 0 && v & f.value == f.value && v != 0) {
            v &= !f.value;
            true
        } else {
            false
        };
        if matched {
            out.extend_from_slice(sep.as_bytes());
            out.extend_from_slice(f.name.as_bytes());
            sep = "|";
            if !exact && f.value == val {
                break;
            }
        }
    }
    out
}

fn mode_names(val: u32, table: i32) -> Vec<u8> {
    let names = schema::flag_names(table);
    let mut out = Vec::new();
    let mut sep = "";
    let mut v = val;
    let mut i = 0;
    while i < names.len() && names[i].value != val {
        let m = &names[i];
        if (m.value == 0 && val == 0) || (m.value != 0 && v & m.value == m.value && v != 0) {
            out.extend_from_slice(sep.as_bytes());
            out.extend_from_slice(m.name.as_bytes());
            sep = "|";
            v &= !m.value;
        }
        i += 1;
    }
    if i < names.len() {
        out.extend_from_slice(sep.as_bytes());
        out.extend_from_slice(names[i].name.as_bytes());
    }
    out
}

/// A user's (or group's) name: the capture's user list, root for 0, else this host's
/// database (libsinsp looks up unknown host users with `getpwuid`).
fn cred_name(insp: &Inspector, id: u32, group: bool) -> Vec<u8> {
    let map = if group { &insp.groups } else { &insp.users };
    if let Some(u) = map.get(&id) {
        if !u.name.is_empty() {
            return u.name.clone();
        }
    }
    if id == 0 && !group {
        return b"root".to_vec();
    }
    host_cred_name(id, group).unwrap_or_else(|| b"<NA>".to_vec())
}

fn host_cred_name(id: u32, group: bool) -> Option<Vec<u8>> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: the reentrant libc lookups with our own buffers.
    unsafe {
        if group {
            let mut g: libc::group = std::mem::zeroed();
            let mut res: *mut libc::group = std::ptr::null_mut();
            if libc::getgrgid_r(id, &mut g, buf.as_mut_ptr(), buf.len(), &mut res) == 0 && !res.is_null() {
                return Some(std::ffi::CStr::from_ptr(g.gr_name).to_bytes().to_vec());
            }
        } else {
            let mut p: libc::passwd = std::mem::zeroed();
            let mut res: *mut libc::passwd = std::ptr::null_mut();
            if libc::getpwuid_r(id, &mut p, buf.as_mut_ptr(), buf.len(), &mut res) == 0 && !res.is_null() {
                return Some(std::ffi::CStr::from_ptr(p.pw_name).to_bytes().to_vec());
            }
        }
    }
    None
}

/// An absolute time as libsinsp prints it (in UTC: scaptool renders capture times in UTC).
fn abstime(ns: u64) -> String {
    let secs = (ns / 1_000_000_000) as i64;
    let nsec = ns % 1_000_000_000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (proleptic Gregorian)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{nsec:09}", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl Inspector {
    /// `get_param_as_str` of parameter `id` of `e` (the thread and fd `e` carries): the value
    /// and the resolved form (empty when there is none).
    pub fn param_as_str(&self, e: &Evt, id: usize, fmt: ParamFmt) -> (Vec<u8>, Vec<u8>) {
        let Some(ev) = schema::event(e.etype) else { return (Vec::new(), Vec::new()) };
        let Some(outer) = ev.params.get(id) else { return (Vec::new(), Vec::new()) };
        let raw = e.raw(id).unwrap_or(&[]);
        let legacy_null = matches!(outer.ty, pt::CHARBUF | pt::FSPATH | pt::FSRELPATH)
            && (raw.is_empty() || (raw.len() == 7 && &raw[..6] == b"(NULL)"));
        if !legacy_null && raw.is_empty() {
            let v: &[u8] = match outer.ty {
                pt::BYTEBUF | pt::SOCKTUPLE | pt::FDLIST | pt::CHARBUFARRAY | pt::CHARBUF_PAIR_ARRAY | pt::DYN => b"NULL",
                _ => b"<NA>",
            };
            return (v.to_vec(), Vec::new());
        }
        let mut info: &ParamSchema = outer;
        let mut p: &[u8] = if legacy_null { b"<NA>\0" } else { raw };
        if outer.ty == pt::DYN {
            let dyns = schema::dyn_params(outer.dyn_table);
            if !dyns.is_empty() {
                let idx = p[0] as usize;
                if idx < dyns.len() {
                    info = &dyns[idx];
                    p = &p[1..];
                }
            }
        }
        let nfmt = outer.fmt;
        let t = e.tinfo.as_ref();
        let mut resolved = Vec::new();
        let value: Vec<u8> = match info.ty {
            pt::INT8 => num(le(p, 1), nfmt, 8, true).into_bytes(),
            pt::INT16 => num(le(p, 2), nfmt, 16, true).into_bytes(),
            pt::INT32 => num(le(p, 4), nfmt, 32, true).into_bytes(),
            pt::INT64 => num(le(p, 8), nfmt, 64, true).into_bytes(),
            pt::UINT8 => num(le(p, 1) as u8 as i64, nfmt, 8, true).into_bytes(),
            pt::UINT16 => num(le(p, 2) as u16 as i64, nfmt, 16, true).into_bytes(),
            // %d of a uint32 prints it signed, as libsinsp does
            pt::UINT32 => num(le(p, 4), nfmt, 32, true).into_bytes(),
            pt::UINT64 => num(le(p, 8), nfmt, 64, true).into_bytes(),
            pt::FD => {
                let fd = le(p, 8);
                if let Some(t) = t {
                    resolved = self.render_fd(t, fd, fmt);
                }
                fd.to_string().into_bytes()
            }
            pt::PID => {
                let pid = le(p, 8);
                if let Some(th) = self.tm.find(pid, true) {
                    resolved = th.info().comm.as_bytes().to_vec();
                }
                pid.to_string().into_bytes()
            }
            pt::ERRNO => {
                let v = le(p, 8);
                if v < 0 {
                    resolved = errno_name(v).as_bytes().to_vec();
                }
                v.to_string().into_bytes()
            }
            pt::CHARBUF => sockets::cstr_at(p, 0).to_vec(),
            pt::FSPATH | pt::FSRELPATH => {
                let path = sockets::cstr_at(p, 0).to_vec();
                match t {
                    Some(t) => {
                        if path != b"<NA>" {
                            let cwd = self.base_dir(e, outer, t);
                            if !(path.is_empty() || path[0] == b'/') {
                                resolved = super::paths::concatenate(&cwd, &path);
                            }
                        }
                    }
                    None => resolved = path.clone(),
                }
                path
            }
            pt::BYTEBUF => dots(p),
            pt::SOCKADDR => sockets::render_sockaddr(p),
            pt::SOCKTUPLE => sockets::render_socktuple(p),
            pt::FDLIST => match t {
                None => Vec::new(),
                Some(t) => {
                    let n = if p.len() >= 2 { u16::from_le_bytes([p[0], p[1]]) as usize } else { 0 };
                    let mut out = Vec::new();
                    for j in 0..n {
                        let at = 2 + j * 10;
                        if at + 10 > p.len() {
                            break;
                        }
                        let fd = le(&p[at..], 8);
                        let tch = self.get_fd(t, fd).map_or(b'?', |f| typechar(&f.info()));
                        let flags = le(&p[at + 8..], 2) as i16 as i32 as u32;
                        out.extend_from_slice(format!("{}:{}{:x}", fd as u64, tch as char, flags).as_bytes());
                        if j + 1 < n {
                            out.push(b' ');
                        }
                    }
                    out
                }
            },
            pt::SYSCALLID => {
                let sc = le(p, 2) as u16;
                resolved = syscall_name(sc).unwrap_or("").as_bytes().to_vec();
                sc.to_string().into_bytes()
            }
            pt::SIGTYPE => {
                let s = le(p, 1) as u8;
                if let Some(n) = signal_name(s) {
                    resolved = n.as_bytes().to_vec();
                }
                s.to_string().into_bytes()
            }
            pt::RELTIME => {
                let v = le(p, 8) as u64;
                if v == u64::MAX {
                    b"none".to_vec()
                } else {
                    resolved = format!("{}s", fmt_g(v as f64 / 1e9)).into_bytes();
                    v.to_string().into_bytes()
                }
            }
            pt::FLAGS8 | pt::FLAGS16 | pt::FLAGS32 | pt::ENUMFLAGS8 | pt::ENUMFLAGS16 | pt::ENUMFLAGS32 => {
                let v = match info.ty {
                    pt::FLAGS8 | pt::ENUMFLAGS8 => le(p, 1) as u8 as u32,
                    pt::FLAGS16 | pt::ENUMFLAGS16 => le(p, 2) as u16 as u32,
                    _ => le(p, 4) as u32,
                };
                let exact = matches!(info.ty, pt::ENUMFLAGS8 | pt::ENUMFLAGS16 | pt::ENUMFLAGS32);
                resolved = flag_names(v, outer.flags, exact);
                v.to_string().into_bytes()
            }
            pt::MODE => {
                let v = le(p, 4) as u32;
                resolved = mode_names(v, outer.flags);
                num(v as i32 as i64, nfmt, 32, true).into_bytes()
            }
            pt::ABSTIME => abstime(le(p, 8) as u64).into_bytes(),
            pt::UID | pt::GID => {
                let v = le(p, 4) as u32;
                if v < u32::MAX {
                    resolved = if t.is_some() { cred_name(self, v, info.ty == pt::GID) } else { b"<NA>".to_vec() };
                    (v as i32).to_string().into_bytes()
                } else {
                    resolved = b"<NONE>".to_vec();
                    b"-1".to_vec()
                }
            }
            pt::SIGSET => {
                let v = le(p, 4) as u32;
                let mut out: Vec<u8> = Vec::new();
                for sig in 0..32u8 {
                    if v & (1 << sig) != 0 {
                        if let Some(n) = signal_name(sig + 1) {
                            if !out.is_empty() {
                                out.push(b' ');
                            }
                            out.extend_from_slice(n.as_bytes());
                        }
                    }
                }
                out
            }
            pt::DYN => b"INVALID DYNAMIC PARAMETER".to_vec(),
            _ => b"(n.a.)".to_vec(),
        };
        (value, resolved)
    }

    /// `render_fd`'s resolved form.
    fn render_fd(&self, t: &Arc<ThreadEntry>, fd: i64, fmt: ParamFmt) -> Vec<u8> {
        if fd >= 0 {
            let Some(f) = self.get_fd(t, fd) else { return Vec::new() };
            let f = f.info();
            let mut out = vec![b'<'];
            if fmt != ParamFmt::Simple {
                out.push(typechar(&f));
            }
            if matches!(f.fd_type, fd_type::IPV4_SOCK | fd_type::IPV6_SOCK | fd_type::IPV4_SERVSOCK | fd_type::IPV6_SERVSOCK) {
                use super::sockets::l4;
                match l4proto(&f) {
                    l4::TCP => out.push(b't'),
                    l4::UDP => out.push(b'u'),
                    l4::ICMP => out.push(b'i'),
                    l4::RAW => out.push(b'r'),
                    _ => {}
                }
            }
            out.push(b'>');
            out.extend_from_slice(f.name.as_bytes());
            out
        } else if fd == AT_FDCWD {
            b"AT_FDCWD".to_vec()
        } else {
            errno_name(fd).as_bytes().to_vec()
        }
    }

    /// `get_base_dir`: what a relative path parameter is relative to.
    fn base_dir(&self, e: &Evt, info: &ParamSchema, t: &Arc<ThreadEntry>) -> Vec<u8> {
        let cwd = self.get_cwd(t);
        if info.ty != pt::FSRELPATH {
            return cwd;
        }
        let Some(ev) = schema::event(e.etype) else { return cwd };
        let idx = info.dirfd;
        if idx < 0 || idx as usize >= ev.params.len() || ev.params[idx as usize].ty != pt::FD {
            return cwd;
        }
        let dirfd = e.i64(idx as usize);
        if dirfd == AT_FDCWD {
            return cwd;
        }
        match self.get_fd(t, dirfd) {
            Some(f) => {
                let mut n = f.info().name.as_bytes().to_vec();
                if n.is_empty() {
                    return Vec::new();
                }
                if n.last() != Some(&b'/') {
                    n.push(b'/');
                }
                n
            }
            None => Vec::new(),
        }
    }

    /// The text `PF_SIMPLE` gives a parameter (the parsers name sockets with it).
    pub(crate) fn param_str_simple(&self, e: &Evt, id: usize) -> Vec<u8> {
        self.param_as_str(e, id, ParamFmt::Simple).0
    }

    /// `evt.arg.NAME` / `evt.arg[N]`: the resolved form when there is one, else the value
    /// (`None`: the event has no such parameter).
    pub fn arg_text(&self, e: &Evt, id: usize) -> Option<Vec<u8>> {
        if id >= e.nparams() {
            return None;
        }
        let (v, r) = self.param_as_str(e, id, ParamFmt::Normal);
        Some(if r.is_empty() { v } else { r })
    }

    /// `evt.args`: every parameter as `name=value` (with `(resolved)`), space-separated;
    /// nothing for generic syscall events.
    pub fn args_text(&self, e: &Evt) -> Vec<u8> {
        if e.etype == super::codes::GENERIC_X {
            return Vec::new();
        }
        let Some(ev) = schema::event(e.etype) else { return Vec::new() };
        let mut out = Vec::new();
        for j in 0..e.nparams() {
            let (v, r) = self.param_as_str(e, j, ParamFmt::Normal);
            out.extend_from_slice(ev.params.get(j).map_or("", |p| p.name).as_bytes());
            out.push(b'=');
            out.extend_from_slice(&v);
            if !r.is_empty() {
                out.push(b'(');
                out.extend_from_slice(&r);
                out.push(b')');
            }
            out.push(b' ');
        }
        out.pop();
        out
    }
}
