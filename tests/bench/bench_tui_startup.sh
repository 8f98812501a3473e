#!/bin/bash
# bench_tui_startup.sh - the terminal UI's start-up: time from exec to the
# first drawn screen (the Inbox listed) and peak memory, for a folder of
# 1,000 and of 100,000 messages. Stores are filled by tests/tui/mkstore (no
# network). Measures, never asserts; results go to doc/PERFORMANCE.md.
#
#   tests/bench/bench_tui_startup.sh [--sizes "1000 100000"] [--stores DIR]
#                                    [--search] [--no-limit] [BUILDDIR] [RUNS]
#
# BUILDDIR (default: $POSTA_BUILDDIR, else .) holds posta and
# tests/tui/mkstore (make check builds it). RUNS per size (default 7).
# --sizes: the folder sizes (e.g. "1000 1000000" for issue 20's million).
# --stores DIR: keep the stores in DIR (made with mkstore -t: every message
# with a body and search text) and reuse them on the next run; a million
# takes some minutes to make and about 1.2 GB.
# --search: also time `posta --offline search --limit 50 Q` (whole
# process, wall and user+sys CPU, median of RUNS) for a few queries on
# each store, with `posta --version` in the same runs as the floor.
# --no-limit: skip the limit (l) part below.
# --search-only: only the stores and the search part (implies --search
# and --no-limit).
# The time is from the exec of posta (bash's $EPOCHREALTIME just before it)
# to the moment posta wrote POSTA_TUI_FIRST_DRAW, right after its first
# doupdate(). Memory is VmHWM (peak RSS) of the posta process after the
# first screen, and again after G (the oldest message) and paging back up.
#
# Then the limit (l, issue 15): the query is typed at the prompt first,
# then only its Enter is timed, for a rare, a common and a flag query and
# for clearing it: inside posta, from the Enter to the redraw of the
# limited index (POSTA_TUI_LIMIT_DRAW, written after the doupdate() that
# drew it; the status line's count comes after), and, in parentheses,
# from tmux's send-keys to the changed rows (10 ms polling).
#
# Then sorting: from the first screen, `o from` (sort by sender), one page
# down, G (the end of the sender order), one page up; the time of each from
# the keys to the changed screen (polled every 10 ms through tmux, so add
# some 10-20 ms of polling to what posta itself takes), and VmHWM after.
set -euo pipefail

SIZES="1000 100000" STORES= SEARCH=0 LIMIT=1 TUI=1
while (($#)); do
  case $1 in
    --sizes) SIZES=$2; shift ;;
    --stores) STORES=$2; shift ;;
    --search) SEARCH=1 ;;
    --no-limit) LIMIT=0 ;;
    --search-only) SEARCH=1 LIMIT=0 TUI=0 ;;
    -*) echo "bench: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
BUILDDIR=${1:-${POSTA_BUILDDIR:-.}}
RUNS=${2:-7}
POSTA=$BUILDDIR/posta
MKSTORE=$BUILDDIR/tests/tui/mkstore
[[ -x $POSTA && -x $MKSTORE ]] || {
  echo "bench: need $POSTA and $MKSTORE (run make check once)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "bench: tmux is needed" >&2; exit 2; }

W=$(mktemp -d /tmp/posta-bench-tui.XXXXXX)
SOCK=posta-bench-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf -- "$W"' EXIT

config() { # config NAME STORE
  cat >"$W/$1.conf" <<EOF
[general]
store = $2
default_account = alice
[account alice]
protocol = imap
host = 127.0.0.1
user = alice
password = unused
EOF
  chmod 600 "$W/$1.conf"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

wait_file() { # wait_file FILE: up to 10 s
  local i
  for ((i = 0; i < 1000; i++)); do
    [[ -s $1 ]] && return 0
    sleep 0.01
  done
  return 1
}

wait_text() { # wait_text TEXT: up to 10 s
  local i
  for ((i = 0; i < 1000; i++)); do
    tmux -L "$SOCK" capture-pane -p -t b | grep -qF -- "$1" && return 0
    sleep 0.01
  done
  return 1
}

# The index rows (not the status line, which the worker may change).
rows() { tmux -L "$SOCK" capture-pane -p -t b -S 0 -E 26; }

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# keys_ms KEY...: send the keys, print the ms until the index rows change.
keys_ms() {
  local before t0 i
  before=$(rows)
  t0=$EPOCHREALTIME
  tmux -L "$SOCK" send-keys -t b "$@"
  for ((i = 0; i < 1000; i++)); do
    [[ $(rows) != "$before" ]] && { ms_since "$t0"; return 0; }
    sleep 0.01
  done
  echo "bench: the screen did not change after $*" >&2
  exit 1
}

# start NAME: posta on NAME's store in session b, up to its first screen;
# sets pid and first_ms.
start() {
  local name=$1
  rm -f "$W/start" "$W/first"
  # A placeholder session keeps the server up: killing its last session
  # would make it exit under the next new-session (see tests/tui/tui-lib.sh).
  tmux -L "$SOCK" has-session -t keep 2>/dev/null ||
    tmux -L "$SOCK" -f /dev/null new-session -d -s keep "sleep 86400"
  tmux -L "$SOCK" kill-session -t b 2>/dev/null || true
  tmux -L "$SOCK" new-session -d -s b -x 100 -y 30 \
    env LANG=C.UTF-8 TERM=screen-256color POSTA_TUI_FIRST_DRAW="$W/first" \
    POSTA_TUI_LIMIT_DRAW="$W/limit" \
    bash -c "echo \$EPOCHREALTIME >'$W/start'; exec '$POSTA' -c '$W/$name.conf'"
  wait_file "$W/first" || { echo "bench: no first draw for $name" >&2; exit 1; }
  pid=$(tmux -L "$SOCK" display-message -p -t b '#{pane_pid}')
  first_ms=$(awk -v a="$(<"$W/start")" -v b="$(<"$W/first")" \
    'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

# sorted NAME: prints "sort_ms page_ms end_ms up_ms hwm_kb"
sorted() {
  local s p e u
  start "$1"
  # The counts come right after the first screen: let them settle.
  wait_text "messages," || true
  s=$(keys_ms o from Enter)
  wait_text "by from" || { echo "bench: not sorted by sender" >&2; exit 1; }
  p=$(keys_ms NPage)
  e=$(keys_ms G)
  u=$(keys_ms PPage)
  sleep 0.1
  echo "$s $p $e $u $(hwm_kb "$pid")"
  tmux -L "$SOCK" send-keys -t b q
}

# one NAME: prints "ms hwm_start_kb hwm_scrolled_kb"
one() {
  local name=$1 pid first_ms hwm1 hwm2
  start "$name"
  hwm1=$(hwm_kb "$pid")
  # Scroll the whole way down and some pages back: memory must not follow.
  tmux -L "$SOCK" send-keys -t b G
  wait_text "Build #" || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do tmux -L "$SOCK" send-keys -t b PPage; done
  tmux -L "$SOCK" send-keys -t b t
  wait_text "threads, by date" || true
  tmux -L "$SOCK" send-keys -t b G
  sleep 0.3
  hwm2=$(hwm_kb "$pid")
  tmux -L "$SOCK" send-keys -t b q
  echo "$first_ms $hwm1 $hwm2"
}


echo "# posta TUI start-up, $(nproc) CPUs, $(uname -sr), $RUNS runs each"
# The floor: exec, dynamic linking (libetpan, OpenSSL, SQLite, ncurses)
# and exit, with no terminal and no store.
: >"$W/base"
for ((r = 0; r < RUNS; r++)); do
  s=$EPOCHREALTIME
  "$POSTA" --version >/dev/null
  e=$EPOCHREALTIME
  awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$W/base"
done
echo "# posta --version (exec floor): median $(median <"$W/base") ms"
printf '%-9s %12s %12s %12s %14s %14s\n' messages "fill (s)" "db (MB)" \
  "first ms" "peak RSS KB" "after G KB"
# store N: the path of the store of N messages (made when missing).
store() {
  local n=$1
  if [[ -z $STORES ]]; then
    echo "$W/s$n.db"
  else
    mkdir -p "$STORES"
    echo "$STORES/s$n.db"
  fi
}

for n in $SIZES; do
  db=$(store "$n")
  t0=$EPOCHREALTIME
  if [[ -z $STORES ]]; then
    "$MKSTORE" "$db" alice INBOX "$n" 300
  elif [[ ! -s $db ]]; then
    "$MKSTORE" -t "$db.new" alice INBOX "$n"
    mv "$db.new" "$db"
  fi
  t1=$EPOCHREALTIME
  config "s$n" "$db"
  ((TUI)) || continue
  one "s$n" >/dev/null		# warm the page cache once
  : >"$W/r$n"
  for ((r = 0; r < RUNS; r++)); do one "s$n" >>"$W/r$n"; done
  printf '%-9s %12.1f %12.1f %12s %14s %14s\n' "$n" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    "$(du -m "$db" | cut -f1)" \
    "$(cut -d' ' -f1 "$W/r$n" | median)" \
    "$(cut -d' ' -f2 "$W/r$n" | median)" \
    "$(cut -d' ' -f3 "$W/r$n" | median)"
  echo "# runs ($n): $(cut -d' ' -f1 "$W/r$n" | tr '\n' ' ')ms"
done
echo "# sort by sender (o from), then PageDown, G, PageUp: ms to the changed"
echo "# screen (medians, polled: +10-20 ms) and peak RSS after"
printf '%-9s %10s %10s %10s %10s %14s\n' messages "sort ms" "page ms" \
  "end ms" "up ms" "peak RSS KB"
((TUI)) || SIZES_SORT=
for n in ${SIZES_SORT-$SIZES}; do
  sorted "s$n" >/dev/null		# warm the page cache once
  : >"$W/o$n"
  for ((r = 0; r < RUNS; r++)); do sorted "s$n" >>"$W/o$n"; done
  printf '%-9s %10s %10s %10s %10s %14s\n' "$n" \
    "$(cut -d' ' -f1 "$W/o$n" | median)" "$(cut -d' ' -f2 "$W/o$n" | median)" \
    "$(cut -d' ' -f3 "$W/o$n" | median)" "$(cut -d' ' -f4 "$W/o$n" | median)" \
    "$(cut -d' ' -f5 "$W/o$n" | median)"
  echo "# runs ($n, sort ms): $(cut -d' ' -f1 "$W/o$n" | tr '\n' ' ')"
done

# limited NAME: prints "rare common flag clear" inside posta (ms), then
# the same four through tmux
limited() {
  local r c f x tr tc tf tx
  start "$1"
  wait_text "messages," || true
  lim() { # QUERY: type it, then time the Enter; prints "probe_ms tmux_ms"
    local t
    tmux -L "$SOCK" send-keys -t b l
    wait_text "imit" || true
    [[ -n $1 ]] && tmux -L "$SOCK" send-keys -t b -l "$1"
    [[ -n $1 ]] && { wait_text "$1" || true; }
    rm -f "$W/limit"
    t=$(keys_ms Enter)
    wait_file "$W/limit" || { echo "bench: no limit probe" >&2; exit 1; }
    echo "$(<"$W/limit") $t"
  }
  read -r r tr < <(lim "subject:invoice 4711")
  wait_text "[limit:" || { echo "bench: no limit" >&2; exit 1; }
  read -r c tc < <(lim "subject:invoice")
  read -r f tf < <(lim "is:unread")
  read -r x tx < <(lim "")
  echo "$r $c $f $x $tr $tc $tf $tx"
  tmux -L "$SOCK" send-keys -t b q
}
if ((SEARCH)); then
  # cpu_ms OUT COMMAND...: append "wall_ms cpu_ms" of the whole process.
  cpu_ms() {
    local out=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$W/t" "$@" >"$W/q.out" 2>&1 ||
      { echo "bench: $* failed" >&2; cat "$W/q.out" >&2; exit 1; }
    awk '{ printf "%.0f %.0f\n", $1 * 1000, ($2 + $3) * 1000 }' "$W/t" >>"$out"
  }
  echo "# posta --offline search --limit 50 Q: whole process, medians of $RUNS"
  echo "# (wall ms / user+sys cpu ms), posta --version in the same runs"
  printf '%-9s %-34s %9s %9s %9s\n' messages query hits "wall ms" "cpu ms"
  for n in $SIZES; do
    # The same queries at every size: rif N has one match (mkstore -t);
    # mary sends i % 10 == 3, fattura is in i % 25 == 3: 1 in 50.
    queries=("fattura" "rif $((1000003 + n / 2))" "ferie" "from:giulia" \
      "is:unread" "subject:invoice" "date:2020-01-01..2020-03-31" \
      "from:mary fattura")
    : >"$W/v$n"
    for q in "${queries[@]}"; do
      : >"$W/q"
      "$POSTA" -c "$W/s$n.conf" --offline search --limit 50 "$q" >/dev/null
      for ((r = 0; r < RUNS; r++)); do
        cpu_ms "$W/q" "$POSTA" -c "$W/s$n.conf" --offline search --limit 50 "$q"
        cpu_ms "$W/v$n" "$POSTA" --version
      done
      hits=$("$POSTA" -c "$W/s$n.conf" --offline search --limit 2000000 "$q" | wc -l)
      printf '%-9s %-34s %9s %9s %9s\n' "$n" "$q" "$hits" \
        "$(cut -d' ' -f1 "$W/q" | median)" "$(cut -d' ' -f2 "$W/q" | median)"
    done
    printf '%-9s %-34s %9s %9s %9s\n' "$n" "posta --version" - \
      "$(cut -d' ' -f1 "$W/v$n" | median)" "$(cut -d' ' -f2 "$W/v$n" | median)"
  done
  echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
((LIMIT)) || exit 0

echo "# limit (l QUERY, Enter timed): ms from the Enter to the limited index"
echo "# drawn, inside posta (medians); in parentheses through tmux (polled)"
printf '%-9s %16s %16s %16s %16s\n' messages "rare ms" "common ms" \
  "flag ms" "clear ms"
for n in $SIZES; do
  limited "s$n" >/dev/null		# warm the page cache once
  : >"$W/l$n"
  for ((r = 0; r < RUNS; r++)); do limited "s$n" >>"$W/l$n"; done
  printf '%-9s' "$n"
  for k in 1 2 3 4; do
    printf ' %7s (%6s)' "$(cut -d' ' -f$k "$W/l$n" | median)" \
      "$(cut -d' ' -f$((k + 4)) "$W/l$n" | median)"
  done
  echo
  echo "# runs ($n, common ms, in posta): $(cut -d' ' -f2 "$W/l$n" | tr '\n' ' ')"
done
