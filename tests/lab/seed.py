#!/usr/bin/python3
"""Fill a Maildir folder with realistic, deterministic test messages, fast.

  seed.py --maildir ROOT --folder NAME --count N [--seed S] [--start-index K|auto]
          [--now EPOCH] [--owner USER] [--jobs J] [--small]

ROOT is the user's Maildir root (Dovecot LAYOUT=fs): INBOX is ROOT itself,
folder "A/B" is ROOT/A/B (non-ASCII names in modified UTF-7, as Dovecot
stores them). Files are written to tmp/ and renamed into cur/ as
"<date>.M<index>P<seed>Q<folderkey>.posta-seed,S=<size>,W=<crlf size>:2,<flags>"
with the file's mtime set to the message's Date (Dovecot's INTERNALDATE).

Message number i of (seed, folder) is the same whatever --count and
--start-index are: a Message-ID is "<s<seed>.<i>.<folderkey>@seed.posta.test>",
so it is unique across seeds and folders. --start-index auto continues after
the highest index already seeded in that folder. Dates lie within the two
years before --now (default: today 00:00 UTC, so a run is reproducible for
the day; pass --now for full reproducibility).

Content: threads (In-Reply-To/References chains, "Re:" subjects, quoted
parent text), plain text (7bit, 8bit, quoted-printable; UTF-8 and
ISO-8859-1), multipart/alternative text+HTML, multipart/mixed with base64
attachments (PDF, PNG, CSV, ZIP, RFC 2231 and RFC 2047 file names), RFC 2047
encoded subjects and names (Q and B, UTF-8 and ISO-8859-1), Italian text
with accents, \\Seen/\\Flagged/\\Answered flags. Every message carries
"X-Posta-Seed: <seed>/<index>".

--small (for a million messages): the same headers, threads, dates and
flags, but one paragraph of text in a single text part (no HTML, no
attachments): about 1.5 KB a message instead of about 15 KB.

Run as root, it writes as the owner of ROOT (or --owner), since Dovecot will
not touch root-owned mail.
"""
import argparse
import base64
import binascii
import hashlib
import os
import pwd
import random
import re
import struct
import sys
import time
import zlib

DOMAIN = "seed.posta.test"
TWO_YEARS = 730 * 86400

# ------------------------------------------------------------------ pools
# (display name, address, how to write the name: a=ascii atom, q=quoted,
#  uq=UTF-8 Q, ub=UTF-8 B, lq=ISO-8859-1 Q, n=no display name)
PEOPLE = [
    ("Niccolò Rossi", "niccolo.rossi@example.com", "uq"),
    ("Giulia Bianchi", "giulia.bianchi@example.org", "a"),
    ("Lucia Ferrè", "lucia.ferre@example.net", "lq"),
    ("Città di Torino", "comunicazioni@comune.example", "ub"),
    ("Andrea Esposito", "andrea@example.com", "a"),
    ("Bianchi, Paolo", "paolo.bianchi@example.org", "q"),
    ("Zoë Müller", "zoe.mueller@example.net", "uq"),
    ("François Dupont", "f.dupont@example.com", "lq"),
    ("John Smith", "john.smith@example.com", "a"),
    ("Mary O'Brien", "mary@example.org", "a"),
    ("Dr. Who", "doctor@tardis.example", "q"),
    ("田中 太郎", "tanaka@example.jp.test", "ub"),
    ("", "noreply@notifications.example", "n"),
    ("Ufficio Relazioni con il Pubblico", "urp@comune.example", "a"),
    ("Nicolò Sàlvini", "nsalvini@example.net", "ub"),
    ("Chiara Còrsi", "chiara.corsi@example.com", "lq"),
    ("Build Bot", "ci@build.example", "a"),
    ("Elena Verdi", "elena.verdi@example.org", "a"),
]
ME = ("Alice Lab", "alice@lab.posta.test")

SUBJECTS = [
    "Perché il caffè è più buono",
    "Città: orari di apertura degli uffici",
    "Riunione di lunedì",
    "Ciao Niccolò, com'è andata?",
    "Fattura n. {n} — scadenza il {d}",
    "Quarterly report Q{q}",
    "Lunch on Friday?",
    "Foto delle vacanze 🏖",
    "Très important : réunion à 10h",
    "Prezzo aggiornato: 25 €",
    "Build #{n} failed",
    "Verbale dell'assemblea condominiale del {d} — approvazione del bilancio consuntivo e preventivo",
    "Meeting notes",
    "Università: iscrizioni aperte",
    "Re: la tua richiesta n. {n}",
    "Weekly digest {n}",
    "Perché no?",
    "Invoice {n}",
    "Spedizione in consegna",
    "Promemoria: visita medica giovedì",
    "Naïve question about façades",
    "Ordine {n} confermato",
]

PARAS_IT = [
    "Buongiorno, ti scrivo per confermare l'appuntamento di lunedì alle 10. "
    "Se per te è più comodo possiamo spostarlo al pomeriggio, fammi sapere.",
    "Perché il caffè è più buono al bar? Forse è la macchina, forse è l'acqua, "
    "o forse è solo l'atmosfera della città la mattina presto.",
    "Ho già inviato la documentazione all'ufficio competente; la pratica "
    "dovrebbe essere evasa entro la fine del mese. Nel frattempo è possibile "
    "consultare lo stato sul sito del Comune.",
    "Niccolò mi ha detto che sabato c'è la festa: porterò il tiramisù e una "
    "bottiglia di vino. Ci sarà anche Lucia?",
    "La riunione è rinviata a giovedì perché metà del gruppo è in ferie. "
    "L'ordine del giorno resta invariato: bilancio, manutenzione e varie.",
    "Grazie mille per l'aiuto di ieri, è stato davvero utile. "
    "Ti devo un caffè (o anche due).",
    "In allegato trovi il preventivo aggiornato. Il prezzo unitario è "
    "cambiato perché il fornitore ha alzato i listini del 3%.",
    "Città, università, virtù, perché, più, così: le parole accentate "
    "dell'italiano sono tante, e i client di posta devono mostrarle bene.",
]
PARAS_EN = [
    "Hi, just a quick note to say the build is green again after the fix "
    "to the parser. Thanks everyone for the quick turnaround.",
    "Could you send me the slides from yesterday's meeting? I'd like to "
    "go through the numbers again before Friday.",
    "The quarterly report is attached. Revenue is up 4% on the previous "
    "quarter; costs are flat. Details are on page 3.",
    "Lunch on Friday sounds good. Shall we meet at the usual place at "
    "12:30? Let me know if anything changes.",
    "Reminder: the server maintenance window is tonight from 22:00 to "
    "23:00 UTC. Expect short interruptions of the mail service.",
    "This is a longer paragraph meant to exercise line wrapping in the "
    "client: it goes on for a while without saying much, the way real "
    "mail sometimes does, and it has no line break for well over the "
    "seventy-eight characters that RFC 5322 recommends, which is fine.",
]
SIGS = ["-- \nNiccolò Rossi\nUfficio tecnico", "-- \nSent from my phone",
        "Cordiali saluti,\nGiulia", "Best regards,\nJohn", ""]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
ZONES = [0, 3600, 7200, -18000, -25200, 19800]

SAFE_Q = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


# ------------------------------------------------------------------ encoders
def q_word_chunks(text, charset):
    """RFC 2047 Q encoded words (each <= 75 chars) for text."""
    pre = "=?%s?Q?" % charset
    words, cur = [], ""
    for ch in text:
        b = ch.encode(charset)
        enc = "".join("_" if c == 32 else chr(c) if c in SAFE_Q else "=%02X" % c
                      for c in b)
        if len(pre) + len(cur) + len(enc) + 2 > 75:
            words.append(pre + cur + "?=")
            cur = ""
        cur += enc
    words.append(pre + cur + "?=")
    return words


def b_word_chunks(text, charset):
    pre = "=?%s?B?" % charset
    words, cur = [], b""
    for ch in text:
        b = ch.encode(charset)
        if len(cur) + len(b) > 42:
            words.append(pre + base64.b64encode(cur).decode() + "?=")
            cur = b""
        cur += b
    words.append(pre + base64.b64encode(cur).decode() + "?=")
    return words


def encode_header_text(text, style):
    """Header value for unstructured text; style picks the encoding."""
    if all(ord(c) < 128 for c in text):
        return text
    if style == "lq":
        try:
            text.encode("iso-8859-1")
            return "\n ".join(q_word_chunks(text, "ISO-8859-1"))
        except UnicodeEncodeError:
            style = "uq"
    if style == "ub":
        return "\n ".join(b_word_chunks(text, "UTF-8"))
    return "\n ".join(q_word_chunks(text, "UTF-8"))


def fmt_addr(person):
    name, addr, style = person
    if style == "n" or not name:
        return addr
    if style == "a":
        return "%s <%s>" % (name, addr)
    if style == "q":
        return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'), addr)
    return "%s <%s>" % (encode_header_text(name, style), addr)


def fmt_date(t, zone):
    tm = time.gmtime(t + zone)
    sign = "+" if zone >= 0 else "-"
    z = abs(zone)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        DAYS[tm.tm_wday], tm.tm_mday, MONTHS[tm.tm_mon - 1], tm.tm_year,
        tm.tm_hour, tm.tm_min, tm.tm_sec, sign, z // 3600, (z % 3600) // 60)


def qp(text, charset="utf-8"):
    return binascii.b2a_qp(text.encode(charset, "replace"), istext=True).decode("ascii")


def mutf7(name):
    out, buf = [], []

    def flush():
        if buf:
            b = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


# ------------------------------------------------------------------ attachments
def tiny_png(w, h, seed):
    r = random.Random(seed)
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3 + r.randrange(40)) & 255
                                   for x in range(w * 3)) for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_attachments():
    r = random.Random(20240601)
    att = []

    def add(ctype, fname_hdr, data, enc="base64"):
        if enc == "base64":
            body = base64.encodebytes(data).decode("ascii")
        else:
            body = qp(data.decode("utf-8"))
        att.append((ctype, fname_hdr, enc, body))

    for n, size in enumerate((3000, 9000, 24000)):
        data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + r.randbytes(size) + b"\n%%EOF\n"
        add("application/pdf", 'filename="documento-%d.pdf"' % (n + 1), data)
    add("application/pdf", "filename*=UTF-8''relazione%20citt%C3%A0.pdf",
        b"%PDF-1.4\n" + r.randbytes(6000) + b"\n%%EOF\n")
    add("application/pdf", 'filename="%s"' % "".join(q_word_chunks("Perché.pdf", "UTF-8")),
        b"%PDF-1.4\n" + r.randbytes(4000) + b"\n%%EOF\n")
    add("image/png", 'filename="foto.png"', tiny_png(48, 32, 1))
    add("image/png", 'filename="grafico.png"', tiny_png(120, 60, 2))
    csv = "data;città;importo €\n" + "".join(
        "2024-%02d-%02d;Torino;%d,%02d\n" % (m, d, r.randrange(1000), r.randrange(100))
        for m in range(1, 13) for d in (1, 15))
    add("text/csv; charset=utf-8", 'filename="spese.csv"', csv.encode(), "quoted-printable")
    add("application/zip", 'filename="archivio.zip"',
        b"PK\x03\x04" + r.randbytes(15000))
    add("text/plain; charset=utf-8", "filename*=UTF-8''perch%C3%A9%20no.txt",
        "Perché no? Più o meno così.\n".encode() * 20)
    return att


# ------------------------------------------------------------------ generator
class Gen:
    def __init__(self, seed, folder, now, small=False):
        self.seed = seed
        self.small = small
        self.folder = folder
        self.now = now
        self.fkey = hashlib.sha1(folder.encode()).hexdigest()[:8]
        self.fslug = re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")[:20] or "f"
        self.base = int(hashlib.sha1(("%d/%s" % (seed, folder)).encode()).hexdigest()[:12], 16)
        self.memo = {}
        self.att = make_attachments()
        low = folder.lower()
        self.kind = ("sent" if low.endswith("sent") else
                     "drafts" if low.endswith("drafts") else "in")

    def mid(self, i):
        return "<s%d.%d.%s.%s@%s>" % (self.seed, i, self.fslug, self.fkey, DOMAIN)

    def info(self, i):
        """(subject, references tuple, date, sender index, depth) of message i."""
        got = self.memo.get(i)
        if got is not None:
            return got
        r = random.Random(self.base * 2 + i * 2)
        parent = None
        if i > 0 and r.random() < 0.35:
            p = i - r.randint(1, min(i, 25))
            pi = self.info(p)
            if pi[4] < 15:
                parent = (p, pi)
        if parent:
            p, pi = parent
            subj = pi[0]
            refs = (pi[1] + (self.mid(p),))[-12:]
            date = min(pi[2] + r.randint(120, 3 * 86400), self.now - r.randint(0, 600))
            date = max(date, pi[2] + 1)
            sender = r.randrange(len(PEOPLE))
            res = (subj, refs, date, sender, pi[4] + 1, p)
        else:
            subj = r.choice(SUBJECTS).format(n=r.randint(100, 99999), q=r.randint(1, 4),
                                             d="%d/%d" % (r.randint(1, 28), r.randint(1, 12)))
            date = self.now - r.randint(3600, TWO_YEARS)
            res = (subj, (), date, r.randrange(len(PEOPLE)), 0, None)
        self.memo[i] = res
        return res

    def body_text(self, r, lang, nparas):
        pool = PARAS_IT if lang == "it" else PARAS_EN
        return "\n\n".join(r.sample(pool, min(nparas, len(pool))))

    def message(self, i):
        subj, refs, date, sender, depth, parent = self.info(i)
        r = random.Random(self.base * 2 + i * 2 + 1)
        person = PEOPLE[sender]
        me = (ME[0], ME[1], "a")
        if self.kind in ("sent", "drafts"):
            frm, to = me, person
        else:
            frm, to = person, me
        zone = r.choice(ZONES)
        h = ["Return-Path: <%s>" % frm[1],
             "Date: " + fmt_date(date, zone),
             "From: " + fmt_addr(frm),
             "To: " + fmt_addr(to)]
        if r.random() < 0.2:
            h.append("Cc: " + ",\n ".join(fmt_addr(PEOPLE[r.randrange(len(PEOPLE))])
                                          for _ in range(r.randint(1, 3))))
        if depth:
            subj = ("Re: " if r.random() < 0.85 else "R: ") + subj
        style = r.choice(("uq", "uq", "ub", "lq"))
        h.append("Subject: " + encode_header_text(subj, style))
        h.append("Message-ID: " + self.mid(i))
        if refs:
            h.append("In-Reply-To: " + refs[-1])
            h.append("References: " + "\n ".join(refs))
        h.append("X-Posta-Seed: %d/%d" % (self.seed, i))
        h.append("MIME-Version: 1.0")

        lang = "it" if r.random() < 0.6 else "en"
        text = self.body_text(r, lang, r.randint(1, 5))
        if self.small:
            text = text.split("\n\n")[0]
        if depth:
            pname = PEOPLE[self.info(parent)[3]][0] or "qualcuno"
            quoted = "\n".join("> " + line for line in
                               self.body_text(r, lang, r.randint(1, 2)).split("\n"))
            intro = ("Il giorno %s, %s ha scritto:" if lang == "it" else
                     "On %s, %s wrote:") % (fmt_date(self.info(parent)[2], 0), pname)
            text = text + "\n\n" + intro + "\n" + quoted
        sig = r.choice(SIGS)
        if sig:
            text += "\n\n" + sig
        text += "\n"

        k = r.random()
        if self.small and k >= 0.54:         # --small: text parts only
            k = r.random() * 0.54
        if k < 0.28:                         # plain, 7bit or QP
            if all(ord(c) < 128 for c in text):
                h += ["Content-Type: text/plain; charset=us-ascii",
                      "Content-Transfer-Encoding: 7bit"]
                body = text
            else:
                h += ["Content-Type: text/plain; charset=utf-8",
                      "Content-Transfer-Encoding: quoted-printable"]
                body = qp(text)
        elif k < 0.40:                       # UTF-8 QP, flowed
            h += ["Content-Type: text/plain; charset=UTF-8; format=flowed",
                  "Content-Transfer-Encoding: quoted-printable"]
            body = qp(text)
        elif k < 0.46:                       # UTF-8 8bit
            h += ["Content-Type: text/plain; charset=utf-8",
                  "Content-Transfer-Encoding: 8bit"]
            body = text
        elif k < 0.54:                       # ISO-8859-1, 8bit or QP
            latin = text.encode("iso-8859-1", "replace").decode("iso-8859-1")
            if r.random() < 0.5:
                h += ["Content-Type: text/plain; charset=iso-8859-1",
                      "Content-Transfer-Encoding: quoted-printable"]
                body = qp(latin, "iso-8859-1")
            else:
                h += ["Content-Type: text/plain; charset=ISO-8859-1",
                      "Content-Transfer-Encoding: 8bit"]
                body = latin.encode("iso-8859-1")
        elif k < 0.76:                       # multipart/alternative
            b = "=_alt_%d_%d" % (self.seed, i)
            h.append('Content-Type: multipart/alternative; boundary="%s"' % b)
            body = self.alternative(b, text, subj)
        else:                                # multipart/mixed with attachments
            b = "=_mix_%d_%d" % (self.seed, i)
            h.append('Content-Type: multipart/mixed; boundary="%s"' % b)
            parts = ["This is a multi-part message in MIME format.\n"]
            if r.random() < 0.3:
                b2 = "=_alt2_%d_%d" % (self.seed, i)
                parts.append("--%s\nContent-Type: multipart/alternative; boundary=\"%s\"\n\n%s"
                             % (b, b2, self.alternative(b2, text, subj)))
            else:
                parts.append("--%s\nContent-Type: text/plain; charset=utf-8\n"
                             "Content-Transfer-Encoding: quoted-printable\n\n%s" % (b, qp(text)))
            for _ in range(1 if r.random() < 0.8 else 2):
                ctype, fname, enc, data = r.choice(self.att)
                bare = ctype.split(";")[0]
                parts.append("--%s\nContent-Type: %s\nContent-Disposition: attachment; %s\n"
                             "Content-Transfer-Encoding: %s\n\n%s"
                             % (b, ctype if ";" in ctype else bare, fname, enc, data))
            parts.append("--%s--\n" % b)
            body = "\n".join(parts)

        flags = ""
        if self.kind == "drafts":
            flags = "DS"
        elif self.kind == "sent":
            flags = "S"
        else:
            age = self.now - date
            seen = r.random() < (0.5 if age < 30 * 86400 else 0.92)
            flagged = r.random() < 0.05
            answered = seen and r.random() < 0.12
            flags = ("F" if flagged else "") + ("R" if answered else "") + ("S" if seen else "")
        head = ("\n".join(h) + "\n\n").encode("utf-8")
        if isinstance(body, str):
            body = body.encode("utf-8")
        return head + body, date, flags

    def alternative(self, b, text, subj):
        paras = "".join("<p>%s</p>\n" % p.replace("&", "&amp;").replace("<", "&lt;")
                        .replace(">", "&gt;").replace("\n", "<br>\n")
                        for p in text.split("\n\n"))
        html = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>"
                "<style>p{font-family:sans-serif}</style></head>\n<body>\n%s"
                "<p><a href=\"https://www.example.com/\">example.com</a> &mdash; "
                "<b>città</b> &egrave; <i>più</i> bella</p>\n</body></html>\n"
                % (subj.replace("&", "&amp;").replace("<", "&lt;"), paras))
        return ("--%s\nContent-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                "--%s\nContent-Type: text/html; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n--%s--\n"
                % (b, qp(text), b, qp(html), b))


def write_range(gen, fdir, lo, hi):
    tmpdir = os.path.join(fdir, "tmp")
    curdir = os.path.join(fdir, "cur")
    flags_w = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for i in range(lo, hi):
        data, date, flags = gen.message(i)
        size = len(data)
        vsize = size + data.count(b"\n")
        base = "%d.M%dP%dQ%s.posta-seed,S=%d,W=%d" % (date, i, gen.seed, gen.fkey, size, vsize)
        tmp = os.path.join(tmpdir, base)
        fd = os.open(tmp, flags_w, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.utime(tmp, (date, date))
        os.rename(tmp, os.path.join(curdir, base + ":2," + flags))


def target_ids(root, owner):
    """(uid, gid) to write as when running as root, else None."""
    if os.geteuid() != 0:
        return None
    if owner:
        pw = pwd.getpwnam(owner)
        return pw.pw_uid, pw.pw_gid
    p = root
    while not os.path.exists(p):
        p = os.path.dirname(p)
    st = os.stat(p)
    if st.st_uid == 0:
        sys.exit("seed.py: refusing to write mail as root (%s is owned by root and "
                 "Dovecot will not access root's mail); use --owner USER" % p)
    return st.st_uid, st.st_gid


def make_dirs(fdir, ids):
    """Create fdir/{cur,new,tmp} (and missing parents), owned by ids."""
    missing = []
    p = fdir
    while not os.path.exists(p):
        missing.append(p)
        p = os.path.dirname(p)
    for d in reversed(missing):
        os.mkdir(d, 0o700)
        if ids:
            os.chown(d, *ids)
    for sub in ("cur", "new", "tmp"):
        d = os.path.join(fdir, sub)
        if not os.path.isdir(d):
            os.mkdir(d, 0o700)
            if ids:
                os.chown(d, *ids)


def drop_privileges(ids):
    if ids:
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])


def main():
    ap = argparse.ArgumentParser(description="Fill a Maildir folder with test messages.")
    ap.add_argument("--maildir", required=True, help="the user's Maildir root")
    ap.add_argument("--folder", default="INBOX")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-index", default="0", help="number or 'auto'")
    ap.add_argument("--now", type=int, help="epoch seconds (default: today 00:00 UTC)")
    ap.add_argument("--owner", help="user to write as when run as root")
    ap.add_argument("--jobs", type=int, default=0, help="processes (default: CPUs, max 4)")
    ap.add_argument("--small", action="store_true",
                    help="about 1.5 KB a message: one paragraph, one text part")
    a = ap.parse_args()

    now = a.now if a.now is not None else int(time.time()) // 86400 * 86400
    root = os.path.abspath(a.maildir)
    if a.folder.upper() == "INBOX":
        folder, fdir = "INBOX", root
    else:
        folder = a.folder
        fdir = os.path.join(root, *[mutf7(p) for p in folder.split("/")])
    ids = target_ids(root, a.owner)
    make_dirs(fdir, ids)
    drop_privileges(ids)

    gen = Gen(a.seed, folder, now, a.small)
    if a.start_index == "auto":
        pat = re.compile(r"\.M(\d+)P\d+Q%s\.posta-seed," % gen.fkey)
        start = 0
        for d in ("cur", "new"):
            for name in os.listdir(os.path.join(fdir, d)):
                m = pat.search(name)
                if m:
                    start = max(start, int(m.group(1)) + 1)
    else:
        start = int(a.start_index)
    n = a.count
    jobs = a.jobs or min(os.cpu_count() or 1, 4)
    if n < 2000:
        jobs = 1
    t0 = time.monotonic()
    if jobs == 1:
        write_range(gen, fdir, start, start + n)
    else:
        step = (n + jobs - 1) // jobs
        pids = []
        for j in range(jobs):
            lo, hi = start + j * step, min(start + (j + 1) * step, start + n)
            if lo >= hi:
                break
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    write_range(gen, fdir, lo, hi)
                except BaseException as e:  # report and fail the child
                    print("seed.py: worker %d failed: %s" % (j, e), file=sys.stderr)
                    code = 1
                os._exit(code)
            pids.append(pid)
        bad = 0
        for pid in pids:
            _, st = os.waitpid(pid, 0)
            if st != 0:
                bad += 1
        if bad:
            sys.exit("seed.py: %d worker(s) failed" % bad)
    print("seed.py: wrote %d messages (index %d..%d, seed %d) to %s in %.1fs"
          % (n, start, start + n - 1, a.seed, fdir, time.monotonic() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
