#!/bin/bash
# hostile-mail.sh - crafted messages from any sender never stop a sync, a
# show or an import (issue 11 section 1), TAP.
#
# The lab's INBOX (IMAP, alice) and the POP3 mailbox (bob) get the hostile
# messages that once crashed or stalled posta, at full size, beside three
# ordinary ones:
#   comment-escape    Date: (\)(\)... 300,000 levels (libetpan nests on \))
#   message-space     "message /rfc822" parts nested 20,000 deep
#   multipart-space   "multipart /mixed" nested 20,000 deep
#   multipart-bare    bare "multipart" nested 20,000 deep
#   nest-8000         8,000 real multipart levels in about 500 KB
#   nest-512-big      512 real levels around 4 MB of text
#   html-newlines     text/html: "&#10;" * N then "<br>" * N (1.8 MB)
#   zone-int-min      Date: ... +2147483648
# Every one must be stored (a message too complex to read whole with a
# problem note), the others stored as usual, each command must end well
# within its time (a crash or a quadratic parse fails the check), `posta
# show` of each must print no control byte, and `posta import` of all of
# them as an mbox must store them too.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=14
T=${POSTA_HOSTILE_TIMEOUT:-240}	# per command: generous for sanitizer builds

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-hostile-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }

mkdir "$W/msgs"
"$PY" - "$W/msgs" <<'EOF' || bail "could not write the messages"
import os, sys
d = sys.argv[1]
def head(name, date="Mon, 2 Nov 2026 10:00:00 +0100", extra=""):
    return ("From: Mittente <m@example.org>\r\nTo: alice@lab.posta.test\r\n"
            "Subject: %s\r\nMessage-ID: <%s@hostile.posta.test>\r\n"
            "Date: %s\r\nMIME-Version: 1.0\r\n%s" % (name, name, date, extra))
def write(name, data):
    with open(os.path.join(d, name + ".eml"), "wb") as f:
        f.write(data.encode())
def nested(name, ctype, n):
    body = "".join("Content-Type: %s\r\n\r\n" % ctype for _ in range(n))
    write(name, head(name, extra="Content-Type: %s\r\n" % ctype) + "\r\n" + body + "x\r\n")
def real_nest(name, n, filler):
    parts = []
    for i in range(n):
        parts.append("--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i, i + 1))
    inner = "--b%d\r\nContent-Type: text/plain\r\n\r\n%s\r\n--b%d--\r\n" % (n, filler, n)
    tail = "".join("--b%d--\r\n" % i for i in reversed(range(n)))
    write(name, head(name, extra="Content-Type: multipart/mixed; boundary=\"b0\"\r\n") +
          "\r\n" + "".join(parts) + inner + tail)
for i in range(3):
    write("plain-%d" % i, head("plain-%d" % i, extra="Content-Type: text/plain\r\n") +
          "\r\nUn messaggio normale, numero %d.\r\n" % i)
write("comment-escape", head("comment-escape", date="Mon, 2 Nov 2026 10:00:00 +0100 " + "(\\)" * 300000))
nested("message-space", "message /rfc822", 20000)
nested("multipart-space", "multipart /mixed; boundary=x", 20000)
nested("multipart-bare", "multipart", 20000)
real_nest("nest-8000", 8000, "x")
real_nest("nest-512-big", 512, ("riga di testo " * 5 + "\r\n") * 50000)
write("html-newlines", head("html-newlines", extra="Content-Type: text/html\r\n") +
      "\r\n<p>" + "&#10;" * 180000 + "<br>" * 180000 + "</p>\r\n")
write("zone-int-min", head("zone-int-min", date="Mon, 2 Nov 2026 10:00:00 +2147483648",
      extra="Content-Type: text/plain\r\n") + "\r\nfuso orario impossibile\r\n")
EOF
N=$(ls "$W/msgs" | wc -l)
for f in "$W"/msgs/*.eml; do
  lab_deliver alice INBOX "$f" >/dev/null 2>&1 || bail "could not deliver $f"
  lab_deliver bob INBOX "$f" >/dev/null 2>&1 || bail "could not deliver $f"
done
ok "$N messages delivered to the IMAP and the POP3 mailbox"

mkconfig() {	# FILE STORE: an IMAP account a (alice) and a POP3 account p (bob)
  {
    printf '[general]\nstore = %s\n\n' "$2"
    printf '[account a]\nprotocol = imap\nhost = 127.0.0.1\nport = %s\n' "$IMAPS_PORT"
    printf 'tls = implicit\nuser = alice\npassword = alicepw\nca_file = %s\n\n' "$LAB_CA"
    printf '[account p]\nprotocol = pop3\nhost = 127.0.0.1\nport = %s\n' "$POP3S_PORT"
    printf 'tls = implicit\nuser = bob\npassword = bobpw\nca_file = %s\npop3_keep = yes\n' "$LAB_CA"
  } >"$1"
  chmod 600 "$1"
}
sql() {
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}
count() {	# ACCOUNT FOLDER: messages stored there
  sql "$W/store.db" "SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id JOIN account a ON a.id = f.account_id WHERE a.name = '$1' AND f.name = '$2'"
}
C="$W/config"
mkconfig "$C" "$W/store.db"

# run NAME CMD...: the command must exit 0 within $T seconds.
run() {
  local name=$1 rc
  shift
  timeout -s KILL "$T" "$@" >"$W/$name.out" 2>"$W/$name.err"
  rc=$?
  if [[ $rc == 0 ]]; then
    ok "$name"
  else
    not_ok "$name (exit $rc)"
    tail -n 5 "$W/$name.err" | sed 's/^/# /'
  fi
}

run "IMAP sync of the hostile INBOX ends well" "$POSTA" -c "$C" sync -a a
same "every IMAP message is stored" "$N" "$(count a INBOX)"
run "a second IMAP sync ends well too" "$POSTA" -c "$C" sync -a a
run "POP3 sync of the hostile mailbox ends well" "$POSTA" -c "$C" sync -a p
same "every POP3 message is stored" "$N" "$(count p INBOX)"
k=$(sql "$W/store.db" "SELECT count(*) FROM message WHERE problem IS NOT NULL")
check "the messages too complex to read whole carry a problem note ($k)" test "$k" -ge 2
same "the ordinary messages carry none" 0 \
  "$(sql "$W/store.db" "SELECT count(*) FROM message WHERE problem IS NOT NULL AND subject LIKE 'plain-%'")"

# Every stored message shown, as text: no crash, no hang, no control byte.
bad=0
for id in $(sql "$W/store.db" "SELECT id FROM message"); do
  if ! timeout -s KILL "$T" "$POSTA" -c "$C" show "$id" >"$W/show.out" 2>"$W/show.err"; then
    echo "# show $id failed: $(head -c 300 "$W/show.err")"
    bad=$((bad + 1))
  elif LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$W/show.out"; then
    echo "# show $id printed a control byte"
    bad=$((bad + 1))
  fi
done
same "posta show of every message ends well and prints no control byte" 0 "$bad"
check "the impossible time zone is not printed" \
  bash -c "! grep -q -- '--2147483648' '$W'/*.out"

# The same messages as an mbox, imported into a folder.
"$PY" - "$W/msgs" "$W/hostile.mbox" <<'EOF'
import os, sys
with open(sys.argv[2], "wb") as out:
    for name in sorted(os.listdir(sys.argv[1])):
        data = open(os.path.join(sys.argv[1], name), "rb").read().replace(b"\r\n", b"\n")
        lines = [(b">" + l) if l.startswith(b"From ") else l for l in data.split(b"\n")]
        out.write(b"From m@example.org Mon Nov  2 10:00:00 2026\n" + b"\n".join(lines) + b"\n")
EOF
run "posta import of the hostile mbox ends well" "$POSTA" -c "$C" import -a a Imported --mbox "$W/hostile.mbox"
same "every imported message is stored" "$N" "$(count a Imported)"
same "the store is intact" ok "$(sql "$W/store.db" 'PRAGMA integrity_check')"
check "no sanitizer report, crash or abort on stderr" \
  bash -c "! grep -qi 'sanitizer\\|segmentation\\|abort' '$W'/*.err"
