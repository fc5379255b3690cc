//! Evaluations per second of the guide's rule condition on prepared values, plus a few other
//! shapes, and output rendering. Run: `cargo run --release -p scap-filter --example bench`.

use std::hint::black_box;
use std::time::Instant;

use scap_filter::*;

fn resolver(name: &str, arg: Option<&str>, _pos: Pos) -> Result<ResolvedField, String> {
    match (name, arg) {
        ("evt.num", None) => Ok(ResolvedField::new(0, FieldType::Uint64, false)),
        ("dummy.divisible", Some("3")) => Ok(ResolvedField::new(1, FieldType::Uint64, false)),
        ("dummy.value", None) => Ok(ResolvedField::new(2, FieldType::Uint64, false)),
        ("dummy.strvalue", None) => Ok(ResolvedField::new(3, FieldType::String, false)),
        ("evt.plugininfo", None) => Ok(ResolvedField::new(4, FieldType::String, false)),
        _ => Err(format!("unknown field {name}")),
    }
}

fn main() {
    // 1024 prepared events: evt.num, divisible[3], value, strvalue, plugininfo
    let texts: Vec<(Vec<u8>, Vec<u8>)> = (0..1024u64)
        .map(|i| {
            let v = 8 + i * 7;
            (
                v.to_string().into_bytes(),
                format!("{{\"sample\": \"{v}\"}}").into_bytes(),
            )
        })
        .collect();
    let rows: Vec<[FieldValue; 5]> = (0..1024u64)
        .map(|i| {
            let v = 8 + i * 7;
            [
                FieldValue::One(ValueRef::U64(i % 20 + 1)),
                FieldValue::One(ValueRef::U64((v % 3 == 0) as u64)),
                FieldValue::One(ValueRef::U64(v)),
                FieldValue::One(ValueRef::Str(&texts[i as usize].0)),
                FieldValue::One(ValueRef::Str(&texts[i as usize].1)),
            ]
        })
        .collect();

    let cases = [
        "evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1",
        "dummy.strvalue in (8, 15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92, 99)",
        "dummy.strvalue glob '*9' or dummy.strvalue startswith 1 or dummy.strvalue contains 77",
        "dummy.strvalue regex '1[0-9]*5'",
        "not (dummy.value > 1000 and dummy.divisible[3] = 1) and evt.num exists",
    ];
    for c in cases {
        let f = compile_filter(c, None, &resolver).unwrap();
        let n = 20_000_000usize;
        let start = Instant::now();
        let mut hits = 0usize;
        for i in 0..n {
            if f.matches(black_box(&rows[i & 1023])) {
                hits += 1;
            }
        }
        let dt = start.elapsed().as_secs_f64();
        println!(
            "{:>6.1} M evals/s  ({:>5.1} ns/eval, {hits} hits)  {c}",
            n as f64 / dt / 1e6,
            dt * 1e9 / n as f64
        );
    }

    let out = OutputFormat::parse(
        "A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)",
        &resolver,
    )
    .unwrap();
    let n = 2_000_000usize;
    let mut line = String::new();
    let start = Instant::now();
    for i in 0..n {
        line.clear();
        out.render(black_box(&rows[i & 1023]), &mut line);
    }
    let dt = start.elapsed().as_secs_f64();
    println!("{:>6.1} M lines/s (text) {}", n as f64 / dt / 1e6, line);
    let start = Instant::now();
    for i in 0..n / 4 {
        line.clear();
        out.render_json(black_box(&rows[i & 1023]), &mut line);
    }
    let dt = start.elapsed().as_secs_f64();
    println!(
        "{:>6.1} M lines/s (json) {}",
        (n / 4) as f64 / dt / 1e6,
        line
    );
}
