//! An initialised plugin state (`ss_plugin_t*`): its lifecycle and the calls that need only a
//! state (last error, open-params suggestions, event types, metrics, config). Sourcing,
//! extraction, parsing and async events are in their own modules.
//!
//! ## Threads
//!
//! `PluginState` is `Send` (not `Sync`: every call takes `&mut self`, because plugin memory is
//! only valid until the next call). Whether distinct states may run at the same time depends on
//! the generation ([`crate::PluginInfo::concurrent_states_allowed`]):
//! * 2.x and 3.x: yes, the 2.0.0 contract says so; calls run without a host lock.
//! * seed, 0.x, 1.x: no contract (and Go SDK v0.2.0 shares one object between all states), so
//!   every call of every state of the library takes one per-library lock: moving states to
//!   other threads is safe, they just do not run in parallel.
//! * Go c-shared libraries of any generation: several live states, but every call takes the
//!   lock (the Go SDK v0.8.3 corrupts the Go heap when two states extract at the same time):
//!   [`crate::PluginInfo::parallel_calls_allowed`].
//! * init, destroy, open and close always take that lock (Go SDK v0.5/v0.6 handle tables are
//!   not synchronised).

use std::ffi::{c_void, CString};

use serde::Serialize;

use crate::abi::fns::{
    DestroyFn, EventTypesFn, EventTypesV30Fn, GetMetricsFn, ListOpenParamsFn, SetConfigFn, StateStrFn,
};
use crate::abi::v3::{metric_value_type, SetConfigInput};
use crate::abi::{event_code, rc};
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::extract::ExtractScratch;
use crate::generation::{Generation, Rc};
use crate::info::{parse_open_params, OpenParam};
use crate::owner::{LogMessage, Owner};
use crate::plugin::{Loaded, Plugin};
use crate::plugin_text::lossy;
use crate::source::Pending;

/// Which event types a 3.x plugin wants for extraction or parsing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum EventTypes {
    All,
    Only(Vec<u16>),
}

/// A 64 Ki-bit set of event types for the per-event check.
#[derive(Clone)]
pub(crate) struct TypeSet(Box<[u64; 1024]>);

impl TypeSet {
    fn from(types: &EventTypes) -> TypeSet {
        let mut bits = Box::new([0u64; 1024]);
        match types {
            EventTypes::All => bits.fill(u64::MAX),
            EventTypes::Only(list) => list.iter().for_each(|t| bits[*t as usize / 64] |= 1 << (t % 64)),
        }
        TypeSet(bits)
    }

    #[inline]
    pub fn contains(&self, t: u16) -> bool {
        self.0[t as usize / 64] & (1 << (t % 64)) != 0
    }
}

/// A metric from 3.6 `get_metrics`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    pub name: String,
    /// 0 monotonic, 1 non-monotonic.
    pub metric_type: u32,
    pub value: MetricValue,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MetricValue {
    U64(u64),
    I64(i64),
    F64(f64),
}

pub struct PluginState {
    pub(crate) plugin: Plugin,
    pub(crate) raw: *mut c_void,
    pub(crate) owner: Option<Box<Owner>>,
    pub(crate) instance: *mut c_void,
    pub(crate) opened: bool,
    pub(crate) pending: Option<Pending>,
    pub(crate) extract_types: EventTypes,
    pub(crate) extract_set: TypeSet,
    pub(crate) parse_types: EventTypes,
    pub(crate) parse_set: TypeSet,
    pub(crate) async_started: bool,
    pub(crate) scratch: ExtractScratch,
    destroyed: bool,
}

// SAFETY: see the module documentation: calls of generations without the 2.0 contract are
// serialised per library, and the raw pointers are only used through `&mut self`.
unsafe impl Send for PluginState {}

impl PluginState {
    pub(crate) fn new(plugin: Plugin, raw: *mut c_void, owner: Option<Box<Owner>>) -> PluginState {
        let only_plugin_events = EventTypes::Only(vec![event_code::PLUGINEVENT_E]);
        PluginState {
            plugin,
            raw,
            owner,
            instance: std::ptr::null_mut(),
            opened: false,
            pending: None,
            extract_set: TypeSet::from(&only_plugin_events),
            extract_types: only_plugin_events.clone(),
            parse_set: TypeSet::from(&only_plugin_events),
            parse_types: only_plugin_events,
            async_started: false,
            scratch: ExtractScratch::default(),
            destroyed: false,
        }
    }

    pub(crate) fn loaded(&self) -> &Loaded {
        &self.plugin.inner
    }

    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    pub fn generation(&self) -> Generation {
        self.plugin.generation()
    }

    pub(crate) fn fault(&self, message: impl AsRef<str>) -> HostError {
        HostError::new(
            ErrorKind::PluginFault,
            format!("plugin '{}': {}", self.plugin.name(), message.as_ref()),
        )
    }

    /// 3.x, after a successful init: the event types the plugin extracts from and parses.
    pub(crate) fn after_init(&mut self) -> Result<(), HostError> {
        if self.generation() != Generation::V3 {
            return Ok(());
        }
        let info = self.plugin.info();
        let wants_all = |sources: &[String]| sources.is_empty() || sources.iter().any(|s| s == "syscall");
        let extract_default = if wants_all(&info.extract_event_sources) {
            EventTypes::All
        } else {
            EventTypes::Only(vec![event_code::PLUGINEVENT_E])
        };
        let parse_default = if wants_all(&info.parse_event_sources) {
            EventTypes::All
        } else {
            EventTypes::Only(vec![event_code::PLUGINEVENT_E])
        };
        if info.capabilities.extraction {
            let sym = self.loaded().exports.get_extract_event_types;
            self.extract_types = self.event_types(sym).unwrap_or(extract_default);
            self.extract_set = TypeSet::from(&self.extract_types);
        }
        if info.capabilities.parsing {
            let sym = self.loaded().exports.get_parse_event_types;
            self.parse_types = self.event_types(sym).unwrap_or(parse_default);
            self.parse_set = TypeSet::from(&self.parse_types);
        }
        Ok(())
    }

    /// Calls a `get_*_event_types` (3.0 one-argument form, 3.1+ with the state); `None` when
    /// missing or empty (the framework's defaults apply).
    fn event_types(&self, sym: Option<crate::library::Sym>) -> Option<EventTypes> {
        let sym = sym?;
        let _lock = self.loaded().guard(false);
        let mut n = 0u32;
        // SAFETY: the signature of the plugin's minor.
        let ptr = unsafe {
            if self.loaded().minor == 0 {
                sym.cast::<EventTypesV30Fn>()(&mut n)
            } else {
                sym.cast::<EventTypesFn>()(&mut n, self.raw)
            }
        };
        if ptr.is_null() || n == 0 {
            return None;
        }
        // SAFETY: the plugin returns `n` codes.
        let mut types = unsafe { std::slice::from_raw_parts(ptr, n as usize) }.to_vec();
        types.sort_unstable();
        types.dedup();
        Some(EventTypes::Only(types))
    }

    /// The event types this state extracts from (3.x; `Only([322])` for older generations).
    pub fn extract_event_types(&self) -> &EventTypes {
        &self.extract_types
    }

    /// The event types this state parses (3.x parsing plugins).
    pub fn parse_event_types(&self) -> &EventTypes {
        &self.parse_types
    }

    /// The plugin's `get_last_error` text (`None` when it returns NULL).
    pub fn last_error(&self) -> Option<String> {
        let _lock = self.loaded().guard(false);
        self.last_error_locked()
    }

    /// `last_error` for a caller that already holds the library lock.
    pub(crate) fn last_error_locked(&self) -> Option<String> {
        let sym = self.loaded().exports.get_last_error?;
        let f: StateStrFn = unsafe { sym.cast() };
        // SAFETY: `const char* (ss_plugin_t*)` in every generation.
        unsafe { self.loaded().releaser.take(f(self.raw)) }.map(|b| lossy(&b))
    }

    /// `list_open_params` (0.3.0+): the plugin's suggestions. rc ≠ SUCCESS is an error with the
    /// plugin's text; an empty string means no suggestions.
    pub fn open_params(&mut self) -> Result<Vec<OpenParam>, HostError> {
        let Some(sym) = self.loaded().exports.list_open_params else {
            return Ok(Vec::new());
        };
        let f: ListOpenParamsFn = unsafe { sym.cast() };
        let mut code = rc::FAILURE;
        let text = {
            let _lock = self.loaded().guard(false);
            let _scope = crash::enter(self.loaded().name(), Operation::ListOpenParams);
            // SAFETY: `const char* (ss_plugin_t*, ss_plugin_rc*)`.
            unsafe { self.loaded().releaser.take(f(self.raw, &mut code)) }
        };
        if self.generation().rc(code) != Rc::Success {
            return Err(HostError::with_plugin_text(
                ErrorKind::CallFailed,
                format!("plugin '{}': list_open_params failed", self.plugin.name()),
                self.last_error(),
            ));
        }
        parse_open_params(&text.unwrap_or_default(), self.plugin.name())
    }

    /// 3.12 `get_required_event_schema_version` (reported, not enforced: scaptool parses no
    /// syscall events).
    pub fn required_event_schema_version(&self) -> Option<String> {
        let sym = self.loaded().exports.get_required_event_schema_version?;
        let f: StateStrFn = unsafe { sym.cast() };
        let _lock = self.loaded().guard(false);
        unsafe { self.loaded().releaser.take(f(self.raw)) }.map(|b| lossy(&b))
    }

    /// 3.4 `set_config`, validated against the init schema first (as the framework does).
    pub fn set_config(&mut self, config: &str) -> Result<(), HostError> {
        let sym = self.loaded().exports.set_config.ok_or_else(|| {
            HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' does not export plugin_set_config", self.plugin.name()),
            )
        })?;
        let effective = self.plugin.validate_config(config)?;
        let c = CString::new(effective)
            .map_err(|_| HostError::new(ErrorKind::InvalidConfig, "the config contains a NUL byte"))?;
        let input = SetConfigInput { config: c.as_ptr() };
        let f: SetConfigFn = unsafe { sym.cast() };
        let code = {
            let _lock = self.loaded().guard(false);
            let _scope = crash::enter(self.loaded().name(), Operation::SetConfig);
            unsafe { f(self.raw, &input) }
        };
        if self.generation().rc(code) != Rc::Success {
            return Err(HostError::with_plugin_text(
                ErrorKind::CallFailed,
                format!("plugin '{}' refused the new config", self.plugin.name()),
                self.last_error(),
            ));
        }
        Ok(())
    }

    /// 3.6 `get_metrics` (empty when not exported).
    pub fn metrics(&mut self) -> Result<Vec<Metric>, HostError> {
        let Some(sym) = self.loaded().exports.get_metrics else {
            return Ok(Vec::new());
        };
        let f: GetMetricsFn = unsafe { sym.cast() };
        let mut n = 0u32;
        let _lock = self.loaded().guard(false);
        let _scope = crash::enter(self.loaded().name(), Operation::GetMetrics);
        let ptr = unsafe { f(self.raw, &mut n) };
        if n == 0 {
            return Ok(Vec::new());
        }
        if ptr.is_null() {
            return Err(self.fault(format!("get_metrics announced {n} metrics but returned NULL")));
        }
        // SAFETY: `n` metrics, plugin-owned until the next call.
        let raw = unsafe { std::slice::from_raw_parts(ptr, n as usize) };
        let mut out = Vec::with_capacity(raw.len());
        for m in raw {
            let name = if m.name.is_null() {
                String::new()
            } else {
                lossy(unsafe { std::ffi::CStr::from_ptr(m.name) }.to_bytes())
            };
            let v = m.value;
            let value = match m.value_type {
                metric_value_type::U32 => MetricValue::U64(v as u32 as u64),
                metric_value_type::S32 | metric_value_type::I => MetricValue::I64(v as u32 as i32 as i64),
                metric_value_type::U64 => MetricValue::U64(v),
                metric_value_type::S64 => MetricValue::I64(v as i64),
                metric_value_type::D => MetricValue::F64(f64::from_bits(v)),
                metric_value_type::F => MetricValue::F64(f32::from_bits(v as u32) as f64),
                other => return Err(self.fault(format!("metric {name:?} has unknown value type {other}"))),
            };
            out.push(Metric {
                name,
                metric_type: m.metric_type,
                value,
            });
        }
        Ok(out)
    }

    /// Messages from the 3.3 logger so far, and how many were dropped.
    pub fn take_logs(&self) -> (Vec<LogMessage>, u64) {
        self.owner.as_ref().map(|o| o.take_logs()).unwrap_or_default()
    }

    /// Closes the open instance (if any), stops async events, and destroys the state.
    pub fn destroy(mut self) {
        self.teardown(true);
    }

    /// Ends a state whose init failed: destroyed (libsinsp) or left alone (seed/0.1 frameworks).
    pub(crate) fn discard(mut self, destroy: bool) {
        self.teardown(destroy);
    }

    fn teardown(&mut self, destroy: bool) {
        if self.destroyed {
            return;
        }
        self.destroyed = true;
        if self.opened {
            self.close();
        }
        self.stop_async();
        if destroy {
            if let Some(sym) = self.loaded().exports.destroy {
                let f: DestroyFn = unsafe { sym.cast() };
                let _lock = self.loaded().guard(true);
                let _scope = crash::enter(self.loaded().name(), Operation::Destroy);
                // SAFETY: the state came from this library's init and is destroyed once.
                unsafe { f(self.raw) };
            }
        }
        self.raw = std::ptr::null_mut();
    }
}

impl Drop for PluginState {
    fn drop(&mut self) {
        self.teardown(true);
    }
}
