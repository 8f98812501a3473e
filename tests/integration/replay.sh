#!/bin/bash
# replay.sh - the offline journal replayed on the lab's Dovecot (TAP).
#
# Each action online (the command replays at once) and offline (--offline,
# then posta sync), checked on the server with Python imaplib; a server
# that refuses an entry (it fails with the server's words, the rest goes
# on); a randomised run (fixed seed, 500+ actions) where posta acts offline
# while a second device changes the same folders, after which the server
# must hold exactly what doc/SYNC-RULES.md predicts from the journal and
# the second device's state, with an empty journal and the store equal to
# the server; and a replay killed with SIGKILL several times and rerun,
# which must end in the same predicted state.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=40
SEED=${POSTA_REPLAY_SEED:-20261122}

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  [[ -z ${2:-} ]] || printf '%s\n' "$2" | tail -n 20 | sed 's/^/#   /'
}

W=$(mktemp -d /tmp/posta-replay-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.log" 2>&1 || { sed 's/^/# /' "$W/lab.log"; bail "the lab did not start"; }

mkconfig() {
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$2"
    printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
    printf 'user = %s\npassword = %s\nca_file = %s\noffline = headers\n' "$3" "$4" "$LAB_CA"
  } >"$1"
  chmod 600 "$1"
}

# The helper: the other device, the server's state, and the rules' model.
cat >"$W/lab.py" <<'EOF'
import imaplib, json, os, random, re, sqlite3, ssl, subprocess, sys

USER, PASS = os.environ["LAB_U"], os.environ["LAB_P"]
FL = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")
BITS = {1: "\\Seen", 2: "\\Answered", 4: "\\Flagged", 8: "\\Deleted", 16: "\\Draft"}

def connect():
    ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
    M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
    M.login(USER, PASS)
    return M

def q(name):
    return '"%s"' % name

def msg(mid, subject, body="ciao"):
    return ("From: Zoe <zoe@example.com>\r\nTo: %s@lab.posta.test\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n%s\r\n"
            % (USER, subject, mid, body)).encode()

def folders(M):
    typ, d = M.list()
    out = []
    for l in d:
        m = re.match(rb'\((.*?)\) "(.*?)" (.*)', l)
        name = m.group(3).decode().strip('"')
        if "\\Noselect" not in m.group(1).decode():
            out.append(name)
    return sorted(out)

def subscribed(M):
    typ, d = M.lsub()
    return sorted(re.match(rb'\((.*?)\) "(.*?)" (.*)', l).group(3).decode().strip('"')
                  for l in d if l)

def state(M, only=None):
    """{folder: {uid: [message_id, [flags]]}}"""
    st = {}
    for f in folders(M):
        if only and f not in only:
            continue
        M.select(q(f), readonly=True)
        typ, d = M.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        box = {}
        for item in d:
            if not isinstance(item, tuple):
                continue
            head, body = item
            uid = int(re.search(rb"UID (\d+)", head).group(1))
            flags = re.search(rb"FLAGS \((.*?)\)", head).group(1).decode().split()
            flags = sorted(x for x in flags if x in FL)
            mid = re.search(rb"<([^>]*)>", body)
            box[uid] = [mid.group(1).decode() if mid else None, flags]
        st[f] = box
    return st

def multiset(st):
    """What a user sees: per folder, sorted (message-id, flags)."""
    return {f: sorted((m or "", " ".join(fl)) for m, fl in box.values())
            for f, box in st.items()}

def store_view(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    out = {}
    for name, mid, flags in c.execute(
            "select f.name, m.message_id, m.flags from message m join folder f"
            " on f.id = m.folder_id where f.remote_name is not null"):
        fl = " ".join(sorted(BITS[b] for b in BITS if flags & b))
        out.setdefault(name, []).append((mid or "", fl))
    return {f: sorted(v) for f, v in out.items()}

def journal(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    c.row_factory = sqlite3.Row
    rows = [dict(r) for r in c.execute("select * from journal order by id")]
    for r in rows:
        r["row_mid"] = None
        if r["message_id"] is not None:
            x = c.execute("select message_id from message where id = ?",
                          (r["message_id"],)).fetchone()
            r["row_mid"] = x[0] if x else None
    return rows

def predict(st, jrows):
    """The server after the replay of jrows on st, by doc/SYNC-RULES.md."""
    st = {f: {u: [m, list(fl)] for u, (m, fl) in box.items()} for f, box in st.items()}
    nxt = {f: (max(box) if box else 0) + 1000 for f, box in st.items()}
    rowat = {}                      # posta row -> (folder, uid) on the server
    def find(e):
        f = e["folder_name"]
        if f not in st:
            return None
        if e["uid"] is not None:
            return (f, e["uid"]) if e["uid"] in st[f] else None
        if e["message_id"] is None:
            return None
        at = rowat.get(e["message_id"])
        if at and at[0] == f and at[1] in st[f]:
            return at
        if e["row_mid"]:
            hits = [u for u, (m, fl) in st[f].items() if m == e["row_mid"]]
            if hits:
                return (f, max(hits))
        return None
    def put(dest, m, fl):
        uid = nxt[dest]
        nxt[dest] += 1
        st[dest][uid] = [m, list(fl)]
        return (dest, uid)
    for e in jrows:
        if e["state"] == 2:
            continue
        op, at = e["op"], find(e)
        if op == "flags":
            if at:
                fl = set(st[at[0]][at[1]][1])
                fl |= {BITS[b] for b in BITS if e["flags_add"] & b}
                fl -= {BITS[b] for b in BITS if e["flags_remove"] & b}
                st[at[0]][at[1]][1] = sorted(fl)
        elif op in ("move", "copy"):
            if not at:
                continue
            m, fl = st[at[0]][at[1]]
            if op == "move":
                del st[at[0]][at[1]]
            if e["message_id"] is not None and e["dest_name"] in st:
                rowat[e["message_id"]] = put(e["dest_name"], m, fl)
        elif op == "expunge":
            if at:
                del st[at[0]][at[1]]
        else:
            raise SystemExit("predict: op %s not modelled" % op)
    return st

def posta(*args):
    r = subprocess.run([os.environ["POSTA"], "-c", os.environ["CONF"], "--offline"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stderr.decode()

def local_rows(db, folder):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    return [(i, fl) for i, fl in c.execute(
        "select m.id, m.flags from message m join folder f on f.id = m.folder_id"
        " where f.name = ? order by m.id", (folder,))]

def random_run(db, seed, actions, kinds):
    """posta acts offline, the other device acts on the server meanwhile."""
    rnd = random.Random(seed)
    M = connect()
    boxes = ["INBOX", "Archive", "Trash", "Lavoro"]
    done = dev = refused = 0
    fresh = 0
    while done < actions:
        if "device" in kinds and rnd.random() < 0.2:
            f = rnd.choice(boxes)
            M.select(q(f))
            typ, d = M.uid("SEARCH", None, "ALL")
            uids = d[0].split()
            what = rnd.random()
            if what < 0.15 or not uids:
                fresh += 1
                M.append(q(f), None, None, msg("dev%d.%d@x" % (seed, fresh), "Dal telefono"))
            elif what < 0.65:
                u = rnd.choice(uids).decode()
                flag = rnd.choice(["\\Seen", "\\Flagged", "\\Answered"])
                M.uid("STORE", u, rnd.choice(["+FLAGS", "-FLAGS"]), "(%s)" % flag)
            elif what < 0.85:
                u = rnd.choice(uids).decode()
                M.uid("STORE", u, "+FLAGS", "(\\Deleted)")
                M.uid("EXPUNGE", u)
            else:
                u = rnd.choice(uids).decode()
                M.uid("MOVE", u, q(rnd.choice([b for b in boxes if b != f])))
            dev += 1
            continue
        f = rnd.choice(boxes)
        rows = local_rows(db, f)
        if not rows:
            continue
        ids = [str(i) for i, fl in rnd.sample(rows, min(len(rows), rnd.choice([1, 1, 1, 2, 3])))]
        k = rnd.choice(kinds_posta(kinds))
        if k == "flag":
            r = posta("flag", *ids, rnd.choice(["+seen", "-seen", "+flagged", "-flagged", "+answered"]))
        elif k == "move":
            r = posta("move", *ids, rnd.choice([b for b in boxes if b != f]))
        elif k == "copy":
            r = posta("copy", ids[0], rnd.choice([b for b in boxes if b != f]))
        elif k == "delete":
            r = posta("delete", *ids)
        elif k == "undelete":
            r = posta("undelete", *ids)
        else:
            r = posta("expunge", f)
        if r[0] != 0:
            refused += 1
            if refused > actions // 10:
                raise SystemExit("posta refused too often: " + r[1])
        done += 1
    M.logout()
    print("posta actions: %d, device actions: %d" % (done, dev))

def kinds_posta(kinds):
    return [k for k in kinds if k != "device"]

cmd = sys.argv[1]
if cmd == "device":
    M = connect()
    exec(sys.stdin.read())
    M.logout()
elif cmd == "state":
    M = connect()
    json.dump(state(M), open(sys.argv[2], "w"))
    M.logout()
elif cmd == "predict":
    st = {f: {int(u): v for u, v in box.items()} for f, box in json.load(open(sys.argv[2])).items()}
    json.dump(predict(st, journal(sys.argv[3])), open(sys.argv[4], "w"))
elif cmd == "compare":
    # compare PREDICTED.json DB: the server equals the prediction, the store the server
    pred = {f: {int(u): v for u, v in box.items()} for f, box in json.load(open(sys.argv[2])).items()}
    M = connect()
    now = state(M)
    M.logout()
    bad = []
    a, b = multiset(pred), multiset(now)
    for f in sorted(set(a) | set(b)):
        if a.get(f, []) != b.get(f, []):
            extra = [x for x in b.get(f, []) if x not in a.get(f, [])]
            miss = [x for x in a.get(f, []) if x not in b.get(f, [])]
            bad.append("server %s: unexpected %s, missing %s" % (f, extra[:5], miss[:5]))
    s = store_view(sys.argv[3])
    for f in sorted(set(b) | set(s)):
        if b.get(f, []) != s.get(f, []):
            bad.append("store %s differs from the server (%d vs %d)" % (f, len(s.get(f, [])), len(b.get(f, []))))
    dup = {}
    for f, box in now.items():
        for m, fl in box.values():
            dup[(f, m)] = dup.get((f, m), 0) + 1
    pdup = {}
    for f, box in pred.items():
        for m, fl in box.values():
            pdup[(f, m)] = pdup.get((f, m), 0) + 1
    if dup != pdup:
        bad.append("message counts per folder differ")
    print("\n".join(bad) if bad else "same: %d messages in %d folders" %
          (sum(len(x) for x in now.values()), len(now)))
    sys.exit(1 if bad else 0)
elif cmd == "random":
    random_run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(","))
elif cmd == "folders":
    M = connect()
    print(" ".join(folders(M)))
    print("subscribed: " + " ".join(subscribed(M)))
    M.logout()
elif cmd == "show":
    # show FOLDER: message-ids and flags on the server, one per line, sorted
    M = connect()
    st = state(M, [sys.argv[2]])
    M.logout()
    for m, fl in sorted((m or "", " ".join(fl)) for m, fl in st.get(sys.argv[2], {}).values()):
        print(m, fl)
EOF

# lab USER ...: the helper as alice (or bob, for the random runs).
labpy() {
  local u=$1 p=$2 conf=$3
  shift 3
  LAB_U=$u LAB_P=$p LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT POSTA=$POSTA CONF=$conf \
    "$PY" "$W/lab.py" "$@"
}
dev() { labpy alice alicepw "$A" device; }
srv() { labpy alice alicepw "$A" show "$1"; }
sql() {
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}
id_of() { sql "$A_DB" "select m.id from message m join folder f on f.id = m.folder_id where m.message_id = '$1' and f.name = '$2'"; }
waiting() { "$POSTA" -c "$A" journal | tail -n 1; }

# ============================================================ setup
A=$W/a.conf A_DB=$W/a.db
mkconfig "$A" "$A_DB" alice alicepw
dev <<'EOF' || bail "setup failed"
M.create("Lavoro"); M.subscribe("Lavoro")
for i in range(12):
    M.append("INBOX", None, None, msg("m%d@x" % i, "Messaggio %d" % i))
EOF
check "first sync" "$POSTA" -c "$A" sync -q

# ============================================================ online
# Each command replays its entry at once (app_act_push).
P() { "$POSTA" -c "$A" "$@"; }
check "online: flag +flagged +seen" P flag "$(id_of m0@x INBOX)" +flagged +seen
same "... on the server" "m0@x \\Flagged \\Seen" "$(srv INBOX | grep '^m0@x')"
same "... and the journal is empty" "0 waiting, 0 failed" "$(waiting)"
check "online: flag -seen" P flag "$(id_of m0@x INBOX)" -seen
same "... on the server" "m0@x \\Flagged" "$(srv INBOX | grep '^m0@x')"
check "online: move to Lavoro" P move "$(id_of m1@x INBOX)" Lavoro
same "... on the server" "0|m1@x " "$(srv INBOX | grep -c '^m1@x')|$(srv Lavoro | grep '^m1@x')"
same "... and the moved row has its new UID" "1" "$(sql "$A_DB" "select count(*) from message m join folder f on f.id = m.folder_id where f.name = 'Lavoro' and m.message_id = 'm1@x' and m.uid is not null")"
check "online: copy to Archive" P copy "$(id_of m2@x INBOX)" Archive
same "... on the server (both)" "m2@x |m2@x " "$(srv INBOX | grep '^m2@x')|$(srv Archive | grep '^m2@x')"
check "online: delete (to Trash)" P delete "$(id_of m3@x INBOX)"
same "... moved to Trash on the server" "0|m3@x " "$(srv INBOX | grep -c '^m3@x')|$(srv Trash | grep '^m3@x')"
check "online: delete in Trash marks it \\Deleted" P delete "$(id_of m3@x Trash)"
same "... in Trash, marked deleted on the server" "m3@x \\Deleted" "$(srv Trash | grep '^m3@x')"
check "online: expunge Trash" P expunge Trash
same "... gone from the server" "0" "$(srv Trash | grep -c '^m3@x')"
check "online: mkdir, rename, rmdir" sh -c "'$POSTA' -c '$A' mkdir Progetti && '$POSTA' -c '$A' rename Progetti Progetti2 && '$POSTA' -c '$A' mkdir Temp && '$POSTA' -c '$A' rmdir Temp"
same "... on the server" "Archive Drafts INBOX Junk Lavoro Progetti2 Sent Trash" \
  "$(labpy alice alicepw "$A" folders | sed -n 1p)"
check "online: unsubscribe Lavoro" P unsubscribe Lavoro
same "... on the server" "0" "$(labpy alice alicepw "$A" folders | sed -n 2p | grep -c ' Lavoro')"
P subscribe Lavoro >/dev/null 2>&1

# ============================================================ offline
O() { "$POSTA" -c "$A" --offline "$@"; }
O flag "$(id_of m4@x INBOX)" +flagged >/dev/null &&
O move "$(id_of m5@x INBOX)" Lavoro >/dev/null &&
O copy "$(id_of m6@x INBOX)" Archive >/dev/null &&
O delete "$(id_of m7@x INBOX)" >/dev/null &&
O mkdir Offline >/dev/null &&
O move "$(id_of m8@x INBOX)" Offline >/dev/null &&
O flag "$(id_of m8@x Offline)" +flagged >/dev/null &&
O rename Progetti2 Progetti3 >/dev/null &&
O unsubscribe Lavoro >/dev/null
rc=$?
same "offline: nine actions done locally" "0" "$rc"
same "... nothing reached the server" "m4@x " "$(srv INBOX | grep '^m4@x')"
same "... the journal holds them" "9 waiting, 0 failed" "$(waiting)"
check "posta sync replays them" P sync -q
same "... journal empty" "0 waiting, 0 failed" "$(waiting)"
same "... flag" "m4@x \\Flagged" "$(srv INBOX | grep '^m4@x')"
same "... move, copy, delete" "m5@x |m6@x |m6@x |m7@x " \
  "$(srv Lavoro | grep '^m5@x')|$(srv INBOX | grep '^m6@x')|$(srv Archive | grep '^m6@x')|$(srv Trash | grep '^m7@x')"
same "... a folder made offline, a message moved into it and flagged there" "m8@x \\Flagged" "$(srv Offline | grep '^m8@x')"
same "... rename and unsubscribe" "Archive Drafts INBOX Junk Lavoro Offline Progetti3 Sent Trash|0" \
  "$(labpy alice alicepw "$A" folders | sed -n 1p)|$(labpy alice alicepw "$A" folders | sed -n 2p | grep -c ' Lavoro')"
P subscribe Lavoro >/dev/null 2>&1

# ============================================================ refusals
# An entry the server refuses fails with its words; the next ones go on.
O move "$(id_of m9@x INBOX)" Offline >/dev/null
dev <<<'M.delete("Offline")'
O flag "$(id_of m10@x INBOX)" +flagged >/dev/null
"$POSTA" -c "$A" sync -q >"$W/refuse.out" 2>&1
same "a move into a folder deleted elsewhere fails, the next entry goes on" "1 failed|m10@x \\Flagged" \
  "$(waiting | grep -o '[0-9]* failed')|$(srv INBOX | grep '^m10@x')"
if "$POSTA" -c "$A" journal | grep -q 'failed.*move'; then
  ok "posta journal shows the failed move with the server's words ($(
    "$POSTA" -c "$A" journal | grep -m1 failed | sed 's/.*\(NO\|no\).*/server said no/' | cut -c1-40))"
else
  not_ok "posta journal shows the failed move" "$("$POSTA" -c "$A" journal)"
fi
P journal --drop all >/dev/null 2>&1

# ============================================================ random
# bob's mailbox: posta acts offline while the second device (imaplib) acts.
B=$W/b.conf B_DB=$W/b.db
mkconfig "$B" "$B_DB" bob bobpw
lab_seed bob INBOX 60 11 >/dev/null 2>&1 && lab_seed bob Lavoro 25 12 >/dev/null 2>&1 &&
  lab_seed bob Archive 15 13 >/dev/null 2>&1 || bail "seeding bob failed"
check "random: first sync of bob" "$POSTA" -c "$B" sync -q
t0=$EPOCHREALTIME
out=$(labpy bob bobpw "$B" random "$B_DB" "$SEED" 520 flag,flag,move,copy,delete,undelete,expunge,device 2>&1)
rc=$?
if ((rc == 0)); then ok "random: seed $SEED: $out"; else not_ok "random: the run" "$out"; fi
labpy bob bobpw "$B" state "$W/before.json"
labpy bob bobpw "$B" predict "$W/before.json" "$B_DB" "$W/pred.json" || bail "predict failed"
echo "# journal before the sync: $(sql "$B_DB" "select count(*) from journal")"
if out=$("$POSTA" -c "$B" sync -q 2>&1); then ok "random: posta reconnects and replays"
else not_ok "random: posta reconnects and replays" "$out"; fi
same "random: the journal is empty" "0" "$(sql "$B_DB" "select count(*) from journal")"
if out=$(labpy bob bobpw "$B" compare "$W/pred.json" "$B_DB" 2>&1); then
  ok "random: the server holds what the rules predict, and the store the same ($out)"
else
  not_ok "random: the server holds what the rules predict" "$out"
fi
echo "# random run: $("$PY" -c "print(round($EPOCHREALTIME - $t0, 1))") s"

# ============================================================ kill
labpy bob bobpw "$B" random "$B_DB" $((SEED + 1)) 150 flag,move,delete >/dev/null 2>&1 ||
  bail "the second random run failed"
labpy bob bobpw "$B" state "$W/before2.json"
labpy bob bobpw "$B" predict "$W/before2.json" "$B_DB" "$W/pred2.json" || bail "predict failed"
total=$(sql "$B_DB" "select count(*) from journal")
kills=0
# Kill each sync once it has replayed some entries (in the middle of it).
for round in 1 2 3 4; do
  start=$(sql "$B_DB" "select count(*) from journal")
  ((start > 20)) || break
  "$POSTA" -c "$B" sync -q >/dev/null 2>&1 &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    now=$(sql "$B_DB" "select count(*) from journal")
    ((now <= start - 15)) && break
    sleep 0.02
  done
  if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null
done
left=$(sql "$B_DB" "select count(*) from journal")
echo "# kill: $total entries, $kills syncs killed, $left left ($(sql "$B_DB" "select count(*) from journal where state = 1") sent)"
if out=$("$POSTA" -c "$B" sync -q 2>&1); then ok "kill: after $kills SIGKILLs the rerun finishes"
else not_ok "kill: after $kills SIGKILLs the rerun finishes" "$out"; fi
same "kill: the journal is empty" "0" "$(sql "$B_DB" "select count(*) from journal")"
if out=$(labpy bob bobpw "$B" compare "$W/pred2.json" "$B_DB" 2>&1); then
  ok "kill: nothing applied twice: the server holds what the rules predict ($out)"
else
  not_ok "kill: nothing applied twice" "$out"
fi

exit $((failed > 0))
