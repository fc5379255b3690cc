//! Socket addresses as libsinsp reads and renders them: the packed sockaddr and socket-tuple
//! parameters of syscall events (family byte, then addresses and ports as the kernel stored
//! them), their validity checks, and the fd names built from them ("a.b.c.d:p->e.f.g.h:q",
//! glibc's `inet_ntop` for IPv6, "src->dst path" for unix sockets). Ports print as numbers
//! (libsinsp resolves service names only when asked to).

use crate::threads::fd_info::fd_type;
use crate::threads::FdInfo;

pub const AF_UNIX: u8 = 1;
pub const AF_INET: u8 = 2;
pub const AF_INET6: u8 = 10;
pub const AF_NETLINK: u8 = 16;

/// `scap_l4_proto`.
pub mod l4 {
    pub const UNKNOWN: u8 = 0;
    pub const NA: u8 = 1;
    pub const TCP: u8 = 2;
    pub const UDP: u8 = 3;
    pub const ICMP: u8 = 4;
    pub const RAW: u8 = 5;
}

fn u16_at(p: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([p[at], p[at + 1]])
}

fn u32_at(p: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(p[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(p: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(p[at..at + 8].try_into().expect("8 bytes"))
}

/// `is_sockaddr_valid`.
pub fn sockaddr_valid(p: &[u8]) -> bool {
    match p.first() {
        None => false,
        Some(&AF_INET) => p.len() >= 7,
        Some(&AF_INET6) => p.len() >= 19,
        Some(&AF_UNIX) => p.len() >= 2 && p[p.len() - 1] == 0,
        Some(_) => true,
    }
}

/// `is_socktuple_valid`.
pub fn socktuple_valid(p: &[u8]) -> bool {
    match p.first() {
        None => false,
        Some(&AF_INET) => p.len() >= 13,
        Some(&AF_INET6) => p.len() >= 37,
        Some(&AF_UNIX) => p.len() >= 18 && p[p.len() - 1] == 0,
        Some(_) => true,
    }
}

/// A C string at `at` (up to its NUL).
pub fn cstr_at(p: &[u8], at: usize) -> &[u8] {
    let s = &p[at.min(p.len())..];
    s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n])
}

/// Packed sockaddr views (valid sockaddrs only).
pub mod sockaddr {
    use super::*;
    pub fn in_ip(p: &[u8]) -> u32 {
        u32_at(p, 1)
    }
    pub fn in_port(p: &[u8]) -> u16 {
        u16_at(p, 5)
    }
    pub fn in6_ip(p: &[u8]) -> [u8; 16] {
        p[1..17].try_into().expect("16 bytes")
    }
    pub fn in6_port(p: &[u8]) -> u16 {
        u16_at(p, 17)
    }
    pub fn un_path(p: &[u8]) -> &[u8] {
        cstr_at(p, 1)
    }
}

/// Packed socket-tuple views (valid tuples only).
pub mod tuple {
    use super::*;
    pub fn in_sip(p: &[u8]) -> u32 {
        u32_at(p, 1)
    }
    pub fn in_sport(p: &[u8]) -> u16 {
        u16_at(p, 5)
    }
    pub fn in_dip(p: &[u8]) -> u32 {
        u32_at(p, 7)
    }
    pub fn in_dport(p: &[u8]) -> u16 {
        u16_at(p, 11)
    }
    pub fn in6_sip(p: &[u8]) -> [u8; 16] {
        p[1..17].try_into().expect("16 bytes")
    }
    pub fn in6_sport(p: &[u8]) -> u16 {
        u16_at(p, 17)
    }
    pub fn in6_dip(p: &[u8]) -> [u8; 16] {
        p[19..35].try_into().expect("16 bytes")
    }
    pub fn in6_dport(p: &[u8]) -> u16 {
        u16_at(p, 35)
    }
    pub fn un_source(p: &[u8]) -> u64 {
        u64_at(p, 1)
    }
    pub fn un_dest(p: &[u8]) -> u64 {
        u64_at(p, 9)
    }
    pub fn un_path(p: &[u8]) -> &[u8] {
        cstr_at(p, 17)
    }
}

/// `is_ipv4_mapped_ipv6`: ::ffff:a.b.c.d, or the all-zero address.
pub fn is_ipv4_mapped(a: &[u8; 16]) -> bool {
    a[..10].iter().all(|&b| b == 0) && ((a[10] == 0xff && a[11] == 0xff) || a[10..].iter().all(|&b| b == 0))
}

/// The IPv4 address inside a mapped IPv6 address, as libsinsp's u32.
pub fn mapped_v4(a: &[u8; 16]) -> u32 {
    u32::from_le_bytes([a[12], a[13], a[14], a[15]])
}

/// An IPv4 address stored as libsinsp's u32 (network order bytes), dotted.
pub fn ipv4(ip: u32) -> String {
    let b = ip.to_le_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// glibc's `inet_ntop(AF_INET6, ...)`.
pub fn ipv6(a: &[u8; 16]) -> String {
    let words: Vec<u16> = (0..8).map(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]])).collect();
    // the longest run of zero words (at least two), the first one on ties
    let (mut best, mut cur): ((i32, i32), (i32, i32)) = ((-1, 0), (-1, 0));
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            if cur.0 == -1 {
                cur = (i as i32, 1);
            } else {
                cur.1 += 1;
            }
        } else if cur.0 != -1 {
            if best.0 == -1 || cur.1 > best.1 {
                best = cur;
            }
            cur = (-1, 0);
        }
    }
    if cur.0 != -1 && (best.0 == -1 || cur.1 > best.1) {
        best = cur;
    }
    if best.0 != -1 && best.1 < 2 {
        best = (-1, 0);
    }
    let mut out = String::new();
    let mut i = 0i32;
    while i < 8 {
        if best.0 != -1 && i >= best.0 && i < best.0 + best.1 {
            if i == best.0 {
                out.push(':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        // an embedded IPv4 address (compatible or mapped)
        if i == 6 && best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff)) {
            out.push_str(&format!("{}.{}.{}.{}", a[12], a[13], a[14], a[15]));
            break;
        }
        out.push_str(&format!("{:x}", words[i as usize]));
        i += 1;
    }
    if best.0 != -1 && best.0 + best.1 == 8 {
        out.push(':');
    }
    out
}

/// `ipv4serveraddr_to_string`.
pub fn ipv4_server(ip: u32, port: u16) -> String {
    format!("{}:{}", ipv4(ip), port)
}

/// `ipv6serveraddr_to_string`.
pub fn ipv6_server(ip: &[u8; 16], port: u16) -> String {
    format!("{}:{}", ipv6(ip), port)
}

/// `ipv4tuple_to_string` of an fd's IPv4 tuple.
pub fn ipv4_tuple(f: &FdInfo) -> String {
    format!("{}->{}", ipv4_server(f.ipv4_sip(), f.ipv4_sport()), ipv4_server(f.ipv4_dip(), f.ipv4_dport()))
}

/// `ipv6tuple_to_string` of an fd's IPv6 tuple.
pub fn ipv6_tuple(f: &FdInfo) -> String {
    format!("{}:{}->{}:{}", ipv6(&f.ipv6_sip()), f.ipv6_sport(), ipv6(&f.ipv6_dip()), f.ipv6_dport())
}

/// `sockinfo_to_str`: the name of a connected socket fd.
pub fn sockinfo_to_str(f: &FdInfo) -> String {
    match f.fd_type {
        fd_type::IPV4_SOCK => match f.ipv4_l4proto() {
            l4::TCP | l4::UDP => ipv4_tuple(f),
            l4::ICMP | l4::RAW => format!("{}->{}", ipv4(f.ipv4_sip()), ipv4(f.ipv4_dip())),
            _ => "<unknown>".into(),
        },
        fd_type::IPV6_SOCK => {
            let (s6, d6) = (f.ipv6_sip(), f.ipv6_dip());
            let mapped = is_ipv4_mapped(&s6) && is_ipv4_mapped(&d6);
            match f.ipv6_l4proto() {
                l4::TCP | l4::UDP if mapped => {
                    // libsinsp reads the ports through the IPv4 view of the union here
                    format!("{}->{}", ipv4_server(mapped_v4(&s6), f.ipv4_sport()), ipv4_server(mapped_v4(&d6), f.ipv4_dport()))
                }
                l4::TCP | l4::UDP => ipv6_tuple(f),
                l4::ICMP if mapped => format!("{}->{}", ipv4(mapped_v4(&s6)), ipv4(mapped_v4(&d6))),
                l4::ICMP => format!("{}->{}", ipv6(&s6), ipv6(&d6)),
                _ => "<unknown>".into(),
            }
        }
        _ => String::new(),
    }
}

/// `encode_unix_tuple_fd_name`.
pub fn unix_tuple_name(src: u64, dst: u64, path: &[u8]) -> Vec<u8> {
    let mut v = format!("{src:x}->{dst:x} ").into_bytes();
    v.extend_from_slice(path);
    v
}

/// A sockaddr parameter as text (`write_sockaddr_param_to_storage`).
pub fn render_sockaddr(p: &[u8]) -> Vec<u8> {
    if !sockaddr_valid(p) {
        if p.is_empty() {
            return b"<NA>".to_vec();
        }
        return match p[0] {
            AF_UNIX => b"INVALID PATH".to_vec(),
            AF_INET => b"INVALID IPv4".to_vec(),
            AF_INET6 => b"INVALID IPv6".to_vec(),
            _ => b"INVALID SOCKADDR".to_vec(),
        };
    }
    match p[0] {
        AF_UNIX => sockaddr::un_path(p).to_vec(),
        AF_INET => ipv4_server(sockaddr::in_ip(p), sockaddr::in_port(p)).into_bytes(),
        AF_INET6 => ipv6_server(&sockaddr::in6_ip(p), sockaddr::in6_port(p)).into_bytes(),
        f => format!("family {f}").into_bytes(),
    }
}

/// A socket-tuple parameter as text (`write_socktuple_param_to_storage`).
pub fn render_socktuple(p: &[u8]) -> Vec<u8> {
    if !socktuple_valid(p) {
        if p.is_empty() {
            return b"NULL".to_vec();
        }
        return match p[0] {
            AF_UNIX => b"INVALID PATH".to_vec(),
            AF_INET => b"INVALID IPv4".to_vec(),
            AF_INET6 => b"INVALID IPv6".to_vec(),
            _ => b"INVALID SOCKTUPLE".to_vec(),
        };
    }
    match p[0] {
        AF_UNIX => unix_tuple_name(tuple::un_source(p), tuple::un_dest(p), tuple::un_path(p)),
        AF_INET => format!(
            "{}->{}",
            ipv4_server(tuple::in_sip(p), tuple::in_sport(p)),
            ipv4_server(tuple::in_dip(p), tuple::in_dport(p))
        )
        .into_bytes(),
        AF_INET6 => {
            let (s, d) = (tuple::in6_sip(p), tuple::in6_dip(p));
            if is_ipv4_mapped(&s) && is_ipv4_mapped(&d) {
                format!(
                    "{}->{}",
                    ipv4_server(mapped_v4(&s), tuple::in6_sport(p)),
                    ipv4_server(mapped_v4(&d), tuple::in6_dport(p))
                )
                .into_bytes()
            } else {
                format!("{}:{}->{}:{}", ipv6(&s), tuple::in6_sport(p), ipv6(&d), tuple::in6_dport(p)).into_bytes()
            }
        }
        f => format!("family {f}").into_bytes(),
    }
}
