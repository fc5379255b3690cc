//! A thread's `file_descriptors` table (libsinsp's `sinsp_fdtable`): fd number (int64) →
//! [`FdEntry`], in `std::unordered_map` order. Every fd table shares one set of field
//! definitions, so a dynamic field added through one thread's table exists in all of them.

use std::any::Any;
use std::ffi::{c_void, CStr};
use std::sync::{Arc, Mutex, MutexGuard};

use super::fd_info::{FdEntry, FdInfo, FD_FIELDS};
use crate::abi::v3::{StateData, TableFieldInfo};
use crate::tables::owner::EntryArc;
use crate::tables::std_order::StdHashMap;
use crate::tables::table::{fail, StateTable, TableResult};
use crate::tables::{FieldCache, FieldDef, FieldDefs, Slot, StateType, TableOwner};

pub struct FdTable {
    map: Mutex<StdHashMap<i64, Arc<FdEntry>>>,
    defs: Arc<FieldDefs>,
    cache: FieldCache,
    /// The thread the table belongs to.
    pub tid: i64,
}

/// The definitions every fd table of an inspector shares.
pub fn new_fd_defs() -> Arc<FieldDefs> {
    Arc::new(FieldDefs::new(FD_FIELDS))
}

const NAME: &CStr = c"file_descriptors";

impl FdTable {
    pub fn new(defs: Arc<FieldDefs>, tid: i64) -> Arc<FdTable> {
        Arc::new(FdTable { map: Mutex::new(StdHashMap::new()), defs, cache: FieldCache::default(), tid })
    }

    pub fn map(&self) -> MutexGuard<'_, StdHashMap<i64, Arc<FdEntry>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn defs(&self) -> &Arc<FieldDefs> {
        &self.defs
    }

    pub fn get(&self, fd: i64) -> Option<Arc<FdEntry>> {
        self.map().get(&fd).cloned()
    }

    /// `add`: stores `info` under `fd` (its `fd` member set), replacing an entry in place.
    pub fn add(&self, fd: i64, mut info: FdInfo) -> Arc<FdEntry> {
        info.fd = fd;
        let e = Arc::new(FdEntry::new(info));
        self.map().insert(fd, e.clone());
        e
    }

    /// Stores an existing entry (dynamic values kept) under `fd`.
    pub fn add_entry_arc(&self, fd: i64, e: Arc<FdEntry>) -> Arc<FdEntry> {
        e.info().fd = fd;
        self.map().insert(fd, e.clone());
        e
    }

    pub fn remove(&self, fd: i64) -> bool {
        self.map().remove(&fd).is_some()
    }

    pub fn clear_all(&self) {
        self.map().clear();
    }

    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries in iteration order (a snapshot: the table may change while they are used).
    pub fn entries(&self) -> Vec<(i64, Arc<FdEntry>)> {
        self.map().iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    fn entry<'a>(e: *mut c_void) -> TableResult<&'a FdEntry> {
        if e.is_null() {
            return fail("null table entry");
        }
        // SAFETY: entries of this table are `FdEntry`s given out below and kept alive by the
        // owner or the table.
        Ok(unsafe { &*(e as *const FdEntry) })
    }
}

fn key_i64(key: &StateData) -> i64 {
    // SAFETY: the table's key type is int64.
    unsafe { key.s64 }
}

impl StateTable for FdTable {
    fn name(&self) -> &CStr {
        NAME
    }

    fn key_type(&self) -> u32 {
        StateType::I64.raw()
    }

    fn list_fields(&self, _o: &TableOwner) -> TableResult<(*const TableFieldInfo, u32)> {
        Ok(self.cache.store_list(self.defs.list()))
    }

    fn get_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        self.cache.field_of(&self.defs, name, ty, "file_descriptors").map_err(Some)
    }

    fn add_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        self.cache.add_to(&self.defs, name, ty, "file_descriptors").map_err(Some)
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
        for (_, e) in self.entries() {
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
        if self.remove(key_i64(key)) {
            return Ok(());
        }
        o.set_error("table entry not found");
        Err(None)
    }

    fn create_entry(&self, o: &TableOwner) -> TableResult<*mut c_void> {
        Ok(o.add_created(Arc::new(FdEntry::new(FdInfo::default())) as EntryArc))
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
        let Ok(entry) = (created as Arc<dyn Any + Send + Sync>).downcast::<FdEntry>() else {
            return fail("unknown entry type added to fd table");
        };
        let added = self.add_entry_arc(key_i64(key), entry);
        Ok(o.store_accessed(added as EntryArc))
    }

    fn read(&self, _o: &TableOwner, e: *mut c_void, f: *const c_void, out: &mut StateData) -> TableResult<()> {
        let entry = Self::entry(e)?;
        // SAFETY: field handles of this table are its definitions.
        let def: &FieldDef = unsafe { FieldDef::from_handle(f) };
        match def.slot {
            Slot::Static(i) => entry.info().read_static(i, out),
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
