//! Falco rules replayed on a capture, without Falco: the rules, macros and lists of one or more
//! rules files (loaded, merged and validated by the TypeScript layer, which keeps their file
//! positions), compiled once against the loaded plugins, evaluated on every event of the
//! capture in batches, and alerts rendered as Falco prints them.
//!
//! Falco's behaviour, from `userspace/engine` and `userspace/falco` (see
//! `shared/reference/filter-and-output.md`):
//!
//! * A rule runs on the events of its `source` (default `syscall`); rules for sources no loaded
//!   plugin provides are skipped with a warning, and so are syscall rules on a capture without
//!   syscall events. Syscall rules read libsinsp's process state (`capture_state`). Disabled rules, and rules below the minimum priority, are compiled (an error in
//!   them is an error, as in Falco) but do not run.
//! * Every exception field must be a field of the rule's source, even in an exception without
//!   values (Falco: `'F' is not a supported filter field`).
//! * Rules are tried in the order they are defined; with `rule_matching: first` (the default)
//!   only the first matching rule of an event alerts, with `all` every one does.
//! * Text alerts: `*%evt.time: <Priority> <output>` (`%evt.time.iso8601` with
//!   `time_format_iso_8601`); fields without a value print `<NA>`. The whole line is escaped as
//!   a JSON string's contents (see `rules/text_alert.rs`), as Falco prints it.
//! * JSON alerts (keys sorted, as Falco's JSON library prints them): `hostname`, `output` (the
//!   alert line, not escaped beyond the JSON encoding), `output_fields` (every `%field` of the rule's output, typed, plus
//!   `evt.time`), `priority`, `rule`, `source`, `tags` (sorted), `time` (ISO 8601 UTC, `Z`).
//!   `hostname` is `FALCO_HOSTNAME` when set, else the machine's.
//! * The summary counts alerts ("Events detected"), by priority (Falco's short names, upper
//!   case: `INFO`) and by rule.
//! * `required_plugin_versions`: each entry (or one of its alternatives) must name a loaded
//!   plugin whose version has the same major and is at least the required one.

use std::collections::HashMap;
use std::time::Instant;

use plugin_host::version::PluginVersion;
use scap_filter::{falco_alert_format, CompiledFilter, Definitions, ErrorKind, FilterError, OutputFormat};
use serde::{Deserialize, Serialize};

use crate::capture_feed::{CaptureFeed, Fed, StepReads};
use crate::capture_state::capture_has_syscall_events;
use crate::clock::{self, Clock};
use crate::error::EngineError;
use crate::event_batch::EventBatch;
use crate::evt_fields::{machine_hostname, scap_hostname};
use crate::extraction::{EvtContext, Extraction};
use crate::fieldset::FieldSet;
use crate::print::filter_error;
use crate::spec::PluginSpec;

mod text_alert;

/// Falco's priorities, most severe first: (name, short name).
pub const PRIORITIES: [(&str, &str); 8] = [
    ("Emergency", "Emergency"),
    ("Alert", "Alert"),
    ("Critical", "Critical"),
    ("Error", "Error"),
    ("Warning", "Warning"),
    ("Notice", "Notice"),
    ("Informational", "Info"),
    ("Debug", "Debug"),
];

/// A priority name or alias (case-insensitive) → its level (0 = Emergency).
pub fn parse_priority(text: &str) -> Option<usize> {
    let t = text.trim().to_ascii_lowercase();
    if t == "info" {
        return Some(6);
    }
    PRIORITIES.iter().position(|(n, _)| n.to_ascii_lowercase() == t)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSpec {
    pub name: String,
    pub condition: String,
    pub output: String,
    pub priority: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub skip_if_unknown_filter: bool,
    /// The rule's exceptions (their fields only: the values are already in the condition).
    #[serde(default)]
    pub exceptions: Vec<ExceptionSpec>,
    /// `file:line:col` of the rule, for messages.
    #[serde(default, rename = "where")]
    pub location: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionSpec {
    pub name: String,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MacroSpec {
    pub name: String,
    pub condition: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSpec {
    pub name: String,
    pub items: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginRequirement {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub alternatives: Vec<PluginRequirement>,
    #[serde(default, rename = "where")]
    pub location: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesOptions {
    pub capture: String,
    #[serde(default)]
    pub plugins: Vec<PluginSpec>,
    pub rules: Vec<RuleSpec>,
    #[serde(default)]
    pub macros: Vec<MacroSpec>,
    #[serde(default)]
    pub lists: Vec<ListSpec>,
    #[serde(default)]
    pub required_plugin_versions: Vec<PluginRequirement>,
    /// `first` (Falco's default) or `all`.
    #[serde(default)]
    pub rule_matching: Option<String>,
    /// Alerts as JSON lines (Falco's `json_output`).
    #[serde(default)]
    pub json: bool,
    #[serde(default = "yes")]
    pub json_include_output: bool,
    #[serde(default = "yes")]
    pub json_include_tags: bool,
    /// `%evt.time.iso8601` instead of `%evt.time` before text alerts.
    #[serde(default)]
    pub time_iso8601: bool,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Rules below this priority are not loaded (Falco's `priority`, default debug).
    #[serde(default)]
    pub min_priority: Option<String>,
    /// Also produce one canonical record per alert (for expected-alerts files).
    #[serde(default)]
    pub records: bool,
    #[serde(default = "default_batch")]
    pub batch_events: usize,
    /// Write the alert lines to this file descriptor (the CLI's stdout) instead of returning
    /// them; records (when asked for) are still returned.
    #[serde(default)]
    pub output_fd: Option<i32>,
}

fn yes() -> bool {
    true
}

fn default_batch() -> usize {
    16384
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRule {
    pub rule: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub name: String,
    pub count: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesProgress {
    pub events: u64,
    pub alerts: u64,
    pub position: u64,
    pub file_size: u64,
    pub elapsed_ms: u64,
    pub done: bool,
    /// The output descriptor's reader went away (`| head`): the run stopped there.
    pub output_closed: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesSummary {
    pub capture: String,
    /// Events read from the capture.
    pub events: u64,
    /// Alerts ("Events detected" in Falco's summary).
    pub alerts: u64,
    /// Alert counts by priority, most severe first (short upper-case names, as Falco prints).
    pub by_priority: Vec<Count>,
    /// Alert counts by rule, in rule order (rules without alerts included).
    pub by_rule: Vec<Count>,
    pub rules_loaded: Vec<String>,
    pub rules_skipped: Vec<SkippedRule>,
    pub rule_matching: String,
    pub sources: Vec<String>,
    pub plugins: Vec<RulesPlugin>,
    pub progress: RulesProgress,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesPlugin {
    pub name: String,
    pub version: String,
    pub path: String,
}

struct CompiledRule {
    name: String,
    source: String,
    level: usize,
    tags: Vec<String>,
    filter: CompiledFilter,
    /// The whole alert: `*%evt.time: Priority output`.
    alert: OutputFormat,
    /// The rule's output alone (records).
    output: OutputFormat,
}

pub struct RulesRunner {
    opts: RulesOptions,
    set: FieldSet,
    rules: Vec<CompiledRule>,
    first_only: bool,
    extraction: Extraction,
    ctx: EvtContext,
    input: CaptureFeed,
    /// The events libsinsp hands out (see `print`).
    batch: EventBatch,
    /// Source name → rules (indexes) for it, in order.
    by_source: HashMap<String, Vec<usize>>,
    alert_hostname: String,
    counts: Vec<u64>,
    all_idx: Vec<usize>,
    hit_idx: Vec<usize>,
    hits: Vec<(usize, usize)>,
    /// The next of `hits` to render: a step stops at [`STEP_OUTPUT_BUDGET`].
    emit_next: usize,
    summary: RulesSummary,
    started: Instant,
}

/// Checks `required_plugin_versions` against the loaded plugins.
fn check_requirements(reqs: &[PluginRequirement], set: &FieldSet) -> Result<(), EngineError> {
    for r in reqs {
        let mut reasons = Vec::new();
        let mut ok = false;
        for alt in std::iter::once(r).chain(r.alternatives.iter()) {
            let want = PluginVersion::parse(&alt.version).map_err(|e| {
                EngineError::usage(format!("{}required_plugin_versions: plugin '{}': invalid version {e}", at(&r.location), alt.name))
            })?;
            match set.plugins.iter().find(|p| p.name() == alt.name) {
                None => reasons.push(format!("plugin '{}' is not loaded", alt.name)),
                Some(p) => {
                    let have = &p.plugin.info().parsed_version;
                    let compatible = have.major == want.major && (have.minor, have.patch) >= (want.minor, want.patch);
                    if compatible {
                        ok = true;
                        break;
                    }
                    reasons.push(format!(
                        "plugin '{}' {} is loaded, not compatible with {} (the same major version, at least as recent, is required)",
                        alt.name,
                        p.plugin.info().version,
                        alt.version
                    ));
                }
            }
        }
        if !ok {
            let loaded: Vec<String> = set.plugins.iter().map(|p| format!("{} {}", p.name(), p.plugin.info().version)).collect();
            let mut e = EngineError::usage(format!(
                "{}the rules require plugin '{}' version {} (same major, at least this version): {}. Loaded: {}",
                at(&r.location),
                r.name,
                r.version,
                reasons.join("; "),
                if loaded.is_empty() { "none".into() } else { loaded.join(", ") }
            ));
            e.detail_code = Some("REQUIRED_PLUGIN_VERSION".into());
            return Err(e);
        }
    }
    Ok(())
}

fn at(location: &Option<String>) -> String {
    location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default()
}

/// Falco checks that every exception field is a field of the rule's source, whether the
/// exception has values or not; a field is checked as `FIELD exists` would compile, so an
/// argument or a transformer is checked too. The error names the exception (the TypeScript
/// layer points it at the exception's item).
fn check_exception_fields(rule: &RuleSpec, resolver: &dyn scap_filter::FieldResolver) -> Result<(), EngineError> {
    for ex in &rule.exceptions {
        for field in &ex.fields {
            let checked = scap_filter::parse(&format!("{field} exists")).and_then(|e| scap_filter::compile(&e, resolver));
            let Err(e) = checked else { continue };
            // Falco's wording for a field it does not know; scaptool's own hint follows.
            let reason = match e.message.strip_prefix(&format!("unknown field '{field}'")) {
                Some(hint) => format!("'{field}' is not a supported filter field{hint}"),
                None if e.kind == ErrorKind::Syntax => format!("'{field}' is not a supported filter field"),
                None => e.message.clone(),
            };
            let mut err = EngineError::usage(format!("{}rule '{}' exception '{}': {reason}", at(&rule.location), rule.name, ex.name));
            err.detail_code = Some("EXCEPTION_FIELD".into());
            err.filter = Some(Box::new(crate::error::FilterLocation {
                kind: "rule".into(),
                name: Some(rule.name.clone()),
                part: format!("exception {}", ex.name),
                text: field.clone(),
                offset: 0,
                line: 1,
                col: 1,
                reason,
                rule: None,
                used_at: Vec::new(),
            }));
            return Err(err);
        }
    }
    Ok(())
}

/// A rule's filter error, located in the rule or in the macro it comes from.
fn rule_error(rule: &RuleSpec, part: &str, text: &str, e: &FilterError, macros: &[MacroSpec]) -> EngineError {
    let mut err = match e.source.strip_prefix("macro ") {
        Some(m) => {
            let body = macros.iter().rev().find(|x| x.name == m).map(|x| x.condition.as_str()).unwrap_or("");
            let mut err = filter_error("macro", Some(m), "condition", body, e);
            if let Some(loc) = err.filter.as_mut() {
                loc.rule = Some(rule.name.clone());
            }
            err
        }
        None => filter_error("rule", Some(&rule.name), part, text, e),
    };
    err.message = format!("{}{}", at(&rule.location), err.message);
    err
}

impl RulesRunner {
    pub fn start(opts: RulesOptions) -> Result<RulesRunner, EngineError> {
        let clock = Clock::new(opts.timezone.as_deref().unwrap_or("UTC")).map_err(EngineError::usage)?;
        let first_only = match opts.rule_matching.as_deref().unwrap_or("first") {
            "first" => true,
            "all" => false,
            other => return Err(EngineError::usage(format!("rule_matching '{other}': expected first or all"))),
        };
        let min_level = match &opts.min_priority {
            None => 7,
            Some(p) => parse_priority(p).ok_or_else(|| EngineError::usage(format!("unknown priority '{p}' (Emergency, Alert, Critical, Error, Warning, Notice, Informational/Info, Debug)")))?,
        };
        let set = FieldSet::load(&opts.plugins)?;
        check_requirements(&opts.required_plugin_versions, &set)?;
        let mut defs = Definitions::new();
        for l in &opts.lists {
            defs.add_list(&l.name, l.items.iter().cloned());
        }
        for m in &opts.macros {
            defs.add_macro(&m.name, &m.condition).map_err(|e| filter_error("macro", Some(&m.name), "condition", &m.condition, &e))?;
        }
        let mut sources = set.plugin_sources();
        if capture_has_syscall_events(&opts.capture)? {
            sources.insert(0, "syscall".to_string());
        }
        let source_of = |r: &RuleSpec| r.source.clone().unwrap_or_else(|| "syscall".into());
        // Falco validates the exceptions of every rule of a loaded source while it reads the
        // files, before it compiles any condition.
        for r in opts.rules.iter().filter(|r| sources.contains(&source_of(r))) {
            check_exception_fields(r, &set.resolver(Some(&source_of(r))))?;
        }
        let mut rules = Vec::new();
        let mut skipped = Vec::new();
        for r in &opts.rules {
            let level = parse_priority(&r.priority).ok_or_else(|| {
                EngineError::usage(format!("{}rule '{}': unknown priority '{}' (Emergency, Alert, Critical, Error, Warning, Notice, Informational/Info, Debug)", at(&r.location), r.name, r.priority))
            })?;
            let source = source_of(r);
            if !sources.contains(&source) {
                let why = if source == "syscall" {
                    "source 'syscall': the capture holds no syscall events".to_string()
                } else {
                    format!("source '{source}' is not provided by any loaded plugin (loaded sources: {})", if sources.is_empty() { "none".into() } else { sources.join(", ") })
                };
                skipped.push(SkippedRule { rule: r.name.clone(), reason: why });
                continue;
            }
            // Disabled rules and rules below the minimum priority are compiled all the same (a
            // mistake in them is an error, as in Falco), then left out.
            let resolver = set.resolver(Some(&source));
            let parsed = scap_filter::parse(&r.condition).map_err(|e| rule_error(r, "condition", &r.condition, &e, &opts.macros))?;
            let compiled = defs.expand(&parsed).and_then(|x| scap_filter::compile(&x, &resolver));
            let filter = match compiled {
                Ok(f) => f,
                Err(e) if r.skip_if_unknown_filter && e.kind == ErrorKind::Field => {
                    skipped.push(SkippedRule { rule: r.name.clone(), reason: format!("skip-if-unknown-filter: {e}") });
                    continue;
                }
                Err(e) => return Err(rule_error(r, "condition", &r.condition, &e, &opts.macros)),
            };
            let priority = PRIORITIES[level].0;
            let alert_text = falco_alert_format(&r.output, priority, opts.time_iso8601);
            // The prefix adds "*%evt.time: Priority " before the output: shift positions back.
            let prefix = alert_text.len() - r.output.len();
            let alert = OutputFormat::parse(&alert_text, &resolver).map_err(|mut e| {
                e.pos = scap_filter::Pos::at(&r.output, e.pos.offset.saturating_sub(prefix));
                rule_error(r, "output", &r.output, &e, &opts.macros)
            })?;
            let output = OutputFormat::parse(&format!("*{}", r.output), &resolver).map_err(|e| rule_error(r, "output", &r.output, &e, &opts.macros))?;
            if !r.enabled {
                skipped.push(SkippedRule { rule: r.name.clone(), reason: "disabled".into() });
                continue;
            }
            if level > min_level {
                skipped.push(SkippedRule { rule: r.name.clone(), reason: format!("priority {} is below the minimum", PRIORITIES[level].0) });
                continue;
            }
            let mut tags = r.tags.clone();
            tags.sort();
            tags.dedup();
            rules.push(CompiledRule { name: r.name.clone(), source, level, tags, filter, alert, output });
        }
        let mut by_source: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            by_source.entry(r.source.clone()).or_default().push(i);
        }
        let cond_ids: Vec<u32> = rules.iter().flat_map(|r| r.filter.fields().iter().map(|f| f.id)).collect();
        let out_ids: Vec<u32> = rules.iter().flat_map(|r| r.alert.fields().iter().chain(r.output.fields()).map(|f| f.id)).collect();
        let extraction = Extraction::new(&set, &[cond_ids, out_ids])?;
        let input = CaptureFeed::open(&opts.capture, opts.batch_events)?;
        let alert_hostname = match std::env::var("FALCO_HOSTNAME") {
            Ok(h) if !h.is_empty() => h,
            _ => machine_hostname(),
        };
        let summary = RulesSummary {
            capture: opts.capture.clone(),
            events: 0,
            alerts: 0,
            by_priority: Vec::new(),
            by_rule: Vec::new(),
            rules_loaded: rules.iter().map(|r| r.name.clone()).collect(),
            rules_skipped: skipped,
            rule_matching: if first_only { "first".into() } else { "all".into() },
            sources,
            plugins: set.plugins.iter().map(|p| RulesPlugin { name: p.name().into(), version: p.plugin.info().version.clone(), path: p.spec.path.clone() }).collect(),
            progress: RulesProgress { file_size: input.file_size(), ..Default::default() },
        };
        Ok(RulesRunner {
            batch: EventBatch::new(opts.batch_events, 16 << 20),
            ctx: EvtContext { clock, first_ts: None, hostname: scap_hostname() },
            counts: vec![0; rules.len()],
            opts,
            set,
            rules,
            first_only,
            extraction,
            input,
            by_source,
            alert_hostname,
            all_idx: Vec::new(),
            hit_idx: Vec::new(),
            hits: Vec::new(),
            emit_next: 0,
            summary,
            started: Instant::now(),
        })
    }

    /// Runs the rules on the next batch (or, when the alerts go to a file descriptor and no
    /// records are asked for, the batches of [`crate::capture_feed::STEP_TIME`]): alert lines
    /// (text or JSON) into `out`, canonical records (when asked for) into `records`. The alerts
    /// found before a failure reach the file descriptor before the error
    /// ([`crate::fd_output::end_step`]).
    pub fn step(&mut self, out: &mut String, records: &mut String) -> Result<RulesProgress, EngineError> {
        if self.summary.progress.done {
            return Ok(self.summary.progress.clone());
        }
        let stepped = self.rules_batches(out, records);
        if crate::fd_output::end_step(self.opts.output_fd, out, stepped)? {
            self.summary.progress.output_closed = true;
            if !self.summary.progress.done {
                self.end_capture()?;
            }
        }
        let p = &mut self.summary.progress;
        p.events = self.summary.events;
        p.alerts = self.summary.alerts;
        p.elapsed_ms = self.started.elapsed().as_millis() as u64;
        Ok(p.clone())
    }

    fn rules_batches(&mut self, out: &mut String, records: &mut String) -> Result<(), EngineError> {
        let mut reads = StepReads::start(self.opts.output_fd.is_some() && !self.opts.records);
        loop {
            if !self.emit(out, records) {
                return Ok(()); // the budget is spent: the rest at the next step
            }
            match self.input.next_view(&mut self.set, &mut self.batch, &mut reads, &mut self.summary.progress.position)? {
                Fed::View => self.rules_batch()?,
                Fed::Later => return Ok(()),
                Fed::End => return self.end_capture(),
            }
        }
    }

    /// The capture is over: listening plugins get `capture_close`.
    fn end_capture(&mut self) -> Result<(), EngineError> {
        self.set.close_capture()?;
        self.summary.progress.done = true;
        Ok(())
    }

    /// Renders the alerts of `hits` from `emit_next` on until the step's output budget is
    /// spent; true when all of them are out.
    fn emit(&mut self, out: &mut String, records: &mut String) -> bool {
        while let Some(&(i, ri)) = self.hits.get(self.emit_next) {
            if out.len() + records.len() >= crate::print::STEP_OUTPUT_BUDGET {
                return false;
            }
            self.emit_next += 1;
            self.render(i, ri, out, records);
        }
        true
    }

    /// Runs the rules on the events of `batch`: the alerts go to `hits`, rendered by
    /// [`RulesRunner::emit`].
    fn rules_batch(&mut self) -> Result<(), EngineError> {
        self.hits.clear();
        self.emit_next = 0;
        let n = self.batch.len();
        if n > 0 && !self.rules.is_empty() {
            self.ctx.first_ts.get_or_insert(self.batch.meta[0].ts);
            self.extraction.begin(&self.set, &self.batch);
            self.all_idx.clear();
            // A rule sees the events of its source: plugin rules their plugin's events, syscall
            // rules libscap's events.
            let (x, by_source) = (&self.extraction, &self.by_source);
            self.all_idx.extend((0..n).filter(|&i| x.source(i).is_some_and(|s| by_source.contains_key(s))));
            self.extraction.run(0, &mut self.set, &self.batch, &self.all_idx, &mut self.ctx)?;
            self.hits.clear();
            self.hit_idx.clear();
            for &i in &self.all_idx {
                let Some(rules) = self.extraction.source(i).and_then(|s| self.by_source.get(s)) else { continue };
                let row = self.extraction.row(i);
                let before = self.hits.len();
                for &ri in rules {
                    if self.rules[ri].filter.matches(&row) {
                        self.hits.push((i, ri));
                        if self.first_only {
                            break;
                        }
                    }
                }
                if self.hits.len() > before {
                    self.hit_idx.push(i);
                }
            }
            self.extraction.run(1, &mut self.set, &self.batch, &self.hit_idx, &mut self.ctx)?;
            for &(_, ri) in &self.hits {
                self.counts[ri] += 1;
            }
            self.summary.alerts += self.hits.len() as u64;
        }
        self.summary.events += n as u64;
        Ok(())
    }

    fn render(&self, i: usize, ri: usize, out: &mut String, records: &mut String) {
        let r = &self.rules[ri];
        let row = self.extraction.row(i);
        let mut line = String::new();
        r.alert.render(&row, &mut line);
        let ts = self.batch.meta[i].ts;
        let mut time = String::new();
        clock::iso8601_z(ts, &mut time);
        if self.opts.json {
            let mut obj: Vec<(&str, serde_json::Value)> = vec![
                ("hostname", self.alert_hostname.clone().into()),
                ("priority", PRIORITIES[r.level].0.into()),
                ("rule", r.name.clone().into()),
                ("source", r.source.clone().into()),
                ("time", time.clone().into()),
            ];
            if self.opts.json_include_output {
                obj.push(("output", line.clone().into()));
            }
            if self.opts.json_include_tags {
                obj.push(("tags", r.tags.clone().into()));
            }
            let fields: serde_json::Map<String, serde_json::Value> = r.alert.json_fields(&row).unwrap_or_default().into_iter().collect();
            obj.push(("output_fields", serde_json::Value::Object(fields)));
            obj.sort_by(|a, b| a.0.cmp(b.0));
            write_object(&obj, out);
        } else {
            text_alert::push_escaped(&line, out);
        }
        out.push('\n');
        if self.opts.records {
            let text = r.output.to_text(&row).unwrap_or_default();
            let fields: serde_json::Map<String, serde_json::Value> = r.output.json_fields(&row).unwrap_or_default().into_iter().collect();
            let obj: Vec<(&str, serde_json::Value)> = vec![
                ("evtnum", self.batch.meta[i].evtnum.into()),
                ("time", time.into()),
                ("rule", r.name.clone().into()),
                ("priority", PRIORITIES[r.level].0.into()),
                ("source", r.source.clone().into()),
                ("output", text.into()),
                ("fields", serde_json::Value::Object(fields)),
            ];
            write_object(&obj, records);
            records.push('\n');
        }
    }

    pub fn finish(mut self) -> RulesSummary {
        let mut by_level = [0u64; 8];
        for (ri, r) in self.rules.iter().enumerate() {
            by_level[r.level] += self.counts[ri];
        }
        self.summary.by_priority = by_level
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(l, c)| Count { name: PRIORITIES[l].1.to_ascii_uppercase(), count: *c })
            .collect();
        self.summary.by_rule = self.rules.iter().zip(&self.counts).map(|(r, c)| Count { name: r.name.clone(), count: *c }).collect();
        self.summary.progress.elapsed_ms = self.started.elapsed().as_millis() as u64;
        self.summary.clone()
    }
}

/// A JSON object with its keys in the given order (serde_json's map may reorder them).
fn write_object(pairs: &[(&str, serde_json::Value)], out: &mut String) {
    out.push('{');
    for (k, (key, v)) in pairs.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String((*key).to_string()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
}
