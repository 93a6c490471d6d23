//! The event ids of every account replayed so far, to tell whether one
//! id was used under two accounts (which reading the whole file would
//! drop as a repeat, and reading by batches would not).
//!
//! Kept as 64-bit hashes in fixed-size chunks and sorted once at the end:
//! 8 bytes an id. A hash set took 15 (its empty slots and control bytes,
//! and twice that while it grew: 38 MB at 2.5M events, measured with
//! heaptrack), the largest allocation of a batched report after the
//! replay itself. Two ids with the same hash read as a repeat, which only
//! makes the caller read the whole file: never a wrong answer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Hashes per chunk.
const CHUNK: usize = 1 << 16;

#[derive(Debug, Default)]
pub(super) struct SeenIds {
    chunks: Vec<Vec<u64>>,
}

impl SeenIds {
    /// Adds the ids of one account, each once.
    pub(super) fn add_group<'a>(&mut self, ids: impl IntoIterator<Item = &'a String>) {
        for id in ids {
            let hash = id_hash(id);
            match self.chunks.last_mut() {
                Some(chunk) if chunk.len() < CHUNK => chunk.push(hash),
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(hash);
                    self.chunks.push(chunk);
                }
            }
        }
    }

    /// Whether some hash was added twice, that is (each account's ids
    /// being added once each) whether an id is under two accounts.
    pub(super) fn any_twice(mut self) -> bool {
        self.chunks.iter_mut().for_each(|c| c.sort_unstable());
        // A merge of the sorted chunks, smallest first.
        let mut heads: BinaryHeap<Reverse<(u64, usize, usize)>> = self
            .chunks
            .iter()
            .enumerate()
            .filter_map(|(c, chunk)| Some(Reverse((*chunk.first()?, c, 0))))
            .collect();
        let mut last = None;
        while let Some(Reverse((hash, c, i))) = heads.pop() {
            if last == Some(hash) {
                return true;
            }
            last = Some(hash);
            if let Some(&next) = self.chunks.get(c).and_then(|chunk| chunk.get(i + 1)) {
                heads.push(Reverse((next, c, i + 1)));
            }
        }
        false
    }
}

/// A 64-bit hash of an event id, the same in every run.
fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // Fixed keys: whether a run reads the whole file does not depend on
    // a random seed.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_id_under_two_accounts_is_seen_across_chunks() {
        let mut seen = SeenIds::default();
        let many: Vec<String> = (0..CHUNK * 2 + 7).map(|i| format!("e{i}")).collect();
        seen.add_group(&many);
        seen.add_group(&ids(&["x", "y"]));
        let mut twice = SeenIds::default();
        twice.add_group(&many);
        twice.add_group(&ids(&["x", "e5"]));
        assert!(!seen.any_twice());
        assert!(twice.any_twice());
        assert!(!SeenIds::default().any_twice());
    }
}
