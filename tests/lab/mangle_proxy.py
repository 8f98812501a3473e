#!/usr/bin/env python3
"""An IMAP proxy that garbles the server's FETCH replies about chosen
messages, for tests of replies a client cannot parse (standard library only).

  mangle_proxy.py --upstream HOST:PORT --port-file F --rules R [--log L]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and passes every
connection through to the upstream IMAP server in plain text, both ways,
byte for byte, except for the server's untagged FETCH replies named by the
rules, and COMPRESS=DEFLATE, left out of the capabilities (a proxy that
reads lines cannot relay a compressed stream). R is read again at every new connection (a test changes it between
two syncs); one rule a line, '#' starts a comment:

  envelope UID   a FETCH reply about UID that carries ENVELOPE gets
                 "ENVELOPE ((" instead of "ENVELOPE (": the description of
                 the message (what a header fetch asks for) cannot be parsed
  body UID       a FETCH reply about UID that carries BODY[] gets "BODY[] {x"
                 instead of "BODY[] {": the raw message cannot be parsed
  refuse FOLDER UID
                 as Gmail does with a message it cannot read: a UID FETCH
                 of contents (ENVELOPE, BODY[...], RFC822...: not FLAGS
                 alone) whose set holds UID, while FOLDER (its name on the
                 wire) is selected, gets the other messages' replies, none
                 about UID, then "NO Some messages could not be FETCHed
                 (Failure)" instead of its OK; several refuse rules
                 of one folder leave each its UID out of such a FETCH
  refuse-all FOLDER UID
                 as Dovecot does with a corrupt mail file: such a FETCH
                 gets no FETCH reply at all, then "NO [SERVERBUG] ..."
  refuse-body FOLDER UID
                 as refuse, for a FETCH of BODY[] without ENVELOPE only
                 (the headers come, the body is refused)
  log-flags      each UID FETCH of flags alone (a listing of UIDs and
                 flags, not a CHANGEDSINCE) is logged as "flags SET"
  pause-flags N FILE
                 the Nth UID FETCH of flags alone of a connection is
                 held, not sent on, until FILE exists (60 s at most): a
                 test changes the folder between two windows of a listing
UID "*" is every message of FOLDER.

Only the line that names the UID is changed; literals are counted from the
server's own bytes, so the stream stays a stream. A literal (a 50 MB body)
is copied in chunks, never held whole. L gets one line per event:
"connect N", "envelope UID", "body UID", "flags SET" (log-flags),
"pause N" when a listing is held, and "refuse FOLDER SET" or
"refuse-all FOLDER SET" for each FETCH command refused (SET as sent).
"""
import argparse
import os
import re
import socket
import sys
import threading
import time

CHUNK = 1 << 20
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
FETCH = re.compile(rb"^\* \d+ FETCH \(.*?\bUID (\d+)\b")
UNTAGGED_FETCH = re.compile(rb"^\* \d+ FETCH ")
SELECT = re.compile(rb'^\S+ (?:SELECT|EXAMINE) (?:"((?:[^"\\]|\\.)*)"|(\S+))', re.I)
UID_FETCH = re.compile(rb"^(\S+) UID FETCH (\S+) (.*)$", re.I)
CONTENTS = re.compile(rb"ENVELOPE|BODY(?:\.PEEK)?\[|RFC822(?:\.HEADER|\.TEXT)?(?:[ )]|$)",
                      re.I)
TAGGED_OK = re.compile(rb"^(\S+) OK\b")
BODY_ONLY = re.compile(rb"BODY(?:\.PEEK)?\[\]", re.I)
SAYS = {
    "refuse": b"NO Some messages could not be FETCHed (Failure)",
    "refuse-body": b"NO Some messages could not be FETCHed (Failure)",
    "refuse-all": b"NO [SERVERBUG] Internal error occurred. Refer to server "
                  b"log for more information. [2026-11-02 10:00:00]",
}


class Rules:
    def __init__(self, path):
        self.envelope, self.body = set(), set()
        self.refuse = []        # (mode, folder, uid or None for "*")
        self.pause = {}         # Nth flags listing -> file to wait for
        self.log_flags = False
        try:
            with open(path) as f:
                for line in f:
                    words = line.split("#", 1)[0].split()
                    if len(words) == 2 and words[0] in ("envelope", "body"):
                        getattr(self, words[0]).add(int(words[1]))
                    elif words == ["log-flags"]:
                        self.log_flags = True
                    elif len(words) == 3 and words[0] == "pause-flags":
                        self.pause[int(words[1])] = words[2]
                    elif len(words) == 3 and words[0] in SAYS:
                        self.refuse.append((words[0], words[1].encode(),
                                            None if words[2] == "*"
                                            else int(words[2])))
        except FileNotFoundError:
            pass


def in_set(uid, uidset):
    """Is uid in an IMAP sequence set such as b"1:4,7,9:*"?"""
    for part in uidset.split(b","):
        ends = [(1 << 32) if e == b"*" else int(e) for e in part.split(b":")]
        if min(ends) <= uid <= max(ends):
            return True
    return False


class Conn:
    """What the client asked for on one connection: the selected folder,
    and the FETCH commands to refuse (by tag)."""

    def __init__(self, rules, log):
        self.rules, self.log = rules, log
        self.lock = threading.Lock()
        self.folder = None
        self.listings = 0       # UID FETCHes of flags alone so far
        self.refusing = {}      # tag -> (mode, refused uids or {None}: all,
        #                         the command's UID set)

    def command(self, line):
        """Notes the command; a file to wait for before sending it on, or
        None."""
        m = SELECT.match(line)
        if m:
            name = m.group(1) if m.group(1) is not None else m.group(2)
            with self.lock:
                self.folder = re.sub(rb"\\(.)", rb"\1", name)
            return
        m = UID_FETCH.match(line.rstrip(b"\r\n"))
        if m is None:
            return
        items = m.group(3).upper()
        if (not CONTENTS.search(items) and b"FLAGS" in items and
                b"CHANGEDSINCE" not in items):
            self.listings += 1
            if self.rules.log_flags:
                self.log.write("flags %s" % m.group(2).decode())
            if self.listings in self.rules.pause:
                self.log.write("pause %d" % self.listings)
                return self.rules.pause[self.listings]
            return
        if not CONTENTS.search(m.group(3)):
            return
        tag, uidset, items = m.group(1), m.group(2), m.group(3)
        body_only = BODY_ONLY.search(items) and b"ENVELOPE" not in items.upper()
        # The first rule that matches decides the mode; every rule of
        # that mode matching the command adds its UID (Gmail leaves out
        # each unreadable message of a FETCH, not just one).
        got = None
        for mode, folder, uid in self.rules.refuse:
            if folder != self.folder or (uid is not None and
                                         not in_set(uid, uidset)):
                continue
            if mode == "refuse-body" and not body_only:
                continue
            if got is None:
                got = (mode, set())
            if mode == got[0]:
                got[1].add(uid)
        if got is None:
            return
        with self.lock:
            self.refusing[tag] = got + (uidset,)
        self.log.write("%s %s %s" % (got[0], self.folder.decode(),
                                     uidset.decode()))

    def drops(self, line):
        """Is this untagged reply one a refused FETCH must not show?

        Any FETCH in flight may own it: a server may answer pipelined
        FETCHes together, every untagged reply before the first tagged
        one (Dovecot does), so the oldest command is not the only
        candidate. A reply about a UID in no refused command's set
        passes; one without a UID is dropped while a refuse-all is
        pending, as before."""
        with self.lock:
            if not self.refusing or not UNTAGGED_FETCH.match(line):
                return False
            pending = list(self.refusing.values())
        m = FETCH.match(line)
        uid = int(m.group(1)) if m is not None else None
        for mode, uids, uidset in pending:
            if mode == "refuse-all" or None in uids:
                if uid is None or in_set(uid, uidset):
                    return True
            elif uid in uids:
                return True
        return False

    def tagged(self, line):
        """A refused FETCH's OK becomes its NO."""
        m = TAGGED_OK.match(line)
        if m is None:
            return line
        with self.lock:
            got = self.refusing.pop(m.group(1), None)
        if got is None:
            return line
        return m.group(1) + b" " + SAYS[got[0]] + b"\r\n"


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


def literal(src, line, dst):
    """Copy the literal line announces from src to dst (None: drop it), in
    chunks. False when src ended first."""
    m = LITERAL.search(line)
    left = int(m.group(1)) if m else 0
    while left > 0:
        data = src.read(min(left, CHUNK))
        if not data:
            return False
        if dst is not None:
            dst.sendall(data)
        left -= len(data)
    return True


def server_to_client(up, down, conn, log):
    src = up.makefile("rb", buffering=CHUNK)
    cont = dropping = False     # cont: the line goes on after a literal
    try:
        while True:
            line = src.readline()
            if not line:
                return
            if not cont:
                dropping = conn.drops(line)
            if not cont:
                # A proxy that reads lines cannot relay DEFLATE.
                line = line.replace(b" COMPRESS=DEFLATE", b"")
            if not dropping:
                out = line if cont else conn.tagged(mangle(line, conn.rules,
                                                           log))
                down.sendall(out)
            cont = LITERAL.search(line) is not None
            if not literal(src, line, None if dropping else down):
                return
    except OSError:
        return
    finally:
        src.close()


def client_to_server(down, up, conn):
    """Commands pass as they are; each is noted first, so that the reply
    to it cannot come before the proxy knows what it asked."""
    src = down.makefile("rb", buffering=0)
    cont = False
    try:
        while True:
            line = src.readline()
            if not line:
                break
            if not cont:
                wait = conn.command(line)
                for _ in range(600 if wait else 0):
                    if os.path.exists(wait):
                        break
                    time.sleep(0.1)
            up.sendall(line)
            cont = LITERAL.search(line) is not None
            if not literal(src, line, up):
                break
    except OSError:
        pass
    finally:
        src.close()
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
    state = Conn(Rules(rules_path), log)
    t = threading.Thread(target=client_to_server, args=(conn, up, state),
                         daemon=True)
    t.start()
    server_to_client(up, conn, state, log)
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
