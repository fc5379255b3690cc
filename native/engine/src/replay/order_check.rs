//! The order checks of a window: does each event's cell in the reverse, shuffled and batched
//! passes equal its forward cell? A window's checks run on a thread of their own while the next
//! window is extracted (with a plugin before API 2.0 every pass runs on one thread, so the
//! checks were a tenth of a replay's time on top of it); the tables of a checked window then
//! become the next window's.

use crate::positions::{self, EvtnumBins};
use crate::rows::{CellTable, EventKey};
use crate::top_values::TopValues;

use super::{BatchingDifference, OrderDifference};

/// A window's tables once every pass has extracted it.
#[derive(Default)]
pub(super) struct ExtractedWindow {
    /// The forward pass's parts, in capture order, `chunk` events each.
    pub forward: Vec<CellTable>,
    pub chunk: usize,
    /// Event `i` at row `n - 1 - i`.
    pub reverse: Option<CellTable>,
    /// Event `shuffle_order[row]` at `row`.
    pub shuffle: Option<CellTable>,
    pub shuffle_order: Option<Vec<usize>>,
    pub batched: Option<CellTable>,
    pub keys: Vec<EventKey>,
}

/// What the checks count, across windows (and put in the report at the end).
pub(super) struct OrderChecker {
    pub bins: EvtnumBins,
    /// Per report column, with `distributions`.
    pub top_values: Vec<TopValues>,
    /// Per session column: its report column, its label, whether the batching probe covers it.
    pub report_index: Vec<usize>,
    pub labels: Vec<String>,
    pub probed: Vec<bool>,
}

/// What one window's checks found, added to the report by the replay.
pub(super) struct OrderFindings {
    /// Per report column: reverse, shuffled and batching differences.
    pub counts: Vec<[u64; 3]>,
    pub order_differences: Vec<OrderDifference>,
    pub batching_differences: Vec<BatchingDifference>,
}

impl ExtractedWindow {
    fn forward_cell(&self, i: usize, ci: usize) -> &str {
        self.forward[i / self.chunk].get(i % self.chunk, ci)
    }

    /// Compares the window's order passes with its forward pass. `room`: how many more order
    /// and batching differences the report keeps in detail.
    pub fn check(&self, checker: &mut OrderChecker, report_columns: usize, room: (usize, usize)) -> OrderFindings {
        let n = self.keys.len();
        let mut found = OrderFindings { counts: vec![[0; 3]; report_columns], order_differences: Vec::new(), batching_differences: Vec::new() };
        let mut position = vec![0usize; if self.shuffle.is_some() { n } else { 0 }];
        if let Some(order) = &self.shuffle_order {
            for (row, &i) in order.iter().enumerate() {
                position[i] = row;
            }
        }
        for key in &self.keys {
            checker.bins.add(0, key.evtnum, 1);
        }
        // A forward-only run without distributions has nothing to compare or count per cell.
        if self.reverse.is_none() && self.shuffle.is_none() && self.batched.is_none() && checker.top_values.is_empty() {
            return found;
        }
        for (ci, label) in checker.labels.iter().enumerate() {
            let report_index = checker.report_index[ci];
            let series = |kind| positions::replay_series(report_index, kind);
            let probed = checker.probed[ci];
            for (i, key) in self.keys.iter().enumerate() {
                let fwd = self.forward_cell(i, ci);
                let evtnum = key.evtnum;
                if let Some(top) = checker.top_values.get_mut(report_index) {
                    top.add(fwd);
                }
                if let Some(table) = &self.reverse {
                    let other = table.get(n - 1 - i, ci);
                    if other != fwd {
                        found.counts[report_index][0] += 1;
                        checker.bins.add(series(positions::REVERSE), evtnum, 1);
                        if found.order_differences.len() < room.0 {
                            found.order_differences.push(OrderDifference { evtnum, column: label.clone(), order: "reverse".into(), forward: fwd.into(), other: other.into() });
                        }
                    }
                }
                if let Some(table) = &self.shuffle {
                    let other = table.get(position[i], ci);
                    if other != fwd {
                        found.counts[report_index][1] += 1;
                        checker.bins.add(series(positions::SHUFFLE), evtnum, 1);
                        if found.order_differences.len() < room.0 {
                            found.order_differences.push(OrderDifference { evtnum, column: label.clone(), order: "shuffle".into(), forward: fwd.into(), other: other.into() });
                        }
                    }
                }
                if let Some(table) = self.batched.as_ref().filter(|_| probed) {
                    let other = table.get(i, ci);
                    if other != fwd {
                        found.counts[report_index][2] += 1;
                        checker.bins.add(series(positions::BATCHING), evtnum, 1);
                        if found.batching_differences.len() < room.1 {
                            found.batching_differences.push(BatchingDifference { evtnum, column: label.clone(), one_field: fwd.into(), all_fields: other.into() });
                        }
                    }
                }
            }
        }
        found
    }
}
