//! Per-thread operations the parsers share (libsinsp's `sinsp_threadinfo` members that reach
//! the main thread): fds through the process's table, the working directory of the process.

use std::sync::Arc;

use super::paths;
use super::Inspector;
use crate::tables::CText;
use crate::threads::{FdEntry, FdInfo, ThreadEntry};

impl Inspector {
    /// `get_fd`: the fd through the process's table; its current name becomes its old name.
    pub(crate) fn get_fd(&self, t: &Arc<ThreadEntry>, fd: i64) -> Option<Arc<FdEntry>> {
        if fd < 0 {
            return None;
        }
        let e = self.tm.fd_table(t)?.get(fd)?;
        {
            let mut i = e.info();
            i.oldname = i.name.clone();
        }
        Some(e)
    }

    /// `add_fd`: stores the fd in the process's table; it becomes the thread's last event fd.
    pub(crate) fn add_fd(&self, t: &Arc<ThreadEntry>, fd: i64, info: FdInfo) -> Option<Arc<FdEntry>> {
        let table = self.tm.fd_table(t)?;
        let e = table.add(fd, info);
        t.info().lastevent_fd = fd;
        Some(e)
    }

    /// `add_fd` of an existing entry (a clone of another fd keeps its dynamic fields).
    pub(crate) fn add_fd_entry(&self, t: &Arc<ThreadEntry>, fd: i64, e: FdEntry) -> Option<Arc<FdEntry>> {
        let table = self.tm.fd_table(t)?;
        let e = table.add_entry_arc(fd, Arc::new(e));
        t.info().lastevent_fd = fd;
        Some(e)
    }

    /// `remove_fd`.
    pub(crate) fn remove_fd(&self, t: &Arc<ThreadEntry>, fd: i64) {
        if let Some(table) = self.tm.fd_table(t) {
            table.remove(fd);
        }
    }

    /// `get_cwd`: the main thread's, "./" without one.
    pub(crate) fn get_cwd(&self, t: &Arc<ThreadEntry>) -> Vec<u8> {
        match self.tm.main_thread(t) {
            Some(m) => m.info().cwd.as_bytes().to_vec(),
            None => b"./".to_vec(),
        }
    }

    /// `update_cwd`: the main thread's cwd becomes this thread's cwd joined with `cwd`.
    pub(crate) fn update_cwd(&self, t: &Arc<ThreadEntry>, cwd: &[u8]) {
        let Some(main) = self.tm.main_thread(t) else { return };
        let base = t.info().cwd.as_bytes().to_vec();
        let mut joined = paths::concatenate(&base, cwd);
        if joined.last() != Some(&b'/') {
            joined.push(b'/');
        }
        main.info().cwd = CText::new(&joined);
    }

    /// `is_bound_to_port` / `uses_client_port` over the process's IPv4 fds.
    pub(crate) fn ports_in_use(&self, t: &Arc<ThreadEntry>, dport: u16, sport: u16) -> (bool, bool) {
        use crate::threads::fd_info::fd_type;
        let Some(table) = self.tm.fd_table(t) else { return (false, false) };
        let mut bound = false;
        let mut client = false;
        for (_, e) in table.entries() {
            let f = e.info();
            if !bound {
                bound = (f.fd_type == fd_type::IPV4_SOCK && f.ipv4_dport() == dport)
                    || (f.fd_type == fd_type::IPV4_SERVSOCK && f.ipv4_server().1 == dport);
            }
            if !client && f.fd_type == fd_type::IPV4_SOCK && f.ipv4_sport() == sport {
                client = true;
            }
        }
        (bound, client)
    }
}
