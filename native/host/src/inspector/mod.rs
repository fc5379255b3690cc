//! The inspector: what current libsinsp does with a syscall capture, on the host's tables.
//!
//! * opening: the process list and fd lists fill the `threads` table and the threads'
//!   `file_descriptors` tables ([`import`]), then the thread manager links threads to their
//!   groups and parents ([`thread_manager`]);
//! * every event goes through libscap's converter (old layouts upgraded, enter events folded
//!   into exit events and dropped), gets its `evt.num`, then libsinsp's parser updates the
//!   state ([`parser`] and the `parse_*` files): clone/fork/vfork/clone3, execve/execveat,
//!   procexit, the open family, close, sockets, pipes, dup, fcntl, cwd, limits, credentials;
//! * [`fields`] computes `proc.*`, `thread.*`, `fd.*` and `evt.arg*` values from that state.
//!
//! Removals are deferred as in libsinsp: a thread that exited, or an fd that was closed, goes at
//! the start of the next event, so the event that ended it still sees it.

pub mod args;
pub mod codes;
pub mod event;
pub mod fields;
pub mod import;
mod parse_clone;
mod parse_exec;
mod parse_fd;
mod parse_misc;
mod parse_net;
mod parser;
pub mod paths;
pub mod sockets;
mod thread_ops;
pub mod thread_manager;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use scap::converter::{ConversionError, Converter, Outcome};
use scap::metadata::Metadata;

use crate::tables::TableRegistry;
use crate::threads::{FdEntry, ThreadEntry, ThreadTable};
use thread_manager::ThreadManager;

pub use event::Evt;

/// Removals decided while parsing one event, applied before the next one.
#[derive(Default)]
pub(crate) struct Pending {
    pub tid_to_remove: Option<i64>,
    pub fds_to_remove: Option<(i64, Vec<i64>)>,
}

impl Pending {
    pub fn add_fd_to_remove(&mut self, tid: i64, fd: i64) {
        match &mut self.fds_to_remove {
            Some((t, fds)) if *t == tid => fds.push(fd),
            _ => self.fds_to_remove = Some((tid, vec![fd])),
        }
    }
}

/// Where the inspector is in reading a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading the metadata blocks (process, fd, interface and user lists).
    Metadata,
    /// Consuming the leading initial-state events (`consume_initialstate_events`): they are
    /// numbered and parsed (by plugins too) but never handed out.
    InitialEvents,
    /// The capture is open: every event is handed out (unless filtered out).
    Running,
}

/// libsinsp's `is_initialstate_event`: container, user, group and async events at the start of
/// a capture are state, consumed while it opens (after conversion: a 2019 container event
/// becomes one).
pub fn is_initial_state_event(event_type: u16) -> bool {
    matches!(event_type, 324 | 354 | 356 | 358 | 360 | 402)
}

/// An event after the inspector processed it.
#[derive(Clone)]
pub struct Processed {
    pub evtnum: u64,
    /// Consumed while the capture opened (an initial-state event): never handed out.
    pub initial_state: bool,
    /// libsinsp hides it from its consumers (enter events kept only for the parser, state-only
    /// events): plugins still parse it, nothing extracts from it.
    pub filtered_out: bool,
    /// The thread and fd the event is about.
    pub tinfo: Option<Arc<ThreadEntry>>,
    pub fdinfo: Option<Arc<FdEntry>>,
    pub fd: i64,
}

/// A user or group of the capture's user list.
#[derive(Clone, Debug, Default)]
pub struct UserInfo {
    pub name: Vec<u8>,
}

pub struct Inspector {
    pub registry: Arc<TableRegistry>,
    pub threads: Arc<ThreadTable>,
    pub tm: Arc<ThreadManager>,
    converter: Converter,
    nevts: u64,
    pub(crate) pending: Pending,
    server_ports: BTreeSet<u16>,
    /// IPv4 interfaces of the capture (address, netmask), as libsinsp's u32s.
    pub(crate) ipv4_interfaces: Vec<(u32, u32)>,
    /// IPv6 interface addresses of the capture.
    pub(crate) ipv6_interfaces: Vec<[u8; 16]>,
    pub(crate) boot_ts_epoch: u64,
    pub users: HashMap<u32, UserInfo>,
    pub groups: HashMap<u32, UserInfo>,
    current: Vec<u8>,
    stage: Stage,
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new()
    }
}

/// Enter events libsinsp keeps for its parser only (`sinsp_evt_filter`'s destructor).
fn hidden_enter_event(t: u16) -> bool {
    use codes::*;
    matches!(
        t,
        SYSCALL_OPEN_E | SYSCALL_OPENAT_2_E | SYSCALL_OPENAT2_E | SYSCALL_CREAT_E | SOCKET_CONNECT_E | SYSCALL_EXECVE_19_E | SYSCALL_EXECVEAT_E
    )
}

/// libscap's `SCAP_DF_STATE_ONLY` dump flag.
pub const DF_STATE_ONLY: u32 = 1;

impl Inspector {
    /// A fresh inspector: an empty `threads` table in a new registry.
    pub fn new() -> Inspector {
        let (registry, threads) = crate::threads::new_registry();
        let tm = ThreadManager::new(threads.clone());
        Inspector {
            registry,
            threads,
            tm,
            converter: Converter::new(),
            nevts: 0,
            pending: Pending::default(),
            server_ports: BTreeSet::new(),
            ipv4_interfaces: Vec::new(),
            ipv6_interfaces: Vec::new(),
            boot_ts_epoch: 0,
            users: HashMap::new(),
            groups: HashMap::new(),
            current: Vec::new(),
            stage: Stage::Metadata,
        }
    }

    /// A metadata block of the capture (before its events).
    pub fn on_metadata(&mut self, md: &Metadata) {
        match md {
            Metadata::MachineInfo(mi) => self.boot_ts_epoch = mi.boot_ts_epoch,
            Metadata::ProcList(pl) => {
                for t in &pl.threads {
                    let entry = self.threads.new_thread(import::thread_from_scap(t));
                    self.tm.add(entry, false);
                }
            }
            Metadata::FdList(fl) => {
                let Some(t) = self.tm.find(fl.tid as i64, true) else { return };
                for f in &fl.fds {
                    if let Some(info) = import::fd_from_scap(f) {
                        if let Some(p) = import::server_port(&info) {
                            self.server_ports.insert(p);
                        }
                        t.fd_table.add(info.fd, info);
                    }
                }
            }
            Metadata::IfList(il) => {
                for i in &il.interfaces {
                    match (i.addr, i.netmask) {
                        (std::net::IpAddr::V4(a), std::net::IpAddr::V4(m)) => {
                            self.ipv4_interfaces.push((u32::from_le_bytes(a.octets()), u32::from_le_bytes(m.octets())))
                        }
                        (std::net::IpAddr::V6(a), _) => self.ipv6_interfaces.push(a.octets()),
                        _ => {}
                    }
                }
            }
            Metadata::UserList(ul) => {
                for u in &ul.users {
                    self.users.insert(u.uid, UserInfo { name: u.name.as_bytes().to_vec() });
                }
                for g in &ul.groups {
                    self.groups.insert(g.gid, UserInfo { name: g.name.as_bytes().to_vec() });
                }
            }
        }
    }

    /// The end of the metadata: thread groups and parents
    /// (`create_thread_dependencies_after_proc_scan`). Idempotent.
    pub fn finish_metadata(&mut self) {
        if self.stage == Stage::Metadata {
            self.tm.create_all_dependencies();
            self.stage = Stage::InitialEvents;
        }
    }

    /// The end of the opening, once the leading initial-state events are consumed: sockets of
    /// the fd lists get their direction (`fix_sockets_coming_from_proc`). Plugins listening to
    /// the capture are told it is open after this. Idempotent.
    pub fn finish_opening(&mut self) {
        self.finish_metadata();
        if self.stage == Stage::InitialEvents {
            self.fix_sockets();
            self.stage = Stage::Running;
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    fn fix_sockets(&mut self) {
        for t in self.threads.entries() {
            for (_, f) in t.fd_table.entries() {
                import::fix_socket_direction(&mut f.info(), &self.server_ports);
            }
        }
    }

    /// Events numbered so far.
    pub fn events(&self) -> u64 {
        self.nevts
    }

    /// The event being processed, as parsed (after conversion).
    pub fn current(&self) -> &[u8] {
        &self.current
    }

    /// Runs one event (v2 layout) of the capture through libscap's converter. `Ok(None)`: the
    /// converter kept or dropped it (it gets no `evt.num`); otherwise the converted event's
    /// type, now [`Inspector::current`], to be numbered and parsed by [`Inspector::process`].
    /// A conversion error is libscap's: libsinsp reports it and goes on with the next event.
    pub fn convert(&mut self, raw: &[u8]) -> Result<Option<u16>, ConversionError> {
        self.finish_metadata();
        if self.converter.convert(raw)? == Outcome::Drop {
            return Ok(None);
        }
        self.current.clear();
        self.current.extend_from_slice(self.converter.output());
        Ok(Some(scap::bytes::le_u16(&self.current, 20)))
    }

    /// Whether the converted event ends the opening: the first one that is not initial state.
    /// The caller then calls [`Inspector::finish_opening`] (and tells listening plugins) before
    /// [`Inspector::process`].
    pub fn ends_opening(&self, event_type: u16) -> bool {
        self.stage != Stage::Running && !is_initial_state_event(event_type)
    }

    /// Numbers and parses the converted event ([`Inspector::convert`]).
    pub fn process(&mut self, dump_flags: u32) -> Processed {
        self.nevts += 1;
        let num = self.nevts;
        let initial_state = self.stage != Stage::Running;
        let bytes = std::mem::take(&mut self.current);
        let Some(mut e) = Evt::new(num, &bytes) else {
            self.current = bytes;
            return Processed { evtnum: num, initial_state, filtered_out: false, tinfo: None, fdinfo: None, fd: -1 };
        };
        self.tm.set_ts(e.ts);
        if let Some(tid) = self.pending.tid_to_remove.take() {
            let ptid = self.tm.find(tid, true).map_or(-1, |t| t.info().ptid);
            self.tm.record_recently_exited(tid, ptid, e.ts);
            self.tm.remove(tid);
        }
        if let Some((tid, fds)) = self.pending.fds_to_remove.take() {
            if let Some(t) = self.tm.find(tid, true) {
                for fd in fds {
                    self.remove_fd(&t, fd);
                }
            }
        }
        self.reset(&mut e);
        self.process_event(&mut e);
        self.event_cleanup(&e);
        if let Some(t) = &e.tinfo {
            if e.etype != codes::SCHEDSWITCH_6_E {
                let mut i = t.info();
                i.prevevent_ts = i.lastevent_ts;
                i.lastevent_ts = e.ts;
            }
        }
        let filtered_out = hidden_enter_event(e.etype) || dump_flags & DF_STATE_ONLY != 0;
        let out = Processed { evtnum: num, initial_state, filtered_out, tinfo: e.tinfo.clone(), fdinfo: e.fdinfo.clone(), fd: e.fd };
        drop(e);
        self.current = bytes;
        out
    }

    /// Whether [`Inspector::pass_plugin_event`] takes this event: a plugin event of an open
    /// capture, that libscap's converter passes unchanged and libsinsp's parser has no thread or
    /// fd to update for, with no removal pending from the event before.
    pub fn passes_plugin_event(&self, raw: &[u8]) -> bool {
        self.passes_plugin_events()
            && raw.len() >= 26
            && scap::bytes::le_u16(raw, 20) == codes::PLUGINEVENT_E
            && scap::converter::passes_unchanged(raw)
            // an event whose parameters do not fit is numbered without being parsed (`process`)
            && scap::params::EventParams::fits(raw)
    }

    /// The state part of [`Inspector::passes_plugin_event`]: the capture is open and no
    /// removal is pending from the event before.
    pub fn passes_plugin_events(&self) -> bool {
        self.stage == Stage::Running && self.pending.tid_to_remove.is_none() && self.pending.fds_to_remove.is_none()
    }

    /// [`Inspector::convert`] and [`Inspector::process`] in one, for an event that
    /// [`Inspector::passes_plugin_event`] takes: it is only numbered (and sets the thread
    /// manager's clock). `None`, with nothing done, for any other event.
    pub fn pass_plugin_event(&mut self, raw: &[u8], dump_flags: u32) -> Option<Processed> {
        if !self.passes_plugin_event(raw) {
            return None;
        }
        let evtnum = self.pass_plugin_events(1, raw);
        Some(Processed { evtnum, initial_state: false, filtered_out: dump_flags & DF_STATE_ONLY != 0, tinfo: None, fdinfo: None, fd: -1 })
    }

    /// [`Inspector::pass_plugin_event`] for `count` such events at once, `last` the last of
    /// them: the number of the first.
    pub fn pass_plugin_events(&mut self, count: u64, last: &[u8]) -> u64 {
        let first = self.nevts + 1;
        self.nevts += count;
        self.current.clear();
        self.current.extend_from_slice(last);
        self.tm.set_ts(scap::bytes::le_u64(last, 0));
        first
    }

    /// [`Inspector::convert`] then [`Inspector::process`], ending the opening on the first
    /// event that is not initial state (for callers without listening plugins).
    pub fn next(&mut self, raw: &[u8], dump_flags: u32) -> Result<Option<Processed>, ConversionError> {
        let Some(t) = self.convert(raw)? else { return Ok(None) };
        if self.ends_opening(t) {
            self.finish_opening();
        }
        Ok(Some(self.process(dump_flags)))
    }

    /// The view of a processed event for field extraction (the current event's bytes).
    pub fn evt<'a>(&self, p: &Processed, bytes: &'a [u8]) -> Option<Evt<'a>> {
        let mut e = Evt::new(p.evtnum, bytes)?;
        e.tinfo = p.tinfo.clone();
        e.fdinfo = p.fdinfo.clone();
        e.fd = p.fd;
        Some(e)
    }
}
