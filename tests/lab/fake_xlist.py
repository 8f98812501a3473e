#!/usr/bin/env python3
"""A minimal IMAP server whose folders are all empty, for folder-list tests
(standard library only; plain text, no TLS: use tls = none +
allow_plaintext = yes).

  fake_xlist.py MODE --port-file F [--idle SECONDS]

Binds 127.0.0.1 port 0, writes the port to F (atomically), and serves one
connection at a time until killed, or until nobody has connected for --idle
seconds (default 60). Every command line received is appended to F.log.
LOGIN accepts any user and password.

It speaks only as much IMAP as `posta sync` needs for empty folders:
CAPABILITY, LOGIN, NAMESPACE, LIST, XLIST, LSUB, SELECT/EXAMINE, STATUS,
UID FETCH, UID SEARCH, NOOP, LOGOUT; anything else gets BAD.

Modes:
  xlist        Gmail before 2013: XLIST and no SPECIAL-USE; XLIST marks
               "[Gmail]/Sent Mail" \\Sent, "[Gmail]/Bozze" \\Drafts,
               "[Gmail]/Cestino" \\Trash, "[Gmail]/Spam" \\Spam,
               "[Gmail]/Tutti i messaggi" \\AllMail, "[Gmail]/Speciali"
               \\Starred and INBOX as "Inbox" \\Inbox; plain LIST marks
               nothing. A folder "Sent" with no attribute must not win
               over the one XLIST names.
  special-use  SPECIAL-USE and LIST-EXTENDED, attributes in odd case
               (\\sent, \\DRAFTS, \\tRaSh, \\junk, \\ARCHIVE) on folders
               whose names say nothing ("Roba spedita", "Pattumiera"...),
               and a folder "Sent" with none.
  cyrus        NAMESPACE (("INBOX." ".")) (("user." ".")) NIL, no
               SPECIAL-USE: INBOX.Sent, the user's own INBOX.user.bob
               and another user's user.bob, whose names shown would be
               the same without the prefix.
"""
import argparse
import os
import re
import socket
import sys
import time

MODES = ("xlist", "special-use", "cyrus")

# (name, separator, XLIST/RFC 6154 attributes) per mode.
FOLDERS = {
    "xlist": [
        ("Inbox", "/", r"\HasNoChildren \Inbox"),
        ("[Gmail]", "/", r"\Noselect \HasChildren"),
        ("[Gmail]/Sent Mail", "/", r"\HasNoChildren \Sent"),
        ("[Gmail]/Bozze", "/", r"\HasNoChildren \Drafts"),
        ("[Gmail]/Cestino", "/", r"\HasNoChildren \Trash"),
        ("[Gmail]/Spam", "/", r"\HasNoChildren \Spam"),
        ("[Gmail]/Tutti i messaggi", "/", r"\HasNoChildren \AllMail"),
        ("[Gmail]/Speciali", "/", r"\HasNoChildren \Starred"),
        ("Sent", "/", r"\HasNoChildren"),
        ("Citt&AOA-", "/", r"\HasNoChildren"),
    ],
    "special-use": [
        ("INBOX", ".", r"\HasNoChildren"),
        ("Roba spedita", ".", r"\HasNoChildren \sent"),
        ("Minute", ".", r"\HasNoChildren \DRAFTS"),
        ("Pattumiera", ".", r"\HasNoChildren \tRaSh"),
        ("Robaccia", ".", r"\HasNoChildren \junk"),
        ("Vecchie", ".", r"\HasNoChildren \ARCHIVE"),
        ("Sent", ".", r"\HasNoChildren"),
    ],
    "cyrus": [
        ("INBOX", ".", r"\HasChildren"),
        ("INBOX.Sent", ".", r"\HasNoChildren"),
        ("INBOX.user", ".", r"\HasChildren"),
        ("INBOX.user.bob", ".", r"\HasNoChildren"),
        ("user", ".", r"\Noselect \HasChildren"),
        ("user.bob", ".", r"\HasNoChildren"),
    ],
}

CAPS = {
    "xlist": "IMAP4rev1 XLIST UIDPLUS",
    "special-use": "IMAP4rev1 SPECIAL-USE LIST-EXTENDED UIDPLUS",
    "cyrus": "IMAP4rev1 NAMESPACE UIDPLUS",
}


def quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plain_attrs(attrs):
    """What plain LIST says: the attributes of RFC 3501 and 3348 only."""
    keep = ("\\noselect", "\\haschildren", "\\hasnochildren",
            "\\noinferiors", "\\marked", "\\unmarked")
    return " ".join(a for a in attrs.split() if a.lower() in keep)


def args_of(rest):
    """The arguments of a command line: atoms and quoted strings."""
    return [m.group(1) if m.group(1) is not None else m.group(2)
            for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\S+)', rest)]


def uidvalidity(name):
    return 1000 + sum(name.encode()) % 9000


def serve(conn, mode, log):
    f = conn.makefile("rwb", buffering=0)

    def send(line):
        f.write(line.encode() + b"\r\n")

    folders = FOLDERS[mode]
    names = {n.upper() if n.upper() == "INBOX" else n: n for n, _, _ in folders}
    send("* OK [CAPABILITY %s] fake_xlist %s ready" % (CAPS[mode], mode))
    while True:
        raw = f.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        with open(log, "a") as lf:
            lf.write(line + "\n")
        parts = line.split(" ", 2)
        if len(parts) < 2:
            send("* BAD no tag")
            continue
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else ""
        if cmd == "UID":
            sub = rest.split(" ", 1)
            cmd = "UID " + sub[0].upper()
            rest = sub[1] if len(sub) > 1 else ""
        a = args_of(rest)
        if cmd == "CAPABILITY":
            send("* CAPABILITY " + CAPS[mode])
            send(tag + " OK done")
        elif cmd == "NAMESPACE" and "NAMESPACE" in CAPS[mode]:
            send('* NAMESPACE (("INBOX." ".")) (("user." ".")) NIL')
            send(tag + " OK done")
        elif cmd == "LOGIN":
            send("%s OK [CAPABILITY %s] logged in" % (tag, CAPS[mode]))
        elif cmd in ("LIST", "XLIST", "LSUB"):
            if cmd == "XLIST" and "XLIST" not in CAPS[mode]:
                send(tag + " BAD XLIST not offered")
                continue
            special = cmd == "XLIST" or (mode == "special-use" and
                                         "SPECIAL-USE" in rest.upper())
            for name, sep, attrs in folders:
                if cmd == "LSUB" and "\\noselect" in attrs.lower():
                    continue
                shown = attrs if special else plain_attrs(attrs)
                send('* %s (%s) "%s" %s' % (cmd, shown, sep, quoted(name)))
            send(tag + " OK done")
        elif cmd in ("SELECT", "EXAMINE", "STATUS"):
            name = a[0] if a else ""
            key = name.upper() if name.upper() == "INBOX" else name
            if key not in names:
                send(tag + " NO no such folder")
                continue
            uv = uidvalidity(names[key])
            if cmd == "STATUS":
                send("* STATUS %s (MESSAGES 0 UIDNEXT 1 UIDVALIDITY %d "
                     "UNSEEN 0)" % (quoted(name), uv))
                send(tag + " OK done")
                continue
            send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
            send("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted "
                 "\\Seen \\Draft \\*)] ok")
            send("* 0 EXISTS")
            send("* 0 RECENT")
            send("* OK [UIDVALIDITY %d] ok" % uv)
            send("* OK [UIDNEXT 1] ok")
            send("%s OK [%s] done" % (tag, "READ-ONLY" if cmd == "EXAMINE"
                                      else "READ-WRITE"))
        elif cmd == "UID FETCH":
            send(tag + " OK nothing to fetch")
        elif cmd == "UID SEARCH":
            send("* SEARCH")
            send(tag + " OK done")
        elif cmd == "NOOP":
            send(tag + " OK done")
        elif cmd == "LOGOUT":
            send("* BYE fake_xlist")
            send(tag + " OK bye")
            return
        else:
            send(tag + " BAD not in this fake: " + cmd)


def main():
    ap = argparse.ArgumentParser(description="A minimal IMAP server with "
                                 "empty folders, for folder-list tests.")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=60.0)
    a = ap.parse_args()

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
    last = time.monotonic()
    while time.monotonic() - last < a.idle:
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        conn.settimeout(30)
        try:
            serve(conn, a.mode, log)
        except (OSError, ValueError) as e:
            print("fake_xlist: %s" % e, file=sys.stderr)
        finally:
            conn.close()
        last = time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
