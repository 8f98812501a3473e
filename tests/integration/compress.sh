#!/bin/bash
# compress.sh - COMPRESS=DEFLATE (RFC 4978) changes the bytes on the wire,
# never the mail (TAP; correctness only, nothing is timed).
#
# The lab's Dovecot offers COMPRESS=DEFLATE (imap_zlib). Two stores are
# synced from it, each through its own tests/lab/latency_proxy.py (no
# delay: the proxy only counts the bytes): one with compress = yes (the
# default), one with compress = no. The stores must be equal (folders,
# UIDs, flags, keywords, subjects, raw bodies), twice: after a first sync
# and after changes made on the server and from posta (whose commands then
# travel compressed). The compressed connection must have carried clearly
# fewer bytes, or COMPRESS was not on at all. The protocol trace still
# shows the commands (it sits above the compression). A lab without
# COMPRESS=DEFLATE still syncs with compress = yes.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
T=${POSTA_COMPRESS_TIMEOUT:-300}	# per sync: generous for sanitizer builds

echo "1..11"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir compress
lab_test_up
lab_seed alice INBOX 150 21 >/dev/null 2>&1 || bail "seed failed"
lab_seed alice Archive 40 22 >/dev/null 2>&1 || bail "seed failed"

# proxy NAME: a counting proxy (no delay); its port in $W/NAME.port
proxy() {
  lab_test_bg "$W/$1.port" "$PY" "$POSTA_SRCDIR/tests/lab/latency_proxy.py" \
    --upstream "127.0.0.1:$IMAPS_PORT" --delay-ms 0 --port-file "$W/$1.port" --log "$W/$1.log"
}
# conf NAME PORT COMPRESS: a config whose store is $W/NAME.db
conf() {
  lab_test_conf "$W/$1.conf" "$W/$1.db" "$2" implicit "email = alice@localhost" \
    "offline = all" "compress = $3"
}
sync_with() { timeout "$T" "$POSTA" -c "$W/$1.conf" sync -q; }
dump() { "$PY" "$POSTA_SRCDIR/tests/integration/store_dump.py" "$W/$1.db"; }
# down NAME: server-to-client bytes of every connection the proxy closed
down() { awk '$1 == "close" { s += $4 } END { print s + 0 }' "$W/$1.log"; }
# closed NAME N: wait (bounded) until the proxy logged N closed connections
closed() {
  for _ in $(seq 600); do
    (($(grep -c '^close ' "$W/$1.log" 2>/dev/null) >= $2)) && return 0
    sleep 0.1
  done
  return 1
}

proxy on
proxy off
conf on "$(<"$W/on.port")" yes
conf off "$(<"$W/off.port")" no
check "a first sync with compress = yes" sync_with on
check "a first sync with compress = no" sync_with off
dump on >"$W/on.dump"
dump off >"$W/off.dump"
same "every message stored with its body" "190 0" \
  "$(wc -l <"$W/on.dump") $(grep -c ' no-body$' "$W/on.dump")"
same "compressed and plain stores are equal" "" "$(diff "$W/off.dump" "$W/on.dump")"

if closed on 1 && closed off 1; then
  d_on=$(down on) d_off=$(down off)
  if ((d_on > 0 && d_on * 10 < d_off * 8)); then
    ok "the compressed connection carried fewer bytes ($d_on against $d_off)"
  else
    not_ok "the compressed connection carried fewer bytes" "on=$d_on off=$d_off"
  fi
else
  not_ok "the compressed connection carried fewer bytes" "the proxy saw no close: $(cat "$W/on.log" "$W/off.log")"
fi

# Changes from another device, and from posta over the compressed link.
lab_test_imap '
M.select("INBOX")
M.uid("STORE", "1:30", "+FLAGS", "(\\Flagged)")
M.uid("STORE", "31:35", "+FLAGS", "(\\Deleted)")
M.expunge()' >"$W/imap.out" 2>&1
check "another device flags and deletes on the server" test $? -eq 0
ids=$("$PY" - "$W/on.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(str(r[0]) for r in db.execute(
    "select m.id from message m join folder f on f.id = m.folder_id"
    " where f.name = 'Archive' order by m.uid limit 10")))
EOF
)
# shellcheck disable=SC2086
check "posta flags messages on the server" \
  "$POSTA" -c "$W/on.conf" flag $ids +flagged
if POSTA_TRACE="$W/on.trace" sync_with on && sync_with off; then
  dump on >"$W/on2.dump"
  dump off >"$W/off2.dump"
  same "both stores follow the server alike" "" "$(diff "$W/off2.dump" "$W/on2.dump")"
else
  not_ok "both stores follow the server alike" "a resync failed"
fi
has "the trace shows the commands sent compressed" "$(cat "$W/on.trace" 2>&1)" 'LSUB "" "\*"'

# A server that does not offer COMPRESS=DEFLATE: compress = yes still syncs.
lab_down >/dev/null 2>&1
lab_test_up --imap-capability "$(lab_caps COMPRESS=DEFLATE)"
lab_seed alice INBOX 20 23 >/dev/null 2>&1 || bail "seed failed"
conf plain "$IMAPS_PORT" yes
check "without COMPRESS=DEFLATE on the server, compress = yes syncs" sync_with plain
same "and stores every message" "20" "$(dump plain | wc -l)"
