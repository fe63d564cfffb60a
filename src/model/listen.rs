//! Where services listen: the addresses of inet_interfaces and of master.cf listeners
//! (`192.0.2.5:smtp inet ...`), and whether a service can be reached from the network or only
//! from this host.

use super::master::Service;
use super::Model;

/// Who can connect to a service.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Only this host: a loopback address, or a unix-domain socket.
    Local,
    /// Other hosts too.
    Network,
    /// postlint cannot know (a template or unknown value in inet_interfaces).
    Unknown,
}

/// True for an inet_interfaces item or listener host that is this host only.
pub fn is_loopback(item: &str) -> bool {
    let item = item.trim_matches(['[', ']']);
    item.eq_ignore_ascii_case("loopback-only")
        || item.eq_ignore_ascii_case("localhost")
        || item
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The items of inet_interfaces after expansion (`all` when empty); None when unknown.
pub fn interfaces(model: &Model) -> Option<Vec<String>> {
    let value = model.params.expand("inet_interfaces");
    if value.has_unknown() {
        return None;
    }
    let items: Vec<String> = value
        .text
        .split([',', ' ', '\t', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some(if items.is_empty() {
        vec!["all".to_string()]
    } else {
        items
    })
}

/// Whether the host's inet services (those without an address of their own) reach beyond it.
pub fn interfaces_reach(model: &Model) -> Reach {
    match interfaces(model) {
        None => Reach::Unknown,
        Some(items) if items.iter().all(|i| is_loopback(i)) => Reach::Local,
        Some(_) => Reach::Network,
    }
}

/// The host part of an inet service name (`127.0.0.1` of `127.0.0.1:10025`), if it has one.
pub fn listener_host(service: &Service) -> Option<&str> {
    if service.kind != "inet" {
        return None;
    }
    service.name.rsplit_once(':').map(|(host, _)| host)
}

/// The port part of an inet service name: `smtps`, `465` of `127.0.0.1:465`.
pub fn port_of(service: &Service) -> &str {
    match service.name.rsplit_once(':') {
        Some((_, port)) => port,
        None => &service.name,
    }
}

/// The port number of a service port as the master daemon resolves it: digits, or the names
/// /etc/services gives the mail ports (Debian's netbase); None for any other name, which only
/// the host's own /etc/services can resolve.
pub fn port_number(port: &str) -> Option<u16> {
    match port {
        "smtp" | "mail" => Some(25),
        "submission" => Some(587),
        "submissions" | "smtps" | "ssmtp" | "urd" => Some(465),
        _ if port.bytes().all(|b| b.is_ascii_digit()) => port.parse().ok(),
        _ => None,
    }
}

/// The endpoint an inet service name stands for, as the master daemon names it to tell
/// services apart (master_ent.c): `[address]:port` with a host, the port alone without one,
/// numeric where postlint can make it so (`submission` and `587`, `127.0.0.1:smtp` and
/// `[127.0.0.1]:25`, are one service). A host name or a port name postlint cannot resolve
/// stays as written.
pub fn endpoint(name: &str) -> String {
    let (host, port) = match name.rsplit_once(':') {
        // `[::1]:25`, `127.0.0.1:25`; a bare IPv6 address has colons but no port.
        Some((host, port)) if !host.contains(':') || host.starts_with('[') => (Some(host), port),
        _ => (None, name),
    };
    let port = port_number(port).map_or_else(|| port.to_string(), |n| n.to_string());
    match host.filter(|h| !h.is_empty()) {
        None => port,
        Some(host) => {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let host = match bare.parse::<std::net::IpAddr>() {
                Ok(address) => address.to_string(),
                Err(_) => bare.to_ascii_lowercase(),
            };
            format!("[{host}]:{port}")
        }
    }
}

/// Whether an inet service listens on port 25 (`smtp`, `25`, with or without a host).
pub fn is_port_25(service: &Service) -> bool {
    service.kind == "inet" && matches!(port_of(service), "smtp" | "25")
}

/// Whether the smtpd of `service` takes the clients of port 25: the inet service on it, a
/// `pass` service that postscreen on port 25 hands its clients to, or (None) Postfix's own
/// `smtp inet` when master.cf is not known.
pub fn takes_port_25(model: &Model, service: Option<&Service>) -> bool {
    match service {
        None => true,
        Some(s) if is_port_25(s) => true,
        Some(s) => {
            s.kind == "pass"
                && postscreen_on_25(model)
                    .iter()
                    .any(|(_, pass)| pass.as_deref() == Some(s.name.as_str()))
        }
    }
}

/// The postscreen listeners on port 25 with the `pass` service each hands its clients to (its
/// smtpd_service_name, None when postlint cannot know it).
pub fn postscreen_on_25(model: &Model) -> Vec<(&Service, Option<String>)> {
    model
        .master
        .services
        .iter()
        .filter(|s| is_port_25(s) && super::values::program_of(&s.command) == "postscreen")
        .map(|s| {
            let pass = super::restrictions::service_value(model, Some(s), "smtpd_service_name");
            (s, pass)
        })
        .collect()
}

/// Who can connect to a service (None: the default smtpd of a setup without master.cf).
/// A `pass` service gets its connections from postscreen's inet listener.
pub fn reach(model: &Model, service: Option<&Service>) -> Reach {
    let Some(service) = service else {
        return interfaces_reach(model);
    };
    match service.kind.as_str() {
        "inet" => match listener_host(service) {
            Some(host) if is_loopback(host) => Reach::Local,
            Some(_) => Reach::Network,
            None => interfaces_reach(model),
        },
        "pass" => interfaces_reach(model),
        _ => Reach::Local,
    }
}

/// Every address the host listens on that main.cf or master.cf names: inet_interfaces items
/// and the host parts of master.cf listeners.
pub fn addresses(model: &Model) -> Vec<String> {
    let mut out = interfaces(model).unwrap_or_default();
    out.extend(
        model
            .master
            .services
            .iter()
            .filter_map(listener_host)
            .map(str::to_string),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_named_as_the_master_daemon_names_them() {
        assert_eq!(endpoint("submission"), endpoint("587"));
        assert_eq!(endpoint("smtp"), "25");
        assert_eq!(endpoint("smtps"), endpoint("submissions"));
        assert_eq!(endpoint("127.0.0.1:smtp"), "[127.0.0.1]:25");
        assert_eq!(endpoint("[127.0.0.1]:0025"), "[127.0.0.1]:25");
        assert_eq!(
            endpoint("[::1]:587"),
            endpoint("[0:0:0:0:0:0:0:1]:submission")
        );
        assert_eq!(endpoint("Mail.Example.com:25"), "[mail.example.com]:25");
        // Ports postlint cannot resolve stay as written; other hosts are other endpoints.
        assert_eq!(endpoint("imaps"), "imaps");
        assert_ne!(endpoint("127.0.0.1:25"), endpoint("25"));
        assert_ne!(endpoint("127.0.0.1:25"), endpoint("127.0.0.2:25"));
        assert_eq!(port_number("0"), Some(0));
        assert_eq!(port_number("70000"), None);
    }
}
