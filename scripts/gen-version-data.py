#!/usr/bin/env python3
"""Extract per-release Postfix main.cf parameter types/limits, smtpd restriction
names and lookup-table types from Postfix's own C sources.

Reads a git mirror of github.com/vdukhovni/postfix (sources live under the
postfix/ subdirectory; releases are tags vMAJOR.MINOR.PATCH) with `git show` /
`git cat-file`, never a work tree, so it can be rerun against a newer mirror:

    scripts/gen-version-data.py --git-dir /work/.mirror/vdukhovni+postfix/repo

Writes data/postfix-params.tsv, data/postfix-restrictions.tsv,
data/postfix-map-types.tsv and data/postfix-deprecation-warnings.tsv (see --out-dir).
Standard library only.

How a parameter's type is found: Postfix programs declare their parameters in
static tables (CONFIG_STR_TABLE, CONFIG_INT_TABLE, ...) that are handed to
get_mail_conf_*_table() or to the server skeletons; src/global/mail_params.c
holds the tables every program reads.  postconf(1) builds its own list of
parameters the same way (src/postconf/extract.awk scans ../*/*.c), so the
names found here are the names `postconf -d` knows, plus a few one-off
get_mail_conf_xxx(VAR_X, DEF_X, ...) calls outside tables.
"""

import argparse
import ast
import os
import re
import subprocess
import sys
from collections import defaultdict, OrderedDict

FIRST_LINE = (3, 7)
SRC = "postfix/src"

# --------------------------------------------------------------------------
# git access


class Git:
    def __init__(self, git_dir):
        self.git_dir = git_dir

    def run(self, *args):
        return subprocess.run(["git", "--git-dir=" + self.git_dir] + list(args),
                              check=True, stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")

    def read_blobs(self, rev, paths):
        """Read many files at one revision with one `git cat-file --batch`."""
        if not paths:
            return {}
        req = "".join("%s:%s\n" % (rev, p) for p in paths).encode()
        out = subprocess.run(["git", "--git-dir=" + self.git_dir, "cat-file", "--batch"],
                             input=req, check=True, stdout=subprocess.PIPE).stdout
        res, pos = {}, 0
        for p in paths:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].decode()
            pos = nl + 1
            if header.endswith(" missing"):
                continue
            size = int(header.split()[2])
            res[p] = out[pos:pos + size].decode("latin-1")
            pos += size + 1
        return res


def find_releases(git):
    """Newest patch tag vX.Y.Z of each stable line X.Y >= 3.7 (odd/even do not matter for
    Postfix: stable lines are the ones with X.Y.Z release tags; snapshots live on master
    as postfix-X.Y-YYYYMMDD commits without v-tags)."""
    best = {}
    for t in git.run("tag", "--list", "v*").split():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", t)
        if not m:
            continue
        line = (int(m.group(1)), int(m.group(2)))
        if line < FIRST_LINE:
            continue
        patch = int(m.group(3))
        if line not in best or patch > best[line][0]:
            best[line] = (patch, t)
    lines = sorted(best)
    # Detect a gap (a release line with no tag) between 3.7 and the newest one.
    missing = []
    if lines:
        major = 3
        for minor in range(FIRST_LINE[1], lines[-1][1] + 1):
            if (major, minor) not in best and lines[-1][0] == 3:
                missing.append("%d.%d" % (major, minor))
    rels = []
    for line in lines:
        tag = best[line][1]
        commit = git.run("rev-list", "-n", "1", tag).strip()
        date = git.run("log", "-1", "--format=%cs", commit).strip()
        rels.append({"line": "%d.%d" % line, "key": line, "tag": tag, "commit": commit, "date": date})
    return rels, missing


# --------------------------------------------------------------------------
# C source handling


def strip_comments(text):
    """Join continuation lines and replace comments by spaces (newlines kept)."""
    text = text.replace("\\\r\n", "").replace("\\\n", "")
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" ")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


# Symbols assumed undefined: test drivers, and the snapshot/non-production version suffixes
# (release tags are built without them).
ASSUME_UNDEFINED = {"TEST", "SNAPSHOT", "NONPROD"}
# OpenSSL short names used in TLS defaults (#if defined(SN_x) && defined(NID_x) is taken as true).
OPENSSL_SN = {
    "SN_X25519": '"X25519"', "SN_X448": '"X448"', "SN_X9_62_prime256v1": '"prime256v1"',
    "SN_secp384r1": '"secp384r1"', "SN_secp521r1": '"secp521r1"', "SN_ffdhe2048": '"ffdhe2048"',
    "SN_ffdhe3072": '"ffdhe3072"',
}


def cond_kind(directive, cond):
    """'true', 'false' or 'both' (= keep every branch) for a conditional directive."""
    if directive == "if" and cond == "0":
        return "false"
    if directive == "if" and cond == "1":
        return "true"
    if directive in ("ifdef", "ifndef") and cond in ASSUME_UNDEFINED:
        return "false" if directive == "ifdef" else "true"
    m = re.fullmatch(r"defined\s*\(?\s*(\w+)\s*\)?", cond)
    if directive == "if" and m and m.group(1) in ASSUME_UNDEFINED:
        return "false"
    terms = re.split(r"\s*&&\s*", cond)
    if directive == "if" and all(re.fullmatch(r"defined\s*\(\s*(SN|NID)_\w+\s*\)", t) for t in terms):
        return "true"
    return "both"


def preprocess(text):
    """Drop `#if 0` and `#ifdef TEST` regions (and the #else of `#if 1`, `#ifndef TEST`);
    keep every other conditional branch.  Returns (code lines without directives,
    list of object-like #defines (name, body) in active regions)."""
    text = strip_comments(text)
    lines_out, defines = [], []
    stack = []  # each: [parent_active, this_branch_active, kind]
    active = True
    for line in text.split("\n"):
        m = re.match(r"\s*#\s*(\w+)(.*)", line)
        if not m:
            lines_out.append(line if active else "")
            continue
        lines_out.append("")
        d, rest = m.group(1), m.group(2)
        if d in ("if", "ifdef", "ifndef"):
            kind = cond_kind(d, rest.strip())
            stack.append([active, kind])
            if kind == "false":
                active = False
        elif d in ("else", "elif"):
            if stack:
                parent, kind = stack[-1]
                if kind == "false":
                    active = parent
                elif kind == "true":
                    active = False
                else:
                    active = parent
        elif d == "endif":
            if stack:
                active = stack.pop()[0]
        elif d == "define" and active:
            dm = re.match(r"\s+([A-Za-z_]\w*)(\(?)(.*)", rest)
            if dm and not dm.group(2):
                defines.append((dm.group(1), dm.group(3).strip()))
    return "\n".join(lines_out), defines


TOKEN_RE = re.compile(r'''\s*(?:
    (?P<str>"(?:\\.|[^"\\])*")
  | (?P<chr>'(?:\\.|[^'\\])*')
  | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op><<|>>|[-+*/%()&|~!?:<>=,.\[\]{}^])
  )''', re.X)


def tokenize(s):
    toks, pos = [], 0
    s = s.strip()
    while pos < len(s):
        m = TOKEN_RE.match(s, pos)
        if not m or m.end() == pos:
            toks.append(("op", s[pos]))
            pos += 1
            continue
        pos = m.end()
        for k in ("str", "chr", "num", "id", "op"):
            if m.group(k) is not None:
                toks.append((k, m.group(k)))
                break
    return toks


def c_unescape(lit):
    body = lit[1:-1]
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            if m:
                out.append(chr(int(m.group(0), 8)))
                i += 1 + len(m.group(0))
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class Macros:
    """Object-like macros from headers plus the current source file.  A name may have
    several definitions (#ifdef branches): all distinct bodies are kept."""

    def __init__(self, layers):
        # layers: list of dict name -> [bodies], highest priority first
        self.layers = layers

    def lookup(self, name):
        for layer in self.layers:
            if name in layer:
                return layer[name]
        return None

    def expand(self, toks, depth=0, seen=()):
        """Returns list of alternative token lists (one per #ifdef combination, capped)."""
        alts = [[]]
        for kind, val in toks:
            if kind == "id" and val not in seen and depth < 20:
                bodies = self.lookup(val)
                if bodies is not None:
                    subs = []
                    for b in bodies:
                        for e in self.expand(tokenize(b), depth + 1, seen + (val,)):
                            if e not in subs:
                                subs.append(e)
                    alts = [a + s for a in alts for s in subs][:8]
                    continue
            alts = [a + [(kind, val)] for a in alts]
        return alts


ARITH_OK = re.compile(r"^[\d\s+\-*/%()<>~|&^]*$")


def eval_tokens(toks):
    """('str', text) | ('int', value) | ('raw', text)."""
    if toks and all(k == "str" for k, _ in toks):
        return ("str", "".join(c_unescape(v) for _, v in toks))
    parts = []
    for k, v in toks:
        if k == "num":
            parts.append(str(int(v.rstrip("uUlL"), 0)))
        elif k == "op" and v in "+-*/%()<<>>~|&^":
            parts.append(v)
        elif k == "id" and v in ("long", "int", "unsigned", "ssize_t", "size_t", "off_t"):
            parts.append("CAST")
        else:
            return ("raw", " ".join(v for _, v in toks))
    expr = " ".join(parts)
    expr = re.sub(r"\(\s*(CAST\s*)+\)", "", expr)
    if "CAST" in expr or not ARITH_OK.match(expr):
        return ("raw", " ".join(v for _, v in toks))
    try:
        tree = ast.parse(expr.replace("/", "//"), mode="eval")
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator,
                                     ast.unaryop)):
                raise ValueError(node)
        return ("int", int(eval(compile(tree, "<c-expr>", "eval"), {"__builtins__": {}})))
    except Exception:
        return ("raw", " ".join(v for _, v in toks))


def resolve(macros, text):
    """Evaluate a C initializer expression: returns list of distinct (kind, value)."""
    res = []
    for alt in macros.expand(tokenize(text)):
        v = eval_tokens(alt)
        if v not in res:
            res.append(v)
    return res


def split_top(s):
    """Split on commas at nesting depth 0 (braces are flattened: they only group)."""
    parts, cur, depth, i = [], [], 0, 0
    for kind, val in tokenize(s):
        if kind == "op" and val in "({[":
            if val == "{":
                if cur:
                    parts.append(cur)
                    cur = []
                continue
            depth += 1
        elif kind == "op" and val in ")]}":
            if val == "}":
                if cur:
                    parts.append(cur)
                    cur = []
                continue
            depth -= 1
        if kind == "op" and val == "," and depth == 0:
            parts.append(cur)
            cur = []
            continue
        cur.append((kind, val))
    if cur:
        parts.append(cur)
    return [" ".join(v if k != "str" else v for k, v in p) for p in parts]


def find_closing(text, start, open_ch, close_ch):
    """text[start] == open_ch: return the index after the matching close_ch (C strings skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def find_block(text, start):
    """text[start] == '{': return index after the matching '}'."""
    return find_closing(text, start, "{", "}")


# --------------------------------------------------------------------------
# Parameter tables

# table type -> (output type, entry arity, default is a function)
TABLE_TYPES = {
    "STR": ("str", 5, False), "RAW": ("raw", 5, False), "INT": ("int", 5, False),
    "LONG": ("long", 5, False), "BOOL": ("bool", 3, False), "TIME": ("time", 5, False),
    "NINT": ("nint", 5, False), "NBOOL": ("nbool", 3, False),
    "STR_FN": ("str", 5, True), "RAW_FN": ("raw", 5, True), "INT_FN": ("int", 5, True),
    "LONG_FN": ("long", 5, True), "BOOL_FN": ("bool", 3, True), "NINT_FN": ("nint", 5, True),
    "NBOOL_FN": ("nbool", 3, True),
}

ONE_OFF = {  # get_mail_conf_<x>(name, def[, min, max])
    "str": ("str", 4), "raw": ("raw", 4), "int": ("int", 4), "long": ("long", 4),
    "bool": ("bool", 2), "time": ("time", 4), "nint": ("nint", 4), "nbool": ("nbool", 2),
}

# Source directory -> program names (the installed command/daemon names).
DIR_PROGRAMS = {
    "global": ["*"],
    "oqmgr": ["oqmgr"],
    "tls": ["lmtp", "posttls-finger", "smtp", "smtpd", "tlsproxy"],
}
# (dir/file, enclosing function) or dir/file -> programs, more specific than DIR_PROGRAMS.
FILE_PROGRAMS = {
    "smtp/smtp_params.c": ["smtp"],   # smtp(8) running as "smtp" reads smtp_*_table
    "smtp/lmtp_params.c": ["lmtp"],   # the same binary running as "lmtp" reads lmtp_*_table
    ("tls/tls_misc.c", "tls_pre_jail_init"): ["lmtp", "smtp", "smtpd", "tlsproxy"],
}
SKIP_DIRS = {"postconf"}           # postconf's tables are #include'd copies of everyone else's
SKIP_FILE_RE = re.compile(r"_tester\.c$")  # bounce_notify_util_tester.c: a test program

FUNC_RE = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{", re.M)


def enclosing_function(code, pos):
    name = None
    for m in FUNC_RE.finditer(code, 0, pos):
        name = m.group(1)
    return name


def programs_for(relpath, func):
    d = relpath.split("/")[0]
    if (relpath, func) in FILE_PROGRAMS:
        return FILE_PROGRAMS[(relpath, func)]
    if relpath in FILE_PROGRAMS:
        return FILE_PROGRAMS[relpath]
    return DIR_PROGRAMS.get(d, [d])


def build_macro_layers(headers_by_dir, relpath, local_defines):
    d = relpath.split("/")[0]
    local = defaultdict(list)
    for name, body in local_defines:
        if body not in local[name]:
            local[name].append(body)
    ext = {k: [v] for k, v in OPENSSL_SN.items()}
    return [local, headers_by_dir.get(d, {}), headers_by_dir["@mail_params"], headers_by_dir["@global"], ext]


def fmt_default(kind_vals, ptype, is_fn):
    if is_fn:
        return kind_vals
    vals = []
    for kind, v in kind_vals:
        if kind == "int" and ptype == "bool":
            vals.append("yes" if v else "no")
        elif kind == "int":
            vals.append(str(v))
        else:
            vals.append(v)
    return vals


def limit_text(kind_vals):
    out = []
    for kind, v in kind_vals:
        if kind == "int":
            out.append("-" if v == 0 else str(v))
        else:
            out.append(v)
    return "|".join(out)


class MacEval:
    """A small subset of Postfix mac_expand(), used only to find the default unit of a
    time parameter whose default refers to other parameters (e.g. "$daemon_timeout",
    "${stress?{10}:{300}}s").  Unknown names (stress, legacy names) expand empty."""

    def __init__(self, values):
        self.values = values

    def value(self, name, depth):
        v = self.values.get(name)
        return "" if v is None else self.expand(v, depth + 1)

    def expand(self, s, depth=0):
        if depth > 20:
            return s
        out, i, n = [], 0, len(s)
        while i < n:
            c = s[i]
            if c != "$":
                out.append(c)
                i += 1
                continue
            if i + 1 < n and s[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            if i + 1 < n and s[i + 1] in "{(":
                close = "}" if s[i + 1] == "{" else ")"
                j, d = i + 1, 0
                while j < n:
                    if s[j] in "{(":
                        d += 1
                    elif s[j] in "})":
                        d -= 1
                        if d == 0:
                            break
                    j += 1
                inner = s[i + 2:j]
                out.append(self.braced(inner, depth))
                i = j + 1
                continue
            m = re.match(r"[A-Za-z0-9_]+", s[i + 1:])
            if m:
                out.append(self.value(m.group(0), depth))
                i += 1 + len(m.group(0))
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def braced(self, inner, depth):
        m = re.match(r"([A-Za-z0-9_]+)(.*)$", inner, re.S)
        if not m:
            # ${{expr} op {expr} ? {a} : {b}} (e.g. compatibility_level tests): not evaluated.
            return ""
        name, rest = m.group(1), m.group(2)
        val = self.value(name, depth)
        if rest == "":
            return val
        cm = re.match(r"\?\{(.*)\}:\{(.*)\}$", rest, re.S)
        if cm:
            return self.expand(cm.group(1) if val else cm.group(2), depth + 1)
        if rest.startswith("?"):
            t = rest[1:]
            if t.startswith("{") and t.endswith("}"):
                t = t[1:-1]
            return self.expand(t, depth + 1) if val else ""
        if rest.startswith(":"):
            t = rest[1:]
            if t.startswith("{") and t.endswith("}"):
                t = t[1:-1]
            return val if val else self.expand(t, depth + 1)
        return val


def time_unit(default, values):
    """Postfix get_def_time_unit(): the first letter of the evaluated default."""
    s = MacEval(values).expand(default)
    for ch in s:
        if ch.isalpha():
            return ch
    return "?"


def extract_params(git, rel, files):
    """Return list of dicts: name, type, min, max, programs(list), default(str), is_fn, origin."""
    headers_by_dir = {"@mail_params": defaultdict(list), "@global": defaultdict(list)}
    c_files = {}
    for path, text in files.items():
        rel_path = path[len(SRC) + 1:]
        d = rel_path.split("/")[0]
        code, defines = preprocess(text)
        if path.endswith(".h"):
            if rel_path == "global/mail_params.h":
                layer = headers_by_dir["@mail_params"]
            elif d in ("global", "util", "tls", "dns", "master", "milter", "xsasl"):
                layer = headers_by_dir["@global"]
            else:
                layer = headers_by_dir.setdefault(d, defaultdict(list))
            for name, body in defines:
                if body not in layer[name]:
                    layer[name].append(body)
            # The local-directory layer also sees the shared headers of its own dir.
            if d in ("global", "util", "tls", "dns", "master", "milter", "xsasl"):
                dl = headers_by_dir.setdefault(d, defaultdict(list))
                for name, body in defines:
                    if body not in dl[name]:
                        dl[name].append(body)
        else:
            c_files[rel_path] = (code, defines)

    entries = []
    table_re = re.compile(r"\bCONFIG_([A-Z_]+?)_TABLE\s+(\w+)\s*\[\s*\]\s*=\s*\{")
    oneoff_re = re.compile(r"\bget_mail_conf_(str|raw|int|long|bool|time|nint|nbool)\s*\(")
    for rel_path in sorted(c_files):
        d = rel_path.split("/")[0]
        if d in SKIP_DIRS or SKIP_FILE_RE.search(rel_path):
            continue
        code, defines = c_files[rel_path]
        macros = Macros(build_macro_layers(headers_by_dir, rel_path, defines))
        for m in table_re.finditer(code):
            ttype = m.group(1)
            if ttype not in TABLE_TYPES:
                print("warning: %s %s: unknown table type CONFIG_%s_TABLE" % (rel["tag"], rel_path, ttype),
                      file=sys.stderr)
                continue
            ptype, arity, is_fn = TABLE_TYPES[ttype]
            end = find_block(code, m.end() - 1)
            body = code[m.end():end - 1]
            fields = [f.strip() for f in split_top(body)]
            func = enclosing_function(code, m.start())
            progs = programs_for(rel_path, func)
            i = 0
            while i < len(fields):
                if fields[i] in ("0", "", "((char *) 0)", "( char * ) 0"):
                    i += 1
                    continue
                ent = fields[i:i + arity]
                i += arity
                if len(ent) < arity:
                    print("warning: %s %s: short table entry %r" % (rel["tag"], rel_path, ent), file=sys.stderr)
                    break
                add_entry(entries, rel, rel_path, macros, ptype, is_fn, ent, progs, "table " + m.group(2))
        for m in oneoff_re.finditer(code):
            kind = m.group(1)
            ptype, arity = ONE_OFF[kind]
            end = find_paren(code, m.end() - 1)
            args = [a.strip() for a in split_top(code[m.end():end - 1])]
            if len(args) != arity or not args[0].startswith("VAR_"):
                continue
            func = enclosing_function(code, m.start())
            progs = programs_for(rel_path, func)
            ent = args[:2] + ["-"] + args[2:]
            if arity == 2:
                ent = args[:2] + ["-"]
            add_entry(entries, rel, rel_path, macros, ptype, False, ent, progs, "call get_mail_conf_" + kind)
    return entries


def find_paren(text, start):
    """text[start] == '(': return index after the matching ')'."""
    return find_closing(text, start, "(", ")")


def add_entry(entries, rel, rel_path, macros, ptype, is_fn, ent, progs, origin):
    names = resolve(macros, ent[0])
    if len(names) != 1 or names[0][0] != "str":
        print("warning: %s %s: cannot resolve parameter name %r -> %r" % (rel["tag"], rel_path, ent[0], names),
              file=sys.stderr)
        return
    name = names[0][1]
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return  # service-specific names built at run time
    if is_fn:
        default = ["<computed at run time by %s()>" % ent[1]]
    else:
        dv = resolve(macros, ent[1])
        default = fmt_default(dv, ptype, False)
        if ptype == "bool" and any(k != "int" for k, _ in dv):
            default = [v for _, v in dv]
    if len(ent) == 5:
        mn, mx = limit_text(resolve(macros, ent[3])), limit_text(resolve(macros, ent[4]))
    else:
        mn = mx = "-"
    if len(default) == 1:
        dtext = default[0]
    elif len(default) <= 4:
        dtext = "<#ifdef-dependent: %s>" % " | ".join(default)
    else:
        dtext = "<#ifdef-dependent: %s (%d variants, e.g. %s)>" % (ent[1], len(default), default[0])
    entries.append({"name": name, "type": ptype, "min": mn, "max": mx, "programs": progs,
                    "default": dtext, "alts": default, "origin": rel_path + " " + origin, "is_fn": is_fn})


def tsv_escape(s):
    """Defaults are written as Postfix would store them; a literal TAB or newline (none occur in
    3.7-3.11) would be written as the two characters \\t or \\n."""
    return s.replace("\t", "\\t").replace("\n", "\\n")


# --------------------------------------------------------------------------
# smtpd restrictions


def function_body(code, fname):
    """Body of the definition (not a prototype) of function fname, or ''."""
    for m in re.finditer(r"^[A-Za-z_][\w \t\*]*\b%s\s*\(" % re.escape(fname), code, re.M):
        end = find_paren(code, m.end() - 1)
        rest = code[end:end + 200].lstrip()
        if rest.startswith("{"):
            start = code.index("{", end)
            return code[start:find_block(code, start)]
    return ""


def extract_restrictions(rel, files):
    """name -> (takes_arg, status) where status is '' | 'removed' | 'deprecated'."""
    path = SRC + "/smtpd/smtpd_check.c"
    code, defines = preprocess(files[path])
    layers = [defaultdict(list)]
    for n, b in defines:
        layers[0][n].append(b)
    for hp in (SRC + "/global/mail_params.h", SRC + "/smtpd/smtpd_check.h", SRC + "/global/server_acl.h"):
        if hp in files:
            layer = defaultdict(list)
            for n, b in preprocess(files[hp])[1]:
                layer[n].append(b)
            layers.append(layer)
    macros = Macros(layers)

    def name_of(macro):
        r = resolve(macros, macro)
        return r[0][1] if len(r) == 1 and r[0][0] == "str" else None

    out = OrderedDict()
    # generic_checks(): the restriction dispatcher.
    body = function_body(code, "generic_checks")
    pat = re.compile(r"strcasecmp\s*\(\s*name\s*,\s*([A-Z_][A-Z0-9_]*)\s*\)\s*==\s*0"
                     r"|is_map_command\s*\(\s*state\s*,\s*name\s*,\s*([A-Z_][A-Z0-9_]*)\s*,")
    hits = list(pat.finditer(body))
    # "strcasecmp(name, A) == 0 || strcasecmp(name, B) == 0": A shares B's branch.
    shares_next = [k + 1 < len(hits) and body[h.end():hits[k + 1].start()].strip() == "||"
                   for k, h in enumerate(hits)]
    branch_arg = {}
    for k in range(len(hits) - 1, -1, -1):
        h = hits[k]
        if shares_next[k]:
            branch_arg[k] = branch_arg[k + 1]
            continue
        if h.group(2):
            branch_arg[k] = "table"
            continue
        seg = body[h.end():hits[k + 1].start() if k + 1 < len(hits) else len(body)]
        if "cpp[1]" in seg or "*++cpp" in seg or "cpp += 1" in seg:
            if "alldig" in seg:
                arg = "number"
            elif "transport:server" in seg:
                arg = "service"
            elif "domain name argument" in seg:
                arg = "domain"
            elif "restriction `%s' after" in seg:
                arg = "no"  # only warns about restrictions that follow
            else:
                arg = "yes"
        else:
            arg = "no"
        branch_arg[k] = arg
    for k, h in enumerate(hits):
        macro = h.group(1) or h.group(2)
        nm = name_of(macro)
        if nm is None:
            print("warning: %s: cannot resolve restriction %s" % (rel["tag"], macro), file=sys.stderr)
            continue
        arg = branch_arg[k]
        out.setdefault(nm, [arg, ""])
    # Built-in restriction classes entered in smtpd_check_init().
    for hm in re.finditer(r"htable_enter\s*\(\s*smtpd_rest_classes\s*,\s*([A-Z_][A-Z0-9_]*|\"[a-z_]+\")", code):
        nm = name_of(hm.group(1))
        if nm:
            out.setdefault(nm, ["no", ""])
    # smtpd_check_rewrite(): local_header_rewrite_clients names.
    body2 = function_body(code, "smtpd_check_rewrite")
    if body2:
        for h in pat.finditer(body2):
            macro = h.group(1) or h.group(2)
            nm = name_of(macro)
            if nm and nm not in out:
                out[nm] = ["table" if h.group(2) else "no", "rewrite"]
    # Removal / deprecation warnings: msg_warn("support for restriction \"%s\" has been removed ...", NAME, ...)
    for wm in re.finditer(r"msg_warn\s*\(\s*((?:\"(?:\\.|[^\"\\])*\"\s*)+),\s*([A-Z_][A-Z0-9_]*)", code):
        fmt = wm.group(1)
        if "support for restriction" not in fmt and not re.search(r"restriction %s is deprecated", fmt):
            continue
        nm = name_of(wm.group(2))
        if nm in out:
            if "has been removed" in fmt:
                out[nm][1] = "removed"
            elif "will be removed" in fmt or "is deprecated" in fmt:
                out[nm][1] = "deprecated"
    return out


# --------------------------------------------------------------------------
# lookup table types

def extract_map_types(rel, files):
    """type -> (where, condition) from the dict_open_info[] tables."""
    layers = []
    hdr = defaultdict(list)
    for p, t in files.items():
        if p.endswith(".h") and ("/util/dict" in p or "/global/dict" in p or "/global/mkmap" in p):
            for n, b in preprocess(t)[1]:
                hdr[n].append(b)
    macros = Macros([hdr])
    out = OrderedDict()
    for path, where in ((SRC + "/util/dict_open.c", "util/dict_open.c"), (SRC + "/global/mail_dict.c", "global/mail_dict.c")):
        text = strip_comments(files[path])
        m = re.search(r"DICT_OPEN_INFO\s+dict_open_info\s*\[\s*\]\s*=\s*\{", text)
        end = find_block(text, m.end() - 1)
        conds = []
        for line in text[m.end():end].split("\n"):
            dm = re.match(r"\s*#\s*(ifdef|ifndef|if|else|endif)\s*(.*)", line)
            if dm:
                d, c = dm.group(1), dm.group(2).strip()
                if d == "ifdef":
                    conds.append(c)
                elif d == "ifndef":
                    conds.append("!" + c)
                elif d == "if":
                    conds.append(c)
                elif d == "else" and conds:
                    c0 = conds.pop()
                    conds.append(c0[1:] if c0.startswith("!") else "!" + c0)
                elif d == "endif" and conds:
                    conds.pop()
                continue
            tm = re.match(r"\s*(DICT_TYPE_\w+)\s*,", line)
            if tm:
                r = resolve(macros, tm.group(1))
                if len(r) == 1 and r[0][0] == "str":
                    out[r[0][1]] = (where, " && ".join(conds))
    dyn = {}
    if SRC.replace("/src", "/conf/dynamicmaps.cf") in files:
        for line in files[SRC.replace("/src", "/conf/dynamicmaps.cf")].split("\n"):
            if line.strip() and not line.startswith("#"):
                f = line.split()
                dyn[f[0]] = f[1:]
    return out, dyn


# --------------------------------------------------------------------------
# output helpers


def ranges(lines_present, all_lines):
    """Contiguous ranges of release lines; open-ended if it reaches the newest line."""
    idx = [all_lines.index(x) for x in lines_present]
    idx.sort()
    out, start, prev = [], None, None
    for i in idx:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append((start, prev))
            start = prev = i
    if start is not None:
        out.append((start, prev))
    res = []
    for a, b in out:
        if b == len(all_lines) - 1:
            res.append((a, all_lines[a] + "-"))
        elif a == b:
            res.append((a, all_lines[a]))
        else:
            res.append((a, all_lines[a] + "-" + all_lines[b]))
    return res


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--git-dir", required=True, help="git directory of a vdukhovni/postfix mirror")
    ap.add_argument("--out-dir", default="data", help="where to write the .tsv files (default: data)")
    args = ap.parse_args()
    git = Git(args.git_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    rels, missing = find_releases(git)
    if not rels:
        sys.exit("no v3.x.y release tags found in " + args.git_dir)
    all_lines = [r["line"] for r in rels]
    cmd = "scripts/gen-version-data.py --git-dir " + args.git_dir

    per_rel_params, per_rel_rest, per_rel_maps, per_rel_depr = {}, {}, {}, {}
    dyn_by_line = {}
    for rel in rels:
        names = git.run("ls-tree", "-r", "--name-only", rel["commit"], SRC).split("\n")
        paths = [p for p in names if p.endswith((".c", ".h"))]
        paths.append("postfix/conf/dynamicmaps.cf")
        files = git.read_blobs(rel["commit"], paths)
        per_rel_params[rel["line"]] = extract_params(git, rel, files)
        per_rel_rest[rel["line"]] = extract_restrictions(rel, files)
        per_rel_maps[rel["line"]], dyn_by_line[rel["line"]] = extract_map_types(rel, files)
        per_rel_depr[rel["line"]] = extract_deprecations(files)

    header_rel = ["# Releases (newest patch release of each stable line; sources: postfix/ subdirectory of"
                  " github.com/vdukhovni/postfix):"]
    for r in rels:
        header_rel.append("#   %s\t%s\t%s\t%s" % (r["line"], r["tag"], r["commit"], r["date"]))
    if missing:
        header_rel.append("# Release lines with no release tag (not covered): " + ", ".join(missing))
    else:
        header_rel.append("# Every release line from %s to %s has a release tag. Newer work (master, "
                          "postfix-X.Y-YYYYMMDD snapshots) is experimental and not covered." % (all_lines[0], all_lines[-1]))
    header_rel.append("# Each line is represented by its newest patch release only: earlier patch releases of the same")
    header_rel.append("# line may lack parameters or have other limits/defaults (Postfix backports fixes and settings).")
    header_rel.append("# Generated by: " + cmd)

    write_params(args.out_dir, rels, all_lines, per_rel_params, header_rel)
    write_restrictions(args.out_dir, all_lines, per_rel_rest, header_rel)
    write_maps(args.out_dir, all_lines, per_rel_maps, dyn_by_line, header_rel)
    write_deprecations(args.out_dir, all_lines, per_rel_depr, header_rel)


def write_params(out_dir, rels, all_lines, per_rel, header_rel):
    # Per release: name -> {(type, unit, min, max): {"programs": set, "defaults": list}}
    table = defaultdict(dict)  # (name, type, unit, min, max, programs, default) -> set(lines)
    for rel in rels:
        line = rel["line"]
        entries = per_rel[line]
        # values for $name expansion in time-unit evaluation (first default seen; '*' first)
        values = {}
        for e in sorted(entries, key=lambda e: e["programs"] != ["*"]):
            values.setdefault(e["name"], e["default"])
        grouped = OrderedDict()
        for e in entries:
            unit = "-"
            if e["type"] == "time":
                units = []
                for alt in e["alts"]:
                    u = time_unit(alt, values)
                    if u not in units:
                        units.append(u)
                unit = "|".join(units)
            key = (e["name"], e["type"], unit, e["min"], e["max"])
            g = grouped.setdefault(key, {"programs": set(), "defaults": []})
            g["programs"].update(e["programs"])
            if e["default"] not in g["defaults"]:
                g["defaults"].append(e["default"])
        for key, g in grouped.items():
            progs = "*" if "*" in g["programs"] else ",".join(sorted(g["programs"]))
            default = " | ".join(g["defaults"]) if len(g["defaults"]) > 1 else g["defaults"][0]
            table[key + (progs, default)] = table.get(key + (progs, default), set()) | {line}
    rows = []
    for key, lines in table.items():
        name, ptype, unit, mn, mx, progs, default = key
        for start, rng in ranges(sorted(lines, key=vkey), all_lines):
            rows.append((name, start, ptype, unit, mn, mx, progs, rng, default))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[6]))
    path = os.path.join(out_dir, "postfix-params.tsv")
    with open(path, "w") as f:
        f.write("# Postfix main.cf parameters: type and limits per release line, extracted from the C sources\n")
        f.write("# (the CONFIG_*_TABLE tables each program hands to get_mail_conf_*_table() or its server\n")
        f.write("# skeleton, plus one-off get_mail_conf_xxx(VAR_X, DEF_X, ...) calls).\n")
        for h in header_rel:
            f.write(h + "\n")
        f.write(PARAMS_DOC)
        f.write("# name\ttype\tunit\tmin\tmax\tprograms\tversions\tdefault\n")
        for r in rows:
            name, _, ptype, unit, mn, mx, progs, rng, default = r
            f.write("\t".join([name, ptype, unit, mn, mx, progs, rng, tsv_escape(default)]) + "\n")
    print("wrote %d rows to %s" % (len(rows), path))


PARAMS_DOC = """#
# Columns (TAB-separated):
#   name      literal parameter name (service-specific names built at run time are not listed)
#   type      what the program's table type validates (src/global/mail_conf_*.c):
#     bool    CONFIG_BOOL_TABLE, C default 0/1 (shown as no/yes). Value must be yes or no (any case):
#             fatal "bad boolean configuration: %s = %s"
#     nbool   CONFIG_NBOOL_TABLE: same check as bool; the default is a string (may be an expression,
#             e.g. a compatibility_level test)
#     int     CONFIG_INT_TABLE: strtol() base 10, whole string, fits int, else fatal
#             "bad numerical configuration: %s = %s"; then "invalid %s parameter value %d < %d" / "... %d > %d"
#     nint    CONFIG_NINT_TABLE: int whose default is a string (may refer to other parameters); same checks as int
#     long    CONFIG_LONG_TABLE: like int with long ("invalid %s parameter value %ld < %ld")
#     time    CONFIG_TIME_TABLE: number with optional unit s,m,h,d,w (only the first char after the digits
#             counts), negative or unknown unit -> fatal "parameter %s: bad time value or unit: %s";
#             then "invalid %s: %d (min %d)" / "invalid %s: %d (max %d)" (compared in seconds)
#     str     CONFIG_STR_TABLE (value is $-expanded first): "bad string length %ld < %d: %s = %s" / "> %d"
#     raw     CONFIG_RAW_TABLE (value not $-expanded): "bad string length (%ld < %d): %s = %s" / "> %d"
#     The *_FN_TABLE variants (default computed by a function) validate like their base type and are
#     listed with that type; their default column reads "<computed at run time by FN()>".
#   unit      time only: the default unit used when a value has no unit = the first letter of the default
#             after $-expansion (get_def_time_unit() in mail_conf_time.c; references to other parameters are
#             expanded with their defaults here, so a changed referenced parameter can change it). '-' otherwise.
#   min, max  table limits (string types: length). Postfix only checks a limit when it is non-zero
#             ("if (min && value < min)"), so 0 is written '-' (no limit; negative numbers pass a 0 min).
#             Seconds for time. A non-numeric limit is written as its C text.
#   programs  programs whose tables (or one-off calls) read it, sorted; '*' = src/global/mail_params.c
#             (read by every program). src/smtp: smtp_params.c -> smtp, lmtp_params.c -> lmtp (one binary,
#             table chosen by process name); src/oqmgr -> oqmgr; src/tls tables -> the TLS-using programs.
#   versions  release lines where this exact row holds: "3.8" one line, "3.7-3.9" closed, "3.9-" open
#             (up to the newest line listed above). A parameter with several rows in one release has
#             different (type, unit, min, max) in different programs; rows also split when the default
#             text changes.
#   default   C default after macro resolution (string literals concatenated and unescaped, i.e. as Postfix
#             stores the value; integer arithmetic evaluated); informational only. "<#ifdef-dependent: a | b>" lists
#             alternatives from #ifdef branches; several tables with different defaults are joined by " | ".
#
"""


def write_restrictions(out_dir, all_lines, per_rel, header_rel):
    data = defaultdict(set)  # (name, arg, status, context) -> lines
    for line in all_lines:
        for name, (arg, status) in per_rel[line].items():
            data[(name, arg, status)].add(line)
    removed_in = {}
    for (name, arg, status), lines in data.items():
        if status == "removed":
            removed_in[name] = min(lines, key=vkey)
    rows = []
    for (name, arg, status), lines in data.items():
        for start, rng in ranges(sorted(lines, key=vkey), all_lines):
            if status == "deprecated":
                note = "deprecated: smtpd logs a deprecation warning when it is used"
            else:
                note = None
            note = note or {"": "-", "removed": "removed: still recognized, but logs 'support for restriction \"%s\" "
                    "has been removed' and fails with a server configuration error",
                    "deprecated": "deprecated: logs 'support for restriction \"%s\" will be removed'",
                    "rewrite": "only in local_header_rewrite_clients (smtpd_check_rewrite)"}[status]
            note = note.replace("%s", name)
            if name in removed_in and status != "removed":
                note = (note + "; " if note != "-" else "") + "removed in " + removed_in[name] + " (see the comment lines at the end)"
            rows.append((name, start, arg, rng, note, status))
    rows.sort(key=lambda r: (r[0], r[1]))
    path = os.path.join(out_dir, "postfix-restrictions.tsv")
    with open(path, "w") as f:
        f.write("# smtpd(8) restriction names per release line, from src/smtpd/smtpd_check.c (generic_checks(),\n")
        f.write("# the restriction classes built in by smtpd_check_init(), and smtpd_check_rewrite()); names resolved\n")
        f.write("# through src/global/mail_params.h.\n")
        for h in header_rel:
            f.write(h + "\n")
        f.write("#\n# Columns: name<TAB>takes_arg<TAB>versions<TAB>note\n")
        f.write("#   takes_arg: no | table (next word must be type:name, check_xxx_access) | domain (DNS list\n")
        f.write("#   domain, e.g. reject_rbl_client) | service (transport:server, check_policy_service) | number (sleep)\n")
        f.write("#   versions: as in postfix-params.tsv; a removed restriction's range ends before the release\n")
        f.write("#   that removed it (3.9+ still parses those names only to log an error, see note).\n")
        f.write("#   note: '-', or removed/deprecated/context remarks.\n")
        f.write("# Besides these names, a bare type:table word means the access table of the current context.\n")
        for r in rows:
            name, _, arg, rng, note, status = r
            if status == "removed":
                continue
            f.write("\t".join([name, arg, rng, note]) + "\n")
        # Removed: list where recognized-but-failing, as a comment-free data row with the removal note.
        removed = [r for r in rows if r[5] == "removed"]
        if removed:
            f.write("# Names below are recognized only to report their removal (not usable restrictions):\n")
            for r in removed:
                f.write("#\t" + "\t".join([r[0], r[2], r[3], r[4]]) + "\n")
    print("wrote %d rows to %s" % (len([r for r in rows if r[5] != "removed"]), path))


# Types Debian's Postfix 3.7 does not build (absent from `postconf -m` and dynamicmaps.cf on bookworm).
DEBIAN_NOT_BUILT = {"dbm", "sdbm", "nisplus", "netinfo", "mongodb"}
DEBIAN_PLUGIN = {  # Debian bookworm: /etc/postfix/dynamicmaps.cf on this machine + apt-cache
    "cdb": "postfix-cdb", "ldap": "postfix-ldap", "lmdb": "postfix-lmdb", "mysql": "postfix-mysql",
    "pcre": "postfix-pcre", "pgsql": "postfix-pgsql", "sqlite": "postfix-sqlite",
}


def extract_deprecations(files):
    """The names postconf warns about as deprecated: pcf_depr_param_info[] in
    src/postconf/postconf_unused.c (Postfix 3.9 and later), without #if 0 blocks and the
    "deleted-test-only" test entry. Returns {name: alternative}."""
    text = files.get("postfix/src/postconf/postconf_unused.c")
    if not text or "pcf_depr_param_info[]" not in text:
        return {}
    start = text.index("{", text.index("pcf_depr_param_info[]"))
    block = text[start:find_block(text, start)]
    block = re.sub(r"(?ms)^#if 0.*?^#endif[^\n]*\n", "", block)
    out = {}
    for name, alternative in re.findall(r'"([a-z0-9_]+)",\s*"((?:[^"\\]|\\.)*)"', block):
        if name != "deleted-test-only":
            out[name] = alternative.replace('\\"', '"')
    return out


def write_deprecations(out_dir, all_lines, per_rel, header_rel):
    first = {}
    for line in all_lines:
        for name, alternative in per_rel[line].items():
            first.setdefault(name, (line, alternative))
    path = os.path.join(out_dir, "postfix-deprecation-warnings.tsv")
    with open(path, "w") as f:
        f.write("# Parameters postconf warns about as deprecated, from pcf_depr_param_info[] in\n")
        f.write("# src/postconf/postconf_unused.c, with the first release line that warns.\n")
        for h in header_rel:
            f.write(h + "\n")
        f.write("#\n# Columns: name<TAB>first release that warns<TAB>Postfix's advice\n")
        for name in sorted(first):
            line, alternative = first[name]
            f.write("%s\t%s\t%s\n" % (name, line, alternative))


def write_maps(out_dir, all_lines, per_rel, dyn_by_line, header_rel):
    data = defaultdict(set)
    info = {}
    for line in all_lines:
        for t, (where, cond) in per_rel[line].items():
            data[t].add(line)
            info[t] = (where, cond)
    dyn_all = {}
    for line in all_lines:
        for t in dyn_by_line[line]:
            dyn_all.setdefault(t, []).append(line)
    rows = []
    for t, lines in data.items():
        where, cond = info[t]
        conds = [c for c in cond.split(" && ") if c and c != "!USE_DYNAMIC_MAPS"]
        dynamic = t in dyn_all
        if t in DEBIAN_NOT_BUILT:
            col = "not-built-on-debian"
        elif dynamic:
            col = "plugin:" + DEBIAN_PLUGIN[t]
        else:
            col = "builtin"
        notes = ["%s%s" % (where, (" if " + " && ".join(conds)) if conds else "")]
        if dynamic:
            notes.append("upstream conf/dynamicmaps.cf plugin (built in when Postfix is built without dynamic maps)")
        notes.extend(MAP_NOTES.get(t, []))
        for start, rng in ranges(sorted(lines, key=vkey), all_lines):
            rows.append((t, start, rng, col, "; ".join(notes)))
    rows.sort(key=lambda r: (r[0], r[1]))
    path = os.path.join(out_dir, "postfix-map-types.tsv")
    with open(path, "w") as f:
        f.write("# Postfix lookup table types per release line, from the dict_open_info[] tables in\n")
        f.write("# src/util/dict_open.c and src/global/mail_dict.c, and conf/dynamicmaps.cf.\n")
        for h in header_rel:
            f.write(h + "\n")
        f.write("#\n# Columns: type<TAB>versions<TAB>plugin-package-or-builtin<TAB>note\n")
        f.write("#   builtin: compiled into libpostfix (possibly only with the #ifdef in the note);\n")
        f.write("#   plugin:PKG: loaded via dynamicmaps.cf; PKG is the Debian package (bookworm, Postfix 3.7:\n")
        f.write("#   cdb ldap lmdb mysql pcre pgsql are in /etc/postfix/dynamicmaps.cf here, sqlite is the\n")
        f.write("#   postfix-sqlite package per apt-cache); not-built-on-debian = Debian's Postfix 3.7 has no such\n")
        f.write("#   type (postconf -m on bookworm lists none of dbm, sdbm, nisplus, netinfo; mongodb is newer than 3.7).\n")
        f.write("#   The note names the source file and the #ifdef the type needs.\n")
        for r in rows:
            f.write("\t".join([r[0], r[2], r[3], r[4]]) + "\n")
    print("wrote %d rows to %s" % (len(rows), path))


MAP_NOTES = {
    "debug": ["new in 3.11: debug:maptype:mapname logs every access (RELEASE_NOTES 3.11, Feature 20250624)"],
    "mongodb": ["new in 3.9 (RELEASE_NOTES-3.9, Feature 20240208); no Debian 3.7 package"],
    "hash": ["Berkeley DB; 3.11 adds migration tooling away from it (default_database_type, NON_BERKELEYDB_README)"],
    "btree": ["Berkeley DB; see hash"],
    "nisplus": ["legacy NIS+; still present in 3.11 (and in 3.12 snapshots), nothing removed it"],
    "netinfo": ["legacy NeXT/macOS NetInfo; still present in 3.11 (and in 3.12 snapshots)"],
    "sdbm": ["upstream plugin; Debian does not build it"],
    "dbm": ["legacy ndbm; Debian does not build it"],
    "internal": ["process-private in-memory table"],
}


if __name__ == "__main__":
    main()
