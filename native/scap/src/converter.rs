//! libscap's savefile converter: what current libsinsp does to every event it reads from a
//! capture before parsing it. Old event layouts become their current version, enter events are
//! kept per thread and their parameters moved into the matching exit event, and events the
//! current schema no longer uses are dropped (before they get an `evt.num`). The rules come
//! from the converter's table ([`crate::event_schema::conversion`]); the procedure follows the
//! README of libscap's `engine/savefile/converter`.
//!
//! Events go in and out in the v2 layout (26-byte header, `nparams` lengths, data).

use std::collections::HashMap;

use crate::bytes::{le_u16, le_u32, le_u64};
use crate::event_schema::{self as schema, ef, pt, ConvAction, ConvInstr, ConvRule};

const HDR: usize = 26;
/// libscap's `MAX_CONVERSION_BOUNDARY`.
const MAX_CONVERSIONS: usize = 50;

/// What became of an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered (possibly rewritten into the converter's output buffer).
    Pass,
    /// Kept for a later exit event, or no longer used: not delivered.
    Drop,
}

/// A conversion failure, with libscap's text. libsinsp reports it and goes on with the next
/// event (this one is not delivered).
#[derive(Debug, PartialEq, Eq)]
pub struct ConversionError(pub String);

enum Check {
    Pass,
    Drop,
    Continue,
    Error(String),
}

/// An event being built or read (v2 layout).
struct Ev<'a>(&'a [u8]);

impl Ev<'_> {
    fn tid(&self) -> u64 {
        le_u64(self.0, 8)
    }
    fn event_type(&self) -> u16 {
        le_u16(self.0, 20)
    }
    fn nparams(&self) -> u32 {
        le_u32(self.0, 22)
    }
    fn len_size(&self) -> usize {
        len_size(self.event_type())
    }
    fn param_len(&self, i: usize) -> usize {
        let ls = self.len_size();
        let at = HDR + i * ls;
        if ls == 4 {
            le_u32(self.0, at) as usize
        } else {
            le_u16(self.0, at) as usize
        }
    }
    fn param(&self, i: usize) -> &[u8] {
        let ls = self.len_size();
        let mut at = HDR + self.nparams() as usize * ls;
        for j in 0..i {
            at += self.param_len(j);
        }
        let n = self.param_len(i);
        &self.0[at.min(self.0.len())..(at + n).min(self.0.len())]
    }
}

fn len_size(event_type: u16) -> usize {
    if schema::large_payload(event_type) {
        4
    } else {
        2
    }
}

fn name_dir(t: u16) -> String {
    let name = schema::event(t).map_or("unknown", |e| e.name);
    format!("{}_{}", name, if schema::is_enter(t) { 'E' } else { 'X' })
}

/// Whether the converter passes `event` on unchanged (it is in its current layout), keeping no
/// state for it: [`Converter::convert`] would return [`Outcome::Pass`] with the same bytes.
pub fn passes_unchanged(event: &[u8]) -> bool {
    event.len() >= HDR && matches!(check(&Ev(event)), Check::Pass)
}

/// `test_event_convertibility`.
fn check(ev: &Ev) -> Check {
    let t = ev.event_type();
    let Some(info) = schema::event(t) else { return Check::Drop };
    let flags = info.flags;
    if flags & ef::UNUSED != 0 {
        return Check::Drop;
    }
    if flags & ef::CONVERTER_MANAGED == 0 {
        if flags & ef::OLD_VERSION == 0 {
            return Check::Pass;
        }
        if schema::is_enter(t) {
            return Check::Drop;
        }
        return Check::Error(format!("Bug. Old exit event (type: {t}) must be flagged as managed by the scap-converter"));
    }
    if schema::is_enter(t) {
        return Check::Continue;
    }
    let (n, expected) = (ev.nparams(), info.params.len() as u32);
    if n > expected {
        return Check::Error(format!("Event (type: {t}) has more parameters ({n}) than expected ({expected})."));
    }
    if flags & ef::OLD_VERSION != 0 || n != expected {
        return Check::Continue;
    }
    Check::Pass
}

/// The converter's state: the last enter event stored per thread.
#[derive(Default)]
pub struct Converter {
    storage: HashMap<u64, Option<Vec<u8>>>,
    out: Vec<u8>,
}

/// A new event under construction.
struct Building {
    buf: Vec<u8>,
    event_type: u16,
    nparams: usize,
    /// Where the next parameter's bytes go.
    offset: usize,
}

impl Building {
    fn len_size(&self) -> usize {
        len_size(self.event_type)
    }
    fn param_type(&self, i: usize) -> u32 {
        schema::event(self.event_type).and_then(|e| e.params.get(i)).map_or(pt::NONE, |p| p.ty)
    }
    fn set_len(&mut self, i: usize, len: usize) {
        let at = HDR + i * self.len_size();
        if self.len_size() == 4 {
            self.buf[at..at + 4].copy_from_slice(&(len as u32).to_le_bytes());
        } else {
            self.buf[at..at + 2].copy_from_slice(&(len as u16).to_le_bytes());
        }
    }
    fn push_bytes(&mut self, i: usize, bytes: &[u8]) {
        if self.buf.len() < self.offset + bytes.len() {
            self.buf.resize(self.offset + bytes.len(), 0);
        }
        self.buf[self.offset..self.offset + bytes.len()].copy_from_slice(bytes);
        self.offset += bytes.len();
        self.set_len(i, bytes.len());
    }
    fn push_empty(&mut self, i: usize) {
        self.set_len(i, 0);
    }
    fn push_default(&mut self, i: usize) -> Result<(), String> {
        let ty = self.param_type(i);
        let len = schema::min_param_len(ty)
            .ok_or_else(|| format!("Unexpected error while computing minimum parameter length from type {ty}: -1"))?;
        let val: u64 = if ty == pt::UID || ty == pt::GID { u32::MAX as u64 } else { 0 };
        let bytes = val.to_le_bytes();
        self.push_bytes(i, &bytes[..len as usize]);
        Ok(())
    }
    fn finish(mut self) -> Vec<u8> {
        self.buf.truncate(self.offset);
        let len = self.offset as u32;
        self.buf[16..20].copy_from_slice(&len.to_le_bytes());
        self.buf[20..22].copy_from_slice(&self.event_type.to_le_bytes());
        self.buf[22..26].copy_from_slice(&(self.nparams as u32).to_le_bytes());
        self.buf
    }
}

/// The old container event's JSON (`extract_ppme_container_json_e_json_param`).
fn container_json(old: &Ev) -> Option<Vec<u8>> {
    if old.nparams() < 4 {
        return None;
    }
    let text = |i: usize| {
        let p = old.param(i);
        String::from_utf8_lossy(&p[..p.len().saturating_sub(1)]).into_owned()
    };
    let ty_bytes = old.param(1);
    let ty = if ty_bytes.len() >= 4 { le_u32(ty_bytes, 0) } else { 0 };
    let json = format!(r#"{{"id":"{}","type":{},"name":"{}","image":"{}"}}"#, text(0), ty, text(2), text(3));
    let mut v = json.into_bytes();
    v.push(0);
    Some(v)
}

impl Converter {
    pub fn new() -> Converter {
        Converter::default()
    }

    /// Forgets the stored enter events (a new capture section).
    pub fn clear(&mut self) {
        self.storage.clear();
    }

    /// Converts one event. On `Pass`, [`Converter::output`] holds the event to deliver.
    pub fn convert(&mut self, event: &[u8]) -> Result<Outcome, ConversionError> {
        self.out.clear();
        self.out.extend_from_slice(event);
        match check(&Ev(&self.out)) {
            Check::Pass => return Ok(Outcome::Pass),
            Check::Drop => return Ok(Outcome::Drop),
            Check::Error(e) => return Err(ConversionError(e)),
            Check::Continue => {}
        }
        for _ in 0..MAX_CONVERSIONS {
            let old = std::mem::take(&mut self.out);
            let ev = Ev(&old);
            let key = (ev.event_type(), ev.nparams() as u8);
            let Some(rule) = schema::conversion(key.0, key.1) else {
                return Err(ConversionError(format!(
                    "Required conversion for event (type: {}, nparams: {}), but we don't handle it in the table.",
                    key.0,
                    ev.nparams()
                )));
            };
            let step = self.step(&ev, rule);
            match step {
                Err(e) => return Err(ConversionError(e)),
                Ok(None) => return Ok(Outcome::Drop),
                Ok(Some(new)) => self.out = new,
            }
            // passing actions end the conversion without another check
            if matches!(rule.action, ConvAction::Pass | ConvAction::StoreAndPass) {
                return Ok(Outcome::Pass);
            }
            match check(&Ev(&self.out)) {
                Check::Pass => return Ok(Outcome::Pass),
                Check::Drop => return Ok(Outcome::Drop),
                Check::Error(e) => return Err(ConversionError(e)),
                Check::Continue => {}
            }
        }
        let ev = Ev(&self.out);
        Err(ConversionError(format!(
            "Reached '{MAX_CONVERSIONS}' conversions with event (type: {}, nparams: {}) without reaching an end.",
            ev.event_type(),
            ev.nparams()
        )))
    }

    /// The last converted event (valid after `convert` returned `Pass`).
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// One `convert_event` step: `None` when the event is only stored.
    fn step(&mut self, old: &Ev, rule: &ConvRule) -> Result<Option<Vec<u8>>, String> {
        let tid = old.tid();
        match rule.action {
            ConvAction::Store => {
                self.storage.insert(tid, Some(old.0.to_vec()));
                return Ok(None);
            }
            ConvAction::Pass => return Ok(Some(old.0.to_vec())),
            ConvAction::StoreAndPass => {
                self.storage.insert(tid, Some(old.0.to_vec()));
                return Ok(Some(old.0.to_vec()));
            }
            ConvAction::AddParams | ConvAction::ChangeType => {}
            ConvAction::Unknown => return Err(format!("Unhandled conversion action '{}'.", 0)),
        }
        let mut first = 0usize;
        let mut b = if rule.action == ConvAction::AddParams {
            // the old lengths and data, with room for the new lengths
            let t = old.event_type();
            let n = old.nparams() as usize + rule.instrs.len();
            let ls = len_size(t);
            let mut buf = vec![0u8; HDR + n * ls];
            buf[..HDR].copy_from_slice(&old.0[..HDR]);
            let mut b = Building { buf, event_type: t, nparams: n, offset: HDR + n * ls };
            for i in 0..old.nparams() as usize {
                b.set_len(i, old.param_len(i));
            }
            let old_data = &old.0[(HDR + old.nparams() as usize * old.len_size()).min(old.0.len())..];
            b.buf.extend_from_slice(old_data);
            b.offset += old_data.len();
            first = old.nparams() as usize;
            b
        } else {
            let t = rule.desired_type;
            let n = rule.instrs.len();
            let ls = len_size(t);
            let mut buf = vec![0u8; HDR + n * ls];
            buf[..HDR].copy_from_slice(&old.0[..HDR]);
            Building { buf, event_type: t, nparams: n, offset: HDR + n * ls }
        };
        let mut used_enter = false;
        for (k, instr) in rule.instrs.iter().enumerate() {
            let target = first + k;
            let (source, param, fallback_empty) = match *instr {
                ConvInstr::FromEmpty(..) => {
                    b.push_empty(target);
                    continue;
                }
                ConvInstr::FromDefault(..) => {
                    b.push_default(target)?;
                    continue;
                }
                ConvInstr::ContainerJson(_, empty) => {
                    match container_json(old) {
                        Some(bytes) => b.push_bytes(target, &bytes),
                        None if empty => b.push_empty(target),
                        None => b.push_default(target)?,
                    }
                    continue;
                }
                ConvInstr::UnknownCallback(..) | ConvInstr::None(..) => {
                    return Err(format!("Unknown instruction (code: 0, param_num: {target})."));
                }
                ConvInstr::FromOld(p, e) => {
                    if old.nparams() <= p as u32 {
                        return Err(format!(
                            "We want to take parameter '{p}' from old event '{}' but this event has only '{}' parameters!",
                            old.event_type(),
                            old.nparams()
                        ));
                    }
                    (Some(old.0.to_vec()), p, e)
                }
                ConvInstr::FromEnter(p, e) => match self.storage.get(&tid).and_then(|s| s.as_ref()) {
                    None => (None, p, e),
                    Some(enter) => {
                        let en = Ev(enter);
                        if en.event_type() != old.event_type().wrapping_sub(1) {
                            return Err(format!(
                                "The enter event for '{}' is not the right one! Event found '{}'.",
                                name_dir(old.event_type()),
                                name_dir(en.event_type())
                            ));
                        }
                        if en.nparams() <= p as u32 {
                            return Err(format!(
                                "We want to take parameter '{p}' from enter event '{}' but this event has only '{}' parameters!",
                                en.event_type(),
                                en.nparams()
                            ));
                        }
                        used_enter = true;
                        (Some(enter.clone()), p, e)
                    }
                },
            };
            match source {
                None if fallback_empty => b.push_empty(target),
                None => b.push_default(target)?,
                Some(src) => {
                    let s = Ev(&src);
                    let bytes = s.param(param as usize);
                    let ty = b.param_type(target);
                    let max = schema::max_param_len(ty, b.len_size()).unwrap_or(u32::MAX) as usize;
                    let n = bytes.len().min(max);
                    let bytes = bytes[..n].to_vec();
                    b.push_bytes(target, &bytes);
                }
            }
        }
        if used_enter {
            if let Some(slot) = self.storage.get_mut(&tid) {
                *slot = None;
            }
        }
        Ok(Some(b.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_events_pass_unchanged_whatever_their_parameters() {
        // what the engine's batch numbering relies on: libscap never converts a plugin event
        for nparams in [0u32, 1, 2, 3, 7] {
            let mut ev = vec![0u8; HDR];
            ev[16..20].copy_from_slice(&(HDR as u32).to_le_bytes());
            ev[20..22].copy_from_slice(&crate::event_types::PLUGINEVENT_E.to_le_bytes());
            ev[22..26].copy_from_slice(&nparams.to_le_bytes());
            assert!(passes_unchanged(&ev), "{nparams} params");
            let mut c = Converter::default();
            assert_eq!(c.convert(&ev).unwrap(), Outcome::Pass);
            assert_eq!(c.output(), &ev[..]);
        }
        assert!(!passes_unchanged(&[0u8; HDR - 1]));
    }
}
