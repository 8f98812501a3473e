#!/bin/bash
# t toggles the threaded view: the seeded thread is grouped under its root.
# The thread actions take exactly the thread drawn.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 10
tui_setup 300
# As the sync's subject fallback can: every "Riunione di lunedì" (no
# references, drawn apart) in the store thread of "Thread root topic".
/usr/bin/python3 - "$T/posta.db" <<'PY' || { echo "Bail out! cannot edit the store"; exit 1; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(tid,) = db.execute("SELECT thread_id FROM message"
                    " WHERE subject = 'Thread root topic'").fetchone()
n = db.execute("UPDATE message SET thread_id = ?"
               " WHERE subject = 'Riunione di lunedì'", (tid,)).rowcount
assert tid and n > 1, (tid, n)
db.commit()
PY
tui_start
tui_wait "flat, by date" || { ok 1 "started"; tui_done; }

# Flat: the thread's messages are apart, other mail between them.
r_root=$(tui_row "Paolo Bianchi      Thread root topic")
r_last=$(tui_row "Re: Thread root topic")
[[ $r_root -gt $((r_last + 3)) ]]
ok $? "flat view: the thread is spread by date (rows $r_last..$r_root)"

tui_keys t
tui_wait "threads, by date"
ok $? "t switches to threads (status line says so)"
scr=$(tui_screen)
root=$(grep -n "Thread root topic" <<<"$scr" | head -n1 | cut -d: -f1)
mapfile -t next < <(sed -n "$((root + 1)),$((root + 3))p" <<<"$scr")
[[ ${next[0]} == *"├─>Re: Thread root topic"* || ${next[0]} == *"└─>Re: Thread root topic"* ]] &&
  [[ ${next[1]} == *"─>Re: Thread root topic"* && ${next[2]} == *"─>Re: Thread root topic"* ]]
ok $? "threads: the three replies follow the root, drawn as a tree"
scr=$(tui_screen)
p=$(grep -n "Weekly planning" <<<"$scr" | head -n1 | cut -d: -f1)
sed -n "$((p + 1))p" <<<"$scr" | grep -q "─>Re: Weekly planning"
ok $? "threads: a thread known only by its headers is grouped too"

# ^T: the thread drawn, not the store's thread (which also holds every
# "Riunione di lunedì"), nor only the store's (Weekly planning has none).
tui_keys / "Thread root topic" Enter
tui_wait_selected "Thread root topic"
tui_keys C-t
tui_wait "4 tagged"
ok $? "threads: ^T tags the 4 messages drawn as the thread"
tui_keys C-t
tui_wait "0 tagged"
ok $? "^T again untags them"
tui_keys / "Weekly planning" Enter
tui_wait_selected "Weekly planning"
tui_keys C-t
tui_wait "2 tagged"
ok $? "threads: ^T takes the reply threaded by its headers alone"
tui_keys C-t
tui_wait "0 tagged"

tui_keys t
tui_wait "flat, by date"
ok $? "t again: back to the flat view"
tui_keys / "Thread root topic" Enter
tui_wait_selected "Thread root topic"
tui_keys C-t
tui_wait "4 tagged"
ok $? "flat: ^T tags what the threaded view draws as the thread (4)"
tui_keys C-t
tui_wait "0 tagged"
tui_keys / "Weekly planning" Enter
tui_wait_selected "Weekly planning"
tui_keys C-d
tui_wait "2 messages deleted"
ok $? "flat: ^D deletes the 2 messages of that thread"
tui_done
