#!/usr/bin/env python3
"""Which main.cf parameters each Postfix daemon reads, from Postfix's own C sources.

Writes data/postfix-daemon-params.tsv for the rule override-unused: a master.cf `-o name=value`
reaches only the process of that service, so it does something only when that program reads
`name`. Run on a git mirror of github.com/vdukhovni/postfix (never a work tree):

    scripts/gen-daemon-params.py --git-dir /work/.mirror/vdukhovni+postfix/repo

Last run on: the newest patch release of every stable line from 3.7 on (v3.7.22, v3.8.20,
v3.9.14, v3.10.13, v3.11.6; the newest release in the mirror is v3.11.6) plus v3.7.11, the
release Debian bookworm installs and the oracle tests run; the commits are in the file's header.
The data is the union over those releases: a name some release's program reads counts as read.

How a program reads a parameter, and where this script finds it (the same places
src/postconf/extract.awk scans to build postconf's list of names):

1. its own tables: `static const CONFIG_<TYPE>_TABLE x[] = {...}` in its source directory,
   handed to the server skeleton (single_server_main(..., CA_MAIL_SERVER_STR_TABLE(x), ...))
   or to get_mail_conf_<type>_table(); plus one-off get_mail_conf_<type>(VAR_X, ...) calls.
   The table parser is scripts/gen-version-data.py's (imported, not copied): the same rows as
   data/postfix-params.tsv. src/smtp is one binary with two sets of tables chosen by the
   process name (smtp.c: smtp_mode): smtp_params.c for smtp, lmtp_params.c for lmtp.
2. the global tables of src/global/mail_params.c (mail_params_init(), which every server
   skeleton calls): read by every program ('*').
3. library tables: src/tls/tls_misc.c (tls_param_init(), tls_pre_jail_init()) for the
   programs that call them (smtp, lmtp, smtpd, tlsproxy). No other library directory (dns,
   milter, xsasl, util) has a table or a get_mail_conf_*() call of its own; the mail_conf_lookup()
   calls in mail_params.c only test whether a name is set, to decide whether to log a
   compatibility warning, and read no value.
4. names a program builds at run time: get_mail_conf_<type>2(prefix, SUFFIX, ...) and
   qmgr_feedback_init(..., prefix, SUFFIX, ...). The queue managers read
   <transport>SUFFIX for every transport they schedule; pipe and spawn read <service>SUFFIX
   for their own master.cf service name (get_mail_conf_time2(service, _MAXTIME, ...)).
5. `$name` in a default: a program that reads X, whose built-in default is `$Y` (or
   `${Y?...}`, `${{$Y} ...}`), expands Y in its own process, so an `-o Y=...` changes X there.
   Closed transitively per release, over the defaults of the release's tables
   (tlsproxy_tls_cert_file = $smtpd_tls_cert_file makes tlsproxy a reader of
   smtpd_tls_cert_file).

Not a read, and left out: names only postconf knows (install_table.h), the master daemon's own
tables (master(8) reads main.cf, never a service's -o), and commands that are not daemons
(postdrop, sendmail, postqueue, ...). Reads through `$name` in a configured value, restriction
classes (smtpd_restriction_classes), and bounce templates (bounce_template_file, any name)
depend on the setup: the rule decides those from the configuration, not from this file.

Standard library only.
"""

import argparse
import importlib.util
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("gen_version_data", os.path.join(HERE, "gen-version-data.py"))
gvd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gvd)

# The daemons master.cf can run (the commands in daemon_directory): the source directory of
# each, and the program names it serves. Commands that are not daemons are not here.
DAEMON_DIRS = {
    "anvil": ["anvil"],
    "bounce": ["bounce"],
    "cleanup": ["cleanup"],
    "discard": ["discard"],
    "dnsblog": ["dnsblog"],
    "error": ["error"],
    "flush": ["flush"],
    "local": ["local"],
    "nbdb_reindexd": ["nbdb_reindexd"],
    "oqmgr": ["oqmgr"],
    "pickup": ["pickup"],
    "pipe": ["pipe"],
    "postlogd": ["postlogd"],
    "postscreen": ["postscreen"],
    "proxymap": ["proxymap"],
    "qmgr": ["qmgr"],
    "qmqpd": ["qmqpd"],
    "scache": ["scache"],
    "showq": ["showq"],
    "smtp": ["smtp", "lmtp"],
    "smtpd": ["smtpd"],
    "spawn": ["spawn"],
    "tlsmgr": ["tlsmgr"],
    "tlsproxy": ["tlsproxy"],
    "trivial-rewrite": ["trivial-rewrite"],
    "verify": ["verify"],
    "virtual": ["virtual"],
}
DAEMONS = sorted({p for progs in DAEMON_DIRS.values() for p in progs})
# Programs that read main.cf but are no master.cf service: the master daemon itself (it reads
# main.cf, never a service's -o) and the commands. Kept as readers, so that a name only they
# read is known to do nothing in a daemon's -o.
OTHER_PROGRAMS = {"master", "postalias", "postcat", "postdrop", "postfix", "postkick", "postlock",
                  "postlog", "postmap", "postmulti", "postqueue", "postsuper", "posttls-finger",
                  "sendmail"}

# The release Debian bookworm installs, which the oracle tests run.
INSTALLED_TAG = "v3.7.11"

# `$name`, `${name}`, `$(name)`, `${name?x}`, `${{$name} < {x}}`; not `${fn{...}}`, a function
# call (3.11's domain_to_ascii).
REF_RE = re.compile(r"\$[{(]?([A-Za-z0-9_]+)(?![A-Za-z0-9_{])")
# A raw parameter is never $-expanded as a whole: the program expands its own attributes at
# delivery time ($home in forward_path, $rbl_code in default_rbl_reply). Only a default that is
# one `$name` refers to a parameter: postscreen evaluates those once (contains_only_parameter()).
WHOLE_REF_RE = re.compile(r"\$\{?([A-Za-z0-9_]+)\}?")
DERIVED_RE = re.compile(
    r"\bget_mail_conf_(?:str|int|bool|time|nint|nbool|long)2\s*\(\s*(\w+)\s*,\s*(_[A-Z0-9_]+)"
    r"|\bqmgr_feedback_init\s*\([^,()]+,\s*(\w+)\s*,\s*(_[A-Z0-9_]+)")


def releases(git, extra_tags):
    rels, _ = gvd.find_releases(git)
    tags = [(r["tag"], r["commit"]) for r in rels]
    for tag in extra_tags:
        if tag not in [t for t, _ in tags]:
            tags.append((tag, git.run("rev-list", "-n", "1", tag).strip()))
    key = lambda t: tuple(int(x) for x in t[0][1:].split("."))
    return sorted(tags, key=key)


def table_readers(entries):
    """name -> set of daemons (or '*') whose tables read it, and name -> default texts."""
    readers, defaults = defaultdict(set), defaultdict(set)
    for e in entries:
        for prog in e["programs"]:
            if prog == "*" or prog in DAEMONS or prog in OTHER_PROGRAMS:
                readers[e["name"]].add(prog)
            else:
                # A library or command directory this script does not place: say so, and
                # count it as read by every program (no false alarm).
                print("warning: %s: %s read from %s, counted as read by every program"
                      % (e["name"], prog, e["origin"]), file=sys.stderr)
                readers[e["name"]].add("*")
        for alt in e["alts"]:
            if not isinstance(alt, str):
                continue
            if e["type"] == "raw":
                whole = WHOLE_REF_RE.fullmatch(alt)
                if not whole:
                    continue
                alt = "$" + whole.group(1)
            defaults[e["name"]].add(alt)
    return readers, defaults


def derived_names(files):
    """(prefix kind, suffix) -> daemons: names built from a transport or service name."""
    headers = defaultdict(list)
    for path, text in files.items():
        if path.endswith(".h"):
            for name, body in gvd.preprocess(text)[1]:
                if body not in headers[name]:
                    headers[name].append(body)
    macros = gvd.Macros([headers])
    out = defaultdict(set)
    for path, text in sorted(files.items()):
        rel = path[len(gvd.SRC) + 1:]
        d = rel.split("/")[0]
        if not path.endswith(".c") or d not in DAEMON_DIRS:
            continue
        code = gvd.preprocess(text)[0]
        for m in DERIVED_RE.finditer(code):
            prefix = m.group(1) or m.group(3)
            suffix = gvd.resolve(macros, m.group(2) or m.group(4))
            if len(suffix) != 1 or suffix[0][0] != "str":
                print("warning: %s: cannot resolve %s" % (rel, m.group(0)), file=sys.stderr)
                continue
            # The queue managers look up the transport of each queue entry; pipe and spawn
            # their own service name (the master.cf name, main()'s `service`).
            kind = {"name": "<transport>", "service": "<service>"}.get(prefix)
            if kind is None:
                print("warning: %s: unknown name prefix %r" % (rel, prefix), file=sys.stderr)
                continue
            for prog in DAEMON_DIRS[d]:
                out[kind + suffix[0][1]].add(prog)
    return out


def closure(readers, defaults):
    """name -> {daemon or '*': the parameter it reads whose default refers to name}, for the
    names a daemon reads only through a default (closed transitively)."""
    via = defaultdict(dict)
    refs = {name: sorted({r for text in texts for r in REF_RE.findall(text)})
            for name, texts in defaults.items()}
    reads = defaultdict(set)
    for name, progs in readers.items():
        for p in progs:
            reads[p].add(name)
    for prog in ["*"] + DAEMONS:
        seen = set(reads.get(prog, set())) | set(reads.get("*", set()))
        todo = sorted(seen)
        while todo:
            name = todo.pop()
            for ref in refs.get(name, []):
                if ref in seen:
                    continue
                seen.add(ref)
                todo.append(ref)
                via[ref][prog] = name
    # A name every daemon reaches through a global default needs no daemon of its own.
    for name, progs in via.items():
        if "*" in progs:
            for prog in [p for p in progs if p != "*"]:
                del progs[prog]
    return via


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--git-dir", required=True, help="git directory of a vdukhovni/postfix mirror")
    ap.add_argument("--extra-tag", action="append", default=[INSTALLED_TAG],
                    help="a release tag to add to the union (default: %s, the installed 3.7)" % INSTALLED_TAG)
    ap.add_argument("--out", default="data/postfix-daemon-params.tsv")
    args = ap.parse_args()
    git = gvd.Git(args.git_dir)
    tags = releases(git, args.extra_tag)

    readers = defaultdict(set)       # name -> daemons ('*': all) whose tables read it
    via_default = defaultdict(set)   # name -> "daemon:param" where a default brings it in
    derived = defaultdict(set)
    for tag, commit in tags:
        paths = [p for p in git.run("ls-tree", "-r", "--name-only", commit, gvd.SRC).split("\n")
                 if p.endswith((".c", ".h"))]
        files = git.read_blobs(commit, paths)
        entries = gvd.extract_params(git, {"tag": tag}, files)
        rel_readers, rel_defaults = table_readers(entries)
        for name, progs in rel_readers.items():
            readers[name] |= progs
        for name, progs in closure(rel_readers, rel_defaults).items():
            for prog, param in progs.items():
                via_default[name].add("%s:%s" % (prog, param))
        for name, progs in derived_names(files).items():
            derived[name] |= progs

    rows = []
    for name in sorted(set(readers) | set(via_default)):
        progs = readers.get(name, set())
        shown = "*" if "*" in progs else ",".join(sorted(progs)) or "-"
        notes = sorted(via_default.get(name, ()))
        if "*" in progs:
            notes = []
        elif any(n.startswith("*:") for n in notes):
            notes = [n for n in notes if n.startswith("*:")]
        rows.append((name, shown, ",".join(notes) or "-"))
    for name in sorted(derived):
        rows.append((name, ",".join(sorted(derived[name])), "-"))

    with open(args.out, "w") as f:
        f.write("# Which Postfix daemons read each main.cf parameter: a master.cf `-o name=value` reaches only its\n")
        f.write("# service's process, and changes something only when that program reads `name`.\n")
        f.write("# Generated by: scripts/gen-daemon-params.py --git-dir %s\n" % args.git_dir)
        f.write("# Union over these releases (a name any of them reads counts as read):\n")
        for tag, commit in tags:
            f.write("#   %s\t%s\n" % (tag, commit))
        f.write("# programs:\t%s\n" % " ".join(DAEMONS))
        f.write("#\n")
        f.write("# Columns (TAB-separated):\n")
        f.write("#   name      a parameter name; <transport>SUFFIX: the name of any transport the queue manager\n")
        f.write("#             schedules, then SUFFIX; <service>SUFFIX: the reading process's own master.cf service name\n")
        f.write("#   readers   the programs whose tables read it, in some release above: daemons (master.cf commands),\n")
        f.write("#             the master daemon, commands (sendmail, postdrop, ...); '*': every daemon (the global\n")
        f.write("#             tables of src/global/mail_params.c); '-': none (only through a default, see via)\n")
        f.write("#   via       '-', or DAEMON:PARAM for each daemon that reads it because the default of PARAM, which it\n")
        f.write("#             reads, refers to it ($name), in some release above; '*:PARAM': every daemon does\n")
        f.write("#             (PARAM is a global parameter). A daemon reads the name when it is in readers or in via.\n")
        f.write("#\n")
        f.write("# name\treaders\tvia\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print("wrote %d rows to %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
