//! `Converter`: rewrites a capture with another compression, copying every block byte for byte
//! (section headers, metadata and events alike: the first section header too, options, version
//! and trailer as they are), a slice at a time on the thread pool. The output is written to a
//! temporary file renamed into place at the end (`scap::output_file`): it is never the input (by
//! device and inode), replaces only a capture unless forced, and an output error leaves nothing
//! behind. If the input is damaged, the output holds every block before the fault and the step
//! reports the fault.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::output_file::{OutputFile, OutputKind, OutputPolicy};
use scap::writer::{ScapWriter, WriterOptions};
use scap::{ErrorKind, Item, ScapError, ScapReader};

use crate::capture_writer::parse_compression;
use crate::error_info::ErrorInfo;

#[napi(object)]
pub struct ConvertOptions {
    /// `none`, `gzip` or `zstd`; default from the output file name.
    pub compression: Option<String>,
    pub level: Option<i32>,
    /// Replace an existing file that is not a capture.
    pub force: Option<bool>,
}

#[napi(object)]
pub struct ConvertStep {
    pub done: bool,
    /// Input bytes consumed (decompressed stream) and input file size, for progress.
    pub position: i64,
    pub file_size: i64,
    pub blocks: i64,
    pub events: i64,
    /// Uncompressed bytes written.
    pub bytes_written: i64,
    pub input_compression: String,
    pub output_compression: String,
    /// A fault in the input (the output holds everything before it) or in the output.
    pub error: Option<ErrorInfo>,
    /// `input` or `output`: which file `error` is about.
    pub error_file: Option<String>,
}

enum State {
    NotOpened { input: PathBuf, output: PathBuf, options: ConvertOptions },
    Running { reader: Box<ScapReader>, writer: Box<ScapWriter>, output: OutputFile, blocks: u64, output_compression: String },
    Finished,
}

#[napi]
pub struct Converter {
    state: Arc<Mutex<State>>,
}

#[napi]
impl Converter {
    #[napi(constructor)]
    pub fn new(input: String, output: String, options: Option<ConvertOptions>) -> Self {
        let options = options.unwrap_or(ConvertOptions { compression: None, level: None, force: None });
        Converter {
            state: Arc::new(Mutex::new(State::NotOpened { input: input.into(), output: output.into(), options })),
        }
    }

    /// Copies up to `max_blocks` more blocks.
    #[napi(ts_return_type = "Promise<ConvertStep>")]
    pub fn step(&self, max_blocks: u32) -> AsyncTask<ConvertTask> {
        AsyncTask::new(ConvertTask { state: self.state.clone(), max_blocks: max_blocks.max(1) })
    }
}

pub struct ConvertTask {
    state: Arc<Mutex<State>>,
    max_blocks: u32,
}

fn failed(error: &ScapError, file: &str) -> ConvertStep {
    ConvertStep {
        done: true,
        position: 0,
        file_size: 0,
        blocks: 0,
        events: 0,
        bytes_written: 0,
        input_compression: String::new(),
        output_compression: String::new(),
        error: Some(error.into()),
        error_file: Some(file.into()),
    }
}

impl Task for ConvertTask {
    type Output = ConvertStep;
    type JsValue = ConvertStep;

    fn compute(&mut self) -> Result<ConvertStep> {
        let mut state = self.state.lock().map_err(|_| Error::from_reason("converter lock poisoned"))?;
        if let State::NotOpened { input, output, options } = &*state {
            let reader = match ScapReader::open(input) {
                Ok(r) => r,
                Err(e) => {
                    *state = State::Finished;
                    return Ok(failed(&e, "input"));
                }
            };
            let policy = OutputPolicy { kind: OutputKind::Capture, inputs: &[input.as_path()], force: options.force.unwrap_or(false) };
            let out = match OutputFile::create(output, &policy) {
                Ok(out) => out,
                Err(e) => {
                    *state = State::Finished;
                    let mut step = failed(&ScapError::new(ErrorKind::Io, 0, e.message), "output");
                    if e.usage {
                        // refused by policy, not an I/O failure: the caller reports a usage error
                        step.error.as_mut().expect("failed() sets it").code = "OUTPUT_REFUSED".into();
                    }
                    return Ok(step);
                }
            };
            let opened = Ok(out).and_then(|out| {
                let c = parse_compression(options.compression.as_deref(), output)?;
                let w = ScapWriter::to_output(&out, &WriterOptions { compression: Some(c), level: options.level, raw: true, ..Default::default() })?;
                Ok((w, out, c))
            });
            let (writer, out, compression) = match opened {
                Ok(opened) => opened,
                Err(e) => {
                    *state = State::Finished;
                    return Ok(failed(&e, "output"));
                }
            };
            *state = State::Running {
                reader: Box::new(reader),
                writer: Box::new(writer),
                output: out,
                blocks: 0,
                output_compression: compression.name().to_string(),
            };
        }
        let (reader, writer, blocks, output_compression) = match &mut *state {
            State::Running { reader, writer, blocks, output_compression, .. } => (reader, writer, blocks, output_compression),
            _ => return Ok(failed(&ScapError::new(ErrorKind::Io, 0, "conversion already finished"), "output")),
        };
        let mut error = None;
        let mut error_file = None;
        let mut done = false;
        for _ in 0..self.max_blocks {
            let is_event = match reader.next_item() {
                Ok(Some(item)) => matches!(item, Item::Event(_) | Item::DroppedEvent { .. }),
                Ok(None) => {
                    done = true;
                    break;
                }
                Err(e) => {
                    error = Some(ErrorInfo::from(&e));
                    error_file = Some("input".to_string());
                    done = true;
                    break;
                }
            };
            let block = reader.last_block();
            *blocks += 1;
            if let Err(e) = writer.write_raw_block(block, is_event) {
                error = Some(ErrorInfo::from(&e));
                error_file = Some("output".to_string());
                done = true;
                break;
            }
        }
        if let Err(e) = writer.flush() {
            if error.is_none() {
                error = Some(ErrorInfo::from(&e));
                error_file = Some("output".to_string());
            }
            done = true;
        }
        let mut step = ConvertStep {
            done,
            position: reader.position() as i64,
            file_size: reader.file_size() as i64,
            blocks: *blocks as i64,
            events: writer.stats().events as i64,
            bytes_written: writer.stats().bytes as i64,
            input_compression: reader.compression().name().to_string(),
            output_compression: output_compression.clone(),
            error,
            error_file,
        };
        if done {
            if let State::Running { writer, output, .. } = std::mem::replace(&mut *state, State::Finished) {
                match writer.finish() {
                    Ok(stats) => step.bytes_written = stats.bytes as i64,
                    Err(e) => {
                        if step.error.is_none() {
                            step.error = Some(ErrorInfo::from(&e));
                            step.error_file = Some("output".into());
                        }
                    }
                }
                // Complete, or complete up to an input fault: into place. An output error: gone.
                if step.error_file.as_deref() != Some("output") {
                    if let Err(e) = output.commit() {
                        step.error = Some(ErrorInfo::from(&ScapError::io(0, &e)));
                        step.error_file = Some("output".into());
                    }
                }
            }
        }
        Ok(step)
    }

    fn resolve(&mut self, _env: Env, out: ConvertStep) -> Result<ConvertStep> {
        Ok(out)
    }
}
