//! The replay's input, read one window ahead on a thread of its own: while the passes extract
//! and compare window k, this thread decodes window k+1 from the capture and reads its golden
//! rows, so that reading (about a third of a forward replay's time) overlaps with extraction.
//! Buffers go back and forth between the two threads: two windows' worth of memory, no more.

use std::sync::mpsc::{self, Receiver, SyncSender};

use scap::ScapReader;

use super::WINDOW_BYTES;
use crate::error::{EngineError, EngineErrorKind};
use crate::golden::{GoldenReader, LineBlock};
use crate::rows::EventKey;

/// A window's events (v2 layout, back to back), their keys and their golden rows.
#[derive(Default)]
pub(super) struct WindowBuffers {
    pub bytes: Vec<u8>,
    pub offsets: Vec<usize>,
    pub keys: Vec<EventKey>,
    pub lines: LineBlock,
}

pub(super) struct ReadWindow {
    pub buffers: WindowBuffers,
    /// The capture ended with this window.
    pub end: bool,
    /// The capture reader's position after this window.
    pub position: u64,
    /// With the last window: the golden file goes on past the capture's end. Reported once the
    /// window has been compared, as a replay that reads in line would.
    pub golden_end: Option<EngineError>,
}

pub(super) struct ReadAhead {
    requests: SyncSender<(usize, WindowBuffers)>,
    windows: Receiver<Result<ReadWindow, EngineError>>,
    /// A window was asked for and not received yet.
    pending: bool,
    capture: String,
}

impl ReadAhead {
    pub fn start(reader: ScapReader, golden: Option<GoldenReader>, capture: &str) -> Result<ReadAhead, EngineError> {
        let (requests, asked) = mpsc::sync_channel::<(usize, WindowBuffers)>(1);
        let (sender, windows) = mpsc::sync_channel::<Result<ReadWindow, EngineError>>(1);
        let mut input = Input { reader, golden, capture: capture.to_string() };
        std::thread::Builder::new()
            .name("replay-read-ahead".into())
            .spawn(move || {
                // Ends when the replay drops its end of the channels (finished, or failed).
                while let Ok((events, buffers)) = asked.recv() {
                    let window = input.read(events, buffers);
                    let last = !matches!(window, Ok(ReadWindow { end: false, .. }));
                    if sender.send(window).is_err() || last {
                        break;
                    }
                }
            })
            .map_err(|e| EngineError::io(capture, &e))?;
        Ok(ReadAhead { requests, windows, pending: false, capture: capture.to_string() })
    }

    /// Asks for the next window: up to `events` events (and [`WINDOW_BYTES`]), read into
    /// `recycled` (a window done with).
    pub fn request(&mut self, events: usize, recycled: WindowBuffers) {
        if !self.pending {
            self.pending = self.requests.send((events, recycled)).is_ok();
        }
    }

    /// The window asked for (asked for now, if it was not).
    pub fn receive(&mut self, events: usize) -> Result<ReadWindow, EngineError> {
        self.request(events, WindowBuffers::default());
        self.pending = false;
        // only a panic on that thread ends it before the capture's end
        self.windows.recv().unwrap_or_else(|_| Err(EngineError::new(EngineErrorKind::Io, format!("{}: the thread reading the capture stopped unexpectedly", self.capture))))
    }
}

struct Input {
    reader: ScapReader,
    golden: Option<GoldenReader>,
    capture: String,
}

impl Input {
    fn read(&mut self, events: usize, mut w: WindowBuffers) -> Result<ReadWindow, EngineError> {
        w.bytes.clear();
        w.offsets.clear();
        w.keys.clear();
        let mut end = false;
        while w.offsets.len() < events && w.bytes.len() < WINDOW_BYTES {
            match self.reader.next_event() {
                Ok(Some(ev)) => {
                    let start = w.bytes.len();
                    w.offsets.push(start);
                    ev.record.write_v2(&mut w.bytes);
                    w.keys.push(EventKey::of(ev.evtnum, &w.bytes[start..]));
                }
                Ok(None) => {
                    end = true;
                    break;
                }
                Err(e) => {
                    let evtnum = self.reader.events_read() + 1;
                    return Err(EngineError::capture(&self.capture, e).at_event(evtnum));
                }
            }
        }
        let mut golden_end = None;
        if let Some(golden) = self.golden.as_mut() {
            golden_rows(golden, &w.keys, &mut w.lines)?;
            if end {
                golden_end = golden_goes_on(golden).err();
            }
        }
        Ok(ReadWindow { buffers: w, end, position: self.reader.position(), golden_end })
    }
}

/// Reads the golden rows of a window's events (`keys`): one each, or the golden file belongs to
/// another capture.
pub(super) fn golden_rows(golden: &mut GoldenReader, keys: &[EventKey], lines: &mut LineBlock) -> Result<(), EngineError> {
    golden.read_block(keys.len(), lines)?;
    if let Some(key) = keys.get(lines.len()) {
        let evtnum = key.evtnum;
        return Err(EngineError::golden(golden.path(), format!("the golden file ends before event {evtnum} of the capture: it belongs to another capture")));
    }
    Ok(())
}

/// Fails when the golden file has rows past the capture's last event.
pub(super) fn golden_goes_on(golden: &mut GoldenReader) -> Result<(), EngineError> {
    let path = golden.path().to_string();
    if let Some(row) = golden.next_row()? {
        let evtnum = row.evtnum;
        return Err(EngineError::golden(&path, format!("the golden file has a row for evt.num {evtnum} but the capture ends before it: it belongs to another capture")));
    }
    Ok(())
}
