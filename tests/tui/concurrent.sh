#!/bin/bash
# Two processes never trip over each other (issue 13): three posta sync
# and the TUI on one store at the same time, with offline actions waiting,
# twice: every action is applied exactly once on the server, nothing but
# "another posta is syncing it; waiting" is said on the way, and the store
# ends equal to the server (each message's UID, Message-ID and flags).
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
ROUNDS=2
N=16	# actions a round, copy and flag in turn: one replay batch each
plan $((ROUNDS * 4 + 1))
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
IMAPCTL="/usr/bin/python3 $POSTA_SRCDIR/tests/tui/imapctl.py"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 1; k <= N; k++)); do
    printf 'From: T <t@example.net>\r\nTo: alice@localhost\r\nSubject: Conc %s-%02d\r\nDate: %s\r\nMessage-ID: <c%s-%s@posta.test>\r\n\r\nBody.\r\n' \
      "$r" "$k" "$(date -R)" "$r" "$k" >"$T/m.eml"
    lab_deliver alice INBOX "$T/m.eml" >/dev/null 2>&1 || skip_all "lab deliver failed"
  done
done
lab_seed alice Work 1 2 >/dev/null 2>&1 || skip_all "lab seed failed"
tui_lab_config
"$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

OFF() { "$POSTA" -c "$T/config" --offline "$@"; }
idof() { # idof SUBJECT: its id in INBOX
  OFF list --json INBOX | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    if l.strip() and json.loads(l)["subject"] == sys.argv[1]:
        print(json.loads(l)["id"]); break' "$1"
}
# FOLDER as stored, in the form of imapctl.py dump.
store_dump() {
  OFF list --json "$1" | /usr/bin/python3 -c '
import json, sys
rows = []
for l in sys.stdin:
    if l.strip():
        m = json.loads(l)
        rows.append((m["uid"] or 0, m["message_id"] or "",
                     sorted(f for f in m["flags"] if f != "\\Recent")))
for uid, mid, flags in sorted(rows):
    print(uid, mid, *flags)'
}
same() { # does the store hold what the server holds, in INBOX and Work?
  local f
  for f in INBOX Work; do
    [[ $($IMAPCTL dump "$f") == "$(store_dump "$f")" ]] || return 1
  done
}
# Every line said on stderr is the waiting note: "" when so, else them.
words() {
  cat "$@" 2>/dev/null | grep -v 'is syncing it; waiting until it is done\.$' | grep -v '^$'
}

for ((r = 1; r <= ROUNDS; r++)); do
  ok_acts=0
  for ((k = 1; k <= N; k++)); do
    if ((k % 2)); then
      OFF copy "$(idof "$(printf "Conc %s-%02d" $r $k)")" Work >/dev/null 2>&1 || ok_acts=1
    else
      OFF flag "$(idof "$(printf "Conc %s-%02d" $r $k)")" +flagged >/dev/null 2>&1 || ok_acts=1
    fi
  done
  [[ $ok_acts == 0 ]] || { echo "Bail out! offline actions failed"; exit 1; }
  # All at once: the TUI (online) and three posta sync.
  TUI_ARGS=
  tui_start 120 30
  for i in 1 2 3; do "$POSTA" -c "$T/config" sync >"$T/out.$r.$i" 2>"$T/err.$r.$i" & done
  wait
  rc=0
  for ((k = 2; k <= N; k += 2)); do
    for ((i = 0; i < 100; i++)); do
      [[ $($IMAPCTL flags INBOX "<c$r-$k@posta.test>") == *Flagged* ]] && break
      sleep 0.2
    done
    [[ $($IMAPCTL flags INBOX "<c$r-$k@posta.test>") == *Flagged* ]] || rc=1
  done
  ok $rc "round $r: every flag reached the server"
  # The journal is empty once everyone is done; then count the copies.
  for ((i = 0; i < 100; i++)); do
    [[ $(OFF journal 2>/dev/null) == "0 waiting, 0 failed" ]] && break
    sleep 0.2
  done
  counts=$(for ((k = 1; k <= N; k += 2)); do $IMAPCTL has-subject Work "$(printf "Conc %s-%02d" $r $k)"; done | tr '\n' ' ')
  [[ $counts == "$(printf '1 %.0s' $(seq 1 $((N / 2))))" ]]
  ok $? "round $r: each copy made exactly once on the server ($counts)"
  end=$((SECONDS + 30))
  while ! same && ((SECONDS < end)); do sleep 0.5; done
  same
  ok $? "round $r: the store equals the server (UIDs, Message-IDs, flags)"
  if ! same; then
    for f in INBOX Work; do diff <($IMAPCTL dump "$f") <(store_dump "$f") | sed 's/^/# /'; done
  fi
  said=$(words "$T"/err.$r.*)
  [[ -z $said ]] && ! tui_screen | grep -qi 'journal entry\|error'
  ok $? "round $r: no error printed by the syncs or the TUI"
  [[ -n $said ]] && sed 's/^/# /' <<<"$said"
  tui_quit
done
grep -qF "[posta exited 0]" <<<"$(tui_screen)"
ok $? "the TUI quits with status 0"
tui_done
