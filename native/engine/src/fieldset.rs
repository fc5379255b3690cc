//! The fields a print or rules run reads: `evt.*` fields (computed by the engine) and plugin
//! fields (extracted by the loaded plugins), resolved once by name into numbered slots that
//! compiled filters and output formats refer to.
//!
//! Plugin fields are resolved as the framework does: the first loaded plugin exporting the name
//! provides it; a later plugin exporting the same name provides it for sources the first does
//! not extract from (e.g. two builds of `dummy`). A rule's condition and output are resolved
//! against its source only: `evt.*` plus the fields of the plugins that extract from it.

use std::cell::RefCell;
use std::collections::HashMap;

use plugin_host::inspector::fields::SyscallField;
use plugin_host::inspector::Inspector;
use plugin_host::{ExtractPlan, FieldRequest, FieldType, Plugin, PluginState};
use scap_filter::{FieldResolver, JsonSubstitute, Pos, PrintFormat, ResolvedField};

use crate::capture_state::CaptureState;
use crate::error::EngineError;
use crate::evt_fields::EvtField;
use crate::session::load_plugin;
use crate::spec::PluginSpec;

/// A loaded plugin of the run, with one state used for extraction and `event_to_string`.
pub struct RunPlugin {
    pub spec: PluginSpec,
    pub plugin: Plugin,
    pub config: String,
    pub state: Option<PluginState>,
}

impl RunPlugin {
    pub fn name(&self) -> &str {
        self.plugin.name()
    }

    /// Whether this plugin extracts from events of `source`.
    pub fn extracts_from(&self, source: &str) -> bool {
        let info = self.plugin.info();
        info.capabilities.extraction && (info.extract_event_sources.is_empty() || info.extract_event_sources.iter().any(|s| s == source))
    }

    /// The plugin's (id, source) when it sources plugin events (id 0 for a source before
    /// API 3.0 that never set an id, as sysdig 0.29.3 reads them).
    pub fn sourced(&self) -> Option<(u32, &str)> {
        let info = self.plugin.info();
        Some((info.capture_plugin_id()?, info.event_source.as_deref()?))
    }
}

#[derive(Clone, Debug)]
pub enum SlotKind {
    Evt(EvtField),
    /// (plugin index, field index in the plugin's info), in order of preference.
    Plugin(Vec<(usize, usize)>),
    /// A field libsinsp computes from its syscall state (`proc.name`, `fd.name`, `evt.arg.*`).
    Syscall(SyscallField),
}

#[derive(Clone, Debug)]
pub struct Slot {
    pub name: String,
    pub arg: Option<String>,
    pub ty: FieldType,
    pub is_list: bool,
    pub kind: SlotKind,
    /// The source the field was resolved for (`None`: any).
    source: Option<String>,
}

pub struct FieldSet {
    pub plugins: Vec<RunPlugin>,
    slots: RefCell<Vec<Slot>>,
    /// Plugin id → (source, plugin index), from the loaded source plugins.
    by_id: HashMap<u32, (String, usize)>,
    /// libsinsp's state of the capture, which the plugins share tables with.
    pub capture: CaptureState,
}

impl FieldSet {
    /// Loads, validates and initialises the plugins (one state each).
    pub fn load(specs: &[PluginSpec]) -> Result<FieldSet, EngineError> {
        let mut plugins: Vec<RunPlugin> = Vec::new();
        let mut by_id = HashMap::new();
        let inspector = Inspector::new();
        for spec in specs {
            let (plugin, config) = load_plugin(spec)?;
            if let Some(other) = plugins.iter().find(|p| p.name() == plugin.name()) {
                return Err(EngineError::usage(format!(
                    "two plugins are named '{}' ({} and {}): the framework refuses duplicate names",
                    plugin.name(),
                    other.spec.path,
                    spec.path
                )));
            }
            let state = plugin.init_in(&config, &inspector.registry).map_err(|e| EngineError::plugin(plugin.name(), e))?;
            let rp = RunPlugin { spec: spec.clone(), plugin, config, state: Some(state) };
            if let Some((id, src)) = rp.sourced() {
                if let Some((_, prev)) = by_id.get(&id) {
                    let prev: &RunPlugin = &plugins[*prev];
                    return Err(EngineError::usage(format!("plugins '{}' and '{}' both have plugin id {id}", prev.name(), rp.name())));
                }
                by_id.insert(id, (src.to_string(), plugins.len()));
            }
            plugins.push(rp);
        }
        let infos: Vec<_> = plugins.iter().map(|p| p.plugin.info()).collect();
        let sources = by_id.iter().map(|(id, (s, _))| (*id, s.clone())).collect();
        let capture = CaptureState::new(inspector, &infos, sources);
        Ok(FieldSet { plugins, slots: RefCell::new(Vec::new()), by_id, capture })
    }

    /// The source and plugin index of a plugin id.
    pub fn plugin_of_id(&self, id: u32) -> Option<(&str, usize)> {
        self.by_id.get(&id).map(|(s, p)| (s.as_str(), *p))
    }

    /// The sources of the loaded source plugins.
    pub fn plugin_sources(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for p in &self.plugins {
            if let Some((_, s)) = p.sourced() {
                if !v.iter().any(|x| x == s) {
                    v.push(s.to_string());
                }
            }
        }
        v
    }

    pub fn slot(&self, id: u32) -> Slot {
        self.slots.borrow()[id as usize].clone()
    }

    pub fn slot_count(&self) -> usize {
        self.slots.borrow().len()
    }

    /// A resolver for filters and formats; `source` restricts plugin fields to those that apply
    /// to it (rules), `None` accepts every loaded plugin's fields (print).
    pub fn resolver<'a>(&'a self, source: Option<&'a str>) -> SourceResolver<'a> {
        SourceResolver { set: self, source }
    }

    /// A name `evt.type` can hold, as libsinsp's `validate_filter_value` decides: an event's
    /// name in the current event table, a syscall's (or tracepoint's) ppm_sc name, or the name of
    /// an async event a loaded plugin declares.
    fn is_event_type_name(&self, name: &str) -> bool {
        (0..scap::event_schema::EVENT_MAX).any(|t| scap::event_schema::event(t).is_some_and(|e| e.name == name))
            || plugin_host::inspector::args::is_ppm_sc_name(name)
            || self.plugins.iter().any(|p| {
                let info = p.plugin.info();
                info.capabilities.async_events && info.async_events.iter().any(|n| n == name)
            })
    }

    fn intern(&self, slot: Slot) -> u32 {
        let mut slots = self.slots.borrow_mut();
        if let Some(i) = slots.iter().position(|s| s.name == slot.name && s.arg == slot.arg && s.source == slot.source) {
            return i as u32;
        }
        slots.push(slot);
        (slots.len() - 1) as u32
    }

    fn resolve(&self, name: &str, arg: Option<&str>, source: Option<&str>) -> Result<ResolvedField, String> {
        if let Some(f) = EvtField::lookup(name) {
            if arg.is_some() {
                return Err(format!("field '{name}' does not take an argument"));
            }
            let id = self.intern(Slot { name: name.into(), arg: None, ty: f.field_type(), is_list: false, kind: SlotKind::Evt(f), source: None });
            let mut r = ResolvedField::new(id, f.field_type(), false);
            r.print = f.print_format();
            r.int16 = f == EvtField::Cpu;
            if let Some(j) = f.json_substitute() {
                let jid = if j == f {
                    id
                } else {
                    self.intern(Slot { name: j.name().into(), arg: None, ty: j.field_type(), is_list: false, kind: SlotKind::Evt(j), source: None })
                };
                r.json_as = Some(JsonSubstitute { id: jid, ty: j.field_type(), is_list: false });
            }
            return Ok(r);
        }
        if let Some(f) = SyscallField::lookup(name, arg) {
            let number = f.is_number();
            let ty = if number { FieldType::Uint64 } else { FieldType::String };
            let id = self.intern(Slot { name: name.into(), arg: arg.map(String::from), ty, is_list: false, kind: SlotKind::Syscall(f), source: None });
            // their values follow the state event by event
            self.capture.require_per_event();
            let mut r = ResolvedField::new(id, ty, false);
            r.print = if number { PrintFormat::SignedDec } else { PrintFormat::NotApplicable };
            return Ok(r);
        }
        let mut providers: Vec<(usize, usize)> = Vec::new();
        let mut first: Option<(FieldType, bool)> = None;
        let mut arg_error: Option<String> = None;
        let mut elsewhere: Vec<&str> = Vec::new();
        for (pi, p) in self.plugins.iter().enumerate() {
            let info = p.plugin.info();
            if !info.capabilities.extraction {
                continue;
            }
            let Some(fi) = info.field_index(name) else { continue };
            if let Some(s) = source {
                if !p.extracts_from(s) {
                    elsewhere.push(p.name());
                    continue;
                }
            }
            // The plan checks the argument as the framework would (required, index, key).
            if let Err(e) = ExtractPlan::new(&p.plugin, &[FieldRequest::new(fi, arg)]) {
                arg_error.get_or_insert(e.message);
                continue;
            }
            let f = &info.fields[fi];
            match first {
                None => first = Some((f.field_type, f.is_list)),
                Some(t) if t != (f.field_type, f.is_list) => continue,
                _ => {}
            }
            providers.push((pi, fi));
        }
        let Some((ty, is_list)) = first else {
            if let Some(e) = arg_error {
                return Err(e);
            }
            return Err(self.unknown_field(name, source, &elsewhere));
        };
        if ty == FieldType::Int64 || ty == FieldType::Float {
            return Err(format!("field '{name}' has type {} that the framework cannot extract", ty.name()));
        }
        let id = self.intern(Slot {
            name: name.into(),
            arg: arg.map(String::from),
            ty,
            is_list,
            kind: SlotKind::Plugin(providers),
            source: source.map(String::from),
        });
        Ok(ResolvedField::new(id, ty, is_list))
    }

    /// Why a field is unknown, and what to load.
    fn unknown_field(&self, name: &str, source: Option<&str>, elsewhere: &[&str]) -> String {
        if !elsewhere.is_empty() {
            return format!(
                "field '{name}' is exported by plugin '{}', which does not extract from source '{}'",
                elsewhere.join("', '"),
                source.unwrap_or("")
            );
        }
        let loaded: Vec<&str> = self.plugins.iter().map(|p| p.name()).collect();
        let prefix = name.split('.').next().unwrap_or(name);
        // A close name among loaded fields (a typo), else advice on what to load.
        let mut best: Option<(usize, &str)> = None;
        for p in &self.plugins {
            for f in &p.plugin.info().fields {
                let d = distance(name, &f.name);
                if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, f.name.as_str()));
                }
            }
        }
        for f in EvtField::ALL {
            let d = distance(name, f.name());
            if d <= 2 && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, f.name()));
            }
        }
        if let Some((_, suggestion)) = best {
            return format!("unknown field '{name}': did you mean '{suggestion}'?");
        }
        // A loaded plugin has fields of that family, but not this one.
        for p in &self.plugins {
            let family: Vec<&str> = p.plugin.info().fields.iter().map(|f| f.name.as_str()).filter(|n| n.split('.').next() == Some(prefix)).collect();
            if !family.is_empty() {
                return format!("unknown field '{name}': plugin '{}' exports {prefix}.* fields, but not this one ({})", p.name(), family.join(", "));
            }
        }
        if prefix == "evt" {
            let known: Vec<&str> = EvtField::ALL.iter().map(|f| f.name()).collect();
            return format!("unknown field '{name}' (scaptool's evt.* fields: {})", known.join(", "));
        }
        let have = if loaded.is_empty() { "no plugin is loaded".to_string() } else { format!("loaded: {}", loaded.join(", ")) };
        format!("unknown field '{name}': no loaded plugin exports it ({have}); load the plugin that defines '{prefix}.*' fields with --plugin LIB.so (or -c falco.yaml)")
    }
}

/// Edit distance, for typo suggestions (short names only).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub struct SourceResolver<'a> {
    set: &'a FieldSet,
    source: Option<&'a str>,
}

impl FieldResolver for SourceResolver<'_> {
    fn resolve(&self, name: &str, arg: Option<&str>, _pos: Pos) -> Result<ResolvedField, String> {
        self.set.resolve(name, arg, self.source)
    }

    fn validate_value(&self, id: u32, text: &str) -> Result<(), String> {
        let is_type = matches!(self.set.slots.borrow().get(id as usize).map(|s| &s.kind), Some(SlotKind::Evt(EvtField::Type)));
        if !is_type || self.set.is_event_type_name(text) {
            return Ok(());
        }
        Err(format!("unknown event type {text}"))
    }
}

impl Drop for FieldSet {
    fn drop(&mut self) {
        for p in &mut self.plugins {
            if let Some(s) = p.state.take() {
                s.destroy();
            }
        }
    }
}
