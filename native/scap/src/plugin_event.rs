//! Plugin events (`PPME_PLUGINEVENT_E`, 322) and async events (`PPME_ASYNCEVENT_E`, 402).
//!
//! ```text
//! 322: [26-byte hdr][u32 4][u32 N][u32 plugin_id][payload N]            len = 38 + N
//! 402: [26-byte hdr][u32 4][u32 strlen+1][u32 M][u32 plugin_id][name\0][data M]
//! ```
//! Both use u32 parameter lengths (EF_LARGE_PAYLOAD) and live in EV_V2_LARGE blocks; a plugin
//! event has `tid = -1` and is written with `cpuid = 0`.

use crate::bytes::le_u32;
use crate::event::{EventRecord, V2_HEADER_LEN};
use crate::event_types::{ASYNCEVENT_E, PLUGINEVENT_E};

/// Offset of a plugin event's payload: header, two u32 lengths, the plugin id.
pub const PAYLOAD_OFFSET: usize = 38;
/// `tid` of every plugin event ("no thread").
pub const NO_THREAD: u64 = u64::MAX;

/// A plugin event's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginEvent<'a> {
    pub plugin_id: u32,
    pub payload: &'a [u8],
}

/// An async event's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsyncEvent<'a> {
    pub plugin_id: u32,
    /// The event name without its NUL (lossless bytes: names are ASCII in practice).
    pub name: &'a [u8],
    pub data: &'a [u8],
}

/// Decodes a 322 event; `None` if the type differs or its first parameter is not a u32.
pub fn as_plugin_event<'a>(rec: &EventRecord<'a>) -> Option<PluginEvent<'a>> {
    if rec.event_type != PLUGINEVENT_E || rec.nparams < 2 {
        return None;
    }
    let mut params = rec.params();
    let id = params.next()?;
    let payload = params.next()?;
    (id.len() == 4).then(|| PluginEvent { plugin_id: le_u32(id, 0), payload })
}

/// Decodes a 402 event; `None` if the type differs or the parameters do not fit the schema.
pub fn as_async_event<'a>(rec: &EventRecord<'a>) -> Option<AsyncEvent<'a>> {
    if rec.event_type != ASYNCEVENT_E || rec.nparams < 3 {
        return None;
    }
    let mut params = rec.params();
    let id = params.next()?;
    let name = params.next()?;
    let data = params.next()?;
    if id.len() != 4 {
        return None;
    }
    let name = name.strip_suffix(&[0]).unwrap_or(name);
    Some(AsyncEvent { plugin_id: le_u32(id, 0), name, data })
}

/// Appends a complete 322 event (v2 layout) for `payload` to `out`.
pub fn encode(out: &mut Vec<u8>, ts: u64, plugin_id: u32, payload: &[u8]) {
    let len = (PAYLOAD_OFFSET + payload.len()) as u32;
    out.reserve(len as usize);
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&NO_THREAD.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&PLUGINEVENT_E.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&plugin_id.to_le_bytes());
    out.extend_from_slice(payload);
    debug_assert_eq!(V2_HEADER_LEN + 12, PAYLOAD_OFFSET);
}

/// Appends a complete 402 event (v2 layout) to `out`.
pub fn encode_async(out: &mut Vec<u8>, ts: u64, tid: u64, plugin_id: u32, name: &str, data: &[u8]) {
    let len = (V2_HEADER_LEN + 12 + 4 + name.len() + 1 + data.len()) as u32;
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&tid.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&ASYNCEVENT_E.to_le_bytes());
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&(name.len() as u32 + 1).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&plugin_id.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_v2_event;

    #[test]
    fn round_trips_plugin_and_async_events() {
        let mut ev = Vec::new();
        encode(&mut ev, 7, 999, b"hello0");
        assert_eq!(ev.len(), 44);
        let rec = parse_v2_event(&ev).unwrap();
        assert_eq!(as_plugin_event(&rec), Some(PluginEvent { plugin_id: 999, payload: b"hello0" }));
        assert_eq!(as_async_event(&rec), None);

        let mut ev = Vec::new();
        encode_async(&mut ev, 7, NO_THREAD, 3, "container", b"{}");
        let rec = parse_v2_event(&ev).unwrap();
        let a = as_async_event(&rec).unwrap();
        assert_eq!((a.plugin_id, a.name, a.data), (3, &b"container"[..], &b"{}"[..]));
    }
}
