#!/usr/bin/env python3
"""An IMAP proxy as strict about the client's commands as Cyrus IMAP, for
tests that a client sends no stray byte (standard library only).

  strict_proxy.py --upstream HOST:PORT --port-file F --log L [--inject R]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and passes every
connection through to the upstream IMAP server (plain text; the lab's
Dovecot, which forgives what Cyrus does not). Each command the client sends
is read whole and checked against RFC 3501's grammar before the server sees
it; a command that breaks it gets "<tag> BAD [CLIENTBUG] strict_proxy: WHY"
from the proxy and never reaches the server. Checked:

  - the line ends in CRLF (no bare LF, no CR inside);
  - exactly one space between two arguments: no space at the start, none at
    the end (Cyrus: "Unexpected extra arguments to List"), no two in a row,
    none after "(" or before ")" (inside [] too);
  - quoted strings: closed, no 8-bit byte, a backslash only before '"' or
    '\\'; atoms: no control or 8-bit byte; parentheses and brackets
    balanced; a literal {N} or {N+} only at the end of a line;
  - the tag is an atom, the command one the proxy knows, with the number
    of arguments RFC 3501 and its extensions allow (UID FETCH 2 or 3,
    LIST 2 or "2 RETURN (...)", APPEND ending in a literal, ...);
  - after IDLE the next line is exactly "DONE".

A synchronizing literal is answered "+ go on" by the proxy itself, so that
the whole command can be judged before the server sees a byte of it; it is
passed on as a non-synchronizing one ({N+}: Dovecot has LITERAL+). The
server's replies pass unchanged, a line at a time (literals counted), but
for COMPRESS=DEFLATE, left out of the capabilities: a proxy that reads
lines cannot relay a compressed stream.

With --inject, the proxy also plays a server that says more than it was
asked: R (read again at each connection; '#' starts a comment) has lines

  first COMMAND... | LINE   when a command of that name ("SELECT", "UID
                            SEARCH") is passed on, LINE (e.g. "* SEARCH 4
                            5", "* CAPABILITY IMAP4rev1", "* OK [ALERT]
                            ...") goes to the client at once, before any
                            byte of the server's reply; "\x1b" and the
                            like in LINE are byte escapes

L gets "connect N", "ok TAG WORDS" for each command passed on (WORDS: the
command's name, "UID FETCH" and so on; "ok - DONE" for the end of IDLE), and "bad WHY: LINE" for each one
refused (LINE with its bytes escaped).
"""
import argparse
import os
import re
import socket
import sys
import threading

CHUNK = 1 << 20
SERVER_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")
CLIENT_LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r\n$")
MAX_LITERAL = 64 << 20
TAGGED = re.compile(rb"^([^ *+][^ ]*) (?:OK|NO|BAD)\b")

# Arguments each command takes: (min, max); None: no upper bound.
ARITY = {
    b"CAPABILITY": (0, 0), b"NOOP": (0, 0), b"LOGOUT": (0, 0),
    b"STARTTLS": (0, 0), b"NAMESPACE": (0, 0), b"IDLE": (0, 0),
    b"CHECK": (0, 0), b"CLOSE": (0, 0), b"UNSELECT": (0, 0),
    b"EXPUNGE": (0, 0),
    b"LOGIN": (2, 2), b"AUTHENTICATE": (1, 2),
    b"SELECT": (1, 2), b"EXAMINE": (1, 2),
    b"CREATE": (1, 2), b"DELETE": (1, 1), b"SUBSCRIBE": (1, 1),
    b"UNSUBSCRIBE": (1, 1), b"RENAME": (2, 2),
    b"LIST": (2, 5), b"LSUB": (2, 2), b"XLIST": (2, 2),
    b"STATUS": (2, 2), b"APPEND": (2, 4), b"ENABLE": (1, None),
    b"ID": (1, 1),
    b"FETCH": (2, 3), b"STORE": (3, 4), b"COPY": (2, 2), b"MOVE": (2, 2),
    b"SEARCH": (1, None), b"NOTIFY": (1, None),
}
UID_ARITY = {
    b"FETCH": (2, 3), b"STORE": (3, 4), b"COPY": (2, 2), b"MOVE": (2, 2),
    b"SEARCH": (1, None), b"EXPUNGE": (1, 1),
}
LIT = object()          # a literal, in the token list


class Bad(Exception):
    pass


class Parser:
    """RFC 3501's command grammar, as far as spaces, strings and brackets
    go: a list of top-level tokens (bytes, LIT, or a list for "(...)")."""

    def __init__(self, data):
        self.d, self.i = data, 0

    def peek(self):
        return self.d[self.i:self.i + 1]

    def seq(self, close):
        """Tokens separated by one space each, up to close (b"" = the end)."""
        out = []
        if self.peek() == close:
            return out
        while True:
            if self.peek() == b" ":
                raise Bad("a space where an argument must start")
            out.append(self.token())
            c = self.peek()
            if c == close:
                return out
            if c != b" ":
                raise Bad("%r after an argument" % c if c else
                          "the command ends inside a list")
            self.i += 1
            if self.peek() == close:
                raise Bad("a space before %s" % ("the end of the line"
                          if close == b"" else repr(close.decode())))

    def token(self):
        c = self.peek()
        if c == b"(":
            self.i += 1
            out = self.seq(b")")
            self.i += 1
            return out
        if c == b'"':
            return self.quoted()
        if c == b"\0":
            self.i += 1
            return LIT
        return self.atom()

    def quoted(self):
        self.i += 1
        start = self.i
        while True:
            c = self.peek()
            if c == b"":
                raise Bad("an unterminated quoted string")
            if c == b'"':
                self.i += 1
                return self.d[start:self.i - 1]
            if c == b"\\":
                if self.d[self.i + 1:self.i + 2] not in (b'"', b"\\"):
                    raise Bad("a backslash before something other than "
                              "'\"' or '\\' in a quoted string")
                self.i += 2
                continue
            if c[0] >= 0x80 or c in (b"\r", b"\n"):
                raise Bad("byte 0x%02x in a quoted string" % c[0])
            self.i += 1

    def atom(self):
        start = self.i
        while True:
            c = self.peek()
            if c in (b"", b" ", b"(", b")", b"]"):
                break
            if c == b"[":
                self.i += 1
                self.seq(b"]")
                if self.peek() != b"]":
                    raise Bad("an unclosed '['")
                self.i += 1
                continue
            if c[0] < 0x21 or c[0] >= 0x7f or c in (b'"', b"{", b"\0"):
                raise Bad("byte 0x%02x in an atom" % c[0])
            self.i += 1
        if self.i == start:
            raise Bad("an empty argument" if c != b")" else
                      "an unbalanced ')'")
        return self.d[start:self.i]


def judge(segments):
    """The command (lines whose literals are cut out) -> its name, or Bad."""
    body = b""
    for k, seg in enumerate(segments):
        if not seg.endswith(b"\r\n") or b"\r" in seg[:-2] or b"\n" in seg[:-2]:
            raise Bad("a line that does not end in CRLF, or a CR or LF "
                      "inside it")
        line = seg[:-2]
        if k < len(segments) - 1:
            m = re.search(rb"\{\d+\+?\}$", line)
            line = line[:m.start()] + b"\0"
        if b"\0" in seg:
            raise Bad("a NUL byte")
        body += line
    toks = Parser(body).seq(b"")
    if len(toks) < 2 or not isinstance(toks[0], bytes) or \
            not isinstance(toks[1], bytes):
        raise Bad("no tag and command")
    if re.search(rb"[+%*\[\]\\]", toks[0]):
        raise Bad("a tag that is not an atom")
    name, args, table = toks[1].upper(), toks[2:], ARITY
    if name == b"UID":
        if not args or not isinstance(args[0], bytes):
            raise Bad("UID without a command")
        name, args, table = b"UID " + args[0].upper(), args[1:], UID_ARITY
    key = name.split(b" ")[-1]
    if key not in table:
        raise Bad("unknown command %s" % name.decode(errors="replace"))
    lo, hi = table[key]
    if len(args) < lo or (hi is not None and len(args) > hi):
        raise Bad("unexpected extra arguments to %s" % name.decode()
                  if hi is not None and len(args) > hi else
                  "missing arguments to %s" % name.decode())
    if key == b"LIST" and len(args) > 2 and (
            len(args) not in (3, 4, 5) or b"RETURN" not in
            [a.upper() for a in args if isinstance(a, bytes)]) and \
            not isinstance(args[0], list):
        raise Bad("unexpected extra arguments to LIST")
    if key == b"APPEND" and args[-1] is not LIT:
        raise Bad("APPEND without its message literal")
    if key in (b"SELECT", b"EXAMINE", b"STATUS") and len(args) == 2 and \
            not isinstance(args[1], list):
        raise Bad("%s: the second argument must be a list" % key.decode())
    return name.decode(), toks[0]


class Log:
    def __init__(self, path):
        self.path, self.lock, self.conns = path, threading.Lock(), 0

    def write(self, line):
        with self.lock, open(self.path, "a") as f:
            f.write(line + "\n")


def read_inject(path):
    """{COMMAND: [LINE bytes...]} from an --inject file."""
    rules = {}
    if path is None or not os.path.exists(path):
        return rules
    with open(path, "rb") as f:
        for raw in f:
            raw = raw.rstrip(b"\r\n")
            if not raw.strip() or raw.lstrip().startswith(b"#"):
                continue
            head, _, line = raw.partition(b"|")
            words = head.split()
            if len(words) < 2 or words[0] != b"first":
                raise SystemExit("strict_proxy.py: bad --inject line %r" % raw)
            name = b" ".join(words[1:]).upper().decode()
            line = line.strip().decode("unicode_escape").encode("latin-1")
            rules.setdefault(name, []).append(line)
    return rules


class Conn:
    def __init__(self, down, up, log, inject):
        self.down, self.up, self.log = down, up, log
        self.inject = inject
        self.wlock = threading.Lock()   # whole lines to the client
        self.idle = False
        self.auth_tag = None            # AUTHENTICATE in progress

    def to_client(self, data):
        with self.wlock:
            self.down.sendall(data)


def read_literal(src, n):
    data = src.read(n)
    if data is None or len(data) != n:
        raise EOFError
    return data


def client_to_server(c):
    src = c.down.makefile("rb", buffering=0)
    try:
        while True:
            line = src.readline(1 << 16)
            if not line:
                return
            if c.idle:
                c.idle = False
                if line != b"DONE\r\n":
                    c.log.write("bad not DONE after IDLE: %r" % line)
                    return      # nothing sensible to answer: hang up
                c.log.write("ok - DONE")
                c.up.sendall(line)
                continue
            if c.auth_tag is not None and not TAGGED.match(line):
                if not re.match(rb"^(\*|[A-Za-z0-9+/]*={0,2})\r\n$", line):
                    c.log.write("bad AUTHENTICATE response: %r" % line)
                c.up.sendall(line)
                continue
            segs, lits = [line], []
            while True:
                m = CLIENT_LITERAL.search(segs[-1])
                if m is None:
                    break
                n = int(m.group(1))
                if n > MAX_LITERAL:
                    c.log.write("bad literal of %d bytes" % n)
                    return
                if not m.group(2):
                    c.to_client(b"+ go on\r\n")
                lits.append(read_literal(src, n))
                nxt = src.readline(1 << 16)
                if not nxt:
                    return
                segs.append(nxt)
            try:
                name, tag = judge(segs)
            except Bad as e:
                tag = segs[0].split(b" ", 1)[0].strip() or b"*"
                c.log.write("bad %s: %r" % (e, b"".join(segs)))
                c.to_client(tag + b" BAD [CLIENTBUG] strict_proxy: " +
                            str(e).encode() + b"\r\n")
                continue
            c.log.write("ok %s %s" % (tag.decode(errors="replace"), name))
            for extra in c.inject.get(name, []):
                c.log.write("inject %s" % extra.decode("latin-1"))
                c.to_client(extra + b"\r\n")
            if name == "IDLE":
                c.idle = True
            if name == "AUTHENTICATE":
                c.auth_tag = tag
            out = b""
            for k, seg in enumerate(segs):
                if k < len(lits):
                    seg = re.sub(rb"\{(\d+)\+?\}\r\n$", rb"{\1+}\r\n", seg)
                    out += seg + lits[k]
                else:
                    out += seg
            c.up.sendall(out)
    except (OSError, EOFError):
        return
    finally:
        src.close()
        try:
            c.up.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def server_to_client(c):
    src = c.up.makefile("rb", buffering=CHUNK)
    try:
        while True:
            line = src.readline()
            if not line:
                return
            # A proxy that reads lines cannot relay DEFLATE: not offered.
            line = line.replace(b" COMPRESS=DEFLATE", b"")
            m = SERVER_LITERAL.search(line)
            data = line + (read_literal(src, int(m.group(1))) if m else b"")
            t = TAGGED.match(line)
            if t and c.auth_tag == t.group(1):
                c.auth_tag = None
            c.to_client(data)
    except (OSError, EOFError):
        return
    finally:
        src.close()


def serve(down, upstream, log, inject_path):
    try:
        up = socket.create_connection(upstream, timeout=30)
        up.settimeout(None)
    except OSError as e:
        log.write("upstream failed: %s" % e)
        down.close()
        return
    with log.lock:
        log.conns += 1
        n = log.conns
    log.write("connect %d" % n)
    c = Conn(down, up, log, read_inject(inject_path))
    t = threading.Thread(target=client_to_server, args=(c,), daemon=True)
    t.start()
    server_to_client(c)
    for s in (down, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    t.join(5)
    down.close()
    up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--inject")
    a = ap.parse_args()
    host, port = a.upstream.rsplit(":", 1)
    log = Log(a.log)
    lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(16)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % lsn.getsockname()[1])
    os.rename(tmp, a.port_file)
    while True:
        down, _ = lsn.accept()
        threading.Thread(target=serve, args=(down, (host, int(port)), log,
                                             a.inject),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
