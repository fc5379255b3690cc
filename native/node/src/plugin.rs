//! Plugin inspection (`scaptool plugin info`): load, validate, optionally init to learn what
//! only an initialized plugin says (open parameters, extract event types), on the thread pool.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use plugin_host::{EventTypes, OpenParam, Plugin, PluginInfo};
use serde::Serialize;

use crate::json::{host_error, outcome, ErrorJson};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Inspection {
    info: PluginInfo,
    /// Present when the plugin was initialized.
    initialized: bool,
    init_config: Option<String>,
    open_params: Option<Vec<OpenParam>>,
    /// Event types the plugin extracts from (3.x, after init).
    extract_event_types: Option<EventTypes>,
    required_event_schema_version: Option<String>,
    /// Why init (or a call after it) failed; the info above is still valid.
    init_error: Option<ErrorJson>,
}

pub struct InspectTask {
    path: String,
    init_config: Option<String>,
}

impl Task for InspectTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        let path = self.path.clone();
        let r = Plugin::load(&path).map_err(|e| host_error(&path, e)).map(|plugin| {
            let mut out = Inspection {
                info: plugin.info().clone(),
                initialized: false,
                init_config: None,
                open_params: None,
                extract_event_types: None,
                required_event_schema_version: None,
                init_error: None,
            };
            if let Some(cfg) = &self.init_config {
                match plugin.validate_config(cfg).and_then(|c| {
                    out.init_config = Some(c.clone());
                    plugin.init(&c)
                }) {
                    Ok(mut state) => {
                        out.initialized = true;
                        out.extract_event_types = Some(state.extract_event_types().clone());
                        out.required_event_schema_version = state.required_event_schema_version();
                        if plugin.info().capabilities.sourcing {
                            match state.open_params() {
                                Ok(p) => out.open_params = Some(p),
                                Err(e) => out.init_error = Some(host_error(plugin.name(), e)),
                            }
                        }
                        state.destroy();
                    }
                    Err(e) => out.init_error = Some(host_error(plugin.name(), e)),
                }
            }
            out
        });
        Ok(outcome(r))
    }

    fn resolve(&mut self, _env: Env, out: String) -> Result<String> {
        Ok(out)
    }
}

/// Loads and validates a plugin as the framework of its generation would; with `initConfig`
/// (even empty), also initializes it. Resolves to JSON `{"ok": inspection}` or `{"error": ...}`.
#[napi(ts_return_type = "Promise<string>")]
pub fn inspect_plugin(path: String, init_config: Option<String>) -> AsyncTask<InspectTask> {
    AsyncTask::new(InspectTask { path, init_config })
}

/// Makes `path` this process's crash record (a small shared file the parent reads if a plugin
/// crashes this process), and installs the fatal-signal reporter.
#[napi]
pub fn install_crash_recorder(path: String) -> Result<()> {
    let region = plugin_host::crash::CrashRegion::create(std::path::Path::new(&path)).map_err(|e| Error::from_reason(e.message))?;
    region.install();
    plugin_host::crash::install_fatal_signal_handler().map_err(|e| Error::from_reason(e.message))
}

/// Makes the kernel kill this process when its parent dies (`PR_SET_PDEATHSIG`), so a plugin
/// host never outlives the scaptool that started it, even when a plugin call never returns.
/// `parent` is the pid the caller expects as its parent: if it has already died (the child is
/// then re-parented), this process exits at once.
#[napi]
pub fn die_with_parent(parent: u32) -> Result<()> {
    // SAFETY: plain prctl/getppid calls.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
            return Err(Error::from_reason(format!("prctl(PR_SET_PDEATHSIG): {}", std::io::Error::last_os_error())));
        }
        if libc::getppid() as u32 != parent {
            libc::_exit(1);
        }
    }
    Ok(())
}

/// Puts stdout and stderr back in blocking mode. A Node process that touches a piped
/// `process.stdout` makes the pipe non-blocking for every process sharing it (libuv), and a
/// plugin's printf into a full non-blocking pipe fails with EAGAIN: its lines are lost. Plugins
/// expect the blocking descriptors libsinsp's hosts give them.
#[napi]
pub fn block_stdio() {
    for fd in [1, 2] {
        // SAFETY: fcntl on descriptors this process owns; failures leave them as they are.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 && flags & libc::O_NONBLOCK != 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
}

/// The plugin calls that were in progress when the process that wrote `path` died (JSON).
#[napi]
pub fn read_crash_records(path: String) -> Result<String> {
    let records = plugin_host::crash::read_records(std::path::Path::new(&path)).map_err(|e| Error::from_reason(e.message))?;
    serde_json::to_string(&records).map_err(|e| Error::from_reason(e.to_string()))
}
