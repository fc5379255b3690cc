//! Interface list blocks: the machine's IPv4 and IPv6 interface addresses.
//!
//! ```text
//! entries until fewer than 4 bytes remain:
//!   [IL_V2 (0x219) only: u32 entry_len, NOT counting itself]
//!   u16 type; u16 ifnamelen; addr, netmask, bcast; [u64 linkspeed]; name bytes (no NUL)
//! ```
//! Types (libscap `scap_ifinfo_type`): 1 IPv4, 2 IPv6, 3 IPv4 without link speed, 4 IPv6
//! without link speed; addresses are 4 bytes each for IPv4 and 16 for IPv6, in network byte
//! order. IL v1 (0x205/0x8011ABCD) has no entry length: the packed `scap_ifinfo_*` struct
//! sizes plus the name length give it (24, 60, 16 or 52 bytes + name), which is why an unknown
//! type is fatal there. libscap (`scap_read_iflist`) refuses unknown types in IL_V2 too, and
//! names of 1024 bytes or more.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, Malformed};
use crate::proclist::{EntryLayout, Fields};

/// libscap refuses interface names of `SCAP_MAX_PATH_SIZE` (1024) bytes or more.
const MAX_NAME: usize = 1023;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IfList {
    pub interfaces: Vec<Interface>,
}

/// One interface address (an interface with several addresses has several entries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    /// `addr`, `netmask` and `bcast` share the family: IPv4 for types 1 and 3, IPv6 for 2 and 4.
    pub addr: IpAddr,
    pub netmask: IpAddr,
    pub bcast: IpAddr,
    /// `None` for the "no link speed" types 3 and 4.
    pub linkspeed: Option<u64>,
    /// Bytes at the end of an IL_V2 entry this parser does not know (fields appended by a newer
    /// writer); skipped as libscap does.
    pub unknown_tail: u32,
}

impl Interface {
    /// The on-disk type code (1..=4).
    pub fn type_code(&self) -> u16 {
        match (self.addr.is_ipv4(), self.linkspeed.is_some()) {
            (true, true) => 1,
            (false, true) => 2,
            (true, false) => 3,
            (false, false) => 4,
        }
    }
}

/// Parses an IL body: `version` 1 (0x205/0x8011ABCD) or 2 (IL_V2, 0x219).
pub fn parse(body: &[u8], version: u8) -> Result<IfList, Malformed> {
    if !(1..=2).contains(&version) {
        return Err(Malformed::new(ErrorKind::BadMetadata, 0, format!("unknown interface list version {version}")));
    }
    let layout = if version == 2 { EntryLayout::Sized { counts_itself: false } } else { EntryLayout::Packed };
    let mut interfaces = Vec::new();
    Fields::each_entry(body, 0, layout, "interface", |f| {
        interfaces.push(parse_interface(f, version)?);
        Ok(())
    })?;
    Ok(IfList { interfaces })
}

fn parse_interface(f: &mut Fields, version: u8) -> Result<Interface, Malformed> {
    let type_at = f.at();
    let if_type = f.u16("type")?;
    let name_len_at = f.at();
    let name_len = f.u16("ifnamelen")? as usize;
    let (v6, has_speed) = match if_type {
        1 => (false, true),
        2 => (true, true),
        3 => (false, false),
        4 => (true, false),
        other => {
            return Err(Malformed::new(
                ErrorKind::BadMetadata,
                type_at,
                format!("interface entry: unknown interface type {other} (libscap knows 1..=4)"),
            ))
        }
    };
    if name_len > MAX_NAME {
        return Err(Malformed::new(
            ErrorKind::BadMetadata,
            name_len_at,
            format!("interface entry: name length {name_len} exceeds libscap's limit of {MAX_NAME}"),
        ));
    }
    let mut addr = |field| -> Result<IpAddr, Malformed> {
        Ok(if v6 {
            IpAddr::V6(Ipv6Addr::from(f.array::<16>(field)?))
        } else {
            IpAddr::V4(Ipv4Addr::from(f.array::<4>(field)?))
        })
    };
    let (addr, netmask, bcast) = (addr("addr")?, addr("netmask")?, addr("bcast")?);
    let linkspeed = if has_speed { Some(f.u64("linkspeed")?) } else { None };
    let name = f.take("name", name_len).map_err(|mut m| {
        m.at = name_len_at;
        m.message = format!("{} (name length {name_len} at offset {name_len_at})", m.message);
        m
    })?;
    let name = String::from_utf8_lossy(name).into_owned();
    let unknown_tail = if version == 2 { f.skip_rest() } else { 0 };
    Ok(Interface { name, addr, netmask, bcast, linkspeed, unknown_tail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proclist::tests::sweep_garbage;

    fn entry(version: u8, if_type: u16, name: &str, addrs: &[u8], speed: Option<u64>, extra: &[u8]) -> Vec<u8> {
        let mut e = if_type.to_le_bytes().to_vec();
        e.extend_from_slice(&(name.len() as u16).to_le_bytes());
        e.extend_from_slice(addrs);
        if let Some(s) = speed {
            e.extend_from_slice(&s.to_le_bytes());
        }
        e.extend_from_slice(name.as_bytes());
        e.extend_from_slice(extra);
        if version == 2 {
            let mut out = (e.len() as u32).to_le_bytes().to_vec();
            out.extend(e);
            out
        } else {
            e
        }
    }

    fn v4_addrs() -> Vec<u8> {
        [127, 0, 0, 1, 255, 0, 0, 0, 127, 255, 255, 255].to_vec()
    }

    fn v6_addrs() -> Vec<u8> {
        let mut a = Ipv6Addr::LOCALHOST.octets().to_vec();
        a.extend_from_slice(&[0xFF; 16]);
        a.extend_from_slice(&[0; 16]);
        a
    }

    #[test]
    fn all_four_types_in_both_versions() {
        for version in [1u8, 2] {
            let mut body = entry(version, 1, "lo", &v4_addrs(), Some(0), &[]);
            body.extend(entry(version, 2, "lo", &v6_addrs(), Some(1000), &[]));
            body.extend(entry(version, 3, "eth0", &[10, 0, 0, 5, 255, 255, 255, 0, 10, 0, 0, 255], None, &[]));
            body.extend(entry(version, 4, "eth0", &v6_addrs(), None, &[]));
            let sizes: Vec<usize> = [24 + 2, 60 + 2, 16 + 4, 52 + 4].to_vec();
            assert_eq!(body.len(), sizes.iter().sum::<usize>() + if version == 2 { 16 } else { 0 });
            body.extend_from_slice(&[0, 0]);
            let il = parse(&body, version).unwrap();
            assert_eq!(il.interfaces.len(), 4);
            let lo = &il.interfaces[0];
            assert_eq!(lo.name, "lo");
            assert_eq!(lo.addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert_eq!(lo.netmask, IpAddr::V4(Ipv4Addr::new(255, 0, 0, 0)));
            assert_eq!(lo.bcast, IpAddr::V4(Ipv4Addr::new(127, 255, 255, 255)));
            assert_eq!(il.interfaces[1].addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
            assert_eq!(il.interfaces[1].linkspeed, Some(1000));
            assert_eq!((il.interfaces[2].name.as_str(), il.interfaces[2].linkspeed), ("eth0", None));
            let codes: Vec<u16> = il.interfaces.iter().map(Interface::type_code).collect();
            assert_eq!(codes, vec![1, 2, 3, 4]);
        }
    }

    #[test]
    fn v2_length_does_not_count_itself_and_skips_extra() {
        let body = entry(2, 1, "lo", &v4_addrs(), Some(0), &[7, 7, 7]);
        assert_eq!(u32::from_le_bytes(body[..4].try_into().unwrap()) as usize, body.len() - 4);
        let il = parse(&body, 2).unwrap();
        assert_eq!(il.interfaces[0].unknown_tail, 3);
    }

    #[test]
    fn malformed_bodies() {
        // Unknown type.
        let mut body = entry(1, 1, "lo", &v4_addrs(), Some(0), &[]);
        body[0] = 9;
        assert_eq!(parse(&body, 1).unwrap_err().at, 0);
        // Entry length overrunning the block.
        let first = entry(2, 1, "lo", &v4_addrs(), Some(0), &[]);
        let mut second = first.clone();
        second[..4].copy_from_slice(&100u32.to_le_bytes());
        let mut body = first.clone();
        body.extend(second);
        let err = parse(&body, 2).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, first.len()));
        // Name length overrunning the entry (v2) or the block (v1).
        for (version, len_at) in [(1u8, 2usize), (2, 6)] {
            let mut body = entry(version, 1, "lo", &v4_addrs(), Some(0), &[]);
            body[len_at..len_at + 2].copy_from_slice(&3u16.to_le_bytes());
            let err = parse(&body, version).unwrap_err();
            assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, len_at), "v{version}");
        }
        // Entry length too short for the addresses.
        let mut body = entry(2, 2, "lo", &v6_addrs(), Some(0), &[]);
        body[..4].copy_from_slice(&20u32.to_le_bytes());
        let err = parse(&body, 2).unwrap_err();
        assert_eq!(err.at, 8 + 16);
    }

    #[test]
    fn garbage_never_panics() {
        let mut b = entry(2, 1, "lo", &v4_addrs(), Some(0), &[]);
        b.extend(entry(2, 4, "eth0", &v6_addrs(), None, &[]));
        sweep_garbage(&b, 1..=2, parse);
    }
}
