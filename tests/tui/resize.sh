#!/bin/bash
# Resizing keeps a sane screen; a terminal too small gets a message.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 7
tui_setup 200
tui_start 100 30
tui_wait "[200 messages" || { ok 1 "started"; tui_done; }

tx resize-window -t "$TUI_SESSION" -x 80 -y 24
tui_wait "[200 messages"
scr=$(tui_screen)
sed -n 23p <<<"$scr" | grep -q "alice: INBOX"
ok $? "80x24: the status line moves to the new last-but-one row"
sed -n 1p <<<"$scr" | grep -q "Perché il caffè"
ok $? "80x24: the index is still drawn"

tx resize-window -t "$TUI_SESSION" -x 60 -y 15
tui_wait "[200 messages" && tui_screen | sed -n 14p | grep -q "alice: INBOX"
ok $? "60x15: narrow layout (no sidebar), status line in place"

tx resize-window -t "$TUI_SESSION" -x 30 -y 6
tui_wait "terminal too small"
ok $? "30x6: a message, not a crash"

tx resize-window -t "$TUI_SESSION" -x 120 -y 40
tui_wait "[200 messages" && tui_screen | sed -n 39p | grep -q "alice: INBOX"
ok $? "120x40: back to the full layout"

tui_keys Enter
tui_wait "Caro Niccolò"
tx resize-window -t "$TUI_SESSION" -x 50 -y 12
tui_wait "Caro Niccolò" && tui_screen | grep -q "^vediamo giovedì.$"
ok $? "pager: resize rewraps the text"
tui_keys q q
tui_wait "[posta exited 0]"
ok $? "quits with status 0 after all that"
tui_done
