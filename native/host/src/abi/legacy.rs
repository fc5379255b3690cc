//! Structs of the generations before 3.0: the 32-byte `{evtnum, data, datalen, ts}` event and
//! the three shapes of `ss_plugin_extract_field`.

use std::ffi::c_char;
use std::mem::{offset_of, size_of};

/// `ss_plugin_event` of the seed era through 2.0.0 (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EventV0 {
    pub evtnum: u64,
    pub data: *const u8,
    pub datalen: u32,
    /// ns since the epoch; `u64::MAX` asks the framework to stamp "now".
    pub ts: u64,
}

impl EventV0 {
    /// Event `evtnum` with `payload` (a plugin event's data) and `ts`; the pointer is valid as
    /// long as `payload` is.
    pub fn new(evtnum: u64, payload: &[u8], ts: u64) -> EventV0 {
        EventV0 {
            evtnum,
            data: payload.as_ptr(),
            datalen: payload.len() as u32,
            ts,
        }
    }
}

/// `ss_plugin_extract_field` of the seed era and 0.1.0 (40 bytes): looked up by name only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldSeed {
    pub field: *const c_char,
    pub arg: *const c_char,
    pub ftype: u32,
    /// C `bool`, written by the plugin.
    pub field_present: u8,
    /// Allocated by the plugin, released by the host (free / plugin_free_mem).
    pub res_str: *mut c_char,
    pub res_u64: u64,
}

/// `ss_plugin_extract_field` of 0.2.0 and 0.3.0 (48 bytes): `field_id` first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldV0 {
    pub field_id: u32,
    pub field: *const c_char,
    pub arg: *const c_char,
    pub ftype: u32,
    pub field_present: u8,
    pub res_str: *const c_char,
    pub res_u64: u64,
}

/// `ss_plugin_extract_field` of 1.0.0 and 2.0.0 (64 bytes, 1-byte bools).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldV1 {
    /// `union { const char** str; uint64_t* u64; }`: an array of `res_len` values.
    pub res: *const std::ffi::c_void,
    pub res_len: u64,
    pub field_id: u32,
    pub field: *const c_char,
    pub arg_key: *const c_char,
    pub arg_index: u64,
    pub arg_present: u8,
    pub ftype: u32,
    pub flist: u8,
}

const _: () = {
    assert!(size_of::<EventV0>() == 32);
    assert!(offset_of!(EventV0, data) == 8);
    assert!(offset_of!(EventV0, datalen) == 16);
    assert!(offset_of!(EventV0, ts) == 24);

    assert!(size_of::<FieldSeed>() == 40);
    assert!(offset_of!(FieldSeed, arg) == 8);
    assert!(offset_of!(FieldSeed, ftype) == 16);
    assert!(offset_of!(FieldSeed, field_present) == 20);
    assert!(offset_of!(FieldSeed, res_str) == 24);
    assert!(offset_of!(FieldSeed, res_u64) == 32);

    assert!(size_of::<FieldV0>() == 48);
    assert!(offset_of!(FieldV0, field) == 8);
    assert!(offset_of!(FieldV0, arg) == 16);
    assert!(offset_of!(FieldV0, ftype) == 24);
    assert!(offset_of!(FieldV0, field_present) == 28);
    assert!(offset_of!(FieldV0, res_str) == 32);
    assert!(offset_of!(FieldV0, res_u64) == 40);

    assert!(size_of::<FieldV1>() == 64);
    assert!(offset_of!(FieldV1, res_len) == 8);
    assert!(offset_of!(FieldV1, field_id) == 16);
    assert!(offset_of!(FieldV1, field) == 24);
    assert!(offset_of!(FieldV1, arg_key) == 32);
    assert!(offset_of!(FieldV1, arg_index) == 40);
    assert!(offset_of!(FieldV1, arg_present) == 48);
    assert!(offset_of!(FieldV1, ftype) == 52);
    assert!(offset_of!(FieldV1, flist) == 56);
};
