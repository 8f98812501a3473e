#!/bin/bash
# notify-reply.sh - NOTIFY's news in the reply to another command (TAP;
# issue 13). A server with NOTIFY may send "* STATUS" of another mailbox
# in the reply to any command, not only inside IDLE; libetpan keeps it only
# until the next command. The lab's Dovecot behind tests/lab/strict_proxy.py
# --inject adds such a line to the reply to NOTIFY SET itself: the account
# worker (tests/integration/worker_probe, check_interval = 0) must look at
# the other folders at once (a STATUS round), not wait for news in IDLE.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=5

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir notify-reply
lab_test_up
lab_seed alice INBOX 3 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
  bail "seed failed"

R=$W/inject
printf 'first NOTIFY | * STATUS Work (MESSAGES 99 UIDNEXT 999)\n' >"$R"
lab_test_strict_proxy --inject "$R"

C=$W/posta.conf
lab_test_conf "$C" "$W/posta.db" "$(<"$W/port")" none "check_interval = 0"
check "first sync" timeout 120 "$POSTA" -c "$C" sync -q

# STATUS commands after the NOTIFY SET (the pass's own come before it).
after_notify() { sed -n '/^ok [^ ]* NOTIFY$/,$p' "$W/proxy.log" | grep -c '^ok [^ ]* STATUS$'; }
lab_test_probe "$C"
for ((i = 0; i < 600; i++)); do
  grep -q '^inject \* STATUS Work' "$W/proxy.log" 2>/dev/null && break
  sleep 0.05
done
same "the worker sent NOTIFY SET, the proxy added a STATUS of Work to its reply" 1 \
  "$(grep -c '^inject \* STATUS Work' "$W/proxy.log")"
for ((i = 0; i < 400; i++)); do
  [[ $(after_notify) -gt 0 ]] && break
  sleep 0.05
done
if [[ $(after_notify) -gt 0 ]]; then
  ok "the worker looks at the other folders at once (STATUS after NOTIFY)"
else
  not_ok "the worker looks at the other folders at once (STATUS after NOTIFY)" \
    "$(cat "$W/proxy.log" "$W/events" "$W/probe.err")"
fi
lab_test_probe_stop
same "the worker stopped" 0 $?
same "no command refused by the strict proxy" "" "$(grep '^bad' "$W/proxy.log")"
