//! What smtpd answers to a recipient: the restriction lists of one smtpd service evaluated for
//! one request, as smtpd_check.c evaluates them (client, HELO, sender, relay, then recipient
//! restrictions, each list in order, access tables looked up as access(5) says), and the open
//! relay question built on it: can a client that is neither in mynetworks nor authenticated
//! get mail for a domain this server does not handle accepted?
//!
//! The evaluator answers "unknown" wherever smtpd would ask something postlint cannot see (DNS,
//! a policy service, a database table). For the open relay question it takes the attacker's
//! side instead: checks an attacker can pass (DNS, blocklists, greylisting) are passed, tables
//! it cannot read hold nothing for the attacker's made-up names, and only a request that gets
//! through on what postlint can read counts as a witness.

use std::borrow::Cow;
use std::net::IpAddr;

use super::net::Cidr;
use super::patterns::{PatternAnswer, Substitution};
use super::restrictions::{Smtpd, Word};
use super::tables::{Answer, Content, KeyKind, Query, TableId};
use super::{Model, Resolved};
use crate::parse::list::split_list;
use crate::source::Span;

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
    /// The client started TLS and presented a certificate that a CA smtpd trusts signed.
    pub client_cert: bool,
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

/// One step of an evaluation, for explaining a verdict.
#[derive(Clone, Debug)]
pub struct Step {
    /// The restriction list smtpd was evaluating (`smtpd_relay_restrictions`, ...).
    pub stage: String,
    /// The list the restriction is in (the stage, a restriction class name, or a table
    /// entry's list).
    pub list: String,
    /// The restriction as written, with its argument.
    pub word: String,
    pub span: Option<Span>,
    /// The table entry that answered, when one did.
    pub entry: Option<(TableId, u32)>,
    /// The cidr table line that answered (cidr tables have no entries in the model).
    pub line: Option<Span>,
    pub status: Status,
}

/// What one restriction says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Dunno,
    Permit,
    /// A 4xx (4) or 5xx (5) reply.
    Reject(u8),
}

/// How to treat what postlint cannot see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Say unknown.
    Exact,
    /// Take the attacker's side: DNS-based and policy checks pass, unreadable tables do not
    /// match, made-up `.invalid` domains are nobody's.
    Outsider,
    /// Take the side of a user who logged in, for the question "does the relay check refuse
    /// them": checks that can only refuse (blocklists, DNS, login mismatch) pass, made-up
    /// `.invalid` domains are nobody's, and in the client, HELO and sender lists nothing
    /// unseen matters (a permit there ends only that list). In the relay and recipient lists,
    /// what could permit and postlint cannot see (a table, a policy service, the user's real
    /// address, HELO name or sender) is unknown.
    User,
}

/// Something postlint cannot know.
struct Unknowable;

type Eval<T> = Result<T, Unknowable>;

/// smtpd's reply to one request on one service (the service must be able to start: see
/// `relay-check-missing`).
pub fn evaluate(model: &Model, smtpd: &Smtpd, request: &Request) -> Outcome {
    evaluate_traced(model, smtpd, request, Mode::Exact).0
}

fn evaluate_traced(
    model: &Model,
    smtpd: &Smtpd,
    request: &Request,
    mode: Mode,
) -> (Outcome, Vec<Step>) {
    let (outcome, steps, _) = evaluate_full(model, smtpd, request, mode);
    (outcome, steps)
}

/// The outcome, the steps that decided it, and whether a DISCARD action threw the message
/// away (accepted, never delivered).
fn evaluate_full(
    model: &Model,
    smtpd: &Smtpd,
    request: &Request,
    mode: Mode,
) -> (Outcome, Vec<Step>, bool) {
    let (outcome, steps, discard, _) = evaluate_counted(model, smtpd, request, mode);
    (outcome, steps, discard)
}

/// `evaluate_full()`, and how many restrictions it evaluated (the open relay search has a
/// budget: a list of a million words must not make it hang).
fn evaluate_counted(
    model: &Model,
    smtpd: &Smtpd,
    request: &Request,
    mode: Mode,
) -> (Outcome, Vec<Step>, bool, usize) {
    let mut ctx = match Ctx::new(model, smtpd, request, mode) {
        Ok(ctx) => ctx,
        Err(Unknowable) => return (Outcome::Unknown, Vec::new(), false, 1),
    };
    let outcome = match ctx.rcpt() {
        Ok(Status::Permit | Status::Dunno) => Outcome::Accept,
        Ok(Status::Reject(4)) => Outcome::Defer,
        Ok(Status::Reject(_)) => Outcome::Reject,
        Err(Unknowable) => Outcome::Unknown,
    };
    (outcome, ctx.trace, ctx.discard, ctx.work)
}

/// What a check looks at, at the stage smtpd runs it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Known {
    helo: bool,
    sender: bool,
    recipient: bool,
}

struct Ctx<'a, 'm> {
    model: &'a Model,
    smtpd: &'a Smtpd<'m>,
    request: &'a Request,
    mode: Mode,
    addr: IpAddr,
    /// smtpd_access_maps in parent_domain_matches_subdomains.
    parent_style: bool,
    sasl: bool,
    null_key: String,
    warn_if_reject: usize,
    recursion: usize,
    defer_if_permit: Option<u8>,
    defer_if_reject: bool,
    discard: bool,
    known: Known,
    list_name: String,
    /// Restrictions evaluated so far.
    work: usize,
    /// The restriction list smtpd evaluates now.
    stage: String,
    trace: Vec<Step>,
}

impl<'a, 'm> Ctx<'a, 'm> {
    fn new(
        model: &'a Model,
        smtpd: &'a Smtpd<'m>,
        request: &'a Request,
        mode: Mode,
    ) -> Eval<Ctx<'a, 'm>> {
        let addr: IpAddr = request.client_addr.parse().map_err(|_| Unknowable)?;
        let parent = smtpd.list(model, "parent_domain_matches_subdomains");
        let parent_style = parent
            .ok_or(Unknowable)?
            .iter()
            .any(|w| w.text == "smtpd_access_maps");
        let yes = |name: &str| -> Eval<bool> {
            let value = smtpd.value(model, name).ok_or(Unknowable)?;
            Ok(value.eq_ignore_ascii_case("yes"))
        };
        Ok(Ctx {
            model,
            smtpd,
            request,
            mode,
            addr,
            parent_style,
            sasl: yes("smtpd_sasl_auth_enable")?,
            null_key: smtpd
                .value(model, "smtpd_null_access_lookup_key")
                .ok_or(Unknowable)?,
            warn_if_reject: 0,
            recursion: 0,
            defer_if_permit: None,
            defer_if_reject: false,
            discard: false,
            known: Known {
                helo: true,
                sender: true,
                recipient: true,
            },
            list_name: String::new(),
            work: 0,
            stage: String::new(),
            trace: Vec::new(),
        })
    }

    /// Something postlint cannot see that may permit or refuse: unknown, or (for an
    /// outsider) nothing; for a user, unknown where it decides relaying.
    fn unseen(&self) -> Eval<Status> {
        match self.mode {
            Mode::Exact => Err(Unknowable),
            Mode::Outsider => Ok(Status::Dunno),
            Mode::User if self.decides_relaying() => Err(Unknowable),
            Mode::User => Ok(Status::Dunno),
        }
    }

    /// Something postlint cannot see that can only refuse (a blocklist, a DNS check): unknown,
    /// or for an outsider and a user (whose best case it is) nothing.
    fn unseen_refusal(&self) -> Eval<Status> {
        match self.mode {
            Mode::Exact => Err(Unknowable),
            Mode::Outsider | Mode::User => Ok(Status::Dunno),
        }
    }

    /// smtpd's `reject_invalid_hostaddr()`, what the HELO checks do with an address literal
    /// (`[192.0.2.5]`, `[IPv6:2001:db8::1]`): a reject when the address is malformed.
    fn helo_literal(&mut self, helo: &str) -> Eval<Status> {
        let inner = match helo.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) if helo.len() > 2 => inner,
            _ => helo,
        };
        let valid = match inner.get(..5).filter(|p| p.eq_ignore_ascii_case("IPv6:")) {
            Some(_) => valid_ipv6_hostaddr(&inner[5..]),
            None => valid_ipv4_hostaddr(inner),
        };
        match valid {
            true => Ok(Status::Dunno),
            false => {
                let code = self.reply_class("invalid_hostname_reject_code")?;
                Ok(self.reject(code))
            }
        }
    }

    /// Whether the list being evaluated is the relay or the recipient list, where a permit
    /// lets mail for another domain through.
    fn decides_relaying(&self) -> bool {
        matches!(
            self.stage.as_str(),
            "smtpd_relay_restrictions" | "smtpd_recipient_restrictions"
        )
    }

    /// For a user, in the relay and recipient lists: a lookup keyed by what postlint makes up
    /// for them (client address and name, HELO name, sender, login) may permit them by the real
    /// one. Unknown there.
    fn user_key(&self) -> Eval<()> {
        match self.mode == Mode::User && self.decides_relaying() {
            true => Err(Unknowable),
            false => Ok(()),
        }
    }

    fn list(&self, param: &str) -> Eval<Vec<Word>> {
        self.smtpd.list(self.model, param).ok_or(Unknowable)
    }

    /// `smtpd_check_rcpt()`: with smtpd_delay_reject the client, HELO and sender lists run
    /// here; else they ran earlier, without what the client had not sent yet.
    fn rcpt(&mut self) -> Eval<Status> {
        if self.request.recipient.eq_ignore_ascii_case("postmaster") {
            return Ok(Status::Permit);
        }
        let delay = self
            .smtpd
            .value(self.model, "smtpd_delay_reject")
            .ok_or(Unknowable)?;
        let delay = delay.eq_ignore_ascii_case("yes");
        let stages: [(&str, Known); 3] = [
            (
                "smtpd_client_restrictions",
                Known {
                    helo: delay,
                    sender: delay,
                    recipient: delay,
                },
            ),
            (
                "smtpd_helo_restrictions",
                Known {
                    helo: true,
                    sender: delay,
                    recipient: delay,
                },
            ),
            (
                "smtpd_sender_restrictions",
                Known {
                    helo: true,
                    sender: true,
                    recipient: delay,
                },
            ),
        ];
        for (param, known) in stages {
            self.known = known;
            self.reset();
            let words = self.list(param)?;
            if let Status::Reject(code) = self.run(param, &words)? {
                return Ok(Status::Reject(code));
            }
        }
        self.known = Known {
            helo: true,
            sender: true,
            recipient: true,
        };
        self.reset();
        // Below compatibility level 1 with smtpd_relay_restrictions not set, smtpd uses a list
        // that never rejects in its place (mail_params.c, FAKE_RELAY_CHECKS). Releases before
        // 3.0 have no compatibility_level: their defaults are settled in `Params`.
        let fake_relay = self.model.target.at_least("3.0")
            && self.compat_below_1()?
            && self
                .smtpd
                .definition(self.model, "smtpd_relay_restrictions")
                .is_none();
        let relay_first = !fake_relay
            && self
                .smtpd
                .value(self.model, "smtpd_relay_before_recipient_restrictions")
                .ok_or(Unknowable)?
                .eq_ignore_ascii_case("yes");
        let relay = if fake_relay {
            Vec::new()
        } else {
            self.list("smtpd_relay_restrictions")?
        };
        let recipient = self.list("smtpd_recipient_restrictions")?;
        let order: [(&str, &[Word]); 2] = if relay_first {
            [
                ("smtpd_relay_restrictions", &relay),
                ("smtpd_recipient_restrictions", &recipient),
            ]
        } else {
            [
                ("smtpd_recipient_restrictions", &recipient),
                ("smtpd_relay_restrictions", &relay),
            ]
        };
        let mut status = Status::Dunno;
        for (param, words) in order {
            status = self.run(param, words)?;
            if let Status::Reject(_) = status {
                return Ok(status);
            }
        }
        if let Some(code) = self.defer_if_permit {
            return Ok(Status::Reject(code));
        }
        if !self.discard {
            let unlisted = self
                .smtpd
                .value(self.model, "smtpd_reject_unlisted_recipient")
                .ok_or(Unknowable)?;
            if unlisted.eq_ignore_ascii_case("yes") {
                let recipient = self.request.recipient.clone();
                if let Status::Reject(code) = self.rcpt_maps(&recipient, false)? {
                    return Ok(self.reject(code));
                }
            }
        }
        Ok(status)
    }

    fn yes(&self, name: &str) -> Eval<bool> {
        let value = self.smtpd.value(self.model, name).ok_or(Unknowable)?;
        Ok(value.eq_ignore_ascii_case("yes"))
    }

    fn compat_below_1(&self) -> Eval<bool> {
        let level = self
            .smtpd
            .value(self.model, "compatibility_level")
            .ok_or(Unknowable)?;
        let parsed = super::expand::parse_compat_level(&level).ok_or(Unknowable)?;
        Ok(parsed < (1, 0, 0))
    }

    fn reset(&mut self) {
        self.recursion = 0;
        self.warn_if_reject = 0;
        self.defer_if_reject = false;
    }

    /// A reject as smtpd_check_reject() turns it: a warning under warn_if_reject, a 4xx under
    /// defer_if_reject. Returns the code class, or 0 for "only a warning".
    fn rejected(&mut self, code: u8) -> u8 {
        if self.warn_if_reject > 0 {
            return 0;
        }
        if self.defer_if_reject && code == 5 {
            self.defer_if_reject = false;
            return 4;
        }
        code
    }

    fn reject(&mut self, code: u8) -> Status {
        match self.rejected(code) {
            0 => Status::Dunno,
            c => Status::Reject(c),
        }
    }

    /// `generic_checks()`.
    fn run(&mut self, list_name: &str, words: &[Word]) -> Eval<Status> {
        if self.recursion == 0 {
            self.stage = list_name.to_string();
        }
        let saved_list = std::mem::replace(&mut self.list_name, list_name.to_string());
        self.recursion += 1;
        let saved_recursion = self.recursion - 1;
        let result = self.run_words(words);
        self.recursion = saved_recursion;
        if self.warn_if_reject >= self.recursion {
            self.warn_if_reject = 0;
        }
        self.list_name = saved_list;
        result
    }

    fn run_words(&mut self, words: &[Word]) -> Eval<Status> {
        let mut i = 0;
        let mut status = Status::Dunno;
        while i < words.len() {
            if self.discard {
                break;
            }
            let word = &words[i];
            self.work += 1;
            let name = word.text.to_ascii_lowercase();
            if name == "warn_if_reject" {
                if self.warn_if_reject == 0 {
                    self.warn_if_reject = self.recursion;
                }
                i += 1;
                continue;
            }
            let trace_at = self.trace.len();
            let (s, used) = self.restriction(&name, word, words.get(i + 1))?;
            // A restriction that wants an argument at the end of a list has none to take.
            let used = used.min(words.len() - i);
            status = s;
            let written = match used {
                2 => format!("{} {}", word.text, words[i + 1].text),
                _ => word.text.clone(),
            };
            let span = match (used, word.span, words.get(i + 1).and_then(|w| w.span)) {
                (2, Some(a), Some(b)) if a.file == b.file => Some(a.to(b)),
                _ => word.span,
            };
            let added: Vec<Step> = self.trace.drain(trace_at..).collect();
            if status != Status::Dunno {
                let (entry, line) = added
                    .iter()
                    .find(|s| s.word.is_empty() && s.list == self.list_name)
                    .map_or((None, None), |s| (s.entry, s.line));
                self.trace
                    .extend(added.into_iter().filter(|s| !s.word.is_empty()));
                self.trace.push(Step {
                    stage: self.stage.clone(),
                    list: self.list_name.clone(),
                    word: written,
                    span,
                    entry,
                    line,
                    status,
                });
            }
            i += used;
            if self.warn_if_reject >= self.recursion {
                self.warn_if_reject = 0;
            }
            if status != Status::Dunno {
                break;
            }
            if self.defer_if_permit.is_some() && self.defer_if_reject {
                break;
            }
        }
        Ok(status)
    }

    /// One restriction: its status and how many words it took.
    fn restriction(
        &mut self,
        name: &str,
        word: &Word,
        arg: Option<&Word>,
    ) -> Eval<(Status, usize)> {
        let arg_text = arg.map(|w| w.text.as_str());
        let known = self.known;
        let status = match name {
            "permit" => Status::Permit,
            "reject" => self.reject(5),
            "defer" => self.reject(4),
            "defer_if_permit" => {
                if self.warn_if_reject == 0 {
                    self.defer_if_permit.get_or_insert(4);
                }
                Status::Dunno
            }
            "defer_if_reject" => {
                self.defer_if_reject = true;
                Status::Dunno
            }
            "reject_unauth_pipelining" => Status::Dunno,
            "sleep" => return Ok((Status::Dunno, 2)),
            "permit_mynetworks" => match self.in_mynetworks()? {
                true => Status::Permit,
                false => Status::Dunno,
            },
            "permit_sasl_authenticated" => {
                if self.sasl && self.request.sasl_login.is_some() {
                    Status::Permit
                } else {
                    Status::Dunno
                }
            }
            "permit_inet_interfaces" => {
                if self.addr.is_loopback() {
                    self.unseen()?
                } else if super::net::is_documentation(self.addr) {
                    Status::Dunno
                } else {
                    self.unseen()?
                }
            }
            // A certificate whose fingerprint relay_clientcerts lists: no outsider has one.
            "permit_tls_clientcerts" => Status::Dunno,
            "permit_tls_all_clientcerts" => match self.request.client_cert {
                false => Status::Dunno,
                true => match super::tls::verifies_client_certs(self.model, self.smtpd.service) {
                    Some(true) => Status::Permit,
                    Some(false) => Status::Dunno,
                    None => self.unseen()?,
                },
            },
            "reject_plaintext_session" => self.reject(4),
            "check_client_access" | "check_reverse_client_access" => {
                let table = arg_text.ok_or(Unknowable)?;
                self.user_key()?;
                if name == "check_reverse_client_access" && self.mode == Mode::Exact {
                    return Err(Unknowable);
                }
                let client_name = self.request.client_name.clone();
                let s = self.namadr_access(table, client_name.as_deref().unwrap_or("unknown"))?;
                return Ok((s, 2));
            }
            "check_helo_access" => {
                let table = arg_text.ok_or(Unknowable)?;
                self.user_key()?;
                let s = if known.helo && !self.request.helo.is_empty() {
                    let helo = self.request.helo.clone();
                    self.domain_access(table, &helo)?
                } else {
                    Status::Dunno
                };
                return Ok((s, 2));
            }
            "check_sender_access" => {
                let table = arg_text.ok_or(Unknowable)?;
                self.user_key()?;
                let sender = self.request.sender.clone();
                let s = if !known.sender {
                    Status::Dunno
                } else if sender.is_empty() {
                    let key = self.null_key.clone();
                    self.access(table, &key, false)?
                        .map_or(Ok(Status::Dunno), |found| self.table_result(table, found))?
                } else {
                    self.mail_access(table, &sender, false)?
                };
                return Ok((s, 2));
            }
            "check_recipient_access" => {
                let table = arg_text.ok_or(Unknowable)?;
                let s = if known.recipient {
                    let recipient = self.request.recipient.clone();
                    self.mail_access(table, &recipient, true)?
                } else {
                    Status::Dunno
                };
                return Ok((s, 2));
            }
            "permit_auth_destination" => {
                if !known.recipient {
                    Status::Dunno
                } else if self.auth_destination()? {
                    Status::Permit
                } else {
                    Status::Dunno
                }
            }
            "reject_unauth_destination" | "defer_unauth_destination" => {
                if !known.recipient || self.auth_destination()? {
                    Status::Dunno
                } else {
                    let code = if name == "reject_unauth_destination" {
                        self.reply_class("relay_domains_reject_code")?
                    } else {
                        4
                    };
                    self.reject(code)
                }
            }
            "check_relay_domains" => {
                if !known.recipient || self.auth_destination()? {
                    Status::Permit
                } else {
                    // It also permits clients whose name is in relay_domains.
                    self.unseen()?;
                    let code = self.reply_class("relay_domains_reject_code")?;
                    self.reject(code)
                }
            }
            "reject_unlisted_recipient" | "check_recipient_maps" => {
                if known.recipient {
                    let recipient = self.request.recipient.clone();
                    match self.rcpt_maps(&recipient, false)? {
                        Status::Reject(code) => self.reject(code),
                        s => s,
                    }
                } else {
                    Status::Dunno
                }
            }
            "reject_non_fqdn_helo_hostname"
            | "reject_non_fqdn_hostname"
            | "reject_invalid_helo_hostname"
            | "reject_invalid_hostname" => {
                let helo = self.request.helo.clone();
                if !known.helo || helo.is_empty() {
                    Status::Dunno
                } else if helo.starts_with('[') {
                    // An address literal: each of these checks only its syntax.
                    self.helo_literal(&helo)?
                } else {
                    let name_only = truncate_dot(&helo);
                    let bad = if name.contains("fqdn") {
                        !valid_hostname(name_only) || !name_only.contains('.')
                    } else {
                        !valid_hostname(name_only) && name_only.parse::<IpAddr>().is_err()
                    };
                    if bad {
                        let code = self.reply_class(if name.contains("fqdn") {
                            "non_fqdn_reject_code"
                        } else {
                            "invalid_hostname_reject_code"
                        })?;
                        self.reject(code)
                    } else {
                        Status::Dunno
                    }
                }
            }
            "reject_non_fqdn_sender" | "reject_non_fqdn_recipient" => {
                let (known_here, address) = if name.ends_with("sender") {
                    (known.sender, self.request.sender.clone())
                } else {
                    (known.recipient, self.request.recipient.clone())
                };
                if !known_here || address.is_empty() {
                    Status::Dunno
                } else {
                    // reject_non_fqdn_address(): the domain as the client wrote it.
                    let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
                    let domain = truncate_dot(domain);
                    let literal = domain.starts_with('[') && domain.ends_with(']');
                    if literal || valid_hostname(domain) && domain.contains('.') {
                        Status::Dunno
                    } else {
                        let code = self.reply_class("non_fqdn_reject_code")?;
                        self.reject(code)
                    }
                }
            }
            "reject_multi_recipient_bounce" => Status::Dunno,
            "reject_unlisted_sender" => {
                let sender = self.request.sender.clone();
                if !known.sender || sender.is_empty() {
                    Status::Dunno
                } else {
                    match self.rcpt_maps(&sender, true)? {
                        Status::Reject(code) => self.reject(code),
                        s => s,
                    }
                }
            }
            "reject_sender_login_mismatch"
            | "reject_authenticated_sender_login_mismatch"
            | "reject_known_sender_login_mismatch"
            | "reject_unauthenticated_sender_login_mismatch" => {
                if !self.sasl {
                    Status::Dunno
                } else {
                    self.unseen_refusal()?
                }
            }
            "check_sasl_access" => {
                let table = arg_text.ok_or(Unknowable)?;
                self.user_key()?;
                let s = match (&self.request.sasl_login, self.sasl) {
                    (Some(login), true) => {
                        let login = login.clone();
                        self.access(table, &login, false)?
                            .map_or(Ok(Status::Dunno), |found| self.table_result(table, found))?
                    }
                    _ => Status::Dunno,
                };
                return Ok((s, 2));
            }
            "check_ccert_access" => return Ok((Status::Dunno, 2)),
            // Checks that ask DNS and can only refuse: an outsider and a user pass them.
            "reject_rbl_client"
            | "reject_rhsbl_client"
            | "reject_rhsbl_reverse_client"
            | "reject_rhsbl_helo"
            | "reject_rhsbl_sender"
            | "reject_rhsbl_recipient"
            | "reject_rbl" => {
                let s = self.unseen_refusal()?;
                return Ok((s, 2));
            }
            // Checks that ask DNS, a policy service or the queue, and may permit: an outsider
            // passes them.
            "check_policy_service"
            | "permit_dnswl_client"
            | "permit_rhswl_client"
            | "check_client_a_access"
            | "check_client_mx_access"
            | "check_client_ns_access"
            | "check_reverse_client_a_access"
            | "check_reverse_client_mx_access"
            | "check_reverse_client_ns_access"
            | "check_helo_a_access"
            | "check_helo_mx_access"
            | "check_helo_ns_access"
            | "check_sender_a_access"
            | "check_sender_mx_access"
            | "check_sender_ns_access"
            | "check_recipient_a_access"
            | "check_recipient_mx_access"
            | "check_recipient_ns_access" => {
                let s = self.unseen()?;
                return Ok((s, 2));
            }
            "reject_unknown_helo_hostname" | "reject_unknown_hostname"
                if known.helo && self.request.helo.starts_with('[') =>
            {
                let helo = self.request.helo.clone();
                self.helo_literal(&helo)?
            }
            "reject_unknown_client_hostname"
            | "reject_unknown_client"
            | "reject_unknown_reverse_client_hostname"
            | "reject_unknown_helo_hostname"
            | "reject_unknown_hostname"
            | "reject_unknown_sender_domain"
            | "reject_unknown_recipient_domain"
            | "reject_unknown_address"
            | "reject_unverified_sender"
            | "reject_unverified_recipient"
            | "reject_maps_rbl" => self.unseen_refusal()?,
            "permit_mx_backup" | "permit_naked_ip_address" => self.unseen()?,
            _ => {
                // A restriction class, or a name smtpd does not know (451, a defer).
                if let Some(class) = self.smtpd.classes.get(word.text.as_str()) {
                    let class = class.clone().ok_or(Unknowable)?;
                    if self.recursion > 100 {
                        return Ok((Status::Reject(4), 1));
                    }
                    let s = self.run(&word.text, &class)?;
                    return Ok((s, 1));
                }
                if word.text.contains(':') {
                    // A bare table: smtpd reads it with the list's own access check.
                    let check = match self.list_name.as_str() {
                        "smtpd_client_restrictions" => "check_client_access",
                        "smtpd_helo_restrictions" => "check_helo_access",
                        "smtpd_sender_restrictions" => "check_sender_access",
                        "smtpd_relay_restrictions" | "smtpd_recipient_restrictions" => {
                            "check_recipient_access"
                        }
                        _ => return Err(Unknowable),
                    };
                    let (s, _) = self.restriction(check, word, Some(word))?;
                    return Ok((s, 1));
                }
                Status::Reject(4)
            }
        };
        Ok((status, 1))
    }

    /// The class (4 or 5) of a reply code parameter.
    fn reply_class(&self, param: &str) -> Eval<u8> {
        let value = self.smtpd.value(self.model, param).ok_or(Unknowable)?;
        match value.trim_ascii().as_bytes().first() {
            Some(b'4') => Ok(4),
            Some(b'5') => Ok(5),
            _ => Err(Unknowable),
        }
    }

    /// `permit_auth_destination()`: the recipient's domain is one this server handles.
    /// The address as trivial-rewrite hands it back (`smtpd_resolve_addr()`): `@$myorigin`
    /// added to a bare name, `.$mydomain` to a domain without a dot when
    /// append_dot_mydomain is on. Sender-specified routing is unknown.
    fn resolved(&self, address: &str) -> Eval<(String, bool)> {
        let (local, domain) = match address.rsplit_once('@') {
            Some((l, d)) => (l.to_string(), d.to_string()),
            None => {
                let origin = self.model.params.expand("myorigin");
                if origin.has_unknown() {
                    return Err(Unknowable);
                }
                (address.to_string(), origin.text.trim_ascii().to_string())
            }
        };
        if local.starts_with('"') || domain.is_empty() {
            return Err(Unknowable);
        }
        if local.contains(['@', '%', '!']) {
            // Sender-specified routing. For a domain that is not local, trivial-rewrite keeps
            // the address and flags it as routed; for a local one it strips the domain and
            // resolves the rest, which postlint does not follow.
            return match self.model.resolve_class(&domain) {
                Resolved::Class(super::classes::ClassKind::Local, _) | Resolved::Unknown => {
                    Err(Unknowable)
                }
                _ => Ok((format!("{local}@{domain}"), true)),
            };
        }
        if !domain.contains('.') && !domain.starts_with('[') {
            let append = self.model.params.expand("append_dot_mydomain");
            if append.has_unknown() {
                return Err(Unknowable);
            }
            if append.text.trim_ascii().eq_ignore_ascii_case("yes") {
                let mydomain = self.model.params.expand("mydomain");
                if mydomain.has_unknown() {
                    return Err(Unknowable);
                }
                return Ok((
                    format!("{local}@{domain}.{}", mydomain.text.trim_ascii()),
                    false,
                ));
            }
        }
        Ok((format!("{local}@{domain}"), false))
    }

    fn auth_destination(&self) -> Eval<bool> {
        let (recipient, routed) = self.resolved(&self.request.recipient)?;
        let Some((_, domain)) = recipient.rsplit_once('@') else {
            return Err(Unknowable);
        };
        if routed && !self.yes("allow_untrusted_routing")? {
            return Ok(false);
        }
        match self.model.resolve_class(domain) {
            Resolved::Class(..) => Ok(true),
            Resolved::NoClass => Ok(false),
            Resolved::Unknown => {
                if self.mode != Mode::Exact && is_made_up(domain) {
                    Ok(false)
                } else {
                    Err(Unknowable)
                }
            }
        }
    }

    fn in_mynetworks(&self) -> Eval<bool> {
        match mynetworks_contains(
            self.model,
            self.smtpd,
            self.addr,
            self.request.client_name.as_deref(),
        ) {
            Some(yes) => Ok(yes),
            // An outsider is, by definition, not in mynetworks: being in it would only add a
            // permit, never take one away.
            None if self.mode == Mode::Outsider => Ok(false),
            None => self.unseen().map(|_| false),
        }
    }

    /// Looks `key` up in an access table; `partial` lookups skip tables that are not fixed-key
    /// (cidr, regexp, pcre). Returns the value found and where.
    fn access(&mut self, table: &str, key: &str, partial: bool) -> Eval<Option<Found>> {
        let tables = &self.model.tables;
        let Some(id) = tables.find(table) else {
            return self.unseen().map(|_| None);
        };
        match lookup_value(self.model, id, key, partial) {
            Ok(found) => Ok(found),
            Err(Unknowable) => self.unseen().map(|_| None),
        }
    }

    /// `check_table_result()`: what a value found in an access table does.
    fn table_result(&mut self, table: &str, found: Found) -> Eval<Status> {
        // Remember where the answer came from for the trace of the restriction.
        self.trace.push(Step {
            stage: self.stage.clone(),
            list: self.list_name.clone(),
            word: String::new(),
            span: None,
            entry: found.entry,
            line: found.line,
            status: Status::Dunno,
        });
        let value = found.value.trim_ascii();
        let (command, rest) = match value.find([' ', '\t']) {
            Some(i) => (&value[..i], value[i..].trim_ascii()),
            None => (value, ""),
        };
        let upper = command.to_ascii_uppercase();
        let status = match upper.as_str() {
            "DUNNO" | "INFO" | "WARN" | "FILTER" | "HOLD" | "REDIRECT" | "BCC" | "PREPEND"
            | "DELAY" => Status::Dunno,
            // Without a sender yet (client and HELO checks with smtpd_delay_reject = no) smtpd
            // skips the actions it would hand to cleanup (not_in_client_helo()).
            "DISCARD" if !self.known.sender => Status::Dunno,
            "REJECT" => {
                let code = self.reply_class("access_map_reject_code")?;
                self.reject(code)
            }
            "DEFER" => {
                let code = self.reply_class("access_map_defer_code")?;
                self.reject(code)
            }
            "HANGUP" => Status::Reject(4),
            "DISCARD" => {
                self.discard = true;
                Status::Permit
            }
            "DEFER_IF_PERMIT" => {
                if self.warn_if_reject == 0 {
                    let code = self.reply_class("access_map_defer_code")?;
                    self.defer_if_permit.get_or_insert(code);
                }
                Status::Dunno
            }
            "DEFER_IF_REJECT" => {
                self.defer_if_reject = true;
                Status::Dunno
            }
            "OK" | "RELAY" => Status::Permit,
            _ if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => Status::Permit,
            _ if command.len() == 3
                && !rest.is_empty()
                && (command.starts_with('4') || command.starts_with('5'))
                && command.bytes().all(|b| b.is_ascii_digit()) =>
            {
                let code = command.as_bytes()[0] - b'0';
                self.reject(code)
            }
            _ if value.contains(':') => Status::Reject(4),
            _ => {
                if self.recursion > 100 {
                    return Ok(Status::Reject(4));
                }
                let words: Vec<Word> = split_list(value)
                    .into_iter()
                    .map(|r| Word {
                        text: value[r].to_string(),
                        span: None,
                    })
                    .collect();
                if words.is_empty() {
                    return Ok(Status::Permit);
                }
                let list = format!("{table} entry");
                self.run(&list, &words)?
            }
        };
        Ok(status)
    }

    /// `check_domain_access()`: the name, then its parent domains (fixed-key tables only).
    fn domain_access(&mut self, table: &str, domain: &str) -> Eval<Status> {
        let numeric = domain.parse::<IpAddr>().is_ok();
        let mut name = domain.to_string();
        let mut partial = false;
        loop {
            if let Some(found) = self.access(table, &name, partial)? {
                return self.table_result(table, found);
            }
            if numeric {
                break;
            }
            let Some(dot) = name[1..].find('.').map(|i| i + 1) else {
                break;
            };
            name = if self.parent_style {
                name[dot + 1..].to_string()
            } else {
                name[dot..].to_string()
            };
            if name.is_empty() {
                break;
            }
            partial = true;
        }
        Ok(Status::Dunno)
    }

    /// `check_namadr_access()`: the client name as a domain, then the address and its
    /// shorter forms (`192.0.2.7`, `192.0.2`, `192.0`, `192`).
    fn namadr_access(&mut self, table: &str, name: &str) -> Eval<Status> {
        // The name lookups.
        let mut found_name = false;
        let trace_len = self.trace.len();
        let status = self.domain_access(table, name)?;
        if self.trace.len() > trace_len {
            found_name = true;
        }
        if found_name {
            return Ok(status);
        }
        let addr = self.request.client_addr.clone();
        let delim = if addr.contains(':') { ':' } else { '.' };
        let mut key = addr.as_str();
        let mut partial = false;
        loop {
            if let Some(found) = self.access(table, key, partial)? {
                return self.table_result(table, found);
            }
            partial = true;
            match key.rfind(delim) {
                Some(i) if i > 0 => key = &key[..i],
                _ => break,
            }
        }
        Ok(Status::Dunno)
    }

    /// `check_mail_access()`: user+ext@domain, user@domain, domain and its parents, user+ext@,
    /// user@ (only the first for tables that are not fixed-key).
    fn mail_access(&mut self, table: &str, address: &str, recipient: bool) -> Eval<Status> {
        let (address, routed) = match self.resolved(address) {
            Ok(a) => a,
            Err(Unknowable) => return self.unseen(),
        };
        let address = address.as_str();
        let Some((local, domain)) = address.rsplit_once('@') else {
            return self.unseen();
        };
        // SUSPICIOUS() in check_mail_access(): an OK for a routed recipient counts for nothing.
        let suspicious = recipient && routed && !self.yes("allow_untrusted_routing")?;
        let delimiter = self
            .smtpd
            .value(self.model, "recipient_delimiter")
            .ok_or(Unknowable)?;
        let bare_local = match delimiter.chars().find(|&c| local.contains(c)) {
            Some(c) if !delimiter.is_empty() => local.split(c).next().unwrap_or(local).to_string(),
            _ => local.to_string(),
        };
        let mut keys: Vec<(String, bool)> = vec![(address.to_string(), false)];
        if bare_local != local {
            keys.push((format!("{bare_local}@{domain}"), true));
        }
        let mut name = domain.to_string();
        loop {
            keys.push((name.clone(), true));
            let Some(dot) = name.get(1..).and_then(|n| n.find('.')).map(|i| i + 1) else {
                break;
            };
            name = if self.parent_style {
                name[dot + 1..].to_string()
            } else {
                name[dot..].to_string()
            };
            if name.is_empty() {
                break;
            }
        }
        keys.push((format!("{local}@"), true));
        if bare_local != local {
            keys.push((format!("{bare_local}@"), true));
        }
        for (key, partial) in keys {
            if let Some(found) = self.access(table, &key, partial)? {
                let status = self.table_result(table, found)?;
                return Ok(if suspicious && status == Status::Permit {
                    Status::Dunno
                } else {
                    status
                });
            }
        }
        Ok(Status::Dunno)
    }

    /// `check_rcpt_maps()`: whether smtpd knows the address (for the recipient, or with
    /// `sender` the MAIL FROM address).
    fn rcpt_maps(&mut self, address: &str, sender: bool) -> Eval<Status> {
        let (address, _) = self.resolved(address)?;
        let Some((local, domain)) = address.rsplit_once('@') else {
            return self.unseen();
        };
        let resolved = self.model.resolve_class(domain);
        let resolved = match resolved {
            Resolved::Unknown if self.mode != Mode::Exact && is_made_up(domain) => {
                Resolved::NoClass
            }
            Resolved::Unknown => return Err(Unknowable),
            r => r,
        };
        let Resolved::Class(kind, _) = resolved else {
            return Ok(Status::Dunno);
        };
        let mut maps = vec![
            "recipient_canonical_maps",
            "canonical_maps",
            "virtual_alias_maps",
        ];
        if sender {
            maps.insert(1, "sender_canonical_maps");
        }
        // mail_addr_find() tries the bare local part in $myorigin and the local domains.
        let local_domain = kind == super::classes::ClassKind::Local
            || self
                .smtpd
                .value(self.model, "myorigin")
                .is_some_and(|o| o.eq_ignore_ascii_case(domain));
        for param in maps {
            if self.address_listed(param, local, domain, local_domain)? {
                return Ok(Status::Dunno);
            }
        }
        use super::classes::ClassKind;
        let (param, code_param) = match kind {
            ClassKind::Local => {
                let lower = local.to_ascii_lowercase();
                if lower == "postmaster" || lower == "mailer-daemon" {
                    return Ok(Status::Dunno);
                }
                let double = self
                    .smtpd
                    .value(self.model, "double_bounce_sender")
                    .ok_or(Unknowable)?;
                if lower == double.to_ascii_lowercase() {
                    return Ok(Status::Dunno);
                }
                (
                    "local_recipient_maps",
                    "unknown_local_recipient_reject_code",
                )
            }
            ClassKind::VirtualMailbox => (
                "virtual_mailbox_maps",
                "unknown_virtual_mailbox_reject_code",
            ),
            ClassKind::VirtualAlias => {
                let code = self.reply_class("unknown_virtual_alias_reject_code")?;
                return Ok(Status::Reject(code));
            }
            ClassKind::Relay => (
                "relay_recipient_maps",
                "unknown_relay_recipient_reject_code",
            ),
        };
        let value = self.smtpd.value(self.model, param).ok_or(Unknowable)?;
        if value.trim_ascii().is_empty() {
            return Ok(Status::Dunno);
        }
        if self.address_listed(param, local, domain, local_domain)? {
            Ok(Status::Dunno)
        } else {
            let code = self.reply_class(code_param)?;
            Ok(Status::Reject(code))
        }
    }

    /// `mail_addr_find()` with its default strategy: user@domain, then the local part alone
    /// when the domain is local, then @domain.
    fn address_listed(
        &self,
        param: &str,
        local: &str,
        domain: &str,
        local_domain: bool,
    ) -> Eval<bool> {
        let value = self.smtpd.value(self.model, param).ok_or(Unknowable)?;
        if value.trim_ascii().is_empty() {
            return Ok(false);
        }
        let mut ids = Vec::new();
        for r in split_list(&value) {
            match self.model.tables.find(&value[r]) {
                Some(id) => ids.push(id),
                None => return Err(Unknowable),
            }
        }
        // The address is a whole key; the local part and @domain are partial ones.
        let mut keys = vec![(format!("{local}@{domain}"), KeyKind::Full)];
        if local_domain {
            keys.push((local.to_string(), KeyKind::Partial));
        }
        keys.push((format!("@{domain}"), KeyKind::Partial));
        for (key, kind) in keys {
            let query = Query::new(&key, kind, Substitution::Allowed);
            match self.model.tables.query_in(&ids, &query) {
                Answer::Found(_) => return Ok(true),
                Answer::Unknown => return Err(Unknowable),
                Answer::NotFound => {}
            }
        }
        Ok(false)
    }
}

/// A value found in an access table, and where.
struct Found {
    value: String,
    entry: Option<(TableId, u32)>,
    line: Option<Span>,
}

fn lookup_value(model: &Model, id: TableId, key: &str, partial: bool) -> Eval<Option<Found>> {
    lookup_value_at(model, id, key, partial, 0)
}

fn lookup_value_at(
    model: &Model,
    id: TableId,
    key: &str,
    partial: bool,
    depth: usize,
) -> Eval<Option<Found>> {
    if depth > 20 {
        return Err(Unknowable);
    }
    let table = model.tables.get(id);
    if table.kind == "cidr" {
        if partial {
            return Ok(None);
        }
        return cidr_lookup(model, id, key);
    }
    match &table.content {
        Content::Entries(entries) => {
            let folded = super::tables::fold(key);
            Ok(entries.get(&folded).map(|i| {
                let e = entries.entry(i);
                Found {
                    value: e.value.to_string(),
                    entry: Some((id, i)),
                    line: None,
                }
            }))
        }
        Content::Everything if table.kind == "static" => {
            let value = table
                .name
                .strip_prefix('{')
                .and_then(|n| n.strip_suffix('}'))
                .unwrap_or(&table.name)
                .trim_ascii();
            Ok(Some(Found {
                value: value.to_string(),
                entry: None,
                line: None,
            }))
        }
        Content::Patterns(patterns) => {
            // Partial keys skip regexp and pcre tables, and maps_find() asks nothing with an
            // empty key; smtpd opens access tables without DICT_FLAG_NO_REGSUB.
            if partial || key.is_empty() {
                return Ok(None);
            }
            let answer = patterns.lookup(key, Substitution::Allowed);
            // smtpd folds some keys and not others; where a case-sensitive rule tells the two
            // apart, the answer is unknown.
            if key.bytes().any(|b| b.is_ascii_uppercase()) {
                let folded = patterns.lookup(&key.to_ascii_lowercase(), Substitution::Allowed);
                let same = match (&answer, &folded) {
                    (
                        PatternAnswer::Found { rule: a, value: x },
                        PatternAnswer::Found { rule: b, value: y },
                    ) => a == b && x.eq_ignore_ascii_case(y),
                    (a, b) => a == b,
                };
                if !same {
                    return Err(Unknowable);
                }
            }
            match answer {
                PatternAnswer::Found { value, .. } if value.is_empty() => Err(Unknowable),
                PatternAnswer::Found { rule, value } => Ok(Some(Found {
                    value: value.into_owned(),
                    entry: None,
                    line: patterns.rules.get(rule as usize).map(|r| r.span),
                })),
                PatternAnswer::NotFound => Ok(None),
                PatternAnswer::Unknown => Err(Unknowable),
            }
        }
        Content::Proxy(inner) => lookup_value_at(model, *inner, key, partial, depth + 1),
        Content::Union(members) => {
            for &m in members {
                if let Some(found) = lookup_value_at(model, m, key, partial, depth + 1)? {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        }
        _ => Err(Unknowable),
    }
}

/// One line of a cidr table: `[!]network value`.
#[derive(Clone, Debug)]
pub(crate) struct CidrRule {
    net: Cidr,
    negated: bool,
    value: String,
    span: Span,
}

/// A cidr table's lines, parsed once per model; None when postlint cannot evaluate the table
/// (no source, `if`/`endif` blocks, a value postlint cannot know).
fn cidr_rules(model: &Model, id: TableId) -> Option<&[CidrRule]> {
    let all = model.cidr_rules.get_or_init(|| {
        model
            .tables
            .iter()
            .filter(|t| t.kind == "cidr")
            .map(|t| {
                let rules = match t.source {
                    Some(file) => parse_cidr(model, file),
                    None => parse_inline_cidr(model, t),
                };
                (t.id, rules)
            })
            .collect()
    });
    all.get(&id)?.as_deref()
}

/// The tables an smtpd's restriction lists (and their classes and table values) consult whose
/// answers postlint cannot all see: unknown content, a cidr table it does not evaluate, or a
/// regexp or pcre table, whose keys it cannot list. A Closed verdict holds as far as these
/// go: the outsider's made-up names are taken to be in none of them. Sorted, each once.
pub fn unseen_tables(model: &Model, smtpd: &Smtpd) -> Vec<String> {
    let stages = StageTables::collect(model, smtpd, super::restrictions::LIST_PARAMS);
    let mut out: Vec<String> = Vec::new();
    for (_, id) in stages.pairs.values().flatten() {
        let table = model.tables.get(*id);
        let unseen = match &table.content {
            Content::Unknown(_) if table.kind == "cidr" => !cidr_evaluated(model, *id),
            Content::Unknown(_) | Content::Patterns(_) => true,
            _ => false,
        };
        if unseen {
            out.push(table.reference());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether smtpd's access checks can evaluate a cidr table (its file or inline rules read,
/// no `if`/`endif`).
pub fn cidr_evaluated(model: &Model, id: TableId) -> bool {
    model.tables.get(id).kind == "cidr" && cidr_rules(model, id).is_some()
}

fn parse_cidr(model: &Model, file: crate::source::FileId) -> Option<Vec<CidrRule>> {
    let text = model.sources.get(file).text().clone();
    let mut rules = Vec::new();
    for line in crate::parse::logical::logical_lines(&text) {
        if line.indented {
            continue; // Postfix skips it with a warning
        }
        rules.extend(cidr_rule(line.text.as_ref(), line.full_span(file))?);
    }
    Some(rules)
}

/// `cidr:{ {rule}, {rule} }` (Postfix 3.7): each rule between its own braces, spaces around
/// it ignored; a rule without braces stops the daemon that opens the table (fatal), so the
/// table is unknown.
fn parse_inline_cidr(model: &Model, table: &super::tables::Table) -> Option<Vec<CidrRule>> {
    let inner = table.name.strip_prefix('{')?.strip_suffix('}')?;
    if inner.contains(super::expand::UNKNOWN) {
        return None;
    }
    let span = table.uses.iter().find_map(|u| u.span)?;
    // Each rule's own text, found in order in the reference as written (the value may be
    // continued over lines); the reference itself where it is not there verbatim.
    let written = model.sources.slice(span);
    let mut cursor = 0;
    let mut rules = Vec::new();
    for (range, body) in crate::parse::table_ref::inline_rules(inner).ok()? {
        let item = &inner[range];
        let rule_span = match written[cursor..].find(item) {
            Some(at) => {
                let start = cursor + at;
                cursor = start + item.len();
                Span {
                    file: span.file,
                    start: span.start + start as u32,
                    end: span.start + cursor as u32,
                }
            }
            None => span,
        };
        rules.extend(cidr_rule(body, rule_span)?);
    }
    Some(rules)
}

/// One cidr line: Some(None) for a line Postfix skips (a bad network, no value), None for
/// `if`/`endif`, which postlint does not evaluate.
fn cidr_rule(body: &str, span: Span) -> Option<Option<CidrRule>> {
    let (pattern, value) = match body.find([' ', '\t']) {
        Some(i) => (&body[..i], body[i..].trim_ascii()),
        None => (body, ""),
    };
    let lower = pattern.to_ascii_lowercase();
    if lower == "if" || lower == "endif" {
        return None;
    }
    let (negated, pattern) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let net = Cidr::parse(pattern);
    Some(net.filter(|_| !value.is_empty()).map(|net| CidrRule {
        net,
        negated,
        value: value.to_string(),
        span,
    }))
}

/// A cidr table lookup: the first line whose network holds the address.
fn cidr_lookup(model: &Model, id: TableId, key: &str) -> Eval<Option<Found>> {
    let rules = cidr_rules(model, id).ok_or(Unknowable)?;
    let Ok(addr) = key.parse::<IpAddr>() else {
        return Ok(None);
    };
    Ok(rules
        .iter()
        .find(|r| r.net.contains(addr) != r.negated)
        .map(|r| Found {
            value: r.value.clone(),
            entry: None,
            line: Some(r.span),
        }))
}

/// `dup_if_truncate()`: one trailing dot goes (not from `..`).
fn truncate_dot(name: &str) -> &str {
    match name.strip_suffix('.') {
        Some(rest) if name.len() > 1 && !rest.ends_with('.') => rest,
        _ => name,
    }
}

/// Postfix's `valid_ipv4_hostaddr()`: four decimal octets of at most 255 (leading zeros
/// allowed), no empty octet, and a first octet of 0 only in 0.0.0.0.
pub(crate) fn valid_ipv4_hostaddr(addr: &str) -> bool {
    let bytes = addr.as_bytes();
    let (mut in_byte, mut count, mut value) = (false, 0, 0u32);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                if !in_byte {
                    in_byte = true;
                    value = 0;
                    count += 1;
                }
                value = value * 10 + u32::from(b - b'0');
                if value > 255 {
                    return false;
                }
            }
            b'.' => {
                if !in_byte || i + 1 == bytes.len() {
                    return false;
                }
                if count == 1 && value == 0 && addr.bytes().any(|c| c != b'0' && c != b'.') {
                    return false;
                }
                in_byte = false;
            }
            _ => return false,
        }
    }
    count == 4
}

/// Postfix's `valid_ipv6_hostaddr()`: up to eight hex fields of at most four digits, one `::`
/// at most, or an IPv4 address in place of the last two fields.
pub(crate) fn valid_ipv6_hostaddr(addr: &str) -> bool {
    let bytes = addr.as_bytes();
    let (mut null_field, mut field, mut len, mut at) = (0, 0, 0usize, 0usize);
    loop {
        match bytes.get(at) {
            None => return field >= 2 && (len != 0 || null_field == field - 1),
            Some(b'.') => {
                return (2..=6).contains(&field) && valid_ipv4_hostaddr(&addr[at - len..]);
            }
            Some(b':') => {
                let next_alnum = bytes.get(at + 1).is_some_and(|b| b.is_ascii_alphanumeric());
                if field == 0 && len == 0 && next_alnum {
                    return false;
                }
                field += 1;
                if field > 7 {
                    return false;
                }
                at += 1;
                len = 0;
                if bytes.get(at) == Some(&b':') {
                    if null_field > 0 {
                        return false;
                    }
                    null_field = field;
                }
            }
            Some(_) => {
                len = bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                if len == 0 || len > 4 {
                    return false;
                }
                at += len;
            }
        }
    }
}

/// Postfix's `valid_hostname()`: labels of letters, digits, `_` and `-` (not first or last
/// in a label), no empty label, no trailing dot, at most 63 characters a label and 255 in all,
/// not all digits.
pub(crate) fn valid_hostname(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut non_numeric = false;
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        for b in label.bytes() {
            if b == b'-' || !b.is_ascii_digit() {
                non_numeric = true;
            }
            if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return false;
            }
        }
    }
    non_numeric
}

/// The domains postlint makes up for an outsider: nobody's, whatever a database holds.
fn is_made_up(domain: &str) -> bool {
    domain.to_ascii_lowercase().ends_with(".invalid")
}

/// Whether mynetworks holds a client, as smtpd matches it (`namadr_list_match()`); None when
/// postlint cannot know.
pub fn mynetworks_contains(
    model: &Model,
    smtpd: &Smtpd,
    addr: IpAddr,
    name: Option<&str>,
) -> Option<bool> {
    let written = smtpd.definition(model, "mynetworks").is_some();
    if !written {
        return default_mynetworks_contains(model, smtpd, addr);
    }
    let value = smtpd.value(model, "mynetworks")?;
    let parent = smtpd
        .list(model, "parent_domain_matches_subdomains")?
        .iter()
        .any(|w| w.text == "mynetworks");
    // The items, with those of the /file/name lists it names in their places.
    let words = crate::parse::list::match_list_items(&value)
        .into_iter()
        .take_while(|item| item.item != crate::parse::list::MatchItem::Comment)
        .map(|item| super::restrictions::Word {
            text: value[item.range].to_string(),
            span: None,
        })
        .collect();
    for word in super::mynetworks::with_files(model, words) {
        use crate::parse::list::MatchItem;
        let Some(word) = word else {
            return None; // a list file postlint cannot read
        };
        let Some(item) = crate::parse::list::match_list_items(&word.text).pop() else {
            continue;
        };
        let matched = match item.item {
            MatchItem::Comment | MatchItem::EmptyNegation => continue,
            MatchItem::File(_) => return None,
            MatchItem::Table(t) => {
                let id = model.tables.find(t)?;
                let mut answer = None;
                for key in [name.unwrap_or("unknown").to_string(), addr.to_string()] {
                    match lookup_value(model, id, &key, false) {
                        Ok(Some(_)) => {
                            answer = Some(true);
                            break;
                        }
                        Ok(None) => {}
                        Err(Unknowable) => return None,
                    }
                }
                answer.unwrap_or(false)
            }
            MatchItem::Literal(pattern) => {
                if let Some(net) = Cidr::parse(pattern) {
                    net.contains(addr)
                } else if pattern.contains('/') || pattern.starts_with('[') {
                    false
                } else {
                    let pattern = pattern.to_ascii_lowercase();
                    match name {
                        None => false,
                        Some(n) => {
                            let n = n.to_ascii_lowercase();
                            n == pattern
                                || (pattern.starts_with('.') && n.ends_with(&pattern))
                                || (parent && n.ends_with(&format!(".{pattern}")))
                        }
                    }
                }
            }
        };
        if matched {
            return Some(!item.negated);
        }
    }
    Some(false)
}

/// The mynetworks Postfix computes from mynetworks_style and the interfaces it listens on
/// (inet_interfaces, inet_protocols): documentation addresses are never in it; a loopback
/// address is when Postfix listens on it (or on its subnet, with the subnet and class
/// styles); anything else depends on the host.
fn default_mynetworks_contains(model: &Model, smtpd: &Smtpd, addr: IpAddr) -> Option<bool> {
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    if super::net::is_documentation(addr) {
        return Some(false);
    }
    if !addr.is_loopback() {
        return None;
    }
    let protocols = smtpd.value(model, "inet_protocols")?;
    if !super::net::family_enabled(&protocols, addr.is_ipv6()) {
        return Some(false);
    }
    let style = smtpd.value(model, "mynetworks_style")?.to_ascii_lowercase();
    let interfaces = smtpd.value(model, "inet_interfaces")?.to_ascii_lowercase();
    let mut known = true;
    for item in interfaces.split([',', ' ', '\t']).filter(|i| !i.is_empty()) {
        if item == "all" || item == "loopback-only" {
            return Some(true);
        }
        match item.trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(listen) if listen == addr => return Some(true),
            Ok(listen)
                if style != "host"
                    && listen.is_loopback()
                    && listen.is_ipv4() == addr.is_ipv4() =>
            {
                return Some(true)
            }
            Ok(_) => {}
            Err(_) => known = false,
        }
    }
    known.then_some(false)
}

/// Whether smtpd accepts this request without relaying for an outsider: an access table
/// lets the client through by its name, one address or a narrow range (a host the
/// administrator trusts, like mynetworks), or a DISCARD action throws the message away.
pub fn accepted_without_relaying(model: &Model, smtpd: &Smtpd, request: &Request) -> bool {
    let (outcome, steps, discard) = evaluate_full(model, smtpd, request, Mode::Exact);
    outcome == Outcome::Accept && (discard || steps.iter().any(|s| trusted_client(model, s)))
}

/// Whether smtpd refuses a user who logged in on this service, from an address outside
/// mynetworks, mail for another domain, in the relay or recipient list: the steps that decided,
/// the last the relay check (`reject_unauth_destination`, `defer_unauth_destination`,
/// `check_relay_domains`, `reject`, `defer`). The user's side is taken everywhere else (see
/// `Mode::User`). None when smtpd accepts, refuses for another reason, or postlint cannot tell.
pub fn refuses_users_relaying(model: &Model, smtpd: &Smtpd) -> Option<Vec<Step>> {
    let addr = outsider_addrs(model, smtpd).into_iter().next()?;
    let request = Request {
        client_addr: addr.to_string(),
        client_name: None,
        helo: OUTSIDER_HELO.to_string(),
        sasl_login: Some("user".to_string()),
        sender: OUTSIDER_SENDER.to_string(),
        recipient: OUTSIDER_RECIPIENT.to_string(),
        client_cert: false,
    };
    let (outcome, steps, _) = evaluate_full(model, smtpd, &request, Mode::User);
    if !matches!(outcome, Outcome::Reject | Outcome::Defer) {
        return None;
    }
    let last = steps.last()?;
    let relay_check = matches!(
        last.word.to_ascii_lowercase().as_str(),
        "reject_unauth_destination"
            | "defer_unauth_destination"
            | "check_relay_domains"
            | "reject"
            | "defer"
    );
    let stage = matches!(
        last.stage.as_str(),
        "smtpd_relay_restrictions" | "smtpd_recipient_restrictions"
    );
    (relay_check && stage).then_some(steps)
}

/// The addresses an outsider may come from on this service: those of [`OUTSIDER_ADDRS`]
/// of a family inet_protocols enables (all when it is unknown) that mynetworks does not hold
/// (or may not: unknown counts as outside).
fn outsider_addrs(model: &Model, smtpd: &Smtpd) -> Vec<&'static str> {
    let protocols = smtpd.value(model, "inet_protocols");
    OUTSIDER_ADDRS
        .iter()
        .copied()
        .filter(|a| {
            let addr: IpAddr = a.parse().expect("valid");
            protocols
                .as_deref()
                .is_none_or(|p| super::net::family_enabled(p, addr.is_ipv6()))
                && mynetworks_contains(model, smtpd, addr, None) != Some(true)
        })
        .collect()
}

/// Whether every outsider of this service comes over IPv6: mynetworks holds each IPv4
/// address an outsider may have (`mynetworks = 0.0.0.0/0`), and IPv6 is on.
pub fn outsiders_only_ipv6(model: &Model, smtpd: &Smtpd) -> bool {
    let addrs = outsider_addrs(model, smtpd);
    !addrs.is_empty() && addrs.iter().all(|a| a.contains(':'))
}

/// What smtpd answers an outsider (a client outside mynetworks, without a login or a
/// certificate, with a made-up HELO name and sender) who asks for `recipient`; None when
/// mynetworks may hold every client.
pub fn outsider_gets(model: &Model, smtpd: &Smtpd, recipient: &str) -> Option<Outcome> {
    let addr = outsider_addrs(model, smtpd).into_iter().next()?;
    Some(client_gets(model, smtpd, addr, Some(recipient)))
}

/// What smtpd answers the client at `client_addr` (no login, no certificate, a made-up HELO
/// name and sender) who asks for `recipient`, or without one for an address in a made-up
/// domain of no class (relaying).
pub fn client_gets(
    model: &Model,
    smtpd: &Smtpd,
    client_addr: &str,
    recipient: Option<&str>,
) -> Outcome {
    let mut request = Request::outsider(client_addr.to_string(), false);
    if let Some(recipient) = recipient {
        request.recipient = recipient.to_string();
    }
    evaluate(model, smtpd, &request)
}

impl Request {
    /// The outsider's request from `client_addr`: a made-up HELO name, sender and recipient,
    /// no login, and a client certificate or not.
    fn outsider(client_addr: String, client_cert: bool) -> Request {
        Request {
            client_addr,
            client_name: None,
            helo: OUTSIDER_HELO.to_string(),
            sasl_login: None,
            sender: OUTSIDER_SENDER.to_string(),
            recipient: OUTSIDER_RECIPIENT.to_string(),
            client_cert,
        }
    }
}

/// Whether smtpd refuses every client outside mynetworks as it connects. With
/// `smtpd_delay_reject = no` it runs smtpd_client_restrictions then, and a client they reject
/// gets the rejection for its greeting and "503 5.7.0 Error: access denied" for EHLO, AUTH and
/// every other command but QUIT (smtpd.c). The clients tried are the outsider's (public
/// addresses outside mynetworks, every DNS and policy check passed) and the addresses in wide
/// public ranges the client tables permit. None when postlint cannot tell.
pub fn refuses_outsiders_at_connect(model: &Model, smtpd: &Smtpd) -> Option<bool> {
    let delay = smtpd.value(model, "smtpd_delay_reject")?;
    if !delay.eq_ignore_ascii_case("no") {
        return Some(false);
    }
    let mut clients: Vec<String> = outsider_addrs(model, smtpd)
        .into_iter()
        .map(String::from)
        .collect();
    if clients.is_empty() {
        return None;
    }
    let stage = "smtpd_client_restrictions";
    let tables = StageTables::collect(model, smtpd, &[stage]);
    let choices = tables.choices(model, stage);
    if tables.truncated.get() {
        return None;
    }
    clients.extend(
        choices
            .iter()
            .filter(|(attr, _)| *attr == Attr::Client)
            .map(|(_, client)| client.clone()),
    );
    for client_addr in clients {
        let request = Request::outsider(client_addr, false);
        let mut ctx = Ctx::new(model, smtpd, &request, Mode::Outsider).ok()?;
        // At the connection nothing else is known (smtpd_check_client()).
        ctx.known = Known {
            helo: false,
            sender: false,
            recipient: false,
        };
        ctx.reset();
        let words = ctx.list(stage).ok()?;
        match ctx.run(stage, &words).ok()? {
            Status::Reject(code) if code > 0 => {}
            _ => return Some(false),
        }
    }
    Some(true)
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
    /// What it relays: "mail for other domains", "mail for postmaster@ at any domain", ...
    pub what: String,
    /// The restrictions that decided, in order.
    pub steps: Vec<Step>,
}

/// The made-up names an outsider uses.
pub const OUTSIDER_HELO: &str = "client.postlint.invalid";
pub const OUTSIDER_SENDER: &str = "someone@sender.postlint.invalid";
pub const OUTSIDER_RECIPIENT: &str = "someone@elsewhere.postlint.invalid";
/// Addresses an outsider may come from (documentation ranges: no real interface has them).
const OUTSIDER_ADDRS: &[&str] = &[
    "203.0.113.77",
    "198.51.100.77",
    "192.0.2.77",
    "2001:db8::77",
];

/// At most this many requests are tried per service.
const MAX_TRIES: usize = 5_000;

/// At most this many restrictions are evaluated per service, over all requests tried.
const MAX_WORK: usize = 2_000_000;

/// What an outsider can choose.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Attr {
    Client,
    Helo,
    Sender,
    Recipient,
}

impl Attr {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The relay verdict of every smtpd service, computed once per model.
pub fn verdict(model: &Model, smtpd: &Smtpd) -> Verdict {
    let processes = super::restrictions::smtpd_processes(model);
    let all = model
        .relay_verdicts
        .get_or_init(|| processes.iter().map(|s| open_relay(model, s)).collect());
    let same = |s: &Smtpd| match (s.service, smtpd.service) {
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        (None, None) => true,
        _ => false,
    };
    match processes.iter().position(same) {
        Some(i) => all[i].clone(),
        None => open_relay(model, smtpd),
    }
}

/// Whether an outsider (not in mynetworks, not authenticated) can relay through this service.
///
/// A breadth-first search: the plain outsider first; when a list refuses a request, the keys
/// of the access tables that list reads (the ones that may permit) become the outsider's next
/// choices of HELO name, sender, recipient or client, on top of the choices already made (a
/// later list may want another value of the same attribute than an earlier one).
pub fn open_relay(model: &Model, smtpd: &Smtpd) -> Verdict {
    let addrs = outsider_addrs(model, smtpd);
    if addrs.is_empty() {
        return Verdict::Unknown("mynetworks may hold every client address".to_string());
    }
    let stage_tables = StageTables::collect(model, smtpd, super::restrictions::LIST_PARAMS);
    // A CA list with the public CAs makes a certificate something an outsider can buy: once
    // every choice without one is refused, the outsider with one.
    let certs = match super::tls::public_trust(model, smtpd.service) {
        Some(_) => &[false, true][..],
        None => &[false][..],
    };
    let (mut queue, mut with_cert): (std::collections::VecDeque<_>, std::collections::VecDeque<_>) =
        certs
            .iter()
            .flat_map(|&cert| addrs.iter().map(move |a| (a, cert)))
            .map(|(a, cert)| (Request::outsider(a.to_string(), cert), 0u8))
            .partition(|(r, _)| !r.client_cert);
    let mut seen: std::collections::HashSet<(String, String, String, String, bool)> =
        std::collections::HashSet::new();
    let mut unknown = None;
    let mut truncated = false;
    let mut tries = 0;
    let mut work = 0;
    while let Some((request, changed)) = queue.pop_front().or_else(|| with_cert.pop_front()) {
        let key = (
            request.client_addr.clone(),
            request.helo.clone(),
            request.sender.clone(),
            request.recipient.clone(),
            request.client_cert,
        );
        if !seen.insert(key) {
            continue;
        }
        if tries >= MAX_TRIES {
            truncated = true;
            break;
        }
        tries += 1;
        // Mail for another domain, to be sent on. A class list that takes every domain
        // (`virtual_mailbox_domains = regexp:` with `/^.+$/ OK`, a test sink) delivers the
        // made-up one here: accepted, not relayed. relay_domains that takes every domain
        // relays it.
        let remote =
            request
                .recipient
                .rsplit_once('@')
                .is_some_and(|(_, d)| match model.resolve_class(d) {
                    Resolved::NoClass => true,
                    Resolved::Unknown | Resolved::Class(super::classes::ClassKind::Relay, _) => {
                        is_made_up(d)
                    }
                    Resolved::Class(..) => false,
                });
        if !remote {
            continue;
        }
        let (outcome, steps, discard, spent) =
            evaluate_counted(model, smtpd, &request, Mode::Outsider);
        work += spent;
        if work > MAX_WORK {
            truncated = true;
            break;
        }
        match outcome {
            Outcome::Accept if discard || steps.iter().any(|s| trusted_client(model, s)) => {
                continue
            }
            Outcome::Accept => {
                let witness = describe(request, changed, steps);
                return Verdict::Open(vec![witness]);
            }
            Outcome::Unknown => {
                unknown.get_or_insert_with(|| "a check postlint cannot evaluate".to_string());
                continue;
            }
            Outcome::Reject | Outcome::Defer => {}
        }
        // The list that refused it: its tables offer the next choices.
        let stage = steps
            .iter()
            .rev()
            .find(|s| matches!(s.status, Status::Reject(_)))
            .map(|s| s.stage.clone());
        let stages: Vec<&str> = match &stage {
            Some(stage) => vec![stage.as_str()],
            // Deferred by defer_if_permit at the end: any list may hold the way through.
            None => super::restrictions::LIST_PARAMS.to_vec(),
        };
        for stage in stages {
            for (attr, value) in stage_tables.choices(model, stage).iter() {
                let mut next = request.clone();
                match attr {
                    Attr::Client => next.client_addr = value.clone(),
                    Attr::Helo => next.helo = value.clone(),
                    Attr::Sender => next.sender = combine(&request.sender, value),
                    Attr::Recipient => next.recipient = combine(&request.recipient, value),
                }
                queue.push_back((next, changed | attr.bit()));
            }
        }
    }
    if truncated || stage_tables.truncated.get() {
        return Verdict::Unknown(format!(
            "more choices than postlint tries ({MAX_TRIES} requests, {MAX_CHOICES} keys a table)"
        ));
    }
    match unknown {
        Some(why) => Verdict::Unknown(why),
        None => Verdict::Closed,
    }
}

/// An address with a choice applied: `user@` replaces the local part, `@domain` the domain,
/// anything else the whole address.
fn combine(current: &str, choice: &str) -> String {
    let (local, domain) = current.rsplit_once('@').unwrap_or((current, ""));
    if let Some(user) = choice.strip_suffix('@') {
        if !user.is_empty() && !domain.is_empty() {
            return format!("{user}@{domain}");
        }
    }
    if let Some(domain) = choice.strip_prefix('@') {
        let local = if local.is_empty() { "someone" } else { local };
        return format!("{local}@{domain}");
    }
    choice.to_string()
}

/// Words for a witness: who sends it and what it relays.
fn describe(request: Request, changed: u8, steps: Vec<Step>) -> Witness {
    let mut parts = Vec::new();
    if changed & Attr::Client.bit() != 0 {
        parts.push(format!("at {}", request.client_addr));
    }
    // Only when the certificate is what lets it through.
    if request.client_cert
        && steps.iter().any(|s| {
            s.status == Status::Permit && s.word.eq_ignore_ascii_case("permit_tls_all_clientcerts")
        })
    {
        parts.push("that presents a certificate from a public CA".to_string());
    }
    if changed & Attr::Helo.bit() != 0 {
        parts.push(format!("that says HELO {}", request.helo));
    }
    if changed & Attr::Sender.bit() != 0 {
        parts.push(format!("that sends MAIL FROM:<{}>", request.sender));
    }
    let who = if parts.is_empty() {
        "any client".to_string()
    } else {
        format!("any client {}", parts.join(" and "))
    };
    let what = match request.recipient.rsplit_once('@') {
        _ if request.recipient == OUTSIDER_RECIPIENT => "mail for other domains".to_string(),
        Some((local, domain)) if is_made_up(domain) => format!("mail for {local}@ at any domain"),
        Some(("someone", domain)) => {
            format!("mail for {domain}, a domain this server does not handle")
        }
        Some((_, domain)) => format!(
            "mail for {}, in {domain}, a domain this server does not handle",
            request.recipient
        ),
        None => format!("mail for {}", request.recipient),
    };
    Witness {
        request,
        who,
        what,
        steps,
    }
}

/// At most this many keys of one table become an outsider's choices.
const MAX_CHOICES: usize = 256;

/// The access tables each restriction list reads (through restriction classes and the lists
/// table values name), and the values an outsider can choose from their keys: the keys whose
/// answers may let a request through. Choices are read when a search first needs a list's.
/// The choices of a restriction list, shared between the requests that need them.
type Choices = std::rc::Rc<Vec<(Attr, String)>>;

struct StageTables {
    pairs: std::collections::HashMap<&'static str, Vec<(String, TableId)>>,
    cache: std::cell::RefCell<std::collections::HashMap<&'static str, Choices>>,
    /// A table the search used had more keys than postlint tries.
    truncated: std::cell::Cell<bool>,
}

impl StageTables {
    /// The access tables of the given restriction lists.
    fn collect(model: &Model, smtpd: &Smtpd, stages: &[&'static str]) -> StageTables {
        let mut pairs = std::collections::HashMap::new();
        for &stage in stages {
            let Some(words) = smtpd.list(model, stage) else {
                continue;
            };
            let mut found = Vec::new();
            let mut visited = std::collections::HashSet::new();
            collect_pairs(model, smtpd, &words, &mut found, &mut visited, 0);
            pairs.insert(stage, found);
        }
        StageTables {
            pairs,
            cache: Default::default(),
            truncated: Default::default(),
        }
    }

    fn choices(&self, model: &Model, stage: &str) -> Choices {
        let Some((&key, pairs)) = self.pairs.get_key_value(stage) else {
            return Default::default();
        };
        if let Some(done) = self.cache.borrow().get(key) {
            return done.clone();
        }
        let mut choices = Vec::new();
        let mut truncated = false;
        for (check, id) in pairs {
            choices.extend(table_choices(model, check, *id, &mut truncated));
        }
        if truncated {
            self.truncated.set(true);
        }
        let choices = std::rc::Rc::new(choices);
        self.cache.borrow_mut().insert(key, choices.clone());
        choices
    }
}

/// The (check, table) pairs of a list and the restriction classes it names.
fn collect_pairs(
    model: &Model,
    smtpd: &Smtpd,
    words: &[Word],
    out: &mut Vec<(String, TableId)>,
    visited: &mut std::collections::HashSet<String>,
    depth: usize,
) {
    if depth > 20 {
        return;
    }
    for (i, word) in words.iter().enumerate() {
        let lower = word.text.to_ascii_lowercase();
        if let Some(next) = words.get(i + 1) {
            if lower.starts_with("check_") && lower.ends_with("_access") {
                if let Some(id) = model.tables.find(&next.text) {
                    out.push((lower.clone(), id));
                    // A value may be a restriction list or a class: its tables count too.
                    if visited.insert(format!("table {}", id.0)) {
                        for value in list_values(model, id) {
                            let words: Vec<Word> = split_list(&value)
                                .into_iter()
                                .map(|r| Word {
                                    text: value[r].to_string(),
                                    span: None,
                                })
                                .collect();
                            collect_pairs(model, smtpd, &words, out, visited, depth + 1);
                        }
                    }
                }
            }
        }
        if let Some(Some(class)) = smtpd.classes.get(word.text.as_str()) {
            if visited.insert(word.text.clone()) {
                collect_pairs(model, smtpd, class, out, visited, depth + 1);
            }
        }
    }
}

/// The named actions of access(5) (check_table_result() in smtpd_check.c); any other value
/// is a number (OK), a reply code, or a restriction list.
const ACTIONS: &[&str] = &[
    "OK",
    "RELAY",
    "REJECT",
    "DEFER",
    "DUNNO",
    "INFO",
    "WARN",
    "HOLD",
    "FILTER",
    "REDIRECT",
    "BCC",
    "PREPEND",
    "HANGUP",
    "DISCARD",
    "DEFER_IF_PERMIT",
    "DEFER_IF_REJECT",
    "DELAY",
];

/// The distinct values of a table that are restriction lists or class names (not plain
/// actions), for following what they check.
fn list_values(model: &Model, id: TableId) -> Vec<String> {
    let Some(entries) = model.tables.get(id).entries() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for value in entries.values() {
        let first = value.split_whitespace().next().unwrap_or("");
        let first = first.trim_end_matches(',');
        let action = ACTIONS.iter().any(|a| first.eq_ignore_ascii_case(a))
            || first.bytes().all(|b| b.is_ascii_digit());
        if !action && !out.iter().any(|v| v == value) {
            out.push(value.to_string());
            if out.len() >= MAX_CHOICES {
                break;
            }
        }
    }
    out
}

/// The choices one table offers an outsider.
fn table_choices(
    model: &Model,
    check: &str,
    id: TableId,
    truncated: &mut bool,
) -> Vec<(Attr, String)> {
    let mut out = Vec::new();
    let table = model.tables.get(id);
    if table.kind == "cidr" {
        if check == "check_client_access" {
            let mut clients = Vec::new();
            cidr_candidates(model, id, &mut clients);
            out.extend(clients.into_iter().map(|c| (Attr::Client, c)));
        }
        return out;
    }
    if let Some(patterns) = table.patterns() {
        pattern_choices(model, check, patterns, &mut out);
        return out;
    }
    let Some(entries) = table.entries() else {
        return out;
    };
    for entry in entries.iter() {
        if !may_permit(entry.value) {
            continue;
        }
        if out.len() >= MAX_CHOICES {
            *truncated = true;
            break;
        }

        let key = entry.key;
        match check {
            "check_helo_access" => {
                if let Some(name) = domain_example(key) {
                    out.push((Attr::Helo, name.into_owned()));
                }
            }
            "check_sender_access" => {
                if key == "<>" {
                    out.push((Attr::Sender, String::new()));
                } else if let Some(choice) = address_choice(key) {
                    out.push((Attr::Sender, choice.text()));
                }
            }
            "check_recipient_access" => {
                // A domain this server handles never makes a relay witness (an ISP's table has
                // a key for each hosted domain: nothing is allocated for those).
                if let Some(choice) = address_choice(key) {
                    let domain = choice.domain();
                    if domain.is_empty()
                        || !matches!(model.resolve_class(domain), Resolved::Class(..))
                    {
                        out.push((Attr::Recipient, choice.text()));
                    }
                }
            }
            "check_client_access" => {
                if let Some(a) = broad_client_example(key) {
                    out.push((Attr::Client, a));
                }
            }
            _ => {}
        }
    }
    out
}

/// Local parts an outsider tries against a regexp or pcre table, whose keys cannot be listed:
/// the role names access tables single out (`/^postmaster@/ OK`).
const ROLE_PARTS: &[&str] = &[
    "postmaster",
    "abuse",
    "root",
    "hostmaster",
    "webmaster",
    "admin",
    "info",
    "mailer-daemon",
    "someone",
];

/// What an outsider tries against a regexp or pcre table that may permit: for each rule
/// whose result may permit, role addresses at a made-up domain and at each domain written
/// in its pattern (`/@partner\.example$/ OK`), the null sender, and those domains as HELO
/// names. Each choice is then looked up like any other request, so a rule that does not
/// match it changes nothing.
fn pattern_choices(
    model: &Model,
    check: &str,
    patterns: &super::patterns::PatternTable,
    out: &mut Vec<(Attr, String)>,
) {
    let mut domains: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, rule) in patterns.rules.iter().enumerate() {
        // Each domain gives at least one choice: no more than that many are needed.
        if domains.len() >= MAX_CHOICES {
            break;
        }
        let super::patterns::Op::Match { result, .. } = &rule.op else {
            continue;
        };
        if !may_permit(&result.text) {
            continue;
        }
        if domains.is_empty() {
            // The outsider's own made-up domain, as in OUTSIDER_RECIPIENT.
            let made_up = OUTSIDER_RECIPIENT.split_once('@').map_or("", |(_, d)| d);
            seen.insert(made_up.to_string());
            domains.push(made_up.to_string());
        }
        for domain in patterns.literal_domains(i as u32) {
            if seen.insert(domain.clone()) {
                domains.push(domain);
            }
        }
    }
    // The null sender, looked up as `<>` (smtpd_null_access_lookup_key).
    if check == "check_sender_access" && !domains.is_empty() {
        out.push((Attr::Sender, String::new()));
    }
    for domain in &domains {
        // A domain this server handles never makes a relay witness.
        let hosted = matches!(model.resolve_class(domain), Resolved::Class(..));
        match check {
            "check_helo_access" => out.push((Attr::Helo, domain.clone())),
            "check_sender_access" => out.extend(
                ROLE_PARTS
                    .iter()
                    .map(|local| (Attr::Sender, format!("{local}@{domain}"))),
            ),
            "check_recipient_access" if !hosted => out.extend(
                ROLE_PARTS
                    .iter()
                    .map(|local| (Attr::Recipient, format!("{local}@{domain}"))),
            ),
            _ => {}
        }
        if out.len() >= MAX_CHOICES {
            out.truncate(MAX_CHOICES);
            break;
        }
    }
}

/// Whether a step lets a client through by a name, one address or a narrow range: a trusted
/// host the administrator listed, as in mynetworks, not an outsider.
fn trusted_client(model: &Model, step: &Step) -> bool {
    let word = step.word.to_ascii_lowercase();
    if step.status != Status::Permit
        || !(word.starts_with("check_client_access")
            || word.starts_with("check_reverse_client_access"))
    {
        return false;
    }
    let key = if let Some((table, i)) = step.entry {
        match model.tables.get(table).entries() {
            Some(entries) => entries.entry(i).key.to_string(),
            None => return true,
        }
    } else if let Some(line) = step.line {
        // A file's line, or an inline table's `{rule}`; a whole `cidr:{...}` reference (a rule
        // postlint could not place) tells nothing.
        let text = model.sources.slice(line);
        if text.trim_ascii_start().starts_with("cidr:") {
            return true;
        }
        let text = text.trim_start_matches(['{', ' ', '\t']);
        text.split_whitespace().next().unwrap_or("").to_string()
    } else {
        return true;
    };
    broad_client_example(&key).is_none()
}

/// Whether an access table value may let a request through (anything but a plain reject).
fn may_permit(value: &str) -> bool {
    let first = value.split_whitespace().next().unwrap_or("");
    let numeric_reply = first.len() == 3
        && (first.starts_with('4') || first.starts_with('5'))
        && first.bytes().all(|b| b.is_ascii_digit());
    let is = |action: &&str| first.eq_ignore_ascii_case(action);
    let permits = ["OK", "RELAY", "DISCARD"].iter().any(is);
    !numeric_reply && (permits || !ACTIONS.iter().any(is))
}

/// A host name an access key matches: the key itself, or a name under `.example.com`.
fn domain_example(key: &str) -> Option<Cow<'_, str>> {
    // One pass over the key; an address it could be is IPv4 (an IPv6 one has a `:`).
    if key.bytes().any(|b| matches!(b, b'@' | b'/' | b':' | b'['))
        || (key.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && key.parse::<std::net::Ipv4Addr>().is_ok())
    {
        return None;
    }
    let key = key.trim_end_matches('.');
    if let Some(parent) = key.strip_prefix('.') {
        return (!parent.is_empty()).then(|| Cow::Owned(format!("host.{parent}")));
    }
    (!key.is_empty()).then_some(Cow::Borrowed(key))
}

/// What a key of a sender or recipient table lets an outsider choose.
enum Choice<'k> {
    /// `user@`: the local part.
    Local(&'k str),
    /// `domain` or `.domain`: the domain (a name under `.domain`).
    Domain(Cow<'k, str>),
    /// `user@domain`: the whole address.
    Address(&'k str),
}

impl Choice<'_> {
    /// The domain the choice names; empty for a local part.
    fn domain(&self) -> &str {
        match self {
            Choice::Local(_) => "",
            Choice::Domain(domain) => domain,
            Choice::Address(address) => address.rsplit_once('@').map_or("", |(_, d)| d),
        }
    }

    /// The choice as `combine` applies it: `user@`, `@domain` or the address.
    fn text(&self) -> String {
        match self {
            Choice::Local(local) => format!("{local}@"),
            Choice::Domain(domain) => format!("@{domain}"),
            Choice::Address(address) => address.to_string(),
        }
    }
}

/// What a key of a sender or recipient table lets an outsider choose, if anything.
fn address_choice(key: &str) -> Option<Choice<'_>> {
    if key == "<>" || key.contains(['/', '[', ' ']) {
        return None;
    }
    match key.split_once('@') {
        Some((local, "")) if !local.is_empty() => Some(Choice::Local(local)),
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            Some(Choice::Address(key))
        }
        Some(_) => None,
        None => domain_example(key).map(Choice::Domain),
    }
}

/// Clients an outsider may have: addresses in wide public ranges a client table permits
/// (narrow ranges and names are trusted hosts, like mynetworks).
fn broad_client_example(key: &str) -> Option<String> {
    let net = Cidr::parse(key).or_else(|| {
        // `192.0.2` matches 192.0.2.0/24 in a hash table.
        let parts: Vec<&str> = key.split('.').collect();
        if key.contains(':') || parts.len() >= 4 || parts.iter().any(|p| p.parse::<u8>().is_err()) {
            return None;
        }
        let mut octets = parts.clone();
        while octets.len() < 4 {
            octets.push("0");
        }
        Cidr::parse(&format!("{}/{}", octets.join("."), parts.len() * 8))
    })?;
    let wide = if net.addr.is_ipv4() {
        net.len < 24
    } else {
        net.len < 48
    };
    if !wide || super::net::is_not_public(&net) {
        return None;
    }
    example_in(&net)
}

fn cidr_candidates(model: &Model, id: TableId, out: &mut Vec<String>) {
    for rule in cidr_rules(model, id).unwrap_or_default() {
        if rule.negated || !may_permit(&rule.value) {
            continue;
        }
        if let Some(example) = broad_client_example(&rule.net.text()) {
            out.push(example);
        }
    }
}

/// A public address inside a network (its first address past .0, or the network itself).
fn example_in(net: &Cidr) -> Option<String> {
    for probe in OUTSIDER_ADDRS
        .iter()
        .chain(["8.8.8.8", "2a00:1450::77"].iter())
    {
        let addr: IpAddr = probe.parse().ok()?;
        if net.contains(addr) {
            return Some(probe.to_string());
        }
    }
    match net.addr {
        IpAddr::V4(a) => {
            let next = std::net::Ipv4Addr::from(u32::from(a).wrapping_add(77));
            net.contains(IpAddr::V4(next)).then(|| next.to_string())
        }
        IpAddr::V6(a) => {
            let next = std::net::Ipv6Addr::from(u128::from(a).wrapping_add(0x77));
            net.contains(IpAddr::V6(next)).then(|| next.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn address_literals_as_postfix_validates_them() {
        use super::{valid_ipv4_hostaddr as v4, valid_ipv6_hostaddr as v6};
        for good in ["192.0.2.55", "0.0.0.0", "010.001.2.3", "255.255.255.255"] {
            assert!(v4(good), "{good}");
        }
        for bad in [
            "300.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "0.1.2.3",
            "a.b.c.d",
            "",
        ] {
            assert!(!v4(bad), "{bad}");
        }
        for good in [
            "2001:db8::1",
            "::1",
            "::",
            "1:2:3:4:5:6:7:8",
            "::ffff:192.0.2.1",
            "fe80::",
        ] {
            assert!(v6(good), "{good}");
        }
        for bad in [
            "1",
            "2001:db8:::1",
            "1::2::3",
            "12345::1",
            "1:2:3:4:5:6:7:8:9",
            ":1:2",
            "g::1",
            "1:",
        ] {
            assert!(!v6(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn hostnames() {
        assert!(valid_hostname("mail.example.com"));
        assert!(valid_hostname("localhost"));
        assert!(!valid_hostname("-bad.example"));
        assert!(!valid_hostname("1.2.3.4"));
        assert!(!valid_hostname("a..b"));
    }

    #[test]
    fn outsider_values() {
        assert_eq!(
            domain_example(".example.com").as_deref(),
            Some("host.example.com")
        );
        // Addresses and networks are no host names; a partial IPv4 address is (as a name).
        for key in [
            "192.0.2.1",
            "2001:db8::1",
            "::1",
            "[192.0.2.1]",
            "192.0.2.0/24",
            "a@b",
        ] {
            assert_eq!(domain_example(key), None, "{key}");
        }
        assert_eq!(domain_example("192.0.2").as_deref(), Some("192.0.2"));
        assert_eq!(domain_example("mx.example.").as_deref(), Some("mx.example"));
        let choices = [
            ("postmaster@", Some("postmaster@")),
            ("example.com", Some("@example.com")),
            (".example.com", Some("@host.example.com")),
            ("a@b.example", Some("a@b.example")),
            ("<>", None),
            ("@", None),
        ];
        for (key, choice) in choices {
            assert_eq!(
                address_choice(key).map(|c| c.text()).as_deref(),
                choice,
                "{key}"
            );
        }
        let combined = [
            ("someone@x.invalid", "postmaster@", "postmaster@x.invalid"),
            (
                "postmaster@x.invalid",
                "@remote.example",
                "postmaster@remote.example",
            ),
            ("postmaster@x.invalid", "a@b.example", "a@b.example"),
            ("", "@remote.example", "someone@remote.example"),
        ];
        for (current, choice, result) in combined {
            assert_eq!(combine(current, choice), result, "{current} + {choice}");
        }
        let clients = [
            ("0.0.0.0/0", Some("203.0.113.77")),
            ("192.0.2.7", None),
            ("10", None),
        ];
        for (key, example) in clients {
            assert_eq!(broad_client_example(key).as_deref(), example, "{key}");
        }
        assert!(broad_client_example("8").is_some());
        assert!(may_permit("OK"));
        assert!(may_permit("permit_mynetworks, reject"));
        assert!(!may_permit("REJECT no"));
        assert!(!may_permit("554 no"));
    }
}
