#!/bin/bash
# The query language in the index (doc/SEARCH.md): l limits the index to
# the messages that match (status line: the limit and its count), l with
# nothing clears it (the count comes after the limited rows are drawn),
# a syntax error is named with its position; / and n
# find the next match and wrap around the folder.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 11
tui_setup 200
tui_start
tui_wait "[200 messages" || { ok 1 "started"; tui_done; }

# mkstore: "Invoice %d" is every eighth subject, 24 of 200.
tui_keys l "subject:invoice" Enter
tui_wait "[limit: subject:invoice: 24 of 200 messages]"
ok $? "l limits the index and the status line shows the limit and count"
rows=$(tui_screen | grep -cP '│\s*\S')
others=$(tui_screen | grep -P '│\s*\S' | grep -vc 'Invoice')
[[ $rows -gt 5 && $others -eq 0 ]]
ok $? "only matching messages are listed ($rows rows, $others others)"
tui_keys G
tui_wait_selected "Invoice 197"
ok $? "the limited window scrolls to the oldest match"
tui_keys l "(subject:invoice" Enter
tui_wait "search: 17: missing ')'"
ok $? "a syntax error shows the positioned message"
tui_wait "[limit: subject:invoice: 24 of 200"
ok $? "and the limit stays as it was"
tui_keys l Enter
tui_wait "[200 messages, "
ok $? "l with an empty query clears the limit"
tui_keys l "subject:nosuchword" Enter
tui_wait "no message matches the limit" &&
  tui_wait "[limit: subject:nosuchword: 0 of 200 messages]"
ok $? "a limit with no match says so once it is counted"
tui_keys l "citta" Enter
tui_wait "[limit: citta: 24 of 200 messages]" && tui_keys l "all" Enter &&
  tui_wait "[200 messages, "
ok $? "a limit ignores accents, and l all clears it"

# / with the query language, wrapping around like mutt.
tui_keys G / "from:lucia" Enter
tui_wait_selected "Perché il caffè" && tui_wait "search wrapped to the top"
ok $? "/ finds a match above the cursor by wrapping around"
tui_keys / "subject:citta is:unread" Enter
tui_wait_selected "Città: orari"
sel1=$(tui_selected)
tui_keys n
# Polled until the selection moves: the row it starts on matches too.
moved() { sel2=$(tui_selected) && [[ $sel2 != "$sel1" ]]; }
tui_poll moved && [[ $sel2 == *"Città: orari"* ]]
ok $? "/ takes fields and flags, n goes to the next match"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "q quits with status 0"
tui_done
