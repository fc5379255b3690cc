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
use scap::reader::{Event, ItemSink};
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
    /// Packed event records (layout in batch.rs / src/capture/batch.ts) in the first `length`
    /// bytes (the buffer may be longer: a recycled buffer is reused whole).
    pub events: Buffer,
    pub length: u32,
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
    length: u32,
    events: Vec<u8>,
    /// The recycled JS buffer the records were copied into, if they fit.
    into: Option<Buffer>,
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
    /// The reader and the packing buffer, reused batch after batch (its pages stay mapped).
    Reading(Box<ScapReader>, Vec<u8>),
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

    /// Reads up to `max_events` events or about `max_bytes` bytes of records. `recycle`: a
    /// batch buffer the caller is done with, reused if the records fit (its pages are already
    /// mapped: no page faults, no garbage collection needed to reclaim memory).
    #[napi(ts_return_type = "Promise<Batch>")]
    pub fn next_batch(&self, max_events: u32, max_bytes: u32, recycle: Option<Buffer>) -> AsyncTask<NextBatch> {
        AsyncTask::new(NextBatch { state: self.state.clone(), max_events: max_events.max(1), max_bytes: max_bytes.max(4096), recycle })
    }
}

pub struct NextBatch {
    state: Arc<Mutex<State>>,
    max_events: u32,
    max_bytes: u32,
    recycle: Option<Buffer>,
}

impl Task for NextBatch {
    type Output = BatchOut;
    type JsValue = Batch;

    fn compute(&mut self) -> Result<BatchOut> {
        let mut state = self.state.lock().map_err(|_| Error::from_reason("capture reader lock poisoned"))?;
        let mut out = BatchOut {
            length: 0,
            events: Vec::new(),
            into: None,
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
                Ok(reader) => *state = State::Reading(Box::new(reader), Vec::new()),
                Err(e) => {
                    out.error = Some(ErrorInfo::from(&e));
                    out.done = true;
                    *state = State::Finished;
                    return Ok(out);
                }
            }
        }
        let (reader, packed) = match &mut *state {
            State::Reading(r, packed) => (r, packed),
            _ => {
                out.done = true;
                return Ok(out);
            }
        };
        // Without a buffer to recycle, pack straight into the buffer JS will own; with one,
        // pack into the reader's scratch (its pages stay mapped) and copy if it fits.
        let recycle = self.recycle.take();
        let mut fresh = Vec::new();
        let packed: &mut Vec<u8> = if recycle.is_some() { packed } else { &mut fresh };
        packed.clear();
        packed.reserve(self.max_bytes as usize + 65536);
        let mut sink = BatchSink { out: &mut out, packed, max_events: self.max_events, max_bytes: self.max_bytes as usize };
        match reader.read_into(&mut sink) {
            Ok(more) => out.done = !more,
            Err(e) => {
                out.error = Some(ErrorInfo::from(&e));
                out.done = true;
            }
        }
        out.length = packed.len() as u32;
        match recycle {
            Some(mut target) if target.len() >= packed.len() => {
                target[..packed.len()].copy_from_slice(packed);
                out.into = Some(target);
            }
            Some(_) => out.events = packed.clone(),
            None => out.events = std::mem::take(packed),
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
        let length = out.length;
        let events = match out.into {
            Some(buffer) => buffer,
            None => {
                let mut v = out.events;
                v.resize(v.capacity(), 0);
                v.into()
            }
        };
        Ok(Batch {
            events,
            length,
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

struct BatchSink<'a> {
    out: &'a mut BatchOut,
    packed: &'a mut Vec<u8>,
    max_events: u32,
    max_bytes: usize,
}

impl ItemSink for BatchSink<'_> {
    fn event(&mut self, ev: &Event<'_>) {
        push_event(self.packed, ev);
        self.out.count += 1;
    }

    fn other(&mut self, item: Item<'_>) {
        self.out.items.push(describe(item));
    }

    fn is_full(&self) -> bool {
        self.out.count >= self.max_events || self.packed.len() >= self.max_bytes
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
