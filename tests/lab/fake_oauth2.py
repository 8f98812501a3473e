#!/usr/bin/python3
"""A throw-away OAuth2 token introspection endpoint (RFC 7662) for the posta
test lab, plain HTTP on 127.0.0.1 (run with /usr/bin/python3), and with
--as-dir a fake authorization server over HTTPS on 127.0.0.1 too.

  fake_oauth2.py --tokens FILE --port-file F [--log L]
      [--as-dir D --cert PEM --key KEY]

FILE, read at every request, has one token per line: "TOKEN STATE USER",
STATE valid, expired or revoked. POST /introspect with token=TOKEN (what
Dovecot's oauth2 passdb sends with introspection_mode = post, and the lab's
SMTP sink too) answers {"active": true, "username": USER} for a valid
token, {"active": false} otherwise. The port goes to F once listening.
Each request appends "STATE" (never the token) to L.

The authorization server (its port is the second number in F) has
  POST /device     RFC 8628 3.1: a device_code, user_code WDJB-MJHT,
                   interval from D/interval (default 1)
  POST /token      device_code, refresh_token and authorization_code grants;
                   a device poll answers by D/polls, words for the 1st, 2nd,
                   ... poll (the last repeats): pending, slow_down, expired,
                   denied, ok. Tokens it issues are added to FILE as valid
                   (user D/user, default alice), expiring after
                   D/expires_in seconds (default 3600); a refresh token
                   listed in D/revoked (or any, when it says all) is refused
                   (invalid_grant).
  GET /authorize   RFC 6749 4.1 with PKCE: checks S256, redirects (302) to
                   redirect_uri with a code and the state
D/mode "badjson" or "huge" (3 MB) or "http500" spoils every POST reply.
D/log gets one line per request: "device T", "poll N T ANSWER", "refresh
ok|refused", "code ok|refused", "authorize"; T the monotonic time.
Never a token.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def lookup(path, token):
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[0] == token:
                    return w[1], w[2]
    except OSError:
        pass
    return "unknown", None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(min(n, 65536)).decode())
        token = (form.get("token") or [""])[0]
        state, user = lookup(self.server.tokens, token)
        if self.server.log:
            with open(self.server.log, "a") as f:
                f.write(state + "\n")
        body = {"active": True, "username": user} if state == "valid" \
            else {"active": False}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def setting(d, name, default):
    try:
        with open(os.path.join(d, name)) as f:
            v = f.read().strip()
            return v if v else default
    except OSError:
        return default


class AuthServer(BaseHTTPRequestHandler):
    lock = threading.Lock()

    def note(self, line):
        with open(os.path.join(self.server.dir, "log"), "a") as f:
            f.write(line + "\n")

    def reply(self, status, body, extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def issue(self):
        d = self.server.dir
        access = "at" + secrets.token_hex(16)
        refresh = "rt" + secrets.token_hex(16)
        user = setting(d, "user", "alice")
        with open(self.server.tokens, "a") as f:
            f.write("%s valid %s\n" % (access, user))
        self.server.refresh.add(refresh)
        return {"access_token": access, "token_type": "Bearer",
                "expires_in": int(setting(d, "expires_in", "3600")),
                "refresh_token": refresh}

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path != "/authorize":
            return self.reply(404, {"error": "not_found"})
        self.note("authorize")
        if q.get("code_challenge_method") != "S256" or \
                q.get("response_type") != "code" or "state" not in q or \
                not q.get("redirect_uri", "").startswith("http://127.0.0.1:"):
            return self.reply(400, {"error": "invalid_request"})
        code = "code" + secrets.token_hex(8)
        self.server.codes[code] = (q["code_challenge"], q["redirect_uri"])
        loc = q["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"code": code, "state": q["state"]})
        self.reply(302, b"", {"Location": loc})

    def do_POST(self):
        d = self.server.dir
        n = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(min(n, 65536)).decode()))
        mode = setting(d, "mode", "")
        with self.lock:
            return self.answer(d, form, mode)

    def answer(self, d, form, mode):
        if self.path == "/device":
            self.note("device %.3f" % time.monotonic())
            if mode == "badjson":
                return self.reply(200, b"{\"device_code\": \"x\", oops")
            if mode == "huge":
                return self.reply(200, b"[" + b"1," * (3 << 20) + b"1]")
            if mode == "http500":
                return self.reply(500, b"<html>down</html>")
            self.server.polls = 0
            return self.reply(200, {
                "device_code": "dc" + secrets.token_hex(8),
                "user_code": "WDJB-MJHT",
                "verification_uri": "https://localhost/device",
                "interval": int(setting(d, "interval", "1")),
                "expires_in": 600})
        if self.path != "/token":
            return self.reply(404, {"error": "not_found"})
        if mode == "badjson":
            return self.reply(200, b"access_token=nope")
        if mode == "huge":
            return self.reply(200, b"{\"a\":\"" + b"x" * (3 << 20) + b"\"}")
        g = form.get("grant_type", "")
        if g == "urn:ietf:params:oauth:grant-type:device_code":
            self.server.polls += 1
            words = setting(d, "polls", "ok").split()
            w = words[min(self.server.polls, len(words)) - 1]
            self.note("poll %d %.3f %s" % (self.server.polls,
                                           time.monotonic(), w))
            errs = {"pending": "authorization_pending",
                    "slow_down": "slow_down", "expired": "expired_token",
                    "denied": "access_denied"}
            if w in errs:
                return self.reply(400, {"error": errs[w]})
            return self.reply(200, self.issue())
        if g == "refresh_token":
            r = form.get("refresh_token", "")
            revoked = setting(d, "revoked", "").split()
            if r not in self.server.refresh or r in revoked or \
                    "all" in revoked:
                self.note("refresh refused")
                return self.reply(400, {"error": "invalid_grant",
                                        "error_description": "bad refresh"})
            self.note("refresh ok")
            t = self.issue()
            del t["refresh_token"]
            return self.reply(200, t)
        if g == "authorization_code":
            c = self.server.codes.pop(form.get("code", ""), None)
            v = form.get("code_verifier", "").encode()
            ch = base64.urlsafe_b64encode(
                hashlib.sha256(v).digest()).rstrip(b"=").decode()
            if c is None or c[0] != ch or c[1] != form.get("redirect_uri"):
                self.note("code refused")
                return self.reply(400, {"error": "invalid_grant"})
            self.note("code ok")
            return self.reply(200, self.issue())
        return self.reply(400, {"error": "unsupported_grant_type"})

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--as-dir")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.tokens, srv.log = args.tokens, args.log
    ports = "%d" % srv.server_address[1]
    if args.as_dir:
        tls = ThreadingHTTPServer(("127.0.0.1", 0), AuthServer)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        tls.dir, tls.tokens = args.as_dir, args.tokens
        tls.refresh, tls.codes, tls.polls = set(), {}, 0
        threading.Thread(target=tls.serve_forever, daemon=True).start()
        ports += " %d" % tls.server_address[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(ports + "\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
