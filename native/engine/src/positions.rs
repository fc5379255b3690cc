//! Where along a capture things happen (mismatches, history differences, events), in bounded
//! memory: counts per range of evt.num, in at most [`BINS`] bins. Bins start one evt.num wide
//! and double in width (neighbouring pairs summed) whenever an evt.num falls past the last one,
//! so the counts stay exact whatever the capture's length and no length is needed up front.
//! Bin `i` covers evt.num `1 + i·width ..= (i + 1)·width`; widths are powers of two, so the bins
//! of two histograms always nest and merge exactly.

use serde::Serialize;

/// Most bins a histogram holds (it holds between half of them and all once it has coarsened).
pub const BINS: usize = 128;

#[derive(Clone, Debug)]
pub struct EvtnumBins {
    width: u64,
    /// Bins in use: one past the highest bin counted.
    used: usize,
    /// The highest evt.num seen: the width is the smallest that holds it, whatever the order
    /// things were counted or merged in.
    last: u64,
    /// `series[s][bin]`.
    series: Vec<Vec<u64>>,
}

impl EvtnumBins {
    pub fn new(series: usize) -> EvtnumBins {
        EvtnumBins { width: 1, used: 0, last: 0, series: vec![vec![0; BINS]; series] }
    }

    pub fn width(&self) -> u64 {
        self.width
    }

    /// Bins in use (every series has this many meaningful counts).
    pub fn bins(&self) -> usize {
        self.used
    }

    pub fn series(&self, s: usize) -> &[u64] {
        &self.series[s][..self.used]
    }

    /// Counts `n` at `evtnum` in series `s`.
    pub fn add(&mut self, s: usize, evtnum: u64, n: u64) {
        let bin = self.bin_of(evtnum);
        self.series[s][bin] += n;
    }

    /// Makes room for `evtnum` without counting anything (keeps `bins()` up to date).
    pub fn reach(&mut self, evtnum: u64) {
        self.bin_of(evtnum);
    }

    fn bin_of(&mut self, evtnum: u64) -> usize {
        self.last = self.last.max(evtnum);
        let offset = evtnum.saturating_sub(1);
        while offset / self.width >= BINS as u64 {
            self.coarsen();
        }
        let bin = (offset / self.width) as usize;
        self.used = self.used.max(bin + 1);
        bin
    }

    /// Doubles the width: bins `2i` and `2i + 1` become bin `i`.
    fn coarsen(&mut self) {
        for s in &mut self.series {
            for i in 0..BINS / 2 {
                s[i] = s[2 * i] + s[2 * i + 1];
            }
            s[BINS / 2..].fill(0);
        }
        self.used = self.used.div_ceil(2);
        self.width *= 2;
    }

    /// Adds `other`'s series `s` into this one's series `map(s)` (exactly: bins nest).
    pub fn absorb(&mut self, other: &EvtnumBins, map: impl Fn(usize) -> usize) {
        if other.used == 0 {
            return;
        }
        self.reach(other.last);
        while self.width < other.width {
            self.coarsen();
        }
        for (s, counts) in other.series.iter().enumerate() {
            let into = map(s);
            for (bin, &n) in counts[..other.used].iter().enumerate() {
                if n > 0 {
                    let first = 1 + bin as u64 * other.width;
                    let target = ((first - 1) / self.width) as usize;
                    self.series[into][target] += n;
                }
            }
        }
    }
}

/// One golden column's positions in the replay report.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnPositions {
    pub column: String,
    pub mismatches: Vec<u64>,
    pub reverse: Vec<u64>,
    pub shuffle: Vec<u64>,
    pub batching: Vec<u64>,
}

/// Where the replay's events and differences are along evt.num.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Positions {
    /// evt.num values per bin; bin `i` covers `1 + i·binWidth ..= (i + 1)·binWidth`.
    pub bin_width: u64,
    pub bins: usize,
    /// Events read per bin.
    pub events: Vec<u64>,
    pub columns: Vec<ColumnPositions>,
}

/// The series of a replay: events, then four per golden column.
pub const MISMATCH: usize = 0;
pub const REVERSE: usize = 1;
pub const SHUFFLE: usize = 2;
pub const BATCHING: usize = 3;

pub fn replay_series(column: usize, kind: usize) -> usize {
    1 + column * 4 + kind
}

impl Positions {
    pub fn of_replay(bins: &EvtnumBins, columns: &[String]) -> Positions {
        Positions {
            bin_width: bins.width(),
            bins: bins.bins(),
            events: bins.series(0).to_vec(),
            columns: columns
                .iter()
                .enumerate()
                .map(|(c, name)| ColumnPositions {
                    column: name.clone(),
                    mismatches: bins.series(replay_series(c, MISMATCH)).to_vec(),
                    reverse: bins.series(replay_series(c, REVERSE)).to_vec(),
                    shuffle: bins.series(replay_series(c, SHUFFLE)).to_vec(),
                    batching: bins.series(replay_series(c, BATCHING)).to_vec(),
                })
                .collect(),
        }
    }
}
