//! State tables (plugin API 3.x), as libsinsp implements them: the init-time functions
//! (`list_tables`, `get_table`, `add_table`), the reader, writer and fields vtables (legacy and
//! `_ext`), every state type, subtables, iteration, entries created, added and erased, dynamic
//! fields, and tables defined by plugins. Type checks and error texts are libsinsp's.
//!
//! * [`TableRegistry`]: the tables of one inspector, shared by the plugins of a run.
//! * [`StateTable`]: one table, whoever owns it ([`PluginTable`] for plugin-defined ones; the
//!   host's `threads` table is in [`crate::threads`]).
//! * [`TableOwner`]: one plugin's side (last error, entries it holds, its accessors).
//! * [`accessor`] and [`dispatch`]: the C ABI.
//! * [`std_order`]: iteration in libstdc++'s `std::unordered_map` order, which plugins observe.

// Table methods take the opaque entry and field handles plugins pass back through the C ABI;
// they are valid by the table API's contract, as in libsinsp, not by Rust's types.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod accessor;
pub mod dispatch;
pub mod dynamic;
pub mod field;
pub mod owner;
pub mod plugin_table;
mod primes;
pub mod registry;
pub mod state_type;
pub mod std_order;
pub mod table;
pub mod table_dump;
pub mod text;

pub use field::{FieldCache, FieldDef, FieldDefs, Slot, StaticDecl};
pub use owner::TableOwner;
pub use plugin_table::PluginTable;
pub use registry::TableRegistry;
pub use state_type::StateType;
pub use table::{fail, StateTable, TableResult};
pub use text::CText;
