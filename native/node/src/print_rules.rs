//! The print and rules engines, stepped a batch at a time on the thread pool (like Replayer).
//! Each step resolves to one chunk: a JSON outcome (`{"ok": progress}` / `{"error": ...}`) and
//! the batch's output lines as one string, so lines cross into JS per batch, never per event.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::Serialize;
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

// The engine's own error type, as the engine returns it (see native/engine/src/lib.rs).
#[allow(clippy::result_large_err)]
/// What print and rules have in common: started from options, stepped a batch at a time into
/// output text (and, for rules, alert records), finished into a summary.
pub trait OutputRun: Sized + Send + 'static {
    type Options: DeserializeOwned + Clone + Send + 'static;
    type Progress: Serialize;
    type Summary: Serialize;
    /// "print" or "rules", for messages.
    const WHAT: &'static str;
    fn start(options: Self::Options) -> std::result::Result<Self, EngineError>;
    fn step(&mut self, text: &mut String, records: &mut String) -> std::result::Result<Self::Progress, EngineError>;
    fn finish(self) -> Self::Summary;
}

impl OutputRun for CorePrinter {
    type Options = PrintOptions;
    type Progress = scap_engine::print::PrintProgress;
    type Summary = scap_engine::print::PrintProgress;
    const WHAT: &'static str = "print";
    fn start(options: PrintOptions) -> std::result::Result<Self, EngineError> {
        CorePrinter::start(options)
    }
    fn step(&mut self, text: &mut String, _records: &mut String) -> std::result::Result<Self::Progress, EngineError> {
        CorePrinter::step(self, text)
    }
    fn finish(self) -> Self::Summary {
        CorePrinter::finish(self)
    }
}

impl OutputRun for CoreRules {
    type Options = RulesOptions;
    type Progress = scap_engine::rules::RulesProgress;
    type Summary = scap_engine::rules::RulesSummary;
    const WHAT: &'static str = "rules";
    fn start(options: RulesOptions) -> std::result::Result<Self, EngineError> {
        CoreRules::start(options)
    }
    fn step(&mut self, text: &mut String, records: &mut String) -> std::result::Result<Self::Progress, EngineError> {
        CoreRules::step(self, text, records)
    }
    fn finish(self) -> Self::Summary {
        CoreRules::finish(self)
    }
}

/// A run shared by a JS object and its pending steps; plugins load on the first step.
pub struct SharedRun<R: OutputRun> {
    run: Arc<Mutex<Run<R, R::Options>>>,
    options_error: Option<String>,
}

impl<R: OutputRun> SharedRun<R> {
    pub(crate) fn new(options: &str) -> Self {
        match serde_json::from_str::<R::Options>(options) {
            Ok(o) => SharedRun { run: Arc::new(Mutex::new(Run::NotStarted(o))), options_error: None },
            Err(e) => SharedRun { run: Arc::new(Mutex::new(Run::Finished)), options_error: Some(bad_options(e)) },
        }
    }

    pub(crate) fn task(&self, finish: bool) -> AsyncTask<OutputStep<R>> {
        AsyncTask::new(OutputStep { run: self.run.clone(), options_error: self.options_error.clone(), finish })
    }
}

/// One step (or the finish) of a print or rules run, on the thread pool.
pub struct OutputStep<R: OutputRun> {
    run: Arc<Mutex<Run<R, R::Options>>>,
    options_error: Option<String>,
    finish: bool,
}

impl<R: OutputRun> Task for OutputStep<R> {
    type Output = OutputChunk;
    type JsValue = OutputChunk;

    fn compute(&mut self) -> Result<OutputChunk> {
        if let Some(e) = &self.options_error {
            return Ok(chunk(e.clone()));
        }
        let mut run = self.run.lock().map_err(|_| Error::from_reason(format!("{} run lock poisoned", R::WHAT)))?;
        if let Run::NotStarted(opts) = &*run {
            match R::start(opts.clone()) {
                Ok(r) => *run = Run::Running(Box::new(r)),
                Err(e) => {
                    *run = Run::Finished;
                    return Ok(chunk(outcome::<()>(Err((&e).into()))));
                }
            }
        }
        let finished = || outcome::<()>(Err(ErrorJson::from(&EngineError::usage(format!("the {} run is already finished", R::WHAT)))));
        if self.finish {
            return Ok(chunk(match std::mem::replace(&mut *run, Run::Finished) {
                Run::Running(r) => outcome::<_>(Ok(r.finish())),
                _ => finished(),
            }));
        }
        match &mut *run {
            Run::Running(r) => {
                let (mut text, mut records) = (String::new(), String::new());
                let res = r.step(&mut text, &mut records).map_err(|e| ErrorJson::from(&e));
                Ok(OutputChunk { outcome: outcome(res), text, records })
            }
            _ => Ok(chunk(finished())),
        }
    }

    fn resolve(&mut self, _env: Env, out: OutputChunk) -> Result<OutputChunk> {
        Ok(out)
    }
}

// ---- print --------------------------------------------------------------------------------

#[napi]
pub struct Printer(SharedRun<CorePrinter>);

#[napi]
impl Printer {
    /// `options`: JSON of scap_engine::print::PrintOptions. Plugins load on the first step.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        Printer(SharedRun::new(&options))
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<OutputStep<CorePrinter>> {
        self.0.task(false)
    }

    /// Resolves to the final progress; releases the plugins.
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<OutputStep<CorePrinter>> {
        self.0.task(true)
    }
}

// ---- rules --------------------------------------------------------------------------------

#[napi]
pub struct RulesRunner(SharedRun<CoreRules>);

#[napi]
impl RulesRunner {
    /// `options`: JSON of scap_engine::rules::RulesOptions (rules already loaded and merged).
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        RulesRunner(SharedRun::new(&options))
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<OutputStep<CoreRules>> {
        self.0.task(false)
    }

    /// Resolves to the summary (alert counts by priority and by rule).
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<OutputStep<CoreRules>> {
        self.0.task(true)
    }
}
