//! The tables of one inspector (libsinsp's `table_registry`): the host's `threads` table and
//! the tables plugins define. Every plugin of a run shares one registry; a plugin initialised
//! alone gets a fresh one holding an empty `threads` table, as a fresh libsinsp inspector has.

use std::sync::{Arc, Mutex};

use super::state_type::type_name;
use super::std_order::StdHashMap;
use super::table::StateTable;
use crate::abi::v3::TableInfo;

#[derive(Default)]
pub struct TableRegistry {
    tables: Mutex<StdHashMap<String, Arc<dyn StateTable>>>,
}

impl TableRegistry {
    pub fn new() -> TableRegistry {
        TableRegistry::default()
    }

    /// `add_table`: refused when the name is taken.
    pub fn add(&self, table: Arc<dyn StateTable>) -> Result<(), String> {
        let name = table.name().to_string_lossy().into_owned();
        let mut tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        if tables.contains_key(&name) {
            return Err(format!("table added to registry multiple times: {name}"));
        }
        tables.insert(name, table);
        Ok(())
    }

    /// `get_table<KeyType>`: `Ok(None)` when no table has the name, an error when the key type
    /// differs.
    pub fn get(&self, name: &str, key_type: u32) -> Result<Option<Arc<dyn StateTable>>, String> {
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        match tables.get(&name.to_string()) {
            None => Ok(None),
            Some(t) if t.key_type() != key_type => Err(format!(
                "table in registry accessed with wrong key type: table='{name}', requested='{}', actual='{}'",
                type_name(key_type)?,
                type_name(t.key_type())?
            )),
            Some(t) => Ok(Some(t.clone())),
        }
    }

    /// A table by name, whatever its key type (host code).
    pub fn find(&self, name: &str) -> Option<Arc<dyn StateTable>> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner()).get(&name.to_string()).cloned()
    }

    /// `list_tables`, in map order. Names point into the tables, which live as long as the
    /// registry.
    pub fn infos(&self) -> Vec<TableInfo> {
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner());
        tables.values().map(|t| TableInfo { name: t.name().as_ptr(), key_type: t.key_type() }).collect()
    }

    /// Names in map order.
    pub fn names(&self) -> Vec<String> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect()
    }
}
