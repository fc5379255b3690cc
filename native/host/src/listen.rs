//! 3.7 capture listening: `capture_open` when a capture starts (the initial thread table is
//! loaded by then) and `capture_close` when it ends, with the table reader and writer. The
//! routine vtable is there, but as in the oracle build of libsinsp (no thread pool) a
//! subscription returns NULL and nothing runs.

use std::ffi::c_void;

use crate::abi::fns::CaptureListenFn;
use crate::abi::v3::{CaptureListenInput, RoutineFn, RoutineVtable};
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::generation::Rc;
use crate::owner;
use crate::state::PluginState;
use crate::tables::dispatch;

unsafe extern "C" fn subscribe(_o: *mut c_void, _f: Option<RoutineFn>, _s: *mut c_void) -> *mut c_void {
    std::ptr::null_mut()
}

unsafe extern "C" fn unsubscribe(_o: *mut c_void, _r: *mut c_void) -> i32 {
    crate::abi::rc::FAILURE
}

static ROUTINES: RoutineVtable = RoutineVtable { subscribe: Some(subscribe), unsubscribe: Some(unsubscribe) };

impl PluginState {
    /// Whether the plugin has the capture listening capability.
    pub fn listens(&self) -> bool {
        self.plugin.info().capabilities.listening
    }

    /// `capture_open`: an error (libsinsp's text) when the plugin returns FAILURE.
    pub fn capture_open(&mut self) -> Result<(), HostError> {
        self.listen(true)
    }

    /// `capture_close`.
    pub fn capture_close(&mut self) -> Result<(), HostError> {
        self.listen(false)
    }

    fn listen(&mut self, open: bool) -> Result<(), HostError> {
        let exports = &self.loaded().exports;
        let sym = if open { exports.capture_open } else { exports.capture_close };
        let Some(sym) = sym.filter(|_| self.listens()) else {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' has no capture listening capability", self.plugin.name()),
            ));
        };
        let input = CaptureListenInput {
            owner: self.owner.as_ref().map_or(std::ptr::null_mut(), |o| o.as_ptr()),
            routine: &ROUTINES,
            table_reader_ext: &dispatch::READER_EXT,
            table_writer_ext: &dispatch::WRITER,
            get_owner_last_error: Some(owner::get_owner_last_error),
        };
        let f: CaptureListenFn = unsafe { sym.cast() };
        let code = {
            let _lock = self.loaded().guard(false);
            let _scope = crash::enter(self.loaded().name(), Operation::CaptureListen);
            // SAFETY: the 3.7 signature; the input outlives the call.
            unsafe { f(self.raw, &input) }
        };
        if let Some(o) = self.owner.as_ref() {
            o.tables.end_callback();
        }
        if self.generation().rc(code) != Rc::Success {
            let what = if open { "capture_open" } else { "capture_close" };
            let text = self.last_error().unwrap_or_default();
            return Err(HostError::new(
                ErrorKind::CallFailed,
                format!("{what} error for plugin '{}' : {text}", self.plugin.name()),
            ));
        }
        Ok(())
    }
}
