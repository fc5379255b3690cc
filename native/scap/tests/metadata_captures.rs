//! Metadata blocks of the real captures in shared/captures (libs, falco and sysdig-plugin):
//! every block parses, every v2-form entry consumes exactly the bytes its length gives, and the
//! parsed values match what the captures are known to hold. Plus crafted malformed blocks
//! through the whole reader, to check the offsets it reports.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use scap::block;
use scap::fdlist::{FdDetail, FdType};
use scap::metadata::Metadata;
use scap::{ErrorKind, Item, ScapReader};

fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures")
}

fn capture(name: &str) -> PathBuf {
    captures_dir().join(name)
}

/// Every capture file under shared/captures (libs/, falco/, sysdig-plugin/).
fn all_captures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["libs", "falco", "sysdig-plugin"] {
        for entry in std::fs::read_dir(captures_dir().join(dir)).expect("shared/captures is present") {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    assert!(files.len() >= 20, "expected the 20 reference captures, found {}", files.len());
    files
}

struct Block {
    block_type: u32,
    metadata: Metadata,
    raw: Vec<u8>,
}

/// Reads the whole capture and returns its metadata blocks; any reader error fails the test.
fn metadata_blocks(path: &Path) -> Vec<Block> {
    let mut reader = ScapReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    loop {
        match reader.next_item() {
            Ok(Some(Item::Metadata { block_type, metadata, .. })) => {
                let raw = reader.last_block().to_vec();
                out.push(Block { block_type, metadata, raw });
            }
            Ok(Some(_)) => {}
            Ok(None) => return out,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

/// Walks the entry lengths of a v2-form block straight from its bytes, independently of the
/// parsers; `None` for v1 forms and machine info. Checks that only 0..3 bytes are left over.
fn raw_v2_entry_lengths(b: &Block) -> Option<Vec<usize>> {
    let (start, counts_itself) = match b.block_type {
        block::PL_V9 | block::UL_V2 => (0, true),
        block::FDL_V2 => (8, true),
        block::IL_V2 => (0, false),
        _ => return None,
    };
    let body = &b.raw[8..b.raw.len() - 4];
    let mut pos = start;
    let mut lens = Vec::new();
    while body.len() - pos >= 4 {
        let len = u32::from_le_bytes(body[pos..pos + 4].try_into().unwrap()) as usize;
        let total = if counts_itself { len } else { len + 4 };
        assert!(total >= 4 && pos + total <= body.len(), "entry at {pos} overruns the body");
        lens.push(total);
        pos += total;
    }
    assert!(body.len() - pos < 4);
    Some(lens)
}

/// The `unknown_tail` of every entry of a list block.
fn unknown_tails(m: &Metadata) -> Vec<u32> {
    match m {
        Metadata::MachineInfo(_) => Vec::new(),
        Metadata::ProcList(p) => p.threads.iter().map(|t| t.unknown_tail).collect(),
        Metadata::FdList(f) => f.fds.iter().map(|fd| fd.unknown_tail).collect(),
        Metadata::IfList(i) => i.interfaces.iter().map(|x| x.unknown_tail).collect(),
        Metadata::UserList(u) => {
            u.users.iter().map(|x| x.unknown_tail).chain(u.groups.iter().map(|g| g.unknown_tail)).collect()
        }
    }
}

#[test]
fn every_metadata_block_of_every_capture_parses_exactly() {
    let mut v2_blocks = 0;
    let mut blocks_total = 0;
    for path in all_captures() {
        let blocks = metadata_blocks(&path);
        blocks_total += blocks.len();
        let mut tids = HashSet::new();
        let mut fd_tids = Vec::new();
        for b in &blocks {
            assert_eq!(unknown_tails(&b.metadata).iter().sum::<u32>(), 0, "{}: unknown bytes", path.display());
            if let Some(lens) = raw_v2_entry_lengths(b) {
                v2_blocks += 1;
                assert_eq!(lens.len(), b.metadata.entry_count(), "{} {:#x}", path.display(), b.block_type);
            }
            match &b.metadata {
                Metadata::ProcList(p) => tids.extend(p.threads.iter().map(|t| t.tid)),
                Metadata::FdList(f) => fd_tids.push(f.tid),
                _ => {}
            }
        }
        // Syscall captures write one fd list per thread of the process list.
        assert_eq!(fd_tids.len(), tids.len(), "{}", path.display());
        assert!(fd_tids.iter().all(|t| tids.contains(t)), "{}", path.display());
    }
    // 9 PL_V9, 8 IL_V2, 8 UL_V2 and the FDL_V2 blocks of the 8 captures that have them.
    assert_eq!(v2_blocks, 9 + 8 + 8 + 94 + 154 + 136 + 100 + 124 + 126 + 218 + 124);
    assert!(blocks_total > 2000);
}

fn proclist(blocks: &[Block]) -> (u32, &scap::proclist::ProcList) {
    blocks
        .iter()
        .find_map(|b| match &b.metadata {
            Metadata::ProcList(p) => Some((b.block_type, p)),
            _ => None,
        })
        .expect("a process list")
}

fn iflist(blocks: &[Block]) -> (u32, &scap::iflist::IfList) {
    blocks
        .iter()
        .find_map(|b| match &b.metadata {
            Metadata::IfList(i) => Some((b.block_type, i)),
            _ => None,
        })
        .expect("an interface list")
}

fn userlist(blocks: &[Block]) -> (u32, &scap::userlist::UserList) {
    blocks
        .iter()
        .find_map(|b| match &b.metadata {
            Metadata::UserList(u) => Some((b.block_type, u)),
            _ => None,
        })
        .expect("a user list")
}

fn fdlists(blocks: &[Block]) -> Vec<(u32, &scap::fdlist::FdList)> {
    blocks
        .iter()
        .filter_map(|b| match &b.metadata {
            Metadata::FdList(f) => Some((b.block_type, f)),
            _ => None,
        })
        .collect()
}

#[test]
fn curl_google_v1_blocks() {
    let blocks = metadata_blocks(&capture("libs/curl_google.scap"));

    let (bt, pl) = proclist(&blocks);
    assert_eq!(bt, block::PL_V5);
    assert_eq!(pl.threads.len(), 54);
    let init = &pl.threads[0];
    assert_eq!((init.tid, init.pid, init.ptid), (1, 1, 0));
    assert_eq!((init.comm.as_str(), init.exe.as_str(), init.cwd.as_str()), ("systemd", "/sbin/init", "/"));
    assert_eq!((init.fdlimit, init.vmsize_kb, init.vmrss_kb), (1_048_576, Some(37972), Some(5976)));
    assert!(init.env.as_ref().unwrap().contains(&"PATH=/sbin:/usr/sbin:/bin:/usr/bin".to_string()));
    assert!(init.cgroups.as_ref().unwrap().contains(&"memory=/init.scope".to_string()));
    assert_eq!((init.vtid, init.vpid, init.root.as_deref()), (Some(1), Some(1), Some("/")));
    // v5 has neither sid, exepath nor any v9 field.
    assert!(init.sid.is_none() && init.exepath.is_none() && init.loginuid.is_none());
    let lvmetad = pl.threads.iter().find(|t| t.tid == 429).unwrap();
    assert_eq!((lvmetad.comm.as_str(), lvmetad.args.clone()), ("lvmetad", vec!["-f".to_string()]));

    let fds = fdlists(&blocks);
    assert_eq!(fds.len(), 54);
    assert!(fds.iter().all(|(bt, _)| *bt == block::FDL));
    assert_eq!(fds.iter().map(|(_, f)| f.fds.len()).sum::<usize>(), 316);
    let init_fds = &fds.iter().find(|(_, f)| f.tid == 1).unwrap().1.fds;
    assert_eq!((init_fds[0].fd, init_fds[0].fd_type), (0, FdType::File));
    assert_eq!(init_fds[0].detail, FdDetail::Name("/dev/null".into()));
    assert_eq!(init_fds[4].fd_type, FdType::EventPoll);
    let sshd_fds = &fds.iter().find(|(_, f)| f.tid == 1397).unwrap().1.fds;
    assert!(sshd_fds
        .iter()
        .any(|fd| fd.detail == FdDetail::Ipv4Server { ip: Ipv4Addr::UNSPECIFIED, port: 22, l4proto: 2 }));
    assert!(sshd_fds
        .iter()
        .any(|fd| fd.detail == FdDetail::Ipv6Server { ip: Ipv6Addr::UNSPECIFIED, port: 22, l4proto: 2 }));

    let (bt, il) = iflist(&blocks);
    assert_eq!(bt, block::IL);
    let names: Vec<&str> = il.interfaces.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["lo", "eth0", "lo", "eth0", "eth0"]);
    assert_eq!(il.interfaces[0].addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(il.interfaces[0].netmask, IpAddr::V4(Ipv4Addr::new(255, 0, 0, 0)));
    assert_eq!(il.interfaces[1].addr, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 79)));
    assert_eq!(il.interfaces[1].bcast, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 255)));
    assert_eq!(il.interfaces[2].addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert!(il.interfaces.iter().all(|i| i.linkspeed == Some(0)));

    let (bt, ul) = userlist(&blocks);
    assert_eq!(bt, block::UL);
    assert_eq!((ul.users.len(), ul.groups.len()), (31, 55));
    let root = &ul.users[0];
    assert_eq!(
        (root.uid, root.gid, root.name.as_str(), root.homedir.as_str(), root.shell.as_str()),
        (0, 0, "root", "/root", "/bin/bash")
    );
    assert_eq!((ul.groups[0].gid, ul.groups[0].name.as_str()), (0, "root"));
}

#[test]
fn editcap_resave_keeps_the_same_metadata() {
    let plain = metadata_blocks(&capture("libs/curl_google.scap"));
    let resaved = metadata_blocks(&capture("libs/curl_google_comments.scap"));
    assert_eq!(plain.len(), resaved.len());
    for (a, b) in plain.iter().zip(&resaved) {
        assert_eq!(a.metadata, b.metadata);
    }
}

#[test]
fn sample_has_post_0_10_process_entries() {
    let blocks = metadata_blocks(&capture("libs/sample.scap"));
    let boot = match &blocks[0].metadata {
        Metadata::MachineInfo(mi) => mi.boot_ts_epoch,
        other => panic!("{other:?}"),
    };
    let (bt, pl) = proclist(&blocks);
    assert_eq!((bt, pl.threads.len()), (block::PL_V9, 94));
    let init = &pl.threads[0];
    assert_eq!(
        (init.tid, init.comm.as_str(), init.exepath.as_deref()),
        (1, "systemd", Some("/usr/lib/systemd/systemd"))
    );
    // Read at the right place only if the libs 0.10 layout was detected: the pid namespace of
    // init started at boot, and the permitted set holds all 41 capabilities of that kernel.
    assert_eq!(init.pidns_init_start_ts, Some(boot));
    assert_eq!(boot, 1_690_556_576_768_000_000);
    assert_eq!((init.tty, init.loginuid, init.exe_writable), (Some(0), Some(u32::MAX), Some(true)));
    assert_eq!((init.cap_inheritable, init.cap_permitted), (Some(0), Some((1 << 41) - 1)));
    assert_eq!((init.exe_upper_layer, init.exe_ino), (Some(false), Some(1_478_732)));
    assert!(pl.threads.iter().all(|t| t.pidns_init_start_ts.is_some() && t.exe_ino_mtime.is_some()));

    let fds = fdlists(&blocks);
    assert_eq!(fds.len(), 94);
    assert!(fds.iter().all(|(bt, _)| *bt == block::FDL_V2));
    assert_eq!(fds.iter().map(|(_, f)| f.fds.len()).sum::<usize>(), 515);
    assert_eq!(fds[0].1.fds[0].detail, FdDetail::File { open_flags: 3, name: "/dev/null".into(), dev: Some(0) });

    let (bt, il) = iflist(&blocks);
    assert_eq!((bt, il.interfaces.len()), (block::IL_V2, 6));
    let docker0 = il.interfaces.iter().find(|i| i.name == "docker0").unwrap();
    assert_eq!(docker0.addr, IpAddr::V4(Ipv4Addr::new(172, 17, 0, 1)));
    assert_eq!(il.interfaces[5].addr, "fe80::5054:ff:fe64:e8e1".parse::<IpAddr>().unwrap());

    let (bt, ul) = userlist(&blocks);
    assert_eq!((bt, ul.users.len(), ul.groups.len()), (block::UL_V2, 34, 61));
}

#[test]
fn pre_0_10_v9_entries() {
    // 2019-era writer: entries end right after root.
    let blocks = metadata_blocks(&capture("libs/single_ipv6_conn.scap"));
    let (_, pl) = proclist(&blocks);
    assert_eq!(pl.threads.len(), 154);
    assert!(pl.threads.iter().all(|t| t.loginuid.is_none() && t.pidns_init_start_ts.is_none()));
    let (_, il) = iflist(&blocks);
    assert_eq!(il.interfaces.len(), 13);
    assert!(il.interfaces.iter().any(|i| i.name == "lo" && i.addr == "2001:db8::4".parse::<IpAddr>().unwrap()));
    let (_, ul) = userlist(&blocks);
    assert_eq!((ul.users.len(), ul.groups.len()), (42, 72));

    // 2020-era writer: loginuid appended, nothing else.
    let blocks = metadata_blocks(&capture("falco/ping_sendto.scap"));
    let (_, pl) = proclist(&blocks);
    assert_eq!(pl.threads.len(), 136);
    assert!(pl.threads.iter().all(|t| t.loginuid.is_some() && t.exe_writable.is_none() && t.tty.is_none()));
    assert_eq!(pl.threads[0].loginuid, Some(u32::MAX));

    // Falco 2021 captures carry the fd's device.
    let blocks = metadata_blocks(&capture("falco/privileged.scap"));
    let fds = fdlists(&blocks);
    assert_eq!(fds[0].1.fds[0].detail, FdDetail::File { open_flags: 3, name: "/dev/null".into(), dev: Some(6) });
}

#[test]
fn old_process_list_versions() {
    // (file, block type, threads, fds): v6, v7 and v8 each exercise a different field set.
    let cases = [
        ("falco/cat_write.scap", block::PL_V6, 73, 384),
        ("falco/empty.scap", block::PL_V6, 103, 373),
        ("falco/open-multiple-files.scap", block::PL_V6, 128, 685),
        ("falco/connect_localhost.scap", block::PL_V7, 184, 690),
        ("falco/syscall.scap", block::PL_V8, 229, 773),
        ("libs/test_ipv6_client.scap", block::PL_V5, 58, 333),
    ];
    for (name, want_type, want_threads, want_fds) in cases {
        let blocks = metadata_blocks(&capture(name));
        let (bt, pl) = proclist(&blocks);
        assert_eq!((bt, pl.threads.len()), (want_type, want_threads), "{name}");
        let fds = fdlists(&blocks);
        assert!(fds.iter().all(|(bt, _)| *bt == block::FDL), "{name}");
        assert_eq!(fds.iter().map(|(_, f)| f.fds.len()).sum::<usize>(), want_fds, "{name}");
        let version = (want_type - block::PL_V4 + 4) as u8;
        for t in &pl.threads {
            assert_eq!(t.sid.is_some(), version >= 6, "{name}");
            assert_eq!(t.exepath.is_some(), version >= 7, "{name}");
            assert_eq!(t.vpgid.is_some(), version >= 8, "{name}");
            assert!(t.root.is_some() && t.loginuid.is_none(), "{name}");
        }
    }

    let blocks = metadata_blocks(&capture("falco/connect_localhost.scap"));
    let init = &proclist(&blocks).1.threads[0];
    assert_eq!(init.exepath.as_deref(), Some("/lib/systemd/systemd"));
    assert_eq!(init.args, vec!["--system", "--deserialize", "19"]);

    let blocks = metadata_blocks(&capture("falco/syscall.scap"));
    let journald = proclist(&blocks).1.threads.iter().find(|t| t.tid == 401).unwrap();
    assert_eq!((journald.comm.as_str(), journald.sid, journald.vpgid), ("systemd-journal", Some(401), Some(401)));

    let blocks = metadata_blocks(&capture("falco/open-multiple-files.scap"));
    let sshd_fds = &fdlists(&blocks).into_iter().find(|(_, f)| f.tid == 335).unwrap().1.fds;
    assert!(sshd_fds.iter().any(|fd| fd.detail
        == FdDetail::Ipv4Socket {
            sip: Ipv4Addr::new(10, 0, 2, 15),
            dip: Ipv4Addr::new(10, 0, 2, 2),
            sport: 22,
            dport: 51598,
            l4proto: 2,
        }));
}

#[test]
fn plugin_captures() {
    for name in ["sysdig-plugin/plugin5.scap", "sysdig-plugin/plugin3.scap.gz", "sysdig-plugin/plugin_big.scap"] {
        assert!(metadata_blocks(&capture(name)).is_empty(), "{name}");
    }
    // sysdig's re-save of a plugin capture: MI and an empty 12-byte PL_V9.
    let blocks = metadata_blocks(&capture("sysdig-plugin/resaved.scap"));
    assert_eq!(blocks.len(), 2);
    let (bt, pl) = proclist(&blocks);
    assert_eq!((bt, pl.threads.len()), (block::PL_V9, 0));
}

// ---- crafted malformed blocks, through the whole reader ----

fn block_bytes(block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = block::total_len_for_body(body.len()) as u32;
    let mut out = block_type.to_le_bytes().to_vec();
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(total as usize - 4, 0);
    out.extend_from_slice(&total.to_le_bytes());
    out
}

/// Reads a capture made of an SHB and `blocks`, returning the first error.
fn first_error(blocks: &[Vec<u8>]) -> scap::ScapError {
    let mut bytes = scap::section::to_bytes().to_vec();
    for b in blocks {
        bytes.extend_from_slice(b);
    }
    let mut reader = ScapReader::new(scap::input::from_bytes(bytes).unwrap());
    loop {
        match reader.next_item() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error"),
            Err(e) => return e,
        }
    }
}

fn str16(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_le_bytes());
    out.extend_from_slice(s);
}

#[test]
fn malformed_blocks_report_file_offsets() {
    let shb = 28u64;
    // UL_V2: the second entry's length runs past the block.
    let mut group = vec![1u8];
    group.extend_from_slice(&7u32.to_le_bytes());
    str16(&mut group, b"wheel");
    let mut body = ((group.len() + 4) as u32).to_le_bytes().to_vec();
    body.extend_from_slice(&group);
    let second_at = body.len();
    body.extend_from_slice(&200u32.to_le_bytes());
    body.extend_from_slice(&group);
    let e = first_error(&[block_bytes(block::UL_V2, &body)]);
    assert_eq!((e.kind, e.offset), (ErrorKind::BadMetadata, shb + 8 + second_at as u64));

    // FDL v1: a name length past the end of the block, after a good IL block.
    let il = {
        let mut e = 1u16.to_le_bytes().to_vec();
        e.extend_from_slice(&2u16.to_le_bytes());
        e.extend_from_slice(&[127, 0, 0, 1, 255, 0, 0, 0, 127, 255, 255, 255]);
        e.extend_from_slice(&0u64.to_le_bytes());
        e.extend_from_slice(b"lo");
        block_bytes(block::IL, &e)
    };
    let mut fdl = 42u64.to_le_bytes().to_vec();
    fdl.extend_from_slice(&3u64.to_le_bytes());
    fdl.extend_from_slice(&9u64.to_le_bytes());
    fdl.push(1);
    let name_at = fdl.len();
    fdl.extend_from_slice(&40u16.to_le_bytes());
    fdl.extend_from_slice(b"/etc");
    let e = first_error(&[il.clone(), block_bytes(block::FDL, &fdl)]);
    assert_eq!((e.kind, e.offset), (ErrorKind::BadMetadata, shb + il.len() as u64 + 8 + name_at as u64));

    // PL_V9: comm longer than its entry.
    let mut entry = Vec::new();
    for v in [1u64, 1, 0, 1, 1] {
        entry.extend_from_slice(&v.to_le_bytes());
    }
    let comm_at = 4 + entry.len();
    str16(&mut entry, b"init");
    let mut body = ((entry.len() + 4) as u32).to_le_bytes().to_vec();
    body.extend_from_slice(&entry);
    body[comm_at..comm_at + 2].copy_from_slice(&9u16.to_le_bytes());
    let e = first_error(&[block_bytes(block::PL_V9, &body)]);
    assert_eq!((e.kind, e.offset), (ErrorKind::BadMetadata, shb + 8 + comm_at as u64));
}
