//! Text helpers every floor of the runner may use: excerpts of long text, and the hash
//! that names seeds, snapshot files and shards.

/// FNV-1a (64 bits): a hash that no Rust release, crate release or machine changes (std's
/// `DefaultHasher` may), for seeds, file names and shards.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An answer's text as failure messages show it: at most 300 characters.
pub fn excerpt(text: &str) -> String {
    match clipped(text, 300, 300) {
        Some(start) => format!("{start}… ({} bytes)", text.len()),
        None => text.to_owned(),
    }
}

/// The first `keep` characters of `text` when it has more than `limit`; `None` when it fits.
pub fn clipped(text: &str, limit: usize, keep: usize) -> Option<&str> {
    if text.chars().count() <= limit {
        return None;
    }
    let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    Some(&text[..end])
}
