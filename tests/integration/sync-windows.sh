#!/bin/bash
# sync-windows.sh - the full UID+FLAGS listing asked in windows of UIDs
# (TAP).
#
# On a lab without CONDSTORE or QRESYNC (every sync lists the folder in
# full), with windows of a few UIDs ($POSTA_TEST_LIST_WINDOW, for tests
# only) through tests/lab/mangle_proxy.py, which logs each listing's UID
# set and holds the second window until another device has appended a
# message: the windows cover 1 to UIDNEXT-1 with neither gap nor overlap
# and end open (n:*), and the store equals what one unwindowed listing
# gives, UIDs sparse after expunges, the appended message there, after a
# first sync and after a resync that finds changed flags, expunges and
# new mail.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=10

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir sync-windows
# No CONDSTORE nor QRESYNC (every pass lists the folder whole), no
# COMPRESS (the proxy reads the commands).
lab_test_up --imap-capability "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE \
NAMESPACE UIDPLUS CHILDREN LIST-EXTENDED SPECIAL-USE MOVE UNSELECT"
lab_seed alice INBOX 40 >/dev/null 2>&1 || bail "seed failed"

# The other device: alice on the lab's IMAPS, INBOX selected, with add()
# (append a message with that Message-ID) and gone() (expunge UIDs).
DEVICE='M.select("INBOX")
def add(mid):
    M.append("INBOX", None, None,
             ("From: Zoe <zoe@example.com>\r\nTo: alice@lab.posta.test\r\n"
              "Subject: %s\r\nMessage-ID: <%s>\r\n"
              "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\nciao\r\n"
              % (mid, mid)).encode())
def gone(uids):
    M.uid("STORE", uids, "+FLAGS.SILENT", "(\\Deleted)")
    M.expunge()
'
device() { lab_test_imap "$DEVICE$(cat)"; }

dump() { "$PY" "$POSTA_SRCDIR/tests/integration/store_dump.py" "$1"; }
# windows LOG: the UID sets of the listings, then "ok N" if the N of
# them run from 1 without gap or overlap and the last is open, else what
# is wrong.
windows() {
  grep '^flags ' "$1" | awk '
    { print $2; n++; split($2, r, ":")
      if (r[1] != next_lo) bad = bad " starts at " r[1] " not " next_lo
      if (r[2] == "*") open = 1; else next_lo = r[2] + 1 }
    BEGIN { next_lo = 1 }
    END { if (!open) bad = bad " not open"
          if (n < 3) bad = bad " only " n
          print bad == "" ? "ok " n : "bad:" bad }'
}

# Sparse UIDs (a run longer than a window among them), some flags.
device <<'EOF' || bail "device failed"
gone("3:11,25")
M.uid("STORE", "2,30", "+FLAGS.SILENT", "(\\Seen \\Flagged $Etichetta)")
EOF

RULES=$W/rules
printf 'log-flags\npause-flags 2 %s\n' "$W/go" >"$RULES"
lab_test_bg "$W/port" "$PY" "$POSTA_SRCDIR/tests/lab/mangle_proxy.py" \
  --upstream "127.0.0.1:$IMAP_PORT" --port-file "$W/port" --rules "$RULES" \
  --log "$W/proxy.log"
B=$W/b.conf
lab_test_conf "$B" "$W/b.db" "$(<"$W/port")" none "offline = headers"
A=$W/a.conf
lab_test_conf "$A" "$W/a.db" "$IMAPS_PORT" implicit "offline = headers"

# First sync, windowed; a message appended while the second window waits.
POSTA_TEST_LIST_WINDOW=4 "$POSTA" -c "$B" sync -q >"$W/b1.out" 2>&1 &
SYNC=$!
for _ in $(seq 600); do grep -q '^pause 2$' "$W/proxy.log" 2>/dev/null && break; sleep 0.1; done
device <<<'add("between")' || bail "device failed"
: >"$W/go"
wait "$SYNC"
same "windowed first sync succeeds" "0" "$?"
same "the second window was held while a message was appended" 1 \
  "$(grep -c '^pause 2$' "$W/proxy.log")"
# 30 messages below UIDNEXT 41, windows of 4: 8 windows of 5 UIDs (10 of
# 4 if sparse UIDs made more windows), 6:10 empty.
same "first sync: 8 windows from 1, no gap, no overlap, the last open" "ok 8" \
  "$(windows "$W/proxy.log" | tail -n 1)"
check "unwindowed first sync of the same folder" "$POSTA" -c "$A" sync -q
same "first sync: 40 - 10 expunged + 1 appended between windows" 31 \
  "$(dump "$W/b.db" | grep -c '^INBOX ')"
same "first sync: the windowed store equals the unwindowed one" \
  "$(dump "$W/a.db")" "$(dump "$W/b.db")"

# Resync (a full listing again: no CONDSTORE): flags, expunges, new mail.
rm -f "$W/go"
echo log-flags >"$RULES"
: >"$W/proxy.log"
device <<'EOF' || bail "device failed"
gone("14,31:33")
M.uid("STORE", "12,40", "+FLAGS.SILENT", "(\\Answered $Altra)")
M.uid("STORE", "2", "-FLAGS.SILENT", "(\\Flagged)")
add("after")
EOF
check "windowed resync" env POSTA_TEST_LIST_WINDOW=4 "$POSTA" -c "$B" sync -q
# 28 messages below UIDNEXT 43: 7 windows of 6 UIDs.
same "resync: 7 windows from 1, no gap, no overlap, the last open" "ok 7" \
  "$(windows "$W/proxy.log" | tail -n 1)"
rm -f "$W"/a.db*
check "a fresh unwindowed sync" "$POSTA" -c "$A" sync -q
same "resync: the windowed store equals a fresh unwindowed one" \
  "$(dump "$W/a.db")" "$(dump "$W/b.db")"

[[ $n == "$PLAN" ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
