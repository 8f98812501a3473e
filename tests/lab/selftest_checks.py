#!/usr/bin/python3
"""Checks used by tests/lab/selftest.sh; each reads the lab's variables from
the environment (a sourced lab.env), prints what it found and exits 0 on
success. Standard library only (aiosmtpd is not needed on the client side).

  selftest_checks.py CHECK [ARGS]
"""
import email
import email.policy
import glob
import hashlib
import imaplib
import json
import os
import poplib
import re
import smtplib
import socket
import ssl
import sys
import time

E = os.environ
HOST = "127.0.0.1"


def ctx():
    c = ssl.create_default_context(cafile=E["LAB_CA"])
    c.minimum_version = ssl.TLSVersion.TLSv1_2
    return c


def fail(msg):
    print(msg)
    sys.exit(1)


def need(cond, msg):
    if not cond:
        fail(msg)


# ------------------------------------------------------------------ env
def c_env():
    names = ("LAB_DIR LAB_HOST LAB_CA IMAP_PORT IMAPS_PORT POP3_PORT POP3S_PORT "
             "SMTP_PORT SMTPS_PORT LAB_USER LAB_PASS LAB_USER2 LAB_PASS2 "
             "LAB_MAILDIR_alice LAB_DOVECOT_CONF SMTP_SPOOL LAB_SHA256").split()
    for n in names:
        need(E.get(n), "lab.env lacks %s" % n)
    need(E["LAB_HOST"] == HOST, "LAB_HOST is %r" % E["LAB_HOST"])
    need(re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", E["LAB_SHA256"]),
         "LAB_SHA256 looks wrong: %r" % E["LAB_SHA256"])
    ports = [E[n] for n in names if n.endswith("_PORT")]
    need(len(set(ports)) == 6, "ports not distinct: %s" % ports)
    need(os.path.isdir(os.path.join(E["LAB_MAILDIR_alice"], "cur")), "no alice Maildir")
    conf = open(E["LAB_DOVECOT_CONF"]).read()
    need(not re.search(r"^\s*!include", conf, re.M), "dovecot.conf has an !include")
    print("ports", ports)


# ------------------------------------------------------------------ IMAP
def c_imap():
    with imaplib.IMAP4(HOST, int(E["IMAP_PORT"]), timeout=5) as m:
        need("STARTTLS" in m.capabilities, "no STARTTLS: %s" % (m.capabilities,))
        m.starttls(ctx())
        m.login(E["LAB_USER"], E["LAB_PASS"])
        typ, _ = m.select("INBOX")
        need(typ == "OK", "SELECT INBOX failed")
    with imaplib.IMAP4(HOST, int(E["IMAP_PORT"]), timeout=5) as m:
        m.login(E["LAB_USER2"], E["LAB_PASS2"])  # plaintext allowed in the lab
    print("IMAP STARTTLS + LOGIN ok, plaintext LOGIN ok")


def c_imaps():
    with imaplib.IMAP4_SSL(HOST, int(E["IMAPS_PORT"]), ssl_context=ctx(), timeout=5) as m:
        m.login(E["LAB_USER"], E["LAB_PASS"])
        typ, data = m._simple_command("CAPABILITY")
        caps = m.untagged_responses.pop("CAPABILITY", [b""])[-1].decode().split()
        for c in ("CONDSTORE", "QRESYNC", "IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE",
                  "ENABLE", "NAMESPACE", "ESEARCH", "LIST-STATUS"):
            need(c in caps, "capability %s missing: %s" % (c, caps))
        typ, lst = m.list()
        text = b"\n".join(lst).decode()
        for f, use in (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                       ("Archive", "\\Archive"), ("Junk", "\\Junk")):
            need(re.search(r"\(.*%s.*\) \"/\" %s" % (re.escape(use), f), text),
                 "no %s folder with %s: %s" % (f, use, text))
        typ, sub = m.lsub()
        need(b"Sent" in b" ".join(sub), "Sent not subscribed")
        # many connections at once (mail_max_userip_connections raised)
        conns = []
        for _ in range(20):
            c = imaplib.IMAP4(HOST, int(E["IMAP_PORT"]), timeout=5)
            c.login(E["LAB_USER"], E["LAB_PASS"])
            conns.append(c)
        for c in conns:
            c.logout()
    print("IMAPS ok; caps and special-use folders ok; 21 sessions at once ok")


def c_fingerprint():
    with socket.create_connection((HOST, int(E["IMAPS_PORT"])), timeout=5) as s:
        with ctx().wrap_socket(s, server_hostname=HOST) as t:
            der = t.getpeercert(binary_form=True)
    fp = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
    need(fp == E["LAB_SHA256"], "served %s, lab.env says %s" % (fp, E["LAB_SHA256"]))
    print("fingerprint matches")


def c_mismatch():
    port = int(E["IMAPS_PORT"])
    try:
        imaplib.IMAP4_SSL("127.0.0.2", port, ssl_context=ctx(), timeout=5)
    except ssl.SSLCertVerificationError as e:
        need("mismatch" in str(e).lower() or "doesn't match" in str(e).lower()
             or "IP address" in str(e), "unexpected error: %s" % e)
        print("127.0.0.2 refused:", e.verify_message)
    else:
        fail("connecting to 127.0.0.2 verified although the cert is for 127.0.0.1")
    # and it is really there: without verification it answers
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL("127.0.0.2", port, ssl_context=c, timeout=5)
    m.logout()
    with smtplib.SMTP("127.0.0.2", int(E["SMTP_PORT"]), timeout=5) as s:
        s.ehlo()


# ------------------------------------------------------------------ POP3
def c_pop3():
    p = poplib.POP3(HOST, int(E["POP3_PORT"]), timeout=5)
    need("STLS" in p.capa(), "no STLS")
    p.stls(ctx())
    p.user(E["LAB_USER"])
    p.pass_(E["LAB_PASS"])
    print("STAT", p.stat())
    p.quit()


def c_pop3s():
    p = poplib.POP3_SSL(HOST, int(E["POP3S_PORT"]), context=ctx(), timeout=5)
    p.user(E["LAB_USER"])
    p.pass_(E["LAB_PASS"])
    print("STAT", p.stat(), "UIDL entries", len(p.uidl()[1]))
    p.quit()


# ------------------------------------------------------------------ SMTP
def spool_wait(token, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in glob.glob(os.path.join(E["SMTP_SPOOL"], "*.eml")):
            data = open(f, "rb").read()
            if token.encode() in data:
                meta = json.load(open(f[:-4] + ".json"))
                return data, meta
        time.sleep(0.05)
    fail("message %s not in %s" % (token, E["SMTP_SPOOL"]))


def make_msg(token):
    return ("From: Alice <alice@lab.posta.test>\r\nTo: bob@lab.posta.test\r\n"
            "Subject: =?UTF-8?Q?Perch=C3=A9?= %s\r\nMessage-ID: <%s@selftest>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\nCittà è più bella.\r\n.dot line\r\n"
            % (token, token)).encode()


def c_smtp():
    token = "tok-starttls-%d" % os.getpid()
    msg = make_msg(token)
    with smtplib.SMTP(HOST, int(E["SMTP_PORT"]), timeout=5) as s:
        s.ehlo()
        need(s.has_extn("starttls"), "no STARTTLS")
        need(not s.has_extn("auth"), "AUTH offered before STARTTLS")
        code, _ = s.docmd("AUTH", "PLAIN AGFsaWNlAGFsaWNlcHc=")
        need(code >= 500, "AUTH before STARTTLS answered %d" % code)
        code, _ = s.docmd("MAIL", "FROM:<alice@lab.posta.test>")
        need(code >= 500, "MAIL before STARTTLS answered %d" % code)
        s.starttls(context=ctx())
        s.ehlo()
        need(s.has_extn("auth") and s.has_extn("size") and s.has_extn("8bitmime"),
             "EHLO after TLS: %s" % s.esmtp_features)
        try:
            s.login(E["LAB_USER"], "wrong")
            fail("wrong password accepted")
        except smtplib.SMTPAuthenticationError:
            pass
        s.login(E["LAB_USER"], E["LAB_PASS"])
        s.sendmail("alice@lab.posta.test", ["bob@lab.posta.test"], msg,
                   mail_options=["BODY=8BITMIME"])
    data, meta = spool_wait(token)
    need(data == msg, "spool bytes differ from what was sent")
    need(meta["auth_user"] == "alice" and meta["rcpt_tos"] == ["bob@lab.posta.test"]
         and meta["mail_from"] == "alice@lab.posta.test", "sidecar: %s" % meta)
    print("STARTTLS+AUTH send ok, exact bytes in spool, sidecar", meta["n"])


def c_smtps():
    token = "tok-smtps-%d" % os.getpid()
    msg = make_msg(token)
    with smtplib.SMTP_SSL(HOST, int(E["SMTPS_PORT"]), context=ctx(), timeout=5) as s:
        s.ehlo()
        need(not s.has_extn("starttls"), "STARTTLS offered on the implicit TLS port")
        code, _ = s.docmd("MAIL", "FROM:<bob@lab.posta.test>")
        need(code == 530, "MAIL without AUTH answered %d" % code)
        s.rset()
        s.login(E["LAB_USER2"], E["LAB_PASS2"])
        s.sendmail("bob@lab.posta.test", ["alice@lab.posta.test", "carol@example.com"], msg)
    data, meta = spool_wait(token)
    need(data == msg and meta["auth_user"] == "bob" and len(meta["rcpt_tos"]) == 2,
         "sidecar %s" % meta)
    print("SMTPS+AUTH send ok, sidecar", meta["n"])


def c_smtp_reject():
    token = "tok-reject-%d" % os.getpid()
    with smtplib.SMTP_SSL(HOST, int(E["SMTPS_PORT"]), context=ctx(), timeout=5) as s:
        s.login(E["LAB_USER"], E["LAB_PASS"])
        refused = s.sendmail("alice@lab.posta.test",
                             ["ok@example.com", "reject550-x@example.com",
                              "reject451@example.com"], make_msg(token))
    need(refused.get("reject550-x@example.com", (0,))[0] == 550 and
         refused.get("reject451@example.com", (0,))[0] == 451, "refused: %s" % refused)
    data, meta = spool_wait(token)
    need(meta["rcpt_tos"] == ["ok@example.com"], "rcpt_tos %s" % meta["rcpt_tos"])
    with smtplib.SMTP_SSL(HOST, int(E["SMTPS_PORT"]), context=ctx(), timeout=5) as s:
        s.login(E["LAB_USER"], E["LAB_PASS"])
        try:
            s.sendmail("alice@lab.posta.test", ["x@example.com"], b"x" * (11 * 1024 * 1024))
            fail("11 MiB message accepted")
        except smtplib.SMTPException as e:
            print("oversize refused:", type(e).__name__)
    print("550/451 partial failure ok:", refused)


# ------------------------------------------------------------------ mail
def c_count(folder, want, user=None):
    user = user or E["LAB_USER"]
    pw = E["LAB_PASS"] if user == E["LAB_USER"] else E["LAB_PASS2"]
    with imaplib.IMAP4_SSL(HOST, int(E["IMAPS_PORT"]), ssl_context=ctx(), timeout=30) as m:
        m.login(user, pw)
        typ, data = m.select('"%s"' % folder, readonly=True)
        need(typ == "OK", "SELECT %s: %s" % (folder, data))
        n = int(data[0])
        need(n == int(want), "%s has %d messages, want %s" % (folder, n, want))
        if n:
            typ, rows = m.fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            mids = [r[1].strip() for r in rows if isinstance(r, tuple)]
            need(len(set(mids)) == n, "Message-IDs not unique (%d of %d)" % (len(set(mids)), n))
            typ, d = m.search(None, "SEEN")
            seen = len(d[0].split())
            typ, d = m.search(None, "FLAGGED")
            flagged = len(d[0].split())
            print("%s: %d messages, %d seen, %d flagged, unique Message-IDs" % (folder, n, seen, flagged))


def c_parse(folder):
    """Every message in the Maildir folder parses without MIME defects."""
    root = E["LAB_MAILDIR_alice"]
    d = os.path.join(root, "cur") if folder == "INBOX" else os.path.join(root, folder, "cur")
    bad = 0
    kinds = {}
    for name in os.listdir(d):
        data = open(os.path.join(d, name), "rb").read()
        size = int(re.search(r",S=(\d+)", name).group(1))
        need(size == len(data), "%s: S=%d but %d bytes" % (name, size, len(data)))
        m = email.message_from_bytes(data, policy=email.policy.default)
        str(m["Subject"]), str(m["From"])
        for part in m.walk():
            if part.defects:
                bad += 1
            if not part.is_multipart():
                part.get_content()
        kinds[m.get_content_type()] = kinds.get(m.get_content_type(), 0) + 1
    need(bad == 0, "%d MIME defects" % bad)
    print(kinds)


def c_delivered(folder, token):
    with imaplib.IMAP4_SSL(HOST, int(E["IMAPS_PORT"]), ssl_context=ctx(), timeout=5) as m:
        m.login(E["LAB_USER"], E["LAB_PASS"])
        typ, data = m.select('"%s"' % folder)
        need(typ == "OK", "SELECT %s failed: %s" % (folder, data))
        typ, d = m.search(None, "HEADER", "Message-ID", token)
        need(d[0].split(), "message %s not found in %s" % (token, folder))
        print("found in", folder)


def c_nostarttls():
    need(E["IMAPS_PORT"] == "" and E["POP3S_PORT"] == "" and E["SMTPS_PORT"] == "",
         "TLS ports not empty")
    with imaplib.IMAP4(HOST, int(E["IMAP_PORT"]), timeout=5) as m:
        need("STARTTLS" not in m.capabilities, "STARTTLS offered: %s" % (m.capabilities,))
        m.login(E["LAB_USER"], E["LAB_PASS"])
    p = poplib.POP3(HOST, int(E["POP3_PORT"]), timeout=5)
    need("STLS" not in p.capa(), "STLS offered")
    p.quit()
    with smtplib.SMTP(HOST, int(E["SMTP_PORT"]), timeout=5) as s:
        s.ehlo()
        need(not s.has_extn("starttls"), "SMTP STARTTLS offered")
    print("no STARTTLS/STLS anywhere, no TLS ports")


def c_capability(hidden):
    with imaplib.IMAP4_SSL(HOST, int(E["IMAPS_PORT"]), ssl_context=ctx(), timeout=5) as m:
        m.login(E["LAB_USER"], E["LAB_PASS"])
        for h in hidden.split():
            need(h not in m.capabilities, "%s still advertised: %s" % (h, m.capabilities))
        print("after login:", " ".join(m.capabilities))


# ------------------------------------------------------------------ fake servers
def recv_for(s, secs):
    s.settimeout(secs)
    try:
        return s.recv(65536)
    except socket.timeout:
        return b""


def tls_ok(s):
    with ctx().wrap_socket(s, server_hostname=HOST) as t:
        return t.version()


def c_fake(mode):
    port = int(E["FAKE_PORT"])
    s = socket.create_connection((HOST, port), timeout=5)
    if mode == "imap-inject":
        g = recv_for(s, 3)
        need(g.startswith(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED]"), g)
        s.sendall(b"a STARTTLS\r\n")
        time.sleep(0.2)
        r = recv_for(s, 3)
        need(r == b"a OK Begin TLS\r\n* OK [ALERT] injected\r\n", "got %r" % r)
        print("injected in one read; TLS", tls_ok(s))
    elif mode == "imap-preauth":
        g = recv_for(s, 3)
        need(g.startswith(b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS]"), g)
        s.sendall(b"a STARTTLS\r\n")
        r = recv_for(s, 3)
        need(r.startswith(b"a BAD"), r)
        print("preauth greeting, STARTTLS refused")
    elif mode == "imap-nostarttls":
        g = recv_for(s, 3)
        need(g.startswith(b"* OK") and b"STARTTLS" not in g, g)
        s.sendall(b"a CAPABILITY\r\n")
        r = recv_for(s, 3)
        need(b"STARTTLS" not in r and b"a OK" in r, r)
        print("no STARTTLS")
    elif mode == "pop3-inject":
        need(recv_for(s, 3) == b"+OK fake\r\n", "greeting")
        s.sendall(b"CAPA\r\n")
        time.sleep(0.1)
        r = recv_for(s, 3)
        need(b"\r\nSTLS\r\n" in r, r)
        s.sendall(b"STLS\r\n")
        time.sleep(0.2)
        r = recv_for(s, 3)
        need(r == b"+OK Begin TLS\r\n+OK injected\r\n", "got %r" % r)
        print("injected in one read; TLS", tls_ok(s))
    elif mode == "smtp-inject":
        need(recv_for(s, 3).startswith(b"220 "), "greeting")
        s.sendall(b"EHLO me\r\n")
        time.sleep(0.1)
        r = recv_for(s, 3)
        need(b"STARTTLS" in r, r)
        s.sendall(b"STARTTLS\r\n")
        time.sleep(0.2)
        r = recv_for(s, 3)
        need(r == b"220 Go ahead\r\n250 injected\r\n", "got %r" % r)
        print("injected in one read; TLS", tls_ok(s))
    elif mode == "silent":
        r = recv_for(s, 1.0)
        need(r == b"", "silent server said %r" % r)
        s.sendall(b"hello there\r\n")
        time.sleep(0.2)
        print("silent for 1s")
    s.close()
    time.sleep(0.2)
    log = open(E["FAKE_LOG"], "rb").read().decode("latin-1")
    need(log.strip(), "nothing recorded in %s" % E["FAKE_LOG"])
    cred = [l for l in log.splitlines()
            if re.search(r"^(\S+ )?(LOGIN|AUTHENTICATE|AUTH|USER|PASS)\b", l, re.I)]
    need(not cred, "credential lines recorded: %s" % cred)
    print("recorded:", log.splitlines())


CHECKS = {"env": c_env, "imap": c_imap, "imaps": c_imaps, "fingerprint": c_fingerprint,
          "mismatch": c_mismatch, "pop3": c_pop3, "pop3s": c_pop3s, "smtp": c_smtp,
          "smtps": c_smtps, "smtp-reject": c_smtp_reject, "count": c_count,
          "parse": c_parse, "delivered": c_delivered, "nostarttls": c_nostarttls,
          "capability": c_capability, "fake": c_fake}

if __name__ == "__main__":
    try:
        CHECKS[sys.argv[1]](*sys.argv[2:])
    except SystemExit:
        raise
    except Exception as e:
        print("%s: %s" % (type(e).__name__, e))
        sys.exit(1)
