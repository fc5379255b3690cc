//! Capture editing and golden diffs, stepped on the thread pool like print and rules (see
//! `print_rules.rs`): `Selector` (convert with a filter, evt.num or time ranges, -n), `Merger`
//! (merge by timestamp) and `GoldenDiff` (two golden files). They print nothing: each step's
//! outcome is its progress, `finish` resolves to the summary.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap_engine::golden_diff::{DiffOptions, DiffProgress, DiffReport, GoldenDiff as CoreDiff};
use scap_engine::merge::{MergeOptions, MergeProgress, Merger as CoreMerger};
use scap_engine::select::{SelectOptions, SelectProgress, Selector as CoreSelector};
use scap_engine::EngineError;

use crate::print_rules::{OutputRun, OutputStep, SharedRun};

impl OutputRun for CoreSelector {
    type Options = SelectOptions;
    type Progress = SelectProgress;
    type Summary = SelectProgress;
    const WHAT: &'static str = "convert";
    fn start(options: SelectOptions) -> std::result::Result<Self, EngineError> {
        CoreSelector::start(options)
    }
    fn step(&mut self, _text: &mut String, _records: &mut String) -> std::result::Result<SelectProgress, EngineError> {
        CoreSelector::step(self)
    }
    fn finish(self) -> SelectProgress {
        CoreSelector::finish(self)
    }
}

impl OutputRun for CoreMerger {
    type Options = MergeOptions;
    type Progress = MergeProgress;
    type Summary = MergeProgress;
    const WHAT: &'static str = "merge";
    fn start(options: MergeOptions) -> std::result::Result<Self, EngineError> {
        CoreMerger::start(options)
    }
    fn step(&mut self, _text: &mut String, _records: &mut String) -> std::result::Result<MergeProgress, EngineError> {
        CoreMerger::step(self)
    }
    fn finish(self) -> MergeProgress {
        CoreMerger::finish(self)
    }
}

impl OutputRun for CoreDiff {
    type Options = DiffOptions;
    type Progress = DiffProgress;
    type Summary = DiffReport;
    const WHAT: &'static str = "diff";
    fn start(options: DiffOptions) -> std::result::Result<Self, EngineError> {
        CoreDiff::start(options)
    }
    fn step(&mut self, _text: &mut String, _records: &mut String) -> std::result::Result<DiffProgress, EngineError> {
        CoreDiff::step(self)
    }
    fn finish(self) -> DiffReport {
        CoreDiff::finish(self)
    }
}

#[napi]
pub struct Selector(SharedRun<CoreSelector>);

#[napi]
impl Selector {
    /// `options`: JSON of scap_engine::select::SelectOptions. Plugins load on the first step.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        Selector(SharedRun::new(&options))
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<OutputStep<CoreSelector>> {
        self.0.task(false)
    }

    /// Resolves to the final progress; an output not completed is removed.
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<OutputStep<CoreSelector>> {
        self.0.task(true)
    }
}

#[napi]
pub struct Merger(SharedRun<CoreMerger>);

#[napi]
impl Merger {
    /// `options`: JSON of scap_engine::merge::MergeOptions.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        Merger(SharedRun::new(&options))
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<OutputStep<CoreMerger>> {
        self.0.task(false)
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<OutputStep<CoreMerger>> {
        self.0.task(true)
    }
}

#[napi]
pub struct GoldenDiff(SharedRun<CoreDiff>);

#[napi]
impl GoldenDiff {
    /// `options`: JSON of scap_engine::golden_diff::DiffOptions.
    #[napi(constructor)]
    pub fn new(options: String) -> Self {
        GoldenDiff(SharedRun::new(&options))
    }

    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn step(&self) -> AsyncTask<OutputStep<CoreDiff>> {
        self.0.task(false)
    }

    /// Resolves to the diff report.
    #[napi(ts_return_type = "Promise<OutputChunk>")]
    pub fn finish(&self) -> AsyncTask<OutputStep<CoreDiff>> {
        self.0.task(true)
    }
}
