//! `Converter`: rewrites a capture with another compression, copying every block byte for byte
//! (events and metadata alike), a slice at a time on the thread pool. If the input is damaged,
//! the output holds everything before the fault and the step reports the fault.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::writer::{ScapWriter, WriterOptions};
use scap::{ErrorKind, Item, ScapError, ScapReader};

use crate::capture_writer::parse_compression;
use crate::error_info::ErrorInfo;

#[napi(object)]
pub struct ConvertOptions {
    /// `none`, `gzip` or `zstd`; default from the output file name.
    pub compression: Option<String>,
    pub level: Option<i32>,
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
    Running { reader: Box<ScapReader>, writer: Box<ScapWriter>, blocks: u64, output_compression: String },
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
        let options = options.unwrap_or(ConvertOptions { compression: None, level: None });
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
            let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if same {
                let e = ScapError::new(ErrorKind::Io, 0, "the output is the input file: refusing to overwrite it");
                *state = State::Finished;
                return Ok(failed(&e, "output"));
            }
            let reader = match ScapReader::open(input) {
                Ok(r) => r,
                Err(e) => {
                    *state = State::Finished;
                    return Ok(failed(&e, "input"));
                }
            };
            let opened = parse_compression(options.compression.as_deref(), output).and_then(|c| {
                let w = ScapWriter::create(output, &WriterOptions { compression: Some(c), machine_info: None, level: options.level })?;
                Ok((w, c))
            });
            let (writer, compression) = match opened {
                Ok(pair) => pair,
                Err(e) => {
                    *state = State::Finished;
                    return Ok(failed(&e, "output"));
                }
            };
            *state = State::Running {
                reader: Box::new(reader),
                writer: Box::new(writer),
                blocks: 0,
                output_compression: compression.name().to_string(),
            };
        }
        let (reader, writer, blocks, output_compression) = match &mut *state {
            State::Running { reader, writer, blocks, output_compression } => (reader, writer, blocks, output_compression),
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
            // The SHB of the first section is written by the writer itself.
            let block = reader.last_block();
            let first_shb = *blocks == 0;
            *blocks += 1;
            if first_shb {
                continue;
            }
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
            if let State::Running { writer, .. } = std::mem::replace(&mut *state, State::Finished) {
                match writer.finish() {
                    Ok(stats) => step.bytes_written = stats.bytes as i64,
                    Err(e) => {
                        if step.error.is_none() {
                            step.error = Some(ErrorInfo::from(&e));
                            step.error_file = Some("output".into());
                        }
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
