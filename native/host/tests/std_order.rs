//! `StdHashMap` iterates as libstdc++'s `std::unordered_map` does: the same seeded sequence of
//! insertions, erasures and clears is replayed by a C++ program built with g++ here
//! (`tests/peers/std_order.cpp`), and the orders (and bucket counts) must be equal.

use std::path::Path;
use std::process::Command;

use plugin_host::tables::std_order::{hash_bytes, StdHashMap};

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn replay(seed: u64, steps: usize) -> String {
    let mut rng = SplitMix(seed);
    let mut ints: StdHashMap<i64, usize> = StdHashMap::new();
    let mut strs: StdHashMap<String, usize> = StdHashMap::new();
    let mut out = String::new();
    for i in 0..steps {
        let r = rng.next();
        let key = (rng.next() % 3000) as i64 - 100;
        let skey = format!("field_{}", rng.next() % 500);
        match r % 100 {
            0 => {
                ints.clear();
                strs.clear();
            }
            x if x < 30 => {
                ints.remove(&key);
                strs.remove(&skey);
            }
            _ => {
                ints.insert(key, i);
                strs.insert(skey, i);
            }
        }
        if i % 50 == 49 || i == steps - 1 {
            out.push_str(&format!("I {}", ints.bucket_count()));
            for k in ints.keys() {
                out.push_str(&format!(" {k}"));
            }
            out.push_str(&format!("\nS {}", strs.bucket_count()));
            for k in strs.keys() {
                out.push_str(&format!(" {k}"));
            }
            out.push('\n');
        }
    }
    out
}

#[test]
fn iteration_order_is_libstdcxx_order() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/std_order.cpp");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("std_order_peer");
    let status = Command::new("g++")
        .args(["-O1", "-std=c++17", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("g++ is needed to build the std::unordered_map peer");
    assert!(status.success(), "building {}", src.display());
    for (seed, steps) in [(1u64, 3000usize), (7, 500), (42, 6000)] {
        let out = Command::new(&exe).arg(seed.to_string()).arg(steps.to_string()).output().unwrap();
        assert!(out.status.success());
        let theirs = String::from_utf8(out.stdout).unwrap();
        let ours = replay(seed, steps);
        for (n, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(a, b, "seed {seed}, line {n}");
        }
        assert_eq!(ours.lines().count(), theirs.lines().count());
    }
}

#[test]
fn hash_bytes_is_libstdcxx_hash() {
    // std::hash<std::string> of these strings, printed by a g++ build on Debian 12
    let src = "#include <cstdio>\n#include <string>\nint main(){for(auto s:{\"\",\"a\",\"tid\",\"file_descriptors\",\"exactly8\",\"nine chars\"})printf(\"%zu\\n\",std::hash<std::string>{}(s));}";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cpp = dir.join("hash_peer.cpp");
    std::fs::write(&cpp, src).unwrap();
    let exe = dir.join("hash_peer");
    assert!(Command::new("g++").arg("-o").arg(&exe).arg(&cpp).status().unwrap().success());
    let out = String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap();
    let ours: Vec<String> = ["", "a", "tid", "file_descriptors", "exactly8", "nine chars"]
        .iter()
        .map(|s| hash_bytes(s.as_bytes(), 0xc70f_6907).to_string())
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), ours);
}
