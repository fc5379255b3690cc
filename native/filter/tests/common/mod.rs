//! A fake resolver with one field of every type (and list fields), plus the 20 events of
//! fixtures/captures/dummy_c-sysdig.scap as sysdig 0.29.3 prints them:
//! `sysdig ... -p "%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]"`.
#![allow(dead_code)]

use scap_filter::*;

pub const EVT_NUM: u32 = 0;
pub const VALUE: u32 = 1;
pub const STRVALUE: u32 = 2;
pub const REL: u32 = 4;
pub const ABS: u32 = 5;
pub const FLAG: u32 = 6;
pub const IP: u32 = 7;
pub const NET: u32 = 8;
pub const WORDS: u32 = 9;
pub const NUMS: u32 = 10;
pub const IPS: u32 = 11;
pub const NETS: u32 = 12;
pub const BOOLS: u32 = 13;
pub const PATH: u32 = 14;
pub const STR2: u32 = 15;
pub const NUM2: u32 = 16;
pub const EVT_RELTIME: u32 = 17;
pub const EVT_TIME: u32 = 18;
pub const EVT_RAWTIME: u32 = 19;
pub const RELS: u32 = 20;
pub const ABSS: u32 = 21;
pub const WORDS2: u32 = 22;
/// dummy.divisible[N] has id DIVISIBLE + N.
pub const DIVISIBLE: u32 = 1000;

pub fn resolve(name: &str, arg: Option<&str>, _pos: Pos) -> Result<ResolvedField, String> {
    use FieldType::*;
    let (id, ty, list) = match name {
        "evt.num" => (EVT_NUM, Uint64, false),
        "dummy.value" => (VALUE, Uint64, false),
        "dummy.strvalue" => (STRVALUE, String, false),
        "dummy.divisible" => {
            let Some(a) = arg else {
                return Err("field 'dummy.divisible' requires an argument".into());
            };
            let n: u32 = a
                .parse()
                .map_err(|_| format!("field 'dummy.divisible': argument '{a}' is not an index"))?;
            return Ok(ResolvedField::new(DIVISIBLE + n, Uint64, false));
        }
        "t.rel" => (REL, Reltime, false),
        "t.abs" => (ABS, Abstime, false),
        "t.flag" => (FLAG, Bool, false),
        "t.ip" => (IP, Ipaddr, false),
        "t.net" => (NET, Ipnet, false),
        "t.words" => (WORDS, String, true),
        "t.words2" => (WORDS2, String, true),
        "t.nums" => (NUMS, Uint64, true),
        "t.ips" => (IPS, Ipaddr, true),
        "t.nets" => (NETS, Ipnet, true),
        "t.bools" => (BOOLS, Bool, true),
        "t.rels" => (RELS, Reltime, true),
        "t.abss" => (ABSS, Abstime, true),
        "t.path" => (PATH, String, false),
        "t.str2" => (STR2, String, false),
        "t.num2" => (NUM2, Uint64, false),
        "evt.reltime" => {
            let mut f = ResolvedField::new(EVT_RELTIME, Reltime, false);
            f.print = PrintFormat::PaddedDec9;
            f.json_as = Some(JsonSubstitute {
                id: EVT_RELTIME,
                ty: Reltime,
                is_list: false,
            });
            return Ok(f);
        }
        "evt.time" => {
            let mut f = ResolvedField::new(EVT_TIME, String, false);
            f.json_as = Some(JsonSubstitute {
                id: EVT_RAWTIME,
                ty: Abstime,
                is_list: false,
            });
            return Ok(f);
        }
        "evt.rawtime" => (EVT_RAWTIME, Abstime, false),
        _ => return Err(format!("filter_check called with nonexistent field {name}")),
    };
    if arg.is_some() {
        return Err(format!("field '{name}' does not take an argument"));
    }
    Ok(ResolvedField::new(id, ty, list))
}

pub fn compile_ok(filter: &str) -> CompiledFilter {
    compile_filter(filter, None, &resolve).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

pub fn compile_err(filter: &str) -> String {
    match compile_filter(filter, None, &resolve) {
        Ok(_) => panic!("{filter}: compiled"),
        Err(e) => e.to_string(),
    }
}

pub fn s(x: &str) -> ExtractedValue {
    ExtractedValue::Str(x.as_bytes().to_vec())
}

pub fn u(x: u64) -> ExtractedValue {
    ExtractedValue::U64(x)
}

pub fn ip(x: &str) -> ExtractedValue {
    ExtractedValue::IpAddr(x.parse().unwrap())
}

pub fn net(x: &str) -> ExtractedValue {
    ExtractedValue::IpNet(x.parse().unwrap())
}

pub fn list(v: Vec<ExtractedValue>) -> ExtractedValue {
    ExtractedValue::List(v)
}

/// (evt.num, dummy.value, dummy.divisible[3]) of the 20 events of dummy_c-sysdig.scap.
pub const DUMMY_EVENTS: [(u64, u64, u64); 20] = [
    (1, 8, 0),
    (2, 9, 1),
    (3, 10, 0),
    (4, 16, 0),
    (5, 26, 0),
    (6, 30, 1),
    (7, 37, 0),
    (8, 48, 1),
    (9, 55, 0),
    (10, 65, 0),
    (11, 71, 0),
    (12, 82, 0),
    (13, 93, 1),
    (14, 100, 0),
    (15, 109, 0),
    (16, 113, 0),
    (17, 114, 1),
    (18, 124, 0),
    (19, 129, 1),
    (20, 133, 0),
];

/// The values of one dummy event (dummy.divisible[N] is computed for every N but 0, which,
/// like a missing argument, gives no value).
pub struct DummyEvent {
    pub num: u64,
    pub value: u64,
    pub text: Vec<u8>,
}

impl DummyEvent {
    pub fn new(num: u64, value: u64) -> Self {
        DummyEvent {
            num,
            value,
            text: value.to_string().into_bytes(),
        }
    }
}

impl FieldValues for DummyEvent {
    fn get(&self, id: u32) -> FieldValue<'_> {
        match id {
            EVT_NUM => FieldValue::One(ValueRef::U64(self.num)),
            VALUE => FieldValue::One(ValueRef::U64(self.value)),
            STRVALUE => FieldValue::One(ValueRef::Str(&self.text)),
            d if d > DIVISIBLE => FieldValue::One(ValueRef::U64(
                self.value.is_multiple_of((d - DIVISIBLE) as u64) as u64,
            )),
            _ => FieldValue::Absent,
        }
    }
}

pub fn dummy_events() -> Vec<DummyEvent> {
    DUMMY_EVENTS
        .iter()
        .map(|(n, v, _)| DummyEvent::new(*n, *v))
        .collect()
}

/// The evt.num of the dummy events the filter matches.
pub fn matching(filter: &str) -> Vec<u64> {
    let f = compile_ok(filter);
    dummy_events()
        .iter()
        .filter(|e| f.matches(*e))
        .map(|e| e.num)
        .collect()
}
