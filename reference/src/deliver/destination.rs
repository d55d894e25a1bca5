//! Where a delivery may go: `http` and `https` only, and by default never to an address of
//! the server's own networks (loopback, private, link-local, unspecified, and their IPv6
//! kin), judged after DNS resolution, and again by the client's resolver when it connects,
//! so that a name cannot resolve to a public address for the check and a private one after.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;

/// Why an address is not a public destination, or `None` when it is one.
pub fn private_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_kind(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else {
                None
            }
        }
    }
}

fn v4_kind(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
        // RFC 1918, and RFC 6598's shared address space (carrier-grade NAT).
        Some("private")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if v4.is_broadcast() {
        Some("broadcast")
    } else {
        None
    }
}

/// Where a URL leads: its addresses, and whether any of them is private (kind and address).
pub struct Resolved {
    pub private: Option<(IpAddr, &'static str)>,
}

/// Checks the scheme and resolves the host; `Err` is the sentence a failed attempt records.
pub async fn resolve(url: &Url) -> Result<Resolved, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "destination refused: only http and https URLs are delivered to, not {}",
            url.scheme()
        ));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("DNS lookup of {name} failed: {e}"))?
            .map(|a| a.ip())
            .collect(),
        None => return Err("destination refused: the URL has no host".into()),
    };
    if addresses.is_empty() {
        return Err("DNS lookup found no address".into());
    }
    Ok(Resolved {
        private: addresses
            .iter()
            .find_map(|ip| private_kind(*ip).map(|kind| (*ip, kind))),
    })
}

/// A resolver for the client that delivers to public destinations only: it drops every
/// private address, so a name that changed its answer since [`resolve`] still cannot lead in.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| private_kind(a.ip()).is_none())
                .collect();
            if found.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    format!("destination refused: {} has no public address", name.as_str()).into();
                return Err(refused);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

pub fn public_only() -> Arc<PublicOnly> {
    Arc::new(PublicOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_named_and_public_ones_pass() {
        let kind = |s: &str| private_kind(s.parse().unwrap());
        assert_eq!(kind("127.0.0.1"), Some("loopback"));
        assert_eq!(kind("10.1.2.3"), Some("private"));
        assert_eq!(kind("172.16.0.1"), Some("private"));
        assert_eq!(kind("192.168.1.1"), Some("private"));
        assert_eq!(kind("169.254.169.254"), Some("link-local"));
        assert_eq!(kind("0.0.0.0"), Some("unspecified"));
        assert_eq!(kind("::1"), Some("loopback"));
        assert_eq!(kind("::"), Some("unspecified"));
        assert_eq!(kind("fe80::1"), Some("link-local"));
        assert_eq!(kind("fd00::1"), Some("private (unique local)"));
        assert_eq!(kind("::ffff:127.0.0.1"), Some("loopback"));
        assert_eq!(kind("93.184.215.14"), None);
        assert_eq!(kind("2606:2800:21f:cb07:6820:80da:af6b:8b2c"), None);
    }
}
