//! The plugins of one run: loaded and validated, their field columns, and which events each
//! applies to.
//!
//! Columns: every field of every plugin with the extraction capability, except fields that
//! require an argument, which are recorded only when named (`--field 'dummy.divisible[3]'`).
//! A column is labelled with the field and its argument; if two plugins export the same field,
//! the later one's column is labelled `plugin:field`.
//!
//! Applicability follows the framework: a plugin extracts from events of the sources it lists
//! (`extract_event_sources`, its own source included; empty = every source). A plugin event's
//! source is the source of the plugin whose id it carries.

use std::collections::HashMap;

use plugin_host::{CallConvention, ExtractPlan, FieldArg, FieldInfo, FieldRequest, Plugin};
use scap_filter::glob::Glob;
use sha2::{Digest, Sha256};

use crate::error::EngineError;
use crate::golden::{GoldenColumn, GoldenField, GoldenHeader, GoldenPlugin};
use crate::spec::PluginSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Source,
    Extractor,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Extractor => "extractor",
        }
    }
}

/// One column: a field request of one plugin.
#[derive(Clone, Debug)]
pub struct Column {
    pub label: String,
    pub plugin: usize,
    /// Position of the request in the plugin's plan.
    pub request: usize,
}

pub struct SessionPlugin {
    pub spec: PluginSpec,
    pub plugin: Plugin,
    pub role: Role,
    /// The init config text the plugin receives (after the framework's defaulting).
    pub config: String,
    pub requests: Vec<FieldRequest>,
    /// The requests with libsinsp's convention: one field per call.
    pub plan: Option<ExtractPlan>,
    /// The same requests all in one call per event, for the batching probe: only for
    /// generations whose calls carry several fields, and plans of several fields.
    pub batched_plan: Option<ExtractPlan>,
    /// Fields that need an argument and were not named: not recorded.
    pub skipped: Vec<String>,
}

impl SessionPlugin {
    pub fn name(&self) -> &str {
        self.plugin.name()
    }

    /// Whether this plugin extracts from events of `source`.
    pub fn applies_to(&self, source: &str) -> bool {
        let info = self.plugin.info();
        info.capabilities.extraction
            && (info.extract_event_sources.is_empty() || info.extract_event_sources.iter().any(|s| s == source))
    }
}

pub struct Session {
    pub plugins: Vec<SessionPlugin>,
    pub columns: Vec<Column>,
    /// Plugin id → event source, from the loaded source plugins (and, on replay, from the
    /// golden file's header).
    sources: HashMap<u32, String>,
}

/// Loads and validates a plugin; the error names the library.
pub fn load_plugin(spec: &PluginSpec) -> Result<(Plugin, String), EngineError> {
    let plugin = Plugin::load(&spec.path).map_err(|e| EngineError::plugin(&spec.path, e))?;
    let config = plugin.validate_config(&spec.init_config).map_err(|e| EngineError::plugin(plugin.name(), e))?;
    Ok((plugin, config))
}

impl Session {
    /// A recording session: `sources` then `extractors`, default columns plus `fields`.
    /// `auto` plugins are sources if they can source events, extractors otherwise.
    pub fn for_recording(sources: &[PluginSpec], extractors: &[PluginSpec], auto: &[PluginSpec], fields: &[String], exclude: &[String]) -> Result<Session, EngineError> {
        let mut s = Session { plugins: Vec::new(), columns: Vec::new(), sources: HashMap::new() };
        for (spec, role) in sources.iter().map(|p| (p, Role::Source)).chain(extractors.iter().map(|p| (p, Role::Extractor))) {
            s.add_plugin(spec, role)?;
        }
        for spec in auto {
            s.add_plugin(spec, Role::Extractor)?;
            let last = s.plugins.last_mut().expect("just added");
            if last.plugin.info().capabilities.sourcing {
                last.role = Role::Source;
            }
        }
        if !s.plugins.iter().any(|p| p.role == Role::Source) {
            return Err(EngineError::usage("record needs at least one source plugin (a plugin with the event sourcing capability)"));
        }
        for p in &s.plugins {
            if p.role == Role::Source && !p.plugin.info().capabilities.sourcing {
                return Err(EngineError::usage(format!("plugin '{}' ({}) cannot be a source: it has no event sourcing capability", p.name(), p.spec.path)));
            }
        }
        s.default_columns(fields, exclude)?;
        s.build_plans()?;
        Ok(s)
    }

    /// A replay session: columns are the golden file's (or, without one, the defaults plus
    /// `fields`). Returns the session and, per golden column, whether a plugin provides it.
    pub fn for_replay(specs: &[PluginSpec], golden: Option<&GoldenHeader>, fields: &[String], exclude: &[String]) -> Result<(Session, Vec<Option<usize>>), EngineError> {
        let mut s = Session { plugins: Vec::new(), columns: Vec::new(), sources: HashMap::new() };
        for spec in specs {
            s.add_plugin(spec, Role::Extractor)?;
        }
        // A loaded plugin with the sourcing capability plays its source's role.
        for p in &mut s.plugins {
            if p.plugin.info().capabilities.sourcing {
                p.role = Role::Source;
            }
        }
        let mut provided = Vec::new();
        match golden {
            None => s.default_columns(fields, exclude)?,
            Some(h) => {
                for gp in &h.plugins {
                    if let (Some(id), Some(src)) = (gp.id, gp.event_source.as_ref()) {
                        s.sources.entry(id).or_insert_with(|| src.clone());
                    }
                    let owner = s.plugin_for(gp);
                    for gc in &gp.columns {
                        let found = owner.and_then(|pi| {
                            let info = s.plugins[pi].plugin.info();
                            info.field_index(&gc.name).map(|f| (pi, FieldRequest::new(f, gc.arg.as_deref())))
                        });
                        match found {
                            Some((pi, req)) => {
                                let request = s.plugins[pi].requests.len();
                                s.plugins[pi].requests.push(req);
                                provided.push(Some(s.columns.len()));
                                s.columns.push(Column { label: gc.column.clone(), plugin: pi, request });
                            }
                            None => provided.push(None),
                        }
                    }
                }
            }
        }
        s.build_plans()?;
        Ok((s, provided))
    }

    fn add_plugin(&mut self, spec: &PluginSpec, role: Role) -> Result<(), EngineError> {
        let (plugin, config) = load_plugin(spec)?;
        if let Some(other) = self.plugins.iter().find(|p| p.name() == plugin.name()) {
            return Err(EngineError::usage(format!(
                "two plugins are named '{}' ({} and {}): the framework refuses duplicate names",
                plugin.name(),
                other.spec.path,
                spec.path
            )));
        }
        let info = plugin.info();
        if let (Some(id), Some(src)) = (info.capture_plugin_id(), info.event_source.as_ref()) {
            if let Some(prev) = self.plugins.iter().find(|p| p.plugin.info().capture_plugin_id() == Some(id) && p.role == Role::Source && role == Role::Source) {
                return Err(EngineError::usage(format!("plugins '{}' and '{}' both have plugin id {id}", prev.name(), plugin.name())));
            }
            self.sources.entry(id).or_insert_with(|| src.clone());
        }
        self.plugins.push(SessionPlugin { spec: spec.clone(), plugin, role, config, requests: Vec::new(), plan: None, batched_plan: None, skipped: Vec::new() });
        Ok(())
    }

    /// For a golden plugin, the loaded plugin that replays its columns: the one with the same
    /// name, else one exporting every recorded field (another build or generation of it).
    fn plugin_for(&self, gp: &GoldenPlugin) -> Option<usize> {
        self.plugins.iter().position(|p| p.name() == gp.name).or_else(|| {
            self.plugins.iter().position(|p| {
                let info = p.plugin.info();
                !gp.columns.is_empty() && gp.columns.iter().all(|c| info.field_index(&c.name).is_some())
            })
        })
    }

    /// Every field of every extracting plugin that needs no argument, plus `fields` (`name[arg]`,
    /// or a glob such as `ka.req.*` adding every matching field that needs no argument), minus
    /// the fields whose name or `name[arg]` matches an `exclude` glob.
    fn default_columns(&mut self, fields: &[String], exclude: &[String]) -> Result<(), EngineError> {
        let is_glob = |t: &str| t.contains(['*', '?']);
        let globs = |texts: &[String]| texts.iter().filter(|t| is_glob(t)).map(|t| (t.clone(), Glob::new(t.as_bytes(), false))).collect::<Vec<_>>();
        let (include, excluded) = (globs(fields), globs(exclude));
        let exact_excludes: Vec<&str> = exclude.iter().map(String::as_str).filter(|t| !is_glob(t)).collect();
        let fields: Vec<String> = fields.iter().filter(|t| !is_glob(t)).cloned().collect();
        let mut wanted: Vec<Vec<FieldRequest>> = vec![Vec::new(); self.plugins.len()];
        for (pi, p) in self.plugins.iter_mut().enumerate() {
            let info = p.plugin.info();
            if !info.capabilities.extraction {
                continue;
            }
            for (fi, f) in info.fields.iter().enumerate() {
                if f.arg.is_required {
                    p.skipped.push(f.name.clone());
                } else {
                    wanted[pi].push(FieldRequest::new(fi, None));
                }
            }
        }
        for text in fields.iter().map(String::as_str) {
            let owner = self.plugins.iter().enumerate().find_map(|(pi, p)| {
                let info = p.plugin.info();
                if !info.capabilities.extraction {
                    return None;
                }
                FieldRequest::parse(info, text).ok().map(|r| (pi, r))
            });
            let (pi, req) = match owner {
                Some(found) => found,
                None => {
                    // Say why: unknown everywhere, or known but with a bad argument.
                    let reason = self
                        .plugins
                        .iter()
                        .filter(|p| p.plugin.info().capabilities.extraction)
                        .find_map(|p| FieldRequest::parse(p.plugin.info(), text).err().filter(|e| !e.message.contains("no field")))
                        .map(|e| e.message)
                        .unwrap_or_else(|| "no loaded plugin exports this field".to_string());
                    return Err(EngineError::usage(format!("--field '{text}': {reason}")));
                }
            };
            let name = self.plugins[pi].plugin.info().fields[req.field].name.clone();
            self.plugins[pi].skipped.retain(|s| *s != name);
            if !wanted[pi].contains(&req) {
                wanted[pi].push(req);
            }
        }
        let mut unmatched: Vec<&(String, Glob)> = include.iter().collect();
        for (pi, p) in self.plugins.iter().enumerate() {
            let info = p.plugin.info();
            for (fi, f) in info.fields.iter().enumerate().filter(|_| info.capabilities.extraction) {
                if include.iter().any(|(_, g)| g.matches(f.name.as_bytes())) {
                    unmatched.retain(|(_, g)| !g.matches(f.name.as_bytes()));
                    let req = FieldRequest::new(fi, None);
                    if !f.arg.is_required && !wanted[pi].contains(&req) {
                        wanted[pi].push(req);
                    }
                }
            }
        }
        if let Some((pattern, _)) = unmatched.first() {
            return Err(EngineError::usage(format!("--field '{pattern}': no field of a loaded plugin matches")));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (pi, reqs) in wanted.into_iter().enumerate() {
            for req in reqs {
                let info = self.plugins[pi].plugin.info();
                let f = &info.fields[req.field];
                let base = label(f, req.arg.as_deref());
                let dropped = excluded.iter().any(|(_, g)| g.matches(base.as_bytes()) || g.matches(f.name.as_bytes()))
                    || exact_excludes.iter().any(|e| *e == base || *e == f.name);
                if dropped {
                    continue;
                }
                let label = if seen.contains_key(&base) { format!("{}:{base}", info.name) } else { base.clone() };
                seen.insert(base, pi);
                let request = self.plugins[pi].requests.len();
                self.plugins[pi].requests.push(req);
                self.columns.push(Column { label, plugin: pi, request });
            }
        }
        Ok(())
    }

    fn build_plans(&mut self) -> Result<(), EngineError> {
        for p in &mut self.plugins {
            if !p.requests.is_empty() {
                let plan = || ExtractPlan::new(&p.plugin, &p.requests).map_err(|e| EngineError::plugin(p.plugin.name(), e));
                p.plan = Some(plan()?);
                if p.requests.len() > 1 && p.plugin.info().generation.several_fields_per_call() {
                    p.batched_plan = Some(plan()?.with_convention(CallConvention::AllFieldsPerCall));
                }
            }
        }
        Ok(())
    }

    /// The source of a plugin id (`None` for ids no plugin of the run declared).
    pub fn source_of(&self, plugin_id: u32) -> Option<&str> {
        self.sources.get(&plugin_id).map(String::as_str)
    }

    /// Golden header describing this session's plugins and columns.
    pub fn golden_header(&self) -> GoldenHeader {
        let plugins = self
            .plugins
            .iter()
            .enumerate()
            .map(|(pi, p)| {
                let info = p.plugin.info();
                GoldenPlugin {
                    name: info.name.clone(),
                    version: info.version.clone(),
                    required_api_version: info.required_api_version.clone(),
                    generation: info.generation.label().to_string(),
                    role: p.role.name().to_string(),
                    id: info.capture_plugin_id(),
                    event_source: info.event_source.clone().filter(|_| info.capabilities.sourcing),
                    extract_event_sources: info.extract_event_sources.clone(),
                    library: std::path::Path::new(&p.spec.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    config_sha256: hex(&Sha256::digest(p.config.as_bytes())),
                    columns: self
                        .columns
                        .iter()
                        .filter(|c| c.plugin == pi)
                        .map(|c| {
                            let req = &p.requests[c.request];
                            let f = &info.fields[req.field];
                            GoldenColumn { column: c.label.clone(), name: f.name.clone(), arg: req.arg.clone(), field_type: f.field_type.name().to_string(), is_list: f.is_list }
                        })
                        .collect(),
                    fields: info.fields.iter().map(|f| GoldenField { name: f.name.clone(), field_type: f.field_type.name().to_string(), is_list: f.is_list, arg: arg_kind(&f.arg) }).collect(),
                }
            })
            .collect();
        GoldenHeader { plugins }
    }

    /// The columns of plugin `pi`, in plan order: (column index, label).
    pub fn columns_of(&self, pi: usize) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(move |(_, c)| c.plugin == pi)
    }
}

fn label(f: &FieldInfo, arg: Option<&str>) -> String {
    match arg {
        Some(a) => format!("{}[{a}]", f.name),
        None => f.name.clone(),
    }
}

/// A short description of a field's argument, compared across plugin versions.
pub fn arg_kind(a: &FieldArg) -> String {
    if a.legacy_text {
        return if a.is_required { "legacy-required".into() } else { "legacy-optional".into() };
    }
    let what = match (a.is_index, a.is_key) {
        (false, false) => return "none".into(),
        (true, false) => "index",
        (false, true) => "key",
        (true, true) => "index-or-key",
    };
    format!("{}-{what}", if a.is_required { "required" } else { "optional" })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
