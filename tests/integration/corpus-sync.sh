#!/bin/bash
# corpus-sync.sh - every message of the shared corpus through the whole
# path: server -> posta sync -> store -> posta list / posta show (TAP).
#
# The corpus ($POSTA_SHARED/corpus, else $POSTA_SRCDIR/../shared/corpus)
# holds about a thousand real messages from other mail parsers' test suites:
# single files, Maildir files and mbox files (split on their "From " lines,
# as tests/unit/test_corpus.c does, the "From " line itself dropped). They
# are written straight into alice's INBOX as Maildir files (as seed.py does;
# one doveadm call then indexes them all), then:
#   - posta sync stores as many messages as the server has;
#   - posta list --json gives valid JSON, one object a line, with no control
#     character anywhere (raw or escaped);
#   - posta show ID, for EVERY message, exits 0 within SHOW_TIMEOUT seconds,
#     and stdout and stderr are valid UTF-8 with no C0 control but \n and
#     \t, no DEL and no C1 control (U+0080-U+009F);
#   - posta show --raw ID equals the server's BODY[] for a sample.
# Without the corpus: "1..0 # SKIP".
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=10
SYNC_TIMEOUT=${POSTA_CORPUS_SYNC_TIMEOUT:-300}
SHOW_TIMEOUT=${POSTA_CORPUS_SHOW_TIMEOUT:-30}	# per message (sanitizers)
SAMPLE=50					# show --raw against the server
n=0 failed=0

if [[ -n ${POSTA_SHARED:-} && -d $POSTA_SHARED/corpus ]]; then
  CORPUS=$POSTA_SHARED/corpus
elif [[ -d $POSTA_SRCDIR/../shared/corpus ]]; then
  CORPUS=$POSTA_SRCDIR/../shared/corpus
else
  echo "1..0 # SKIP corpus not found"
  exit 0
fi
CORPUS=$(cd "$CORPUS" && pwd)

echo "1..$PLAN"
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  [[ -z ${2:-} ]] || printf '%s\n' "$2" | head -n 40 | sed 's/^/#   /'
}
same() {
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: $2
got:      $3${4:+
$4}"; fi
}
bail() { echo "Bail out! $*"; exit 1; }
elapsed() { "$PY" -c "print(round($EPOCHREALTIME - $1, 1))"; }
T0=$EPOCHREALTIME

W=$(mktemp -d /tmp/posta-corpus-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

# ------------------------------------------------------------ the helpers
# put.py MAILDIR CORPUS INDEXFILE: every corpus message as a Maildir file in
# MAILDIR/cur (owned like MAILDIR), named <n>.M<n>P0.posta-corpus:2, with
# mtime (INTERNALDATE) 2020-01-01 + n minutes. INDEXFILE gets "n<TAB>path"
# ("path#k" for the k-th message of an mbox). Prints the count.
cat >"$W/put.py" <<'EOF'
import os, sys
root, corpus, index = sys.argv[1:4]
st = os.stat(root)
ids = (st.st_uid, st.st_gid) if os.geteuid() == 0 else None
files = []
for d, subdirs, names in os.walk(corpus):
    subdirs.sort()
    for name in sorted(names):
        p = os.path.join(d, name)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        if d == corpus and name == "README.md":     # the corpus's own notes
            continue
        files.append(p)
msgs = []
for p in files:
    data = open(p, "rb").read()
    rel = os.path.relpath(p, corpus)
    if not data.startswith(b"From "):
        msgs.append((rel, data))
        continue
    # An mbox: split before each "\nFrom ", drop the "From " line itself.
    parts, start, k = [], 0, 0
    while True:
        j = data.find(b"\nFrom ", start)
        end = len(data) if j < 0 else j + 1
        piece = data[start:end]
        nl = piece.find(b"\n")
        piece = b"" if nl < 0 else piece[nl + 1:]
        if piece.strip():
            msgs.append(("%s#%d" % (rel, k), piece))
        k += 1
        if j < 0:
            break
        start = j + 1
tmpdir, curdir = os.path.join(root, "tmp"), os.path.join(root, "cur")
t0 = 1577836800
with open(index, "w") as ix:
    for i, (rel, data) in enumerate(msgs, 1):
        base = "%d.M%dP0.posta-corpus" % (t0 + i * 60, i)
        tmp = os.path.join(tmpdir, base)
        with open(tmp, "wb") as f:
            f.write(data)
        if ids:
            os.chown(tmp, *ids)
        os.utime(tmp, (t0 + i * 60, t0 + i * 60))
        os.rename(tmp, os.path.join(curdir, base + ":2,"))
        ix.write("%d\t%s\n" % (i, rel))
print(len(msgs))
EOF

# clean.py FILE...: each file valid UTF-8, no C0 control but \n and \t, no
# DEL, no C1. Prints "FILE: what" per bad file.
cat >"$W/clean.py" <<'EOF'
import re, sys
bad = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError as e:
        print("%s: invalid UTF-8 at byte %d: %r" % (p, e.start, b[max(0, e.start - 20):e.start + 20]))
        continue
    m = bad.search(s)
    if m:
        print("%s: control character U+%04X at %d: %r" % (p, ord(m.group()), m.start(), s[max(0, m.start() - 30):m.start() + 30]))
EOF

# listcheck.py < list --json: valid JSON a line, no control character in the
# raw line nor in any decoded string. Prints "count ids-file" or the faults.
cat >"$W/listcheck.py" <<'EOF'
import json, re, sys
bad = re.compile("[\x00-\x1f\x7f-\x9f]")
faults, ids = [], []
def walk(v, where):
    if isinstance(v, str):
        m = bad.search(v)
        if m:
            faults.append("%s: U+%04X in %r" % (where, ord(m.group()), v[:80]))
    elif isinstance(v, list):
        for x in v:
            walk(x, where)
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(x, "%s.%s" % (where, k))
for no, raw in enumerate(sys.stdin.buffer, 1):
    try:
        line = raw.rstrip(b"\n").decode("utf-8")
    except UnicodeDecodeError:
        faults.append("line %d: invalid UTF-8" % no)
        continue
    m = bad.search(line)
    if m:
        faults.append("line %d: raw U+%04X" % (no, ord(m.group())))
    try:
        j = json.loads(line)
    except ValueError as e:
        faults.append("line %d: not JSON: %s" % (no, e))
        continue
    walk(j, "line %d (id %s)" % (no, j.get("id")))
    ids.append("%s %s" % (j.get("id"), j.get("uid")))
open(sys.argv[1], "w").write("".join(i + "\n" for i in ids))
print(len(ids))
for f in faults[:30]:
    print(f)
EOF

# fetch.py OUTDIR UID...: the server's BODY.PEEK[] of each UID -> OUTDIR/UID.
cat >"$W/fetch.py" <<'EOF'
import imaplib, os, ssl, sys
out = sys.argv[1]
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
M.login("alice", "alicepw")
M.select("INBOX", readonly=True)
for uid in sys.argv[2:]:
    typ, data = M.uid("FETCH", uid, "(BODY.PEEK[])")
    body = [x[1] for x in data if isinstance(x, tuple)]
    if typ == "OK" and body:
        open(os.path.join(out, uid), "wb").write(body[0])
M.logout()
EOF

# The Maildir file each UID came from, for diagnostics: "uid<TAB>corpus path".
origin() {
  # shellcheck disable=SC2154  # from lab.env
  "$PY" - "$LAB_MAILDIR_alice/dovecot-uidlist" "$W/index" "$@" <<'EOF'
import re, sys
uidlist, index, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
ix = dict(l.rstrip("\n").split("\t", 1) for l in open(index))
for line in open(uidlist).readlines()[1:]:
    uid = line.split(" ", 1)[0]
    m = re.search(r"\.M(\d+)P0\.posta-corpus", line)
    if uid in want and m:
        print("uid %s: %s" % (uid, ix.get(m.group(1), "?")))
EOF
}

# ------------------------------------------------------------ the lab
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }
: "${LAB_MAILDIR_alice:?lab.env must name the Maildir of alice}"
DOVEADM=(doveadm -c "$LAB_DOVECOT_CONF")
"${DOVEADM[@]}" mailbox status -u alice messages INBOX >/dev/null 2>&1 ||
  bail "doveadm cannot open alice's INBOX"
delivered=$("$PY" "$W/put.py" "$LAB_MAILDIR_alice" "$CORPUS" "$W/index" 2>"$W/put.err") ||
  bail "writing the corpus into the Maildir failed: $(cat "$W/put.err")"
server=$("${DOVEADM[@]}" -f flow mailbox status -u alice messages INBOX 2>&1 |
  sed -n 's/.*messages=\([0-9]*\).*/\1/p')
same "the corpus delivered: $delivered messages, all on the server" \
  "$delivered" "${server:-?}"
echo "# corpus: $CORPUS; delivered in $(elapsed "$T0") s (lab start included)"

# ------------------------------------------------------------ posta sync
C=$W/posta.conf
{
  printf '[general]\nstore = %s\n\n[account lab]\n' "$W/posta.db"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
} >"$C"
chmod 600 "$C"
t0=$EPOCHREALTIME
timeout -k 5 "$SYNC_TIMEOUT" "$POSTA" -c "$C" sync -q >"$W/sync.out" 2>"$W/sync.err"
rc=$?
if (( rc == 0 )); then
  ok "posta sync of the corpus ($(elapsed "$t0") s)"
elif (( rc == 124 || rc == 137 )); then
  not_ok "posta sync of the corpus: timed out after $SYNC_TIMEOUT s" "$(tail -n 5 "$W/sync.err")"
else
  not_ok "posta sync of the corpus: exit $rc" "$(tail -n 20 "$W/sync.err")"
fi
bad=$("$PY" "$W/clean.py" "$W/sync.out" "$W/sync.err")
same "posta sync: its output is terminal-safe" "" "$bad"

# ------------------------------------------------------------ posta list
"$POSTA" -c "$C" list --json INBOX >"$W/list.json" 2>"$W/list.err"
rc=$?
res=$("$PY" "$W/listcheck.py" "$W/ids" <"$W/list.json" 2>&1) || rc=99
stored=$(head -n 1 <<<"$res")
same "stored messages = the server's ($server)" "$server" "$stored"
faults=$(tail -n +2 <<<"$res")
if (( rc != 0 )); then
  not_ok "posta list --json: exit $rc" "$(cat "$W/list.err"; echo "$res")"
elif [[ -n $faults ]]; then
  not_ok "posta list --json: valid JSON, no control characters" "$faults"
else
  ok "posta list --json: $stored lines of valid JSON, no control characters"
fi

"$POSTA" -c "$C" list INBOX >"$W/list.txt" 2>&1
"$POSTA" -c "$C" folders >"$W/folders.txt" 2>&1
bad=$("$PY" "$W/clean.py" "$W/list.txt" "$W/folders.txt")
same "posta list and posta folders: terminal-safe" "" "$bad"

# ------------------------------------------------------------ posta show
# One process per message, two at a time; each writes OUT/ID.{out,err,rc}
# and a line "ID END_us START_us" to OUT/times.PID. In a sanitizer build
# LeakSanitizer's exit-time scan would double the cost of these ~1000
# processes, so it runs for every LEAK_EVERY-th message only (and for
# sync, list and show --raw); tests/unit/test_corpus renders every corpus
# message in one process with leak checking at its end.
LEAK_EVERY=1
grep -q __asan_init "$POSTA" && LEAK_EVERY=10
mkdir -p "$W/show"
cat >"$W/show1.sh" <<'EOF'
#!/bin/bash
# show1.sh POSTA CONF OUT TIMEOUT ID...
posta=$1 conf=$2 out=$3 to=$4
shift 4
leaks_off=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
for id in "$@"; do
  t0=$EPOCHREALTIME
  if (( LEAK_EVERY > 1 && id % LEAK_EVERY != 0 )); then
    ASAN_OPTIONS=$leaks_off timeout -k 2 "$to" "$posta" -c "$conf" show "$id" \
      >"$out/$id.out" 2>"$out/$id.err"
  else
    timeout -k 2 "$to" "$posta" -c "$conf" show "$id" >"$out/$id.out" 2>"$out/$id.err"
  fi
  rc=$?
  echo "$id ${EPOCHREALTIME/./} ${t0/./}" >>"$out/times.$$"
  echo "$rc" >"$out/$id.rc"
done
EOF
chmod +x "$W/show1.sh"

# verdict.py IDS SHOWDIR UIDLIST INDEX TIMEOUT: the two show checks as two
# lines "ok|bad<TAB>detail", then diagnostics (the corpus file of each bad
# message), then "# slowest ..." for the log.
cat >"$W/verdict.py" <<'EOF'
import glob, os, re, sys
ids_file, d, uidlist, index, timeout = sys.argv[1:6]
ids = [l.split() for l in open(ids_file) if l.strip()]
origin_of = {}
try:
    ix = dict(l.rstrip("\n").split("\t", 1) for l in open(index))
    for line in open(uidlist).readlines()[1:]:
        m = re.search(r"\.M(\d+)P0\.posta-corpus", line)
        if m:
            origin_of[line.split(" ", 1)[0]] = ix.get(m.group(1), "?")
except OSError:
    pass
bad_re = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
fails, dirty = [], []
for mid, uid in ids:
    try:
        rc = open(os.path.join(d, mid + ".rc")).read().strip()
    except OSError:
        rc = "not run"
    if rc != "0":
        what = "timed out (%s s)" % timeout if rc in ("124", "137") else "exit %s" % rc
        try:
            err = open(os.path.join(d, mid + ".err"), "rb").read(300)
        except OSError:
            err = b""
        fails.append("id %s uid %s (%s): %s: %r" % (mid, uid, origin_of.get(uid, "?"), what, err))
    for ext in ("out", "err"):
        try:
            b = open(os.path.join(d, "%s.%s" % (mid, ext)), "rb").read()
        except OSError:
            continue
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError as e:
            dirty.append("id %s uid %s (%s) std%s: invalid UTF-8 at byte %d: %r" % (
                mid, uid, origin_of.get(uid, "?"), ext, e.start, b[max(0, e.start - 20):e.start + 20]))
            continue
        m = bad_re.search(s)
        if m:
            dirty.append("id %s uid %s (%s) std%s: U+%04X at %d: %r" % (
                mid, uid, origin_of.get(uid, "?"), ext, ord(m.group()), m.start(),
                s[max(0, m.start() - 30):m.start() + 30]))
print("%s\t%d of %d failed" % ("bad" if fails or not ids else "ok", len(fails), len(ids)))
print("%s\t%d outputs unsafe" % ("bad" if dirty else "ok", len(dirty)))
for f in fails[:20]:
    print("F\t" + f)
for f in dirty[:20]:
    print("D\t" + f)
times = []
for p in glob.glob(os.path.join(d, "times.*")):
    for l in open(p):
        mid, end, start = l.split()
        times.append(((int(end) - int(start)) / 1e6, mid))
times.sort(reverse=True)
if times:
    print("# posta show: median %.2f s, slowest: %s" % (times[len(times) // 2][0],
          "; ".join("id %s %.2f s" % (m, t) for t, m in times[:5])))
EOF

t0=$EPOCHREALTIME
awk '{print $1}' "$W/ids" | LEAK_EVERY=$LEAK_EVERY \
  xargs -r -n 25 -P 2 "$W/show1.sh" "$POSTA" "$C" "$W/show" "$SHOW_TIMEOUT"
show_s=$(elapsed "$t0")
v=$("$PY" "$W/verdict.py" "$W/ids" "$W/show" "$LAB_MAILDIR_alice/dovecot-uidlist" \
  "$W/index" "$SHOW_TIMEOUT" 2>&1)
grep '^# ' <<<"$v"
line=$(sed -n 1p <<<"$v")
if [[ $line == ok$'\t'* ]] && (( $(wc -l <"$W/ids") == stored )); then
  ok "posta show: all $stored messages exit 0 within ${SHOW_TIMEOUT} s each ($show_s s in all)"
else
  not_ok "posta show: all $stored messages exit 0 within ${SHOW_TIMEOUT} s each ($show_s s in all)" \
    "${line#*$'\t'}
$(grep $'^F\t' <<<"$v" | cut -f 2-)"
fi
line=$(sed -n 2p <<<"$v")
if [[ $line == ok$'\t'* ]]; then
  ok "posta show: every output is valid UTF-8 without C0 (but \\n \\t), DEL or C1"
else
  not_ok "posta show: every output is valid UTF-8 without C0 (but \\n \\t), DEL or C1" \
    "${line#*$'\t'}
$(grep $'^D\t' <<<"$v" | cut -f 2-)"
fi
# ------------------------------------------------------------ show --raw
# An even sample over the folder, compared with the server's BODY[].
mapfile -t sample < <(awk -v s="$SAMPLE" '{ l[NR] = $0 } END {
  if (NR == 0) exit; step = NR / s; if (step < 1) step = 1
  for (i = 1; i <= NR; i += step) print l[int(i)] }' "$W/ids" | sort -u)
mkdir -p "$W/raw" "$W/server"
uids=()
for l in "${sample[@]}"; do
  read -r id uid <<<"$l"
  "$POSTA" -c "$C" show --raw "$id" >"$W/raw/$uid" 2>"$W/raw/$uid.err"
  uids+=("$uid")
done
LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" "$W/fetch.py" "$W/server" "${uids[@]}" 2>"$W/fetch.err"
diffs=()
for uid in "${uids[@]}"; do
  cmp -s "$W/raw/$uid" "$W/server/$uid" || diffs+=("$uid")
done
if (( ${#uids[@]} > 0 && ${#diffs[@]} == 0 )); then
  ok "posta show --raw: the server's exact bytes (${#uids[@]} messages)"
else
  not_ok "posta show --raw: the server's exact bytes (${#uids[@]} messages)" \
    "differ: ${diffs[*]:0:20} $(cat "$W/fetch.err")
$(origin "${diffs[@]:0:20}")"
fi
same "posta folders: INBOX total = the server's" "$server" \
  "$("$POSTA" -c "$C" folders 2>&1 | awk '$1 == "INBOX" {print $3}')"

echo "# whole test: $(elapsed "$T0") s"
if (( n != PLAN )); then
  echo "# ran $n tests, planned $PLAN"
  exit 1
fi
exit $(( failed > 0 ))
