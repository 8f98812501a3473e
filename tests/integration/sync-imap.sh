#!/bin/bash
# sync-imap.sh - posta sync against the lab's Dovecot (TAP).
#
# A first full sync, a resync that must fetch nothing, another device's
# changes (flags, expunge, new mail, new/renamed/deleted folders), a
# UIDVALIDITY change, a sync killed with SIGKILL, offline = headers, and the
# same story on servers without QRESYNC and without CONDSTORE. After each
# incremental sync the store must equal what a fresh full sync of the same
# server gives.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=42

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"


W=$(mktemp -d /tmp/posta-sync-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

# mkconfig FILE STORE [KEY = VALUE lines...]: an account "lab" on the lab.
mkconfig() {
  local file=$1 store=$2
  shift 2
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$store"
    printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' \
      "$IMAPS_PORT"
    printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$file"
  chmod 600 "$file"
}

# The other device: Python's imaplib logged in as alice; M is the session.
cat >"$W/device.py" <<'EOF'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]),
                      ssl_context=ctx)
M.login("alice", "alicepw")
def msg(mid, subject, body="ciao"):
    return ("From: Zoe <zoe@example.com>\r\nTo: alice@lab.posta.test\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n%s\r\n"
            % (subject, mid, body)).encode()
exec(sys.stdin.read())
M.logout()
EOF
device() { LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" "$W/device.py"; }

# SQL on a store, read-only (the posta CLI has no body counts).
sql() {
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}

# snapshot CONFIG FOLDER: what the user sees of a folder, order-free.
snapshot() {
  "$POSTA" -c "$1" list --json "$2" | "$PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
for r in sorted(rows, key=lambda r: (r["message_id"] or "", r["uid"] or 0)):
    print(r["uid"], r["message_id"], ",".join(sorted(r["flags"])), r["subject"])
'
}
count() { "$POSTA" -c "$1" list --json "$2" | grep -c '^{'; }
folder_line() { "$POSTA" -c "$1" folders | grep -E "^$2 +"; }
# fcount CONFIG FOLDER: its total, or "-" when the folder is not there.
fcount() {
  local l
  if l=$(folder_line "$1" "$2"); then awk '{print $3}' <<<"$l"; else echo -; fi
}
elapsed() { "$PY" -c "print(round($EPOCHREALTIME - $1, 2))"; }

# fresh_equal DESC CONFIG FOLDER...: a fresh full sync into a new store
# shows exactly what the incremental one shows.
fresh_equal() {
  local desc=$1 conf=$2 f diff="" fresh=$W/fresh.$n
  shift 2
  mkconfig "$fresh.conf" "$fresh.db"
  if ! "$POSTA" -c "$fresh.conf" sync -q >"$fresh.out" 2>&1; then
    not_ok "$desc" "fresh sync failed: $(cat "$fresh.out")"
    return
  fi
  for f in "$@"; do
    diff+=$(diff <(snapshot "$conf" "$f") <(snapshot "$fresh.conf" "$f") 2>&1)
  done
  if [[ -z $diff ]]; then ok "$desc"; else not_ok "$desc" "$diff"; fi
}

# The changes another device makes, the same on every server.
other_device_changes() {
  device <<'EOF'
M.select("INBOX")
M.uid("STORE", "10", "+FLAGS", "(\\Flagged)")
M.uid("STORE", "11", "+FLAGS", "(\\Seen $Importante)")
M.uid("STORE", "11", "-FLAGS", "(\\Flagged)")
M.uid("STORE", "12:13", "+FLAGS", "(\\Deleted)")
M.expunge()
M.append("INBOX", None, None, msg("nuovo1@x", "=?UTF-8?Q?Novit=C3=A0_in_arrivo?="))
M.create("Nuova"); M.subscribe("Nuova")
M.append("Nuova", "(\\Seen)", None, msg("nuova1@x", "Prima"))
M.rename("Riviste", "Giornali"); M.subscribe("Giornali")
M.delete("Vecchia")
EOF
}

# The folders every lab starts with besides INBOX.
initial_folders() {
  device <<'EOF'
for name in ('"Progetti/Citt&AOA-"', "Riviste", "Vecchia"):
    M.create(name); M.subscribe(name)
M.append('"Progetti/Citt&AOA-"', None, None, msg("citta1@x", "Piazza"))
M.append('"Progetti/Citt&AOA-"', None, None, msg("citta2@x", "Re: Piazza"))
for i in range(5):
    M.append("Riviste", "(\\Seen)" if i % 2 else None, None,
             msg("rivista%d@x" % i, "Rivista n. %d" % i, "numero %d" % i))
M.append("Vecchia", None, None, msg("vecchia1@x", "Vecchia"))
EOF
}

# ============================================================ lab A: Dovecot
lab_up >"$W/lab-a.log" 2>&1 || { cat "$W/lab-a.log" | sed 's/^/# /'; bail "the lab did not start"; }
ok "lab up (QRESYNC, CONDSTORE, SPECIAL-USE)"
seed_a() { "$POSTA_SRCDIR/tests/lab/lab" seed "$LAB_DIR" alice INBOX 300 1 && initial_folders; }
check "seed 300 messages, a non-ASCII folder and two more" seed_a

A=$W/a.conf
mkconfig "$A" "$W/a.db"
t0=$EPOCHREALTIME
check "first sync" "$POSTA" -c "$A" sync -v
echo "# first sync of 308 messages: $(elapsed "$t0") s"

out=$(folder_line "$A" INBOX)
same "folders: INBOX has 300 messages" "300" "$(awk '{print $3}' <<<"$out")"
uses=$("$POSTA" -c "$A" folders | tail -n +2 | awk '{print $1 "=" $2}' | sort | tr '\n' ' ')
same "folders: special uses from SPECIAL-USE" \
  "Archive=archive Drafts=drafts INBOX=inbox Junk=junk Progetti/Città=- Progetti=- Riviste=- Sent=sent Trash=trash Vecchia=- " "$uses"
same "list --json: 300 messages" "300" "$(count "$A" INBOX)"
subjects=$("$POSTA" -c "$A" list --json INBOX | "$PY" -c '
import json, sys
s = [json.loads(l)["subject"] for l in sys.stdin]
print(sum("=?" in x for x in s), any(x.startswith("Perché il caffè") for x in s),
      sum(any(c in x for c in "àèéìòù") for x in s) > 10)')
same "list --json: RFC 2047 subjects decoded to Italian UTF-8" "0 True True" "$subjects"
same "a non-ASCII folder: shown as UTF-8, kept as modified UTF-7" \
  "Progetti/Città|Progetti/Citt&AOA-|2" \
  "$(sql "$W/a.db" "select f.name, f.remote_name, count(m.id) from folder f join message m on m.folder_id = f.id where f.name like 'Progetti/%' group by f.id")"
same "list of the non-ASCII folder" "2" "$(count "$A" "Progetti/Città")"
same "offline = all: every body stored" "308|308" \
  "$(sql "$W/a.db" "select count(*), sum(body_state = 2) from message")"
same "threads: a reply joins its parent's thread" "1" \
  "$(sql "$W/a.db" "select count(distinct thread_id) from message where message_id in ('citta1@x', 'citta2@x')")"

: >"$W/trace"
out=$(POSTA_TRACE=$W/trace "$POSTA" -c "$A" sync -v 2>&1)
if grep -qE 'FETCH|SEARCH' "$W/trace"; then
  not_ok "a resync with nothing new fetches nothing" "$(cat "$W/trace")"
elif ! grep -q '^INBOX: 0 new, 0 flags changed, 0 expunged$' <<<"$out"; then
  not_ok "a resync with nothing new fetches nothing" "$out"
else
  ok "a resync with nothing new fetches nothing"
fi
# A STATUS per stored folder goes with the LIST, which asks none itself
# (tests/integration/list-status.sh checks the order, LIST-STATUS for
# many folders and a server without it).
same "... and selects no folder: STATUS tells it nothing changed" "0 1 0" \
  "$(grep -c 'EXAMINE\|SELECT' "$W/trace") $(grep -cE '^(C: )?[0-9]+ STATUS "INBOX" ' "$W/trace") $(grep -c 'RETURN (.*STATUS (' "$W/trace")"

ids_before=$(sql "$W/a.db" "select group_concat(m.id) from message m join folder f on f.id = m.folder_id where f.name = 'Riviste' order by m.id")
other_device_changes
: >"$W/trace"
check "sync after another device's changes" env POSTA_TRACE="$W/trace" "$POSTA" -c "$A" sync -v
same "... INBOX, changed, is selected with QRESYNC" "1" "$(grep -c 'EXAMINE "INBOX" (QRESYNC (' "$W/trace")"
same "INBOX: 2 expunged, 1 new" "299" "$(count "$A" INBOX)"
same "flags set and cleared elsewhere are here" "\\Flagged|\\Seen \$Importante|" \
  "$("$POSTA" -c "$A" list --json INBOX | "$PY" -c '
import json, sys
r = {j["uid"]: j for j in map(json.loads, sys.stdin)}
print(",".join(f for f in r[10]["flags"] if f == "\\Flagged"),
      " ".join(f for f in r[11]["flags"] if f in ("\\Seen", "$Importante", "\\Flagged")),
      ",".join(str(u) for u in (12, 13) if u in r), sep="|")')"
same "the new message, subject decoded" "1" \
  "$("$POSTA" -c "$A" list --json INBOX | grep -c '"subject":"Novità in arrivo"')"
same "new folder, renamed folder (same rows), deleted folder" \
  "Giornali=5 Nuova=1 Riviste=- Vecchia=- |$ids_before" \
  "$(for f in Giornali Nuova Riviste Vecchia; do printf '%s=%s ' "$f" "$(fcount "$A" "$f")"; done)|$(sql "$W/a.db" "select group_concat(m.id) from message m join folder f on f.id = m.folder_id where f.name = 'Giornali' order by m.id")"
fresh_equal "incremental (QRESYNC) result equals a fresh full sync" "$A" INBOX Giornali Nuova "Progetti/Città"

# UIDVALIDITY: the folder is deleted and made again with the same messages.
uv_before=$(sql "$W/a.db" "select uidvalidity from folder where name = 'Giornali'")
device <<'EOF'
M.select("Giornali")
typ, data = M.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
msgs = [x for x in data if isinstance(x, tuple)]
M.close()
M.delete("Giornali"); M.create("Giornali"); M.subscribe("Giornali")
for meta, raw in msgs[1:]:      # the first one is gone for good
    M.append("Giornali", "(\\Seen)" if b"\\Seen" in meta else None, None, raw)
EOF
check "sync after a UIDVALIDITY change" "$POSTA" -c "$A" sync -v --folder Giornali
same "UIDVALIDITY change: re-mapped by Message-ID, no duplicate, bodies kept" \
  "4|4|4|4|1" \
  "$(sql "$W/a.db" "select count(*), count(distinct m.message_id), count(distinct m.uid), sum(m.body_state = 2), f.uidvalidity != $uv_before from message m join folder f on f.id = m.folder_id where f.name = 'Giornali'")"
same "... and the rows are the same rows" "1" \
  "$(sql "$W/a.db" "select count(*) = 4 from message m join folder f on f.id = m.folder_id where f.name = 'Giornali' and m.id in (${ids_before:-0})")"
fresh_equal "after the UIDVALIDITY change: equal to a fresh sync" "$A" Giornali

# SIGKILL in the middle, then a normal sync.
"$POSTA_SRCDIR/tests/lab/lab" seed "$LAB_DIR" alice Grande 4000 7 >/dev/null 2>&1
K=$W/k.conf
mkconfig "$K" "$W/k.db"
t0=$EPOCHREALTIME
"$POSTA" -c "$K" sync -q --folder Grande &
pid=$!
# About half a second in; a slow build (sanitizers) gets until its first
# batch is committed, so that the kill always lands in the middle.
sleep 0.5
for _ in $(seq 150); do
  [[ $(sql "$W/k.db" "select count(*) from message" 2>/dev/null) -gt 0 ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
partial=$(sql "$W/k.db" "select count(*) from message" 2>/dev/null || echo 0)
echo "# killed with SIGKILL after $(elapsed "$t0") s (exit $rc) holding $partial of 4000 messages"
check "the sync after a SIGKILL" "$POSTA" -c "$K" sync -q --folder Grande
same "after SIGKILL + sync: exactly the server's messages, no duplicates" \
  "4000|4000|4000|4000" \
  "$(sql "$W/k.db" "select count(*), count(distinct uid), count(distinct message_id), sum(body_state = 2) from message")"
"$POSTA" -c "$K" sync -q >/dev/null 2>&1	# the other folders too
t0=$EPOCHREALTIME
"$POSTA" -c "$K" sync -q >/dev/null 2>&1
echo "# no-change resync of $(sql "$W/k.db" "select count(*) from message") messages in $(sql "$W/k.db" "select count(*) from folder") folders: $(elapsed "$t0") s"
H=$W/h.conf
mkconfig "$H" "$W/h.db" "offline = headers"
t0=$EPOCHREALTIME
check "offline = headers: sync" "$POSTA" -c "$H" sync -q --folder Grande
echo "# full header-only sync of 4000 messages: $(elapsed "$t0") s"
same "offline = headers stores no body" "4000|0" \
  "$(sql "$W/h.db" "select count(*), count(b.message_id) from message m left join body b on b.message_id = m.id")"
same "--offline refuses to sync" "1" \
  "$("$POSTA" -c "$A" --offline sync >/dev/null 2>&1; echo $?)"
same "the trace never shows the password" "0" "$(grep -c alicepw "$W/trace")"

# ====================================== lab B: no CONDSTORE, no QRESYNC
caps="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN LIST-EXTENDED SPECIAL-USE MOVE UNSELECT"
fallback() { # LABEL CAPS
  local label=$1 conf=$W/$1.conf
  if ! lab_up --imap-capability "$2" >"$W/lab-$label.log" 2>&1; then
    not_ok "lab up ($label)" "$(cat "$W/lab-$label.log")"
    return 1
  fi
  "$POSTA_SRCDIR/tests/lab/lab" seed "$LAB_DIR" alice INBOX 300 1 >/dev/null 2>&1
  initial_folders
  mkconfig "$conf" "$W/$label.db"
  check "$label: first sync" "$POSTA" -c "$conf" sync -q
  other_device_changes
  : >"$W/trace-$label"
  check "$label: sync after another device's changes" \
    env POSTA_TRACE="$W/trace-$label" "$POSTA" -c "$conf" sync -q
  same "$label: INBOX has 299 messages" "299" "$(count "$conf" INBOX)"
  fresh_equal "$label: incremental result equals a fresh full sync" "$conf" \
    INBOX Giornali Nuova "Progetti/Città"
  # The counts in the folder rows (schema version 10, kept by triggers)
  # after expunges, flag changes, a rename and a folder deleted.
  same "$label: every folder's counts equal its messages" "" \
    "$(sql "$W/$label.db" "SELECT f.name FROM folder f
       WHERE f.total <> (SELECT count(*) FROM message m
         WHERE m.folder_id = f.id)
       OR f.unread <> (SELECT count(*) FROM message m
         WHERE m.folder_id = f.id AND (m.flags & 1) = 0)")"
}
fallback plain "$caps"
same "plain: the full UID+FLAGS listing was used" "0|1" \
  "$(grep -c 'QRESYNC\|CONDSTORE' "$W/trace-plain")|$(grep -c 'UID FETCH 1:\* (UID FLAGS)' "$W/trace-plain" | awk '{print ($1 > 0)}')"
fallback condstore "$caps CONDSTORE"
same "condstore: CHANGEDSINCE, no QRESYNC" "0|1" \
  "$(grep -c 'QRESYNC' "$W/trace-condstore")|$(grep -c 'CHANGEDSINCE' "$W/trace-condstore" | awk '{print ($1 > 0)}')"

if (( n != PLAN )); then
  echo "# ran $n tests, planned $PLAN"
  exit 1
fi
exit $(( failed > 0 ))
