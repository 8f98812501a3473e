#!/bin/bash
# sync-folders.sh - which folders posta sync pulls, and what posta folders
# says of the others (TAP; issue 11 section 4).
#
# Against the lab's Dovecot: by default (folders = subscribed) an
# unsubscribed folder is not pulled, and posta folders marks it "not
# synced" instead of showing it with 0 messages as if empty; folders = all
# pulls it; a pattern (Lavoro/%) pulls what it matches and nothing else.
# Against a Gmail-style fake (tests/lab/fake_xlist.py xlist): folders = all
# leaves out the \AllMail folder (it holds every message once more) unless
# it is named too.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=14
T=${POSTA_FOLDERS_TIMEOUT:-120}

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-folders-test.XXXXXX) || bail "mktemp failed"
FAKE_PID=
cleanup() {
  [[ -z $FAKE_PID ]] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }
export LAB_CA IMAPS_PORT
lab_seed alice INBOX 3 5 >/dev/null 2>&1 || bail "seed failed"

# Folders another device made and never subscribed to.
"$PY" - <<'EOF' || bail "cannot set up the server"
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
def msg(n):
    return ("From: Zoe <zoe@example.org>\r\nSubject: m%d\r\n"
            "Message-ID: <f%d@folders.posta.test>\r\n\r\nciao\r\n" % (n, n)).encode()
for box, n in (("Vecchio", 2), ("Lavoro/Clienti", 1)):
    M.create(box)
    M.unsubscribe(box)
    for i in range(n):
        M.append(box, None, None, msg(hash(box) % 1000 * 10 + i))
M.logout()
EOF

# conf FILE STORE [folders value]
conf() {
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$2"
    printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
    printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
    [[ -z ${3:-} ]] || printf 'folders = %s\n' "$3"
  } >"$1"
  chmod 600 "$1"
}
# row CONF FOLDER: that folder's line of posta folders, spaces squeezed
row() { "$POSTA" -c "$1" --offline folders | grep -E "^$2 " | tr -s ' '; }

conf "$W/sub.conf" "$W/sub.db"
check "sync (folders = subscribed, the default)" timeout "$T" "$POSTA" -c "$W/sub.conf" sync -q
same "INBOX pulled" "INBOX inbox 3" "$(row "$W/sub.conf" INBOX | cut -d' ' -f1-3)"
same "an unsubscribed folder is marked, not shown empty" \
  "Vecchio - - - not synced: subscribe to it to pull it" "$(row "$W/sub.conf" Vecchio)"
same "... a nested one too" \
  "Lavoro/Clienti - - - not synced: subscribe to it to pull it" "$(row "$W/sub.conf" Lavoro/Clienti)"

conf "$W/sub.conf" "$W/sub.db" all
check "sync (folders = all)" timeout "$T" "$POSTA" -c "$W/sub.conf" sync -q
same "every folder pulled" "Vecchio - 2 2|Lavoro/Clienti - 1 1" \
  "$(row "$W/sub.conf" Vecchio)|$(row "$W/sub.conf" Lavoro/Clienti)"

conf "$W/pat.conf" "$W/pat.db" 'Lavoro/%'
check "sync (folders = Lavoro/%)" timeout "$T" "$POSTA" -c "$W/pat.conf" sync -q
same "the pattern's folder and INBOX pulled" "INBOX inbox 3|Lavoro/Clienti - 1 1" \
  "$(row "$W/pat.conf" INBOX | cut -d' ' -f1-3)|$(row "$W/pat.conf" Lavoro/Clienti)"
same "the others marked, saying why" \
  "Vecchio - - - not synced: the account's folders setting leaves it out" "$(row "$W/pat.conf" Vecchio)"
same "a subscribed special-use folder the pattern leaves out too" \
  "Sent sent - - not synced: the account's folders setting leaves it out" "$(row "$W/pat.conf" Sent)"

# ---- Gmail: folders = all leaves out All Mail -------------------------------
"$PY" "$POSTA_SRCDIR/tests/lab/fake_xlist.py" xlist --port-file "$W/fport" \
  </dev/null >"$W/fake.err" 2>&1 &
FAKE_PID=$!
for _ in $(seq 200); do [[ -s $W/fport ]] && break; sleep 0.05; done
[[ -s $W/fport ]] || bail "fake_xlist.py did not start: $(cat "$W/fake.err")"
# gconf STORE FOLDERS
gconf() {
  printf '[general]\nstore = %s\n\n[account g]\nprotocol = imap\nhost = 127.0.0.1\nport = %s\ntls = none\nallow_plaintext = yes\nuser = a\npassword = x\nfolders = %s\n' \
    "$1" "$(<"$W/fport")" "$2" >"$W/g.conf"
  chmod 600 "$W/g.conf"
}
selected() { grep -cE "^[0-9]+ (SELECT|EXAMINE) \"$1\"" "$W/fport.log"; }
gconf "$W/g1.db" all
check "Gmail-style sync (folders = all)" timeout "$T" "$POSTA" -c "$W/g.conf" sync -q
same "All Mail not pulled, the others are" "0 1" \
  "$(selected '\[Gmail\]/Tutti i messaggi') $(( $(selected '\[Gmail\]/Spam') > 0 ))"
: >"$W/fport.log"
gconf "$W/g2.db" "all, [Gmail]/Tutti i messaggi"
check "Gmail-style sync (folders = all, [Gmail]/Tutti i messaggi)" \
  timeout "$T" "$POSTA" -c "$W/g.conf" sync -q
same "All Mail pulled when named" 1 "$(( $(selected '\[Gmail\]/Tutti i messaggi') > 0 ))"
