#!/bin/bash
# bench_sync.sh - what an IMAP sync costs: posta against the lab's Dovecot,
# with mbsync (isync) on the same server as the reference. Measures, never
# asserts; not part of make check. Results go to doc/PERFORMANCE.md.
#
#   tests/bench/bench_sync.sh [--big] [--no-mbsync] [--no-callgrind]
#                             [--keep DIR] [BUILDDIR]
#   tests/bench/bench_sync.sh --pairs N [--size M] [BUILDDIR]
#
# BUILDDIR (default: $POSTA_BUILDDIR, else .) holds a plain (not sanitizer)
# build of posta. For each size (10,000 messages; with --big also 100,000)
# two labs are started (tests/lab): "qresync", Dovecot as it comes
# (CONDSTORE, QRESYNC), and "full-diff", started with --imap-capability
# hiding CONDSTORE and QRESYNC, so that posta falls back to listing every
# UID and FLAGS and diffing them against the store. On each, with a fresh
# store every time a "full" sync is measured:
#
#   full, headers   posta sync with offline = headers (no bodies)
#   full, bodies    posta sync with offline = all (every body)
#   no change       posta sync again, nothing new on the server (the
#                   median of 3 runs)
#   10 new+100 flags  another client (python imaplib) appends 10 messages
#                   and flips \Flagged on 100 messages spread over the folder,
#                   then posta sync
#   mbsync full / mbsync no change   mbsync -a (isync) over IMAPS with the
#                   lab CA, Patterns *, Sync Pull, into a Maildir (no change:
#                   the median of 3, each at least 1 s after the last run:
#                   mbsync sleeps 1 s when its Maildir changed within the
#                   current second, which is not what a resync costs)
#
# Each is timed with /usr/bin/time (wall, user+sys CPU of the client only,
# peak RSS). "cmds" is the number of IMAP commands posta sent after LOGIN
# (POSTA_TRACE; CAPABILITY and LOGIN come before it), and for mbsync the
# commands in its -Dn log of a separate, untimed run of the same step.
# Callgrind then counts the instructions of the no-change resync (and of
# `posta --version`, the floor: exec, dynamic linking, exit), which,
# unlike times, repeat on a shared, noisy machine; the part spent opening
# the TLS connection (tls_stream_handshake, most of it OpenSSL loading the
# system trust store) is shown apart. --keep DIR keeps the IMAP traces and
# the callgrind files there.
#
# --pairs N: only the first full sync with bodies against mbsync's, on
# one qresync lab of --size M messages (default 10,000): posta (a fresh
# store) and mbsync (a fresh Maildir) in turn, A B A B, N pairs, and the
# posta/mbsync ratio of wall and of CPU time pair by pair, then the
# medians. Pairing keeps the ratio meaningful when the machine's speed
# drifts; the runs one after the other in the default mode do not.
#
# Wall times on a shared machine are noisy: read the ratios, and quote a
# time only with its machine. The default run takes about 3 minutes
# (2 cores); --big adds about 10 minutes and 3 GB in /tmp.
set -euo pipefail

BIG=0 MBSYNC=1 CALLGRIND=1 KEEP= PAIRS=0 PSIZE=10000
BUILDDIR=${POSTA_BUILDDIR:-.}
while (($#)); do
  case $1 in
    --big) BIG=1 ;;
    --pairs) PAIRS=$2; shift ;;
    --size) PSIZE=$2; shift ;;
    --keep) KEEP=$2; shift ;;
    --no-mbsync) MBSYNC=0 ;;
    --no-callgrind) CALLGRIND=0 ;;
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
if grep -q __asan_init "$POSTA"; then
  echo "bench: $POSTA is a sanitizer build; its figures mean little" >&2
fi
if ((MBSYNC)) && ! command -v mbsync >/dev/null; then
  echo "bench: no mbsync (apt-get install isync); skipping the reference" >&2
  MBSYNC=0
fi
if ((CALLGRIND)) && ! command -v valgrind >/dev/null; then
  echo "bench: no valgrind; skipping instruction counts" >&2
  CALLGRIND=0
fi
SIZES=(10000)
((BIG)) && SIZES+=(100000)
# Dovecot's post-login capabilities without CONDSTORE and QRESYNC.
NOCS="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN LIST-EXTENDED SPECIAL-USE MOVE UNSELECT"

W=$(mktemp -d /tmp/posta-bench-sync.XXXXXX)
trap 'rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$SRCDIR/tests/lab/lab-env.sh"

log() { printf '# %s\n' "$*" >&2; }
RESULTS=$W/results	# size lab step wall cpu rss_kb cmds

# mkconfig FILE STORE OFFLINE PORT CA
mkconfig() {
  cat >"$1" <<EOF
[general]
store = $2

[account lab]
protocol = imap
host = 127.0.0.1
port = $4
tls = implicit
user = alice
password = alicepw
ca_file = $5
offline = $3
EOF
  chmod 600 "$1"
}

# timed SIZE LAB STEP TRACE COMMAND...: run it under /usr/bin/time, append
# a line to RESULTS. TRACE is the POSTA_TRACE file ("-" for none).
timed() {
  local size=$1 lab=$2 step=$3 trace=$4 cmds=- t
  shift 4
  t=$W/time.$$
  if [[ $trace != - ]]; then
    : >"$trace"
    POSTA_TRACE=$trace "$TIME" -f '%e %U %S %M' -o "$t" "$@" >"$W/out" 2>&1 ||
      { echo "bench: $step on $lab failed:" >&2; tail -n 5 "$W/out" >&2; exit 1; }
    cmds=$(grep -c '^C: ' "$trace" || true)
  else
    "$TIME" -f '%e %U %S %M' -o "$t" "$@" >"$W/out" 2>&1 ||
      { echo "bench: $step on $lab failed:" >&2; tail -n 5 "$W/out" >&2; exit 1; }
  fi
  tail -n 1 "$t" | awk -v s="$size" -v l="$lab" -v st="$step" -v c="$cmds" \
    '{ printf "%s\t%s\t%s\t%.2f\t%.2f\t%d\t%s\n", s, l, st, $1, $2 + $3, $4, c }' >>"$RESULTS"
  log "$(tail -n 1 "$RESULTS" | tr '\t' ' ')"
}

# timed3 SIZE LAB STEP TRACE COMMAND...: timed three times (sleeping 1.1 s
# before each), keep the run with the median wall time.
timed3() {
  local keep
  for _ in 1 2 3; do
    sleep 1.1
    timed "$@"
  done
  keep=$(tail -n 3 "$RESULTS" | sort -t $'\t' -k 4,4n | sed -n 2p)
  head -n -3 "$RESULTS" >"$RESULTS.new"
  printf '%s\n' "$keep" >>"$RESULTS.new"
  mv "$RESULTS.new" "$RESULTS"
}

# setcmds SIZE LAB STEP N: fill in the command count of a row.
setcmds() {
  awk -F '\t' -v OFS='\t' -v s="$1" -v l="$2" -v st="$3" -v n="$4" \
    '$1 == s && $2 == l && $3 == st { $7 = n } { print }' "$RESULTS" >"$RESULTS.new"
  mv "$RESULTS.new" "$RESULTS"
}

# The other client: 10 new messages, \Flagged flipped on 100 spread out.
device_changes() {
  LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" - <<'EOF'
import imaplib, os, re, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.select("INBOX")
typ, data = M.uid("FETCH", "1:*", "(FLAGS)")
flags = {}
for line in data:
    m = re.match(rb"\d+ \(UID (\d+) FLAGS \(([^)]*)\)\)", line)
    if m:
        flags[int(m.group(1))] = m.group(2).split()
uids = sorted(flags)
step = max(1, len(uids) // 100)
for u in uids[::step][:100]:
    op = "-FLAGS" if b"\\Flagged" in flags[u] else "+FLAGS"
    M.uid("STORE", str(u), op, "(\\Flagged)")
for i in range(10):
    M.append("INBOX", None, None, (
        "From: Zoe <zoe@example.com>\r\nTo: alice@lab.posta.test\r\n"
        "Subject: nuovo %d\r\nMessage-ID: <bench-new-%d@example.com>\r\n"
        "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\nciao %d\r\n" % (i, i, i)).encode())
M.logout()
EOF
}

# shellcheck source=mbsync-rc.sh
source "$SRCDIR/tests/bench/mbsync-rc.sh"

# callgrind_count NAME COMMAND...: "total<TAB>in tls_stream_handshake<TAB>
# in SSL_CTX_set_default_verify_paths" instructions (Ir), "-" if unknown.
callgrind_count() {
  local f=$W/cg.$1 total tls ca
  shift
  rm -f "$f"
  valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >"$W/cg.log" 2>&1 || {
    printf -- '-\t-\t-\n'; return; }
  total=$(sed -n 's/^.*Collected : \([0-9]*\).*/\1/p' "$W/cg.log" | tail -n 1)
  callgrind_annotate --inclusive=yes "$f" >"$f.txt" 2>/dev/null || true
  tls=$(awk '/:tls_stream_handshake / { gsub(",", "", $1); print $1; exit }' "$f.txt")
  ca=$(awk '/:SSL_CTX_set_default_verify_paths / { gsub(",", "", $1); print $1; exit }' "$f.txt")
  printf '%s\t%s\t%s\n' "${total:--}" "${tls:--}" "${ca:--}"
  [[ -z $KEEP ]] || cp "$f" "$f.txt" "$KEEP/"
}

INSN=$W/insn	# size lab what instructions tls ca
[[ -z $KEEP ]] || mkdir -p "$KEEP"
if ((CALLGRIND)); then
  printf '0\t-\tposta --version\t%s\n' "$(callgrind_count version "$POSTA" --version)" >>"$INSN"
fi

# pairs: the --pairs mode.
pairs() {
  local d=$W/pairs i
  log "pairs: a qresync lab of $PSIZE messages"
  lab_up >"$W/lab.log" 2>&1 || { cat "$W/lab.log" >&2; exit 1; }
  lab_seed alice INBOX "$PSIZE" 1 >/dev/null 2>&1
  doveadm -c "$LAB_DOVECOT_CONF" fetch -u alice text mailbox INBOX >/dev/null
  mkdir -p "$d"
  mkconfig "$d/b.conf" "$d/b.db" all "$IMAPS_PORT" "$LAB_CA"
  for ((i = 1; i <= PAIRS; i++)); do
    rm -f "$d"/b.db*
    timed "$PSIZE" "pair$i" posta - "$POSTA" -c "$d/b.conf" sync -q
    rm -rf "$d/mbsync"
    mbsync_rc "$d/mbsync" "$IMAPS_PORT" "$LAB_CA"
    timed "$PSIZE" "pair$i" mbsync - mbsync -c "$d/mbsync/rc" -q -a
  done
  lab_down
  "$PY" - "$RESULTS" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r[1], {})[r[2]] = (float(r[3]), float(r[4]))
print("%-7s %10s %10s %11s %10s %8s %8s" % ("pair", "posta wall", "posta cpu",
      "mbsync wall", "mbsync cpu", "wall A/B", "cpu A/B"))
rw, rc = [], []
for p, v in by.items():
    (pw, pc), (mw, mc) = v["posta"], v["mbsync"]
    rw.append(pw / mw)
    rc.append(pc / mc)
    print("%-7s %10.2f %10.2f %11.2f %10.2f %8.3f %8.3f" % (p, pw, pc, mw, mc, rw[-1], rc[-1]))
print("median posta/mbsync: wall %.3f, cpu %.3f (%d pairs, %s messages)" % (
      statistics.median(rw), statistics.median(rc), len(rw), rows[0][0]))
EOF
}

LOAD0=$(cut -d ' ' -f 1-3 /proc/loadavg)
T0=$EPOCHREALTIME
if ((PAIRS > 0)); then
  ((MBSYNC)) || { echo "bench: --pairs needs mbsync" >&2; exit 2; }
  pairs
  echo "machine: $(nproc) cores, load average $LOAD0 at start, $(cut -d ' ' -f 1-3 /proc/loadavg) at end; $(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $T0 }") s in all"
  exit 0
fi
for size in "${SIZES[@]}"; do

  for lab in qresync full-diff; do
    log "size $size, lab $lab: starting and seeding"
    if [[ $lab == qresync ]]; then
      lab_up >"$W/lab.log" 2>&1 || { cat "$W/lab.log" >&2; exit 1; }
    else
      lab_up --imap-capability "$NOCS" >"$W/lab.log" 2>&1 ||
        { cat "$W/lab.log" >&2; exit 1; }
    fi
    lab_seed alice INBOX "$size" 1 >/dev/null 2>&1
    # Read every file once, so the first client measured does not pay
    # for a cold page cache.
    doveadm -c "$LAB_DOVECOT_CONF" fetch -u alice text mailbox INBOX >/dev/null
    d=$W/$size-$lab
    mkdir -p "$d"
    mkconfig "$d/h.conf" "$d/h.db" headers "$IMAPS_PORT" "$LAB_CA"
    mkconfig "$d/b.conf" "$d/b.db" all "$IMAPS_PORT" "$LAB_CA"

    timed "$size" "$lab" "full, headers" "$d/trace.h" "$POSTA" -c "$d/h.conf" sync -q
    timed "$size" "$lab" "full, bodies" "$d/trace.b" "$POSTA" -c "$d/b.conf" sync -q
    timed3 "$size" "$lab" "no change" "$d/trace.n" "$POSTA" -c "$d/b.conf" sync -q
    if ((CALLGRIND)); then
      printf '%s\t%s\tno change\t%s\n' "$size" "$lab" \
        "$(callgrind_count "$size-$lab" "$POSTA" -c "$d/b.conf" sync -q)" >>"$INSN"
      log "callgrind: $(tail -n 1 "$INSN" | tr '\t' ' ')"
    fi
    if ((MBSYNC)); then
      mbsync_rc "$d/mbsync" "$IMAPS_PORT" "$LAB_CA"
      timed "$size" "$lab" "mbsync full" - mbsync -c "$d/mbsync/rc" -q -a
      timed3 "$size" "$lab" "mbsync no change" - mbsync -c "$d/mbsync/rc" -q -a
      sleep 1.1
      # The commands of a no-change run (an untimed extra run with -Dn).
      c=$(mbsync -c "$d/mbsync/rc" -Dn -a 2>&1 | grep -cE '^>>> [0-9]+ ' || true)
      setcmds "$size" "$lab" "mbsync no change" "$c"
    fi
    device_changes
    timed "$size" "$lab" "10 new+100 flags" "$d/trace.c" "$POSTA" -c "$d/b.conf" sync -q
    # What each step sent, for the report.
    for t in h b n c; do
      printf '%s\t%s\t%s\t%s\n' "$size" "$lab" "$t" "$(sed -n 's/^C: [^ ]* \(UID [A-Z]*\|[A-Z]*\).*/\1/p' "$d/trace.$t" |
        sort | uniq -c | sort -rn | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 " " $3 }' | sed 's/ ,/,/g; s/ $//')" >>"$W/verbs"
    done
    if [[ -n $KEEP ]]; then
      mkdir -p "$KEEP/$size-$lab"
      cp "$d"/trace.* "$KEEP/$size-$lab/"
    fi
    lab_down
    rm -rf -- "$d"
  done
done
LOAD1=$(cut -d ' ' -f 1-3 /proc/loadavg)

# ------------------------------------------------------------ the report
"$PY" - "$RESULTS" "$INSN" "$W/verbs" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
insn = {}
try:
    for l in open(sys.argv[2]):
        s, lab, what, n, tls, ca = l.rstrip("\n").split("\t")
        insn[(s, lab, what)] = (n, tls, ca)
except OSError:
    pass
R = {(r[0], r[1], r[2]): r for r in rows}
print("%-8s %-9s %-18s %8s %8s %9s %6s" % ("messages", "server", "step", "wall s", "cpu s", "peak RSS", "cmds"))
for r in rows:
    print("%-8s %-9s %-18s %8s %8s %6.1f MB %6s" % (r[0], r[1], r[2], r[3], r[4], int(r[5]) / 1024, r[6]))
def ratio(a, b, col=3):
    try:
        x, y = float(R[a][col]), float(R[b][col])
        return "%.3f" % (x / y) if y > 0 else "-"
    except (KeyError, ValueError):
        return "-"
print()
print("ratios (wall; cpu in brackets)")
sizes = sorted({r[0] for r in rows}, key=int)
for s in sizes:
    for lab in ("qresync", "full-diff"):
        k = lambda st: (s, lab, st)
        print("  %s %-9s no change / full (bodies)        %s (%s)" % (s, lab,
              ratio(k("no change"), k("full, bodies")), ratio(k("no change"), k("full, bodies"), 4)))
        print("  %s %-9s 10 new+100 flags / full (bodies) %s (%s)" % (s, lab,
              ratio(k("10 new+100 flags"), k("full, bodies")), ratio(k("10 new+100 flags"), k("full, bodies"), 4)))
        print("  %s %-9s posta / mbsync, full (bodies)    %s (%s)" % (s, lab,
              ratio(k("full, bodies"), k("mbsync full")), ratio(k("full, bodies"), k("mbsync full"), 4)))
        print("  %s %-9s posta / mbsync, no change        %s (%s)" % (s, lab,
              ratio(k("no change"), k("mbsync no change")), ratio(k("no change"), k("mbsync no change"), 4)))
    print("  %s full-diff / qresync, no change    %s (%s)" % (s,
          ratio((s, "full-diff", "no change"), (s, "qresync", "no change")),
          ratio((s, "full-diff", "no change"), (s, "qresync", "no change"), 4)))
if len(sizes) > 1:
    a, b = sizes[-1], sizes[0]
    for lab in ("qresync", "full-diff"):
        for st in ("full, headers", "full, bodies", "no change"):
            print("  %s/%s %-9s %-15s peak RSS %s, wall %s" % (a, b, lab, st,
                  ratio((a, lab, st), (b, lab, st), 5), ratio((a, lab, st), (b, lab, st))))
def num(x):
    return "{:,}".format(int(x)) if x not in ("-", "") else "-"
if insn:
    print()
    print("instructions (callgrind, Ir): total = TLS connect (of which loading the")
    print("system trust store) + the rest (start-up, store, IMAP, exit)")
    for (s, lab, what), (n, tls, ca) in insn.items():
        rest = "-"
        if n != "-" and tls != "-":
            rest = num(int(n) - int(tls))
        print("  %-6s %-9s %-15s %13s = %13s (%13s) + %12s" % ("" if s == "0" else s,
              lab if lab != "-" else "", what, num(n), num(tls) if what != "posta --version" else "0",
              num(ca) if what != "posta --version" else "0", rest if what != "posta --version" else num(n)))
    for s in sizes:
        a, b = insn.get((s, "full-diff", "no change")), insn.get((s, "qresync", "no change"))
        if a and b and "-" not in (a[0], a[1], b[0], b[1]):
            print("  %s full-diff / qresync, no change: %.2f in all, %.2f without the TLS connect" % (
                s, int(a[0]) / int(b[0]), (int(a[0]) - int(a[1])) / (int(b[0]) - int(b[1]))))
try:
    verbs = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
except OSError:
    verbs = []
if verbs:
    names = {"h": "full, headers", "b": "full, bodies", "n": "no change", "c": "10 new+100 flags"}
    print()
    print("IMAP commands posta sent after LOGIN")
    for s, lab, t, v in verbs:
        print("  %-6s %-9s %-16s %s" % (s, lab, names[t], v))
EOF
echo
echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r); load average $LOAD0 at start, $LOAD1 at end; $(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $T0 }") s in all"
echo "posta: $POSTA ($("$POSTA" --version 2>/dev/null | head -n 1))${MBSYNC:+; $(mbsync --version 2>/dev/null | head -n 1)}"
