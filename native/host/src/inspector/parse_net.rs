//! Socket events: socket and socketpair create fds; bind makes a server socket; connect and
//! accept fill tuples and names; reads and writes on datagram (or still unnamed) sockets take
//! their tuple from the event.

use super::codes::*;
use super::event::Evt;
use super::sockets::{self, l4, tuple, AF_INET, AF_INET6, AF_NETLINK, AF_UNIX};
use super::Inspector;
use crate::tables::CText;
use crate::threads::fd_info::{fd_flags, fd_type};
use crate::threads::FdInfo;

const IPPROTO_IP: u32 = 0;
const IPPROTO_ICMP: u32 = 1;
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;
const IPPROTO_RAW: u32 = 255;
const SOCK_STREAM: u32 = 1;
const SOCK_DGRAM: u32 = 2;
const SOCK_RAW: u32 = 3;
/// `SE_EINPROGRESS`.
const EINPROGRESS: i64 = 115;

/// `set_socket_connected`.
fn connected(f: &mut FdInfo) {
    f.flags &= !(fd_flags::CONNECTION_PENDING | fd_flags::CONNECTION_FAILED);
    f.flags |= fd_flags::SOCKET_CONNECTED;
}

fn role_none(f: &FdInfo) -> bool {
    f.flags & (fd_flags::ROLE_CLIENT | fd_flags::ROLE_SERVER) == 0
}

/// `update_ipv4_addresses_and_ports`: whether the tuple changed.
fn update_ipv4(f: &mut FdInfo, sip: u32, sport: u16, dip: u32, dport: u16, overwrite_dest: bool) -> bool {
    if f.fd_type == fd_type::IPV4_SOCK {
        let same = sip == f.ipv4_sip() && sport == f.ipv4_sport() && dip == f.ipv4_dip() && dport == f.ipv4_dport();
        let swapped = dip == f.ipv4_sip() && dport == f.ipv4_sport() && sip == f.ipv4_dip() && sport == f.ipv4_dport();
        if same || swapped {
            return false;
        }
    }
    let (mut s, mut sp, mut d, mut dp, l) = (f.ipv4_sip(), f.ipv4_sport(), f.ipv4_dip(), f.ipv4_dport(), f.ipv4_l4proto());
    let mut changed = false;
    if s != sip {
        s = sip;
        changed = true;
    }
    if sp != sport {
        sp = sport;
        changed = true;
    }
    if d == 0 || (overwrite_dest && d != dip) {
        d = dip;
        changed = true;
    }
    if dp == 0 || (overwrite_dest && dp != dport) {
        dp = dport;
        changed = true;
    }
    f.set_ipv4_tuple(s, d, sp, dp, l);
    changed
}

/// `set_ipv6_addresses_and_ports`.
fn update_ipv6(f: &mut FdInfo, sip: [u8; 16], sport: u16, dip: [u8; 16], dport: u16, overwrite_dest: bool) -> bool {
    if f.fd_type == fd_type::IPV6_SOCK {
        let same = sip == f.ipv6_sip() && sport == f.ipv6_sport() && dip == f.ipv6_dip() && dport == f.ipv6_dport();
        let swapped = dip == f.ipv6_sip() && dport == f.ipv6_sport() && sip == f.ipv6_dip() && sport == f.ipv6_dport();
        if same || swapped {
            return false;
        }
    }
    let (mut s, mut sp, mut d, mut dp, l) = (f.ipv6_sip(), f.ipv6_sport(), f.ipv6_dip(), f.ipv6_dport(), f.ipv6_l4proto());
    let mut changed = false;
    if s != sip {
        s = sip;
        changed = true;
    }
    if sp != sport {
        sp = sport;
        changed = true;
    }
    if d == [0; 16] || (overwrite_dest && d != dip) {
        d = dip;
        changed = true;
    }
    if dp == 0 || (overwrite_dest && dp != dport) {
        dp = dport;
        changed = true;
    }
    f.set_ipv6_tuple(s, d, sp, dp, l);
    changed
}

/// `swap_addresses`.
fn swap(f: &mut FdInfo) {
    if f.fd_type == fd_type::IPV4_SOCK {
        let (s, sp, d, dp, l) = (f.ipv4_sip(), f.ipv4_sport(), f.ipv4_dip(), f.ipv4_dport(), f.ipv4_l4proto());
        f.set_ipv4_tuple(d, s, dp, sp, l);
    } else {
        let (s, sp, d, dp, l) = (f.ipv6_sip(), f.ipv6_sport(), f.ipv6_dip(), f.ipv6_dport(), f.ipv6_l4proto());
        f.set_ipv6_tuple(d, s, dp, sp, l);
    }
}

impl Inspector {
    /// `add_socket`.
    fn add_socket(&self, e: &mut Evt, fd: i64, domain: u32, ty: u32, protocol: u32, openflags: u32) {
        let Some(t) = e.tinfo.clone() else { return };
        let mut f = FdInfo { fd_type: fd_type::UNKNOWN, openflags, ..FdInfo::default() };
        f.set_ipv4_tuple(0, 0, 0, 0, l4::UNKNOWN);
        if domain == AF_UNIX as u32 {
            f.fd_type = fd_type::UNIX_SOCK;
        } else if domain == AF_INET as u32 || domain == AF_INET6 as u32 {
            f.fd_type = if domain == AF_INET as u32 { fd_type::IPV4_SOCK } else { fd_type::IPV6_SOCK };
            let proto = match protocol {
                IPPROTO_TCP => {
                    if ty == SOCK_RAW {
                        l4::RAW
                    } else {
                        l4::TCP
                    }
                }
                IPPROTO_UDP => {
                    if ty == SOCK_RAW {
                        l4::RAW
                    } else {
                        l4::UDP
                    }
                }
                IPPROTO_IP => match ty & 0xff {
                    SOCK_STREAM => l4::TCP,
                    SOCK_DGRAM => l4::UDP,
                    _ => l4::UNKNOWN,
                },
                IPPROTO_ICMP => {
                    if ty == SOCK_RAW {
                        l4::RAW
                    } else {
                        l4::ICMP
                    }
                }
                IPPROTO_RAW => l4::RAW,
                _ => l4::UNKNOWN,
            };
            if domain == AF_INET as u32 {
                f.sock[12] = proto;
            } else {
                f.set_ipv6_tuple([0; 16], [0; 16], 0, 0, proto);
            }
        } else if domain == AF_NETLINK as u32 {
            f.fd_type = fd_type::NETLINK;
        }
        e.fdinfo = self.add_fd(&t, fd, f);
        e.fd = fd;
    }

    pub(crate) fn parse_socket_exit(&mut self, e: &mut Evt) {
        let fd = e.ret();
        if fd < 0 || e.tinfo.is_none() {
            return;
        }
        let (domain, ty, protocol, fl) = (e.u32(1), e.u32(2), e.u32(3), e.u32(4));
        self.add_socket(e, fd, domain, ty, protocol, fl);
    }

    pub(crate) fn parse_socketpair_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        let Some(t) = e.tinfo.clone() else { return };
        let (fd1, fd2) = (e.i64(1), e.i64(2));
        if fd1 == fd2 {
            e.fdinfo = None;
            return;
        }
        let mut f = FdInfo { fd_type: fd_type::UNIX_SOCK, ..FdInfo::default() };
        f.set_unix_tuple(e.u64(3), e.u64(4));
        let f2 = f.clone();
        e.fdinfo = self.add_fd(&t, fd1, f);
        self.add_fd(&t, fd2, f2);
    }

    pub(crate) fn parse_bind_exit(&mut self, e: &mut Evt) {
        let Some(fdi) = e.fdinfo.clone() else { return };
        if e.ret() < 0 {
            return;
        }
        let Some(addr) = e.raw(1).filter(|p| sockets::sockaddr_valid(p)) else { return };
        {
            let mut f = fdi.info();
            match addr[0] {
                AF_INET => {
                    let (ip, port) = (sockets::sockaddr::in_ip(addr), sockets::sockaddr::in_port(addr));
                    if port > 0 {
                        let l = f.ipv4_l4proto();
                        f.fd_type = fd_type::IPV4_SERVSOCK;
                        f.set_ipv4_server(ip, port, l);
                        f.flags |= fd_flags::ROLE_SERVER;
                    }
                }
                AF_INET6 => {
                    let (ip, port) = (sockets::sockaddr::in6_ip(addr), sockets::sockaddr::in6_port(addr));
                    if port > 0 {
                        if sockets::is_ipv4_mapped(&ip) {
                            let l = f.ipv6_l4proto();
                            f.fd_type = fd_type::IPV4_SERVSOCK;
                            f.set_ipv4_server(sockets::mapped_v4(&ip), port, l);
                        } else {
                            let l = f.ipv6_l4proto();
                            f.fd_type = fd_type::IPV6_SERVSOCK;
                            f.set_ipv6_server(ip, port, l);
                        }
                        f.flags |= fd_flags::ROLE_SERVER;
                    }
                }
                _ => {}
            }
            f.name = CText::new(&self.param_str_simple(e, 1));
        }
    }

    /// `fill_client_socket_info_from_addr`.
    fn client_from_addr(&self, e: &Evt, f: &mut FdInfo, addr: &[u8]) {
        match addr[0] {
            AF_INET => {
                f.fd_type = fd_type::IPV4_SOCK;
                let (s, sp, l) = (f.ipv4_sip(), f.ipv4_sport(), f.ipv4_l4proto());
                f.set_ipv4_tuple(s, sockets::sockaddr::in_ip(addr), sp, sockets::sockaddr::in_port(addr), l);
            }
            AF_INET6 => {
                let ip = sockets::sockaddr::in6_ip(addr);
                let port = sockets::sockaddr::in6_port(addr);
                if sockets::is_ipv4_mapped(&ip) {
                    f.fd_type = fd_type::IPV4_SOCK;
                    let (s, sp, l) = (f.ipv4_sip(), f.ipv4_sport(), f.ipv4_l4proto());
                    f.set_ipv4_tuple(s, sockets::mapped_v4(&ip), sp, port, l);
                } else {
                    f.fd_type = fd_type::IPV6_SOCK;
                    let (s, sp, l) = (f.ipv6_sip(), f.ipv6_sport(), f.ipv6_l4proto());
                    f.set_ipv6_tuple(s, ip, sp, port, l);
                }
            }
            _ => f.name = CText::new(&self.param_str_simple(e, 1)),
        }
    }

    pub(crate) fn parse_connect_exit(&mut self, e: &mut Evt) {
        let (Some(_), Some(fdi)) = (e.tinfo.clone(), e.fdinfo.clone()) else { return };
        let retval = e.ret();
        if retval < 0 && retval != -EINPROGRESS {
            return;
        }
        connected(&mut fdi.info());
        let enter = self.retrieve_enter_event(e);
        let enter_evt = enter.as_deref().and_then(|b| Evt::new(0, b));
        let enter_addr: Option<&[u8]> =
            enter_evt.as_ref().and_then(|en| en.raw(1)).filter(|p| sockets::sockaddr_valid(p));
        let tuple_p = e.raw(1).unwrap_or(&[]);
        if tuple_p.is_empty() {
            let Some(addr) = enter_addr else { return };
            let mut f = fdi.info();
            self.client_from_addr(e, &mut f, addr);
            return;
        }
        let exit_addr: Option<&[u8]> = e.raw(3).filter(|p| sockets::sockaddr_valid(p));
        if !sockets::socktuple_valid(tuple_p) {
            return;
        }
        let mut f = fdi.info();
        let family = tuple_p[0];
        if family == AF_INET || family == AF_INET6 {
            let changed = if family == AF_INET6 {
                let (sip, sport) = (tuple::in6_sip(tuple_p), tuple::in6_sport(tuple_p));
                let (mut dip, mut dport) = (tuple::in6_dip(tuple_p), tuple::in6_dport(tuple_p));
                if let (Some(x), Some(n)) = (exit_addr, enter_addr) {
                    // the exit address equal to the tuple: trust the enter event's (TOCTOU)
                    if sockets::sockaddr::in6_port(x) == dport && sockets::sockaddr::in6_ip(x) == dip && n.len() >= 19 {
                        dip = sockets::sockaddr::in6_ip(n);
                        dport = sockets::sockaddr::in6_port(n);
                    }
                }
                if !(sockets::is_ipv4_mapped(&sip) && sockets::is_ipv4_mapped(&dip)) {
                    f.fd_type = fd_type::IPV6_SOCK;
                    update_ipv6(&mut f, sip, sport, dip, dport, true)
                } else {
                    f.fd_type = fd_type::IPV4_SOCK;
                    update_ipv4(&mut f, sockets::mapped_v4(&sip), sport, sockets::mapped_v4(&dip), dport, true)
                }
            } else {
                f.fd_type = fd_type::IPV4_SOCK;
                let (sip, sport) = (tuple::in_sip(tuple_p), tuple::in_sport(tuple_p));
                let (mut dip, mut dport) = (tuple::in_dip(tuple_p), tuple::in_dport(tuple_p));
                if let (Some(x), Some(n)) = (exit_addr, enter_addr) {
                    if sockets::sockaddr::in_port(x) == dport && sockets::sockaddr::in_ip(x) == dip && n.len() >= 7 {
                        dip = sockets::sockaddr::in_ip(n);
                        dport = sockets::sockaddr::in_port(n);
                    }
                }
                update_ipv4(&mut f, sip, sport, dip, dport, true)
            };
            let is_udp = f.fd_type == fd_type::IPV4_SOCK && f.ipv4_l4proto() == l4::UDP;
            if changed && f.flags & fd_flags::ROLE_SERVER != 0 && is_udp {
                swap(&mut f);
            }
            f.name = CText::from(sockets::sockinfo_to_str(&f).as_str());
        } else {
            if f.fd_type != fd_type::UNIX_SOCK {
                return;
            }
            let mut dpath = tuple::un_path(tuple_p).to_vec();
            if let (Some(x), Some(n)) = (exit_addr, enter_addr) {
                let limit = |p: &[u8]| p[..p.len().min(108)].to_vec();
                if limit(tuple::un_path(tuple_p)) == limit(sockets::sockaddr::un_path(x)) {
                    dpath = sockets::sockaddr::un_path(n).to_vec();
                }
            }
            f.set_unix_tuple(tuple::un_source(tuple_p), tuple::un_dest(tuple_p));
            let (src, dst) = f.unix_tuple();
            f.name = CText::new(&sockets::unix_tuple_name(src, dst, &dpath));
        }
        if role_none(&f) {
            f.flags |= fd_flags::ROLE_CLIENT;
        }
    }

    pub(crate) fn parse_accept_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        if fd < 0 {
            return;
        }
        t.info().lastevent_fd = fd;
        let Some(p) = e.raw(1).filter(|p| sockets::socktuple_valid(p)) else { return };
        let mut f = FdInfo::default();
        match p[0] {
            AF_INET => {
                update_ipv4(&mut f, tuple::in_sip(p), tuple::in_sport(p), tuple::in_dip(p), tuple::in_dport(p), true);
                f.fd_type = fd_type::IPV4_SOCK;
                f.sock[12] = l4::TCP;
            }
            AF_INET6 => {
                let (sip, dip) = (tuple::in6_sip(p), tuple::in6_dip(p));
                if sockets::is_ipv4_mapped(&sip) && sockets::is_ipv4_mapped(&dip) {
                    update_ipv4(&mut f, sockets::mapped_v4(&sip), tuple::in6_sport(p), sockets::mapped_v4(&dip), tuple::in6_dport(p), true);
                    f.fd_type = fd_type::IPV4_SOCK;
                    f.sock[12] = l4::TCP;
                } else {
                    update_ipv6(&mut f, sip, tuple::in6_sport(p), dip, tuple::in6_dport(p), true);
                    f.fd_type = fd_type::IPV6_SOCK;
                    f.sock[36] = l4::TCP;
                }
            }
            AF_UNIX => {
                f.fd_type = fd_type::UNIX_SOCK;
                f.set_unix_tuple(tuple::un_source(p), tuple::un_dest(p));
            }
            _ => return,
        }
        f.name = CText::new(&self.param_str_simple(e, 1));
        f.openflags = if e.etype == SOCKET_ACCEPT4_6_X { e.u32(5) & super::parse_fd::O_CLOEXEC } else { 0 };
        f.flags = fd_flags::ROLE_SERVER;
        connected(&mut f);
        e.fdinfo = self.add_fd(&t, fd, f);
        e.fd = fd;
    }

    /// `update_fd`: the socket takes the tuple of a read or write (false: nothing to update).
    fn update_fd_from_tuple(&self, f: &mut FdInfo, p: &[u8]) -> bool {
        if !sockets::socktuple_valid(p) {
            return false;
        }
        match p[0] {
            AF_INET => {
                if f.fd_type == fd_type::IPV4_SERVSOCK {
                    let l = f.ipv4_server().2;
                    f.sock[12] = l;
                }
                f.fd_type = fd_type::IPV4_SOCK;
                if !update_ipv4(f, tuple::in_sip(p), tuple::in_sport(p), tuple::in_dip(p), tuple::in_dport(p), true) {
                    return false;
                }
            }
            AF_INET6 => {
                let (sip, dip) = (tuple::in6_sip(p), tuple::in6_dip(p));
                if sockets::is_ipv4_mapped(&sip) && sockets::is_ipv4_mapped(&dip) {
                    f.fd_type = fd_type::IPV4_SOCK;
                    if !update_ipv4(f, sockets::mapped_v4(&sip), tuple::in6_sport(p), sockets::mapped_v4(&dip), tuple::in6_dport(p), true) {
                        return false;
                    }
                } else if !update_ipv6(f, sip, tuple::in6_sport(p), dip, tuple::in6_dport(p), true) {
                    return false;
                }
            }
            AF_UNIX => {
                f.fd_type = fd_type::UNIX_SOCK;
                f.set_unix_tuple(tuple::un_source(p), tuple::un_dest(p));
                f.name = CText::new(tuple::un_path(p));
                return true;
            }
            _ => {}
        }
        if f.fd_type == fd_type::IPV4_SOCK && f.ipv4_l4proto() == l4::UNKNOWN {
            f.sock[12] = l4::UDP;
        } else if f.fd_type == fd_type::IPV6_SOCK && f.ipv6_l4proto() == l4::UNKNOWN {
            f.sock[36] = l4::UDP;
        }
        self.patch_with_interfaces(f);
        true
    }

    /// `sinsp_network_interfaces::update_fd`: an incomplete tuple takes a local address.
    fn patch_with_interfaces(&self, f: &mut FdInfo) {
        if f.fd_type == fd_type::IPV6_SOCK {
            let (sip, dip, sport, dport, l) = (f.ipv6_sip(), f.ipv6_dip(), f.ipv6_sport(), f.ipv6_dport(), f.ipv6_l4proto());
            if sip != [0; 16] && dip != [0; 16] {
                return;
            }
            let known = if sip == [0; 16] { dip } else { sip };
            let n = self.infer_ipv6(&known);
            if n == known && sport == dport {
                return;
            }
            if sip == [0; 16] {
                f.set_ipv6_tuple(n, dip, sport, dport, l);
            } else {
                f.set_ipv6_tuple(sip, n, sport, dport, l);
            }
            return;
        }
        if f.fd_type != fd_type::IPV4_SOCK {
            return;
        }
        let (sip, dip, sport, dport, l) = (f.ipv4_sip(), f.ipv4_dip(), f.ipv4_sport(), f.ipv4_dport(), f.ipv4_l4proto());
        if sip != 0 && dip != 0 {
            return;
        }
        if sip == 0 {
            let n = self.infer_ipv4(dip);
            if n == dip && sport == dport {
                return;
            }
            f.set_ipv4_tuple(n, dip, sport, dport, l);
        } else {
            let n = self.infer_ipv4(sip);
            if n == sip && sport == dport {
                return;
            }
            f.set_ipv4_tuple(sip, n, sport, dport, l);
        }
    }

    /// `infer_ipv6_address`: the same address, else one of the same /64 (libsinsp compares the
    /// first two 32-bit words), else the first interface that is not `::1`.
    fn infer_ipv6(&self, dest: &[u8; 16]) -> [u8; 16] {
        if let Some(a) = self.ipv6_interfaces.iter().find(|a| *a == dest) {
            return *a;
        }
        if let Some(a) = self.ipv6_interfaces.iter().find(|a| a[..8] == dest[..8]) {
            return *a;
        }
        let loopback = std::net::Ipv6Addr::LOCALHOST.octets();
        self.ipv6_interfaces.iter().find(|a| **a != loopback).copied().unwrap_or([0; 16])
    }

    /// `infer_ipv4_address`.
    fn infer_ipv4(&self, dest: u32) -> u32 {
        if let Some(&(a, _)) = self.ipv4_interfaces.iter().find(|(a, _)| *a == dest) {
            return a;
        }
        if let Some(&(a, _)) = self.ipv4_interfaces.iter().find(|(a, m)| a & m == dest & m) {
            return a;
        }
        let loopback = u32::from_le_bytes([127, 0, 0, 1]);
        self.ipv4_interfaces.iter().find(|(a, _)| *a != loopback).map_or(0, |&(a, _)| a)
    }

    /// `infer_send_sendto_sendmsg_fdinfo`: a send on an unknown fd is taken for UDP.
    fn infer_send_fdinfo(&self, e: &mut Evt) {
        if e.fdinfo.is_some() || e.tinfo.is_none() || e.ret() < 0 {
            return;
        }
        let fd = e.i64(2);
        let family = e.raw(4).and_then(|p| p.first().copied()).unwrap_or(0);
        if family == 2 || family == 10 {
            let domain = if family == 2 { AF_INET } else { AF_INET6 } as u32;
            self.add_socket(e, fd, domain, SOCK_DGRAM, IPPROTO_UDP, 0);
        }
    }

    /// `parse_read_exit` / `parse_write_exit`.
    pub(crate) fn parse_rw_exit(&mut self, e: &mut Evt, read: bool) {
        let etype = e.etype;
        if (etype == SOCKET_RECVMMSG_X || etype == SOCKET_SENDMMSG_X) && e.empty(0) {
            return;
        }
        if !read && matches!(etype, SOCKET_SEND_X | SOCKET_SENDTO_X | SOCKET_SENDMSG_X) && e.fdinfo.is_none() && e.tinfo.is_some() {
            self.infer_send_fdinfo(e);
        }
        let (Some(fdi), Some(t)) = (e.fdinfo.clone(), e.tinfo.clone()) else { return };
        if e.ret() < 0 {
            return;
        }
        {
            let mut f = fdi.info();
            if f.fd_type == fd_type::IPV4_SOCK || f.fd_type == fd_type::IPV6_SOCK {
                connected(&mut f);
            }
        }
        let tuple_param = if read {
            match etype {
                SOCKET_RECVFROM_X => Some(2),
                SOCKET_RECVMSG_X => Some(3),
                SOCKET_RECVMMSG_X | SOCKET_RECV_X => Some(4),
                _ => None,
            }
        } else {
            matches!(etype, SOCKET_SEND_X | SOCKET_SENDTO_X | SOCKET_SENDMSG_X | SOCKET_SENDMMSG_X).then_some(4)
        };
        let Some(tp) = tuple_param else { return };
        let needs = {
            let f = fdi.info();
            f.name.is_empty() || !(f.fd_type == fd_type::IPV4_SOCK && f.ipv4_l4proto() == l4::TCP)
        };
        if !needs {
            return;
        }
        let p = e.raw(tp).unwrap_or(&[]);
        let mut f = fdi.info().clone();
        if !self.update_fd_from_tuple(&mut f, p) {
            *fdi.info() = f;
            return;
        }
        if f.fd_type == fd_type::IPV4_SOCK || f.fd_type == fd_type::IPV6_SOCK {
            if role_none(&f) {
                let (bound, client) = self.ports_in_use_with(&t, &fdi, &f);
                if !bound {
                    f.flags |= fd_flags::ROLE_CLIENT;
                } else if !client {
                    f.flags |= fd_flags::ROLE_SERVER;
                } else if role_none(&f) {
                    f.flags |= if read { fd_flags::ROLE_SERVER } else { fd_flags::ROLE_CLIENT };
                }
            }
            if read && f.flags & fd_flags::ROLE_CLIENT != 0 {
                swap(&mut f);
            }
            if !read && f.flags & fd_flags::ROLE_SERVER != 0 {
                swap(&mut f);
            }
            f.name = CText::from(sockets::sockinfo_to_str(&f).as_str());
        } else {
            f.name = CText::new(&self.param_str_simple(e, tp));
        }
        *fdi.info() = f;
    }

    /// `is_bound_to_port(dport)` / `uses_client_port(sport)` while `fdi` is being updated
    /// (its new tuple counts, as libsinsp updates it in place).
    fn ports_in_use_with(&self, t: &std::sync::Arc<crate::threads::ThreadEntry>, fdi: &std::sync::Arc<crate::threads::FdEntry>, f: &FdInfo) -> (bool, bool) {
        let old = std::mem::replace(&mut *fdi.info(), f.clone());
        let r = self.ports_in_use(t, f.ipv4_dport(), f.ipv4_sport());
        *fdi.info() = old;
        r
    }
}
