#!/bin/bash
# print-message (p) gives the rendered text to print_command's standard
# input; open-url (^B) lists the message's links (de-duplicated) and runs
# url_command with the chosen one as its one argument, never parsed by the
# shell.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 8
tui_setup 3
cat >"$T/print.sh" <<SH
#!/bin/sh
cat >"$T/printed.tmp" && mv "$T/printed.tmp" "$T/printed"
SH
cat >"$T/url.sh" <<SH
#!/bin/sh
printf '%s' "\$1" >"$T/url.out"
SH
chmod +x "$T/print.sh" "$T/url.sh"
sed -i "/^default_account/a print_command = $T/print.sh\nurl_command = $T/url.sh" "$T/config"
evil='https://example.com/second?a=$(touch$IFS'"$T"'/pwned);b=1&c=2'
cat >"$T/links.mbox" <<EOF2
From links@example.org Mon Jan  1 00:00:00 2024
From: Link Sender <links@example.org>
To: alice@lab.posta.test
Subject: Links to follow
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <links.1@example.org>

See https://example.org/first and ($evil).
Again https://example.org/first, then mailto:list@example.org.

EOF2
"$POSTA" -c "$T/config" import INBOX --mbox "$T/links.mbox" >"$T/import.out" 2>&1 ||
  sed 's/^/# /' "$T/import.out"
tui_start 110 30
tui_wait "flat, by date" || { ok 1 "started"; tui_done; }

tui_keys / "Links to follow" Enter
tui_wait_selected "Links to follow"
tui_keys p
tui_wait "The message went to $T/print.sh."
ok $? "p runs print_command and says so"
grep -q "^See https://example.org/first and" "$T/printed" 2>/dev/null &&
  grep -q "^Subject: Links to follow" "$T/printed"
ok $? "print_command's standard input holds the message's text"

tui_keys C-b
tui_wait "3 links in the message"
ok $? "^B lists the links, the repeated one once"
tui_wait "  1  https://example.org/first" &&
  tui_wait "  2  $evil" && tui_wait "  3  mailto:list@example.org"
ok $? "... numbered, in the order they appear"
tui_wait "Open which link? Type its number:"
ok $? "... and asks which to open"
tui_keys 2 Enter
for _ in $(seq 100); do [[ -e $T/url.out ]] && break; sleep 0.1; done
[[ $(cat "$T/url.out" 2>/dev/null) == "$evil" ]]
ok $? "url_command gets exactly the chosen link as its argument"
[[ ! -e $T/pwned ]]
ok $? "the link's shell characters are not run"
tui_wait_selected "Links to follow"
ok $? "the index is back after the link is opened"
[[ $_tui_failed == 0 ]] || { tui_screen | sed 's/^/# /'; cat "$T/url.out" | sed 's/^/# /'; }
tui_done
