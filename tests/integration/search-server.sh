#!/bin/bash
# search-server.sh - posta search asks the server for the bodies that are
# not in the store (issue 15 item 4), against a lab account (TAP).
#
# An account with offline = headers keeps no body here, so a word only in
# a body is found by the server's UID SEARCH alone: posta adds it, marked
# ("found_by":"server" in --json, [server] in a table row), merged by date
# and counted by --count. --offline, and a query IMAP cannot say, give a
# note instead; a non-ASCII word goes as a literal, a quote as an escape;
# what the server found that is not stored yet is counted, not shown.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=19

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-search-server.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.out" 2>&1 || bail "lab did not start: $(cat "$W/lab.out")"
lab_seed alice INBOX 20 >/dev/null 2>&1 || bail "seed failed"
export TZ=UTC

# imap CODE: Python with an imaplib connection M logged in as alice.
imap() {
  LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" -c '
import imaplib, os, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]),
                      ssl_context=ctx)
M.login("alice", "alicepw")
def msg(subject, body, date="Mon, 03 Jun 2024 12:00:00 +0000"):
    return ("From: Test Sender <sender@lab.posta.test>\n"
            "To: Alice Lab <alice@lab.posta.test>\n"
            "Subject: " + subject + "\nDate: " + date + "\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n" + body + "\n"
            ).replace("\n", "\r\n").encode()
def append(folder, raw):
    typ, data = M.append(folder, "", None, raw)
    assert typ == "OK", data
'"$1"'
M.logout()'
}

imap '
M.create("Archivio")
M.subscribe("Archivio")
append("INBOX", msg("Solo nel corpo", "la parola zanzibar sta qui"))
append("INBOX", msg("Zanzibar nel titolo", "niente di speciale",
       date="Tue, 04 Jun 2024 12:00:00 +0000"))
append("INBOX", msg("Accenti", "la signora M\u00fcller e lo zeb\u00f9 ignoto"))
append("INBOX", msg("Virgolette", "disse \"ciao\" e usc\u00ec"))
append("Archivio", msg("Vecchia", "un ornitorinco in archivio",
       date="Sat, 01 Jun 2024 12:00:00 +0000"))
' || bail "cannot append the test messages"

cp "$LAB_CA" "$W/ca.pem" || bail "cannot copy the lab CA"
CONF=$W/posta.conf
{
  printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$W"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' \
    "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$W/ca.pem"
  printf 'folders = all\noffline = headers\n'
} >"$CONF"
chmod 600 "$CONF"
P() { "$POSTA" -c "$CONF" "$@"; }
# rows QUERY...: "subject:found_by" of each --json row, in order, by "|".
rows() {
  P search --json "$@" 2>"$W/err" | "$PY" -c '
import json, sys
print("|".join(r["subject"] + ":" + r.get("found_by", "store")
               for r in map(json.loads, sys.stdin) if r))'
}

check "posta sync (offline = headers) fills the store" P sync -q
same "no body is in the store" 0 \
  "$(sqlite3 "$W/posta.db" 'SELECT count(*) FROM body')"

# ---- a word only in a body: the server finds it ----------------------------------
same "a body word is found by the server, marked, newest first" \
  "Zanzibar nel titolo:store|Solo nel corpo:server" "$(rows zanzibar)"
same "body: is asked as BODY" "Solo nel corpo:server" "$(rows body:zanzibar)"
same "subject: needs no server: found by the store alone" \
  "Zanzibar nel titolo:store" "$(rows subject:zanzibar)"
same "--count adds what the server found" 2 "$(P search --count zanzibar)"
out=$(P search zanzibar 2>/dev/null)
has "a table row says [server]" "$out" "\[server\] Solo nel corpo"
same "--limit 1 keeps the newest of both" "Zanzibar nel titolo:store" \
  "$(rows --limit 1 zanzibar)"
same "other folders are asked too" "Vecchia:server" "$(rows ornitorinco)"
same "--folder asks only that folder" "" "$(rows --folder INBOX ornitorinco)"
same "a non-ASCII word goes as a literal" "Accenti:server" "$(rows zebù)"
same "a quote in a phrase is escaped, not syntax" "Virgolette:server" \
  "$(rows '"disse \"ciao\""')"
same "IMAP syntax in a phrase is only text" "" "$(rows '"a) OR (ALL"')"

# ---- when the server is not asked: a note -------------------------------------------
out=$(P --offline search zanzibar 2>&1)
has "--offline: only the store's answer" "$out" "Zanzibar nel titolo"
has "... and a note that bodies were not searched" "$out" \
  "account lab keeps only some bodies here (offline = headers): words in the others were not searched"
rows attachment:zanzibar >/dev/null
has "a query IMAP cannot say: the server is not asked, and why" \
  "$(cat "$W/err")" "its server was not asked (search: the server cannot search attachment names (attachment:))"

# ---- what the server has and the store not yet ----------------------------------------
imap 'append("INBOX", msg("Arrivata dopo", "ancora zanzibar"))' ||
  bail "cannot append"
same "a message not synced yet is not shown" \
  "Zanzibar nel titolo:store|Solo nel corpo:server" "$(rows zanzibar)"
has "... but counted in a note" "$(cat "$W/err")" \
  "the server found 1 more message that is not in the store yet"

# ---- the server gone: the store's answer, and the note ------------------------------
lab_down >/dev/null 2>&1
out=$(POSTA_NET_TIMEOUT=5 P search zanzibar 2>&1); rc=$?
same "server down: the store's answer, exit 0, and a note" "0 yes yes" \
  "$rc $(grep -q 'Zanzibar nel titolo' <<<"$out" && echo yes) $(grep -q 'its server could not be asked' <<<"$out" && echo yes)"

echo "# $failed of $PLAN failed"
[[ $n -eq $PLAN ]] || { echo "# ran $n tests, planned $PLAN"; exit 1; }
[[ $failed -eq 0 ]]
