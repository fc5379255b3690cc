//! Runs a syscall capture through the inspector and prints what it computed.
//!
//! ```text
//! cargo run --release -p plugin-host --example inspect_capture -- CAPTURE --tables
//! cargo run --release -p plugin-host --example inspect_capture -- CAPTURE --fields
//! ```
//!
//! `--tables`: the tables after the capture's opening (process and fd lists, leading state
//! events), as JSON shaped like libsinsp's `sinsp-example --tables=list`, read through the
//! plugin table API. `--fields [LIST]`: one JSON object per event libsinsp would hand out, like
//! `sinsp-example -j -o '*%evt.num %evt.type ...'`: evt.num, evt.type and the comma-separated
//! syscall fields of LIST (default `proc.name,proc.pid,thread.tid,fd.name,proc.exe,proc.cmdline`).

use std::path::Path;

use plugin_host::inspector::args::generic_syscall_name;
use plugin_host::inspector::fields::{SyscallField, SyscallValue};
use plugin_host::inspector::Inspector;
use plugin_host::tables::table_dump;
use scap::reader::Item;
use scap::ScapReader;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: inspect_capture CAPTURE --tables|--fields");
    let mode = args.get(2).map(String::as_str).unwrap_or("--fields");
    let mut reader = ScapReader::open(Path::new(path)).expect("open");
    let mut insp = Inspector::new();
    let mut raw = Vec::new();
    let list = args.get(3).map(String::as_str).unwrap_or("proc.name,proc.pid,thread.tid,fd.name,proc.exe,proc.cmdline");
    let fields: Vec<(String, SyscallField)> = list
        .split(',')
        .map(|name| {
            let (base, arg) = match name.split_once('[') {
                Some((b, a)) => (b, Some(a.trim_end_matches(']'))),
                None => (name, None),
            };
            (name.to_string(), SyscallField::lookup(base, arg).unwrap_or_else(|| panic!("unknown field {name}")))
        })
        .collect();
    loop {
        let item = match reader.next_item() {
            Ok(Some(i)) => i,
            Ok(None) => break,
            Err(e) => {
                eprintln!("{e}");
                break;
            }
        };
        match item {
            Item::Metadata { metadata, .. } => insp.on_metadata(&metadata),
            Item::Event(ev) => {
                raw.clear();
                ev.record.write_v2(&mut raw);
                let ty = match insp.convert(&raw) {
                    Ok(Some(t)) => t,
                    Ok(None) => continue,
                    Err(e) => {
                        eprintln!("conversion error: {}", e.0);
                        continue;
                    }
                };
                if insp.ends_opening(ty) {
                    insp.finish_opening();
                    if mode == "--tables" {
                        println!("{}", serde_json::to_string_pretty(&table_dump::dump_registry(&insp.registry)).unwrap());
                        return;
                    }
                }
                let p = insp.process(ev.record.flags);
                if p.filtered_out || p.initial_state {
                    continue;
                }
                let bytes = insp.current().to_vec();
                let Some(e) = insp.evt(&p, &bytes) else { continue };
                let name = generic_syscall_name(&e)
                    .or_else(|| scap::event_schema::event(e.etype).map(|s| s.name))
                    .unwrap_or("?");
                let mut line = serde_json::Map::new();
                line.insert("evt.num".into(), p.evtnum.into());
                line.insert("evt.type".into(), name.into());
                for (name, f) in &fields {
                    let v = match insp.syscall_field(f, &e) {
                        None => serde_json::Value::Null,
                        Some(SyscallValue::I64(v)) => v.into(),
                        Some(SyscallValue::Str(s)) => String::from_utf8_lossy(&s).into(),
                    };
                    line.insert(name.clone(), v);
                }
                println!("{}", serde_json::Value::Object(line));
            }
            _ => {}
        }
    }
    if mode == "--tables" {
        insp.finish_opening();
        println!("{}", serde_json::to_string_pretty(&table_dump::dump_registry(&insp.registry)).unwrap());
    }
}
