#!/bin/bash
# t toggles the threaded view: the seeded thread is grouped under its root.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 5
tui_setup 300
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
tui_keys t
tui_wait "flat, by date"
ok $? "t again: back to the flat view"
tui_done
