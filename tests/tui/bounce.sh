#!/bin/bash
# bounce-message (b): the message is remailed through the outbox to the
# address typed, with Resent-Date/From/To/Message-ID prepended; the sink
# gets it from the user for that address alone, and everything after the
# Resent-* block is the original, byte for byte.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 4
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
tui_lab_config
posta() { "$POSTA" -c "$T/config" "$@"; }

printf '%s\r\n' "From: Zed <zed@example.org>" "To: alice@localhost" \
  "Cc: carl@example.org" "Subject: Bounce me" \
  "Date: Thu, 01 Jan 2026 10:00:00 +0000" "Message-ID: <bounce1@example.org>" \
  "Content-Type: text/plain; charset=utf-8" "Content-Transfer-Encoding: 8bit" "" \
  "Caf$(printf '\xc3\xa9') with trailing spaces   " ".a line with a dot" "" "-- " "Zed" >"$T/m1.eml"
lab_deliver alice INBOX "$T/m1.eml" || { echo "Bail out! deliver"; exit 1; }
posta sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }
spooled() { ls "$SMTP_SPOOL"/*.eml 2>/dev/null | wc -l; }

TUI_ARGS=
tui_start 110 30 HOME="$T"
tui_wait "online" 10
tui_wait "Bounce me" 10 || { ok 1 "synced"; tui_done; }
tui_keys / "Bounce me" Enter
tui_wait_selected "Bounce me"
tui_keys b
tui_wait "Bounce the message to:"
tui_keys "Dora <dora@example.net>" Enter
tui_wait "queued in the outbox"
end=$(_tui_deadline 20)
while [[ $(spooled) == 0 ]] && _tui_before "$end"; do sleep 0.05; done
f=$(ls "$SMTP_SPOOL"/*.eml 2>/dev/null | head -n1)
[[ -n $f ]] && grep -q '"mail_from": "alice@localhost"' "${f%.eml}.json" &&
  grep -q '"dora@example.net"' "${f%.eml}.json" &&
  ! grep -q "zed@\|carl@" "${f%.eml}.json"
ok $? "the sink got the bounce from alice, for dora alone"
head -n4 "$f" | tr -d '\r' >"$T/resent"
grep -q "^Resent-Date: [A-Z][a-z][a-z], " "$T/resent" &&
  grep -qx "Resent-From: Alice <alice@localhost>" "$T/resent" &&
  grep -qx "Resent-To: Dora <dora@example.net>" "$T/resent" &&
  grep -q "^Resent-Message-ID: <[0-9a-f]*@localhost>$" "$T/resent"
ok $? "Resent-Date, -From, -To and -Message-ID come first"
tail -n +5 "$f" | cmp -s - "$T/m1.eml"
rc=$?
(( rc == 0 )) || diff <(tail -n +5 "$f" | od -c) <(od -c "$T/m1.eml") | sed 's/^/# /' | head -n 20
ok $rc "the original follows byte for byte"
tui_keys q
tui_wait "[posta exited 0]"
ok $? "posta exits cleanly"
tui_done
