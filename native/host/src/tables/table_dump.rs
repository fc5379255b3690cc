//! Every table of a registry as JSON, walked through the table API as a plugin would (list the
//! fields, ask for each, iterate the entries, read every field, descend into subtables). The
//! shape is that of libsinsp's `sinsp-example --tables=list`, so the two can be compared.

use std::ffi::CStr;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::accessor::TableAccessor;
use super::owner::TableOwner;
use super::registry::TableRegistry;
use super::state_type::StateType;
use super::table::StateTable;
use crate::abi::v3::StateData;

/// `{"tables": [{"entries": [...], "name": ...}, ...]}` in registry order.
pub fn dump_registry(registry: &Arc<TableRegistry>) -> Value {
    let owner = TableOwner::new(registry.clone(), "table-dump", 12, None);
    let mut tables = Vec::new();
    for name in registry.names() {
        if let Some(t) = registry.find(&name) {
            tables.push(dump_table(&owner, &name, t.as_ref()));
        }
    }
    owner.end_callback();
    json!({ "tables": tables })
}

/// One table: its entries, each an object of every field.
pub fn dump_table(owner: &TableOwner, name: &str, table: &dyn StateTable) -> Value {
    let mut entries = Vec::new();
    let fields: Vec<(String, u32)> = match table.list_fields(owner) {
        Ok((p, n)) => (0..n as usize)
            .map(|i| {
                // SAFETY: the table's own array of `n` infos.
                let f = unsafe { &*p.add(i) };
                (unsafe { CStr::from_ptr(f.name) }.to_string_lossy().into_owned(), f.field_type)
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let handles: Vec<Option<*mut std::ffi::c_void>> = fields
        .iter()
        .map(|(n, ty)| {
            let c = std::ffi::CString::new(n.as_str()).expect("field names have no NUL");
            table.get_field(owner, &c, *ty).ok()
        })
        .collect();
    let _ = table.iterate(owner, &mut |e| {
        let mut obj = Map::new();
        for ((fname, ty), h) in fields.iter().zip(&handles) {
            let v = match h {
                None => Value::String("<error>".into()),
                Some(h) => {
                    let mut out = StateData::ZERO;
                    match table.read(owner, e, *h, &mut out) {
                        Err(_) => Value::String("<error>".into()),
                        Ok(()) => to_json(owner, *ty, &out),
                    }
                }
            };
            obj.insert(fname.clone(), v);
        }
        entries.push(Value::Object(obj));
        true
    });
    json!({ "entries": entries, "name": name })
}

fn to_json(owner: &TableOwner, ty: u32, d: &StateData) -> Value {
    // SAFETY: the member of the field's type, as the table wrote it.
    unsafe {
        match StateType::from_raw(ty) {
            Some(StateType::I8) => json!(d.s8),
            Some(StateType::I16) => json!(d.s16),
            Some(StateType::I32) => json!(d.s32),
            Some(StateType::I64) => json!(d.s64),
            Some(StateType::U8) => json!(d.u8),
            Some(StateType::U16) => json!(d.u16),
            Some(StateType::U32) => json!(d.u32),
            Some(StateType::U64) => json!(d.u64),
            Some(StateType::Bool) => json!(d.b),
            Some(StateType::Str) => {
                if d.str.is_null() {
                    json!("")
                } else {
                    json!(CStr::from_ptr(d.str).to_string_lossy())
                }
            }
            Some(StateType::Table) => match TableAccessor::table_of(d.table) {
                Some(t) => {
                    let name = t.name().to_string_lossy().into_owned();
                    dump_table(owner, &name, t.as_ref())
                }
                None => json!("<error: table is null>"),
            },
            None => json!(format!("<unsupported type: {ty}>")),
        }
    }
}
