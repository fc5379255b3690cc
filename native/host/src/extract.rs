//! Field extraction in batches: many events × many field requests, into a reusable
//! [`ExtractResults`].
//!
//! A request names a field and its argument ([`FieldRequest`], parsed from `name[arg]` with the
//! framework's rules). An [`ExtractPlan`] prepares the requests once (C strings, parsed index
//! arguments); [`PluginState::extract`] then drives the plugin the way its generation allows:
//!
//! **Calling convention.** libsinsp asks for one field per `extract_fields` call
//! (`num_fields = 1` in `plugin_filtercheck.cpp`, in every generation), in the order the
//! filter, format or rule asks for them, and copies the result before the next call. So does
//! this host by default ([`CallConvention::OneFieldPerCall`]): real SDKs depend on it (Go SDK
//! 0.6–0.8 keeps one result buffer per field id, so two arguments of one field in one call
//! share a value; the Rust SDK's arena reuses one field's bytes for the next one).
//! [`CallConvention::AllFieldsPerCall`] (every field of the plan in one call per event, which
//! the API allows) is an explicit opt-in, used to probe plugins for that dependency.
//!
//! * 3.x: the `ss_plugin_field_extract_input` is sized for the plugin's minor
//!   (`value_offsets` from 3.11, when the plan asks for offsets). Events whose type the plugin
//!   did not ask for (`get_extract_event_types`, default: plugin events only) are never sent:
//!   all absent.
//! * 1.x/2.x: only plugin events (322) are sent.
//! * 0.2/0.3: always one field per call, `field_id` set, the argument passed as text (`""`
//!   when there is none: libsinsp passed a C++ string).
//! * seed/0.1: always one field per call, looked up by name; `res_str` is released (`free()` /
//!   `plugin_free_mem`) after copying.
//!
//! Every value is copied out before the next call (plugin memory is valid only until then).
//! `res_len == 0` or `field_present == false` is "absent". A call that does not return
//! SUCCESS makes the cell an extraction error carrying the plugin's `get_last_error` text
//! (libsinsp shows no value; scaptool reports why); when an all-fields call fails, each field
//! is asked again alone, so the failure lands on the field(s) that cause it. Garbage
//! results (NULL pointers, a non-list field with several values, an address of 7 bytes, a bool
//! of 7) are per-cell plugin faults, never a panic.
//!
//! Source checks (which plugin's events this extractor may see) are the caller's: pass only
//! events of a compatible source (see `PluginInfo::extract_event_sources`), with plugin IDs
//! already stamped.

use std::ffi::{c_char, c_void, CStr, CString};

use crate::abi::fns::{ExtractSeedFn, ExtractV0Fn, ExtractV1Fn, ExtractV3Fn};
use crate::abi::legacy::{EventV0, FieldSeed, FieldV0, FieldV1};
use crate::abi::v3::{ByteBuffer, EventHeader, EventInput, FieldExtractInput, FieldV3, ValueOffsets};
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::events::{EventRef, EventView};
use crate::fields::FieldType;
use crate::generation::{Generation, Rc};
use crate::info::PluginInfo;
use crate::owner;
use crate::tables::dispatch;
use crate::plugin::Plugin;
use crate::results::{ExtractError, ExtractErrorKind, ExtractResults, Scalar};
use crate::state::PluginState;
use crate::value::ip_from_bytes;

/// Values per cell above which a result is taken for garbage.
const MAX_VALUES: u64 = 1 << 20;

/// One field to extract, with its argument text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequest {
    /// Index into `PluginInfo::fields`.
    pub field: usize,
    pub arg: Option<String>,
}

impl FieldRequest {
    pub fn new(field: usize, arg: Option<&str>) -> Self {
        FieldRequest {
            field,
            arg: arg.map(String::from),
        }
    }

    /// Parses `name` or `name[arg]`: the `[` must follow the full field name and the text
    /// must end with the matching `]`.
    pub fn parse(info: &PluginInfo, text: &str) -> Result<FieldRequest, HostError> {
        let candidate = info
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                text.starts_with(f.name.as_str()) && matches!(text.as_bytes().get(f.name.len()), None | Some(b'['))
            })
            .max_by_key(|(_, f)| f.name.len());
        let Some((index, field)) = candidate else {
            let name = text.split('[').next().unwrap_or(text);
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' has no field '{name}'", info.name),
            ));
        };
        let rest = &text[field.name.len()..];
        if rest.is_empty() {
            return Ok(FieldRequest::new(index, None));
        }
        let Some(arg) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("'{text}': unbalanced brackets around the argument"),
            ));
        };
        Ok(FieldRequest::new(index, Some(arg)))
    }
}

/// How many fields one `extract_fields` call carries (1.x and later; older generations always
/// take one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CallConvention {
    /// libsinsp's: one field per call, in plan order, each result copied before the next call.
    #[default]
    OneFieldPerCall,
    /// Every field of the plan in one call per event (allowed by the API; libsinsp never does
    /// it). Opt-in, for the batching probe.
    AllFieldsPerCall,
}

#[derive(Debug)]
struct PreparedField {
    field_id: u32,
    name: CString,
    field_type: FieldType,
    ftype: u32,
    is_list: bool,
    arg_key: Option<CString>,
    arg_index: u64,
    arg_present: bool,
    /// 0.x/seed argument text (`""` when none).
    arg_text: CString,
    /// `name[arg]`, for messages and crash records.
    label: String,
}

/// Requests prepared for one plugin; reusable across batches.
#[derive(Debug)]
pub struct ExtractPlan {
    plugin: usize,
    fields: Vec<PreparedField>,
    with_offsets: bool,
    convention: CallConvention,
    batch_label: Vec<u8>,
}

/// An index argument as libsinsp reads it: decimal digits, no leading zero, fits in 64 bits.
fn parse_index(arg: &str) -> Option<u64> {
    if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) || (arg.len() > 1 && arg.starts_with('0')) {
        return None;
    }
    arg.parse().ok()
}

impl ExtractPlan {
    pub fn new(plugin: &Plugin, requests: &[FieldRequest]) -> Result<ExtractPlan, HostError> {
        let info = plugin.info();
        if !info.capabilities.extraction {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' has no field extraction capability", info.name),
            ));
        }
        let cstring = |s: &str| {
            CString::new(s).map_err(|_| HostError::new(ErrorKind::InvalidRequest, format!("'{s}' contains a NUL byte")))
        };
        let mut fields = Vec::with_capacity(requests.len());
        for req in requests {
            let f = info.fields.get(req.field).ok_or_else(|| {
                HostError::new(
                    ErrorKind::InvalidRequest,
                    format!("plugin '{}' has no field #{}", info.name, req.field),
                )
            })?;
            let label = match &req.arg {
                Some(a) => format!("{}[{a}]", f.name),
                None => f.name.clone(),
            };
            let bad = |why: &str| HostError::new(ErrorKind::InvalidRequest, format!("field {label}: {why}"));
            if req.arg.is_none() && f.arg.is_required {
                return Err(bad("this field requires an argument"));
            }
            if req.arg.is_some() && !f.arg.accepts_argument() {
                return Err(bad("this field does not take an argument"));
            }
            let (mut arg_key, mut arg_index, mut arg_present) = (None, 0, false);
            if let Some(arg) = req.arg.as_deref().filter(|_| !f.arg.legacy_text) {
                arg_present = true;
                match (f.arg.is_index, parse_index(arg)) {
                    (true, Some(i)) => arg_index = i,
                    _ if f.arg.is_key => arg_key = Some(cstring(arg)?),
                    _ => {
                        return Err(bad(
                            "the argument must be an index (decimal digits without a leading zero, fitting in 64 bits)",
                        ))
                    }
                }
            }
            fields.push(PreparedField {
                field_id: f.id,
                name: cstring(&f.name)?,
                field_type: f.field_type,
                ftype: f.field_type.code().unwrap_or(0),
                is_list: f.is_list,
                arg_key,
                arg_index,
                arg_present,
                arg_text: cstring(req.arg.as_deref().filter(|_| f.arg.legacy_text).unwrap_or(""))?,
                label,
            });
        }
        let batch_label = match fields.len() {
            0 => Vec::new(),
            1 => fields[0].label.as_bytes().to_vec(),
            n => format!("{} +{} more", fields[0].label, n - 1).into_bytes(),
        };
        Ok(ExtractPlan {
            plugin: std::sync::Arc::as_ptr(&plugin.inner) as usize,
            fields,
            with_offsets: false,
            convention: CallConvention::OneFieldPerCall,
            batch_label,
        })
    }

    /// Parses every `name[arg]` and prepares them.
    pub fn parse(plugin: &Plugin, texts: &[&str]) -> Result<ExtractPlan, HostError> {
        let requests = texts
            .iter()
            .map(|t| FieldRequest::parse(plugin.info(), t))
            .collect::<Result<Vec<_>, _>>()?;
        ExtractPlan::new(plugin, &requests)
    }

    /// Also collect 3.11 value offsets (when the plugin's minor has them).
    pub fn with_offsets(mut self, yes: bool) -> Self {
        self.with_offsets = yes;
        self
    }

    /// Chooses how many fields a call carries (default: libsinsp's one per call).
    pub fn with_convention(mut self, convention: CallConvention) -> Self {
        self.convention = convention;
        self
    }

    pub fn convention(&self) -> CallConvention {
        self.convention
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `name[arg]` of request `i`.
    pub fn label(&self, i: usize) -> &str {
        &self.fields[i].label
    }
}

/// Reused argument arrays, one per ABI shape.
#[derive(Default)]
pub(crate) struct ExtractScratch {
    v3: Vec<FieldV3>,
    v1: Vec<FieldV1>,
}

fn fault(message: String) -> ExtractError {
    ExtractError {
        kind: ExtractErrorKind::PluginFault,
        message,
        plugin_message: None,
    }
}

/// Reads `res_len` values of a 1.x/3.x result into a cell.
///
/// # Safety
/// `res` must point to `n` elements of the type's representation (plugin contract).
unsafe fn read_values(
    results: &mut ExtractResults,
    cell: usize,
    pf: &PreparedField,
    res: *const c_void,
    n: u64,
    flist: bool,
) -> Result<(), ExtractError> {
    if n == 0 {
        results.set_absent(cell);
        return Ok(());
    }
    if res.is_null() {
        return Err(fault(format!("{}: res_len {n} with a NULL result", pf.label)));
    }
    if !flist && n > 1 {
        return Err(fault(format!("{}: a non-list field returned {n} values", pf.label)));
    }
    if n > MAX_VALUES {
        return Err(fault(format!("{}: res_len {n} is implausible", pf.label)));
    }
    let mark = results.mark();
    for i in 0..n as usize {
        let r = unsafe {
            match pf.field_type {
                FieldType::Uint64 => Ok(Scalar::U64(std::ptr::read_unaligned((res as *const u64).add(i)))),
                FieldType::Reltime => Ok(Scalar::RelTime(std::ptr::read_unaligned((res as *const u64).add(i)))),
                FieldType::Abstime => Ok(Scalar::AbsTime(std::ptr::read_unaligned((res as *const u64).add(i)))),
                FieldType::String => {
                    let p = std::ptr::read_unaligned((res as *const *const c_char).add(i));
                    if p.is_null() {
                        Err(format!("{}: value {i} is a NULL string", pf.label))
                    } else {
                        results.push_str(CStr::from_ptr(p).to_bytes());
                        continue;
                    }
                }
                FieldType::Bool => match std::ptr::read_unaligned((res as *const u32).add(i)) {
                    0 => Ok(Scalar::Bool(false)),
                    1 => Ok(Scalar::Bool(true)),
                    v => Err(format!("{}: bool value {v} is neither 0 nor 1", pf.label)),
                },
                FieldType::Ipaddr | FieldType::Ipnet => {
                    let bb = std::ptr::read_unaligned((res as *const ByteBuffer).add(i));
                    if bb.ptr.is_null() {
                        Err(format!("{}: value {i} has a NULL buffer", pf.label))
                    } else {
                        let bytes = std::slice::from_raw_parts(bb.ptr as *const u8, bb.len.min(64) as usize);
                        match ip_from_bytes(bytes) {
                            Some(a) if pf.field_type == FieldType::Ipaddr => Ok(Scalar::Ip(a)),
                            Some(a) => Ok(Scalar::Net(a)),
                            None => Err(format!(
                                "{}: {} value of length {} (expected 4 or 16)",
                                pf.label,
                                pf.field_type.name(),
                                bb.len
                            )),
                        }
                    }
                }
                FieldType::Int64 | FieldType::Float => Err(format!(
                    "{}: type {} cannot be extracted",
                    pf.label,
                    pf.field_type.name()
                )),
            }
        };
        match r {
            Ok(s) => results.push(s),
            Err(m) => {
                results.rollback(mark);
                return Err(fault(m));
            }
        }
    }
    results.set_values(cell, mark, pf.is_list);
    Ok(())
}

impl PluginState {
    /// Extracts every request of `plan` from every event into `results` (reset first). `source`
    /// is the events' source name (3.x `evtsrc`). Per-cell problems are in the results; the
    /// `Err` is for a plan made for another plugin.
    pub fn extract(
        &mut self,
        plan: &ExtractPlan,
        source: &str,
        events: &[EventRef<'_>],
        results: &mut ExtractResults,
    ) -> Result<(), HostError> {
        if plan.plugin != std::sync::Arc::as_ptr(&self.plugin.inner) as usize {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                "this extraction plan was made for another plugin",
            ));
        }
        let n_fields = plan.fields.len();
        results.reset(events.len(), n_fields, plan.with_offsets);
        if n_fields == 0 || events.is_empty() {
            return Ok(());
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let loaded = self.plugin.inner.clone();
        let _lock = loaded.guard(false);
        let scope = crash::enter(loaded.name(), Operation::Extract);
        match self.generation() {
            Generation::V3 => self.extract_v3(plan, source, events, results, &mut scratch.v3, &scope),
            Generation::V1 | Generation::V2 => self.extract_v1(plan, events, results, &mut scratch.v1, &scope),
            _ => self.extract_per_field(plan, events, results, &scope),
        }
        self.scratch = scratch;
        Ok(())
    }

    fn failure(&self, label: &str, code: i32) -> ExtractError {
        let text = self.last_error_locked().filter(|t| !t.is_empty());
        let what = match self.generation().rc(code) {
            Rc::Failure => "FAILURE".to_string(),
            _ => format!("code {code}"),
        };
        let message = match &text {
            Some(t) => format!("{label}: extract_fields returned {what}: {t}"),
            None => format!("{label}: extract_fields returned {what}"),
        };
        ExtractError {
            kind: ExtractErrorKind::PluginFailure,
            message,
            plugin_message: text,
        }
    }

    /// The header of event `ei`, or `None` after making each of its cells an `InvalidEvent`
    /// error when its bytes are not a complete v2 event.
    fn view_or_invalid<'e>(
        evt: &EventRef<'e>,
        ei: usize,
        n_fields: usize,
        results: &mut ExtractResults,
    ) -> Option<EventView<'e>> {
        let view = EventView::parse(evt.bytes);
        if view.is_none() {
            let invalid = ExtractError {
                kind: ExtractErrorKind::InvalidEvent,
                message: "not a complete v2 event".into(),
                plugin_message: None,
            };
            for j in 0..n_fields {
                results.set_error(ei * n_fields + j, invalid.clone());
            }
        }
        view
    }

    /// The events the generations before 3.0 are sent: each plugin event goes to `body` with
    /// its index, as the 32-byte legacy event, the crash scope on its number. Incomplete events
    /// are `InvalidEvent` errors; other events are never sent (absent), as with the framework.
    fn each_legacy_event(
        events: &[EventRef<'_>],
        n_fields: usize,
        results: &mut ExtractResults,
        scope: &crash::Scope,
        mut body: impl FnMut(usize, &EventV0, &mut ExtractResults),
    ) {
        for (ei, evt) in events.iter().enumerate() {
            prefetch_ahead(events, ei);
            let Some(view) = Self::view_or_invalid(evt, ei, n_fields, results) else {
                continue;
            };
            let Some((_, payload)) = view.plugin_payload() else {
                continue;
            };
            scope.set_event(evt.num);
            body(ei, &EventV0::new(evt.num, payload, view.ts), results);
        }
    }

    /// Extracts every field of event `ei` through `calls`, by the plan's convention: one field
    /// per call (libsinsp), or all in one call and, when that fails, each field again alone so
    /// the failure lands on the field(s) that cause it.
    fn extract_event(
        &self,
        plan: &ExtractPlan,
        ei: usize,
        results: &mut ExtractResults,
        calls: &mut impl FieldCalls,
        scope: &crash::Scope,
    ) {
        let n_fields = plan.fields.len();
        if plan.convention == CallConvention::AllFieldsPerCall && n_fields > 1 {
            scope.set_field(&plan.batch_label);
            let code = calls.call(0, n_fields);
            if self.generation().rc(code) == Rc::Success {
                for (j, pf) in plan.fields.iter().enumerate() {
                    calls.store(results, ei * n_fields + j, pf, j, j);
                }
                return;
            }
        }
        for (j, pf) in plan.fields.iter().enumerate() {
            // the crash record names the field in the call
            scope.set_field(pf.label.as_bytes());
            let code = calls.call(j, 1);
            let cell = ei * n_fields + j;
            if self.generation().rc(code) == Rc::Success {
                calls.store(results, cell, pf, j, 0);
            } else {
                results.set_error(cell, self.failure(&pf.label, code));
            }
        }
    }

    fn extract_v3(
        &self,
        plan: &ExtractPlan,
        source: &str,
        events: &[EventRef<'_>],
        results: &mut ExtractResults,
        fields: &mut Vec<FieldV3>,
        scope: &crash::Scope,
    ) {
        let n_fields = plan.fields.len();
        fields.clear();
        fields.extend(plan.fields.iter().map(|p| FieldV3 {
            res: std::ptr::null(),
            res_len: 0,
            field_id: p.field_id,
            field: p.name.as_ptr(),
            arg_key: p.arg_key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
            arg_index: p.arg_index,
            arg_present: p.arg_present as u32,
            ftype: p.ftype,
            flist: p.is_list as u32,
        }));
        let minor = self.loaded().minor;
        let src = CString::new(source).unwrap_or_default();
        let f: ExtractV3Fn = match self.loaded().exports.extract_fields {
            Some(s) => unsafe { s.cast() },
            None => return,
        };
        let owner = self.owner.as_ref().map_or(std::ptr::null_mut(), |o| o.as_ptr());
        let input = FieldExtractInput {
            owner,
            get_owner_last_error: Some(owner::get_owner_last_error),
            num_fields: n_fields as u32,
            fields: fields.as_mut_ptr(),
            table_reader: dispatch::READER,
            table_reader_ext: if minor >= 1 {
                &dispatch::READER_EXT
            } else {
                std::ptr::null()
            },
            value_offsets: std::ptr::null_mut(),
        };
        let mut calls = V3Calls {
            f,
            state: self.raw,
            ev: EventInput {
                evt: std::ptr::null(),
                evtnum: 0,
                evtsrc: src.as_ptr(),
            },
            input,
            fields,
            want_offsets: plan.with_offsets && minor >= 11,
            with_offsets: plan.with_offsets,
            offsets: ValueOffsets::NONE,
        };
        for (ei, evt) in events.iter().enumerate() {
            prefetch_ahead(events, ei);
            let Some(view) = Self::view_or_invalid(evt, ei, n_fields, results) else {
                continue;
            };
            if !self.extract_set.contains(view.event_type) {
                continue; // never sent by the framework: absent
            }
            scope.set_event(evt.num);
            calls.ev.evt = view.bytes.as_ptr() as *const EventHeader;
            calls.ev.evtnum = evt.num;
            self.extract_event(plan, ei, results, &mut calls, scope);
        }
    }

    fn extract_v1(
        &self,
        plan: &ExtractPlan,
        events: &[EventRef<'_>],
        results: &mut ExtractResults,
        fields: &mut Vec<FieldV1>,
        scope: &crash::Scope,
    ) {
        let n_fields = plan.fields.len();
        fields.clear();
        fields.extend(plan.fields.iter().map(|p| FieldV1 {
            res: std::ptr::null(),
            res_len: 0,
            field_id: p.field_id,
            field: p.name.as_ptr(),
            arg_key: p.arg_key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
            arg_index: p.arg_index,
            arg_present: p.arg_present as u8,
            ftype: p.ftype,
            flist: p.is_list as u8,
        }));
        let f: ExtractV1Fn = match self.loaded().exports.extract_fields {
            Some(s) => unsafe { s.cast() },
            None => return,
        };
        let mut calls = V1Calls {
            f,
            state: self.raw,
            ev: EventV0::new(0, &[], 0),
            fields,
        };
        Self::each_legacy_event(events, n_fields, results, scope, |ei, ev, results| {
            calls.ev = *ev;
            self.extract_event(plan, ei, results, &mut calls, scope);
        });
    }

    /// seed, 0.1, 0.2, 0.3: one field per call.
    fn extract_per_field(
        &self,
        plan: &ExtractPlan,
        events: &[EventRef<'_>],
        results: &mut ExtractResults,
        scope: &crash::Scope,
    ) {
        let n_fields = plan.fields.len();
        let Some(sym) = self.loaded().exports.extract_fields else {
            return;
        };
        let releaser = self.loaded().releaser;
        let by_name = matches!(self.generation(), Generation::Seed | Generation::V0_1);
        Self::each_legacy_event(events, n_fields, results, scope, |ei, ev, results| {
            for (j, pf) in plan.fields.iter().enumerate() {
                let cell = ei * n_fields + j;
                if pf.field_type.code().is_none() {
                    results.set_error(
                        cell,
                        ExtractError {
                            kind: ExtractErrorKind::UnsupportedType,
                            message: format!(
                                "{}: type {} cannot be extracted (the framework refuses it too)",
                                pf.label,
                                pf.field_type.name()
                            ),
                            plugin_message: None,
                        },
                    );
                    continue;
                }
                scope.set_field(pf.label.as_bytes());
                // (code, present, u64, string pointer)
                let (code, present, u64v, strp) = if by_name {
                    let mut fld = FieldSeed {
                        field: pf.name.as_ptr(),
                        arg: pf.arg_text.as_ptr(),
                        ftype: pf.ftype,
                        field_present: 0,
                        res_str: std::ptr::null_mut(),
                        res_u64: 0,
                    };
                    // SAFETY: the seed/0.1 signature.
                    let code = unsafe { sym.cast::<ExtractSeedFn>()(self.raw, ev, 1, &mut fld) };
                    (code, fld.field_present != 0, fld.res_u64, fld.res_str as *const c_char)
                } else {
                    let mut fld = FieldV0 {
                        field_id: pf.field_id,
                        field: pf.name.as_ptr(),
                        arg: pf.arg_text.as_ptr(),
                        ftype: pf.ftype,
                        field_present: 0,
                        res_str: std::ptr::null(),
                        res_u64: 0,
                    };
                    // SAFETY: the 0.2/0.3 signature.
                    let code = unsafe { sym.cast::<ExtractV0Fn>()(self.raw, ev, 1, &mut fld) };
                    (code, fld.field_present != 0, fld.res_u64, fld.res_str)
                };
                let ok = self.generation().rc(code) == Rc::Success;
                if ok && present {
                    if pf.field_type == FieldType::String {
                        if strp.is_null() {
                            results.set_error(cell, fault(format!("{}: field present with a NULL string", pf.label)));
                        } else {
                            let mark = results.mark();
                            // SAFETY: a NUL-terminated string from the plugin.
                            results.push_str(unsafe { CStr::from_ptr(strp) }.to_bytes());
                            results.set_values(cell, mark, false);
                        }
                    } else {
                        let mark = results.mark();
                        results.push(Scalar::U64(u64v));
                        results.set_values(cell, mark, false);
                    }
                } else if !ok {
                    results.set_error(cell, self.failure(&pf.label, code));
                }
                // seed / 0.1: the string is the host's to release, present or not.
                unsafe { releaser.release(strp as *mut c_void) };
            }
        });
    }
}

/// One event's `extract_fields` calls in a generation's ABI: a call covering some fields of
/// the plan, and the copy of one field's result before the next call.
trait FieldCalls {
    /// Calls the plugin for the fields `first..first + count`; its return code.
    fn call(&mut self, first: usize, count: usize) -> i32;
    /// Copies into `cell` the result of field `j`, entry `index` of the last call.
    fn store(&self, results: &mut ExtractResults, cell: usize, pf: &PreparedField, j: usize, index: usize);
}

/// 1.x/2.x: the 32-byte event and 64-byte fields with `bool` members.
struct V1Calls<'a> {
    f: ExtractV1Fn,
    state: *mut c_void,
    ev: EventV0,
    fields: &'a mut [FieldV1],
}

impl FieldCalls for V1Calls<'_> {
    fn call(&mut self, first: usize, count: usize) -> i32 {
        let fields = &mut self.fields[first..first + count];
        for fld in fields.iter_mut() {
            fld.res = std::ptr::null();
            fld.res_len = 0;
        }
        // SAFETY: the 1.x/2.x signature.
        unsafe { (self.f)(self.state, &self.ev, count as u32, fields.as_mut_ptr()) }
    }

    fn store(&self, results: &mut ExtractResults, cell: usize, pf: &PreparedField, j: usize, _index: usize) {
        let out = &self.fields[j];
        // SAFETY: the plugin's result for this field, read before the next call.
        if let Err(e) = unsafe { read_values(results, cell, pf, out.res, out.res_len, out.flist != 0) } {
            results.set_error(cell, e);
        }
    }
}

/// 3.x: `ss_plugin_field_extract_input`, with the 3.11 value offsets when asked for.
struct V3Calls<'a> {
    f: ExtractV3Fn,
    state: *mut c_void,
    ev: EventInput,
    input: FieldExtractInput,
    fields: &'a mut [FieldV3],
    /// Pass `value_offsets` (the plan asks for offsets and the plugin is 3.11+).
    want_offsets: bool,
    /// The plan asks for offsets: store them when the plugin gave some.
    with_offsets: bool,
    offsets: ValueOffsets,
}

impl FieldCalls for V3Calls<'_> {
    fn call(&mut self, first: usize, count: usize) -> i32 {
        for fld in &mut self.fields[first..first + count] {
            fld.res = std::ptr::null();
            fld.res_len = 0;
        }
        self.input.fields = self.fields[first..].as_mut_ptr();
        self.input.num_fields = count as u32;
        self.offsets = ValueOffsets::NONE;
        self.input.value_offsets = if self.want_offsets {
            &mut self.offsets
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: the 3.x signature; every pointer stays valid for the call.
        let code = unsafe { (self.f)(self.state, &self.ev, &self.input) };
        // libsinsp's garbage collection after each call: subtable accessors and entries the
        // plugin obtained are gone (values read from them stay in the tables)
        // SAFETY: the owner the input carries is the state's boxed owner (or NULL).
        if let Some(o) = unsafe { (self.input.owner as *const crate::owner::Owner).as_ref() } {
            o.tables.end_callback();
        }
        code
    }

    fn store(&self, results: &mut ExtractResults, cell: usize, pf: &PreparedField, j: usize, index: usize) {
        let (out, offsets) = (&self.fields[j], &self.offsets);
        // SAFETY: the plugin's result for this field, read before the next call.
        match unsafe { read_values(results, cell, pf, out.res, out.res_len, out.flist != 0) } {
            Ok(()) => {
                if self.with_offsets && out.res_len > 0 && !offsets.start.is_null() && !offsets.length.is_null() {
                    // SAFETY: 3.11: one entry per field of the call.
                    let (s, l) = unsafe { (*offsets.start.add(index), *offsets.length.add(index)) };
                    results.set_offsets(cell, s, l);
                }
            }
            Err(e) => results.set_error(cell, e),
        }
    }
}

/// Asks the CPU for the header of the event a few places ahead: the reverse and shuffled passes
/// visit events out of order, and the first read of each event missed the caches (a tenth of
/// their plugin calls' time).
#[inline]
fn prefetch_ahead(events: &[EventRef<'_>], i: usize) {
    const AHEAD: usize = 8;
    #[cfg(target_arch = "x86_64")]
    if let Some(e) = events.get(i + AHEAD) {
        // SAFETY: a prefetch is a hint; the address is that of a live slice.
        unsafe { core::arch::x86_64::_mm_prefetch(e.bytes.as_ptr().cast::<i8>(), core::arch::x86_64::_MM_HINT_T0) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (events, i);
}
