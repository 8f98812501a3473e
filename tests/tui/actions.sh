#!/bin/bash
# The action keys offline (no server needed): each changes the store and
# writes the journal (checked with posta list / posta journal), tags and
# the tag prefix, a whole thread, '$' expunging, the status line's counts,
# and the compose screen's keys up to the outbox.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 21
tui_setup 60
for f in Trash Archive Work Drafts; do
  "$MKSTORE" "$T/posta.db" alice "$f" 1 >/dev/null || exit 1
done
# Sending needs an SMTP server named, not reachable: offline it waits.
printf 'smtp_host = 127.0.0.1\nsmtp_port = 9\n' >>"$T/config"
count() { "$POSTA" -c "$T/config" list "$1" 2>/dev/null | grep -c .; }
waiting() { "$POSTA" -c "$T/config" journal 2>/dev/null | grep -c waiting; }
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
cat >"$T/editor" <<'ED'
#!/bin/sh
sed -i 's/^To: *$/To: bob@example.net/; s/^Subject: *$/Subject: Offline hello/' "$1"
printf 'Queued while offline.\n' >>"$1"
ED
chmod +x "$T/editor"
echo "attached bytes" >"$T/attach-me.txt"

tui_start 110 30 EDITOR="$T/editor" VISUAL=
tui_wait "[60 messages" || { ok 1 "started"; tui_done; }
tui_wait "offline (by request)"
ok $? "--offline: the status line says so"

tui_keys / "Quarterly" Enter
tui_wait_selected "Quarterly"
tui_keys d
poll_eq 2 count Trash
ok $? "d moves the message to Trash"
tui_wait "journal: 1 waiting"
ok $? "the status line counts the journal entry"

tui_keys / "Invoice" Enter
tui_wait_selected "Invoice"
was=$(tui_selected | cut -c2)
mark_is() { [[ $(tui_selected | cut -c2) == "$1" ]]; }
mark_is_not() { ! mark_is "$1"; }
tui_keys F
tui_wait "message flagged" && tui_poll mark_is_not "$was"
now=$(tui_selected | cut -c2)
[[ $was != "$now" ]]
ok $? "F toggles the flag (the index shows it: '$was' -> '$now')"
tui_keys F
# Polled: "flagged" is on the screen from the first F already.
tui_wait "message unflagged" && tui_poll mark_is "$was"
ok $? "F again toggles it back"
tui_keys N N
tui_wait "marked"
ok $? "N toggles new"

tui_keys Home T T T
tui_wait "3 tagged"
ok $? "T tags (three), the status line counts them"
tui_screen | grep -q '\* .*Perché'
ok $? "a tagged message shows * in the index"
tui_keys '\;' C "Wo" Tab Enter
tui_wait "3 messages copied"
poll_eq 4 count Work
ok $? "; C copies the tagged messages (Tab completed the folder)"
tui_gone "tagged"
ok $? "the tags are cleared after the action"

tui_keys / "Thread root topic" Enter
tui_wait_selected "Thread root topic"
before=$(count Trash)
tui_keys C-d
tui_wait "4 messages deleted"
poll_eq $((before + 4)) count Trash
ok $? "^D deletes the whole thread (4 messages)"

tui_keys / "Lunch" Enter
tui_wait_selected "Lunch"
tui_keys a
poll_eq 2 count Archive
ok $? "a archives"

tui_keys ":" "delete-m" Tab Enter
tui_wait "1 message deleted"
ok $? ": runs delete-message by name"

# In Trash: d marks \Deleted, u clears it, $ expunges.
tui_keys c Trash Enter
tui_wait "alice: Trash"
tui_keys d
tui_wait_selected "D"
ok $? "d in Trash marks the message deleted (D)"
tui_keys u
tui_wait "1 message undeleted"
ok $? "u undeletes"
n=$(count Trash)
tui_keys d '$'
tui_wait "1 message expunged"
poll_eq $((n - 1)) count Trash
ok $? "\$ expunges the deleted message (offline: no sync)"

# Compose up to the outbox, offline.
tui_keys m
tui_wait "Subject: Offline hello"
ok $? "m: the editor ran, the compose screen shows its fields"
tui_keys a "$T/attach-m" Tab Enter
tui_wait "attach-me.txt"
ok $? "a attaches a file (Tab completes the path)"
tui_keys y
tui_wait "outbox 1"
ok $? "y queues it in the outbox (offline: it waits), the status line says so"
tui_keys m
tui_wait "Subject: Offline hello" && tui_keys q
tui_wait "Abort this message?" && tui_keys y
tui_wait "message aborted"
ok $? "q on a written message asks first, then aborts"
tui_quit
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "quits with status 0 (workers stopped, nothing said on the way out)"
tui_done
