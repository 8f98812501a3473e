#!/usr/bin/python3
"""imapctl.py - the "other device" of the terminal tests: Python's imaplib
against the lab's Dovecot (IMAPS on 127.0.0.1, the lab's CA).

  imapctl.py count FOLDER               messages in FOLDER
  imapctl.py flags FOLDER MESSAGE-ID    the flags of that message ("" if
                                        none; "missing" if not there)
  imapctl.py has-subject FOLDER TEXT    how many messages' Subject has TEXT
  imapctl.py append FOLDER FILE         APPEND the file's bytes
  imapctl.py store FOLDER MESSAGE-ID +FLAGS|-FLAGS '(\\Flagged)'
  imapctl.py dump FOLDER                one line per message, sorted:
                                        "UID MESSAGE-ID FLAGS..." (no <>, flags
                                        sorted, \\Recent left out)

Environment: LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS (lab.env).
"""
import imaplib
import os
import ssl
import sys


def connect():
    ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
    m = imaplib.IMAP4_SSL(os.environ.get("LAB_HOST", "127.0.0.1"),
                          int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
    m.login(os.environ.get("LAB_USER", "alice"),
            os.environ.get("LAB_PASS", "alicepw"))
    return m


def select(m, folder, readonly=True):
    typ, data = m.select('"%s"' % folder, readonly=readonly)
    if typ != "OK":
        sys.exit("select %s: %s" % (folder, data))
    return int(data[0])


def find(m, msgid):
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", msgid)
    uids = data[0].split() if typ == "OK" and data[0] else []
    return uids[0] if uids else None


def main(argv):
    m = connect()
    cmd = argv[1]
    if cmd == "count":
        print(select(m, argv[2]))
    elif cmd == "flags":
        select(m, argv[2])
        uid = find(m, argv[3])
        if uid is None:
            print("missing")
        else:
            typ, data = m.uid("FETCH", uid, "(FLAGS)")
            text = data[0].decode()
            print(text[text.index("FLAGS (") + 7:].split(")")[0])
    elif cmd == "has-subject":
        select(m, argv[2])
        typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT",
                          b'"' + argv[3].encode() + b'"')
        print(len(data[0].split()) if data[0] else 0)
    elif cmd == "append":
        with open(argv[3], "rb") as f:
            raw = f.read()
        typ, data = m.append('"%s"' % argv[2], None, None, raw)
        if typ != "OK":
            sys.exit("append: %s" % data)
    elif cmd == "store":
        select(m, argv[2], readonly=False)
        uid = find(m, argv[3])
        if uid is None:
            sys.exit("no such message")
        m.uid("STORE", uid, argv[4], argv[5])
    elif cmd == "dump":
        select(m, argv[2])
        typ, data = m.uid("FETCH", "1:*",
                          "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        rows = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            meta = item[0].decode()
            uid = meta.split("UID ")[1].split()[0].rstrip(")")
            flags = meta.split("FLAGS (")[1].split(")")[0].split() \
                if "FLAGS (" in meta else []
            # FLAGS may also come after the literal, in the closing part.
            mid = item[1].decode().split(":", 1)[1].strip().strip("<>") \
                if b":" in item[1] else ""
            rows.append((int(uid), mid, flags))
        for item in data:
            if isinstance(item, bytes) and b"FLAGS (" in item:
                sys.exit("dump: FLAGS after the literal are not read")
        for uid, mid, flags in sorted(rows):
            print(uid, mid, *sorted(f for f in flags if f != "\\Recent"))
    else:
        sys.exit("unknown command " + cmd)
    m.logout()


if __name__ == "__main__":
    main(sys.argv)
