//! The C ABI of every plugin-API generation: return codes, field types, and the structs passed
//! across the boundary. Our own `#[repr(C)]` definitions, written from
//! `shared/reference/plugin-api.md` and checked at compile time against the sizes and offsets
//! measured on x86_64 (LP64). Bools the plugin writes are read as integers (a C `bool` holding
//! 7 must not become undefined behaviour here).

pub mod fns;
pub mod legacy;
pub mod v3;

/// Return codes from 0.1.0 on (`enum ss_plugin_rc`, 4 bytes).
pub mod rc {
    pub const SUCCESS: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const TIMEOUT: i32 = -1;
    pub const EOF: i32 = 2;
    pub const NOT_SUPPORTED: i32 = 3;
}

/// Return codes of the seed era: `#define`s equal to libscap's `SCAP_*` (EOF is 6).
pub mod seed_rc {
    pub const SUCCESS: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const TIMEOUT: i32 = -1;
    pub const ILLEGAL_INPUT: i32 = 3;
    pub const NOTFOUND: i32 = 4;
    pub const INPUT_TOO_SMALL: i32 = 5;
    pub const EOF: i32 = 6;
    pub const UNEXPECTED_BLOCK: i32 = 7;
    pub const VERSION_MISMATCH: i32 = 8;
    pub const NOT_SUPPORTED: i32 = 9;
}

/// `ss_plugin_field_type` codes (equal to libsinsp's PT_* codes).
pub mod ftype {
    pub const UINT64: u32 = 8;
    pub const STRING: u32 = 9;
    pub const RELTIME: u32 = 20;
    pub const ABSTIME: u32 = 21;
    pub const BOOL: u32 = 25;
    pub const IPADDR: u32 = 40;
    pub const IPNET: u32 = 41;
}

/// `ss_plugin_schema_type`.
pub mod schema_type {
    pub const NONE: u32 = 0;
    pub const JSON: u32 = 1;
}

/// `plugin_get_type` values of the 0.x and seed generations.
pub mod plugin_type {
    pub const SOURCE: u32 = 1;
    pub const EXTRACTOR: u32 = 2;
}

/// libscap event codes the host needs.
pub mod event_code {
    pub const PLUGINEVENT_E: u16 = 322;
    pub const ASYNCEVENT_E: u16 = 402;
}

/// `PLUGIN_MAX_ERRLEN` (3.x): size of the error buffer handed to async handlers.
pub const PLUGIN_MAX_ERRLEN: usize = 1024;
