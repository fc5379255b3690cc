//! Golden files: the field values of a live run, one line per event, diff-friendly.
//!
//! ```text
//! # scaptool golden file, format 1 (see README "Golden files")
//! #plugin	{"name":"dummy","version":"0.11.5",...,"fields":[{"column":"dummy.value",...}]}
//! #columns	evt.num	ts	plugin_id	dummy.divisible[3]	dummy.value	dummy.strvalue
//! 1	1700000000000000000	3	0	8	"8"
//! ...
//! #end	{"events":20}
//! ```
//!
//! Rows are tab-separated: evt.num, ts (ns since the epoch), the plugin id (`-` for events
//! that are not plugin events), then one cell per column: the value in the plugin host's
//! canonical text, `-` absent, `!` extraction error, `.` the plugin does not apply to the
//! event. Canonical text never contains a tab or a newline (strings are escaped), so a value
//! change is a one-line diff.
//!
//! A golden file is written to a temporary file beside its final path and renamed into place
//! only when complete (after an fsync): a crash never leaves half a golden file, and the
//! `#end` line with the event count lets a reader refuse a truncated one.

// The format is tab-separated: the examples in these docs show real tabs.
#![allow(clippy::tabs_in_doc_comments)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use scap::input::Compression;
use scap::output_file::{OutputFile, OutputKind, OutputPolicy};
use scap::writer::CompressedWriter;

use crate::error::EngineError;

pub const FORMAT_LINE: &str = "# scaptool golden file, format 1. Rows: evt.num, ts (ns), plugin id (- if none), then one cell per column: value, - absent, ! extraction error, . not applicable";
pub const ABSENT: &str = "-";
pub const ERROR: &str = "!";
pub const NOT_APPLICABLE: &str = ".";
/// Columns before the field cells.
pub const FIXED_COLUMNS: [&str; 3] = ["evt.num", "ts", "plugin_id"];

/// One recorded column of a plugin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoldenColumn {
    /// The column label: the field with its argument, e.g. `dummy.divisible[3]`.
    pub column: String,
    pub name: String,
    pub arg: Option<String>,
    #[serde(rename = "type")]
    pub field_type: String,
    pub is_list: bool,
}

/// A field the plugin exports (recorded or not), for upgrade comparisons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoldenField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub is_list: bool,
    /// `none`, `required-index`, `optional-key`, `legacy`... (see `session::arg_kind`).
    pub arg: String,
}

/// What the header records about each plugin of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoldenPlugin {
    pub name: String,
    pub version: String,
    pub required_api_version: String,
    /// The plugin API generation (`0.3`, `3.x`...).
    pub generation: String,
    /// `source` or `extractor`.
    pub role: String,
    pub id: Option<u32>,
    pub event_source: Option<String>,
    pub extract_event_sources: Vec<String>,
    /// File name of the library (not the full path: golden files travel between machines).
    pub library: String,
    /// sha256 of the init config text the plugin received.
    pub config_sha256: String,
    pub columns: Vec<GoldenColumn>,
    pub fields: Vec<GoldenField>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoldenHeader {
    pub plugins: Vec<GoldenPlugin>,
}

impl GoldenHeader {
    /// Every column label, in order (after the fixed columns).
    pub fn columns(&self) -> Vec<String> {
        self.plugins.iter().flat_map(|p| p.columns.iter().map(|c| c.column.clone())).collect()
    }
}

/// Appends one row (with its newline) to `line`.
pub fn format_row<'a>(line: &mut String, evtnum: u64, ts: u64, plugin_id: Option<u32>, cells: impl Iterator<Item = &'a str>) {
    let mut digits = itoa::Buffer::new();
    line.push_str(digits.format(evtnum));
    line.push('\t');
    line.push_str(digits.format(ts));
    line.push('\t');
    match plugin_id {
        Some(id) => line.push_str(digits.format(id)),
        None => line.push_str(ABSENT),
    }
    for c in cells {
        line.push('\t');
        line.push_str(c);
    }
    line.push('\n');
}

/// Whether `line` (without its newline) is the row [`format_row`] writes for these values:
/// checked in place, without writing the row.
pub fn row_matches<'a>(line: &str, evtnum: u64, ts: u64, plugin_id: Option<u32>, cells: impl Iterator<Item = &'a str>) -> bool {
    fn take(rest: &mut &[u8], part: &str) -> bool {
        match rest.strip_prefix(part.as_bytes()) {
            Some(tail) => {
                *rest = tail;
                true
            }
            None => false,
        }
    }
    let mut rest = line.as_bytes();
    let mut digits = itoa::Buffer::new();
    if !(take(&mut rest, digits.format(evtnum)) && take(&mut rest, "\t") && take(&mut rest, digits.format(ts)) && take(&mut rest, "\t")) {
        return false;
    }
    let id = match plugin_id {
        Some(id) => take(&mut rest, digits.format(id)),
        None => take(&mut rest, ABSENT),
    };
    if !id {
        return false;
    }
    for c in cells {
        if !(take(&mut rest, "\t") && take(&mut rest, c)) {
            return false;
        }
    }
    rest.is_empty()
}

/// Rows read in one go, as raw lines (without their newline), reused window after window.
#[derive(Default)]
pub struct LineBlock {
    text: String,
    ends: Vec<usize>,
    /// Line number (in the file) of the first line.
    pub first_line: u64,
}

impl LineBlock {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn line(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Bytes of row text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }
}

/// Parses a row: `evt.num`, `ts`, plugin id, then `columns` cells.
pub fn parse_row(line: &str, columns: usize) -> Result<GoldenRow<'_>, String> {
    let mut parts = line.split('\t');
    let evtnum = parts.next().and_then(|s| s.parse::<u64>().ok()).ok_or("evt.num is not a number")?;
    let ts = parts.next().and_then(|s| s.parse::<u64>().ok()).ok_or("ts is not a number")?;
    let plugin_id = match parts.next() {
        Some(ABSENT) => None,
        Some(s) => Some(s.parse::<u32>().map_err(|_| "plugin_id is not a number")?),
        None => return Err("the row has no plugin_id".into()),
    };
    let cells: Vec<&str> = parts.collect();
    if cells.len() != columns {
        return Err(format!("{} cells where {columns} columns were declared", cells.len()));
    }
    Ok(GoldenRow { evtnum, ts, plugin_id, cells })
}

#[derive(Serialize, Deserialize)]
struct Footer {
    events: u64,
}

/// Writes a golden file atomically (a locked temporary file, fsync, rename: see
/// `scap::output_file`).
pub struct GoldenWriter {
    path: PathBuf,
    output: Option<OutputFile>,
    out: Option<CompressedWriter>,
    rows: u64,
}

impl GoldenWriter {
    /// A golden file at `path`, which may not replace a file of another kind.
    pub fn create(path: &Path, header: &GoldenHeader) -> Result<GoldenWriter, EngineError> {
        Self::create_with(path, header, &[], false)
    }

    /// A golden file at `path` that is none of `inputs` (the run's capture and other outputs);
    /// `force` lets it replace a file of another kind.
    pub fn create_with(path: &Path, header: &GoldenHeader, inputs: &[&Path], force: bool) -> Result<GoldenWriter, EngineError> {
        let shown = path.display().to_string();
        let output = OutputFile::create(path, &OutputPolicy { kind: OutputKind::Golden, inputs, force }).map_err(|e| EngineError::output(&shown, e))?;
        let file = output.writer().map_err(|e| EngineError::io(&shown, &e))?;
        // `.zst` / `.gz` names are compressed (zstd level 3 or gzip); readers detect it
        let out = CompressedWriter::new(Box::new(file), Compression::from_file_name(path), None).map_err(|e| EngineError::io(&shown, &e))?;
        let mut w = GoldenWriter { path: path.to_path_buf(), output: Some(output), out: Some(out), rows: 0 };
        let mut text = String::new();
        text.push_str(FORMAT_LINE);
        text.push('\n');
        for p in &header.plugins {
            text.push_str("#plugin\t");
            text.push_str(&serde_json::to_string(p).expect("header serializes"));
            text.push('\n');
        }
        text.push_str("#columns");
        for c in FIXED_COLUMNS.iter().map(|s| s.to_string()).chain(header.columns()) {
            text.push('\t');
            text.push_str(&c);
        }
        text.push('\n');
        w.write_raw(text.as_bytes())?;
        Ok(w)
    }

    /// Stale temporary files met when the file was created (removed), to report.
    pub fn notes(&self) -> &[String] {
        self.output.as_ref().map_or(&[], |o| o.notes())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends one row; `cells` must hold one cell per column.
    pub fn write_row<'a>(&mut self, evtnum: u64, ts: u64, plugin_id: Option<u32>, cells: impl Iterator<Item = &'a str>) -> Result<(), EngineError> {
        let mut line = String::with_capacity(64);
        self.format_row(&mut line, evtnum, ts, plugin_id, cells);
        self.write_raw(line.as_bytes())?;
        self.rows += 1;
        Ok(())
    }

    /// Appends rows already formatted by [`Self::format_row`] (the hot path batches them).
    pub fn write_formatted(&mut self, text: &str, rows: u64) -> Result<(), EngineError> {
        self.write_raw(text.as_bytes())?;
        self.rows += rows;
        Ok(())
    }

    /// Formats one row into `line`.
    pub fn format_row<'a>(&self, line: &mut String, evtnum: u64, ts: u64, plugin_id: Option<u32>, cells: impl Iterator<Item = &'a str>) {
        format_row(line, evtnum, ts, plugin_id, cells);
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        let shown = self.path.display().to_string();
        self.out.as_mut().expect("golden writer open").write_all(bytes).map_err(|e| EngineError::io(&shown, &e))
    }

    /// Writes the footer, syncs and renames the file into place.
    pub fn finish(mut self) -> Result<u64, EngineError> {
        let footer = serde_json::to_string(&Footer { events: self.rows }).expect("footer serializes");
        self.write_raw(format!("#end\t{footer}\n").as_bytes())?;
        let shown = self.path.display().to_string();
        let out = self.out.take().expect("golden writer open");
        out.finish().map_err(|e| EngineError::io(&shown, &e))?;
        self.output.take().expect("golden output open").commit().map_err(|e| EngineError::io(&shown, &e))?;
        Ok(self.rows)
    }
}

/// One row of a golden file, borrowing its line.
#[derive(Debug)]
pub struct GoldenRow<'a> {
    pub evtnum: u64,
    pub ts: u64,
    pub plugin_id: Option<u32>,
    pub cells: Vec<&'a str>,
}

/// Reads a golden file row by row, checking its structure as it goes.
pub struct GoldenReader {
    path: String,
    lines: Box<dyn BufRead + Send>,
    pub header: GoldenHeader,
    columns: usize,
    line_no: u64,
    rows: u64,
    line: String,
    finished: bool,
}

impl GoldenReader {
    /// Opens a golden file, plain, gzip or zstd (detected from its first bytes).
    pub fn open(path: &Path) -> Result<GoldenReader, EngineError> {
        let shown = path.display().to_string();
        let input = scap::input::open(path).map_err(|e| match e.kind {
            scap::ErrorKind::Io if !path.exists() => EngineError::io(&shown, &std::io::Error::from(std::io::ErrorKind::NotFound)),
            _ => EngineError::golden(&shown, e.message),
        })?;
        Self::from_reader(&shown, Box::new(BufReader::with_capacity(1 << 20, input.stream)))
    }

    /// A golden file read from `input`, named `name` in messages (the header is read now).
    pub fn from_reader(name: &str, input: Box<dyn BufRead + Send>) -> Result<GoldenReader, EngineError> {
        let mut r = GoldenReader {
            path: name.to_string(),
            lines: input,
            header: GoldenHeader::default(),
            columns: 0,
            line_no: 0,
            rows: 0,
            line: String::new(),
            finished: false,
        };
        r.read_header()?;
        Ok(r)
    }

    fn bad(&self, message: impl Into<String>) -> EngineError {
        EngineError::golden(&self.path, format!("line {}: {}", self.line_no, message.into()))
    }

    fn read_line(&mut self) -> Result<bool, EngineError> {
        self.line.clear();
        let n = match self.lines.read_line(&mut self.line) {
            Ok(n) => n,
            // golden files are UTF-8 text (invalid bytes of values are written as \xNN)
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                self.line_no += 1;
                return Err(self.bad("not UTF-8 text: this is not a golden file, or it was damaged"));
            }
            Err(e) => return Err(EngineError::io(&self.path, &e)),
        };
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        if self.line.ends_with('\n') {
            self.line.pop();
        } else {
            return Err(self.bad("the file ends in the middle of a line: it is incomplete"));
        }
        Ok(true)
    }

    fn read_header(&mut self) -> Result<(), EngineError> {
        if !self.read_line()? || !self.line.starts_with("# scaptool golden file, format 1") {
            return Err(self.bad("not a scaptool golden file (format 1): the first line is not its format line"));
        }
        loop {
            if !self.read_line()? {
                return Err(self.bad("no #columns line"));
            }
            if let Some(json) = self.line.strip_prefix("#plugin\t") {
                let p: GoldenPlugin = serde_json::from_str(json).map_err(|e| self.bad(format!("bad #plugin line: {e}")))?;
                self.header.plugins.push(p);
            } else if let Some(cols) = self.line.strip_prefix("#columns\t") {
                let cols: Vec<&str> = cols.split('\t').collect();
                let expected: Vec<String> = FIXED_COLUMNS.iter().map(|s| s.to_string()).chain(self.header.columns()).collect();
                if cols != expected {
                    return Err(self.bad(format!("#columns {cols:?} do not match the #plugin lines ({expected:?})")));
                }
                self.columns = expected.len() - FIXED_COLUMNS.len();
                return Ok(());
            } else if !self.line.starts_with('#') {
                return Err(self.bad("a row before the #columns line"));
            }
        }
    }

    /// Reads the next line into `self.line`: true for a row, false after the `#end` line
    /// (whose count is checked), an error if the file ends without one.
    fn next_data_line(&mut self) -> Result<bool, EngineError> {
        if self.finished {
            return Ok(false);
        }
        if !self.read_line()? {
            return Err(self.bad(format!("no #end line after {} rows: the golden file is incomplete", self.rows)));
        }
        if let Some(json) = self.line.strip_prefix("#end\t") {
            let footer: Footer = serde_json::from_str(json).map_err(|e| self.bad(format!("bad #end line: {e}")))?;
            if footer.events != self.rows {
                return Err(self.bad(format!("#end says {} events but the file has {} rows", footer.events, self.rows)));
            }
            self.finished = true;
            return Ok(false);
        }
        self.rows += 1;
        Ok(true)
    }

    /// The next row, or `None` after the `#end` line (whose count is checked).
    pub fn next_row(&mut self) -> Result<Option<GoldenRow<'_>>, EngineError> {
        if !self.next_data_line()? {
            return Ok(None);
        }
        let (line_no, path) = (self.line_no, self.path.clone());
        let row = parse_row(&self.line, self.columns).map_err(|m| EngineError::golden(&path, format!("line {line_no}: {m}")))?;
        Ok(Some(row))
    }

    /// Reads up to `n` rows as raw lines into `block` (cleared first); fewer only at the
    /// `#end` line, whose count is checked. Rows are parsed by the caller ([`parse_row`]).
    pub fn read_block(&mut self, n: usize, block: &mut LineBlock) -> Result<(), EngineError> {
        block.text.clear();
        block.ends.clear();
        block.first_line = self.line_no + 1;
        while block.ends.len() < n && self.next_data_line()? {
            block.text.push_str(&self.line);
            block.ends.push(block.text.len());
        }
        Ok(())
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    pub fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn header() -> GoldenHeader {
        GoldenHeader {
            plugins: vec![GoldenPlugin {
                name: "dummy".into(),
                version: "1.0.0".into(),
                required_api_version: "3.0.0".into(),
                generation: "3.x".into(),
                role: "source".into(),
                id: Some(3),
                event_source: Some("dummy".into()),
                extract_event_sources: vec!["dummy".into()],
                library: "libdummy.so".into(),
                config_sha256: "00".into(),
                columns: vec![
                    GoldenColumn { column: "dummy.value".into(), name: "dummy.value".into(), arg: None, field_type: "uint64".into(), is_list: false },
                    GoldenColumn { column: "dummy.strvalue".into(), name: "dummy.strvalue".into(), arg: None, field_type: "string".into(), is_list: false },
                ],
                fields: vec![],
            }],
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("golden-test-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join("x.golden")
    }

    #[test]
    fn row_matches_is_format_row_without_the_string() {
        let cases: [(u64, u64, Option<u32>, Vec<&str>); 4] = [
            (1, 1_700_000_000_000_000_000, Some(999), vec!["1", "\"a\\tb\"", "-"]),
            (18_446_744_073_709_551_615, 0, None, vec![]),
            (42, 7, Some(0), vec!["", "", "x"]),
            (3, 3, Some(3), vec!["33", "3"]),
        ];
        for (evtnum, ts, id, cells) in cases {
            let mut line = String::new();
            format_row(&mut line, evtnum, ts, id, cells.iter().copied());
            let line = line.strip_suffix('\n').unwrap();
            assert!(row_matches(line, evtnum, ts, id, cells.iter().copied()), "{line}");
            // any other row, or any change of the line, does not match
            assert!(!row_matches(line, evtnum + 1, ts, id, cells.iter().copied()));
            assert!(!row_matches(line, evtnum, ts ^ 1, id, cells.iter().copied()));
            assert!(!row_matches(line, evtnum, ts, id.map(|i| i + 1).or(Some(0)), cells.iter().copied()));
            assert!(!row_matches(&format!("{line}\t"), evtnum, ts, id, cells.iter().copied()));
            assert!(!row_matches(&line[..line.len() - 1], evtnum, ts, id, cells.iter().copied()));
            assert!(!row_matches(line, evtnum, ts, id, cells.iter().copied().chain(["more"])));
            if !cells.is_empty() {
                assert!(!row_matches(line, evtnum, ts, id, cells.iter().copied().take(cells.len() - 1)));
            }
        }
    }

    #[test]
    fn round_trips_and_is_written_atomically() {
        let path = tmp("roundtrip");
        let mut w = GoldenWriter::create(&path, &header()).unwrap();
        assert!(!path.exists(), "nothing under the final name before finish");
        w.write_row(1, 100, Some(3), ["8", "\"8\""].into_iter()).unwrap();
        w.write_row(2, 200, None, [".", "."].into_iter()).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let mut r = GoldenReader::open(&path).unwrap();
        assert_eq!(r.header, header());
        let row = r.next_row().unwrap().unwrap();
        assert_eq!((row.evtnum, row.ts, row.plugin_id, row.cells.clone()), (1, 100, Some(3), vec!["8", "\"8\""]));
        let row = r.next_row().unwrap().unwrap();
        assert_eq!((row.plugin_id, row.cells.clone()), (None, vec![".", "."]));
        assert!(r.next_row().unwrap().is_none());
    }

    #[test]
    fn a_dropped_writer_leaves_nothing() {
        let path = tmp("dropped");
        let w = GoldenWriter::create(&path, &header()).unwrap();
        drop(w);
        assert!(!path.exists());
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 0);
    }

    #[test]
    fn truncated_and_malformed_files_are_refused() {
        let path = tmp("truncated");
        let mut w = GoldenWriter::create(&path, &header()).unwrap();
        w.write_row(1, 100, Some(3), ["8", "\"8\""].into_iter()).unwrap();
        w.finish().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let cut = text.replace("#end\t{\"events\":1}\n", "");
        fs::write(&path, &cut).unwrap();
        let mut r = GoldenReader::open(&path).unwrap();
        r.next_row().unwrap();
        assert!(r.next_row().unwrap_err().message.contains("incomplete"));
        fs::write(&path, text.replace("1\t100\t3\t8", "1\t100\t3\t8\textra")).unwrap();
        let mut r = GoldenReader::open(&path).unwrap();
        assert!(r.next_row().unwrap_err().message.contains("line 4: 3 cells where 2 columns"));
        fs::write(&path, "hello\n").unwrap();
        assert!(GoldenReader::open(&path).err().unwrap().message.contains("not a scaptool golden file"));
    }
}
