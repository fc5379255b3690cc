//! Builders of hand-made captures: the writer's in-memory sink, blocks and events. Only std
//! and scap, so that native/fuzz's `gen_seeds` example includes this file too.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use scap::block::{self, BlockHeader};

/// A `Write` whose bytes stay readable while the writer still owns it (a "crash" is taking a
/// copy of them without calling `finish`).
#[derive(Clone, Default)]
pub struct SharedSink(pub Arc<Mutex<Vec<u8>>>);

impl SharedSink {
    pub fn snapshot(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    /// The bytes written so far, leaving the sink empty.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl Write for SharedSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A block of `block_type` around `body`, padded, with a correct trailer.
pub fn raw_block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let total = block::total_len_for_body(body.len()) as u32;
    let mut out = BlockHeader { block_type, total_len: total }.to_bytes().to_vec();
    out.extend_from_slice(body);
    out.resize(total as usize - 4, 0);
    out.extend_from_slice(&total.to_le_bytes());
    out
}

/// A v2 event (26-byte header) with the given parameters; `wide` selects u32 lengths.
pub fn v2_event(ts: u64, tid: u64, event_type: u16, wide: bool, params: &[&[u8]]) -> Vec<u8> {
    let width = if wide { 4 } else { 2 };
    let len = 26 + params.len() * width + params.iter().map(|p| p.len()).sum::<usize>();
    let mut e = Vec::with_capacity(len);
    e.extend_from_slice(&ts.to_le_bytes());
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&(len as u32).to_le_bytes());
    e.extend_from_slice(&event_type.to_le_bytes());
    e.extend_from_slice(&(params.len() as u32).to_le_bytes());
    for p in params {
        if wide {
            e.extend_from_slice(&(p.len() as u32).to_le_bytes());
        } else {
            e.extend_from_slice(&(p.len() as u16).to_le_bytes());
        }
    }
    for p in params {
        e.extend_from_slice(p);
    }
    e
}

/// A v1 event (22-byte header, no nparams, u16 lengths).
pub fn v1_event(ts: u64, tid: u64, event_type: u16, params: &[&[u8]]) -> Vec<u8> {
    let len = 22 + params.len() * 2 + params.iter().map(|p| p.len()).sum::<usize>();
    let mut e = Vec::with_capacity(len);
    e.extend_from_slice(&ts.to_le_bytes());
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&(len as u32).to_le_bytes());
    e.extend_from_slice(&event_type.to_le_bytes());
    for p in params {
        e.extend_from_slice(&(p.len() as u16).to_le_bytes());
    }
    for p in params {
        e.extend_from_slice(p);
    }
    e
}

/// An event block of any type: header, cpuid, optional flags, event, padding, trailer.
pub fn event_block(block_type: u32, cpuid: u16, flags: Option<u32>, event: &[u8]) -> Vec<u8> {
    let mut body = cpuid.to_le_bytes().to_vec();
    if let Some(f) = flags {
        body.extend_from_slice(&f.to_le_bytes());
    }
    body.extend_from_slice(event);
    // libscap pads on cpuid + event only; the flags word does not change it modulo 4.
    raw_block(block_type, &body)
}
