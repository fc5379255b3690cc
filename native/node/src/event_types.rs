//! The event table, for naming event types in JS (printing, summaries, comparisons with sysdig).

use napi_derive::napi;

#[napi(object)]
pub struct EventTypeInfo {
    /// Name as sysdig prints `%evt.type` (e.g. `open`, `pluginevent`).
    pub name: String,
    /// `>` for enter events (even codes), `<` for exit events, as sysdig prints `%evt.dir`.
    pub direction: String,
    /// Parameter count in the table (current libscap for known types).
    pub nparams: u32,
    /// Parameter lengths are u32 (EF_LARGE_PAYLOAD).
    pub large_payload: bool,
}

/// What the table knows about an event type; `null` for codes it does not know.
#[napi]
pub fn event_type_info(event_type: u32) -> Option<EventTypeInfo> {
    let t = u16::try_from(event_type).ok()?;
    scap::event_types::info(t).map(|i| EventTypeInfo {
        name: i.name.to_string(),
        direction: if t % 2 == 0 { ">" } else { "<" }.to_string(),
        nparams: i.nparams as u32,
        large_payload: scap::event_types::has_large_payload(t),
    })
}
