//! File-descriptor list blocks: the open fds of one thread when the capture started.
//!
//! ```text
//! u64 tid, then entries until fewer than 4 bytes remain:
//!   [FDL_V2 (0x218) only: u32 entry_len, counting itself] u64 fd; u64 ino; u8 type; data
//! ```
//! FDL v1 (0x203/0x8001ABCD) has no entry length, so the type alone says where an entry ends
//! and an unknown type cannot be skipped. The type-specific data (libscap `scap_fd_type`; the
//! reader is `scap_fd_read_from_disk`):
//!
//! | type | data |
//! |---|---|
//! | 3 IPv4 socket | u32 sip, u32 dip, u16 sport, u16 dport, u8 l4proto |
//! | 4 IPv6 socket | 16-byte sip, 16-byte dip, u16 sport, u16 dport, u8 l4proto |
//! | 5 IPv4 server socket | u32 ip, u16 port, u8 l4proto |
//! | 6 IPv6 server socket | 16-byte ip, u16 port, u8 l4proto |
//! | 8 unix socket | u64 source, u64 destination, str name |
//! | 16 file (v2) | u32 open_flags, str name, [FDL_V2 only, if it fits: u32 dev] |
//! | 1, 2, 7, 9..15, 17..21 | str name (file, directory, fifo, eventfd, ... pidfd) |
//! | 0 unknown | nothing |
//!
//! `str` is a u16 length and that many bytes, shorter than 1024 (libscap's limit). Addresses
//! are stored in network byte order, ports in host order.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, Malformed};
use crate::proclist::{EntryLayout, Fields};

/// libscap refuses fd names of `SCAP_MAX_PATH_SIZE` (1024) bytes or more.
const MAX_NAME: usize = 1023;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FdList {
    pub tid: u64,
    pub fds: Vec<FdInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdInfo {
    pub fd: i64,
    pub ino: u64,
    pub fd_type: FdType,
    pub detail: FdDetail,
    /// Bytes at the end of an FDL_V2 entry this parser does not know (fields appended by a
    /// newer writer, or the whole data of an unknown fd type); skipped as libscap does.
    pub unknown_tail: u32,
}

/// libscap's `scap_fd_type` codes as stored in the u8 type field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FdType {
    Unknown,
    File,
    Directory,
    Ipv4Socket,
    Ipv6Socket,
    Ipv4ServerSocket,
    Ipv6ServerSocket,
    Fifo,
    UnixSocket,
    Event,
    Unsupported,
    SignalFd,
    EventPoll,
    Inotify,
    TimerFd,
    Netlink,
    FileV2,
    Bpf,
    UserFaultFd,
    IoUring,
    MemFd,
    PidFd,
    /// A code newer than this parser.
    Other(u8),
}

const FD_TYPES: [FdType; 22] = [
    FdType::Unknown,
    FdType::File,
    FdType::Directory,
    FdType::Ipv4Socket,
    FdType::Ipv6Socket,
    FdType::Ipv4ServerSocket,
    FdType::Ipv6ServerSocket,
    FdType::Fifo,
    FdType::UnixSocket,
    FdType::Event,
    FdType::Unsupported,
    FdType::SignalFd,
    FdType::EventPoll,
    FdType::Inotify,
    FdType::TimerFd,
    FdType::Netlink,
    FdType::FileV2,
    FdType::Bpf,
    FdType::UserFaultFd,
    FdType::IoUring,
    FdType::MemFd,
    FdType::PidFd,
];

impl FdType {
    pub fn from_code(code: u8) -> FdType {
        FD_TYPES.get(code as usize).copied().unwrap_or(FdType::Other(code))
    }

    pub fn code(self) -> u8 {
        match self {
            FdType::Other(code) => code,
            known => FD_TYPES.iter().position(|&t| t == known).expect("listed") as u8,
        }
    }

    /// Short name, as sysdig's `fd.type` shows it where one exists.
    pub fn name(self) -> &'static str {
        match self {
            FdType::Unknown => "unknown",
            FdType::File | FdType::FileV2 => "file",
            FdType::Directory => "directory",
            FdType::Ipv4Socket | FdType::Ipv4ServerSocket => "ipv4",
            FdType::Ipv6Socket | FdType::Ipv6ServerSocket => "ipv6",
            FdType::Fifo => "pipe",
            FdType::UnixSocket => "unix",
            FdType::Event => "event",
            FdType::Unsupported => "unsupported",
            FdType::SignalFd => "signalfd",
            FdType::EventPoll => "eventpoll",
            FdType::Inotify => "inotify",
            FdType::TimerFd => "timerfd",
            FdType::Netlink => "netlink",
            FdType::Bpf => "bpf",
            FdType::UserFaultFd => "userfaultfd",
            FdType::IoUring => "io_uring",
            FdType::MemFd => "memfd",
            FdType::PidFd => "pidfd",
            FdType::Other(_) => "other",
        }
    }
}

/// The type-specific part of an fd entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdDetail {
    /// No data: type 0, or (FDL_V2 only) a type this parser does not know.
    None,
    /// The name of a file, directory, fifo, eventfd, ...
    Name(String),
    /// A regular file (type 16); `dev` only in FDL_V2 entries long enough to hold it.
    File {
        open_flags: u32,
        name: String,
        dev: Option<u32>,
    },
    Ipv4Socket {
        sip: Ipv4Addr,
        dip: Ipv4Addr,
        sport: u16,
        dport: u16,
        l4proto: u8,
    },
    Ipv6Socket {
        sip: Ipv6Addr,
        dip: Ipv6Addr,
        sport: u16,
        dport: u16,
        l4proto: u8,
    },
    Ipv4Server {
        ip: Ipv4Addr,
        port: u16,
        l4proto: u8,
    },
    Ipv6Server {
        ip: Ipv6Addr,
        port: u16,
        l4proto: u8,
    },
    UnixSocket {
        source: u64,
        destination: u64,
        name: String,
    },
}

/// Parses an FDL body: `version` 1 (0x203/0x8001ABCD) or 2 (FDL_V2, 0x218).
pub fn parse(body: &[u8], version: u8) -> Result<FdList, Malformed> {
    if !(1..=2).contains(&version) {
        return Err(Malformed::new(ErrorKind::BadMetadata, 0, format!("unknown fd list version {version}")));
    }
    if body.len() < 8 {
        return Err(Malformed::new(
            ErrorKind::BadMetadata,
            0,
            format!("fd list body is {} bytes, too short for its u64 tid", body.len()),
        ));
    }
    let tid = crate::bytes::le_u64(body, 0);
    let layout = if version == 2 { EntryLayout::Sized { counts_itself: true } } else { EntryLayout::Packed };
    let mut fds = Vec::new();
    Fields::each_entry(body, 8, layout, "fd", |f| {
        fds.push(parse_fd(f, version)?);
        Ok(())
    })?;
    Ok(FdList { tid, fds })
}

fn parse_fd(f: &mut Fields, version: u8) -> Result<FdInfo, Malformed> {
    let fd = f.u64("fd")? as i64;
    let ino = f.u64("ino")?;
    let type_at = f.at();
    let fd_type = FdType::from_code(f.u8("type")?);
    let detail = match fd_type {
        FdType::Ipv4Socket => FdDetail::Ipv4Socket {
            sip: Ipv4Addr::from(f.array::<4>("sip")?),
            dip: Ipv4Addr::from(f.array::<4>("dip")?),
            sport: f.u16("sport")?,
            dport: f.u16("dport")?,
            l4proto: f.u8("l4proto")?,
        },
        FdType::Ipv6Socket => FdDetail::Ipv6Socket {
            sip: Ipv6Addr::from(f.array::<16>("sip")?),
            dip: Ipv6Addr::from(f.array::<16>("dip")?),
            sport: f.u16("sport")?,
            dport: f.u16("dport")?,
            l4proto: f.u8("l4proto")?,
        },
        FdType::Ipv4ServerSocket => FdDetail::Ipv4Server {
            ip: Ipv4Addr::from(f.array::<4>("ip")?),
            port: f.u16("port")?,
            l4proto: f.u8("l4proto")?,
        },
        FdType::Ipv6ServerSocket => FdDetail::Ipv6Server {
            ip: Ipv6Addr::from(f.array::<16>("ip")?),
            port: f.u16("port")?,
            l4proto: f.u8("l4proto")?,
        },
        FdType::UnixSocket => FdDetail::UnixSocket {
            source: f.u64("source")?,
            destination: f.u64("destination")?,
            name: f.str16("name", MAX_NAME)?,
        },
        FdType::FileV2 => {
            let open_flags = f.u32("open_flags")?;
            let name = f.str16("name", MAX_NAME)?;
            // FDL v1 never carries dev; FDL_V2 entries do when their length leaves room.
            let dev = if version == 2 { f.opt_u32() } else { None };
            FdDetail::File { open_flags, name, dev }
        }
        FdType::Unknown => FdDetail::None,
        FdType::Other(code) => {
            if version == 1 {
                return Err(Malformed::new(
                    ErrorKind::BadMetadata,
                    type_at,
                    format!(
                        "fd entry: unknown fd type {code} in an FDL v1 block, whose entries have no length to skip it"
                    ),
                ));
            }
            FdDetail::None
        }
        _ => FdDetail::Name(f.str16("name", MAX_NAME)?),
    };
    let unknown_tail = if version == 2 { f.skip_rest() } else { 0 };
    Ok(FdInfo { fd, ino, fd_type, detail, unknown_tail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proclist::tests::{put_str, sweep_garbage};

    fn entry(version: u8, fd: i64, fd_type: u8, data: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        if version == 2 {
            e.extend_from_slice(&((4 + 8 + 8 + 1 + data.len()) as u32).to_le_bytes());
        }
        e.extend_from_slice(&fd.to_le_bytes());
        e.extend_from_slice(&77u64.to_le_bytes());
        e.push(fd_type);
        e.extend_from_slice(data);
        e
    }

    fn body(tid: u64, entries: &[Vec<u8>]) -> Vec<u8> {
        let mut b = tid.to_le_bytes().to_vec();
        for e in entries {
            b.extend_from_slice(e);
        }
        b
    }

    fn file_v2(flags: u32, name: &str, dev: Option<u32>) -> Vec<u8> {
        let mut d = flags.to_le_bytes().to_vec();
        put_str(&mut d, name.as_bytes());
        if let Some(dev) = dev {
            d.extend_from_slice(&dev.to_le_bytes());
        }
        d
    }

    fn ipv4(sip: [u8; 4], dip: [u8; 4], sport: u16, dport: u16) -> Vec<u8> {
        let mut d = sip.to_vec();
        d.extend_from_slice(&dip);
        d.extend_from_slice(&sport.to_le_bytes());
        d.extend_from_slice(&dport.to_le_bytes());
        d.push(2);
        d
    }

    #[test]
    fn fd_type_codes_match_libscap() {
        assert_eq!(FdType::from_code(1), FdType::File);
        assert_eq!(FdType::from_code(3), FdType::Ipv4Socket);
        assert_eq!(FdType::from_code(4), FdType::Ipv6Socket);
        assert_eq!(FdType::from_code(8), FdType::UnixSocket);
        assert_eq!(FdType::from_code(16), FdType::FileV2);
        assert_eq!(FdType::from_code(21), FdType::PidFd);
        assert_eq!(FdType::from_code(22), FdType::Other(22));
        for code in 0..=255u8 {
            assert_eq!(FdType::from_code(code).code(), code);
        }
    }

    #[test]
    fn every_fd_type_in_both_versions() {
        let mut unix = 1u64.to_le_bytes().to_vec();
        unix.extend_from_slice(&2u64.to_le_bytes());
        put_str(&mut unix, b"/run/x.sock");
        let mut v6 = [0u8; 16].to_vec();
        v6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        v6.extend_from_slice(&[0x50, 0, 0x1F, 0x90, 2]);
        let mut v4srv = vec![0, 0, 0, 0];
        v4srv.extend_from_slice(&[0x16, 0, 2]);
        let mut v6srv = [0u8; 16].to_vec();
        v6srv.extend_from_slice(&[0x16, 0, 2]);
        let mut named = Vec::new();
        put_str(&mut named, b"pipe:[1234]");
        for version in [1u8, 2] {
            let entries = vec![
                entry(version, 0, 16, &file_v2(1, "/dev/null", if version == 2 { Some(5) } else { None })),
                entry(version, 3, 3, &ipv4([127, 0, 0, 1], [10, 0, 0, 2], 40000, 80)),
                entry(version, 4, 4, &v6),
                entry(version, 5, 5, &v4srv),
                entry(version, 6, 6, &v6srv),
                entry(version, 7, 8, &unix),
                entry(version, 8, 7, &named),
                entry(version, 9, 0, &[]),
            ];
            let mut b = body(1234, &entries);
            b.extend_from_slice(&[0, 0, 0]);
            let list = parse(&b, version).unwrap();
            assert_eq!(list.tid, 1234);
            assert_eq!(list.fds.len(), 8);
            let want_dev = if version == 2 { Some(5) } else { None };
            assert_eq!(list.fds[0].detail, FdDetail::File { open_flags: 1, name: "/dev/null".into(), dev: want_dev });
            assert_eq!(
                list.fds[1].detail,
                FdDetail::Ipv4Socket {
                    sip: Ipv4Addr::LOCALHOST,
                    dip: Ipv4Addr::new(10, 0, 0, 2),
                    sport: 40000,
                    dport: 80,
                    l4proto: 2
                }
            );
            match &list.fds[2].detail {
                FdDetail::Ipv6Socket { dip, sport, dport, .. } => {
                    assert_eq!((*dip, *sport, *dport), (Ipv6Addr::LOCALHOST, 80, 0x901F))
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(list.fds[3].detail, FdDetail::Ipv4Server { ip: Ipv4Addr::UNSPECIFIED, port: 22, l4proto: 2 });
            assert!(matches!(list.fds[4].detail, FdDetail::Ipv6Server { port: 22, .. }));
            assert_eq!(
                list.fds[5].detail,
                FdDetail::UnixSocket { source: 1, destination: 2, name: "/run/x.sock".into() }
            );
            assert_eq!(
                (list.fds[6].fd_type, &list.fds[6].detail),
                (FdType::Fifo, &FdDetail::Name("pipe:[1234]".into()))
            );
            assert_eq!((list.fds[7].fd, list.fds[7].detail.clone()), (9, FdDetail::None));
            assert!(list.fds.iter().all(|fd| fd.unknown_tail == 0 && fd.ino == 77));
        }
    }

    #[test]
    fn v2_skips_unknown_types_and_appended_fields() {
        let mut grown = file_v2(0, "/etc/passwd", Some(9));
        grown.extend_from_slice(&[1, 2, 3]);
        let b = body(1, &[entry(2, 3, 200, &[9, 9, 9, 9, 9]), entry(2, 4, 16, &grown)]);
        let list = parse(&b, 2).unwrap();
        assert_eq!((list.fds[0].fd_type, list.fds[0].unknown_tail), (FdType::Other(200), 5));
        assert_eq!(list.fds[1].unknown_tail, 3);
        // A v2 file entry too short for dev simply lacks it.
        let list = parse(&body(1, &[entry(2, 3, 16, &file_v2(0, "/x", None))]), 2).unwrap();
        assert!(matches!(list.fds[0].detail, FdDetail::File { dev: None, .. }));
    }

    #[test]
    fn v1_rejects_unknown_types() {
        let b = body(1, &[entry(1, 3, 22, &[0, 0, 0, 0])]);
        let err = parse(&b, 1).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 8 + 16));
    }

    #[test]
    fn malformed_bodies() {
        assert_eq!(parse(&[0; 7], 2).unwrap_err().at, 0);
        assert!(parse(&[0; 8], 2).unwrap().fds.is_empty());
        // Entry length running past the block.
        let first = entry(2, 0, 7, &[0, 0]);
        let mut second = entry(2, 1, 7, &[0, 0]);
        second[..4].copy_from_slice(&500u32.to_le_bytes());
        let err = parse(&body(1, &[first.clone(), second]), 2).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 8 + first.len()));
        // Name length running past the entry (v2) and past the block (v1).
        for version in [1u8, 2] {
            let mut e = entry(version, 0, 1, &[4, 0, b'a', b'b', b'c', b'd']);
            let len_at = e.len() - 6;
            e[len_at..len_at + 2].copy_from_slice(&5u16.to_le_bytes());
            let err = parse(&body(1, &[e]), version).unwrap_err();
            assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, 8 + len_at), "v{version}: {}", err.message);
        }
        // An entry length smaller than its fixed fields.
        let mut e = entry(2, 0, 7, &[0, 0]);
        e[..4].copy_from_slice(&12u32.to_le_bytes());
        let err = parse(&body(1, &[e]), 2).unwrap_err();
        assert_eq!(err.at, 8 + 12);
    }

    #[test]
    fn garbage_never_panics() {
        let b = body(
            5,
            &[entry(2, 3, 3, &ipv4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)), entry(2, 4, 16, &file_v2(0, "/a", Some(1)))],
        );
        sweep_garbage(&b, 1..=2, parse);
    }
}
