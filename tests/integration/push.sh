#!/bin/bash
# push.sh - the account worker against the lab's Dovecot (TAP), driven by
# tests/integration/worker_probe: another device (Python imaplib) appends,
# flags and expunges in the watched folder, and each change must be in the
# store and announced (folder_changed) within 5 seconds, without any request;
# a body fetched on demand (worker, and posta show); watching another folder; stop within 1 s while
# the server is frozen (SIGSTOP) in the middle of a command; going offline
# and back online by request.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PY=/usr/bin/python3
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=19
LIMIT=5		# seconds: the promise of issue 5

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"

W=$(mktemp -d /tmp/posta-push-test.XXXXXX) || bail "mktemp failed"
PROBE_PID=
STOPPED_PID=
cleanup() {
  [[ -z $STOPPED_PID ]] || kill -CONT "$STOPPED_PID" 2>/dev/null
  if [[ -n $PROBE_PID ]]; then
    exec {PIN}>&- 2>/dev/null
    kill "$PROBE_PID" 2>/dev/null
    wait "$PROBE_PID" 2>/dev/null
  fi
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }

C=$W/conf
{
  printf '[general]\nstore = %s\n\n[account lab]\n' "$W/posta.db"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\noffline = headers\n' "$LAB_CA"
} >"$C"
chmod 600 "$C"

cat >"$W/device.py" <<'EOF'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
def msg(mid, subject, body="ciao"):
    return ("From: Zoe <zoe@example.com>\r\nTo: alice@lab.posta.test\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n%s\r\n"
            % (subject, mid, body)).encode()
def uid_of(mid):
    typ, d = M.uid("SEARCH", None, "HEADER", "Message-ID", mid)
    return d[0].decode().split()[0]
exec(sys.stdin.read())
M.logout()
EOF
device() { LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" "$W/device.py"; }
sql() {
  "$PY" - "$W/posta.db" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}
now() { echo "$EPOCHREALTIME"; }
since() { "$PY" -c "print('%.2f' % ($EPOCHREALTIME - $1))"; }
lines() { wc -l <"$W/events"; }

# wait_line REGEX AFTER SECONDS: a line matching REGEX after line AFTER of the
# events, within SECONDS. Prints it.
wait_line() {
  local re=$1 after=$2 secs=$3 end l
  end=$("$PY" -c "print($EPOCHREALTIME + $secs)")
  while "$PY" -c "import sys; sys.exit(0 if $EPOCHREALTIME < $end else 1)"; do
    if l=$(tail -n +"$((after + 1))" "$W/events" | grep -m1 -E "$re"); then
      echo "$l"
      return 0
    fi
    sleep 0.05
  done
  return 1
}
# wait_sql SQL EXPECTED SECONDS: poll the store until SQL prints EXPECTED.
wait_sql() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    [[ $(sql "$1") == "$2" ]] && return 0
    sleep 0.1
  done
  return 1
}

lab_seed alice INBOX 20 7 >/dev/null 2>&1 || bail "seed failed"
device <<'EOF' || bail "device setup failed"
M.create("Archivio"); M.subscribe("Archivio")
M.append("Archivio", None, None, msg("arch0@x", "old"))
EOF

# --- start the worker ------------------------------------------------------
mkfifo "$W/in"
"$PROBE" -c "$C" <"$W/in" >"$W/events" 2>"$W/probe.err" &
PROBE_PID=$!
exec {PIN}>"$W/in"
request() { printf '%s\n' "$1" >&"$PIN"; }

if l=$(wait_line '^[0-9]+ sync_done' 0 60); then
  ok "the worker connects and finishes its first pass (${l%% *} ms)"
else
  not_ok "the worker connects and finishes its first pass" "$(cat "$W/events" "$W/probe.err")"
fi
same "the first pass stored the 20 messages" "20" \
  "$(sql "select count(*) from message m join folder f on f.id = m.folder_id where f.name = 'INBOX'")"
grep -q '^[0-9]* online' "$W/events" && ok "an online event came" || not_ok "an online event came" "$(cat "$W/events")"
sleep 0.5	# let the worker settle into IDLE

INBOX_ID=$(sql "select id from folder where name = 'INBOX'")
declare -a LAT=()

# push_case DESC SQL EXPECTED PYTHON: the other device's change, announced and
# stored within LIMIT seconds.
push_case() {
  local desc=$1 q=$2 want=$3 code=$4 before t l dt
  before=$(lines)
  t=$(now)
  device <<<"$code" || { not_ok "$desc" "device failed"; return; }
  if l=$(wait_line "^[0-9]+ folder_changed folder=$INBOX_ID " "$before" "$LIMIT") &&
     wait_sql "$q" "$want" 1; then
    dt=$(since "$t")
    LAT+=("$dt")
    ok "$desc: in the store and announced after ${dt} s"
  else
    not_ok "$desc" "events: $(tail -n +"$((before + 1))" "$W/events")
store: $(sql "$q")"
  fi
}

push_case "new mail from another device" \
  "select count(*) from message where message_id = 'push1@x'" 1 \
  'M.append("INBOX", None, None, msg("push1@x", "Spinta"))'
push_case "a flag set by another device" \
  "select flags & 4 from message where message_id = 'push1@x'" 4 \
  'M.select("INBOX"); M.uid("STORE", uid_of("push1@x"), "+FLAGS", "(\\Flagged)")'
push_case "a message expunged by another device" \
  "select count(*) from message where message_id = 'push1@x'" 0 \
  'M.select("INBOX"); M.uid("STORE", uid_of("push1@x"), "+FLAGS", "(\\Deleted)"); M.expunge()'
push_case "three messages at once" \
  "select count(*) from message where message_id like 'burst%'" 3 \
  'for i in range(3): M.append("INBOX", None, None, msg("burst%d@x" % i, "Raffica"))'

# --- a body on demand (offline = headers) ----------------------------------
id=$(sql "select id from message where message_id = 'burst1@x'")
same "offline = headers: the body is not stored" "0" \
  "$(sql "select body_state from message where id = $id")"
before=$(lines)
t=$(now)
request "fetch $id"
if wait_line "^[0-9]+ body_ready id=$id\$" "$before" 5 >/dev/null; then
  ok "fetch body: body_ready after $(since "$t") s"
else
  not_ok "fetch body: body_ready" "$(tail -n +"$((before + 1))" "$W/events")"
fi
same "... and the body is in the store" "2|1" \
  "$(sql "select m.body_state, instr(b.raw, 'Raffica') > 0 from message m join body b on b.message_id = m.id where m.id = $id")"
before=$(lines)
request "fetch 999999"
if wait_line "^[0-9]+ body_failed id=999999" "$before" 5 >/dev/null; then
  ok "fetching a message that does not exist fails with an event"
else
  not_ok "fetching a message that does not exist fails with an event" "$(tail -n +"$((before + 1))" "$W/events")"
fi

# --- posta show of a message stored without its body -------------------------
id=$(sql "select id from message where message_id = 'burst2@x'")
out=$("$POSTA" -c "$C" --offline show "$id" 2>&1)
if grep -q 'not stored offline' <<<"$out"; then ok "show --offline: headers and a note, no connection"
else not_ok "show --offline: headers and a note, no connection" "$out"; fi
out=$("$POSTA" -c "$C" show "$id" 2>&1)
if grep -q '^Raffica' <<<"$out" || grep -q 'ciao' <<<"$out"; then
  same "show: the body is fetched, stored and shown" "2" "$(sql "select body_state from message where id = $id")"
else
  not_ok "show: the body is fetched, stored and shown" "$out"
fi

# --- watch another folder -------------------------------------------------
ARCH_ID=$(sql "select id from folder where name = 'Archivio'")
request "watch Archivio"
sleep 1
before=$(lines)
t=$(now)
device <<<'M.append("Archivio", None, None, msg("arch1@x", "Nuovo in archivio"))'
if wait_line "^[0-9]+ folder_changed folder=$ARCH_ID " "$before" "$LIMIT" >/dev/null &&
   wait_sql "select count(*) from message where message_id = 'arch1@x'" 1 1; then
  ok "watching Archivio: its new mail arrives after $(since "$t") s"
else
  not_ok "watching Archivio: its new mail arrives" "$(tail -n +"$((before + 1))" "$W/events")"
fi

# --- offline and back --------------------------------------------------------
before=$(lines)
request "offline"
if wait_line '^[0-9]+ offline retry=-1' "$before" 2 >/dev/null; then
  ok "offline by request: reported at once"
else
  not_ok "offline by request: reported at once" "$(tail -n +"$((before + 1))" "$W/events")"
fi
device <<<'M.append("Archivio", None, None, msg("arch2@x", "Mentre offline"))'
before=$(lines)
request "online"
if wait_line '^[0-9]+ sync_done' "$before" 20 >/dev/null &&
   wait_sql "select count(*) from message where message_id = 'arch2@x'" 1 2; then
  ok "back online: reconnects, and mail that came meanwhile is stored"
else
  not_ok "back online: reconnects, and mail that came meanwhile is stored" "$(tail -n +"$((before + 1))" "$W/events")"
fi

# --- stop while the server is frozen in the middle of a command ------------
sleep 0.5
# The server side of the worker's connection: the process owning the socket.
port=$(ss -Htnp state established "( dport = :$IMAPS_PORT )" 2>/dev/null |
  grep -F "worker_probe" | awk '{print $3}' | sed 's/.*://' | head -n1)
spid=
[[ -z $port ]] || spid=$(ss -Htnp state established "( sport = :$IMAPS_PORT and dport = :$port )" 2>/dev/null |
  grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
if [[ -z $spid ]]; then
  not_ok "stop within 1 s while the server is frozen" "could not find the server process (ss)"
else
  kill -STOP "$spid" && STOPPED_PID=$spid
  request "sync"	# the pass now blocks on a server that says nothing
  sleep 1
  request "stop"
  if l=$(wait_line '^[0-9]+ stopped in [0-9]+$' 0 5); then
    ms=${l##* }
    if ((ms < 1000)); then ok "stop within 1 s while the server is frozen (${ms} ms)"
    else not_ok "stop within 1 s while the server is frozen" "$l"; fi
  else
    not_ok "stop within 1 s while the server is frozen" "$(tail -n 5 "$W/events")"
  fi
  kill -CONT "$spid"
  STOPPED_PID=
fi
exec {PIN}>&-
wait "$PROBE_PID"
rc=$?
PROBE_PID=
same "the probe exits cleanly" "0" "$rc"
if [[ -s $W/probe.err ]]; then
  not_ok "nothing on the probe's stderr (sanitizers)" "$(cat "$W/probe.err")"
else
  ok "nothing on the probe's stderr (sanitizers)"
fi
echo "# push latencies (s): ${LAT[*]}"
exit $((failed > 0))
