//! 3.x event parsing (`parse_event`): the plugin sees each event of the types and sources it
//! asked for, after the framework's own parsing, with the state tables' reader and writer.

use std::ffi::CString;

use crate::abi::fns::ParseEventFn;
use crate::abi::v3::{EventHeader, EventInput, EventParseInput};
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::events::{EventRef, EventView};
use crate::generation::Rc;
use crate::owner;
use crate::state::PluginState;
use crate::tables::dispatch;

impl PluginState {
    /// Sends one event to `parse_event`; `Ok(false)` when the plugin did not ask for its type.
    /// The framework ignores parse errors; here they are returned, with the plugin's text.
    pub fn parse_event(&mut self, source: &str, evt: EventRef<'_>) -> Result<bool, HostError> {
        let sym = match self.loaded().exports.parse_event {
            Some(s) if self.plugin.info().capabilities.parsing => s,
            _ => {
                return Err(HostError::new(
                    ErrorKind::InvalidRequest,
                    format!("plugin '{}' has no event parsing capability", self.plugin.name()),
                ))
            }
        };
        let view = EventView::parse(evt.bytes)
            .ok_or_else(|| HostError::new(ErrorKind::InvalidRequest, "parse_event: not a complete v2 event"))?;
        if !self.parse_set.contains(view.event_type) {
            return Ok(false);
        }
        let src = CString::new(source).unwrap_or_default();
        let minor = self.loaded().minor;
        let input = EventParseInput {
            owner: self.owner.as_ref().map_or(std::ptr::null_mut(), |o| o.as_ptr()),
            get_owner_last_error: Some(owner::get_owner_last_error),
            table_reader: dispatch::READER,
            table_writer: dispatch::WRITER,
            table_reader_ext: if minor >= 1 {
                &dispatch::READER_EXT
            } else {
                std::ptr::null()
            },
            table_writer_ext: if minor >= 1 {
                &dispatch::WRITER
            } else {
                std::ptr::null()
            },
        };
        let ev = EventInput {
            evt: view.bytes.as_ptr() as *const EventHeader,
            evtnum: evt.num,
            evtsrc: src.as_ptr(),
        };
        let f: ParseEventFn = unsafe { sym.cast() };
        let code = {
            let _lock = self.loaded().guard(false);
            let scope = crash::enter(self.loaded().name(), Operation::ParseEvent);
            scope.set_event(evt.num);
            // SAFETY: the 3.x parse_event signature; inputs outlive the call.
            unsafe { f(self.raw, &ev, &input) }
        };
        if let Some(o) = self.owner.as_ref() {
            o.tables.end_callback();
        }
        if self.generation().rc(code) != Rc::Success {
            return Err(HostError::with_plugin_text(
                ErrorKind::CallFailed,
                format!(
                    "plugin '{}': parse_event failed on event {}",
                    self.plugin.name(),
                    evt.num
                ),
                self.last_error(),
            ));
        }
        Ok(true)
    }
}
