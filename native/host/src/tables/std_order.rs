//! A map that iterates in the order GCC 12's `std::unordered_map` does.
//!
//! libsinsp keeps its state in `std::unordered_map`s (threads and file descriptors by id, field
//! definitions and tables by name), and plugins see that order: `iterate_entries`,
//! `list_table_fields`, `list_tables`. To give a plugin the same sequence, this map replays
//! libstdc++'s bookkeeping: one singly linked list of nodes, buckets that point at the node
//! *before* their first one, insertion at the front of a bucket (or of the whole list when the
//! bucket is empty), `_Prime_rehash_policy` growth (max load factor 1.0, 13 buckets at the first
//! insertion, then the prime at or after twice the count) and the relinking a rehash does.
//! Lookups go through an ordinary `HashMap` index; only the order is emulated.
//!
//! Hashes are libstdc++'s: the identity for integers, `_Hash_bytes` (seed `0xc70f6907`) for
//! strings. `tests/std_order.rs` checks the order against a C++ program built with g++.

use std::collections::HashMap;
use std::hash::Hash;

use super::primes::PRIME_LIST;

/// libstdc++'s `std::hash` of a key.
pub trait StdHash {
    fn std_hash(&self) -> u64;
}

impl StdHash for i64 {
    fn std_hash(&self) -> u64 {
        *self as u64
    }
}

impl StdHash for u64 {
    fn std_hash(&self) -> u64 {
        *self
    }
}

impl StdHash for String {
    fn std_hash(&self) -> u64 {
        hash_bytes(self.as_bytes(), 0xc70f_6907)
    }
}

impl StdHash for Vec<u8> {
    fn std_hash(&self) -> u64 {
        hash_bytes(self, 0xc70f_6907)
    }
}

/// libstdc++'s `std::_Hash_bytes` for a 64-bit `size_t` (a MurmurHash2 variant).
pub fn hash_bytes(buf: &[u8], seed: u64) -> u64 {
    const MUL: u64 = (0xc6a4_a793u64 << 32) + 0x5bd1_e995;
    let shift_mix = |v: u64| v ^ (v >> 47);
    let len = buf.len();
    let aligned = len & !7;
    let mut hash = seed ^ (len as u64).wrapping_mul(MUL);
    for chunk in buf[..aligned].chunks_exact(8) {
        let data = shift_mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")).wrapping_mul(MUL)).wrapping_mul(MUL);
        hash ^= data;
        hash = hash.wrapping_mul(MUL);
    }
    if len & 7 != 0 {
        let mut data = 0u64;
        for &b in buf[aligned..].iter().rev() {
            data = (data << 8) + b as u64;
        }
        hash ^= data;
        hash = hash.wrapping_mul(MUL);
    }
    hash = shift_mix(hash).wrapping_mul(MUL);
    shift_mix(hash)
}

const NIL: u32 = u32::MAX;
/// A bucket whose first node is the list's head: its "node before" is `_M_before_begin`.
const BEFORE_BEGIN: u32 = u32::MAX - 1;

struct Node<K, V> {
    key: K,
    value: V,
    hash: u64,
    next: u32,
}

/// `_Prime_rehash_policy` with the default max load factor of 1.0.
#[derive(Clone, Copy)]
struct RehashPolicy {
    next_resize: u64,
}

impl RehashPolicy {
    fn next_bucket_count(&mut self, n: u64) -> u64 {
        const FAST: [u64; 14] = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];
        if (n as usize) < FAST.len() {
            if n == 0 {
                return 1;
            }
            self.next_resize = FAST[n as usize];
            return FAST[n as usize];
        }
        // lower_bound over [prime_list + 6, last_prime), last_prime being the final entry
        let last = PRIME_LIST.len() - 1;
        let range = &PRIME_LIST[6..last];
        let pos = 6 + range.partition_point(|&p| p < n);
        if pos == last {
            self.next_resize = u64::MAX;
        } else {
            self.next_resize = PRIME_LIST[pos];
        }
        PRIME_LIST[pos]
    }

    /// `_M_need_rehash(n_bkt, n_elt, n_ins)`: the new bucket count when one is needed.
    fn need_rehash(&mut self, buckets: u64, elements: u64, inserted: u64) -> Option<u64> {
        if elements + inserted > self.next_resize {
            // next_resize 0: nothing allocated yet, start from 11
            let min_buckets = (elements + inserted).max(if self.next_resize == 0 { 11 } else { 0 });
            if min_buckets >= buckets {
                return Some(self.next_bucket_count((min_buckets + 1).max(buckets * 2)));
            }
            self.next_resize = buckets;
        }
        None
    }
}

/// A key → value map that iterates as libstdc++'s `std::unordered_map` would after the same
/// insertions and erasures.
pub struct StdHashMap<K, V> {
    nodes: Vec<Option<Node<K, V>>>,
    free: Vec<u32>,
    head: u32,
    /// Per bucket: the node before its first node (`BEFORE_BEGIN` for the head), or `NIL`.
    buckets: Vec<u32>,
    policy: RehashPolicy,
    index: HashMap<K, u32>,
}

impl<K: StdHash + Hash + Eq + Clone, V> Default for StdHashMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: StdHash + Hash + Eq + Clone, V> StdHashMap<K, V> {
    pub fn new() -> Self {
        StdHashMap {
            nodes: Vec::new(),
            free: Vec::new(),
            head: NIL,
            buckets: vec![NIL],
            policy: RehashPolicy { next_resize: 0 },
            index: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The number of buckets (`bucket_count()`).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.index.get(key).map(|&i| &self.node(i).value)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let i = *self.index.get(key)?;
        Some(&mut self.nodes[i as usize].as_mut().expect("indexed nodes exist").value)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.index.contains_key(key)
    }

    fn node(&self, i: u32) -> &Node<K, V> {
        self.nodes[i as usize].as_ref().expect("linked nodes exist")
    }

    fn node_mut(&mut self, i: u32) -> &mut Node<K, V> {
        self.nodes[i as usize].as_mut().expect("linked nodes exist")
    }

    fn bucket_of(&self, hash: u64) -> usize {
        (hash % self.buckets.len() as u64) as usize
    }

    fn next_of(&self, before: u32) -> u32 {
        if before == BEFORE_BEGIN {
            self.head
        } else {
            self.node(before).next
        }
    }

    fn set_next(&mut self, before: u32, to: u32) {
        if before == BEFORE_BEGIN {
            self.head = to;
        } else {
            self.node_mut(before).next = to;
        }
    }

    /// `map[key] = value` / `insert_or_assign`: a new key is linked as libstdc++ links it; an
    /// existing key keeps its place. Returns the previous value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(&i) = self.index.get(&key) {
            return Some(std::mem::replace(&mut self.node_mut(i).value, value));
        }
        let hash = key.std_hash();
        if let Some(n) = self.policy.need_rehash(self.buckets.len() as u64, self.index.len() as u64, 1) {
            self.rehash(n as usize);
        }
        let node = Node { key: key.clone(), value, hash, next: NIL };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = Some(node);
                i
            }
            None => {
                self.nodes.push(Some(node));
                (self.nodes.len() - 1) as u32
            }
        };
        let bkt = self.bucket_of(hash);
        let before = self.buckets[bkt];
        if before != NIL {
            let after = self.next_of(before);
            self.node_mut(i).next = after;
            self.set_next(before, i);
        } else {
            let old_head = self.head;
            self.node_mut(i).next = old_head;
            self.head = i;
            if old_head != NIL {
                let b = self.bucket_of(self.node(old_head).hash);
                self.buckets[b] = i;
            }
            self.buckets[bkt] = BEFORE_BEGIN;
        }
        self.index.insert(key, i);
        None
    }

    fn rehash(&mut self, count: usize) {
        let mut fresh = vec![NIL; count];
        let mut p = self.head;
        self.head = NIL;
        let mut bbegin_bkt = 0usize;
        while p != NIL {
            let next = self.node(p).next;
            let bkt = (self.node(p).hash % count as u64) as usize;
            if fresh[bkt] == NIL {
                self.node_mut(p).next = self.head;
                self.head = p;
                fresh[bkt] = BEFORE_BEGIN;
                if self.node(p).next != NIL {
                    fresh[bbegin_bkt] = p;
                }
                bbegin_bkt = bkt;
            } else {
                let before = fresh[bkt];
                let after = self.next_of(before);
                self.node_mut(p).next = after;
                self.set_next(before, p);
            }
            p = next;
        }
        self.buckets = fresh;
    }

    /// `erase(key)`: unlinks the node as libstdc++ does. Returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.index.remove(key)?;
        let hash = self.node(i).hash;
        let bkt = self.bucket_of(hash);
        // the node before `i`, walking from the bucket's "before" node
        let mut prev = self.buckets[bkt];
        while self.next_of(prev) != i {
            prev = self.next_of(prev);
        }
        let next = self.node(i).next;
        let next_bkt = (next != NIL).then(|| self.bucket_of(self.node(next).hash));
        if prev == self.buckets[bkt] {
            // `i` opened its bucket
            if next_bkt != Some(bkt) {
                if let Some(nb) = next_bkt {
                    self.buckets[nb] = self.buckets[bkt];
                }
                self.buckets[bkt] = NIL;
            }
        } else if let Some(nb) = next_bkt {
            if nb != bkt {
                self.buckets[nb] = prev;
            }
        }
        self.set_next(prev, next);
        let node = self.nodes[i as usize].take().expect("linked nodes exist");
        self.free.push(i);
        Some(node.value)
    }

    /// `clear()`: every node goes; the bucket count and the resize threshold stay.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.index.clear();
        self.head = NIL;
        self.buckets.iter_mut().for_each(|b| *b = NIL);
    }

    /// Entries in libstdc++'s iteration order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { map: self, at: self.head }
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }
}

pub struct Iter<'a, K, V> {
    map: &'a StdHashMap<K, V>,
    at: u32,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at == NIL {
            return None;
        }
        let n = self.map.nodes[self.at as usize].as_ref().expect("linked nodes exist");
        self.at = n.next;
        Some((&n.key, &n.value))
    }
}
