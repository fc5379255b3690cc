//! Structs of API 3.x (3.0 … 3.12). Later minors append members; the host always allocates the
//! largest layout and fills only the members the plugin's minor knows (the rest stay zero), so
//! a plugin never reads a member its framework would not have passed.

use std::ffi::{c_char, c_void};
use std::mem::{offset_of, size_of};

/// `ss_plugin_event`: the packed 26-byte libscap event header (`ppm_evt_hdr`).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug)]
pub struct EventHeader {
    pub ts: u64,
    pub tid: u64,
    pub len: u32,
    pub event_type: u16,
    pub nparams: u32,
}

/// `ss_plugin_event_input`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EventInput {
    pub evt: *const EventHeader,
    pub evtnum: u64,
    pub evtsrc: *const c_char,
}

/// `ss_plugin_byte_buffer` (ipaddr / ipnet values).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ByteBuffer {
    pub len: u32,
    pub ptr: *const c_void,
}

/// `ss_plugin_extract_field` (64 bytes, 4-byte `ss_plugin_bool`s).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldV3 {
    /// `union { const char** str; uint64_t* u64; uint32_t* u32; ss_plugin_bool* boolean;
    /// ss_plugin_byte_buffer* buf; }`: an array of `res_len` values.
    pub res: *const c_void,
    pub res_len: u64,
    pub field_id: u32,
    pub field: *const c_char,
    pub arg_key: *const c_char,
    pub arg_index: u64,
    pub arg_present: u32,
    pub ftype: u32,
    pub flist: u32,
}

/// `ss_plugin_extract_value_offsets` (3.11): plugin-owned arrays, one entry per field.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ValueOffsets {
    pub start: *const u32,
    pub length: *const u32,
}

impl ValueOffsets {
    /// No arrays: what the host hands in, for the plugin to fill.
    pub const NONE: ValueOffsets = ValueOffsets {
        start: std::ptr::null(),
        length: std::ptr::null(),
    };
}

pub type Owner = c_void;
pub type GetOwnerLastErrorFn = unsafe extern "C" fn(*mut Owner) -> *const c_char;
/// `ss_plugin_log_fn_t` (3.3).
pub type LogFn = unsafe extern "C" fn(*mut Owner, *const c_char, *const c_char, u32);
/// `ss_plugin_async_event_handler_t`.
pub type AsyncHandlerFn = unsafe extern "C" fn(*mut Owner, *const EventHeader, *mut c_char) -> i32;

/// `ss_plugin_state_data`: one value of a table field or key (8 bytes; strings are borrowed
/// pointers, booleans 4-byte `ss_plugin_bool`s).
#[repr(C)]
#[derive(Clone, Copy)]
pub union StateData {
    pub s8: i8,
    pub s16: i16,
    pub s32: i32,
    pub s64: i64,
    pub u8: u8,
    pub u16: u16,
    pub u32: u32,
    pub u64: u64,
    pub str: *const c_char,
    pub b: u32,
    pub table: *mut c_void,
}

impl StateData {
    pub const ZERO: StateData = StateData { u64: 0 };
}

/// `ss_plugin_table_info`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableInfo {
    pub name: *const c_char,
    pub key_type: u32,
}

/// `ss_plugin_table_fieldinfo`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableFieldInfo {
    pub name: *const c_char,
    pub field_type: u32,
    pub read_only: u32,
}

/// `ss_plugin_table_iterator_func_t`.
pub type IteratorFn = unsafe extern "C" fn(*mut c_void, *mut c_void) -> u32;

/// `ss_plugin_table_fields_vtable` (and `_ext`, same members). Members are `Option`s: a table
/// a plugin defines may leave some NULL, which the owner must detect.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableFieldsVtable {
    pub list_table_fields: Option<unsafe extern "C" fn(*mut c_void, *mut u32) -> *const TableFieldInfo>,
    pub get_table_field: Option<unsafe extern "C" fn(*mut c_void, *const c_char, u32) -> *mut c_void>,
    pub add_table_field: Option<unsafe extern "C" fn(*mut c_void, *const c_char, u32) -> *mut c_void>,
}

/// `ss_plugin_table_reader_vtable` (deprecated, inline in several inputs).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableReaderVtable {
    pub get_table_name: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    pub get_table_size: Option<unsafe extern "C" fn(*mut c_void) -> u64>,
    pub get_table_entry: Option<unsafe extern "C" fn(*mut c_void, *const StateData) -> *mut c_void>,
    pub read_entry_field: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, *const c_void, *mut StateData) -> i32>,
}

/// `ss_plugin_table_reader_vtable_ext` (3.1).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableReaderVtableExt {
    pub base: TableReaderVtable,
    pub release_table_entry: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    pub iterate_entries: Option<unsafe extern "C" fn(*mut c_void, Option<IteratorFn>, *mut c_void) -> u32>,
}

/// `ss_plugin_table_writer_vtable` (and `_ext`, same members).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableWriterVtable {
    pub clear_table: Option<unsafe extern "C" fn(*mut c_void) -> i32>,
    pub erase_table_entry: Option<unsafe extern "C" fn(*mut c_void, *const StateData) -> i32>,
    pub create_table_entry: Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>,
    pub destroy_table_entry: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    pub add_table_entry: Option<unsafe extern "C" fn(*mut c_void, *const StateData, *mut c_void) -> *mut c_void>,
    pub write_entry_field: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, *const c_void, *const StateData) -> i32>,
}

/// `ss_plugin_table_input`: a table a plugin defines (`add_table`), and what the owner hands
/// out for every table (`ss_plugin_table_t*` points at one of these).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableInput {
    pub name: *const c_char,
    pub key_type: u32,
    pub table: *mut c_void,
    pub reader: TableReaderVtable,
    pub writer: TableWriterVtable,
    pub fields: TableFieldsVtable,
    pub reader_ext: *mut TableReaderVtableExt,
    pub writer_ext: *mut TableWriterVtable,
    pub fields_ext: *mut TableFieldsVtable,
}

/// `ss_plugin_init_tables_input`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct InitTablesInput {
    pub list_tables: Option<unsafe extern "C" fn(*mut Owner, *mut u32) -> *mut TableInfo>,
    pub get_table: Option<unsafe extern "C" fn(*mut Owner, *const c_char, u32) -> *mut c_void>,
    pub add_table: Option<unsafe extern "C" fn(*mut Owner, *const TableInput) -> i32>,
    pub fields: TableFieldsVtable,
    pub fields_ext: *const TableFieldsVtable,
    pub reader_ext: *const TableReaderVtableExt,
    pub writer_ext: *const TableWriterVtable,
}

/// `ss_plugin_routine_fn_t`.
pub type RoutineFn = unsafe extern "C" fn(*mut c_void, *mut c_void) -> u32;

/// `ss_plugin_routine_vtable` (3.7).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RoutineVtable {
    pub subscribe: Option<unsafe extern "C" fn(*mut Owner, Option<RoutineFn>, *mut c_void) -> *mut c_void>,
    pub unsubscribe: Option<unsafe extern "C" fn(*mut Owner, *mut c_void) -> i32>,
}

/// `ss_plugin_capture_listen_input` (3.7; `get_owner_last_error` from 3.9).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CaptureListenInput {
    pub owner: *mut Owner,
    pub routine: *const RoutineVtable,
    pub table_reader_ext: *const TableReaderVtableExt,
    pub table_writer_ext: *const TableWriterVtable,
    pub get_owner_last_error: Option<GetOwnerLastErrorFn>,
}

/// `ss_plugin_init_input`: 32 bytes in 3.0–3.2, 40 from 3.3 (`log_fn`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct InitInput {
    pub config: *const c_char,
    pub owner: *mut Owner,
    pub get_owner_last_error: Option<GetOwnerLastErrorFn>,
    pub tables: *const InitTablesInput,
    pub log_fn: Option<LogFn>,
}

/// `ss_plugin_field_extract_input`: 64 bytes in 3.0, 72 from 3.1 (`table_reader_ext`), 80 from
/// 3.11 (`value_offsets`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FieldExtractInput {
    pub owner: *mut Owner,
    pub get_owner_last_error: Option<GetOwnerLastErrorFn>,
    pub num_fields: u32,
    pub fields: *mut FieldV3,
    pub table_reader: TableReaderVtable,
    pub table_reader_ext: *const TableReaderVtableExt,
    pub value_offsets: *mut ValueOffsets,
}

/// `ss_plugin_event_parse_input`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EventParseInput {
    pub owner: *mut Owner,
    pub get_owner_last_error: Option<GetOwnerLastErrorFn>,
    pub table_reader: TableReaderVtable,
    pub table_writer: TableWriterVtable,
    pub table_reader_ext: *const TableReaderVtableExt,
    pub table_writer_ext: *const TableWriterVtable,
}

/// `ss_plugin_set_config_input` (3.4).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SetConfigInput {
    pub config: *const c_char,
}

/// `ss_plugin_metric` (3.6). `value` is the 8-byte `ss_plugin_metric_value` union, read
/// according to `value_type`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Metric {
    pub name: *const c_char,
    pub metric_type: u32,
    pub value: u64,
    pub value_type: u32,
}

pub mod metric_value_type {
    pub const U32: u32 = 0;
    pub const S32: u32 = 1;
    pub const U64: u32 = 2;
    pub const S64: u32 = 3;
    pub const D: u32 = 4;
    pub const F: u32 = 5;
    pub const I: u32 = 6;
}

/// `ss_plugin_log_severity`.
pub mod log_severity {
    pub const FATAL: u32 = 1;
    pub const TRACE: u32 = 8;
}

const _: () = {
    assert!(size_of::<EventHeader>() == 26);
    assert!(offset_of!(EventHeader, tid) == 8);
    assert!(offset_of!(EventHeader, len) == 16);
    assert!(offset_of!(EventHeader, event_type) == 20);
    assert!(offset_of!(EventHeader, nparams) == 22);

    assert!(size_of::<EventInput>() == 24);
    assert!(offset_of!(EventInput, evtnum) == 8);
    assert!(offset_of!(EventInput, evtsrc) == 16);

    assert!(size_of::<ByteBuffer>() == 16);
    assert!(offset_of!(ByteBuffer, ptr) == 8);

    assert!(size_of::<FieldV3>() == 64);
    assert!(offset_of!(FieldV3, res_len) == 8);
    assert!(offset_of!(FieldV3, field_id) == 16);
    assert!(offset_of!(FieldV3, field) == 24);
    assert!(offset_of!(FieldV3, arg_key) == 32);
    assert!(offset_of!(FieldV3, arg_index) == 40);
    assert!(offset_of!(FieldV3, arg_present) == 48);
    assert!(offset_of!(FieldV3, ftype) == 52);
    assert!(offset_of!(FieldV3, flist) == 56);

    assert!(size_of::<ValueOffsets>() == 16);

    assert!(size_of::<StateData>() == 8);
    assert!(size_of::<TableInfo>() == 16);
    assert!(size_of::<TableFieldInfo>() == 16);
    assert!(size_of::<TableInput>() == 152);
    assert!(offset_of!(TableInput, table) == 16);
    assert!(offset_of!(TableInput, reader) == 24);
    assert!(offset_of!(TableInput, writer) == 56);
    assert!(offset_of!(TableInput, fields) == 104);
    assert!(offset_of!(TableInput, reader_ext) == 128);
    assert!(size_of::<RoutineVtable>() == 16);
    assert!(size_of::<CaptureListenInput>() == 40);
    assert!(size_of::<TableFieldsVtable>() == 24);
    assert!(size_of::<TableReaderVtable>() == 32);
    assert!(size_of::<TableReaderVtableExt>() == 48);
    assert!(size_of::<TableWriterVtable>() == 48);
    assert!(size_of::<InitTablesInput>() == 72);
    assert!(offset_of!(InitTablesInput, fields) == 24);
    assert!(offset_of!(InitTablesInput, fields_ext) == 48);
    assert!(offset_of!(InitTablesInput, reader_ext) == 56);
    assert!(offset_of!(InitTablesInput, writer_ext) == 64);

    assert!(size_of::<InitInput>() == 40);
    assert!(offset_of!(InitInput, owner) == 8);
    assert!(offset_of!(InitInput, get_owner_last_error) == 16);
    assert!(offset_of!(InitInput, tables) == 24);
    assert!(offset_of!(InitInput, log_fn) == 32);

    assert!(size_of::<FieldExtractInput>() == 80);
    assert!(offset_of!(FieldExtractInput, num_fields) == 16);
    assert!(offset_of!(FieldExtractInput, fields) == 24);
    assert!(offset_of!(FieldExtractInput, table_reader) == 32);
    assert!(offset_of!(FieldExtractInput, table_reader_ext) == 64);
    assert!(offset_of!(FieldExtractInput, value_offsets) == 72);

    assert!(size_of::<EventParseInput>() == 112);
    assert!(offset_of!(EventParseInput, table_reader) == 16);
    assert!(offset_of!(EventParseInput, table_writer) == 48);
    assert!(offset_of!(EventParseInput, table_reader_ext) == 96);
    assert!(offset_of!(EventParseInput, table_writer_ext) == 104);

    assert!(size_of::<Metric>() == 32);
    assert!(offset_of!(Metric, metric_type) == 8);
    assert!(offset_of!(Metric, value) == 16);
    assert!(offset_of!(Metric, value_type) == 24);
};
