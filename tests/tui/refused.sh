#!/bin/bash
# A wrong password is not retried forever (issue 13 item 5): after the
# server refuses the login the account stops trying and says so in the
# status line and the sidebar. A password from the file is never sent
# again: $ asks for one (never echoed) and tries it once; Esc tries
# nothing. A password_command is run again, once, on $. Exactly one login
# per user action, counted in the lab Dovecot's log.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 12
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
ASK="Password for account alice (alice at $LAB_HOST):"

TUI_ARGS=
tui_start 120 30
tui_wait "login refused (\$ asks for the password)" 20 && wait_refusals 1
ok $? "a wrong password: the status line says the login was refused"
tui_screen | grep -q '^alice  *login refused'
ok $? "the sidebar marks the account"
# The old back-off tried again after 2 s, then 4 s: within 8 s at least
# twice more. This window is what is checked, not a wait for an event.
sleep 8
[[ $(refusals) -eq 1 ]]
ok $? "no login tried again by itself ($(refusals) refused)"

tui_keys '$'
tui_wait "$ASK" 10 && [[ $(refusals) -eq 1 ]]
ok $? "\$ asks for the password instead of sending the refused one again"
tui_keys "typed-$$"
tui_wait "$ASK" 5 && ! tui_screen | grep -q "typed-$$"
ok $? "what is typed is not echoed"
tui_keys Enter
wait_refusals 2 && tui_wait "login refused (\$ asks for the password)" 10
ok $? "the typed password is tried once: exactly one more login"
tui_keys '$'
tui_wait "$ASK" 10 && tui_keys Escape && tui_gone "$ASK" 10
sleep 3	# a window, as above: nothing may be tried in it
[[ $(refusals) -eq 2 ]] && tui_screen | grep -q 'login refused'
ok $? "Esc at the prompt tries nothing ($(refusals) refused)"
tui_keys '$'
tui_wait "$ASK" 10 && tui_keys "$LAB_PASS" Enter && tui_wait "online" 20 &&
  tui_wait "alice: INBOX  [3 messages" 10 && [[ $(refusals) -eq 2 ]]
ok $? "the right password typed: online, with no refusal more"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"

# password_command: run again, once, on $ (it may have been fixed).
cat >"$T/pwcmd" <<SH
echo run >>"$T/pwruns"
cat "$T/pw"
SH
echo "wrong-cmd-$$" >"$T/pw"
sed -i "s|^password = .*|password_command = sh $T/pwcmd|" "$T/config"
runs() { cat "$T/pwruns" 2>/dev/null | wc -l; }
tui_start 120 30
tui_wait "login refused (\$ tries again)" 20 && wait_refusals 3 && [[ $(runs) -eq 1 ]]
ok $? "password_command refused: the status line says \$ tries again"
tui_keys '$'
wait_refusals 4 && tui_wait "login refused (\$ tries again)" 10 && [[ $(runs) -eq 2 ]] &&
  ! tui_screen | grep -q 'Password for'
ok $? "\$ runs password_command once more, one login, no prompt ($(runs) runs)"
echo "$LAB_PASS" >"$T/pw"
tui_keys '$'
tui_wait "online" 20 && [[ $(runs) -eq 3 && $(refusals) -eq 4 ]]
ok $? "the command fixed, \$ logs in ($(runs) runs)"
tui_done
