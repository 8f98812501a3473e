#!/bin/bash
# Messages to the user's programs and files: | (pipe-message) gives the
# raw message to a command and shows what it wrote, errors and exit status
# included; pipe-text gives the decoded text; save-to-file appends
# byte-exact mboxrd entries (one message, then the tagged ones).
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 9
tui_setup 300
tui_start 110 30
tui_wait "flat, by date" || { ok 1 "started"; tui_done; }

tui_keys / "Paolo Bianchi" Enter
tui_wait_selected "Paolo Bianchi      Thread root topic"
tui_keys "|" "sed -n 's/^Message-ID: /got /p'" Enter
tui_wait "got <thread.0@mkstore.posta.test>"
ok $? "| gives the raw message to the command; its output is in the pager"
tui_wait "Output of sed"
ok $? "... under the command's name"
tui_keys q
tui_wait_selected "Thread root topic"
ok $? "q goes back to the index"

tui_keys : "pipe-text" Enter "tr a-z A-Z" Enter
tui_wait "THE ROOT OF THE THREAD."
ok $? "pipe-text gives the decoded text"
tui_keys q
tui_keys "|" "echo oops >&2; exit 3" Enter
tui_wait "oops" && tui_wait "(exit status 3)"
ok $? "a command's errors and exit status are shown"
tui_keys q

tui_keys : "save-to-file" Enter "$T/saved.mbox" Enter
tui_wait "Saved 1 message to $T/saved.mbox."
ok $? "save-to-file appends the message to a new mbox file"
# Byte-exact: the From line, posta's Status lines, the stored bytes, "\n".
/usr/bin/python3 - "$T/posta.db" "$T/saved.mbox" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(raw,) = db.execute("SELECT b.raw FROM body b JOIN message m ON m.id = b.message_id"
                    " WHERE m.message_id = 'thread.0@mkstore.posta.test'").fetchone()
data = open(sys.argv[2], "rb").read()
head, rest = data.split(b"\n", 1)
assert head.startswith(b"From thread@example.org "), head
assert rest.startswith(b"Status: RO\nX-Status: \n") or rest.startswith(b"Status: O\nX-Status: \n"), rest[:40]
rest = rest.split(b"\n", 2)[2]
assert rest == bytes(raw) + b"\n", (rest[-40:], bytes(raw)[-40:])
PY
ok $? "the entry holds the stored message byte for byte"

tui_keys / "Weekly planning" Enter
tui_wait_selected "Weekly planning"
tui_keys C-t "\\;" : "save-to-file" Enter
tui_wait "Append 2 messages to mbox file:"
tui_keys "$T/saved.mbox" Enter
tui_wait "Saved 2 messages to $T/saved.mbox."
ok $? "the tag prefix appends the tagged messages"
"$POSTA" -c "$T/config" import Saved --mbox "$T/saved.mbox" >"$T/import.out" 2>&1 &&
  grep -q "3 messages" "$T/import.out"
ok $? "posta import reads the 3 entries back"
[[ $_tui_failed == 0 ]] || sed 's/^/# /' "$T/import.out"
tui_done
