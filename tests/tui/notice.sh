#!/bin/bash
# The new-mail notice (issue 13 item 3), against the lab: mail delivered to
# the watched INBOX while the TUI runs says "N new messages in FOLDER
# (ACCOUNT)." on the status line, and new_mail_command runs once per
# arrival with POSTA_ACCOUNT, POSTA_FOLDER and POSTA_NEW_COUNT in its
# environment, and bell_on_new_mail rings the terminal's bell once per
# arrival (tmux's alert-bell hook counts them); nothing runs and nothing
# rings when nothing new arrived (a pass over what is stored, a flag
# changed elsewhere).
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 10
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 3 1 >/dev/null 2>&1 || skip_all "lab seed failed"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
tui_lab_config
mkdir "$T/runs"
# Each run writes the three variables to a file of its own ($$: the sh),
# renamed into place once complete.
cat >"$T/notify" <<'SH'
env | grep -e '^POSTA_ACCOUNT=' -e '^POSTA_FOLDER=' -e '^POSTA_NEW_COUNT=' |
  sort >"$1/.$$" && mv "$1/.$$" "$1/run.$$"
SH
sed -i "/^\[general\]/a new_mail_command = sh $T/notify $T/runs\nbell_on_new_mail = yes" "$T/config"
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

mail() { # mail ID SUBJECT: delivered to alice's INBOX
  printf 'From: Other <other@example.net>\r\nTo: alice@localhost\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@posta.test>\r\n\r\nHi.\r\n' \
    "$2" "$(date -R)" "$1" >"$T/$1.eml"
  lab_deliver alice INBOX "$T/$1.eml" >/dev/null 2>&1
}
runs() { ls "$T/runs" | wc -l; }
poll_runs() { # poll_runs N: until N files, 20 s at most
  local i
  for ((i = 0; i < 100; i++)); do [[ $(runs) -ge $1 ]] && break; sleep 0.2; done
  [[ $(runs) -eq $1 ]]
}
newest() { cat "$(ls -t "$T"/runs/* | head -n1)"; }
bells() { cat "$T/bells" 2>/dev/null | wc -l; }
poll_bells() { # poll_bells N: until N bells, 20 s at most
  local i
  for ((i = 0; i < 100; i++)); do [[ $(bells) -ge $1 ]] && break; sleep 0.2; done
  [[ $(bells) -eq $1 ]]
}

TUI_ARGS=
tui_keep_server
tx set-hook -g alert-bell "run-shell 'echo bell >>$T/bells'"
tui_start 120 30
tui_wait "online" 30
ok $? "the TUI goes online"

mail n1 "First news"
tui_wait "1 new message in INBOX (alice)." 30
ok $? "one message delivered to INBOX: the status line says so"
poll_runs 1
ok $? "new_mail_command ran once (the start-up pass stored nothing new: no run)"
want=$'POSTA_ACCOUNT=alice\nPOSTA_FOLDER=INBOX\nPOSTA_NEW_COUNT=1'
[[ $(newest) == "$want" ]]
ok $? "its environment names the account, the folder and the count"
poll_bells 1
ok $? "bell_on_new_mail: the terminal's bell rang once ($(bells))"

# Offline, two arrive; back online, one pass stores both: one run.
tui_keys '@'
tui_wait "offline (by request)" 10
mail n2 "Second news" && mail n3 "Third news"
tui_keys '@'
tui_wait "2 new messages in INBOX (alice)." 30
ok $? "two messages in one pull: the plural sentence"
poll_runs 2 && [[ $(newest) == "${want%1}2" ]]
ok $? "new_mail_command ran once more, with POSTA_NEW_COUNT=2"
poll_bells 2
ok $? "one more pull with new mail: one more bell ($(bells))"

# A flag changed by another client is pulled, nothing new: no run.
side() { tui_screen | grep -o 'INBOX *[0-9/]*' | head -n1; }
before=$(side)
$IMAPCTL store INBOX '<n1@posta.test>' +FLAGS '(\Seen)'
for ((i = 0; i < 100; i++)); do [[ $(side) != "$before" ]] && break; sleep 0.2; done
[[ $(side) != "$before" && $(runs) -eq 2 && $(bells) -eq 2 ]]
ok $? "a flag change elsewhere is pulled ($before -> $(side)) without a run or a bell"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
