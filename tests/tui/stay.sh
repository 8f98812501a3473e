#!/bin/bash
# Staying in sync while the TUI runs (issue 13), against the lab: a first
# run on an empty store connects and reaches the INBOX listing without a
# keypress.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 3
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 5 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
  skip_all "lab seed failed"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
tui_lab_config
rm -f "$T/posta.db"

# First run: no store at all. No key is pressed.
TUI_ARGS=
tui_start 120 30
tui_wait "alice: INBOX  [5 messages" 30
ok $? "first run: the INBOX listing comes without a keypress"
tui_wait "Work" 10 && tui_wait "online" 10
ok $? "first run: the sidebar lists the folders, the status line says online"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
