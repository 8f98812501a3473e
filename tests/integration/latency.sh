#!/bin/bash
# latency.sh - a distant server and a connection lost mid-reply store the
# same mail as a near one (TAP; correctness only, nothing is timed).
#
# tests/lab/latency_proxy.py relays IMAPS to the lab's Dovecot, each byte
# delayed 15 ms in each direction (a server 30 ms away). A first sync
# through it, with bodies, must give a store equal to a first sync straight
# to Dovecot: the same folders, UIDs, flags, subjects and raw bodies; so
# must one with a FETCH at a time ($POSTA_FETCH_PIPELINE=1), which waits
# for more round trips than the pipelined one. Then
# the proxy cuts its first connection after about a third of the bytes a
# full sync takes (in the middle of pipelined replies); that sync fails, the next one
# (relayed whole) completes, and the store is again equal: no duplicate, no
# hole. Flags changed on the server afterwards reach both stores alike.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
T=${POSTA_LATENCY_TIMEOUT:-300}	# per sync: generous for sanitizer builds

echo "1..12"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir latency
lab_test_up
lab_seed alice INBOX 240 11 >/dev/null 2>&1 || bail "seed failed"
lab_seed alice Archive 60 12 >/dev/null 2>&1 || bail "seed failed"

# proxy NAME [options]: start a latency proxy; its port in $W/NAME.port
proxy() {
  local name=$1; shift
  lab_test_bg "$W/$name.port" "$PY" "$POSTA_SRCDIR/tests/lab/latency_proxy.py" \
    --upstream "127.0.0.1:$IMAPS_PORT" --port-file "$W/$name.port" --log "$W/$name.log" "$@"
}
# conf NAME PORT: a config whose store is $W/NAME.db
conf() {
  lab_test_conf "$W/$1.conf" "$W/$1.db" "$2" implicit "email = alice@localhost" \
    "offline = all"
}
sync_with() { timeout "$T" "$POSTA" -c "$W/$1.conf" sync -q; }
# dump NAME: what a sync stored, one line per message, in a stable order
dump() { "$PY" "$POSTA_SRCDIR/tests/integration/store_dump.py" "$W/$1.db"; }
imap() { lab_test_imap "$@"; }

conf near "$IMAPS_PORT"
check "a first sync straight to the server" sync_with near
dump near >"$W/near.dump"
same "every message stored with its body" "300 0" \
  "$(wc -l <"$W/near.dump") $(grep -c ' no-body$' "$W/near.dump")"

proxy far --delay-ms 15
conf far "$(<"$W/far.port")"
check "a first sync through 30 ms of round trip" sync_with far
dump far >"$W/far.dump"
same "the distant store equals the near one" "" "$(diff "$W/near.dump" "$W/far.dump")"

# The same sync with one FETCH at a time (no pipelining) stores the same,
# and waits for more round trips: the proxy counts them ("turns").
proxy serial --delay-ms 5
conf serial "$(<"$W/serial.port")"
check "a first sync with one FETCH in flight at a time" \
  env POSTA_FETCH_PIPELINE=1 timeout "$T" "$POSTA" -c "$W/serial.conf" sync -q
dump serial >"$W/serial.dump"
same "pipelined and one-at-a-time stores are equal" "" "$(diff "$W/serial.dump" "$W/far.dump")"
turns() {
  for _ in $(seq 600); do grep -q '^close ' "$W/$1.log" && break; sleep 0.1; done
  awk '$1 == "close" { t += $5 } END { print t + 0 }' "$W/$1.log"
}
t_far=$(turns far) t_serial=$(turns serial)
if ((t_far > 0 && t_far < t_serial)); then
  ok "pipelined FETCH waits for fewer round trips ($t_far against $t_serial)"
else
  not_ok "pipelined FETCH waits for fewer round trips" "pipelined $t_far, one at a time $t_serial"
fi

# About a third of the bytes a full sync reads: the mail's own size (the
# stored sizes), which the replies carry, and more.
total=$(awk '{ s += $(NF - 1) } END { print s + 0 }' "$W/near.dump")
((total > 100000)) || bail "the stored messages add up to only $total bytes"
proxy cut --delay-ms 5 --cut-after $((total / 3))
conf cut "$(<"$W/cut.port")"
sync_with cut >"$W/cut1.out" 2>&1
rc=$?
if ((rc != 0)) && grep -q '^cut 1 ' "$W/cut.log"; then
  ok "a sync whose connection is cut mid-reply fails"
else
  not_ok "a sync whose connection is cut mid-reply fails" "rc=$rc $(cat "$W/cut.log" "$W/cut1.out")"
fi
check "the next sync completes" sync_with cut
dump cut >"$W/cut.dump"
same "after the cut: no duplicate, no hole" "" "$(diff "$W/near.dump" "$W/cut.dump")"

check "another device flags and deletes on the server" imap '
M.select("INBOX")
M.uid("STORE", "1:40", "+FLAGS", "(\\Flagged)")
M.uid("STORE", "41:45", "+FLAGS", "(\\Deleted)")
M.expunge()'
if sync_with near && sync_with far; then
  dump near >"$W/near2.dump"
  dump far >"$W/far2.dump"
  same "both stores follow the server alike" "" "$(diff "$W/near2.dump" "$W/far2.dump")"
else
  not_ok "both stores follow the server alike" "a resync failed"
fi
