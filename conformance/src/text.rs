//! Text helpers every floor of the runner may use: excerpts of long text, the hash that
//! names seeds, snapshot files and shards, and another spelling of a path segment.

/// FNV-1a (64 bits): a hash that no Rust release, crate release or machine changes (std's
/// `DefaultHasher` may), for seeds, file names and shards: `fnv`'s `FnvHasher`, fed the
/// bytes alone (not through `Hash`, which would add a length).
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    for b in bytes {
        hasher.write_u8(b);
    }
    hasher.finish()
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

/// `text` (a path segment as written) with its first ASCII letter or digit as `%XX`: the
/// same segment by RFC 3986's rules (6.2.2.2), another spelling on the wire.
pub fn encode_first_alphanumeric(text: &str) -> String {
    match text.char_indices().find(|(_, c)| c.is_ascii_alphanumeric()) {
        Some((at, c)) => format!("{}%{:02X}{}", &text[..at], c as u32, &text[at + 1..]),
        None => text.to_owned(),
    }
}
