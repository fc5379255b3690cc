//! [`TableOwner`]: what libsinsp's `sinsp_table_owner` keeps for one plugin: its last table
//! error (`get_owner_last_error`), the entries it obtained (kept alive until released or until
//! its callback returns), the entries it created but did not add yet, the accessors of the
//! tables it asked for by name, and a pool of accessors for subtables it read, reused from one
//! callback to the next.

use std::any::Any;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::accessor::TableAccessor;
use super::registry::TableRegistry;
use super::table::StateTable;
use crate::abi::fns::StateStrFn;
use crate::abi::v3::TableInfo;

pub type EntryArc = Arc<dyn Any + Send + Sync>;

// Accessors are boxed: plugins hold pointers to them across calls.
#[derive(Default)]
#[allow(clippy::vec_box)]
struct Inner {
    accessed_entries: Vec<(usize, EntryArc)>,
    created_entries: Vec<(usize, EntryArc)>,
    ephemeral: Vec<Box<TableAccessor>>,
    ephemeral_used: usize,
    accessed_tables: HashMap<String, Box<TableAccessor>>,
    table_infos: Vec<TableInfo>,
}

pub struct TableOwner {
    pub registry: Arc<TableRegistry>,
    /// The plugin's name (error prefixes of tables it defines).
    pub plugin_name: String,
    /// The plugin's 3.x minor (decides how the tables it defines are checked).
    pub api_minor: u32,
    last_error: Mutex<Option<CString>>,
    inner: Mutex<Inner>,
    /// The plugin's state and `get_last_error`, for the errors of tables it defines (the state
    /// is known only once its `init` returned).
    plugin_state: AtomicPtr<c_void>,
    get_last_error: Option<StateStrFn>,
}

// SAFETY: raw pointers in `Inner` point into boxes and registry tables owned here; every access
// goes through the locks.
unsafe impl Send for TableOwner {}
unsafe impl Sync for TableOwner {}

/// The raw address an entry is known by.
pub fn entry_ptr(e: &EntryArc) -> *mut c_void {
    Arc::as_ptr(e) as *const () as *mut c_void
}

impl TableOwner {
    pub fn new(registry: Arc<TableRegistry>, plugin_name: &str, api_minor: u32, get_last_error: Option<StateStrFn>) -> TableOwner {
        TableOwner {
            registry,
            plugin_name: plugin_name.to_string(),
            api_minor,
            last_error: Mutex::new(None),
            inner: Mutex::new(Inner::default()),
            plugin_state: AtomicPtr::new(std::ptr::null_mut()),
            get_last_error,
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_plugin_state(&self, state: *mut c_void) {
        self.plugin_state.store(state, Ordering::Release);
    }

    /// The plugin's own `get_last_error` text (for tables it defines), empty without one.
    pub fn plugin_last_error(&self) -> String {
        let state = self.plugin_state.load(Ordering::Acquire);
        match self.get_last_error {
            Some(f) if !state.is_null() => {
                // SAFETY: the plugin's `const char* get_last_error(ss_plugin_t*)`.
                let p = unsafe { f(state) };
                if p.is_null() {
                    String::new()
                } else {
                    // SAFETY: a NUL-terminated string owned by the plugin.
                    unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
                }
            }
            _ => "plugin handle or 'get_last_error' function not defined".to_string(),
        }
    }

    /// Sets `get_owner_last_error`'s text.
    pub fn set_error(&self, msg: impl Into<String>) {
        let mut bytes: Vec<u8> = msg.into().into_bytes();
        bytes.retain(|&b| b != 0);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(CString::new(bytes).expect("NULs removed"));
    }

    /// libsinsp's `m_last_owner_err.clear()`.
    pub fn clear_error(&self) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// `get_owner_last_error`: NULL when no error was ever set (or it was cleared).
    pub fn last_error_ptr(&self) -> *const c_char {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.to_string_lossy().into_owned())
    }

    /// Keeps an entry alive for the plugin; returns the address it is known by.
    pub fn store_accessed(&self, e: EntryArc) -> *mut c_void {
        let p = entry_ptr(&e);
        self.inner().accessed_entries.push((p as usize, e));
        p
    }

    /// `release_table_entry`: forgets one reference to the entry.
    pub fn release_accessed(&self, p: *mut c_void) {
        let mut inner = self.inner();
        if let Some(i) = inner.accessed_entries.iter().position(|(q, _)| *q == p as usize) {
            inner.accessed_entries.swap_remove(i);
        }
    }

    /// An entry created for the plugin but not added to a table yet.
    pub fn add_created(&self, e: EntryArc) -> *mut c_void {
        let p = entry_ptr(&e);
        self.inner().created_entries.push((p as usize, e));
        p
    }

    /// Takes back a created entry (`None` if the plugin did not create it).
    pub fn extract_created(&self, p: *mut c_void) -> Option<EntryArc> {
        let mut inner = self.inner();
        let i = inner.created_entries.iter().position(|(q, _)| *q == p as usize)?;
        Some(inner.created_entries.swap_remove(i).1)
    }

    /// An accessor for a subtable the plugin read, from the reusable pool: valid until the
    /// plugin's callback returns.
    pub fn ephemeral(&self, table: Arc<dyn StateTable>) -> Result<*mut c_void, String> {
        let mut inner = self.inner();
        let used = inner.ephemeral_used;
        if used == inner.ephemeral.len() {
            inner.ephemeral.push(TableAccessor::new());
        }
        inner.ephemeral_used += 1;
        let slot = &mut inner.ephemeral[used];
        slot.set(self, table)?;
        Ok(slot.handle())
    }

    /// `get_table`'s memory: the accessor of a table this plugin already asked for by name.
    pub fn accessed_table(&self, name: &str) -> Option<*mut c_void> {
        self.inner().accessed_tables.get(name).map(|a| a.handle())
    }

    /// Remembers (and returns) the accessor of a table asked for by name.
    pub fn remember_table(&self, name: &str, table: Arc<dyn StateTable>) -> Result<*mut c_void, String> {
        let mut accessor = TableAccessor::new();
        accessor.set(self, table)?;
        let h = accessor.handle();
        self.inner().accessed_tables.insert(name.to_string(), accessor);
        Ok(h)
    }

    /// `list_tables`' answer, stored here until the next call.
    pub fn store_table_infos(&self, infos: Vec<TableInfo>) -> (*mut TableInfo, u32) {
        let mut inner = self.inner();
        inner.table_infos = infos;
        (inner.table_infos.as_mut_ptr(), inner.table_infos.len() as u32)
    }

    /// After each call into the plugin (init, parse, extract): libsinsp's "defensive garbage
    /// collection" of subtable accessors, accessed and created entries.
    pub fn end_callback(&self) {
        let (accessed, created) = {
            let mut inner = self.inner();
            inner.ephemeral_used = 0;
            (std::mem::take(&mut inner.accessed_entries), std::mem::take(&mut inner.created_entries))
        };
        // entries drop outside the lock (a thread entry may hold tables of its own)
        drop(accessed);
        drop(created);
    }
}
