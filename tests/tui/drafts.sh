#!/bin/bash
# Replies and drafts sent from the TUI against the lab (issue 17, item 8):
# a reply waiting in the outbox (the SMTP server refusing it for now) does
# not mark its original \Answered, in the store or on the server; once it
# is sent it does. A draft resumed and sent leaves Drafts for good: not
# moved to Trash.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 6
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
printf 'From: Carol <carol@example.net>\r\nTo: alice@localhost\r\nSubject: Please answer\r\nDate: %s\r\nMessage-ID: <orig@posta.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWill you answer?\r\n' \
  "$(date -R -d '-5 min')" >"$T/orig.eml"
lab_deliver alice INBOX "$T/orig.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"

tui_lab_config
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }
cat >"$T/editor" <<'ED'
#!/bin/sh
subj=$(cat "$(dirname "$0")/subject")
sed -i "s/^To: *\$/To: bob@localhost/; s/^Subject: *\$/Subject: $subj/" "$1"
printf 'Written by the test editor.\n' >>"$1"
ED
chmod +x "$T/editor"
: >"$T/subject"

# poll CMD...: until it succeeds (20 s).
poll() {
  local end
  end=$(_tui_deadline 20)
  until "$@" >/dev/null 2>&1; do
    _tui_before "$end" || return 1
    sleep 0.1
  done
}
answered_here() {
  "$POSTA" -c "$T/config" --offline search 'subject:"Please answer" is:replied' 2>/dev/null |
    grep -q "Please answer"
}
answered_there() { [[ $($IMAPCTL flags INBOX "<orig@posta.test>") == *Answered* ]]; }
sink_has() { grep -lq "Subject: $1" "$SMTP_SPOOL"/*.eml 2>/dev/null; }
subject_count() { [[ $($IMAPCTL has-subject "$1" "$2") == "$3" ]]; }

# The sink refuses carol for now (451): the reply stays in the outbox.
echo "carol@example.net 451" >"$SMTP_SPOOL/../refuse"
TUI_ARGS=
tui_start 120 30 EDITOR="$T/editor" VISUAL=
tui_wait "online" 20
tui_keys / "Please answer" Enter
tui_wait_selected "Please answer" && tui_keys r &&
  tui_wait "Subject: Re: Please answer" && tui_keys y &&
  tui_wait "451" 20
ok $? "the reply is refused for now (451) and waits in the outbox"
! answered_here && ! answered_there
ok $? "a reply waiting in the outbox does not mark its original answered"

rm -f "$SMTP_SPOOL/../refuse"
tui_keys C-g
poll sink_has "Re: Please answer"
ok $? "sync now sends it once the server takes it"
poll answered_here && poll answered_there
ok $? "sent, the original is marked answered, here and on the server"

# A draft postponed, resumed and sent: gone from Drafts, not in Trash.
echo "Draft to send" >"$T/subject"
tui_keys m
tui_wait "Subject: Draft to send" && tui_keys P && tui_wait "postponed to Drafts" &&
  poll subject_count Drafts "Draft to send" 1
ok $? "P postpones the draft to Drafts on the server"
tui_keys c Drafts Enter
tui_wait "alice: Drafts" && tui_keys / "Draft to send" Enter &&
  tui_wait_selected "Draft to send" && tui_keys R &&
  tui_wait "Subject: Draft to send" && tui_keys y &&
  poll sink_has "Draft to send" && poll subject_count Drafts "Draft to send" 0 &&
  subject_count Trash "Draft to send" 0
ok $? "the resumed draft, sent, is removed from Drafts on the server, not moved to Trash"
tui_done
