//! One file descriptor of a thread (libsinsp's `sinsp_fdinfo`), with its static fields as
//! plugins see them. The socket part is libsinsp's union, kept as its 40 bytes so that every
//! view of it (IPv4 and IPv6 tuples, server addresses, unix pointers) reads what libsinsp's
//! would.

use std::sync::{Mutex, MutexGuard};

use crate::abi::v3::StateData;
use crate::tables::dynamic::DynValues;
use crate::tables::field::StaticDecl;
use crate::tables::state_type::StateType;
use crate::tables::text::CText;

/// `scap_fd_type` values.
pub mod fd_type {
    pub const UNINITIALIZED: u8 = 255;
    pub const UNKNOWN: u8 = 0;
    pub const FILE: u8 = 1;
    pub const DIRECTORY: u8 = 2;
    pub const IPV4_SOCK: u8 = 3;
    pub const IPV6_SOCK: u8 = 4;
    pub const IPV4_SERVSOCK: u8 = 5;
    pub const IPV6_SERVSOCK: u8 = 6;
    pub const FIFO: u8 = 7;
    pub const UNIX_SOCK: u8 = 8;
    pub const EVENT: u8 = 9;
    pub const UNSUPPORTED: u8 = 10;
    pub const SIGNALFD: u8 = 11;
    pub const EVENTPOLL: u8 = 12;
    pub const INOTIFY: u8 = 13;
    pub const TIMERFD: u8 = 14;
    pub const NETLINK: u8 = 15;
    pub const FILE_V2: u8 = 16;
    pub const BPF: u8 = 17;
    pub const USERFAULTFD: u8 = 18;
    pub const IOURING: u8 = 19;
    pub const MEMFD: u8 = 20;
    pub const PIDFD: u8 = 21;
}

/// `sinsp_fdinfo::flags`.
pub mod fd_flags {
    pub const FROM_PROC: u32 = 1 << 0;
    pub const ROLE_CLIENT: u32 = 1 << 2;
    pub const ROLE_SERVER: u32 = 1 << 3;
    pub const IS_SOCKET_PIPE: u32 = 1 << 6;
    pub const SOCKET_CONNECTED: u32 = 1 << 13;
    pub const IS_CLONED: u32 = 1 << 14;
    pub const CONNECTION_PENDING: u32 = 1 << 15;
    pub const CONNECTION_FAILED: u32 = 1 << 16;
    pub const OVERLAY_UPPER: u32 = 1 << 17;
    pub const OVERLAY_LOWER: u32 = 1 << 18;
}

/// The static fields, in libsinsp's definition order.
pub static FD_FIELDS: &[StaticDecl] = &[
    StaticDecl { name: "type", ty: StateType::U8, read_only: false },
    StaticDecl { name: "open_flags", ty: StateType::U32, read_only: false },
    StaticDecl { name: "name", ty: StateType::Str, read_only: false },
    StaticDecl { name: "name_raw", ty: StateType::Str, read_only: false },
    StaticDecl { name: "old_name", ty: StateType::Str, read_only: false },
    StaticDecl { name: "flags", ty: StateType::U32, read_only: false },
    StaticDecl { name: "dev", ty: StateType::U32, read_only: false },
    StaticDecl { name: "mount_id", ty: StateType::U32, read_only: false },
    StaticDecl { name: "ino", ty: StateType::U64, read_only: false },
    StaticDecl { name: "pid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "fd", ty: StateType::I64, read_only: false },
    StaticDecl { name: "socket_ipv4_src_ip", ty: StateType::U32, read_only: false },
    StaticDecl { name: "socket_ipv4_dest_dip", ty: StateType::U32, read_only: false },
    StaticDecl { name: "socket_ipv4_src_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv4_dst_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv4_l4_proto", ty: StateType::U8, read_only: false },
    StaticDecl { name: "socket_ipv6_src_ip_low", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_src_ip_high", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_dest_ip_low", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_dest_ip_high", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_src_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv6_dst_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv6_l4_proto", ty: StateType::U8, read_only: false },
    StaticDecl { name: "socket_ipv4_server_ip", ty: StateType::U32, read_only: false },
    StaticDecl { name: "socket_ipv4_server_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv4_server_l4_proto", ty: StateType::U8, read_only: false },
    StaticDecl { name: "socket_ipv6_server_ip_low", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_server_ip_high", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_ipv6_server_port", ty: StateType::U16, read_only: false },
    StaticDecl { name: "socket_ipv6_server_l4_proto", ty: StateType::U8, read_only: false },
    StaticDecl { name: "socket_unix_src", ty: StateType::U64, read_only: false },
    StaticDecl { name: "socket_unix_dest", ty: StateType::U64, read_only: false },
];

/// Byte offset and width, in the socket union, of the socket fields (static fields 11..=31).
const SOCK_VIEWS: [(usize, usize); 21] = [
    (0, 4),   // ipv4 sip
    (4, 4),   // ipv4 dip
    (8, 2),   // ipv4 sport
    (10, 2),  // ipv4 dport
    (12, 1),  // ipv4 l4proto
    (0, 8),   // ipv6 sip low (m_b[0..2])
    (8, 8),   // ipv6 sip high
    (16, 8),  // ipv6 dip low
    (24, 8),  // ipv6 dip high
    (32, 2),  // ipv6 sport
    (34, 2),  // ipv6 dport
    (36, 1),  // ipv6 l4proto
    (0, 4),   // ipv4 server ip
    (4, 2),   // ipv4 server port
    (6, 1),   // ipv4 server l4proto
    (0, 8),   // ipv6 server ip low
    (8, 8),   // ipv6 server ip high
    (16, 2),  // ipv6 server port
    (18, 1),  // ipv6 server l4proto
    (0, 8),   // unix source
    (8, 8),   // unix dest
];

#[derive(Clone, Debug)]
pub struct FdInfo {
    pub fd_type: u8,
    pub openflags: u32,
    /// `sinsp_sockinfo`, little-endian as in memory.
    pub sock: [u8; 40],
    pub name: CText,
    pub name_raw: CText,
    pub oldname: CText,
    pub flags: u32,
    pub dev: u32,
    pub mount_id: u32,
    pub ino: u64,
    pub pid: i64,
    pub fd: i64,
}

impl Default for FdInfo {
    fn default() -> Self {
        FdInfo {
            fd_type: fd_type::UNINITIALIZED,
            openflags: 0,
            sock: [0; 40],
            name: CText::default(),
            name_raw: CText::default(),
            oldname: CText::default(),
            flags: 0,
            dev: 0,
            mount_id: 0,
            ino: 0,
            pid: 0,
            fd: -1,
        }
    }
}

impl FdInfo {
    fn sock_get(&self, at: usize, width: usize) -> u64 {
        let mut b = [0u8; 8];
        b[..width].copy_from_slice(&self.sock[at..at + width]);
        u64::from_le_bytes(b)
    }

    fn sock_set(&mut self, at: usize, width: usize, v: u64) {
        self.sock[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
    }

    // IPv4 tuple views.
    pub fn ipv4_sip(&self) -> u32 {
        self.sock_get(0, 4) as u32
    }
    pub fn ipv4_dip(&self) -> u32 {
        self.sock_get(4, 4) as u32
    }
    pub fn ipv4_sport(&self) -> u16 {
        self.sock_get(8, 2) as u16
    }
    pub fn ipv4_dport(&self) -> u16 {
        self.sock_get(10, 2) as u16
    }
    pub fn ipv4_l4proto(&self) -> u8 {
        self.sock[12]
    }
    pub fn set_ipv4_tuple(&mut self, sip: u32, dip: u32, sport: u16, dport: u16, l4proto: u8) {
        self.sock_set(0, 4, sip as u64);
        self.sock_set(4, 4, dip as u64);
        self.sock_set(8, 2, sport as u64);
        self.sock_set(10, 2, dport as u64);
        self.sock[12] = l4proto;
    }
    // IPv6 tuple views.
    pub fn ipv6_sip(&self) -> [u8; 16] {
        self.sock[0..16].try_into().expect("16 bytes")
    }
    pub fn ipv6_dip(&self) -> [u8; 16] {
        self.sock[16..32].try_into().expect("16 bytes")
    }
    pub fn ipv6_sport(&self) -> u16 {
        self.sock_get(32, 2) as u16
    }
    pub fn ipv6_dport(&self) -> u16 {
        self.sock_get(34, 2) as u16
    }
    pub fn ipv6_l4proto(&self) -> u8 {
        self.sock[36]
    }
    pub fn set_ipv6_tuple(&mut self, sip: [u8; 16], dip: [u8; 16], sport: u16, dport: u16, l4proto: u8) {
        self.sock[0..16].copy_from_slice(&sip);
        self.sock[16..32].copy_from_slice(&dip);
        self.sock_set(32, 2, sport as u64);
        self.sock_set(34, 2, dport as u64);
        self.sock[36] = l4proto;
    }
    // Server views.
    pub fn ipv4_server(&self) -> (u32, u16, u8) {
        (self.sock_get(0, 4) as u32, self.sock_get(4, 2) as u16, self.sock[6])
    }
    pub fn set_ipv4_server(&mut self, ip: u32, port: u16, l4proto: u8) {
        self.sock_set(0, 4, ip as u64);
        self.sock_set(4, 2, port as u64);
        self.sock[6] = l4proto;
    }
    pub fn ipv6_server(&self) -> ([u8; 16], u16, u8) {
        (self.sock[0..16].try_into().expect("16 bytes"), self.sock_get(16, 2) as u16, self.sock[18])
    }
    pub fn set_ipv6_server(&mut self, ip: [u8; 16], port: u16, l4proto: u8) {
        self.sock[0..16].copy_from_slice(&ip);
        self.sock_set(16, 2, port as u64);
        self.sock[18] = l4proto;
    }
    // Unix views.
    pub fn unix_tuple(&self) -> (u64, u64) {
        (self.sock_get(0, 8), self.sock_get(8, 8))
    }
    pub fn set_unix_tuple(&mut self, source: u64, dest: u64) {
        self.sock_set(0, 8, source);
        self.sock_set(8, 8, dest);
    }

    pub fn is_file(&self) -> bool {
        matches!(self.fd_type, fd_type::FILE | fd_type::FILE_V2)
    }

    pub fn is_socket(&self) -> bool {
        matches!(
            self.fd_type,
            fd_type::IPV4_SOCK | fd_type::IPV6_SOCK | fd_type::IPV4_SERVSOCK | fd_type::IPV6_SERVSOCK | fd_type::UNIX_SOCK
        )
    }

    pub(crate) fn read_static(&self, index: usize, out: &mut StateData) {
        match index {
            0 => out.u8 = self.fd_type,
            1 => out.u32 = self.openflags,
            2 => out.str = self.name.as_ptr(),
            3 => out.str = self.name_raw.as_ptr(),
            4 => out.str = self.oldname.as_ptr(),
            5 => out.u32 = self.flags,
            6 => out.u32 = self.dev,
            7 => out.u32 = self.mount_id,
            8 => out.u64 = self.ino,
            9 => out.s64 = self.pid,
            10 => out.s64 = self.fd,
            i @ 11..=31 => {
                let (at, width) = SOCK_VIEWS[i - 11];
                out.u64 = self.sock_get(at, width);
            }
            _ => {}
        }
    }

    /// # Safety
    /// A string in `v` is NULL or NUL-terminated.
    pub(crate) unsafe fn write_static(&mut self, index: usize, v: &StateData) -> Result<(), String> {
        // SAFETY: the member of the field's type; strings per the contract.
        unsafe {
            match index {
                0 => self.fd_type = v.u8,
                1 => self.openflags = v.u32,
                2 => self.name.set_c(v.str),
                3 => self.name_raw.set_c(v.str),
                4 => self.oldname.set_c(v.str),
                5 => self.flags = v.u32,
                6 => self.dev = v.u32,
                7 => self.mount_id = v.u32,
                8 => self.ino = v.u64,
                9 => self.pid = v.s64,
                10 => self.fd = v.s64,
                i @ 11..=31 => {
                    let (at, width) = SOCK_VIEWS[i - 11];
                    self.sock_set(at, width, v.u64);
                }
                _ => return Err("unknown fd field".into()),
            }
        }
        Ok(())
    }
}

/// A file descriptor as its table holds it.
pub struct FdEntry {
    info: Mutex<FdInfo>,
    pub(crate) dynamic: Mutex<DynValues>,
}

impl FdEntry {
    pub fn new(info: FdInfo) -> FdEntry {
        FdEntry { info: Mutex::new(info), dynamic: Mutex::new(DynValues::default()) }
    }

    pub fn info(&self) -> MutexGuard<'_, FdInfo> {
        self.info.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn dynamic(&self) -> MutexGuard<'_, DynValues> {
        self.dynamic.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy with the same values (libsinsp's `clone()`, dynamic fields included).
    pub fn duplicate(&self) -> FdEntry {
        FdEntry { info: Mutex::new(self.info().clone()), dynamic: Mutex::new(self.dynamic().clone()) }
    }
}
