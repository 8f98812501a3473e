#!/bin/bash
# pop3.sh - posta sync of POP3 accounts against the lab's Dovecot (TAP).
#
# Each pop3_keep mode does what it says, checked on the server after each
# run (Python's poplib): yes leaves everything, no deletes what was stored,
# days:N deletes N days after the first download (the clock moved with
# POSTA_NOW); pop3_delete_when_deleted_locally deletes what the user
# deleted; POP3S and plain+STLS; the warnings; a 50 MB message arrives
# byte for byte; and the hostile servers of fake_server.py (a message cut
# short, -ERR mid-session, an endless UIDL list, duplicate and odd UIDLs,
# no UIDL at all) give clear errors and never lose or duplicate mail.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=40

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"


W=$(mktemp -d /tmp/posta-pop3-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >/dev/null 2>&1 || bail "the lab did not start"

# mkconfig FILE STORE PORT TLS [KEY = VALUE lines...]: account "p" = bob.
mkconfig() {
  local file=$1 store=$2 port=$3 tls=$4 l
  shift 4
  {
    printf '[general]\nstore = %s\n\n[account p]\nprotocol = pop3\n' "$store"
    printf 'host = 127.0.0.1\nport = %s\ntls = %s\n' "$port" "$tls"
    printf 'user = bob\npassword = bobpw\nca_file = %s\n' "$LAB_CA"
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$file"
  chmod 600 "$file"
}

# The server as another client sees it: "COUNT" or the Message-IDs.
server() {
  LAB_CA=$LAB_CA POP3S_PORT=$POP3S_PORT "$PY" - "$1" <<'EOF'
import email, os, poplib, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
p = poplib.POP3_SSL("127.0.0.1", int(os.environ["POP3S_PORT"]), context=ctx)
p.user("bob"); p.pass_("bobpw")
if sys.argv[1] == "count":
    print(p.stat()[0])
elif sys.argv[1] == "ids":
    for i in range(1, p.stat()[0] + 1):
        h = email.message_from_bytes(b"\r\n".join(p.top(i, 0)[1]))
        print(h["Message-ID"].strip("<>"))
elif sys.argv[1] == "sha":   # sha256 of every message as RETR gives it
    import hashlib
    for i in range(1, p.stat()[0] + 1):
        print(hashlib.sha256(b"".join(l + b"\r\n" for l in p.retr(i)[1])).hexdigest())
p.quit()
EOF
}

# SQL on a store, read-only: one row per line, columns by '|'.
sql() {
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}
stored() { sql "$1" "SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id WHERE f.name = 'INBOX'"; }
dupes() { sql "$1" "SELECT count(*) FROM (SELECT message_id FROM message GROUP BY message_id HAVING count(*) > 1)"; }

NOW=$(date +%s)

# ---- pop3_keep = yes over POP3S ---------------------------------------------
lab_seed bob INBOX 20 7 >/dev/null 2>&1 || bail "seeding failed"
mkconfig "$W/yes.conf" "$W/yes.db" "$POP3S_PORT" implicit "pop3_keep = yes"
out=$("$POSTA" -c "$W/yes.conf" check-account -a p 2>&1)
has "check-account logs in over POP3S" "$out" "login: *ok as bob"
if grep -q "DELETED" <<<"$out"; then not_ok "keep = yes: no deletion warning" "$out"; else ok "keep = yes: no deletion warning"; fi
out=$("$POSTA" -c "$W/yes.conf" sync -a p -v 2>&1)
has "keep = yes: first sync stores 20" "$out" "INBOX: 20 new"
same "keep = yes: the store has 20" 20 "$(stored "$W/yes.db")"
same "keep = yes: the server still has 20" 20 "$(server count)"
out=$("$POSTA" -c "$W/yes.conf" sync -a p -v 2>&1)
has "keep = yes: a resync finds nothing new" "$out" "INBOX: 0 new"
same "keep = yes: the server still has 20 after a resync" 20 "$(server count)"
out=$("$POSTA" -c "$W/yes.conf" folders -a p 2>&1)
has "local folders were made (Sent, Drafts, Trash, Archive)" "$(tr -s ' ' <<<"$out")" "Trash trash"
out=$("$POSTA" -c "$W/yes.conf" list -a p --json 2>&1 | head -n 1)
has "posta list shows the POP3 INBOX" "$out" '"uid":null'
# Byte for byte, as another POP3 client receives them.
same "messages are stored exactly as RETR gives them" \
  "$(server sha | sort)" \
  "$("$PY" - "$W/yes.db" <<'EOF' | sort
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (raw,) in db.execute("SELECT raw FROM body"):
    print(hashlib.sha256(raw).hexdigest())
EOF
)"

# ---- days:N with the clock moved ---------------------------------------------
mkconfig "$W/days.conf" "$W/yes.db" "$POP3S_PORT" implicit "pop3_keep = days:3"
out=$("$POSTA" -c "$W/days.conf" check-account -a p 2>&1)
has "check-account explains days:3" "$out" "DELETED FROM THE SERVER 3 days after"
POSTA_NOW=$((NOW + 2 * 86400)) "$POSTA" -c "$W/days.conf" sync -a p >/dev/null 2>&1
same "days:3: nothing deleted after 2 days" 20 "$(server count)"
lab_seed bob INBOX 5 8 >/dev/null 2>&1
POSTA_NOW=$((NOW + 2 * 86400)) "$POSTA" -c "$W/days.conf" sync -a p >/dev/null 2>&1
same "days:3: 5 new stored (first seen at day 2)" 25 "$(stored "$W/yes.db")"
POSTA_NOW=$((NOW + 4 * 86400)) "$POSTA" -c "$W/days.conf" sync -a p >/dev/null 2>&1
same "days:3: after 4 days the first 20 are deleted, the 5 stay" 5 "$(server count)"
POSTA_NOW=$((NOW + 6 * 86400)) "$POSTA" -c "$W/days.conf" sync -a p >/dev/null 2>&1
same "days:3: after 6 days all are deleted" 0 "$(server count)"
same "days:3: the store kept all 25, none twice" "25 0" "$(stored "$W/yes.db") $(dupes "$W/yes.db")"
same "days:3: every UIDL is marked deleted from the server" 25 \
  "$(sql "$W/yes.db" "SELECT count(*) FROM pop3_uidl WHERE deleted_from_server = 1")"

# ---- pop3_keep = no over plain + STLS ------------------------------------------
lab_seed bob INBOX 10 9 >/dev/null 2>&1
mkconfig "$W/no.conf" "$W/no.db" "$POP3_PORT" starttls "pop3_keep = no"
out=$("$POSTA" -c "$W/no.conf" check-account -a p 2>&1)
has "check-account warns that keep = no deletes" "$out" "pop3_keep = no: every message posta downloads is DELETED"
has "... and says how to keep mail" "$out" "pop3_keep = yes"
has "... and asks for a backup" "$out" "posta export"
out=$("$POSTA" -c "$W/no.conf" sync -a p 2>&1)
has "the first sync in a deleting mode warns" "$out" "DELETED FROM THE SERVER"
same "keep = no: the server is empty" 0 "$(server count)"
same "keep = no: the store has the 10, none twice" "10 0" "$(stored "$W/no.db") $(dupes "$W/no.db")"
out=$("$POSTA" -c "$W/no.conf" sync -a p 2>&1)
if grep -q DELETED <<<"$out"; then not_ok "later syncs do not repeat the warning" "$out"; else ok "later syncs do not repeat the warning"; fi

# ---- pop3_delete_when_deleted_locally ---------------------------------------------
lab_seed bob INBOX 5 10 >/dev/null 2>&1
mkconfig "$W/loc.conf" "$W/loc.db" "$POP3S_PORT" implicit "pop3_keep = yes" \
  "pop3_delete_when_deleted_locally = yes"
out=$("$POSTA" -c "$W/loc.conf" check-account -a p 2>&1)
has "check-account explains local deletes" "$out" "deleted from the server too"
"$POSTA" -c "$W/loc.conf" sync -a p >/dev/null 2>&1
same "local delete: 5 stored, 5 on the server" "5 5" "$(stored "$W/loc.db") $(server count)"
# The user deletes two (what emptying the Trash does to the store).
"$PY" - "$W/loc.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA foreign_keys = ON")
db.execute("DELETE FROM message WHERE id IN (SELECT id FROM message ORDER BY id LIMIT 2)")
db.commit()
EOF
# A move to another folder is not a delete.
"$PY" - "$W/loc.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE message SET folder_id = (SELECT id FROM folder WHERE name = 'Archive') WHERE id = (SELECT max(id) FROM message)")
db.commit()
EOF
"$POSTA" -c "$W/loc.conf" sync -a p >/dev/null 2>&1
same "local delete: the 2 deleted here are gone from the server" 3 "$(server count)"
same "local delete: nothing came back, the moved one stays" 3 \
  "$(sql "$W/loc.db" "SELECT count(*) FROM message")"

# ---- a 50 MB message ---------------------------------------------------------------
"$PY" - "$W/big.eml" <<'EOF'
import base64, os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: big <big@example.com>\nTo: bob@lab.posta.test\n"
            b"Subject: fifty megabytes\nMessage-ID: <big@posta.test>\n"
            b"MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
            b"Content-Transfer-Encoding: base64\n\n")
    chunk = base64.encodebytes(os.urandom(3 * 1024 * 1024 // 4 * 3))
    while f.tell() < 50 * 1024 * 1024:
        f.write(chunk)
EOF
lab_deliver bob INBOX "$W/big.eml" >/dev/null 2>&1
want=$(server sha | sort)
"$POSTA" -c "$W/loc.conf" sync -a p >/dev/null 2>&1
same "a 50 MB message is stored" 1 "$(sql "$W/loc.db" "SELECT count(*) FROM message WHERE message_id = 'big@posta.test' AND size > 50000000")"
got=$("$PY" - "$W/loc.db" <<'EOF' | sort
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (raw,) in db.execute("SELECT b.raw FROM body b JOIN message m ON m.id = b.message_id WHERE m.folder_id IN (SELECT id FROM folder WHERE name IN ('INBOX', 'Archive'))"):
    print(hashlib.sha256(raw).hexdigest())
EOF
)
same "... byte for byte" "$want" "$got"

# ---- hostile servers (tests/lab/fake_server.py) ---------------------------------------
# fake MODE: run a POP3 sync (keep = no) against that mode twice.
fake() {
  local mode=$1
  lab_fake "$mode" --pop3-state "$W/$mode.state" --idle 30 || return 1
  {
    printf '[general]\nstore = %s\n\n[account f]\nprotocol = pop3\n' "$W/$mode.db"
    printf 'host = 127.0.0.1\nport = %s\ntls = none\nallow_plaintext = yes\n' "$FAKE_PORT"
    printf 'user = bob\npassword = x\npop3_keep = no\n'
  } >"$W/$mode.conf"
  chmod 600 "$W/$mode.conf"
}
fsync_f() { POSTA_NET_TIMEOUT=5 timeout 60 "$POSTA" -c "$W/$1.conf" sync -a f 2>&1; }

fake pop3-dropretr
out=$(fsync_f pop3-dropretr); rc=$?
has "message cut short: a clear error" "$out" "closed"
same "message cut short: exit status 1, no hang" 1 "$rc"
same "message cut short: message 1 stored once, nothing half-stored" \
  "fake1@fake.example" "$(sql "$W/pop3-dropretr.db" "SELECT message_id FROM message")"
if grep -q '^QUIT' "$FAKE_LOG"; then not_ok "message cut short: no QUIT, so no DELE applied" "$(cat "$FAKE_LOG")"; else ok "message cut short: no QUIT, so no DELE applied"; fi

fake pop3-err
out=$(fsync_f pop3-err); rc=$?
has "-ERR mid-session: the server's words are shown" "$out" "RETR 2 refused"
same "-ERR mid-session: 1 and 3 stored, deleted; 2 left on the server" \
  "fake1@fake.example fake3@fake.example [2]" \
  "$(sql "$W/pop3-err.db" "SELECT message_id FROM message ORDER BY message_id" | tr '\n' ' ')$(cat "$W/pop3-err.state")"

fake pop3-endless
out=$(fsync_f pop3-endless)
has "an endless UIDL list is refused" "$out" "refusing an endless list"

fake pop3-dupuidl
fsync_f pop3-dupuidl >/dev/null; fsync_f pop3-dupuidl >/dev/null
same "duplicate UIDLs: all 3 stored once; only the unique (odd) one deleted" "3 0 [1, 3]" \
  "$(sql "$W/pop3-dupuidl.db" "SELECT count(*) FROM message") $(dupes "$W/pop3-dupuidl.db") $(cat "$W/pop3-dupuidl.state")"

fake pop3-nouidl
out=$(fsync_f pop3-nouidl); fsync_f pop3-nouidl >/dev/null
has "no UIDL: a warning" "$out" "does not support UIDL"
same "no UIDL: 3 stored once, nothing deleted" "3 0 [1, 2, 3]" \
  "$(sql "$W/pop3-nouidl.db" "SELECT count(*) FROM message") $(dupes "$W/pop3-nouidl.db") $(cat "$W/pop3-nouidl.state")"

[[ $n == "$PLAN" ]] || echo "# planned $PLAN tests, ran $n"
exit $(( failed > 0 ))
