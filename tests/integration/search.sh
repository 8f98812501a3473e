#!/bin/bash
# search.sh - posta search against a lab account (TAP).
#
# Seeds INBOX with generated mail plus messages whose test word sits in one
# place only (the body, an HTML-only part, an attachment's file name, Cc, a
# folded encoded subject, accented text), syncs, and checks that each is
# found by the right field and not by the others; that from:, subject:,
# is:unread, is:flagged, larger:, smaller: and date ranges give exactly
# the UIDs of the server's own UID SEARCH; that a move, an expunge and a
# flag change show in the next search; that hostile queries get a
# positioned error and leave the store intact; and that search works with
# the server gone.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=64

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-search-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.out" 2>&1 || bail "lab did not start: $(cat "$W/lab.out")"
lab_seed alice INBOX 150 >/dev/null 2>&1 || bail "seed failed"

# Dates are compared in UTC, as the server compares the Date header's day.
export TZ=UTC

# imap CMD...: run Python with an imaplib connection M logged in as alice.
imap() {
  LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" -c '
import imaplib, os, re, ssl, sys, time
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]),
                      ssl_context=ctx)
M.login("alice", "alicepw")
def uids(folder, *crit):
    M.select(folder, readonly=True)
    typ, data = M.uid("SEARCH", *crit)
    assert typ == "OK", data
    return " ".join(str(u) for u in sorted(int(x) for x in data[0].split()))
def append(folder, flags, raw):
    typ, data = M.append(folder, flags, None, raw.replace(b"\n", b"\r\n"))
    assert typ == "OK", data
'"$1"'
M.logout()' "${@:2}"
}

# The special messages, appended with the flags the tests need.
imap '
for f in ("Dates", "Archivio"):
    M.create(f)
    M.subscribe(f)
def msg(subject, body, extra="", ctype="text/plain; charset=utf-8"):
    return ("From: Test Sender <sender@lab.posta.test>\n"
            "To: Alice Lab <alice@lab.posta.test>\n" + extra +
            "Subject: " + subject + "\n"
            "Date: Mon, 03 Jun 2024 12:00:00 +0000\n"
            "MIME-Version: 1.0\nContent-Type: " + ctype + "\n\n" +
            body + "\n").encode()
append("INBOX", "", msg("Solo nel corpo", "la parola zanzibar sta qui"))
append("INBOX", "", msg("Solo HTML", "<html><body><p>Un <b>quokka</b> "
       "felice</p></body></html>", ctype="text/html; charset=utf-8"))
append("INBOX", "", (
    "From: Test Sender <sender@lab.posta.test>\nTo: alice@lab.posta.test\n"
    "Subject: Un allegato\nDate: Mon, 03 Jun 2024 12:00:00 +0000\n"
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=xx\n\n"
    "--xx\nContent-Type: text/plain\n\nvedi allegato\n"
    "--xx\nContent-Type: application/pdf\n"
    "Content-Disposition: attachment; filename=\"preventivo_kilimangiaro.pdf\"\n"
    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--xx--\n").encode())
append("INBOX", "", msg("Copia", "nessuna parola speciale",
       extra="Cc: Xilofono Bianco <xb@lab.posta.test>\n"))
append("INBOX", "", msg("=?UTF-8?Q?Riunione_del_comitato_per?=\n"
       " =?UTF-8?Q?_la_citt=C3=A0_di_Pordenone?=", "ordine del giorno"))
append("INBOX", "", msg("Accenti", "perch\u00e9 la signora M\u00fcller "
       "non viene?"))
for day, flags in (("05 Jan 2024", ""), ("31 Jan 2024", "\\Seen"),
                   ("01 Feb 2024", ""), ("29 Feb 2024", "\\Flagged"),
                   ("01 Mar 2024", ""), ("15 Mar 2024", ""),
                   ("31 Mar 2024", "\\Seen"), ("01 Apr 2024", ""),
                   ("30 Dec 2023", ""), ("01 Jan 2025", "")):
    append("Dates", flags, ("From: d@lab.posta.test\nSubject: giorno "
           + day + "\nDate: Mon, " + day + " 12:00:00 +0000\n\nx\n").encode())
' || bail "cannot append the test messages"

CONF=$W/posta.conf
# A copy of the CA: the lab's directory goes with lab_down, the config stays.
cp "$LAB_CA" "$W/ca.pem" || bail "cannot copy the lab CA"
{
  printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$W"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' \
    "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$W/ca.pem"
} >"$CONF"
chmod 600 "$CONF"
P() { "$POSTA" -c "$CONF" "$@"; }
S() { "$POSTA" -c "$CONF" --offline search "$@"; }
# subjects QUERY...: the subjects found, sorted, joined by "|".
subjects() {
  S --json "$@" | "$PY" -c '
import json, sys
print("|".join(sorted(json.loads(l)["subject"] for l in sys.stdin if l.strip())))'
}
# uids FOLDER QUERY...: the UIDs found in FOLDER, ascending.
uids() {
  local f=$1
  shift
  S --json --folder "$f" "$@" | "$PY" -c '
import json, sys
print(" ".join(str(u) for u in sorted(json.loads(l)["uid"] for l in sys.stdin if l.strip())))'
}

check "posta sync fills the store" P sync -q

# ---- each word is found by its field, and not by the others -------------------
same "a word only in the body: free word" "Solo nel corpo" "$(subjects zanzibar)"
same "... body:" "Solo nel corpo" "$(subjects body:zanzibar)"
same "... not subject:, from:, attachment:" "||" \
  "$(subjects subject:zanzibar)|$(subjects from:zanzibar)|$(subjects attachment:zanzibar)"
same "a word only in an HTML part: body:" "Solo HTML" "$(subjects body:quokka)"
same "... but not a tag name" "" "$(subjects body:html)"
same "a word only in an attachment's name: attachment:" "Un allegato" \
  "$(subjects attachment:kilimangiaro)"
same "... free word" "Un allegato" "$(subjects kilimangiaro)"
same "... not body:" "" "$(subjects body:kilimangiaro)"
same "a word only in Cc: cc:" "Copia" "$(subjects cc:xilofono)"
same "... to: (To and Cc)" "Copia" "$(subjects to:xilofono)"
same "... not from: or body:" "|" "$(subjects from:xilofono)|$(subjects body:xilofono)"
SUBJ="Riunione del comitato per la città di Pordenone"
same "a folded multi-word encoded subject: its last word" "$SUBJ" \
  "$(subjects subject:pordenone)"
same "... a phrase across the two encoded words" "$SUBJ" \
  "$(subjects 'subject:"comitato per la citta"')"
same "... not body:" "" "$(subjects body:pordenone)"
same "accents: PERCHE finds perché" "Accenti" "$(subjects body:PERCHE signora)"
same "muller finds Müller" "Accenti" "$(subjects muller signora)"
same "müller finds Müller" "Accenti" "$(subjects müller signora)"
same "citta finds città in a subject" "$SUBJ" "$(subjects citta pordenone)"

# ---- the same answers as the server's UID SEARCH ----------------------------------
cmp_server() { # DESC FOLDER "IMAP CRITERIA" QUERY...
  local desc=$1 folder=$2 crit=$3 want got
  shift 3
  want=$(imap "print(uids(sys.argv[1], *sys.argv[2:]))" "$folder" $crit)
  got=$(uids "$folder" "$@")
  if [[ -n $want && $want == "$got" ]]; then ok "$desc"
  else not_ok "$desc" "server: $want
posta:  $got"; fi
}
cmp_server "from:rossi = FROM rossi" INBOX "FROM rossi" from:rossi
cmp_server "from:bianchi = FROM bianchi" INBOX "FROM bianchi" from:bianchi
cmp_server "subject:meeting = SUBJECT meeting" INBOX "SUBJECT meeting" subject:meeting
cmp_server "subject:invoice = SUBJECT invoice" INBOX "SUBJECT invoice" subject:invoice
cmp_server "is:unread = UNSEEN" INBOX "UNSEEN" is:unread
cmp_server "is:flagged = FLAGGED" INBOX "FLAGGED" is:flagged
cmp_server "is:replied = ANSWERED" INBOX "ANSWERED" is:replied
cmp_server "larger:5k = LARGER 5120" INBOX "LARGER 5120" larger:5k
cmp_server "smaller:2k = SMALLER 2048" INBOX "SMALLER 2048" smaller:2k
cmp_server "is:unread -from:rossi = UNSEEN NOT FROM rossi" INBOX \
  "UNSEEN NOT FROM rossi" is:unread -from:rossi
cmp_server "date:2024-01-01..2024-03-31 = SENTSINCE SENTBEFORE" Dates \
  "SENTSINCE 1-Jan-2024 SENTBEFORE 1-Apr-2024" date:2024-01-01..2024-03-31
cmp_server "date:2024-02 = SENTSINCE 1-Feb SENTBEFORE 1-Mar" Dates \
  "SENTSINCE 1-Feb-2024 SENTBEFORE 1-Mar-2024" date:2024-02
cmp_server "date:2024 = SENTSINCE 1-Jan-2024 SENTBEFORE 1-Jan-2025" Dates \
  "SENTSINCE 1-Jan-2024 SENTBEFORE 1-Jan-2025" date:2024
cmp_server "after:2024-02-29 = SENTSINCE 29-Feb-2024" Dates \
  "SENTSINCE 29-Feb-2024" after:2024-02-29
cmp_server "before:2024-02-01 = SENTBEFORE 1-Feb-2024" Dates \
  "SENTBEFORE 1-Feb-2024" before:2024-02-01
cmp_server "date:2024-03-31 = SENTON 31-Mar-2024" Dates \
  "SENTON 31-Mar-2024" date:2024-03-31

# ---- the command itself -----------------------------------------------------------
n_all=$(S --count 'is:read OR is:unread')
same "--count prints the number only" 166 "$n_all"
same "--limit 3 --json gives three rows" 3 "$(S --json --limit 3 citta | wc -l | tr -d ' ')"
keys() { "$PY" -c 'import json,sys; print(sorted(json.loads(sys.stdin.readline()).keys()))'; }
same "--json rows have the keys of posta list --json" \
  "$(P list --json INBOX | keys)" "$(S --json --limit 1 zanzibar | keys)"
same "--json names the folder" '"folder":"Dates"' \
  "$(S --json --limit 1 date:2024-01 | grep -o '"folder":"[^"]*"')"
dates=$(S --json date:2024 | "$PY" -c '
import json, sys
d = [json.loads(l)["date"] for l in sys.stdin]
print("newest first" if d == sorted(d, reverse=True) and len(d) > 5 else d)')
same "newest first" "newest first" "$dates"
same "--folder limits to one folder" 10 "$(S --count --folder Dates 'is:read OR is:unread')"
same "--account limits to one account" 166 "$(S --count --account lab 'is:read OR is:unread')"
out=$(S --account nosuch x 2>&1); rc=$?
same "--account with an unknown account fails" "1" "$rc"
th=$(S --count --threads 'subject:"meeting notes"')
plain=$(S --count 'subject:"meeting notes"')
same "--threads adds the rest of the threads" yes \
  "$([[ $th -ge $plain && $plain -gt 0 ]] && echo yes || echo "$th < $plain")"

# ---- hostile queries: a positioned error, never SQLite's words ---------------------
BEFORE=$(S --count 'is:read OR is:unread')
hostile() { # DESC EXPECTED-MESSAGE QUERY
  local out rc
  out=$(S "$3" 2>&1); rc=$?
  if [[ $rc -ne 0 && $out == *"$2"* && $out != *SQL* && $out != *fts5* ]]; then
    ok "$1"
  else
    not_ok "$1" "exit $rc: $out"
  fi
}
hostile "a lone quote" "search: 2: missing '\"' to close the '\"' at 1" '"'
hostile "a lone star" "search: 1: expected a word" '*'
hostile "NEAR(" "search: 6: missing ')' to close the '(' at 5" 'NEAR('
hostile "'; DROP" "search: 1: expected a word" "'; DROP TABLE message; --"
hostile "an unclosed group" "search: 15: missing ')' to close the '(' at 1" '(fattura rossi'
hostile "10,000 parentheses" "search: 33: more than 32 nested groups" \
  "$(printf '(%.0s' $(seq 4000))a"
hostile "10,000 parentheses: over the length bound" \
  "search: the query is 10001 bytes long; at most 4096 are allowed" \
  "$(printf '(%.0s' $(seq 10000))a"
hostile "invalid UTF-8" "search: 3: invalid UTF-8 (byte 0xFF)" $'ab\xff'
hostile "an unknown field" "search: 1: unknown field 'form:'" 'form:rossi'
same "the store is intact" "$BEFORE ok" \
  "$(S --count 'is:read OR is:unread') $(sqlite3 "$W/posta.db" 'PRAGMA integrity_check')"

# ---- a move, an expunge and a flag change show in the next search ------------------
id=$(S --json zanzibar | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
check "move the body-word message to Archivio (offline)" P --offline move "$id" Archivio
same "the next search finds it in Archivio" "Archivio" \
  "$(S --json zanzibar | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["folder"])')"
same "folder:INBOX no longer does" "0" "$(S --count folder:INBOX zanzibar)"
imap '
M.select("INBOX")
typ, data = M.uid("SEARCH", "SUBJECT", "\"Solo HTML\"")
M.uid("STORE", data[0], "+FLAGS", "(\\Deleted)")
M.expunge()
typ, data = M.uid("SEARCH", "SUBJECT", "Copia")
M.uid("STORE", data[0], "+FLAGS", "(\\Flagged)")
' || bail "cannot change the server"
check "posta sync pulls the expunge and the flag" P sync -q
same "the expunged message is gone from the search" "" "$(subjects quokka)"
same "the flag change is searchable" "Copia" "$(subjects is:flagged cc:xilofono)"
check "a local flag change (offline)" P --offline flag "$id" +flagged
same "is:flagged finds it at once" "Solo nel corpo" "$(subjects is:flagged zanzibar)"

# ---- with the server gone --------------------------------------------------------------
lab_down >/dev/null 2>&1
out=$(P search --json müller signora 2>&1); rc=$?
same "search works with the server down (no --offline)" "0 Accenti" "$rc $(grep -o '"subject":"[^"]*"' <<<"$out" | cut -d'"' -f4)"
out=$(P search '(fattura' 2>&1); rc=$?
same "a syntax error exits non-zero with the position" "2 posta: search: 9: missing ')' to close the '(' at 1" "$rc $out"

echo "# $failed of $PLAN failed"
[[ $n -eq $PLAN ]] || { echo "# ran $n tests, planned $PLAN"; exit 1; }
[[ $failed -eq 0 ]]
