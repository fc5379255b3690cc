//! The capture as print and rules consume it: batches read ahead ([`BatchReader`]), each fed to
//! the capture's state ([`FieldSet::fill_view`]) and handed out as views of the events libsinsp
//! would hand out (all of a batch's, or one at a time when the run follows the state event by
//! event). A step takes one batch, or, when its output goes straight to a file descriptor,
//! batches for up to [`STEP_TIME`]: progress reports come regularly either way, and a fast run is
//! not held back by a round trip through JavaScript per batch.

use std::time::{Duration, Instant};

use crate::capture_state::FeedPos;
use crate::error::EngineError;
use crate::event_batch::{BatchReader, EventBatch};
use crate::fieldset::FieldSet;

pub struct CaptureFeed {
    reader: BatchReader,
    /// Events as read from the capture.
    raw: EventBatch,
    /// The batch in `raw` still has events to hand out (from `feed` on).
    raw_pending: bool,
    /// More capture batches follow `raw`.
    raw_more: bool,
    feed: FeedPos,
}

/// How long a step whose output goes to a file descriptor may keep reading batches: progress and
/// a stop request are seen this often. A step per batch cost a print of plugin events about a
/// tenth of its time (2 M events: 122 steps, each a napi task and a promise). A step whose output
/// goes to JavaScript takes one batch: the library hands out one chunk per batch.
pub const STEP_TIME: Duration = Duration::from_millis(20);

/// The batches one step has read.
pub struct StepReads {
    started: Instant,
    any: bool,
    several: bool,
}

impl StepReads {
    /// `several`: the step may read batches for up to [`STEP_TIME`], not just one.
    pub fn start(several: bool) -> StepReads {
        StepReads { started: Instant::now(), any: false, several }
    }

    /// Whether the step may read another batch (always its first).
    fn may_read(&mut self) -> bool {
        let may = !self.any || (self.several && self.started.elapsed() < STEP_TIME);
        self.any = true;
        may
    }
}

/// What [`CaptureFeed::next_view`] did.
pub enum Fed {
    /// The view holds the next events.
    View,
    /// This step's time is spent: the next batch comes at the next step.
    Later,
    /// The capture is over.
    End,
}

impl CaptureFeed {
    pub fn open(capture: &str, batch_events: usize) -> Result<CaptureFeed, EngineError> {
        let reader = BatchReader::open(capture, batch_events)?;
        Ok(CaptureFeed { reader, raw: EventBatch::new(batch_events, 16 << 20), raw_pending: false, raw_more: true, feed: FeedPos::default() })
    }

    pub fn file_size(&self) -> u64 {
        self.reader.file_size()
    }

    /// Fills `view` with the next events: from the batch in hand, else from the next batch
    /// unless this step's time is spent (`reads`). `position` follows the reader.
    pub fn next_view(&mut self, set: &mut FieldSet, view: &mut EventBatch, reads: &mut StepReads, position: &mut u64) -> Result<Fed, EngineError> {
        if self.raw_pending && self.feed.finished(&self.raw) {
            self.raw_pending = false;
            if !self.raw_more {
                return Ok(Fed::End);
            }
        }
        if !self.raw_pending {
            if !reads.may_read() {
                return Ok(Fed::Later);
            }
            let Some(f) = self.reader.next_batch()? else { return Ok(Fed::End) };
            let old = std::mem::replace(&mut self.raw, f.batch);
            self.reader.recycle(old);
            *position = f.position;
            self.raw_more = f.more;
            self.raw_pending = true;
            self.feed = FeedPos::default();
            // the common case of a plugin capture: the batch is the view (its buffers swapped)
            if set.pass_plugin_batch(&mut self.raw) {
                std::mem::swap(&mut self.raw, view);
                self.raw.clear();
                return Ok(Fed::View);
            }
        }
        set.fill_view(&self.raw, &mut self.feed, view)?;
        Ok(Fed::View)
    }
}
