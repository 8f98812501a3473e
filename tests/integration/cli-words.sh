#!/bin/bash
# cli-words.sh - what the command line says (TAP): posta list on an account
# never synced says so (not "no folder named 'INBOX'") and fails; posta
# sync says in one line per account what changed, in whole sentences with
# the right plural, unless -q (and -v keeps its line per folder); a
# message the SMTP server refuses for now (450) "will retry" and stays
# queued, one refused for good (550) "failed".
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=16

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-cli-words.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || bail "lab_up failed: $(tail -5 "$W/lab.log")"

# Account "lab": IMAPS as alice, SMTP on the lab's sink.
C=$W/posta.conf
{
  printf '[general]\nstore = %s\n\n' "$W/posta.db"
  printf '[account lab]\nprotocol = imap\nemail = alice@localhost\n'
  printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n' "$SMTP_PORT"
} >"$C"
chmod 600 "$C"
posta() { "$POSTA" -c "$C" "$@"; }
REFUSE=$(dirname "$SMTP_SPOOL")/refuse

# ---- never synced: a message queued offline, nothing pulled yet -----------
echo "first" | posta send --offline -s "before any sync" bob@localhost \
  >"$W/send" 2>&1 || bail "posta send --offline failed: $(cat "$W/send")"
out=$(posta list 2>&1)
same "posta list on an account never synced exits 1" 1 "$?"
has "... and says it has not been synced yet" "$out" \
  "^posta: account lab has not been synced yet: run 'posta sync -a lab'$"
out=$(posta list --json 2>&1)
same "posta list --json too exits 1" 1 "$?"
has "... with the same sentence" "$out" "has not been synced yet"

posta outbox --flush >"$W/flush" 2>&1 || bail "flush failed: $(cat "$W/flush")"

# ---- what posta sync says ----------------------------------------------------
lab_seed alice INBOX 2 >/dev/null 2>&1 || bail "lab seed failed"
out=$(posta sync 2>&1)
same "posta sync exits 0" 0 "$?"
has "posta sync says what changed in one line, plural" "$out" \
  '^account lab: [0-9]* folders synced\. 2 new messages\.'
same "... one line for the account" 1 "$(grep -c . <<<"$out")"
out=$(posta list 2>&1)
has "posta list now lists the folder" "$out" ' '
lab_seed alice INBOX 1 >/dev/null 2>&1 || bail "lab seed failed"
out=$(posta sync 2>&1)
has "one new message is singular" "$out" '\. 1 new message\.'
out=$(posta sync 2>&1)
has "nothing new says so" "$out" '^account lab: [0-9]* folders synced\. Nothing changed\.$'
out=$(posta sync -v 2>&1)
has "-v keeps its line per folder" "$out" '^INBOX: 0 new, 0 flags changed, 0 expunged$'
out=$(posta sync -q 2>&1)
same "-q says nothing" "" "$out"

# ---- refused for now (450), for good (550) -----------------------------------
# The 550 first: a held message is not tried again by the next send.
echo "bob@localhost 550" >"$REFUSE"
echo "never" | posta send -s "no such user" bob@localhost >"$W/out" 2>&1
has "a 550 is reported as failed" "$(cat "$W/out")" \
  'outbox [0-9]* "no such user": failed: '
same "... not as will retry" 0 "$(grep -c 'will retry' "$W/out")"
echo "bob@localhost 450" >"$REFUSE"
echo "later" | posta send -s "busy now" bob@localhost >"$W/out" 2>&1
has "a 450 is reported as will retry" "$(cat "$W/out")" \
  'outbox [0-9]* "busy now": will retry: '
has "posta outbox lists it as will retry" "$(posta outbox)" \
  '^[0-9]* *will retry .*busy now'
rm -f "$REFUSE"
exit $((failed > 0))
