//! mynetworks (or a service's `-o mynetworks`) that trusts public address space: every address,
//! a public range wider than a /24 (IPv4) or a /48 (IPv6), a typo for a private range
//! (172.0.0.0/8 for 172.16.0.0/12), an example network of Postfix's documentation
//! (168.100.189.0/28) left in, or mynetworks_style subnet/class in force on a host that
//! listens beyond loopback; and (a warning) a Docker bridge gateway in the mynetworks of a
//! container whose port 25 a compose file publishes, where docker-proxy hands outside clients
//! in from the gateway. A client in mynetworks relays through `permit_mynetworks`.

use super::Rule;
use crate::diagnostic::{Findings, Severity};
use crate::model::net::{is_not_public, Cidr};
use crate::model::relay::Outcome;
use crate::model::restrictions::{smtpd_processes, Smtpd};
use crate::model::Model;
use crate::source::Span;

pub const RULE: Rule = Rule {
    id: "mynetworks-too-broad",
    severity: Severity::Error,
    summary: "mynetworks trusts public address space (0.0.0.0/0, a wide public range, a typo for a private range, the example network of Postfix's documentation, mynetworks_style subnet or class, a Docker bridge gateway of a published container)",
    doc: include_str!("../../rules/mynetworks-too-broad.md"),
    undecided: super::always_decides,
    check,
};

/// Private ranges, for "did you mean".
const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
    "fe80::/10",
];

fn check(model: &Model, out: &mut Findings) {
    // Where no mail leaves the server (`default_transport = error`, a test sink), smtpd refuses
    // every recipient in another domain at RCPT, mynetworks or not: nobody relays.
    if crate::model::values::nothing_leaves(model) {
        return;
    }
    let mut reported: Vec<Span> = Vec::new();
    let mut style_reported = false;
    for smtpd in smtpd_processes(model) {
        let stopping = smtpd
            .definition(model, "smtpd_relay_restrictions")
            .is_none()
            && stops_for_the_relay_check(model, &smtpd);
        if !stopping && !uses_mynetworks(model, &smtpd) {
            continue;
        }
        let label = smtpd.label();
        match smtpd.definition(model, "mynetworks") {
            Some(_) => {
                // One item that trusts the world does, whatever the unknown ones are.
                let Some(words) = crate::model::mynetworks::known_words(model, &smtpd) else {
                    continue;
                };
                // Public ranges that are only wide (no private range inside, not the whole
                // space), by file: one finding for a list of them (a provider's sending ranges
                // pasted in), the others each their own.
                let mut wide: Vec<(Span, String, String, String)> = Vec::new();
                for word in words {
                    let text = word.text.trim_start_matches('!');
                    if word.text.starts_with('!') {
                        continue;
                    }
                    // `fd00::/8` without brackets is a table to Postfix (unsupported-map-type
                    // reports it), no network.
                    if crate::parse::list::is_table_pattern(text) {
                        continue;
                    }
                    let Some(net) = Cidr::parse(text) else {
                        continue;
                    };
                    let Some(span) = word.span else { continue };
                    if reported.contains(&span) {
                        continue;
                    }
                    if let Some(TooBroad {
                        message,
                        help,
                        wide_public,
                    }) = too_broad(&net, text)
                    {
                        reported.push(span);
                        // Today smtpd stops on these lists; the fix relay-check-missing gives
                        // opens the relay.
                        let (message, help) = match stopping {
                            true => (
                                message.replace(
                                    ": an open relay",
                                    ": an open relay once smtpd starts (today it stops: \
                                     relay-check-missing)",
                                ),
                                format!(
                                    "{help} smtpd stops on this main.cf today for want of a \
                                     relay check, and the fix relay-check-missing gives (a \
                                     compatibility_level, or smtpd_relay_restrictions with \
                                     permit_mynetworks) makes these clients relay."
                                ),
                            ),
                            false => (message, help),
                        };
                        if wide_public {
                            wide.push((span, text.to_string(), message, help));
                            continue;
                        }
                        // smtpd's restrictions may refuse a client from there that has not
                        // logged in before relaying is asked (`smtpd_client_restrictions =
                        // permit_sasl_authenticated, reject`): too broad still, no open relay.
                        // No open relay where the relay model shows smtpd refusing a client
                        // from there that has not logged in (where it cannot tell, mynetworks
                        // is what decides, as the rule has always said).
                        let bare = message.trim_end_matches(": an open relay");
                        let refused = bare != message
                            && matches!(
                                outsider_in(model, &smtpd, &net),
                                Some(Outcome::Reject | Outcome::Defer)
                            );
                        let message = match refused {
                            true => format!(
                                "{bare}; {label} refuses a client from there that has not \
                                 logged in, so it relays for nobody yet, but each \
                                 permit_mynetworks trusts them all"
                            ),
                            false => message.clone(),
                        };
                        let finding = out.report(span, message);
                        if refused {
                            finding.severity = Severity::Warning;
                        }
                        finding.subject(format!("mynetworks {text}"));
                        finding.label(format!("read by {label} through permit_mynetworks"));
                        finding.help(help);
                        continue;
                    }
                    // Unless the restrictions refuse the gateway's relaying for certain (as for
                    // the rule's other cases, permit_mynetworks in a list is enough when the
                    // model cannot tell: a value a script sets, a table it cannot read).
                    let gateway = docker_gateway(&net, &model.published_smtp)
                        .filter(|_| crate::model::listen::takes_port_25(model, smtpd.service))
                        .filter(|gateway| {
                            !matches!(
                                crate::model::relay::client_gets(
                                    model,
                                    &smtpd,
                                    &gateway.to_string(),
                                    None
                                ),
                                crate::model::relay::Outcome::Reject
                                    | crate::model::relay::Outcome::Defer
                            )
                        });
                    if let (Some(gateway), Some(published)) =
                        (gateway, model.published_smtp.first())
                    {
                        reported.push(span);
                        let finding = docker_bridge(out, span, (text, gateway), &label, published);
                        if stopping {
                            finding.message.push_str(
                                " once smtpd starts (today it stops: relay-check-missing)",
                            );
                        }
                    }
                }
                report_wide(&wide, &label, out);
            }
            None if !style_reported => {
                let Some(style) = smtpd.value(model, "mynetworks_style") else {
                    continue;
                };
                let style = style.to_ascii_lowercase();
                if style != "subnet" && style != "class" {
                    continue;
                }
                // Which networks the style trusts depends on the host's interfaces: postconf
                // computes them on the live system; elsewhere only the class of an address
                // inet_interfaces names is known.
                let trusted: Vec<Cidr> = if model.is_live() {
                    computed_mynetworks(model, &style)
                } else if style == "class" {
                    interface_classes(model)
                } else {
                    Vec::new()
                };
                let broad: Vec<(Cidr, String)> = trusted
                    .iter()
                    .filter_map(|net| too_broad(net, &net.text()).map(|b| (*net, b.message)))
                    .collect();
                let Some((net, _)) = broad.first() else {
                    continue;
                };
                style_reported = true;
                let written = smtpd.definition(model, "mynetworks_style");
                let span = super::setting_span(model, written.map(|d| d.value_span));
                let why = match written {
                    Some(_) => format!("mynetworks_style = {style}"),
                    None => "mynetworks_style = subnet (the default below compatibility level 2)"
                        .to_string(),
                };
                let finding = out.report(
                    span,
                    format!(
                        "mynetworks is not set, so {why} trusts {} on this host: public address space that may relay",
                        net.text()
                    ),
                );
                finding.subject("mynetworks_style".to_string());
                finding.label(format!("read by {label} through permit_mynetworks"));
                finding.help(
                    "Set mynetworks to the networks that may relay without logging in, usually \
                     `mynetworks = 127.0.0.0/8 [::1]/128` (or `mynetworks_style = host`), and \
                     let everyone else authenticate. compatibility_level = 2 or later makes \
                     `host` the default.",
                );
            }
            None => {}
        }
    }
}

/// What smtpd answers a client in `net` that has not logged in and asks to relay: asked of one
/// address of the network (a documentation address where the network holds one, else its
/// second address), the way the relay model asks for open relays.
fn outsider_in(model: &Model, smtpd: &Smtpd, net: &Cidr) -> Option<Outcome> {
    use std::net::IpAddr;
    let candidates: [IpAddr; 2] = [
        IpAddr::from([198, 51, 100, 20]),
        "2001:db8::20".parse().expect("an IPv6 address"),
    ];
    let sample = candidates
        .into_iter()
        .find(|a| net.contains(*a))
        .or_else(|| match net.addr {
            IpAddr::V4(a) if net.host_bits() > 0 => {
                Some(IpAddr::V4(std::net::Ipv4Addr::from(u32::from(a) + 1)))
            }
            IpAddr::V6(a) if net.host_bits() > 0 => {
                Some(IpAddr::V6(std::net::Ipv6Addr::from(u128::from(a) + 1)))
            }
            _ => None,
        });
    Some(crate::model::relay::client_gets(
        model,
        smtpd,
        &sample?.to_string(),
        None,
    ))
}

/// The wide public ranges of one mynetworks value: each its own finding, or, for three or more
/// in one file (a provider's sending ranges pasted in), one finding over them all that names
/// them.
fn report_wide(wide: &[(Span, String, String, String)], label: &str, out: &mut Findings) {
    let mut files: Vec<crate::source::FileId> = wide.iter().map(|w| w.0.file).collect();
    // Words of one value may come from several files, in any order.
    files.sort_unstable();
    files.dedup();
    for file in files {
        let here: Vec<&(Span, String, String, String)> =
            wide.iter().filter(|w| w.0.file == file).collect();
        if here.len() < 3 {
            for (span, text, message, help) in here {
                let finding = out.report(*span, message.clone());
                finding.subject(format!("mynetworks {text}"));
                finding.label(format!("read by {label} through permit_mynetworks"));
                finding.help(help.clone());
            }
            continue;
        }
        let (Some(start), Some(end)) = (
            here.iter().map(|w| w.0.start).min(),
            here.iter().map(|w| w.0.end).max(),
        ) else {
            continue;
        };
        let span = Span { file, start, end };
        let texts: Vec<&str> = here.iter().map(|w| w.1.as_str()).collect();
        let shown = match texts.len() {
            n if n <= 4 => texts.join(", "),
            n => format!("{} and {} more", texts[..3].join(", "), n - 3),
        };
        let finding = out.report(
            span,
            format!(
                "mynetworks trusts {} public ranges wider than a /24 or a /48 ({shown})",
                texts.len()
            ),
        );
        finding.subject(format!("mynetworks {}", texts.join(" ")));
        finding.label(format!("read by {label} through permit_mynetworks"));
        finding.help(
            "Every client in mynetworks relays through permit_mynetworks. Ranges this wide are \
             rarely all yours (a provider's whole sending ranges let every customer of that \
             provider relay through this server): list the hosts and networks that really send \
             through this server, and make the others authenticate.",
        );
    }
}

/// A public network Postfix's documentation writes in its mynetworks examples: copied with
/// the sample, it trusts someone else's hosts.
struct DocExample {
    /// The network; any network inside it is the example (the docs write /28s and single
    /// hosts of it).
    net: &'static str,
    /// Whether only the network itself is the example, not the networks inside it.
    exact: bool,
    what: &'static str,
    source: &'static str,
}

impl DocExample {
    fn holds(&self, net: &Cidr) -> bool {
        let example = Cidr::parse(self.net).expect("valid");
        match self.exact {
            true => *net == example,
            false => net.len >= example.len && example.contains(net.addr),
        }
    }
}

const DOC_EXAMPLES: &[DocExample] = &[
    DocExample {
        net: "168.100.189.0/24",
        exact: false,
        what: "the example network of Postfix's documentation (porcupine.org, the network of Postfix's author)",
        source: "postconf(5), BASIC_CONFIGURATION_README and INSTALL write `mynetworks = 168.100.189.0/28, 127.0.0.0/8` as an example:",
    },
    DocExample {
        net: "168.100.3.0/24",
        exact: false,
        what: "the example network of Postfix's sample main.cf",
        source: "Postfix's sample main.cf writes `#mynetworks = 168.100.3.0/28, 127.0.0.0/8` as an example:",
    },
    DocExample {
        net: "2001:240:587::/48",
        exact: false,
        what: "the example IPv6 network of Postfix's documentation (porcupine.org, the network of Postfix's author)",
        source: "postconf(5) and IPV6_README write `[2001:240:587::]/64` in their mynetworks examples:",
    },
    DocExample {
        net: "12.34.56.0/24",
        exact: true,
        what: "the example network of Postfix's STANDARD_CONFIGURATION_README",
        source: "STANDARD_CONFIGURATION_README writes `mynetworks = 127.0.0.0/8 12.34.56.0/24` as an example:",
    },
];

/// Why a network in mynetworks is too broad, and what to do.
struct TooBroad {
    message: String,
    help: String,
    /// A public range that is only wide (no private range inside it, not the whole space):
    /// several of them in one file are one finding (`report_wide`).
    wide_public: bool,
}

/// Why a network in mynetworks is too broad, and what to do, if it is.
fn too_broad(net: &Cidr, written: &str) -> Option<TooBroad> {
    let v4 = net.unmapped();
    if v4.len == 0 {
        return Some(TooBroad {
            message: format!(
                "mynetworks trusts every {} address ({written}): an open relay",
                if v4.addr.is_ipv4() { "IPv4" } else { "IPv6" }
            ),
            help: "Every client in mynetworks relays through permit_mynetworks. List only the \
                   networks you run (`127.0.0.0/8 [::1]/128` and your own LAN), and make \
                   everyone else authenticate (permit_sasl_authenticated)."
                .to_string(),
            wide_public: false,
        });
    }
    if let Some(example) = DOC_EXAMPLES.iter().find(|e| e.holds(&v4)) {
        return Some(TooBroad {
            message: format!(
                "mynetworks trusts {written}, {}: its hosts relay through this server",
                example.what
            ),
            help: format!(
                "{} {written} is there to show the syntax, not a network of yours: every \
                 client in it relays through permit_mynetworks. Write the networks that really \
                 send through this server (often only `127.0.0.0/8 [::1]/128`), and make the \
                 others authenticate.",
                example.source
            ),
            wide_public: false,
        });
    }
    if is_not_public(&v4) {
        return None;
    }
    let wide = if v4.addr.is_ipv4() {
        v4.len < 24
    } else {
        v4.len < 48
    };
    if !wide {
        return None;
    }
    // A private range inside it: likely the one meant.
    let meant = PRIVATE
        .iter()
        .map(|p| Cidr::parse(p).expect("valid"))
        .find(|p| p.addr.is_ipv4() == v4.addr.is_ipv4() && v4.len < p.len && v4.contains(p.addr));
    let size = if v4.addr.is_ipv4() {
        format!("{} addresses", 1u64 << v4.host_bits())
    } else {
        format!("a /{} of public IPv6 space", v4.len)
    };
    match meant {
        Some(p) => Some(TooBroad {
            message: format!(
                "mynetworks trusts {written}, {size} of mostly public space: did you mean the private range {}?",
                p.text()
            ),
            help: format!(
                "{written} holds the private range {} and much public address space besides; every \
                 client in it relays through permit_mynetworks.",
                p.text()
            ),
            wide_public: false,
        }),
        None => Some(TooBroad {
            message: format!("mynetworks trusts the public range {written} ({size}), wider than a /{}", if v4.addr.is_ipv4() { 24 } else { 48 }),
            help: "Every client in mynetworks relays through permit_mynetworks. A range this wide is \
                   rarely all yours: list the hosts and networks that really send through this \
                   server, and make the others authenticate."
                .to_string(),
            wide_public: true,
        }),
    }
}

/// Whether a service's restriction lists (or its classes) use permit_mynetworks.
/// Whether a network holds the gateway of a Docker bridge network: one the publishing compose
/// file declares (`ipam` `subnet:` or `gateway:`), or one of the default address pools
/// (172.17.0.1 for docker0, 172.18.0.1 and on for compose networks). Clients that docker-proxy
/// relays into the container come from there.
fn docker_gateway(
    net: &Cidr,
    published: &[crate::compose::Published],
) -> Option<std::net::Ipv4Addr> {
    published
        .iter()
        .flat_map(|p| p.gateways.iter().copied())
        .chain(
            (17..32)
                .chain([16])
                .map(|b| std::net::Ipv4Addr::new(172, b, 0, 1)),
        )
        .find(|&gateway| net.contains(std::net::IpAddr::V4(gateway)))
}

/// mynetworks trusts a Docker bridge network, and a compose file publishes port 25 of the
/// container: clients that docker-proxy relays in arrive from the bridge's gateway.
fn docker_bridge<'o>(
    out: &'o mut Findings,
    span: Span,
    (text, gateway): (&str, std::net::Ipv4Addr),
    label: &str,
    published: &crate::compose::Published,
) -> &'o mut crate::diagnostic::Finding {
    // The gateway of the network the compose file declares, or where Docker puts them: which
    // network the service joins decides which (172.17.0.1 is docker0's, compose networks
    // take 172.18.0.1 and on).
    let holds = match published.gateways.contains(&gateway) {
        true => format!("the gateway {gateway} of the container's network"),
        false if gateway == std::net::Ipv4Addr::new(172, 17, 0, 1) => format!(
            "the gateways of Docker's bridge networks ({gateway} for docker0, 172.18.0.1 and on \
             for compose networks)"
        ),
        false => format!("the gateways of Docker's bridge networks ({gateway} among them)"),
    };
    let finding = out.report(
        span,
        format!(
            "mynetworks trusts {text}, which holds {holds}, and {} publishes this container's port 25 (`{}`): a client that docker-proxy relays in arrives from the gateway, and may relay mail anywhere",
            published.file, published.mapping
        ),
    );
    finding.severity = Severity::Warning;
    finding.subject(format!("mynetworks {text} docker"));
    finding.label(format!(
        "read by {label} through permit_mynetworks; port 25 published by service `{}`",
        published.service
    ));
    finding.help(
        "A published port is served by Docker's NAT rules, which keep the client's address, \
         or by its userland proxy (docker-proxy), which connects to the container from the \
         network's gateway (172.17.0.1, 172.18.0.1, ...): for IPv6 clients when the container \
         has no IPv6 address, and wherever the NAT rules are off. Postfix then sees an \
         outside client as one in mynetworks, and permit_mynetworks lets it relay. \
         docker-mailserver warns of the same for its PERMIT_DOCKER=network setting (its \
         issue 1405 was an open relay so made). Trust only the containers that send through \
         this one, each by its fixed address (`ipv4_address` in the compose file, as a /32, \
         never the gateway), or let them authenticate, and keep `mynetworks = 127.0.0.0/8 \
         [::1]/128`.",
    );
    finding
}

/// The restriction lists whose permit lets a client relay.
const RELAY_LISTS: [&str; 2] = ["smtpd_relay_restrictions", "smtpd_recipient_restrictions"];

fn uses_mynetworks(model: &Model, smtpd: &Smtpd) -> bool {
    let mentions = |words: &[crate::model::restrictions::Word]| {
        words
            .iter()
            .any(|w| w.text.eq_ignore_ascii_case("permit_mynetworks"))
    };
    // Only the lists that decide relaying: a permit in smtpd_client_restrictions (or the
    // helo, sender, data lists) ends that list, and the relay check still comes at RCPT.
    RELAY_LISTS.iter().any(|p| {
        // An unknown list may use it.
        smtpd.list(model, p).is_none_or(|w| mentions(&w))
    }) || smtpd
        .classes
        .values()
        .any(|c| c.as_ref().is_none_or(|w| mentions(w)))
}

/// Whether neither relay list has a working relay check, so that smtpd stops when it starts
/// (relay-check-missing's case). With smtpd_relay_restrictions unwritten (empty at level 0;
/// `permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination` at every other
/// level and in Postfix 2.10 to 3.2), the fix that finding gives, a level or that list,
/// trusts mynetworks: the rule reads mynetworks there as if a list used it.
fn stops_for_the_relay_check(model: &Model, smtpd: &Smtpd) -> bool {
    use crate::model::restrictions::{has_required, Answer, RELAY_REQUIRED};
    let (Some(relay), Some(recipient)) = (
        smtpd.list(model, "smtpd_relay_restrictions"),
        smtpd.list(model, "smtpd_recipient_restrictions"),
    ) else {
        return false;
    };
    has_required(smtpd, &relay, RELAY_REQUIRED).0 == Answer::No
        && has_required(smtpd, &recipient, RELAY_REQUIRED).0 == Answer::No
}

/// The networks postconf computes for mynetworks from the style and this host's interfaces.
fn computed_mynetworks(model: &Model, style: &str) -> Vec<Cidr> {
    let dir = model.locator.config_dir.to_string_lossy().into_owned();
    let style_arg = format!("mynetworks_style={style}");
    let Ok(out) = std::process::Command::new("postconf")
        .args(["-c", &dir, "-o", &style_arg, "-h", "mynetworks"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    String::from_utf8_lossy(&out.stdout)
        .split([',', ' ', '\t', '\n'])
        .filter_map(Cidr::parse)
        .collect()
}

/// The class A/B/C networks of the IPv4 addresses inet_interfaces and master.cf's listeners
/// (`192.0.2.5:smtp inet ...`) name.
fn interface_classes(model: &Model) -> Vec<Cidr> {
    crate::model::listen::addresses(model)
        .iter()
        .filter_map(|item| {
            item.trim_matches(['[', ']'])
                .parse::<std::net::Ipv4Addr>()
                .ok()
        })
        .filter_map(|a| {
            let first = a.octets()[0];
            let len = if first < 128 {
                8
            } else if first < 192 {
                16
            } else {
                24
            };
            let mask = u32::MAX << (32 - len);
            let net = std::net::Ipv4Addr::from(u32::from(a) & mask);
            Cidr::parse(&format!("{net}/{len}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broad(text: &str) -> Option<String> {
        too_broad(&Cidr::parse(text).unwrap(), text).map(|b| b.message)
    }

    #[test]
    fn what_is_too_broad() {
        assert!(broad("0.0.0.0/0").unwrap().contains("every IPv4"));
        assert!(broad("[::]/0").unwrap().contains("every IPv6"));
        assert!(broad("172.0.0.0/8")
            .unwrap()
            .contains("did you mean the private range 172.16.0.0/12"));
        assert!(broad("192.0.0.0/8").unwrap().contains("192.168.0.0/16"));
        assert!(broad("130.237.0.0/16")
            .unwrap()
            .contains("wider than a /24"));
        assert!(broad("2a01:4f8::/32").unwrap().contains("wider than a /48"));
        for fine in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "[::ffff:127.0.0.0]/104",
            "198.51.100.0/24",
            "8.8.4.0/23",
        ] {
            if fine == "8.8.4.0/23" {
                assert!(broad(fine).is_some(), "a public /23 is wider than a /24");
            } else {
                assert_eq!(broad(fine), None, "{fine}");
            }
        }
        assert_eq!(broad("8.8.4.0/24"), None);
        assert_eq!(broad("[2a01:4f8:10a::]/48"), None);
    }
}
