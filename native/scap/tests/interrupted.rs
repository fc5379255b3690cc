//! Interrupted writers: a recorder that flushes after each batch and is then killed (no
//! `finish`) leaves a file readable up to its last flushed event, whatever the compression;
//! and a capture cut at any byte reads up to its last complete event, then reports the cut.

mod common;

use common::*;
use scap::block;
use scap::writer::{ScapWriter, WriterOptions};
use scap::{Compression, ErrorKind};

const BATCH: u64 = 7;
const EVENTS: u64 = 60;

/// Payloads of every padding length, a few large ones (one past 64 KiB), and an empty one.
fn batch_payload(i: u64) -> Vec<u8> {
    match i {
        13 => vec![0xAB; 70_000],
        29 => Vec::new(),
        41 => (0..20_000u32).map(|k| (k * 31 % 256) as u8).collect(),
        _ => varied_payload(i),
    }
}

/// A snapshot of the sink taken right after a flush.
struct FlushPoint {
    /// Bytes in the sink (compressed).
    written: usize,
    /// Events written before the flush, and the uncompressed bytes they make.
    events: u64,
    plain_bytes: u64,
    snapshot: Vec<u8>,
}

/// Writes EVENTS events in batches, flushing after each, and returns the flush points plus the
/// bytes the sink holds when the writer is "killed" (never finished, never dropped).
fn record(compression: Compression) -> (Vec<FlushPoint>, Vec<u8>) {
    let sink = SharedSink::default();
    let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &WriterOptions::default()).unwrap();
    // Nothing reaches the sink before the first flush (the writer buffers): a recorder killed
    // that early leaves an empty file.
    let mut points = vec![FlushPoint { written: 0, events: 0, plain_bytes: 0, snapshot: sink.snapshot() }];
    let mut i = 0;
    while i < EVENTS {
        for _ in 0..BATCH.min(EVENTS - i) {
            w.write_plugin_event(TS0 + i * 1000, PLUGIN_ID, &batch_payload(i)).unwrap();
            i += 1;
        }
        w.flush().unwrap();
        points.push(FlushPoint {
            written: sink.len(),
            events: i,
            plain_bytes: w.stats().bytes,
            snapshot: sink.snapshot(),
        });
    }
    // One more event written but never flushed, then the crash.
    w.write_plugin_event(TS0 + EVENTS * 1000, PLUGIN_ID, b"lost").unwrap();
    let crashed = sink.snapshot();
    std::mem::forget(w);
    (points, crashed)
}

fn expected_plain() -> Vec<u8> {
    write_capture(EVENTS, Compression::None, batch_payload)
}

#[test]
fn killed_after_a_flush_reads_up_to_the_flush() {
    let plain = expected_plain();
    for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let (points, crashed) = record(compression);
        assert_eq!(points[0].written, 0);
        expect(&points[0].snapshot, 0, Some((ErrorKind::Truncated, 0)));
        for p in &points[1..] {
            // Flushed data decodes before finish: the stock decoders give exactly the plain
            // bytes written so far.
            let decoded = match compression {
                Compression::None => p.snapshot.clone(),
                c => decodable_prefix(&p.snapshot, c),
            };
            assert_eq!(decoded.len() as u64, p.plain_bytes, "{compression:?} after {} events", p.events);
            assert_eq!(decoded[..], plain[..decoded.len()]);
            // A plain file cut at a flush point ends cleanly; a compressed one lacks the end of
            // its stream, which is reported once every flushed event is delivered.
            let err = match compression {
                Compression::None => None,
                _ => Some((ErrorKind::Truncated, p.plain_bytes)),
            };
            let out = expect(&p.snapshot, p.events, err);
            assert_plugin_events(&out, batch_payload);
        }
        // The crash: what was flushed is all there; the unflushed event is not.
        let last = points.last().unwrap();
        assert_eq!(crashed, last.snapshot, "{compression:?}: nothing reaches the file between flushes");
        let err = if compression == Compression::None { None } else { Some((ErrorKind::Truncated, last.plain_bytes)) };
        expect(&crashed, EVENTS, err);
    }
}

#[test]
fn dropped_writer_finishes_its_stream() {
    // Dropping (an error path unwinding, not a kill) finishes the stream: the file is complete.
    for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let sink = SharedSink::default();
        let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &WriterOptions::default()).unwrap();
        for i in 0..10 {
            w.write_plugin_event(TS0 + i * 1000, PLUGIN_ID, &batch_payload(i)).unwrap();
        }
        drop(w);
        let out = expect(&sink.snapshot(), 10, None);
        assert_plugin_events(&out, batch_payload);
    }
}

/// Expected outcome of a plain capture cut at `cut`: events in complete blocks, then a clean end
/// at a block boundary or Truncated at the start of the block the cut falls into.
fn plain_cut_outcome(blocks: &[(u64, u32, u32)], full: u64, cut: u64) -> (u64, Option<(ErrorKind, u64)>) {
    if cut < 28 {
        return (0, Some((ErrorKind::Truncated, 0)));
    }
    let events = blocks.iter().filter(|b| b.1 != block::SHB && b.0 + b.2 as u64 <= cut).count() as u64;
    if cut == full || blocks.iter().any(|b| b.0 == cut) {
        return (events, if events == 0 { Some((ErrorKind::NoEvents, cut)) } else { None });
    }
    let start = blocks.iter().map(|b| b.0).filter(|&o| o <= cut).max().unwrap();
    (events, Some((ErrorKind::Truncated, start)))
}

/// Cut positions: every byte of the first `dense` bytes and around every block boundary or
/// flush point, then a stride through the rest (a full sweep would take minutes in a debug
/// build, where inflate is slow).
fn cut_positions(len: usize, boundaries: &[usize], dense: usize, stride: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..len.min(dense)).collect();
    for &b in boundaries {
        cuts.extend(b.saturating_sub(9)..(b + 9).min(len + 1));
    }
    cuts.extend((0..len).step_by(stride));
    cuts.push(len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn plain_capture_cut_anywhere() {
    let (points, _) = record(Compression::None);
    let file = &points.last().unwrap().snapshot;
    assert_eq!(file[..], expected_plain()[..]);
    let blocks = walk_blocks(file);
    let bounds: Vec<usize> = blocks.iter().map(|b| b.0 as usize).collect();
    for cut in cut_positions(file.len(), &bounds, 4096, 997) {
        let (events, err) = plain_cut_outcome(&blocks, file.len() as u64, cut as u64);
        let out = expect(&file[..cut], events, err);
        assert_plugin_events(&out, batch_payload);
    }
}

fn compressed_cut_anywhere(compression: Compression) {
    let plain = expected_plain();
    let blocks = walk_blocks(&plain);
    let (points, crashed) = record(compression);
    let finished = write_capture(EVENTS, compression, batch_payload);
    for file in [crashed, finished] {
        let bounds: Vec<usize> = points.iter().map(|p| p.written).collect();
        let min = if compression == Compression::Gzip { 2 } else { 4 };
        for cut in cut_positions(file.len(), &bounds, 512, 37).into_iter().filter(|&c| c >= min) {
            let decoded = decodable_prefix(&file[..cut], compression);
            assert_eq!(decoded[..], plain[..decoded.len()]);
            let got = decoded.len() as u64;
            let (events, err) = plain_cut_outcome(&blocks, plain.len() as u64, got);
            let complete_stream = cut == file.len() && file.len() != points.last().unwrap().written;
            let err = match err {
                // The decoded bytes end at a block boundary, but the stream itself is cut.
                None | Some((ErrorKind::NoEvents, _)) if !complete_stream => Some((ErrorKind::Truncated, got)),
                e => e,
            };
            let out = expect(&file[..cut], events, err);
            assert_plugin_events(&out, batch_payload);
        }
    }
}

#[test]
fn gzip_capture_cut_anywhere() {
    compressed_cut_anywhere(Compression::Gzip);
}

#[test]
fn zstd_capture_cut_anywhere() {
    compressed_cut_anywhere(Compression::Zstd);
}
