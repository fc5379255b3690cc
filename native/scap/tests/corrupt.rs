//! The reader against bad input: every row of the corruption table of scap-format.md §11,
//! §10's "SHB only / no events", and the event-decoding rules of §6–8 and §12.
//!
//! Each case builds its bytes here, then checks that every complete event before the fault is
//! delivered (count and evt.num), then exactly one error of the right kind at the exact byte
//! offset, then `Ok(None)` for ever (see `common::expect`). Offsets of compressed captures count
//! bytes of the decompressed stream.

mod common;

use common::*;
use scap::block::{self, BlockHeader};
use scap::event_types::{PLUGINEVENT_E, PPM_EVENT_MAX};
use scap::{Compression, ErrorKind};

use ErrorKind::*;

/// SHB + the 5 events of sysdig's plugin5.scap: blocks of 60 bytes at 28, 88, 148, 208, 268.
fn five() -> Cap {
    let mut c = Cap::new();
    c.plugins(0..5);
    c
}

fn set_u32(bytes: &mut [u8], at: u64, v: u32) {
    bytes[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}

fn set_u16(bytes: &mut [u8], at: u64, v: u16) {
    bytes[at as usize..at as usize + 2].copy_from_slice(&v.to_le_bytes());
}

/// Machine-info block (the only metadata type whose parser is not someone else's work).
fn mi_block() -> Vec<u8> {
    raw_block(block::MI, &[0u8; 180])
}

// ---- baseline -------------------------------------------------------------------------------

#[test]
fn clean_eof_delivers_everything() {
    let c = five();
    assert_eq!(c.offsets, vec![0, 28, 88, 148, 208, 268]);
    let out = expect(&c.bytes, 5, None);
    assert_plugin_events(&out, payload);
    let offsets: Vec<u64> = out.events().iter().map(|e| e.offset).collect();
    assert_eq!(offsets, vec![28, 88, 148, 208, 268]);
    assert!(matches!(out.items[0], Seen::Section { offset: 0, index: 0, options_len: 0, major: 1, minor: 2 }));
}

#[test]
fn writer_output_is_sysdigs_plugin5_byte_for_byte() {
    // The 2022 sysdig capture of the same five events (scap-format.md §14).
    let sysdig = shared("sysdig-plugin/plugin5.scap");
    let ours = write_capture(5, Compression::None, payload);
    assert_eq!(ours, five().bytes);
    {
        assert_eq!(ours, sysdig);
        expect(&sysdig, 5, None);
    }
}

// ---- §10: no events -------------------------------------------------------------------------

#[test]
fn shb_only_is_no_events() {
    let c = Cap::new();
    expect(&c.bytes, 0, Some((NoEvents, 28)));
}

#[test]
fn shb_and_metadata_without_events_is_no_events() {
    let mut c = Cap::new();
    c.push(&mi_block());
    c.push(&raw_block(0x999, b"unknown"));
    let out = expect(&c.bytes, 0, Some((NoEvents, c.len())));
    assert_eq!(out.items.len(), 3, "section, MI and the unknown block are still reported");
}

#[test]
fn first_event_of_a_dropped_type_makes_a_valid_file() {
    // libscap only checks the block type when it opens a file (§10).
    let mut c = Cap::new();
    let at = c.push(&event_block(block::EV_V2, 0, None, &v2_event(1, 2, 500, false, &[b"x"])));
    let out = expect(&c.bytes, 0, None);
    assert_eq!(out.items[1], Seen::Dropped { offset: at, event_type: 500 });
}

#[test]
fn trailing_section_without_events_is_no_events() {
    // libscap restarts on the second SHB; scap_read_init then meets EOF before an event block:
    // "could not restart capture: no events in file".
    let mut c = five();
    let shb2 = c.push(&scap::section::to_bytes());
    assert_eq!(shb2, 328);
    expect(&c.bytes, 5, Some((NoEvents, 356)));
    c.push(&mi_block());
    expect(&c.bytes, 5, Some((NoEvents, 356 + 192)));
}

#[test]
fn empty_middle_section_is_fine() {
    // libscap skips an SHB met among metadata blocks like an unknown block.
    let mut c = Cap::new();
    c.push(&scap::section::to_bytes());
    c.plugins(0..3);
    let out = expect(&c.bytes, 3, None);
    assert!(out.events().iter().all(|e| e.section == 1));
}

// ---- truncation -----------------------------------------------------------------------------

#[test]
fn empty_file_is_truncated() {
    expect(&[], 0, Some((Truncated, 0)));
}

#[test]
fn three_byte_files() {
    // The start of a section header: a capture cut after 3 bytes.
    expect(&[0x0a, 0x0d, 0x0d], 0, Some((Truncated, 0)));
    // Anything else is not a capture at all.
    expect(b"abc", 0, Some((NotACapture, 0)));
    expect(&[0x0a, 0x0d, 0x0e], 0, Some((NotACapture, 0)));
}

#[test]
fn first_block_must_be_a_section_header() {
    let mut c = Cap::empty();
    c.plugin(0);
    expect(&c.bytes, 0, Some((NotACapture, 0)));
    expect(b"hello, world: some text file", 0, Some((NotACapture, 0)));
}

#[test]
fn one_to_seven_stray_bytes_at_the_end() {
    let c = five();
    let next = plugin_block(5, payload);
    for k in 1..=7 {
        // The start of another block, and arbitrary garbage.
        for tail in [&next[..k], &[0xAAu8; 7][..k]] {
            let mut b = c.bytes.clone();
            b.extend_from_slice(tail);
            expect(&b, 5, Some((Truncated, 328)));
        }
    }
}

#[test]
fn last_event_block_cut_at_every_position() {
    let c = five();
    for cut in 269..328 {
        expect(&c.bytes[..cut], 4, Some((Truncated, 268)));
    }
    expect(&c.bytes[..268], 4, None);
}

#[test]
fn every_cut_position_of_a_mixed_capture() {
    // SHB, MI, an unknown block, then events of every padding length, one EVF and one v1.
    let mut c = Cap::new();
    c.push(&mi_block());
    c.push(&raw_block(0x0999, b"skip me"));
    for i in 0..8 {
        c.push(&plugin_block(i, varied_payload));
    }
    c.push(&event_block(block::EVF_V2, 3, Some(1), &v2_event(5, 6, 3, false, &[b"abc", b"de"])));
    c.push(&event_block(block::EV, 1, None, &v1_event(5, 6, 3, &[b"abc", b"de"])));
    let full = c.len();
    let ends: Vec<u64> = c.offsets.iter().skip(1).copied().chain([full]).collect();
    let first_event = c.offsets[3];
    for cut in 0..=full {
        let bytes = &c.bytes[..cut as usize];
        if cut < 28 {
            expect(bytes, 0, Some((Truncated, 0)));
            continue;
        }
        // Blocks entirely inside the cut, and the block the cut falls into.
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        let events = c.offsets.iter().zip(&ends).filter(|(&o, &e)| o >= first_event && e <= cut).count() as u64;
        let at_boundary = c.offsets.contains(&cut) || cut == full;
        let err = if at_boundary {
            if cut <= first_event {
                Some((NoEvents, cut))
            } else {
                None
            }
        } else {
            Some((Truncated, c.offsets[complete]))
        };
        expect(bytes, events, err);
    }
}

#[test]
fn event_block_length_larger_than_the_rest() {
    let c = five();
    // The last block claims 4000 bytes.
    let mut b = c.bytes.clone();
    set_u32(&mut b, 268 + 4, 4000);
    expect(&b, 4, Some((Truncated, 268)));
    // The second claims nearly 4 GiB (libscap would try to allocate that much for a large
    // block): refused at its length field, over scaptool's 256 MiB limit.
    let mut b = c.bytes.clone();
    set_u32(&mut b, 88 + 4, 0xFFFF_FFF0);
    expect(&b, 1, Some((OversizedBlock, 92)));
    // Within the limit but past the end: truncated, and never allocated.
    let mut b = c.bytes.clone();
    set_u32(&mut b, 88 + 4, 200 << 20);
    expect(&b, 1, Some((Truncated, 88)));
    let mut r = scap::ScapReader::new(scap::input::from_bytes(b).unwrap());
    while let Ok(Some(_)) = r.next_item() {}
    assert!(r.buffer_capacity() <= 4 << 20, "buffer grew to {}", r.buffer_capacity());
    // A non-large block within the 64 KiB limit but past the end.
    let mut c = Cap::new();
    c.plugin(0);
    let at = c.push(&event_block(block::EV_V2, 0, None, &v2_event(1, 2, 3, false, &[b"abc"])));
    set_u32(&mut c.bytes, at + 4, 65000);
    expect(&c.bytes, 1, Some((Truncated, at)));
}

#[test]
fn metadata_or_unknown_block_running_past_eof() {
    let mut c = Cap::new();
    c.push(&mi_block());
    c.bytes.truncate(28 + 100);
    expect(&c.bytes, 0, Some((Truncated, 28)));
    // An unknown block whose length swallows the events after it.
    let mut c = Cap::new();
    let at = c.push(&raw_block(0x999, b"x"));
    c.plugins(0..5);
    set_u32(&mut c.bytes, at + 4, 1000);
    expect(&c.bytes, 0, Some((Truncated, 28)));
}

// ---- unknown blocks, sections ---------------------------------------------------------------

#[test]
fn unknown_block_before_the_first_event_is_skipped() {
    let mut c = Cap::new();
    let unk = c.push(&raw_block(0x0999, b"thirteen byte"));
    let empty = c.push(&raw_block(0x8888_0001, b""));
    c.plugins(0..5);
    let out = expect(&c.bytes, 5, None);
    assert_eq!(out.items[1], Seen::Unknown { offset: unk, block_type: 0x999, total_len: 28 });
    assert_eq!(out.items[2], Seen::Unknown { offset: empty, block_type: 0x8888_0001, total_len: 12 });
    assert_plugin_events(&out, payload);
}

#[test]
fn unknown_block_trailer_is_checked() {
    let mut c = Cap::new();
    let unk = c.push(&raw_block(0x0999, b"thirteen byte"));
    c.plugins(0..5);
    set_u32(&mut c.bytes, unk + 24, 7);
    expect(&c.bytes, 0, Some((TrailerMismatch, unk + 24)));
}

#[test]
fn unknown_block_after_events_is_unexpected() {
    let mut c = Cap::new();
    c.plugins(0..2);
    let unk = c.push(&raw_block(0x0999, b"late"));
    c.plugins(2..5);
    expect(&c.bytes, 2, Some((UnexpectedBlock, unk)));
    // A metadata block after events is just as unexpected.
    let mut c = Cap::new();
    c.plugins(0..2);
    let mi = c.push(&mi_block());
    c.plugins(2..5);
    expect(&c.bytes, 2, Some((UnexpectedBlock, mi)));
}

#[test]
fn second_section_continues_event_numbers() {
    // Two joined 5-event captures read as 10 events, evt.num 1..10 (§11, §12).
    let mut b = five().bytes;
    b.extend_from_slice(&five().bytes);
    let out = expect(&b, 10, None);
    let sections: Vec<u32> = out.events().iter().map(|e| e.section).collect();
    assert_eq!(sections, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert!(out.items.contains(&Seen::Section { offset: 328, index: 1, options_len: 0, major: 1, minor: 2 }));
    assert_eq!(out.events()[5].offset, 328 + 28);
    // The same with metadata in the second section, and with gzip members / zstd frames joined.
    let mut c = five();
    c.push(&scap::section::to_bytes());
    c.push(&mi_block());
    c.plugins(0..5);
    let out = expect(&c.bytes, 10, None);
    assert!(out.items.contains(&Seen::Metadata { offset: 356, block_type: block::MI }));
    let mut gz = write_capture(5, Compression::Gzip, payload);
    gz.extend(write_capture(5, Compression::Gzip, payload));
    expect(&gz, 10, None);
    let mut zs = write_capture(5, Compression::Zstd, payload);
    zs.extend(write_capture(5, Compression::Zstd, payload));
    expect(&zs, 10, None);
}

#[test]
fn second_section_header_is_validated() {
    let mut b = five().bytes;
    let mut second = five().bytes;
    set_u32(&mut second, 8, 0x1234_5678);
    b.extend_from_slice(&second);
    expect(&b, 5, Some((BadMagic, 328 + 8)));
    let mut b = five().bytes;
    let mut second = five().bytes;
    set_u16(&mut second, 12, 2);
    b.extend_from_slice(&second);
    expect(&b, 5, Some((VersionMismatch, 328 + 12)));
}

// ---- trailers -------------------------------------------------------------------------------

#[test]
fn metadata_trailer_mismatch() {
    let mut c = Cap::new();
    let mi = c.push(&mi_block());
    c.plugins(0..5);
    set_u32(&mut c.bytes, mi + 188, 7);
    expect(&c.bytes, 0, Some((TrailerMismatch, 216)));
}

#[test]
fn event_trailers_are_ignored() {
    let mut c = five();
    for (k, &at) in c.offsets.clone()[1..].iter().enumerate() {
        set_u32(&mut c.bytes, at + 56, k as u32 * 12345);
    }
    let out = expect(&c.bytes, 5, None);
    assert_plugin_events(&out, payload);
}

#[test]
fn shb_trailer_is_ignored() {
    let mut c = five();
    set_u32(&mut c.bytes, 24, 0xDEAD_BEEF);
    expect(&c.bytes, 5, None);
}

// ---- section header -------------------------------------------------------------------------

#[test]
fn shb_with_pcapng_options_is_skipped() {
    // As Wireshark's editcap writes it (curl_google_comments.scap): total length 116.
    let mut body = scap::section::to_bytes()[8..24].to_vec();
    body.extend_from_slice(&[0x01, 0x00, 0x0b, 0x00]);
    body.extend_from_slice(b"comment one\0");
    body.extend_from_slice(&[0x04, 0x00, 0x40, 0x00]);
    body.extend_from_slice(&[b'o'; 64]);
    body.extend_from_slice(&[0, 0, 0, 0]);
    let shb = raw_block(block::SHB, &body);
    assert_eq!(shb.len(), 116);
    let mut c = Cap::empty();
    c.push(&shb);
    c.plugins(0..5);
    let out = expect(&c.bytes, 5, None);
    assert_eq!(out.items[0], Seen::Section { offset: 0, index: 0, options_len: 88, major: 1, minor: 2 });
    assert_eq!(out.events()[0].offset, 116);
}

#[test]
fn shb_shorter_than_28_bytes() {
    let mut c = five();
    set_u32(&mut c.bytes, 4, 20);
    expect(&c.bytes, 0, Some((BadBlockLength, 4)));
}

#[test]
fn wrong_magic() {
    let mut c = five();
    set_u32(&mut c.bytes, 8, 0x1A2B_3C4E);
    expect(&c.bytes, 0, Some((BadMagic, 8)));
}

#[test]
fn byte_swapped_magic_is_big_endian() {
    let mut c = five();
    set_u32(&mut c.bytes, 8, 0x4D3C_2B1A);
    expect(&c.bytes, 0, Some((BigEndian, 8)));
    // A whole big-endian header: the block length is swapped too (0x1C000000), yet the magic
    // is what gets reported.
    let mut b = Vec::new();
    b.extend_from_slice(&block::SHB.to_be_bytes());
    b.extend_from_slice(&28u32.to_be_bytes());
    b.extend_from_slice(&scap::section::MAGIC.to_be_bytes());
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&2u16.to_be_bytes());
    b.extend_from_slice(&[0xff; 8]);
    b.extend_from_slice(&28u32.to_be_bytes());
    expect(&b, 0, Some((BigEndian, 8)));
}

#[test]
fn major_version_2_is_a_version_mismatch() {
    let mut c = five();
    set_u16(&mut c.bytes, 12, 2);
    expect(&c.bytes, 0, Some((VersionMismatch, 12)));
}

#[test]
fn minor_version_99_is_accepted() {
    let mut c = five();
    set_u16(&mut c.bytes, 14, 99);
    let out = expect(&c.bytes, 5, None);
    assert!(matches!(out.items[0], Seen::Section { minor: 99, major: 1, .. }));
    // Older files say 1.0 or 1.1.
    set_u16(&mut c.bytes, 14, 0);
    expect(&c.bytes, 5, None);
}

// ---- block lengths --------------------------------------------------------------------------

#[test]
fn event_block_shorter_than_the_minimum() {
    // Minimum: header 8 + cpuid 2 [+ flags 4] + event header 26 (v2) or 22 (v1) + trailer 4.
    for (block_type, min) in [
        (block::EV_V2, 40u32),
        (block::EV_V2_LARGE, 40),
        (block::EVF_V2, 44),
        (block::EVF_V2_LARGE, 44),
        (block::EV, 36),
        (block::EV_INT, 36),
        (block::EVF, 40),
    ] {
        for len in [min - 4, min - 1, 12, 8, 0] {
            let mut c = Cap::new();
            c.plugins(0..2);
            let at = c.push(&BlockHeader { block_type, total_len: len }.to_bytes());
            c.bytes.extend_from_slice(&[0u8; 64]);
            expect(&c.bytes, 2, Some((BadBlockLength, at + 4)));
        }
    }
}

#[test]
fn metadata_block_shorter_than_12_bytes() {
    for (block_type, len) in [(block::MI, 4u32), (block::MI, 11), (0x999, 8), (block::PL_V9, 0)] {
        let mut c = Cap::new();
        let at = c.push(&BlockHeader { block_type, total_len: len }.to_bytes());
        c.bytes.extend_from_slice(&len.to_le_bytes());
        c.plugins(0..2);
        expect(&c.bytes, 0, Some((BadBlockLength, at + 4)));
    }
}

#[test]
fn non_large_event_block_over_64k_is_oversized() {
    // A plugin event in a non-large block: 8 + 2 + 38 + N + 4 = 65548 for N = 65496.
    let mut c = Cap::new();
    c.plugin(0);
    let mut ev = Vec::new();
    scap::plugin_event::encode(&mut ev, 7, PLUGIN_ID, &vec![b'z'; 65496]);
    let at = c.push(&event_block(block::EV_V2, 0, None, &ev));
    assert_eq!(c.len() - at, 65548);
    c.plugin(1);
    expect(&c.bytes, 1, Some((OversizedBlock, at + 4)));
    // 65544 bytes (65536 after the header) is the largest non-large block libscap reads.
    let mut c = Cap::new();
    let mut ev = Vec::new();
    scap::plugin_event::encode(&mut ev, 7, PLUGIN_ID, &vec![b'z'; 65492]);
    let at = c.push(&event_block(block::EV_V2, 0, None, &ev));
    assert_eq!(c.len() - at, 65544);
    let out = expect(&c.bytes, 1, None);
    assert_eq!(out.events()[0].plugin.as_ref().unwrap().1.len(), 65492);
}

#[test]
fn large_event_block_of_70_kb_is_fine() {
    // Like plugin_big.scap: a 70,000-byte payload gives a 70,052-byte EV_V2_LARGE block.
    fn big(i: u64) -> Vec<u8> {
        if i == 1 {
            (0..70_000u32).map(|k| (k % 251) as u8).collect()
        } else {
            payload(i)
        }
    }
    let b = write_capture(4, Compression::None, big);
    let blocks = walk_blocks(&b);
    assert_eq!((blocks[2].1, blocks[2].2), (block::EV_V2_LARGE, 70_052));
    let out = expect(&b, 4, None);
    assert_plugin_events(&out, big);
    expect(&write_capture(4, Compression::Gzip, big), 4, None);
    expect(&write_capture(4, Compression::Zstd, big), 4, None);
    // The real one, written by sysdig.
    {
        let real = shared("sysdig-plugin/plugin_big.scap");
        let out = expect(&real, 4, None);
        assert_eq!(out.events()[1].plugin.as_ref().unwrap().1.len(), 70_000);
    }
}

// ---- event records --------------------------------------------------------------------------

/// SHB, two good events, then the block `bad` at offset 148.
fn two_then(bad: &[u8]) -> (Vec<u8>, u64) {
    let mut c = Cap::new();
    c.plugins(0..2);
    let at = c.push(bad);
    c.plugins(2..4);
    (c.bytes, at)
}

#[test]
fn event_len_larger_than_its_block() {
    let mut blk = plugin_block(9, payload);
    // Event len at block + 10 (header, cpuid) + 16. The room is 60 - 8 - 2 - 4 = 46 bytes.
    set_u32(&mut blk, 26, 47);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 26)));
    set_u32(&mut blk, 26, 46); // len may use the padding
    let (b, _) = two_then(&blk);
    expect(&b, 5, None);
    set_u32(&mut blk, 26, 0xFFFF_FFFF);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 26)));
    // Shorter than the event header itself.
    set_u32(&mut blk, 26, 25);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 26)));
}

#[test]
fn param_lengths_overrunning_len() {
    // Plugin event: lens (u32) at event + 26 and + 30; payload "hello9" (6 bytes).
    let mut blk = plugin_block(9, payload);
    set_u32(&mut blk, 10 + 30, 7);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 10 + 30)));
    let mut blk = plugin_block(9, payload);
    set_u32(&mut blk, 10 + 26, 0xFFFF_FFFF);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 10 + 26)));
    // u16 lengths of a syscall event: second param too long.
    let mut ev = v2_event(1, 2, 3, false, &[b"abc", b"de"]);
    set_u16(&mut ev, 28, 3);
    let (b, at) = two_then(&event_block(block::EV_V2, 0, None, &ev));
    expect(&b, 2, Some((EventOverrun, at + 10 + 28)));
}

#[test]
fn nparams_that_do_not_fit() {
    let mut blk = plugin_block(9, payload);
    set_u32(&mut blk, 10 + 22, 5); // 5 u32 lengths = 20 bytes > 44 - 26
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 10 + 22)));
    set_u32(&mut blk, 10 + 22, u32::MAX);
    let (b, at) = two_then(&blk);
    expect(&b, 2, Some((EventOverrun, at + 10 + 22)));
    // Fewer params than the schema is fine (the rest of the data is kept but not a param).
    set_u32(&mut blk, 10 + 22, 1);
    let (b, _) = two_then(&blk);
    let out = expect(&b, 5, None);
    assert_eq!(out.events()[2].nparams, 1);
    assert_eq!(out.events()[2].plugin, None);
}

#[test]
fn event_types_at_or_above_ppm_event_max_are_dropped_without_a_number() {
    assert_eq!(PPM_EVENT_MAX, 454);
    for t in [454u16, 500, u16::MAX] {
        let mut c = Cap::new();
        c.plugins(0..2);
        let d1 = c.push(&event_block(block::EV_V2, 0, None, &v2_event(1, 2, t, false, &[b"abc"])));
        c.plugin(2);
        // Dropped before any validation, as libscap does: even a broken event of such a type.
        let mut broken = v2_event(1, 2, t, false, &[b"abc"]);
        set_u32(&mut broken, 22, 1_000_000);
        set_u32(&mut broken, 16, 0xFFFF_FFFF);
        let d2 = c.push(&event_block(block::EV_V2, 0, None, &broken));
        c.plugins(3..5);
        let out = expect(&c.bytes, 5, None);
        assert_eq!(out.dropped(), 2);
        assert!(out.items.contains(&Seen::Dropped { offset: d1, event_type: t }));
        assert!(out.items.contains(&Seen::Dropped { offset: d2, event_type: t }));
        assert_plugin_events(&out, payload);
    }
    // 453 is below the limit: delivered (unknown name, but numbered).
    let mut c = Cap::new();
    c.push(&event_block(block::EV_V2, 0, None, &v2_event(1, 2, 453, false, &[b"abc"])));
    let out = expect(&c.bytes, 1, None);
    assert_eq!(out.events()[0].event_type, 453);
}

#[test]
fn ef_unused_type_323_is_passed_through() {
    let mut c = Cap::new();
    c.plugin(0);
    let at = c.push(&event_block(block::EV_V2, 0, None, &v2_event(9, 10, 323, false, &[b"x", b""])));
    c.plugin(1);
    let out = expect(&c.bytes, 3, None);
    let e = out.events()[1];
    assert_eq!((e.offset, e.event_type, e.evtnum, e.nparams), (at, 323, 2, 2));
    assert_eq!(e.params, vec![b"x".to_vec(), vec![]]);
}

#[test]
fn v1_events_infer_nparams() {
    // EV (0x204), EV_INT (0x8010ABCD) and EVF (0x208) carry the 22-byte header.
    let mut c = Cap::new();
    let params: [&[u8]; 3] = [&7u64.to_le_bytes(), b"/etc/passwd\0", &[]];
    let e1 = v1_event(100, 42, 3, &params);
    let a = c.push(&event_block(block::EV, 1, None, &e1));
    let b = c.push(&event_block(block::EV_INT, 2, None, &v1_event(101, 42, 2, &[b"/x\0", &[1, 0, 0, 0]])));
    let f = c.push(&event_block(block::EVF, 3, Some(1), &v1_event(102, 43, 5, &[b"\x03\0\0\0\0\0\0\0"])));
    let z = c.push(&event_block(block::EV, 0, None, &v1_event(103, 43, 1, &[])));
    let out = expect(&c.bytes, 4, None);
    let ev = out.events();
    assert_eq!((ev[0].offset, ev[0].v1, ev[0].nparams, ev[0].cpuid, ev[0].tid), (a, true, 3, 1, 42));
    assert_eq!(ev[0].len as usize, e1.len() + 4, "presented as a v2 event");
    assert_eq!(ev[0].params, params.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
    assert_eq!((ev[1].offset, ev[1].nparams, ev[1].cpuid, ev[1].block_type), (b, 2, 2, block::EV_INT));
    assert_eq!((ev[2].offset, ev[2].nparams, ev[2].flags, ev[2].block_type), (f, 1, 1, block::EVF));
    assert_eq!((ev[3].offset, ev[3].nparams, ev[3].len), (z, 0, 26));
    // Lengths that no parameter count adds up to.
    let mut bad = v1_event(100, 42, 3, &params);
    set_u16(&mut bad, 22, 9);
    let (b, at) = two_then(&event_block(block::EV, 0, None, &bad));
    expect(&b, 2, Some((EventOverrun, at + 10 + 16)));
}

#[test]
fn v1_events_of_real_captures() {
    for name in ["falco/syscall.scap", "libs/curl_google.scap", "libs/curl_google_comments.scap"] {
        let bytes = shared(name);
        let out = read_items(&bytes);
        assert!(out.error.is_none(), "{name}: {:?}", out.error);
        assert!(out.events().iter().all(|e| e.v1), "{name}");
    }
}

#[test]
fn evf_flags_and_cpuid_are_delivered() {
    let mut c = Cap::new();
    c.push(&event_block(block::EVF_V2, 7, Some(1), &v2_event(1, 2, 3, false, &[b"abc", b"de"])));
    let mut pe = Vec::new();
    scap::plugin_event::encode(&mut pe, 3, PLUGIN_ID, b"flagged");
    c.push(&event_block(block::EVF_V2_LARGE, 0, Some(2), &pe));
    c.push(&event_block(block::EV_V2, 65535, None, &v2_event(1, 2, 3, false, &[b"abc"])));
    let out = expect(&c.bytes, 3, None);
    let ev = out.events();
    assert_eq!((ev[0].cpuid, ev[0].flags, ev[0].nparams), (7, 1, 2));
    assert_eq!(ev[0].params, vec![b"abc".to_vec(), b"de".to_vec()]);
    assert_eq!((ev[1].flags, ev[1].plugin.clone()), (2, Some((PLUGIN_ID, b"flagged".to_vec()))));
    assert_eq!((ev[2].cpuid, ev[2].flags), (65535, 0));
}

#[test]
fn plugin_event_in_a_non_large_block_still_uses_u32_lengths() {
    // Verified with 2022 sysdig: the width follows the event type, not the block type.
    let mut ev = Vec::new();
    scap::plugin_event::encode(&mut ev, TS0, PLUGIN_ID, b"hello0");
    let mut c = Cap::new();
    c.push(&event_block(block::EV_V2, 0, None, &ev));
    c.push(&event_block(block::EVF_V2, 0, Some(1), &ev));
    let out = expect(&c.bytes, 2, None);
    for e in out.events() {
        assert_eq!(e.event_type, PLUGINEVENT_E);
        assert_eq!(e.plugin, Some((PLUGIN_ID, b"hello0".to_vec())));
        assert_eq!(e.params[0], PLUGIN_ID.to_le_bytes());
    }
    // The same event with u16 lengths (which crashes 2022 sysdig) is refused, not misread.
    let bad = v2_event(TS0, u64::MAX, PLUGINEVENT_E, false, &[&PLUGIN_ID.to_le_bytes(), b"hello0"]);
    let (b, _) = two_then(&event_block(block::EV_V2, 0, None, &bad));
    let out = read_items(&b);
    assert_eq!(out.error.map(|e| e.kind), Some(EventOverrun));
}

#[test]
fn bytes_after_the_event_are_ignored() {
    // Wireshark leaves pcapng comment options after the event inside the block.
    let mut body = 0u16.to_le_bytes().to_vec();
    let mut ev = Vec::new();
    scap::plugin_event::encode(&mut ev, TS0, PLUGIN_ID, b"hello0");
    body.extend_from_slice(&ev);
    body.extend_from_slice(&[0, 0, 0x01, 0x00, 0x04, 0x00]);
    body.extend_from_slice(b"note");
    body.extend_from_slice(&[0, 0, 0, 0]);
    let mut c = Cap::new();
    c.push(&raw_block(block::EV_V2_LARGE, &body));
    let out = expect(&c.bytes, 1, None);
    assert_eq!(out.events()[0].plugin, Some((PLUGIN_ID, b"hello0".to_vec())));
}

// ---- compressed input -----------------------------------------------------------------------

fn truncated_stream_at_every_position(compression: Compression) {
    let plain = write_capture(12, Compression::None, varied_payload);
    let packed = write_capture(12, compression, varied_payload);
    let blocks = walk_blocks(&plain);
    // Below 2 (gzip) or 4 (zstd) bytes the magic is not recognisable: those are plain inputs.
    let min = if compression == Compression::Gzip { 2 } else { 4 };
    for cut in min..packed.len() {
        let prefix = decodable_prefix(&packed[..cut], compression);
        assert!(plain.starts_with(&prefix));
        let got = prefix.len() as u64;
        let events = blocks.iter().filter(|b| b.1 != block::SHB && b.0 + b.2 as u64 <= got).count() as u64;
        // The reader stops at the first block it cannot complete; a cut stream is Truncated
        // even when the decoded bytes end at a block boundary.
        let first_incomplete = blocks
            .iter()
            .map(|b| b.0)
            .find(|&o| o + 8 > got || blocks.iter().any(|b2| b2.0 == o && o + b2.2 as u64 > got));
        let at = first_incomplete.unwrap_or(got);
        let out = expect(&packed[..cut], events, Some((Truncated, at)));
        assert_plugin_events(&out, varied_payload);
    }
    let out = expect(&packed, 12, None);
    assert_plugin_events(&out, varied_payload);
}

#[test]
fn truncated_gzip_stream_at_every_position() {
    truncated_stream_at_every_position(Compression::Gzip);
}

#[test]
fn truncated_zstd_stream_at_every_position() {
    truncated_stream_at_every_position(Compression::Zstd);
}

/// A compressed capture of 10 events flushed after the 5th, and the compressed offset of that
/// flush point (where the next compressed block starts).
fn flushed_twice(compression: Compression) -> (Vec<u8>, usize) {
    use scap::writer::{ScapWriter, WriterOptions};
    let sink = SharedSink::default();
    let mut w = ScapWriter::new(Box::new(sink.clone()), compression, &WriterOptions::default()).unwrap();
    for i in 0..5 {
        w.write_plugin_event(TS0 + i * 1000, PLUGIN_ID, &payload(i)).unwrap();
    }
    w.flush().unwrap();
    let flush_point = sink.len();
    for i in 5..10 {
        w.write_plugin_event(TS0 + i * 1000, PLUGIN_ID, &payload(i)).unwrap();
    }
    w.finish().unwrap();
    (sink.snapshot(), flush_point)
}

#[test]
fn corrupt_gzip_stream() {
    let (gz, flush) = flushed_twice(Compression::Gzip);
    // The deflate block after the sync flush gets the reserved block type 3.
    let mut b = gz.clone();
    b[flush] |= 0x06;
    let out = expect(&b, 5, Some((Decompress, 328)));
    assert_plugin_events(&out, payload);
    // A wrong CRC32 in the trailer: all events decode, then the stream is found corrupt.
    let mut b = gz.clone();
    let n = b.len();
    b[n - 8] ^= 0xFF;
    expect(&b, 10, Some((Decompress, 628)));
    // A wrong ISIZE.
    let mut b = gz.clone();
    b[n - 1] ^= 0x01;
    expect(&b, 10, Some((Decompress, 628)));
    // A bad compression method in the header.
    let mut b = gz.clone();
    b[2] = 7;
    expect(&b, 0, Some((Decompress, 0)));
    // Garbage after the gzip member (not another member).
    let mut b = gz.clone();
    b.extend_from_slice(b"garbage!");
    expect(&b, 10, Some((Decompress, 628)));
    // A real sysdig gzip capture, intact.
    {
        let real = shared("sysdig-plugin/plugin3.scap.gz");
        expect(&real, 3, None);
    }
}

#[test]
fn corrupt_zstd_stream() {
    let (zs, flush) = flushed_twice(Compression::Zstd);
    // The block after the flush gets the reserved block type 3.
    let mut b = zs.clone();
    b[flush] |= 0x06;
    let out = expect(&b, 5, Some((Decompress, 328)));
    assert_plugin_events(&out, payload);
    // A broken frame header.
    let mut b = zs.clone();
    b[4] = 0xFF;
    b[5] = 0xFF;
    let out = read_items(&b);
    assert_eq!(out.error.map(|e| (e.kind, e.offset)), Some((Decompress, 0)));
}

// ---- real captures --------------------------------------------------------------------------

#[test]
fn every_shared_capture_reads_to_the_end() {
    let dirs = std::fs::read_dir(shared_dir()).expect("../shared/captures beside the project");
    for dir in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for f in files.flatten() {
            let p = f.path();
            let name = p.display().to_string();
            if !name.contains(".scap") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let out = read_items(&bytes);
            assert!(out.error.is_none(), "{name}: {:?}", out.error);
            assert!(!out.events().is_empty(), "{name}");
        }
    }
}

/// Every single-byte corruption of a compressed capture flushed after its 5th event: what was
/// flushed before the damaged spot is always delivered intact.
fn corrupt_every_byte(compression: Compression) {
    let (packed, flush) = flushed_twice(compression);
    for p in 0..packed.len() {
        for mask in [0xFFu8, 0x01, 0x80] {
            let mut b = packed.clone();
            b[p] ^= mask;
            let out = contract(&b);
            if p >= flush {
                let evs = out.events();
                assert!(evs.len() >= 5, "{compression:?} byte {p} ^ {mask:#x}: {} events, {:?}", evs.len(), out.error);
                for (k, e) in evs.iter().take(5).enumerate() {
                    assert_eq!(e.plugin, Some((PLUGIN_ID, payload(k as u64))));
                }
                if compression == Compression::Gzip && out.error.is_none() {
                    // The CRC32 and ISIZE in the trailer catch whatever inflate let through, so
                    // a clean end means the flip hit bits inflate ignores (the padding after
                    // the final end-of-block code): then every event is intact.
                    assert_eq!(evs.len(), 10, "gzip byte {p} ^ {mask:#x}");
                    assert_plugin_events(&out, payload);
                }
            }
        }
    }
}

#[test]
fn corrupt_gzip_at_every_byte() {
    corrupt_every_byte(Compression::Gzip);
}

#[test]
fn corrupt_zstd_at_every_byte() {
    corrupt_every_byte(Compression::Zstd);
}

#[test]
fn corrupt_zstd_block_after_a_block_larger_than_the_read() {
    // Regression: when a read asked for less than a decoded block, zstd kept the rest of the
    // block, and the next call (which drained it and then met the corrupt block header) lost
    // it: the last event before the fault went missing with small reads.
    let (zs, flush) = flushed_twice(Compression::Zstd);
    let mut b = zs.clone();
    b[flush] |= 0x06;
    for window in [1, 7, 13, 61, 64, 1 << 20] {
        let mut r = scap::ScapReader::with_window(scap::input::from_bytes(b.clone()).unwrap(), window);
        let mut n = 0;
        let err = loop {
            match r.next_event() {
                Ok(Some(e)) => {
                    n += 1;
                    assert_eq!(scap::plugin_event::as_plugin_event(&e.record).unwrap().payload, payload(n - 1));
                }
                Ok(None) => break None,
                Err(e) => break Some((e.kind, e.offset)),
            }
        };
        assert_eq!((n, err), (5, Some((Decompress, 328))), "window {window}");
    }
}

#[test]
fn decompression_bombs_are_bounded() {
    // A few KB of zstd that decode to an SHB, a large event block claiming a length, and 96 MiB
    // of zeros (found by analysing the fuzz harness: 21 KB of zstd decode to 700 MB this way).
    // libscap reallocs the claimed length up front. This reader refuses a claim over 256 MiB
    // before reading anything, and grows with the data that actually arrives below it.
    let bomb = |claim: u32| {
        let mut plain = scap::section::to_bytes().to_vec();
        plain.extend_from_slice(&BlockHeader { block_type: block::EV_V2_LARGE, total_len: claim }.to_bytes());
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 19).unwrap();
        std::io::Write::write_all(&mut enc, &plain).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..96 {
            std::io::Write::write_all(&mut enc, &zeros).unwrap();
        }
        let bytes = enc.finish().unwrap();
        assert!(bytes.len() < 16 * 1024, "{} bytes", bytes.len());
        let mut r = scap::ScapReader::new(scap::input::from_bytes(bytes).unwrap());
        assert!(matches!(r.next_item(), Ok(Some(scap::Item::Section { .. }))));
        let err = r.next_item().unwrap_err();
        (err, r)
    };
    let (err, r) = bomb(0xFFFF_FFF0);
    assert_eq!((err.kind, err.offset), (OversizedBlock, 32), "{err}");
    assert!(r.buffer_capacity() <= 2 << 20, "window {} bytes", r.buffer_capacity());
    let (err, mut r) = bomb(200 << 20);
    assert_eq!((err.kind, err.offset), (Truncated, 28));
    let cap = r.buffer_capacity();
    assert!((96 << 20..=128 << 20).contains(&cap), "window {cap} bytes for 96 MiB of data");
    assert!(matches!(r.next_item(), Ok(None)));
}

/// `../shared/captures` beside the project (CI puts it there); a missing file fails the test.
fn shared_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures")
}

fn shared(rel: &str) -> Vec<u8> {
    let p = shared_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (../shared/captures must be beside the project)", p.display()))
}
