//! The client's address: the TCP peer's, or the one a trusted proxy reports.
//!
//! Behind a reverse proxy every request comes from the proxy's address, so anything keyed by
//! address (the sign-in throttle) would lump all clients together. The proxy reports the
//! address it saw in `X-Forwarded-For`, appending it to whatever the client sent; the client can
//! write anything there, so the header is read only when the peer is one of the operator's
//! `web.trusted_proxies`, and then from the right: each trusted hop vouches for the address to
//! its left, and the first address that is not a trusted proxy is the client. A spoofed header
//! from anyone else is ignored.
//!
//! This is the rule, over plain values; reading the peer and the header lines off a request is
//! the front ends' (the web's `ClientAddr` extractor).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use serde::Deserialize;

/// The header proxies append the address they saw to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// An IP address range: `192.0.2.0/24`, `2001:db8::/32`, or one address (`10.0.0.1`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Whether the address is in the range (an IPv4-mapped IPv6 address as the IPv4 it is).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("'{s}' is not an IP address or a CIDR range (like 10.0.0.0/8)");
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
        };
        Ok(Self { network, prefix })
    }
}

/// `web.trusted_proxies`: the peers whose `X-Forwarded-For` is believed. Empty by default:
/// then every client is its TCP peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    pub fn new(ranges: Vec<IpRange>) -> Self {
        Self(ranges)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }
}

impl TryFrom<Vec<String>> for TrustedProxies {
    type Error = String;

    fn try_from(entries: Vec<String>) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| e.parse())
            .collect::<Result<_, _>>()
            .map(Self)
            .map_err(|e| format!("web.trusted_proxies: {e}"))
    }
}

/// One entry of `X-Forwarded-For`: an address, optionally bracketed (IPv6) or with a port, as
/// some proxies write them. Anything else (`unknown`, obfuscated names, garbage) is `None`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = IpAddr::from_str(entry) {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = SocketAddr::from_str(entry) {
        return Some(socket.ip().to_canonical());
    }
    entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .and_then(|e| IpAddr::from_str(e).ok())
        .map(|ip| ip.to_canonical())
}

/// The client's address for a request from `peer` with these `X-Forwarded-For` lines (every
/// header line, in order; a line that is not text as `None`).
///
/// From an untrusted peer, the peer. From a trusted one, the hops are walked from the right:
/// the first one that is not a trusted proxy is the client. An entry that is no address stops
/// the walk at the last hop vouched for, since what lies left of it came from someone no trusted
/// proxy speaks for; when every hop is trusted, the leftmost one is the client.
pub fn client_addr<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = Option<&'a str>>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.trusts(peer) {
        return peer;
    }
    let lines: Vec<&str> = forwarded_for
        .into_iter()
        .map(|line| line.unwrap_or("\u{0}"))
        .collect();
    let mut client = peer;
    for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
        let Some(hop) = parse_hop(entry) else {
            return client;
        };
        client = hop;
        if !trusted.trusts(hop) {
            return hop;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::try_from(list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .expect("valid ranges")
    }

    fn forwarded<'a>(lines: &[&'a str]) -> Vec<Option<&'a str>> {
        lines.iter().map(|l| Some(*l)).collect()
    }

    #[test]
    fn ranges_parse_single_addresses_and_cidr_blocks_of_both_families() {
        let r: IpRange = "10.0.0.0/8".parse().expect("range");
        assert!(r.contains(ip("10.200.1.1")));
        assert!(!r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        let one: IpRange = "192.0.2.7".parse().expect("range");
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        let v6: IpRange = "2001:db8::/32".parse().expect("range");
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: IpRange = "0.0.0.0/0".parse().expect("range");
        assert!(all.contains(ip("203.0.113.5")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "proxy.example",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad:?}");
        }
        let err = TrustedProxies::try_from(vec!["10.0.0.0/8".to_owned(), "nope".to_owned()])
            .expect_err("a bad entry");
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let headers = forwarded(&["198.51.100.1"]);
        let peer = ip("203.0.113.9");
        assert_eq!(
            client_addr(peer, headers.clone(), &TrustedProxies::default()),
            peer
        );
        assert_eq!(
            client_addr(peer, headers.clone(), &proxies(&["10.0.0.0/8"])),
            peer
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        let peer = ip("127.0.0.1");
        // The client wrote a fake address; the proxy appended the real one.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9"]);
        assert_eq!(
            client_addr(peer, headers.clone(), &trusted),
            ip("203.0.113.9")
        );
        // A chain of trusted proxies, over two header lines.
        let headers = forwarded(&["6.6.6.6, 198.51.100.4", "10.1.1.1, 10.2.2.2"]);
        assert_eq!(
            client_addr(peer, headers.clone(), &trusted),
            ip("198.51.100.4")
        );
        // Ports and brackets as some proxies write them.
        let headers = forwarded(&["[2001:db8::7]:4711"]);
        assert_eq!(
            client_addr(peer, headers.clone(), &trusted),
            ip("2001:db8::7")
        );
        let headers = forwarded(&["198.51.100.4:80"]);
        assert_eq!(
            client_addr(peer, headers.clone(), &trusted),
            ip("198.51.100.4")
        );
        // No header: the proxy itself.
        assert_eq!(client_addr(peer, [], &trusted), peer);
        // Every hop trusted: the leftmost.
        let headers = forwarded(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(client_addr(peer, headers.clone(), &trusted), ip("10.9.9.9"));
    }

    #[test]
    fn garbage_in_the_header_stops_at_the_last_hop_vouched_for() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        let peer = ip("127.0.0.1");
        for garbage in [
            "unknown",
            "",
            "not an address",
            "999.1.1.1",
            "_hidden",
            "1.2.3.4 5",
        ] {
            let headers = forwarded(&[garbage]);
            assert_eq!(
                client_addr(peer, headers.clone(), &trusted),
                peer,
                "{garbage:?}"
            );
        }
        // Garbage left of a real client is never reached.
        let headers = forwarded(&["garbage, 203.0.113.9"]);
        assert_eq!(
            client_addr(peer, headers.clone(), &trusted),
            ip("203.0.113.9")
        );
        // Garbage behind a trusted hop: that hop, not whatever lies further left.
        let headers = forwarded(&["203.0.113.9, nonsense, 10.1.1.1"]);
        assert_eq!(client_addr(peer, headers.clone(), &trusted), ip("10.1.1.1"));
        // A header value that is not text at all.
        assert_eq!(client_addr(peer, [None], &trusted), peer);
    }
}
