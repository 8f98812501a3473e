#!/usr/bin/env python3
"""A small IMAP server that behaves until told to lie (standard library
only; plain text, no TLS: use tls = none + allow_plaintext = yes).

  fake_imap.py --port-file F [--lies L] [--idle SECONDS]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and serves one
connection at a time until killed, or until nobody has connected for --idle
seconds (default 60); connections are served at once, each on a thread, one
command at a time over the shared mailbox. Every command line received is
appended to F.log (literals are not logged). LOGIN accepts any user and
password.

The mailbox: INBOX with three short messages (UIDs 1-3, UIDVALIDITY 777,
HIGHESTMODSEQ 100; message 2 is \\Seen) and an empty Trash. It speaks as
much IMAP as `posta sync` and the journal's replay need: CAPABILITY
(IMAP4rev1 CONDSTORE UIDPLUS MOVE), LOGIN, ENABLE, LIST, LSUB, STATUS,
SELECT/EXAMINE (with CONDSTORE), UID FETCH (FLAGS, UID, INTERNALDATE,
RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, MODSEQ, BODY[HEADER.FIELDS ...],
BODY.PEEK[], CHANGEDSINCE), UID SEARCH (UID ranges, HEADER, ALL), UID
STORE, UID COPY/MOVE, EXPUNGE, NOOP, LOGOUT. Flag changes are kept for
the server's life.

Lies: the file L (default F.lies) is read again at each connection, one
lie per line (blank lines and #comments ignored); none means an honest
server. A test switches lies between passes by rewriting it.
  size-lie             message 3 announces RFC822.SIZE 10, and its
                       BODY[] is 70,000,000 bytes (over posta's 64 MiB).
  no-uidvalidity       SELECT/EXAMINE and STATUS give no UIDVALIDITY.
  modseq-back          HIGHESTMODSEQ is 5, as after a restore from backup;
                       message 1 is \\Flagged at MODSEQ 4 (only a full
                       flag listing can see it).
  modseq-huge          HIGHESTMODSEQ is 9223372036854775808 (2^63).
  addresses N          message 2's ENVELOPE To has N addresses (each host
                       a literal, so no line is long).
  quota                QUOTA is announced, and GETQUOTAROOT INBOX says
                       2048 KiB of STORAGE are used (of 10240).
  compress HOW         COMPRESS=DEFLATE is announced, and COMPRESS
                       DEFLATE gets: HOW = no, a tagged NO; bad, a tagged
                       BAD; garbage, a tagged OK followed by bytes that
                       are no deflate stream (then the connection is
                       read, and nothing more is said, until posta
                       closes it).
  gone UID...          those INBOX messages are expunged (for good) when
                       a connection starts.
  no-copyuid           UID COPY and MOVE say no COPYUID (as without
                       UIDPLUS), so a copy's UID is found by Message-ID.
  search-before W...   an unasked "* SEARCH W..." before the answer to
                       UID SEARCH;
  search-exists        then an unasked "* N EXISTS" (N: the messages);
  search-after W...    an unasked "* SEARCH W..." after the answer;
  search-garbage W...  the answer is "* SEARCH W..." (e.g. 0, 2^32 + 1);
  search-long          the answer is one line of 33 MB, over posta's
                       32 MiB bound.
"""
import argparse
import os
import re
import socket
import sys
import threading
import time

from fake_xlist import args_of, quoted  # the same command-line words

UIDVALIDITY = 777
HUGE_MODSEQ = 1 << 63
BIG_BODY = 70_000_000

SYS_FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"


def message(uid):
    return ("From: Zoe Rossi <zoe@example.com>\r\n"
            "To: Alice <alice@example.com>\r\n"
            "Subject: fake message %d\r\n"
            "Message-ID: <fake.%d@fake.posta.test>\r\n"
            "Date: Mon, 2 Nov 2026 10:0%d:00 +0100\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
            "Body of message %d.\r\n" % (uid, uid, uid, uid)).encode()


class Mailbox:
    def __init__(self):
        # uid -> [flags set, modseq]
        self.inbox = {1: [set(), 90], 2: [{"\\Seen"}, 91], 3: [set(), 92]}
        self.trash = {}
        self.modseq = 100
        self.next_trash = 1


class Lies:
    def __init__(self, path):
        self.set = {}
        try:
            with open(path) as f:
                for line in f:
                    w = line.split("#", 1)[0].split()
                    if w:
                        self.set[w[0]] = w[1:]
        except FileNotFoundError:
            pass

    def has(self, name):
        return name in self.set


def uid_set(spec, uids):
    """The UIDs of uids (sorted) that the set spec ("1:3,5", "4:*") names."""
    top = max(uids) if uids else 0
    out = set()
    for part in spec.split(","):
        a, _, b = part.partition(":")
        lo = top if a == "*" else int(a)
        hi = lo if not b else (top if b == "*" else int(b))
        if lo > hi:
            lo, hi = hi, lo
        out.update(u for u in uids if lo <= u <= hi)
    return sorted(out)


class Session:
    def __init__(self, conn, box, lies, log, lock):
        self.lock = lock
        self.f = conn.makefile("rwb", buffering=0)
        self.box = box
        self.lies = lies
        self.log = log
        self.selected = None
        for u in lies.set.get("gone", []):
            box.inbox.pop(int(u), None)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        # A raw socket file may write part of a long line.
        rest = memoryview(data + b"\r\n")
        while rest:
            rest = rest[self.f.write(rest):]

    def folder(self, name):
        n = name.upper() if name.upper() == "INBOX" else name
        if n == "INBOX":
            return self.box.inbox
        if n == "Trash":
            return self.box.trash
        return None

    def highest(self):
        if self.lies.has("modseq-back"):
            return 5
        if self.lies.has("modseq-huge"):
            return HUGE_MODSEQ
        return self.box.modseq

    def state(self, uid):
        """(flags, modseq) of message uid of the selected folder."""
        fl, ms = self.selected[uid]
        if self.lies.has("modseq-back") and self.selected is self.box.inbox:
            return (fl | {"\\Flagged"}, 4) if uid == 1 else (fl, 3)
        return fl, ms

    def to_addrs(self, uid):
        n = 1
        if uid == 2 and self.lies.has("addresses"):
            n = int(self.lies.set["addresses"][0])
        if n == 1:
            return '(("Alice" NIL "alice" "example.com"))'
        # Hosts as literals: many short lines, not one of megabytes.
        return "(" + "".join('(NIL NIL "u%d" {11}\r\nexample.com)' % i
                             for i in range(n)) + ")"

    def envelope(self, uid):
        return ('("Mon, 2 Nov 2026 10:0%d:00 +0100" "fake message %d" '
                '(("Zoe Rossi" NIL "zoe" "example.com")) '
                '(("Zoe Rossi" NIL "zoe" "example.com")) '
                '(("Zoe Rossi" NIL "zoe" "example.com")) %s NIL NIL NIL '
                '"<fake.%d@fake.posta.test>")'
                % (uid, uid, self.to_addrs(uid), uid))

    def size(self, uid):
        if uid == 3 and self.lies.has("size-lie"):
            return 10
        return len(message(uid))

    def fetch_one(self, uid, items, changedsince):
        fl, ms = self.state(uid)
        if changedsince is not None and ms <= changedsince:
            return
        parts = ["UID %d" % uid]
        literals = []
        for it in items:
            u = it.upper()
            if u == "FLAGS":
                parts.append("FLAGS (%s)" % " ".join(sorted(fl)))
            elif u == "INTERNALDATE":
                parts.append('INTERNALDATE "02-Nov-2026 10:00:00 +0100"')
            elif u == "RFC822.SIZE":
                parts.append("RFC822.SIZE %d" % self.size(uid))
            elif u == "ENVELOPE":
                parts.append("ENVELOPE " + self.envelope(uid))
            elif u == "BODYSTRUCTURE":
                parts.append('BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" '
                             '"UTF-8") NIL NIL "7BIT" %d 1 NIL NIL NIL)'
                             % self.size(uid))
            elif u == "MODSEQ":
                parts.append("MODSEQ (%d)" % ms)
            elif u.startswith("BODY.PEEK[HEADER.FIELDS") or \
                    u.startswith("BODY[HEADER.FIELDS"):
                literals.append((it.replace(".PEEK", "", 1), b"\r\n"))
            elif u in ("BODY.PEEK[]", "BODY[]", "RFC822"):
                literals.append(("BODY[]", None))
        if changedsince is not None and "MODSEQ" not in \
                [i.upper() for i in items]:
            parts.append("MODSEQ (%d)" % ms)
        head = "* %d FETCH (%s" % (self.seqno(uid), " ".join(parts))
        if not literals:
            self.send(head + ")")
            return
        self.f.write(head.encode())
        for name, data in literals:
            if data is None:
                self.body(uid, name)
            else:
                self.f.write((" %s {%d}\r\n" % (name, len(data))).encode()
                             + data)
        self.f.write(b")\r\n")

    def body(self, uid, name):
        if uid == 3 and self.lies.has("size-lie"):
            msg = message(uid)
            self.f.write((" %s {%d}\r\n" % (name, BIG_BODY)).encode() + msg)
            left = BIG_BODY - len(msg)
            line = b"x" * 998 + b"\r\n"
            chunk = line * 1000
            while left >= len(chunk):
                self.f.write(chunk)
                left -= len(chunk)
            self.f.write(b"x" * left)
            return
        msg = message(uid)
        self.f.write((" %s {%d}\r\n" % (name, len(msg))).encode() + msg)

    def seqno(self, uid):
        return sorted(self.selected).index(uid) + 1

    def select(self, tag, cmd, a):
        box = self.folder(a[0] if a else "")
        if box is None:
            self.send(tag + " NO no such folder")
            return
        self.selected = box
        self.send("* FLAGS (%s)" % SYS_FLAGS)
        self.send("* OK [PERMANENTFLAGS (%s \\*)] ok" % SYS_FLAGS)
        self.send("* %d EXISTS" % len(box))
        self.send("* 0 RECENT")
        if not self.lies.has("no-uidvalidity"):
            self.send("* OK [UIDVALIDITY %d] ok" % (UIDVALIDITY +
                      (box is self.box.trash)))
        nxt = (max(box) + 1) if box else 1
        self.send("* OK [UIDNEXT %d] ok" % nxt)
        self.send("* OK [HIGHESTMODSEQ %d] ok" % self.highest())
        self.send("%s OK [%s] done" % (tag, "READ-ONLY" if cmd == "EXAMINE"
                                       else "READ-WRITE"))

    def uid_fetch(self, tag, rest):
        m = re.match(r"(\S+)\s+(\(.*?\)|\S+)(?:\s+\(CHANGEDSINCE (\d+)\))?"
                     r"\s*$", rest, re.I)
        if m is None or self.selected is None:
            self.send(tag + " BAD fetch")
            return
        spec, what, since = m.group(1), m.group(2), m.group(3)
        if what.startswith("("):
            what = what[1:-1]
        items = re.findall(r"BODY(?:\.PEEK)?\[[^\]]*\](?:<[^>]*>)?|\S+",
                           what)
        for uid in uid_set(spec, list(self.selected)):
            self.fetch_one(uid, items,
                           int(since) if since is not None else None)
        self.send(tag + " OK fetch done")

    def uid_search(self, tag, rest):
        uids = sorted(self.selected or {})
        w = rest.split()
        if len(w) >= 2 and w[0].upper() == "UID":
            found = uid_set(w[1], uids)
        elif "HEADER" in [x.upper() for x in w[:3]]:
            a = args_of(rest)
            a = a[2:] if a[0].upper() == "CHARSET" else a
            want = a[2].lower()
            found = [u for u in uids if want in
                     message(u).decode().lower()]
        elif w and w[0].upper() == "ALL":
            found = uids
        else:
            found = []
        answer = "* SEARCH" + "".join(" %d" % u for u in found)
        lie = self.lies.set.get
        if self.lies.has("search-garbage"):
            answer = " ".join(["* SEARCH"] + lie("search-garbage"))
        if self.lies.has("search-long"):
            # 33 MB in one line: over posta's 32 MiB bound.
            answer = "* SEARCH" + " 1" * (33 * 1024 * 1024 // 2)
        if self.lies.has("search-before"):
            self.send(" ".join(["* SEARCH"] + lie("search-before")))
        if self.lies.has("search-exists"):
            self.send("* %d EXISTS" % len(self.selected or {}))
        try:
            self.send(answer)
        except (BrokenPipeError, ConnectionResetError):
            return
        if self.lies.has("search-after"):
            self.send(" ".join(["* SEARCH"] + lie("search-after")))
        self.send(tag + " OK search done")

    def uid_store(self, tag, rest):
        m = re.match(r"(\S+)\s+([+-]?)FLAGS(?:\.SILENT)?\s+\((.*)\)", rest,
                     re.I)
        if m is None or self.selected is None:
            self.send(tag + " BAD store")
            return
        for uid in uid_set(m.group(1), list(self.selected)):
            fl = self.selected[uid][0]
            new = set(m.group(3).split())
            if m.group(2) == "+":
                fl |= new
            elif m.group(2) == "-":
                fl -= new
            else:
                fl.clear()
                fl |= new
            self.box.modseq += 1
            self.selected[uid][1] = self.box.modseq
            self.send("* %d FETCH (UID %d FLAGS (%s) MODSEQ (%d))"
                      % (self.seqno(uid), uid, " ".join(sorted(fl)),
                         self.box.modseq))
        self.send(tag + " OK store done")

    def uid_copy(self, tag, rest, move):
        w = args_of(rest)
        dest = self.folder(w[1]) if len(w) > 1 else None
        if dest is None or self.selected is None:
            self.send(tag + " NO [TRYCREATE] no such folder")
            return
        src, got = [], []
        for uid in uid_set(w[0], list(self.selected)):
            nu = max(list(dest) + [0]) + 1
            dest[nu] = [set(self.selected[uid][0]), self.box.modseq]
            src.append(uid)
            got.append(nu)
        code = ""
        if src and not self.lies.has("no-copyuid"):
            code = "[COPYUID %d %s %s] " % (
                UIDVALIDITY + (dest is self.box.trash),
                ",".join(map(str, src)), ",".join(map(str, got)))
        if move:
            self.send("* OK " + code + "moved")
            for uid in src:
                self.send("* %d EXPUNGE" % self.seqno(uid))
                del self.selected[uid]
            self.send(tag + " OK done")
        else:
            self.send(tag + " OK " + code + "copied")

    def caps(self):
        return "IMAP4rev1 CONDSTORE UIDPLUS MOVE" + \
            (" QUOTA" if self.lies.has("quota") else "") + \
            (" COMPRESS=DEFLATE" if self.lies.has("compress") else "")

    def compress(self, tag):
        """COMPRESS DEFLATE, as the lie says; False: stop talking."""
        how = (self.lies.set.get("compress") or ["no"])[0]
        if how == "bad":
            self.send(tag + " BAD compression is not for you")
            return True
        if how != "garbage":
            self.send(tag + " NO [COMPRESSIONACTIVE] not now")
            return True
        # 0xff: a deflate block of type 3, which does not exist.
        self.send(tag + " OK deflate active")
        self.f.write(b"\xff\xfe\xfd this is not deflate\r\n" * 4)
        while self.f.read(4096):
            pass
        return False

    def run(self):
        self.send("* OK [CAPABILITY %s] fake_imap ready" % self.caps())
        while True:
            raw = self.f.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.lock:
                with open(self.log, "a") as lf:
                    lf.write(line + "\n")
                if not self.command(line):
                    return

    def command(self, line):
        parts = line.split(" ", 2)
        if len(parts) < 2:
            self.send("* BAD no tag")
            return True
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else ""
        if cmd == "UID":
            sub = rest.split(" ", 1)
            cmd = "UID " + sub[0].upper()
            rest = sub[1] if len(sub) > 1 else ""
        a = args_of(rest)
        if cmd == "CAPABILITY":
            self.send("* CAPABILITY " + self.caps())
            self.send(tag + " OK done")
        elif cmd == "LOGIN":
            self.send(tag + " OK [CAPABILITY %s] logged in" % self.caps())
        elif cmd == "GETQUOTAROOT" and self.lies.has("quota"):
            self.send('* QUOTAROOT INBOX ""')
            self.send('* QUOTA "" (STORAGE 2048 10240)')
            self.send(tag + " OK done")
        elif cmd == "COMPRESS" and self.lies.has("compress"):
            return self.compress(tag)
        elif cmd == "ENABLE":
            self.send("* ENABLED CONDSTORE")
            self.send(tag + " OK enabled")
        elif cmd in ("LIST", "LSUB"):
            self.send('* %s (\\HasNoChildren) "/" "INBOX"' % cmd)
            self.send('* %s (\\HasNoChildren \\Trash) "/" "Trash"' % cmd)
            self.send(tag + " OK done")
        elif cmd == "STATUS":
            box = self.folder(a[0] if a else "")
            if box is None:
                self.send(tag + " NO no such folder")
                return True
            uv = "" if self.lies.has("no-uidvalidity") else \
                " UIDVALIDITY %d" % (UIDVALIDITY + (box is self.box.trash))
            self.send("* STATUS %s (MESSAGES %d UIDNEXT %d%s UNSEEN 0)"
                      % (quoted(a[0]), len(box), max(list(box) + [0]) + 1,
                         uv))
            self.send(tag + " OK done")
        elif cmd in ("SELECT", "EXAMINE"):
            self.select(tag, cmd, a)
        elif cmd == "UID FETCH":
            self.uid_fetch(tag, rest)
        elif cmd == "UID SEARCH":
            self.uid_search(tag, rest)
        elif cmd == "UID STORE":
            self.uid_store(tag, rest)
        elif cmd in ("UID COPY", "UID MOVE"):
            self.uid_copy(tag, rest, cmd == "UID MOVE")
        elif cmd in ("EXPUNGE", "UID EXPUNGE", "CLOSE", "UNSELECT"):
            self.send(tag + " OK done")
        elif cmd in ("NOOP", "CHECK"):
            self.send(tag + " OK done")
        elif cmd == "LOGOUT":
            self.send("* BYE fake_imap")
            self.send(tag + " OK bye")
            return False
        else:
            self.send(tag + " BAD not in this fake: " + cmd)
        return True


def main():
    ap = argparse.ArgumentParser(description="A small IMAP server that "
                                 "lies when told to.")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--lies")
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()
    lies_path = a.lies or a.port_file + ".lies"

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
    box = Mailbox()
    busy = [0, time.monotonic()]
    lock = threading.Lock()

    def serve(conn):
        try:
            Session(conn, box, Lies(lies_path), log, lock).run()
        except (OSError, ValueError) as e:
            print("fake_imap: %s" % e, file=sys.stderr)
        finally:
            conn.close()
            with lock:
                busy[0] -= 1
                busy[1] = time.monotonic()

    while True:
        with lock:
            if busy[0] == 0 and time.monotonic() - busy[1] > a.idle:
                break
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        conn.settimeout(60)
        with lock:
            busy[0] += 1
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
