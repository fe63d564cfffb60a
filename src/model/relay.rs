//! What smtpd answers to a recipient: the restriction lists of one smtpd service evaluated for
//! one request, as smtpd_check.c evaluates them (client, HELO, sender, relay, then recipient
//! restrictions, each list in order, access tables looked up as access(5) says), and the open
//! relay question built on it: can a client that is neither in mynetworks nor authenticated
//! get mail for a domain this server does not handle accepted?

use super::restrictions::Smtpd;
use super::Model;

/// One SMTP transaction as the client presents it (XCLIENT can make a test any client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The client IP address (`203.0.113.5`, `2001:db8::1`).
    pub client_addr: String,
    /// The client's verified host name; None: `unknown` (no reverse name).
    pub client_name: Option<String>,
    /// The HELO/EHLO name.
    pub helo: String,
    /// The SASL login name, when the client authenticated.
    pub sasl_login: Option<String>,
    /// MAIL FROM address (empty: the null sender).
    pub sender: String,
    /// RCPT TO address.
    pub recipient: String,
}

/// smtpd's reply to RCPT TO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Accept,
    /// 5xx.
    Reject,
    /// 4xx.
    Defer,
    /// postlint cannot tell (a table it cannot read, a policy service, DNS).
    Unknown,
}

/// smtpd's reply to one request on one service (the service must be able to start: see
/// `relay-check-missing`).
pub fn evaluate(model: &Model, smtpd: &Smtpd, request: &Request) -> Outcome {
    let _ = (model, smtpd, request);
    Outcome::Unknown
}

/// The relay verdict of a service.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Every outsider is refused mail for other domains.
    Closed,
    /// Some outsider gets mail for another domain accepted: requests that show it.
    Open(Vec<Witness>),
    /// postlint cannot tell, and why.
    Unknown(String),
}

/// A request that relays, and what lets it through.
#[derive(Clone, Debug)]
pub struct Witness {
    pub request: Request,
    /// Human words: "any client", "any client that says HELO mail.example.com", ...
    pub who: String,
}

/// Whether an outsider (not in mynetworks, not authenticated) can relay through this service.
pub fn open_relay(model: &Model, smtpd: &Smtpd) -> Verdict {
    let _ = (model, smtpd);
    Verdict::Unknown("not evaluated yet".to_string())
}
