//! Output written straight to a file descriptor (the CLI's stdout): print's lines leave the
//! plugin host without crossing into JavaScript, the IPC channel and the parent process, so
//! memory stays flat however long the lines and no copy is made on the way.

use std::io;

use crate::error::EngineError;

/// How a write ended.
#[derive(Debug, PartialEq, Eq)]
pub enum FdWrite {
    Written,
    /// The reader went away (EPIPE: `| head`): the run should stop quietly.
    Closed,
}

/// Writes all of `bytes` to `fd`. The descriptor may be non-blocking (Node makes its stdout
/// pipes so, and the flag is shared with every process holding the pipe): a full pipe is
/// waited on, not an error.
pub fn write_all(fd: i32, mut bytes: &[u8]) -> io::Result<FdWrite> {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe `bytes`.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            bytes = &bytes[n as usize..];
            continue;
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => {}
            Some(libc::EAGAIN) => wait_writable(fd),
            Some(libc::EPIPE) => return Ok(FdWrite::Closed),
            _ => return Err(err),
        }
    }
    Ok(FdWrite::Written)
}

/// Writes a step's text to `fd` and empties it; an error names the output.
pub fn write_out(fd: i32, text: &mut String) -> Result<FdWrite, EngineError> {
    let written = write_all(fd, text.as_bytes()).map_err(|e| EngineError::io(if fd == 1 { "standard output" } else { "the output" }, &e))?;
    text.clear();
    Ok(written)
}

/// The end of a print or rules step: its lines go to `fd` (when it has one) even when the step
/// failed, so that the lines before a failure reach their destination before its error. Then
/// the step's error, else whether `fd`'s reader went away.
pub fn end_step(fd: Option<i32>, text: &mut String, stepped: Result<(), EngineError>) -> Result<bool, EngineError> {
    let written = fd.map(|fd| write_out(fd, text)).transpose();
    stepped?;
    Ok(written? == Some(FdWrite::Closed))
}

fn wait_writable(fd: i32) {
    let mut p = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
    // SAFETY: one valid pollfd; the result only decides whether to retry the write.
    unsafe { libc::poll(&mut p, 1, 1000) };
}
