//! Counts events as fast as the reader goes: `cargo run --release --example count -- FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: count FILE");
    let t0 = std::time::Instant::now();
    let mut r = scap::ScapReader::open(std::path::Path::new(&path)).unwrap();
    let (mut n, mut bytes) = (0u64, 0u64);
    loop {
        match r.next_event() {
            Ok(Some(ev)) => {
                n += 1;
                bytes += ev.record.len as u64;
            }
            Ok(None) => break,
            Err(e) => {
                eprintln!("{e}");
                break;
            }
        }
    }
    println!("{n} events, {bytes} event bytes in {:?}", t0.elapsed());
}
