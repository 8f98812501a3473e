#!/bin/bash
# Staying in sync while the TUI runs (issue 13), against the lab: a first
# run on an empty store connects and reaches the INBOX listing without a
# keypress; with check_interval set low, a message appended by another
# client to a folder that is not open shows in the sidebar's count, and a
# POP3 account's new message shows too.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 5 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
  skip_all "lab seed failed"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
tui_lab_config
echo "check_interval = 2" >>"$T/config"
cat >>"$T/config" <<CONF

[account bob]
protocol = pop3
email = bob@localhost
host = $LAB_HOST
port = $POP3S_PORT
tls = implicit
ca_file = $T/ca.pem
user = $LAB_USER2
password = $LAB_PASS2
pop3_keep = yes
check_interval = 2
CONF
rm -f "$T/posta.db"

# First run: no store at all. No key is pressed.
TUI_ARGS=
tui_start 120 30
tui_wait "alice: INBOX  [5 messages" 30
ok $? "first run: the INBOX listing comes without a keypress"
tui_wait "Work" 10 && tui_wait "online" 10
ok $? "first run: the sidebar lists the folders, the status line says online"
tui_gone "no mail stored yet" 5
ok $? "first run: the words about no mail stored go once it is there"

# Work is not open (INBOX is watched): NOTIFY or the periodic check sees
# it (tests/tui/notify.sh tells the two apart).
work() { tui_screen | grep -o 'Work *[0-9/]*' | head -n1; }
before=$(work)
printf 'From: Other <other@example.net>\r\nTo: alice@localhost\r\nSubject: Checked\r\nDate: %s\r\nMessage-ID: <checked@posta.test>\r\n\r\nHi.\r\n' \
  "$(date -R)" >"$T/checked.eml"
$IMAPCTL append Work "$T/checked.eml"
for ((i = 0; i < 100; i++)); do
  after=$(work)
  [[ -n $after && $after != "$before" ]] && break
  sleep 0.2
done
[[ -n $before && -n $after && $after != "$before" ]]
ok $? "check_interval: a message appended to Work shows in its count ($before -> $after)"
# bob (POP3): a session every check_interval brings the new message.
bob() { tui_screen | sed -n '/^bob/,$p' | grep -o 'INBOX *[0-9/]*' | head -n1; }
for ((i = 0; i < 100; i++)); do [[ -n $(bob) ]] && break; sleep 0.2; done
before=$(bob)
sed 's/checked@/bob1@/; s/Subject: Checked/Subject: For bob/' "$T/checked.eml" >"$T/bob.eml"
lab_deliver bob INBOX "$T/bob.eml" >/dev/null 2>&1
for ((i = 0; i < 100; i++)); do
  after=$(bob)
  [[ -n $after && $after != "$before" ]] && break
  sleep 0.2
done
[[ -n $before && -n $after && $after != "$before" ]]
ok $? "check_interval: a POP3 account's new message shows ($before -> $after)"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
