//! The `args`, `env` and `cgroups` subtables of a thread (libsinsp's
//! `stl_container_table_adapter`): a list shown as a table keyed by index (uint64), whose
//! entries have one field `value` (a string), or `first` and `second` for the cgroups'
//! (subsystem, path) pairs. No dynamic fields.

use std::any::Any;
use std::ffi::{c_void, CStr, CString};
use std::sync::{Arc, LazyLock, Weak};

use super::thread_info::ThreadEntry;
use crate::abi::v3::{StateData, TableFieldInfo};
use crate::tables::owner::EntryArc;
use crate::tables::table::{fail, StateTable, TableResult};
use crate::tables::text::CText;
use crate::tables::{FieldCache, FieldDef, Slot, StateType, TableOwner};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Args,
    Env,
    Cgroups,
}

pub struct ListTable {
    thread: Weak<ThreadEntry>,
    kind: ListKind,
    cache: FieldCache,
}

/// An entry: one element of the list, by position. A created entry has no position until it
/// is added.
pub struct ListItem {
    index: Option<usize>,
}

fn def(name: &str, slot: usize) -> FieldDef {
    FieldDef { name: CString::new(name).expect("no NUL"), ty: StateType::Str.raw(), read_only: false, slot: Slot::Static(slot) }
}

static VALUE: LazyLock<FieldDef> = LazyLock::new(|| def("value", 0));
static FIRST: LazyLock<FieldDef> = LazyLock::new(|| def("first", 0));
static SECOND: LazyLock<FieldDef> = LazyLock::new(|| def("second", 1));

impl ListTable {
    pub(crate) fn new(thread: Weak<ThreadEntry>, kind: ListKind) -> Arc<ListTable> {
        Arc::new(ListTable { thread, kind, cache: FieldCache::default() })
    }

    fn thread(&self) -> TableResult<Arc<ThreadEntry>> {
        self.thread.upgrade().ok_or_else(|| Some("the thread of this table is gone".to_string()))
    }

    fn len(&self) -> TableResult<usize> {
        let t = self.thread()?;
        let info = t.info();
        Ok(match self.kind {
            ListKind::Args => info.args.len(),
            ListKind::Env => info.env.len(),
            ListKind::Cgroups => info.cgroups.len(),
        })
    }

    fn item<'a>(e: *mut c_void) -> TableResult<&'a ListItem> {
        if e.is_null() {
            return fail("null table entry");
        }
        // SAFETY: entries of these tables are `ListItem`s kept alive by the owner.
        Ok(unsafe { &*(e as *const ListItem) })
    }

    fn fields(&self) -> Vec<&'static FieldDef> {
        match self.kind {
            ListKind::Cgroups => vec![&*FIRST, &*SECOND],
            _ => vec![&*VALUE],
        }
    }
}

fn key_u64(key: &StateData) -> u64 {
    // SAFETY: the key type of these tables is uint64.
    unsafe { key.u64 }
}

impl StateTable for ListTable {
    fn name(&self) -> &CStr {
        match self.kind {
            ListKind::Args => c"args",
            ListKind::Env => c"env",
            ListKind::Cgroups => c"cgroups",
        }
    }

    fn key_type(&self) -> u32 {
        StateType::U64.raw()
    }

    fn list_fields(&self, _o: &TableOwner) -> TableResult<(*const TableFieldInfo, u32)> {
        let list = self
            .fields()
            .into_iter()
            .map(|d| TableFieldInfo { name: d.name.as_ptr(), field_type: d.ty, read_only: 0 })
            .collect();
        Ok(self.cache.store_list(list))
    }

    fn get_field(&self, _o: &TableOwner, name: &CStr, ty: u32) -> TableResult<*mut c_void> {
        let n = name.to_string_lossy();
        let fields = self.fields();
        self.cache
            .get(&n, ty, || {
                let d = fields
                    .into_iter()
                    .find(|d| d.name.as_bytes() == name.to_bytes())
                    .ok_or_else(|| format!("field {n} not found"))?;
                if d.ty != ty {
                    return Err(format!("incompatible type for value_table_entry_adapter field: {n}"));
                }
                Ok(d)
            })
            .map_err(Some)
    }

    fn add_field(&self, _o: &TableOwner, _name: &CStr, _ty: u32) -> TableResult<*mut c_void> {
        fail("can't add dynamic fields to stl_container_table_adapter")
    }

    fn size(&self, _o: &TableOwner) -> u64 {
        self.len().unwrap_or(0) as u64
    }

    fn get_entry(&self, o: &TableOwner, key: &StateData) -> TableResult<*mut c_void> {
        let k = key_u64(key);
        if k >= self.len()? as u64 {
            return fail("get_entry found no element at given key");
        }
        Ok(o.store_accessed(Arc::new(ListItem { index: Some(k as usize) }) as EntryArc))
    }

    fn release_entry(&self, o: &TableOwner, e: *mut c_void) {
        o.release_accessed(e);
    }

    fn iterate(&self, _o: &TableOwner, f: &mut dyn FnMut(*mut c_void) -> bool) -> TableResult<bool> {
        // libsinsp reuses one wrapper for every element
        let mut item = ListItem { index: None };
        for i in 0..self.len()? {
            item.index = Some(i);
            if !f(&mut item as *mut ListItem as *mut c_void) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn clear(&self, _o: &TableOwner) -> TableResult<()> {
        let t = self.thread()?;
        let mut info = t.info();
        match self.kind {
            ListKind::Args => info.args.clear(),
            ListKind::Env => info.env.clear(),
            ListKind::Cgroups => info.cgroups.clear(),
        }
        Ok(())
    }

    fn erase(&self, o: &TableOwner, key: &StateData) -> TableResult<()> {
        let k = key_u64(key) as usize;
        let t = self.thread()?;
        let mut info = t.info();
        let removed = match self.kind {
            ListKind::Args if k < info.args.len() => Some(info.args.remove(k)).is_some(),
            ListKind::Env if k < info.env.len() => Some(info.env.remove(k)).is_some(),
            ListKind::Cgroups if k < info.cgroups.len() => Some(info.cgroups.remove(k)).is_some(),
            _ => false,
        };
        if removed {
            return Ok(());
        }
        o.set_error("table entry not found");
        Err(None)
    }

    fn create_entry(&self, o: &TableOwner) -> TableResult<*mut c_void> {
        Ok(o.add_created(Arc::new(ListItem { index: None }) as EntryArc))
    }

    fn destroy_entry(&self, o: &TableOwner, e: *mut c_void) -> TableResult<()> {
        match o.extract_created(e) {
            Some(_) => Ok(()),
            None => fail("destroy_table_entry called on entry not created by create_table_entry"),
        }
    }

    fn add_entry(&self, o: &TableOwner, key: &StateData, e: *mut c_void) -> TableResult<*mut c_void> {
        let name = self.name().to_string_lossy().into_owned();
        let Some(created) = o.extract_created(e) else {
            return fail("add_entry called on entry not created by create_table_entry");
        };
        if (created as Arc<dyn Any + Send + Sync>).downcast::<ListItem>().is_err() {
            return fail(format!("entry with mismatching type added to table: {name}"));
        }
        let k = key_u64(key) as usize;
        let t = self.thread()?;
        {
            let mut info = t.info();
            match self.kind {
                ListKind::Args => info.args.resize(k + 1, CText::default()),
                ListKind::Env => info.env.resize(k + 1, CText::default()),
                ListKind::Cgroups => info.cgroups.resize(k + 1, (CText::default(), CText::default())),
            }
        }
        Ok(o.store_accessed(Arc::new(ListItem { index: Some(k) }) as EntryArc))
    }

    fn read(&self, _o: &TableOwner, e: *mut c_void, f: *const c_void, out: &mut StateData) -> TableResult<()> {
        let Some(i) = Self::item(e)?.index else { return fail("entry with no value") };
        // SAFETY: field handles of these tables are the static definitions above.
        let def: &FieldDef = unsafe { FieldDef::from_handle(f) };
        let t = self.thread()?;
        let info = t.info();
        let text = match (self.kind, def.slot) {
            (ListKind::Args, _) => info.args.get(i),
            (ListKind::Env, _) => info.env.get(i),
            (ListKind::Cgroups, Slot::Static(0)) => info.cgroups.get(i).map(|p| &p.0),
            (ListKind::Cgroups, _) => info.cgroups.get(i).map(|p| &p.1),
        };
        match text {
            Some(t) => out.str = t.as_ptr(),
            None => return fail("get_entry found no element at given key"),
        }
        Ok(())
    }

    fn write(&self, _o: &TableOwner, e: *mut c_void, f: *const c_void, input: &StateData) -> TableResult<()> {
        let Some(i) = Self::item(e)?.index else { return fail("entry with no value") };
        // SAFETY: as in `read`.
        let def: &FieldDef = unsafe { FieldDef::from_handle(f) };
        let t = self.thread()?;
        let mut info = t.info();
        let text = match (self.kind, def.slot) {
            (ListKind::Args, _) => info.args.get_mut(i),
            (ListKind::Env, _) => info.env.get_mut(i),
            (ListKind::Cgroups, Slot::Static(0)) => info.cgroups.get_mut(i).map(|p| &mut p.0),
            (ListKind::Cgroups, _) => info.cgroups.get_mut(i).map(|p| &mut p.1),
        };
        match text {
            // SAFETY: the plugin's string, NUL-terminated per the API.
            Some(t) => unsafe { t.set_c(input.str) },
            None => return fail("get_entry found no element at given key"),
        }
        Ok(())
    }
}
