#!/bin/bash
# list-status.sh - a no-change resync asks every folder's state in the
# round trip of its LIST, and still finds new, deleted and renamed folders
# (TAP; round trips are counted, nothing is timed).
#
# An account of 10 folders on the lab's Dovecot (which has LIST-STATUS) is
# synced through tests/lab/latency_proxy.py (no delay: it only counts the
# times posta waited for the server, "turns"), then resynced with no
# change: a STATUS per stored folder (MESSAGES UIDNEXT UIDVALIDITY
# HIGHESTMODSEQ: not UNSEEN, which nothing reads and which costs the
# server a count), then the LIST without RETURN (STATUS ...) and LSUB, all
# in one write. Not LIST-STATUS, and the STATUS before the LIST: on
# Dovecot's Maildir both LIST-STATUS and a STATUS after a LIST in the same
# session read a big folder's whole uidlist (doc/PERFORMANCE.md, a million
# messages). No folder is opened, and the resync writes at most 3 times
# after LOGIN (ENABLE+NAMESPACE, STATUS+LIST+LSUB). A message
# delivered to one folder is still seen and fetched; a folder created, one
# deleted and one renamed on the server are found. With more folders
# than one write of commands holds (70 more), the LIST asks LIST-STATUS
# instead and no STATUS goes out. Then the same against a lab whose
# capabilities are Dovecot's without LIST-STATUS: the resync asks STATUS
# in the same write as its LIST, takes as many turns, and still sees the
# new message.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
T=${POSTA_LIST_STATUS_TIMEOUT:-300}	# per sync: generous for sanitizer builds

echo "1..27"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-list-status-test.XXXXXX) || bail "mktemp failed"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
# lab_test_imap CODE: python with M logged in as alice (functions only)
# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"

# setup NAME [lab options]: a lab of 10 folders, a counting proxy to it
# and a config whose store is $W/NAME.db
setup() {
  local name=$1 f i=0; shift
  lab_up "$@" >"$W/$name.lab.log" 2>&1 ||
    { sed 's/^/# /' "$W/$name.lab.log"; bail "the lab did not start"; }
  export LAB_CA IMAPS_PORT
  for f in INBOX Work Lists Family Old; do
    i=$((i + 1))
    lab_seed alice "$f" 6 "$i" >/dev/null 2>&1 || bail "seed failed"
  done
  "$PY" "$POSTA_SRCDIR/tests/lab/latency_proxy.py" --upstream "127.0.0.1:$IMAPS_PORT" \
    --delay-ms 0 --port-file "$W/$name.port" --log "$W/$name.plog" 2>"$W/$name.err" &
  PIDS+=($!)
  for _ in $(seq 200); do [[ -s $W/$name.port ]] && break; sleep 0.05; done
  [[ -s $W/$name.port ]] || bail "latency_proxy.py did not start: $(cat "$W/$name.err")"
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$W/$name.db"
    printf 'protocol = imap\nemail = alice@localhost\nhost = 127.0.0.1\n'
    printf 'port = %s\ntls = implicit\nuser = alice\npassword = alicepw\n' "$(<"$W/$name.port")"
    printf 'ca_file = %s\noffline = all\nfolders = all\n' "$LAB_CA"
  } >"$W/$name.conf"
  chmod 600 "$W/$name.conf"
}
closes() { grep -c '^close ' "$W/$1.plog" 2>/dev/null; }
# turns NAME TRACE: resync through NAME's proxy with the protocol trace in
# $W/TRACE; prints the turns of its connections (the proxy's close lines)
turns() {
  local before after
  before=$(closes "$1")
  POSTA_TRACE="$W/$2" timeout "$T" "$POSTA" -c "$W/$1.conf" sync -q >"$W/$2.out" 2>&1 || return 1
  for _ in $(seq 600); do
    after=$(closes "$1")
    ((after > before)) && break
    sleep 0.1
  done
  ((after > before)) || return 1
  awk -v b="$before" '$1 == "close" && ++n > b { t += $5 } END { print t + 0 }' "$W/$1.plog"
}
count() {
  "$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from message").fetchone()[0])' "$W/$1.db"
}
deliver() {
  printf 'From: carol@localhost\nTo: alice@localhost\nSubject: %s\nMessage-ID: <%s@localhost>\n\nhello\n' "$1" "$1" >"$W/$1.eml"
  lab_deliver alice Lists "$W/$1.eml" >/dev/null 2>&1
}

folders() {
  "$PY" -c 'import sqlite3, sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select name from folder order by name")))' "$W/$1.db"
}
# in_folder NAME FOLDER: the store's rows of FOLDER's messages
in_folder() {
  "$PY" -c 'import sqlite3, sys; print(" ".join(str(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("select m.id from message m join folder f on m.folder_id = f.id where f.name = ? order by m.id", (sys.argv[2],))))' "$W/$1.db" "$2"
}
# list_write_statuses TRACE: the STATUS commands sent in the same write as
# the LIST (the trace starts a line with "C: " at each write), then
# "first" if they all come before the LIST in it
list_write_statuses() {
  awk 'function flush() { if (list) { n += st; if (st > 0 && !late) order = " first" } }
       /^C: / { flush(); st = 0; list = 0; late = 0 }
       /^(C: )?[0-9]+ LIST / { list = 1 }
       /^(C: )?[0-9]+ STATUS / { st++; if (list) late = 1 }
       END { flush(); print n + 0 order }' "$1"
}
# --- with LIST-STATUS -------------------------------------------------------
setup with
caps=$("$PY" - <<'EOF'
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
typ, data = M.capability()
print(data[0].decode())
M.logout()
EOF
)
has "the lab offers LIST-STATUS" "$caps" 'LIST-STATUS'
check "a first sync of 10 folders" timeout "$T" "$POSTA" -c "$W/with.conf" sync -q
same "10 folders, 30 messages" "10 30" \
  "$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from folder").fetchone()[0])' "$W/with.db") $(count with)"
t_with=$(turns with with.trace) || t_with="failed: $(cat "$W/with.trace.out")"
trace_with=$(cat "$W/with.trace")
same "the LIST asks no STATUS of its own" "" "$(grep -E '^(C: )?[0-9]+ LIST .*STATUS' <<<"$trace_with")"
same "one STATUS per stored folder, in the LIST's write, before the LIST" "10 first" \
  "$(list_write_statuses "$W/with.trace")"
same "no folder opened" "" "$(grep -E '^(C: )?[0-9]+ (SELECT|EXAMINE) ' <<<"$trace_with")"
same "STATUS asks what tells a change, no UNSEEN" "" "$(grep -E 'STATUS .*UNSEEN' <<<"$trace_with")"
writes=$(grep -c '^C: ' <<<"$trace_with")
if ((writes >= 1 && writes <= 3)); then
  ok "at most 3 round trips after LOGIN ($writes)"
else
  not_ok "at most 3 round trips after LOGIN" "$writes writes: $trace_with"
fi
deliver new-with
check "a resync after a delivery" timeout "$T" "$POSTA" -c "$W/with.conf" sync -q
same "the new message is stored" "31" "$(count with)"

# Folders made, deleted and renamed on the server are found: the STATUS
# of a folder gone is refused, a renamed one keeps its messages.
family=$(in_folder with Family)
check "the server gains Fresh, loses Old, Family becomes Kin" lab_test_imap '
M.create("Fresh")
M.delete("Old")
M.rename("Family", "Kin")'
lab_seed alice Fresh 2 9 >/dev/null 2>&1 || bail "seed failed"
check "a resync after the folder changes" timeout "$T" "$POSTA" -c "$W/with.conf" sync -q
same "the store's folders follow" "Archive Drafts Fresh INBOX Junk Kin Lists Sent Trash Work" "$(folders with)"
same "Old's 6 gone, Fresh's 2 come" "27" "$(count with)"
same "Kin keeps Family's messages (a rename, not a new folder)" "$family" "$(in_folder with Kin)"

# More folders than one write holds: LIST-STATUS, no STATUS command.
check "the server gains 70 empty folders" lab_test_imap '
for i in range(70):
    M.create("Many/f%02d" % i)'
check "a sync of 80 folders" timeout "$T" "$POSTA" -c "$W/with.conf" sync -q
check "a no-change resync of 80 folders" env POSTA_TRACE="$W/many.trace" timeout "$T" "$POSTA" -c "$W/with.conf" sync -q
has "80 folders: LIST asks every folder's STATUS" "$(cat "$W/many.trace")" \
  'LIST "" "\*" RETURN (.*STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))'
same "80 folders: no STATUS command, no folder opened" "" \
  "$(grep -E '^(C: )?[0-9]+ (STATUS|SELECT|EXAMINE) ' "$W/many.trace")"
lab_down >/dev/null 2>&1

# --- without ----------------------------------------------------------------
nols=$(tr ' ' '\n' <<<"$caps" | grep -v -x -e 'LIST-STATUS' -e 'AUTH=.*' -e '' | tr '\n' ' ')
setup without --imap-capability "${nols% }"
check "without LIST-STATUS: a first sync" timeout "$T" "$POSTA" -c "$W/without.conf" sync -q
same "30 messages" "30" "$(count without)"
t_without=$(turns without without.trace) || t_without="failed: $(cat "$W/without.trace.out")"
has "the resync asks STATUS" "$(cat "$W/without.trace")" 'STATUS "Lists"'
same "without LIST-STATUS: the STATUS go in the LIST's write" "10 first" \
  "$(list_write_statuses "$W/without.trace")"
if [[ $t_with =~ ^[0-9]+$ && $t_without =~ ^[0-9]+$ ]]; then
  same "as many round trips with LIST-STATUS as without (turns with, without)" \
    "$t_without $t_without" "$t_with $t_without"
else
  not_ok "as many round trips with LIST-STATUS as without" "with: $t_with
without: $t_without"
fi
deliver new-without
check "without LIST-STATUS: a resync after a delivery" timeout "$T" "$POSTA" -c "$W/without.conf" sync -q
same "the new message is stored" "31" "$(count without)"
