#!/bin/bash
# delete_model = mark against the lab: d sets \Deleted on the server and
# leaves the message in INBOX; $ asks first, and the server sees no
# EXPUNGE after a no (the sync still runs), the expunge only after a yes.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
for m in "mark1:Mark me deleted" "keep1:Keep me here"; do
  printf 'From: Tester <tester@example.net>\r\nTo: alice@localhost\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@posta.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody.\r\n' \
    "${m#*:}" "$(date -R)" "${m%%:*}" >"$T/m.eml"
  lab_deliver alice INBOX "$T/m.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"
done
tui_lab_config
sed -i 's/^default_account = alice$/&\ndelete_model = mark/' "$T/config"
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

poll_is() { # poll_is WANT SECS CMD...
  local want=$1 secs=$2 i out
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    out=$("$@" 2>&1)
    [[ $out == "$want" ]] && return 0
    sleep 0.2
  done
  echo "# last: $out"
  return 1
}
idles() { grep -c ' IDLE' "$T/imap.trace" 2>/dev/null; }
expunges() { grep -cE '^C: [0-9]+ (UID )?EXPUNGE' "$T/imap.trace" 2>/dev/null; }

TUI_ARGS=
tui_start 120 30 POSTA_TUI_TRACE="$T/imap.trace"
tui_wait "online" 10 || { ok 1 "online"; tui_done; }
tui_keys / "Mark me deleted" Enter
tui_wait_selected "Mark me deleted"
tui_keys d
for ((i = 0; i < 75; i++)); do
  [[ $($IMAPCTL flags INBOX "<mark1@posta.test>") == *Deleted* ]] && break
  sleep 0.2
done
[[ $($IMAPCTL flags INBOX "<mark1@posta.test>") == *Deleted* ]] &&
  [[ $($IMAPCTL count INBOX) == 2 ]]
ok $? "d: \\Deleted on the server, the message still in INBOX"

tui_keys '$'
tui_wait "Expunge 1 deleted message from INBOX? (y/n)"
ok $? "\$ asks before expunging"
before=$(idles)
tui_keys n
# The sync that follows ends back in IDLE: by then an expunge would have gone.
poll_is yes 30 sh -c "[ \$(grep -c ' IDLE' '$T/imap.trace') -gt $before ] && echo yes"
ok $? "n: the account is synchronised all the same"
[[ $(expunges) == 0 && $($IMAPCTL count INBOX) == 2 ]]
ok $? "n: the server got no EXPUNGE, both messages are there"

tui_keys '$'
tui_wait "Expunge 1 deleted message from INBOX? (y/n)" && tui_keys y
poll_is 1 30 $IMAPCTL count INBOX
ok $? "y: the server expunges the message"
[[ $($IMAPCTL flags INBOX "<keep1@posta.test>") != missing && $(expunges) -ge 1 ]]
ok $? "y: only the deleted one went, through an EXPUNGE"
tui_done
