//! A fast, fixed hash for the solver's internal maps and caches.
//!
//! The caches are keyed by small integers and short strings and are hit millions of times
//! per solve; the standard library's SipHash, built to resist adversarial keys, dominated
//! small solves. This is the multiply-rotate hash the Rust compiler uses for its own tables.
//! Keys come from one snapshot and never leave the solve, and a fixed hash also keeps any
//! iteration order the same from run to run.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A hash set with [`FxHasher`].
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// The multiply-rotate hash: one rotate, xor and multiply per word.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The zero-padded little-endian word, assembled byte by byte: a copy of a
            // variable length calls memcpy, and string keys end here on every hash.
            let word = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (k, &b)| w | (u64::from(b) << (8 * k)));
            self.add(word);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash_of<T: Hash>(v: &T) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(v)
    }

    /// A tail shorter than a word hashes as the zero-padded little-endian word, so hash
    /// values (and any order they decide) stay what they were with the padded copy.
    #[test]
    fn tails_hash_as_padded_words() {
        let bytes: Vec<u8> = (1..=23).map(|b| b * 11).collect();
        for len in 0..bytes.len() {
            let mut padded = FxHasher::default();
            let mut chunks = bytes[..len].chunks(8);
            for chunk in &mut chunks {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                padded.add(u64::from_le_bytes(word));
            }
            let mut h = FxHasher::default();
            h.write(&bytes[..len]);
            assert_eq!(h.finish(), padded.finish(), "{len} bytes");
        }
    }

    /// Equal keys hash alike; keys differing in one byte or one word do not collide here,
    /// and a map keyed by them finds every one.
    #[test]
    fn distinct_keys_spread_and_maps_find_them() {
        assert_eq!(hash_of(&("zone-a", 3u32)), hash_of(&("zone-a", 3u32)));
        assert_ne!(hash_of(&"zone-a"), hash_of(&"zone-b"));
        assert_ne!(hash_of(&(1usize, 2u32)), hash_of(&(2usize, 1u32)));
        let mut map: FastMap<(usize, String), usize> = FastMap::default();
        for i in 0..1000 {
            map.insert((i % 7, format!("key-{i}")), i);
        }
        for i in 0..1000 {
            assert_eq!(map[&(i % 7, format!("key-{i}"))], i);
        }
    }
}
