//! Field definitions of a host table, as libsinsp's `extensible_table` keeps them: the static
//! fields of the entry type (fixed at construction) and the dynamic fields plugins add at run
//! time, shared by every table of one kind (every thread's file-descriptor table shares one
//! set). A `ss_plugin_table_field_t*` is a pointer to a [`FieldDef`]: definitions are boxed and
//! never removed, so the pointer stays valid as long as the definitions do.
//!
//! Errors are libsinsp's texts, word for word.

use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::sync::Mutex;

use super::state_type::{type_name, StateType};
use super::std_order::StdHashMap;
use crate::abi::v3::TableFieldInfo;

/// Where a field's value lives in an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Index into the entry type's static field list.
    Static(usize),
    /// Index into the entry's dynamic values (definition order).
    Dynamic(usize),
}

pub struct FieldDef {
    pub name: CString,
    /// Raw `ss_plugin_state_type` (a dynamic field may carry a code libsinsp cannot read back).
    pub ty: u32,
    pub read_only: bool,
    pub slot: Slot,
}

impl FieldDef {
    pub fn handle(&self) -> *mut c_void {
        self as *const FieldDef as *mut c_void
    }

    /// The definition behind a handle this crate gave out.
    ///
    /// # Safety
    /// `f` came from [`FieldDef::handle`] of definitions that are still alive.
    pub unsafe fn from_handle<'a>(f: *const c_void) -> &'a FieldDef {
        unsafe { &*(f as *const FieldDef) }
    }
}

/// A static field as the entry type declares it.
pub struct StaticDecl {
    pub name: &'static str,
    pub ty: StateType,
    pub read_only: bool,
}

// Boxed: plugins hold `*const FieldDef` handles, which must survive the vector growing.
#[allow(clippy::vec_box)]
struct Dynamic {
    defs: Vec<Box<FieldDef>>,
    index: StdHashMap<String, usize>,
}

/// The field definitions shared by the tables of one kind.
#[allow(clippy::vec_box)] // boxed for stable handles, as above
pub struct FieldDefs {
    statics: Vec<Box<FieldDef>>,
    /// Static fields by name, in `std::unordered_map` order (libsinsp's `static_field_infos`).
    static_index: StdHashMap<String, usize>,
    dynamic: Mutex<Dynamic>,
}

// SAFETY: the boxed definitions are immutable once created; the dynamic list is behind a lock.
unsafe impl Send for FieldDefs {}
unsafe impl Sync for FieldDefs {}

impl FieldDefs {
    /// Definitions with these static fields (declared in this order, as libsinsp's
    /// `get_static_fields` inserts them) and no dynamic field yet.
    pub fn new(statics: &[StaticDecl]) -> FieldDefs {
        let mut index = StdHashMap::new();
        let mut defs = Vec::new();
        for (i, d) in statics.iter().enumerate() {
            defs.push(Box::new(FieldDef {
                name: CString::new(d.name).expect("static names have no NUL"),
                ty: d.ty.raw(),
                read_only: d.read_only,
                slot: Slot::Static(i),
            }));
            index.insert(d.name.to_string(), i);
        }
        FieldDefs {
            statics: defs,
            static_index: index,
            dynamic: Mutex::new(Dynamic { defs: Vec::new(), index: StdHashMap::new() }),
        }
    }

    fn dynamic(&self) -> std::sync::MutexGuard<'_, Dynamic> {
        self.dynamic.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `list_fields`: static fields, then dynamic ones, each in map order.
    pub fn list(&self) -> Vec<TableFieldInfo> {
        let mut out = Vec::new();
        for &i in self.static_index.values() {
            let d = &self.statics[i];
            out.push(TableFieldInfo { name: d.name.as_ptr(), field_type: d.ty, read_only: d.read_only as u32 });
        }
        let dynamic = self.dynamic();
        for &i in dynamic.index.values() {
            let d = &dynamic.defs[i];
            out.push(TableFieldInfo { name: d.name.as_ptr(), field_type: d.ty, read_only: 0 });
        }
        out
    }

    /// `extensible_table::get_field`.
    pub fn get(&self, name: &str, ty: u32, table: &str) -> Result<&FieldDef, String> {
        let fixed = self.static_index.get(&name.to_string()).copied();
        let dynamic = self.dynamic();
        let dyn_index = dynamic.index.get(&name.to_string()).copied();
        if fixed.is_some() && dyn_index.is_some() {
            return Err(format!("field is defined as both static and dynamic: {name}"));
        }
        if let Some(i) = fixed {
            let d = &self.statics[i];
            if d.ty != ty {
                return Err(format!("incompatible data types for static field: {name}"));
            }
            // SAFETY: boxed and never removed: the reference outlives the lock.
            return Ok(unsafe { &*(d.as_ref() as *const FieldDef) });
        }
        if let Some(i) = dyn_index {
            let d = &dynamic.defs[i];
            if d.ty != ty {
                return Err(format!("incompatible data types for dynamic field: {name}"));
            }
            // SAFETY: as above.
            return Ok(unsafe { &*(d.as_ref() as *const FieldDef) });
        }
        Err(format!("undefined field '{name}' in table '{table}'"))
    }

    /// `extensible_table::add_field` (the table-type check is the caller's: libsinsp makes it
    /// in the accessor, before the table sees the call).
    pub fn add(&self, name: &str, ty: u32, table: &str) -> Result<&FieldDef, String> {
        if self.static_index.contains_key(&name.to_string()) {
            return Err(format!("can't add dynamic field already defined as static: {name}"));
        }
        {
            let mut dynamic = self.dynamic();
            if ty == StateType::Table.raw() {
                return Err("dynamic fields of type table are not supported".into());
            }
            match dynamic.index.get(&name.to_string()).copied() {
                Some(i) => {
                    let prev = dynamic.defs[i].ty;
                    if prev != ty {
                        return Err(format!(
                            "multiple definitions of dynamic field with different types in struct: {name}, prevtype={}, newtype={}",
                            type_name(prev)?,
                            type_name(ty)?
                        ));
                    }
                }
                None => {
                    let slot = dynamic.defs.len();
                    let cname = CString::new(name).map_err(|_| format!("field name has a NUL byte: {name}"))?;
                    dynamic.defs.push(Box::new(FieldDef { name: cname, ty, read_only: false, slot: Slot::Dynamic(slot) }));
                    dynamic.index.insert(name.to_string(), slot);
                }
            }
        }
        self.get(name, ty, table)
    }

    /// The raw types of the dynamic fields `0..=index` (to grow an entry's values).
    pub fn dynamic_type(&self, index: usize) -> Option<u32> {
        self.dynamic().defs.get(index).map(|d| d.ty)
    }

    pub fn dynamic_count(&self) -> usize {
        self.dynamic().defs.len()
    }

    /// A static definition by name (host code reads its own fields this way).
    pub fn static_field(&self, name: &str) -> Option<&FieldDef> {
        self.static_index.get(&name.to_string()).map(|&i| self.statics[i].as_ref())
    }
}

/// One table object's memory of the fields plugins asked it for (libsinsp's
/// `built_in_table::m_field_accessors`): a second request with another type gets a different
/// error text than the first.
#[derive(Default)]
pub struct FieldCache {
    by_name: Mutex<HashMap<Vec<u8>, usize>>,
    /// Backing storage of the last `list_fields` answer (valid until the next one).
    listed: Mutex<Vec<TableFieldInfo>>,
}

// SAFETY: the listed infos point into immutable, never-freed definitions.
unsafe impl Send for FieldCache {}
unsafe impl Sync for FieldCache {}

impl FieldCache {
    /// `built_in_table::get_field`: the cached definition (type checked), else `resolve`.
    pub fn get<'a>(
        &self,
        name: &str,
        ty: u32,
        resolve: impl FnOnce() -> Result<&'a FieldDef, String>,
    ) -> Result<*mut c_void, String> {
        let cache = self.by_name.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&ptr) = cache.get(name.as_bytes()) {
            // SAFETY: cached handles point at live definitions.
            let d = unsafe { FieldDef::from_handle(ptr as *const c_void) };
            if d.ty != ty {
                return Err(format!(
                    "data type for field: {name}, requested type {} doesn't match actual type {}",
                    type_name(ty)?,
                    type_name(d.ty)?
                ));
            }
            return Ok(ptr as *mut c_void);
        }
        drop(cache);
        let d = resolve()?;
        let ptr = d.handle();
        self.by_name.lock().unwrap_or_else(|p| p.into_inner()).insert(name.as_bytes().to_vec(), ptr as usize);
        Ok(ptr)
    }

    /// `get_table_field` of a built-in table whose fields are `defs` (named `table` in errors).
    pub fn field_of(&self, defs: &FieldDefs, name: &std::ffi::CStr, ty: u32, table: &str) -> Result<*mut c_void, String> {
        let n = name.to_string_lossy();
        self.get(&n, ty, || defs.get(&n, ty, table))
    }

    /// `add_table_field` of a built-in table: the dynamic field is added (or found) in `defs`.
    pub fn add_to(&self, defs: &FieldDefs, name: &std::ffi::CStr, ty: u32, table: &str) -> Result<*mut c_void, String> {
        defs.add(&name.to_string_lossy(), ty, table)?;
        self.field_of(defs, name, ty, table)
    }

    /// Stores a `list_fields` answer and returns its array.
    pub fn store_list(&self, list: Vec<TableFieldInfo>) -> (*const TableFieldInfo, u32) {
        let mut listed = self.listed.lock().unwrap_or_else(|p| p.into_inner());
        *listed = list;
        (listed.as_ptr(), listed.len() as u32)
    }
}
