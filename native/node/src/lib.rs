//! Node-API binding of scaptool's Rust core. It only converts and schedules: every capture
//! operation runs on the libuv thread pool (AsyncTask), events cross as packed buffers a batch
//! at a time (see `batch.rs`), and errors cross as data (`ErrorInfo`) that the hand-written
//! TypeScript layer turns into typed JS errors.

// The #[napi] exports are used from JavaScript only, so the crate's unit-test build sees them
// as dead code.
#![cfg_attr(test, allow(dead_code))]

mod batch;
mod capture_reader;
mod capture_writer;
mod convert;
mod edit;
mod engine;
mod error_info;
mod event_types;
mod json;
mod output_file;
mod plugin;
mod print_rules;
mod summary;
