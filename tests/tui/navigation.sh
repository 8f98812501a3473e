#!/bin/bash
# Moving in the index: j/k, arrows, pages, ends, Tab to unread, / search,
# Enter/q into and out of the pager, o/O to sort, c to change folder.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 16
tui_setup 1000
"$MKSTORE" "$T/posta.db" alice Archive 30 || exit 1
tui_start
tui_wait "[1000 messages" || { ok 1 "started"; tui_done; }

tui_wait_selected "Perché il caffè"
ok $? "the newest message is selected at start"
tui_keys j j
tui_wait_selected "Re: Thread root topic"
ok $? "j moves down (two rows: the third message)"
tui_keys k
tui_wait_selected "Hostile"
ok $? "k moves up"
tui_keys Down Down Up
tui_wait_selected "Re: Thread root topic"
ok $? "arrow keys move too"
# mkstore: the last five share a date, so the oldest by (date, id) is 995.
tui_keys G
tui_wait_selected "Build #995 failed"
ok $? "G goes to the oldest message"
tui_keys Enter
tui_wait "loading..."
ok $? "a message without a stored body shows its headers and loading..."
tui_keys q =
tui_wait_selected "Perché il caffè"
ok $? "q leaves the pager, = goes back to the top"
tui_keys NPage
tui_gone "Perché il caffè"
sel=$(tui_selected)
[[ $sel != *"Perché"* && -n $sel ]]
ok $? "PageDown moves a screen down ($sel)"
tui_keys Home Tab
tui_wait_selected "N    " || true
tui_selected | grep -q '^N'
ok $? "Tab goes to the next unread message"
tui_keys / "weekly plan*" Enter
tui_wait_selected "Weekly planning"
ok $? "/ finds a message by words of its subject (prefix plan*)"
tui_keys / "Zoë" Enter
tui_wait_selected "Zoë Müller"
ok $? "/ finds a message by sender (UTF-8)"
# Sorting is a keyset on the store's sender index (schema version 5).
tui_keys o "from" Enter
tui_wait "flat, by from" && tui_wait_selected "Zoë Müller"
ok $? "o from sorts by sender and keeps the selected message"
tui_keys '='
tui_wait_selected "Andrea Esposito"
ok $? "sorted by sender, A comes first"
tui_keys O =
tui_wait "by from (reversed)" && tui_wait_selected "田中 太郎"
ok $? "O reverses the order"
tui_keys c "Arc" Tab Enter
tui_wait "alice: Archive  [30 messages"
ok $? "c opens another folder, Tab completes its name"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "q quits with status 0"
tui_done
