#!/bin/bash
# export-import.sh - posta export / posta import round trips (TAP).
#
# A POP3 account's INBOX (seeded mail plus a message full of "From " lines)
# with flags set, exported as mbox and as Maildir, imported into a fresh
# store: every message comes back byte for byte with its flags. Also: a
# second import skips what is there, an existing mbox is never overwritten,
# a folder called "../../etc" stays inside the export directory, and an
# IMAP account's import is stored locally without a UID.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=16

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"


W=$(mktemp -d /tmp/posta-export-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >/dev/null 2>&1 || bail "the lab did not start"

mkconfig() {   # FILE STORE
  {
    printf '[general]\nstore = %s\n\n[account p]\nprotocol = pop3\n' "$2"
    printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$POP3S_PORT"
    printf 'user = bob\npassword = bobpw\nca_file = %s\npop3_keep = yes\n\n' "$LAB_CA"
    printf '[account i]\nprotocol = imap\nhost = 127.0.0.1\nport = %s\n' "$IMAPS_PORT"
    printf 'tls = implicit\nuser = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
  } >"$1"
  chmod 600 "$1"
}
# Every message of a folder as "sha256 flags", sorted.
digest() {   # STORE FOLDER
  "$PY" - "$1" "$2" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute("SELECT b.raw, m.flags FROM message m JOIN body b ON b.message_id = m.id"
                  " JOIN folder f ON f.id = m.folder_id WHERE f.name = ?", (sys.argv[2],))
for l in sorted("%s %d" % (hashlib.sha256(raw).hexdigest(), fl) for raw, fl in rows):
    print(l)
EOF
}

lab_seed bob INBOX 40 11 >/dev/null 2>&1 || bail "seeding failed"
printf '%s\n' "From: Zoe <zoe@example.com>" "To: bob@lab.posta.test" \
  "Subject: From lines" "Message-ID: <fromlines@posta.test>" "" \
  "From the start of a line." ">From quoted once." ">>From quoted twice." \
  "From" "From " "" "From me, with love" >"$W/from.eml"
lab_deliver bob INBOX "$W/from.eml" >/dev/null 2>&1
mkconfig "$W/a.conf" "$W/a.db"
"$POSTA" -c "$W/a.conf" sync -a p >/dev/null 2>&1 || bail "sync failed"
# Flags as the user would set them: Seen, Answered+Flagged, Draft, Deleted.
"$PY" - "$W/a.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM message ORDER BY id")]
for i, f in zip(ids, [1, 1, 1, 6, 6, 16, 8, 7, 31]):
    db.execute("UPDATE message SET flags = ? WHERE id = ?", (f, i))
db.commit()
EOF
want=$(digest "$W/a.db" INBOX)
same "41 messages to export" 41 "$(wc -l <<<"$want")"

out=$("$POSTA" -c "$W/a.conf" export -a p INBOX --mbox "$W/inbox.mbox" 2>&1)
has "export --mbox says what it wrote" "$out" "INBOX: 41 messages"
out=$("$POSTA" -c "$W/a.conf" export -a p INBOX --maildir "$W/inbox.md" 2>&1)
has "export --maildir says what it wrote" "$out" "INBOX: 41 messages"
same "the Maildir has 41 files in cur/" 41 "$(ls "$W/inbox.md/cur" | wc -l)"
same "mboxrd: body 'From ' lines are quoted" 1 "$(grep -c '^>>>From quoted twice' "$W/inbox.mbox")"

mkconfig "$W/b.conf" "$W/b.db"
out=$("$POSTA" -c "$W/b.conf" import -a p FromMbox --mbox "$W/inbox.mbox" 2>&1)
has "import --mbox stores 41" "$out" "FromMbox: 41 messages imported"
out=$("$POSTA" -c "$W/b.conf" import -a p FromMaildir --maildir "$W/inbox.md" 2>&1)
has "import --maildir stores 41" "$out" "FromMaildir: 41 messages imported"
same "mbox round trip: byte for byte, flags kept" "$want" "$(digest "$W/b.db" FromMbox)"
same "Maildir round trip: byte for byte, flags kept" "$want" "$(digest "$W/b.db" FromMaildir)"

out=$("$POSTA" -c "$W/b.conf" import -a p FromMbox --mbox "$W/inbox.mbox" 2>&1)
has "a second import skips what is already there" "$out" "0 messages imported (0 KiB), 41 already there skipped"
out=$("$POSTA" -c "$W/a.conf" export -a p INBOX --mbox "$W/inbox.mbox" 2>&1)
has "an existing mbox is never overwritten" "$out" "never overwrites"

# A folder named ../../etc, exported with every folder, stays inside.
"$POSTA" -c "$W/b.conf" import -a p "../../etc" --mbox "$W/inbox.mbox" >/dev/null 2>&1
mkdir -p "$W/out/a"
out=$("$POSTA" -c "$W/b.conf" export -a p --maildir "$W/out/a/b" 2>&1)
has "every folder exported, ../../etc too" "$out" "\.\./\.\./etc: 41 messages"
same "nothing was written outside the export directory" "" \
  "$(cd "$W" && find . -path ./out/a/b -prune -o -path ./out/a -o -path ./out -o -path . -o -path './*.mbox' -o -path './*.conf' -o -path './*.db*' -o -path './inbox.md*' -o -path ./from.eml -o -print)"
same "the folder is the single entry %2E.%2F..%2Fetc" 41 "$(ls "$W/out/a/b/%2E.%2F..%2Fetc/cur" | wc -l)"

# IMAP: local only, no UID, and said so.
out=$("$POSTA" -c "$W/b.conf" import -a i Archive --mbox "$W/inbox.mbox" 2>&1)
has "IMAP import says it is not uploaded" "$out" "not uploaded"
same "IMAP import: 41 rows without a UID" 41 "$("$PY" - "$W/b.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id JOIN account a ON a.id = f.account_id WHERE a.name = 'i' AND m.uid IS NULL").fetchone()[0])
EOF
)"

[[ $n == "$PLAN" ]] || echo "# planned $PLAN tests, ran $n"
exit $(( failed > 0 ))
