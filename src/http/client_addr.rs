//! The client's address, for throttles and the session log. Behind proxies
//! (`TRUST_FORWARDED_FOR`) it is the right-most address of `X-Forwarded-For` that is not one
//! of our own proxies (`TRUSTED_PROXIES`): each proxy appends the address it saw, so the
//! entries left of that one are whatever the client chose to send, and taking the left-most
//! let anyone pick a fresh address per request and escape every per-address limit.

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

use crate::config::TrustedProxies;

/// The client address of a request from `peer` with `headers`: the peer itself, or with
/// `trust_forwarded_for` the right-most untrusted hop of `X-Forwarded-For` (every header of
/// that name, in order). When every hop is trusted, the left-most; an entry that is not an
/// address where the client should be (a proxy misconfigured) gives the peer.
pub fn client_addr(
    trust_forwarded_for: bool,
    proxies: &TrustedProxies,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> String {
    let peer_ip = peer.ip();
    if !trust_forwarded_for {
        return peer_ip.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if proxies.contains(&ip) => continue,
            Ok(ip) => return ip.to_string(),
            Err(_) => return peer_ip.to_string(),
        }
    }
    hops.first()
        .and_then(|h| h.parse::<IpAddr>().ok())
        .unwrap_or(peer_ip)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(xff: &[&str], proxies: &str) -> String {
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        let proxies: TrustedProxies = proxies.parse().unwrap();
        client_addr(true, &proxies, &headers, "10.0.0.1:5000".parse().unwrap())
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        assert_eq!(addr(&["1.1.1.1, 2.2.2.2"], ""), "2.2.2.2");
        assert_eq!(addr(&["6.6.6.6", "2.2.2.2"], ""), "2.2.2.2");
        assert_eq!(
            addr(&["6.6.6.6, 2.2.2.2, 10.1.2.3"], "10.0.0.0/8"),
            "2.2.2.2"
        );
        assert_eq!(addr(&["10.1.2.3, 10.1.2.4"], "10.0.0.0/8"), "10.1.2.3");
        assert_eq!(addr(&["6.6.6.6, garbage"], ""), "10.0.0.1");
        assert_eq!(addr(&[], ""), "10.0.0.1");
        assert_eq!(addr(&["2001:db8::1"], "::1"), "2001:db8::1");
    }

    #[test]
    fn without_trust_the_header_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "2.2.2.2".parse().unwrap());
        let peer = "10.0.0.1:5000".parse().unwrap();
        assert_eq!(
            client_addr(false, &TrustedProxies::default(), &headers, peer),
            "10.0.0.1"
        );
    }

    #[test]
    fn bad_proxy_lists_are_refused() {
        assert!(
            "10.0.0.0/8, 192.168.1.5, ::1"
                .parse::<TrustedProxies>()
                .is_ok()
        );
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
    }
}
