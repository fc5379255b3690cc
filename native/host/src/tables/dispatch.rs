//! The vtables the host passes to plugins in its inputs (init, extract, parse, capture listen),
//! and the init-time table functions (`list_tables`, `get_table`, `add_table`).
//!
//! As in libsinsp, the vtable functions are dispatchers: a `ss_plugin_table_t*` always points
//! at a `ss_plugin_table_input`, and the call goes to that input's own `*_ext` vtable with its
//! `table` pointer. The host's accessors (see [`super::accessor`]) are such inputs.

use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::plugin_table::PluginTable;
use super::state_type::{unknown_type_error, StateType};
use crate::abi::rc;
use crate::abi::v3::{
    InitTablesInput, IteratorFn, StateData, TableFieldInfo, TableFieldsVtable, TableInfo, TableInput,
    TableReaderVtable, TableReaderVtableExt, TableWriterVtable,
};
use crate::owner::Owner;

/// # Safety
/// `t` points at a `ss_plugin_table_input` with complete `*_ext` vtables.
unsafe fn input<'a>(t: *mut c_void) -> Option<&'a TableInput> {
    unsafe { (t as *const TableInput).as_ref() }
}

unsafe extern "C" fn list_fields(t: *mut c_void, n: *mut u32) -> *const TableFieldInfo {
    unsafe {
        match input(t).and_then(|i| Some(((*i.fields_ext).list_table_fields?, i.table))) {
            Some((f, tt)) => f(tt, n),
            None => std::ptr::null(),
        }
    }
}

unsafe extern "C" fn get_field(t: *mut c_void, name: *const c_char, ty: u32) -> *mut c_void {
    unsafe {
        match input(t).and_then(|i| Some(((*i.fields_ext).get_table_field?, i.table))) {
            Some((f, tt)) => f(tt, name, ty),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn add_field(t: *mut c_void, name: *const c_char, ty: u32) -> *mut c_void {
    unsafe {
        match input(t).and_then(|i| Some(((*i.fields_ext).add_table_field?, i.table))) {
            Some((f, tt)) => f(tt, name, ty),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn get_name(t: *mut c_void) -> *const c_char {
    unsafe {
        match input(t).and_then(|i| Some(((*i.reader_ext).base.get_table_name?, i.table))) {
            Some((f, tt)) => f(tt),
            None => std::ptr::null(),
        }
    }
}

unsafe extern "C" fn get_size(t: *mut c_void) -> u64 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.reader_ext).base.get_table_size?, i.table))) {
            Some((f, tt)) => f(tt),
            None => u64::MAX,
        }
    }
}

unsafe extern "C" fn get_entry(t: *mut c_void, key: *const StateData) -> *mut c_void {
    unsafe {
        match input(t).and_then(|i| Some(((*i.reader_ext).base.get_table_entry?, i.table))) {
            Some((f, tt)) => f(tt, key),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn read_entry_field(t: *mut c_void, e: *mut c_void, fld: *const c_void, out: *mut StateData) -> i32 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.reader_ext).base.read_entry_field?, i.table))) {
            Some((f, tt)) => f(tt, e, fld, out),
            None => rc::FAILURE,
        }
    }
}

unsafe extern "C" fn release_entry(t: *mut c_void, e: *mut c_void) {
    unsafe {
        if let Some((f, tt)) = input(t).and_then(|i| Some(((*i.reader_ext).release_table_entry?, i.table))) {
            f(tt, e)
        }
    }
}

unsafe extern "C" fn iterate_entries(t: *mut c_void, it: Option<IteratorFn>, s: *mut c_void) -> u32 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.reader_ext).iterate_entries?, i.table))) {
            Some((f, tt)) => f(tt, it, s),
            None => 0,
        }
    }
}

unsafe extern "C" fn clear(t: *mut c_void) -> i32 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.writer_ext).clear_table?, i.table))) {
            Some((f, tt)) => f(tt),
            None => rc::FAILURE,
        }
    }
}

unsafe extern "C" fn erase_entry(t: *mut c_void, key: *const StateData) -> i32 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.writer_ext).erase_table_entry?, i.table))) {
            Some((f, tt)) => f(tt, key),
            None => rc::FAILURE,
        }
    }
}

unsafe extern "C" fn create_entry(t: *mut c_void) -> *mut c_void {
    unsafe {
        match input(t).and_then(|i| Some(((*i.writer_ext).create_table_entry?, i.table))) {
            Some((f, tt)) => f(tt),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn destroy_entry(t: *mut c_void, e: *mut c_void) {
    unsafe {
        if let Some((f, tt)) = input(t).and_then(|i| Some(((*i.writer_ext).destroy_table_entry?, i.table))) {
            f(tt, e)
        }
    }
}

unsafe extern "C" fn add_entry(t: *mut c_void, key: *const StateData, e: *mut c_void) -> *mut c_void {
    unsafe {
        match input(t).and_then(|i| Some(((*i.writer_ext).add_table_entry?, i.table))) {
            Some((f, tt)) => f(tt, key, e),
            None => std::ptr::null_mut(),
        }
    }
}

unsafe extern "C" fn write_entry_field(t: *mut c_void, e: *mut c_void, fld: *const c_void, v: *const StateData) -> i32 {
    unsafe {
        match input(t).and_then(|i| Some(((*i.writer_ext).write_entry_field?, i.table))) {
            Some((f, tt)) => f(tt, e, fld, v),
            None => rc::FAILURE,
        }
    }
}

/// `table_field_api`: the fields vtable (legacy and `_ext` are the same functions).
pub static FIELDS: TableFieldsVtable = TableFieldsVtable {
    list_table_fields: Some(list_fields),
    get_table_field: Some(get_field),
    add_table_field: Some(add_field),
};

/// `table_read_api`, legacy members.
pub static READER: TableReaderVtable = TableReaderVtable {
    get_table_name: Some(get_name),
    get_table_size: Some(get_size),
    get_table_entry: Some(get_entry),
    read_entry_field: Some(read_entry_field),
};

/// `table_read_api`, `_ext`.
pub static READER_EXT: TableReaderVtableExt = TableReaderVtableExt {
    base: READER,
    release_table_entry: Some(release_entry),
    iterate_entries: Some(iterate_entries),
};

/// `table_write_api` (legacy and `_ext` are the same functions).
pub static WRITER: TableWriterVtable = TableWriterVtable {
    clear_table: Some(clear),
    erase_table_entry: Some(erase_entry),
    create_table_entry: Some(create_entry),
    destroy_table_entry: Some(destroy_entry),
    add_table_entry: Some(add_entry),
    write_entry_field: Some(write_entry_field),
};

/// # Safety
/// `o` is the owner pointer the host gave the plugin at init.
unsafe fn owner<'a>(o: *mut c_void) -> Option<&'a Owner> {
    unsafe { (o as *const Owner).as_ref() }
}

/// `list_tables`.
unsafe extern "C" fn list_tables(o: *mut c_void, n: *mut u32) -> *mut TableInfo {
    let Some(owner) = (unsafe { owner(o) }) else { return std::ptr::null_mut() };
    let tables = &owner.tables;
    match catch_unwind(AssertUnwindSafe(|| tables.store_table_infos(tables.registry.infos()))) {
        Ok((p, count)) => {
            if !n.is_null() {
                unsafe { *n = count };
            }
            p
        }
        Err(_) => {
            tables.set_error("unknown error");
            std::ptr::null_mut()
        }
    }
}

/// `get_table`: the plugin's accessor for a registered table, created on first use (a second
/// call with the same name returns the first accessor, whatever key type it names).
unsafe extern "C" fn get_table(o: *mut c_void, name: *const c_char, key_type: u32) -> *mut c_void {
    let Some(owner) = (unsafe { owner(o) }) else { return std::ptr::null_mut() };
    let tables = &owner.tables;
    if name.is_null() {
        tables.set_error("null table name");
        return std::ptr::null_mut();
    }
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned();
    let found = catch_unwind(AssertUnwindSafe(|| -> Result<*mut c_void, Option<String>> {
        if let Some(h) = tables.accessed_table(&name) {
            return Ok(h);
        }
        if StateType::from_raw(key_type).is_none() {
            return Err(Some(unknown_type_error(key_type)));
        }
        match tables.registry.get(&name, key_type).map_err(Some)? {
            // no table by that name: NULL without an error text, as libsinsp
            None => Err(None),
            Some(t) => Ok(tables.remember_table(&name, t).map_err(Some)?),
        }
    }));
    match found {
        Ok(Ok(h)) => h,
        Ok(Err(Some(msg))) => {
            tables.set_error(msg);
            std::ptr::null_mut()
        }
        Ok(Err(None)) => std::ptr::null_mut(),
        Err(_) => {
            tables.set_error("unknown error");
            std::ptr::null_mut()
        }
    }
}

/// `add_table`: registers a table the plugin defines (its vtables checked as libsinsp does).
unsafe extern "C" fn add_table(o: *mut c_void, input: *const TableInput) -> i32 {
    let Some(owner) = (unsafe { owner(o) }) else { return rc::FAILURE };
    let tables = &owner.tables;
    let r = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
        // SAFETY: the plugin's input, read once and copied.
        let input = unsafe { input.as_ref() };
        if let Some(i) = input {
            if StateType::from_raw(i.key_type).is_none() {
                return Err(unknown_type_error(i.key_type));
            }
        }
        let t = unsafe { PluginTable::new(owner, input)? };
        tables.registry.add(Arc::new(t))
    }));
    match r {
        Ok(Ok(())) => rc::SUCCESS,
        Ok(Err(msg)) => {
            tables.set_error(msg);
            rc::FAILURE
        }
        Err(_) => {
            tables.set_error("unknown error");
            rc::FAILURE
        }
    }
}

/// The `ss_plugin_init_tables_input` of every 3.x plugin with the parsing or extraction
/// capability (the same functions for every plugin: the owner pointer tells them apart).
pub struct InitTables(pub InitTablesInput);
// SAFETY: pointers to immutable statics only.
unsafe impl Sync for InitTables {}

pub static INIT_TABLES: InitTables = InitTables(InitTablesInput {
    list_tables: Some(list_tables),
    get_table: Some(get_table),
    add_table: Some(add_table),
    fields: FIELDS,
    fields_ext: &FIELDS,
    reader_ext: &READER_EXT,
    writer_ext: &WRITER,
});
