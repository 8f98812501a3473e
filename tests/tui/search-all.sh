#!/bin/bash
# The results view: S (or :search QUERY) searches every folder of every
# account and shows the matches as a folder: counts in the status line,
# read a message, and act on it with its own account (flag, move); a saved
# search ([search NAME]) in the sidebar with its counts opens the same view.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 10
tui_setup 100
"$MKSTORE" "$T/posta.db" alice Archive 20 >/dev/null || exit 1
"$MKSTORE" "$T/posta.db" bob Archive 1 >/dev/null || exit 1
"$MKSTORE" "$T/posta.db" bob INBOX 30 >/dev/null || exit 1
cat >>"$T/config" <<EOF

[account bob]
protocol = imap
email = bob@lab.posta.test
host = 127.0.0.1
user = bob
password = unused

[search invoices]
query = subject:invoice is:unread
EOF
n() { "$POSTA" -c "$T/config" --offline search --count "$@" 2>/dev/null; }
poll_eq() { # poll_eq WANT CMD...: the output becomes WANT within 5 s
  local want=$1 i out
  shift
  for ((i = 0; i < 50; i++)); do
    out=$("$@")
    [[ $out == "$want" ]] && return 0
    sleep 0.1
  done
  echo "# got $out, wanted $want"
  return 1
}
tui_start
tui_wait "[100 messages" || { ok 1 "started"; tui_done; }

u=$(n subject:invoice is:unread)
tui_wait "Searches" && tui_wait " invoices"
line=$(tui_screen | grep -F " invoices")
[[ $line == *" $u/$u"* ]]
ok $? "a saved search shows in the sidebar under Searches with its counts ($u)"
tui_keys C-n C-n C-n C-n C-n C-n C-n C-n C-n C-n C-o
tui_wait "search invoices  [$u messages, $u unread]"
ok $? "the sidebar opens a saved search as a virtual folder"

total=$(n subject:invoice)
unread=$(n subject:invoice is:unread)
tui_keys S "subject:invoice" Enter
tui_wait "search: subject:invoice  [$total messages, $unread unread]"
ok $? "S searches every folder and account ($total matches, $unread unread)"
rows=$(tui_screen | grep -cP '│\s*\S')
others=$(tui_screen | grep -P '│\s*\S' | grep -vc 'Invoice')
[[ $rows -gt 5 && $others -eq 0 ]]
ok $? "the results are listed like a folder ($rows rows, $others others)"

# Lucia's (flagged) message is the newest of each folder: bob's INBOX copy,
# stored last, is the first row (the highest id at an equal date).
tui_keys ":" "search from:lucia" Enter
tui_wait "search: from:lucia  [4 messages"
ok $? ":search QUERY opens the results view"
tui_keys Enter
tui_wait "Subject: Perché il caffè"
ok $? "Enter reads a message from the results"
tui_keys q
tui_wait "search: from:lucia  [4 messages"
ok $? "q goes back to the results"
before=$(n account:bob is:flagged from:lucia)
tui_keys F
poll_eq $((before - 1)) n account:bob is:flagged from:lucia
ok $? "F unflags the message of the other account from the results"
tui_keys s "Arch" Tab Enter
poll_eq 2 n account:bob folder:Archive from:lucia
ok $? "s moves it to a folder of its own account (Tab completed)"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "q quits with status 0"
tui_done
