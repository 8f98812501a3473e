#!/bin/bash
# bench_latency.sh - what a distant server costs a sync: posta against
# mbsync (isync) through tests/lab/latency_proxy.py. Measures, never
# asserts; not part of make check. Results go to doc/PERFORMANCE.md.
#
#   tests/bench/bench_latency.sh [--messages N] [--delays "0 25 100"]
#                                [--no-mbsync] [BUILDDIR]
#
# BUILDDIR (default: $POSTA_BUILDDIR, else .) holds a plain build of posta.
# One lab (Dovecot as it comes: CONDSTORE, QRESYNC) is seeded with N
# messages in INBOX (default 2,000) and 20 in each of four more folders,
# so the account has 10 folders with the special-use ones. For each delay
# D (milliseconds added in EACH direction, so a round trip costs 2 x D
# more; 0 is straight to Dovecot without the proxy), each timed with
# /usr/bin/time (wall, user+sys CPU of the client):
#
#   full        posta sync, offline = all, into a fresh store
#   no change   posta sync again (median of 3)
#   mbsync full / mbsync no change   mbsync -a into a fresh Maildir, then
#               again (median of 3, each at least 1.1 s after the last:
#               mbsync sleeps when its Maildir changed within the second)
#
# "turns" is the number of round trips the client waited for, counted by
# the proxy (a request sent after the server had answered; the TLS
# handshake's own are in it), summed over the connections of the run.
set -euo pipefail

N=2000 DELAYS="0 25 100" MBSYNC=1
BUILDDIR=${POSTA_BUILDDIR:-.}
while (($#)); do
  case $1 in
    --messages) N=$2; shift ;;
    --delays) DELAYS=$2; shift ;;
    --no-mbsync) MBSYNC=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) BUILDDIR=$1 ;;
  esac
  shift
done
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
POSTA=$(cd "$BUILDDIR" && pwd)/posta
PY=/usr/bin/python3
TIME=/usr/bin/time
[[ -x $POSTA ]] || { echo "bench: no $POSTA (build first)" >&2; exit 2; }
[[ -x $TIME ]] || { echo "bench: needs GNU time: apt-get install time" >&2; exit 2; }
if ((MBSYNC)) && ! command -v mbsync >/dev/null; then
  echo "bench: no mbsync (apt-get install isync); skipping the reference" >&2
  MBSYNC=0
fi

W=$(mktemp -d /tmp/posta-bench-latency.XXXXXX)
PROXY=
cleanup() {
  [[ -z $PROXY ]] || { kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null || true; }
  rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$SRCDIR/tests/lab/lab-env.sh"
# shellcheck source=mbsync-rc.sh
source "$SRCDIR/tests/bench/mbsync-rc.sh"
log() { printf '# %s\n' "$*" >&2; }
RESULTS=$W/results	# delay step wall cpu turns

log "starting the lab, seeding $N + 4 x 20 messages"
lab_up >"$W/lab.log" 2>&1 || { cat "$W/lab.log" >&2; exit 1; }
lab_seed alice INBOX "$N" 1 >/dev/null 2>&1
for f in Progetti Clienti Fatture Liste; do lab_seed alice "$f" 20 2 >/dev/null 2>&1; done
doveadm -c "$LAB_DOVECOT_CONF" fetch -u alice text mailbox '*' >/dev/null

# turns: the round trips the proxy counted so far (0 without a proxy)
turns() {
  [[ -f $W/proxy.log ]] || { echo 0; return; }
  awk '$1 == "close" { s += $5 } END { print s + 0 }' "$W/proxy.log"
}

# timed DELAY STEP COMMAND...: one run under /usr/bin/time, a RESULTS line.
timed() {
  local delay=$1 step=$2 before after t=$W/time
  shift 2
  before=$(turns)
  "$TIME" -f '%e %U %S' -o "$t" "$@" >"$W/out" 2>&1 ||
    { echo "bench: $step at $delay ms failed:" >&2; tail -n 5 "$W/out" >&2; exit 1; }
  # The proxy logs a connection when both of its sides have closed.
  for _ in $(seq 100); do
    after=$(turns)
    [[ $delay == 0 ]] || (( $(grep -c '^connect' "$W/proxy.log") == $(grep -c '^close' "$W/proxy.log") )) && break
    sleep 0.05
  done
  tail -n 1 "$t" | awk -v d="$delay" -v s="$step" -v n=$((after - before)) \
    '{ printf "%s\t%s\t%.2f\t%.2f\t%s\n", d, s, $1, $2 + $3, (d == 0 ? "-" : n) }' >>"$RESULTS"
  log "$(tail -n 1 "$RESULTS" | tr '\t' ' ')"
}
# timed3 DELAY STEP COMMAND...: three runs, keep the median wall time.
timed3() {
  local keep
  for _ in 1 2 3; do sleep 1.1; timed "$@"; done
  keep=$(tail -n 3 "$RESULTS" | sort -t $'\t' -k 3,3n | sed -n 2p)
  head -n -3 "$RESULTS" >"$RESULTS.new"
  printf '%s\n' "$keep" >>"$RESULTS.new"
  mv "$RESULTS.new" "$RESULTS"
}

for delay in $DELAYS; do
  port=$IMAPS_PORT
  rm -f "$W/proxy.log" "$W/proxy.port"
  if [[ $delay != 0 ]]; then
    "$PY" "$SRCDIR/tests/lab/latency_proxy.py" --upstream "127.0.0.1:$IMAPS_PORT" \
      --delay-ms "$delay" --port-file "$W/proxy.port" --log "$W/proxy.log" &
    PROXY=$!
    for _ in $(seq 200); do [[ -s $W/proxy.port ]] && break; sleep 0.05; done
    port=$(<"$W/proxy.port")
  fi
  d=$W/d$delay
  mkdir -p "$d/mail"
  cat >"$d/posta.conf" <<EOF
[general]
store = $d/posta.db

[account lab]
protocol = imap
host = 127.0.0.1
port = $port
tls = implicit
user = alice
password = alicepw
ca_file = $LAB_CA
offline = all
EOF
  chmod 600 "$d/posta.conf"
  timed "$delay" "full" "$POSTA" -c "$d/posta.conf" sync -q
  timed3 "$delay" "no change" "$POSTA" -c "$d/posta.conf" sync -q
  if ((MBSYNC)); then
    mbsync_rc "$d/mbsync" "$port" "$LAB_CA"
    timed "$delay" "mbsync full" mbsync -c "$d/mbsync/rc" -q -a
    timed3 "$delay" "mbsync no change" mbsync -c "$d/mbsync/rc" -q -a
  fi
  if [[ -n $PROXY ]]; then kill "$PROXY"; wait "$PROXY" 2>/dev/null || true; PROXY=; fi
  rm -rf -- "$d"
done

"$PY" - "$RESULTS" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
R = {(r[0], r[1]): r for r in rows}
print("%-9s %-17s %8s %8s %6s" % ("delay ms", "step", "wall s", "cpu s", "turns"))
for r in rows:
    print("%-9s %-17s %8s %8s %6s" % tuple(r))
print()
for d in sorted({r[0] for r in rows}, key=int):
    for st in ("full", "no change"):
        try:
            a, b = R[(d, st)], R[(d, "mbsync " + st)]
            print("%s ms each way, %-9s posta / mbsync: wall %.2f, cpu %.2f" % (
                d, st, float(a[2]) / float(b[2]), float(a[3]) / max(float(b[3]), 0.005)))
        except (KeyError, ZeroDivisionError):
            pass
EOF
echo
echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), Linux $(uname -r); load average $(cut -d ' ' -f 1-3 /proc/loadavg) at the end"
