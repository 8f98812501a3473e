#!/usr/bin/python3
"""Small helpers for tests/lab/lab (standard library only).

  labtool.py ports N
      Print N distinct TCP ports that are free on both 127.0.0.1 and 127.0.0.2
      (all sockets are held until every port is chosen, then released).

  labtool.py probe --timeout S --ca CA --user U --pass P
                   [--imap P] [--imaps P] [--pop3 P] [--pop3s P]
                   [--smtp P] [--smtps P] [--no-tls]
      Poll until a login succeeds on every given port (IMAP/POP3 plain ports:
      also checks that STARTTLS/STLS is offered, or absent with --no-tls;
      SMTP: STARTTLS then AUTH, or AUTH in clear with --no-tls).
      Exit 0 when all are up, 1 with one line per failing port otherwise.
"""
import argparse
import imaplib
import poplib
import smtplib
import socket
import ssl
import sys
import time

HOST = "127.0.0.1"


def cmd_ports(n):
    held, ports = [], []
    tries = 0
    while len(ports) < n:
        tries += 1
        if tries > 200:
            sys.exit("labtool: could not find %d free ports" % n)
        s1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s1.bind(("127.0.0.1", 0))
        port = s1.getsockname()[1]
        s2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s2.bind(("127.0.0.2", port))
        except OSError:
            s1.close()
            s2.close()
            continue
        held += [s1, s2]
        ports.append(port)
    for s in held:
        s.close()
    print(" ".join(str(p) for p in ports))


def tls_ctx(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def probe_imap(port, a, ctx):
    with imaplib.IMAP4(HOST, port, timeout=3) as m:
        caps = m.capabilities
        if a.no_tls:
            if "STARTTLS" in caps:
                raise RuntimeError("STARTTLS offered although ssl = no")
        else:
            if "STARTTLS" not in caps:
                raise RuntimeError("STARTTLS not offered: %s" % (caps,))
        m.login(a.user, a.password)
        m.logout()


def probe_imaps(port, a, ctx):
    with imaplib.IMAP4_SSL(HOST, port, ssl_context=ctx, timeout=3) as m:
        m.login(a.user, a.password)
        m.logout()


def probe_pop3(port, a, ctx):
    p = poplib.POP3(HOST, port, timeout=3)
    try:
        caps = p.capa()
        if a.no_tls:
            if "STLS" in caps:
                raise RuntimeError("STLS offered although ssl = no")
        else:
            if "STLS" not in caps:
                raise RuntimeError("STLS not offered: %s" % (caps,))
            p.stls(ctx)
        p.user(a.user)
        p.pass_(a.password)
        p.quit()
    finally:
        try:
            p.close()
        except Exception:
            pass


def probe_pop3s(port, a, ctx):
    p = poplib.POP3_SSL(HOST, port, context=ctx, timeout=3)
    try:
        p.user(a.user)
        p.pass_(a.password)
        p.quit()
    finally:
        try:
            p.close()
        except Exception:
            pass


def probe_smtp(port, a, ctx):
    with smtplib.SMTP(HOST, port, timeout=3) as s:
        s.ehlo()
        if a.no_tls:
            if s.has_extn("starttls"):
                raise RuntimeError("STARTTLS offered although --no-starttls")
        else:
            if not s.has_extn("starttls"):
                raise RuntimeError("STARTTLS not offered")
            s.starttls(context=ctx)
            s.ehlo()
        s.login(a.user, a.password)


def probe_smtps(port, a, ctx):
    with smtplib.SMTP_SSL(HOST, port, context=ctx, timeout=3) as s:
        s.ehlo()
        s.login(a.user, a.password)


PROBES = [("imap", probe_imap), ("imaps", probe_imaps), ("pop3", probe_pop3),
          ("pop3s", probe_pop3s), ("smtp", probe_smtp), ("smtps", probe_smtps)]


def cmd_probe(a):
    ctx = None if a.no_tls else tls_ctx(a.ca)
    pending = {name: (fn, getattr(a, name)) for name, fn in PROBES
               if getattr(a, name)}
    errors = {}
    deadline = time.monotonic() + a.timeout
    while pending:
        for name in list(pending):
            fn, port = pending[name]
            try:
                fn(port, a, ctx)
                del pending[name]
                errors.pop(name, None)
            except Exception as e:  # keep polling until the deadline
                errors[name] = "%s: %s" % (type(e).__name__, e)
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for name in pending:
        print("%s port %s not ready: %s" % (name, pending[name][1],
                                             errors.get(name, "?")))
    return 1 if pending else 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "ports":
        cmd_ports(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
        return 0
    ap = argparse.ArgumentParser(prog="labtool.py probe")
    ap.add_argument("cmd", choices=["probe"])
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--ca")
    ap.add_argument("--user", required=True)
    ap.add_argument("--pass", dest="password", required=True)
    ap.add_argument("--no-tls", action="store_true")
    for name, _ in PROBES:
        ap.add_argument("--" + name, type=int)
    return cmd_probe(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
