#!/bin/bash
# bench_sync_million.sh - a first sync of headers and the no-change resync
# of one large folder, at growing sizes on the same lab (issue 20, item 4:
# a million messages). Measures, never asserts; not part of make check.
# Results go to doc/PERFORMANCE.md ("One million messages").
#
#   tests/bench/bench_sync_million.sh [--sizes "100000 1000000"] [--runs N]
#                                     [--full] [--keep DIR] [BUILDDIR]
#
# One lab (tests/lab, Dovecot with CONDSTORE and QRESYNC); alice's INBOX is
# seeded up to each size in turn (the seeder appends), with seed.py --small
# (about 0.8 KB a message, one text part: a million of them take some
# 1.5 GB of disk in 4 KB blocks, where the full messages would take 15 GB);
# --full seeds the usual mix (attachments, HTML). Then, per size:
#
#   full, headers   posta sync with offline = headers into a fresh store,
#                   once (it is long)
#   no change       posta sync again with nothing new, N runs (default 7),
#                   each followed by `posta --version` (the floor: exec,
#                   dynamic linking, exit) in the same moment
#
# each timed by /usr/bin/time (wall, user+sys CPU of the posta process,
# peak RSS), and the IMAP commands posta sent after LOGIN (POSTA_TRACE;
# the tagged lines: pipelined commands share one "C:" write). Prints every
# run, then medians. --keep DIR keeps the
# traces. Needs some 2 GB in /tmp per million (plus the store: ~0.5 GB).
set -euo pipefail

SIZES="100000 1000000" RUNS=7 FULL=0 KEEP=
BUILDDIR=${POSTA_BUILDDIR:-.}
while (($#)); do
  case $1 in
    --sizes) SIZES=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --full) FULL=1 ;;
    --keep) KEEP=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) BUILDDIR=$1 ;;
  esac
  shift
done
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
POSTA=$(cd "$BUILDDIR" && pwd)/posta
TIME=/usr/bin/time
[[ -x $POSTA ]] || { echo "bench: no $POSTA (build first)" >&2; exit 2; }
[[ -x $TIME ]] || { echo "bench: needs GNU time: apt-get install time" >&2; exit 2; }
((FULL)) || export LAB_SEED_SMALL=1

W=$(mktemp -d /tmp/posta-bench-million.XXXXXX)
trap 'rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$SRCDIR/tests/lab/lab-env.sh"

log() { printf '# %s\n' "$*" >&2; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

mkconfig() { # mkconfig FILE STORE
  cat >"$1" <<EOF
[general]
store = $2

[account lab]
protocol = imap
host = 127.0.0.1
port = $IMAPS_PORT
tls = implicit
user = alice
password = alicepw
ca_file = $LAB_CA
offline = headers
EOF
  chmod 600 "$1"
}

# timed OUT TRACE COMMAND...: "wall cpu rss_kb cmds" appended to OUT.
timed() {
  local out=$1 trace=$2 cmds=-
  shift 2
  : >"$trace"
  POSTA_TRACE=$trace "$TIME" -f '%e %U %S %M' -o "$W/t" "$@" >"$W/out" 2>&1 ||
    { echo "bench: $* failed:" >&2; tail -n 5 "$W/out" >&2; exit 1; }
  # Pipelined commands share one "C: " write: count the tagged lines.
  cmds=$(grep -cE '^(C: )?[0-9]+ [A-Z]' "$trace" || true)
  tail -n 1 "$W/t" | awk -v c="$cmds" '{ printf "%.3f %.3f %d %s\n", $1, $2 + $3, $4, c }' >>"$out"
}

lab_up >"$W/lab.log" 2>&1 || { cat "$W/lab.log" >&2; exit 1; }
seeded=0
printf '%-9s %-10s %8s %8s %9s %5s %s\n' messages step "wall s" "cpu s" \
  "peak KB" cmds "load"
for n in $SIZES; do
  t0=$EPOCHREALTIME
  lab_seed alice INBOX $((n - seeded)) 1 >"$W/seed.log" 2>&1 ||
    { cat "$W/seed.log" >&2; exit 1; }
  seeded=$n
  log "$n seeded in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s, $(du -sh "$LAB_MAILDIR_alice" | cut -f1)"
  d=$W/$n
  mkdir -p "$d"
  mkconfig "$d/h.conf" "$d/h.db"
  timed "$d/full" "$d/trace.full" "$POSTA" -c "$d/h.conf" sync -q
  printf '%-9s %-10s %8s %8s %9s %5s %s\n' "$n" full $(<"$d/full") \
    "$(cut -d ' ' -f 1 /proc/loadavg)"
  log "store: $(du -m "$d/h.db" | cut -f1) MB"
  for ((r = 0; r < RUNS; r++)); do
    timed "$d/nochange" "$d/trace.n" "$POSTA" -c "$d/h.conf" sync -q
    timed "$d/version" "$W/trace.v" "$POSTA" --version
    printf '%-9s %-10s %8s %8s %9s %5s %s\n' "$n" "no change" \
      $(tail -n 1 "$d/nochange") "$(cut -d ' ' -f 1 /proc/loadavg)"
    printf '%-9s %-10s %8s %8s %9s %5s\n' "" "--version" \
      $(tail -n 1 "$d/version")
  done
  echo "# $n medians of $RUNS: no change wall $(cut -d ' ' -f 1 "$d/nochange" | median) s," \
    "cpu $(cut -d ' ' -f 2 "$d/nochange" | median) s," \
    "peak $(cut -d ' ' -f 3 "$d/nochange" | median) KB;" \
    "posta --version wall $(cut -d ' ' -f 1 "$d/version" | median) s," \
    "cpu $(cut -d ' ' -f 2 "$d/version" | median) s"
  echo "# $n commands of a no-change resync: $(sed -nE 's/^(C: )?[0-9]+ ([A-Z]+).*/\2/p' "$d/trace.n" |
    sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
  if [[ -n $KEEP ]]; then
    mkdir -p "$KEEP/$n"
    cp "$d"/trace.* "$KEEP/$n/"
  fi
  rm -f "$d"/h.db*
done
lab_down
echo "# machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
echo "# posta: $POSTA ($("$POSTA" --version 2>/dev/null | head -n 1))"
