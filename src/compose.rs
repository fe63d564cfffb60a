//! What a Docker Compose file of the repository says of the container a Dockerfile builds:
//! the container ports it publishes on the host, and whether it shares the host's network.
//! Read for the Dockerfile that puts main.cf in its image (`crate::image`); a compose file
//! that builds it is one in the Dockerfile's directory or above it (never above the
//! repository), with a service whose `build` names that directory and Dockerfile, or whose
//! `image` is a name a build script beside the Dockerfile gives the image it builds
//! (`docker build -t postfix .`, `docker tag postfix ghcr.io/me/postfix`).

use std::path::Path;

use serde_norway::Value;

/// The names of a Docker Compose file (and the override files compose reads beside them).
pub const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// How many directories above the Dockerfile a compose file that builds it may be.
const LEVELS: usize = 4;

/// A container port a compose file publishes on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The compose file, relative to the repository.
    pub file: String,
    /// The service, and the port mapping as written (`25:25`, `0.0.0.0:25:25`).
    pub service: String,
    pub mapping: String,
    /// The gateways of the networks the compose file declares with an address range of its
    /// own (`networks: default: ipam: config: - subnet: 10.69.0.0/24`, or a `gateway:`):
    /// docker-proxy connects from there too. The default address pools' gateways are the
    /// rule's own knowledge.
    pub gateways: Vec<std::net::Ipv4Addr>,
}

/// The mappings of container port `port` (TCP) that the compose files publishing the image of
/// `dockerfile` make on host addresses other than loopback. Empty when no compose file builds
/// it, when the service uses the host's network (no proxy between client and container), or
/// when the mapping cannot be read.
pub fn published(root: &Path, dockerfile: &Path, port: u16) -> Vec<Published> {
    let Some(dir) = dockerfile.parent() else {
        return Vec::new();
    };
    let Some(name) = dockerfile.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let names = built_names(dir, name);
    let mut out = Vec::new();
    for up in dir.ancestors().take(LEVELS + 1) {
        if !up.starts_with(root) {
            break;
        }
        for file in COMPOSE_FILES {
            let path = up.join(file);
            let Some(text) = crate::discover::small_text(&path) else {
                continue;
            };
            if too_deep(&text) {
                continue;
            }
            let Ok(doc) = serde_norway::from_str::<Value>(&text) else {
                continue;
            };
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.extend(published_in(&doc, up, (dir, name, &names), port, &shown));
        }
    }
    out
}

/// Whether brackets and braces nest deeper than any compose file does: the YAML parser takes
/// seconds over a megabyte of `[[[[...` (hostile input) before its own depth limit stops it.
fn too_deep(text: &str) -> bool {
    const MAX_DEPTH: usize = 64;
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The names (without tag) that the build scripts in `dir` give the image they build from
/// the Dockerfile `dir`/`name`: `docker build -t NAME .` (or podman's, or buildx's) with no
/// other Dockerfile, and the names `docker tag` gives one of them. Scripts of at most 1 MB;
/// a name with a variable is left out.
fn built_names(dir: &Path, name: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // At most 4 MB of scripts in all (each at most 1 MB): a hostile directory of large
    // `build*` files reads no more.
    let mut texts = Vec::new();
    let mut budget: usize = 4 << 20;
    for entry in entries.flatten().take(256) {
        let file = entry.file_name().to_string_lossy().to_ascii_lowercase();
        let script = file.ends_with(".sh") || file == "makefile" || file.starts_with("build");
        if !script {
            continue;
        }
        if let Some(text) = crate::discover::small_text(&entry.path()) {
            let Some(left) = budget.checked_sub(text.len()) else {
                break;
            };
            budget = left;
            texts.push(text);
        }
    }
    let mut names: Vec<String> = Vec::new();
    for text in &texts {
        for line in text.lines().map(str::trim) {
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            let Some(at) = words
                .windows(2)
                .position(|w| matches!(w[0], "docker" | "podman") && w[1] == "build")
                .or_else(|| {
                    words
                        .windows(3)
                        .position(|w| w[0] == "docker" && w[1] == "buildx" && w[2] == "build")
                        .map(|i| i + 1)
                })
            else {
                continue;
            };
            let args = &words[at + 2..];
            let mut tags = Vec::new();
            let mut file_ok = true;
            let mut context = None;
            let mut i = 0;
            while i < args.len() {
                let arg = args[i];
                match arg {
                    "-t" | "--tag" => {
                        tags.extend(args.get(i + 1));
                        i += 1;
                    }
                    "-f" | "--file" => {
                        file_ok = args
                            .get(i + 1)
                            .is_some_and(|f| f.trim_start_matches("./") == name);
                        i += 1;
                    }
                    _ if arg.starts_with("--tag=") => tags.push(&arg["--tag=".len()..]),
                    _ if arg.starts_with("--file=") => {
                        file_ok = arg["--file=".len()..].trim_start_matches("./") == name;
                    }
                    _ if arg.starts_with('-') => {}
                    _ => context = Some(arg),
                }
                i += 1;
            }
            if file_ok && matches!(context, Some("." | "./")) {
                names.extend(tags.into_iter().filter_map(image_name));
            }
        }
    }
    // `docker tag postfix:latest ghcr.io/me/postfix:latest`, in any order of the scripts.
    for _ in 0..2 {
        for text in &texts {
            for line in text.lines().map(str::trim) {
                let words: Vec<&str> = line.split_ascii_whitespace().collect();
                if let [_, "tag", from, to, ..] = words.as_slice() {
                    if matches!(words[0], "docker" | "podman")
                        && image_name(from).is_some_and(|f| names.contains(&f))
                    {
                        if let Some(to) = image_name(to) {
                            if !names.contains(&to) {
                                names.push(to);
                            }
                        }
                    }
                }
            }
        }
    }
    names
}

/// An image reference without its tag or digest (`ghcr.io/me/postfix` of
/// `ghcr.io/me/postfix:latest`); None when it holds a variable or quotes.
fn image_name(reference: &str) -> Option<String> {
    if reference.contains(['$', '"', '\'', '`', '{']) || reference.is_empty() {
        return None;
    }
    let reference = reference.split('@').next().unwrap_or(reference);
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    let name = match reference[last_slash..].find(':') {
        Some(colon) => &reference[..last_slash + colon],
        None => reference,
    };
    Some(name.to_string())
}

/// The services of one compose file that build `dir`/`name` (or run an image the scripts
/// beside it build, `names`), and their mappings of `port`.
fn published_in(
    doc: &Value,
    compose_dir: &Path,
    (dir, name, names): (&Path, &str, &[String]),
    port: u16,
    shown: &str,
) -> Vec<Published> {
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (service_name, service) in services {
        let Some(service_name) = service_name.as_str() else {
            continue;
        };
        let runs_built_image = service.get("build").is_none()
            && service
                .get("image")
                .and_then(Value::as_str)
                .and_then(image_name)
                .is_some_and(|image| names.contains(&image));
        if !builds(service, compose_dir, dir, name) && !runs_built_image {
            continue;
        }
        let host_network = service
            .get("network_mode")
            .and_then(Value::as_str)
            .is_some_and(|m| m.trim() == "host");
        if host_network {
            continue;
        }
        let Some(ports) = service.get("ports").and_then(Value::as_sequence) else {
            continue;
        };
        for mapping in ports {
            let written = match mapping {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Mapping(_) => long_syntax_text(mapping),
                _ => continue,
            };
            if publishes(mapping, port) {
                out.push(Published {
                    file: shown.to_string(),
                    service: service_name.to_string(),
                    mapping: written,
                    gateways: declared_gateways(doc, service),
                });
            }
        }
    }
    out
}

/// The IPv4 gateways of the networks a compose service joins (its `networks:`, else
/// `default`) that the file declares with `ipam` ranges: each `gateway:`, else the first
/// address of the `subnet:` (where Docker puts the bridge's gateway). At most a few dozen:
/// more is no compose file.
fn declared_gateways(doc: &Value, service: &Value) -> Vec<std::net::Ipv4Addr> {
    let mut out = Vec::new();
    let Some(networks) = doc.get("networks").and_then(Value::as_mapping) else {
        return out;
    };
    let joined: Vec<String> = match service.get("networks") {
        None => vec!["default".to_string()],
        Some(Value::Sequence(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        Some(Value::Mapping(names)) => names
            .keys()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        Some(_) => Vec::new(),
    };
    for (name, network) in networks.iter().take(64) {
        if !name.as_str().is_some_and(|n| joined.iter().any(|j| j == n)) {
            continue;
        }
        let Some(configs) = network
            .get("ipam")
            .and_then(|i| i.get("config"))
            .and_then(Value::as_sequence)
        else {
            continue;
        };
        for config in configs.iter().take(64) {
            let gateway = scalar(config, "gateway")
                .and_then(|g| g.trim().parse::<std::net::Ipv4Addr>().ok())
                .or_else(|| {
                    let subnet = scalar(config, "subnet")?;
                    let (address, bits) = subnet.trim().split_once('/')?;
                    let address: std::net::Ipv4Addr = address.parse().ok()?;
                    let bits: u32 = bits.parse().ok().filter(|b| *b <= 30)?;
                    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                    Some(std::net::Ipv4Addr::from((u32::from(address) & mask) + 1))
                });
            if let Some(gateway) = gateway {
                if !out.contains(&gateway) {
                    out.push(gateway);
                }
            }
        }
    }
    out
}

/// Whether a service builds the Dockerfile `dir`/`name`: `build: DIR` or `build: {context:
/// DIR, dockerfile: NAME}`, DIR relative to the compose file's directory.
fn builds(service: &Value, compose_dir: &Path, dir: &Path, name: &str) -> bool {
    let (context, dockerfile) = match service.get("build") {
        Some(Value::String(context)) => (context.as_str(), "Dockerfile"),
        Some(build @ Value::Mapping(_)) => (
            build.get("context").and_then(Value::as_str).unwrap_or("."),
            build
                .get("dockerfile")
                .and_then(Value::as_str)
                .unwrap_or("Dockerfile"),
        ),
        _ => return false,
    };
    // A context that is a URL or holds a variable is not a directory of the repository.
    if context.contains("://") || context.contains('$') || dockerfile.contains('$') {
        return false;
    }
    let lexical = crate::scripts::lexical;
    lexical(&compose_dir.join(context).join(dockerfile)) == lexical(&dir.join(name))
}

/// The long syntax (`target: 25`, `published: "25"`, `host_ip: ...`) as a short one, for
/// messages.
fn long_syntax_text(mapping: &Value) -> String {
    let field = |key: &str| scalar(mapping, key);
    let target = field("target").unwrap_or_default();
    match (field("host_ip"), field("published")) {
        (Some(ip), Some(published)) => format!("{ip}:{published}:{target}"),
        (None, Some(published)) => format!("{published}:{target}"),
        _ => target,
    }
}

/// Whether a `ports` item publishes TCP `port` of the container on a host address other than
/// loopback. The short syntax is `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, ports
/// possibly ranges; the long one a mapping. A part postlint cannot read (a variable in the
/// container port) publishes nothing it knows.
fn publishes(item: &Value, port: u16) -> bool {
    let (host_ip, container, protocol) = match item {
        Value::Number(n) => (None, n.to_string(), "tcp".to_string()),
        Value::String(s) => {
            let (spec, protocol) = match s.rsplit_once('/') {
                Some((spec, protocol)) => (spec, protocol.to_ascii_lowercase()),
                None => (s.as_str(), "tcp".to_string()),
            };
            let (before, container) = match spec.rsplit_once(':') {
                Some((before, container)) => (Some(before), container.to_string()),
                None => (None, spec.to_string()),
            };
            // HOST_IP:HOST_PORT before it: the host address is what precedes the last
            // colon of that part (an IPv6 address has colons of its own).
            let host_ip = before
                .and_then(|b| b.rsplit_once(':'))
                .map(|(ip, _)| ip.trim_matches(|c| c == '[' || c == ']').to_string());
            (host_ip, container, protocol)
        }
        Value::Mapping(_) => {
            let text = |key: &str| scalar(item, key);
            let Some(target) = text("target") else {
                return false;
            };
            // Without `published`, Docker picks a host port: still published.
            let protocol = text("protocol").unwrap_or_else(|| "tcp".to_string());
            (text("host_ip"), target, protocol.to_ascii_lowercase())
        }
        _ => return false,
    };
    if protocol != "tcp" {
        return false;
    }
    if let Some(ip) = &host_ip {
        if is_loopback(ip) {
            return false;
        }
    }
    let container = container.trim();
    let range = match container.split_once('-') {
        Some((low, high)) => low
            .trim()
            .parse::<u16>()
            .ok()
            .zip(high.trim().parse::<u16>().ok()),
        None => container.parse::<u16>().ok().map(|p| (p, p)),
    };
    range.is_some_and(|(low, high)| low <= port && port <= high)
}

/// A mapping's field as text, whether YAML read it as a string or a number.
fn scalar(mapping: &Value, key: &str) -> Option<String> {
    match mapping.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_loopback(ip: &str) -> bool {
    ip == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|addr| addr.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(yaml: &str) -> Value {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn port_mappings_are_read_as_compose_reads_them() {
        for published in [
            "'25:25'",
            "'2525:25'",
            "'0.0.0.0:25:25'",
            "'[::]:25:25'",
            "'::1:2525:25'",
            "'25'",
            "25",
            "'20-30:20-30'",
            "'${SMTP_PORT:-25}:25'",
            "'25:25/tcp'",
            "{target: 25, published: 25}",
            "{target: 25}",
            "{target: '25', host_ip: 0.0.0.0, published: '25'}",
        ] {
            let expected = !published.contains("::1");
            assert_eq!(publishes(&item(published), 25), expected, "{published}");
        }
        for not_published in [
            "'127.0.0.1:25:25'",
            "'[::1]:25:25'",
            "'localhost:25:25'",
            "'25:2525'",
            "'25:25/udp'",
            "'587:587'",
            "'${PORT}'",
            "{target: 25, host_ip: 127.0.0.1}",
            "{published: 25}",
        ] {
            assert!(!publishes(&item(not_published), 25), "{not_published}");
        }
    }

    #[test]
    fn the_service_that_builds_the_dockerfile_is_found() {
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        let image = root.join("postfix");
        std::fs::create_dir_all(&image).unwrap();
        let dockerfile = image.join("Dockerfile");
        std::fs::write(&dockerfile, "FROM debian:12\n").unwrap();
        let compose = |text: &str| std::fs::write(root.join("docker-compose.yml"), text).unwrap();
        compose(
            "services:\n  mail:\n    build: ./postfix\n    ports:\n      - \"25:25\"\n      - \"127.0.0.1:587:587\"\n  web:\n    build: ./web\n    ports: ['26:25']\n",
        );
        let found = published(root, &dockerfile, 25);
        assert_eq!(
            found,
            [Published {
                file: "docker-compose.yml".into(),
                service: "mail".into(),
                mapping: "25:25".into(),
                gateways: Vec::new(),
            }]
        );
        // Networks with ranges of their own: a gateway written, or the subnet's first address;
        // only those the service joins (`default` when it names none).
        let networks = "networks:\n  default:\n    ipam:\n      config:\n        - subnet: \
                        10.69.0.0/24\n  back:\n    ipam:\n      config:\n        - subnet: \
                        192.168.50.0/24\n          gateway: 192.168.50.254\n";
        compose(&format!(
            "services:\n  mail:\n    build: ./postfix\n    ports: [\"25:25\"]\n{networks}"
        ));
        assert_eq!(
            published(root, &dockerfile, 25)[0].gateways,
            [std::net::Ipv4Addr::new(10, 69, 0, 1)]
        );
        compose(&format!(
            "services:\n  mail:\n    build: ./postfix\n    ports: [\"25:25\"]\n    networks: \
             [default, back]\n{networks}"
        ));
        assert_eq!(
            published(root, &dockerfile, 25)[0].gateways,
            [
                std::net::Ipv4Addr::new(10, 69, 0, 1),
                std::net::Ipv4Addr::new(192, 168, 50, 254)
            ]
        );
        assert!(published(root, &dockerfile, 587).is_empty());
        // The long build syntax, another Dockerfile name.
        compose("services:\n  mail:\n    build:\n      context: postfix/\n      dockerfile: Dockerfile\n    ports: [\"25:25\"]\n");
        assert_eq!(published(root, &dockerfile, 25).len(), 1);
        compose("services:\n  mail:\n    build:\n      context: postfix\n      dockerfile: Dockerfile.alpine\n    ports: [\"25:25\"]\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        // The host's network: no proxy, clients keep their addresses.
        compose("services:\n  mail:\n    build: postfix\n    network_mode: host\n    ports: [\"25:25\"]\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        // An image from a registry, not this Dockerfile; a file that is no YAML.
        compose("services:\n  mail:\n    image: boky/postfix\n    ports: [\"25:25\"]\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        // The image a build script beside the Dockerfile builds and tags (romeo0012/postfix).
        std::fs::write(
            image.join("docker-build.sh"),
            "docker build -t postfix:latest .\n\
             docker tag postfix:latest ghcr.io/me/postfix:latest\n",
        )
        .unwrap();
        for runs in [
            "ghcr.io/me/postfix:latest",
            "ghcr.io/me/postfix",
            "postfix:1.2",
        ] {
            compose(&format!(
                "services:\n  mail:\n    image: {runs}\n    ports: [\"25:25\"]\n"
            ));
            assert_eq!(published(root, &dockerfile, 25).len(), 1, "{runs}");
        }
        // Near-misses: another image, and a build from another Dockerfile.
        compose("services:\n  mail:\n    image: ghcr.io/other/postfix\n    ports: [\"25:25\"]\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        std::fs::write(
            image.join("docker-build.sh"),
            "docker build -f Dockerfile.alpine -t postfix .\n",
        )
        .unwrap();
        compose("services:\n  mail:\n    image: postfix\n    ports: [\"25:25\"]\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        std::fs::remove_file(image.join("docker-build.sh")).unwrap();
        compose("services: [\n");
        assert!(published(root, &dockerfile, 25).is_empty());
        // Nesting no compose file has is not parsed (hostile input: seconds of parsing).
        let deep = format!(
            "{}\nx: {}{}\n",
            "services:\n  mail:\n    build: ./postfix\n    ports: [\"25:25\"]",
            "[".repeat(65),
            "]".repeat(65)
        );
        compose(&deep);
        assert!(published(root, &dockerfile, 25).is_empty());
        compose(
            &deep
                .replace(&"[".repeat(65), "[")
                .replace(&"]".repeat(65), "]"),
        );
        assert_eq!(published(root, &dockerfile, 25).len(), 1);
        // A compose file beside the Dockerfile, `build: .`.
        std::fs::remove_file(root.join("docker-compose.yml")).unwrap();
        std::fs::write(
            image.join("compose.yaml"),
            "services:\n  smtp:\n    build: .\n    ports:\n      - target: 25\n        published: 25\n",
        )
        .unwrap();
        let found = published(root, &dockerfile, 25);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].file.as_str(), found[0].mapping.as_str()),
            ("postfix/compose.yaml", "25:25")
        );
    }
}
