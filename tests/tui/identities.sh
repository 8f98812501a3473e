#!/bin/bash
# Identities: with `alternates` and `identities` set, a group reply (g)
# to a message sent to one of the user's other addresses leaves every
# address of the user out, answers From the address it was sent to (named
# as the identity names it), and the sink gets it so; in the compose
# screen, f picks From among the identities (Tab completes a word).
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 5
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
tui_lab_config
cat >>"$T/config" <<'CONF'
identities = Alice at Work <alice.work@localhost>, Alice Club <club@localhost>
alternates = al[0-9]+@localhost old-alice@example\.org
CONF
posta() { "$POSTA" -c "$T/config" "$@"; }

cat >"$T/m1.eml" <<'MSG'
From: Zed <zed@example.org>
To: alice.work@localhost, team@example.org
Cc: al7@localhost, Alice <alice@localhost>, OLD-alice@example.org
Subject: Quarterly plan
Date: Thu, 01 Jan 2026 10:00:00 +0000
Message-ID: <ident1@example.org>

Numbers attached.
MSG
lab_deliver alice INBOX "$T/m1.eml" || { echo "Bail out! deliver"; exit 1; }
posta sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

cat >"$T/editor" <<'ED'
#!/bin/sh
printf 'Written by the test editor.\n' >>"$1"
ED
chmod +x "$T/editor"
spooled() { ls "$SMTP_SPOOL"/*.eml 2>/dev/null | wc -l; }

TUI_ARGS=
tui_start 110 30 EDITOR="$T/editor" VISUAL= HOME="$T"
tui_wait "online" 10
tui_wait "Quarterly plan" 10 || { ok 1 "synced"; tui_done; }
tui_keys / "Quarterly plan" Enter
tui_wait_selected "Quarterly plan"

tui_keys g
tui_wait "Re: Quarterly plan"
scr=$(tui_screen)
grep -q "From: *Alice at Work <alice.work@localhost>" <<<"$scr"
ok $? "g: From is the identity the message was sent to"
grep -q "To: *Zed <zed@example.org>" <<<"$scr" &&
  grep -q "Cc: *team@example.org *$" <<<"$scr" &&
  ! grep -qi "al7@\|alice@localhost\|old-alice" <<<"$scr"
ok $? "g: no address of the user among the recipients"
tui_keys y
end=$(_tui_deadline 20)
while [[ $(spooled) == 0 ]] && _tui_before "$end"; do sleep 0.05; done
f=$(ls "$SMTP_SPOOL"/*.eml 2>/dev/null | head -n1)
[[ -n $f ]] && grep -q '"mail_from": "alice.work@localhost"' "${f%.eml}.json" &&
  grep -q "^From: Alice at Work <alice.work@localhost>" "$f" &&
  ! grep -q "al7@localhost\|alice@localhost" "${f%.eml}.json"
ok $? "the sink got it from alice.work@localhost, for the others only"

tui_keys m
tui_wait "From: Alice <alice@localhost>"
tui_keys f
tui_wait "From: Alice <alice@localhost>"
tui_keys C-u club Tab
tui_wait "From: Alice Club <club@localhost>"
tui_keys Enter
tui_wait "Attachments"
grep -Eq "│ +From: Alice Club <club@localhost>" <<<"$(tui_screen)"
ok $? "f: Tab completes a word of an identity into From"
tui_keys q
tui_wait "y/n" && tui_keys y
tui_gone "Alice Club"
tui_keys q
tui_wait "[posta exited 0]"
ok $? "posta exits cleanly"
tui_done
