#!/usr/bin/env python3
"""A scriptable POP3 maildrop on 127.0.0.1 that behaves until told to lie
(standard library only; plain text: use tls = none + allow_plaintext).

  fake_pop3.py --port-file F --state S [--lie KIND[@LIST]]... [--lie-sessions LIST]
               [--no-top] [--lf] [--no-final-eol] [--idle SECONDS]

Binds 127.0.0.1 port 0 and writes the port to F (atomically). Serves one
connection at a time until killed, or idle for --idle seconds (default 60).
USER/PASS accept anything. Every line received is appended to F.log as
received (minus its line end), after a line "#SESSION k" at each connect:
a test reads which DELEs were sent, and in which session.

S is the maildrop's state, JSON {"alive": [numbers], "sessions": k},
made on first use. DELE marks; a QUIT applies the marks to "alive" (as
RFC 1939's UPDATE state), a dropped connection does not.

The maildrop: four messages, all of different sizes, UIDLs uid-1..uid-4;
message 2 has lines that start with a dot (dot-stuffed on the wire),
message 3 has no Message-ID. LIST gives each size as RFC 1939 says:
octets of the message with every line end counted as CRLF.

--lie KIND (repeatable), in the sessions of LIST (e.g. "1" or "2,3"), else
of --lie-sessions, else in every session:
  retr-other     RETR n (n > 1) answers with message 1 (LIST, TOP truthful).
  retr-samesize  RETR n (n > 1) answers with message 1's header and a body
                 padded so that the reply has exactly message n's LIST
                 size: only a header check (TOP) can tell.
  list-size      LIST announces every size one octet too large.
  top-other      TOP n (n > 1) answers with message 1's header, and LIST
                 gives every message message 1's size (RETR truthful).
  uidl-short     UIDL leaves message 3 out (LIST still has it).
  uidl-dup       UIDL gives messages 1 and 3 the same id.
  uidl-none      UIDL answers -ERR.
Quirks of an honest server (every session):
  --no-top        CAPA lacks TOP, and TOP answers -ERR.
  --lf            RETR and TOP send bare LF line ends (LIST counts CRLF).
  --no-final-eol  message 4 does not end with a line break: the reply adds
                  one before the final ".", LIST counts without it.
"""
import argparse
import json
import os
import select
import socket
import sys
import time

LIES = ("retr-other", "retr-samesize", "list-size", "top-other",
        "uidl-short", "uidl-dup", "uidl-none")


def messages(no_final_eol):
    out = []
    for i in (1, 2, 3, 4):
        hdr = ("From: Fake Sender <fake@example.com>\r\nTo: bob@example.com\r\n"
               "Subject: message %d\r\n" % i)
        if i != 3:
            hdr += "Message-ID: <pop%d@fake.example>\r\n" % i
        hdr += "Date: Mon, 2 Nov 2026 10:00:0%d +0100\r\n" % i
        body = "".join("body line %d of message %d\r\n" % (k, i)
                       for k in range(1, 3 * i))
        if i == 2:
            body += ".a line that starts with a dot\r\n..two dots\r\n.\r\n"
        raw = (hdr + "\r\n" + body).encode()
        if i == 4 and no_final_eol:
            raw = raw[:-2]
        out.append(raw)
    return out


def stuffed(raw, lf):
    """raw as a multi-line reply: lines ended, dot-stuffed, then "."."""
    lines = raw.split(b"\r\n")
    if lines[-1] == b"":
        lines.pop()
    eol = b"\n" if lf else b"\r\n"
    return b"".join((b"." + l if l.startswith(b".") else l) + eol
                    for l in lines) + b"." + eol


class Session:
    def __init__(self, sock, a, state, log, msgs):
        self.sock = sock
        self.a = a
        self.state = state
        self.log = log
        self.msgs = msgs
        self.buf = b""
        self.marked = set()
        k = state["sessions"]
        self.lies = set()
        for kind, when in a.lie:
            when = when if when is not None else a.lie_sessions
            if not when or k in when:
                self.lies.add(kind)

    def lie_is(self, kind):
        return kind in self.lies

    def send(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r")
        with open(self.log, "ab") as f:
            f.write(line + b"\n")
        return line

    def size(self, n):
        if self.lie_is("top-other"):
            n = 1
        return len(self.msgs[n - 1]) + (1 if self.lie_is("list-size") else 0)

    def retr(self, n):
        raw = self.msgs[n - 1]
        if n > 1 and self.lie_is("retr-other"):
            return self.msgs[0]
        if n > 1 and self.lie_is("retr-samesize"):
            hdr = self.msgs[0].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            pad = len(raw) - len(hdr) - 2
            return hdr + b"x" * pad + b"\r\n"
        return raw

    def uidl(self, live):
        if self.lie_is("uidl-short"):
            live = [n for n in live if n != 3]
        ids = {n: b"uid-%d" % n for n in live}
        if self.lie_is("uidl-dup") and 3 in ids:
            ids[3] = b"uid-1"
        return b"".join(b"%d %s\r\n" % (n, ids[n]) for n in live)

    def serve(self):
        alive = self.state["alive"]
        self.send(b"+OK fake POP3 maildrop\r\n")
        while True:
            line = self.readline()
            if line is None:
                return
            w = line.decode("latin-1").split()
            cmd = w[0].upper() if w else ""
            arg = int(w[1]) if len(w) > 1 and w[1].isdigit() else 0
            live = [n for n in alive if n not in self.marked]
            if cmd == "CAPA":
                caps = b"USER\r\n"
                if not self.a.no_top:
                    caps += b"TOP\r\n"
                if not self.lie_is("uidl-none"):
                    caps += b"UIDL\r\n"
                self.send(b"+OK\r\n" + caps + b".\r\n")
            elif cmd in ("USER", "PASS", "NOOP"):
                self.send(b"+OK\r\n")
            elif cmd == "STAT":
                self.send(b"+OK %d %d\r\n" % (len(live), sum(self.size(n) for n in live)))
            elif cmd == "LIST":
                self.send(b"+OK\r\n" + b"".join(b"%d %d\r\n" % (n, self.size(n))
                                                for n in live) + b".\r\n")
            elif cmd == "UIDL":
                if self.lie_is("uidl-none"):
                    self.send(b"-ERR no UIDL here\r\n")
                else:
                    self.send(b"+OK\r\n" + self.uidl(live) + b".\r\n")
            elif cmd in ("RETR", "TOP"):
                if arg not in live or (cmd == "TOP" and self.a.no_top):
                    self.send(b"-ERR no such message\r\n")
                    continue
                raw = self.retr(arg)
                if cmd == "TOP":
                    n = 1 if self.lie_is("top-other") else arg
                    raw = self.msgs[n - 1].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                self.send(b"+OK\r\n" + stuffed(raw, self.a.lf))
            elif cmd == "DELE":
                if arg not in live:
                    self.send(b"-ERR no such message\r\n")
                else:
                    self.marked.add(arg)
                    self.send(b"+OK marked\r\n")
            elif cmd == "RSET":
                self.marked.clear()
                self.send(b"+OK\r\n")
            elif cmd == "QUIT":
                self.state["alive"] = [n for n in alive if n not in self.marked]
                self.send(b"+OK bye\r\n")
                return
            else:
                self.send(b"-ERR unknown command\r\n")


def sessions(text):
    return {int(x) for x in text.split(",") if x}


def lie_arg(text):
    kind, _, when = text.partition("@")
    if kind not in LIES:
        raise argparse.ArgumentTypeError("unknown lie %r" % kind)
    return kind, sessions(when) if when else None


def save(path, state):
    with open(path + ".tmp", "w") as f:
        json.dump(state, f)
    os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description="A scriptable POP3 maildrop.")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--lie", action="append", default=[], type=lie_arg)
    ap.add_argument("--lie-sessions", default="", type=sessions)
    ap.add_argument("--no-top", action="store_true")
    ap.add_argument("--lf", action="store_true")
    ap.add_argument("--no-final-eol", action="store_true")
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()

    msgs = messages(a.no_final_eol)
    log = a.port_file + ".log"
    open(log, "ab").close()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    last = time.monotonic()
    while time.monotonic() - last < a.idle:
        r, _, _ = select.select([ls], [], [], 0.5)
        if not r:
            continue
        sock, _ = ls.accept()
        sock.settimeout(a.idle)
        state = {"alive": [1, 2, 3, 4], "sessions": 0}
        if os.path.exists(a.state):
            with open(a.state) as f:
                state = json.load(f)
        state["sessions"] += 1
        with open(log, "ab") as f:
            f.write(b"#SESSION %d\n" % state["sessions"])
        try:
            Session(sock, a, state, log, msgs).serve()
        except OSError:
            pass
        finally:
            sock.close()
        save(a.state, state)
        last = time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
