#!/bin/bash
# HTML and alternatives (posta.conf(5)): a multipart/alternative opens as
# its text/plain by default and as the rendered HTML with
# alternative_order = text/html text/plain; a text/html part opened from
# the attachment list is rendered, not its source; auto_view shows a part
# through its mailcap copiousoutput entry (file as %s, output sanitised).
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 9
tui_setup 3
cat >"$T/mail.mbox" <<'EOF2'
From news@example.org Mon Jan  1 00:00:00 2024
From: News <news@example.org>
To: alice@lab.posta.test
Subject: Both kinds of news
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <alt.1@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

PLAIN VERSION of the news.
--b1
Content-Type: text/html; charset=utf-8

<html><body><h1>HTML headline</h1><p>Rendered <b>bold</b> &amp; more</p></body></html>
--b1--

From cal@example.org Mon Jan  1 00:01:00 2024
From: Calendar <cal@example.org>
To: alice@lab.posta.test
Subject: An invitation
Date: Mon, 1 Jan 2024 00:01:00 +0000
Message-ID: <cal.1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8

See the invitation.
--b2
Content-Type: text/calendar; charset=utf-8; name="$(touch pwned).ics"
Content-Disposition: attachment; filename="$(touch pwned).ics"

BEGIN:VCALENDAR
SUMMARY:Team dinner
END:VCALENDAR
--b2--

EOF2
"$POSTA" -c "$T/config" import INBOX --mbox "$T/mail.mbox" >"$T/import.out" 2>&1 ||
  sed 's/^/# /' "$T/import.out"
# The viewer: what it read from its file, and an escape sequence that
# must not reach the terminal.
cat >"$T/cal.sh" <<'SH'
#!/bin/sh
printf 'CALENDAR VIEW: %s\n' "$(grep SUMMARY "$1")"
printf 'evil \033]52;c;SGFja2Vk\007 end\n'
SH
chmod +x "$T/cal.sh"
printf 'text/calendar; %s %%s; copiousoutput\n' "$T/cal.sh" >"$T/mailcap"
cp "$T/config" "$T/config.orig"
with() { sed "s|^default_account = alice$|&\n$1|" "$T/config.orig" >"$T/config"; }

start() {
  tui_start 110 30 MAILCAPS="$T/mailcap"
  tui_wait "flat, by date" || { ok 1 "started"; tui_done; }
  cd "$T" || exit 1
}
open_msg() {
  tui_keys / "$1" Enter
  tui_wait_selected "$1"
  tui_keys Enter
}

start
open_msg "Both kinds of news"
tui_wait "PLAIN VERSION of the news."
ok $? "multipart/alternative opens as text/plain by default"
! tui_screen | grep -q "HTML headline"
ok $? "... without the HTML alternative"
tui_keys v
tui_wait "text/html"
tui_keys j Enter
tui_wait "HTML headline" && tui_wait "Rendered bold & more"
ok $? "the text/html part from the attachment list is rendered"
! tui_screen | grep -qF "<h1>"
ok $? "... not shown as its source"
tui_keys q q q
tui_wait "[posta exited"

with "alternative_order = text/html text/plain"
start
open_msg "Both kinds of news"
tui_wait "HTML headline" && tui_wait "Rendered bold & more" &&
  ! tui_screen | grep -q "PLAIN VERSION"
ok $? "alternative_order = text/html text/plain: the HTML alternative, rendered"
tui_keys q q
tui_wait "[posta exited"

with "auto_view = text/calendar"
start
open_msg "An invitation"
tui_wait "CALENDAR VIEW: SUMMARY:Team dinner"
ok $? "auto_view: the part is shown through its copiousoutput entry"
tui_wait "text/calendar, shown by"
ok $? "... under a line naming the part and the command"
scr=$(tui_screen -e | sed 's/\x1b\[[0-9;]*m//g')
! grep -q $'\e' <<<"$scr" && grep -q "evil ]52;c;SGFja2Vk end" <<<"$scr" &&
  [[ -z $(tx list-buffers) ]]
ok $? "the viewer's escape sequence is neutralised"
[[ ! -e $T/pwned && ! -e pwned ]]
ok $? "the part's file name is not run by the shell"
tui_keys q q
tui_wait "[posta exited"
tui_done
