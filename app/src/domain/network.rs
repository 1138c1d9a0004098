//! Who is on the other end: the client's address behind trusted proxies, and the key under
//! which an address is counted (throttling, rate limits). Pure functions of the peer address,
//! the `X-Forwarded-For` entries and the configured proxies.

use std::net::IpAddr;

use ipnet::IpNet;

/// Parse a list of proxy networks (`TRUSTED_PROXIES`): CIDRs or single addresses separated
/// by commas or spaces.
pub fn parse_networks(s: &str) -> Result<Vec<IpNet>, String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("\"{p}\" is not an IP network (CIDR such as 10.0.0.0/8)"))
        })
        .collect()
}

/// One `X-Forwarded-For` entry as an address (bare, `[v6]`, or with a port).
fn entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// The client's address. `peer` is the TCP peer; `forwarded` the `X-Forwarded-For` entries in
/// order (leftmost first). Only a trusted peer (in `trusted`, or any peer when `trust_peer`)
/// is believed about who it forwards for; the entries are then walked from the right, past
/// every trusted proxy, and the first address that is not one is the client. A malformed
/// entry ends the walk at the last hop known.
pub fn client_ip(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet], trust_peer: bool) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(&canonical(*ip)));
    if !(trust_peer || is_trusted(&peer)) {
        return peer;
    }
    let mut client = peer;
    for e in forwarded
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        match entry(e) {
            Some(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            None => break,
        }
    }
    canonical(client)
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The key an address is counted under: an IPv4 address itself, an IPv6 address by its /64
/// (one subscriber's network: counting single IPv6 addresses would let one host use millions).
pub fn address_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Whether `ip` is on the public internet (webhooks go nowhere else): see [`super::public_ip`].
pub use super::public_ip::is_public;

#[cfg(test)]
mod tests {
    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!super::is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2a00:1450:4001::1"] {
            assert!(super::is_public(public.parse().expect("ip")), "{public}");
        }
    }

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = parse_networks("10.0.0.0/8").expect("nets");
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["1.2.3.4"], &trusted, false),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_entries_are_walked_past_trusted_proxies() {
        let trusted = parse_networks("10.0.0.0/8, 192.168.1.1").expect("nets");
        // client, spoofed entry the client sent itself, then our two proxies
        let xff = ["6.6.6.6, 198.51.100.7", "192.168.1.1"];
        assert_eq!(
            client_ip(ip("10.1.2.3"), &xff, &trusted, false),
            ip("198.51.100.7")
        );
        // all hops trusted: the leftmost one is as far as we know
        assert_eq!(
            client_ip(ip("10.1.2.3"), &["10.9.9.9"], &trusted, false),
            ip("10.9.9.9")
        );
        // no header: the proxy itself
        assert_eq!(
            client_ip(ip("10.1.2.3"), &[], &trusted, false),
            ip("10.1.2.3")
        );
        // a malformed entry stops at the last known hop
        assert_eq!(
            client_ip(ip("10.1.2.3"), &["garbage, 192.168.1.1"], &trusted, false),
            ip("192.168.1.1")
        );
        // ports and brackets
        assert_eq!(
            client_ip(ip("10.1.2.3"), &["[2001:db8::1]:443"], &trusted, false),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn trusting_the_peer_takes_the_last_entry() {
        assert_eq!(
            client_ip(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7"], &[], true),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        assert_eq!(address_key(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(
            address_key(ip("2001:db8:1:2:ffff::1")),
            address_key(ip("2001:db8:1:2::9"))
        );
        assert_eq!(address_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(address_key(ip("192.0.2.1")), "192.0.2.1");
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("").is_ok_and(|n| n.is_empty()));
    }
}
