//! `scaptool diff`: two golden files compared cell by cell, streaming (memory stays flat
//! whatever their length). Rows are paired by position (the n-th event of each); a pair whose
//! evt.num, timestamp or plugin id differ is reported as a different event. Columns are paired
//! by label: columns only one file has are listed, not compared. Differences are counted per
//! column, the first `max_details` shown, and every one placed along evt.num (`positions`).
//!
//! Two captures replayed through the same plugins are diffed the same way: the CLI writes each
//! replay's golden file first.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::golden::{GoldenPlugin, GoldenReader};
use crate::positions::{EvtnumBins, Positions};

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffOptions {
    /// The golden file taken as the reference ("expected").
    pub a: String,
    /// The golden file compared with it ("actual").
    pub b: String,
    #[serde(default = "default_details")]
    pub max_details: usize,
    #[serde(default = "default_step")]
    pub step_rows: usize,
}

fn default_details() -> usize {
    20
}

fn default_step() -> usize {
    65536
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffColumn {
    pub column: String,
    pub compared: u64,
    pub differences: u64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CellDifference {
    /// evt.num of the row in `a` (the same in `b` unless the events differ too).
    pub evtnum: u64,
    pub column: String,
    pub a: String,
    pub b: String,
}

/// A row pair whose events are not the same: evt.num, ts or plugin id differ.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDifference {
    /// Row number (1-based) in both files.
    pub row: u64,
    pub a: String,
    pub b: String,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffProgress {
    pub rows: u64,
    pub elapsed_ms: u64,
    pub done: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffReport {
    pub a: String,
    pub b: String,
    pub plugins_a: Vec<GoldenPlugin>,
    pub plugins_b: Vec<GoldenPlugin>,
    /// Rows of each file.
    pub rows_a: u64,
    pub rows_b: u64,
    /// Rows compared (both files have them).
    pub compared_rows: u64,
    pub columns: Vec<DiffColumn>,
    /// Columns only `a` has, only `b` has (not compared).
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Row pairs whose events differ (evt.num, ts or plugin id), and the first ones.
    pub event_differences: u64,
    pub event_details: Vec<EventDifference>,
    /// The first `max_details` cell differences, in row order.
    pub differences: Vec<CellDifference>,
    /// Where the rows and the differences are along evt.num (of `a`): `columns[i].mismatches`.
    pub positions: Positions,
    /// No difference of any kind.
    pub identical: bool,
    pub progress: DiffProgress,
}

pub struct GoldenDiff {
    opts: DiffOptions,
    a: GoldenReader,
    b: GoldenReader,
    /// For each column of the report: its index in `a` and in `b`.
    pairs: Vec<(usize, usize)>,
    bins: EvtnumBins,
    report: DiffReport,
    started: Instant,
}

fn describe(evtnum: u64, ts: u64, plugin_id: Option<u32>) -> String {
    format!("evt.num {evtnum} ts {ts} plugin id {}", plugin_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()))
}

impl GoldenDiff {
    pub fn start(opts: DiffOptions) -> Result<GoldenDiff, EngineError> {
        let a = GoldenReader::open(Path::new(&opts.a))?;
        let b = GoldenReader::open(Path::new(&opts.b))?;
        let (ca, cb) = (a.header.columns(), b.header.columns());
        let mut pairs = Vec::new();
        let mut report = DiffReport { a: opts.a.clone(), b: opts.b.clone(), plugins_a: a.header.plugins.clone(), plugins_b: b.header.plugins.clone(), ..Default::default() };
        for (ia, name) in ca.iter().enumerate() {
            match cb.iter().position(|c| c == name) {
                Some(ib) => {
                    pairs.push((ia, ib));
                    report.columns.push(DiffColumn { column: name.clone(), ..Default::default() });
                }
                None => report.only_a.push(name.clone()),
            }
        }
        report.only_b = cb.iter().filter(|c| !ca.contains(c)).cloned().collect();
        let bins = EvtnumBins::new(1 + pairs.len());
        Ok(GoldenDiff { opts, a, b, pairs, bins, report, started: Instant::now() })
    }

    pub fn step(&mut self) -> Result<DiffProgress, EngineError> {
        let max = self.opts.max_details;
        for _ in 0..self.opts.step_rows.max(1) {
            if self.report.progress.done {
                break;
            }
            let ra = self.a.next_row()?;
            let rb = self.b.next_row()?;
            match (ra, rb) {
                (None, None) => self.report.progress.done = true,
                (Some(_), None) => {
                    self.report.rows_a += 1;
                    // `b` has ended: count what is left of `a`
                    while self.a.next_row()?.is_some() {
                        self.report.rows_a += 1;
                    }
                    self.report.progress.done = true;
                }
                (None, Some(_)) => {
                    self.report.rows_b += 1;
                    while self.b.next_row()?.is_some() {
                        self.report.rows_b += 1;
                    }
                    self.report.progress.done = true;
                }
                (Some(ra), Some(rb)) => {
                    let r = &mut self.report;
                    r.rows_a += 1;
                    r.rows_b += 1;
                    r.compared_rows += 1;
                    self.bins.add(0, ra.evtnum, 1);
                    if ra.evtnum != rb.evtnum || ra.ts != rb.ts || ra.plugin_id != rb.plugin_id {
                        r.event_differences += 1;
                        if r.event_details.len() < max {
                            r.event_details.push(EventDifference { row: r.compared_rows, a: describe(ra.evtnum, ra.ts, ra.plugin_id), b: describe(rb.evtnum, rb.ts, rb.plugin_id) });
                        }
                    }
                    for (k, &(ia, ib)) in self.pairs.iter().enumerate() {
                        let c = &mut r.columns[k];
                        c.compared += 1;
                        if ra.cells[ia] != rb.cells[ib] {
                            c.differences += 1;
                            self.bins.add(1 + k, ra.evtnum, 1);
                            if r.differences.len() < max {
                                r.differences.push(CellDifference { evtnum: ra.evtnum, column: c.column.clone(), a: ra.cells[ia].to_string(), b: rb.cells[ib].to_string() });
                            }
                        }
                    }
                }
            }
        }
        self.report.progress.rows = self.report.compared_rows;
        self.report.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        Ok(self.report.progress.clone())
    }

    pub fn finish(mut self) -> DiffReport {
        let r = &mut self.report;
        r.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        r.positions = Positions {
            bin_width: self.bins.width(),
            bins: self.bins.bins(),
            events: self.bins.series(0).to_vec(),
            columns: r
                .columns
                .iter()
                .enumerate()
                .map(|(k, c)| crate::positions::ColumnPositions { column: c.column.clone(), mismatches: self.bins.series(1 + k).to_vec(), ..Default::default() })
                .collect(),
        };
        r.identical = r.progress.done
            && r.rows_a == r.rows_b
            && r.event_differences == 0
            && r.only_a.is_empty()
            && r.only_b.is_empty()
            && r.columns.iter().all(|c| c.differences == 0);
        self.report
    }
}
