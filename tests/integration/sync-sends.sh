#!/bin/bash
# sync-sends.sh - posta sync sends what waits in the outbox (TAP; issue 11
# section 4: a cron 'posta sync' must deliver).
#
# A message queued offline goes to the lab's SMTP sink with the next posta
# sync, quietly with -q and said otherwise, and its Sent copy reaches the
# IMAP server in the same pass; with the SMTP server unreachable the sync
# still pulls the mail, keeps the message in the outbox, says why and
# exits 1.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=13
T=${POSTA_SENDS_TIMEOUT:-120}

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-sync-sends-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || bail "lab_up failed: $(tail -5 "$W/lab.log")"
export LAB_CA IMAPS_PORT
lab_seed alice INBOX 2 9 >/dev/null 2>&1 || bail "seed failed"

# conf SMTP_PORT
conf() {
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$W/posta.db"
    printf 'protocol = imap\nemail = alice@localhost\nreal_name = Alice\n'
    printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
    printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
    printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n' "$1"
  } >"$W/posta.conf"
  chmod 600 "$W/posta.conf"
}
conf "$SMTP_PORT"
P() { timeout "$T" "$POSTA" -c "$W/posta.conf" "$@"; }
spool() { ls "$SMTP_SPOOL" 2>/dev/null | grep -c '\.eml$'; }
waiting() { P --offline outbox | grep -c '^[0-9]'; }
# in_sent SUBJECT: how many messages with it the server's Sent holds
in_sent() {
  "$PY" - "$1" <<'EOF'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.select("Sent", readonly=True)
typ, d = M.search(None, "SUBJECT", "\"%s\"" % sys.argv[1])
print(len(d[0].split()))
M.logout()
EOF
}

check "first sync" P sync -q
printf 'Ciao.\n' | P send --offline -s "in coda" bob@localhost >/dev/null 2>&1
same "a message queued offline waits" "1 0" "$(waiting) $(spool)"

P sync -q >"$W/q.out" 2>"$W/q.err"
same "posta sync -q succeeds" 0 $?
same "... and says nothing" "" "$(cat "$W/q.out" "$W/q.err")"
same "the message reached the SMTP server" 1 "$(spool)"
same "the outbox is empty" 0 "$(waiting)"
same "its Sent copy is on the IMAP server after the same pass" 1 "$(in_sent "in coda")"

printf 'Ancora.\n' | P send --offline -s "secondo" bob@localhost >/dev/null 2>&1
P sync >"$W/v.out" 2>"$W/v.err"
same "posta sync without -q succeeds" 0 $?
has "... and says what it sent" "$(cat "$W/v.out")" '^posta: outbox [0-9]* "secondo": sent$'
same "the second message reached the SMTP server" 2 "$(spool)"

# The SMTP server unreachable: a port nothing listens on.
"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$W/deadport"
conf "$(<"$W/deadport")"
printf 'Terzo.\n' | P send --offline -s "terzo" bob@localhost >/dev/null 2>&1
"$PY" - <<'EOF' || bail "cannot deliver"
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.append("INBOX", None, None, b"From: z@example.org\r\nSubject: nuovo\r\nMessage-ID: <n@sends.posta.test>\r\n\r\nx\r\n")
M.logout()
EOF
P sync -q >"$W/d.out" 2>"$W/d.err"
same "with SMTP unreachable, posta sync fails" 1 $?
same "... the message stays in the outbox, the mail is pulled" "1 3" \
  "$(waiting) $(P --offline list --json INBOX | grep -c .)"
has "... and it says why" "$(cat "$W/d.err")" 'outbox [0-9]* "terzo": will retry'
