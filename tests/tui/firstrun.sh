#!/bin/bash
# A first run on an empty store (issue 13 item 2), against the lab: the TUI
# connects by itself and the status line says how far the first sync is
# (folders done of how many, messages fetched) while it runs, then what it
# brought. What was on the server before is no news: no "new messages",
# no new_mail_command; mail that arrives after it is.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
# Enough mail that the first sync takes a while: its progress is seen.
lab_seed alice INBOX 3000 1 >/dev/null 2>&1 && lab_seed alice Work 40 2 >/dev/null 2>&1 ||
  skip_all "lab seed failed"
tui_lab_config
mkdir "$T/runs"
sed -i "/^\[general\]/a new_mail_command = touch $T/runs/\$\$" "$T/config"
rm -f "$T/posta.db"

TUI_ARGS=
tui_start 140 30
# Poll for a progress line of the pass: "N of M folders done, K messages
# fetched" with M folders in all (INBOX, Work, the special-use ones).
seen= n=0
end=$(( SECONDS + 60 ))
while ((SECONDS < end)); do
  line=$(tui_screen | grep -o 'first sync: [0-9]* of [0-9]* folders done, [0-9]* messages fetched' | head -n1)
  [[ -n $line && $line != "$seen" ]] && seen=$line && n=$((n + 1))
  tui_screen | grep -q 'the first sync of its' && break
  sleep 0.01
done
[[ -n $seen ]]
ok $? "the first sync shows its progress on the status line ($n states, the last '$seen')"
tui_wait "folders is done; messages stored: 3040." 120
ok $? "then says what it brought"
tui_wait "alice: INBOX  [3000 messages" 10
ok $? "the INBOX listing is there without a keypress"
tui_screen | grep -q 'new message' || [[ $(ls "$T/runs" | wc -l) -ne 0 ]]
[[ $? -ne 0 ]]
ok $? "mail already on the server is no news: no notice, no new_mail_command"
printf 'From: Other <other@example.net>\r\nTo: alice@localhost\r\nSubject: After\r\nDate: %s\r\nMessage-ID: <after@posta.test>\r\n\r\nHi.\r\n' \
  "$(date -R)" >"$T/after.eml"
lab_deliver alice INBOX "$T/after.eml" >/dev/null 2>&1
tui_wait "1 new message in INBOX (alice)." 30 &&
  for ((i = 0; i < 100; i++)); do [[ $(ls "$T/runs" | wc -l) -ge 1 ]] && break; sleep 0.2; done &&
  [[ $(ls "$T/runs" | wc -l) -eq 1 ]]
ok $? "mail that arrives after it is: the notice and one new_mail_command"
# A store of 3040 messages: quitting under the sanitizers takes a while.
tui_keys q
tui_wait "[posta exited" 30
TUI_LAST_SCREEN=$(tui_screen | tail -n 8)
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
