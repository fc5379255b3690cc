//! Times reading plus packing into fresh 4 MiB batch buffers (what the napi reader does).
fn main() {
    let path = std::env::args().nth(1).expect("usage: pack FILE");
    let t0 = std::time::Instant::now();
    let mut r = scap::ScapReader::open(std::path::Path::new(&path)).unwrap();
    let mut batches = Vec::new();
    let mut n = 0u64;
    loop {
        let mut out: Vec<u8> = Vec::with_capacity(4 << 20);
        let mut done = false;
        while out.len() < 4 << 20 {
            match r.next_item() {
                Ok(Some(scap::Item::Event(ev))) => {
                    let rec = &ev.record;
                    let record_len = (32 + rec.len as usize + 7) & !7;
                    let start = out.len();
                    out.extend_from_slice(&(record_len as u32).to_le_bytes());
                    out.extend_from_slice(&ev.block_type.to_le_bytes());
                    out.extend_from_slice(&ev.evtnum.to_le_bytes());
                    out.extend_from_slice(&ev.offset.to_le_bytes());
                    out.extend_from_slice(&rec.flags.to_le_bytes());
                    out.extend_from_slice(&rec.cpuid.to_le_bytes());
                    out.extend_from_slice(&0u16.to_le_bytes());
                    rec.write_v2(&mut out);
                    out.resize(start + record_len, 0);
                    n += 1;
                }
                Ok(Some(_)) => {}
                Ok(None) => { done = true; break; }
                Err(e) => { eprintln!("{e}"); done = true; break; }
            }
        }
        batches.push(out.len());
        drop(out);
        if done { break; }
    }
    println!("{n} events in {} batches, {:?}", batches.len(), t0.elapsed());
}
