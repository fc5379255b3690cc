//! libsinsp's parser entry points: `reset` (which thread and fd the event is about, the
//! enter/exit bookkeeping) and the dispatch of each event type to its state update.

use scap::event_schema::ef;

use super::codes::*;
use super::event::Evt;
use super::Inspector;
use crate::threads::thread_info::flags;

/// `PPM_CL_ACTIVE`.
pub(crate) const CL_ACTIVE: u32 = 1 << 19;

fn is_clone_exit(t: u16) -> bool {
    t == SYSCALL_CLONE_20_X || t == SYSCALL_CLONE3_X
}

fn is_fork_exit(t: u16) -> bool {
    t == SYSCALL_FORK_20_X || t == SYSCALL_VFORK_20_X
}

/// `can_query_os_for_thread_info`.
fn can_query_os(t: u16) -> bool {
    !(is_clone_exit(t) || is_fork_exit(t) || t == SCHEDSWITCH_6_E || t == PROCEXIT_1_E)
}

/// `get_enter_event_fd_location`.
fn enter_fd_location(t: u16) -> usize {
    match scap::event_schema::event(t).map_or("", |e| e.name) {
        "mmap" | "mmap2" => 4,
        "splice" => 1,
        _ => 0,
    }
}

/// `get_exit_event_fd_location` (-1: none).
fn exit_fd_location(t: u16) -> i32 {
    use scap::event_schema::event;
    let name = event(t).map_or("", |e| e.name);
    match (t, name) {
        (_, "setns" | "listen" | "shutdown" | "fchdir" | "lseek" | "llseek" | "ioctl" | "fstat" | "close" | "getdents"
        | "getdents64" | "flock" | "copy_file_range" | "fcntl" | "dup" | "dup2" | "dup3" | "newfstatat" | "fchownat"
        | "fchmodat" | "mkdirat" | "unlinkat" | "mknodat" | "sendmmsg" | "recvmmsg" | "io_uring_register"
        | "io_uring_enter" | "setsockopt" | "getsockopt" | "fsconfig" | "finit_module" | "fchmod" | "fchown") => 1,
        (_, "read" | "pread" | "bind" | "write" | "pwrite" | "recv" | "send" | "sendto" | "sendmsg" | "sendfile"
        | "splice" | "writev" | "pwritev" | "connect" | "symlinkat") => 2,
        (_, "recvfrom" | "readv" | "preadv") => 3,
        (_, "recvmsg") => 5,
        (_, "mmap" | "mmap2") => 8,
        _ => -1,
    }
}

impl Inspector {
    /// `sinsp_parser::reset`: false when the event has no thread or fd to parse with.
    pub(crate) fn reset(&self, e: &mut Evt) -> bool {
        let etype = e.etype;
        e.fdinfo = None;
        e.errorcode = 0;
        let eflags = e.flags();
        if eflags & ef::SKIPPARSERESET != 0 {
            e.tinfo = if etype == PROCINFO_E { self.tm.find(e.tid, false) } else { None };
            return false;
        }
        if matches!(
            etype,
            CONTAINER_JSON_2_E | USER_ADDED_E | USER_DELETED_E | GROUP_ADDED_E | GROUP_DELETED_E | PLUGINEVENT_E | ASYNCEVENT_E
        ) {
            e.tinfo = None;
            return true;
        }
        let query_os = can_query_os(etype);
        e.tinfo = if query_os { self.tm.get(e.tid, false) } else { self.tm.find(e.tid, false) };
        if etype == SCHEDSWITCH_6_E {
            return false;
        }
        let Some(t) = e.tinfo.clone() else { return false };
        if query_os {
            t.info().flags |= CL_ACTIVE;
        }
        if e.is_enter() {
            let uses_fd = e.uses_fd();
            let fd = if uses_fd { Some(e.i64(enter_fd_location(etype))) } else { None };
            {
                let mut i = t.info();
                i.lastevent_fd = fd.unwrap_or(-1);
                i.lastevent_type = etype;
            }
            e.fd = fd.unwrap_or(-1);
            if let Some(fd) = fd {
                e.fdinfo = self.get_fd(&t, fd);
            }
            return true;
        }
        {
            let mut i = t.info();
            let last = i.lastevent_type;
            let valid = (etype == SYSCALL_EXECVE_19_X && last == SYSCALL_EXECVEAT_E) || etype == last.wrapping_add(1);
            i.lastevent_data_valid = valid;
            if !valid {
                i.lastevent_fd = -1;
            }
        }
        if e.has_return_value() {
            let res = e.ret();
            if res < 0 {
                e.errorcode = (-res) as i32;
            }
        }
        if !e.uses_fd() {
            e.fd = t.info().lastevent_fd;
            return true;
        }
        let mut fd = t.info().lastevent_fd;
        if fd == -1 {
            let loc = exit_fd_location(etype);
            if loc != -1 && (loc as usize) < e.nparams() && !e.empty(loc as usize) {
                fd = e.i64(loc as usize);
                t.info().lastevent_fd = fd;
            }
        }
        e.fd = fd;
        e.fdinfo = self.get_fd(&t, fd);
        e.fdinfo.is_some()
    }

    /// `sinsp_parser::process_event`.
    pub(crate) fn process_event(&mut self, e: &mut Evt) {
        match e.etype {
            SYSCALL_OPEN_E | SYSCALL_CREAT_E | SYSCALL_OPENAT_2_E | SYSCALL_OPENAT2_E | SYSCALL_EXECVE_19_E if !e.empty(0) => {
                self.store_event(e)
            }
            SYSCALL_EXECVEAT_E | SOCKET_CONNECT_E => self.store_event(e),
            SYSCALL_READ_X | SYSCALL_READV_X | SYSCALL_PREAD_X | SYSCALL_PREADV_X | SOCKET_RECV_X | SOCKET_RECVFROM_X
            | SOCKET_RECVMSG_X | SOCKET_RECVMMSG_X => self.parse_rw_exit(e, true),
            SYSCALL_WRITE_X | SYSCALL_WRITEV_X | SYSCALL_PWRITE_X | SYSCALL_PWRITEV_X | SOCKET_SEND_X | SOCKET_SENDTO_X
            | SOCKET_SENDMSG_X | SOCKET_SENDMMSG_X => self.parse_rw_exit(e, false),
            SYSCALL_OPEN_X | SYSCALL_CREAT_X | SYSCALL_OPENAT_2_X | SYSCALL_OPENAT2_X | SYSCALL_OPEN_BY_HANDLE_AT_X => {
                self.parse_open_exit(e)
            }
            SYSCALL_MEMFD_CREATE_X => self.parse_memfd_create_exit(e),
            SYSCALL_CLONE_20_X | SYSCALL_FORK_20_X | SYSCALL_VFORK_20_X | SYSCALL_CLONE3_X => self.parse_clone_exit(e),
            SYSCALL_PIDFD_OPEN_X => self.parse_pidfd_open_exit(e),
            SYSCALL_PIDFD_GETFD_X => self.parse_pidfd_getfd_exit(e),
            SYSCALL_EXECVE_19_X | SYSCALL_EXECVEAT_X => self.parse_execve_exit(e),
            PROCEXIT_1_E => self.parse_thread_exit(e),
            SYSCALL_PIPE_X | SYSCALL_PIPE2_X => self.parse_pipe_exit(e),
            SOCKET_SOCKET_X => self.parse_socket_exit(e),
            SOCKET_BIND_X => self.parse_bind_exit(e),
            SOCKET_CONNECT_X => self.parse_connect_exit(e),
            SOCKET_ACCEPT_5_X | SOCKET_ACCEPT4_6_X => self.parse_accept_exit(e),
            SYSCALL_CLOSE_X => self.parse_close_exit(e),
            SYSCALL_CLOSE_RANGE_X => self.parse_close_range_exit(e),
            SYSCALL_FCNTL_X => self.parse_fcntl_exit(e),
            SYSCALL_EVENTFD_X | SYSCALL_EVENTFD2_X => self.parse_eventfd_exit(e),
            SYSCALL_CHDIR_X => self.parse_chdir_exit(e),
            SYSCALL_FCHDIR_X => self.parse_fchdir_exit(e),
            SYSCALL_GETCWD_X => self.parse_getcwd_exit(e),
            SYSCALL_DUP_1_X | SYSCALL_DUP2_X | SYSCALL_DUP3_X => self.parse_dup_exit(e),
            SYSCALL_SIGNALFD_X | SYSCALL_SIGNALFD4_X => self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::SIGNALFD),
            SYSCALL_TIMERFD_CREATE_X => self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::TIMERFD),
            SYSCALL_INOTIFY_INIT_X | SYSCALL_INOTIFY_INIT1_X => {
                self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::INOTIFY)
            }
            SYSCALL_BPF_2_X => self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::BPF),
            SYSCALL_USERFAULTFD_X => self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::USERFAULTFD),
            SYSCALL_IO_URING_SETUP_X => self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::IOURING),
            SYSCALL_EPOLL_CREATE_X | SYSCALL_EPOLL_CREATE1_X => {
                self.parse_single_fd_exit(e, crate::threads::fd_info::fd_type::EVENTPOLL)
            }
            SYSCALL_GETRLIMIT_X | SYSCALL_SETRLIMIT_X => self.parse_getrlimit_exit(e),
            SYSCALL_PRLIMIT_X => self.parse_prlimit_exit(e),
            SOCKET_SOCKETPAIR_X => self.parse_socketpair_exit(e),
            SCHEDSWITCH_6_E => self.parse_context_switch(e),
            SYSCALL_BRK_4_X | SYSCALL_MMAP_X | SYSCALL_MMAP2_X | SYSCALL_MUNMAP_X => self.parse_memory_exit(e),
            SYSCALL_SETRESUID_X | SYSCALL_SETREUID_X | SYSCALL_SETUID_X => self.parse_setuid_family_exit(e),
            SYSCALL_SETRESGID_X | SYSCALL_SETREGID_X | SYSCALL_SETGID_X => self.parse_setgid_family_exit(e),
            SYSCALL_CHROOT_X => self.parse_chroot_exit(e),
            SYSCALL_SETSID_X => self.parse_setsid_exit(e),
            SYSCALL_CAPSET_X => self.parse_capset_exit(e),
            SYSCALL_PRCTL_X => self.parse_prctl_exit(e),
            SYSCALL_UNSHARE_X | SYSCALL_SETNS_X => self.parse_unshare_setns_exit(e),
            _ => {}
        }
    }

    /// `store_event`: the enter event kept for its exit event (TOCTOU mitigation and
    /// fallbacks).
    fn store_event(&self, e: &Evt) {
        let Some(t) = &e.tinfo else { return };
        t.info().last_event_data = Some(e.bytes.to_vec());
    }

    /// `retrieve_enter_event`: the stored enter event, when it belongs to this exit event.
    pub(crate) fn retrieve_enter_event(&self, e: &Evt) -> Option<Vec<u8>> {
        let t = e.tinfo.as_ref()?;
        let mut i = t.info();
        if !i.lastevent_data_valid {
            return None;
        }
        let data = i.last_event_data.clone()?;
        let enter_type = u16::from_le_bytes([data[20], data[21]]);
        if e.etype == SYSCALL_EXECVE_19_X && enter_type == SYSCALL_EXECVEAT_E {
            return Some(data);
        }
        if enter_type != e.etype.wrapping_sub(1) {
            i.lastevent_data_valid = false;
            return None;
        }
        Some(data)
    }

    /// `event_cleanup`: after an exit event, the stored enter event is dropped.
    pub(crate) fn event_cleanup(&self, e: &Evt) {
        if e.is_enter() {
            return;
        }
        if let Some(t) = &e.tinfo {
            let mut i = t.info();
            if i.last_event_data.is_some() {
                i.last_event_data = None;
                i.lastevent_data_valid = false;
            }
        }
    }
}

/// Flags a successful execve keeps (`PPM_CL_PIPE_SRC | PPM_CL_PIPE_DST | PPM_CL_IS_MAIN_THREAD`).
pub(crate) const EXECVE_KEPT_FLAGS: u32 = (1 << 21) | (1 << 22) | flags::IS_MAIN_THREAD;
