#!/bin/bash
# search-index.sh - the search index a sync writes (TAP; issues 15 and 20).
#
# A first sync with offline = all writes each message's index row once,
# with its body (the header row waits for it: message.fts_state 1). This
# checks that it stores exactly the index of the other ways in:
#   A  offline = all, straight to the lab: the row waits for the body;
#   B  offline = headers first (header rows indexed at once), then the pass
#      is "cut" between its two phases as a killed posta leaves it (rows
#      waiting, none indexed: made with SQL), then offline = all: the next
#      pass indexes the headers first, the body phase rewrites each row;
#   C  through tests/lab/mangle_proxy.py refusing every body: the headers
#      alone are found after that sync, and the bodies too once a sync of
#      the folder fetches them.
# Same rows in message_fts (by UID), the same answers to searches, FTS5's
# integrity-check, and no row left waiting, in every store.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=15

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-search-index.XXXXXX) || bail "mktemp failed"
PROXY_PID=
trap '[[ -z $PROXY_PID ]] || kill "$PROXY_PID" 2>/dev/null; [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.out" 2>&1 || bail "lab did not start: $(cat "$W/lab.out")"
lab_seed alice INBOX 120 >/dev/null 2>&1 || bail "seed failed"
# Two words that are in one message each: one in its subject only, one
# in its body only.
LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" -c '
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.append("INBOX", None, None, (
    "From: Test <t@lab.posta.test>\r\nTo: alice@lab.posta.test\r\n"
    "Subject: zebedeo in testa\r\nDate: Mon, 3 Jun 2024 12:00:00 +0000\r\n"
    "\r\nsolo qui il quetzal\r\n").encode())
M.logout()' || bail "cannot append the test message"

# mkconfig FILE STORE PORT TLS OFFLINE [LINE...]
mkconfig() {
  local file=$1 store=$2 port=$3 tls=$4 offline=$5 l
  shift 5
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$store"
    printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = %s\n' "$port" "$tls"
    printf 'user = alice\npassword = alicepw\nca_file = %s\noffline = %s\n' \
      "$LAB_CA" "$offline"
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$file"
  chmod 600 "$file"
}
# index STORE: each UID with a digest of its message_fts row; then
# whether FTS5's integrity-check passed and how many rows still wait.
index() {
  "$PY" - "$1" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for uid, *cols in db.execute(
        "SELECT m.uid, f.subject, f.\"from\", f.\"to\", f.cc, f.body, f.attachment"
        " FROM message_fts f JOIN message m ON m.id = f.rowid ORDER BY m.uid"):
    print(uid, hashlib.sha256(repr(cols).encode()).hexdigest())
try:
    db.execute("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")
    print("integrity ok")
except sqlite3.Error as e:
    print("integrity:", e)
print("waiting", db.execute("SELECT count(*) FROM message WHERE fts_state = 1").fetchone()[0])
EOF
}
QUERIES=(zebedeo quetzal fattura ferie 'from:rossi' 'subject:"meeting notes"' 'attachment:pdf' 'body:riunione')
# answers CONF: the number of hits of each query, on one line.
answers() {
  local q out=
  for q in "${QUERIES[@]}"; do
    out+="$("$POSTA" -c "$1" --offline search --count "$q" 2>&1) "
  done
  printf '%s\n' "$out"
}

A=$W/a.conf B=$W/b.conf B2=$W/b2.conf
mkconfig "$A" "$W/a.db" "$IMAPS_PORT" implicit all
mkconfig "$B" "$W/b.db" "$IMAPS_PORT" implicit headers
mkconfig "$B2" "$W/b.db" "$IMAPS_PORT" implicit all

check "A: a first sync with bodies" "$POSTA" -c "$A" sync -q
IA=$(index "$W/a.db")
has "A: FTS5's integrity-check passes" "$IA" '^integrity ok$'
has "A: no row waits for its body" "$IA" '^waiting 0$'
same "A: one index row per message" 121 "$(grep -c '^[0-9]' <<<"$IA")"
ANS_A=$(answers "$A")
has "A: the subject word and the body word are found" "$ANS_A" '^1 1 '

check "B: a first sync of the headers" "$POSTA" -c "$B" sync -q
# What a posta killed between the two phases of an offline = all pass
# leaves: header rows waiting for their bodies, none of them indexed.
"$PY" -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE message SET fts_state = 1")
db.execute("DELETE FROM message_fts")
db.commit()' "$W/b.db" || bail "cannot cut store B"
same "B, cut: its waiting rows are not found yet" "0" \
  "$("$POSTA" -c "$B" --offline search --count zebedeo 2>/dev/null)"
check "B: the next sync, with bodies" "$POSTA" -c "$B2" sync -q
IB=$(index "$W/b.db")
same "B: the same index rows as A, integrity-check, none waiting" "$IA" "$IB"
same "B: the same search answers as A" "$ANS_A" "$(answers "$B2")"

# C: every body refused by the server: found by its headers all the same.
RULES=$W/rules
printf 'refuse-body INBOX *\n' >"$RULES"
"$PY" "$POSTA_SRCDIR/tests/lab/mangle_proxy.py" --upstream "127.0.0.1:$IMAP_PORT" \
  --port-file "$W/port" --rules "$RULES" --log "$W/proxy.log" 2>"$W/proxy.err" &
PROXY_PID=$!
for _ in $(seq 200); do [[ -s $W/port ]] && break; sleep 0.05; done
[[ -s $W/port ]] || bail "mangle_proxy.py did not start: $(cat "$W/proxy.err")"
C=$W/c.conf
mkconfig "$C" "$W/c.db" "$(<"$W/port")" none all "allow_plaintext = yes"
"$POSTA" -c "$C" sync -q >"$W/c1.out" 2>&1
IC=$(index "$W/c.db")
has "C, bodies refused: integrity-check" "$IC" '^integrity ok$'
has "C, bodies refused: no row waits, every one indexed" \
  "$(grep -c '^[0-9]' <<<"$IC") $(tail -n 1 <<<"$IC")" '^121 waiting 0$'
same "C, bodies refused: found by the subject, not by the body" "1 0" \
  "$("$POSTA" -c "$C" --offline search --count zebedeo) $("$POSTA" -c "$C" --offline search --count quetzal)"
: >"$RULES"
"$POSTA" -c "$C" sync -q --folder INBOX >"$W/c2.out" 2>&1
IC=$(index "$W/c.db")
same "C, bodies fetched again: the same index rows as A" "$IA" "$IC"
same "C: the same search answers as A" "$ANS_A" "$(answers "$C")"

[[ $n == "$PLAN" ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
