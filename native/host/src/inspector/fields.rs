//! The syscall fields scaptool computes from the inspector's state, as libsinsp's filterchecks
//! do: `proc.*` and `thread.*` (the event's thread), `fd.*` (its file descriptor) and
//! `evt.arg*` (its parameters, rendered). A field without a value is `None` (libsinsp's
//! `<NA>`).

use std::sync::Arc;

use super::args::typechar;
use super::codes::*;
use super::event::Evt;
use super::Inspector;
use crate::threads::fd_info::fd_type;
use crate::threads::{FdInfo, ThreadEntry};
use scap::event_schema::{self as schema, ef};

/// A field scaptool computes from syscall state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SyscallField {
    ProcName,
    ProcPid,
    ProcExe,
    ProcExepath,
    ProcCmdline,
    ProcArgs,
    ProcCwd,
    ProcPpid,
    ProcPname,
    ThreadTid,
    FdName,
    FdNum,
    FdType,
    FdTypechar,
    /// `evt.arg.NAME`.
    ArgByName(String),
    /// `evt.arg[N]`.
    ArgByIndex(usize),
    /// `evt.args`.
    Args,
}

/// A value of a syscall field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyscallValue {
    Str(Vec<u8>),
    I64(i64),
}

impl SyscallField {
    /// The field for a name and argument (`None`: not a syscall field scaptool computes).
    pub fn lookup(name: &str, arg: Option<&str>) -> Option<SyscallField> {
        use SyscallField::*;
        if let Some(p) = name.strip_prefix("evt.arg.") {
            return (!p.is_empty() && arg.is_none()).then(|| ArgByName(p.to_string()));
        }
        if name == "evt.arg" {
            return arg.and_then(|a| a.parse().ok()).map(ArgByIndex);
        }
        if arg.is_some() {
            return None;
        }
        Some(match name {
            "proc.name" => ProcName,
            "proc.pid" => ProcPid,
            "proc.exe" => ProcExe,
            "proc.exepath" => ProcExepath,
            "proc.cmdline" => ProcCmdline,
            "proc.args" => ProcArgs,
            "proc.cwd" => ProcCwd,
            "proc.ppid" => ProcPpid,
            "proc.pname" => ProcPname,
            "thread.tid" => ThreadTid,
            "fd.name" => FdName,
            "fd.num" => FdNum,
            "fd.type" => FdType,
            "fd.typechar" => FdTypechar,
            "evt.args" => Args,
            _ => return None,
        })
    }

    /// Whether the field's values are numbers (int64); the others are strings.
    pub fn is_number(&self) -> bool {
        matches!(self, SyscallField::ProcPid | SyscallField::ProcPpid | SyscallField::ThreadTid | SyscallField::FdNum)
    }

    /// All the names (for messages).
    pub const NAMES: &'static [&'static str] = &[
        "proc.name", "proc.pid", "proc.exe", "proc.exepath", "proc.cmdline", "proc.args", "proc.cwd", "proc.ppid",
        "proc.pname", "thread.tid", "fd.name", "fd.num", "fd.type", "fd.typechar", "evt.arg.NAME", "evt.arg[N]",
        "evt.args",
    ];
}

/// libsinsp's `should_extract_xid`.
fn xid(v: i64) -> Option<SyscallValue> {
    (v >= -1 && v <= u32::MAX as i64).then_some(SyscallValue::I64(v))
}

/// `sinsp_evt::extract_typechar`: `fd.typechar` of an event whose fd is not in the table, from
/// its type alone.
fn typechar_of_event(etype: u16) -> u8 {
    match etype | 1 {
        SYSCALL_OPENAT_2_X | SYSCALL_OPENAT2_X | SYSCALL_CREAT_X => b'f',
        SOCKET_SOCKET_X | SOCKET_ACCEPT_5_X | SOCKET_ACCEPT4_6_X => b'4',
        SYSCALL_PIPE_X | SYSCALL_PIPE2_X => b'p',
        SYSCALL_EVENTFD_X | SYSCALL_EVENTFD2_X => b'e',
        SYSCALL_SIGNALFD_X | SYSCALL_SIGNALFD4_X => b's',
        SYSCALL_TIMERFD_CREATE_X => b't',
        SYSCALL_INOTIFY_INIT_X | SYSCALL_INOTIFY_INIT1_X => b'i',
        _ => b'o',
    }
}

/// `get_typestring`.
fn typestring(f: &FdInfo) -> &'static str {
    match f.fd_type {
        fd_type::FILE | fd_type::FILE_V2 => "file",
        fd_type::DIRECTORY => "directory",
        fd_type::IPV4_SOCK | fd_type::IPV4_SERVSOCK => "ipv4",
        fd_type::IPV6_SOCK | fd_type::IPV6_SERVSOCK => "ipv6",
        fd_type::UNIX_SOCK => "unix",
        fd_type::FIFO => "pipe",
        fd_type::EVENT => "event",
        fd_type::SIGNALFD => "signalfd",
        fd_type::EVENTPOLL => "eventpoll",
        fd_type::INOTIFY => "inotify",
        fd_type::TIMERFD => "timerfd",
        fd_type::NETLINK => "netlink",
        fd_type::BPF => "bpf",
        fd_type::USERFAULTFD => "userfaultfd",
        fd_type::IOURING => "io_uring",
        fd_type::MEMFD => "memfd",
        fd_type::PIDFD => "pidfd",
        _ => "<NA>",
    }
}

impl Inspector {
    /// `get_ancestor_process(tinfo, 1)`: the parent process's main thread.
    fn parent_process(&self, t: &Arc<ThreadEntry>) -> Option<Arc<ThreadEntry>> {
        let mt = self.tm.main_thread(t)?;
        let ptid = mt.info().ptid;
        let p = self.tm.find(ptid, true)?;
        self.tm.main_thread(&p)
    }

    /// `populate_cmdline`.
    fn cmdline(t: &Arc<ThreadEntry>) -> Vec<u8> {
        let i = t.info();
        if !i.cmd_line.is_empty() {
            return i.cmd_line.clone();
        }
        let mut s = i.comm.as_bytes().to_vec();
        for a in &i.args {
            s.push(b' ');
            s.extend_from_slice(a.as_bytes());
        }
        s
    }

    /// `sinsp_evt::get_thread_info`: the event's thread, else a lookup of its tid now (events
    /// the parser gave no thread, e.g. `scapevent`, still show the thread of their tid).
    fn thread_info(&self, e: &Evt) -> Option<Arc<ThreadEntry>> {
        e.tinfo.clone().or_else(|| self.tm.find(e.tid, false))
    }

    /// The fd a `fd.*` field reads (`extract_fd`): `None` for events that touch no fd.
    fn field_fd(&self, e: &Evt) -> Option<(Arc<ThreadEntry>, Option<Arc<crate::threads::FdEntry>>)> {
        let flags = e.flags();
        if flags & (ef::CREATES_FD | ef::USES_FD | ef::DESTROYS_FD) == 0 {
            return None;
        }
        let t = self.thread_info(e)?;
        let mut f = e.fdinfo.clone();
        let last = t.info().lastevent_fd;
        if f.is_none() && last != -1 {
            f = self.get_fd(&t, last);
        }
        Some((t, f))
    }

    /// `extract_fdname_from_event`: the name of an fd the event did not leave in the table.
    fn fdname_from_event(&self, e: &Evt) -> Option<Vec<u8>> {
        if e.is_enter() {
            return None;
        }
        match e.etype {
            SYSCALL_OPEN_X | SOCKET_ACCEPT_5_X | SOCKET_ACCEPT4_6_X | SYSCALL_CREAT_X | SOCKET_CONNECT_X => {
                let (v, r) = self.param_as_str(e, 1, super::args::ParamFmt::Normal);
                Some(if r.is_empty() { v } else { r })
            }
            SYSCALL_OPENAT_2_X | SYSCALL_OPENAT2_X => {
                if e.empty(2) || e.empty(1) {
                    return None;
                }
                let name = e.str(2).to_vec();
                let sdir = self.parse_dirfd(e, &name, e.i64(1));
                Some(super::paths::concatenate(&sdir, &name))
            }
            SYSCALL_OPEN_BY_HANDLE_AT_X => Some(e.str(3).to_vec()),
            _ => Some(Vec::new()),
        }
    }

    /// The value of `f` for event `e` (as processed: its thread and fd set).
    pub fn syscall_field(&self, f: &SyscallField, e: &Evt) -> Option<SyscallValue> {
        use SyscallField::*;
        let s = |v: Vec<u8>| Some(SyscallValue::Str(v));
        match f {
            ThreadTid => xid(e.tid),
            ArgByName(name) => {
                let ev = schema::event(e.etype)?;
                let id = ev.params.iter().take(e.nparams()).position(|p| p.name == name)?;
                self.arg_text(e, id).map(SyscallValue::Str)
            }
            ArgByIndex(i) => self.arg_text(e, *i).map(SyscallValue::Str),
            Args => s(self.args_text(e)),
            FdName | FdNum | FdType | FdTypechar => {
                let (t, fd) = self.field_fd(e)?;
                match f {
                    FdNum => Some(SyscallValue::I64(t.info().lastevent_fd)),
                    FdName => match fd {
                        Some(fd) => s(fd.info().name.as_bytes().to_vec()),
                        None => self.fdname_from_event(e).map(SyscallValue::Str),
                    },
                    FdType => fd.map(|f| SyscallValue::Str(typestring(&f.info()).as_bytes().to_vec())),
                    _ => s(vec![fd.map_or_else(|| typechar_of_event(e.etype), |f| typechar(&f.info()))]),
                }
            }
            _ => {
                let t = &self.thread_info(e)?;
                match f {
                    ProcName => s(t.info().comm.as_bytes().to_vec()),
                    ProcPid => xid(t.info().pid),
                    ProcExe => s(t.info().exe.as_bytes().to_vec()),
                    ProcExepath => s(t.info().exepath.as_bytes().to_vec()),
                    ProcCmdline => s(Self::cmdline(t)),
                    ProcArgs => {
                        let i = t.info();
                        let mut out = Vec::new();
                        for (k, a) in i.args.iter().enumerate() {
                            if k > 0 {
                                out.push(b' ');
                            }
                            out.extend_from_slice(a.as_bytes());
                        }
                        s(out)
                    }
                    ProcCwd => s(self.get_cwd(t)),
                    ProcPpid => {
                        let p = self.parent_process(t)?;
                        let pid = p.info().pid;
                        xid(pid)
                    }
                    ProcPname => {
                        let p = self.parent_process(t)?;
                        let c = p.info().comm.as_bytes().to_vec();
                        s(c)
                    }
                    _ => None,
                }
            }
        }
    }
}
