#!/bin/bash
# imap-strict.sh - every IMAP command posta sends is well-formed (TAP).
#
# posta talks to the lab's Dovecot through tests/lab/strict_proxy.py, which
# refuses (BAD) any command Cyrus IMAP would refuse: a space at the end
# (issue 11: "LIST "" "*" RETURN (SPECIAL-USE) " failed every first sync
# against Cyrus), two spaces in a row, a bare LF, an unbalanced list, extra
# arguments. Through it: a first and a second sync (LIST, LSUB, SELECT with
# QRESYNC, FETCH), flag changes, a move, a copy, a delete, an expunge,
# folder commands, IDLE with news pushed to it, and a send
# (APPEND to Sent). Each must succeed, the server must show its effect, and
# the proxy must have refused nothing.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PY=/usr/bin/python3
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=21
T=${POSTA_STRICT_TIMEOUT:-120}	# per command: generous for sanitizer builds

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"

W=$(mktemp -d /tmp/posta-strict-test.XXXXXX) || bail "mktemp failed"
PROXY_PID=
PROBE_PID=
cleanup() {
  if [[ -n $PROBE_PID ]]; then
    exec {PIN}>&- 2>/dev/null
    kill "$PROBE_PID" 2>/dev/null
    wait "$PROBE_PID" 2>/dev/null
  fi
  [[ -z $PROXY_PID ]] || { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }
export LAB_CA IMAPS_PORT
lab_seed alice INBOX 6 3 >/dev/null 2>&1 || bail "seed failed"
lab_seed alice "Progetti/Città" 2 4 >/dev/null 2>&1 || bail "seed failed"

"$PY" "$POSTA_SRCDIR/tests/lab/strict_proxy.py" --upstream "127.0.0.1:$IMAP_PORT" \
  --port-file "$W/port" --log "$W/proxy.log" 2>"$W/proxy.err" &
PROXY_PID=$!
for _ in $(seq 200); do [[ -s $W/port ]] && break; sleep 0.05; done
[[ -s $W/port ]] || bail "strict_proxy.py did not start: $(cat "$W/proxy.err")"

C=$W/posta.conf
{
  printf '[general]\nstore = %s\n\n[account lab]\n' "$W/posta.db"
  printf 'protocol = imap\nemail = alice@localhost\nreal_name = Alice\n'
  printf 'host = 127.0.0.1\nport = %s\ntls = none\nallow_plaintext = yes\n' "$(<"$W/port")"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n' "$SMTP_PORT"
} >"$C"
chmod 600 "$C"
P() { timeout "$T" "$POSTA" -c "$C" "$@"; }
OFF() { P --offline "$@"; }
# refused: the commands the proxy refused so far (none, in a passing run)
refused() { grep '^bad' "$W/proxy.log"; }
seen() { grep -c "^ok [^ ]* $1\$" "$W/proxy.log"; }
# imap 'python using M (logged in as alice, directly)'
# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
imap() { lab_test_imap "$@"; }
ids() {
  OFF list --json "$1" | "$PY" -c '
import json, sys
print(" ".join(str(i) for i in sorted(json.loads(l)["id"] for l in sys.stdin if l.strip())))'
}
# nothing_refused DESC: the proxy refused no command so far
nothing_refused() {
  if [[ -z $(refused) ]]; then ok "$1: no command refused"
  else not_ok "$1: no command refused" "$(refused)"; fi
}

# ---- syncs ----------------------------------------------------------------
check "first sync through the strict proxy" P sync -q
nothing_refused "first sync"
has "LIST asked for the special-use attributes" "$(grep '^ok ' "$W/proxy.log")" ' LIST$'
same "both folders stored" "6 2" "$(ids INBOX | wc -w) $(ids 'Progetti/Città' | wc -w)"
check "second sync (QRESYNC SELECT with the known UIDs)" P sync -q
nothing_refused "second sync"

# ---- acting: journaled offline, replayed through the proxy ------------------
read -r -a I <<<"$(ids INBOX)"
[[ ${#I[@]} -eq 6 ]] || bail "expected 6 messages in INBOX, got: ${I[*]}"
OFF flag "${I[0]}" "${I[1]}" +seen +flagged >/dev/null &&
  OFF flag "${I[1]}" -seen >/dev/null &&
  OFF move "${I[2]}" Junk >/dev/null &&
  OFF copy "${I[3]}" Archive >/dev/null &&
  OFF delete "${I[4]}" >/dev/null &&
  OFF flag "${I[5]}" +deleted >/dev/null &&
  OFF expunge INBOX >/dev/null &&
  OFF mkdir "Nuova cartella" >/dev/null &&
  OFF rename "Nuova cartella" "Nuova cartella 2" >/dev/null
same "actions journaled offline" 0 $?
check "sync replays it all" P sync -q
nothing_refused "replay"
same "replay used UID STORE, UID MOVE, UID COPY, CREATE, RENAME" "yes" \
  "$([[ $(seen 'UID STORE') -gt 0 && $(seen 'UID MOVE') -gt 0 && $(seen 'UID COPY') -gt 0 &&
        $(seen CREATE) -gt 0 && $(seen RENAME) -gt 0 ]] && echo yes || echo no)"
same "... and an expunge" "yes" \
  "$([[ $(seen 'UID EXPUNGE') -gt 0 || $(seen EXPUNGE) -gt 0 ]] && echo yes || echo no)"
check "the server has every change" imap '
import re
M.select("INBOX", readonly=True)
typ, d = M.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
n = sum(1 for x in d if isinstance(x, tuple))
assert n == 3, d                     # 6 - moved - deleted - expunged
flags = [x[0] for x in d if isinstance(x, tuple)]
assert sum(b"\\Flagged" in f for f in flags) == 2, flags
assert sum(b"\\Seen" in f for f in flags) >= 1, flags
for box, want in (("Junk", 1), ("Archive", 1), ("Trash", 1)):
    typ, c = M.select(box, readonly=True)
    assert typ == "OK" and int(c[0]) == want, (box, c)
names = [l.decode() for l in M.list()[1]]
assert any("Nuova cartella 2" in l for l in names), names'

# ---- IDLE -------------------------------------------------------------------
mkfifo "$W/in"
"$PROBE" -c "$C" <"$W/in" >"$W/events" 2>"$W/probe.err" &
PROBE_PID=$!
exec {PIN}>"$W/in"
wait_for() {	# wait_for FILE REGEX SECONDS
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
if wait_for "$W/events" '^[0-9]+ sync_done' 60 && wait_for "$W/proxy.log" '^ok [^ ]* IDLE$' 60; then
  ok "the worker syncs and IDLEs through the proxy"
else
  not_ok "the worker syncs and IDLEs through the proxy" "$(cat "$W/events" "$W/probe.err")"
fi
INBOX_ID=$("$PY" -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select id from folder where name = ?", ("INBOX",)).fetchone()[0])' "$W/posta.db")
before=$(wc -l <"$W/events")
check "another device appends to INBOX" imap '
M.append("INBOX", None, None, b"From: Zoe <zoe@example.org>\r\nSubject: spinta\r\nMessage-ID: <push@strict.posta.test>\r\n\r\nciao\r\n")'
if for ((i = 0; i < 600; i++)); do
     tail -n +"$((before + 1))" "$W/events" | grep -qE "^[0-9]+ folder_changed folder=$INBOX_ID " && break
     sleep 0.05
   done && ((i < 600)); then
  ok "the news came through IDLE"
else
  not_ok "the news came through IDLE" "$(tail -n +"$((before + 1))" "$W/events")"
fi
same "IDLE ended with DONE" yes "$(grep -q '^ok - DONE$' "$W/proxy.log" && echo yes || echo no)"
printf 'stop\n' >&"$PIN"
wait_for "$W/events" 'stopped in' 30
exec {PIN}>&-
wait "$PROBE_PID" 2>/dev/null
PROBE_PID=
nothing_refused "IDLE"

# ---- sending: SMTP, then APPEND to Sent through the proxy -------------------
printf 'Ciao Bob.\n' | P send -s "spedito" bob@localhost >"$W/send.out" 2>&1
same "posta send succeeds" 0 $?
check "the copy is in Sent on the server" imap '
typ, c = M.select("Sent", readonly=True)
typ, d = M.search(None, "SUBJECT", "spedito")
assert d[0].split(), d'
same "... through APPEND" yes "$([[ $(seen APPEND) -gt 0 ]] && echo yes || echo no)"
nothing_refused "send"
