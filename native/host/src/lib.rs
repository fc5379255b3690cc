//! The plugin host: loads Falco plugin shared libraries of every plugin-API generation (the
//! seed-era "1.0.0", 0.1, 0.2, 0.3, 1.x, 2.x and 3.0–3.12) and drives them as that
//! generation's framework did. Facts come from `shared/reference/plugin-api.md`.
//!
//! * [`Plugin::load`]: dlopen (never closed), generation choice and compatibility check
//!   ([`generation`]), required symbols and capabilities ([`capabilities`]), info and fields
//!   ([`PluginInfo`], [`fields`]).
//! * [`Plugin::init`]: init-config validation against the plugin's JSON Schema ([`config`]),
//!   then a [`PluginState`].
//! * [`PluginState`]: event sourcing ([`source`]), batched field extraction ([`extract`] into
//!   [`ExtractResults`]), 3.x parsing and async events ([`async_events`]).
//! * [`crash`]: the "current operation" record a parent reads after a plugin crashed its child.
//!
//! ```no_run
//! use plugin_host::{BatchStatus, EventBatch, ExtractPlan, ExtractResults, Plugin};
//!
//! let plugin = Plugin::load("fixtures/plugins/build/libdummy_api3.so")?;
//! println!("{}", serde_json::to_string(plugin.info()).unwrap());
//! let mut state = plugin.init(r#"{"seed": 7}"#)?; // validated against the init schema
//! state.open(r#"{"maxEvents": 100}"#)?;
//! let mut events = EventBatch::default(); // v2-layout events + offsets, for scap's writer
//! loop {
//!     match state.next_batch(&mut events)? {
//!         BatchStatus::Events(_) => {}
//!         BatchStatus::Timeout => std::thread::sleep(std::time::Duration::from_millis(10)),
//!         BatchStatus::Eof => break,
//!     }
//! }
//! let plan = ExtractPlan::parse(&plugin, &["dummy.value", "dummy.divisible[3]"])?;
//! let mut results = ExtractResults::new(); // reuse it batch after batch
//! state.extract(&plan, "dummy", &events.event_refs(1), &mut results)?;
//! println!("{}", results.get(0, 1)); // canonical text: 1, "abc", [1,2], <absent>, <error: ...>
//! # Ok::<(), plugin_host::HostError>(())
//! ```

pub mod abi;
pub mod async_events;
pub mod capabilities;
pub mod config;
pub mod crash;
pub mod error;
pub mod events;
pub mod extract;
pub mod fields;
pub mod generation;
pub mod info;
pub mod inspector;
pub mod library;
pub mod listen;
pub mod owner;
pub mod parse;
pub mod plugin;
pub mod plugin_text;
pub mod results;
pub mod source;
pub mod state;
pub mod tables;
pub mod threads;
pub mod value;
pub mod version;

pub use capabilities::Capabilities;
pub use error::{ErrorKind, HostError};
pub use events::{EventBatch, EventRef, EventView};
pub use extract::{CallConvention, ExtractPlan, FieldRequest};
pub use fields::{FieldArg, FieldInfo, FieldType};
pub use generation::Generation;
pub use info::{InitSchema, OpenParam, PluginInfo};
pub use plugin::Plugin;
pub use results::{ExtractError, ExtractErrorKind, ExtractResults, FieldOutcome, Values};
pub use source::{BatchStatus, Progress};
pub use state::{EventTypes, Metric, MetricValue, PluginState};
pub use value::{ExtractedValue, ValueRef};
