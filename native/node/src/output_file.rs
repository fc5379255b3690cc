//! `checkOutput`: the output-file policy of `scap::output_file` for files the TypeScript layer
//! writes itself (reports, expected alerts): not an input by device and inode, no file of
//! another kind replaced unless forced, no other live writer; stale temporary files cleaned.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::output_file::{OutputFile, OutputKind, OutputPolicy};

/// Checks that `path` may be written as `kind` (`capture`, `golden`, `report`). Returns the notes
/// about stale temporary files met; throws with `code` `OUTPUT_REFUSED` (policy) or `IO`.
#[napi]
pub fn check_output(path: String, kind: String, inputs: Vec<String>, force: bool) -> Result<Vec<String>> {
    let kind = match kind.as_str() {
        "capture" => OutputKind::Capture,
        "golden" => OutputKind::Golden,
        "report" => OutputKind::Report,
        other => return Err(Error::from_reason(format!("unknown output kind '{other}'"))),
    };
    let inputs: Vec<&std::path::Path> = inputs.iter().map(std::path::Path::new).collect();
    match OutputFile::create(std::path::Path::new(&path), &OutputPolicy { kind, inputs: &inputs, force }) {
        // dropped: its temporary file is removed; the caller writes its own
        Ok(out) => Ok(out.notes().to_vec()),
        Err(e) => Err(Error::new(Status::GenericFailure, format!("{}: {}", if e.usage { "OUTPUT_REFUSED" } else { "IO" }, e.message))),
    }
}
