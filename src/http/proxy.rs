//! The client as seen through trusted reverse proxies: `X-Forwarded-For` and
//! `X-Forwarded-Proto` count only when the TCP peer is in `trusted_proxies`; otherwise anyone
//! could pick the address the login rate limiter, the view counter and the log see.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, web};
use ipnet::IpNet;

use crate::app::AppState;

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    let ip = canonical(ip);
    proxies.iter().any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`, from a dual-stack socket) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` element: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `203.0.113.7:5000`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            s.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
        .map(canonical)
}

/// The client's address: the peer, or when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` (read right to left) that is not itself a trusted proxy. An element that
/// does not parse ends the walk: nothing left of it can be believed.
pub fn resolve_client(peer: IpAddr, headers: &HeaderMap, proxies: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !trusted(peer, proxies) {
        return peer;
    }
    let mut client = peer;
    let values: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .collect();
    for hop in values.iter().rev().flat_map(|v| v.rsplit(',')) {
        match parse_hop(hop) {
            Some(ip) => {
                client = ip;
                if !trusted(ip, proxies) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// Whether a trusted proxy says the client came over HTTPS.
pub fn forwarded_https(peer: IpAddr, headers: &HeaderMap, proxies: &[IpNet]) -> bool {
    trusted(peer, proxies)
        && headers
            .get(X_FORWARDED_PROTO)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

fn proxies(req: &HttpRequest) -> &[IpNet] {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or(&[])
}

/// The client address of a request (see `resolve_client`); `None` only without a TCP peer
/// (never on a real listener).
pub fn client_addr(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(resolve_client(peer, req.headers(), proxies(req)))
}

/// Whether the client reached us over HTTPS: a TLS listener, or a trusted proxy's word.
pub fn is_https(req: &HttpRequest) -> bool {
    req.app_config().secure()
        || req
            .peer_addr()
            .is_some_and(|peer| forwarded_https(peer.ip(), req.headers(), proxies(req)))
}

/// Whether the request came through any proxy (a header a proxy adds is present).
pub fn via_proxy(req: &HttpRequest) -> bool {
    req.headers().contains_key(X_FORWARDED_FOR) || req.headers().contains_key("forwarded")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = crate::config::parse_networks("127.0.0.1/32,10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "198.51.100.4")]);
        // From the proxy: the forwarded client.
        assert_eq!(
            resolve_client(ip("127.0.0.1"), &h, &proxies),
            ip("198.51.100.4")
        );
        // From anyone else: the peer, whatever it claims.
        assert_eq!(
            resolve_client(ip("203.0.113.9"), &h, &proxies),
            ip("203.0.113.9")
        );
        // No header: the proxy itself.
        assert_eq!(
            resolve_client(ip("10.1.1.1"), &HeaderMap::new(), &proxies),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn forwarded_for_is_read_right_to_left_past_trusted_hops() {
        let proxies = crate::config::parse_networks("10.0.0.0/8").unwrap();
        // The client forged the first element; the chain of proxies added the rest.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1, 198.51.100.4"),
            ("x-forwarded-for", "10.0.0.2"),
        ]);
        assert_eq!(
            resolve_client(ip("10.0.0.1"), &h, &proxies),
            ip("198.51.100.4")
        );
        // Ports, brackets and mapped addresses.
        let h = headers(&[("x-forwarded-for", "[2001:db8::7]:443")]);
        assert_eq!(
            resolve_client(ip("10.0.0.1"), &h, &proxies),
            ip("2001:db8::7")
        );
        let h = headers(&[("x-forwarded-for", "198.51.100.4:5000")]);
        assert_eq!(
            resolve_client(ip("::ffff:10.0.0.1"), &h, &proxies),
            ip("198.51.100.4")
        );
        // Garbage stops the walk at the last hop a trusted proxy vouched for.
        let h = headers(&[("x-forwarded-for", "198.51.100.4, not-an-ip")]);
        assert_eq!(resolve_client(ip("10.0.0.1"), &h, &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn forwarded_proto_counts_only_from_trusted_proxies() {
        let proxies = crate::config::parse_networks("127.0.0.1").unwrap();
        let h = headers(&[("x-forwarded-proto", "HTTPS")]);
        assert!(forwarded_https(ip("127.0.0.1"), &h, &proxies));
        assert!(!forwarded_https(ip("192.0.2.1"), &h, &proxies));
        let h = headers(&[("x-forwarded-proto", "http")]);
        assert!(!forwarded_https(ip("127.0.0.1"), &h, &proxies));
    }
}
