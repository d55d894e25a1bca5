//! `--shard I/N`: a stable share of a plan's cases, so that a big suite splits across a CI
//! matrix. A case belongs to shard `fnv1a(name) % N + 1`: the same name always goes to the
//! same shard, on every machine and Rust release, whatever else the plan holds. Cases are
//! independent in this runner (a case that needs a resource makes its own, and cleanup
//! removes what each shard's run made), so assigning case by case keeps a stateful scenario
//! and its resource together.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1-based, as CI matrices count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the case named `name` is in this shard.
    pub fn holds(self, name: &str) -> bool {
        crate::text::fnv1a(name.bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why `I/N` is not a shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a shard: {reason} (expected I/N with 1 <= I <= N, e.g. 2/3)")]
pub struct ShardError {
    text: String,
    reason: &'static str,
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let refuse = |reason| ShardError {
            text: text.to_owned(),
            reason,
        };
        let (index, count) = text.split_once('/').ok_or_else(|| refuse("no `/`"))?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| refuse("not whole numbers"));
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 || index == 0 || index > count {
            return Err(refuse("out of range"));
        }
        Ok(Shard { index, count })
    }
}

impl serde::Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shard, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_read_and_refuse() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "a/b", "3", ""] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains("expected I/N"), "{e}");
        }
    }

    #[test]
    fn every_name_is_in_exactly_one_shard_and_the_shares_are_even() {
        let names: Vec<String> = (0..3000).map(|i| format!("op{}.field{}.edge", i % 37, i)).collect();
        let mut sizes = [0usize; 3];
        for name in &names {
            let holders: Vec<u32> = (1..=3).filter(|&i| Shard { index: i, count: 3 }.holds(name)).collect();
            assert_eq!(holders.len(), 1, "{name}");
            sizes[holders[0] as usize - 1] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 900), "{sizes:?}");
        // Stable: FNV-1a's published test vectors, so a name's shard never moves.
        assert_eq!(crate::text::fnv1a("a".bytes()), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(crate::text::fnv1a("foobar".bytes()), 0x8594_4171_f739_67e8);
        assert_eq!(crate::text::fnv1a("".bytes()), 0xcbf2_9ce4_8422_2325);
        // What the hand-written fold gave before the `fnv` crate: a pattern's seed.
        assert_eq!(
            crate::text::fnv1a("[a-z]+".bytes().chain([0]).chain("createWebhook.url.pattern".bytes())),
            0x5997_e42b_b2a8_3118
        );
    }
}
