#!/bin/bash
# Start-up: no config, no store, a store; the Inbox is on screen at once.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 8
tui_setup 0

# No configuration: where it goes and an example, exit status 3.
out=$(POSTA_CONFIG= XDG_CONFIG_HOME=$T/nowhere "$POSTA" </dev/null 2>&1)
rc=$?
[[ $rc -eq 3 ]] && grep -q "posta reads its configuration from $T/nowhere/posta/config" <<<"$out" \
  && grep -q '\[account work\]' <<<"$out"
ok $? "no config: explains where it goes, shows an example, exits 3 (got $rc)"

# Not a terminal: an error, not a garbled screen.
out=$("$POSTA" -c "$T/config" </dev/null 2>&1 | cat)
grep -q "needs a terminal" <<<"$out"
ok $? "not a terminal: says so"

# A config but no store yet: the UI opens and says what to run.
tui_start
tui_wait "no mail stored yet; @ goes online to fetch it"
ok $? "no store, offline: the status line says how to fetch it"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "no store: q quits cleanly"

# With a store: the Inbox, newest first, with its counts.
"$MKSTORE" "$T/posta.db" alice INBOX 200 || exit 1
tui_start
tui_wait "alice: INBOX  [200 messages, 67 unread]"
ok $? "store: the status line shows account, folder and counts"
row_it=$(tui_row "Perché il caffè è più buono")
row_ho=$(tui_row "Hostile")
[[ $row_it -eq 0 && $row_ho -eq 1 ]]
ok $? "store: the Inbox is listed newest first (rows $row_it, $row_ho)"
tui_wait "INBOX" && tui_screen | head -3 | grep -q "^alice"
ok $? "store: the sidebar lists the account and its folders"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "store: q quits with status 0"
tui_done
