//! clone, fork, vfork and clone3 exits (libsinsp's `parse_clone_exit`): the caller side enriches
//! the caller and creates the child (unless the child is in a container, a vfork, or already
//! there); the child side creates itself when the caller's event has not (containers, inverted
//! order, a lost caller event).

use std::sync::Arc;

use super::codes::*;
use super::event::Evt;
use super::import::{exepath, parse_cgroups};
use super::Inspector;
use crate::tables::CText;
use crate::threads::thread_info::flags;
use crate::threads::{FdEntry, ThreadEntry, ThreadInfo};

/// `PPM_CL_CLONE_INVERTED`.
pub(crate) const CLONE_INVERTED: u32 = 1 << 16;
/// `PPM_CL_CLONE_PARENT`.
const CLONE_PARENT: u32 = 1 << 8;
/// libsinsp's `CLONE_STALE_TIME_NS`.
const CLONE_STALE_TIME_NS: u64 = 2_000_000_000;

impl Inspector {
    pub(crate) fn parse_clone_exit(&mut self, e: &mut Evt) {
        let child = e.ret();
        if child < 0 {
            return;
        }
        if child == 0 {
            self.parse_clone_child(e);
        } else {
            self.parse_clone_caller(e, child);
        }
    }

    /// Copies the parent's (or leader's) fds into a new process's table, marked as cloned.
    fn copy_fds(&self, from: &Arc<ThreadEntry>, to: &ThreadEntry) {
        let Some(table) = self.tm.fd_table(from) else { return };
        to.fd_table.clear_all();
        for (fd, src) in table.entries() {
            let copy: FdEntry = src.duplicate();
            copy.info().flags |= crate::threads::fd_info::fd_flags::IS_CLONED;
            to.fd_table.add_entry_arc(fd, Arc::new(copy));
        }
    }

    /// The fields a child takes from a valid caller (or lookup) thread.
    fn inherit(child: &mut ThreadInfo, from: &ThreadInfo) {
        child.exepath = exepath(from.exepath.as_bytes());
        child.exe_writable = from.exe_writable;
        child.exe_upper_layer = from.exe_upper_layer;
        child.exe_lower_layer = from.exe_lower_layer;
        child.exe_from_memfd = from.exe_from_memfd;
        child.root = from.root.clone();
        child.sid = from.sid;
        child.vpgid = from.vpgid;
        child.pgid = from.pgid;
        child.tty = from.tty;
        child.loginuid = from.loginuid;
        child.cap_permitted = from.cap_permitted;
        child.cap_inheritable = from.cap_inheritable;
        child.cap_effective = from.cap_effective;
        child.exe_ino = from.exe_ino;
        child.exe_ino_ctime = from.exe_ino_ctime;
        child.exe_ino_mtime = from.exe_ino_mtime;
        child.exe_ino_ctime_duration_clone_ts = from.exe_ino_ctime_duration_clone_ts;
    }

    /// What both sides read from the event into the child: fd limit, memory, uid/gid, cgroups,
    /// clone time.
    fn fill_child_from_event(child: &mut ThreadInfo, e: &Evt) {
        child.fdlimit = e.i64(7);
        if !e.empty(12) {
            child.pfmajor = e.u64(8);
            child.pfminor = e.u64(9);
            child.vmsize_kb = e.u32(10);
            child.vmrss_kb = e.u32(11);
            child.vmswap_kb = e.u32(12);
        }
        child.uid = e.u32(16);
        child.gid = e.u32(17);
        if !e.empty(14) {
            let list: Vec<Vec<u8>> = e.strings(14).iter().map(|c| c.as_bytes().to_vec()).collect();
            if let Some(c) = parse_cgroups(&list) {
                child.cgroups = c;
            }
        }
        child.clone_ts = e.ts;
    }

    fn comm_of(e: &Evt, exe: &CText) -> CText {
        if e.empty(13) {
            exe.clone()
        } else {
            CText::new(e.str(13))
        }
    }

    fn parse_clone_caller(&mut self, e: &mut Evt, child_tid: i64) {
        let caller_tid = e.tid;
        let mut tid_collision = -1i64;
        let mut valid_caller = true;
        let Some(caller) = self.tm.get(caller_tid, false) else {
            e.tinfo = None;
            return;
        };
        if caller.info().is_invalid() {
            valid_caller = false;
            {
                let mut c = caller.info();
                c.pid = e.i64(4);
                c.ptid = e.i64(5);
                if !e.empty(19) {
                    c.vtid = e.i64(18);
                    c.vpid = e.i64(19);
                } else {
                    c.vtid = caller_tid;
                    c.vpid = -1;
                }
            }
            self.tm.create_dependencies(&caller);
        }
        e.tinfo = Some(caller.clone());
        let fl = e.u32(15);
        let caller_vtid = caller.info().vtid;
        if fl & flags::CHILD_IN_PIDNS != 0 || fl & flags::CLONE_NEWPID != 0 || fl & CLONE_PARENT != 0 || caller_tid != caller_vtid {
            return;
        }
        if fl & flags::CLONE_VFORK != 0 || e.etype == SYSCALL_VFORK_20_X {
            return;
        }
        if self.tm.has_recently_exited(child_tid, caller_tid, e.ts) {
            return;
        }
        if let Some(existing) = self.tm.find(child_tid, true) {
            if existing.info().flags & CLONE_INVERTED != 0 {
                return;
            }
            self.tm.remove(child_tid);
            tid_collision = child_tid;
        }

        let exe = CText::new(e.str(1));
        let mut child = ThreadInfo { lastexec_ts: 0, flags: fl, tid: child_tid, ..ThreadInfo::default() };
        let child_entry = self.threads.new_thread(ThreadInfo::default());
        let caller_info = caller.info().clone();
        if child.flags & flags::CLONE_THREAD == 0 {
            if valid_caller {
                self.copy_fds(&caller, &child_entry);
                child.cwd = CText::new(&self.get_cwd(&caller));
                child.env = caller_info.env.clone();
            }
            child.pid = child.tid;
            child.ptid = caller_info.tid;
        } else {
            child.pid = caller_info.pid;
            child.ptid = caller_info.ptid;
            child.flags |= flags::CLONE_FILES;
            child.lastexec_ts = caller_info.lastexec_ts;
        }
        child.vtid = child.tid;
        child.vpid = child.pid;
        child.exe = exe.clone();
        child.comm = Self::comm_of(e, &exe);
        child.set_args(e.strings(2));
        Self::fill_child_from_event(&mut child, e);
        child.pidns_init_start_ts = self.boot_ts_epoch;
        if valid_caller {
            Self::inherit(&mut child, &caller_info);
        } else {
            let mut c = caller.info();
            c.exe = child.exe.clone();
            c.comm = child.comm.clone();
            c.set_args(e.strings(2));
        }
        *child_entry.info() = child;
        if self.tm.add(child_entry, true).is_none() {
            return;
        }
        if tid_collision != -1 {
            self.reset(e);
        }
    }

    fn parse_clone_child(&mut self, e: &mut Evt) {
        let child_tid = e.tid;
        let mut tid_collision = -1i64;
        let mut valid_lookup = true;
        if let Some(t) = e.tinfo.clone() {
            let clone_ts = t.info().clone_ts;
            if clone_ts != 0 {
                if e.ts.wrapping_sub(clone_ts) < CLONE_STALE_TIME_NS {
                    return;
                }
                self.tm.remove(child_tid);
                tid_collision = child_tid;
                e.tinfo = None;
            }
        }
        let mut child = ThreadInfo { lastexec_ts: 0, tid: child_tid, pid: e.i64(4), ptid: e.i64(5), ..ThreadInfo::default() };
        if !e.empty(19) {
            child.vtid = e.i64(18);
            child.vpid = e.i64(19);
        } else {
            child.vtid = child.tid;
            child.vpid = -1;
        }
        child.flags = e.u32(15) | CLONE_INVERTED;
        let leader = child.flags & flags::CLONE_THREAD == 0;
        let lookup_tid = if leader {
            child.ptid
        } else {
            child.flags |= flags::CLONE_FILES;
            child.pid
        };
        let Some(lookup) = self.tm.get(lookup_tid, false) else {
            e.tinfo = None;
            return;
        };
        if lookup.info().is_invalid() {
            valid_lookup = false;
            if !leader {
                {
                    let mut l = lookup.info();
                    l.pid = child.pid;
                    l.ptid = child.ptid;
                    l.vpid = child.vpid;
                    l.vtid = l.vpid;
                }
                self.tm.create_dependencies(&lookup);
            }
        }
        let exe = CText::new(e.str(1));
        child.exe = exe.clone();
        child.comm = Self::comm_of(e, &exe);
        child.set_args(e.strings(2));
        let child_entry = self.threads.new_thread(ThreadInfo::default());
        if valid_lookup {
            let lookup_info = lookup.info().clone();
            Self::inherit(&mut child, &lookup_info);
            if leader {
                self.copy_fds(&lookup, &child_entry);
                child.cwd = CText::new(&self.get_cwd(&lookup));
                child.env = lookup_info.env.clone();
            } else {
                child.lastexec_ts = lookup_info.lastexec_ts;
            }
        } else if !leader {
            let mut l = lookup.info();
            l.exe = child.exe.clone();
            l.comm = child.comm.clone();
            l.set_args(e.strings(2));
        }
        Self::fill_child_from_event(&mut child, e);
        if child.flags & flags::CHILD_IN_PIDNS != 0 || child.flags & flags::CLONE_NEWPID != 0 || child.tid != child.vtid {
            if !e.empty(20) {
                child.pidns_init_start_ts = e.u64(20).wrapping_add(self.boot_ts_epoch);
            }
        } else {
            child.pidns_init_start_ts = self.boot_ts_epoch;
        }
        *child_entry.info() = child;
        let Some(added) = self.tm.add(child_entry, true) else {
            e.tinfo = None;
            return;
        };
        e.tinfo = Some(added);
        if tid_collision != -1 {
            self.reset(e);
        }
    }
}
