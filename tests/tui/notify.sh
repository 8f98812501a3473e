#!/bin/bash
# Other folders kept current while the TUI idles on one (issue 13 item 1),
# against the lab, with periodic checks off (check_interval = 0): with
# IMAP NOTIFY (the lab's Dovecot offers it: mailbox_list_index = yes) a
# message appended by another client to a folder that is not open shows
# in the sidebar's count within seconds. Without NOTIFY (a lab that does
# not offer it) nothing tells the TUI, until check_interval is set: then
# the periodic STATUS check brings it.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"

work() { tui_screen | grep -o 'Work *[0-9/]*' | head -n1; }
n=0
append() { # a new message in Work, by another client
  n=$((n + 1))
  printf 'From: Other <other@example.net>\r\nTo: alice@localhost\r\nSubject: Elsewhere %s\r\nDate: %s\r\nMessage-ID: <w%s-%s@posta.test>\r\n\r\nHi.\r\n' \
    "$n" "$(date -R)" "$n" "$$" >"$T/w.eml"
  $IMAPCTL append Work "$T/w.eml"
}
changes() { # changes SECS: does Work's count change within SECS?
  local before after end=$((SECONDS + $1))
  before=$(work)
  append
  while ((SECONDS < end)); do
    after=$(work)
    [[ -n $after && $after != "$before" ]] && { said="$before -> $after"; return 0; }
    sleep 0.2
  done
  said="$before -> $(work)"
  return 1
}

tui_lab_synced 0
TUI_ARGS=
tui_start 120 30
tui_wait "online" 30 && tui_wait "Work" 10
ok $? "NOTIFY: the TUI is online on INBOX"
changes 15
ok $? "NOTIFY: a message appended to Work shows in its count ($said)"
changes 15
ok $? "NOTIFY: and the next one too ($said)"
tui_quit
lab_down

tui_lab_synced 0 --imap-capability "$(lab_caps NOTIFY)"
tui_start 120 30
tui_wait "online" 30 && tui_wait "Work" 10
# A window, not a wait for an event: nothing may come in it.
! changes 6
ok $? "no NOTIFY, check_interval = 0: nothing tells the TUI ($said)"
tui_quit
sed -i 's/^check_interval = 0$/check_interval = 2/' "$T/config"
tui_start 120 30
tui_wait "online" 30 && tui_wait "Work" 10 && changes 15
ok $? "no NOTIFY, check_interval = 2: the periodic check brings it ($said)"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
