#!/usr/bin/env python3
"""An IMAP proxy that garbles the server's FETCH replies about chosen
messages, for tests of replies a client cannot parse (standard library only).

  mangle_proxy.py --upstream HOST:PORT --port-file F --rules R [--log L]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and passes every
connection through to the upstream IMAP server in plain text, both ways,
byte for byte, except for the server's untagged FETCH replies named by the
rules. R is read again at every new connection (a test changes it between
two syncs); one rule a line, '#' starts a comment:

  envelope UID   a FETCH reply about UID that carries ENVELOPE gets
                 "ENVELOPE ((" instead of "ENVELOPE (": the description of
                 the message (what a header fetch asks for) cannot be parsed
  body UID       a FETCH reply about UID that carries BODY[] gets "BODY[] {x"
                 instead of "BODY[] {": the raw message cannot be parsed

Only the line that names the UID is changed; literals are counted from the
server's own bytes, so the stream stays a stream. A literal (a 50 MB body)
is copied in chunks, never held whole. L gets one line per event:
"connect N", "envelope UID", "body UID".
"""
import argparse
import os
import re
import socket
import sys
import threading

CHUNK = 1 << 20
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
FETCH = re.compile(rb"^\* \d+ FETCH \(.*?\bUID (\d+)\b")


class Rules:
    def __init__(self, path):
        self.envelope, self.body = set(), set()
        try:
            with open(path) as f:
                for line in f:
                    words = line.split("#", 1)[0].split()
                    if len(words) == 2 and words[0] in ("envelope", "body"):
                        getattr(self, words[0]).add(int(words[1]))
        except FileNotFoundError:
            pass


class Log:
    def __init__(self, path):
        self.path, self.lock, self.conns = path, threading.Lock(), 0

    def write(self, line):
        if self.path is None:
            return
        with self.lock, open(self.path, "a") as f:
            f.write(line + "\n")


def mangle(line, rules, log):
    """The line as the client gets it."""
    m = FETCH.match(line)
    if m is None:
        return line
    uid = int(m.group(1))
    if uid in rules.envelope and b"ENVELOPE (" in line:
        log.write("envelope %d" % uid)
        return line.replace(b"ENVELOPE (", b"ENVELOPE ((", 1)
    if uid in rules.body and b"BODY[] {" in line:
        log.write("body %d" % uid)
        return line.replace(b"BODY[] {", b"BODY[] {x", 1)
    return line


def server_to_client(up, down, rules, log):
    src = up.makefile("rb", buffering=CHUNK)
    try:
        while True:
            line = src.readline()
            if not line:
                return
            out = mangle(line, rules, log)
            down.sendall(out)
            m = LITERAL.search(line)
            left = int(m.group(1)) if m else 0
            while left > 0:
                data = src.read(min(left, CHUNK))
                if not data:
                    return
                down.sendall(data)
                left -= len(data)
    except OSError:
        return
    finally:
        src.close()


def client_to_server(down, up):
    try:
        while True:
            data = down.recv(65536)
            if not data:
                break
            up.sendall(data)
    except OSError:
        pass
    try:
        up.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(conn, upstream, rules_path, log):
    try:
        up = socket.create_connection(upstream, timeout=30)
        up.settimeout(None)
    except OSError as e:
        log.write("upstream failed: %s" % e)
        conn.close()
        return
    with log.lock:
        log.conns += 1
        n = log.conns
    log.write("connect %d" % n)
    rules = Rules(rules_path)
    t = threading.Thread(target=client_to_server, args=(conn, up), daemon=True)
    t.start()
    server_to_client(up, conn, rules, log)
    for s in (conn, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    t.join(5)
    conn.close()
    up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--log")
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
        conn, _ = lsn.accept()
        threading.Thread(target=serve, args=(conn, (host, int(port)),
                                             a.rules, log),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
