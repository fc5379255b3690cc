//! File-descriptor events other than sockets: the open family, close and close_range, pipes,
//! eventfd and the other single-fd creators, dup and fcntl copies, memfd and pidfd, plus the
//! working directory (chdir, fchdir, getcwd) and the fd limit (getrlimit, setrlimit, prlimit).

use super::codes::*;
use super::event::Evt;
use super::paths;
use super::Inspector;
use crate::tables::CText;
use crate::threads::fd_info::{fd_flags, fd_type};
use crate::threads::{FdEntry, FdInfo};

/// `PPM_O_*` open flags.
pub(crate) const O_DIRECTORY: u32 = 1 << 10;
pub(crate) const O_CLOEXEC: u32 = 1 << 12;
const O_F_CREATED: u32 = 1 << 14;
const FD_UPPER_LAYER: u32 = 1 << 15;
const FD_LOWER_LAYER: u32 = 1 << 16;
/// creat's layer bits (`PPM_FD_UPPER_LAYER_CREAT`, `PPM_FD_LOWER_LAYER_CREAT`).
const FD_UPPER_LAYER_CREAT: u16 = 1 << 0;
const FD_LOWER_LAYER_CREAT: u16 = 1 << 1;
const EPOLL_CLOEXEC: u32 = 1 << 0;
const MFD_CLOEXEC: u32 = 1 << 0;
const RLIMIT_NOFILE: u8 = 7;
const FCNTL_F_DUPFD: u8 = 1;
const FCNTL_F_SETFD: u8 = 3;
const FCNTL_F_DUPFD_CLOEXEC: u8 = 26;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
/// `FD_CLOEXEC`.
const FD_CLOEXEC: u64 = 1;

/// `is_close_on_exec`.
pub(crate) fn is_close_on_exec(f: &FdInfo) -> bool {
    f.openflags & O_CLOEXEC == O_CLOEXEC
        || (f.fd_type == fd_type::EVENTPOLL && f.openflags & EPOLL_CLOEXEC == EPOLL_CLOEXEC)
        || (f.fd_type == fd_type::MEMFD && f.openflags & MFD_CLOEXEC == MFD_CLOEXEC)
}

/// `clear_close_on_exec_bits`.
fn clear_close_on_exec(f: &mut FdInfo) {
    f.openflags &= !O_CLOEXEC;
    f.openflags &= !EPOLL_CLOEXEC;
    f.openflags &= !MFD_CLOEXEC;
}

impl Inspector {
    pub(crate) fn parse_open_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let etype = e.etype;
        let enter = if etype != SYSCALL_OPEN_BY_HANDLE_AT_X { self.retrieve_enter_event(e) } else { None };
        let enter = enter.as_deref().and_then(|b| Evt::new(0, b));
        let fd = e.ret();
        let mut dev = 0u32;
        let mut ino = 0u64;
        let mut name: Vec<u8>;
        let mut fl: u32;
        let sdir: Vec<u8>;
        let keep_added = |exit_flags: u32, enter_flags: u32| enter_flags | (exit_flags & !(O_F_CREATED - 1));
        if etype == SYSCALL_OPEN_X {
            name = e.str(1).to_vec();
            fl = e.u32(2);
            if !e.empty(4) {
                dev = e.u32(4);
                if !e.empty(5) {
                    ino = e.u64(5);
                }
            }
            if let Some(en) = &enter {
                let n = en.str(0);
                if n != b"<NA>" {
                    name = n.to_vec();
                    fl = keep_added(fl, en.u32(1));
                }
            }
            sdir = self.get_cwd(&t);
        } else if etype == SYSCALL_CREAT_X {
            name = e.str(1).to_vec();
            fl = 0;
            if !e.empty(3) {
                dev = e.u32(3);
                if !e.empty(4) {
                    ino = e.u64(4);
                    if !e.empty(5) {
                        let cf = e.u16(5);
                        if cf & FD_UPPER_LAYER_CREAT != 0 {
                            fl |= FD_UPPER_LAYER;
                        } else if cf & FD_LOWER_LAYER_CREAT != 0 {
                            fl |= FD_LOWER_LAYER;
                        }
                    }
                }
            }
            if let Some(en) = &enter {
                let n = en.str(0);
                if n != b"<NA>" {
                    name = n.to_vec();
                }
            }
            sdir = self.get_cwd(&t);
        } else if etype == SYSCALL_OPENAT_2_X || etype == SYSCALL_OPENAT2_X {
            name = if e.empty(2) { b"<NA>".to_vec() } else { e.str(2).to_vec() };
            fl = if e.empty(3) { 0 } else { e.u32(3) };
            let (dev_i, ino_i) = if etype == SYSCALL_OPENAT_2_X { (5, 6) } else { (6, 7) };
            if !e.empty(ino_i) {
                dev = e.u32(dev_i);
                ino = e.u64(ino_i);
            }
            let mut dirfd = if e.empty(1) { None } else { Some(e.i64(1)) };
            if let Some(en) = &enter {
                let n = en.str(1);
                if n != b"<NA>" {
                    name = n.to_vec();
                    fl = keep_added(fl, en.u32(2));
                    dirfd = if en.empty(0) { None } else { Some(en.i64(0)) };
                }
            }
            sdir = match dirfd {
                Some(d) => self.parse_dirfd(e, &name, d),
                None => Vec::new(),
            };
        } else {
            fl = e.u32(2);
            name = e.str(3).to_vec();
            if e.nparams() > 4 {
                dev = e.u32(4);
                if e.nparams() > 5 {
                    ino = e.u64(5);
                }
            }
            sdir = Vec::new();
        }
        let fullpath = paths::concatenate(&sdir, &name);
        if fd >= 0 {
            let mut f = FdInfo {
                fd_type: if fl & O_DIRECTORY != 0 { fd_type::DIRECTORY } else { fd_type::FILE_V2 },
                openflags: fl,
                mount_id: 0,
                dev,
                ino,
                name_raw: CText::new(&name),
                name: CText::new(&fullpath),
                ..FdInfo::default()
            };
            if fl & FD_UPPER_LAYER != 0 {
                f.flags |= fd_flags::OVERLAY_UPPER;
            }
            if fl & FD_LOWER_LAYER != 0 {
                f.flags |= fd_flags::OVERLAY_LOWER;
            }
            e.fdinfo = self.add_fd(&t, fd, f);
            e.fd = fd;
        }
    }

    pub(crate) fn parse_close_exit(&mut self, e: &mut Evt) {
        if e.ret() >= 0 {
            let (Some(_), Some(t)) = (&e.fdinfo, &e.tinfo) else { return };
            let (tid, fd) = {
                let i = t.info();
                (i.tid, i.lastevent_fd)
            };
            self.pending.add_fd_to_remove(tid, fd);
        }
    }

    pub(crate) fn parse_close_range_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        if e.ret() < 0 {
            return;
        }
        let Some(table) = self.tm.fd_table(&t) else { return };
        let (first, last, fl) = (e.u32(1) as u64, e.u32(2) as u64, e.u32(3));
        let in_range = |fd: i64| fd >= 0 && fd as u64 >= first && fd as u64 <= last;
        for (fd, f) in table.entries() {
            if !in_range(fd) {
                continue;
            }
            if fl & CLOSE_RANGE_CLOEXEC != 0 {
                f.info().openflags |= O_CLOEXEC;
            } else {
                table.remove(fd);
            }
        }
    }

    fn add_pipe(&self, e: &mut Evt, fd: i64, ino: u64, openflags: u32) {
        let Some(t) = e.tinfo.clone() else { return };
        let f = FdInfo { fd_type: fd_type::FIFO, ino, openflags, ..FdInfo::default() };
        e.fdinfo = self.add_fd(&t, fd, f);
    }

    pub(crate) fn parse_pipe_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 || e.tinfo.is_none() {
            return;
        }
        let (fd1, fd2, ino) = (e.i64(1), e.i64(2), e.u64(3));
        let openflags = if e.etype == SYSCALL_PIPE2_X { e.u32(4) } else { 0 };
        self.add_pipe(e, fd1, ino, openflags);
        self.add_pipe(e, fd2, ino, openflags);
    }

    pub(crate) fn parse_eventfd_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        if fd < 0 {
            return;
        }
        let mut f = FdInfo { fd_type: fd_type::EVENT, ..FdInfo::default() };
        if e.etype == SYSCALL_EVENTFD2_X {
            f.openflags = e.u16(1) as u32;
        }
        e.fdinfo = self.add_fd(&t, fd, f);
    }

    pub(crate) fn parse_single_fd_exit(&mut self, e: &mut Evt, ty: u8) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        if fd < 0 {
            return;
        }
        let mut f = FdInfo { fd_type: ty, ..FdInfo::default() };
        match e.etype {
            SYSCALL_INOTIFY_INIT1_X | SYSCALL_SIGNALFD4_X => f.openflags = e.u16(1) as u32,
            SYSCALL_TIMERFD_CREATE_X => f.openflags = e.u8(2) as u32,
            SYSCALL_EPOLL_CREATE1_X if e.u32(1) & EPOLL_CLOEXEC != 0 => f.openflags |= O_CLOEXEC,
            _ => {}
        }
        e.fdinfo = self.add_fd(&t, fd, f);
    }

    pub(crate) fn parse_chdir_exit(&mut self, e: &mut Evt) {
        if e.ret() >= 0 {
            if let Some(t) = e.tinfo.clone() {
                self.update_cwd(&t, e.str(1));
            }
        }
    }

    pub(crate) fn parse_fchdir_exit(&mut self, e: &mut Evt) {
        if e.ret() >= 0 {
            if let (Some(f), Some(t)) = (e.fdinfo.clone(), e.tinfo.clone()) {
                let name = f.info().name.as_bytes().to_vec();
                self.update_cwd(&t, &name);
            }
        }
    }

    pub(crate) fn parse_getcwd_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        if let Some(t) = e.tinfo.clone() {
            self.update_cwd(&t, e.str(1));
        }
    }

    pub(crate) fn parse_dup_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let retval = e.ret();
        let Some(src) = e.fdinfo.clone().filter(|_| retval >= 0) else { return };
        if retval == 0 {
            t.info().flags |= 1 << 22; // PPM_CL_PIPE_DST
        }
        if retval == 1 {
            t.info().flags |= 1 << 21; // PPM_CL_PIPE_SRC
        }
        // the old fd at retval (if any) is overwritten below
        let _ = self.get_fd(&t, retval);
        let copy: FdEntry = src.duplicate();
        {
            let mut i = copy.info();
            clear_close_on_exec(&mut i);
            if e.etype == SYSCALL_DUP3_X && e.u32(3) & O_CLOEXEC != 0 {
                i.openflags |= O_CLOEXEC;
            }
        }
        e.fdinfo = self.add_fd_entry(&t, retval, copy);
    }

    pub(crate) fn parse_fcntl_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let cmd = e.u8(2);
        if !(cmd == FCNTL_F_DUPFD || cmd == FCNTL_F_DUPFD_CLOEXEC || cmd == FCNTL_F_SETFD) {
            return;
        }
        let retval = e.ret();
        let Some(src) = e.fdinfo.clone().filter(|_| retval >= 0) else { return };
        if cmd == FCNTL_F_SETFD {
            let mut i = src.info();
            clear_close_on_exec(&mut i);
            if e.u64(3) & FD_CLOEXEC != 0 {
                i.openflags |= O_CLOEXEC;
            }
            return;
        }
        let copy: FdEntry = src.duplicate();
        {
            let mut i = copy.info();
            clear_close_on_exec(&mut i);
            if cmd == FCNTL_F_DUPFD_CLOEXEC {
                i.openflags |= O_CLOEXEC;
            }
        }
        e.fdinfo = self.add_fd_entry(&t, retval, copy);
    }

    pub(crate) fn parse_getrlimit_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        if e.ret() < 0 || e.u8(3) != RLIMIT_NOFILE {
            return;
        }
        let cur = e.i64(1);
        if cur != -1 {
            if let Some(m) = self.tm.main_thread(&t) {
                m.info().fdlimit = cur;
            }
        }
    }

    pub(crate) fn parse_prlimit_exit(&mut self, e: &mut Evt) {
        if e.ret() != 0 {
            return;
        }
        if e.empty(6) || e.u8(6) != RLIMIT_NOFILE {
            return;
        }
        let newcur = e.i64(1);
        if newcur == -1 || e.empty(5) {
            return;
        }
        let mut tid = e.i64(5);
        if tid == 0 {
            tid = e.tid;
        }
        let Some(pt) = self.tm.get(tid, true) else { return };
        if pt.info().is_invalid() {
            return;
        }
        if let Some(m) = self.tm.main_thread(&pt) {
            m.info().fdlimit = newcur;
        }
    }

    pub(crate) fn parse_memfd_create_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        let mut f = FdInfo::default();
        if fd >= 0 {
            f.fd_type = fd_type::MEMFD;
            f.name = CText::new(e.str(1));
            f.openflags = e.u32(2);
        }
        e.fdinfo = self.add_fd(&t, fd, f);
    }

    pub(crate) fn parse_pidfd_open_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        if fd >= 0 {
            let pid = e.i64(1);
            let f = FdInfo {
                fd_type: fd_type::PIDFD,
                name: CText::from(format!("/proc/{pid}").as_str()),
                openflags: e.u32(2),
                pid,
                ..FdInfo::default()
            };
            e.fdinfo = self.add_fd(&t, fd, f);
        }
    }

    pub(crate) fn parse_pidfd_getfd_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let fd = e.ret();
        let (pidfd, targetfd) = (e.i64(1), e.i64(2));
        let Some(pf) = self.get_fd(&t, pidfd) else { return };
        let (is_pidfd, pid) = {
            let i = pf.info();
            (i.fd_type == fd_type::PIDFD, i.pid)
        };
        if !is_pidfd {
            return;
        }
        let Some(other) = self.tm.find(pid, true) else { return };
        let Some(target) = self.get_fd(&other, targetfd) else { return };
        let copy: FdEntry = target.duplicate();
        {
            let mut i = copy.info();
            clear_close_on_exec(&mut i);
            i.openflags |= O_CLOEXEC;
        }
        e.fdinfo = self.add_fd_entry(&t, fd, copy);
    }
}
