//! IP addresses and networks as Postfix writes them in mynetworks, cidr tables and access
//! tables: `192.0.2.0/24`, `[2001:db8::]/32`, `192.0.2.7`, and which ranges are private.

use std::net::IpAddr;

/// A network: an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub len: u8,
}

impl Cidr {
    /// Parses `addr`, `addr/len`, `[v6addr]`, `[v6addr]/len` (brackets as mynetworks writes
    /// IPv6). None when it is no address, the length is out of range, or host bits are set
    /// (Postfix refuses `192.0.2.1/24`).
    pub fn parse(text: &str) -> Option<Cidr> {
        Cidr::parse_any(text)
            .filter(|(_, host_bits)| !host_bits)
            .map(|(c, _)| c)
    }

    /// `addr/len` written with host bits set (`192.168.1.5/24`): the network Postfix asks
    /// for instead (`192.168.1.0/24`, "perhaps you should use ... instead").
    pub fn with_host_bits(text: &str) -> Option<Cidr> {
        Cidr::parse_any(text)
            .filter(|(_, host_bits)| *host_bits)
            .map(|(c, _)| c)
    }

    /// Why smtpd's lookup of a mynetworks pattern fails when a client reaches it, as
    /// match_hostaddr() and cidr_match_parse() decide (the words of smtpd's warning: "bad
    /// network value", "bad mask length", ...). None for a pattern they accept (host bits
    /// aside: [`Cidr::with_host_bits`]) and for one match_hostaddr() passes over without
    /// parsing: no `/` and no `:` (an address or a name), or a character beyond hex digits,
    /// `.`, `:`, `[`, `]` and `/` (`x10.0.0.0/8`, a no-break space), which never matches and
    /// breaks nothing.
    pub fn parse_error(pattern: &str) -> Option<&'static str> {
        const CHARS: &[u8] = b"0123456789.abcdefABCDEF:[]/";
        if !pattern.contains([':', '/']) || !pattern.bytes().all(|b| CHARS.contains(&b)) {
            return None;
        }
        // `[addr]/len` has its mask after the `]`; `[addr/len]` and `addr/len` inside.
        let inside = match pattern.strip_prefix('[') {
            Some(inner) => {
                let Some((inside, after)) = inner.split_once(']') else {
                    return Some("missing ']' character");
                };
                match after.strip_prefix('/') {
                    Some(mask) => return address_and_mask_error(inside, Some(mask)),
                    None if after.is_empty() => inside,
                    None => return Some("garbage after ']'"),
                }
            }
            None => pattern,
        };
        match inside.split_once('/') {
            Some((address, mask)) => address_and_mask_error(address, Some(mask)),
            None => address_and_mask_error(inside, None),
        }
    }

    /// The network a text names, masked, and whether the text set host bits.
    fn parse_any(text: &str) -> Option<(Cidr, bool)> {
        let (addr, len) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let addr = addr
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr);
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            Some(l) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) && l.len() <= 3 => {
                l.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        if len > max {
            return None;
        }
        let cidr = Cidr { addr, len };
        let network = bits(addr) & cidr.mask();
        let masked = match addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(network as u32)),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(network)),
        };
        Some((Cidr { addr: masked, len }, network != bits(addr)))
    }

    fn mask(&self) -> u128 {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        let all: u128 = if max == 32 {
            u32::MAX as u128
        } else {
            u128::MAX
        };
        let host = max - self.len as u32;
        if host >= 128 {
            0
        } else {
            all & !((1u128 << host) - 1)
        }
    }

    /// Whether an address is inside (IPv4-mapped IPv6 addresses count as IPv4, as Postfix
    /// compares them).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = unmap(addr);
        if addr.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        bits(addr) & self.mask() == bits(self.addr)
    }

    /// An IPv4-mapped IPv6 network (`[::ffff:127.0.0.0]/104`) as the IPv4 network it holds.
    pub fn unmapped(&self) -> Cidr {
        match self.addr {
            IpAddr::V6(v6) if self.len >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => Cidr {
                    addr: IpAddr::V4(v4),
                    len: self.len - 96,
                },
                None => *self,
            },
            _ => *self,
        }
    }

    /// `192.0.2.0/24`, `2001:db8::/32`.
    pub fn text(&self) -> String {
        format!("{}/{}", self.addr, self.len)
    }

    /// The number of addresses, as a power of two.
    pub fn host_bits(&self) -> u32 {
        (if self.addr.is_ipv4() { 32 } else { 128 }) - self.len as u32
    }
}

fn unmap(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

/// Ranges that are not public address space: loopback, private (RFC 1918, RFC 4193), link
/// local, shared (RFC 6598), documentation, unspecified.
pub const NOT_PUBLIC: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "2001:db8::/32",
    "3fff::/20",
];

/// Whether a whole network lies in one non-public range, or (IPv6) outside the global
/// unicast space 2000::/3, which IANA has not allocated (IPv4-mapped networks are IPv4's).
pub fn is_not_public(net: &Cidr) -> bool {
    let net = net.unmapped();
    if let IpAddr::V6(v6) = net.addr {
        // The top bits the network fixes, of the three that make 2000::/3.
        let fixed = u32::from(net.len.min(3));
        let top = (u128::from(v6) >> 125) as u8;
        if top >> (3 - fixed) != 0b001 >> (3 - fixed) {
            return true;
        }
    }
    NOT_PUBLIC.iter().any(|r| {
        let range = Cidr::parse(r).expect("a valid range");
        range.len <= net.len && range.contains(net.addr)
    })
}

/// Documentation addresses (RFC 5737, RFC 3849, RFC 9637): never a real interface of a server.
pub fn is_documentation(addr: IpAddr) -> bool {
    [
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
        "3fff::/20",
    ]
    .iter()
    .any(|r| Cidr::parse(r).expect("a valid range").contains(addr))
}

/// Whether an inet_protocols value (`all`, `ipv4`, `ipv4, ipv6`) lets Postfix talk IPv6
/// (`v6`) or IPv4: only clients of such a family reach a mynetworks entry of it.
pub fn family_enabled(inet_protocols: &str, v6: bool) -> bool {
    inet_protocols
        .split([',', ' ', '\t'])
        .map(str::to_ascii_lowercase)
        .any(|p| p == "all" || p == if v6 { "ipv6" } else { "ipv4" })
}

/// cidr_match_parse()'s checks of an address and its mask (what follows the first `/`), in
/// its order; the family is IPv6 when the address has a `:`.
fn address_and_mask_error(address: &str, mask: Option<&str>) -> Option<&'static str> {
    let v6 = address.contains(':');
    let parses = match v6 {
        true => address.parse::<std::net::Ipv6Addr>().is_ok(),
        false => address.parse::<std::net::Ipv4Addr>().is_ok(),
    };
    let Some(mask) = mask else {
        return (!parses).then_some("bad address pattern");
    };
    if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
        return Some("bad mask value");
    }
    let most = if v6 { 128 } else { 32 };
    if mask.parse::<u64>().map_or(true, |m| m > most) {
        return Some("bad mask length");
    }
    (!parses).then_some("bad network value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_postfix_forms() {
        let c = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(c.contains("192.0.2.77".parse().unwrap()));
        assert!(!c.contains("192.0.3.1".parse().unwrap()));
        assert!(Cidr::parse("192.0.2.1/24").is_none(), "host bits set");
        let net = Cidr::with_host_bits("192.168.1.5/24").unwrap();
        assert_eq!(net.text(), "192.168.1.0/24");
        let net = Cidr::with_host_bits("[2001:db8::1]/64").unwrap();
        assert_eq!(net.text(), "2001:db8::/64");
        assert!(Cidr::with_host_bits("192.168.1.0/24").is_none());
        assert!(Cidr::with_host_bits("192.168.1.5").is_none());
        assert!(Cidr::parse("192.0.2.0/33").is_none());
        let v6 = Cidr::parse("[2001:db8::]/32").unwrap();
        assert!(v6.contains("2001:db8::5".parse().unwrap()));
        assert!(!v6.contains("192.0.2.1".parse().unwrap()));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!(all.contains("::ffff:8.8.8.8".parse().unwrap()));
        assert_eq!(Cidr::parse("10.1.2.3").unwrap().len, 32);
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("2a00::1".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/x").is_none());
    }

    /// The patterns smtpd refuses (tests/oracle_mynetworks.rs shows each on real Postfix),
    /// and those match_hostaddr() accepts or passes over without a word.
    #[test]
    fn mynetworks_patterns_smtpd_refuses() {
        for (pattern, error) in [
            ("192.168.1/24", "bad network value"),
            ("192.168.300.0/24", "bad network value"),
            ("192.168.1.0/33", "bad mask length"),
            ("[2001:db8::]/129", "bad mask length"),
            ("10.0.0.0/8/8", "bad mask value"),
            ("10.0.0.0/", "bad mask value"),
            ("[::1/128", "missing ']' character"),
            ("[::1]1", "garbage after ']'"),
            ("[:::1]", "bad address pattern"),
            ("[1.2.3.0/24]/8", "bad network value"),
        ] {
            assert_eq!(Cidr::parse_error(pattern), Some(error), "{pattern}");
        }
        for fine in [
            "192.168.1.0/24",
            "192.168.1.5/24",
            "[2001:db8::]/64",
            "[::1]/128",
            "[::1]",
            "127.0.0.1",
            "mail.example.com",
            "\u{a0}192.168.1.0/24",
            "192.168.1.0/24x",
            "hash:/etc/postfix/network_table",
            "/etc/postfix/mynetworks",
        ] {
            assert_eq!(Cidr::parse_error(fine), None, "{fine}");
        }
    }

    #[test]
    fn address_families_inet_protocols_enables() {
        assert!(family_enabled("all", true) && family_enabled("ALL", false));
        assert!(family_enabled("ipv4", false) && !family_enabled("ipv4", true));
        assert!(family_enabled("ipv4, ipv6", true) && family_enabled("ipv4,\tipv6", false));
        assert!(!family_enabled("ipv6", false) && !family_enabled("", true));
    }

    #[test]
    fn private_ranges() {
        assert!(is_not_public(&Cidr::parse("192.168.1.0/24").unwrap()));
        assert!(is_not_public(&Cidr::parse("172.16.0.0/12").unwrap()));
        assert!(!is_not_public(&Cidr::parse("172.0.0.0/8").unwrap()));
        assert!(!is_not_public(&Cidr::parse("0.0.0.0/0").unwrap()));
        assert!(is_documentation("203.0.113.5".parse().unwrap()));
        // IPv6: outside 2000::/3 is unallocated; 3fff::/20 is documentation (RFC 9637).
        for reserved in [
            "[3fff::]/20",
            "[af49::]/16",
            "[4000::]/2",
            "[c000::]/16",
            "[5f00::]/16",
        ] {
            assert!(is_not_public(&Cidr::parse(reserved).unwrap()), "{reserved}");
        }
        for public in [
            "[2a00::]/16",
            "[::]/0",
            "[::]/2",
            "[2000::]/3",
            "[::ffff:0.0.0.0]/96",
        ] {
            assert!(!is_not_public(&Cidr::parse(public).unwrap()), "{public}");
        }
        assert!(is_documentation("3fff:0:1::5".parse().unwrap()));
    }
}
