#!/bin/bash
# posta with no configuration on a terminal: the interactive setup, from
# the first question to the index showing the lab's INBOX (servers found
# by SRV from a DNS server of ours, the lab's certificate pinned after an
# explicit yes); and the POP3 path: the comparison, the three ways, the
# warning, and Ctrl-C at a prompt leaving no file behind.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 15
command -v tmux >/dev/null || skip_all "tmux is not installed"
T=$(mktemp -d /tmp/posta-tui.XXXXXX)
DNS_PID=
trap '_tui_cleanup; [[ -n $DNS_PID ]] && kill $DNS_PID; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
printf 'From: Bob <bob@lab.test>\r\nTo: alice@lab.test\r\nSubject: Hello from the setup lab\r\nDate: %s\r\nMessage-ID: <setup-hello@posta.test>\r\n\r\nHi.\r\n' \
  "$(date -R)" >"$T/hello.eml"
lab_deliver alice INBOX "$T/hello.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"

"${PYTHON3:-python3}" "$POSTA_SRCDIR/tests/lab/dns_srv.py" --port-file "$T/dns.port" \
  --srv "_imaps._tcp.lab.test=0:1:$IMAPS_PORT:localhost" \
  --srv "_imap._tcp.lab.test=0:1:$IMAP_PORT:localhost" \
  --srv "_pop3s._tcp.lab.test=0:1:$POP3S_PORT:localhost" \
  --srv "_submission._tcp.lab.test=0:1:$SMTP_PORT:localhost" &
DNS_PID=$!
for _ in $(seq 100); do [[ -s $T/dns.port ]] && break; sleep 0.1; done
DNS=127.0.0.1:$(cat "$T/dns.port")

# start CMD...: a shell in tmux (80x24) running CMD with no configuration.
start() {
  tui_keep_server
  tx kill-session -t "$TUI_SESSION" 2>/dev/null || true
  tx new-session -d -s "$TUI_SESSION" -x 80 -y 24 \
    env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color POSTA_CONFIG= \
    XDG_CONFIG_HOME="$T/xdg" XDG_DATA_HOME="$T/data" POSTA_SETUP_DNS="$DNS" \
    PATH=/usr/bin:/bin \
    sh -c "trap : INT; $*; echo \"[exited \$?]\"; sleep 600"
}
answer() { tui_wait "$1" 20 && tui_keys "$2" Enter; }

# 1. From posta with no configuration to the index.
start "\"$POSTA\""
answer "Your e-mail address" alice@lab.test
answer "Your name, as others" ""
answer "A short name for this account" ""
tui_wait "Should posta trust (pin)" 30
ok $? "an untrusted certificate: its fingerprint and a question, not trust"
tui_keys yes Enter
tui_wait "In short:" 30 && tui_screen | grep -q "Where mail lives"
ok $? "both offered: the IMAP/POP3 comparison is shown"
answer "imap or pop3?" ""
# Two IMAP servers work (IMAPS and IMAP with STARTTLS): pick the second.
tui_wait "Which one do you want? Type its number." 20
num=$(tui_screen -S -200 | sed -n "s/^ *\([0-9]*\)\. IMAP localhost:$IMAP_PORT with STARTTLS.*/\1/p" | tail -n1)
[[ -n $num ]] && tui_screen -S -200 | grep -q "Its certificate is .*SHA-256 [0-9A-F:]*"
ok $? "several working servers: listed with the certificate, one is picked by number"
tui_keys "$num" Enter
# The SRV targets (localhost) are not in lab.test: asked, default no.
tui_wait "Use it anyway? [no]" 20
ok $? "an SRV target outside the domain is used only after a yes"
tui_keys yes Enter
answer "Use it anyway?" yes
answer "Your login name" alice
tui_wait "it is not shown as you type" 20
tui_keys alicepw Enter
tui_wait "Offline policy" 30
! tui_screen | grep -q alicepw
ok $? "the password is not echoed"
tui_screen | grep -q "holds [0-9.]* MB"
ok $? "the mailbox size from the server is shown"
tui_keys Enter
tui_wait "Write it in the configuration file" 20
choice=$(tui_screen | sed -n 's/^ *\([0-9]\)\. Write it in the configuration file.*/\1/p' | tail -n1)
tui_keys "$choice" Enter
tui_wait "Hello from the setup lab" 60
ok $? "the index shows the lab's INBOX"
f=$T/xdg/posta/config
[[ $(stat -c %a "$f" 2>/dev/null) == 600 ]] && grep -q '^certificate_fingerprint = sha256:' "$f"
ok $? "the file is 0600 and pins the certificate"
grep -q "^port = $IMAP_PORT\$" "$f" && grep -q '^tls = starttls$' "$f"
ok $? "the server picked is the one written"
tui_keys q

# 2. The POP3 path, then Ctrl-C: no file.
rm -rf "$T/xdg"
start "\"$POSTA\" setup"
answer "Your e-mail address" alice@lab.test
answer "Your name, as others" ""
answer "A short name for this account" ""
answer "Should posta trust (pin)" yes
answer "imap or pop3?" pop3
answer "Use it anyway?" yes
answer "Use it anyway?" yes
answer "Your login name" alice
tui_wait "Leave for some days" 20 && tui_screen | grep -q "Download and delete"
ok $? "POP3: the three ways are shown"
answer "Which way do you want?" 1
tui_wait "will see it emptied" 20
ok $? "download and delete: the warning is shown"
tui_wait "Do you really want posta to delete" 10
ok $? "download and delete: a confirmation is asked"
tui_keys C-c
tui_wait "nothing was written" 10 && [[ ! -e $T/xdg/posta/config ]] &&
  [[ -z $(ls -A "$T/xdg/posta" 2>/dev/null) ]]
ok $? "Ctrl-C at a prompt leaves no file behind"

# 3. Ctrl-C at other prompts: the first question, and the password (echo
# off), leave no file either.
ctrl_c_at() { # PROMPT DESC: run to PROMPT, then Ctrl-C
  tui_keys C-c
  tui_wait "nothing was written" 10 && [[ ! -e $T/xdg/posta/config ]] &&
    [[ -z $(ls -A "$T/xdg/posta" 2>/dev/null) ]]
}
rm -rf "$T/xdg"
start "\"$POSTA\" setup"
tui_wait "Your e-mail address" 20
ctrl_c_at
ok $? "Ctrl-C at the first question leaves no file behind"
start "\"$POSTA\" setup"
answer "Your e-mail address" alice@lab.test
answer "Your name, as others" ""
answer "A short name for this account" ""
answer "Should posta trust (pin)" yes
answer "imap or pop3?" ""
answer "Which one do you want?" ""
answer "Use it anyway?" yes
answer "Use it anyway?" yes
answer "Your login name" alice
tui_wait "it is not shown as you type" 20
ctrl_c_at
ok $? "Ctrl-C at the password prompt leaves no file behind"
