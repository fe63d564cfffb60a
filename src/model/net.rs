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
];

/// Whether a whole network lies in one non-public range.
pub fn is_not_public(net: &Cidr) -> bool {
    let net = net.unmapped();
    NOT_PUBLIC.iter().any(|r| {
        let range = Cidr::parse(r).expect("a valid range");
        range.len <= net.len && range.contains(net.addr)
    })
}

/// Documentation addresses (RFC 5737, RFC 3849): never a real interface of a server.
pub fn is_documentation(addr: IpAddr) -> bool {
    [
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
    ]
    .iter()
    .any(|r| Cidr::parse(r).expect("a valid range").contains(addr))
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

    #[test]
    fn private_ranges() {
        assert!(is_not_public(&Cidr::parse("192.168.1.0/24").unwrap()));
        assert!(is_not_public(&Cidr::parse("172.16.0.0/12").unwrap()));
        assert!(!is_not_public(&Cidr::parse("172.0.0.0/8").unwrap()));
        assert!(!is_not_public(&Cidr::parse("0.0.0.0/0").unwrap()));
        assert!(is_documentation("203.0.113.5".parse().unwrap()));
    }
}
