//! Times reading plus packing into fresh 4 MiB batch buffers (what the napi reader does):
//! `cargo run --release --example pack -- FILE`.
use scap::reader::{Event, Item, ItemSink};

struct Packer {
    out: Vec<u8>,
    n: u64,
}

impl ItemSink for Packer {
    fn event(&mut self, ev: &Event<'_>) {
        let rec = &ev.record;
        let record_len = (32 + rec.len as usize + 7) & !7;
        let start = self.out.len();
        let mut head = [0u8; 32];
        head[0..4].copy_from_slice(&(record_len as u32).to_le_bytes());
        head[4..8].copy_from_slice(&ev.block_type.to_le_bytes());
        head[8..16].copy_from_slice(&ev.evtnum.to_le_bytes());
        head[16..24].copy_from_slice(&ev.offset.to_le_bytes());
        self.out.extend_from_slice(&head);
        rec.write_v2(&mut self.out);
        self.out.resize(start + record_len, 0);
        self.n += 1;
    }
    fn other(&mut self, _item: Item<'_>) {}
    fn is_full(&self) -> bool {
        self.out.len() >= 4 << 20
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: pack FILE");
    let t0 = std::time::Instant::now();
    let mut r = scap::ScapReader::open(std::path::Path::new(&path)).unwrap();
    let (mut n, mut batches) = (0u64, 0);
    loop {
        let mut p = Packer { out: Vec::with_capacity(5 << 20), n: 0 };
        let more = r.read_into(&mut p).unwrap();
        n += p.n;
        batches += 1;
        if !more {
            break;
        }
    }
    println!("{n} events in {batches} batches, {:?}", t0.elapsed());
}
