//! [`StateTable`]: one table as plugins see it, whoever owns it (the host's `threads` table and
//! its subtables, or a table a plugin defined with `add_table`). It mirrors libsinsp's
//! `libsinsp::state::base_table`: every call names the [`TableOwner`] making it, which keeps
//! the entries it obtained alive and receives subtable accessors.
//!
//! Entries and fields cross the C ABI as opaque pointers: an implementation gives out pointers
//! it can turn back into its own types, and keeps what they point to alive (through the owner)
//! until the entry is released or the plugin's callback returns.

use std::ffi::{c_void, CStr};

use super::owner::TableOwner;
use crate::abi::v3::{StateData, TableFieldInfo};

/// A failure: libsinsp stores the text as the owner's last error (`None`: fail without a
/// text, as some of its paths do).
pub type TableResult<T> = Result<T, Option<String>>;

/// Turns a libsinsp exception text into a [`TableResult`] error.
pub fn fail<T>(msg: impl Into<String>) -> TableResult<T> {
    Err(Some(msg.into()))
}

pub trait StateTable: Send + Sync {
    fn name(&self) -> &CStr;
    /// Raw `ss_plugin_state_type` of the key.
    fn key_type(&self) -> u32;

    /// The fields, as an array owned by the table (valid until the next call).
    fn list_fields(&self, o: &TableOwner) -> TableResult<(*const TableFieldInfo, u32)>;
    fn get_field(&self, o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void>;
    fn add_field(&self, o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void>;

    /// `u64::MAX` on failure (the API's convention).
    fn size(&self, o: &TableOwner) -> u64;
    fn get_entry(&self, o: &TableOwner, key: &StateData) -> TableResult<*mut c_void>;
    fn release_entry(&self, o: &TableOwner, e: *mut c_void);
    /// Calls `f` with each entry until it returns false; `Ok(false)` when it broke out.
    fn iterate(&self, o: &TableOwner, f: &mut dyn FnMut(*mut c_void) -> bool) -> TableResult<bool>;

    fn clear(&self, o: &TableOwner) -> TableResult<()>;
    fn erase(&self, o: &TableOwner, key: &StateData) -> TableResult<()>;
    fn create_entry(&self, o: &TableOwner) -> TableResult<*mut c_void>;
    fn destroy_entry(&self, o: &TableOwner, e: *mut c_void) -> TableResult<()>;
    fn add_entry(&self, o: &TableOwner, key: &StateData, e: *mut c_void) -> TableResult<*mut c_void>;

    /// Reads field `f` of entry `e` into `out` (zeroed by the caller). A table-typed field
    /// comes back as an accessor the owner holds for the rest of the callback.
    fn read(&self, o: &TableOwner, e: *mut c_void, f: *const c_void, out: &mut StateData) -> TableResult<()>;
    fn write(&self, o: &TableOwner, e: *mut c_void, f: *const c_void, input: &StateData) -> TableResult<()>;

    /// Plugin-defined tables: the library name of the plugin that defined it.
    fn defined_by(&self) -> Option<&str> {
        None
    }
}
