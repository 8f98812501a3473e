#!/bin/bash
# Sending from the TUI's composer to three recipients of whom the server
# refuses one for good (550): the message line names the refused address
# and the server's reply and says the message is held for it; posta outbox
# then lists it refused, for that address only. At 80 columns.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"

tui_lab_config
posta() { "$POSTA" -c "$T/config" "$@"; }
posta sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

# The editor: three recipients, a subject and a body.
cat >"$T/editor" <<'ED'
#!/bin/sh
sed -i 's/^To: *$/To: bob@localhost, carol@localhost, dave@localhost/; s/^Subject: *$/Subject: TUI refused/' "$1"
printf 'Written by the test editor.\n' >>"$1"
ED
chmod +x "$T/editor"
# The sink refuses carol for good (smtp_sink.py reads this file at RCPT).
echo "carol@localhost 550" >"$(dirname "$SMTP_SPOOL")/refuse"
# deliveries ADDRESS: how many messages the sink took for ADDRESS.
deliveries() {
  cat "$SMTP_SPOOL"/*.json 2>/dev/null | grep -c "\"$1\""
}

TUI_ARGS=
tui_start 80 24 EDITOR="$T/editor" VISUAL= HOME="$T"
tui_wait "online" 10
ok $? "the worker connects"

tui_keys m
tui_wait "Subject: TUI refused"
ok $? "m runs the editor; the compose screen shows the fields"
tui_keys y
tui_wait "carol@localhost: 550 5.1.1" 20
ok $? "the message line names the refused address and the server's reply"
tail -n1 <<<"$TUI_LAST_SCREEN" | grep -q '^outbox [0-9]* held for carol@localhost: 550'
ok $? "... first of all, on 80 columns, that the message is held for it"
[[ $(deliveries bob@localhost) == 1 && $(deliveries dave@localhost) == 1 &&
   $(deliveries carol@localhost) == 0 ]]
ok $? "bob and dave got it once, carol not"
posta outbox >"$T/outbox"
grep -q '^[0-9]* *refused .*TUI refused' "$T/outbox" &&
  grep -q 'still for: carol@localhost (' "$T/outbox" &&
  grep -q 'carol@localhost: 550 5.1.1' "$T/outbox"
ok $? "posta outbox lists it held (refused) for carol, with the reply"
[[ $_tui_failed == 0 ]] || { tui_screen | sed 's/^/# /'; sed 's/^/# /' "$T/outbox"; }
tui_quit
tui_done
