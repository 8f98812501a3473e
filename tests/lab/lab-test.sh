# shellcheck shell=bash
# lab-test.sh - the preamble the integration tests against the lab share.
# Source it after tests/integration/tap.sh (its bail stops a test that
# cannot start); it sources lab-env.sh itself.
#
#   lab_test_dir NAME      W=$(mktemp -d /tmp/posta-NAME-test.XXXXXX); at exit
#       the worker probe (lab_test_probe) is stopped, every process of
#       LAB_TEST_PIDS killed and waited for, the lab stopped and W removed
#       (kept with POSTA_KEEP_LAB=1)
#   lab_test_up [lab_up options]   lab_up, its output in $W/lab.log (shown
#       as TAP comments, then bail, when it fails)
#   lab_test_bg PORTFILE CMD...    CMD in the background (stderr in
#       PORTFILE.err), its pid in LAB_TEST_PID and LAB_TEST_PIDS; waits
#       (30 s at most) until it wrote PORTFILE, else bail
#   lab_test_strict_proxy [--inject R]   tests/lab/strict_proxy.py before
#       the lab's plain IMAP port: its port in $W/port, log $W/proxy.log
#   lab_test_conf FILE STORE PORT TLS [LINE...]   a posta config for alice
#       (mode 600): account "lab" on 127.0.0.1:PORT with tls = TLS (none
#       adds allow_plaintext), the lab's CA, then each LINE as it is
#   lab_test_send_conf FILE   the same for sending: Alice
#       <alice@localhost> on the lab's IMAPS, SMTP with STARTTLS, store
#       $W/posta.db
#   lab_test_imap CODE     Python CODE run with M, an imaplib connection
#       logged in as alice on the lab's IMAPS (email imported too)
#   lab_test_probe CONF    tests/integration/worker_probe -c CONF reading
#       the fifo $W/in (fd PIN, write commands to it), events in
#       $W/events, stderr $W/probe.err; LAB_TEST_PROBE_PID
#   lab_test_probe_stop    tell it to stop, wait (30 s at most) for its
#       "stopped in" event, close PIN and reap it; true if it stopped so

LAB_TEST_PIDS=()
LAB_TEST_PROBE_PID=

_lab_test_exit() {
  local p
  if [[ -n $LAB_TEST_PROBE_PID ]]; then
    exec {PIN}>&- 2>/dev/null
    kill "$LAB_TEST_PROBE_PID" 2>/dev/null
    wait "$LAB_TEST_PROBE_PID" 2>/dev/null
  fi
  for p in "${LAB_TEST_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}

lab_test_dir() {
  W=$(mktemp -d "/tmp/posta-$1-test.XXXXXX") || bail "mktemp failed"
  trap _lab_test_exit EXIT	# lab-env.sh's trap runs it after lab_down
  # shellcheck source=lab-env.sh
  source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
}

lab_test_up() {
  lab_up "$@" >"$W/lab.log" 2>&1 ||
    { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }
}

lab_test_bg() {
  local port=$1
  shift
  "$@" 2>"$port.err" &
  LAB_TEST_PID=$!
  LAB_TEST_PIDS+=("$LAB_TEST_PID")
  for _ in $(seq 600); do [[ -s $port ]] && return 0; sleep 0.05; done
  bail "${2##*/} did not start: $(cat "$port.err")"
}

lab_test_strict_proxy() {
  lab_test_bg "$W/port" /usr/bin/python3 "$POSTA_SRCDIR/tests/lab/strict_proxy.py" \
    --upstream "127.0.0.1:$IMAP_PORT" --port-file "$W/port" --log "$W/proxy.log" "$@"
}

lab_test_conf() {
  local file=$1 store=$2 port=$3 tls=$4 l
  shift 4
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$store"
    printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = %s\n' "$port" "$tls"
    [[ $tls != none ]] || printf 'allow_plaintext = yes\n'
    printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$file"
  chmod 600 "$file"
}

lab_test_send_conf() {
  lab_test_conf "$1" "$W/posta.db" "$IMAPS_PORT" implicit \
    "email = alice@localhost" "real_name = Alice" "smtp_host = 127.0.0.1" \
    "smtp_port = $SMTP_PORT" "smtp_tls = starttls"
}

lab_test_imap() {
  /usr/bin/python3 - "$1" <<'EOF'
import email, imaplib, os, ssl, sys
from email import policy
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
exec(sys.argv[1])
M.logout()
EOF
}

lab_test_probe() {
  mkfifo "$W/in" || bail "mkfifo failed"
  "$POSTA_BUILDDIR/tests/integration/worker_probe" -c "$1" <"$W/in" \
    >"$W/events" 2>"$W/probe.err" &
  LAB_TEST_PROBE_PID=$!
  exec {PIN}>"$W/in"
}

lab_test_probe_stop() {
  printf 'stop\n' >&"$PIN"
  for ((i = 0; i < 600; i++)); do grep -q 'stopped in' "$W/events" && break; sleep 0.05; done
  exec {PIN}>&-
  wait "$LAB_TEST_PROBE_PID" 2>/dev/null
  LAB_TEST_PROBE_PID=
  grep -q 'stopped in' "$W/events"
}
