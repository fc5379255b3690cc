//! Strings and buffers the plugin returns: copied out at once (plugin memory is only valid
//! until its next call), then given back the way the generation requires (seed: `free()`,
//! 0.1.0: `plugin_free_mem()`, later: nothing). Text stays bytes; it is decoded lossily only
//! for display, so a plugin returning invalid UTF-8 is reported, never a panic.

use std::ffi::{c_char, c_void, CStr};

use crate::abi::fns::FreeMemFn;
use crate::generation::Release;

#[derive(Clone, Copy)]
pub struct Releaser {
    release: Release,
    free_mem: Option<FreeMemFn>,
}

impl Releaser {
    pub fn new(release: Release, free_mem: Option<FreeMemFn>) -> Self {
        Releaser { release, free_mem }
    }

    /// Gives back one pointer the plugin returned (no-op for plugin-owned memory and NULL).
    ///
    /// # Safety
    /// `p` must come from the plugin, and must not be used afterwards.
    pub unsafe fn release(&self, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        match self.release {
            Release::Free => unsafe { libc::free(p) },
            Release::FreeMem => {
                if let Some(f) = self.free_mem {
                    unsafe { f(p) }
                }
            }
            Release::PluginOwned => {}
        }
    }

    /// Copies a NUL-terminated string the plugin returned (`None` for NULL), then releases it.
    ///
    /// # Safety
    /// `p` must be NULL or a NUL-terminated string returned by the plugin.
    pub unsafe fn take(&self, p: *const c_char) -> Option<Vec<u8>> {
        if p.is_null() {
            return None;
        }
        let bytes = unsafe { CStr::from_ptr(p) }.to_bytes().to_vec();
        unsafe { self.release(p as *mut c_void) };
        Some(bytes)
    }

    pub fn is_plugin_owned(&self) -> bool {
        self.release == Release::PluginOwned
    }
}

/// Decodes plugin text for display; invalid UTF-8 becomes U+FFFD.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decodes plugin text that must be UTF-8, saying which getter returned what otherwise.
pub fn utf8_or_warn(bytes: Vec<u8>, what: &str, warnings: &mut Vec<String>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let s = lossy(e.as_bytes());
            warnings.push(format!("{what} returned invalid UTF-8 (shown with U+FFFD): {s:?}"));
            s
        }
    }
}
