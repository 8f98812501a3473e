#!/bin/bash
# The screen shows what changed at once, without another key or ^L: the
# compose screen after a field is edited, the tag marks after an action
# from a prompt; a reversed small folder keeps every row on screen; / wraps
# around like mutt and says so.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 10
tui_setup 6
"$MKSTORE" "$T/posta.db" alice Work 1 >/dev/null || exit 1
cat >"$T/editor" <<'ED'
#!/bin/sh
sed -i 's/^To: *$/To: bob@example.net/; s/^Subject: *$/Subject: First words/' "$1"
printf 'Hello.\n' >>"$1"
ED
chmod +x "$T/editor"

# main_wait TEXT: poll until TEXT shows above the prompt line (the prompt
# echoes what is typed, so it does not count).
main_wait() {
  local end
  end=$(_tui_deadline 5)
  while :; do
    TUI_LAST_SCREEN=$(tui_screen)
    if head -n -1 <<<"$TUI_LAST_SCREEN" | grep -qF -- "$1"; then return 0; fi
    _tui_before "$end" || return 1
    sleep 0.01
  done
}

# prompt_wait TEXT: poll until the prompt line (the last) starts with TEXT.
prompt_wait() {
  local end
  end=$(_tui_deadline 5)
  while :; do
    TUI_LAST_SCREEN=$(tui_screen)
    if [[ $(tail -n1 <<<"$TUI_LAST_SCREEN") == "$1"* ]]; then return 0; fi
    _tui_before "$end" || return 1
    sleep 0.01
  done
}

# rows: the index rows drawn (a date column after the flags).
rows() { tui_screen | grep -cP '│.{5} (\d\d:\d\d|\d\d \w{3}|\d{4}-\d\d-\d\d) '; }

tui_start 110 30 EDITOR="$T/editor" VISUAL=
tui_wait "[6 messages" || { ok 1 "started"; tui_done; }

# ---- the compose screen
tui_keys m
tui_wait "Subject: First words"
# One key at a time, as a person types: keys read in one go are drawn
# once, which would hide a missing redraw.
tui_keys s
prompt_wait "Subject: First words" && tui_keys C-u
prompt_wait "Subject:" && tui_keys "Second words"
prompt_wait "Subject: Second words" && tui_keys Enter
main_wait "Subject: Second words"
ok $? "compose: the new Subject shows as soon as Enter is pressed"
tui_keys c
prompt_wait "Cc:" && tui_keys "carol@example.org"
prompt_wait "Cc: carol@example.org" && tui_keys Enter
main_wait "carol@example.org"
ok $? "compose: the new Cc shows as soon as Enter is pressed"
# No recipient: not sent, said on the status line until the message goes.
tui_keys t
prompt_wait "To: bob@example.net" && tui_keys C-u
prompt_wait "To:" && tui_keys Enter
main_wait "Subject: Second words" && tui_keys y
tui_wait "not sent"
tui_keys q
tui_wait "Abort this message?" && tui_keys y
tui_wait "message aborted"
! tui_screen | grep -q "not sent"
ok $? "the compose screen's 'not sent' goes when the message is aborted"

# ---- tag marks after an action that asked a question
tui_keys Home T T
tui_wait "2 tagged"
tui_keys '\;' C
prompt_wait "Copy 2 messages to folder:" && tui_keys "Work"
prompt_wait "Copy 2 messages to folder: Work" && tui_keys Enter
tui_wait "2 messages copied"
end=$(_tui_deadline 5)
while tui_screen | grep -qP '│.{4}\*' && _tui_before "$end"; do sleep 0.01; done
! tui_screen | grep -qP '│.{4}\*'
ok $? "the tag marks go with the tags after ; C (no ^L needed)"
tui_keys Home T T
tui_wait "2 tagged"
tui_keys :
prompt_wait ":" && tui_keys "untag-all"
prompt_wait ":untag-all" && tui_keys Enter
tui_wait "no message tagged"
end=$(_tui_deadline 5)
while tui_screen | grep -qP '│.{4}\*' && _tui_before "$end"; do sleep 0.01; done
! tui_screen | grep -qP '│.{4}\*'
ok $? "the tag marks go after :untag-all (an action run from the prompt)"

# ---- a reversed small folder
tui_keys =
tui_wait_selected "Perché il caffè"
tui_keys O
tui_wait "(reversed)"
tui_wait_selected "Perché il caffè"
n=$(rows)
[[ $n == 6 ]]
ok $? "= O in a 6-message folder: all 6 rows drawn (got $n)"
tui_keys O
tui_wait_selected "Perché il caffè"

# ---- search wraps
tui_keys = j j
tui_wait_selected "Thread root"
tui_keys / "Perché il caffè" Enter
tui_wait_selected "Perché il caffè"
ok $? "/ from below the only match wraps to it"
tui_wait "search wrapped"
ok $? "... and says the search wrapped"
tui_keys / "Perché il caffè" Enter
tui_wait "search wrapped"
tui_screen | tail -n1 | grep -qv "not found"
ok $? "/ on the only match finds it again (not 'not found')"

tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0"
tui_done
