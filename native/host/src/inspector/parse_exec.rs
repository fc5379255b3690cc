//! execve/execveat exits (the thread takes the new program's names, arguments, environment,
//! limits, credentials; close-on-exec fds go; the other threads of the group are removed) and
//! procexit (the thread is marked dead and removed after the next event).

use super::codes::*;
use super::event::Evt;
use super::import::{exepath, parse_cgroups};
use super::paths;
use super::Inspector;
use crate::tables::CText;
use crate::threads::thread_info::flags;

/// `PPM_EXE_*` execve flags.
const EXE_WRITABLE: u32 = 1 << 0;
const EXE_UPPER_LAYER: u32 = 1 << 1;
const EXE_FROM_MEMFD: u32 = 1 << 2;
const EXE_LOWER_LAYER: u32 = 1 << 3;
/// `PPM_EXVAT_AT_EMPTY_PATH`.
const EXVAT_AT_EMPTY_PATH: u32 = 1 << 0;
/// `PPM_AT_FDCWD`.
pub(crate) const AT_FDCWD: i64 = -100;

impl Inspector {
    /// `parse_dirfd`: the directory a relative path is relative to.
    pub(crate) fn parse_dirfd(&self, e: &Evt, name: &[u8], dirfd: i64) -> Vec<u8> {
        if name.first() == Some(&b'/') {
            return b".".to_vec();
        }
        let Some(t) = &e.tinfo else { return b"<UNKNOWN>".to_vec() };
        if dirfd == AT_FDCWD {
            return self.get_cwd(t);
        }
        let Some(f) = self.get_fd(t, dirfd) else { return b"<UNKNOWN>".to_vec() };
        let mut n = f.info().name.as_bytes().to_vec();
        if !n.is_empty() && n.last() != Some(&b'/') {
            n.push(b'/');
        }
        n
    }

    pub(crate) fn parse_execve_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        let Some(t) = e.tinfo.clone() else { return };
        let resurrect = {
            let mut i = t.info();
            if i.is_dead() {
                i.flags &= !flags::CLOSED;
                i.tginfo.clone()
            } else {
                None
            }
        };
        if let Some(g) = resurrect {
            g.lock().unwrap_or_else(|p| p.into_inner()).alive += 1;
        }
        let invalid = {
            let mut i = t.info();
            i.exe = CText::new(e.str(1));
            i.lastexec_ts = e.ts;
            i.comm = if e.empty(13) { i.exe.clone() } else { CText::new(e.str(13)) };
            i.set_args(e.strings(2));
            i.pid = e.i64(4);
            i.is_invalid()
        };
        if invalid {
            {
                let mut i = t.info();
                i.ptid = e.i64(5);
                if i.flags & flags::CHILD_IN_PIDNS == 0 {
                    i.vtid = i.tid;
                    i.vpid = i.pid;
                }
            }
            let tid = t.info().tid;
            if let Some(found) = self.tm.find(tid, true) {
                self.tm.create_dependencies(&found);
            }
        }
        {
            let mut i = t.info();
            i.fdlimit = e.i64(7);
            if !e.empty(12) {
                i.pfmajor = e.u64(8);
                i.pfminor = e.u64(9);
                i.vmsize_kb = e.u32(10);
                i.vmrss_kb = e.u32(11);
                i.vmswap_kb = e.u32(12);
            }
            if !e.empty(15) {
                i.env = e.strings(15);
            }
            if !e.empty(14) {
                let list: Vec<Vec<u8>> = e.strings(14).iter().map(|c| c.as_bytes().to_vec()).collect();
                if let Some(c) = parse_cgroups(&list) {
                    i.cgroups = c;
                }
            }
            if !e.empty(16) {
                i.tty = e.u32(16);
            }
        }
        if !e.empty(27) {
            t.info().exepath = exepath(e.str(27));
        } else if let Some(enter) = self.retrieve_enter_event(e) {
            if let Some(en) = Evt::new(0, &enter) {
                let mut fullpath: Option<Vec<u8>> = None;
                if en.etype == SYSCALL_EXECVE_19_E {
                    let filename = en.str(0);
                    fullpath = Some(if filename == b"<NA>" {
                        b"<NA>".to_vec()
                    } else {
                        paths::concatenate(&self.get_cwd(&t), filename)
                    });
                } else if en.etype == SYSCALL_EXECVEAT_E {
                    let dirfd = en.i64(0);
                    let fl = en.u32(2);
                    let pathname = en.str(1).to_vec();
                    let sdir = self.parse_dirfd(e, &pathname, dirfd);
                    if sdir != b"." && sdir != b"<UNKNOWN>" {
                        e.fdinfo = self.get_fd(&t, dirfd);
                    }
                    fullpath = Some(if (fl & EXVAT_AT_EMPTY_PATH == 0 && pathname == b"<NA>") || sdir == b"<UNKNOWN>" {
                        b"<NA>".to_vec()
                    } else if fl & EXVAT_AT_EMPTY_PATH != 0 {
                        paths::concatenate(b"", &sdir)
                    } else {
                        paths::concatenate(&sdir, &pathname)
                    });
                }
                if let Some(p) = fullpath {
                    t.info().exepath = exepath(&p);
                }
            }
        }
        {
            let mut i = t.info();
            if !e.empty(17) {
                i.vpgid = e.i64(17);
            }
            if !e.empty(18) {
                i.loginuid = e.u32(18);
            }
            if !e.empty(19) {
                let f = e.u32(19);
                i.exe_writable = f & EXE_WRITABLE != 0;
                i.exe_upper_layer = f & EXE_UPPER_LAYER != 0;
                i.exe_from_memfd = f & EXE_FROM_MEMFD != 0;
                i.exe_lower_layer = f & EXE_LOWER_LAYER != 0;
            }
            if !e.empty(22) {
                i.cap_inheritable = e.u64(20);
                i.cap_permitted = e.u64(21);
                i.cap_effective = e.u64(22);
            }
            if !e.empty(25) {
                i.exe_ino = e.u64(23);
                i.exe_ino_ctime = e.u64(24);
                i.exe_ino_mtime = e.u64(25);
                if i.clone_ts != 0 {
                    i.exe_ino_ctime_duration_clone_ts = i.clone_ts.wrapping_sub(i.exe_ino_ctime);
                }
                if i.pidns_init_start_ts != 0 && i.exe_ino_ctime > i.pidns_init_start_ts {
                    i.exe_ino_ctime_duration_pidns_start = i.exe_ino_ctime - i.pidns_init_start_ts;
                }
            }
            if !e.empty(26) {
                i.uid = e.u32(26);
            }
            i.pgid = if e.empty(28) { -1 } else { e.i64(28) };
            if !e.empty(29) {
                i.gid = e.u32(29);
            }
        }
        // close-on-exec fds go
        if let Some(table) = self.tm.fd_table(&t) {
            for (fd, f) in table.entries() {
                if super::parse_fd::is_close_on_exec(&f.info()) {
                    table.remove(fd);
                }
            }
        }
        let group = {
            let mut i = t.info();
            let keep = i.flags & super::parser::EXECVE_KEPT_FLAGS;
            let inverted = i.flags & super::parse_clone::CLONE_INVERTED;
            i.flags = super::parser::CL_ACTIVE | keep | inverted | flags::NAME_CHANGED;
            i.tginfo.clone()
        };
        if let Some(g) = group {
            let members: Vec<_> = {
                let g = g.lock().unwrap_or_else(|p| p.into_inner());
                if g.alive > 1 {
                    g.threads.iter().filter_map(std::sync::Weak::upgrade).collect()
                } else {
                    Vec::new()
                }
            };
            let my_tid = t.info().tid;
            for m in members {
                let (is_main, tid) = {
                    let i = m.info();
                    (i.is_main_thread(), i.tid)
                };
                if is_main || tid == my_tid {
                    continue;
                }
                self.tm.remove(tid);
            }
        }
    }

    /// `parse_thread_exit` (procexit).
    pub(crate) fn parse_thread_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let group = {
            let i = t.info();
            if i.is_dead() {
                None
            } else {
                i.tginfo.clone()
            }
        };
        if let Some(g) = group {
            g.lock().unwrap_or_else(|p| p.into_inner()).decrement();
        }
        t.info().flags |= flags::CLOSED;
        self.pending.tid_to_remove = Some(e.tid);
        if t.info().children.is_empty() {
            return;
        }
        if e.nparams() > 4 {
            if !e.empty(4) {
                t.info().reaper_tid = e.i64(4);
            }
        } else {
            t.info().reaper_tid = -1;
        }
    }
}
