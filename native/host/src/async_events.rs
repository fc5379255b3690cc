//! 3.x async events: [`PluginState::start_async`] hands the plugin a C-ABI handler that copies
//! each event into the state's queue (thread-safe: plugins call it from their own threads);
//! [`PluginState::take_async_events`] drains the queue. Dropping or destroying the state stops
//! the plugin first (`set_async_event_handler` with a NULL handler: the plugin must join its
//! threads before returning), so the handler never outlives the queue.
//!
//! Accepted events are type 402 with a name listed by `get_async_events`; others are refused
//! with an error text in the plugin's buffer. A `ts` of -1 is stamped at receipt (3.2); the
//! plugin ID is set to the plugin's own ID when it has one.

use crate::abi::fns::SetAsyncHandlerFn;
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::events::EventBatch;
use crate::generation::Rc;
use crate::owner;
use crate::state::PluginState;

impl PluginState {
    /// Starts async event delivery.
    pub fn start_async(&mut self) -> Result<(), HostError> {
        if !self.plugin.info().capabilities.async_events {
            return Err(HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' has no async events capability", self.plugin.name()),
            ));
        }
        if self.async_started {
            return Ok(());
        }
        let code = self.set_handler(true)?;
        if self.generation().rc(code) != Rc::Success {
            return Err(HostError::with_plugin_text(
                ErrorKind::CallFailed,
                format!("plugin '{}' refused to start async events", self.plugin.name()),
                self.last_error(),
            ));
        }
        self.async_started = true;
        Ok(())
    }

    /// Stops async event delivery (no-op when not started).
    pub fn stop_async(&mut self) {
        if self.async_started {
            self.async_started = false;
            let _ = self.set_handler(false);
        }
    }

    fn set_handler(&self, on: bool) -> Result<i32, HostError> {
        let sym = self
            .loaded()
            .exports
            .set_async_event_handler
            .ok_or_else(|| HostError::new(ErrorKind::MissingSymbol, "missing plugin_set_async_event_handler"))?;
        let owner = self
            .owner
            .as_ref()
            .ok_or_else(|| HostError::new(ErrorKind::InvalidRequest, "no owner for async events"))?;
        let f: SetAsyncHandlerFn = unsafe { sym.cast() };
        let _lock = self.loaded().guard(false);
        let _scope = crash::enter(self.loaded().name(), Operation::Async);
        let handler = if on {
            Some(owner::async_handler as crate::abi::v3::AsyncHandlerFn)
        } else {
            None
        };
        // SAFETY: the owner is boxed and lives as long as the state.
        Ok(unsafe { f(self.raw, owner.as_ptr(), handler) })
    }

    /// Moves the async events received so far to `out` (appended); returns how many, and how
    /// many the handler refused since the last call.
    pub fn take_async_events(&mut self, out: &mut EventBatch) -> (usize, u64) {
        let Some(owner) = self.owner.as_ref() else {
            return (0, 0);
        };
        let id = self.plugin.info().id.filter(|id| *id != 0);
        let mut queue = owner.async_queue.lock().unwrap_or_else(|p| p.into_inner());
        let n = queue.events.len();
        for i in 0..n {
            let start = out.bytes.len();
            out.bytes.extend_from_slice(queue.events.event(i));
            if let Some(id) = id {
                out.bytes[start + 38..start + 42].copy_from_slice(&id.to_le_bytes());
            }
            out.offsets.push(start);
        }
        queue.events.clear();
        (n, std::mem::take(&mut queue.rejected))
    }

    /// 3.10 `dump_state`: the plugin emits its state as async events through the handler;
    /// they are appended to `out`.
    pub fn dump_state(&mut self, out: &mut EventBatch) -> Result<usize, HostError> {
        let sym = self.loaded().exports.dump_state.ok_or_else(|| {
            HostError::new(
                ErrorKind::InvalidRequest,
                format!("plugin '{}' does not export plugin_dump_state", self.plugin.name()),
            )
        })?;
        let owner = self
            .owner
            .as_ref()
            .ok_or_else(|| HostError::new(ErrorKind::InvalidRequest, "no owner for async events"))?;
        let f: SetAsyncHandlerFn = unsafe { sym.cast() };
        let code = {
            let _lock = self.loaded().guard(false);
            let _scope = crash::enter(self.loaded().name(), Operation::Async);
            unsafe { f(self.raw, owner.as_ptr(), Some(owner::async_handler)) }
        };
        if self.generation().rc(code) != Rc::Success {
            return Err(HostError::with_plugin_text(
                ErrorKind::CallFailed,
                format!("plugin '{}': dump_state failed", self.plugin.name()),
                self.last_error(),
            ));
        }
        Ok(self.take_async_events(out).0)
    }
}
