#!/bin/bash
# confirm_send (posta.conf(5)): posta compose on a terminal (a tmux pane)
# shows the message after the editor and asks before sending; n keeps the
# draft and sends nothing, e edits again, y queues it; confirm_send = no
# sends at once; the editor key wins over $EDITOR.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 8
tui_setup 5
printf 'smtp_host = 127.0.0.1\nsmtp_port = 9\n' >>"$T/config"
cat >"$T/editor" <<'ED'
#!/bin/sh
sed -i 's/^Subject: *$/Subject: Asked first/' "$1"
printf 'Edited once more.\n' >>"$1"
ED
chmod +x "$T/editor"
outbox() { "$POSTA" -c "$T/config" outbox 2>/dev/null | grep -c "Asked first"; }

compose() { # compose [EDITOR]: posta compose in the pane, on a terminal
  local ed=${1:-$T/editor}
  tui_keep_server
  tx kill-session -t "$TUI_SESSION" 2>/dev/null || true
  tx new-session -d -s "$TUI_SESSION" -x 100 -y 30 \
    env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color EDITOR="$ed" \
    VISUAL= TMPDIR="$T" sh -c "\"$POSTA\" --offline -c \"$T/config\" compose bob@example.net; echo \"[posta exited \$?]\"; sleep 600"
}

compose
tui_wait "Send this message? (y: send, e: edit again" 10
ok $? "compose on a terminal asks before sending"
tui_screen | grep -q "^Subject: Asked first" && tui_screen | grep -q "^Edited once more."
ok $? "the message is shown first"
tui_keys e
tui_keys Enter
# Shown again with the second edit: three lines on the screen in all.
end=$(_tui_deadline 10)
while [[ $(tui_screen | grep -c "^Edited once more.") -lt 3 ]] && _tui_before "$end"; do
  sleep 0.05
done
[[ $(tui_screen | grep -c "^Send this message?") -eq 2 ]]
ok $? "e runs the editor again and asks again"
tui_keys n Enter
tui_wait "[posta exited 1]" 10 && tui_screen | grep -q "not sent; the draft is kept in"
ok $? "n: not sent, the draft file kept, exit 1"
[[ $(outbox) -eq 0 ]]
ok $? "n: nothing in the outbox"

compose
tui_wait "Send this message?" 10 && tui_keys y Enter
tui_wait "[posta exited 0]" 10 && [[ $(outbox) -eq 1 ]]
ok $? "y: queued in the outbox"

sed -i "s|^default_account = alice\$|&\nconfirm_send = no\neditor = $T/editor|" "$T/config"
compose /bin/false
tui_wait "[posta exited" 10 && ! tui_screen | grep -q "Send this message?" &&
  [[ $(outbox) -eq 2 ]]
ok $? "confirm_send = no: sent without asking"
tui_screen | grep -qF "[posta exited 0]"
ok $? "the editor key is used rather than \$EDITOR (/bin/false here)"
tui_done
