//! The remaining state updates: memory counters (brk, mmap, munmap, context switches),
//! credentials (setuid/setgid families, capset, unshare/setns with a new user namespace), the
//! session id, the root directory, and child-subreaper marks (prctl).

use super::codes::*;
use super::event::Evt;
use super::paths;
use super::Inspector;
use crate::tables::CText;

const PR_SET_CHILD_SUBREAPER: u32 = 36;
const PR_GET_CHILD_SUBREAPER: u32 = 37;
/// `PPM_CL_CLONE_NEWUSER`.
const CLONE_NEWUSER: u32 = 1 << 20;

impl Inspector {
    pub(crate) fn parse_context_switch(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        if e.empty(5) {
            return;
        }
        {
            let mut i = t.info();
            i.pfmajor = e.u64(1);
            i.pfminor = e.u64(2);
        }
        if let Some(m) = self.tm.main_thread(&t) {
            let mut i = m.info();
            i.vmsize_kb = e.u32(3);
            i.vmrss_kb = e.u32(4);
            i.vmswap_kb = e.u32(5);
        }
    }

    pub(crate) fn parse_memory_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        let mut i = t.info();
        if !e.empty(1) {
            i.vmsize_kb = e.u32(1);
        }
        if !e.empty(3) {
            i.vmrss_kb = e.u32(2);
            i.vmswap_kb = e.u32(3);
        }
    }

    pub(crate) fn parse_setuid_family_exit(&mut self, e: &mut Evt) {
        if e.ret() != 0 {
            return;
        }
        let p = if e.etype == SYSCALL_SETUID_X { 1 } else { 2 };
        if e.empty(p) {
            return;
        }
        if let Some(t) = &e.tinfo {
            t.info().uid = e.u32(p);
        }
    }

    pub(crate) fn parse_setgid_family_exit(&mut self, e: &mut Evt) {
        if e.ret() != 0 {
            return;
        }
        let p = if e.etype == SYSCALL_SETGID_X { 1 } else { 2 };
        if e.empty(p) {
            return;
        }
        if let Some(t) = &e.tinfo {
            t.info().gid = e.u32(p);
        }
    }

    pub(crate) fn parse_chroot_exit(&mut self, e: &mut Evt) {
        let Some(t) = e.tinfo.clone() else { return };
        if e.ret() != 0 {
            return;
        }
        let path = e.str(1).to_vec();
        // get_param_as_str's resolved form: relative paths joined to the cwd
        let root = if path.is_empty() || path.first() == Some(&b'/') || path == b"<NA>" {
            path
        } else {
            paths::concatenate(&self.get_cwd(&t), &path)
        };
        t.info().root = CText::new(&root);
    }

    pub(crate) fn parse_setsid_exit(&mut self, e: &mut Evt) {
        let r = e.ret();
        if r >= 0 {
            if let Some(t) = &e.tinfo {
                t.info().sid = r;
            }
        }
    }

    pub(crate) fn parse_capset_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        let Some(t) = &e.tinfo else { return };
        let mut i = t.info();
        i.cap_inheritable = e.u64(1);
        i.cap_permitted = e.u64(2);
        i.cap_effective = e.u64(3);
    }

    pub(crate) fn parse_unshare_setns_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        let Some(t) = &e.tinfo else { return };
        let fl = match e.etype {
            SYSCALL_UNSHARE_X => e.u32(1),
            SYSCALL_SETNS_X if !e.empty(2) => e.u32(2),
            _ => 0,
        };
        if fl & CLONE_NEWUSER == 0 {
            return;
        }
        // every capability this libs version knows (CAP_LAST_CAP 40)
        let max_caps: u64 = (1u64 << 41) - 1;
        let mut i = t.info();
        i.cap_inheritable = max_caps;
        i.cap_permitted = max_caps;
        i.cap_effective = max_caps;
    }

    pub(crate) fn parse_prctl_exit(&mut self, e: &mut Evt) {
        if e.ret() < 0 {
            return;
        }
        let Some(t) = &e.tinfo else { return };
        let group = {
            let i = t.info();
            if i.is_invalid() {
                return;
            }
            i.tginfo.clone()
        };
        let option = e.u32(1);
        if option != PR_SET_CHILD_SUBREAPER && option != PR_GET_CHILD_SUBREAPER {
            return;
        }
        if let Some(g) = group {
            g.lock().unwrap_or_else(|p| p.into_inner()).reaper = e.i64(3) != 0;
        }
    }
}
