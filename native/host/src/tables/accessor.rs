//! [`TableAccessor`]: what a `ss_plugin_table_t*` handed to a plugin points at (libsinsp's
//! `table_accessor`). It starts with a `ss_plugin_table_input` whose `table` is the accessor
//! itself and whose vtables are the functions below, so the owner's dispatchers reach them the
//! same way they would reach a plugin-defined table. Each accessor belongs to one plugin (its
//! [`TableOwner`]): errors of calls through it become that plugin's `get_owner_last_error`.

use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::owner::TableOwner;
use super::state_type::StateType;
use super::table::{StateTable, TableResult};
use crate::abi::rc;
use crate::abi::v3::{
    IteratorFn, StateData, TableFieldInfo, TableFieldsVtable, TableInput, TableReaderVtable, TableReaderVtableExt,
    TableWriterVtable,
};

#[repr(C)]
pub struct TableAccessor {
    input: TableInput,
    fields_vt: TableFieldsVtable,
    reader_vt: TableReaderVtableExt,
    writer_vt: TableWriterVtable,
    owner: *const TableOwner,
    table: Option<Arc<dyn StateTable>>,
}

pub(crate) static FIELDS_VT: TableFieldsVtable = TableFieldsVtable {
    list_table_fields: Some(list_fields),
    get_table_field: Some(get_field),
    add_table_field: Some(add_field),
};
pub(crate) static READER_VT: TableReaderVtable = TableReaderVtable {
    get_table_name: Some(get_name),
    get_table_size: Some(get_size),
    get_table_entry: Some(get_entry),
    read_entry_field: Some(read_entry_field),
};
pub(crate) static WRITER_VT: TableWriterVtable = TableWriterVtable {
    clear_table: Some(clear),
    erase_table_entry: Some(erase_entry),
    create_table_entry: Some(create_entry),
    destroy_table_entry: Some(destroy_entry),
    add_table_entry: Some(add_entry),
    write_entry_field: Some(write_entry_field),
};

impl TableAccessor {
    /// A boxed (address-stable) accessor with no table yet.
    pub fn new() -> Box<TableAccessor> {
        let mut a = Box::new(TableAccessor {
            input: TableInput {
                name: std::ptr::null(),
                key_type: StateType::I8.raw(),
                table: std::ptr::null_mut(),
                reader: READER_VT,
                writer: WRITER_VT,
                fields: FIELDS_VT,
                reader_ext: std::ptr::null_mut(),
                writer_ext: std::ptr::null_mut(),
                fields_ext: std::ptr::null_mut(),
            },
            fields_vt: FIELDS_VT,
            reader_vt: TableReaderVtableExt {
                base: READER_VT,
                release_table_entry: Some(release_entry),
                iterate_entries: Some(iterate_entries),
            },
            writer_vt: WRITER_VT,
            owner: std::ptr::null(),
            table: None,
        });
        let me: *mut TableAccessor = a.as_mut();
        a.input.table = me as *mut c_void;
        a.input.fields_ext = &mut a.fields_vt;
        a.input.reader_ext = &mut a.reader_vt;
        a.input.writer_ext = &mut a.writer_vt;
        a
    }

    /// Points the accessor at `table` for `owner` (`table_accessor::set`).
    pub fn set(&mut self, owner: &TableOwner, table: Arc<dyn StateTable>) -> Result<(), String> {
        if table.key_type() == StateType::Table.raw() {
            return Err("unsupported libsinsp::state::table_accessor::set usage with table-type key".into());
        }
        self.input.name = table.name().as_ptr();
        self.input.key_type = table.key_type();
        self.owner = owner;
        self.table = Some(table);
        Ok(())
    }

    /// The table behind a handle this module gave out (host code walking subtables).
    ///
    /// # Safety
    /// `h` is NULL or a live accessor's handle.
    pub unsafe fn table_of(h: *mut c_void) -> Option<Arc<dyn StateTable>> {
        // SAFETY: the handle is the accessor's first member, so the accessor's address.
        unsafe { (h as *const TableAccessor).as_ref() }.and_then(|a| a.table.clone())
    }

    /// The `ss_plugin_table_t*` a plugin uses for this table.
    pub fn handle(&self) -> *mut c_void {
        &self.input as *const TableInput as *mut c_void
    }
}

/// Runs `f` on the accessor's table and owner; a failure becomes the owner's last error and
/// `fallback` the return value. A panic never crosses into the plugin.
///
/// # Safety
/// `t` is a `TableAccessor` given out by this module and still alive.
unsafe fn with<R>(t: *mut c_void, fallback: R, f: impl FnOnce(&dyn StateTable, &TableOwner) -> TableResult<R>) -> R {
    if t.is_null() {
        return fallback;
    }
    // SAFETY: per the contract, `t` is `input.table` of a live accessor, i.e. the accessor.
    let a = unsafe { &*(t as *const TableAccessor) };
    let (Some(table), Some(owner)) = (a.table.as_deref(), unsafe { a.owner.as_ref() }) else {
        return fallback;
    };
    match catch_unwind(AssertUnwindSafe(|| f(table, owner))) {
        Ok(Ok(v)) => v,
        Ok(Err(Some(msg))) => {
            owner.set_error(msg);
            fallback
        }
        Ok(Err(None)) => fallback,
        Err(_) => {
            owner.set_error("unknown error");
            fallback
        }
    }
}

unsafe extern "C" fn list_fields(t: *mut c_void, n: *mut u32) -> *const TableFieldInfo {
    unsafe {
        with(t, std::ptr::null(), |table, o| {
            let (p, count) = table.list_fields(o)?;
            if !n.is_null() {
                *n = count;
            }
            Ok(p)
        })
    }
}

unsafe fn name_of<'a>(p: *const c_char) -> Option<&'a CStr> {
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
}

unsafe extern "C" fn get_field(t: *mut c_void, name: *const c_char, ty: u32) -> *mut c_void {
    unsafe {
        with(t, std::ptr::null_mut(), |table, o| match name_of(name) {
            Some(n) => table.get_field(o, n, ty),
            None => Err(Some("null field name".into())),
        })
    }
}

unsafe extern "C" fn add_field(t: *mut c_void, name: *const c_char, ty: u32) -> *mut c_void {
    unsafe {
        with(t, std::ptr::null_mut(), |table, o| {
            let Some(n) = name_of(name) else { return Err(Some("null field name".into())) };
            if ty == StateType::Table.raw() {
                return Err(Some(format!("can't add dynamic field of type table: {}", n.to_string_lossy())));
            }
            table.add_field(o, n, ty)
        })
    }
}

unsafe extern "C" fn get_name(t: *mut c_void) -> *const c_char {
    unsafe { with(t, std::ptr::null(), |table, _| Ok(table.name().as_ptr())) }
}

unsafe extern "C" fn get_size(t: *mut c_void) -> u64 {
    unsafe { with(t, u64::MAX, |table, o| Ok(table.size(o))) }
}

unsafe extern "C" fn get_entry(t: *mut c_void, key: *const StateData) -> *mut c_void {
    unsafe {
        with(t, std::ptr::null_mut(), |table, o| match key.as_ref() {
            Some(k) => table.get_entry(o, k),
            None => Err(Some("null key".into())),
        })
    }
}

unsafe extern "C" fn read_entry_field(t: *mut c_void, e: *mut c_void, f: *const c_void, out: *mut StateData) -> i32 {
    unsafe {
        with(t, rc::FAILURE, |table, o| {
            let Some(out) = out.as_mut() else { return Err(Some("null output".into())) };
            *out = StateData::ZERO;
            if f.is_null() {
                return Err(Some("null field accessor".into()));
            }
            table.read(o, e, f, out).map(|_| rc::SUCCESS)
        })
    }
}

unsafe extern "C" fn release_entry(t: *mut c_void, e: *mut c_void) {
    unsafe {
        with(t, (), |table, o| {
            table.release_entry(o, e);
            Ok(())
        })
    }
}

unsafe extern "C" fn iterate_entries(t: *mut c_void, it: Option<IteratorFn>, s: *mut c_void) -> u32 {
    unsafe {
        with(t, 0, |table, o| {
            let Some(it) = it else { return Err(Some("null iterator function".into())) };
            let mut call = |e: *mut c_void| it(s, e) != 0;
            table.iterate(o, &mut call).map(|done| done as u32)
        })
    }
}

unsafe extern "C" fn clear(t: *mut c_void) -> i32 {
    unsafe { with(t, rc::FAILURE, |table, o| table.clear(o).map(|_| rc::SUCCESS)) }
}

unsafe extern "C" fn erase_entry(t: *mut c_void, key: *const StateData) -> i32 {
    unsafe {
        with(t, rc::FAILURE, |table, o| match key.as_ref() {
            Some(k) => table.erase(o, k).map(|_| rc::SUCCESS),
            None => Err(Some("null key".into())),
        })
    }
}

unsafe extern "C" fn create_entry(t: *mut c_void) -> *mut c_void {
    unsafe { with(t, std::ptr::null_mut(), |table, o| table.create_entry(o)) }
}

unsafe extern "C" fn destroy_entry(t: *mut c_void, e: *mut c_void) {
    unsafe { with(t, (), |table, o| table.destroy_entry(o, e)) }
}

unsafe extern "C" fn add_entry(t: *mut c_void, key: *const StateData, e: *mut c_void) -> *mut c_void {
    unsafe {
        with(t, std::ptr::null_mut(), |table, o| match key.as_ref() {
            Some(k) => table.add_entry(o, k, e),
            None => Err(Some("null key".into())),
        })
    }
}

unsafe extern "C" fn write_entry_field(t: *mut c_void, e: *mut c_void, f: *const c_void, input: *const StateData) -> i32 {
    unsafe {
        with(t, rc::FAILURE, |table, o| {
            let Some(input) = input.as_ref() else { return Err(Some("null input".into())) };
            if f.is_null() {
                return Err(Some("null field accessor".into()));
            }
            table.write(o, e, f, input).map(|_| rc::SUCCESS)
        })
    }
}
