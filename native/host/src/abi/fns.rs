//! Signatures of the exported `plugin_*` functions, per generation where they differ. Return
//! codes are read as `i32` (a 4-byte enum from 0.1.0 on, `int32_t` in the seed era).

use std::ffi::{c_char, c_void};

use super::legacy::{EventV0, FieldSeed, FieldV0, FieldV1};
use super::v3::{
    AsyncHandlerFn, CaptureListenInput, EventHeader, EventInput, EventParseInput, FieldExtractInput, InitInput,
    Metric, Owner, SetConfigInput,
};

pub type State = c_void;
pub type Instance = c_void;

// -- same in every generation (the seed/0.1 `char*` returns are malloc'd, see `Release`) --
pub type StrGetterFn = unsafe extern "C" fn() -> *const c_char;
pub type U32GetterFn = unsafe extern "C" fn() -> u32;
pub type InitSchemaFn = unsafe extern "C" fn(*mut u32) -> *const c_char;
pub type DestroyFn = unsafe extern "C" fn(*mut State);
pub type StateStrFn = unsafe extern "C" fn(*mut State) -> *const c_char;
pub type OpenFn = unsafe extern "C" fn(*mut State, *const c_char, *mut i32) -> *mut Instance;
pub type CloseFn = unsafe extern "C" fn(*mut State, *mut Instance);
pub type ListOpenParamsFn = unsafe extern "C" fn(*mut State, *mut i32) -> *const c_char;
pub type ProgressFn = unsafe extern "C" fn(*mut State, *mut Instance, *mut u32) -> *const c_char;
pub type FreeMemFn = unsafe extern "C" fn(*mut c_void);

// -- seed .. 2.0.0 --
pub type InitLegacyFn = unsafe extern "C" fn(*const c_char, *mut i32) -> *mut State;
pub type NextFn = unsafe extern "C" fn(*mut State, *mut Instance, *mut *mut EventV0) -> i32;
pub type NextBatchLegacyFn = unsafe extern "C" fn(*mut State, *mut Instance, *mut u32, *mut *mut EventV0) -> i32;
pub type EventToStringV0Fn = unsafe extern "C" fn(*mut State, *const u8, u32) -> *const c_char;
pub type EventToStringV1Fn = unsafe extern "C" fn(*mut State, *const EventV0) -> *const c_char;
pub type ExtractSeedFn = unsafe extern "C" fn(*mut State, *const EventV0, u32, *mut FieldSeed) -> i32;
pub type ExtractV0Fn = unsafe extern "C" fn(*mut State, *const EventV0, u32, *mut FieldV0) -> i32;
pub type ExtractV1Fn = unsafe extern "C" fn(*mut State, *const EventV0, u32, *mut FieldV1) -> i32;

// -- 3.x --
pub type InitV3Fn = unsafe extern "C" fn(*const InitInput, *mut i32) -> *mut State;
pub type NextBatchV3Fn = unsafe extern "C" fn(*mut State, *mut Instance, *mut u32, *mut *mut *mut EventHeader) -> i32;
pub type EventToStringV3Fn = unsafe extern "C" fn(*mut State, *const EventInput) -> *const c_char;
pub type ExtractV3Fn = unsafe extern "C" fn(*mut State, *const EventInput, *const FieldExtractInput) -> i32;
/// 3.0 form of get_extract_event_types / get_parse_event_types.
pub type EventTypesV30Fn = unsafe extern "C" fn(*mut u32) -> *const u16;
/// 3.1+ form.
pub type EventTypesFn = unsafe extern "C" fn(*mut u32, *mut State) -> *const u16;
pub type ParseEventFn = unsafe extern "C" fn(*mut State, *const EventInput, *const EventParseInput) -> i32;
pub type SetAsyncHandlerFn = unsafe extern "C" fn(*mut State, *mut Owner, Option<AsyncHandlerFn>) -> i32;
pub type SetConfigFn = unsafe extern "C" fn(*mut State, *const SetConfigInput) -> i32;
pub type GetMetricsFn = unsafe extern "C" fn(*mut State, *mut u32) -> *const Metric;
/// 3.7 `capture_open` / `capture_close`.
pub type CaptureListenFn = unsafe extern "C" fn(*mut State, *const CaptureListenInput) -> i32;
