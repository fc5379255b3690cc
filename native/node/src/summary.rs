//! `Summarizer`: the whole-capture summary behind `scaptool info`, computed a slice at a time on
//! the thread pool so that the CLI can draw progress on multi-gigabyte captures.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use scap::summary::{Summarizer as CoreSummarizer, Summary};
use scap::ScapReader;

use crate::error_info::ErrorInfo;

#[napi(object)]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

#[napi(object)]
pub struct SectionInfo {
    pub index: u32,
    pub offset: i64,
    pub major: u32,
    pub minor: u32,
    pub options_length: i64,
    pub blocks: Vec<NameCount>,
    pub events: i64,
    pub first_evtnum: Option<i64>,
    pub last_evtnum: Option<i64>,
}

#[napi(object)]
pub struct TypeCount {
    pub event_type: u32,
    pub name: String,
    pub count: i64,
}

#[napi(object)]
pub struct PluginCount {
    pub plugin_id: u32,
    pub count: i64,
}

#[napi(object)]
pub struct AsyncCount {
    pub plugin_id: u32,
    pub name: String,
    pub count: i64,
}

#[napi(object)]
pub struct MachineInfoJs {
    pub hostname: String,
    pub num_cpus: u32,
    pub memory_size_bytes: i64,
    pub max_pid: i64,
    pub boot_ts_epoch: BigInt,
}

#[napi(object)]
pub struct WarningJs {
    pub offset: i64,
    pub message: String,
}

#[napi(object)]
pub struct SummaryJs {
    pub compression: String,
    pub file_size: i64,
    pub bytes_read: i64,
    pub sections: Vec<SectionInfo>,
    pub blocks: Vec<NameCount>,
    pub events: i64,
    pub events_by_type: Vec<TypeCount>,
    pub events_by_plugin: Vec<PluginCount>,
    pub async_events: Vec<AsyncCount>,
    pub dropped_events: Vec<TypeCount>,
    pub first_evtnum: Option<i64>,
    pub last_evtnum: Option<i64>,
    pub first_ts: Option<BigInt>,
    pub last_ts: Option<BigInt>,
    pub min_ts: Option<BigInt>,
    pub max_ts: Option<BigInt>,
    pub out_of_order_timestamps: i64,
    pub machine_info: Option<MachineInfoJs>,
    pub threads: i64,
    pub fds: i64,
    pub interfaces: i64,
    pub users: i64,
    pub groups: i64,
    pub warnings: Vec<WarningJs>,
    pub error: Option<ErrorInfo>,
}

#[napi(object)]
pub struct SummaryStep {
    pub done: bool,
    pub position: i64,
    pub file_size: i64,
    /// Present once `done`.
    pub summary: Option<SummaryJs>,
}

enum State {
    NotOpened(PathBuf),
    Running(Box<ScapReader>, Box<CoreSummarizer>),
    Finished,
}

#[napi]
pub struct Summarizer {
    state: Arc<Mutex<State>>,
}

#[napi]
impl Summarizer {
    #[napi(constructor)]
    pub fn new(path: String) -> Self {
        Summarizer { state: Arc::new(Mutex::new(State::NotOpened(PathBuf::from(path)))) }
    }

    /// Reads up to `max_items` more items; the last step carries the summary.
    #[napi(ts_return_type = "Promise<SummaryStep>")]
    pub fn step(&self, max_items: u32) -> AsyncTask<SummarizeStep> {
        AsyncTask::new(SummarizeStep { state: self.state.clone(), max_items: max_items.max(1) })
    }
}

pub struct SummarizeStep {
    state: Arc<Mutex<State>>,
    max_items: u32,
}

pub struct StepOut {
    done: bool,
    position: i64,
    file_size: i64,
    summary: Option<Summary>,
    open_error: Option<ErrorInfo>,
}

impl Task for SummarizeStep {
    type Output = StepOut;
    type JsValue = SummaryStep;

    fn compute(&mut self) -> Result<StepOut> {
        let mut state = self.state.lock().map_err(|_| Error::from_reason("summarizer lock poisoned"))?;
        if let State::NotOpened(path) = &*state {
            match ScapReader::open(path) {
                Ok(reader) => {
                    let s = CoreSummarizer::new(&reader);
                    *state = State::Running(Box::new(reader), Box::new(s));
                }
                Err(e) => {
                    *state = State::Finished;
                    return Ok(StepOut { done: true, position: 0, file_size: 0, summary: None, open_error: Some((&e).into()) });
                }
            }
        }
        let (done, position, file_size) = match &mut *state {
            State::Running(reader, s) => {
                let done = s.feed(reader, self.max_items as u64);
                (done, reader.position() as i64, reader.file_size() as i64)
            }
            _ => return Ok(StepOut { done: true, position: 0, file_size: 0, summary: None, open_error: None }),
        };
        if !done {
            return Ok(StepOut { done, position, file_size, summary: None, open_error: None });
        }
        let summary = match std::mem::replace(&mut *state, State::Finished) {
            State::Running(reader, s) => s.finish(&reader),
            _ => unreachable!(),
        };
        Ok(StepOut { done, position, file_size, summary: Some(summary), open_error: None })
    }

    fn resolve(&mut self, _env: Env, out: StepOut) -> Result<SummaryStep> {
        let summary = match (out.summary, out.open_error) {
            (Some(s), _) => Some(to_js(s)),
            (None, Some(err)) => Some(SummaryJs { error: Some(err), ..empty() }),
            (None, None) => None,
        };
        Ok(SummaryStep { done: out.done, position: out.position, file_size: out.file_size, summary })
    }
}

fn counts(map: &std::collections::BTreeMap<String, u64>) -> Vec<NameCount> {
    map.iter().map(|(name, count)| NameCount { name: name.clone(), count: *count as i64 }).collect()
}

fn big(v: Option<u64>) -> Option<BigInt> {
    v.map(BigInt::from)
}

fn empty() -> SummaryJs {
    to_js(Summary::default())
}

fn to_js(s: Summary) -> SummaryJs {
    SummaryJs {
        compression: s.compression.map(|c| c.name()).unwrap_or("none").to_string(),
        file_size: s.file_size as i64,
        bytes_read: s.bytes_read as i64,
        sections: s
            .sections
            .iter()
            .map(|sec| SectionInfo {
                index: sec.index,
                offset: sec.offset as i64,
                major: sec.major as u32,
                minor: sec.minor as u32,
                options_length: sec.options_len as i64,
                blocks: counts(&sec.blocks),
                events: sec.events as i64,
                first_evtnum: sec.first_evtnum.map(|n| n as i64),
                last_evtnum: sec.last_evtnum.map(|n| n as i64),
            })
            .collect(),
        blocks: counts(&s.blocks),
        events: s.events as i64,
        events_by_type: s
            .events_by_type
            .iter()
            .map(|(t, c)| TypeCount { event_type: *t as u32, name: c.name.clone(), count: c.count as i64 })
            .collect(),
        events_by_plugin: s
            .events_by_plugin
            .iter()
            .map(|(id, c)| PluginCount { plugin_id: *id, count: *c as i64 })
            .collect(),
        async_events: s
            .async_events
            .iter()
            .map(|((id, name), c)| AsyncCount { plugin_id: *id, name: name.clone(), count: *c as i64 })
            .collect(),
        dropped_events: s
            .dropped_events
            .iter()
            .map(|(t, c)| TypeCount {
                event_type: *t as u32,
                name: scap::event_types::display_name(*t),
                count: *c as i64,
            })
            .collect(),
        first_evtnum: s.first_evtnum.map(|n| n as i64),
        last_evtnum: s.last_evtnum.map(|n| n as i64),
        first_ts: big(s.first_ts),
        last_ts: big(s.last_ts),
        min_ts: big(s.min_ts),
        max_ts: big(s.max_ts),
        out_of_order_timestamps: s.out_of_order_ts as i64,
        machine_info: s.machine_info.map(|mi| MachineInfoJs {
            hostname: mi.hostname,
            num_cpus: mi.num_cpus,
            memory_size_bytes: mi.memory_size_bytes as i64,
            max_pid: mi.max_pid as i64,
            boot_ts_epoch: BigInt::from(mi.boot_ts_epoch),
        }),
        threads: s.threads as i64,
        fds: s.fds as i64,
        interfaces: s.interfaces as i64,
        users: s.users as i64,
        groups: s.groups as i64,
        warnings: s.warnings.iter().map(|w| WarningJs { offset: w.offset as i64, message: w.message.clone() }).collect(),
        error: s.error.as_ref().map(ErrorInfo::from),
    }
}
