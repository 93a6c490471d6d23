//! Shards: one of N parts of the data, by account, so that N machines (or
//! N Spark tasks) can each replay a part and the parts add up to the
//! whole.
//!
//! A contact's account is the one the data decides (merges and events
//! naming an account included), so a shard always holds whole accounts
//! and every buying group is replayed together. A contact in no account
//! is a group of its own, keyed by its contact id; so is a deal in no
//! account, by its deal id.
//!
//! Which shard a group falls in is stable across machines, releases and
//! languages: the first eight bytes of the SHA-256 of the group's id
//! (UTF-8), read as a big-endian unsigned number, modulo N, plus one.

use sha2::{Digest, Sha256};

/// Shard `k` of `n` (1 ≤ k ≤ n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    k: u32,
    n: u32,
}

/// Why a shard spec is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// Not `K/N` with two whole numbers.
    #[error("`{0}` is not a shard: write K/N, e.g. 1/4 for the first of four")]
    NotAFraction(String),
    /// K is 0 or past N, or N is 0.
    #[error("shard {k}/{n}: K counts from 1 to N, so it must be between 1 and {n}")]
    OutOfRange {
        /// The shard number given.
        k: u64,
        /// The number of shards given.
        n: u64,
    },
}

impl Shard {
    /// Shard `k` of `n`.
    pub fn new(k: u64, n: u64) -> Result<Shard, ShardError> {
        match (u32::try_from(k), u32::try_from(n)) {
            (Ok(k32), Ok(n32)) if k32 >= 1 && k32 <= n32 => Ok(Shard { k: k32, n: n32 }),
            _ => Err(ShardError::OutOfRange { k, n }),
        }
    }

    /// `K/N`, e.g. `2/8`.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError::NotAFraction(text.to_string());
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
        Shard::new(number(k)?, number(n)?)
    }

    /// The shard number, from 1.
    pub fn k(self) -> u32 {
        self.k
    }

    /// How many shards there are.
    pub fn n(self) -> u32 {
        self.n
    }

    /// Whether the group keyed `id` (an account id, or the id of a
    /// contact or deal in no account) is in this shard.
    pub fn holds(self, id: &str) -> bool {
        shard_of(id, self.n) == self.k
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// The shard, from 1 to `n`, that the group keyed `id` falls in (`n` of
/// 0 counts as 1).
pub fn shard_of(id: &str, n: u32) -> u32 {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
    let part = u64::from_be_bytes(first) % u64::from(n.max(1));
    // `part` < n ≤ u32::MAX.
    u32::try_from(part).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented hash, worked out by coreutils' `sha256sum`.
    fn by_sha256sum(id: &str, n: u64) -> u64 {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(id.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let hex = String::from_utf8(out.stdout).unwrap();
        u64::from_str_radix(&hex[..16], 16).unwrap() % n + 1
    }

    #[test]
    fn the_hash_is_the_documented_one() {
        for (id, n) in [("a-00001", 4u32), ("acme.example", 7), ("é", 3), ("", 2)] {
            assert_eq!(
                u64::from(shard_of(id, n)),
                by_sha256sum(id, u64::from(n)),
                "{id}"
            );
        }
    }

    #[test]
    fn specs() {
        assert_eq!(Shard::parse("2/8"), Shard::new(2, 8));
        assert_eq!(Shard::parse(" 1 / 1 ").map(|s| (s.k(), s.n())), Ok((1, 1)));
        assert_eq!(
            Shard::parse("3/2"),
            Err(ShardError::OutOfRange { k: 3, n: 2 })
        );
        assert!(matches!(
            Shard::parse("0/2"),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            Shard::parse("1/0"),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            Shard::parse("half"),
            Err(ShardError::NotAFraction(_))
        ));
        assert!(matches!(
            Shard::parse("-1/2"),
            Err(ShardError::NotAFraction(_))
        ));
    }

    #[test]
    fn every_id_is_in_exactly_one_shard() {
        for n in 1..6u32 {
            for i in 0..200 {
                let id = format!("a-{i}");
                let holding = (1..=n)
                    .filter(|k| Shard::new(u64::from(*k), u64::from(n)).is_ok_and(|s| s.holds(&id)))
                    .count();
                assert_eq!(holding, 1);
            }
        }
    }
}
