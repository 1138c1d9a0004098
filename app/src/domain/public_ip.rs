//! Which addresses a webhook may be sent to: the public internet only. A subscriber chooses
//! the URL, so without this rule the server would call into its own network for them
//! (cloud metadata, admin ports, the database). Every block of the IANA special-purpose
//! registries is refused, and so is an IPv6 address that carries an IPv4 address inside it
//! (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo): the network may route such an address
//! to the IPv4 address it holds, so `64:ff9b::7f00:1` can reach `127.0.0.1`. Pure functions.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 block: first address, prefix length, and what it is (for docs and tests).
pub struct V4Block(pub [u8; 4], pub u8, pub &'static str);

/// Every IPv4 block refused (IANA IPv4 special-purpose registry, plus multicast and the
/// reserved 240/4). Some of these are reachable on the internet (AS112, AMT, anycast relays),
/// but none is a place a webhook receiver lives.
pub const REFUSED_V4: &[V4Block] = &[
    V4Block([0, 0, 0, 0], 8, "\"this network\" (RFC 791)"),
    V4Block([10, 0, 0, 0], 8, "private (RFC 1918)"),
    V4Block(
        [100, 64, 0, 0],
        10,
        "shared address space, CGNAT (RFC 6598)",
    ),
    V4Block([127, 0, 0, 0], 8, "loopback (RFC 1122)"),
    V4Block(
        [169, 254, 0, 0],
        16,
        "link-local, cloud metadata (RFC 3927)",
    ),
    V4Block([172, 16, 0, 0], 12, "private (RFC 1918)"),
    V4Block(
        [192, 0, 0, 0],
        24,
        "IETF protocol assignments, DS-Lite, NAT64 discovery (RFC 6890)",
    ),
    V4Block([192, 0, 2, 0], 24, "documentation TEST-NET-1 (RFC 5737)"),
    V4Block([192, 31, 196, 0], 24, "AS112-v4 (RFC 7535)"),
    V4Block([192, 52, 193, 0], 24, "AMT (RFC 7450)"),
    V4Block(
        [192, 88, 99, 0],
        24,
        "deprecated 6to4 relay anycast (RFC 7526)",
    ),
    V4Block([192, 168, 0, 0], 16, "private (RFC 1918)"),
    V4Block([192, 175, 48, 0], 24, "direct delegation AS112 (RFC 7534)"),
    V4Block([198, 18, 0, 0], 15, "benchmarking (RFC 2544)"),
    V4Block([198, 51, 100, 0], 24, "documentation TEST-NET-2 (RFC 5737)"),
    V4Block([203, 0, 113, 0], 24, "documentation TEST-NET-3 (RFC 5737)"),
    V4Block([224, 0, 0, 0], 4, "multicast (RFC 5771)"),
    V4Block(
        [240, 0, 0, 0],
        4,
        "reserved, and the broadcast address (RFC 1112, RFC 919)",
    ),
];

/// An IPv6 block: first address (segments), prefix length, what it is.
pub struct V6Block(pub [u16; 8], pub u8, pub &'static str);

/// IPv6 blocks refused whatever they hold. Only global unicast (`2000::/3`) is called at all;
/// these are the special blocks inside it, and the translation forms that are deprecated or
/// local (their embedded IPv4 address cannot be trusted to be what is reached).
pub const REFUSED_V6: &[V6Block] = &[
    V6Block(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "local-use NAT64 (RFC 8215)",
    ),
    V6Block(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF protocol assignments, incl. Teredo 2001::/32, benchmarking, ORCHID (RFC 2928)",
    ),
    V6Block(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "documentation (RFC 3849)",
    ),
    V6Block(
        [0x2002, 0, 0, 0, 0, 0, 0, 0],
        16,
        "6to4, holds an IPv4 address (RFC 3056, deprecated by RFC 7526)",
    ),
    V6Block(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "direct delegation AS112 (RFC 7534)",
    ),
    V6Block(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "documentation (RFC 9637)",
    ),
];

/// Where IPv6 addresses may be at all: global unicast. Outside it lie `::/128`, `::1`,
/// IPv4-compatible `::/96`, IPv4-mapped (checked by its IPv4 address first), discard-only
/// `100::/64`, SRv6 `5f00::/16`, unique-local `fc00::/7`, link-local `fe80::/10`, site-local
/// `fec0::/10` and multicast `ff00::/8`.
const GLOBAL_UNICAST: V6Block = V6Block([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, "global unicast");

/// The well-known NAT64 prefix `64:ff9b::/96` (RFC 6052): the last 32 bits are an IPv4
/// address that a NAT64 gateway reaches, so the address is as public as that one.
const NAT64: V6Block = V6Block([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "NAT64 (RFC 6052)");

fn in_v4(ip: Ipv4Addr, b: &V4Block) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(b.1)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(b.0)) & mask
}

fn in_v6(ip: Ipv6Addr, b: &V6Block) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(b.1)).unwrap_or(0);
    let [a, b0, c, d, e, f, g, h] = b.0;
    u128::from(ip) & mask == u128::from(Ipv6Addr::new(a, b0, c, d, e, f, g, h)) & mask
}

/// The IPv4 address in the last 32 bits of `ip`.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    Ipv4Addr::from((u128::from(ip) & 0xffff_ffff) as u32)
}

fn public_v4(ip: Ipv4Addr) -> bool {
    !REFUSED_V4.iter().any(|b| in_v4(ip, b))
}

/// Whether `ip` is an address on the public internet that a webhook may be sent to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                // the socket connects to the IPv4 address itself
                return public_v4(v4);
            }
            if in_v6(v6, &NAT64) {
                return public_v4(low_v4(v6));
            }
            in_v6(v6, &GLOBAL_UNICAST) && !REFUSED_V6.iter().any(|b| in_v6(v6, b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn every_refused_ipv4_block_is_refused_at_both_ends() {
        for b in REFUSED_V4 {
            let first = u32::from(Ipv4Addr::from(b.0));
            let last = first | (u32::MAX >> b.1);
            for a in [first, last] {
                let a = Ipv4Addr::from(a);
                assert!(!is_public(IpAddr::V4(a)), "{a} ({})", b.2);
                assert!(
                    !is_public(IpAddr::V6(a.to_ipv6_mapped())),
                    "mapped {a} ({})",
                    b.2
                );
            }
        }
    }

    #[test]
    fn ipv4_ranges_one_by_one() {
        for refused in [
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.0.170",
            "192.0.2.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.168.1.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip(refused)), "{refused}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.254",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn ipv6_ranges_one_by_one() {
        for refused in [
            "::",
            "::1",
            // IPv4-compatible, deprecated: whatever it holds
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0:8.8.8.8",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::169.254.169.254",
            "64:ff9b:1::8.8.8.8",
            "64:ff9b:1:ffff::1",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:20::1",
            "2001:1ff:ffff::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:808:808::1",
            "2620:4f:8000::1",
            "3fff::1",
            "3fff:fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
        ] {
            assert!(!is_public(ip(refused)), "{refused}");
        }
        for public in [
            "2a00:1450:4001::1",
            "2606:4700:4700::1111",
            "2001:200::1",
            "2001:4860:4860::8888",
            "2620:4f:8001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    /// An IPv4 address in a private, loopback, link-local, CGNAT or "this network" block.
    fn internal_v4() -> impl Strategy<Value = Ipv4Addr> {
        let blocks: Vec<([u8; 4], u8)> = vec![
            ([0, 0, 0, 0], 8),
            ([10, 0, 0, 0], 8),
            ([100, 64, 0, 0], 10),
            ([127, 0, 0, 0], 8),
            ([169, 254, 0, 0], 16),
            ([172, 16, 0, 0], 12),
            ([192, 168, 0, 0], 16),
        ];
        (prop::sample::select(blocks), any::<u32>()).prop_map(|((base, len), host)| {
            Ipv4Addr::from(u32::from(Ipv4Addr::from(base)) | (host >> len))
        })
    }

    /// `v4` inside an IPv6 address in one of the forms that carry an IPv4 address, with
    /// `rest` filling the bits that form leaves free.
    fn embed(form: u8, v4: Ipv4Addr, rest: u128) -> Ipv6Addr {
        let v4 = u128::from(u32::from(v4));
        let prefix = |segs: [u16; 8], len: u32| {
            let [a, b, c, d, e, f, g, h] = segs;
            let mask = u128::MAX << (128 - len);
            u128::from(Ipv6Addr::new(a, b, c, d, e, f, g, h)) & mask
        };
        Ipv6Addr::from(match form {
            // IPv4-mapped ::ffff:a.b.c.d
            0 => 0xffff_0000_0000 | v4,
            // IPv4-compatible ::a.b.c.d
            1 => v4,
            // NAT64 64:ff9b::a.b.c.d
            2 => prefix([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) | v4,
            // local-use NAT64 64:ff9b:1::/48, the address anywhere after the prefix
            3 => prefix([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48) | (rest >> 48 & !0xffff_ffff) | v4,
            // 6to4 2002:aabb:ccdd::/48
            4 => prefix([0x2002, 0, 0, 0, 0, 0, 0, 0], 16) | (v4 << 80) | (rest >> 48),
            // Teredo: the server's IPv4 in bits 32..64, the client's inverted in the last 32
            5 => {
                prefix([0x2001, 0, 0, 0, 0, 0, 0, 0], 32)
                    | (v4 << 64)
                    | (rest & 0xffff_ffff_0000_0000)
                    | (!v4 & 0xffff_ffff)
            }
            // Teredo with the address as the client's
            _ => {
                prefix([0x2001, 0, 0, 0, 0, 0, 0, 0], 32)
                    | (rest >> 32 & 0xffff_ffff_ffff_ffff_0000_0000)
                    | (!v4 & 0xffff_ffff)
            }
        })
    }

    proptest! {
        #[test]
        fn an_internal_ipv4_address_is_refused_in_every_ipv6_form(
            v4 in internal_v4(),
            form in 0u8..7,
            rest in any::<u128>(),
        ) {
            prop_assert!(!is_public(IpAddr::V4(v4)), "{}", v4);
            let v6 = embed(form, v4, rest);
            prop_assert!(!is_public(IpAddr::V6(v6)), "form {} of {}: {}", form, v4, v6);
        }

        #[test]
        fn every_refused_ipv4_block_holds_for_any_host(
            i in 0..REFUSED_V4.len(),
            host in any::<u32>(),
        ) {
            let b = &REFUSED_V4[i];
            let a = Ipv4Addr::from(u32::from(Ipv4Addr::from(b.0)) | (host >> b.1));
            prop_assert!(!is_public(IpAddr::V4(a)), "{} ({})", a, b.2);
            prop_assert!(!is_public(IpAddr::V6(a.to_ipv6_mapped())), "{}", a);
        }

        #[test]
        fn every_refused_ipv6_block_holds_for_any_host(
            i in 0..REFUSED_V6.len(),
            host in any::<u128>(),
        ) {
            let b = &REFUSED_V6[i];
            let [s0, s1, s2, s3, s4, s5, s6, s7] = b.0;
            let base = u128::from(Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7));
            let a = Ipv6Addr::from(base | (host >> b.1));
            prop_assert!(!is_public(IpAddr::V6(a)), "{} ({})", a, b.2);
        }
    }
}
