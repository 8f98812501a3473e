#!/usr/bin/env python3
"""https_files.py - serve a directory over HTTPS and HTTP on 127.0.0.1
(posta setup's autoconfig tests).

  https_files.py --dir D --cert PEM --key KEY --port-file F

Writes "HTTPS_PORT HTTP_PORT" to F once both listen. Plain python3.
"""
import argparse
import functools
import http.server
import os
import ssl
import threading


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    handler = functools.partial(Quiet, directory=a.dir)
    tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d %d" % (tls.server_address[1], plain.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    tls.serve_forever()


if __name__ == "__main__":
    main()
