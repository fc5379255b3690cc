//! Event timestamps as text, in a chosen time zone: what `evt.time`, `evt.datetime` and Falco's
//! alert times print.
//!
//! libsinsp formats these with the process's local time zone (`ts_to_string`), so sysdig's output
//! depends on `TZ`. scaptool takes the zone as an option (UTC by default, so output is
//! reproducible) and converts with the offset in force at the event's instant, from the system
//! time zone database (the files glibc reads). libsinsp instead applies the offset in force when
//! it runs (`gmt2local(0)`): for events on the other side of a daylight-saving change from "now",
//! sysdig prints them an hour off; scaptool does not.
//!
//! `evt.time.iso8601` is UTC whatever the zone, with `+0000` as libsinsp's `ts_to_iso_8601`
//! writes it (`%z` of `gmtime`); Falco's JSON `time` ends in `Z` instead.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Formats timestamps (ns since the epoch) in one time zone, caching the last second seen.
pub struct Clock {
    tz: TimeZone,
    name: String,
    /// (utc second, local "YYYY-MM-DD", local "HH:MM:SS")
    cached: Option<(i64, [u8; 10], [u8; 8])>,
}

const NS: u64 = 1_000_000_000;

impl Clock {
    /// `UTC` (also the empty name), `local` (the process's zone: `TZ`, else /etc/localtime), or
    /// an IANA name such as `Europe/Paris`.
    pub fn new(name: &str) -> Result<Clock, String> {
        let tz = match name {
            "" | "UTC" | "utc" | "Z" => TimeZone::UTC,
            "local" => TimeZone::try_system().map_err(|e| format!("cannot determine the local time zone: {e}"))?,
            other => TimeZone::get(other).map_err(|_| format!("unknown time zone '{other}' (expected an IANA name such as Europe/Paris, UTC or local)"))?,
        };
        Ok(Clock { tz, name: if name.is_empty() { "UTC".into() } else { name.to_string() }, cached: None })
    }

    pub fn utc() -> Clock {
        Clock { tz: TimeZone::UTC, name: "UTC".into(), cached: None }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn local(&mut self, ts: u64) -> ([u8; 10], [u8; 8]) {
        let sec = (ts / NS) as i64;
        if let Some((s, d, t)) = self.cached {
            if s == sec {
                return (d, t);
            }
        }
        let offset = Timestamp::from_second(sec).map(|t| self.tz.to_offset(t).seconds()).unwrap_or(0);
        let (d, t) = civil(sec + offset as i64);
        self.cached = Some((sec, d, t));
        (d, t)
    }

    /// `HH:MM:SS.nnnnnnnnn` (`evt.time`), or `HH:MM:SS` (`evt.time.s`).
    pub fn time(&mut self, ts: u64, ns: bool, out: &mut String) {
        let (_, t) = self.local(ts);
        push_ascii(out, &t);
        if ns {
            push_frac(out, ts % NS);
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` (`evt.datetime`), or without the fraction (`evt.datetime.s`).
    pub fn datetime(&mut self, ts: u64, ns: bool, out: &mut String) {
        let (d, t) = self.local(ts);
        push_ascii(out, &d);
        out.push(' ');
        push_ascii(out, &t);
        if ns {
            push_frac(out, ts % NS);
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` (`evt.time.iso8601`, always UTC).
pub fn iso8601(ts: u64, out: &mut String) {
    iso_utc(ts, out);
    out.push_str("+0000");
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (Falco's JSON `time`).
pub fn iso8601_z(ts: u64, out: &mut String) {
    iso_utc(ts, out);
    out.push('Z');
}

fn iso_utc(ts: u64, out: &mut String) {
    let (d, t) = civil((ts / NS) as i64);
    push_ascii(out, &d);
    out.push('T');
    push_ascii(out, &t);
    push_frac(out, ts % NS);
}

fn push_ascii(out: &mut String, b: &[u8]) {
    // Only ASCII digits and separators are ever written into these arrays.
    out.push_str(std::str::from_utf8(b).unwrap_or(""));
}

fn push_frac(out: &mut String, ns: u64) {
    let mut b = [b'.', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0'];
    let mut v = ns;
    for i in (1..10).rev() {
        b[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    push_ascii(out, &b);
}

/// Seconds since the epoch (already shifted to local time) → ("YYYY-MM-DD", "HH:MM:SS"), with
/// the proleptic Gregorian calendar (days-to-civil conversion of Howard Hinnant's algorithms).
fn civil(secs: i64) -> ([u8; 10], [u8; 8]) {
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = plugin_host::value::civil_from_days(secs.div_euclid(86_400));
    let mut date = *b"0000-00-00";
    let y = y.clamp(0, 9999) as u32;
    date[0] = b'0' + (y / 1000) as u8;
    date[1] = b'0' + (y / 100 % 10) as u8;
    date[2] = b'0' + (y / 10 % 10) as u8;
    date[3] = b'0' + (y % 10) as u8;
    two(&mut date[5..7], m);
    two(&mut date[8..10], d);
    let mut time = *b"00:00:00";
    two(&mut time[0..2], (rem / 3600) as u32);
    two(&mut time[3..5], (rem / 60 % 60) as u32);
    two(&mut time[6..8], (rem % 60) as u32);
    (date, time)
}

fn two(b: &mut [u8], v: u32) {
    b[0] = b'0' + (v / 10) as u8;
    b[1] = b'0' + (v % 10) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_zones() {
        let ts = 1_600_000_000_000_001_000u64;
        let mut c = Clock::utc();
        let mut s = String::new();
        c.datetime(ts, true, &mut s);
        assert_eq!(s, "2020-09-13 12:26:40.000001000");
        s.clear();
        c.time(ts, false, &mut s);
        assert_eq!(s, "12:26:40");
        s.clear();
        iso8601(ts, &mut s);
        assert_eq!(s, "2020-09-13T12:26:40.000001000+0000");
        s.clear();
        iso8601_z(ts, &mut s);
        assert_eq!(s, "2020-09-13T12:26:40.000001000Z");
        // the offset in force at the instant: summer (+2) and winter (+1) in Paris
        let mut paris = Clock::new("Europe/Paris").unwrap();
        s.clear();
        paris.datetime(ts, false, &mut s);
        assert_eq!(s, "2020-09-13 14:26:40");
        s.clear();
        paris.time(1_605_000_000_000_000_000, false, &mut s);
        assert_eq!(s, "10:20:00");
        assert!(Clock::new("Mars/Olympus").is_err());
        s.clear();
        Clock::utc().datetime(0, true, &mut s);
        assert_eq!(s, "1970-01-01 00:00:00.000000000");
        s.clear();
        Clock::utc().datetime(951_782_400 * NS, false, &mut s); // leap day
        assert_eq!(s, "2000-02-29 00:00:00");
    }
}
