//! The 3.x state tables API at the ABI, called as a plugin calls it (the host's vtables, an
//! owner per plugin), on the `threads` table an inspector filled from a real capture
//! (`../shared/captures/falco/cat_write.scap`): key and field type errors with libsinsp's texts,
//! dynamic fields, subtables, iteration, entries created, added and erased, and a table a
//! plugin owns (the C fixture tables_owner_c) reached by another owner. The same texts are
//! checked against libsinsp itself by test/tables.test.ts (the probe fixture).

mod common;

use std::ffi::{c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::Arc;

use plugin_host::abi::v3::{StateData, TableFieldsVtable, TableReaderVtableExt, TableWriterVtable};
use plugin_host::inspector::Inspector;
use plugin_host::owner::Owner;
use plugin_host::tables::dispatch::INIT_TABLES;
use plugin_host::tables::TableRegistry;
use plugin_host::Plugin;
use scap::reader::Item;
use scap::ScapReader;

const INT64: u32 = 4;
const UINT32: u32 = 7;
const UINT64: u32 = 8;
const STRING: u32 = 9;
const TABLE: u32 = 10;

fn capture() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures/falco/cat_write.scap");
    assert!(p.exists(), "{} is missing", p.display());
    p
}

/// An inspector after the whole capture: its threads and their fds.
fn inspected() -> Inspector {
    let mut reader = ScapReader::open(&capture()).expect("open capture");
    let mut insp = Inspector::new();
    let mut raw = Vec::new();
    while let Some(item) = reader.next_item().expect("read capture") {
        match item {
            Item::Metadata { metadata, .. } => insp.on_metadata(&metadata),
            Item::Event(ev) => {
                raw.clear();
                ev.record.write_v2(&mut raw);
                insp.next(&raw, ev.record.flags).expect("convert");
            }
            _ => {}
        }
    }
    insp.finish_opening();
    insp
}

/// A plugin's view of the tables: its owner and the host's vtables.
struct Api {
    owner: Box<Owner>,
}

impl Api {
    fn new(registry: &Arc<TableRegistry>, name: &str) -> Api {
        Api { owner: Owner::new(&[], registry.clone(), name, 12, None) }
    }
    fn o(&self) -> *mut c_void {
        self.owner.as_ptr()
    }
    fn fields(&self) -> &'static TableFieldsVtable {
        unsafe { &*INIT_TABLES.0.fields_ext }
    }
    fn reader(&self) -> &'static TableReaderVtableExt {
        unsafe { &*INIT_TABLES.0.reader_ext }
    }
    fn writer(&self) -> &'static TableWriterVtable {
        unsafe { &*INIT_TABLES.0.writer_ext }
    }
    fn last_error(&self) -> String {
        let p = unsafe { plugin_host::owner::get_owner_last_error(self.o()) };
        if p.is_null() {
            return String::new();
        }
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
    fn end(&self) {
        self.owner.tables.end_callback();
    }
    fn get_table(&self, name: &str, key: u32) -> *mut c_void {
        let n = CString::new(name).unwrap();
        unsafe { INIT_TABLES.0.get_table.unwrap()(self.o(), n.as_ptr(), key) }
    }
    fn get_field(&self, t: *mut c_void, name: &str, ty: u32) -> *mut c_void {
        let n = CString::new(name).unwrap();
        unsafe { self.fields().get_table_field.unwrap()(t, n.as_ptr(), ty) }
    }
    fn add_field(&self, t: *mut c_void, name: &str, ty: u32) -> *mut c_void {
        let n = CString::new(name).unwrap();
        unsafe { self.fields().add_table_field.unwrap()(t, n.as_ptr(), ty) }
    }
    fn field_names(&self, t: *mut c_void) -> Vec<String> {
        let mut n = 0u32;
        let l = unsafe { self.fields().list_table_fields.unwrap()(t, &mut n) };
        assert!(!l.is_null(), "list_table_fields: {}", self.last_error());
        (0..n as usize).map(|i| unsafe { CStr::from_ptr((*l.add(i)).name) }.to_string_lossy().into_owned()).collect()
    }
    fn size(&self, t: *mut c_void) -> u64 {
        unsafe { self.reader().base.get_table_size.unwrap()(t) }
    }
    fn entry(&self, t: *mut c_void, key: i64) -> *mut c_void {
        let k = StateData { s64: key };
        unsafe { self.reader().base.get_table_entry.unwrap()(t, &k) }
    }
    fn read(&self, t: *mut c_void, e: *mut c_void, f: *mut c_void) -> Option<StateData> {
        let mut out = StateData::ZERO;
        let rc = unsafe { self.reader().base.read_entry_field.unwrap()(t, e, f, &mut out) };
        (rc == 0).then_some(out)
    }
    fn read_str(&self, t: *mut c_void, e: *mut c_void, f: *mut c_void) -> String {
        let v = self.read(t, e, f).unwrap_or_else(|| panic!("read: {}", self.last_error()));
        unsafe { CStr::from_ptr(v.str) }.to_string_lossy().into_owned()
    }
    fn write(&self, t: *mut c_void, e: *mut c_void, f: *mut c_void, v: StateData) -> bool {
        unsafe { self.writer().write_entry_field.unwrap()(t, e, f, &v) == 0 }
    }
    /// Every entry's value of `f` (numbers) in iteration order, or the first `stop` only.
    fn iterate(&self, t: *mut c_void, stop: usize) -> (usize, bool) {
        struct It {
            n: usize,
            stop: usize,
        }
        unsafe extern "C" fn each(s: *mut c_void, _e: *mut c_void) -> u32 {
            let it = unsafe { &mut *(s as *mut It) };
            it.n += 1;
            (it.stop == 0 || it.n < it.stop) as u32
        }
        let mut it = It { n: 0, stop };
        let done = unsafe { self.reader().iterate_entries.unwrap()(t, Some(each), &mut it as *mut It as *mut c_void) };
        (it.n, done != 0)
    }
}

#[test]
fn key_and_field_type_errors_name_what_libsinsp_names() {
    let insp = inspected();
    let api = Api::new(&insp.registry, "type_errors");
    assert!(api.get_table("threads", UINT64).is_null());
    assert_eq!(
        api.last_error(),
        "table in registry accessed with wrong key type: table='threads', requested='uint64', actual='int64'"
    );
    let threads = api.get_table("threads", INT64);
    assert!(!threads.is_null());
    // an unknown table is NULL without a reason of its own
    assert!(api.get_table("nosuch", INT64).is_null());
    assert!(api.get_field(threads, "tid", UINT64).is_null());
    assert_eq!(api.last_error(), "incompatible data types for static field: tid");
    assert!(api.get_field(threads, "comm", UINT32).is_null());
    assert_eq!(api.last_error(), "incompatible data types for static field: comm");
    assert!(api.get_field(threads, "nosuch", UINT64).is_null());
    assert_eq!(api.last_error(), "undefined field 'nosuch' in table 'threads'");
    assert!(api.add_field(threads, "tid", INT64).is_null());
    assert_eq!(api.last_error(), "can't add dynamic field already defined as static: tid");
    assert!(api.add_field(threads, "t.tbl", TABLE).is_null());
    assert_eq!(api.last_error(), "can't add dynamic field of type table: t.tbl");
}

#[test]
fn dynamic_fields_are_shared_typed_and_hold_a_value_per_entry() {
    let insp = inspected();
    let a = Api::new(&insp.registry, "a");
    let b = Api::new(&insp.registry, "b");
    let threads = a.get_table("threads", INT64);
    let tb = b.get_table("threads", INT64);
    let f = a.add_field(threads, "t.count", UINT64);
    assert!(!f.is_null());
    assert_eq!(a.add_field(threads, "t.count", UINT64), f, "adding it again gives the same field");
    assert!(a.add_field(threads, "t.count", STRING).is_null());
    assert_eq!(
        a.last_error(),
        "multiple definitions of dynamic field with different types in struct: t.count, prevtype=uint64, newtype=string"
    );
    assert!(a.get_field(threads, "t.count", STRING).is_null());
    assert_eq!(a.last_error(), "data type for field: t.count, requested type string doesn't match actual type uint64");
    // another plugin sees the field, and the values written through the first
    let fb = b.get_field(tb, "t.count", UINT64);
    assert!(!fb.is_null(), "{}", b.last_error());
    assert!(a.field_names(threads).contains(&"t.count".to_string()));
    let tids: Vec<i64> = insp.threads.entries().iter().map(|t| t.info().tid).take(2).collect();
    let e1 = a.entry(threads, tids[0]);
    let e2 = a.entry(threads, tids[1]);
    assert!(!e1.is_null() && !e2.is_null(), "{}", a.last_error());
    assert_eq!(unsafe { a.read(threads, e1, f).unwrap().u64 }, 0, "a new dynamic field reads as zero");
    assert!(a.write(threads, e1, f, StateData { u64: 41 }));
    assert!(a.write(threads, e2, f, StateData { u64: 7 }));
    a.end();
    let e1b = b.entry(tb, tids[0]);
    let e2b = b.entry(tb, tids[1]);
    assert_eq!(unsafe { b.read(tb, e1b, fb).unwrap().u64 }, 41);
    assert_eq!(unsafe { b.read(tb, e2b, fb).unwrap().u64 }, 7);
    // a string field reads as "" until written, and keeps its text
    let s = a.add_field(threads, "t.note", STRING);
    assert_eq!(a.read_str(threads, e1, s), "");
    let text = CString::new("noted").unwrap();
    assert!(a.write(threads, e1, s, StateData { str: text.as_ptr() }));
    drop(text);
    assert_eq!(a.read_str(threads, e1, s), "noted");
}

#[test]
fn subtables_are_each_threads_fds_args_and_cgroups() {
    let insp = inspected();
    let api = Api::new(&insp.registry, "subtables");
    let threads = api.get_table("threads", INT64);
    let f_fds = api.get_field(threads, "file_descriptors", TABLE);
    let f_args = api.get_field(threads, "args", TABLE);
    let f_comm = api.get_field(threads, "comm", STRING);
    assert!(!f_fds.is_null() && !f_args.is_null() && !f_comm.is_null());
    // a thread with fds and args, as the inspector left it
    let t = insp
        .threads
        .entries()
        .into_iter()
        .find(|t| !t.fd_table.entries().is_empty() && !t.info().args.is_empty())
        .expect("a thread with fds and args");
    let tid = t.info().tid;
    let e = api.entry(threads, tid);
    assert!(!e.is_null(), "{}", api.last_error());
    assert_eq!(api.read_str(threads, e, f_comm).as_bytes(), t.info().comm.as_bytes());
    let fds = unsafe { api.read(threads, e, f_fds).unwrap().table };
    let args = unsafe { api.read(threads, e, f_args).unwrap().table };
    assert_eq!(api.size(fds), t.fd_table.entries().len() as u64);
    assert_eq!(api.size(args), t.info().args.len() as u64);
    let f_name = api.get_field(fds, "name", STRING);
    assert!(!f_name.is_null(), "{}", api.last_error());
    // every fd by its number, named as the inspector has it
    for (fd, info) in t.fd_table.entries() {
        let one = api.entry(fds, fd);
        assert!(!one.is_null(), "fd {fd}: {}", api.last_error());
        assert_eq!(api.read_str(fds, one, f_name).as_bytes(), info.info().name.as_bytes());
    }
    // lists are tables of `value`, and take no dynamic field
    assert_eq!(api.field_names(args), ["value"]);
    assert!(api.add_field(args, "x", UINT64).is_null());
    assert_eq!(api.last_error(), "can't add dynamic fields to stl_container_table_adapter");
    // the fd table takes entries and dynamic fields
    let mark = api.add_field(fds, "t.mark", UINT64);
    assert!(!mark.is_null(), "{}", api.last_error());
    let before = api.size(fds);
    let e = unsafe { api.writer().create_table_entry.unwrap()(fds) };
    assert!(!e.is_null());
    let added = unsafe { api.writer().add_table_entry.unwrap()(fds, &StateData { s64: 777 }, e) };
    assert!(!added.is_null(), "{}", api.last_error());
    assert!(api.write(fds, added, mark, StateData { u64: 3 }));
    assert_eq!(api.size(fds), before + 1);
    assert_eq!(unsafe { api.read(fds, api.entry(fds, 777), mark).unwrap().u64 }, 3);
    assert_eq!(unsafe { api.writer().erase_table_entry.unwrap()(fds, &StateData { s64: 777 }) }, 0);
    assert_eq!(api.size(fds), before);
    assert_ne!(unsafe { api.writer().erase_table_entry.unwrap()(fds, &StateData { s64: 777 }) }, 0);
    assert_eq!(api.last_error(), "table entry not found");
}

#[test]
fn iteration_visits_every_entry_or_stops_when_asked() {
    let insp = inspected();
    let api = Api::new(&insp.registry, "iteration");
    let threads = api.get_table("threads", INT64);
    let size = api.size(threads) as usize;
    assert!(size > 10);
    assert_eq!(api.iterate(threads, 0), (size, true));
    assert_eq!(api.iterate(threads, 3), (3, false));
    assert!(api.entry(threads, -12345).is_null());
    assert_eq!(api.last_error(), "get_entry found no element at given key");
}

#[test]
fn threads_added_and_erased_through_the_api() {
    let insp = inspected();
    let api = Api::new(&insp.registry, "entries");
    let threads = api.get_table("threads", INT64);
    let (f_tid, f_pid, f_comm) = (api.get_field(threads, "tid", INT64), api.get_field(threads, "pid", INT64), api.get_field(threads, "comm", STRING));
    let size = api.size(threads);
    let e = unsafe { api.writer().create_table_entry.unwrap()(threads) };
    let comm = CString::new("made").unwrap();
    assert!(api.write(threads, e, f_comm, StateData { str: comm.as_ptr() }));
    assert!(api.write(threads, e, f_pid, StateData { s64: 4242 }));
    let added = unsafe { api.writer().add_table_entry.unwrap()(threads, &StateData { s64: 4242424 }, e) };
    assert!(!added.is_null(), "{}", api.last_error());
    assert_eq!(api.size(threads), size + 1);
    let got = api.entry(threads, 4242424);
    assert_eq!(api.read_str(threads, got, f_comm), "made");
    assert_eq!(unsafe { api.read(threads, got, f_pid).unwrap().s64 }, 4242);
    // the key becomes the thread's tid
    assert_eq!(unsafe { api.read(threads, got, f_tid).unwrap().s64 }, 4242424);
    assert_eq!(unsafe { api.writer().erase_table_entry.unwrap()(threads, &StateData { s64: 4242424 }) }, 0);
    assert_eq!(api.size(threads), size);
}

#[test]
fn a_table_a_plugin_owns_is_reached_by_another_plugin_through_the_host() {
    let insp = inspected();
    let owner = Plugin::load(common::fixture("libtables_owner_c.so")).expect("load tables_owner_c");
    let state = owner.init_in("", &insp.registry).expect("init tables_owner_c");
    let mut names = insp.registry.names();
    names.sort();
    assert_eq!(names, ["owner_c_files", "threads"]);
    let api = Api::new(&insp.registry, "other");
    assert!(api.get_table("owner_c_files", UINT64).is_null());
    let files = api.get_table("owner_c_files", INT64);
    assert!(!files.is_null(), "{}", api.last_error());
    assert_eq!(api.field_names(files), ["count", "comm"]);
    let count = api.get_field(files, "count", UINT64);
    let comm = api.get_field(files, "comm", STRING);
    assert!(!count.is_null() && !comm.is_null());
    // the owner's own error text comes back through the host
    assert!(api.get_field(files, "count", STRING).is_null());
    assert_eq!(api.last_error(), "field count of table owner_c_files has another type");
    assert_eq!(api.size(files), 0);
    let e = unsafe { api.writer().create_table_entry.unwrap()(files) };
    let added = unsafe { api.writer().add_table_entry.unwrap()(files, &StateData { s64: 5 }, e) };
    assert!(!added.is_null(), "{}", api.last_error());
    assert!(api.write(files, added, count, StateData { u64: 9 }));
    let text = CString::new("five").unwrap();
    assert!(api.write(files, added, comm, StateData { str: text.as_ptr() }));
    assert_eq!(api.size(files), 1);
    assert_eq!(api.iterate(files, 0), (1, true));
    let got = api.entry(files, 5);
    assert_eq!(unsafe { api.read(files, got, count).unwrap().u64 }, 9);
    assert_eq!(api.read_str(files, got, comm), "five");
    assert_eq!(unsafe { api.writer().erase_table_entry.unwrap()(files, &StateData { s64: 5 }) }, 0);
    assert_eq!(api.size(files), 0);
    state.destroy();
}
