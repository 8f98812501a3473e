#!/bin/bash
# Collapsed threads (Esc v, Esc V as in mutt): one row with the thread's
# message and unread counts, and every action on that row takes exactly
# the messages drawn as the thread. Thread and unread movements.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 16
tui_setup 300
tui_start
tui_wait "flat, by date" || { ok 1 "started"; tui_done; }

tui_keys M-v
tui_wait "threaded view only"
ok $? "flat view: Esc v says threads collapse in the threaded view"

tui_keys t
tui_wait "threads, by date"
tui_keys / "Thread root topic" Enter
tui_wait_selected "Thread root topic"
tui_keys M-v
tui_wait_selected "(4, 1 unread) Thread root topic"
ok $? "Esc v: the thread is one row with 4 messages, 1 unread"
tui_gone "Re: Thread root topic"
ok $? "its replies are no longer drawn"
[[ $(tui_selected) == N* ]]
ok $? "the collapsed row is marked new: a reply in it is unread"

tui_keys T
tui_wait "4 tagged"
ok $? "T on the collapsed row tags the 4 messages of the thread"
tui_keys k T
tui_wait "0 tagged"
ok $? "T again untags them all"

tui_keys k N
tui_wait "1 message marked read"
ok $? "N on the collapsed row marks the unread reply in it read"
tui_wait_selected "(4) Thread root topic"
ok $? "the row then says 4 messages and no unread"

tui_keys M-v
tui_wait "Re: Thread root topic"
ok $? "Esc v again expands the thread"

tui_keys M-V
tui_wait "(2) Weekly planning"
ok $? "Esc V collapses every thread (Weekly planning shows 2)"
tui_gone "Re: Weekly planning"

# Esc n / Esc p: thread by thread, over the collapsed rows.
tui_keys / "Weekly planning" Enter
tui_wait_selected "Weekly planning"
tui_keys M-p
tui_wait_selected "Dr. Who            Quarterly report"
ok $? "Esc p goes to the previous thread"
tui_keys M-n M-n
tui_wait_selected "Build #11 failed"
ok $? "Esc n goes past the collapsed thread to the next one"

# Shift-Tab: the previous unread message; a collapsed thread with unread
# mail in it counts.
tui_keys / "Weekly planning" Enter
tui_wait_selected "Weekly planning"
tui_keys BTab
tui_wait_selected "Quarterly report"
ok $? "Shift-Tab goes to the previous unread message"

tui_keys / "Weekly planning" Enter
tui_wait_selected "(2) Weekly planning"
tui_keys M-V
tui_wait "Re: Weekly planning"
ok $? "Esc V on a collapsed thread expands them all"

tui_keys M-v
tui_wait_selected "(2) Weekly planning"
tui_keys d
tui_wait "2 messages deleted"
ok $? "d on the collapsed row deletes the 2 messages of the thread"

# A lone Esc still leaves the pager.
tui_keys Enter
tui_wait "Subject: Weekly planning"
tui_keys Escape
tui_gone "Subject: Weekly planning" && tui_wait "Build #3 failed"
ok $? "Esc alone leaves the pager"
tui_done
