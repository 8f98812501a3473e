#!/bin/bash
# A wrong password is not retried forever (issue 13): after the server
# refuses the login the account stops trying, says so in the status line
# and the sidebar, and logs in again only when the user acts ($): exactly
# one login per user action, counted in the lab Dovecot's log.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 5
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 3 1 >/dev/null 2>&1 || skip_all "lab seed failed"

tui_lab_config
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }
sed -i "s/^password = .*/password = wrong-$$/" "$T/config"

# Refused logins of alice so far (Dovecot logs each with its reason).
refusals() { grep -c 'user=<alice>.*auth failed\|auth failed.*user=<alice>' "$LAB_DOVECOT_LOG"; }
wait_refusals() { # wait_refusals N: until the log holds N (30 s)
  local i
  for ((i = 0; i < 150; i++)); do
    [[ $(refusals) -ge $1 ]] && break
    sleep 0.2
  done
  [[ $(refusals) -eq $1 ]]
}

TUI_ARGS=
tui_start 120 30
tui_wait "login refused (\$ tries again)" 20 && wait_refusals 1
ok $? "a wrong password: the status line says the login was refused"
tui_screen | grep -q '^alice  *login refused'
ok $? "the sidebar marks the account"
# The old back-off tried again after 2 s, then 4 s: within 8 s at least
# twice more. This window is what is checked, not a wait for an event.
sleep 8
[[ $(refusals) -eq 1 ]]
ok $? "no login tried again by itself ($(refusals) refused)"
tui_keys '$'
wait_refusals 2 && tui_wait "login refused (\$ tries again)" 10
ok $? "\$ tries once more: exactly one more login"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
