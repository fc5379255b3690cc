//! The print and rules engines, stepped a batch at a time on the thread pool (like Replayer).
//! Each step resolves to one chunk: a JSON outcome (`{"ok": progress}` / `{"error": ...}`) and
//! the batch's output lines as one string, so lines cross into JS per batch, never per event.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap_engine::print::{PrintOptions, Printer as CorePrinter};
use scap_engine::rules::{RulesOptions, RulesRunner as CoreRules};
use scap_engine::EngineError;

use crate::json::{outcome, ErrorJson};

/// One step's result.
#[napi(object)]
pub struct OutputChunk {
    /// `{"ok": progress}` (or, from `finish`, the summary) or `{"error": {...}}`.
    pub outcome: String,
    /// Lines printed by this step (text or JSON lines, each ending in `\n`).
    pub text: String,
    /// Rules: one canonical JSON record per alert (when records were asked for).
    pub records: String,
}

enum Run<T, O> {
    NotStarted(O),
    Running(Box<T>),
    Finished,
}

fn chunk(outcome: String) -> OutputChunk {
    OutputChunk { outcome, text: String::new(), records: String::new() }
}

fn bad_options(e: serde_json::Error) -> String {
    outcome::<()>(Err(ErrorJson::from(&EngineError::usage(format!("invalid options: {e}")))))
}

// ---- print --------------------------------------------------------------------------------

#[napi]
pub struct Printer {
    run: Arc<Mutex<Run<CorePrinter, PrintOptions>>>,
    options_error: Option<String>,
}

#[napi]
impl Printer {
    /// `options`: JSON of scap_engine::print::PrintOptions. Plugins load on the first step.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        match serde_json::from_str::<PrintOptions>(&options) {
            Ok(o) => Printer { run: Arc::new(Mutex::new(Run::NotStarted(o))), options_error: None },
            Err(e) => Printer { run: Arc::new(Mutex::new(Run::Finished)), options_error: Some(bad_options(e)) },
        }
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<PrintStep> {
        AsyncTask::new(PrintStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: false })
    }

    /// Resolves to the final progress; releases the plugins.
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<PrintStep> {
        AsyncTask::new(PrintStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: true })
    }
}

pub struct PrintStep {
    run: Arc<Mutex<Run<CorePrinter, PrintOptions>>>,
    options_error: Option<String>,
    finish: bool,
}

impl Task for PrintStep {
    type Output = OutputChunk;
    type JsValue = OutputChunk;

    fn compute(&mut self) -> Result<OutputChunk> {
        if let Some(e) = &self.options_error {
            return Ok(chunk(e.clone()));
        }
        let mut run = self.run.lock().map_err(|_| Error::from_reason("printer lock poisoned"))?;
        if let Run::NotStarted(opts) = &*run {
            match CorePrinter::start(opts.clone()) {
                Ok(p) => *run = Run::Running(Box::new(p)),
                Err(e) => {
                    *run = Run::Finished;
                    return Ok(chunk(outcome::<()>(Err((&e).into()))));
                }
            }
        }
        if self.finish {
            return Ok(chunk(match std::mem::replace(&mut *run, Run::Finished) {
                Run::Running(p) => outcome::<_>(Ok(p.finish())),
                _ => outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the print run is already finished")))),
            }));
        }
        match &mut *run {
            Run::Running(p) => {
                let mut text = String::new();
                let r = p.step(&mut text).map_err(|e| ErrorJson::from(&e));
                Ok(OutputChunk { outcome: outcome(r), text, records: String::new() })
            }
            _ => Ok(chunk(outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the print run is already finished")))))),
        }
    }

    fn resolve(&mut self, _env: Env, out: OutputChunk) -> Result<OutputChunk> {
        Ok(out)
    }
}

// ---- rules --------------------------------------------------------------------------------

#[napi]
pub struct RulesRunner {
    run: Arc<Mutex<Run<CoreRules, RulesOptions>>>,
    options_error: Option<String>,
}

#[napi]
impl RulesRunner {
    /// `options`: JSON of scap_engine::rules::RulesOptions (rules already loaded and merged).
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        match serde_json::from_str::<RulesOptions>(&options) {
            Ok(o) => RulesRunner { run: Arc::new(Mutex::new(Run::NotStarted(o))), options_error: None },
            Err(e) => RulesRunner { run: Arc::new(Mutex::new(Run::Finished)), options_error: Some(bad_options(e)) },
        }
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<RulesStep> {
        AsyncTask::new(RulesStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: false })
    }

    /// Resolves to the summary (alert counts by priority and by rule).
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<RulesStep> {
        AsyncTask::new(RulesStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: true })
    }
}

pub struct RulesStep {
    run: Arc<Mutex<Run<CoreRules, RulesOptions>>>,
    options_error: Option<String>,
    finish: bool,
}

impl Task for RulesStep {
    type Output = OutputChunk;
    type JsValue = OutputChunk;

    fn compute(&mut self) -> Result<OutputChunk> {
        if let Some(e) = &self.options_error {
            return Ok(chunk(e.clone()));
        }
        let mut run = self.run.lock().map_err(|_| Error::from_reason("rules runner lock poisoned"))?;
        if let Run::NotStarted(opts) = &*run {
            match CoreRules::start(opts.clone()) {
                Ok(r) => *run = Run::Running(Box::new(r)),
                Err(e) => {
                    *run = Run::Finished;
                    return Ok(chunk(outcome::<()>(Err((&e).into()))));
                }
            }
        }
        if self.finish {
            return Ok(chunk(match std::mem::replace(&mut *run, Run::Finished) {
                Run::Running(r) => outcome::<_>(Ok(r.finish())),
                _ => outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the rules run is already finished")))),
            }));
        }
        match &mut *run {
            Run::Running(r) => {
                let (mut text, mut records) = (String::new(), String::new());
                let res = r.step(&mut text, &mut records).map_err(|e| ErrorJson::from(&e));
                Ok(OutputChunk { outcome: outcome(res), text, records })
            }
            _ => Ok(chunk(outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the rules run is already finished")))))),
        }
    }

    fn resolve(&mut self, _env: Env, out: OutputChunk) -> Result<OutputChunk> {
        Ok(out)
    }
}
