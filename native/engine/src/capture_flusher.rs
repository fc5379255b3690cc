//! The capture file of a recording, written by a thread of its own.
//!
//! The recorder flushes its writer after every batch, so that an interrupted recording keeps
//! every event. When each flush was a `write` to the file, that was one system call per batch
//! (16 events from many sources) and a third of a recording's time. Here a flush only copies the
//! batch into a memory pipe; the flusher thread moves what the pipe holds to the file every
//! `FLUSH_INTERVAL`, without holding the recorder up. Batches thus reach the file within about a
//! millisecond, also while the recorder is stuck in a plugin that never returns (the host is then
//! stopped from outside). When a plugin crashes the process, the fatal-signal handler writes out
//! what the pipe holds (`last_words`). So a hang, a crash, a Ctrl-C or the end keep every event;
//! only a kill (SIGKILL) loses the last interval's.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::io::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long flushed bytes may wait in the pipe.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(1);
/// Bytes the pipe may hold before the recorder writes them out itself (when the file is slower
/// than the source, the recorder waits for it rather than the pipe growing).
const HIGH_WATER: usize = 8 << 20;

struct FileSide {
    file: File,
    /// The pipe's previous buffer, written out and reused.
    spare: Vec<u8>,
    error: Option<io::Error>,
}

struct Pipe {
    pending: Mutex<Vec<u8>>,
    file: Mutex<FileSide>,
    failed: AtomicBool,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // the data stays consistent across a panic (plain bytes)
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pipe {
    /// Moves what the pipe holds to the file. The file side is locked first, so that chunks
    /// reach the file in the order they entered the pipe whoever writes them.
    fn drain(&self) {
        let mut side = lock(&self.file);
        let side = &mut *side;
        std::mem::swap(&mut *lock(&self.pending), &mut side.spare);
        if side.spare.is_empty() || side.error.is_some() {
            side.spare.clear();
            return;
        }
        if let Err(e) = side.file.write_all(&side.spare) {
            side.error = Some(e);
            self.failed.store(true, Ordering::Release);
        }
        side.spare.clear();
    }

    fn failure(&self) -> io::Result<()> {
        if !self.failed.load(Ordering::Acquire) {
            return Ok(());
        }
        let side = lock(&self.file);
        let e = side.error.as_ref().expect("a failure is recorded");
        Err(io::Error::new(e.kind(), e.to_string()))
    }
}

/// The pipe the fatal-signal handler writes out (one recording per process at a time).
static CRASH_PIPE: AtomicPtr<Pipe> = AtomicPtr::new(std::ptr::null_mut());

/// Runs in the fatal-signal handler, on the thread that crashed (inside a plugin, so it holds
/// neither lock): waits, briefly, for the flusher thread to finish a write in progress, then
/// writes what the pipe holds with write(2). No allocation, no blocking lock.
fn last_words() {
    let pipe = CRASH_PIPE.load(Ordering::Acquire);
    if pipe.is_null() {
        return;
    }
    // SAFETY: the pipe is registered only while its flusher lives (`stop` unregisters first).
    let pipe = unsafe { &*pipe };
    for _ in 0..100_000 {
        let Ok(side) = pipe.file.try_lock() else {
            // SAFETY: sched_yield(2) is async-signal-safe.
            unsafe { libc::sched_yield() };
            continue;
        };
        if side.error.is_none() {
            if let Ok(pending) = pipe.pending.try_lock() {
                let fd = side.file.as_raw_fd();
                let mut bytes: &[u8] = &pending;
                while !bytes.is_empty() {
                    // SAFETY: write(2) on our open file from a live buffer.
                    let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
                    if n <= 0 {
                        break;
                    }
                    bytes = &bytes[n as usize..];
                }
            }
        }
        return;
    }
}

/// The recorder's end of the pipe: what the capture writer writes to.
pub struct PipeWriter(Arc<Pipe>);

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.failure()?;
        let held = {
            let mut pending = lock(&self.0.pending);
            pending.extend_from_slice(buf);
            pending.len()
        };
        if held >= HIGH_WATER {
            self.0.drain();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.failure()
    }
}

pub struct CaptureFlusher {
    pipe: Arc<Pipe>,
    thread: Option<JoinHandle<()>>,
}

impl CaptureFlusher {
    /// Starts the flusher thread on `file`; the returned writer feeds it.
    pub fn start(file: File) -> io::Result<(CaptureFlusher, PipeWriter)> {
        let pipe = Arc::new(Pipe {
            pending: Mutex::new(Vec::new()),
            file: Mutex::new(FileSide { file, spare: Vec::new(), error: None }),
            failed: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let theirs = pipe.clone();
        let thread = std::thread::Builder::new().name("capture-flush".into()).spawn(move || {
            while !theirs.stop.load(Ordering::Acquire) {
                theirs.drain();
                std::thread::park_timeout(FLUSH_INTERVAL);
            }
        })?;
        if CRASH_PIPE.compare_exchange(std::ptr::null_mut(), Arc::as_ptr(&pipe) as *mut Pipe, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            plugin_host::crash::set_last_words(Some(last_words));
        }
        Ok((CaptureFlusher { pipe: pipe.clone(), thread: Some(thread) }, PipeWriter(pipe)))
    }

    fn stop(&mut self) {
        let _ = CRASH_PIPE.compare_exchange(Arc::as_ptr(&self.pipe) as *mut Pipe, std::ptr::null_mut(), Ordering::AcqRel, Ordering::Acquire);
        if let Some(thread) = self.thread.take() {
            self.pipe.stop.store(true, Ordering::Release);
            thread.thread().unpark();
            let _ = thread.join();
        }
        self.pipe.drain();
    }

    /// Writes out what the pipe still holds (after the capture writer's last flush) and stops
    /// the thread; the first write error of the run, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.stop();
        self.pipe.failure()
    }
}

impl Drop for CaptureFlusher {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scap::writer::{ScapWriter, WriterOptions};
    use scap::Compression;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("scap-flusher-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("c.scap")
    }

    #[test]
    fn flushed_events_reach_the_file_while_the_recorder_waits() {
        let path = temp("wait");
        let (flusher, pipe) = CaptureFlusher::start(File::create(&path).unwrap()).unwrap();
        let mut writer = ScapWriter::new(Box::new(pipe), Compression::None, &WriterOptions::default()).unwrap();
        let mut event = Vec::new();
        scap::plugin_event::encode(&mut event, 1, 999, b"payload");
        writer.write_event(0, 0, &event).unwrap();
        writer.flush().unwrap();
        // the recorder does nothing more (a plugin that hangs): the thread writes the event out
        let expected = writer.stats().bytes;
        let mut written = 0;
        for _ in 0..2000 {
            written = std::fs::metadata(&path).unwrap().len();
            if written == expected {
                break;
            }
            std::thread::sleep(FLUSH_INTERVAL);
        }
        assert_eq!(written, expected, "the flushed event did not reach the file");
        writer.finish().unwrap();
        flusher.finish().unwrap();
        let mut reader = scap::ScapReader::open(&path).unwrap();
        let mut events = 0;
        while reader.next_event().unwrap().is_some() {
            events += 1;
        }
        assert_eq!(events, 1);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn chunks_keep_their_order_when_the_recorder_drains_too() {
        let path = temp("order");
        let (flusher, mut pipe) = CaptureFlusher::start(File::create(&path).unwrap()).unwrap();
        let mut expected = Vec::new();
        for i in 0..(3 * HIGH_WATER / 4096) as u32 {
            let chunk = [(i % 251) as u8; 4096];
            pipe.write_all(&chunk).unwrap();
            expected.extend_from_slice(&chunk);
        }
        flusher.finish().unwrap();
        assert!(std::fs::read(&path).unwrap() == expected, "bytes reordered or lost");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
