//! [`PluginTable`]: a table a plugin defined with `add_table` (libsinsp's
//! `plugin_table_wrapper`). Other plugins reach it through their own accessors; calls go to the
//! defining plugin's vtables with its table pointer, and a failure becomes the caller's
//! `get_owner_last_error` with the defining plugin's `get_last_error` text.
//!
//! The input is checked and copied as libsinsp does: before API 3.1 the `_ext` vtables are
//! rebuilt from the legacy ones (with no-op release and iteration); from 3.1 on they must all
//! be given and agree with the legacy ones.

use std::ffi::{c_void, CStr, CString};

use super::owner::TableOwner;
use super::table::{StateTable, TableResult};
use crate::abi::rc;
use crate::abi::v3::{
    StateData, TableFieldInfo, TableFieldsVtable, TableInput, TableReaderVtableExt,
    TableWriterVtable,
};
use crate::owner::Owner;

pub struct PluginTable {
    name: CString,
    key_type: u32,
    table: *mut c_void,
    reader: TableReaderVtableExt,
    writer: TableWriterVtable,
    fields: TableFieldsVtable,
    /// The defining plugin's owner (its last error explains failures).
    definer: *const TableOwner,
    definer_name: String,
}

// SAFETY: the plugin's table is driven only from the host's calling thread; the pointers stay
// valid as long as the defining plugin's state, which outlives the run's tables.
unsafe impl Send for PluginTable {}
unsafe impl Sync for PluginTable {}

unsafe extern "C" fn noop_release(_t: *mut c_void, _e: *mut c_void) {}
unsafe extern "C" fn noop_iterate(_t: *mut c_void, _it: Option<crate::abi::v3::IteratorFn>, _s: *mut c_void) -> u32 {
    0
}

/// Whether a vtable member is set and is the same function as its legacy twin (libsinsp
/// compares the pointers).
#[allow(unpredictable_function_pointer_comparisons)]
fn same<T: Copy + PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    a.is_some() && a == b
}

impl PluginTable {
    /// `copy_and_check_table_input`.
    ///
    /// # Safety
    /// `input` is NULL or a readable `ss_plugin_table_input` whose non-NULL `*_ext` pointers
    /// are readable.
    pub unsafe fn new(owner: &Owner, input: Option<&TableInput>) -> Result<PluginTable, String> {
        let prefix = format!("failure in adding state table defined by plugin '{}': ", owner.tables.plugin_name);
        let input = input.ok_or_else(|| format!("{prefix}input is null"))?;
        if input.name.is_null() {
            return Err(format!("{prefix}name is null"));
        }
        let (reader, writer, fields) = if owner.tables.api_minor < 1 {
            (
                TableReaderVtableExt {
                    base: input.reader,
                    release_table_entry: Some(noop_release),
                    iterate_entries: Some(noop_iterate),
                },
                input.writer,
                input.fields,
            )
        } else {
            if input.reader_ext.is_null() || input.writer_ext.is_null() || input.fields_ext.is_null() {
                return Err(format!("{prefix}extended vtables must all be defined"));
            }
            // SAFETY: non-NULL, per the contract above.
            unsafe { (*input.reader_ext, *input.writer_ext, *input.fields_ext) }
        };
        let (r, l) = (&reader.base, &input.reader);
        if !(same(r.get_table_name, l.get_table_name)
            && same(r.get_table_size, l.get_table_size)
            && same(r.get_table_entry, l.get_table_entry)
            && same(r.read_entry_field, l.read_entry_field)
            && reader.release_table_entry.is_some()
            && reader.iterate_entries.is_some())
        {
            return Err(format!("{prefix}broken or inconsistent reader vtables"));
        }
        let (w, l) = (&writer, &input.writer);
        if !(same(w.clear_table, l.clear_table)
            && same(w.erase_table_entry, l.erase_table_entry)
            && same(w.create_table_entry, l.create_table_entry)
            && same(w.destroy_table_entry, l.destroy_table_entry)
            && same(w.add_table_entry, l.add_table_entry)
            && same(w.write_entry_field, l.write_entry_field))
        {
            return Err(format!("{prefix}broken or inconsistent writer vtables"));
        }
        let (f, l) = (&fields, &input.fields);
        if !(same(f.list_table_fields, l.list_table_fields)
            && same(f.get_table_field, l.get_table_field)
            && same(f.add_table_field, l.add_table_field))
        {
            return Err(format!("{prefix}broken or inconsistent fields vtables"));
        }
        // SAFETY: checked non-NULL above.
        let name = unsafe { CStr::from_ptr(input.name) }.to_owned();
        Ok(PluginTable {
            name,
            key_type: input.key_type,
            table: input.table,
            reader,
            writer,
            fields,
            definer: &owner.tables,
            definer_name: owner.tables.plugin_name.clone(),
        })
    }

    /// The failure of a call: the defining plugin's last error.
    fn failed<T>(&self) -> TableResult<T> {
        // SAFETY: the defining owner lives as long as its plugin state (see the type's note).
        let text = unsafe { self.definer.as_ref() }.map(|d| d.plugin_last_error()).unwrap_or_default();
        Err(Some(text))
    }
}

/// Calls a Rust closure from the defining plugin's iteration (`state` is the closure).
unsafe extern "C" fn trampoline(state: *mut c_void, e: *mut c_void) -> u32 {
    // SAFETY: `state` is the `&mut dyn FnMut` passed by `iterate` below, alive for the call.
    let f = unsafe { &mut *(state as *mut &mut dyn FnMut(*mut c_void) -> bool) };
    f(e) as u32
}

impl StateTable for PluginTable {
    fn name(&self) -> &CStr {
        &self.name
    }

    fn key_type(&self) -> u32 {
        self.key_type
    }

    fn defined_by(&self) -> Option<&str> {
        Some(&self.definer_name)
    }

    fn list_fields(&self, _o: &TableOwner) -> TableResult<(*const TableFieldInfo, u32)> {
        let mut n = 0u32;
        let f = self.fields.list_table_fields.expect("checked at add_table");
        // SAFETY: the defining plugin's function and table.
        let p = unsafe { f(self.table, &mut n) };
        if p.is_null() {
            return self.failed();
        }
        Ok((p, n))
    }

    fn get_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        let f = self.fields.get_table_field.expect("checked at add_table");
        let p = unsafe { f(self.table, name.as_ptr(), ty) };
        if p.is_null() {
            return self.failed();
        }
        Ok(p)
    }

    fn add_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        let f = self.fields.add_table_field.expect("checked at add_table");
        let p = unsafe { f(self.table, name.as_ptr(), ty) };
        if p.is_null() {
            return self.failed();
        }
        Ok(p)
    }

    fn size(&self, o: &TableOwner) -> u64 {
        let f = self.reader.base.get_table_size.expect("checked at add_table");
        let n = unsafe { f(self.table) };
        if n == u64::MAX {
            if let Err(Some(msg)) = self.failed::<()>() {
                o.set_error(msg);
            }
        }
        n
    }

    fn get_entry(&self, _o: &TableOwner, key: &StateData) -> TableResult<*mut c_void> {
        let f = self.reader.base.get_table_entry.expect("checked at add_table");
        let p = unsafe { f(self.table, key) };
        if p.is_null() {
            return self.failed();
        }
        Ok(p)
    }

    fn release_entry(&self, _o: &TableOwner, e: *mut c_void) {
        let f = self.reader.release_table_entry.expect("checked at add_table");
        unsafe { f(self.table, e) }
    }

    fn iterate(&self, _o: &TableOwner, f: &mut dyn FnMut(*mut c_void) -> bool) -> TableResult<bool> {
        let it = self.reader.iterate_entries.expect("checked at add_table");
        let mut f = f;
        let state = &mut f as *mut &mut dyn FnMut(*mut c_void) -> bool as *mut c_void;
        Ok(unsafe { it(self.table, Some(trampoline), state) } != 0)
    }

    fn clear(&self, _o: &TableOwner) -> TableResult<()> {
        let f = self.writer.clear_table.expect("checked at add_table");
        if unsafe { f(self.table) } == rc::FAILURE {
            return self.failed();
        }
        Ok(())
    }

    fn erase(&self, _o: &TableOwner, key: &StateData) -> TableResult<()> {
        let f = self.writer.erase_table_entry.expect("checked at add_table");
        if unsafe { f(self.table, key) } == rc::FAILURE {
            return self.failed();
        }
        Ok(())
    }

    fn create_entry(&self, _o: &TableOwner) -> TableResult<*mut c_void> {
        let f = self.writer.create_table_entry.expect("checked at add_table");
        let p = unsafe { f(self.table) };
        if p.is_null() {
            return self.failed();
        }
        Ok(p)
    }

    fn destroy_entry(&self, _o: &TableOwner, e: *mut c_void) -> TableResult<()> {
        let f = self.writer.destroy_table_entry.expect("checked at add_table");
        unsafe { f(self.table, e) };
        Ok(())
    }

    fn add_entry(&self, _o: &TableOwner, key: &StateData, e: *mut c_void) -> TableResult<*mut c_void> {
        let f = self.writer.add_table_entry.expect("checked at add_table");
        let p = unsafe { f(self.table, key, e) };
        if p.is_null() {
            return self.failed();
        }
        Ok(p)
    }

    fn read(&self, _o: &TableOwner, e: *mut c_void, fld: *const c_void, out: &mut StateData) -> TableResult<()> {
        let f = self.reader.base.read_entry_field.expect("checked at add_table");
        if unsafe { f(self.table, e, fld, out) } == rc::FAILURE {
            return self.failed();
        }
        Ok(())
    }

    fn write(&self, _o: &TableOwner, e: *mut c_void, fld: *const c_void, input: &StateData) -> TableResult<()> {
        let f = self.writer.write_entry_field.expect("checked at add_table");
        if unsafe { f(self.table, e, fld, input) } == rc::FAILURE {
            return self.failed();
        }
        Ok(())
    }
}
