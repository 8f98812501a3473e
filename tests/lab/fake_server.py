#!/usr/bin/env python3
"""Scripted hostile mail servers on 127.0.0.1 for TLS downgrade tests
(standard library only).

  fake_server.py MODE --port-file F [--cert C --key K] [--idle SECONDS]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and serves
connections until killed, or until no client has been connected for
--idle seconds (default 60). Every line received (before or after TLS) is
appended to F.log exactly as received minus the line ending, one per line;
connection events (connect, TLS handshake ok/failed, close) go to F.events.
A test can then assert that no LOGIN/AUTHENTICATE/USER/PASS/AUTH line ever
arrived.

Modes:
  imap-inject      greeting "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake";
                   on "<tag> STARTTLS" sends "<tag> OK Begin TLS\\r\\n* OK [ALERT] injected\\r\\n"
                   in ONE send (CVE-2020-15953), then attempts the TLS handshake.
  imap-preauth     greeting "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] fake" (CVE-2020-14093);
                   STARTTLS is refused (BAD: already authenticated).
  imap-nostarttls  greeting with capabilities lacking STARTTLS (AUTH=PLAIN offered in clear).
  pop3-inject      "+OK fake"; CAPA lists STLS; on STLS sends "+OK Begin TLS\\r\\n+OK injected\\r\\n"
                   in one send, then attempts TLS.
  smtp-inject      "220" greeting; EHLO lists STARTTLS; on STARTTLS sends
                   "220 Go ahead\\r\\n250 injected\\r\\n" in one send, then attempts TLS.
  silent           accepts and never says anything.
  smtp-dropdata    plain SMTP (no TLS: use smtp_tls = none + allow_plaintext):
                   EHLO offers AUTH PLAIN LOGIN and SIZE; AUTH, MAIL, RCPT
                   succeed, DATA gets 354; after the final "." the connection
                   is closed WITHOUT the 250 reply (the outcome is unknown to
                   the client). Each connection that reached the end of DATA
                   logs "#DATA-END" to F.events.

POP3 maildrops for posta's POP3 sync tests (plain, no TLS: use tls = none +
allow_plaintext; USER/PASS accept anything). Three messages, the second with
a dot-stuffed line; every DELE is logged, and applied at QUIT only when
--pop3-state FILE is given (a JSON list of the numbers still there):
  pop3-ok          a well-behaved server (UIDL, TOP).
  pop3-dropretr    RETR 2 sends half the message and closes the connection.
  pop3-err         RETR 2 answers -ERR in the middle of the session.
  pop3-endless     UIDL never ends (after STAT said 3).
  pop3-dupuidl     UIDL gives messages 1 and 3 the same id, and 2 an id with
                   a space and 8-bit bytes.
  pop3-nouidl      no UIDL: CAPA lacks it and UIDL answers -ERR.

Without --cert/--key a throw-away self-signed certificate is made with the
openssl command (if that fails, the connection is closed where TLS would start).
Credentials commands are always answered with a failure.
"""
import argparse
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

MODES = ("imap-inject", "imap-preauth", "imap-nostarttls", "pop3-inject",
         "smtp-inject", "silent", "pop3-ok", "pop3-dropretr", "pop3-err",
         "pop3-endless", "pop3-dupuidl", "pop3-nouidl", "smtp-dropdata")


class State:
    def __init__(self, port_file):
        self.lock = threading.Lock()
        self.log_path = port_file + ".log"
        self.ev_path = port_file + ".events"
        self.active = 0
        self.last = time.monotonic()
        for p in (self.log_path, self.ev_path):
            open(p, "ab").close()

    def touch(self):
        with self.lock:
            self.last = time.monotonic()

    def line(self, data):
        with self.lock:
            with open(self.log_path, "ab") as f:
                f.write(data + b"\n")
            self.last = time.monotonic()

    def event(self, text):
        with self.lock:
            with open(self.ev_path, "a") as f:
                f.write("%.3f %s\n" % (time.time(), text))


class Conn:
    """Line reader/writer over a socket that can be switched to TLS."""

    def __init__(self, sock, st, idle):
        self.sock = sock
        self.st = st
        self.buf = b""
        self.tls = False
        sock.settimeout(idle)

    def send(self, data):
        self.sock.sendall(data)
        self.st.touch()

    def readline(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, OSError, ssl.SSLError):
                return None
            if not chunk:
                if self.buf:  # a last unterminated line
                    line, self.buf = self.buf, b""
                    self.st.line(line)
                    return line
                return None
            self.buf += chunk
            self.st.touch()
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r")
        self.st.line(line)
        return line

    def start_tls(self, ctx):
        if self.buf:
            self.st.event("client sent %d bytes before the TLS handshake: %r"
                          % (len(self.buf), self.buf[:80]))
            self.buf = b""
        if ctx is None:
            self.st.event("no certificate: closing instead of TLS")
            return False
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.st.event("TLS handshake failed: %s" % e)
            return False
        self.tls = True
        self.st.event("TLS handshake ok (%s)" % self.sock.version())
        return True


def words(line):
    return line.decode("latin-1").split()


# ------------------------------------------------------------------ IMAP
def serve_imap(c, mode, ctx):
    if mode == "imap-preauth":
        caps = "IMAP4rev1 STARTTLS"
        c.send(b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n")
    elif mode == "imap-nostarttls":
        caps = "IMAP4rev1 AUTH=PLAIN LITERAL+ ID"
        c.send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LITERAL+ ID] fake\r\n")
    else:
        caps = "IMAP4rev1 STARTTLS LOGINDISABLED"
        c.send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        w = words(line)
        if not w:
            continue
        tag = w[0].encode("latin-1", "replace")
        cmd = w[1].upper() if len(w) > 1 else ""
        if cmd == "CAPABILITY":
            cur = "IMAP4rev1 AUTH=PLAIN" if c.tls else caps
            c.send(b"* CAPABILITY " + cur.encode() + b"\r\n" + tag + b" OK done\r\n")
        elif cmd == "NOOP" or cmd == "ID":
            c.send(tag + b" OK done\r\n")
        elif cmd == "LOGOUT":
            c.send(b"* BYE fake\r\n" + tag + b" OK done\r\n")
            return
        elif cmd == "STARTTLS":
            if mode == "imap-inject" and not c.tls:
                c.send(tag + b" OK Begin TLS\r\n* OK [ALERT] injected\r\n")
                if not c.start_tls(ctx):
                    return
            elif mode == "imap-preauth":
                c.send(tag + b" BAD STARTTLS not allowed: already authenticated\r\n")
            else:
                c.send(tag + b" BAD STARTTLS not supported\r\n")
        elif cmd in ("LOGIN", "AUTHENTICATE"):
            c.send(tag + b" NO [AUTHENTICATIONFAILED] fake server\r\n")
        else:
            c.send(tag + b" NO fake server\r\n")


# ------------------------------------------------------------------ POP3
def serve_pop3(c, mode, ctx):
    c.send(b"+OK fake\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        w = words(line)
        cmd = w[0].upper() if w else ""
        if cmd == "CAPA":
            extra = b"SASL PLAIN\r\nUSER\r\n" if c.tls else b"STLS\r\n"
            c.send(b"+OK capability list follows\r\n" + extra + b"UIDL\r\nTOP\r\n.\r\n")
        elif cmd == "STLS" and not c.tls:
            c.send(b"+OK Begin TLS\r\n+OK injected\r\n")
            if not c.start_tls(ctx):
                return
        elif cmd == "QUIT":
            c.send(b"+OK bye\r\n")
            return
        elif cmd == "NOOP":
            c.send(b"+OK\r\n")
        else:
            c.send(b"-ERR fake server\r\n")


# ------------------------------------------------------------ POP3 mail
def pop3_messages():
    msgs = []
    for i in (1, 2, 3):
        body = "line one\r\n"
        if i == 2:
            body += ".a line that starts with a dot\r\n..two dots\r\n"
        msgs.append(("From: fake <fake@example.com>\r\nTo: bob@example.com\r\n"
                     "Subject: fake %d\r\nMessage-ID: <fake%d@fake.example>\r\n"
                     "Date: Mon, 2 Nov 2026 10:00:0%d +0100\r\n\r\n%s"
                     % (i, i, i, body)).encode())
    return msgs


def pop3_stuffed(raw):
    out = b""
    for line in raw.split(b"\r\n")[:-1]:
        out += (b"." + line if line.startswith(b".") else line) + b"\r\n"
    return out


def serve_pop3_mail(c, mode, ctx, state_file=None):
    import json
    msgs = pop3_messages()
    alive = [1, 2, 3]
    if state_file and os.path.exists(state_file):
        with open(state_file) as f:
            alive = json.load(f)
    marked = set()
    uidls = {1: b"uid-1", 2: b"uid-2", 3: b"uid-3"}
    if mode == "pop3-dupuidl":
        uidls = {1: b"same", 2: b"odd id \xe9\x01", 3: b"same"}
    c.send(b"+OK fake POP3 maildrop\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        w = words(line)
        cmd = w[0].upper() if w else ""
        arg = int(w[1]) if len(w) > 1 and w[1].isdigit() else 0
        live = [n for n in alive if n not in marked]
        if cmd == "CAPA":
            caps = b"USER\r\nTOP\r\n"
            if mode != "pop3-nouidl":
                caps += b"UIDL\r\n"
            c.send(b"+OK\r\n" + caps + b".\r\n")
        elif cmd in ("USER", "PASS", "NOOP"):
            c.send(b"+OK\r\n")
        elif cmd == "STAT":
            c.send(b"+OK %d %d\r\n" % (len(live), sum(len(msgs[n - 1]) for n in live)))
        elif cmd == "LIST":
            c.send(b"+OK\r\n" + b"".join(b"%d %d\r\n" % (n, len(msgs[n - 1])) for n in live) + b".\r\n")
        elif cmd == "UIDL":
            if mode == "pop3-nouidl":
                c.send(b"-ERR no UIDL here\r\n")
            elif mode == "pop3-endless":
                c.send(b"+OK\r\n")
                k = 0
                while True:
                    k += 1
                    c.send(b"".join(b"%d endless-%d\r\n" % (k * 100 + j, k * 100 + j) for j in range(100)))
            else:
                c.send(b"+OK\r\n" + b"".join(b"%d %s\r\n" % (n, uidls[n]) for n in live) + b".\r\n")
        elif cmd in ("RETR", "TOP"):
            if arg not in live:
                c.send(b"-ERR no such message\r\n")
                continue
            raw = msgs[arg - 1]
            if cmd == "TOP":
                raw = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            elif arg == 2 and mode == "pop3-err":
                c.send(b"-ERR [SYS/TEMP] message 2 is unavailable just now\r\n")
                continue
            elif arg == 2 and mode == "pop3-dropretr":
                data = pop3_stuffed(raw)
                c.send(b"+OK\r\n" + data[:len(data) // 2])
                return
            c.send(b"+OK\r\n" + pop3_stuffed(raw) + b".\r\n")
        elif cmd == "DELE":
            if arg not in live:
                c.send(b"-ERR no such message\r\n")
            else:
                marked.add(arg)
                c.send(b"+OK marked\r\n")
        elif cmd == "RSET":
            marked.clear()
            c.send(b"+OK\r\n")
        elif cmd == "QUIT":
            if state_file:
                with open(state_file + ".tmp", "w") as f:
                    json.dump([n for n in alive if n not in marked], f)
                os.rename(state_file + ".tmp", state_file)
            c.send(b"+OK bye\r\n")
            return
        else:
            c.send(b"-ERR unknown command\r\n")


# ------------------------------------------------------------------ SMTP
def serve_smtp(c, mode, ctx):
    c.send(b"220 fake.example ESMTP fake\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        w = words(line)
        cmd = w[0].upper() if w else ""
        if cmd == "EHLO":
            if c.tls:
                c.send(b"250-fake.example\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n")
            else:
                c.send(b"250-fake.example\r\n250-8BITMIME\r\n250 STARTTLS\r\n")
        elif cmd == "HELO":
            c.send(b"250 fake.example\r\n")
        elif cmd == "STARTTLS" and not c.tls:
            c.send(b"220 Go ahead\r\n250 injected\r\n")
            if not c.start_tls(ctx):
                return
        elif cmd == "QUIT":
            c.send(b"221 bye\r\n")
            return
        elif cmd == "NOOP" or cmd == "RSET":
            c.send(b"250 OK\r\n")
        elif cmd == "AUTH":
            c.send(b"535 5.7.8 fake server\r\n")
        else:
            c.send(b"554 5.5.0 fake server\r\n")


def serve_smtp_dropdata(c, mode, ctx):
    c.send(b"220 fake.example ESMTP fake\r\n")
    while True:
        line = c.readline()
        if line is None:
            return
        w = words(line)
        cmd = w[0].upper() if w else ""
        if cmd == "EHLO":
            c.send(b"250-fake.example\r\n250-8BITMIME\r\n250-SIZE 10485760\r\n"
                   b"250 AUTH PLAIN LOGIN\r\n")
        elif cmd == "HELO":
            c.send(b"250 fake.example\r\n")
        elif cmd == "AUTH":
            mech = w[1].upper() if len(w) > 1 else ""
            if mech == "PLAIN" and len(w) > 2:
                c.send(b"235 2.7.0 ok\r\n")
            elif mech == "PLAIN":
                c.send(b"334 \r\n")
                if c.readline() is None:
                    return
                c.send(b"235 2.7.0 ok\r\n")
            elif mech == "LOGIN":
                if len(w) <= 2:
                    c.send(b"334 VXNlcm5hbWU6\r\n")
                    if c.readline() is None:
                        return
                c.send(b"334 UGFzc3dvcmQ6\r\n")
                if c.readline() is None:
                    return
                c.send(b"235 2.7.0 ok\r\n")
            else:
                c.send(b"504 5.5.4 unknown mechanism\r\n")
        elif cmd in ("MAIL", "RCPT", "NOOP", "RSET"):
            c.send(b"250 2.0.0 OK\r\n")
        elif cmd == "DATA":
            c.send(b"354 go ahead\r\n")
            while True:
                line = c.readline()
                if line is None:
                    return
                if line == b".":
                    break
            c.st.event("#DATA-END")
            return  # close without the 250
        elif cmd == "QUIT":
            c.send(b"221 bye\r\n")
            return
        else:
            c.send(b"502 5.5.2 fake server\r\n")


def serve_silent(c, mode, ctx):
    while c.readline() is not None:
        pass


HANDLERS = {"imap-inject": serve_imap, "imap-preauth": serve_imap,
            "imap-nostarttls": serve_imap, "pop3-inject": serve_pop3,
            "smtp-inject": serve_smtp, "silent": serve_silent,
            "smtp-dropdata": serve_smtp_dropdata}
for _m in MODES:
    if _m.startswith("pop3-") and _m != "pop3-inject":
        HANDLERS[_m] = serve_pop3_mail


def make_ctx(cert, key, tmpdir):
    if not cert:
        openssl = shutil.which("openssl")
        if not openssl:
            return None
        cert = os.path.join(tmpdir, "cert.pem")
        key = os.path.join(tmpdir, "key.pem")
        r = subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                            "-subj", "/CN=localhost", "-addext",
                            "subjectAltName=DNS:localhost,IP:127.0.0.1",
                            "-keyout", key, "-out", cert],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def handle(sock, peer, st, mode, ctx, idle, state_file=None):
    with st.lock:
        st.active += 1
    st.event("connect from %s:%d" % peer)
    c = Conn(sock, st, idle)
    try:
        if HANDLERS[mode] is serve_pop3_mail:
            serve_pop3_mail(c, mode, ctx, state_file)
        else:
            HANDLERS[mode](c, mode, ctx)
    except (OSError, ssl.SSLError) as e:
        st.event("connection error: %s" % e)
    finally:
        try:
            c.sock.close()
        except OSError:
            pass
        st.event("close")
        with st.lock:
            st.active -= 1
            st.last = time.monotonic()


def main():
    ap = argparse.ArgumentParser(description="Scripted hostile mail servers.")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--pop3-state", help="pop3-* modes: JSON file of the messages left")
    a = ap.parse_args()
    if bool(a.cert) != bool(a.key):
        ap.error("--cert and --key go together")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmpdir = tempfile.mkdtemp(prefix="posta-fake.")
    try:
        ctx = None if a.mode == "silent" else make_ctx(a.cert, a.key, tmpdir)
        st = State(a.port_file)
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(16)
        port = ls.getsockname()[1]
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
        st.event("listening on 127.0.0.1:%d mode %s pid %d" % (port, a.mode, os.getpid()))
        while True:
            r, _, _ = select.select([ls], [], [], 0.5)
            if r:
                sock, peer = ls.accept()
                threading.Thread(target=handle, args=(sock, peer, st, a.mode, ctx, a.idle, a.pop3_state),
                                 daemon=True).start()
                continue
            with st.lock:
                idle = st.active == 0 and time.monotonic() - st.last > a.idle
            if idle:
                st.event("idle for %gs, exiting" % a.idle)
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
