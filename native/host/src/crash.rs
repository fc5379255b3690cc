//! "What was the plugin doing when the process died?" A tiny record of the current plugin
//! call (plugin name, operation, event number, field), kept in a fixed-size shared-memory
//! region that a parent process reads after its child died. Updating it costs plain stores:
//! no syscall, no allocation per event.
//!
//! The same record answers "is the plugin stuck?": every call into the plugin advances the
//! slot's counters (`seq` per operation entered, `calls` per event or field), so a parent that
//! reads the region periodically sees a busy slot whose counters have not moved for longer than
//! its timeout, and knows which call never returned.
//!
//! Use: the child process creates a region in a file the parent names
//! ([`CrashRegion::create`]), [`CrashRegion::install`]s it, optionally installs
//! [`install_fatal_signal_handler`], then loads plugins. After the child dies, the parent calls
//! [`read_records`] on the file. Each thread gets its own slot (16 slots, reused round-robin),
//! so concurrent states do not overwrite each other's record.
//!
//! ## The fatal-signal handler and Go runtimes
//!
//! The optional handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) writes every busy slot to
//! stderr with `write(2)` only (async-signal-safe: no allocation, no lock, no formatting
//! machinery), restores the handler that was installed before it, and re-raises: a fault
//! re-executes the faulting instruction under the previous handler, a sent signal (abort,
//! kill) is raised again. It uses `SA_ONSTACK`, as Go requires of non-Go handlers.
//!
//! A Go c-shared plugin installs its own handlers when it is loaded, saving the ones already
//! there, and forwards signals raised in non-Go code to them; faults inside Go code become Go
//! panics. So install this handler **before loading any plugin**: Go then sees it as the
//! previous handler, forwards C-side crashes to it, and keeps its own panics. Installed after
//! a Go plugin, it runs first: it still reports the crash and then hands the signal back to the
//! Go handler, but it may also print a record for a fault that Go would have turned into a
//! recoverable panic (it restores the previous handler after the first signal, so only once).
//! Install it only in a process that exists to run plugins (never in Node, whose V8 may handle
//! SIGSEGV itself for WebAssembly).

use std::cell::Cell;
use std::ffi::c_int;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::atomic::{compiler_fence, AtomicPtr, AtomicU32, Ordering};

use memmap2::MmapMut;
use serde::Serialize;

use crate::error::{ErrorKind, HostError};

pub const REGION_SIZE: usize = 4096;
const MAGIC: [u8; 8] = *b"SCAPCRSH";
const LAYOUT_VERSION: u32 = 1;
const SLOTS: usize = 16;
const NAME_LEN: usize = 64;
const FIELD_LEN: usize = 96;
const NO_EVENT: u64 = u64::MAX;

#[repr(C)]
struct Header {
    magic: [u8; 8],
    version: u32,
    slots: u32,
    pid: u32,
    _reserved: [u8; 44],
}

#[repr(C)]
struct Slot {
    busy: u32,
    operation: u32,
    evtnum: u64,
    /// Incremented on every `enter`, so a reader can tell a record is recent.
    seq: u64,
    plugin: [u8; NAME_LEN],
    field: [u8; FIELD_LEN],
    /// Incremented before every event and field of the operation (progress within it).
    calls: u64,
}

const _: () = {
    assert!(std::mem::size_of::<Header>() == 64);
    assert!(std::mem::size_of::<Slot>() == 192);
    assert!(64 + SLOTS * 192 <= REGION_SIZE);
};

/// The plugin call in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u32)]
pub enum Operation {
    Load = 1,
    Init,
    Destroy,
    Open,
    Close,
    NextBatch,
    Extract,
    EventToString,
    ParseEvent,
    GetProgress,
    ListOpenParams,
    SetConfig,
    GetMetrics,
    Async,
    Info,
    CaptureListen,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::Load => "load",
            Operation::Init => "init",
            Operation::Destroy => "destroy",
            Operation::Open => "open",
            Operation::Close => "close",
            Operation::NextBatch => "next_batch",
            Operation::Extract => "extract",
            Operation::EventToString => "event_to_string",
            Operation::ParseEvent => "parse_event",
            Operation::GetProgress => "get_progress",
            Operation::ListOpenParams => "list_open_params",
            Operation::SetConfig => "set_config",
            Operation::GetMetrics => "get_metrics",
            Operation::Async => "async",
            Operation::Info => "info",
            Operation::CaptureListen => "capture_listen",
        }
    }

    fn from_code(code: u32) -> Option<Operation> {
        const ALL: [Operation; 16] = [
            Operation::Load,
            Operation::Init,
            Operation::Destroy,
            Operation::Open,
            Operation::Close,
            Operation::NextBatch,
            Operation::Extract,
            Operation::EventToString,
            Operation::ParseEvent,
            Operation::GetProgress,
            Operation::ListOpenParams,
            Operation::SetConfig,
            Operation::GetMetrics,
            Operation::Async,
            Operation::Info,
            Operation::CaptureListen,
        ];
        ALL.into_iter().find(|o| *o as u32 == code)
    }
}

/// A mapped region. Once installed it lives for the rest of the process.
pub struct CrashRegion {
    map: MmapMut,
}

impl CrashRegion {
    /// Creates (or truncates) `path` as a region file and maps it shared.
    pub fn create(path: &Path) -> Result<CrashRegion, HostError> {
        let io = |e: std::io::Error| HostError::new(ErrorKind::Io, format!("crash region {}: {e}", path.display()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(io)?;
        file.set_len(REGION_SIZE as u64).map_err(io)?;
        // SAFETY: the file is ours, and sized above; other processes only read it.
        let map = unsafe { MmapMut::map_mut(&file) }.map_err(io)?;
        Ok(CrashRegion::init(map))
    }

    /// A region in anonymous memory: only the in-process signal handler reads it.
    pub fn anonymous() -> Result<CrashRegion, HostError> {
        let map =
            MmapMut::map_anon(REGION_SIZE).map_err(|e| HostError::new(ErrorKind::Io, format!("crash region: {e}")))?;
        Ok(CrashRegion::init(map))
    }

    fn init(mut map: MmapMut) -> CrashRegion {
        map.fill(0);
        let header = map.as_mut_ptr() as *mut Header;
        // SAFETY: the map is REGION_SIZE bytes, page-aligned.
        unsafe {
            (*header).version = LAYOUT_VERSION;
            (*header).slots = SLOTS as u32;
            (*header).pid = std::process::id();
            compiler_fence(Ordering::SeqCst);
            (*header).magic = MAGIC;
        }
        CrashRegion { map }
    }

    /// Makes this the process's current region (a previous one stays mapped, unused).
    pub fn install(self) {
        let leaked: &'static mut CrashRegion = Box::leak(Box::new(self));
        let slots = unsafe { leaked.map.as_mut_ptr().add(std::mem::size_of::<Header>()) } as *mut Slot;
        CURRENT.store(slots, Ordering::Release);
    }
}

static CURRENT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());
static NEXT_SLOT: AtomicU32 = AtomicU32::new(0);

thread_local! {
    static MY_SLOT: Cell<u32> = const { Cell::new(u32::MAX) };
}

fn copy_text(dst: &mut [u8], text: &[u8]) {
    let n = text.len().min(dst.len() - 1);
    dst[..n].copy_from_slice(&text[..n]);
    dst[n] = 0;
}

/// The record of one plugin call; cleared when dropped.
pub struct Scope {
    slot: *mut Slot,
}

impl Scope {
    #[inline]
    pub fn set_event(&self, evtnum: u64) {
        if !self.slot.is_null() {
            // SAFETY: the slot belongs to this thread while the scope lives.
            unsafe {
                std::ptr::write_volatile(&mut (*self.slot).evtnum, evtnum);
                std::ptr::write_volatile(&mut (*self.slot).calls, (*self.slot).calls.wrapping_add(1));
            }
        }
    }

    #[inline]
    pub fn set_field(&self, label: &[u8]) {
        if !self.slot.is_null() {
            // SAFETY: as above.
            unsafe {
                copy_text(&mut (*self.slot).field, label);
                std::ptr::write_volatile(&mut (*self.slot).calls, (*self.slot).calls.wrapping_add(1));
                compiler_fence(Ordering::SeqCst);
            }
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if !self.slot.is_null() {
            compiler_fence(Ordering::SeqCst);
            // SAFETY: as above.
            unsafe { std::ptr::write_volatile(&mut (*self.slot).busy, 0) };
        }
    }
}

/// Records that this thread enters `operation` of `plugin`. Without an installed region the
/// scope is a no-op.
#[inline]
pub fn enter(plugin: &[u8], operation: Operation) -> Scope {
    let slots = CURRENT.load(Ordering::Acquire);
    if slots.is_null() {
        return Scope {
            slot: std::ptr::null_mut(),
        };
    }
    let index = MY_SLOT.with(|s| {
        if s.get() == u32::MAX {
            s.set(NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS as u32);
        }
        s.get()
    });
    // SAFETY: index < SLOTS, inside the mapped region.
    let slot = unsafe { slots.add(index as usize) };
    unsafe {
        let s = &mut *slot;
        copy_text(&mut s.plugin, plugin);
        s.field[0] = 0;
        std::ptr::write_volatile(&mut s.evtnum, NO_EVENT);
        std::ptr::write_volatile(&mut s.operation, operation as u32);
        std::ptr::write_volatile(&mut s.seq, s.seq.wrapping_add(1));
        compiler_fence(Ordering::SeqCst);
        std::ptr::write_volatile(&mut s.busy, 1);
    }
    Scope { slot }
}

/// A busy slot, as a parent reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrashRecord {
    pub pid: u32,
    pub plugin: String,
    pub operation: String,
    pub evtnum: Option<u64>,
    pub field: Option<String>,
    /// The slot (one per thread) and its progress counters: unchanged between two reads, the
    /// same call is still in progress.
    pub slot: u32,
    pub seq: u64,
    pub calls: u64,
}

fn text_of(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Reads the busy slots of a region file (after the child that wrote it died).
pub fn read_records(path: &Path) -> Result<Vec<CrashRecord>, HostError> {
    let bytes = std::fs::read(path)
        .map_err(|e| HostError::new(ErrorKind::Io, format!("crash region {}: {e}", path.display())))?;
    if bytes.len() < REGION_SIZE || bytes[..8] != MAGIC {
        return Err(HostError::new(
            ErrorKind::Io,
            format!("{} is not a crash region", path.display()),
        ));
    }
    let le32 = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let pid = le32(16);
    let mut out = Vec::new();
    for i in 0..SLOTS {
        let at = 64 + i * 192;
        if le32(at) == 0 {
            continue;
        }
        let le64 = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0xff; 8]));
        let evtnum = le64(at + 8);
        let field = text_of(&bytes[at + 88..at + 88 + FIELD_LEN]);
        out.push(CrashRecord {
            pid,
            plugin: text_of(&bytes[at + 24..at + 24 + NAME_LEN]),
            operation: Operation::from_code(le32(at + 4))
                .map(Operation::name)
                .unwrap_or("unknown")
                .to_string(),
            evtnum: (evtnum != NO_EVENT).then_some(evtnum),
            field: (!field.is_empty()).then_some(field),
            slot: i as u32,
            seq: le64(at + 16),
            calls: le64(at + 184),
        });
    }
    Ok(out)
}

// ---- the fatal-signal handler ---------------------------------------------------------

const FATAL: [c_int; 5] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL, libc::SIGABRT];

struct SavedActions(std::cell::UnsafeCell<[std::mem::MaybeUninit<libc::sigaction>; 5]>);
// Written once before the handlers are installed, read only by the handler afterwards.
unsafe impl Sync for SavedActions {}
static SAVED: SavedActions = SavedActions(std::cell::UnsafeCell::new([std::mem::MaybeUninit::uninit(); 5]));
static INSTALLED: AtomicU32 = AtomicU32::new(0);

/// Installs the handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (once per process).
pub fn install_fatal_signal_handler() -> Result<(), HostError> {
    if INSTALLED.swap(1, Ordering::AcqRel) != 0 {
        return Ok(());
    }
    for (i, sig) in FATAL.iter().enumerate() {
        // SAFETY: plain sigaction calls; SAVED is written before the handler can run.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let saved = (*SAVED.0.get())[i].as_mut_ptr();
            if libc::sigaction(*sig, &action, saved) != 0 {
                return Err(HostError::new(
                    ErrorKind::Io,
                    format!("sigaction({sig}) failed: {}", std::io::Error::last_os_error()),
                ));
            }
        }
    }
    Ok(())
}

/// A stack buffer for building the report without allocating.
struct StackText {
    buf: [u8; 1024],
    len: usize,
}

impl StackText {
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn push_cstr(&mut self, bytes: &[u8]) {
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        self.push(&bytes[..end]);
    }

    fn push_u64(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }
}

fn signal_name(sig: c_int) -> &'static [u8] {
    match sig {
        libc::SIGSEGV => b"SIGSEGV",
        libc::SIGBUS => b"SIGBUS",
        libc::SIGFPE => b"SIGFPE",
        libc::SIGILL => b"SIGILL",
        libc::SIGABRT => b"SIGABRT",
        _ => b"signal",
    }
}

static LAST_WORDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sets the function the fatal-signal handler calls after its report, before the process dies
/// (`None`: none). It runs in the signal handler: async-signal-safe code only (no allocation,
/// no blocking lock). A recording writes out the capture bytes it still holds.
pub fn set_last_words(last_words: Option<fn()>) {
    LAST_WORDS.store(last_words.map_or(0, |f| f as usize), Ordering::Release);
}

extern "C" fn on_fatal_signal(sig: c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let mut t = StackText { buf: [0; 1024], len: 0 };
    let slots = CURRENT.load(Ordering::Acquire);
    let mut reported = false;
    if !slots.is_null() {
        for i in 0..SLOTS {
            // SAFETY: reading our own mapped region.
            let s = unsafe { &*slots.add(i) };
            if unsafe { std::ptr::read_volatile(&s.busy) } == 0 {
                continue;
            }
            reported = true;
            t.push(b"scaptool: fatal ");
            t.push(signal_name(sig));
            t.push(b" in plugin '");
            t.push_cstr(&s.plugin);
            t.push(b"' during ");
            let op = Operation::from_code(s.operation)
                .map(Operation::name)
                .unwrap_or("unknown");
            t.push(op.as_bytes());
            let evtnum = unsafe { std::ptr::read_volatile(&s.evtnum) };
            if evtnum != NO_EVENT {
                t.push(b" of event ");
                t.push_u64(evtnum);
            }
            if s.field[0] != 0 {
                t.push(b" (field ");
                t.push_cstr(&s.field);
                t.push(b")");
            }
            t.push(b"\n");
        }
    }
    if !reported {
        t.push(b"scaptool: fatal ");
        t.push(signal_name(sig));
        t.push(b" outside any plugin call\n");
    }
    // SAFETY: write(2) and sigaction(2) are async-signal-safe; so must a last-words function be.
    unsafe {
        libc::write(2, t.buf.as_ptr() as *const libc::c_void, t.len);
        let last_words = LAST_WORDS.load(Ordering::Acquire);
        if last_words != 0 {
            std::mem::transmute::<usize, fn()>(last_words)();
        }
        if let Some(i) = FATAL.iter().position(|s| *s == sig) {
            libc::sigaction(sig, (*SAVED.0.get())[i].as_ptr(), std::ptr::null_mut());
        }
        // A sent signal (kill, raise, abort: si_code <= 0) is not repeated by returning.
        if info.is_null() || (*info).si_code <= 0 {
            libc::raise(sig);
        }
    }
}
