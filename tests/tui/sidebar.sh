#!/bin/bash
# The sidebar draws folders as a tree: every parent of a nested folder is
# drawn above it, in order, whether the store holds it (a \Noselect
# container) or only its children name it.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 5
tui_setup 5
for f in Junk "Progetti/Città" "Alto/Basso" Zeta; do
  "$MKSTORE" "$T/posta.db" alice "$f" 2 >/dev/null || exit 1
done
# "Alto" as a server lists it: \Noselect, no messages of its own.
/usr/bin/python3 - "$T/posta.db" <<'PY' || { echo "Bail out! cannot edit the store"; exit 1; }
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
acct = db.execute("SELECT account_id FROM folder WHERE name = 'Junk'").fetchone()[0]
db.execute("INSERT INTO folder (account_id, name, remote_name, delimiter, noselect)"
           " VALUES (?, 'Alto', 'Alto', '/', 1)", (acct,))
db.commit()
PY

# side: the sidebar column, trailing counts removed.
side() { tui_screen | grep '│' | sed -e 's/│.*//' -e 's/ *[0-9/]*$//' | grep -v '^$'; }

tui_start
tui_wait "[5 messages" || { ok 1 "started"; tui_done; }
tui_wait "Città"
got=$(side | tr '\n' '|')
want="alice| INBOX| Alto|  Basso| Junk| Progetti|  Città| Zeta|"
[[ $got == "$want" ]]
ok $? "tree order, parents drawn above their children (got '$got')"
side | grep -qx " Progetti"
ok $? "a parent only named by its child is drawn, without a count"
side | grep -qx " Alto"
ok $? "a \\Noselect parent with children is drawn"

# ^N from INBOX down to "Progetti" (Alto, Basso, Junk, Progetti), ^O.
tui_keys C-n C-n C-n C-n C-o
tui_wait "Progetti holds folders only"
ok $? "opening a parent says it holds folders only"
tui_keys C-n C-o
tui_wait "alice: Progetti/Città"
ok $? "its child opens"
tui_done
