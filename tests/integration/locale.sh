#!/bin/bash
# locale.sh - posta in a Turkish locale (TAP).
#
# Header names, charset names and transfer encodings are ASCII and matched
# without regard to case, by posta and inside libetpan, with strcasecmp(),
# which follows LC_CTYPE. In tr_TR.UTF-8 'I' and 'i' are not a case pair,
# so "MIME-VERSION" would not match "Mime-Version" nor "QUOTED-PRINTABLE"
# "quoted-printable". A message written in capitals must render the same
# there as in C.UTF-8. No server: the message comes in by posta import.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=6

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-locale-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT

# The Turkish locale, built here so the machine needs none installed.
# (localedef exits 1 for mere warnings: the directory is what counts.)
mkdir -p "$W/loc"
localedef -i tr_TR -f UTF-8 "$W/loc/tr_TR.UTF-8" >"$W/localedef.log" 2>&1
[[ -d $W/loc/tr_TR.UTF-8 ]] || bail "localedef tr_TR.UTF-8 failed: $(tail -n 2 "$W/localedef.log")"
tr_ok=$(LOCPATH=$W/loc LC_ALL=tr_TR.UTF-8 locale charmap 2>/dev/null)
same "the Turkish locale is usable" "UTF-8" "$tr_ok"

{
  printf '[general]\nstore = %s\n\n[account p]\nprotocol = pop3\n' "$W/store.db"
  printf 'host = 127.0.0.1\nport = 9\ntls = implicit\nuser = u\npassword = p\n'
} >"$W/conf"
chmod 600 "$W/conf"

# Capitals wherever RFC 2045 lets them be; the dotted letters are the point.
printf '%s\n' "From MAILER-DAEMON Thu Jan  1 00:00:00 2026" \
  "FROM: Ilhan <ilhan@example.com>" "TO: you@example.com" \
  "SUBJECT: =?ISO-8859-1?Q?Caff=E8_RIF?=" "DATE: Thu, 1 Jan 2026 10:00:00 +0000" \
  "MESSAGE-ID: <tr@posta.test>" "MIME-VERSION: 1.0" \
  "CONTENT-TYPE: MULTIPART/MIXED; BOUNDARY=\"XYZ\"" "" \
  "--XYZ" "CONTENT-TYPE: TEXT/PLAIN; CHARSET=ISO-8859-1" \
  "CONTENT-TRANSFER-ENCODING: QUOTED-PRINTABLE" "" \
  "Perch=E9 s=EC, disse Il=E0." "--XYZ" \
  "CONTENT-TYPE: APPLICATION/PDF; NAME=\"fIle.pdf\"" \
  "CONTENT-DISPOSITION: ATTACHMENT; FILENAME=\"fIle.pdf\"" \
  "CONTENT-TRANSFER-ENCODING: BASE64" "" "JVBERi0xLjQK" "--XYZ--" "" \
  >"$W/in.mbox"
out=$(LC_ALL=C.UTF-8 "$POSTA" -c "$W/conf" import -a p INBOX --mbox "$W/in.mbox" 2>&1)
has "the message is imported" "$out" "1 message"

c=$(LC_ALL=C.UTF-8 "$POSTA" -c "$W/conf" show 1 2>&1)
t=$(LOCPATH=$W/loc LC_ALL=tr_TR.UTF-8 "$POSTA" -c "$W/conf" show 1 2>&1)
has "in C.UTF-8 the quoted-printable Latin-1 body is decoded" "$c" "Perché sì, disse Ilà."
has "in tr_TR.UTF-8 it is decoded too" "$t" "Perché sì, disse Ilà."
has "in tr_TR.UTF-8 the attachment is listed" "$t" "fIle.pdf"
same "tr_TR.UTF-8 renders exactly as C.UTF-8" "$c" "$t"

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
exit $(( failed > 0 ))
