//! The `evt.*` fields scaptool resolves itself: libsinsp's generic event class, the one Falco
//! adds to every plugin source (`sinsp_filtercheck_gen_event.cpp`), plus `evt.type`, `evt.dir`
//! and `evt.cpu` (sysdig's syscall class, which it also prints for plugin events).
//!
//! Types and print formats are libsinsp's, checked against Debian's sysdig 0.29.3 (`-p` and
//! `-j -p` on plugin5.scap and the dummy_c capture):
//!
//! * `evt.reltime`, `evt.reltime.ns` and `evt.rawtime.ns` print zero-padded to 9 digits; in JSON
//!   every numeric field is a number.
//! * `evt.time`, `.time.s`, `.time.iso8601`, `.datetime`, `.datetime.s` are strings in text and
//!   the raw timestamp (ns, a number) in JSON.
//! * `evt.pluginname` / `evt.plugininfo` need the plugin whose id the event carries to be loaded
//!   (else no value: `<NA>`); `evt.plugininfo` is its `event_to_string`, or the framework's
//!   `datalen=N data=...` text when it has none. Both have no value for non-plugin events.
//! * `evt.is_async` is true for libsinsp's meta events (async events, and the container, user,
//!   group, procinfo, ... events of syscall captures); `evt.asynctype` is an async event's name or
//!   another meta event's type name.
//! * `evt.reltime` counts from the first event that is not a meta event; before it, from 0 (so
//!   it is the timestamp itself), as libsinsp's `m_firstevent_ts`. Timestamps earlier than the
//!   base wrap around (unsigned subtraction), as in libsinsp.
//! * `evt.source` is the event's source: `syscall` for libscap events (and async events with
//!   plugin id 0), the source of the plugin with the event's id, no value when no loaded plugin
//!   has it (current libsinsp; checked with sinsp-example in test/sdk-cpp.test.ts). `evt.is_async` / `evt.asynctype` describe async events (type 402).
//! * `evt.hostname`: libscap's live rule is `SCAP_HOSTNAME`, else the machine's host name
//!   ([`scap_hostname`]); libsinsp reading a capture has none and prints an empty string
//!   (sinsp-example and Falco replaying a capture, with or without a machine-info block or
//!   `SCAP_HOSTNAME`), which `scaptool print` follows.
//!
//! sysdig 0.29.3 has neither `evt.source`, `evt.is_async`, `evt.asynctype` nor `evt.hostname`.

use plugin_host::FieldType;
use scap_filter::PrintFormat;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvtField {
    Num,
    Time,
    TimeS,
    TimeIso8601,
    Datetime,
    DatetimeS,
    Rawtime,
    RawtimeS,
    RawtimeNs,
    Reltime,
    ReltimeS,
    ReltimeNs,
    Source,
    PluginName,
    PluginInfo,
    IsAsync,
    AsyncType,
    Type,
    Dir,
    Cpu,
    Hostname,
}

use EvtField::*;

impl EvtField {
    pub const ALL: [EvtField; 21] = [
        Num, Time, TimeS, TimeIso8601, Datetime, DatetimeS, Rawtime, RawtimeS, RawtimeNs, Reltime, ReltimeS, ReltimeNs, Source,
        PluginName, PluginInfo, IsAsync, AsyncType, Type, Dir, Cpu, Hostname,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Num => "evt.num",
            Time => "evt.time",
            TimeS => "evt.time.s",
            TimeIso8601 => "evt.time.iso8601",
            Datetime => "evt.datetime",
            DatetimeS => "evt.datetime.s",
            Rawtime => "evt.rawtime",
            RawtimeS => "evt.rawtime.s",
            RawtimeNs => "evt.rawtime.ns",
            Reltime => "evt.reltime",
            ReltimeS => "evt.reltime.s",
            ReltimeNs => "evt.reltime.ns",
            Source => "evt.source",
            PluginName => "evt.pluginname",
            PluginInfo => "evt.plugininfo",
            IsAsync => "evt.is_async",
            AsyncType => "evt.asynctype",
            Type => "evt.type",
            Dir => "evt.dir",
            Cpu => "evt.cpu",
            Hostname => "evt.hostname",
        }
    }

    pub fn lookup(name: &str) -> Option<EvtField> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    pub fn field_type(self) -> FieldType {
        match self {
            Num | Cpu => FieldType::Uint64,
            Rawtime | RawtimeS | RawtimeNs => FieldType::Abstime,
            Reltime | ReltimeS | ReltimeNs => FieldType::Reltime,
            IsAsync => FieldType::Bool,
            _ => FieldType::String,
        }
    }

    /// libsinsp's print format of the field: it also decides how `len()` of a text field
    /// prints (`PF_NA`: not at all).
    pub fn print_format(self) -> PrintFormat {
        match self {
            RawtimeNs | Reltime | ReltimeNs => PrintFormat::PaddedDec9,
            Num | Cpu | Rawtime | RawtimeS | ReltimeS => PrintFormat::Dec,
            _ => PrintFormat::NotApplicable,
        }
    }

    /// The field JSON output reads instead: the raw timestamp for the time strings, the field
    /// itself (so that it prints as a number, not padded) for the padded ones.
    pub fn json_substitute(self) -> Option<EvtField> {
        match self {
            Time | TimeS | TimeIso8601 | Datetime | DatetimeS => Some(Rawtime),
            RawtimeNs | Reltime | ReltimeNs => Some(self),
            _ => None,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Num => "event number (1-based, as libsinsp numbers the capture's events)",
            Time => "event time HH:MM:SS.nnnnnnnnn in the chosen time zone",
            TimeS => "event time HH:MM:SS in the chosen time zone",
            TimeIso8601 => "event time in ISO 8601, UTC (YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000)",
            Datetime => "event date and time YYYY-MM-DD HH:MM:SS.nnnnnnnnn in the chosen time zone",
            DatetimeS => "event date and time YYYY-MM-DD HH:MM:SS in the chosen time zone",
            Rawtime => "event timestamp, ns since the epoch",
            RawtimeS => "seconds part of the timestamp",
            RawtimeNs => "nanoseconds part of the timestamp",
            Reltime => "ns since the first event of the capture",
            ReltimeS => "seconds part of evt.reltime",
            ReltimeNs => "nanoseconds part of evt.reltime",
            Source => "event source (syscall or a plugin's source; none for an unknown plugin id)",
            PluginName => "name of the plugin whose id the event carries",
            PluginInfo => "the plugin's event_to_string text for the event",
            IsAsync => "true for async events",
            AsyncType => "name of an async event",
            Type => "event type name (pluginevent for plugin events)",
            Dir => "event direction: > (enter) or < (exit)",
            Cpu => "CPU the event was captured on",
            Hostname => "host name (SCAP_HOSTNAME, else the machine's)",
        }
    }
}

/// What the engine keeps of an event to compute its `evt.*` fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventMeta {
    pub evtnum: u64,
    pub ts: u64,
    pub cpu: u16,
    pub event_type: u16,
    /// The plugin id of plugin (322) and async (402) events.
    pub plugin_id: Option<u32>,
}

/// The host name libscap reports: `SCAP_HOSTNAME`, else `gethostname`.
pub fn scap_hostname() -> String {
    match std::env::var("SCAP_HOSTNAME") {
        Ok(h) if !h.is_empty() => h,
        _ => machine_hostname(),
    }
}

pub fn machine_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the result is NUL-terminated when it fits.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Whether libsinsp counts events of this type as meta events (`EC_METAEVENT` in current
/// libscap's event table): `evt.is_async` is true for them, `evt.asynctype` names them, and
/// `evt.reltime` counts from the first event that is not one.
pub fn is_metaevent(event_type: u16) -> bool {
    matches!(
        event_type,
        148 | 149 // drop
            | 196 // scapevent
            | 228 | 272 | 324 // container (three generations)
            | 234 // procinfo
            | 244 // cpu_hotplug
            | 260 | 268 | 270 // k8s, tracer, mesos
            | 280 // notification
            | 286 // infra
            | 354 | 356 | 358 | 360 // useradded, userdeleted, groupadded, groupdeleted
            | scap::event_types::ASYNCEVENT_E
    )
}

/// Whether libsinsp consumes a leading event of this type while opening a capture, before it
/// hands out the first event (`sinsp::consume_initialstate_events`): container, user, group and
/// async events at the start of a capture are state, never printed or filtered (their event
/// numbers are still taken).
pub fn is_initial_state_event(event_type: u16) -> bool {
    matches!(event_type, scap::event_types::CONTAINER_JSON_2_E | 354 | 356 | 358 | 360 | scap::event_types::ASYNCEVENT_E)
}

/// `evt.asynctype`: an async event's name, another meta event's type name, nothing for the
/// other events.
pub fn async_type(event_type: u16, event: &[u8]) -> Option<&[u8]> {
    if !is_metaevent(event_type) {
        return None;
    }
    if event_type == scap::event_types::ASYNCEVENT_E {
        async_name(event)
    } else {
        Some(type_name(event_type).as_bytes())
    }
}

/// The name of an async event (type 402: plugin id, name, data), without its trailing NUL.
pub fn async_name(event: &[u8]) -> Option<&[u8]> {
    if event.len() < 38 || scap::bytes::le_u16(event, 20) != scap::event_types::ASYNCEVENT_E {
        return None;
    }
    let l0 = scap::bytes::le_u32(event, 26) as usize;
    let l1 = scap::bytes::le_u32(event, 30) as usize;
    let start = 38 + l0;
    let name = event.get(start..start.checked_add(l1)?)?;
    Some(name.strip_suffix(&[0]).unwrap_or(name))
}

/// The event type's name as `evt.type` prints it.
pub fn type_name(event_type: u16) -> &'static str {
    scap::event_types::info(event_type).map(|i| i.name).unwrap_or("unknown")
}
