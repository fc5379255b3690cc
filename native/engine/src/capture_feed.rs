//! The capture as print and rules consume it: batches read ahead ([`BatchReader`]), each fed to
//! the capture's state ([`FieldSet::fill_view`]) and handed out as views of the events libsinsp
//! would hand out (all of a batch's, or one at a time when the run follows the state event by
//! event). At most one batch is read per step, so that progress reports come regularly.

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

/// What [`CaptureFeed::next_view`] did.
pub enum Fed {
    /// The view holds the next events.
    View,
    /// This step already read a batch: the next one comes at the next step.
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
    /// unless this step (`fetched`) has read one already. `position` follows the reader.
    pub fn next_view(&mut self, set: &mut FieldSet, view: &mut EventBatch, fetched: &mut bool, position: &mut u64) -> Result<Fed, EngineError> {
        if self.raw_pending && self.feed.finished(&self.raw) {
            self.raw_pending = false;
            if !self.raw_more {
                return Ok(Fed::End);
            }
        }
        if !self.raw_pending {
            if *fetched {
                return Ok(Fed::Later);
            }
            *fetched = true;
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
