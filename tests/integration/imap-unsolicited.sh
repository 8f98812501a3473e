#!/bin/bash
# imap-unsolicited.sh - what an IMAP server says unasked (TAP; issue 12
# section 10).
#
# The lab's Dovecot (CONDSTORE without QRESYNC, so that expunges are found
# by a UID SEARCH) behind tests/lab/strict_proxy.py --inject, which adds
# lines to the server's replies:
#   - "* CAPABILITY IMAP4rev1" before every SELECT's reply: a partial list
#     mid-session must not take MOVE away (a move stays one UID MOVE);
#   - "* SEARCH 1 2 3 4 5" before the reply to UID SEARCH: only the SEARCH
#     answering posta's command counts, so a message another device
#     expunged is still found gone;
#   - "* OK [ALERT] ..." with an escape sequence: RFC 3501 says an alert
#     must be shown, so posta sync prints it (sanitised) and the account
#     worker sends it as a note (the TUI's status line).
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PY=/usr/bin/python3
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=12
T=${POSTA_UNSOLICITED_TIMEOUT:-120}

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir unsolicited
CAPS="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN LIST-EXTENDED SPECIAL-USE MOVE UNSELECT CONDSTORE"
lab_test_up --imap-capability "$CAPS"
lab_seed alice INBOX 5 6 >/dev/null 2>&1 || bail "seed failed"

R=$W/inject
: >"$R"
lab_test_strict_proxy --inject "$R"

C=$W/posta.conf
lab_test_conf "$C" "$W/posta.db" "$(<"$W/port")" none
P() { timeout "$T" "$POSTA" -c "$C" "$@"; }
seen() { grep -c "^ok [^ ]* $1\$" "$W/proxy.log"; }
uids() {
  P --offline list --json "$1" | "$PY" -c '
import json, sys
print(" ".join(str(u) for u in sorted(json.loads(l)["uid"] for l in sys.stdin if l.strip())))'
}
id_of() {
  P --offline list --json INBOX | "$PY" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["uid"] == int(sys.argv[1]): print(r["id"])' "$1"
}

check "first sync" P sync -q
same "INBOX: UIDs 1-5" "1 2 3 4 5" "$(uids INBOX)"

# ---- a partial CAPABILITY mid-session ---------------------------------------
printf 'first SELECT | * CAPABILITY IMAP4rev1\nfirst EXAMINE | * CAPABILITY IMAP4rev1\n' >"$R"
P --offline move "$(id_of 5)" Archive >/dev/null || bail "move failed"
check "sync replays a move after a partial CAPABILITY" P sync -q
same "the move is one UID MOVE, no COPY" "1 0" "$(seen 'UID MOVE') $(seen 'UID COPY')"

# ---- a SEARCH posta did not ask for ------------------------------------------
printf 'first UID SEARCH | * SEARCH 1 2 3 4\n' >"$R"
"$PY" - <<'EOF' || bail "cannot expunge"
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.select("INBOX")
M.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
M.expunge()
M.logout()
EOF
check "sync after another device expunged UID 2" P sync -q
same "the proxy added a SEARCH to posta's" 1 "$(grep -c '^inject \* SEARCH' "$W/proxy.log")"
same "UID 2 is gone: only the answer to posta's SEARCH counted" "1 3 4" "$(uids INBOX)"

# ---- [ALERT] ----------------------------------------------------------------------
printf 'first STATUS | * OK [ALERT] Manutenzione alle 22:00\\x1b[31m, salvate il lavoro\nfirst EXAMINE | * OK [ALERT] Manutenzione alle 22:00\\x1b[31m, salvate il lavoro\nfirst SELECT | * OK [ALERT] Manutenzione alle 22:00\\x1b[31m, salvate il lavoro\n' >"$R"
P sync -q >"$W/a.out" 2>"$W/a.err"
same "sync with an alert succeeds" 0 $?
has "posta sync shows the alert on stderr" "$(cat "$W/a.err")" \
  'posta: account lab: the server says: Manutenzione alle 22:00\[31m, salvate il lavoro'
same "... without its escape byte" 0 "$(tr -cd '\033' <"$W/a.err" | wc -c)"

lab_test_probe "$C"
for ((i = 0; i < 1200; i++)); do
  grep -q '^[0-9]* sync_done' "$W/events" && break
  sleep 0.05
done
if grep -q '^[0-9]* note .*the server says: Manutenzione alle 22:00' "$W/events"; then
  ok "the worker sends the alert as a note (the TUI's status line)"
else
  not_ok "the worker sends the alert as a note (the TUI's status line)" "$(cat "$W/events" "$W/probe.err")"
fi
lab_test_probe_stop
same "no command refused by the strict proxy" "" "$(grep '^bad' "$W/proxy.log")"
