#!/bin/bash
# send-8bit.sh - how text travels (issue 17, item 8), against the lab's
# SMTP sink (TAP): short ASCII as 7bit; other text as 8bit with MAIL FROM
# BODY=8BITMIME when the server offers 8BITMIME; a line over 998 bytes as
# quoted-printable; to a server without 8BITMIME (the sink's no-8bitmime
# file) quoted-printable, 7-bit clean. Never base64, and every body reads
# back as it was written.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=12

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir send8
lab_test_up

C=$W/posta.conf
lab_test_send_conf "$C"

# send N SUBJECT FILE: posta send the file's text, wait for the sink's
# N-th message (the deadline is generous: a loaded machine).
send() {
  "$POSTA" -c "$C" send -s "$2" bob@localhost <"$3" >"$W/out" 2>&1 ||
    { cat "$W/out" >&2; return 1; }
  local i
  for ((i = 0; i < 300; i++)); do
    [[ -e $SMTP_SPOOL/$1.eml ]] && return 0
    sleep 0.1
  done
  return 1
}
# check N FILE: "CTE BODY8 OPTIONS SAME": the text part's
# Content-Transfer-Encoding, whether the message has 8-bit bytes, the MAIL
# FROM parameters but SIZE, and whether the decoded body is the file's text.
check() {
  "$PY" - "$SMTP_SPOOL/$1.eml" "$SMTP_SPOOL/$1.json" "$2" <<'EOF'
import email, json, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=policy.default)
j = json.load(open(sys.argv[2]))
want = open(sys.argv[3], encoding="utf-8").read()
got = m.get_content().replace("\r\n", "\n")
print(str(m.get("Content-Transfer-Encoding", "7bit")).lower(),
      "8bit-bytes" if any(b >= 0x80 for b in raw) else "7bit-bytes",
      ",".join(o for o in j.get("mail_options") or []
               if not o.upper().startswith("SIZE=")) or "-",
      "same" if got == want else "differs")
EOF
}

printf 'Hello Bob,\nsee you tomorrow.\n' >"$W/ascii.txt"
printf 'Ciao Bob, la città è già sveglia.\nA più tardi.\nПривет.\n' >"$W/it.txt"
{ printf 'Una riga lunghissima: '; head -c 1200 /dev/zero | tr '\0' 'x'; printf ' è finita.\n'; } >"$W/long.txt"

ok_if() { if [[ $1 == 0 ]]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

send 1 "ascii" "$W/ascii.txt"
ok_if $? "a short ASCII message is sent"
r=$(check 1 "$W/ascii.txt")
same "short ASCII: 7bit, no BODY parameter, the same text" "7bit 7bit-bytes - same" "$r"

send 2 "otto bit" "$W/it.txt"
ok_if $? "an Italian and Russian message is sent"
r=$(check 2 "$W/it.txt")
same "8-bit text to a server with 8BITMIME: 8bit, MAIL FROM BODY=8BITMIME" \
  "8bit 8bit-bytes BODY=8BITMIME same" "$r"

send 3 "lunga" "$W/long.txt"
ok_if $? "a message with a line over 998 bytes is sent"
r=$(check 3 "$W/long.txt")
same "a line over 998 bytes: quoted-printable, 7-bit clean" \
  "quoted-printable 7bit-bytes - same" "$r"

# The sink stops offering 8BITMIME.
: >"$(dirname "$SMTP_SPOOL")/no-8bitmime"
send 4 "sette bit" "$W/it.txt"
ok_if $? "the same message is sent to a server without 8BITMIME"
r=$(check 4 "$W/it.txt")
same "without 8BITMIME: quoted-printable, 7-bit clean, no BODY parameter" \
  "quoted-printable 7bit-bytes - same" "$r"

# The Sent copy is what that server was sent.
"$POSTA" -c "$C" sync >"$W/sync.out" 2>&1
id=$("$POSTA" -c "$C" --offline search 'subject:"sette bit" folder:Sent' 2>/dev/null |
  awk '$1 ~ /^[0-9]+$/ { print $1; exit }')
[[ -n $id ]] && "$POSTA" -c "$C" --offline show --raw "$id" >"$W/sent.eml" 2>/dev/null
ok_if $? "the Sent copy is stored" "$(cat "$W/sync.out")"
grep -q "Content-Transfer-Encoding: quoted-printable" "$W/sent.eml" &&
  ! LC_ALL=C grep -q '[^[:print:][:space:]]' "$W/sent.eml"
ok_if $? "the Sent copy is the quoted-printable message that was sent"
rm -f "$(dirname "$SMTP_SPOOL")/no-8bitmime"

send 5 "ancora otto" "$W/it.txt"
ok_if $? "with 8BITMIME offered again, a message is sent"
r=$(check 5 "$W/it.txt")
same "8BITMIME again: 8bit" "8bit 8bit-bytes BODY=8BITMIME same" "$r"

[[ $n -eq $PLAN ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
