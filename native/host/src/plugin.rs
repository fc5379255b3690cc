//! A loaded plugin library: [`Plugin::load`] opens it, picks its generation, checks it as that
//! generation's framework would, and reads everything it says about itself ([`PluginInfo`]).
//! [`Plugin::init`] validates a config and creates a [`PluginState`].

use std::ffi::{c_char, CString};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::abi::fns::{FreeMemFn, InitLegacyFn, InitSchemaFn, InitV3Fn, StateStrFn, StrGetterFn, U32GetterFn};
use crate::abi::{rc, schema_type, v3};
use crate::capabilities::{self, Capabilities};
use crate::config;
use crate::crash::{self, Operation};
use crate::error::{ErrorKind, HostError};
use crate::fields;
use crate::generation::{self, Generation, Rc};
use crate::info::{self, InitSchema, PluginInfo};
use crate::library::{self, Exports, Sym};
use crate::owner::{self, Owner};
use crate::plugin_text::{lossy, utf8_or_warn, Releaser};
use crate::tables::{dispatch, TableRegistry};
use crate::state::PluginState;
use crate::version::PluginVersion;

pub(crate) struct Loaded {
    pub exports: Exports,
    pub info: PluginInfo,
    pub releaser: Releaser,
    /// The 3.x minor of the required API version (decides which trailing members exist).
    pub minor: u32,
    /// Serialises lifecycle calls (init, destroy, open, close) of every generation, and every
    /// call of generations without the 2.0 concurrency contract.
    pub serial: Mutex<()>,
}

impl Loaded {
    pub fn name(&self) -> &[u8] {
        self.info.name.as_bytes()
    }

    /// The lock a call must hold: always for lifecycle calls, and for every call of a
    /// generation that allows no concurrency between states.
    pub fn guard(&self, lifecycle: bool) -> Option<MutexGuard<'_, ()>> {
        (lifecycle || !self.info.parallel_calls_allowed)
            .then(|| self.serial.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A plugin library, shareable between threads (`Clone` is cheap).
#[derive(Clone)]
pub struct Plugin {
    pub(crate) inner: Arc<Loaded>,
}

/// Calls a `const char* (void)` getter and copies its result.
fn get_text(sym: Option<Sym>, releaser: &Releaser) -> Option<Vec<u8>> {
    let f: StrGetterFn = unsafe { sym?.cast() };
    // SAFETY: a getter of the plugin's generation; the result is released per generation.
    unsafe { releaser.take(f()) }
}

fn get_u32(sym: Option<Sym>) -> Option<u32> {
    let f: U32GetterFn = unsafe { sym?.cast() };
    Some(unsafe { f() })
}

/// A source before API 3.0 with id 0 (old builds of the guide's dummy_c never set one).
const ID_ZERO_WARNING: &str = "plugin id 0: its events are stored with plugin id 0, which current libsinsp reserves for \
     the syscall source (current Falco rejects them). scaptool, like sysdig 0.29.3, gives them to the loaded source \
     plugin with id 0. Give the plugin an id of its own (999 is for development)";

impl Plugin {
    /// Opens the library at `path` and checks it (see the crate documentation).
    pub fn load(path: impl AsRef<Path>) -> Result<Plugin, HostError> {
        let path = path.as_ref();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _scope = crash::enter(file_name.as_bytes(), Operation::Load);
        // One load at a time in the process, as libsinsp loads plugins: the C++ SDK answers every
        // info getter (name, version, required API version...) from one shared string, so two
        // threads loading the same library read each other's half-written answers.
        static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _loading = LOADING.lock().unwrap_or_else(|p| p.into_inner());
        let exports = library::open(path)?;
        Self::from_exports(path, exports).map_err(|mut e| {
            e.message = format!("{}: {}", path.display(), e.message);
            e
        })
    }

    fn from_exports(path: &Path, exports: Exports) -> Result<Plugin, HostError> {
        let version_fn: StrGetterFn = match exports.get_required_api_version {
            // SAFETY: `const char* (void)` in every generation.
            Some(sym) => unsafe { sym.cast() },
            None => {
                return Err(HostError::new(
                    ErrorKind::MissingSymbol,
                    "missing required symbol plugin_get_required_api_version (is this a Falco plugin?)",
                ))
            }
        };
        let version_ptr = unsafe { version_fn() };
        if version_ptr.is_null() {
            return Err(HostError::new(
                ErrorKind::InvalidInfo,
                "plugin_get_required_api_version returned NULL",
            ));
        }
        // Copied now, released once the generation (and so the release rule) is known.
        let required_text = lossy(unsafe { std::ffi::CStr::from_ptr(version_ptr) }.to_bytes());
        let (generation, required) = generation::choose(&required_text, exports.get_type.is_some())?;
        let free_mem: Option<FreeMemFn> = exports.free_mem.map(|s| unsafe { s.cast() });
        let releaser = Releaser::new(generation.release(), free_mem);

        let mut warnings = Vec::new();
        let plugin_type = if generation.has_plugin_type() {
            get_u32(exports.get_type)
        } else {
            None
        };
        let mut caps = capabilities::detect(&exports, generation, plugin_type, &mut warnings)?;
        // SAFETY: the pointer came from the plugin and was copied above.
        unsafe { releaser.release(version_ptr as *mut _) };

        let text = |sym: Option<Sym>, what: &str, warnings: &mut Vec<String>| -> Option<String> {
            get_text(sym, &releaser).map(|b| utf8_or_warn(b, what, warnings))
        };
        let name = text(exports.get_name, "plugin_get_name", &mut warnings).unwrap_or_default();
        if name.is_empty() {
            warnings.push("plugin_get_name returned an empty name".into());
        }
        let description = text(exports.get_description, "plugin_get_description", &mut warnings).unwrap_or_default();
        let contact = text(exports.get_contact, "plugin_get_contact", &mut warnings).unwrap_or_default();
        let version = text(exports.get_version, "plugin_get_version", &mut warnings).unwrap_or_default();
        let parsed_version = PluginVersion::parse(&version).map_err(|why| {
            HostError::new(
                ErrorKind::InvalidInfo,
                format!("plugin_get_version must return a semver version: {why}"),
            )
        })?;

        let (mut id, mut event_source) = (None, None);
        if caps.sourcing {
            let pid = get_u32(exports.get_id).unwrap_or(0);
            let source = text(exports.get_event_source, "plugin_get_event_source", &mut warnings).unwrap_or_default();
            if generation == Generation::V3 {
                capabilities::check_v3_source_identity(pid, &source)?;
            } else if pid == 0 {
                warnings.push(ID_ZERO_WARNING.into());
            }
            id = Some(pid);
            event_source = Some(source);
        }

        let mut field_list = Vec::new();
        let mut extract_event_sources = Vec::new();
        if caps.extraction {
            let raw = get_text(exports.get_fields, &releaser)
                .ok_or_else(|| HostError::new(ErrorKind::InvalidFields, "plugin_get_fields returned NULL"))?;
            let (parsed, field_warnings) = fields::parse(&raw, generation)?;
            field_list = parsed;
            warnings.extend(field_warnings);
            if exports.get_extract_event_sources.is_some() {
                let raw = get_text(exports.get_extract_event_sources, &releaser).unwrap_or_default();
                extract_event_sources = info::parse_sources(&raw, "plugin_get_extract_event_sources", generation)?;
            }
            if let Some(own) = event_source.as_ref().filter(|s| !s.is_empty()) {
                if !extract_event_sources.contains(own) {
                    extract_event_sources.push(own.clone());
                }
            }
        }

        let init_schema = match exports.get_init_schema {
            Some(sym) => {
                let f: InitSchemaFn = unsafe { sym.cast() };
                let mut st = schema_type::NONE;
                // SAFETY: `const char* (ss_plugin_schema_type*)`.
                let raw = unsafe { releaser.take(f(&mut st)) }.unwrap_or_default();
                (st != schema_type::NONE).then(|| InitSchema {
                    schema_type: st,
                    text: lossy(&raw),
                })
            }
            None => None,
        };

        let (mut parse_event_sources, mut async_events, mut async_event_sources) = (Vec::new(), Vec::new(), Vec::new());
        if generation == Generation::V3 {
            if caps.parsing && exports.get_parse_event_sources.is_some() {
                let raw = get_text(exports.get_parse_event_sources, &releaser).unwrap_or_default();
                parse_event_sources = info::parse_sources(&raw, "plugin_get_parse_event_sources", generation)?;
            }
            // as for extraction, a source plugin parses events of its own source
            if let Some(own) = event_source.as_ref().filter(|s| caps.parsing && caps.sourcing && !s.is_empty()) {
                if !parse_event_sources.contains(own) {
                    parse_event_sources.push(own.clone());
                }
            }
            if caps.async_events {
                let raw = get_text(exports.get_async_events, &releaser).unwrap_or_default();
                async_events = info::parse_async_event_names(&raw)?;
                if exports.get_async_event_sources.is_some() {
                    let raw = get_text(exports.get_async_event_sources, &releaser).unwrap_or_default();
                    async_event_sources = info::parse_sources(&raw, "plugin_get_async_event_sources", generation)?;
                }
            }
        } else {
            caps = Capabilities {
                parsing: false,
                async_events: false,
                listening: false,
                ..caps
            };
        }

        let info = PluginInfo {
            path: path.display().to_string(),
            name,
            description,
            contact,
            version,
            parsed_version,
            required_api_version: required_text,
            parsed_required_api_version: required,
            generation,
            framework_api_version: generation.framework_version(),
            plugin_type,
            capabilities: caps,
            id,
            event_source,
            extract_event_sources,
            parse_event_sources,
            async_events,
            async_event_sources,
            fields: field_list,
            init_schema,
            concurrent_states_allowed: generation.concurrent_states_allowed(),
            // The Go SDK (v0.8.3 seen) corrupts the Go heap when two states extract at the same
            // time ("found bad pointer in Go heap"); libsinsp never does that, so Go plugins
            // get their calls one at a time (their states may still move between threads).
            parallel_calls_allowed: generation.concurrent_states_allowed() && !exports.go_runtime,
            symbols: exports.names().into_iter().map(String::from).collect(),
            warnings,
        };
        Ok(Plugin {
            inner: Arc::new(Loaded {
                exports,
                info,
                releaser,
                minor: required.minor,
                serial: Mutex::new(()),
            }),
        })
    }

    pub fn info(&self) -> &PluginInfo {
        &self.inner.info
    }

    pub fn generation(&self) -> Generation {
        self.inner.info.generation
    }

    pub fn name(&self) -> &str {
        &self.inner.info.name
    }

    /// Validates `config` against the plugin's init schema and returns the text `init` would
    /// receive (see [`crate::config`]).
    pub fn validate_config(&self, config: &str) -> Result<String, HostError> {
        let info = &self.inner.info;
        config::prepare(&info.name, info.generation, info.init_schema.as_ref(), config)
    }

    /// Validates `config`, then calls `init`. On FAILURE the error carries the plugin's
    /// `get_last_error` text (the state is kept for that call, then destroyed as libsinsp does;
    /// seed and 0.1 frameworks never destroyed a failed state, so neither do we).
    pub fn init(&self, config: &str) -> Result<PluginState, HostError> {
        let (registry, _) = crate::threads::new_registry();
        self.init_in(config, &registry)
    }

    /// [`Plugin::init`] inside an inspector: the plugin sees (and may add to) `registry`, the
    /// state tables it shares with the other plugins of the run.
    pub fn init_in(&self, config: &str, registry: &Arc<TableRegistry>) -> Result<PluginState, HostError> {
        let loaded = &self.inner;
        let info = &loaded.info;
        let effective = self.validate_config(config)?;
        let config_c = CString::new(effective).map_err(|_| {
            HostError::new(
                ErrorKind::InvalidConfig,
                format!("plugin '{}': the init config contains a NUL byte", info.name),
            )
        })?;
        let init = loaded
            .exports
            .init
            .ok_or_else(|| HostError::new(ErrorKind::MissingSymbol, "missing required symbol plugin_init"))?;
        let _lock = loaded.guard(true);
        let _scope = crash::enter(loaded.name(), Operation::Init);
        let mut code = rc::FAILURE;
        let mut owner_box = None;
        let state = if info.generation == Generation::V3 {
            let get_last_error = loaded.exports.get_last_error.map(|s| unsafe { s.cast::<StateStrFn>() });
            let owner = Owner::new(&info.async_events, registry.clone(), &info.name, loaded.minor, get_last_error);
            let needs_tables = info.capabilities.extraction || info.capabilities.parsing;
            let input = v3::InitInput {
                config: config_c.as_ptr(),
                owner: owner.as_ptr(),
                get_owner_last_error: Some(owner::get_owner_last_error),
                tables: if needs_tables {
                    &dispatch::INIT_TABLES.0
                } else {
                    std::ptr::null()
                },
                log_fn: if loaded.minor >= 3 { Some(owner::log_fn) } else { None },
            };
            let f: InitV3Fn = unsafe { init.cast() };
            // SAFETY: the 3.x init signature; `input` and `owner` outlive the call (the owner
            // lives as long as the state).
            let s = unsafe { f(&input, &mut code) };
            // tables the plugin defines take their errors from its state from now on
            owner.tables.set_plugin_state(s);
            owner_box = Some(owner);
            s
        } else {
            let f: InitLegacyFn = unsafe { init.cast() };
            // SAFETY: the pre-3.0 init signature.
            unsafe { f(config_c.as_ptr() as *const c_char, &mut code) }
        };
        drop(_scope);
        drop(_lock);
        let state_ptr = state;
        match info.generation.rc(code) {
            Rc::Success if !state_ptr.is_null() => {}
            Rc::Success => {
                return Err(HostError::new(
                    ErrorKind::PluginFault,
                    format!("plugin '{}': init returned SUCCESS but no state", info.name),
                ));
            }
            other => {
                let what = match other {
                    Rc::Failure => "failed to initialize".to_string(),
                    _ => format!("failed to initialize (init returned code {code})"),
                };
                if state_ptr.is_null() {
                    return Err(HostError::new(
                        ErrorKind::InitFailed,
                        format!("plugin '{}' {what}, and returned no state to explain why", info.name),
                    ));
                }
                let failed = PluginState::new(self.clone(), state_ptr, owner_box);
                let text = failed.last_error();
                let keep_leaked = matches!(info.generation, Generation::Seed | Generation::V0_1);
                failed.discard(!keep_leaked);
                return Err(HostError::with_plugin_text(
                    ErrorKind::InitFailed,
                    format!("plugin '{}' {what}", info.name),
                    text,
                ));
            }
        }
        let mut st = PluginState::new(self.clone(), state_ptr, owner_box);
        // libsinsp's defensive garbage collection after init
        if let Some(o) = st.owner.as_ref() {
            o.tables.end_callback();
        }
        st.after_init()?;
        Ok(st)
    }
}
