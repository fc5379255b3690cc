//! libsinsp's thread manager over the host's `threads` table: adding threads with their
//! dependencies (thread group, parent, main fd table), finding them (and creating a
//! placeholder for an unknown tid, as a capture gives no /proc to ask), removing them with the
//! reparenting of their children, and the small "recently exited" memory the clone parser
//! consults.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::tables::CText;
use crate::threads::thread_group::{expired, ThreadGroup};
use crate::threads::thread_info::flags;
use crate::threads::{FdTable, ThreadEntry, ThreadHooks, ThreadInfo, ThreadTable};

/// libsinsp's `DEFAULT_EXPIRED_CHILDREN_THRESHOLD`.
const EXPIRED_CHILDREN_THRESHOLD: u64 = 10;
/// libsinsp's `RECENTLY_EXITED_RING_SIZE`.
const RECENTLY_EXITED: usize = 64;

#[derive(Default)]
struct State {
    groups: HashMap<i64, Arc<Mutex<ThreadGroup>>>,
    last_tid: i64,
    last: Option<Arc<ThreadEntry>>,
    recently_exited: Vec<(u64, u64)>,
    recently_exited_at: usize,
}

pub struct ThreadManager {
    pub threads: Arc<ThreadTable>,
    state: Mutex<State>,
    /// The timestamp of the event being processed (`m_timestamper`): set for every event, so
    /// outside the lock.
    ts: AtomicU64,
}

impl ThreadManager {
    pub fn new(threads: Arc<ThreadTable>) -> Arc<ThreadManager> {
        let m = Arc::new(ThreadManager {
            threads,
            state: Mutex::new(State { last_tid: -1, recently_exited: vec![(0, 0); RECENTLY_EXITED], ..Default::default() }),
            ts: AtomicU64::new(0),
        });
        let hooks: Weak<dyn ThreadHooks> = Arc::downgrade(&m) as Weak<dyn ThreadHooks>;
        m.threads.set_hooks(hooks);
        m
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_ts(&self, ts: u64) {
        self.ts.store(ts, Ordering::Relaxed);
    }

    pub fn clear(&self) {
        self.threads.clear_all();
        let mut s = self.state();
        s.groups.clear();
        s.last_tid = -1;
        s.last = None;
        s.recently_exited.iter_mut().for_each(|e| *e = (0, 0));
        s.recently_exited_at = 0;
    }

    fn forget_cache(&self) {
        let mut s = self.state();
        s.last_tid = -1;
        s.last = None;
    }

    /// `get_main_thread`.
    pub fn main_thread(&self, t: &Arc<ThreadEntry>) -> Option<Arc<ThreadEntry>> {
        let group = {
            let info = t.info();
            if info.is_main_thread() {
                return Some(t.clone());
            }
            info.tginfo.clone()?
        };
        let first = group.lock().unwrap_or_else(|p| p.into_inner()).first()?;
        let is_main = first.info().is_main_thread();
        is_main.then_some(first)
    }

    /// `get_fd_table`: the main thread's table for threads sharing their files.
    pub fn fd_table(&self, t: &Arc<ThreadEntry>) -> Option<Arc<FdTable>> {
        if t.info().flags & flags::CLONE_FILES == 0 {
            return Some(t.fd_table.clone());
        }
        self.main_thread(t).map(|m| m.fd_table.clone())
    }

    /// `update_main_fdtable`: what `file_descriptors` reads for this thread from now on.
    pub fn update_main_fdtable(&self, t: &Arc<ThreadEntry>) {
        t.set_main_fdtable(self.fd_table(t));
    }

    /// `find_thread`.
    pub fn find(&self, tid: i64, lookup_only: bool) -> Option<Arc<ThreadEntry>> {
        let (cached, ts) = {
            let s = self.state();
            let cached = (s.last_tid >= 0 && tid == s.last_tid).then(|| s.last.clone()).flatten();
            (cached, self.ts.load(Ordering::Relaxed))
        };
        if let Some(t) = cached {
            t.info().lastaccess_ts = ts;
            self.update_main_fdtable(&t);
            return Some(t);
        }
        let t = self.threads.get(tid)?;
        if !lookup_only {
            let mut s = self.state();
            s.last_tid = tid;
            s.last = Some(t.clone());
            drop(s);
            t.info().lastaccess_ts = ts;
        }
        self.update_main_fdtable(&t);
        Some(t)
    }

    /// `get_thread`: a capture cannot be asked about a thread it does not know, so an unknown
    /// tid gets a placeholder (`<NA>` names, invalid ids), as libsinsp adds.
    pub fn get(&self, tid: i64, lookup_only: bool) -> Option<Arc<ThreadEntry>> {
        if let Some(t) = self.find(tid, lookup_only) {
            return Some(t);
        }
        let info = ThreadInfo {
            tid,
            pid: -1,
            ptid: -1,
            reaper_tid: -1,
            comm: CText::from("<NA>"),
            exe: CText::from("<NA>"),
            uid: u32::MAX,
            gid: u32::MAX,
            loginuid: u32::MAX,
            ..ThreadInfo::default()
        };
        let fake = self.threads.new_thread(info);
        self.add(fake, true);
        self.find(tid, lookup_only)
    }

    /// `create_thread_dependencies`.
    pub fn create_dependencies(&self, t: &Arc<ThreadEntry>) {
        let (invalid, has_group, pid, vpid, is_main, ptid) = {
            let i = t.info();
            (i.is_invalid(), i.tginfo.is_some(), i.pid, i.vpid, i.is_main_thread(), i.ptid)
        };
        if invalid || has_group {
            self.update_main_fdtable(t);
            return;
        }
        let reaper = pid == 1 || vpid == 1;
        let existing = self.state().groups.get(&pid).cloned();
        let group = match existing {
            None => {
                let g = ThreadGroup::new(pid, reaper, Arc::downgrade(t));
                self.state().groups.insert(pid, g.clone());
                g
            }
            Some(g) => {
                g.lock().unwrap_or_else(|p| p.into_inner()).add(Arc::downgrade(t), is_main);
                g
            }
        };
        t.info().tginfo = Some(group.clone());
        let members: Vec<Arc<ThreadEntry>> =
            group.lock().unwrap_or_else(|p| p.into_inner()).threads.iter().filter_map(Weak::upgrade).collect();
        for m in &members {
            self.update_main_fdtable(m);
        }
        let children: Vec<Arc<ThreadEntry>> = t.info().children.iter().filter_map(Weak::upgrade).collect();
        for c in &children {
            self.update_main_fdtable(c);
        }
        if pid == 1 {
            return;
        }
        let parent = self.find(ptid, true);
        match parent {
            Some(p) if !p.info().is_invalid() => self.add_child(&p, t),
            _ => {
                t.info().ptid = 0;
                self.update_main_fdtable(t);
            }
        }
    }

    /// `add_child`.
    pub fn add_child(&self, parent: &Arc<ThreadEntry>, child: &Arc<ThreadEntry>) {
        let ptid = {
            let mut p = parent.info();
            p.children.push_front(Arc::downgrade(child));
            p.not_expired_children += 1;
            p.tid
        };
        child.info().ptid = ptid;
    }

    /// `add_thread`: stores the thread (its dependencies created when asked).
    pub fn add(&self, t: Arc<ThreadEntry>, dependencies: bool) -> Option<Arc<ThreadEntry>> {
        if dependencies {
            self.create_dependencies(&t);
        }
        let tid = t.info().tid;
        {
            let mut s = self.state();
            if s.last_tid == tid {
                s.last_tid = -1;
                s.last = None;
            }
        }
        self.update_main_fdtable(&t);
        Some(self.threads.put(t))
    }

    fn remove_child_from_parent(&self, ptid: i64) {
        let Some(parent) = self.find(ptid, true) else { return };
        let mut p = parent.info();
        p.not_expired_children = p.not_expired_children.wrapping_sub(1);
        if (p.children.len() as u64).wrapping_sub(p.not_expired_children) >= EXPIRED_CHILDREN_THRESHOLD {
            p.children.retain(|c| !expired(c));
        }
    }

    /// `find_new_reaper`.
    fn find_new_reaper(&self, t: &Arc<ThreadEntry>) -> Option<Arc<ThreadEntry>> {
        let (group, tid, ptid, in_ns) = {
            let i = t.info();
            (i.tginfo.clone(), i.tid, i.ptid, i.is_in_pid_namespace())
        };
        if let Some(g) = &group {
            let members: Vec<Arc<ThreadEntry>> = {
                let g = g.lock().unwrap_or_else(|p| p.into_inner());
                if g.alive == 0 {
                    Vec::new()
                } else {
                    g.threads.iter().filter(|w| !expired(w)).filter_map(Weak::upgrade).collect()
                }
            };
            for m in members {
                if !Arc::ptr_eq(&m, t) && !m.info().is_dead() {
                    return Some(m);
                }
            }
        }
        let mut seen = std::collections::HashSet::from([tid]);
        let mut parent = self.find(ptid, true);
        while let Some(p) = parent {
            let (ptid2, pgroup, p_in_ns, p_tid) = {
                let i = p.info();
                (i.ptid, i.tginfo.clone(), i.is_in_pid_namespace(), i.tid)
            };
            if !seen.insert(p_tid) {
                break;
            }
            if p_in_ns != in_ns {
                break;
            }
            if let Some(g) = pgroup {
                let members: Vec<Arc<ThreadEntry>> = {
                    let g = g.lock().unwrap_or_else(|p| p.into_inner());
                    if g.reaper && g.alive > 0 {
                        g.threads.iter().filter(|w| !expired(w)).filter_map(Weak::upgrade).collect()
                    } else {
                        Vec::new()
                    }
                };
                for m in members {
                    if !m.info().is_dead() {
                        return Some(m);
                    }
                }
            }
            parent = self.find(ptid2, true);
        }
        None
    }

    /// `assign_children_to_reaper`.
    fn assign_children_to_reaper(&self, t: &Arc<ThreadEntry>, reaper: Option<&Arc<ThreadEntry>>) {
        let children: Vec<Weak<ThreadEntry>> = {
            let mut i = t.info();
            i.not_expired_children = 0;
            std::mem::take(&mut i.children).into_iter().collect()
        };
        for c in children {
            if expired(&c) {
                continue;
            }
            let Some(c) = c.upgrade() else { continue };
            match reaper {
                None => c.info().ptid = 0,
                Some(r) => self.add_child(r, &c),
            }
        }
    }

    /// `remove_thread`.
    pub fn remove(&self, tid: i64) {
        let Some(t) = self.threads.get(tid) else { return };
        let (invalid, group, ptid, pid, is_main) = {
            let i = t.info();
            (i.is_invalid(), i.tginfo.clone(), i.ptid, i.pid, i.is_main_thread())
        };
        let Some(group) = group.filter(|_| !invalid) else {
            self.remove_child_from_parent(ptid);
            self.threads.erase_tid(tid);
            self.forget_cache();
            return;
        };
        if !t.info().is_dead() {
            group.lock().unwrap_or_else(|p| p.into_inner()).decrement();
            t.info().flags |= flags::CLOSED;
        }
        if !t.info().children.is_empty() {
            let reaper_tid = t.info().reaper_tid;
            let mut reaper = if reaper_tid > 0 { self.get(reaper_tid, false) } else { None };
            if reaper.as_ref().is_none_or(|r| r.info().is_invalid()) {
                reaper = self.find_new_reaper(&t);
            }
            if let Some(r) = &reaper {
                let (r_tid, r_pid, r_group) = {
                    let i = r.info();
                    (i.tid, i.pid, i.tginfo.clone())
                };
                t.info().reaper_tid = r_tid;
                if r_pid != pid {
                    if let Some(g) = r_group {
                        g.lock().unwrap_or_else(|p| p.into_inner()).reaper = true;
                    }
                }
            }
            self.assign_children_to_reaper(&t, reaper.as_ref());
        }
        let alive = group.lock().unwrap_or_else(|p| p.into_inner()).alive;
        if alive == 0 {
            self.remove_child_from_parent(ptid);
            self.state().groups.remove(&pid);
            self.threads.erase_tid(pid);
        }
        if !is_main {
            self.remove_child_from_parent(ptid);
            self.threads.erase_tid(tid);
        }
        self.forget_cache();
    }

    fn key(ptid: i64, tid: i64) -> u64 {
        ((ptid as u64 & 0xffff_ffff) << 32) | (tid as u64 & 0xffff_ffff)
    }

    pub fn record_recently_exited(&self, tid: i64, ptid: i64, ts: u64) {
        let mut s = self.state();
        let at = s.recently_exited_at;
        s.recently_exited[at] = (Self::key(ptid, tid), ts);
        s.recently_exited_at = (at + 1) % RECENTLY_EXITED;
    }

    pub fn has_recently_exited(&self, tid: i64, ptid: i64, ts: u64) -> bool {
        const MAX_AGE: u64 = 2_000_000_000;
        let key = Self::key(ptid, tid);
        self.state().recently_exited.iter().any(|&(k, t)| k == key && ts >= t && ts - t < MAX_AGE)
    }

    /// Every thread after a full scan (`create_thread_dependencies_after_proc_scan`), in table
    /// order.
    pub fn create_all_dependencies(&self) {
        for t in self.threads.entries() {
            self.create_dependencies(&t);
        }
    }
}

impl ThreadHooks for ThreadManager {
    fn add_thread(&self, _table: &ThreadTable, entry: Arc<ThreadEntry>) -> Option<Arc<ThreadEntry>> {
        self.add(entry, true)
    }

    fn remove_thread(&self, _table: &ThreadTable, tid: i64) {
        self.remove(tid);
    }
}
