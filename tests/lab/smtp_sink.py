#!/usr/bin/python3
"""SMTP sink for the posta test lab (Debian's python3-aiosmtpd; run with
/usr/bin/python3).

Two listeners on 127.0.0.1 (and the same port on 127.0.0.2, for host-name
mismatch tests):
  * STARTTLS port: require_starttls (nothing but EHLO/HELO/NOOP/QUIT/STARTTLS
    before TLS), AUTH offered only after STARTTLS;
  * implicit TLS port.
Both: AUTH PLAIN and LOGIN against --user NAME:PASSWORD (repeatable), with
--oauth2 URL also XOAUTH2 and OAUTHBEARER (tokens POSTed to that RFC 7662
introspection URL, as the lab's Dovecot does), AUTH
required before MAIL (unless --no-auth-required), SIZE (--size-limit, default
10 MiB), 8BITMIME, SMTPUTF8.

With --no-tls there is a single plain listener that offers neither STARTTLS
nor implicit TLS, and AUTH is allowed in clear (for "server without
STARTTLS" tests).

Every accepted message is stored as SPOOL/<n>.json (mail_from, rcpt_tos,
auth_user, peer, tls, received) and then SPOOL/<n>.eml (the exact DATA bytes,
dot-unstuffed), each written to a temporary name and renamed, the .eml last,
so a test that sees <n>.eml can read both.

Recipients whose local part starts with "reject550" get 550, "reject451"
get 451.

A refuse file (--refuse-file, default SPOOL/../refuse) changes that while
the sink runs, for tests where a server refuses someone now and accepts
him later: each line "ADDRESS CODE" (e.g. "carol@localhost 550" or
"carol@localhost 450") refuses that address (case-insensitive) with that
4xx or 5xx code. It is read again at every RCPT; no file, no refusals.
While a file named no-8bitmime exists beside it, EHLO leaves 8BITMIME out
(a server that takes 7-bit mail only); each .json has the MAIL FROM
parameters (mail_options: "BODY=8BITMIME", ...).

--ports-file F receives "SMTP_PORT SMTPS_PORT" (SMTPS empty with --no-tls)
once the sockets listen. SIGTERM/SIGINT stop the server cleanly.
"""
import argparse
import asyncio
import base64
import binascii
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys
import time
import urllib.parse
import urllib.request
import warnings

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

HOSTS = ("127.0.0.1", "127.0.0.2")


class Spool:
    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)
        n = 0
        for name in os.listdir(path):
            m = re.match(r"^(\d+)\.(eml|json)$", name)
            if m:
                n = max(n, int(m.group(1)))
        self.next = n + 1

    def _write(self, name, data):
        tmp = os.path.join(self.path, ".tmp.%d.%s" % (os.getpid(), name))
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.path, name))

    def store(self, content, meta):
        n = self.next
        self.next += 1
        meta = dict(meta, n=n, size=len(content))
        self._write("%d.json" % n, (json.dumps(meta, indent=1) + "\n").encode())
        self._write("%d.eml" % n, content)
        return n


def refused_code(path, address):
    """The code the refuse file gives address, or None."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        words = line.split()
        if (len(words) == 2 and words[0].lower() == address.lower()
                and re.fullmatch(r"[45]\d\d", words[1])):
            return int(words[1])
    return None


class Handler:
    def __init__(self, spool, listener, refuse_file):
        self.spool = spool
        self.listener = listener
        self.refuse_file = refuse_file

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if os.path.exists(os.path.join(os.path.dirname(self.refuse_file),
                                       "no-8bitmime")):
            responses = [r for r in responses if r[4:] != "8BITMIME"]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = refused_code(self.refuse_file, address)
        if code is not None and code >= 500:
            return "%d 5.1.1 <%s>: recipient rejected (lab refuse file)" % (code, address)
        if code is not None:
            return "%d 4.2.1 <%s>: mailbox busy, try again later (lab refuse file)" % (code, address)
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject550"):
            return "550 5.1.1 <%s>: recipient rejected (lab reject550)" % address
        if local.startswith("reject451"):
            return "451 4.3.0 <%s>: try again later (lab reject451)" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        user = session.login_data
        if isinstance(user, bytes):
            user = user.decode("utf-8", "replace")
        meta = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": user,
            "peer": list(session.peer) if session.peer else None,
            "listener": self.listener,
            "tls": bool(session.ssl) or self.listener == "smtps",
            "received": time.time(),
        }
        n = self.spool.store(envelope.content, meta)
        logging.info("stored message %d from %s to %s (%d bytes)",
                     n, envelope.mail_from, envelope.rcpt_tos, len(envelope.content))
        return "250 2.0.0 OK queued as %d" % n


def introspect(url, token):
    """The user an OAuth2 token is valid for (RFC 7662 at url), or None."""
    data = urllib.parse.urlencode({"token": token}).encode()
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, data, timeout=10) as r:
            body = json.loads(r.read(65536))
    except Exception as e:
        logging.info("introspection failed: %s", type(e).__name__)
        return None
    return body.get("username") if body.get("active") is True else None


class OAuth2Auth:
    """XOAUTH2 and OAUTHBEARER (RFC 7628) against an introspection URL:
    the token must be valid for the user the client names. A refusal sends
    the error challenge first, as Gmail and Dovecot do."""

    def __init__(self, url):
        self.url = url

    async def _check(self, server, args, mech):
        if len(args) < 2:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False,
                                  message="501 5.5.2 bad base64")
        fields = blob.decode("utf-8", "replace").split("\x01")
        user = token = None
        for f in fields:
            if f.startswith("user="):
                user = f[5:]
            elif f.startswith("n,a="):
                user = f[4:].rstrip(",").replace("=2C", ",").replace("=3D", "=")
            elif f.startswith("auth=Bearer "):
                token = f[12:]
        who = introspect(self.url, token) if token else None
        ok = who is not None and who == user
        logging.info("AUTH %s user=%r %s", mech, user, "ok" if ok else "refused")
        if ok:
            return AuthResult(success=True, handled=False,
                              auth_data=LoginPassword(user.encode(), b""))
        status = "401" if mech == "XOAUTH2" else "invalid_token"
        await server.challenge_auth(json.dumps(
            {"status": status, "schemes": "bearer", "scope": "mail"}))
        return AuthResult(success=False, handled=False)

    async def auth_XOAUTH2(self, server, args):
        return await self._check(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args):
        return await self._check(server, args, "OAUTHBEARER")


class OAuth2Handler(OAuth2Auth, Handler):
    """A Handler that also offers XOAUTH2 and OAUTHBEARER (--oauth2)."""

    def __init__(self, url, *args):
        OAuth2Auth.__init__(self, url)
        Handler.__init__(self, *args)


def make_authenticator(users):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if mechanism not in ("PLAIN", "LOGIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        ok = users.get(login) == password
        logging.info("AUTH %s user=%r %s", mechanism, login, "ok" if ok else "refused")
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


def bind_pair(port=0, tries=50):
    """Listening sockets on 127.0.0.1 and 127.0.0.2 with the same port."""
    for _ in range(tries):
        socks = []
        try:
            p = port
            for host in HOSTS:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                socks.append(s)
                s.bind((host, p))
                p = s.getsockname()[1]
                s.listen(64)
                s.setblocking(False)
            return socks, p
        except OSError:
            for s in socks:
                s.close()
            if port:
                raise
    raise OSError("no free port pair on %s" % (HOSTS,))


async def serve(args):
    users = dict(u.split(":", 1) for u in args.user)
    spool = Spool(args.spool)
    refuse = args.refuse_file or os.path.join(
        os.path.dirname(os.path.abspath(args.spool)), "refuse")
    auth = make_authenticator(users)
    if args.oauth2:
        Handler_ = lambda *a: OAuth2Handler(args.oauth2, *a)
    else:
        Handler_ = Handler
    loop = asyncio.get_running_loop()
    servers = []
    common = dict(data_size_limit=args.size_limit, enable_SMTPUTF8=True,
                  decode_data=False, hostname="lab.posta.test",
                  ident="posta-lab smtp sink", authenticator=auth,
                  auth_required=not args.no_auth_required, timeout=60)

    if args.no_tls:
        factory = lambda: SMTP(Handler_(spool, "smtp", refuse), auth_require_tls=False, **common)
        socks, smtp_port = bind_pair(args.smtp_port)
        smtps_port = ""
        for s in socks:
            servers.append(await loop.create_server(factory, sock=s))
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        f_start = lambda: SMTP(Handler_(spool, "smtp", refuse), tls_context=ctx,
                               require_starttls=True, auth_require_tls=True, **common)
        # Implicit TLS: the transport is already encrypted, aiosmtpd does not
        # know it, so AUTH must not "require TLS" (it has it) and STARTTLS
        # must not be offered (no tls_context).
        f_tls = lambda: SMTP(Handler_(spool, "smtps", refuse), auth_require_tls=False, **common)
        socks, smtp_port = bind_pair(args.smtp_port)
        for s in socks:
            servers.append(await loop.create_server(f_start, sock=s))
        socks, smtps_port = bind_pair(args.smtps_port)
        for s in socks:
            servers.append(await loop.create_server(f_tls, sock=s, ssl=ctx))

    if args.ports_file:
        tmp = args.ports_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s %s\n" % (smtp_port, smtps_port))
        os.rename(tmp, args.ports_file)
    logging.info("listening: smtp=%s smtps=%s spool=%s", smtp_port, smtps_port, args.spool)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logging.info("stopping")
    for s in servers:
        s.close()
    try:
        await asyncio.wait_for(asyncio.gather(*(s.wait_closed() for s in servers)), 0.5)
    except Exception:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spool", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--smtp-port", type=int, default=0)
    ap.add_argument("--smtps-port", type=int, default=0)
    ap.add_argument("--ports-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--log")
    ap.add_argument("--user", action="append", default=[],
                    help="NAME:PASSWORD (repeatable)")
    ap.add_argument("--size-limit", type=int, default=10 * 1024 * 1024)
    ap.add_argument("--no-tls", action="store_true")
    ap.add_argument("--no-auth-required", action="store_true")
    ap.add_argument("--oauth2", metavar="URL",
                    help="also offer XOAUTH2 and OAUTHBEARER, tokens checked "
                    "at this introspection URL (RFC 7662)")
    ap.add_argument("--refuse-file",
                    help="ADDRESS CODE lines, read at every RCPT "
                    "(default: SPOOL/../refuse)")
    args = ap.parse_args()
    if not args.no_tls and not (args.cert and args.key):
        ap.error("--cert and --key are required unless --no-tls")
    if not args.user:
        args.user = ["alice:alicepw", "bob:bobpw"]

    logging.basicConfig(filename=args.log, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    warnings.simplefilter("ignore")
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pid_file + ".tmp", args.pid_file)
    try:
        asyncio.run(serve(args))
    finally:
        if args.pid_file:
            try:
                os.unlink(args.pid_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
