//! `CaptureWriter`: writes packed batches (the reader's format) or single plugin events to a
//! capture. The recorder's hot path writes from Rust directly; this class serves the library API,
//! tests and tools.

use std::path::Path;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::machine_info::MachineInfo;
use scap::writer::{ScapWriter, WriterOptions};
use scap::{Compression, ErrorKind, ScapError};

use crate::batch::records;
use crate::error_info::ErrorInfo;

#[napi(object)]
pub struct WriterOptionsJs {
    /// `none`, `gzip` or `zstd`; default from the file name (`.gz`, `.zst`), else none.
    pub compression: Option<String>,
    pub level: Option<i32>,
    /// Write a zeroed machine-info block after the section header, as current libscap does for
    /// plugin captures (2022 libscap writes none).
    pub machine_info: Option<bool>,
}

#[napi(object)]
pub struct WriteResult {
    pub events: i64,
    pub bytes: i64,
    pub error: Option<ErrorInfo>,
}

#[napi]
pub struct CaptureWriter {
    inner: Arc<Mutex<Option<ScapWriter>>>,
    open_error: Option<ErrorInfo>,
}

pub fn parse_compression(name: Option<&str>, path: &Path) -> std::result::Result<Compression, ScapError> {
    match name {
        None => Ok(Compression::from_file_name(path)),
        Some(n) => Compression::from_name(n)
            .ok_or_else(|| ScapError::new(ErrorKind::Io, 0, format!("unknown compression {n:?} (none, gzip, zstd)"))),
    }
}

#[napi]
impl CaptureWriter {
    /// Creates the file and writes the section header. Failures are reported by every later
    /// call's `error` (creation never throws).
    #[napi(constructor)]
    pub fn new(path: String, options: Option<WriterOptionsJs>) -> Self {
        let path = Path::new(&path);
        let options = options.unwrap_or(WriterOptionsJs { compression: None, level: None, machine_info: None });
        let created = parse_compression(options.compression.as_deref(), path).and_then(|compression| {
            let opts = WriterOptions {
                compression: Some(compression),
                machine_info: options.machine_info.unwrap_or(false).then(MachineInfo::default),
                level: options.level,
                raw: false,
            };
            ScapWriter::create(path, &opts)
        });
        match created {
            Ok(w) => CaptureWriter { inner: Arc::new(Mutex::new(Some(w))), open_error: None },
            Err(e) => CaptureWriter { inner: Arc::new(Mutex::new(None)), open_error: Some((&e).into()) },
        }
    }

    /// Writes every record of a packed batch and flushes, on the thread pool.
    #[napi(ts_return_type = "Promise<WriteResult>")]
    pub fn write_batch(&self, batch: Buffer) -> AsyncTask<WriteBatch> {
        AsyncTask::new(WriteBatch { inner: self.inner.clone(), batch: batch.to_vec(), open_error: self.open_error.clone() })
    }

    /// Writes one plugin event (type 322, tid -1, cpuid 0). For small writes; batches are faster.
    #[napi]
    pub fn write_plugin_event(&self, ts: BigInt, plugin_id: u32, payload: Buffer) -> WriteResult {
        let (_, ts, _) = ts.get_u64();
        self.with(|w| w.write_plugin_event(ts, plugin_id, &payload))
    }

    /// Pushes everything written so far to the file (readable up to here if interrupted).
    #[napi]
    pub fn flush(&self) -> WriteResult {
        self.with(|w| w.flush())
    }

    /// Completes the file. Later calls report an error.
    #[napi]
    pub fn finish(&self) -> WriteResult {
        if let Some(e) = &self.open_error {
            return WriteResult { events: 0, bytes: 0, error: Some(e.clone()) };
        }
        let taken = self.inner.lock().ok().and_then(|mut g| g.take());
        match taken {
            None => closed(),
            Some(w) => match w.finish() {
                Ok(stats) => WriteResult { events: stats.events as i64, bytes: stats.bytes as i64, error: None },
                Err(e) => WriteResult { events: 0, bytes: 0, error: Some((&e).into()) },
            },
        }
    }

    fn with(&self, f: impl FnOnce(&mut ScapWriter) -> std::result::Result<(), ScapError>) -> WriteResult {
        if let Some(e) = &self.open_error {
            return WriteResult { events: 0, bytes: 0, error: Some(e.clone()) };
        }
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(_) => return closed(),
        };
        match guard.as_mut() {
            None => closed(),
            Some(w) => {
                let res = f(w);
                let stats = w.stats();
                WriteResult { events: stats.events as i64, bytes: stats.bytes as i64, error: res.err().as_ref().map(ErrorInfo::from) }
            }
        }
    }
}

fn closed() -> WriteResult {
    WriteResult {
        events: 0,
        bytes: 0,
        error: Some(ErrorInfo { code: "IO".into(), message: "capture writer is already finished".into(), offset: 0 }),
    }
}

pub struct WriteBatch {
    inner: Arc<Mutex<Option<ScapWriter>>>,
    batch: Vec<u8>,
    open_error: Option<ErrorInfo>,
}

impl Task for WriteBatch {
    type Output = WriteResult;
    type JsValue = WriteResult;

    fn compute(&mut self) -> Result<WriteResult> {
        if let Some(e) = &self.open_error {
            return Ok(WriteResult { events: 0, bytes: 0, error: Some(e.clone()) });
        }
        let mut guard = self.inner.lock().map_err(|_| Error::from_reason("capture writer lock poisoned"))?;
        let w = match guard.as_mut() {
            Some(w) => w,
            None => return Ok(closed()),
        };
        let mut error = None;
        for rec in records(&self.batch) {
            let res = rec
                .map_err(|msg| ScapError::new(ErrorKind::EventOverrun, 0, msg))
                .and_then(|r| w.write_event(r.cpuid, r.flags, r.event));
            if let Err(e) = res {
                error = Some(ErrorInfo::from(&e));
                break;
            }
        }
        if error.is_none() {
            if let Err(e) = w.flush() {
                error = Some(ErrorInfo::from(&e));
            }
        }
        let stats = w.stats();
        Ok(WriteResult { events: stats.events as i64, bytes: stats.bytes as i64, error })
    }

    fn resolve(&mut self, _env: Env, out: WriteResult) -> Result<WriteResult> {
        Ok(out)
    }
}
