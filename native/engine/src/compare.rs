//! Comparing a window's extracted cells with the golden file's rows. Each forward part is
//! checked on the thread that extracted it; the replayer merges the outcomes in capture order.
//!
//! The common case is one string comparison per event: the row this replay would write (same
//! canonical text, same columns) against the golden line. Only a differing row is split into
//! cells to find the columns that differ, or to tell a golden file of another capture.

use crate::error::EngineError;
use crate::golden::{format_row, parse_row, row_matches, LineBlock, ABSENT, ERROR, NOT_APPLICABLE};
use crate::positions::EvtnumBins;
use crate::replay::Mismatch;
use crate::rows::{CellTable, EventKey};

/// What does not change from window to window.
pub struct CompareSpec<'a> {
    /// For each golden column: the session column that replays it.
    pub provided: &'a [Option<usize>],
    pub golden_columns: &'a [String],
    /// Golden and session columns are the same, in the same order: rows compare whole.
    pub identity: bool,
    pub max_details: usize,
    pub golden_path: &'a str,
    /// Also format this part's rows (golden file update).
    pub write_rows: bool,
}

/// What one part found.
#[derive(Default)]
pub struct PartOutcome {
    /// Per session column: values, absent, errors, not applicable.
    pub counts: Vec<[u64; 4]>,
    /// Per golden column.
    pub compared: Vec<u64>,
    pub mismatches: Vec<u64>,
    pub details: Vec<Mismatch>,
    /// Where the mismatches are, one series per golden column (only when there are some).
    pub positions: Option<EvtnumBins>,
    /// The part's rows in golden format, when asked for.
    pub rows: String,
    pub error: Option<EngineError>,
}

/// Checks the events of one part: `table` rows `0..keys.len()`, against golden lines
/// `first..first + keys.len()` of `lines` (when there is a golden file).
pub fn check_part(table: &CellTable, keys: &[EventKey], lines: Option<(&LineBlock, usize)>, spec: &CompareSpec<'_>) -> PartOutcome {
    let columns = table.columns();
    let mut out = PartOutcome {
        counts: vec![[0; 4]; columns],
        compared: vec![0; spec.provided.len()],
        mismatches: vec![0; spec.provided.len()],
        ..Default::default()
    };
    for (i, _) in keys.iter().enumerate() {
        for (c, counts) in out.counts.iter_mut().enumerate() {
            let slot = match table.get(i, c) {
                ABSENT => 1,
                ERROR => 2,
                NOT_APPLICABLE => 3,
                _ => 0,
            };
            counts[slot] += 1;
        }
    }
    if spec.write_rows {
        for (i, key) in keys.iter().enumerate() {
            format_row(&mut out.rows, key.evtnum, key.ts, key.plugin_id, table.row(i));
        }
    }
    let Some((block, first)) = lines else { return out };
    for (i, key) in keys.iter().enumerate() {
        let line = block.line(first + i);
        if spec.identity && row_matches(line, key.evtnum, key.ts, key.plugin_id, table.row(i)) {
            out.compared.iter_mut().for_each(|c| *c += 1);
            continue;
        }
        let line_no = block.first_line + (first + i) as u64;
        let row = match parse_row(line, spec.provided.len()) {
            Ok(row) => row,
            Err(m) => {
                out.error = Some(EngineError::golden(spec.golden_path, format!("line {line_no}: {m}")));
                return out;
            }
        };
        if row.evtnum != key.evtnum || row.ts != key.ts {
            out.error = Some(
                EngineError::golden(
                    spec.golden_path,
                    format!(
                        "row for evt.num {} (ts {}) does not match the capture's event {} (ts {}): the golden file belongs to another capture",
                        row.evtnum, row.ts, key.evtnum, key.ts
                    ),
                )
                .at_event(key.evtnum),
            );
            return out;
        }
        for (gi, expected) in row.cells.iter().enumerate() {
            let Some(ci) = spec.provided[gi] else { continue };
            let actual = table.get(i, ci);
            out.compared[gi] += 1;
            if *expected != actual {
                out.mismatches[gi] += 1;
                out.positions.get_or_insert_with(|| EvtnumBins::new(spec.provided.len())).add(gi, key.evtnum, 1);
                if out.details.len() < spec.max_details {
                    out.details.push(Mismatch {
                        evtnum: key.evtnum,
                        column: spec.golden_columns[gi].clone(),
                        expected: (*expected).into(),
                        actual: actual.into(),
                    });
                }
            }
        }
    }
    out
}
