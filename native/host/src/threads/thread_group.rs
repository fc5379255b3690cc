//! A thread group (libsinsp's `thread_group_info`): the threads of one process, the main thread
//! first when present, how many are alive, and whether the group reaps orphans.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};

use super::thread_info::ThreadEntry;

/// libsinsp's `DEFAULT_DEAD_THREADS_THRESHOLD`.
const DEAD_THREADS_THRESHOLD: usize = 11;

#[derive(Debug)]
pub struct ThreadGroup {
    pub pid: i64,
    pub alive: u64,
    pub reaper: bool,
    pub threads: VecDeque<Weak<ThreadEntry>>,
}

pub type GroupRef = Arc<Mutex<ThreadGroup>>;

/// Whether a thread is gone: dropped everywhere, or removed from the table.
pub fn expired(w: &Weak<ThreadEntry>) -> bool {
    w.upgrade().is_none_or(|t| t.is_removed())
}

impl ThreadGroup {
    pub fn new(pid: i64, reaper: bool, first: Weak<ThreadEntry>) -> GroupRef {
        let mut threads = VecDeque::new();
        threads.push_front(first);
        Arc::new(Mutex::new(ThreadGroup { pid, alive: 1, reaper, threads }))
    }

    pub fn add(&mut self, t: Weak<ThreadEntry>, main: bool) {
        if main {
            self.threads.push_front(t);
        } else {
            self.threads.push_back(t);
        }
        self.alive += 1;
    }

    pub fn decrement(&mut self) {
        self.alive = self.alive.wrapping_sub(1);
        if (self.threads.len() as u64).wrapping_sub(self.alive) >= DEAD_THREADS_THRESHOLD as u64 {
            self.clean_expired();
        }
    }

    pub fn clean_expired(&mut self) {
        self.threads.retain(|t| !expired(t));
    }

    pub fn first(&self) -> Option<Arc<ThreadEntry>> {
        self.threads.front().and_then(Weak::upgrade)
    }
}
