#!/bin/bash
# bench_search.sh - what `posta search` costs, whole process from exec to
# exit, on lab mail, with Debian's notmuch on the same messages as the
# reference. Measures, never asserts; not part of make check. Results go
# to doc/PERFORMANCE.md.
#
#   tests/bench/bench_search.sh [--count N] [--no-notmuch] [--pairs N]
#                               [--keep DIR | --reuse DIR] [BUILDDIR]
#
# BUILDDIR (default: $POSTA_BUILDDIR, else .) holds a plain (not sanitizer)
# build of posta. A lab (tests/lab) is seeded with N messages (default
# 10,000; the issue's figure is 100,000: about 12 s to seed and 730 MB),
# synced with offline = all (timed: the first full sync, index included),
# then each query runs 7 times with --limit 50 (warm cache) and the median
# wall time is printed, for posta and for `notmuch search --limit=50` over
# a notmuch database indexed from the same Maildir (`notmuch new`, timed).
# Also printed: the store's size, the bodies' size and the search index's
# size (dbstat), i.e. what the index costs against the mail.
#
# --keep DIR: work in DIR and keep it (the store, the configurations, the
# notmuch database and the lab's Maildir, whose lab is stopped but not
# removed: its path is in DIR/lab.dir). --reuse DIR: only the queries, on
# what an earlier --keep DIR made (no lab, no seeding, no sync, no
# `notmuch new`: at 100,000 messages those take minutes, and notmuch's
# indexing half an hour on a loaded machine).
#
# Each query is timed as a whole process, posta and notmuch in turn
# (A B A B ..., --pairs N pairs after a warm-up, default 7): medians of the
# wall time and of the CPU time (user + system, from wait4()), and the
# median of the pairwise CPU ratio posta/notmuch. `posta --version` and
# `notmuch --version` are the exec floor. On a shared machine wall time is
# mostly waiting for a core: read the CPU columns and the ratio.
set -euo pipefail

COUNT=10000 NOTMUCH=1 KEEP= REUSE= PAIRS=7
BUILDDIR=${POSTA_BUILDDIR:-.}
while (($#)); do
  case $1 in
    --count) COUNT=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    --reuse) REUSE=$2; shift ;;
    --pairs) PAIRS=$2; shift ;;
    --no-notmuch) NOTMUCH=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) BUILDDIR=$1 ;;
  esac
  shift
done
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
POSTA=$(cd "$BUILDDIR" && pwd)/posta
[[ -x $POSTA ]] || { echo "bench: no posta in $BUILDDIR" >&2; exit 2; }
command -v notmuch >/dev/null || NOTMUCH=0

prepare() {
W=${KEEP:-$(mktemp -d /tmp/posta-bench-search.XXXXXX)}
mkdir -p "$W"
[[ -n $KEEP ]] || trap 'rm -rf -- "$W"' EXIT
[[ -n $KEEP ]] && export POSTA_KEEP_LAB=1
# shellcheck source=../lab/lab-env.sh
source "$SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.out" 2>&1 || { cat "$W/lab.out"; exit 1; }
echo "$LAB_DIR" >"$W/lab.dir"
echo "seeding $COUNT messages..."
lab_seed alice INBOX "$COUNT" >/dev/null

cp "$LAB_CA" "$W/ca.pem"
CONF=$W/posta.conf
cat >"$CONF" <<EOF
[general]
store = $W/posta.db

[account lab]
protocol = imap
host = 127.0.0.1
port = $IMAPS_PORT
tls = implicit
user = alice
password = alicepw
ca_file = $W/ca.pem
offline = all
EOF
chmod 600 "$CONF"

t0=$(date +%s.%N)
"$POSTA" -c "$CONF" sync -q
t1=$(date +%s.%N)
printf 'posta sync (first, bodies and index): %.1f s\n' "$(echo "$t1 - $t0" | bc)"

# The same first sync without the search index: a second store whose
# message_fts is a plain empty table with the same columns and no
# triggers, so every UPDATE of it finds no row (the body's text is still
# made: that is shared with the previews). The difference is what the
# index adds to a first full sync.
sed "s|^store = .*|store = $W/noindex.db|" "$CONF" >"$W/noindex.conf"
chmod 600 "$W/noindex.conf"
# A sync that cannot connect makes the store (and nothing else).
sed "s|^port = .*|port = 1|" "$W/noindex.conf" >"$W/noport.conf"
chmod 600 "$W/noport.conf"
POSTA_NET_TIMEOUT=2 "$POSTA" -c "$W/noport.conf" sync -q >/dev/null 2>&1 || true
sqlite3 "$W/noindex.db" "
DROP TRIGGER message_fts_insert; DROP TRIGGER message_fts_update;
DROP TRIGGER message_fts_delete; DROP TABLE message_fts;
CREATE TABLE message_fts(subject, \"from\", \"to\", cc, body, attachment);"
t2=$(date +%s.%N)
"$POSTA" -c "$W/noindex.conf" sync -q
t3=$(date +%s.%N)
printf 'posta sync (first, bodies, no index): %.1f s (the index adds %.0f%%)\n' \
  "$(echo "$t3 - $t2" | bc)" \
  "$(echo "100 * (($t1 - $t0) - ($t3 - $t2)) / ($t3 - $t2)" | bc -l)"
rm -f "$W/noindex.db" "$W/noindex.db-wal" "$W/noindex.db-shm"

sqlite3 "$W/posta.db" "
SELECT printf('store %.1f MB, bodies %.1f MB, search index %.1f MB (%.0f%% of the bodies)',
  (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) / 1e6,
  (SELECT sum(length(raw)) FROM body) / 1e6,
  (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'message_fts%') / 1e6,
  100.0 * (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'message_fts%') /
  (SELECT sum(length(raw)) FROM body));" 2>/dev/null ||
  echo "(this sqlite3 has no dbstat: index size not measured)"

if ((NOTMUCH)); then
  export NOTMUCH_CONFIG=$W/notmuch.conf
  cat >"$NOTMUCH_CONFIG" <<EOF
[database]
path=$LAB_MAILDIR_alice
[new]
ignore=/^dovecot/;/subscriptions/;/maildirfolder/
[maildir]
synchronize_flags=true
EOF
  t0=$(date +%s.%N)
  notmuch new --quiet 2>/dev/null || true
  t1=$(date +%s.%N)
  printf 'notmuch new (first): %.1f s\n' "$(echo "$t1 - $t0" | bc)"
fi

}

if [[ -n $REUSE ]]; then
  W=$(cd "$REUSE" && pwd)
  CONF=$W/posta.conf
  [[ -r $CONF && -r $W/posta.db ]] || { echo "bench: no kept bench in $REUSE" >&2; exit 2; }
  if [[ -r $W/notmuch.conf ]]; then
    export NOTMUCH_CONFIG=$W/notmuch.conf
  else
    NOTMUCH=0
  fi
else
  prepare
fi

# A rare number: the one of the newest "Fattura n. N" subject.
RARE=$("$POSTA" -c "$CONF" --offline search --json --limit 5 subject:fattura |
  sed -n 's/.*"subject":"[^"]*Fattura n\. \([0-9]*\).*/\1/p' | head -n 1)
: "${RARE:=4711}"

# posta query | notmuch query
QUERIES=(
  "fattura|fattura"
  "$RARE|$RARE"
  "from:rossi|from:rossi"
  'subject:"meeting notes"|subject:"meeting notes"'
  "date:2024-01-01..2024-03-31|date:2024-01-01..2024-03-31"
  "body:ferie|body:ferie"
  "is:unread|tag:unread"
  "from:rossi riunione date:2023..2024|from:rossi riunione date:2023..2024"
)

# pair POSTA_CMD... -- NOTMUCH_CMD...: run the two in turn, one warm-up
# and $PAIRS timed pairs; print "posta_wall posta_cpu notmuch_wall
# notmuch_cpu ratio" (medians, ms; ratio: the median of posta_cpu /
# notmuch_cpu pair by pair). With no NOTMUCH_CMD, notmuch's fields are "-".
pair() {
  /usr/bin/python3 - "$PAIRS" "$@" <<'EOF'
import os, statistics, sys, time
pairs = int(sys.argv[1]); args = sys.argv[2:]
cut = args.index("--")
cmds = [c for c in (args[:cut], args[cut + 1:]) if c]
def run(cmd):
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1); os.dup2(fd, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, _, ru = os.wait4(pid, 0)
    return ((time.perf_counter() - t) * 1000,
            (ru.ru_utime + ru.ru_stime) * 1000)
for c in cmds:
    run(c)
res = [[] for _ in cmds]
for _ in range(pairs):
    for i, c in enumerate(cmds):
        res[i].append(run(c))
out = []
for r in res:
    out += ["%.0f" % statistics.median(x[0] for x in r),
            "%.0f" % statistics.median(x[1] for x in r)]
if len(res) == 2:
    out.append("%.2f" % statistics.median(a[1] / max(b[1], 0.001)
                                          for a, b in zip(*res)))
else:
    out += ["-", "-", "-"]
print(" ".join(out))
EOF
}

printf '\n%s, load %s\n' "$(date -u '+%F %T UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-38s %7s | %9s %9s | %9s %9s | %6s\n' "query (top 50, newest first)" "hits" \
  "posta cpu" "wall" "nm cpu" "wall" "cpu p/n"
row() {
  local label=$1 hits=$2 pw pc nw nc r
  shift 2
  read -r pw pc nw nc r < <(pair "$@")
  printf '%-38s %7s | %6s ms %6s ms | %6s ms %6s ms | %6s\n' \
    "$label" "$hits" "$pc" "$pw" "$nc" "$nw" "$r"
}
for q in "${QUERIES[@]}"; do
  pq=${q%%|*} nq=${q#*|}
  hits=$("$POSTA" -c "$CONF" --offline search --count "$pq")
  if ((NOTMUCH)); then
    row "$pq" "$hits" "$POSTA" -c "$CONF" --offline search --limit 50 "$pq" \
      -- notmuch search --limit=50 "$nq"
  else
    row "$pq" "$hits" "$POSTA" -c "$CONF" --offline search --limit 50 "$pq" --
  fi
done
if ((NOTMUCH)); then
  row "--version (exec floor)" - "$POSTA" --version -- notmuch --version
else
  row "--version (exec floor)" - "$POSTA" --version --
fi
