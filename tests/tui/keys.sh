#!/bin/bash
# The key map: help generated from it, the : prompt with completion,
# [keys] overrides.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 8
tui_setup 50
cat >>"$T/config" <<EOF2

[keys]
x = last-entry
F5 = help
EOF2
tui_start
tui_wait "[50 messages" || { ok 1 "started"; tui_done; }

tui_keys "?"
tui_wait "posta: keys"
ok $? "? shows the help screen"
tui_screen | grep -qE "j, Down +next-entry +move to the next message"
ok $? "help lists each action with its keys and words"
tui_screen | grep -qE "x, End|End, x|G, End, x|G, x" || tui_screen | grep -q "x"
tui_keys /
tui_keys "last-entry" Enter
tui_wait "G, End, x" 5 || tui_wait "x, G" 5 || tui_wait ", x "
ok $? "help shows the [keys] override (x = last-entry)"
tui_keys q
tui_wait "[50 messages"
tui_keys x
tui_wait_selected "Build #"
sel1=$(tui_selected)
tui_keys Home ":" "last-e" Tab
tui_wait ":last-entry"
ok $? ": prompt completes action names with Tab"
tui_keys Enter
tui_wait_selected "$sel1"
ok $? ": runs the action by name (last-entry)"
tui_keys ":" "no-such" Enter
tui_wait "no command or action named 'no-such'"
ok $? ": names an unknown action"
tui_keys F5
tui_wait "posta: keys"
ok $? "a function key bound in [keys] works"
tui_keys q q
tui_wait "[posta exited 0]"
ok $? "quits with status 0"
tui_done
