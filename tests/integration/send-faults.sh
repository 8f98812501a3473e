#!/bin/bash
# send-faults.sh - sending when things go wrong, and a POP3 account's local
# Sent/Drafts (TAP): a server that closes the connection after the message
# (no 250 to DATA) leaves the outcome unknown; posta says so, holds the
# message, never sends it again without being told (--retry), and --drop
# forgets it. A POP3 account keeps its sent copies and drafts locally.
# One recipient of three refused, for good (550: held until --retry) or
# for now (450: the next flush, or the account worker, tries again): the
# others get it once, the refused one only later, once, and the Sent copy
# is made once. Refused some for now and some for good (450 and 550, with
# or without a recipient who took it): the outbox row is split, the 450
# part goes by itself (the account worker, a flush), the 550 part waits
# for --retry, each address gets it once, one Sent copy on the IMAP
# server. Two flushes at once send nothing twice. An empty body is
# sent as a valid message (posta send < /dev/null, posta compose).
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PY=/usr/bin/python3
PROBE=$POSTA_BUILDDIR/tests/integration/worker_probe
PLAN=84

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
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n\n' "$SMTP_PORT"
  # Account "three": POP3S as alice (nothing to download), the lab's sink.
  printf '[account three]\nprotocol = pop3\nemail = alice@localhost\n'
  printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$POP3S_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
  printf 'pop3_keep = yes\n'
  printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n\n' "$SMTP_PORT"
  # Account "mix": IMAPS as alice (its Sent copies go to the server).
  printf '[account mix]\nprotocol = imap\nemail = alice@localhost\n'
  printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
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

# ---- one recipient of three refused ----------------------------------------
[[ -x $PROBE ]] || bail "no $PROBE (make check builds it)"
# The sink refuses the addresses in this file (smtp_sink.py), as it is now.
REFUSE=$(dirname "$SMTP_SPOOL")/refuse
# deliveries SUBJECT ADDRESS: how many times the sink took it for ADDRESS.
deliveries() {
  "$PY" - "$SMTP_SPOOL" "$1" "$2" <<'EOF'
import email, glob, json, os, sys
from email import policy
n = 0
for j in glob.glob(os.path.join(sys.argv[1], "*.json")):
    eml = j[:-5] + ".eml"
    if not os.path.exists(eml):
        continue
    m = email.message_from_bytes(open(eml, "rb").read(), policy=policy.default)
    if m["subject"] == sys.argv[2]:
        n += json.load(open(j))["rcpt_tos"].count(sys.argv[3])
print(n)
EOF
}
# counts SUBJECT ADDRESS...: the deliveries to each, space-separated.
counts() {
  local subj=$1 a out=()
  shift
  for a; do out+=("$(deliveries "$subj" "$a")"); done
  echo "${out[*]}"
}
three_id() { posta outbox -a three | awk -v s="$1" 'index($0, s) {print $1; exit}'; }
sent_copies() {
  posta list -a three Sent --json | "$PY" -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)["subject"] == sys.argv[1]))' "$1"
}

# send_three CODE: the sink refuses carol with CODE, and posta send goes to
# alice, carol and dave with the subject "three CODE" (report in $W/out).
send_three() {
  echo "carol@localhost $1" >"$REFUSE"
  echo "to three" | posta send -a three -s "three $1" alice@localhost \
    carol@localhost dave@localhost >"$W/out" 2>&1
  same "$1 for one of three: posta send exits 1" 1 "$?"
}

send_three 550
check "it names the refused address with the server's reply" \
  grep -q 'carol@localhost: 550 5.1.1 <carol@localhost>: recipient rejected' "$W/out"
check "it says the message stays in the outbox for that recipient" \
  grep -q 'kept in the outbox for that recipient' "$W/out"
check "it tells how to retry (to them only) or drop" \
  bash -c "grep -q -- '--retry [0-9]*. sends it again to them only' '$W/out' &&
    grep -q -- '--drop' '$W/out'"
same "the other two got it once, the refused one not" "1 0 1" \
  "$(counts "three 550" alice@localhost carol@localhost dave@localhost)"
ID=$(three_id "three 550")
posta outbox -a three >"$W/list"
check "posta outbox: refused, with the address left and the reply" bash -c "
grep -q '^$ID *refused .*three 550' '$W/list' &&
grep -q 'still for: carol@localhost (the others have it or are in another row)' '$W/list' &&
grep -q 'carol@localhost: 550 5.1.1' '$W/list'"
same "the Sent copy is made with the first delivery" 1 "$(sent_copies "three 550")"
posta outbox -a three --flush >"$W/flush" 2>&1
same "a plain --flush does not retry a permanent refusal" "1 0 1" \
  "$(counts "three 550" alice@localhost carol@localhost dave@localhost)"
check "... it is still held as refused" \
  bash -c "'$POSTA' -c '$C' outbox -a three | grep -q '^$ID *refused'"
rm -f "$REFUSE"
check "posta outbox --retry ID" posta outbox -a three --retry "$ID"
posta outbox -a three --flush >"$W/flush" 2>&1
same "--flush after --retry: sent to the refused recipient only" 0 "$?"
same "... everyone has it exactly once" "1 1 1" \
  "$(counts "three 550" alice@localhost carol@localhost dave@localhost)"
check "... and only carol was in the envelope of that delivery" "$PY" -c "
import glob, json
envs = [json.load(open(j))['rcpt_tos'] for j in glob.glob('$SMTP_SPOOL/*.json')]
assert ['carol@localhost'] in envs, envs"
same "... it has left the outbox" "the outbox is empty" "$(posta outbox -a three)"
same "... and the Sent copy was not made again" 1 "$(sent_copies "three 550")"

send_three 450
check "it names the address and the temporary reply" \
  grep -q 'carol@localhost: 450 4.2.1 <carol@localhost>: mailbox busy' "$W/out"
check "it says a flush tries again" \
  grep -q "stays in the outbox for the refused recipients; 'posta outbox --flush' tries again" "$W/out"
ID=$(three_id "three 450")
check "posta outbox: will retry (a 450 is not a failure), for carol only" bash -c "
'$POSTA' -c '$C' outbox -a three >'$W/list'
grep -q '^$ID *will retry .*three 450' '$W/list' &&
grep -q 'still for: carol@localhost' '$W/list'"
posta outbox -a three --flush >"$W/flush" 2>&1
same "a flush while the server still says 450: nobody gets it twice" \
  "1 0 1" "$(counts "three 450" alice@localhost carol@localhost dave@localhost)"
check "... the reply says the others have it already" \
  grep -q 'carol@localhost: 450.*the other recipients have it from an earlier try' "$W/flush"
rm -f "$REFUSE"
# worker ACCOUNT SUBJECT ADDRESS: the account's worker runs, with no
# command (its pass starts with the outbox), until ADDRESS has SUBJECT
# (15 s at most); its events in $W/events.
worker() {
  {
    for _ in $(seq 150); do
      [[ $(deliveries "$2" "$3") -ge 1 ]] && break
      sleep 0.1
    done
    echo stop
  } | timeout 60 "$PROBE" -c "$C" -a "$1" >"$W/events" 2>&1
}
worker three "three 450" carol@localhost
same "the account worker sends it to carol on its own, once" "1 1 1" \
  "$(counts "three 450" alice@localhost carol@localhost dave@localhost)"
check "... and tells the UI it was sent" \
  grep -q 'note outbox [0-9]* "three 450": sent' "$W/events"
same "... it has left the outbox" "the outbox is empty" "$(posta outbox -a three)"
same "... one Sent copy" 1 "$(sent_copies "three 450")"

# ---- refused for now (450) and for good (550) at once ----------------------
export LAB_CA IMAPS_PORT
# server_sent SUBJECT: how many copies alice's Sent on the IMAP server has.
server_sent() {
  "$PY" - "$1" <<'EOF'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.select("Sent", readonly=True)
t, d = M.search(None, "SUBJECT", '"%s"' % sys.argv[1])
print(len(d[0].split()))
M.logout()
EOF
}
# state_id STATE: the id of the mix account's first row in that state.
state_id() { posta outbox -a mix | awk -v s="$1" '$2 == s || $2 " " $3 == s {print $1; exit}'; }
# row_has ID TEXT: the lines of outbox row ID (posta outbox -a mix) have TEXT.
row_has() {
  posta outbox -a mix | awk -v id="$1" '/^[0-9]/ {on = ($1 == id)} on' |
    grep -qF -- "$2"
}
MIX=(bob@localhost carol@localhost dave@localhost)
printf 'carol@localhost 450\ndave@localhost 550\n' >"$REFUSE"
echo "mixed" | posta send -a mix -s "three mixed" "${MIX[@]}" >"$W/out" 2>&1
same "450 for one, 550 for another, of three: posta send exits 1" 1 "$?"
same "... bob got it once, carol and dave not" "1 0 0" \
  "$(counts "three mixed" "${MIX[@]}")"
FID=$(state_id "will retry")
RID=$(state_id refused)
ok_if "... the outbox row is split: one will retry, one refused" \
  "[[ -n '$FID' && -n '$RID' && '$FID' != '$RID' ]]" "$(posta outbox -a mix)"
ok_if "... the one that will retry is for carol, with her 450" \
  "row_has '$FID' 'still for: carol@localhost (' &&
   row_has '$FID' 'carol@localhost: 450 4.2.1' &&
   ! row_has '$FID' 'dave@localhost:'" "$(posta outbox -a mix)"
ok_if "... the refused one is for dave, with his 550" \
  "row_has '$RID' 'still for: dave@localhost (' &&
   row_has '$RID' 'dave@localhost: 550 5.1.1' &&
   ! row_has '$RID' 'carol@localhost:'" "$(posta outbox -a mix)"
check "posta send says a flush tries the 450 part again" \
  grep -q "outbox $FID stays in the outbox .*'posta outbox --flush' tries again" "$W/out"
check "... and the 550 part is held until --retry $RID" \
  grep -q -- "outbox $RID was refused for good.*--retry $RID" "$W/out"
same "one Sent copy on the IMAP server" 1 "$(server_sent "three mixed")"
rm -f "$REFUSE"
worker mix "three mixed" carol@localhost
same "the account worker sends the 450 part to carol, once, not to dave" \
  "1 1 0" "$(counts "three mixed" "${MIX[@]}")"
check "... it says so" grep -q "note outbox $FID \"three mixed\": sent" "$W/events"
check "... that row has left the outbox, the refused one is still held" \
  bash -c "'$POSTA' -c '$C' outbox -a mix >'$W/list'
! grep -q '^$FID ' '$W/list' && grep -q '^$RID *refused' '$W/list'"
posta outbox -a mix --flush >"$W/flush" 2>&1
same "a plain --flush leaves dave's part held" "1 1 0" \
  "$(counts "three mixed" "${MIX[@]}")"
check "posta outbox --retry $RID" posta outbox -a mix --retry "$RID"
posta outbox -a mix --flush >"$W/flush" 2>&1
same "--flush after --retry exits 0" 0 "$?"
same "... everyone has it exactly once" "1 1 1" \
  "$(counts "three mixed" "${MIX[@]}")"
check "... only dave was in the envelope of that delivery" "$PY" -c "
import glob, json
envs = [json.load(open(j))['rcpt_tos'] for j in glob.glob('$SMTP_SPOOL/*.json')]
assert ['dave@localhost'] in envs, envs"
same "... the outbox is empty" "the outbox is empty" "$(posta outbox -a mix)"
same "... still one Sent copy on the IMAP server" 1 \
  "$(server_sent "three mixed")"

# Nobody took it: 450 and 550, the only two recipients.
printf 'carol@localhost 450\ndave@localhost 550\n' >"$REFUSE"
echo "mixed" | posta send -a mix -s "none mixed" carol@localhost \
  dave@localhost >"$W/out" 2>&1
same "450 and 550, nobody else: posta send exits 1" 1 "$?"
FID=$(state_id "will retry")
RID=$(state_id refused)
ok_if "... split too: one will retry, one refused, nothing sent" \
  "[[ -n '$FID' && -n '$RID' && '$(counts "none mixed" carol@localhost dave@localhost)' == '0 0' ]]" \
  "$(posta outbox -a mix)"
same "... no Sent copy yet" 0 "$(server_sent "none mixed")"
rm -f "$REFUSE"
posta outbox -a mix --flush >"$W/flush" 2>&1
same "a flush sends the 450 part to carol only" "1 0" \
  "$(counts "none mixed" carol@localhost dave@localhost)"
same "... which makes the one Sent copy" 1 "$(server_sent "none mixed")"
posta outbox -a mix --retry "$RID" >/dev/null 2>&1
posta outbox -a mix --flush >"$W/flush" 2>&1
same "--retry and --flush: dave gets it once, the outbox is empty" \
  "1 1|the outbox is empty" \
  "$(counts "none mixed" carol@localhost dave@localhost)|$(posta outbox -a mix)"
same "... and no second Sent copy" 1 "$(server_sent "none mixed")"

# ---- two flushes at once send nothing twice ----------------------------
for i in 1 2 3 4; do
  echo "race $i" | posta --offline send -a three -s "race $i" bob@localhost \
    >/dev/null 2>&1
done
posta outbox -a three --flush >"$W/flush1" 2>&1 &
f1=$!
posta outbox -a three --flush >"$W/flush2" 2>&1
wait "$f1"
same "two concurrent flushes: each message delivered exactly once" \
  "1 1 1 1" "$(for i in 1 2 3 4; do deliveries "race $i" bob@localhost; done | paste -sd' ')"
same "... and the outbox is empty" "the outbox is empty" "$(posta outbox -a three)"

# ---- an empty body ------------------------------------------------------------
# pyeml SUBJECT 'python using m (the parsed message) and raw (its bytes)'
pyeml() {
  "$PY" - "$SMTP_SPOOL" "$1" "$2" <<'EOF'
import email, glob, os, sys
from email import policy
hits = []
for e in glob.glob(os.path.join(sys.argv[1], "*.eml")):
    raw = open(e, "rb").read()
    m = email.message_from_bytes(raw, policy=policy.default)
    if m["subject"] == sys.argv[2]:
        hits.append((m, raw))
assert len(hits) == 1, "%d messages with that subject" % len(hits)
m, raw = hits[0]
exec(sys.argv[3])
EOF
}
EMPTY_OK='
assert not m.defects, m.defects
assert m.get_content_type() == "text/plain", m.get_content_type()
assert m.get_content_charset() in ("us-ascii", "utf-8"), m.get_content_charset()
assert m.get_content().strip("\r\n") == "", repr(m.get_content())
assert m["mime-version"] == "1.0" and m["date"] and m["message-id"]
assert str(m["from"]) == "alice@localhost" and str(m["to"]) == "bob@localhost", (m["from"], m["to"])
assert b"\r\n\r\n" in raw and all(b < 128 for b in raw)'
timeout 30 "$POSTA" -c "$C" send -a three -s "empty body" bob@localhost \
  </dev/null >"$W/out" 2>"$W/err"
same "posta send < /dev/null: no hang, exits 0" 0 "$?"
check "... it warns that the body is empty" grep -q 'body is empty' "$W/err"
check "... the sink got a valid text/plain message with an empty body" \
  pyeml "empty body" "$EMPTY_OK"
cat >"$W/editor-empty.sh" <<'EOF'
#!/bin/sh
f=$1
awk '
  !body && /^To: *$/ { print "To: bob@localhost"; next }
  !body && /^Subject: *$/ { print "Subject: composed empty"; next }
  !body && /^$/ { body = 1 }
  { print }' "$f" >"$f.new" && mv "$f.new" "$f"
EOF
chmod +x "$W/editor-empty.sh"
check "posta compose with nothing written in the body sends" \
  env EDITOR="$W/editor-empty.sh" VISUAL= timeout 30 "$POSTA" -c "$C" \
  compose -a three
check "... a valid text/plain message with an empty body" \
  pyeml "composed empty" "$EMPTY_OK"

[[ $n -eq $PLAN ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
