//! scaptool's engines, between the capture crate (`scap`) and the plugin host (`plugin-host`):
//!
//! * [`record`]: runs source plugins live, writes a libscap-compatible capture and, for every
//!   event, the value of every field of every loaded plugin that applies to it: the
//!   [`golden`] file.
//! * [`replay`]: reads the capture back through plugins (fresh states), compares with the
//!   golden file, and extracts again in other orders to find fields that depend on history.
//! * [`print`] and [`rules`]: `sysdig -r`-style printing with filters and formats, and Falco
//!   rules replayed on a capture; fields are resolved by [`fieldset`] (`evt.*` from
//!   [`evt_fields`], plugin fields), extracted per batch by [`extraction`], times by [`clock`].
//!
//! Record and replay share the [`session`] (plugins loaded for a run, their field columns and
//! which events each applies to) and [`rows`] (one batch of events extracted into golden cells).

// EngineError carries its context (plugin, file, offset, filter location) and is built only on
// failure paths, so its size costs nothing where it matters.
#![allow(clippy::result_large_err)]

pub mod capture_feed;
pub mod capture_flusher;
pub mod capture_state;
pub mod clock;
pub mod compare;
pub mod error;
pub mod event_batch;
pub mod evt_fields;
pub mod extraction;
pub mod fd_output;
pub mod fieldset;
pub mod golden;
pub mod golden_diff;
pub mod merge;
pub mod order;
pub mod positions;
pub mod print;
pub mod record;
pub mod replay;
pub mod rows;
pub mod rules;
pub mod select;
pub mod session;
pub mod spec;
pub mod top_values;

pub use error::{EngineError, EngineErrorKind};
