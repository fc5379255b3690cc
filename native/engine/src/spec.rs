//! What a run is asked to do, as the TypeScript layer sends it (JSON).

use serde::Deserialize;

/// One plugin of a run.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PluginSpec {
    /// Path of the shared library.
    pub path: String,
    /// Init config, as the plugin receives it (empty: the framework's default).
    pub init_config: String,
    /// Open params (source plugins of a recording).
    pub open_params: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordOptions {
    /// Source plugins to run, in this order.
    #[serde(default)]
    pub sources: Vec<PluginSpec>,
    /// Extractor plugins whose fields are recorded too.
    #[serde(default)]
    pub extractors: Vec<PluginSpec>,
    /// Plugins whose role is decided by their capabilities (a Falco-style config's list):
    /// those with event sourcing are sources, the others extractors.
    #[serde(default)]
    pub plugins: Vec<PluginSpec>,
    /// Fields to extract with an argument, e.g. `dummy.divisible[3]` (fields that require an
    /// argument are recorded only when named here), or globs (`ka.req.*`) of fields without one.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Fields left out of the golden file: names, `name[arg]`, or globs (`json.obj`, `ka.req.*`).
    #[serde(default)]
    pub exclude_fields: Vec<String>,
    pub output: String,
    /// `none`, `gzip`, `zstd`; default from the output name.
    #[serde(default)]
    pub compression: Option<String>,
    /// Golden file path; default `<output>.golden`. Empty: no golden file.
    #[serde(default)]
    pub golden: Option<String>,
    #[serde(default)]
    pub max_events: Option<u64>,
    /// Stop after this many milliseconds.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// Replace an existing file of another kind at the capture or golden path.
    #[serde(default)]
    pub force: bool,
    /// How long to wait after a TIMEOUT from every source before asking again.
    #[serde(default = "default_timeout_wait")]
    pub timeout_wait_ms: u64,
}

fn default_timeout_wait() -> u64 {
    10
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayOptions {
    pub capture: String,
    /// Golden file to compare with; default `<capture>.golden` when it exists.
    #[serde(default)]
    pub golden: Option<String>,
    /// Plugins to replay with (fresh states).
    pub plugins: Vec<PluginSpec>,
    /// Fields to extract when there is no golden file (as for record).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Fields left out when there is no golden file (as for record).
    #[serde(default)]
    pub exclude_fields: Vec<String>,
    /// Write the golden file from this replay (snapshot update) instead of comparing.
    #[serde(default)]
    pub update: bool,
    /// `--update` may replace a file of another kind at the golden path.
    #[serde(default)]
    pub force: bool,
    /// Mismatches reported in detail (the rest are counted per field).
    #[serde(default = "default_details")]
    pub max_details: usize,
    /// Extract again in reverse order (fresh state) and compare.
    #[serde(default = "yes")]
    pub reverse: bool,
    /// Extract again in a shuffled order with this seed (fresh state) and compare.
    #[serde(default)]
    pub shuffle_seed: Option<u64>,
    /// Extract again with all of an event's fields in one call (fresh state) and compare: the
    /// batching probe.
    #[serde(default = "yes")]
    pub batching_probe: bool,
    /// Run only the batching probe: the forward pass and the all-fields pass, compared with
    /// each other (no golden comparison, no order passes). The probe runs in a process of its
    /// own, so that a plugin that crashes when several fields are asked at once is a finding,
    /// not the end of the replay.
    #[serde(default)]
    pub probe_only: bool,
    /// Also count each field's most frequent values (bounded: `top_values`), for reports.
    #[serde(default)]
    pub distributions: bool,
    /// Events per window for the order checks (memory bound).
    #[serde(default = "default_window")]
    pub window: usize,
    /// Threads for extraction when the plugins allow concurrent states (0: one per core).
    #[serde(default)]
    pub threads: usize,
}

fn default_details() -> usize {
    20
}

fn default_window() -> usize {
    65536
}

fn yes() -> bool {
    true
}
