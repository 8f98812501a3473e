#!/bin/bash
# pop3-faults.sh - posta killed (SIGKILL) at random points of a POP3
# download-and-delete (pop3_keep = no), 24 times with a fixed seed (TAP).
#
# The server starts with 300 messages and gets 10 more before each round,
# so every round has downloads and deletes under way. After every kill:
# each message ever put on the server is on the server or in the store,
# and no message is in the store twice. A last, uninterrupted sync must
# then leave the server empty and the store with every message once.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
ROUNDS=24
PLAN=$((ROUNDS + 3))
RANDOM=20261122		# the fixed seed: the same kill points every run

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"


W=$(mktemp -d /tmp/posta-pop3-faults.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >/dev/null 2>&1 || bail "the lab did not start"

{
  printf '[general]\nstore = %s\n\n[account p]\nprotocol = pop3\n' "$W/posta.db"
  printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$POP3S_PORT"
  printf 'user = bob\npassword = bobpw\nca_file = %s\npop3_keep = no\n' "$LAB_CA"
} >"$W/conf"
chmod 600 "$W/conf"

# Remember the Message-ID of every message that reaches the server, and
# check the invariant: ever-seen <= on the server + in the store, and the
# store has each at most once. Prints "ok" or what is wrong.
check() {
  "$PY" - "$W/posta.db" "$LAB_MAILDIR_bob" "$W/seen" <<'EOF'
import glob, os, re, sqlite3, sys
db, maildir, seenf = sys.argv[1:4]
rx = re.compile(rb"^message-id:\s*<([^>]*)>", re.I | re.M)
server = set()
for p in glob.glob(os.path.join(maildir, "cur", "*")) + glob.glob(os.path.join(maildir, "new", "*")):
    try:
        with open(p, "rb") as f:
            m = rx.search(f.read(65536))
    except FileNotFoundError:
        continue
    if m:
        server.add(m.group(1).decode())
seen = set(open(seenf).read().split()) if os.path.exists(seenf) else set()
seen |= server
with open(seenf, "w") as f:
    f.write("\n".join(sorted(seen)))
stored = []
if os.path.exists(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        stored = [r[0] for r in c.execute("SELECT message_id FROM message")]
    except sqlite3.OperationalError:
        pass    # killed while the store was being created: empty
dups = {x for x in stored if stored.count(x) > 1} if len(stored) != len(set(stored)) else set()
lost = seen - server - set(stored)
if lost or dups:
    print("lost %d %s, twice %d %s" % (len(lost), sorted(lost)[:3], len(dups), sorted(dups)[:3]))
else:
    print("ok %d seen, %d on the server, %d stored" % (len(seen), len(server), len(stored)))
EOF
}

lab_seed bob INBOX 300 7 >/dev/null 2>&1 || bail "seeding failed"
check >/dev/null

for ((r = 1; r <= ROUNDS; r++)); do
  lab_seed bob INBOX 10 $((100 + r)) >/dev/null 2>&1   # own Message-IDs
  check >/dev/null
  # Kill after 0 to 1.2 s: the first rounds mostly mid-download, later
  # ones also during connect, DELE and QUIT.
  delay=$(printf '0.%03d' $((RANDOM % 1000)))
  (( RANDOM % 5 == 0 )) && delay=1.2
  "$POSTA" -c "$W/conf" sync -a p -q >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  res=$(check)
  if [[ $res == ok* ]]; then ok "round $r (kill after ${delay}s): $res"; else not_ok "round $r (kill after ${delay}s): nothing lost, nothing twice" "$res"; fi
done

out=$("$POSTA" -c "$W/conf" sync -a p -q 2>&1)
rc=$?
if [[ $rc == 0 ]]; then ok "a last sync runs to the end"; else not_ok "a last sync runs to the end" "$out"; fi
res=$(check)
if [[ $res == "ok 540 seen, 0 on the server, 540 stored" ]]; then ok "server empty, all 540 stored once"; else not_ok "server empty, all 540 stored once" "$res"; fi
left=$("$PY" - "$W/posta.db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(c.execute("SELECT count(*) FROM message m LEFT JOIN body b ON b.message_id = m.id WHERE b.raw IS NULL OR m.pop3_uidl IS NULL").fetchone()[0])
EOF
)
if [[ $left == 0 ]]; then ok "every stored message has its body and UIDL (nothing half-stored)"; else not_ok "every stored message has its body and UIDL (nothing half-stored)" "$left incomplete"; fi

[[ $n == "$PLAN" ]] || echo "# planned $PLAN tests, ran $n"
exit $(( failed > 0 ))
