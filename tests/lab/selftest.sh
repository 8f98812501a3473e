#!/bin/bash
# Self-test of the test lab (TAP). Starts real servers on 127.0.0.1, talks to
# them with Python's standard clients, runs every fake_server mode, and checks
# that nothing is left running. Usage: tests/lab/selftest.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
CHECK=("$PY" "$HERE/selftest_checks.py")
LAB=$HERE/lab
PLAN=35
n=0 failed=0

echo "1..$PLAN"

now_us() { echo "${EPOCHREALTIME/./}"; }
since() { local d=$(( $(now_us) - $1 )); printf '%d.%02d' $((d / 1000000)) $((d / 10000 % 100)); }
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/#   /'
}
# t DESCRIPTION COMMAND...: one TAP line from a command's exit status.
t() {
  local desc=$1 out t0
  shift
  t0=$(now_us)
  if out=$("$@" 2>&1); then
    ok "$desc"
    [[ -z $out ]] || printf '%s\n' "$out" | tail -n 3 | sed 's/^/#   /'
  else
    not_ok "$desc" "$out"
  fi
  echo "#   ($(since "$t0")s)"
}
# Pids of this lab's processes (dovecot master + children, smtp sink).
lab_procs() {
  local dir=$1 inst p a0 cmd
  inst=$(sed -n 's/^instance_name = //p' "$dir/etc/dovecot.conf" 2>/dev/null || true)
  for p in /proc/[0-9]*; do
    cmd=""
    { cmd=$(tr '\0' ' ' <"$p/cmdline"); } 2>/dev/null || true
    a0=${cmd%% *}
    if [[ -n $inst && ( $a0 == "dovecot-$inst/"* ) ]] || [[ $cmd == *"$dir/"* ]]; then
      printf '%s ' "${p#/proc/}"
    fi
  done
}

# shellcheck source=lab-env.sh
source "$HERE/lab-env.sh"

# --- a lab, the standard way ------------------------------------------------
t0=$(now_us)
if lab_up 2>/dev/null; then
  ok "lab start ($(since "$t0")s)"
else
  not_ok "lab start"
  echo "Bail out! the lab did not start"
  exit 1
fi
MAIN_DIR=$LAB_DIR

t "lab.env has every variable" "${CHECK[@]}" env
t "IMAP: STARTTLS offered, STARTTLS + LOGIN verifying ca.pem" "${CHECK[@]}" imap
t "IMAPS: login, capabilities, special-use folders, 21 sessions" "${CHECK[@]}" imaps
t "IMAPS: served certificate matches LAB_SHA256" "${CHECK[@]}" fingerprint
t "127.0.0.2 answers but fails host-name verification" "${CHECK[@]}" mismatch
t "POP3: STLS + USER/PASS" "${CHECK[@]}" pop3
t "POP3S: USER/PASS" "${CHECK[@]}" pop3s
t "SMTP: STARTTLS required, AUTH, exact bytes + sidecar in spool" "${CHECK[@]}" smtp
t "SMTPS: AUTH required, send, spool" "${CHECK[@]}" smtps
t "SMTP: reject550/reject451 partial failure, SIZE limit" "${CHECK[@]}" smtp-reject

t0=$(now_us)
t "lab seed alice INBOX 500" "$LAB" seed "$LAB_DIR" alice INBOX 500 42
echo "#   seed 500 took $(since "$t0")s"
t "IMAP sees 500 messages in INBOX, unique Message-IDs" "${CHECK[@]}" count INBOX 500
t "lab seed alice 'Città/Progetti' 120 (new folder, non-ASCII name)" \
  "$LAB" seed "$LAB_DIR" alice "Città/Progetti" 120
t "IMAP sees 120 messages in Citt&AOA-/Progetti" "${CHECK[@]}" count "Citt&AOA-/Progetti" 120
t "seeding again continues (INBOX now 700)" "$LAB" seed "$LAB_DIR" alice INBOX 200 42
t "IMAP sees 700 messages, Message-IDs still unique" "${CHECK[@]}" count INBOX 700
t "every seeded message parses without MIME defects" "${CHECK[@]}" parse INBOX

msg=$(mktemp /tmp/posta-selftest.XXXXXX)
printf 'From: Corpus <c@example.com>\nTo: alice@lab.posta.test\nSubject: corpus\nMessage-ID: <corpus-%s@selftest>\n\nbody\n' "$$" >"$msg"
chmod 0644 "$msg"
t "lab deliver into a new folder" "$LAB" deliver "$LAB_DIR" alice "Corpus/Weird" "$msg"
t "delivered message is visible over IMAP" "${CHECK[@]}" delivered "Corpus/Weird" "corpus-$$@selftest"
rm -f "$msg"

# --- fake servers -------------------------------------------------------------
for mode in imap-inject imap-preauth imap-nostarttls pop3-inject smtp-inject silent; do
  if lab_fake "$mode"; then
    t "fake_server $mode" "${CHECK[@]}" fake "$mode"
  else
    not_ok "fake_server $mode" "did not start"
  fi
done
fake_pids=("${_LAB_FAKE_PIDS[@]}")
lab_fake_stop
alive=""
for p in "${fake_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=" $p"; done
if [[ -z $alive ]]; then ok "fake servers stopped"; else not_ok "fake servers stopped" "alive:$alive"; fi

# --- a second lab at once: --no-starttls; a third: --imap-capability ----------
if lab_up --no-starttls 2>/dev/null; then
  t "--no-starttls lab: no STARTTLS/STLS, no TLS ports" "${CHECK[@]}" nostarttls
else
  not_ok "--no-starttls lab" "lab start failed"
fi
NOTLS_DIR=$LAB_DIR
if lab_up --imap-capability "IMAP4rev1 IDLE UIDPLUS MOVE SPECIAL-USE ENABLE LITERAL+" 2>/dev/null; then
  t "--imap-capability hides CONDSTORE and QRESYNC" "${CHECK[@]}" capability "CONDSTORE QRESYNC"
else
  not_ok "--imap-capability lab" "lab start failed"
fi
CAP_DIR=$LAB_DIR

# --- a lab whose Dovecot master was SIGKILLed (a killed test) -------------------
crash=$(mktemp -d /tmp/posta-lab.XXXXXX)
if "$LAB" start "$crash" 2>/dev/null; then
  kill -KILL "$(cat "$crash/run/master.pid")" "$(cat "$crash/smtp/sink.pid")"
  sleep 0.3
  other=$(mktemp -d /tmp/posta-lab.XXXXXX)
  if "$LAB" start "$other" 2>/dev/null && "$LAB" stop "$other"; then
    ok "a new lab starts beside a killed one"
  else
    not_ok "a new lab starts beside a killed one"
  fi
  rm -rf "$other"
  "$LAB" stop "$crash" || true
  left=$(lab_procs "$crash")
  if [[ -z $left ]]; then ok "lab stop cleans up after a SIGKILLed master"; else not_ok "lab stop cleans up after a SIGKILLed master" "left: $left"; fi
else
  not_ok "a new lab starts beside a killed one" "first start failed"
  not_ok "lab stop cleans up after a SIGKILLed master" "skipped"
fi
rm -rf "$crash"

# --- stop ------------------------------------------------------------------
t0=$(now_us)
t "lab stop (main lab)" "$LAB" stop "$MAIN_DIR"
echo "#   stop took $(since "$t0")s"
t "lab stop is idempotent" "$LAB" stop "$MAIN_DIR"
lab_down
left=""
for d in "$MAIN_DIR" "$NOTLS_DIR" "$CAP_DIR"; do
  left+=$(lab_procs "$d")
done
if [[ -z $left && ! -e $MAIN_DIR && ! -e $NOTLS_DIR && ! -e $CAP_DIR ]]; then
  ok "no lab process or directory left behind"
else
  not_ok "no lab process or directory left behind" "processes: $left"
fi

# lab_up's EXIT trap in a separate shell
tmpf=$(mktemp /tmp/posta-selftest.XXXXXX)
bash -c 'set -euo pipefail; source "$1/lab-env.sh"; trap "echo prev-trap-ran >>$2" EXIT; lab_up 2>/dev/null; echo "$LAB_DIR" >"$2"; exit 0' _ "$HERE" "$tmpf" || true
sub_dir=$(head -n1 "$tmpf")
if [[ -n $sub_dir && ! -e $sub_dir ]] && grep -q prev-trap-ran "$tmpf" && [[ -z $(lab_procs "$sub_dir") ]]; then
  ok "lab_up's EXIT trap stops and removes the lab, and keeps an earlier trap"
else
  not_ok "lab_up's EXIT trap stops and removes the lab, and keeps an earlier trap" "$(cat "$tmpf")"
fi
rm -f "$tmpf"

if (( n != PLAN )); then
  echo "# planned $PLAN tests but ran $n"
  failed=$((failed + 1))
fi
echo "lab selftest: $((n - failed)) passed, $failed failed"
(( failed == 0 ))
