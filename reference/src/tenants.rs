//! API keys and the tenants (workspaces) they belong to: one key, one tenant.

use std::collections::HashMap;

use codegen_runtime::server::Credential;

pub struct Tenants {
    by_key: HashMap<String, String>,
}

impl Tenants {
    pub fn new(keys: &[String]) -> Tenants {
        Tenants {
            by_key: keys.iter().map(|k| (k.clone(), tenant_id(k))).collect(),
        }
    }

    /// The tenant of the first credential that is a known key.
    pub fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
        credentials.iter().find_map(|c| self.by_key.get(&c.value).cloned())
    }
}

/// A stable id per key (FNV-1a), so a `--db` file keeps its owners across restarts.
fn tenant_id(key: &str) -> String {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(key.as_bytes());
    let hash = hasher.finish();
    format!("ws_{hash:016x}")
}

/// Keys from `REFERENCE_API_KEYS` (comma-separated), if any.
pub fn keys_from_env() -> Option<Vec<String>> {
    let raw = std::env::var("REFERENCE_API_KEYS").ok()?;
    let keys: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    (!keys.is_empty()).then_some(keys)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_keeps_its_tenant_id() {
        // What the hand-written FNV-1a gave before the `fnv` crate: a `--db` file made then
        // keeps its owners.
        assert_eq!(super::tenant_id("sk_test_alice"), "ws_8e6845ee4a038647");
        assert_eq!(super::tenant_id(""), "ws_cbf29ce484222325");
    }
}
