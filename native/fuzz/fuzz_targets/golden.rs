//! The golden-file reader on arbitrary bytes: a header, rows and the `#end` line are read and
//! every row parsed; anything may be refused (a `GoldenError`), nothing may panic, hang or
//! allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scap_engine::golden::{parse_row, GoldenReader};

fuzz_target!(|data: &[u8]| {
    let input = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut reader) = GoldenReader::from_reader("fuzz.golden", input) else { return };
    let columns = reader.columns();
    while let Ok(Some(row)) = reader.next_row() {
        assert_eq!(row.cells.len(), columns);
    }
    // the raw-line path the replay uses, on the same bytes
    let input = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok(mut reader) = GoldenReader::from_reader("fuzz.golden", input) {
        let mut block = Default::default();
        while reader.read_block(64, &mut block).is_ok() && !block.is_empty() {
            for i in 0..block.len() {
                let _ = parse_row(block.line(i), columns);
            }
        }
    }
});
