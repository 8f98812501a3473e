# shellcheck shell=bash
# Sourceable helpers for tests that need the lab (tests/lab/README).
#
#   source tests/lab/lab-env.sh
#   lab_up [--no-starttls] [--imap-capability "CAPS"] [--courier]
#       start a lab in a fresh mktemp -d /tmp/posta-lab.XXXXXX, export every
#       variable of its lab.env (LAB_DIR, IMAP_PORT, ...); an EXIT trap stops
#       it and removes the directory (kept when POSTA_KEEP_LAB=1). May be
#       called more than once (each call's variables replace the previous
#       ones; all labs are stopped at exit).
#   lab_down                       stop every lab and fake server started here now
#   lab_seed USER FOLDER COUNT [SEED]   lab seed "$LAB_DIR" ...
#   lab_deliver USER FOLDER FILE        lab deliver "$LAB_DIR" ...
#   lab_fake MODE                  start tests/lab/fake_server.py MODE (with the
#       current lab's certificate when there is one); sets FAKE_PORT,
#       FAKE_LOG (lines received), FAKE_EVENTS, FAKE_PID; stopped at exit.
#   lab_fake_stop                  stop the fake servers now
#   lab_caps [WORD...]             a default lab's post-login capabilities
#       less the WORDs, for lab_up --imap-capability (lab caps)
#
# The EXIT trap keeps (and runs after its own work) an EXIT trap set before
# the first lab_up; a test that sets its own EXIT trap afterwards should call
# lab_down from it. INT and TERM exit the shell (so the EXIT trap runs) unless
# the test already traps them.

LAB_HOME=${LAB_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LAB_SCRIPT=$LAB_HOME/lab
_LAB_DIRS=()
_LAB_FAKE_PIDS=()
_LAB_FAKE_DIRS=()
_LAB_TRAP_SET=${_LAB_TRAP_SET:-}
_LAB_PREV_EXIT_TRAP=""

_lab_install_trap() {
  [[ -n $_LAB_TRAP_SET ]] && return 0
  local prev
  prev=$(trap -p EXIT)
  if [[ -n $prev ]]; then
    local -a parts
    eval "parts=( $prev )"          # trap -- 'COMMAND' EXIT
    _LAB_PREV_EXIT_TRAP=${parts[2]}
  fi
  trap '_lab_exit_trap' EXIT
  [[ -n $(trap -p INT) ]] || trap 'exit 130' INT
  [[ -n $(trap -p TERM) ]] || trap 'exit 143' TERM
  _LAB_TRAP_SET=1
}

_lab_exit_trap() {
  local rc=$?
  lab_down
  if [[ -n $_LAB_PREV_EXIT_TRAP ]]; then
    eval "$_LAB_PREV_EXIT_TRAP"
  fi
  return $rc
}

lab_fake_stop() {
  local p
  for p in "${_LAB_FAKE_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${_LAB_FAKE_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  _LAB_FAKE_PIDS=()
  if [[ ${POSTA_KEEP_LAB:-0} != 1 ]]; then
    for p in "${_LAB_FAKE_DIRS[@]}"; do
      rm -rf -- "$p"
    done
  fi
  _LAB_FAKE_DIRS=()
}

lab_down() {
  local d
  lab_fake_stop
  local -a stoppers=()
  for d in "${_LAB_DIRS[@]}"; do       # stop them in parallel (~2-3 s each)
    { "$LAB_SCRIPT" stop "$d" || echo "lab-env: stopping the lab in $d failed" >&2; } &
    stoppers+=($!)
  done
  for d in "${stoppers[@]}"; do
    wait "$d" || true
  done
  for d in "${_LAB_DIRS[@]}"; do
    if [[ ${POSTA_KEEP_LAB:-0} == 1 ]]; then
      echo "lab-env: POSTA_KEEP_LAB=1, keeping $d" >&2
    else
      rm -rf -- "$d"
    fi
  done
  _LAB_DIRS=()
}

lab_up() {
  local d
  d=$(mktemp -d /tmp/posta-lab.XXXXXX) || return 1
  _lab_install_trap
  _LAB_DIRS+=("$d")
  if ! "$LAB_SCRIPT" start "$d" "$@"; then
    echo "lab-env: lab start $d $* failed" >&2
    return 1
  fi
  set -a
  # shellcheck disable=SC1091
  source "$d/lab.env"
  set +a
}

lab_seed() { "$LAB_SCRIPT" seed "$LAB_DIR" "$@"; }
lab_deliver() { "$LAB_SCRIPT" deliver "$LAB_DIR" "$@"; }
lab_caps() { "$LAB_SCRIPT" caps "$@"; }

lab_fake() {
  local mode=$1 d n=0
  shift
  _lab_install_trap
  d=$(mktemp -d /tmp/posta-fake.XXXXXX) || return 1
  _LAB_FAKE_DIRS+=("$d")
  local args=("$mode" --port-file "$d/port")
  if [[ -n ${LAB_CERT:-} && -r ${LAB_CERT:-} ]]; then
    args+=(--cert "$LAB_CERT" --key "$LAB_KEY")
  fi
  /usr/bin/python3 "$LAB_HOME/fake_server.py" "${args[@]}" "$@" </dev/null >"$d/stderr" 2>&1 &
  FAKE_PID=$!
  _LAB_FAKE_PIDS+=("$FAKE_PID")
  while [[ ! -s $d/port ]]; do
    if ! kill -0 "$FAKE_PID" 2>/dev/null || (( n++ > 600 )); then  # 30 s: a loaded machine
      echo "lab-env: fake_server.py $mode did not start:" >&2
      cat "$d/stderr" >&2
      return 1
    fi
    sleep 0.05
  done
  FAKE_PORT=$(<"$d/port")
  FAKE_LOG=$d/port.log
  FAKE_EVENTS=$d/port.events
  export FAKE_PORT FAKE_LOG FAKE_EVENTS FAKE_PID
}
