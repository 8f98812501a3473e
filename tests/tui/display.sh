#!/bin/bash
# Display settings of posta.conf(5): index_format (expandos, widths),
# date_format, sidebar_width, the Sent folder showing recipients, the
# sort and threads defaults.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 9
tui_setup 40
"$MKSTORE" "$T/posta.db" alice Sent 5 >/dev/null || exit 1

conf() { # conf KEY=VALUE...: the [general] section with these added
  local base
  base=$(sed -n '/^\[account/,$p' "$T/config.orig")
  { printf '[general]\nstore = %s\ndefault_account = alice\n' "$T/posta.db"
    printf '%s\n' "$@"; echo; echo "$base"; } >"$T/config"
}
cp "$T/config" "$T/config.orig"

# The first index row after the sidebar's bar.
first_row() { tui_screen | sed -n 1p | sed 's/^[^│]*│//'; }

conf 'index_format = [%Z] %-14.14n|%.6s|%c' 'date_format = %d.%m.%y'
tui_start 100 30
tui_wait "[40 messages" || { ok 1 "started"; tui_done; }
row=$(first_row)
[[ $row == "[N!r  ] Lucia Ferrè   |Perch~|"* ]]
ok $? "index_format: flags, a name padded to 14 and a subject cut to 6 ('$row')"
tui_keys q
tui_wait "[posta exited"

conf 'index_format = %Z %d %n' 'date_format = <%Y.%m.%d>'
tui_start 100 30
tui_wait "[40 messages"
row=$(first_row)
[[ $row =~ ^N!r\ {3}\<20[0-9]{2}\.[0-9]{2}\.[0-9]{2}\>\ Lucia ]]
ok $? "index_format %d follows date_format ('$row')"
tui_keys q
tui_wait "[posta exited"

# date_format alone: the built-in columns, its date.
conf 'date_format = %d.%m.%y' 'sidebar_width = 20'
tui_start 100 30
tui_wait "[40 messages"
row=$(first_row)
[[ $row =~ ^N!r\ {3}[0-9]{2}\.[0-9]{2}\.[0-9]{2}\ +Lucia ]]
ok $? "date_format changes the built-in date column ('$row')"
bar=$(tui_screen | sed -n 1p | sed 's/│.*//')
[[ ${#bar} -eq 20 ]]
ok $? "sidebar_width = 20: the sidebar is 20 columns (${#bar})"

# Sent shows who the mail went to.
tui_screen | grep -q "To: Alice Lab"
[[ $? -ne 0 ]]
ok $? "INBOX shows senders, not recipients"
tui_keys c Sent Enter
tui_wait "alice: Sent"
tui_wait "To: Alice Lab"
ok $? "Sent shows 'To: ...' in the author column"
tui_keys q
tui_wait "[posta exited"

# The sort and threads defaults.
conf 'sort = reverse-size'
tui_start 100 30
tui_wait "[40 messages"
tui_wait "by size (reversed)"
ok $? "sort = reverse-size: the index starts by size, smallest first"
tui_keys q
tui_wait "[posta exited"
conf 'threads = yes'
tui_start 100 30
tui_wait "[40 messages"
tui_wait "threads, by date"
ok $? "threads = yes: the index starts threaded"
tui_keys q
tui_wait "[posta exited"

conf 'index_format = %Q'
"$POSTA" -c "$T/config" list >"$T/out" 2>&1
grep -q "key 'index_format': expected %d" "$T/out"
ok $? "a bad index_format is refused with its line and key"
tui_done
