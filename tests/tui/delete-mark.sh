#!/bin/bash
# delete_model = mark (posta.conf(5)): d marks \Deleted and leaves the
# message where it is, $ asks before expunging, and the expunge reaches
# the journal (what goes to the server) only after a yes. keep_tags.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 9
tui_setup 30
"$MKSTORE" "$T/posta.db" alice Trash 1 >/dev/null || exit 1
sed -i 's/^default_account = alice$/&\ndelete_model = mark\nkeep_tags = yes/' "$T/config"
count() { "$POSTA" -c "$T/config" list "$1" 2>/dev/null | grep -c .; }
journal() { "$POSTA" -c "$T/config" journal 2>/dev/null; }

tui_start 110 30
tui_wait "[30 messages" || { ok 1 "started"; tui_done; }
tui_keys / "Quarterly" Enter
tui_wait_selected "Quarterly"
tui_keys d
tui_wait "1 message marked deleted"
ok $? "d says the message is marked deleted"
tui_wait_selected "D"
ok $? "the row shows D"
[[ $(count INBOX) -eq 30 && $(count Trash) -eq 1 ]]
ok $? "the message stays in INBOX, nothing went to Trash"

tui_keys '$'
tui_wait "Expunge 1 deleted message from INBOX? (y/n)"
ok $? "\$ asks before expunging"
tui_keys n
tui_gone "Expunge 1 deleted" 5
! journal | grep -qi expunge && [[ $(count INBOX) -eq 30 ]]
ok $? "n: nothing expunged, no expunge in the journal for the server"

tui_keys '$'
tui_wait "Expunge 1 deleted message from INBOX? (y/n)" && tui_keys y
tui_wait "1 message expunged"
ok $? "y: the message is expunged"
journal | grep -qi expunge && [[ $(count INBOX) -eq 29 ]]
ok $? "the expunge is in the journal, for the server, only now"

# keep_tags = yes: the tags outlive an action on them.
tui_keys Home T T
tui_wait "2 tagged"
tui_keys '\;' d
tui_wait "2 messages marked deleted"
tui_wait "2 tagged"
ok $? "keep_tags = yes: the tags stay after ; d"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
