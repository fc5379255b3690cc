//! The initial state of a capture: threads from its process list (libsinsp's
//! `sinsp_threadinfo::init(scap_threadinfo)`) and their file descriptors from its fd lists
//! (`add_fd_from_scap`), then the direction fix of sockets seen in /proc
//! (`fix_sockets_coming_from_proc`).

use scap::fdlist::{FdDetail, FdInfo as ScapFd, FdType};
use scap::proclist::ThreadInfo as ScapThread;

use super::paths;
use super::sockets;
use crate::tables::CText;
use crate::threads::fd_info::{fd_flags, fd_type};
use crate::threads::thread_info::flags;
use crate::threads::{FdInfo, ThreadInfo};

/// `PPM_CL_ACTIVE`.
const CL_ACTIVE: u32 = 1 << 19;

/// A NUL-separated list as `set_args`/`set_env` see it: the scap reader keeps a lone NUL as
/// one empty item, while libsinsp strips the final NUL first and so stores nothing.
fn texts(list: &[String]) -> Vec<CText> {
    if matches!(list, [only] if only.is_empty()) {
        return Vec::new();
    }
    list.iter().map(|s| CText::from(s.as_str())).collect()
}

/// `set_cgroups`: "subsys=path" pairs; `_cgroup` dropped from the subsystem name, `perf`, `mem`
/// and `io` renamed `perf_event`, `memory` and `blkio`; an entry
/// without `=` ends the list (libsinsp returns without storing any).
pub fn parse_cgroups(list: &[Vec<u8>]) -> Option<Vec<(CText, CText)>> {
    let mut out = Vec::new();
    for def in list {
        let eq = def.iter().position(|&b| b == b'=')?;
        let mut subsys = def[..eq].to_vec();
        if let Some(p) = subsys.windows(7).position(|w| w == b"_cgroup") {
            subsys.drain(p..p + 7);
        }
        // libsinsp's names for subsystems the kernel calls otherwise (`io` was `blkio`)
        match subsys.as_slice() {
            b"perf" => subsys = b"perf_event".to_vec(),
            b"mem" => subsys = b"memory".to_vec(),
            b"io" => subsys = b"blkio".to_vec(),
            _ => {}
        }
        out.push((CText::new(&subsys), CText::new(&def[eq + 1..])));
    }
    Some(out)
}

/// `set_exepath`: a trailing " (deleted)" goes.
pub fn exepath(raw: &[u8]) -> CText {
    const SUFFIX: &[u8] = b" (deleted)";
    if raw.len() > SUFFIX.len() && raw.ends_with(SUFFIX) {
        CText::new(&raw[..raw.len() - SUFFIX.len()])
    } else {
        CText::new(raw)
    }
}

/// A thread of the process list, as `init(scap_threadinfo)` sets it up.
pub fn thread_from_scap(p: &ScapThread) -> ThreadInfo {
    let mut t = ThreadInfo {
        tid: p.tid as i64,
        pid: p.pid as i64,
        ptid: p.ptid as i64,
        sid: p.sid.map_or(-1, |v| v as i64),
        vpgid: p.vpgid.map_or(-1, |v| v as i64),
        pgid: p.pgid.unwrap_or(-1),
        comm: CText::from(p.comm.as_str()),
        exe: CText::from(p.exe.as_str()),
        exepath: exepath(p.exepath.as_deref().unwrap_or("").as_bytes()),
        exe_writable: p.exe_writable.unwrap_or(false),
        exe_upper_layer: p.exe_upper_layer.unwrap_or(false),
        exe_lower_layer: p.exe_lower_layer.unwrap_or(false),
        exe_from_memfd: p.exe_from_memfd.unwrap_or(false),
        reaper_tid: -1,
        ..ThreadInfo::default()
    };
    t.set_args(texts(&p.args));
    if t.is_main_thread() {
        if let Some(env) = &p.env {
            t.env = texts(env);
        }
        // update_cwd on the thread itself (it is its own main thread)
        let mut cwd = paths::concatenate(t.cwd.as_bytes(), p.cwd.as_bytes());
        if cwd.last() != Some(&b'/') {
            cwd.push(b'/');
        }
        t.cwd = CText::new(&cwd);
    }
    t.flags |= p.flags | CL_ACTIVE;
    t.fdlimit = p.fdlimit as i64;
    t.cap_permitted = p.cap_permitted.unwrap_or(0);
    t.cap_effective = p.cap_effective.unwrap_or(0);
    t.cap_inheritable = p.cap_inheritable.unwrap_or(0);
    t.exe_ino = p.exe_ino.unwrap_or(0);
    t.exe_ino_ctime = p.exe_ino_ctime.unwrap_or(0);
    t.exe_ino_mtime = p.exe_ino_mtime.unwrap_or(0);
    t.vmsize_kb = p.vmsize_kb.unwrap_or(0);
    t.vmrss_kb = p.vmrss_kb.unwrap_or(0);
    t.vmswap_kb = p.vmswap_kb.unwrap_or(0);
    t.pfmajor = p.pfmajor.unwrap_or(0);
    t.pfminor = p.pfminor.unwrap_or(0);
    t.vtid = p.vtid.unwrap_or(-1);
    t.vpid = p.vpid.unwrap_or(-1);
    t.pidns_init_start_ts = p.pidns_init_start_ts.unwrap_or(0);
    t.tty = p.tty.unwrap_or(0);
    let cgroups: Vec<Vec<u8>> = texts(p.cgroups.as_deref().unwrap_or(&[])).iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(c) = parse_cgroups(&cgroups) {
        t.cgroups = c;
    }
    t.root = CText::from(p.root.as_deref().unwrap_or(""));
    t.gid = p.gid;
    t.uid = p.uid;
    t.loginuid = p.loginuid.unwrap_or(u32::MAX);
    // init() sets PPM_CL_NAME_CHANGED first, then ors the process flags in
    t.flags |= flags::NAME_CHANGED;
    t
}

fn le32(ip: std::net::Ipv4Addr) -> u32 {
    u32::from_le_bytes(ip.octets())
}

/// An fd of an fd list (`add_fd_from_scap`); `None` for a type libsinsp does not know.
pub fn fd_from_scap(f: &ScapFd) -> Option<FdInfo> {
    let mut n = FdInfo {
        fd_type: f.fd_type.code(),
        openflags: 0,
        flags: fd_flags::FROM_PROC,
        ino: f.ino,
        fd: f.fd,
        ..FdInfo::default()
    };
    match (&f.fd_type, &f.detail) {
        (FdType::Ipv4Socket, FdDetail::Ipv4Socket { sip, dip, sport, dport, l4proto }) => {
            n.set_ipv4_tuple(le32(*sip), le32(*dip), *sport, *dport, *l4proto);
            if *l4proto == sockets::l4::TCP {
                n.flags |= fd_flags::SOCKET_CONNECTED;
            }
            n.name = CText::from(sockets::ipv4_tuple(&n).as_str());
        }
        (FdType::Ipv4ServerSocket, FdDetail::Ipv4Server { ip, port, l4proto }) => {
            n.set_ipv4_server(le32(*ip), *port, *l4proto);
            n.name = CText::from(sockets::ipv4_server(le32(*ip), *port).as_str());
        }
        (FdType::Ipv6Socket, FdDetail::Ipv6Socket { sip, dip, sport, dport, l4proto }) => {
            let (s, d) = (sip.octets(), dip.octets());
            if sockets::is_ipv4_mapped(&s) && sockets::is_ipv4_mapped(&d) {
                n.fd_type = fd_type::IPV4_SOCK;
                let v4 = |b: &[u8; 16]| u32::from_le_bytes([b[12], b[13], b[14], b[15]]);
                n.set_ipv4_tuple(v4(&s), v4(&d), *sport, *dport, *l4proto);
                if *l4proto == sockets::l4::TCP {
                    n.flags |= fd_flags::SOCKET_CONNECTED;
                }
                n.name = CText::from(sockets::ipv4_tuple(&n).as_str());
            } else {
                n.set_ipv6_tuple(s, d, *sport, *dport, *l4proto);
                if *l4proto == sockets::l4::TCP {
                    n.flags |= fd_flags::SOCKET_CONNECTED;
                }
                n.name = CText::from(sockets::ipv6_tuple(&n).as_str());
            }
        }
        (FdType::Ipv6ServerSocket, FdDetail::Ipv6Server { ip, port, l4proto }) => {
            n.set_ipv6_server(ip.octets(), *port, *l4proto);
            n.name = CText::from(sockets::ipv6_server(&ip.octets(), *port).as_str());
        }
        (FdType::UnixSocket, FdDetail::UnixSocket { source, destination, name }) => {
            n.set_unix_tuple(*source, *destination);
            n.name = CText::from(name.as_str());
            n.flags |= if name.is_empty() { fd_flags::ROLE_CLIENT } else { fd_flags::ROLE_SERVER };
        }
        (FdType::FileV2, FdDetail::File { open_flags, name, dev }) => {
            n.openflags = *open_flags;
            n.name = CText::from(name.as_str());
            n.dev = dev.unwrap_or(0);
        }
        (
            FdType::Fifo
            | FdType::File
            | FdType::Directory
            | FdType::Unsupported
            | FdType::SignalFd
            | FdType::EventPoll
            | FdType::Event
            | FdType::Inotify
            | FdType::TimerFd
            | FdType::Netlink
            | FdType::Bpf
            | FdType::UserFaultFd
            | FdType::IoUring
            | FdType::MemFd
            | FdType::PidFd,
            detail,
        ) => {
            if let FdDetail::Name(s) = detail {
                n.name = CText::from(s.as_str());
            }
        }
        _ => return None,
    }
    Some(n)
}

/// The server port of an fd from an fd list, if it is a listening socket.
pub fn server_port(f: &FdInfo) -> Option<u16> {
    match f.fd_type {
        fd_type::IPV4_SERVSOCK => Some(f.ipv4_server().1),
        fd_type::IPV6_SERVSOCK => Some(f.ipv6_server().1),
        _ => None,
    }
}

/// `fix_sockets_coming_from_proc` for one fd: an IPv4 connection whose source port is a local
/// server port is the server side, so its tuple is turned around.
pub fn fix_socket_direction(f: &mut FdInfo, server_ports: &std::collections::BTreeSet<u16>) {
    if f.fd_type != fd_type::IPV4_SOCK {
        return;
    }
    if !server_ports.contains(&f.ipv4_sport()) {
        f.flags |= fd_flags::ROLE_CLIENT;
        return;
    }
    let (sip, dip, sport, dport, l4) = (f.ipv4_sip(), f.ipv4_dip(), f.ipv4_sport(), f.ipv4_dport(), f.ipv4_l4proto());
    f.set_ipv4_tuple(dip, sip, dport, sport, l4);
    f.name = CText::from(sockets::ipv4_tuple(f).as_str());
    f.flags |= fd_flags::ROLE_SERVER;
}
