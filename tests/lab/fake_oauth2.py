#!/usr/bin/python3
"""A throw-away OAuth2 token introspection endpoint (RFC 7662) for the posta
test lab, plain HTTP on 127.0.0.1 (run with /usr/bin/python3).

  fake_oauth2.py --tokens FILE --port-file F [--log L]

FILE, read at every request, has one token per line: "TOKEN STATE USER",
STATE valid, expired or revoked. POST /introspect with token=TOKEN (what
Dovecot's oauth2 passdb sends with introspection_mode = post, and the lab's
SMTP sink too) answers {"active": true, "username": USER} for a valid
token, {"active": false} otherwise. The port goes to F once listening.
Each request appends "STATE" (never the token) to L.
"""
import argparse
import json
import os
import sys
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.tokens, srv.log = args.tokens, args.log
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
