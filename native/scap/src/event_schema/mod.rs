//! Current libscap's event schema (falcosecurity/libs 48dfd53, the oracle's source): every
//! event type's name, category, flags and parameters (name, type, print format, flag names),
//! and the savefile converter's rules. `table.rs` is generated from the built library by
//! `tools/gen_event_schema.sh`.
//!
//! [`crate::event_types`] keeps the 2022 table that Debian's sysdig reads captures with; this
//! one is what current libsinsp parses them with.

#[rustfmt::skip]
mod table;

/// One parameter of an event type (`ppm_param_info`).
#[derive(Debug)]
pub struct ParamSchema {
    pub name: &'static str,
    /// `ppm_param_type` (see [`pt`]).
    pub ty: u32,
    /// `ppm_print_format`.
    pub fmt: u32,
    /// Flag-name table of flags and mode parameters ([`flag_names`]), -1 for none.
    pub flags: i32,
    /// `PT_FSRELPATH`: the index of the dirfd parameter it is relative to, -1 otherwise.
    pub dirfd: i64,
    /// `PT_DYN`: the table of possible parameter shapes ([`dyn_params`]), -1 otherwise.
    pub dyn_table: i32,
}

/// One event type (`ppm_event_info`).
#[derive(Debug)]
pub struct EventSchema {
    pub name: &'static str,
    /// `ppm_event_category` bits (see [`ec`]).
    pub category: u32,
    /// `ppm_event_flags` bits (see [`ef`]).
    pub flags: u32,
    pub params: &'static [ParamSchema],
}

/// A flag or enum value's name (`ppm_name_value`).
#[derive(Debug)]
pub struct FlagName {
    pub name: &'static str,
    pub value: u32,
}

/// What the converter does with an event of a (type, parameter count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvAction {
    Pass,
    Store,
    StoreAndPass,
    AddParams,
    ChangeType,
    Unknown,
}

/// One instruction of a conversion: (source parameter index, fall back to an empty parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvInstr {
    FromOld(u8, bool),
    FromEnter(u8, bool),
    FromDefault(u8, bool),
    FromEmpty(u8, bool),
    /// The old container event's four parameters rendered as the JSON the new one carries.
    ContainerJson(u8, bool),
    UnknownCallback(u8, bool),
    None(u8, bool),
}

/// A conversion rule, keyed by (event type, parameter count).
#[derive(Debug)]
pub struct ConvRule {
    pub event_type: u16,
    pub nparams: u8,
    pub action: ConvAction,
    pub desired_type: u16,
    pub instrs: &'static [ConvInstr],
}

/// `ppm_param_type` codes.
pub mod pt {
    pub const NONE: u32 = 0;
    pub const INT8: u32 = 1;
    pub const INT16: u32 = 2;
    pub const INT32: u32 = 3;
    pub const INT64: u32 = 4;
    pub const UINT8: u32 = 5;
    pub const UINT16: u32 = 6;
    pub const UINT32: u32 = 7;
    pub const UINT64: u32 = 8;
    pub const CHARBUF: u32 = 9;
    pub const BYTEBUF: u32 = 10;
    pub const ERRNO: u32 = 11;
    pub const SOCKADDR: u32 = 12;
    pub const SOCKTUPLE: u32 = 13;
    pub const FD: u32 = 14;
    pub const PID: u32 = 15;
    pub const FDLIST: u32 = 16;
    pub const FSPATH: u32 = 17;
    pub const SYSCALLID: u32 = 18;
    pub const SIGTYPE: u32 = 19;
    pub const RELTIME: u32 = 20;
    pub const ABSTIME: u32 = 21;
    pub const PORT: u32 = 22;
    pub const L4PROTO: u32 = 23;
    pub const SOCKFAMILY: u32 = 24;
    pub const BOOL: u32 = 25;
    pub const IPV4ADDR: u32 = 26;
    pub const DYN: u32 = 27;
    pub const FLAGS8: u32 = 28;
    pub const FLAGS16: u32 = 29;
    pub const FLAGS32: u32 = 30;
    pub const UID: u32 = 31;
    pub const GID: u32 = 32;
    pub const DOUBLE: u32 = 33;
    pub const SIGSET: u32 = 34;
    pub const CHARBUFARRAY: u32 = 35;
    pub const CHARBUF_PAIR_ARRAY: u32 = 36;
    pub const IPV4NET: u32 = 37;
    pub const IPV6ADDR: u32 = 38;
    pub const IPV6NET: u32 = 39;
    pub const IPADDR: u32 = 40;
    pub const IPNET: u32 = 41;
    pub const MODE: u32 = 42;
    pub const FSRELPATH: u32 = 43;
    pub const ENUMFLAGS8: u32 = 44;
    pub const ENUMFLAGS16: u32 = 45;
    pub const ENUMFLAGS32: u32 = 46;
    pub const FD32: u32 = 47;
    pub const PID32: u32 = 48;
}

/// `ppm_print_format` codes.
pub mod pf {
    pub const NA: u32 = 0;
    pub const DEC: u32 = 1;
    pub const HEX: u32 = 2;
    pub const TEN_PADDED_DEC: u32 = 3;
    pub const ID: u32 = 4;
    pub const DIR: u32 = 5;
    pub const OCT: u32 = 6;
}

/// `ppm_event_flags` bits.
pub mod ef {
    pub const CREATES_FD: u32 = 1 << 0;
    pub const DESTROYS_FD: u32 = 1 << 1;
    pub const USES_FD: u32 = 1 << 2;
    pub const READS_FROM_FD: u32 = 1 << 3;
    pub const WRITES_TO_FD: u32 = 1 << 4;
    pub const MODIFIES_STATE: u32 = 1 << 5;
    pub const UNUSED: u32 = 1 << 6;
    pub const WAITS: u32 = 1 << 7;
    pub const SKIPPARSERESET: u32 = 1 << 8;
    pub const OLD_VERSION: u32 = 1 << 9;
    pub const LARGE_PAYLOAD: u32 = 1 << 11;
    pub const CONVERTER_MANAGED: u32 = 1 << 12;
    pub const TMP_CONVERTER_MANAGED: u32 = 1 << 13;
}

/// `ppm_event_category` values (the low bits are one category, the high bits modifiers).
pub mod ec {
    pub const UNKNOWN: u32 = 0;
    pub const OTHER: u32 = 1;
    pub const FILE: u32 = 2;
    pub const NET: u32 = 3;
    pub const IPC: u32 = 4;
    pub const MEMORY: u32 = 5;
    pub const PROCESS: u32 = 6;
    pub const SLEEP: u32 = 7;
    pub const SYSTEM: u32 = 8;
    pub const SIGNAL: u32 = 9;
    pub const USER: u32 = 10;
    pub const TIME: u32 = 11;
    pub const PROCESSING: u32 = 12;
    pub const IO_BASE: u32 = 32;
    pub const IO_READ: u32 = 32;
    pub const IO_WRITE: u32 = 33;
    pub const IO_OTHER: u32 = 34;
    pub const WAIT: u32 = 64;
    pub const SCHEDULER: u32 = 128;
    pub const INTERNAL: u32 = 256;
    pub const SYSCALL: u32 = 512;
    pub const TRACEPOINT: u32 = 1024;
    pub const PLUGIN: u32 = 2048;
    pub const METAEVENT: u32 = 4096;
}

/// Number of event types (`PPM_EVENT_MAX`).
pub const EVENT_MAX: u16 = table::EVENTS.len() as u16;

/// The schema of an event type (`None` at or above `PPM_EVENT_MAX`).
pub fn event(event_type: u16) -> Option<&'static EventSchema> {
    table::EVENTS.get(event_type as usize)
}

/// Names of a flags parameter's table.
pub fn flag_names(table: i32) -> &'static [FlagName] {
    usize::try_from(table).ok().and_then(|i| table::FLAG_TABLES.get(i)).copied().unwrap_or(&[])
}

/// Parameter shapes of a `PT_DYN` parameter.
pub fn dyn_params(table: i32) -> &'static [ParamSchema] {
    usize::try_from(table).ok().and_then(|i| table::DYN_PARAMS.get(i)).copied().unwrap_or(&[])
}

/// The converter's rule for an event of this type and parameter count.
pub fn conversion(event_type: u16, nparams: u8) -> Option<&'static ConvRule> {
    let rules = &table::CONVERSIONS;
    rules
        .binary_search_by(|r| (r.event_type, r.nparams).cmp(&(event_type, nparams)))
        .ok()
        .map(|i| &rules[i])
}

/// Whether parameter lengths of this type are u32 (`EF_LARGE_PAYLOAD`).
pub fn large_payload(event_type: u16) -> bool {
    event(event_type).is_some_and(|e| e.flags & ef::LARGE_PAYLOAD != 0)
}

/// Whether the type is an enter event (even codes).
pub fn is_enter(event_type: u16) -> bool {
    event_type.is_multiple_of(2)
}

/// `ppm_param_min_len_from_type` (`None` for types it does not handle).
pub fn min_param_len(ty: u32) -> Option<u32> {
    Some(match ty {
        pt::INT8 | pt::UINT8 | pt::FLAGS8 | pt::ENUMFLAGS8 | pt::SIGTYPE => 1,
        pt::INT16 | pt::UINT16 | pt::FLAGS16 | pt::ENUMFLAGS16 | pt::SYSCALLID | pt::PORT => 2,
        pt::INT32 | pt::UINT32 | pt::FLAGS32 | pt::ENUMFLAGS32 | pt::UID | pt::GID | pt::MODE | pt::SIGSET
        | pt::FD32 | pt::PID32 | pt::IPV4ADDR => 4,
        pt::INT64 | pt::UINT64 | pt::RELTIME | pt::ABSTIME | pt::ERRNO | pt::FD | pt::PID => 8,
        pt::IPV6ADDR => 16,
        pt::BYTEBUF | pt::CHARBUF | pt::SOCKTUPLE | pt::FDLIST | pt::FSPATH | pt::CHARBUFARRAY
        | pt::CHARBUF_PAIR_ARRAY | pt::FSRELPATH | pt::DYN | pt::SOCKADDR => 0,
        _ => return None,
    })
}

/// `ppm_param_max_len_from_type` for a length field of `len_size` bytes.
pub fn max_param_len(ty: u32, len_size: usize) -> Option<u32> {
    match ty {
        pt::BYTEBUF | pt::CHARBUF | pt::SOCKTUPLE | pt::FDLIST | pt::FSPATH | pt::CHARBUFARRAY
        | pt::CHARBUF_PAIR_ARRAY | pt::FSRELPATH | pt::DYN | pt::SOCKADDR => {
            Some(if len_size == 2 { u16::MAX as u32 } else { u32::MAX })
        }
        t => min_param_len(t),
    }
}

/// The category of an event type without its modifier bits, as libsinsp reports
/// `evt.category` (`EC_SYSCALL`, `EC_TRACEPOINT`, ... stripped).
pub fn base_category(event_type: u16) -> u32 {
    event(event_type).map_or(ec::UNKNOWN, |e| e.category & !(ec::SYSCALL | ec::TRACEPOINT | ec::PLUGIN | ec::METAEVENT))
}
