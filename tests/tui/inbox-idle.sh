#!/bin/bash
# INBOX kept current while another folder is open, on a server without
# NOTIFY (issue 13 item 1, the middle preference): the TUI idles on the
# open folder and on INBOX over a second connection, so with periodic
# checks off (check_interval = 0) a message another client appends to
# INBOX shows in the sidebar's count within seconds. The second connection
# is one, and goes when INBOX is opened again: counted as logins less
# disconnections in the lab Dovecot's log. A refused login on it (the
# password changed on the server meanwhile) is the account's: no retry
# until the user acts, then one login with what is typed.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 10
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
# A lab without NOTIFY, periodic checks off.
tui_lab_synced 0 --imap-capability "$(lab_caps NOTIFY)"

# alice's IMAP connections open now: logins less disconnections.
live() {
  local in out
  in=$(grep -Ec 'imap-login: (Info: )?Login: user=<alice>' "$LAB_DOVECOT_LOG")
  out=$(grep -Ec 'imap\(alice\)[^ ]*: (Info: )?Disconnected' "$LAB_DOVECOT_LOG")
  echo $((in - out))
}
wait_live() { # wait_live N: until exactly N are open (30 s)
  local i
  for ((i = 0; i < 150; i++)); do
    [[ $(live) -eq $1 ]] && return 0
    sleep 0.2
  done
  return 1
}
inbox() { tui_screen | grep -o ' INBOX  *[0-9][0-9/]*' | head -n1; }
n=0
append() { # a new message in INBOX, by another client
  n=$((n + 1))
  printf 'From: Other <other@example.net>\r\nTo: alice@localhost\r\nSubject: Meanwhile %s\r\nDate: %s\r\nMessage-ID: <i%s-%s@posta.test>\r\n\r\nHi.\r\n' \
    "$n" "$(date -R)" "$n" "$$" >"$T/i.eml"
  $IMAPCTL append INBOX "$T/i.eml"
}
changes() { # does INBOX's count change within 20 s?
  local before after i
  before=$(inbox)
  append
  for ((i = 0; i < 100; i++)); do
    after=$(inbox)
    [[ -n $before && -n $after && $after != "$before" ]] && { said="$before -> $after"; return 0; }
    sleep 0.2
  done
  said="$before -> $(inbox)"
  return 1
}

TUI_ARGS=
tui_start 120 30
tui_wait "online" 30 && tui_wait "alice: INBOX" 10 && wait_live 1
ok $? "INBOX open: one connection ($(live) open)"
tui_keys c Work Enter
tui_wait "alice: Work" 10 && wait_live 2
ok $? "Work open, no NOTIFY: a second connection idles on INBOX ($(live) open)"
changes
ok $? "a message appended to INBOX shows in its count ($said)"
changes
ok $? "and the next one too ($said)"
[[ $(live) -eq 2 ]]
ok $? "still two connections, no more ($(live) open)"
tui_keys c INBOX Enter
tui_wait "alice: INBOX" 10 && wait_live 1
ok $? "INBOX open again: the second connection is closed ($(live) open)"

# The password changes on the server; INBOX's connection is still logged
# in. Work opened: the second connection's login is refused.
refusals() { grep -c 'user=<alice>.*auth failed\|auth failed.*user=<alice>' "$LAB_DOVECOT_LOG"; }
sed -i "s/{PLAIN}$LAB_PASS:/{PLAIN}changed-$$:/" "$LAB_DIR/etc/passwd"
# Dovecot's passwd-file looks at the file at most once a second (a lookup
# in the same second as the last one uses what it read then): the next
# login must come in a later second than any before the change.
sleep 1.1
tui_keys c Work Enter
tui_wait "alice: Work" 10 && tui_wait "login refused (\$ asks for the password)" 30 &&
  [[ $(refusals) -eq 1 ]]
ok $? "the second connection's login refused: the account says so ($(refusals) refused)"
sleep 6	# a window, not a wait for an event: nothing may be tried in it
[[ $(refusals) -eq 1 ]]
ok $? "no login tried again by itself ($(refusals) refused)"
tui_keys '$'
tui_wait "Password for account alice" 10 && tui_keys "changed-$$" Enter &&
  tui_wait "online" 30 && wait_live 2 && [[ $(refusals) -eq 1 ]]
ok $? "the new password typed: online, two connections again ($(live) open, $(refusals) refused)"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
