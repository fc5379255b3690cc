//! Reading and writing libscap `.scap` capture files.
//!
//! One module per block type ([`section`], [`machine_info`], [`proclist`], [`fdlist`],
//! [`iflist`], [`userlist`], [`event`]), a streaming [`reader`] with a fixed window, a
//! [`writer`] that produces files Debian's sysdig 0.29.3 and current libscap read, and a
//! [`summary`] of a whole capture. Byte layouts follow `shared/reference/scap-format.md`.

pub mod block;
pub mod bytes;
pub mod converter;
pub mod error;
pub mod event;
pub mod event_schema;
pub mod event_types;
pub mod fdlist;
pub mod iflist;
pub mod input;
pub mod machine_info;
pub mod metadata;
pub mod output_file;
pub mod params;
pub mod plugin_event;
pub mod proclist;
pub mod reader;
pub mod section;
pub mod summary;
pub mod userlist;
pub mod writer;

pub use error::{ErrorKind, ScapError};
pub use input::Compression;
pub use reader::{Event, Item, ScapReader};
pub use writer::ScapWriter;
