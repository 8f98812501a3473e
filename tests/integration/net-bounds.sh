#!/bin/bash
# net-bounds.sh - a server that floods, nests or drips must cost posta
# neither its memory nor its stack nor its time (TAP; issue 12 items 2, 3,
# 9). Against tests/lab/fake_flood.py, one misbehaviour per run:
#   - a line that never ends (IMAP greeting, LOGIN reply, LIST, FETCH;
#     POP3 greeting, PASS reply; SMTP greeting), an endless reply (POP3
#     CAPA, SMTP EHLO) and a literal announced as {4294967295} followed by
#     a stream (during LOGIN, in LIST, in the header FETCH): posta ends
#     with a message naming the bound, its peak RSS stays under a bound,
#     and a FETCH refused that way costs only that message (stored from
#     its raw source);
#   - a BODYSTRUCTURE nested 20,000 deep, body extensions 100,000 deep:
#     no crash (run it on the sanitizer build too), the message stored;
#   - a LIST reply dripped one byte every half second: cut off at the
#     deadline (POSTA_NET_DEADLINE=2), not after the 60 s guard.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=49
T=${POSTA_BOUNDS_TIMEOUT:-60}	# the guard: generous for sanitizer builds
RSS_MAX_KIB=$((300 * 1024))

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-bounds-test.XXXXXX) || bail "mktemp failed"
FAKE_PID=
cleanup() {
  [[ -z $FAKE_PID ]] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT

SAN=0
grep -q __asan_init "$POSTA" && SAN=1
# Before the fix an endless line took gigabytes: keep that from hurting the
# machine. ulimit -v does not mix with ASan; its own RSS limit does, and a
# small quarantine keeps freed buffers from counting as peak use.
if [[ $SAN == 1 ]]; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2048:quarantine_size_mb=16
  AS_LIMIT=0
else
  AS_LIMIT=$((2048 << 20))
fi

# fake PROTO MODE: start fake_flood.py; sets CONF (IMAP or POP3 account,
# or an SMTP one whose IMAP side is never reached).
fake() {
  local d=$W/$1-$2 port
  [[ -z $FAKE_PID ]] || { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
  mkdir -p "$d"
  "$PY" "$POSTA_SRCDIR/tests/lab/fake_flood.py" "$1" "$2" --drip 0.5 \
    --port-file "$d/port" </dev/null >"$d/stderr" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 200); do
    [[ -s $d/port ]] && break
    sleep 0.05
  done
  [[ -s $d/port ]] || bail "fake_flood.py $1 $2 did not start"
  port=$(<"$d/port")
  {
    printf '[general]\nstore = %s\n\n[account f]\n' "$d/store.db"
    if [[ $1 == smtp ]]; then
      printf 'protocol = imap\nhost = 127.0.0.1\nport = 1\n'
      printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = none\n' "$port"
    else
      printf 'protocol = %s\nhost = 127.0.0.1\nport = %s\n' "$1" "$port"
      [[ $1 == pop3 ]] && printf 'pop3_keep = yes\n'
    fi
    printf 'tls = none\nallow_plaintext = yes\nuser = alice\npassword = x\n'
  } >"$d/conf"
  chmod 600 "$d/conf"
  CONF=$d/conf
}

# run ARGS...: posta -c CONF ARGS under the guard; sets RC, RSS (peak KiB)
# and OUT (stdout + stderr).
run() {
  local res
  res=$("$PY" - "$AS_LIMIT" "$T" "$POSTA" -c "$CONF" "$@" 2>"$W/out" <<'EOF'
import resource, subprocess, sys
limit, guard, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
def cap():
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    rc = subprocess.run(argv, preexec_fn=cap, stdin=subprocess.DEVNULL,
                        stdout=sys.stderr, timeout=guard).returncode
except subprocess.TimeoutExpired:
    rc = 124
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
)
  RC=${res% *} RSS=${res#* }
  OUT=$(<"$W/out")
}

crash_free() {
  # A signal is a negative code (python's returncode).
  if [[ $RC -lt 0 || $RC -ge 124 ]] || grep -qE 'Sanitizer|runtime error:' <<<"$OUT"; then
    not_ok "$1" "exit $RC
$OUT"
  else
    ok "$1"
  fi
}

bounded() {
  if [[ $RSS -lt $RSS_MAX_KIB ]]; then ok "$1: peak RSS $((RSS / 1024)) MiB"
  else not_ok "$1: peak RSS $((RSS / 1024)) MiB, over $((RSS_MAX_KIB / 1024))" "$OUT"
  fi
}

# refused PROTO MODE COMMAND WORDS DESC: the connection is dropped, the
# message says WORDS, memory stays bounded.
refused() {
  fake "$1" "$2"
  run "$3"
  crash_free "$1 $2: $5: posta ends"
  has "$1 $2: the message names the bound" "$OUT" "$4"
  bounded "$1 $2"
}

LINE='the server sent a line longer than [0-9]* bytes'
LIT='the server announced a literal of 4294967295 bytes'
refused imap greeting sync "$LINE" "endless greeting"
refused imap login sync "$LINE" "endless LOGIN reply"
refused imap list sync "$LINE" "endless LIST line"
refused imap literal-login sync "$LIT" "huge literal during LOGIN"
refused imap literal-list sync "$LIT" "huge literal in LIST"
refused pop3 greeting check-account "$LINE" "endless greeting"
refused pop3 pass check-account "$LINE" "endless PASS reply"
refused pop3 capa check-account 'the server sent a reply longer than' "endless CAPA"
refused smtp greeting check-account "$LINE" "endless greeting"
refused smtp ehlo check-account 'the server sent a reply longer than' "endless EHLO"

# A FETCH refused over a bound costs that message's description only.
stored_raw() {
  fake imap "$1"
  run sync
  crash_free "imap $1: $2: posta ends"
  has "imap $1: the message is stored from its raw source" "$OUT" \
    'UID 1: .*stored from its raw source'
  same "imap $1: the sync succeeds" 0 "$RC"
  bounded "imap $1"
}
stored_raw fetch "endless header FETCH line"
stored_raw literal-fetch "huge literal in the header FETCH"
stored_raw deep "BODYSTRUCTURE nested 20,000 deep"
stored_raw deep-ext "body extensions nested 100,000 deep"
has "imap deep-ext: the message is in the store" \
  "$("$POSTA" -c "$CONF" list -a f 2>&1)" 'hi'

# A server dripping its reply is cut off at the deadline.
fake imap drip
export POSTA_NET_DEADLINE=2
run sync
unset POSTA_NET_DEADLINE
same "imap drip: posta gives up (exit 1), not the ${T} s guard" 1 "$RC"
has "imap drip: the message says how slow and how long" "$OUT" \
  'the server sent only [0-9]* bytes of its reply in [0-9]* s; posta waits 2 s'

exit $((failed > 0))
