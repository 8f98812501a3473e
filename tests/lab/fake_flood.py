#!/usr/bin/env python3
"""A server that behaves until one chosen moment, then floods, nests or
drips (standard library only; plain text, no TLS: use tls = none and
allow_plaintext = yes).

  fake_flood.py PROTO MODE --port-file F [--drip SECONDS] [--idle SECONDS]

Binds 127.0.0.1 port 0, writes the port to F (atomically), serves one
connection at a time until killed or until nobody has connected for --idle
seconds (default 60). Every command line received is appended to F.log.
Any user and password log in. A flood goes on until the client hangs up.

IMAP (just enough for `posta sync`: one folder, INBOX, with message UID 1):
  greeting      the greeting is one line that never ends
  login         the reply to LOGIN is one line that never ends
  list          a LIST response line that never ends
  fetch         the header FETCH response line never ends
  literal-login an untagged response to LOGIN announces {4294967295}
                and sends bytes for ever
  literal-list  the same in a LIST response
  literal-fetch the same for BODY[HEADER.FIELDS ...] in the header FETCH
  deep          BODYSTRUCTURE of UID 1 is multipart nested 20,000 deep
  deep-ext      its body extensions are nested 100,000 deep
  drip          the LIST reply comes one byte every --drip seconds
POP3 (`posta check-account`):
  greeting      the greeting never ends
  pass          the reply to PASS never ends
  capa          CAPA lists capabilities for ever
SMTP (`posta check-account`):
  greeting      the greeting never ends
  ehlo          EHLO lists extensions for ever
"""
import argparse
import os
import socket
import sys
import time

MODES = {
    "imap": ("greeting", "login", "list", "fetch", "literal-login",
             "literal-list", "literal-fetch", "deep", "deep-ext", "drip",
             "normal"),
    "pop3": ("greeting", "pass", "capa", "normal"),
    "smtp": ("greeting", "ehlo", "normal"),
}

CHUNK = b"x" * 65536


class Peer:
    def __init__(self, conn, log, drip):
        self.f = conn.makefile("rwb", buffering=0)
        self.log = log
        self.drip = drip

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.f.write(data)

    def line(self, text):
        self.send(text + "\r\n")

    def flood(self, head, chunk=CHUNK):
        """head, then chunk for ever (until the client hangs up)."""
        self.send(head)
        while True:
            self.send(chunk)

    def trickle(self, text):
        for i in range(len(text)):
            self.send(text[i:i + 1])
            time.sleep(self.drip)

    def read(self):
        raw = self.f.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        with open(self.log, "a") as lf:
            lf.write(line + "\n")
        return line


BODY = "From: a@example.org\r\nSubject: hi\r\n\r\nhi\r\n"
ONE_PART = '"text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1'
ENVELOPE = ('("Mon, 2 Nov 2026 10:00:00 +0100" "hi" '
            '(("A" NIL "a" "example.org")) (("A" NIL "a" "example.org")) '
            '(("A" NIL "a" "example.org")) ((NIL NIL "b" "example.org")) '
            'NIL NIL NIL "<1@flood.posta.test>")')


def bodystructure(mode):
    if mode == "deep":
        n = 20000
        return "(" * n + "(" + ONE_PART + ")" + ' "mixed")' * n
    if mode == "deep-ext":
        n = 100000
        return "(" + ONE_PART + " NIL NIL NIL NIL " + "(" * n + "1" + \
            ")" * n + ")"
    return "(" + ONE_PART + ")"


def imap(p, mode):
    caps = "IMAP4rev1 UIDPLUS"
    if mode == "greeting":
        p.flood("* OK ")
    p.line("* OK [CAPABILITY %s] fake_flood ready" % caps)
    while True:
        line = p.read()
        if line is None:
            return
        parts = line.split(" ", 2)
        if len(parts) < 2:
            p.line("* BAD no tag")
            continue
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else ""
        if cmd == "UID":
            sub = rest.split(" ", 1)
            cmd = "UID " + sub[0].upper()
            rest = sub[1] if len(sub) > 1 else ""
        if cmd == "CAPABILITY":
            p.line("* CAPABILITY " + caps)
            p.line(tag + " OK done")
        elif cmd == "LOGIN":
            if mode == "login":
                p.flood("%s OK " % tag)
            if mode == "literal-login":
                p.flood('* LIST () "/" {4294967295}\r\n')
            p.line("%s OK [CAPABILITY %s] logged in" % (tag, caps))
        elif cmd in ("LIST", "LSUB"):
            if mode == "list":
                p.flood('* %s () "/" INBOX' % cmd)
            if mode == "literal-list":
                p.flood('* %s () "/" {4294967295}\r\n' % cmd)
            if mode == "drip" and cmd == "LIST":
                p.trickle('* LIST () "/" INBOX\r\n' * 1000)
            p.line('* %s () "/" INBOX' % cmd)
            p.line(tag + " OK done")
        elif cmd in ("SELECT", "EXAMINE", "STATUS"):
            if cmd == "STATUS":
                p.line("* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 "
                       "UNSEEN 1)")
                p.line(tag + " OK done")
                continue
            p.line("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
            p.line("* 1 EXISTS")
            p.line("* 0 RECENT")
            p.line("* OK [UIDVALIDITY 7] ok")
            p.line("* OK [UIDNEXT 2] ok")
            p.line("%s OK [%s] done" % (tag, "READ-ONLY" if cmd == "EXAMINE"
                                        else "READ-WRITE"))
        elif cmd == "UID SEARCH":
            p.line("* SEARCH 1")
            p.line(tag + " OK done")
        elif cmd == "UID FETCH":
            up = rest.upper()
            if "BODY.PEEK[]" in up:
                p.send("* 1 FETCH (UID 1 BODY[] {%d}\r\n%s)\r\n" %
                       (len(BODY), BODY))
            elif "ENVELOPE" in up:
                head = ("* 1 FETCH (UID 1 FLAGS () INTERNALDATE "
                        '"02-Nov-2026 10:00:00 +0100" RFC822.SIZE %d '
                        "ENVELOPE %s BODYSTRUCTURE %s "
                        "BODY[HEADER.FIELDS (References In-Reply-To)] " %
                        (len(BODY), ENVELOPE, bodystructure(mode)))
                if mode == "fetch":
                    p.flood(head + '"')
                if mode == "literal-fetch":
                    p.flood(head + "{4294967295}\r\n")
                p.send(head + "{2}\r\n\r\n)\r\n")
            else:
                p.line("* 1 FETCH (UID 1 FLAGS ())")
            p.line(tag + " OK done")
        elif cmd == "NOOP":
            p.line(tag + " OK done")
        elif cmd == "LOGOUT":
            p.line("* BYE fake_flood")
            p.line(tag + " OK bye")
            return
        else:
            p.line(tag + " BAD not in this fake: " + cmd)


def pop3(p, mode):
    if mode == "greeting":
        p.flood("+OK ")
    p.line("+OK fake_flood ready")
    while True:
        line = p.read()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper()
        if cmd == "CAPA":
            p.line("+OK capabilities")
            if mode == "capa":
                p.flood("", b"X-FLOOD\r\n" * 4096)
            p.line("USER")
            p.line("UIDL")
            p.line("TOP")
            p.line(".")
        elif cmd == "USER":
            p.line("+OK go on")
        elif cmd == "PASS":
            if mode == "pass":
                p.flood("+OK ")
            p.line("+OK logged in")
        elif cmd == "STAT":
            p.line("+OK 0 0")
        elif cmd == "QUIT":
            p.line("+OK bye")
            return
        else:
            p.line("-ERR not in this fake")


def smtp(p, mode):
    if mode == "greeting":
        p.flood("220 ")
    p.line("220 fake_flood ESMTP")
    while True:
        line = p.read()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper()
        if cmd in ("EHLO", "HELO"):
            if mode == "ehlo":
                p.flood("", b"250-X-FLOOD\r\n" * 4096)
            p.line("250-fake_flood")
            p.line("250-AUTH PLAIN LOGIN")
            p.line("250 SIZE 1000000")
        elif cmd == "AUTH":
            p.line("235 ok")
        elif cmd == "QUIT":
            p.line("221 bye")
            return
        else:
            p.line("502 not in this fake")


def main():
    ap = argparse.ArgumentParser(description="A server that floods, nests "
                                 "or drips at one chosen moment.")
    ap.add_argument("proto", choices=sorted(MODES))
    ap.add_argument("mode")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--drip", type=float, default=0.5)
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()
    if a.mode not in MODES[a.proto]:
        ap.error("%s modes: %s" % (a.proto, ", ".join(MODES[a.proto])))
    serve = {"imap": imap, "pop3": pop3, "smtp": smtp}[a.proto]

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    s.settimeout(1.0)
    log = a.port_file + ".log"
    open(log, "a").close()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    last = time.monotonic()
    while time.monotonic() - last < a.idle:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        try:
            serve(Peer(conn, log, a.drip), a.mode)
        except (OSError, ValueError):
            pass		# the client hung up: what a flood waits for
        finally:
            conn.close()
        last = time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
