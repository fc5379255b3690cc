//! Prints a capture summary: `cargo run --example summarize -- FILE...` (a debugging aid).
fn main() {
    for path in std::env::args().skip(1) {
        match scap::ScapReader::open(std::path::Path::new(&path)) {
            Err(e) => println!("{path}: {e}"),
            Ok(mut r) => {
                let s = scap::summary::summarize(&mut r);
                println!(
                    "{path}: {:?} events={} evtnum={:?}..{:?} blocks={:?} dropped={:?} error={:?} warnings={}",
                    s.compression.map(|c| c.name()),
                    s.events,
                    s.first_evtnum,
                    s.last_evtnum,
                    s.blocks,
                    s.dropped_events,
                    s.error.map(|e| e.to_string()),
                    s.warnings.len()
                );
            }
        }
    }
}
