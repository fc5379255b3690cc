//! Event sourcing: open, next_batch, progress, close, and event_to_string, with the
//! framework's batch rules:
//!
//! * events that come with a non-SUCCESS code are delivered first; the code is returned by the
//!   next call (without calling the plugin);
//! * 0 events with SUCCESS is an error ("unexpected 0 size event returned by plugin");
//! * TIMEOUT (retry later) and EOF come back as [`BatchStatus`]; FAILURE is an error carrying
//!   the plugin's `get_last_error`;
//! * `ts == UINT64_MAX` is stamped with the current time; plugin events get `tid = -1`;
//! * 3.x plugins with an ID: every event must be a well-formed type-322 event with 2
//!   parameters, else "malformed plugin event"; plugin_id 0 is rewritten to the plugin's ID, any
//!   other ID is an error. A 3.x plugin with ID 0 may produce any event type, but not a 322
//!   event still carrying ID 0;
//! * older generations' `{data, datalen, ts}` events become type-322 events with the plugin's
//!   ID (`scap::plugin_event::encode`).
//!
//! Seed and 0.1.0 plugins without `next_batch` are driven with `plugin_next`, up to
//! [`LEGACY_BATCH`] events per call; their returned memory is released as their framework did.

use std::ffi::{c_void, CString};

use scap::plugin_event::{self, PAYLOAD_OFFSET};

use crate::abi::fns::{
    CloseFn, EventToStringV0Fn, EventToStringV1Fn, EventToStringV3Fn, NextBatchLegacyFn, NextBatchV3Fn, NextFn, OpenFn,
    ProgressFn,
};
use crate::abi::legacy::EventV0;
use crate::abi::v3::{EventHeader, EventInput};
use crate::abi::{event_code, rc};
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::events::{now_ns, EventBatch, EventRef, EventView};
use crate::generation::{Generation, Rc};
use crate::plugin_text::lossy;
use crate::state::PluginState;

/// `plugin_next` calls per host batch for seed/0.1 plugins without `next_batch`.
pub const LEGACY_BATCH: usize = 64;
/// Events larger than this are taken for garbage (plugin events may exceed 64 KiB; this is
/// far above any real payload).
const MAX_EVENT_LEN: u32 = 256 << 20;
/// More events than this in one batch are taken for a garbage count.
const MAX_BATCH_EVENTS: u32 = 1 << 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchStatus {
    /// This many events were appended.
    Events(usize),
    /// Nothing now; ask again later (the caller decides how long to wait).
    Timeout,
    /// The stream is over.
    Eof,
}

/// A code remembered for the next call.
#[derive(Clone, Debug)]
pub(crate) enum Pending {
    Status(BatchStatus),
    Error(HostError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// 0..=10000 (hundredths of a percent).
    pub pct: u32,
    pub text: String,
}

/// What one raw batch produced before its return code is looked at.
enum EventFault {
    Malformed(String),
    Fault(String),
}

impl PluginState {
    fn require_sourcing(&self) -> Result<(), HostError> {
        if self.plugin.info().capabilities.sourcing {
            Ok(())
        } else {
            Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' has no event sourcing capability", self.plugin.name()),
            ))
        }
    }

    pub fn is_open(&self) -> bool {
        self.opened
    }

    /// Opens an event stream. On FAILURE the error carries the plugin's `get_last_error`, and
    /// `close` is called with whatever instance the plugin returned, as the framework does.
    pub fn open(&mut self, params: &str) -> Result<(), HostError> {
        self.require_sourcing()?;
        if self.opened {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}': an event stream is already open", self.plugin.name()),
            ));
        }
        let params_c = CString::new(params)
            .map_err(|_| HostError::new(ErrorKind::InvalidRequest, "the open params contain a NUL byte"))?;
        let sym = self
            .loaded()
            .exports
            .open
            .ok_or_else(|| HostError::new(ErrorKind::MissingSymbol, "missing plugin_open"))?;
        let f: OpenFn = unsafe { sym.cast() };
        let mut code = rc::FAILURE;
        let instance = {
            let _lock = self.loaded().guard(true);
            let _scope = crash::enter(self.loaded().name(), Operation::Open);
            // SAFETY: `ss_instance_t* (ss_plugin_t*, const char*, ss_plugin_rc*)`.
            unsafe { f(self.raw, params_c.as_ptr(), &mut code) }
        };
        self.pending = None;
        if self.generation().rc(code) == Rc::Success {
            self.instance = instance;
            self.opened = true;
            return Ok(());
        }
        let text = self.last_error();
        if !instance.is_null() || !matches!(self.generation(), Generation::Seed | Generation::V0_1) {
            self.instance = instance;
            self.opened = true;
            self.close();
        }
        Err(HostError::with_plugin_text(
            ErrorKind::OpenFailed,
            format!(
                "plugin '{}' could not open an event stream with params {params:?}",
                self.plugin.name()
            ),
            text,
        ))
    }

    /// Closes the open event stream (no-op when none is open).
    pub fn close(&mut self) {
        if !self.opened {
            return;
        }
        self.opened = false;
        self.pending = None;
        if let Some(sym) = self.loaded().exports.close {
            let f: CloseFn = unsafe { sym.cast() };
            let _lock = self.loaded().guard(true);
            let _scope = crash::enter(self.loaded().name(), Operation::Close);
            // SAFETY: the instance came from this state's open.
            unsafe { f(self.raw, self.instance) };
        }
        self.instance = std::ptr::null_mut();
    }

    /// Appends the next events to `out` (see the module documentation for the rules).
    pub fn next_batch(&mut self, out: &mut EventBatch) -> Result<BatchStatus, HostError> {
        if !self.opened {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}': no event stream is open", self.plugin.name()),
            ));
        }
        match self.pending.take() {
            Some(Pending::Status(s)) => return Ok(s),
            Some(Pending::Error(e)) => return Err(e),
            None => {}
        }
        let before = out.len();
        let (code, fault) = {
            let _lock = self.loaded().guard(false);
            let _scope = crash::enter(self.loaded().name(), Operation::NextBatch);
            match self.generation() {
                Generation::V3 => self.next_batch_v3(out),
                Generation::Seed | Generation::V0_1 if self.loaded().exports.next_batch.is_none() => {
                    self.next_legacy_single(out)
                }
                _ => self.next_batch_legacy(out),
            }
        };
        let delivered = out.len() - before;
        let fault = fault.map(|f| match f {
            EventFault::Malformed(m) => HostError::new(
                ErrorKind::MalformedEvent,
                format!("plugin '{}': malformed plugin event: {m}", self.plugin.name()),
            ),
            EventFault::Fault(m) => self.fault(m),
        });
        let outcome = match self.generation().rc(code) {
            Rc::Success if delivered == 0 && fault.is_none() => Err(HostError::new(
                ErrorKind::ZeroEvents,
                format!(
                    "plugin '{}': next_batch returned 0 events with SUCCESS (the framework treats this as an error)",
                    self.plugin.name()
                ),
            )),
            Rc::Success => Ok(BatchStatus::Events(delivered)),
            Rc::Timeout => Ok(BatchStatus::Timeout),
            Rc::Eof => Ok(BatchStatus::Eof),
            Rc::Failure => Err(HostError::with_plugin_text(
                ErrorKind::NextFailed,
                format!("plugin '{}' failed to produce events", self.plugin.name()),
                self.last_error(),
            )),
            Rc::NotSupported | Rc::Other(_) => Err(HostError::new(
                ErrorKind::NextFailed,
                format!(
                    "plugin '{}': next_batch returned the unexpected code {code}",
                    self.plugin.name()
                ),
            )),
        };
        // A fault stops the batch where it happened: what came before is delivered first.
        let outcome = match fault {
            Some(e) => Err(e),
            None => outcome,
        };
        if delivered == 0 {
            return outcome;
        }
        match outcome {
            Ok(BatchStatus::Events(_)) => {}
            Ok(status) => self.pending = Some(Pending::Status(status)),
            Err(e) => self.pending = Some(Pending::Error(e)),
        }
        Ok(BatchStatus::Events(delivered))
    }

    /// The plugin's ID as written into events (sourcing plugins always have one).
    fn source_id(&self) -> u32 {
        self.plugin.info().id.unwrap_or(0)
    }

    fn next_batch_v3(&self, out: &mut EventBatch) -> (i32, Option<EventFault>) {
        let Some(sym) = self.loaded().exports.next_batch else {
            return (rc::FAILURE, Some(EventFault::Fault("missing plugin_next_batch".into())));
        };
        let f: NextBatchV3Fn = unsafe { sym.cast() };
        let mut n = 0u32;
        let mut evts: *mut *mut EventHeader = std::ptr::null_mut();
        // SAFETY: the 3.x next_batch signature.
        let code = unsafe { f(self.raw, self.instance, &mut n, &mut evts) };
        if n == 0 {
            return (code, None);
        }
        if n > MAX_BATCH_EVENTS {
            return (
                code,
                Some(EventFault::Fault(format!("next_batch announced {n} events"))),
            );
        }
        if evts.is_null() {
            return (
                code,
                Some(EventFault::Fault(format!(
                    "next_batch announced {n} events but returned a NULL array"
                ))),
            );
        }
        let id = self.source_id();
        for i in 0..n as usize {
            // SAFETY: the plugin returns an array of `n` event pointers.
            let ptr = unsafe { *evts.add(i) };
            if ptr.is_null() {
                return (code, Some(EventFault::Fault(format!("event {i} of the batch is NULL"))));
            }
            if let Err(f) = append_v3_event(out, ptr, id) {
                return (code, Some(f));
            }
        }
        (code, None)
    }

    fn next_batch_legacy(&self, out: &mut EventBatch) -> (i32, Option<EventFault>) {
        let Some(sym) = self.loaded().exports.next_batch else {
            return (rc::FAILURE, Some(EventFault::Fault("missing plugin_next_batch".into())));
        };
        let f: NextBatchLegacyFn = unsafe { sym.cast() };
        let mut n = 0u32;
        let mut evts: *mut EventV0 = std::ptr::null_mut();
        // SAFETY: the pre-3.0 next_batch signature.
        let code = unsafe { f(self.raw, self.instance, &mut n, &mut evts) };
        let releaser = self.loaded().releaser;
        let id = self.source_id();
        let mut fault = None;
        if n > MAX_BATCH_EVENTS {
            fault = Some(EventFault::Fault(format!("next_batch announced {n} events")));
        } else if n > 0 && evts.is_null() {
            fault = Some(EventFault::Fault(format!(
                "next_batch announced {n} events but returned a NULL array"
            )));
        } else {
            for i in 0..n as usize {
                // SAFETY: an array of `n` events.
                let e = unsafe { *evts.add(i) };
                if fault.is_none() {
                    fault = append_legacy_event(out, &e, id).err();
                }
                // seed / 0.1: every data buffer is released, then the array.
                unsafe { releaser.release(e.data as *mut c_void) };
            }
        }
        unsafe { releaser.release(evts as *mut c_void) };
        (code, fault)
    }

    fn next_legacy_single(&self, out: &mut EventBatch) -> (i32, Option<EventFault>) {
        let Some(sym) = self.loaded().exports.next else {
            return (rc::FAILURE, Some(EventFault::Fault("missing plugin_next".into())));
        };
        let f: NextFn = unsafe { sym.cast() };
        let releaser = self.loaded().releaser;
        let id = self.source_id();
        for _ in 0..LEGACY_BATCH {
            let mut evt: *mut EventV0 = std::ptr::null_mut();
            // SAFETY: `next(s, h, ss_plugin_event**)`: one allocated event per call.
            let code = unsafe { f(self.raw, self.instance, &mut evt) };
            if self.generation().rc(code) != Rc::Success {
                return (code, None);
            }
            if evt.is_null() {
                return (
                    code,
                    Some(EventFault::Fault("next returned SUCCESS with a NULL event".into())),
                );
            }
            let e = unsafe { *evt };
            let fault = append_legacy_event(out, &e, id).err();
            unsafe {
                releaser.release(e.data as *mut c_void);
                releaser.release(evt as *mut c_void);
            }
            if fault.is_some() {
                return (code, fault);
            }
        }
        (rc::SUCCESS, None)
    }

    /// `get_progress` of the open stream (`None` when not exported or nothing is open).
    pub fn progress(&mut self) -> Option<Progress> {
        let sym = self.loaded().exports.get_progress?;
        if !self.opened {
            return None;
        }
        let f: ProgressFn = unsafe { sym.cast() };
        let mut pct = 0u32;
        let _lock = self.loaded().guard(false);
        let _scope = crash::enter(self.loaded().name(), Operation::GetProgress);
        let text = unsafe { self.loaded().releaser.take(f(self.raw, self.instance, &mut pct)) };
        Some(Progress {
            pct,
            text: text.map(|t| lossy(&t)).unwrap_or_default(),
        })
    }

    /// `event_to_string` of a plugin event (generation's signature). When the plugin does not
    /// export it or returns an empty string, the framework's fallback is used:
    /// `datalen=N data=<up to 50 printable bytes>` (or `<binary>`).
    pub fn event_to_string(&mut self, evt: EventRef<'_>) -> Result<Vec<u8>, HostError> {
        let view = EventView::parse(evt.bytes)
            .ok_or_else(|| HostError::new(ErrorKind::InvalidRequest, "event_to_string: not a complete v2 event"))?;
        let (_, payload) = view.plugin_payload().ok_or_else(|| {
            HostError::new(
                ErrorKind::InvalidRequest,
                "event_to_string: not a well-formed plugin event (type 322)",
            )
        })?;
        let text = match self.loaded().exports.event_to_string {
            None => None,
            Some(sym) => {
                let releaser = self.loaded().releaser;
                let _lock = self.loaded().guard(false);
                let scope = crash::enter(self.loaded().name(), Operation::EventToString);
                scope.set_event(evt.num);
                let legacy = EventV0::new(evt.num, payload, view.ts);
                // SAFETY: the generation's signature; the event outlives the call.
                unsafe {
                    match self.generation() {
                        Generation::V3 => {
                            let src = self.source_name_c();
                            let input = EventInput {
                                evt: view.bytes.as_ptr() as *const EventHeader,
                                evtnum: evt.num,
                                evtsrc: src.as_ptr(),
                            };
                            releaser.take(sym.cast::<EventToStringV3Fn>()(self.raw, &input))
                        }
                        Generation::V1 | Generation::V2 => {
                            releaser.take(sym.cast::<EventToStringV1Fn>()(self.raw, &legacy))
                        }
                        _ => releaser.take(sym.cast::<EventToStringV0Fn>()(
                            self.raw,
                            payload.as_ptr(),
                            payload.len() as u32,
                        )),
                    }
                }
            }
        };
        Ok(match text {
            Some(t) if !t.is_empty() => t,
            _ => fallback_to_string(payload),
        })
    }

    pub(crate) fn source_name_c(&self) -> CString {
        CString::new(self.plugin.info().event_source.clone().unwrap_or_default()).unwrap_or_default()
    }
}

/// libsinsp's rendering of a plugin event without `event_to_string`.
fn fallback_to_string(payload: &[u8]) -> Vec<u8> {
    let mut out = format!("datalen={} data=", payload.len()).into_bytes();
    let head = &payload[..payload.len().min(50)];
    if head.iter().all(|b| (0x20..0x7f).contains(b)) {
        out.extend_from_slice(head);
        if payload.len() > 50 {
            out.extend_from_slice(b"...");
        }
    } else {
        out.extend_from_slice(b"<binary>");
    }
    out
}

/// Copies one 3.x event, checking and fixing it as the framework does.
fn append_v3_event(out: &mut EventBatch, ptr: *const EventHeader, id: u32) -> Result<(), EventFault> {
    // SAFETY: a 26-byte header by contract (read unaligned: packed).
    let hdr = unsafe { std::ptr::read_unaligned(ptr) };
    let len = hdr.len;
    if !(26..=MAX_EVENT_LEN).contains(&len) {
        return Err(EventFault::Malformed(format!("header length {len} is impossible")));
    }
    let event_type = hdr.event_type;
    let nparams = hdr.nparams;
    // SAFETY: the plugin promises `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) };
    let is_plugin_event = event_type == event_code::PLUGINEVENT_E;
    if id != 0 && (!is_plugin_event || nparams != 2) {
        return Err(EventFault::Malformed(format!(
            "type {event_type} with {nparams} parameters (a plugin with an ID must produce type-322 events with 2 parameters)"
        )));
    }
    if is_plugin_event {
        let view = EventView::parse(bytes).and_then(|v| v.plugin_payload());
        let Some((event_id, _)) = view else {
            let lens = if len >= 34 {
                format!(
                    " {{{}, {}}}",
                    u32::from_le_bytes(bytes[26..30].try_into().unwrap_or_default()),
                    u32::from_le_bytes(bytes[30..34].try_into().unwrap_or_default())
                )
            } else {
                String::new()
            };
            return Err(EventFault::Malformed(format!(
                "header length {len} does not match its parameter lengths{lens} (expected 38 + payload length)"
            )));
        };
        if event_id == 0 && id == 0 {
            return Err(EventFault::Malformed(
                "a plugin event from a plugin without an ID carries plugin ID 0".into(),
            ));
        }
        if event_id != 0 && event_id != id && id != 0 {
            return Err(EventFault::Malformed(format!(
                "the event carries plugin ID {event_id}, not the plugin's ID {id}"
            )));
        }
    }
    let start = out.bytes.len();
    out.bytes.extend_from_slice(bytes);
    let ev = &mut out.bytes[start..];
    if hdr.ts == u64::MAX {
        ev[0..8].copy_from_slice(&now_ns().to_le_bytes());
    }
    if is_plugin_event {
        ev[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        if id != 0 {
            ev[34..38].copy_from_slice(&id.to_le_bytes());
        }
    }
    out.offsets.push(start);
    debug_assert!(!is_plugin_event || ev.len() >= PAYLOAD_OFFSET);
    Ok(())
}

/// Encodes one `{data, datalen, ts}` event as a type-322 event.
fn append_legacy_event(out: &mut EventBatch, e: &EventV0, id: u32) -> Result<(), EventFault> {
    if e.datalen > 0 && e.data.is_null() {
        return Err(EventFault::Fault(format!(
            "an event has datalen {} but NULL data",
            e.datalen
        )));
    }
    if e.datalen > MAX_EVENT_LEN {
        return Err(EventFault::Fault(format!("an event has datalen {}", e.datalen)));
    }
    let payload: &[u8] = if e.datalen == 0 {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(e.data, e.datalen as usize) }
    };
    let ts = if e.ts == u64::MAX { now_ns() } else { e.ts };
    out.offsets.push(out.bytes.len());
    plugin_event::encode(&mut out.bytes, ts, id, payload);
    Ok(())
}
