#!/bin/bash
# Against the lab: a store filled by a real posta sync (Dovecot, seeded
# mail, one hostile and one Italian message delivered), then the UI; and
# with the server stopped, the UI still reads the stored mail.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 8
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
lab_seed alice INBOX 200 1 >/dev/null 2>&1 || skip_all "lab seed failed"

now=$(date -R)
printf 'From: =?ISO-8859-1?Q?Lucia_Ferr=E8?= <lucia@example.net>\r\nTo: alice@lab.posta.test\r\nSubject: =?ISO-8859-1?Q?Perch=E9_il_caff=E8_=E8_pi=F9_buono?=\r\nDate: %s\r\nMessage-ID: <lab-it@posta.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nIl caff\xe8 \xe8 pronto, citt\xe0 e gioved\xec.\r\n' "$now" >"$T/it.eml"
printf 'From: Evil <evil@attacker.example>\r\nTo: alice@lab.posta.test\r\nSubject: Lab hostile \x1b]52;c;SGFja2Vk\x07 and \x1b[2J done\r\nDate: %s\r\nMessage-ID: <lab-evil@posta.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nEvil body \x1b]52;c;SGFja2Vk\x07 \x1b[2J end.\r\n' "$now" >"$T/evil.eml"
lab_deliver alice INBOX "$T/it.eml" >/dev/null 2>&1 &&
  lab_deliver alice INBOX "$T/evil.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"

# The lab's directory goes when it stops: keep its CA for the offline part.
cp "$LAB_CA" "$T/ca.pem"
cat >"$T/config" <<CONF
[general]
store = $T/posta.db
default_account = alice

[account alice]
protocol = imap
host = $LAB_HOST
port = $IMAPS_PORT
tls = implicit
ca_file = $T/ca.pem
user = $LAB_USER
password = $LAB_PASS
CONF
chmod 600 "$T/config"
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1
ok $? "posta sync fills the store from the lab"

tui_start 120 30
tui_wait "alice: INBOX  [202 messages"
ok $? "start-up shows the synced Inbox with its counts"
tui_screen | grep -q "Lab hostile ]52;c;SGFja2Vk and" &&
  ! tui_screen -e | sed 's/\x1b\[[0-9;]*m//g' | grep -q $'\e'
ok $? "hostile subject from the server: ESC ] 52 and ESC [ 2 J neutralised"
tui_keys / "Perché il caffè" Enter Enter
tui_wait "Subject: Perché il caffè è più buono" &&
  tui_wait "Il caffè è pronto, città e giovedì."
ok $? "Italian RFC 2047 subject and ISO-8859-1 body, synced, shown right"
tui_keys q t
tui_wait "threads, by date" && tui_wait "─>"
ok $? "thread view groups the seeded threads"
tui_keys q
tui_wait "[posta exited 0]"
ok $? "quits with status 0"

lab_down >/dev/null 2>&1
tui_start 120 30
tui_wait "alice: INBOX  [202 messages"
ok $? "server stopped: the UI still reads the stored mail"
tui_keys Enter
tui_wait "Subject:"
ok $? "server stopped: a stored message still opens"
tui_done
