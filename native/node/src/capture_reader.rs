//! `CaptureReader`: reads a capture in packed batches on the libuv thread pool. The file is
//! opened by the first batch (no blocking I/O on the JS thread); open errors come back as the
//! first batch's `error`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::block::block_type_name;
use scap::event_types::display_name;
use scap::metadata::Metadata;
use scap::{Item, ScapReader};

use crate::batch::push_event;
use crate::error_info::ErrorInfo;

/// A non-event item met while reading (sections, metadata, skipped blocks, dropped events).
#[napi(object)]
pub struct CaptureItem {
    /// `section`, `metadata`, `unknown-block` or `dropped-event`.
    pub kind: String,
    pub offset: i64,
    pub block_type: u32,
    pub section: u32,
    /// Human-readable detail, e.g. "PL_V9: 12 entries" or "format 1.2".
    pub detail: String,
}

#[napi(object)]
pub struct Batch {
    /// Packed event records (layout in batch.rs / src/capture/batch.ts).
    pub events: Buffer,
    pub count: u32,
    pub items: Vec<CaptureItem>,
    /// Bytes of the decompressed stream consumed so far.
    pub position: i64,
    /// Size of the file on disk.
    pub file_size: i64,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// No more batches will follow.
    pub done: bool,
    /// The fault that ended reading; every complete event before it is in this or an earlier
    /// batch.
    pub error: Option<ErrorInfo>,
}

pub struct BatchOut {
    events: Vec<u8>,
    count: u32,
    items: Vec<CaptureItem>,
    position: i64,
    file_size: i64,
    compression: String,
    done: bool,
    error: Option<ErrorInfo>,
}

enum State {
    NotOpened(PathBuf),
    Reading(Box<ScapReader>),
    Finished,
}

#[napi]
pub struct CaptureReader {
    state: Arc<Mutex<State>>,
}

#[napi]
impl CaptureReader {
    #[napi(constructor)]
    pub fn new(path: String) -> Self {
        CaptureReader { state: Arc::new(Mutex::new(State::NotOpened(PathBuf::from(path)))) }
    }

    /// Reads up to `max_events` events or about `max_bytes` bytes of records.
    #[napi(ts_return_type = "Promise<Batch>")]
    pub fn next_batch(&self, max_events: u32, max_bytes: u32) -> AsyncTask<NextBatch> {
        AsyncTask::new(NextBatch { state: self.state.clone(), max_events: max_events.max(1), max_bytes: max_bytes.max(4096) })
    }
}

pub struct NextBatch {
    state: Arc<Mutex<State>>,
    max_events: u32,
    max_bytes: u32,
}

impl Task for NextBatch {
    type Output = BatchOut;
    type JsValue = Batch;

    fn compute(&mut self) -> Result<BatchOut> {
        let mut state = self.state.lock().map_err(|_| Error::from_reason("capture reader lock poisoned"))?;
        let mut out = BatchOut {
            events: Vec::new(),
            count: 0,
            items: Vec::new(),
            position: 0,
            file_size: 0,
            compression: "none".into(),
            done: false,
            error: None,
        };
        if let State::NotOpened(path) = &*state {
            match ScapReader::open(path) {
                Ok(reader) => *state = State::Reading(Box::new(reader)),
                Err(e) => {
                    out.error = Some(ErrorInfo::from(&e));
                    out.done = true;
                    *state = State::Finished;
                    return Ok(out);
                }
            }
        }
        let reader = match &mut *state {
            State::Reading(r) => r,
            _ => {
                out.done = true;
                return Ok(out);
            }
        };
        out.events.reserve(self.max_bytes as usize + 4096);
        while out.count < self.max_events && out.events.len() < self.max_bytes as usize {
            match reader.next_item() {
                Ok(Some(Item::Event(ev))) => {
                    push_event(&mut out.events, &ev);
                    out.count += 1;
                }
                Ok(Some(item)) => out.items.push(describe(item)),
                Ok(None) => {
                    out.done = true;
                    break;
                }
                Err(e) => {
                    out.error = Some(ErrorInfo::from(&e));
                    out.done = true;
                    break;
                }
            }
        }
        out.position = reader.position() as i64;
        out.file_size = reader.file_size() as i64;
        out.compression = reader.compression().name().to_string();
        if out.done {
            *state = State::Finished;
        }
        Ok(out)
    }

    fn resolve(&mut self, _env: Env, out: BatchOut) -> Result<Batch> {
        Ok(Batch {
            events: out.events.into(),
            count: out.count,
            items: out.items,
            position: out.position,
            file_size: out.file_size,
            compression: out.compression,
            done: out.done,
            error: out.error,
        })
    }
}

fn describe(item: Item<'_>) -> CaptureItem {
    match item {
        Item::Section { offset, index, header } => CaptureItem {
            kind: "section".into(),
            offset: offset as i64,
            block_type: scap::block::SHB,
            section: index,
            detail: format!("format {}.{}", header.major, header.minor),
        },
        Item::Metadata { offset, block_type, metadata } => {
            let detail = match &metadata {
                Metadata::MachineInfo(mi) => format!("hostname {:?}, {} cpus", mi.hostname, mi.num_cpus),
                other => format!("{} entries", other.entry_count()),
            };
            CaptureItem {
                kind: "metadata".into(),
                offset: offset as i64,
                block_type,
                section: 0,
                detail: format!("{}: {detail}", block_type_name(block_type)),
            }
        }
        Item::UnknownBlock { offset, block_type, total_len } => CaptureItem {
            kind: "unknown-block".into(),
            offset: offset as i64,
            block_type,
            section: 0,
            detail: format!("skipped unknown block {} ({total_len} bytes)", block_type_name(block_type)),
        },
        Item::DroppedEvent { offset, event_type } => CaptureItem {
            kind: "dropped-event".into(),
            offset: offset as i64,
            block_type: 0,
            section: 0,
            detail: format!("event type {event_type} ({}) is dropped by libsinsp", display_name(event_type)),
        },
        Item::Event(_) => unreachable!("events are packed"),
    }
}
