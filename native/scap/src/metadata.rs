//! Metadata blocks that may precede the events of a section: machine info, process list, fd
//! list, interface list, user list. A plugin capture needs none of them, but a reader must parse
//! (or at least validate) them to read syscall captures written by sysdig and Falco.

use crate::block::{self, BlockKind};
use crate::error::Malformed;
use crate::fdlist::{self, FdList};
use crate::iflist::{self, IfList};
use crate::machine_info::{self, MachineInfo};
use crate::proclist::{self, ProcList};
use crate::userlist::{self, UserList};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metadata {
    MachineInfo(MachineInfo),
    ProcList(ProcList),
    FdList(FdList),
    IfList(IfList),
    UserList(UserList),
}

impl Metadata {
    /// Number of entries (threads, fds, interfaces, users and groups); 1 for machine info.
    pub fn entry_count(&self) -> usize {
        match self {
            Metadata::MachineInfo(_) => 1,
            Metadata::ProcList(p) => p.threads.len(),
            Metadata::FdList(f) => f.fds.len(),
            Metadata::IfList(i) => i.interfaces.len(),
            Metadata::UserList(u) => u.users.len() + u.groups.len(),
        }
    }
}

/// Parses the body of a metadata block of the given kind (`None` for event, section and
/// unknown kinds). `body` is the bytes between the block header and the trailer, padding
/// included; error offsets come back relative to the start of the block.
pub fn parse(kind: BlockKind, body: &[u8]) -> Option<Result<Metadata, Malformed>> {
    let parsed = match kind {
        BlockKind::MachineInfo => machine_info::parse(body).map(Metadata::MachineInfo),
        BlockKind::ProcList(v) => proclist::parse(body, v).map(Metadata::ProcList),
        BlockKind::FdList(v) => fdlist::parse(body, v).map(Metadata::FdList),
        BlockKind::IfList(v) => iflist::parse(body, v).map(Metadata::IfList),
        BlockKind::UserList(v) => userlist::parse(body, v).map(Metadata::UserList),
        BlockKind::Section | BlockKind::Event(_) | BlockKind::Unknown => return None,
    };
    Some(parsed.map_err(|mut m| {
        m.at += block::HEADER_LEN;
        m
    }))
}
