# shellcheck shell=bash
# Helpers for the terminal tests (tests/tui/*.sh): TAP output, a private
# tmux server, a store filled by mkstore, and waiting for the screen.
#
#   source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
#   tui_setup [COUNT]        temp dir $T, config $T/config, store of COUNT
#                            messages (default 200) in alice's INBOX
#   tui_start [W H] [ENV...] posta in a detached tmux session (pane size W x H),
#                            with $TUI_ARGS (default --offline: a store made
#                            by mkstore has no server; the lab tests clear it)
#   tui_keys KEY...          tmux send-keys
#   tui_wait TEXT [SECS]     poll the screen until TEXT shows (default 5 s)
#   tui_gone TEXT [SECS]     poll until TEXT is no longer on screen
#   tui_screen [-e]          the screen now (capture-pane -p)
#   ok COND-STATUS NAME      TAP line; plan with plan N
#
# Every tmux command goes to a server on its own socket (-L), so the tests
# never touch anyone's tmux; the EXIT trap kills that server only.

: "${POSTA:?run through make check (POSTA unset)}"
: "${POSTA_SRCDIR:?}"
: "${POSTA_BUILDDIR:?}"

# Our greps and seds read UTF-8 (the box-drawing sidebar line, names).
export LC_ALL=C.UTF-8 LANG=C.UTF-8
MKSTORE=$POSTA_BUILDDIR/tests/tui/mkstore
TUI_SOCK=posta-tui-test-$$
TUI_SESSION=t
_tui_n=0
_tui_failed=0

plan() { echo "1..$1"; }

ok() { # ok STATUS NAME
  _tui_n=$((_tui_n + 1))
  if [[ $1 == 0 ]]; then
    echo "ok $_tui_n - $2"
  else
    echo "not ok $_tui_n - $2"
    _tui_failed=1
    if [[ -n ${TUI_LAST_SCREEN:-} ]]; then
      sed 's/^/# /' <<<"$TUI_LAST_SCREEN"
    fi
  fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

tx() { tmux -L "$TUI_SOCK" "$@"; }

_tui_cleanup() {
  tx kill-server 2>/dev/null || true
  [[ -n ${T:-} && ${POSTA_KEEP_TUI:-0} != 1 ]] && rm -rf -- "$T"
  return 0
}

# tui_lab_config: $T/config for alice on the running lab (IMAPS, SMTP with
# STARTTLS), with a copy of the lab's CA that outlives the lab.
tui_lab_config() {
  cp "$LAB_CA" "$T/ca.pem"
  cat >"$T/config" <<CONF
[general]
store = $T/posta.db
default_account = alice

[account alice]
protocol = imap
email = alice@localhost
real_name = Alice
host = $LAB_HOST
port = $IMAPS_PORT
tls = implicit
ca_file = $T/ca.pem
user = $LAB_USER
password = $LAB_PASS
smtp_host = 127.0.0.1
smtp_port = $SMTP_PORT
smtp_tls = starttls
CONF
  chmod 600 "$T/config"
}

# tui_lab_synced EVERY [lab_up options]: a lab (tests/lab/lab-env.sh,
# sourced by the test) with INBOX (3 messages) and Work (1), the config of
# tui_lab_config with check_interval = EVERY, and a store synced from it.
tui_lab_synced() {
  local every=$1
  shift
  lab_up "$@" >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
  lab_seed alice INBOX 3 1 >/dev/null 2>&1 && lab_seed alice Work 1 2 >/dev/null 2>&1 ||
    skip_all "lab seed failed"
  export LAB_HOST IMAPS_PORT LAB_CA LAB_USER LAB_PASS
  tui_lab_config
  echo "check_interval = $every" >>"$T/config"
  rm -f "$T"/posta.db*
  "$POSTA" -c "$T/config" sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }
}

tui_setup() {
  local count=${1:-200}
  command -v tmux >/dev/null || skip_all "tmux is not installed"
  [[ -x $MKSTORE ]] || skip_all "tests/tui/mkstore not built (needs cmocka)"
  T=$(mktemp -d /tmp/posta-tui.XXXXXX)
  trap _tui_cleanup EXIT
  cat >"$T/config" <<EOF
[general]
store = $T/posta.db
default_account = alice

[account alice]
protocol = imap
email = alice@lab.posta.test
host = 127.0.0.1
user = alice
password = unused
EOF
  chmod 600 "$T/config"
  if [[ $count -gt 0 ]]; then
    "$MKSTORE" "$T/posta.db" alice INBOX "$count" || {
      echo "Bail out! mkstore failed"; exit 1; }
  fi
}

# tui_keep_server: start the private tmux server with a placeholder session
# that lives until the EXIT trap's kill-server. Without it, killing the test
# session ends the server's last session: the server exits, and a client
# started right after can reach it while it goes ("server exited
# unexpectedly"), which a loaded machine makes likely.
tui_keep_server() {
  tx has-session -t keep 2>/dev/null && return 0
  tx -f /dev/null new-session -d -s keep -x 20 -y 5 "sleep 86400" || {
    echo "Bail out! tmux could not start its server"; exit 1; }
}

# tui_start [W H] [VAR=value...]: posta -c $T/config in a fresh session.
tui_start() {
  local w=100 h=30
  if [[ $# -ge 2 && $1 =~ ^[0-9]+$ ]]; then w=$1; h=$2; shift 2; fi
  tui_keep_server
  tx kill-session -t "$TUI_SESSION" 2>/dev/null || true
  # The shell keeps the pane after posta exits, so its last words stay.
  tx new-session -d -s "$TUI_SESSION" -x "$w" -y "$h" \
    env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color "$@" \
    sh -c "\"$POSTA\" ${TUI_ARGS---offline} -c \"$T/config\"; echo \"[posta exited \$?]\"; sleep 600"
  tx set-option -t "$TUI_SESSION" set-clipboard on 2>/dev/null || true
}

tui_keys() { tx send-keys -t "$TUI_SESSION" "$@"; }

tui_screen() { tx capture-pane -p "$@" -t "$TUI_SESSION"; }

# Poll until TEXT (fixed string) is on screen. The deadline is wall-clock
# time: a capture costs more than the 10 ms pause on a loaded machine.
# The waits below return as soon as the screen shows what they wait for;
# their default bound is long because CI machines may be busy (a server
# round trip under load took over 5 s): a failing test waits it out, a
# passing one never does.
TUI_WAIT_SECS=${TUI_WAIT_SECS:-15}
_tui_deadline() { echo $(( ${EPOCHREALTIME/./} + $1 * 1000000 )); }
_tui_before() { (( ${EPOCHREALTIME/./} < $1 )); }

tui_wait() {
  local text=$1 end
  end=$(_tui_deadline "${2:-$TUI_WAIT_SECS}")
  while :; do
    TUI_LAST_SCREEN=$(tui_screen)
    if grep -qF -- "$text" <<<"$TUI_LAST_SCREEN"; then return 0; fi
    _tui_before "$end" || return 1
    sleep 0.01
  done
}

tui_gone() {
  local text=$1 end
  end=$(_tui_deadline "${2:-$TUI_WAIT_SECS}")
  while :; do
    TUI_LAST_SCREEN=$(tui_screen)
    if ! grep -qF -- "$text" <<<"$TUI_LAST_SCREEN"; then return 0; fi
    _tui_before "$end" || return 1
    sleep 0.01
  done
}

# The row (0-based) of the first screen line holding TEXT, or -1.
tui_row() {
  local n
  n=$(tui_screen | grep -nF -- "$1" | head -n1 | cut -d: -f1)
  echo $(( ${n:-0} - 1 ))
}

# Quit posta and check it said nothing on its way out (ASan, errors).
tui_quit() {
  tui_keys "${1:-q}"
  tui_wait "[posta exited"
}

tui_done() { exit "$_tui_failed"; }

# The text of the selected index row (reverse video right of the sidebar).
tui_selected() {
  tui_screen -e | grep -P '│(?:\e\[[0-9;]*m)*\e\[[0-9;]*7m' | head -n1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^[^│]*│//'
}

# Poll until COMMAND... succeeds (a check of the screen after a key, which
# must not run before the key is handled), at most TUI_WAIT_SECS.
tui_poll() {
  local end
  end=$(_tui_deadline "$TUI_WAIT_SECS")
  until "$@"; do
    _tui_before "$end" || return 1
    sleep 0.01
  done
}

# Poll until the selected row holds TEXT.
tui_wait_selected() {
  local text=$1 end
  end=$(_tui_deadline "${2:-$TUI_WAIT_SECS}")
  while :; do
    TUI_LAST_SCREEN=$(tui_selected)
    if grep -qF -- "$text" <<<"$TUI_LAST_SCREEN"; then return 0; fi
    _tui_before "$end" || return 1
    sleep 0.01
  done
}
