//! Errors cross the boundary as plain data; `src/errors.ts` turns them into `ScapError`s.

use napi_derive::napi;
use scap::ScapError;

#[napi(object)]
#[derive(Clone)]
pub struct ErrorInfo {
    /// Stable code, e.g. `TRUNCATED`, `BAD_MAGIC` (see scap::error::ErrorKind::code).
    pub code: String,
    pub message: String,
    /// Byte offset of the fault (in the decompressed stream for compressed captures).
    pub offset: i64,
}

impl From<&ScapError> for ErrorInfo {
    fn from(e: &ScapError) -> Self {
        ErrorInfo { code: e.kind.code().to_string(), message: e.message.clone(), offset: e.offset as i64 }
    }
}
