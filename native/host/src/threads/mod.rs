//! The host's `threads` table and its subtables, as libsinsp defines them: the thread table
//! (static fields of `sinsp_threadinfo`), each thread's `file_descriptors` table (static
//! fields of `sinsp_fdinfo`), and its `args`, `env` and `cgroups` lists shown as tables.
//! The data model lives here; filling it from a capture is the inspector's job
//! ([`crate::inspector`]).

// Table methods take the opaque entry and field handles plugins pass back through the C ABI;
// they are valid by the table API's contract, as in libsinsp, not by Rust's types.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod fd_info;
pub mod fd_table;
pub mod list_table;
pub mod thread_group;
pub mod thread_info;
pub mod thread_table;

use std::sync::Arc;

pub use fd_info::{FdEntry, FdInfo};
pub use fd_table::FdTable;
pub use thread_info::{ThreadEntry, ThreadInfo};
pub use thread_table::{ThreadHooks, ThreadTable};

use crate::tables::TableRegistry;

/// A registry as a fresh libsinsp inspector has it: an empty `threads` table.
pub fn new_registry() -> (Arc<TableRegistry>, Arc<ThreadTable>) {
    let registry = Arc::new(TableRegistry::new());
    let threads = ThreadTable::new();
    registry.add(threads.clone()).expect("a fresh registry has no table");
    (registry, threads)
}
