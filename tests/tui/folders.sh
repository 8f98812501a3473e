#!/bin/bash
# Folders and accounts in the TUI against the lab (issue 17, item 6):
# create, rename and delete from the ':' prompt and from the sidebar reach
# Dovecot (doveadm mailbox list); deleting asks, and a folder holding mail
# needs a second yes; 'c ACCOUNT/FOLDER' opens another account's folder;
# ':' commands take arguments (':sort size') and name what is wrong.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 15
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 12 1 >/dev/null 2>&1 && lab_seed alice Pieno 2 3 >/dev/null 2>&1 &&
  lab_seed bob INBOX 3 2 >/dev/null 2>&1 || skip_all "lab seed failed"

tui_lab_config
cat >>"$T/config" <<CONF

[account bob]
protocol = imap
email = bob@localhost
host = $LAB_HOST
port = $IMAPS_PORT
tls = implicit
ca_file = $T/ca.pem
user = $LAB_USER2
password = $LAB_PASS2
CONF
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

# server_has USER NAME [SECS]: poll Dovecot until USER has folder NAME;
# server_lacks: until it has not.
mailboxes() { doveadm -c "$LAB_DOVECOT_CONF" mailbox list -u "$1" 2>/dev/null; }
server_poll() { # server_poll has|lacks USER NAME SECS
  local end
  end=$(_tui_deadline "${4:-20}")
  while :; do
    if mailboxes "$2" | grep -qxF -- "$3"; then
      [[ $1 == has ]] && return 0
    else
      [[ $1 == lacks ]] && return 0
    fi
    _tui_before "$end" || return 1
    sleep 0.05
  done
}

# The store's own list: a delete is written there before the prompt goes.
stored_has() { "$POSTA" -c "$T/config" --offline folders -a alice 2>/dev/null | grep -qw -- "$1"; }

TUI_ARGS=
tui_start 120 30
tui_wait "alice: INBOX  [12 messages" 20
ok $? "the TUI starts online on alice's Inbox"

tui_keys ":" "mkdir Progetti 2027" Enter
tui_wait "folder Progetti 2027 created in alice" && server_poll has alice "Progetti 2027"
ok $? ":mkdir NAME (a space in it) creates the folder on the server"

tui_keys ":" 'rename "Progetti 2027" Lavori' Enter
tui_wait "folder Progetti 2027 renamed to Lavori" &&
  server_poll has alice Lavori && server_poll lacks alice "Progetti 2027"
ok $? ":rename OLD NEW renames it on the server"

tui_keys ":" "rmdir Lavori" Enter
tui_wait "Delete folder Lavori of alice? (y/n)"
ok $? ":rmdir asks before deleting"
tui_keys n
tui_gone "Delete folder Lavori" && stored_has Lavori && mailboxes alice | grep -qxF Lavori
ok $? "n keeps the folder"
tui_keys ":" "rmdir Lavori" Enter
tui_wait "Delete folder Lavori of alice? (y/n)" && tui_keys y &&
  tui_wait "folder Lavori deleted from alice" && server_poll lacks alice Lavori
ok $? "y deletes it on the server"

tui_keys ":" "rmdir Pieno" Enter
tui_wait "Delete folder Pieno of alice? (y/n)" && tui_keys y &&
  tui_wait "Pieno still holds 2 messages: delete them with the folder? (y/n)"
ok $? "a folder holding mail asks a second time"
tui_keys n
tui_gone "Pieno still holds" && stored_has Pieno && mailboxes alice | grep -qxF Pieno
ok $? "n to the second question keeps it and its mail"

# The sidebar: the highlight follows the open folder; Esc C creates in its
# account, Esc R renames the highlighted folder, Esc D deletes it.
tui_keys c "Pieno" Enter
tui_wait "alice: Pieno  [2 messages" 10 && tui_keys M-D &&
  tui_wait "Delete folder Pieno of alice? (y/n)" && tui_keys y &&
  tui_wait "Pieno still holds 2 messages" && tui_keys y &&
  tui_wait "folder Pieno deleted from alice" && server_poll lacks alice Pieno &&
  tui_wait "alice: INBOX  [12 messages"
ok $? "Esc D deletes the highlighted folder (forced) on the server; the Inbox opens"
tui_keys M-C
tui_wait "Create a folder in alice:" && tui_keys "Nuova" Enter &&
  tui_wait "folder Nuova created in alice" && server_poll has alice Nuova
ok $? "Esc C creates a folder in the highlighted account on the server"
tui_keys c Nuova Enter
tui_wait "alice: Nuova  [0 messages" 10 && tui_keys M-R &&
  tui_wait "Rename folder Nuova of alice to: Nuova" && tui_keys C-u "Vecchia" Enter &&
  tui_wait "folder Nuova renamed to Vecchia" && server_poll has alice Vecchia &&
  server_poll lacks alice Nuova && tui_wait "alice: Vecchia"
ok $? "Esc R renames the highlighted folder on the server"

tui_keys c "bob/INBOX" Enter
tui_wait "bob: INBOX  [3 messages" 10
ok $? "c bob/INBOX opens the other account's Inbox"

tui_keys c "alice/INBOX" Enter
tui_wait "alice: INBOX  [12 messages" 10 && tui_keys ":" "sort size" Enter &&
  tui_wait "flat, by size"
ok $? ":sort size sorts by size"

tui_keys ":" "mkdir" Enter
tui_wait "mkdir: missing argument (:mkdir FOLDER)"
ok $? ":mkdir alone names the missing argument"
tui_keys ":" "frobnicate now" Enter
tui_wait "no command or action named 'frobnicate'"
ok $? "an unknown command is named"
tui_done
