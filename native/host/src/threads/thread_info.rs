//! One thread of the host's `threads` table (libsinsp's `sinsp_threadinfo`): the values
//! plugins read and write as static fields, with libsinsp's names, types and read-only flags,
//! plus what the event parser keeps about the thread.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::fd_table::FdTable;
use super::list_table::{ListKind, ListTable};
use super::thread_group::GroupRef;
use crate::abi::v3::StateData;
use crate::tables::dynamic::DynValues;
use crate::tables::field::StaticDecl;
use crate::tables::state_type::StateType;
use crate::tables::text::CText;
use crate::tables::FieldDefs;

/// `PPM_CL_*` thread flags the host uses.
pub mod flags {
    pub const CLONE_FILES: u32 = 1 << 0;
    pub const CLONE_FS: u32 = 1 << 1;
    pub const CLONE_NEWPID: u32 = 1 << 6;
    pub const CLONE_THREAD: u32 = 1 << 13;
    pub const CLONE_VM: u32 = 1 << 15;
    pub const NAME_CHANGED: u32 = 1 << 17;
    pub const CLOSED: u32 = 1 << 18;
    pub const CLONE_VFORK: u32 = 1 << 27;
    pub const CHILD_IN_PIDNS: u32 = 1 << 29;
    pub const IS_MAIN_THREAD: u32 = 1 << 30;
}

/// The static fields, in the order libsinsp's `get_static_fields` defines them.
pub static THREAD_FIELDS: &[StaticDecl] = &[
    StaticDecl { name: "tid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "pid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "ptid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "reaper_tid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "sid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "comm", ty: StateType::Str, read_only: false },
    StaticDecl { name: "exe", ty: StateType::Str, read_only: false },
    StaticDecl { name: "exe_path", ty: StateType::Str, read_only: false },
    StaticDecl { name: "exe_writable", ty: StateType::Bool, read_only: false },
    StaticDecl { name: "exe_upper_layer", ty: StateType::Bool, read_only: false },
    StaticDecl { name: "exe_lower_layer", ty: StateType::Bool, read_only: false },
    StaticDecl { name: "exe_from_memfd", ty: StateType::Bool, read_only: false },
    StaticDecl { name: "args", ty: StateType::Table, read_only: true },
    StaticDecl { name: "env", ty: StateType::Table, read_only: true },
    StaticDecl { name: "cgroups", ty: StateType::Table, read_only: true },
    StaticDecl { name: "flags", ty: StateType::U32, read_only: false },
    StaticDecl { name: "fd_limit", ty: StateType::I64, read_only: false },
    StaticDecl { name: "uid", ty: StateType::U32, read_only: false },
    StaticDecl { name: "gid", ty: StateType::U32, read_only: false },
    StaticDecl { name: "loginuid", ty: StateType::U32, read_only: false },
    StaticDecl { name: "exe_ino", ty: StateType::U64, read_only: false },
    StaticDecl { name: "exe_ino_ctime", ty: StateType::U64, read_only: false },
    StaticDecl { name: "exe_ino_mtime", ty: StateType::U64, read_only: false },
    StaticDecl { name: "vtid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "vpid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "vpgid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "pgid", ty: StateType::I64, read_only: false },
    StaticDecl { name: "pidns_init_start_ts", ty: StateType::U64, read_only: false },
    StaticDecl { name: "root", ty: StateType::Str, read_only: false },
    StaticDecl { name: "tty", ty: StateType::U32, read_only: false },
    StaticDecl { name: "file_descriptors", ty: StateType::Table, read_only: true },
    StaticDecl { name: "cwd", ty: StateType::Str, read_only: true },
];

/// What a thread knows. Fields named as libsinsp's members (without `m_`).
#[derive(Clone, Debug)]
pub struct ThreadInfo {
    pub tid: i64,
    pub pid: i64,
    pub ptid: i64,
    pub reaper_tid: i64,
    pub sid: i64,
    pub comm: CText,
    pub exe: CText,
    pub exepath: CText,
    pub exe_writable: bool,
    pub exe_upper_layer: bool,
    pub exe_lower_layer: bool,
    pub exe_from_memfd: bool,
    pub args: Vec<CText>,
    pub env: Vec<CText>,
    pub cgroups: Vec<(CText, CText)>,
    pub flags: u32,
    pub fdlimit: i64,
    pub uid: u32,
    pub gid: u32,
    pub loginuid: u32,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub cap_inheritable: u64,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    pub vmsize_kb: u32,
    pub vmrss_kb: u32,
    pub vmswap_kb: u32,
    pub pfmajor: u64,
    pub pfminor: u64,
    pub vtid: i64,
    pub vpid: i64,
    pub vpgid: i64,
    pub pgid: i64,
    pub pidns_init_start_ts: u64,
    pub root: CText,
    pub tty: u32,
    pub cwd: CText,
    pub clone_ts: u64,
    pub lastexec_ts: u64,
    pub lastevent_ts: u64,
    pub prevevent_ts: u64,
    pub lastaccess_ts: u64,
    pub exe_ino_ctime_duration_clone_ts: u64,
    pub exe_ino_ctime_duration_pidns_start: u64,
    /// `m_cmd_line`: comm and args as they were when the args were last set.
    pub cmd_line: Vec<u8>,
    /// The thread group (process) this thread belongs to, once linked.
    pub tginfo: Option<GroupRef>,
    /// Children, newest first (libsinsp's list of weak pointers).
    pub children: VecDeque<Weak<ThreadEntry>>,
    pub not_expired_children: u64,
    /// The fd of the last event (-1 for none).
    pub lastevent_fd: i64,
    /// Type of the last enter event seen (`u16::MAX` for none).
    pub lastevent_type: u16,
    /// Whether the stored enter event belongs to the current exit event.
    pub lastevent_data_valid: bool,
    /// The enter event stored for the exit event (open, connect, execve families).
    pub last_event_data: Option<Vec<u8>>,
}

impl Default for ThreadInfo {
    /// `sinsp_threadinfo::init()`'s values.
    fn default() -> Self {
        ThreadInfo {
            tid: 0,
            pid: -1,
            ptid: -1,
            reaper_tid: -1,
            sid: -1,
            comm: CText::default(),
            exe: CText::default(),
            exepath: CText::default(),
            exe_writable: false,
            exe_upper_layer: false,
            exe_lower_layer: false,
            exe_from_memfd: false,
            args: Vec::new(),
            env: Vec::new(),
            cgroups: Vec::new(),
            flags: flags::NAME_CHANGED,
            fdlimit: -1,
            uid: u32::MAX,
            gid: u32::MAX,
            loginuid: u32::MAX,
            cap_permitted: 0,
            cap_effective: 0,
            cap_inheritable: 0,
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            vtid: -1,
            vpid: -1,
            vpgid: -1,
            pgid: -1,
            pidns_init_start_ts: 0,
            root: CText::default(),
            tty: 0,
            cwd: CText::default(),
            clone_ts: 0,
            lastexec_ts: 0,
            lastevent_ts: 0,
            prevevent_ts: 0,
            lastaccess_ts: 0,
            exe_ino_ctime_duration_clone_ts: 0,
            exe_ino_ctime_duration_pidns_start: 0,
            cmd_line: Vec::new(),
            tginfo: None,
            children: VecDeque::new(),
            not_expired_children: 0,
            lastevent_fd: 0,
            lastevent_type: u16::MAX,
            lastevent_data_valid: false,
            last_event_data: None,
        }
    }
}

impl ThreadInfo {
    pub fn is_main_thread(&self) -> bool {
        self.tid == self.pid
    }

    /// `is_invalid`: a placeholder for a thread nothing is known about.
    pub fn is_invalid(&self) -> bool {
        self.tid < 0 || self.pid < 0 || self.ptid < 0
    }

    pub fn is_dead(&self) -> bool {
        self.flags & flags::CLOSED != 0
    }

    pub fn is_in_pid_namespace(&self) -> bool {
        self.flags & flags::CHILD_IN_PIDNS != 0 || (self.tid != self.vtid && self.vtid >= 0)
    }

    /// `set_args`: the arguments, and the command line from the current comm.
    pub fn set_args(&mut self, args: Vec<CText>) {
        self.args = args;
        self.cmd_line = self.comm.as_bytes().to_vec();
        if !self.cmd_line.is_empty() {
            for a in &self.args {
                self.cmd_line.push(b' ');
                self.cmd_line.extend_from_slice(a.as_bytes());
            }
        }
    }

    /// Reads static field `index` (see [`THREAD_FIELDS`]); table fields are the caller's.
    pub(crate) fn read_static(&self, index: usize, out: &mut StateData) {
        match index {
            0 => out.s64 = self.tid,
            1 => out.s64 = self.pid,
            2 => out.s64 = self.ptid,
            3 => out.s64 = self.reaper_tid,
            4 => out.s64 = self.sid,
            5 => out.str = self.comm.as_ptr(),
            6 => out.str = self.exe.as_ptr(),
            7 => out.str = self.exepath.as_ptr(),
            8 => out.b = self.exe_writable as u32,
            9 => out.b = self.exe_upper_layer as u32,
            10 => out.b = self.exe_lower_layer as u32,
            11 => out.b = self.exe_from_memfd as u32,
            15 => out.u32 = self.flags,
            16 => out.s64 = self.fdlimit,
            17 => out.u32 = self.uid,
            18 => out.u32 = self.gid,
            19 => out.u32 = self.loginuid,
            20 => out.u64 = self.exe_ino,
            21 => out.u64 = self.exe_ino_ctime,
            22 => out.u64 = self.exe_ino_mtime,
            23 => out.s64 = self.vtid,
            24 => out.s64 = self.vpid,
            25 => out.s64 = self.vpgid,
            26 => out.s64 = self.pgid,
            27 => out.u64 = self.pidns_init_start_ts,
            28 => out.str = self.root.as_ptr(),
            29 => out.u32 = self.tty,
            31 => out.str = self.cwd.as_ptr(),
            _ => {}
        }
    }

    /// Writes static field `index` from a plugin's value.
    ///
    /// # Safety
    /// A string in `v` is NULL or NUL-terminated.
    pub(crate) unsafe fn write_static(&mut self, index: usize, v: &StateData) -> Result<(), String> {
        // SAFETY: the member of the field's type; strings per the contract.
        unsafe {
            match index {
                0 => self.tid = v.s64,
                1 => self.pid = v.s64,
                2 => self.ptid = v.s64,
                3 => self.reaper_tid = v.s64,
                4 => self.sid = v.s64,
                5 => self.comm.set_c(v.str),
                6 => self.exe.set_c(v.str),
                7 => self.exepath.set_c(v.str),
                8 => self.exe_writable = v.b != 0,
                9 => self.exe_upper_layer = v.b != 0,
                10 => self.exe_lower_layer = v.b != 0,
                11 => self.exe_from_memfd = v.b != 0,
                15 => self.flags = v.u32,
                16 => self.fdlimit = v.s64,
                17 => self.uid = v.u32,
                18 => self.gid = v.u32,
                19 => self.loginuid = v.u32,
                20 => self.exe_ino = v.u64,
                21 => self.exe_ino_ctime = v.u64,
                22 => self.exe_ino_mtime = v.u64,
                23 => self.vtid = v.s64,
                24 => self.vpid = v.s64,
                25 => self.vpgid = v.s64,
                26 => self.pgid = v.s64,
                27 => self.pidns_init_start_ts = v.u64,
                28 => self.root.set_c(v.str),
                29 => self.tty = v.u32,
                i => {
                    return Err(format!(
                        "attempt to write to read-only static struct field: {}",
                        THREAD_FIELDS.get(i).map_or("?", |d| d.name)
                    ))
                }
            }
        }
        Ok(())
    }
}

/// A thread as the table holds it: its info, its dynamic fields, its own file-descriptor table
/// and the adapters that show its lists as subtables.
pub struct ThreadEntry {
    info: Mutex<ThreadInfo>,
    pub(crate) dynamic: Mutex<DynValues>,
    pub fd_table: Arc<FdTable>,
    pub(crate) args_table: Arc<ListTable>,
    pub(crate) env_table: Arc<ListTable>,
    pub(crate) cgroups_table: Arc<ListTable>,
    /// Removed from the table (libsinsp's "dead" threads may still be referenced).
    pub(crate) removed: AtomicBool,
    /// What `file_descriptors` reads (libsinsp's cached `m_main_fdtable`): the thread's own
    /// table at first, the main thread's once the thread manager links them, or none.
    main_fdtable: Mutex<Option<Arc<FdTable>>>,
}

impl ThreadEntry {
    /// A new entry (libsinsp's thread factory): fresh info, an empty fd table sharing the fd
    /// field definitions.
    pub fn new(info: ThreadInfo, fd_defs: &Arc<FieldDefs>) -> Arc<ThreadEntry> {
        let tid = info.tid;
        let fd_table = FdTable::new(fd_defs.clone(), tid);
        Arc::new_cyclic(|me: &Weak<ThreadEntry>| ThreadEntry {
            info: Mutex::new(info),
            dynamic: Mutex::new(DynValues::default()),
            main_fdtable: Mutex::new(Some(fd_table.clone())),
            fd_table,
            args_table: ListTable::new(me.clone(), ListKind::Args),
            env_table: ListTable::new(me.clone(), ListKind::Env),
            cgroups_table: ListTable::new(me.clone(), ListKind::Cgroups),
            removed: AtomicBool::new(false),
        })
    }

    /// Locks the info.
    pub fn info(&self) -> MutexGuard<'_, ThreadInfo> {
        self.info.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn dynamic(&self) -> MutexGuard<'_, DynValues> {
        self.dynamic.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Relaxed)
    }

    pub fn set_removed(&self, v: bool) {
        self.removed.store(v, Ordering::Relaxed);
    }

    /// The table `file_descriptors` reads.
    pub fn main_fdtable(&self) -> Option<Arc<FdTable>> {
        self.main_fdtable.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `update_main_fdtable`: the thread manager's choice of table (see the field).
    pub fn set_main_fdtable(&self, t: Option<Arc<FdTable>>) {
        *self.main_fdtable.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }
}
