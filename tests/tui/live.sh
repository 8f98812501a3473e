#!/bin/bash
# The TUI with its sync worker against the lab: each action key changes the
# store and, through the worker's replay, the server (checked with Python's
# imaplib as another device); tag + act on several; a message appended by
# another client appears without a keypress; '$' syncs; opening marks read;
# an attachment saved byte for byte and opened through a test mailcap;
# compose, send and the Sent copy; postpone and resume from Drafts; with the
# server stopped the UI says offline and still reads.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 34
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 20 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
  skip_all "lab seed failed"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"

# Our messages, one per action, newest last so that each has a known id.
msg_file() { # msg_file ID SUBJECT [MINUTES-AGO]: $T/ID.eml
  printf 'From: Tester <tester@example.net>\r\nTo: alice@localhost\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@posta.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of %s.\r\n' \
    "$2" "$(date -R -d "-${3:-1} min")" "$1" "$2" >"$T/$1.eml"
}
msg() { msg_file "$@" && lab_deliver alice INBOX "$T/$1.eml" >/dev/null 2>&1; }
for m in "del:Act delete me" "flag:Act flag me" "read:Act read me" \
    "tag1:Act tag one" "tag2:Act tag two" "tag3:Act tag three" \
    "arch:Act archive me"; do
  msg "${m%%:*}" "${m#*:}" || skip_all "lab deliver failed"
done
# An attachment of every byte value, a hostile file name, and a part for
# the test mailcap.
head -c 3000 /dev/urandom >"$T/att.bin"
{
  printf 'From: Tester <tester@example.net>\r\nTo: alice@localhost\r\n'
  printf 'Subject: Act attachment\r\nDate: %s\r\n' "$(date -R)"
  printf 'Message-ID: <att@posta.test>\r\nMIME-Version: 1.0\r\n'
  printf 'Content-Type: multipart/mixed; boundary="BB"\r\n\r\n--BB\r\n'
  printf 'Content-Type: text/plain\r\n\r\nSee attached.\r\n--BB\r\n'
  printf 'Content-Type: application/octet-stream\r\n'
  printf 'Content-Disposition: attachment; filename="../../.secret report.bin"\r\n'
  printf 'Content-Transfer-Encoding: base64\r\n\r\n'
  base64 "$T/att.bin" | sed 's/$/\r/'
  printf -- '--BB\r\nContent-Type: application/x-posta-test\r\n'
  printf 'Content-Disposition: attachment; filename="probe.tst"\r\n\r\n'
  printf 'mailcap says hello\r\n--BB\r\nContent-Type: text/x-posta-run\r\n'
  printf 'Content-Disposition: attachment; filename="run.txt"\r\n\r\n'
  printf 'run on the terminal\r\n--BB--\r\n'
} >"$T/att.eml"
lab_deliver alice INBOX "$T/att.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"

tui_lab_config
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

# The editor: To, the subject in $T/subject, and a body.
cat >"$T/editor" <<'ED'
#!/bin/sh
subj=$(cat "$(dirname "$0")/subject")
sed -i "s/^To: *\$/To: bob@localhost/; s/^Subject: *\$/Subject: $subj/" "$1"
printf 'Written by the test editor.\n' >>"$1"
ED
chmod +x "$T/editor"
printf 'application/x-posta-test; cat %%s; copiousoutput\n' >"$T/mailcap"
# Not copiousoutput: runs on the terminal, curses suspended; notes its file.
printf 'text/x-posta-run; cp %%s %s/viewed.out \\; echo %%s >%s/viewed.path\n' \
  "$T" "$T" >>"$T/mailcap"

# Poll a command until its output is $1 (default 15 s).
poll_is() {
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
poll_match() {
  local re=$1 secs=$2 i out
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    out=$("$@" 2>&1)
    [[ $out =~ $re ]] && return 0
    sleep 0.2
  done
  echo "# last: $out"
  return 1
}
select_subject() { tui_keys / "$1" Enter; tui_wait_selected "$1"; }

TUI_ARGS=
tui_start 120 30 EDITOR="$T/editor" VISUAL= MAILCAPS="$T/mailcap" HOME="$T" POSTA_TUI_TRACE="$T/imap.trace"
tui_wait "online" 10
ok $? "the worker connects: the status line says online"
# Idle after start-up: the watch pulled INBOX, found nothing new and went
# into IDLE; the pull's progress text must not stay (issue 11).
poll_match '^[1-9]' 30 grep -c ' IDLE' "$T/imap.trace" >/dev/null &&
  tui_gone "headers INBOX" 10
ok $? "idle after start-up: no progress text left on the status line"

select_subject "Act delete me" && tui_keys d
poll_is "missing" 15 $IMAPCTL flags INBOX "<del@posta.test>" &&
  poll_match '.' 15 $IMAPCTL flags Trash "<del@posta.test>" &&
  [[ $($IMAPCTL flags Trash "<del@posta.test>") != missing ]]
ok $? "d: the message goes to Trash on the server"

select_subject "Act flag me" && tui_keys F
poll_match 'Flagged' 15 $IMAPCTL flags INBOX "<flag@posta.test>"
ok $? "F: \\Flagged on the server"
tui_selected | grep -q '^N!' || tui_selected | grep -q '^ !'
ok $? "F: the index shows the flag"

select_subject "Act read me" && tui_keys Enter
tui_wait "Body of Act read me."
poll_match 'Seen' 15 $IMAPCTL flags INBOX "<read@posta.test>"
ok $? "opening a message marks it \\Seen on the server"
tui_keys N
poll_match '^[^S]*$' 15 $IMAPCTL flags INBOX "<read@posta.test>"
ok $? "N: new again (\\Seen removed on the server)"
tui_keys q

for s in "Act tag one" "Act tag two" "Act tag three"; do
  select_subject "$s" && tui_keys T
done
tui_wait "3 tagged"
ok $? "T tags three messages, the status line counts them"
[[ $(tui_screen | grep -c 'Act tag .*') -ge 1 ]] && tui_screen | grep -q '\* .*Act tag'
ok $? "tagged messages are marked in the index"
tui_keys '\;' s "Wo" Tab Enter
tui_wait "3 messages moved"
ok $? "; s: the tagged messages move, Tab completes the folder"
poll_is "3" 15 $IMAPCTL has-subject Work "Act tag"
ok $? "; s: the three are in Work on the server"
[[ $($IMAPCTL has-subject INBOX "Act tag") == 0 ]]
ok $? "; s: and no longer in INBOX"

select_subject "Act archive me" && tui_keys a
poll_is "1" 15 $IMAPCTL has-subject Archive "Act archive me"
ok $? "a: archived on the server"

# Another device appends while the TUI watches INBOX: no key pressed.
msg_file push "Pushed by another device" 0
$IMAPCTL append INBOX "$T/push.eml"
tui_wait "Pushed by another device" 5
ok $? "a message appended by another client appears within 5 s, no keypress"

# '$' syncs now: a message put in Work (not watched) shows in its count.
before=$(tui_screen | grep -o 'Work *[0-9/]*' | head -n1)
msg_file work "Sync-now probe" 0
$IMAPCTL append Work "$T/work.eml"
tui_keys '$'

for ((i = 0; i < 75; i++)); do
  after=$(tui_screen | grep -o 'Work *[0-9/]*' | head -n1)
  [[ -n $after && $after != "$before" ]] && break
  sleep 0.2
done
[[ -n $after && $after != "$before" ]]
ok $? "\$ syncs now: the new message in Work is counted ($before -> $after)"

# A posta sync in another process (cron): its news shows within 2 s.
before=$after
msg_file cron "Synced by cron" 0
$IMAPCTL append Work "$T/cron.eml"
"$POSTA" -c "$T/config" sync >"$T/cron.out" 2>&1
for ((i = 0; i < 10; i++)); do
  after=$(tui_screen | grep -o 'Work *[0-9/]*' | head -n1)
  [[ -n $after && $after != "$before" ]] && break
  sleep 0.2
done
[[ -n $after && $after != "$before" ]]
ok $? "a posta sync run beside the TUI shows in it within 2 s ($before -> $after)"

# Offline on purpose: said as asked, no "cancelled" error (issue 11).
tui_keys c INBOX Enter
tui_wait "alice: INBOX" && tui_keys @
tui_wait "alice is offline, as asked" 15 && ! tui_screen | grep -q cancelled
ok $? "@ goes offline: it says so, and no cancelled error"
tui_keys @
tui_wait "online" 15

# Attachments: the list, save byte for byte, the safe name, mailcap.
select_subject "Act attachment" && tui_keys v
tui_wait "application/octet-stream"
ok $? "v lists the parts"
tui_keys j s
tui_wait "Save to file: secret report.bin"
ok $? "s offers a safe file name (no directories, no leading dot)"
tui_keys C-u "$T/saved.bin" Enter
tui_wait "saved 3000 bytes"
cmp -s "$T/att.bin" "$T/saved.bin"
ok $? "the saved attachment is byte for byte the original"
[[ $(stat -c %a "$T/saved.bin") == 600 ]]
ok $? "the saved file is private (0600)"
tui_keys s C-u "$T/saved.bin" Enter
tui_wait "exists: overwrite?" && tui_keys n && tui_wait "not saved"
ok $? "an existing file is not overwritten without a yes"
tui_keys j Enter
tui_wait "mailcap says hello"
ok $? "Enter opens a part through mailcap (copiousoutput in the pager)"
tui_keys q
tui_wait "text/x-posta-run" && tui_keys j Enter
for ((i = 0; i < 50; i++)); do [[ -s $T/viewed.path ]] && break; sleep 0.1; done
tui_wait "text/x-posta-run" && [[ -s $T/viewed.path ]] &&
  grep -q "run on the terminal" "$T/viewed.out" &&
  [[ ! -e $(cat "$T/viewed.path") && ! -e $(dirname "$(cat "$T/viewed.path")") ]]
ok $? "mailcap viewer run on the terminal; its private temp file removed after"
tui_keys q q

# Compose: send, the sink receives it, the copy lands in Sent.
echo "TUI round trip" >"$T/subject"
tui_keys m
tui_wait "Subject: TUI round trip"
ok $? "m runs the editor, then the compose screen shows the fields"
tui_keys y
for ((i = 0; i < 75; i++)); do
  grep -l "Subject: TUI round trip" "$SMTP_SPOOL"/*.eml >/dev/null 2>&1 && break
  sleep 0.2
done
grep -q "Written by the test editor" $(grep -l "Subject: TUI round trip" "$SMTP_SPOOL"/*.eml 2>/dev/null) /dev/null
ok $? "y sends: the SMTP sink received it with the editor's body"
poll_is "1" 20 $IMAPCTL has-subject Sent "TUI round trip"
ok $? "the copy lands in Sent on the server"

# Postpone, then resume from Drafts and send.
echo "TUI postponed" >"$T/subject"
tui_keys m
tui_wait "Subject: TUI postponed" && tui_keys P
tui_wait "postponed to Drafts"
poll_is "1" 20 $IMAPCTL has-subject Drafts "TUI postponed"
ok $? "P postpones: the draft is in Drafts on the server"
tui_keys R
tui_wait "alice: Drafts" && select_subject "TUI postponed" && tui_keys R
tui_wait "Subject: TUI postponed" && tui_keys y
for ((i = 0; i < 75; i++)); do
  grep -l "Subject: TUI postponed" "$SMTP_SPOOL"/*.eml >/dev/null 2>&1 && break
  sleep 0.2
done
grep -lq "Subject: TUI postponed" "$SMTP_SPOOL"/*.eml 2>/dev/null
ok $? "R resumes the draft from Drafts and y sends it"

# A reply postponed, resumed and sent marks its original answered, only
# once it is sent (issue 11).
tui_keys c INBOX Enter
tui_wait "alice: INBOX" && select_subject "Act read me" && tui_keys r
tui_wait "Subject: Re: Act read me" && tui_keys P
tui_wait "postponed to Drafts" &&
  poll_is "1" 20 $IMAPCTL has-subject Drafts "Re: Act read me" &&
  [[ $($IMAPCTL flags INBOX "<read@posta.test>") != *Answered* ]]
ok $? "a postponed reply is in Drafts; its original not answered yet"
tui_keys c Drafts Enter
tui_wait "alice: Drafts" && select_subject "Re: Act read me" && tui_keys R
tui_wait "Subject: Re: Act read me" && tui_keys y
poll_match 'Answered' 20 $IMAPCTL flags INBOX "<read@posta.test>"
ok $? "the resumed reply, sent, marks its original \\Answered on the server"

# The server goes away: offline, and the stored mail still reads.
tui_keys c INBOX Enter
lab_down >/dev/null 2>&1
tui_wait "offline" 15
ok $? "server stopped: the status line says offline"
select_subject "Act flag me" && tui_keys Enter
tui_wait "Body of Act flag me."
ok $? "server stopped: a stored message still opens"
tui_keys q
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0 (workers stopped, nothing said on the way out)"
tui_done
