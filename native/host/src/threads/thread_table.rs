//! The host's `threads` table (libsinsp's thread manager seen as a table): tid (int64) →
//! [`ThreadEntry`], in `std::unordered_map` order. Adding and erasing entries from a plugin go
//! through the thread manager's logic when an inspector has installed one ([`ThreadHooks`]).

use std::any::Any;
use std::ffi::{c_void, CStr};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::fd_table::new_fd_defs;
use super::thread_info::{ThreadEntry, ThreadInfo, THREAD_FIELDS};
use crate::abi::v3::{StateData, TableFieldInfo};
use crate::tables::owner::EntryArc;
use crate::tables::std_order::StdHashMap;
use crate::tables::table::{fail, StateTable, TableResult};
use crate::tables::{FieldCache, FieldDef, FieldDefs, Slot, StateType, TableOwner};

/// The thread manager behind plugin-initiated changes (libsinsp's `add_thread` with
/// dependencies, `remove_thread`).
pub trait ThreadHooks: Send + Sync {
    fn add_thread(&self, table: &ThreadTable, entry: Arc<ThreadEntry>) -> Option<Arc<ThreadEntry>>;
    fn remove_thread(&self, table: &ThreadTable, tid: i64);
}

pub struct ThreadTable {
    map: Mutex<StdHashMap<i64, Arc<ThreadEntry>>>,
    defs: Arc<FieldDefs>,
    fd_defs: Arc<FieldDefs>,
    cache: FieldCache,
    hooks: Mutex<Option<Weak<dyn ThreadHooks>>>,
}

impl Default for ThreadTable {
    fn default() -> Self {
        ThreadTable {
            map: Mutex::new(StdHashMap::new()),
            defs: Arc::new(FieldDefs::new(THREAD_FIELDS)),
            fd_defs: new_fd_defs(),
            cache: FieldCache::default(),
            hooks: Mutex::new(None),
        }
    }
}

impl ThreadTable {
    pub fn new() -> Arc<ThreadTable> {
        Arc::new(ThreadTable::default())
    }

    pub fn set_hooks(&self, hooks: Weak<dyn ThreadHooks>) {
        *self.hooks.lock().unwrap_or_else(|p| p.into_inner()) = Some(hooks);
    }

    fn hooks(&self) -> Option<Arc<dyn ThreadHooks>> {
        self.hooks.lock().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(Weak::upgrade)
    }

    pub fn map(&self) -> MutexGuard<'_, StdHashMap<i64, Arc<ThreadEntry>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The thread field definitions (dynamic fields plugins added included).
    pub fn defs(&self) -> &Arc<FieldDefs> {
        &self.defs
    }

    /// The definitions every fd table shares.
    pub fn fd_defs(&self) -> &Arc<FieldDefs> {
        &self.fd_defs
    }

    /// A new thread, not in the table (libsinsp's thread factory).
    pub fn new_thread(&self, info: ThreadInfo) -> Arc<ThreadEntry> {
        ThreadEntry::new(info, &self.fd_defs)
    }

    pub fn get(&self, tid: i64) -> Option<Arc<ThreadEntry>> {
        self.map().get(&tid).cloned()
    }

    /// `m_threadtable.put`: stores the entry under its tid (an existing tid keeps its place).
    pub fn put(&self, entry: Arc<ThreadEntry>) -> Arc<ThreadEntry> {
        let tid = entry.info().tid;
        entry.set_removed(false);
        if let Some(old) = self.map().insert(tid, entry.clone()) {
            if !Arc::ptr_eq(&old, &entry) {
                old.set_removed(true);
            }
        }
        entry
    }

    /// `m_threadtable.erase`.
    pub fn erase_tid(&self, tid: i64) -> Option<Arc<ThreadEntry>> {
        let e = self.map().remove(&tid);
        if let Some(e) = &e {
            e.set_removed(true);
        }
        e
    }

    pub fn clear_all(&self) {
        let old: Vec<Arc<ThreadEntry>> = self.map().values().cloned().collect();
        self.map().clear();
        old.iter().for_each(|e| e.set_removed(true));
    }

    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries in iteration order (a snapshot).
    pub fn entries(&self) -> Vec<Arc<ThreadEntry>> {
        self.map().values().cloned().collect()
    }

    fn entry<'a>(e: *mut c_void) -> TableResult<&'a ThreadEntry> {
        if e.is_null() {
            return fail("null table entry");
        }
        // SAFETY: entries of this table are `ThreadEntry`s kept alive by the owner or table.
        Ok(unsafe { &*(e as *const ThreadEntry) })
    }
}

fn key_i64(key: &StateData) -> i64 {
    // SAFETY: the table's key type is int64.
    unsafe { key.s64 }
}

impl StateTable for ThreadTable {
    fn name(&self) -> &CStr {
        c"threads"
    }

    fn key_type(&self) -> u32 {
        StateType::I64.raw()
    }

    fn list_fields(&self, _o: &TableOwner) -> TableResult<(*const TableFieldInfo, u32)> {
        Ok(self.cache.store_list(self.defs.list()))
    }

    fn get_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        self.cache.field_of(&self.defs, name, ty, "threads").map_err(Some)
    }

    fn add_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        self.cache.add_to(&self.defs, name, ty, "threads").map_err(Some)
    }

    fn size(&self, _o: &TableOwner) -> u64 {
        self.len() as u64
    }

    fn get_entry(&self, o: &TableOwner, key: &StateData) -> TableResult<*mut c_void> {
        match self.get(key_i64(key)) {
            Some(e) => Ok(o.store_accessed(e as EntryArc)),
            None => fail("get_entry found no element at given key"),
        }
    }

    fn release_entry(&self, o: &TableOwner, e: *mut c_void) {
        o.release_accessed(e);
    }

    fn iterate(&self, _o: &TableOwner, f: &mut dyn FnMut(*mut c_void) -> bool) -> TableResult<bool> {
        for e in self.entries() {
            if !f(Arc::as_ptr(&e) as *mut c_void) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn clear(&self, _o: &TableOwner) -> TableResult<()> {
        self.clear_all();
        Ok(())
    }

    fn erase(&self, o: &TableOwner, key: &StateData) -> TableResult<()> {
        let tid = key_i64(key);
        if self.get(tid).is_none() {
            o.set_error("table entry not found");
            return Err(None);
        }
        match self.hooks() {
            Some(h) => h.remove_thread(self, tid),
            None => {
                self.erase_tid(tid);
            }
        }
        Ok(())
    }

    fn create_entry(&self, o: &TableOwner) -> TableResult<*mut c_void> {
        Ok(o.add_created(self.new_thread(ThreadInfo::default()) as EntryArc))
    }

    fn destroy_entry(&self, o: &TableOwner, e: *mut c_void) -> TableResult<()> {
        match o.extract_created(e) {
            Some(_) => Ok(()),
            None => fail("destroy_table_entry called on entry not created by create_table_entry"),
        }
    }

    fn add_entry(&self, o: &TableOwner, key: &StateData, e: *mut c_void) -> TableResult<*mut c_void> {
        let Some(created) = o.extract_created(e) else {
            return fail("add_entry called on entry not created by create_table_entry");
        };
        let Ok(entry) = (created as Arc<dyn Any + Send + Sync>).downcast::<ThreadEntry>() else {
            return fail("unknown entry type added to thread table");
        };
        entry.info().tid = key_i64(key);
        let added = match self.hooks() {
            Some(h) => h.add_thread(self, entry),
            None => Some(self.put(entry)),
        };
        match added {
            Some(a) => Ok(o.store_accessed(a as EntryArc)),
            // the thread table is full: libsinsp returns a null entry
            None => Err(None),
        }
    }

    fn read(&self, o: &TableOwner, e: *mut c_void, f: *const c_void, out: &mut StateData) -> TableResult<()> {
        let entry = Self::entry(e)?;
        // SAFETY: field handles of this table are its definitions.
        let def: &FieldDef = unsafe { FieldDef::from_handle(f) };
        match def.slot {
            Slot::Static(i) => {
                let sub: Option<Arc<dyn StateTable>> = match THREAD_FIELDS[i].name {
                    "args" => Some(entry.args_table.clone()),
                    "env" => Some(entry.env_table.clone()),
                    "cgroups" => Some(entry.cgroups_table.clone()),
                    "file_descriptors" => match entry.main_fdtable() {
                        Some(t) => Some(t),
                        None => {
                            // a thread without its main thread: libsinsp fails without a text
                            o.clear_error();
                            return Err(None);
                        }
                    },
                    _ => None,
                };
                match sub {
                    Some(t) => out.table = o.ephemeral(t).map_err(Some)?,
                    None => entry.info().read_static(i, out),
                }
            }
            Slot::Dynamic(i) => entry.dynamic().read(i, def.ty, out).map_err(Some)?,
        }
        Ok(())
    }

    fn write(&self, _o: &TableOwner, e: *mut c_void, f: *const c_void, input: &StateData) -> TableResult<()> {
        let entry = Self::entry(e)?;
        // SAFETY: as in `read`.
        let def: &FieldDef = unsafe { FieldDef::from_handle(f) };
        if def.ty == StateType::Table.raw() {
            return fail("writing to table fields is currently not supported");
        }
        // SAFETY: strings come from the plugin, NUL-terminated per the API.
        unsafe {
            match def.slot {
                Slot::Static(i) => entry.info().write_static(i, input).map_err(Some),
                Slot::Dynamic(i) => entry.dynamic().write(&self.defs, i, def.ty, input).map_err(Some),
            }
        }
    }
}
