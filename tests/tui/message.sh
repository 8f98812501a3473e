#!/bin/bash
# The pager: decoded accented mail, hostile bytes neutralised, raw view,
# search, quoted text coloured.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 15
tui_setup 200
tui_start
tui_wait "[200 messages" || { ok 1 "started"; tui_done; }

# The index shows the hostile subject and sender without their controls.
esc=$'\e'
scr=$(tui_screen -e | sed 's/\x1b\[[0-9;]*m//g')
! grep -q "$esc" <<<"$scr"
ok $? "index: no ESC from a message reaches the screen (only tmux's SGR)"
tui_screen | grep -q 'Hostile ]52;c;SGFja2Vk paste'
ok $? "index: ESC ] 52 in a subject shows as harmless text"
[[ -z $(tx list-buffers) ]]
ok $? "index: the terminal's clipboard was not set (OSC 52 did not run)"

tui_keys Enter
tui_wait "Subject: Perché il caffè è più buono"
ok $? "Italian RFC 2047 ISO-8859-1 subject decoded in the pager"
tui_wait "From: Lucia Ferrè <lucia.ferre@example.net>"
ok $? "RFC 2047 sender decoded"
tui_wait "il caffè è pronto. Perché non vieni in città? Ci vediamo giovedì."
ok $? "ISO-8859-1 body shown with the right characters"
tui_screen -e | grep -q $'\e\[32m> Il caffè'
ok $? "quoted text is coloured"
tui_keys / "gioved" Enter
tui_screen -e | grep -qP '\e\[[0-9;]*7mgioved'
ok $? "/ in the pager finds and highlights text"
tui_keys h
tui_wait "Received: from mx.example.net (mx.example.net [192.0.2.1]) by"
ok $? "h shows every header field, a folded Received unfolded"
tui_wait "[all headers]" && tui_screen | grep -q "│Subject: Perché il caffè è più buono" &&
  tui_screen | grep -q "│Message-ID: <it.1@mkstore.posta.test>" &&
  tui_screen | grep -q "il caffè è pronto"
ok $? "h: encoded words decoded, the body still shown decoded"
tui_keys H
tui_wait "Subject: =?ISO-8859-1?Q?Perch=E9_il_caff=E8_=E8_pi=F9_buono?="
ok $? "H shows the full source (sanitised)"
tui_wait "Content-Transfer-Encoding: 8bit" && tui_wait "[source]"
ok $? "the source is marked as such"
tui_keys q j Enter
tui_wait "END-OF-HOSTILE"
scr=$(tui_screen -e | sed 's/\x1b\[[0-9;]*m//g')
! grep -q "$esc" <<<"$scr" && grep -q "Body with ]52;c;SGFja2Vk OSC 52 and \[2J erase." <<<"$scr"
ok $? "hostile body: ESC ] 52 and ESC [ 2 J neutralised, the screen not erased"
tui_screen | grep -q "^alice" && tui_screen | grep -q "RTL desrever ok."
ok $? "hostile body: bidi override removed, the layout intact"
tui_keys q q
tui_wait "[posta exited 0]"
ok $? "q q quits with status 0"
tui_done
