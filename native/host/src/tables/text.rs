//! `CText`: a byte string kept NUL-terminated, so that a table read can hand a plugin a
//! `const char*` into the entry itself (as libsinsp hands out `std::string::c_str()`), valid
//! until the value changes.

use std::ffi::{c_char, CStr};

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CText(Vec<u8>);

impl Default for CText {
    fn default() -> Self {
        CText(vec![0])
    }
}

impl std::fmt::Debug for CText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl CText {
    pub fn new(bytes: &[u8]) -> CText {
        let mut v = Vec::with_capacity(bytes.len() + 1);
        v.extend_from_slice(bytes);
        v.push(0);
        CText(v)
    }

    /// The bytes, without the terminating NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0[..self.0.len() - 1]
    }

    /// Lossy UTF-8 text.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }

    pub fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr() as *const c_char
    }

    pub fn is_empty(&self) -> bool {
        self.0.len() == 1
    }

    pub fn len(&self) -> usize {
        self.0.len() - 1
    }

    pub fn set(&mut self, bytes: &[u8]) {
        self.0.clear();
        self.0.extend_from_slice(bytes);
        self.0.push(0);
    }

    /// Copies a C string (NULL reads as empty, as libsinsp's `borrow_to<std::string>`).
    ///
    /// # Safety
    /// `p` is NULL or a NUL-terminated string.
    pub unsafe fn set_c(&mut self, p: *const c_char) {
        if p.is_null() {
            self.set(b"");
        } else {
            // SAFETY: per the contract above.
            self.set(unsafe { CStr::from_ptr(p) }.to_bytes());
        }
    }
}

impl From<&str> for CText {
    fn from(s: &str) -> CText {
        CText::new(s.as_bytes())
    }
}

impl From<&[u8]> for CText {
    fn from(s: &[u8]) -> CText {
        CText::new(s)
    }
}
