#!/bin/bash
# Other posta processes (issue 13): what another process changes in the
# store (posta flag, mkdir, import; a cron posta sync in tests/tui/live.sh)
# shows in the open TUI within about 2 s, without a keypress.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 4
tui_setup 20
cli() { "$POSTA" -c "$T/config" --offline "$@" >>"$T/cli.out" 2>&1; }

tui_start 100 30
tui_wait "[20 messages," 10
ok $? "the TUI shows the folder"
# The unread count on the status line, then one message read elsewhere.
unread=$(tui_screen | grep -o '20 messages, [0-9]* unread' | grep -o '[0-9]* unread' | cut -d' ' -f1)
id=$("$POSTA" -c "$T/config" --offline list INBOX 2>/dev/null |
  awk '$1 ~ /^[0-9]+$/ && $2 ~ /N/ { print $1; exit }')
[[ -n $unread && -n $id ]] && cli flag "$id" +seen &&
  tui_wait "[20 messages, $((unread - 1)) unread]" 10
ok $? "posta flag in another process: the unread count follows ($unread -> $((unread - 1)))"
cli mkdir "Elsewhere" && tui_wait "Elsewhere" 10
ok $? "posta mkdir in another process: the sidebar shows the folder"
printf 'From: x@example.net\nSubject: Imported elsewhere\nDate: %s\nMessage-ID: <imp@posta.test>\n\nHi.\n' \
  "$(date -R)" >"$T/one.eml"
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp" && cp "$T/one.eml" "$T/md/new/1.eml" &&
  cli import INBOX --maildir "$T/md" && tui_wait "Imported elsewhere" 10 &&
  tui_wait "[21 messages," 10
ok $? "posta import in another process: the new message is listed and counted"
tui_done
