#!/bin/bash
# send-faults.sh - sending when things go wrong, and a POP3 account's local
# Sent/Drafts (TAP): a server that closes the connection after the message
# (no 250 to DATA) leaves the outcome unknown; posta says so, holds the
# message, never sends it again without being told (--retry), and --drop
# forgets it. A POP3 account keeps its sent copies and drafts locally.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=27

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-send-faults.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || bail "lab_up failed: $(tail -5 "$W/lab.log")"
lab_fake smtp-dropdata >"$W/fake.log" 2>&1 || bail "fake server: $(cat "$W/fake.log")"

# Account "drop": POP3S on the lab (never synced here), SMTP on the fake.
# Account "pop": POP3S on the lab, SMTP on the lab's sink.
C=$W/posta.conf
{
  printf '[general]\nstore = %s\n\n' "$W/posta.db"
  printf '[account drop]\nprotocol = pop3\nemail = alice@localhost\n'
  printf 'real_name = Alice\nhost = 127.0.0.1\nport = %s\n' "$POP3S_PORT"
  printf 'tls = implicit\nuser = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
  printf 'allow_plaintext = yes\n'
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = none\n\n' "$FAKE_PORT"
  printf '[account pop]\nprotocol = pop3\nemail = bob@localhost\n'
  printf 'real_name = Bob\nhost = 127.0.0.1\nport = %s\n' "$POP3S_PORT"
  printf 'tls = implicit\nuser = bob\npassword = bobpw\nca_file = %s\n' "$LAB_CA"
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n' "$SMTP_PORT"
} >"$C"
chmod 600 "$C"
posta() { "$POSTA" -c "$C" "$@"; }

# How many messages reached the end of DATA at the fake (lines "DATA" sent).
datas() { grep -cx 'DATA' "$FAKE_LOG" 2>/dev/null; }
dataends() { grep -c '#DATA-END' "$FAKE_EVENTS" 2>/dev/null; }
outbox_id() { posta outbox -a drop | awk -v s="$1" 'index($0, s) {print $1; exit}'; }

# ---- the connection closes after the message, before the 250 ---------------
echo "does it arrive?" | posta send -a drop -s "lost reply" bob@localhost \
  >"$W/out" 2>&1
rc=$?
ok_if() { if eval "$2"; then ok "$1"; else not_ok "$1" "$3"; fi; }
ok_if "posta send exits non-zero when the reply to DATA is lost" \
  "[[ $rc -ne 0 ]]" "rc=$rc: $(cat "$W/out")"
check "it says the outcome is unknown" grep -qi 'outcome unknown' "$W/out"
check "it says the message may have been delivered" \
  grep -qi 'may have been delivered' "$W/out"
check "it tells how to retry or drop" \
  bash -c "grep -q -- '--retry' '$W/out' && grep -q -- '--drop' '$W/out'"
same "the fake got exactly one DATA" 1 "$(datas)"
same "... and the message up to the final dot once" 1 "$(dataends)"
check "posta outbox lists it as unknown" \
  bash -c "'$POSTA' -c '$C' outbox -a drop | grep -q '^[0-9]\\+ *unknown .*lost reply'"
ID=$(outbox_id "lost reply")
ok_if "it has an outbox id" "[[ -n '$ID' ]]" "$(posta outbox -a drop)"

posta outbox -a drop --flush >"$W/flush" 2>&1
rc=$?
same "a plain --flush does not send it again" 1 "$(datas)"
same "... (the fake saw no new connection's message)" 1 "$(dataends)"
same "--flush of a held message exits 0" 0 "$rc"
check "it is still held after the flush" \
  bash -c "'$POSTA' -c '$C' outbox -a drop | grep -q '^$ID *unknown'"

check "posta outbox --retry ID" posta outbox -a drop --retry "$ID"
check "... which lists it as waiting again" \
  bash -c "'$POSTA' -c '$C' outbox -a drop | grep -q '^$ID *waiting'"
same "--retry alone sends nothing" 1 "$(datas)"
posta outbox -a drop --flush >"$W/flush" 2>&1
rc=$?
same "--flush after --retry sends it again (second DATA)" 2 "$(datas)"
ok_if "... and, the reply being lost again, exits non-zero" "[[ $rc -ne 0 ]]" \
  "rc=$rc: $(cat "$W/flush")"
check "... and it is held again as unknown" \
  bash -c "'$POSTA' -c '$C' outbox -a drop | grep -q '^$ID *unknown'"
posta outbox -a drop --flush >/dev/null 2>&1
same "another plain --flush: still two DATA" 2 "$(datas)"
check "posta outbox --drop ID forgets it" posta outbox -a drop --drop "$ID"
same "the outbox is empty" "the outbox is empty" "$(posta outbox -a drop)"
posta outbox -a drop --flush >/dev/null 2>&1
same "nothing more reaches the fake" 2 "$(datas)"

# ---- a POP3 account: local Sent and Drafts --------------------------------
spool_count() { ls "$SMTP_SPOOL" 2>/dev/null | grep -c '\.eml$'; }
before=$(spool_count)
echo "from a pop3 account" | posta send -a pop -s "pop sent copy" \
  alice@localhost >"$W/out" 2>&1
same "posta send from a POP3 account exits 0" 0 "$?"
for _ in $(seq 50); do [[ $(spool_count) -gt $before ]] && break; sleep 0.1; done
same "the sink got it" $((before + 1)) "$(spool_count)"
check "the sent copy is in the account's local Sent" bash -c "
'$POSTA' -c '$C' list -a pop Sent --json | '$PY' -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert any(r[\"subject\"] == \"pop sent copy\" for r in rows), rows'"

cat >"$W/editor.sh" <<'EOF'
#!/bin/sh
f=$1
awk '
  !body && /^To: *$/ { print "To: carol@localhost"; next }
  !body && /^Subject: *$/ { print "Subject: pop draft"; next }
  !body && /^$/ { body = 1; print; print "Draft body."; next }
  { print }' "$f" >"$f.new" && mv "$f.new" "$f"
EOF
chmod +x "$W/editor.sh"
before=$(spool_count)
check "posta compose --postpone on a POP3 account" \
  env EDITOR="$W/editor.sh" VISUAL= "$POSTA" -c "$C" compose -a pop --postpone
check "the draft is in the account's local Drafts (nothing sent)" bash -c "
[[ \$(ls '$SMTP_SPOOL' | grep -c '\\.eml\$') -eq $before ]] || exit 1
'$POSTA' -c '$C' list -a pop Drafts --json | '$PY' -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert any(r[\"subject\"] == \"pop draft\" for r in rows), rows'"

[[ $n -eq $PLAN ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
