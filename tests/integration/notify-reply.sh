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
PY=/usr/bin/python3
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=5

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"

W=$(mktemp -d /tmp/posta-notify-reply-test.XXXXXX) || bail "mktemp failed"
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
lab_seed alice INBOX 3 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
  bail "seed failed"

R=$W/inject
printf 'first NOTIFY | * STATUS Work (MESSAGES 99 UIDNEXT 999)\n' >"$R"
"$PY" "$POSTA_SRCDIR/tests/lab/strict_proxy.py" --upstream "127.0.0.1:$IMAP_PORT" \
  --port-file "$W/port" --log "$W/proxy.log" --inject "$R" 2>"$W/proxy.err" &
PROXY_PID=$!
for _ in $(seq 200); do [[ -s $W/port ]] && break; sleep 0.05; done
[[ -s $W/port ]] || bail "strict_proxy.py did not start: $(cat "$W/proxy.err")"

C=$W/posta.conf
{
  printf '[general]\nstore = %s\n\n[account lab]\n' "$W/posta.db"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = none\nallow_plaintext = yes\n' "$(<"$W/port")"
  printf 'user = alice\npassword = alicepw\ncheck_interval = 0\n'
} >"$C"
chmod 600 "$C"
check "first sync" timeout 120 "$POSTA" -c "$C" sync -q

# STATUS commands after the NOTIFY SET (the pass's own come before it).
after_notify() { sed -n '/^ok [^ ]* NOTIFY$/,$p' "$W/proxy.log" | grep -c '^ok [^ ]* STATUS$'; }
mkfifo "$W/in"
"$PROBE" -c "$C" <"$W/in" >"$W/events" 2>"$W/probe.err" &
PROBE_PID=$!
exec {PIN}>"$W/in"
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
printf 'stop\n' >&"$PIN"
for ((i = 0; i < 600; i++)); do grep -q 'stopped in' "$W/events" && break; sleep 0.05; done
exec {PIN}>&-
wait "$PROBE_PID" 2>/dev/null
PROBE_PID=
grep -q 'stopped in' "$W/events"
same "the worker stopped" 0 $?
same "no command refused by the strict proxy" "" "$(grep '^bad' "$W/proxy.log")"
