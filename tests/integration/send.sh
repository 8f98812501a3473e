#!/bin/bash
# send.sh - writing and sending mail against the lab's SMTP sink and
# Dovecot (TAP): headers, body and attachments as Python's email package
# reads them, reply / reply-all / forward, the outbox offline and after a
# SIZE refusal, a refused recipient among three, Sent and Drafts on the
# IMAP server, posta compose with EDITOR set to a script, mailto:.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=44

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

# shellcheck source=../lab/lab-test.sh
source "$POSTA_SRCDIR/tests/lab/lab-test.sh"
lab_test_dir send
lab_test_up

C=$W/posta.conf
lab_test_send_conf "$C"
posta() { "$POSTA" -c "$C" "$@"; }

# The n-th message the sink stored (waits for it a little).
spool_count() { ls "$SMTP_SPOOL" 2>/dev/null | grep -c '\.eml$'; }
wait_spool() {
  local want=$1 i
  for i in $(seq 50); do
    [[ $(spool_count) -ge $want ]] && return 0
    sleep 0.1
  done
  return 1
}
# pyeml N 'python using m (the parsed message) and j (its .json)'
pyeml() {
  "$PY" - "$SMTP_SPOOL/$1.eml" "$SMTP_SPOOL/$1.json" "$2" <<'EOF'
import email, json, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
j = json.load(open(sys.argv[2]))
def body(msg=None):
    return (msg or m).get_body(("plain",)).get_content().replace("\r\n", "\n")
exec(sys.argv[3])
EOF
}
imap() { lab_test_imap "$@"; }
# The store id of the INBOX message with this subject.
msg_id() {
  posta list --json INBOX | "$PY" -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        r = json.loads(l)
        if r["subject"] == sys.argv[1]:
            print(r["id"]); break' "$1"
}

check "first sync" posta sync -q

# ---- a message with an accented subject and two attachments ---------------
head -c 5000 /dev/urandom >"$W/bin.dat"
printf 'plain text file\nline 2\n' >"$W/notes.txt"
STRANGE="$W/ré sumé \"x\" ;€ & co.bin"
cp "$W/bin.dat" "$STRANGE"
SUBJ='Grüße aus Köln – perché no? ☕'
printf 'Ciao Bob,\nriga accentata: è già così.\n' >"$W/body"
before=$(spool_count)
if posta send -s "$SUBJ" -c carol@localhost -b dave@localhost -A "$W/notes.txt" \
    -A "$STRANGE" 'Bob <bob@localhost>' <"$W/body" >"$W/out" 2>&1; then
  ok "posta send exits 0"
else
  not_ok "posta send exits 0" "$(cat "$W/out")"
fi
wait_spool $((before + 1))
N=$((before + 1))
check "the sink got one message with the envelope (Bcc in RCPT only)" pyeml $N '
assert j["mail_from"] == "alice@localhost", j
assert sorted(j["rcpt_tos"]) == ["bob@localhost", "carol@localhost", "dave@localhost"], j
assert any(o.startswith("SIZE=") for o in j["mail_options"]), j'
check "the encoded subject decodes to the original" pyeml $N "
assert m['subject'] == '$SUBJ', m['subject']
assert 'UTF-8' in open(sys.argv[1], 'rb').read().split(b'\r\n\r\n')[0].decode()"
check "From, To, Cc, Message-ID, Date, User-Agent; no Bcc header" pyeml $N '
assert str(m["from"]) == "Alice <alice@localhost>", m["from"]
assert str(m["to"]) == "Bob <bob@localhost>", m["to"]
assert str(m["cc"]) == "carol@localhost"
assert m["bcc"] is None and b"dave" not in open(sys.argv[1], "rb").read()
assert m["message-id"].endswith("@localhost>") and m["date"] and m["user-agent"].startswith("posta/")'
check "the body decodes to what was written" pyeml $N "
assert body() == open('$W/body').read(), repr(body())"
check "headers and attachments are 7-bit; the accented text goes 8bit with BODY=8BITMIME" pyeml $N '
raw = open(sys.argv[1], "rb").read()
i = raw.index(b"riga accentata")
assert all(b < 128 for b in raw[:i] + raw[raw.index(b"\r\n", i):])
assert "BODY=8BITMIME" in j["mail_options"], j'
check "attachments arrive byte for byte with their names" pyeml $N "
atts = {p.get_filename(): p.get_content() for p in m.iter_attachments()}
assert atts['notes.txt'] == open('$W/notes.txt').read(), atts.keys()
name = '$(basename "$STRANGE")'
assert name in atts, list(atts)
assert atts[name] == open('$STRANGE', 'rb').read()"
MID=$(pyeml $N 'print(m["message-id"])')
check "the copy is in Sent on the IMAP server" imap "
M.select('Sent')
t, d = M.search(None, 'HEADER', 'Message-ID', '$MID')
assert d[0].split(), d
t, d = M.fetch(d[0].split()[-1], '(FLAGS)')
assert b'\\\\Seen' in d[0], d"
check "the recipients are offered for completion" \
  bash -c "'$POSTA' -c '$C' addresses bo | grep -q '^bob@localhost	Bob	'"

# ---- one of three recipients refused ---------------------------------------
before=$(spool_count)
echo "to three" | posta send -s three bob@localhost reject550@localhost \
  carol@localhost >"$W/out" 2>&1
rc=$?
same "a refused recipient makes posta send exit 1" 1 "$rc"
check "the refusal is reported with the server's reply" \
  grep -q 'reject550@localhost: 550' "$W/out"
wait_spool $((before + 1))
check "the two others got it" pyeml $((before + 1)) '
assert sorted(j["rcpt_tos"]) == ["bob@localhost", "carol@localhost"], j'
check "it stays in the outbox for the refused recipient only" bash -c "
'$POSTA' -c '$C' outbox | grep -q 'still for: reject550@localhost (the others'"
THREE=$(posta outbox | awk '/three/ {print $1}')
check "posta outbox --drop forgets the rest" posta outbox --drop "$THREE"

# ---- invalid addresses are refused before anything ----------------------------
before=$(spool_count)
echo x | posta send -s bad 'bob@@localhost' >"$W/out" 2>&1
same "an invalid address fails" 1 "$?"
check "... with the reason" grep -q "bob@@localhost" "$W/out"
echo x | posta send -s bad $'evil@localhost>\r\nRCPT TO:<x@y' >"$W/out" 2>&1
same "CR/LF/<> in an address is refused, nothing queued or sent" \
  "0 the outbox is empty" "$(( $(spool_count) - before )) $(posta outbox)"

# ---- offline: the outbox waits --------------------------------------------
before=$(spool_count)
echo "written offline" | posta --offline send -s "offline one" bob@localhost \
  >"$W/out" 2>&1
same "posta --offline send queues" 0 "$?"
check "posta outbox lists it as waiting" \
  bash -c "'$POSTA' -c '$C' outbox | grep -q 'waiting.*offline one'"
same "nothing reached the server" "$before" "$(spool_count)"
check "posta outbox --flush sends it" posta outbox --flush
wait_spool $((before + 1))
check "it arrived" pyeml $((before + 1)) 'assert m["subject"] == "offline one"'
same "and the outbox is empty" "the outbox is empty" "$(posta outbox)"

# ---- SIZE: 30 MB is over the sink's 10 MiB --------------------------------------
head -c $((30 * 1024 * 1024)) /dev/zero >"$W/big.bin"
before=$(spool_count)
echo "big" | posta send -s "too big" -A "$W/big.bin" bob@localhost >"$W/out" 2>&1
same "a message over the server's SIZE fails" 1 "$?"
check "the reason names SIZE" grep -q "SIZE" "$W/out"
check "it stays in the outbox with the reason" \
  bash -c "'$POSTA' -c '$C' outbox | grep -A1 'too big' | grep -q SIZE"
same "nothing was sent" "$before" "$(spool_count)"
BIG=$(posta outbox | awk '/too big/ {print $1}')
check "posta outbox --drop removes it" posta outbox --drop "$BIG"

# ---- reply, reply-all, forward with EDITOR = a script -----------------------
cat >"$W/orig.eml" <<'EOF'
From: =?ISO-8859-1?Q?Zo=EB?= <zoe@example.com>
To: Alice <alice@localhost>, Bob <bob@localhost>
Cc: carol@localhost
Subject: =?ISO-8859-1?Q?Caf=E9?= plans
Date: Mon, 2 Nov 2026 10:00:00 +0100
Message-ID: <orig3@example.com>
References: <orig1@example.com> <orig2@example.com>
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Ci vediamo al caff=E8?
EOF
lab_deliver alice INBOX "$W/orig.eml" >/dev/null 2>&1
posta sync -q
ID=$(msg_id "Café plans")
# The editor: put a line on top of the body, and a To when asked.
cat >"$W/editor.sh" <<'EOF'
#!/bin/sh
f=$1
awk -v to="${EDIT_TO:-}" '
  !body && /^To: *$/ && to != "" { print "To: " to; next }
  !body && /^$/ { body = 1; print; print "My answer."; next }
  { print }' "$f" >"$f.new" && mv "$f.new" "$f"
EOF
chmod +x "$W/editor.sh"
export EDITOR=$W/editor.sh VISUAL=

before=$(spool_count)
check "posta compose --reply" posta compose --reply "$ID"
wait_spool $((before + 1))
check "reply: to the sender only, threading headers, Re: once, quoted" \
  pyeml $((before + 1)) '
assert j["rcpt_tos"] == ["zoe@example.com"], j
assert m["subject"] == "Re: Café plans", m["subject"]
assert m["in-reply-to"] == "<orig3@example.com>"
assert m["references"].split() == ["<orig1@example.com>", "<orig2@example.com>", "<orig3@example.com>"]
b = body()
assert b.startswith("My answer.\n"), repr(b)
assert "Zoë wrote:" in b and "> Ci vediamo al caffè?" in b, repr(b)'
check "the original is marked answered" \
  bash -c "'$POSTA' -c '$C' list --json INBOX | grep -F '\"Café plans\"' | grep -qi answered"

before=$(spool_count)
check "posta compose --reply-all" posta compose --reply-all "$ID"
wait_spool $((before + 1))
check "reply-all: everyone but yourself" pyeml $((before + 1)) '
assert sorted(j["rcpt_tos"]) == ["bob@localhost", "carol@localhost", "zoe@example.com"], j
assert "alice" not in str(m["to"]) + str(m["cc"])'

before=$(spool_count)
check "posta compose --forward (inline)" env EDIT_TO=dan@localhost \
  "$POSTA" -c "$C" compose --forward "$ID"
wait_spool $((before + 1))
check "forward inline: Fwd:, the original quoted in the body" \
  pyeml $((before + 1)) '
assert j["rcpt_tos"] == ["dan@localhost"], j
assert m["subject"] == "Fwd: Café plans"
b = body()
assert "Forwarded message" in b and "Ci vediamo al caffè?" in b, repr(b)'

before=$(spool_count)
check "posta compose --forward --attach-original" env EDIT_TO=dan@localhost \
  "$POSTA" -c "$C" compose --forward "$ID" --attach-original
wait_spool $((before + 1))
check "forward as attachment: message/rfc822 holding the original" \
  pyeml $((before + 1)) '
parts = [p for p in m.walk() if p.get_content_type() == "message/rfc822"]
assert len(parts) == 1, [p.get_content_type() for p in m.walk()]
inner = parts[0].get_payload()[0]
assert inner["message-id"] == "<orig3@example.com>", inner["message-id"]'

# ---- postpone, mailto: --------------------------------------------------------
check "posta compose --postpone" env EDIT_TO=bob@localhost \
  "$POSTA" -c "$C" compose --postpone
check "the draft is in Drafts on the server with \\Draft" imap "
M.select('Drafts')
t, d = M.search(None, 'TO', 'bob@localhost')
ids = d[0].split()
assert ids, d
t, d = M.fetch(ids[-1], '(FLAGS BODY.PEEK[])')
assert b'\\\\Draft' in d[0][0], d[0][0]
assert b'My answer.' in d[0][1]"

# Resumed and sent, the draft leaves Drafts for good: not moved to Trash.
posta sync -q
DID=$(posta list --json Drafts | "$PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(rows[0]["id"] if len(rows) == 1 else "")')
before=$(spool_count)
check "posta compose --resume sends the postponed draft" posta compose --resume "$DID"
wait_spool $((before + 1))
check "the sent draft is removed from Drafts on the server, not moved to Trash" imap "
for box in ('Drafts', 'Trash'):
    M.select(box)
    t, d = M.search(None, 'TO', 'bob@localhost')
    assert not d[0].split(), (box, d)"

before=$(spool_count)
check "posta mailto:URL composes" posta 'mailto:bob@localhost?subject=Hi%20there&cc=carol@localhost'
wait_spool $((before + 1))
check "mailto: subject and recipients" pyeml $((before + 1)) '
assert m["subject"] == "Hi there", m["subject"]
assert sorted(j["rcpt_tos"]) == ["bob@localhost", "carol@localhost"], j'

[[ $n -eq $PLAN ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
