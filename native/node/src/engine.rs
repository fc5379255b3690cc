//! The record and replay engines, driven a step at a time on the thread pool so that the
//! JS side can draw progress and stop a recording (Ctrl-C) at a batch boundary. Options come
//! in as JSON (scap_engine::spec); results and errors go out as JSON.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap_engine::record::Recorder as CoreRecorder;
use scap_engine::replay::Replayer as CoreReplayer;
use scap_engine::spec::{RecordOptions, ReplayOptions};
use scap_engine::EngineError;

use crate::json::{outcome, ErrorJson};

enum Run<T, O> {
    NotStarted(O),
    Running(Box<T>),
    Finished,
}

fn bad_options(e: serde_json::Error) -> ErrorJson {
    ErrorJson::from(&EngineError::usage(format!("invalid options: {e}")))
}

// ---- record -------------------------------------------------------------------------------

#[napi]
pub struct Recorder {
    run: Arc<Mutex<Run<CoreRecorder, RecordOptions>>>,
    stop: Arc<AtomicBool>,
    options_error: Option<String>,
}

#[napi]
impl Recorder {
    /// `options`: JSON of scap_engine::spec::RecordOptions. Plugins are loaded by the first step.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        match serde_json::from_str::<RecordOptions>(&options) {
            Ok(o) => Recorder { run: Arc::new(Mutex::new(Run::NotStarted(o))), stop: Arc::new(AtomicBool::new(false)), options_error: None },
            Err(e) => Recorder { run: Arc::new(Mutex::new(Run::Finished)), stop: Arc::new(AtomicBool::new(false)), options_error: Some(outcome::<()>(Err(bad_options(e)))) },
        }
    }

    /// Records for about `budgetMs`; resolves to JSON `{"ok": progress}` or `{"error": ...}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn step(&self, budget_ms: u32) -> AsyncTask<RecordStep> {
        AsyncTask::new(RecordStep { run: self.run.clone(), stop: self.stop.clone(), budget: Duration::from_millis(budget_ms as u64), options_error: self.options_error.clone(), finish: false })
    }

    /// Ends the recording at the next batch boundary (what Ctrl-C does).
    #[napi]
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Completes the capture and golden file; resolves to JSON `{"ok": summary}` or `{"error"}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn finish(&self) -> AsyncTask<RecordStep> {
        AsyncTask::new(RecordStep { run: self.run.clone(), stop: self.stop.clone(), budget: Duration::ZERO, options_error: self.options_error.clone(), finish: true })
    }
}

pub struct RecordStep {
    run: Arc<Mutex<Run<CoreRecorder, RecordOptions>>>,
    stop: Arc<AtomicBool>,
    budget: Duration,
    options_error: Option<String>,
    finish: bool,
}

impl Task for RecordStep {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        if let Some(e) = &self.options_error {
            return Ok(e.clone());
        }
        let mut run = self.run.lock().map_err(|_| Error::from_reason("recorder lock poisoned"))?;
        if let Run::NotStarted(opts) = &*run {
            match CoreRecorder::start(opts) {
                Ok(r) => {
                    // Share the JS-side stop flag with the engine's.
                    let engine_stop = r.stop_handle();
                    if self.stop.load(Ordering::Relaxed) {
                        engine_stop.store(true, Ordering::Relaxed);
                    }
                    *run = Run::Running(Box::new(r));
                }
                Err(e) => {
                    *run = Run::Finished;
                    return Ok(outcome::<()>(Err((&e).into())));
                }
            }
        }
        if self.finish {
            return Ok(match std::mem::replace(&mut *run, Run::Finished) {
                Run::Running(r) => outcome(r.finish().map_err(|e| ErrorJson::from(&e))),
                _ => outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the recording is already finished")))),
            });
        }
        match &mut *run {
            Run::Running(r) => {
                if self.stop.load(Ordering::Relaxed) {
                    r.stop_handle().store(true, Ordering::Relaxed);
                }
                Ok(outcome(r.step(self.budget).map_err(|e| ErrorJson::from(&e))))
            }
            _ => Ok(outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the recording is already finished"))))),
        }
    }

    fn resolve(&mut self, _env: Env, out: String) -> Result<String> {
        Ok(out)
    }
}

// ---- replay -------------------------------------------------------------------------------

#[napi]
pub struct Replayer {
    run: Arc<Mutex<Run<CoreReplayer, ReplayOptions>>>,
    options_error: Option<String>,
}

#[napi]
impl Replayer {
    /// `options`: JSON of scap_engine::spec::ReplayOptions.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        match serde_json::from_str::<ReplayOptions>(&options) {
            Ok(o) => Replayer { run: Arc::new(Mutex::new(Run::NotStarted(o))), options_error: None },
            Err(e) => Replayer { run: Arc::new(Mutex::new(Run::Finished)), options_error: Some(outcome::<()>(Err(bad_options(e)))) },
        }
    }

    /// Replays the next window; resolves to JSON `{"ok": progress}` or `{"error": ...}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn step(&self) -> AsyncTask<ReplayStep> {
        AsyncTask::new(ReplayStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: false })
    }

    /// Resolves to JSON `{"ok": report}` (with the recorded golden header) or `{"error": ...}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn finish(&self) -> AsyncTask<ReplayStep> {
        AsyncTask::new(ReplayStep { run: self.run.clone(), options_error: self.options_error.clone(), finish: true })
    }
}

pub struct ReplayStep {
    run: Arc<Mutex<Run<CoreReplayer, ReplayOptions>>>,
    options_error: Option<String>,
    finish: bool,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportJson {
    #[serde(flatten)]
    report: scap_engine::replay::ReplayReport,
    recorded_plugins: Option<Vec<scap_engine::golden::GoldenPlugin>>,
}

impl Task for ReplayStep {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        if let Some(e) = &self.options_error {
            return Ok(e.clone());
        }
        let mut run = self.run.lock().map_err(|_| Error::from_reason("replayer lock poisoned"))?;
        if let Run::NotStarted(opts) = &*run {
            match CoreReplayer::start(opts.clone()) {
                Ok(r) => *run = Run::Running(Box::new(r)),
                Err(e) => {
                    *run = Run::Finished;
                    return Ok(outcome::<()>(Err((&e).into())));
                }
            }
        }
        if self.finish {
            return Ok(match std::mem::replace(&mut *run, Run::Finished) {
                Run::Running(r) => outcome(r.finish().map(|report| ReportJson { recorded_plugins: report.recorded.as_ref().map(|h| h.plugins.clone()), report }).map_err(|e| ErrorJson::from(&e))),
                _ => outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the replay is already finished")))),
            });
        }
        match &mut *run {
            Run::Running(r) => Ok(outcome(r.step().map_err(|e| ErrorJson::from(&e)))),
            _ => Ok(outcome::<()>(Err(ErrorJson::from(&EngineError::usage("the replay is already finished"))))),
        }
    }

    fn resolve(&mut self, _env: Env, out: String) -> Result<String> {
        Ok(out)
    }
}
