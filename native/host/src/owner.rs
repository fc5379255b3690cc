//! The "owner" a 3.x plugin talks back to: `get_owner_last_error`, the 3.3 logger, the async
//! event handler and its side of the state tables ([`TableOwner`]). One `Owner` per plugin
//! state, boxed so that its address (the `ss_plugin_owner_t*` the plugin keeps) never moves.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

use serde::Serialize;

use crate::abi::fns::StateStrFn;
use crate::abi::v3::EventHeader;
use crate::abi::{event_code, rc, PLUGIN_MAX_ERRLEN};
use crate::events::{now_ns, EventBatch};
use crate::tables::{TableOwner, TableRegistry};
use std::sync::Arc;

/// A message from the 3.3 logger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogMessage {
    /// The component the plugin named (NULL means the plugin itself).
    pub component: Option<String>,
    pub message: String,
    /// `ss_plugin_log_severity`: 1 fatal … 8 trace.
    pub severity: u32,
}

const MAX_LOGS: usize = 10_000;
/// Largest async event the handler accepts (the framework has no limit; this one keeps a
/// garbage `len` from reading the whole address space).
const MAX_ASYNC_EVENT: u32 = 64 << 20;

#[derive(Default)]
pub struct AsyncQueue {
    pub events: EventBatch,
    pub rejected: u64,
}

pub struct Owner {
    pub logs: Mutex<(Vec<LogMessage>, u64)>,
    pub async_queue: Mutex<AsyncQueue>,
    /// Names from `get_async_events`; events with other names are refused.
    pub async_names: Vec<Vec<u8>>,
    /// The plugin's side of the state tables.
    pub tables: TableOwner,
}

impl Owner {
    pub fn new(
        async_names: &[String],
        registry: Arc<TableRegistry>,
        plugin_name: &str,
        api_minor: u32,
        get_last_error: Option<StateStrFn>,
    ) -> Box<Owner> {
        Box::new(Owner {
            logs: Mutex::new((Vec::new(), 0)),
            async_queue: Mutex::new(AsyncQueue::default()),
            async_names: async_names.iter().map(|n| n.as_bytes().to_vec()).collect(),
            tables: TableOwner::new(registry, plugin_name, api_minor, get_last_error),
        })
    }

    pub fn as_ptr(&self) -> *mut c_void {
        self as *const Owner as *mut c_void
    }

    /// Takes the log messages received so far, and how many were dropped (over 10 000).
    pub fn take_logs(&self) -> (Vec<LogMessage>, u64) {
        let mut guard = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *guard)
    }
}

/// `get_owner_last_error`: the owner's last state-table error, NULL when none.
///
/// # Safety
/// Called by plugins (C ABI) with the owner pointer the host gave them.
pub unsafe extern "C" fn get_owner_last_error(owner: *mut c_void) -> *const c_char {
    // SAFETY: the plugin passes back the owner pointer we gave it.
    match unsafe { (owner as *const Owner).as_ref() } {
        Some(o) => o.tables.last_error_ptr(),
        None => std::ptr::null(),
    }
}

/// # Safety
/// Called by plugins (C ABI) with the owner pointer given at init and C strings.
pub unsafe extern "C" fn log_fn(owner: *mut c_void, component: *const c_char, msg: *const c_char, severity: u32) {
    if owner.is_null() || msg.is_null() {
        return;
    }
    // SAFETY: the plugin passes back the owner pointer we gave it, and C strings.
    let owner = unsafe { &*(owner as *const Owner) };
    let text = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    let entry = LogMessage {
        component: (!component.is_null()).then(|| text(component)),
        message: text(msg),
        severity,
    };
    let mut guard = owner.logs.lock().unwrap_or_else(|p| p.into_inner());
    if guard.0.len() < MAX_LOGS {
        guard.0.push(entry);
    } else {
        guard.1 += 1;
    }
}

fn write_err(err: *mut c_char, msg: &str) {
    if err.is_null() {
        return;
    }
    let n = msg.len().min(PLUGIN_MAX_ERRLEN - 1);
    // SAFETY: the framework contract gives the handler a PLUGIN_MAX_ERRLEN buffer.
    unsafe {
        std::ptr::copy_nonoverlapping(msg.as_ptr(), err as *mut u8, n);
        *err.add(n) = 0;
    }
}

/// Why an async event is refused, or `None` if it is acceptable.
fn check_async_event(owner: &Owner, bytes: &[u8]) -> Option<String> {
    let le32 = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let event_type = u16::from_le_bytes([bytes[20], bytes[21]]);
    if event_type != event_code::ASYNCEVENT_E {
        return Some(format!(
            "async events must have type {} (asyncevent), got {event_type}",
            event_code::ASYNCEVENT_E
        ));
    }
    if bytes.len() < 42 || le32(22) != 3 || le32(26) != 4 {
        return Some("malformed async event (expected 3 parameters: plugin id, name, data)".into());
    }
    let (name_len, data_len) = (le32(30) as usize, le32(34) as usize);
    if 42usize.saturating_add(name_len).saturating_add(data_len) != bytes.len() || name_len == 0 {
        return Some("async event parameter lengths do not add up to the event length".into());
    }
    let name = &bytes[42..42 + name_len];
    let Some(name) = name.strip_suffix(&[0]) else {
        return Some("async event name is not NUL-terminated".into());
    };
    if !owner.async_names.iter().any(|n| n == name) {
        return Some(format!(
            "async event name {:?} is not one of get_async_events",
            String::from_utf8_lossy(name)
        ));
    }
    None
}

/// `ss_plugin_async_event_handler_t`: thread-safe; copies the event into the owner's queue.
///
/// # Safety
/// Called by plugins (C ABI) with the owner pointer given to `set_async_event_handler` and an
/// event of `len` readable bytes.
pub unsafe extern "C" fn async_handler(owner: *mut c_void, evt: *const EventHeader, err: *mut c_char) -> i32 {
    if owner.is_null() {
        return rc::FAILURE;
    }
    // SAFETY: the plugin passes back the owner pointer we gave it.
    let owner = unsafe { &*(owner as *const Owner) };
    if evt.is_null() {
        write_err(err, "NULL async event");
        return rc::FAILURE;
    }
    // SAFETY: the header is 26 readable bytes by contract; read unaligned (packed).
    let hdr = unsafe { std::ptr::read_unaligned(evt) };
    let len = hdr.len;
    if !(26..=MAX_ASYNC_EVENT).contains(&len) {
        write_err(err, &format!("async event length {len} is out of range"));
        return rc::FAILURE;
    }
    // SAFETY: the plugin promises `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(evt as *const u8, len as usize) };
    let mut queue = owner.async_queue.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(why) = check_async_event(owner, bytes) {
        queue.rejected += 1;
        write_err(err, &why);
        return rc::FAILURE;
    }
    let start = queue.events.bytes.len();
    queue.events.bytes.extend_from_slice(bytes);
    if hdr.ts == u64::MAX {
        // 3.2: a ts of -1 means "stamp at receipt".
        queue.events.bytes[start..start + 8].copy_from_slice(&now_ns().to_le_bytes());
    }
    queue.events.offsets.push(start);
    rc::SUCCESS
}

