#!/bin/bash
# sync-namespace.sh - posta on servers not configured like the lab's
# Dovecot (TAP).
#
# A Courier/Cyrus-style Dovecot (lab start --courier): folders under the
# personal namespace "INBOX." with "." between levels, no SPECIAL-USE. The
# special uses must come from the (Italian) names, names are shown in UTF-8
# without "INBOX.", a rename and a delete on the server are reconciled, and
# posta's own actions (delete to Trash, archive, move, mkdir, rename, rmdir,
# the Sent copy of a sent message) land in the right server folders. Then
# three small fakes (tests/lab/fake_xlist.py): Gmail's XLIST without
# SPECIAL-USE, RFC 6154 attributes in odd case, and Cyrus's other users'
# namespace next to the personal one.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=42

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-ns-test.XXXXXX) || bail "mktemp failed"
FAKE_PIDS=()
cleanup() {
  local p
  for p in "${FAKE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

lab_up --courier >"$W/lab.log" 2>&1 || {
  sed 's/^/# /' "$W/lab.log"
  bail "the lab did not start"
}
ok "lab up in Courier style (INBOX. and '.', no SPECIAL-USE)"

C=$W/posta.conf
mkconfig() { # FILE STORE
  {
    printf '[general]\nstore = %s\n\n[account lab]\n' "$2"
    printf 'protocol = imap\nemail = alice@localhost\nreal_name = Alice\n'
    printf 'host = 127.0.0.1\nport = %s\ntls = implicit\n' "$IMAPS_PORT"
    printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
    printf 'smtp_host = 127.0.0.1\nsmtp_port = %s\nsmtp_tls = starttls\n' \
      "$SMTP_PORT"
  } >"$1"
  chmod 600 "$1"
}
mkconfig "$C" "$W/posta.db"
posta() { "$POSTA" -c "$C" "$@"; }

# The other device: imaplib as alice; M is the session. Names on the wire
# are modified UTF-7 and carry the prefix.
cat >"$W/device.py" <<'EOF'
import imaplib, os, ssl, sys
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]),
                      ssl_context=ctx)
M.login("alice", "alicepw")
def q(name):
    return '"%s"' % name
def msg(mid, subject, body="ciao"):
    return ("From: Zoe <zoe@example.com>\r\nTo: alice@localhost\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n%s\r\n"
            % (subject, mid, body)).encode()
def names():
    t, d = M.list('""', '"*"')
    return sorted(l.decode().split(' "." ', 1)[1].strip('"') for l in d)
def has_mid(folder, mid):
    t, d = M.select(q(folder), readonly=True)
    assert t == "OK", (folder, d)
    t, d = M.search(None, "HEADER", "Message-ID", mid)
    return bool(d[0].split())
exec(sys.stdin.read())
M.logout()
EOF
device() { LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" "$W/device.py"; }

# uses CONFIG: "name=use" of every folder, sorted, on one line.
uses() {
  "$POSTA" -c "$1" folders | tail -n +2 |
    sed -E 's/ +([^ ]+) +[0-9]+ +[0-9]+$/=\1/' | LC_ALL=C sort | paste -sd' '
}
# total CONFIG FOLDER: its total as posta folders shows it.
total() {
  "$POSTA" -c "$1" folders | tail -n +2 |
    sed -nE "s/^$2 +[^ ]+ +([0-9]+) +[0-9]+\$/\\1/p"
}
# The store id of the message with this subject in FOLDER.
msg_id() {
  posta list --json "$1" | "$PY" -c '
import json, sys
for l in sys.stdin:
    if l.strip():
        r = json.loads(l)
        if r["subject"] == sys.argv[1]:
            print(r["id"]); break' "$2"
}

check "the server: NAMESPACE INBOX. with '.', no SPECIAL-USE, no attributes" device <<'EOF'
t, d = M.namespace()
assert d[0].startswith(b'(("INBOX." ".")) '), d
t, d = M.capability()
assert b"SPECIAL-USE" not in d[0].upper(), d
t, d = M.list('""', '"*"')
assert not any(a in l for l in d for a in (b"\\Sent", b"\\Trash", b"\\Drafts")), d
EOF

device <<'EOF'
for name in ("INBOX.Posta inviata", "INBOX.Bozze", "INBOX.Cestino",
             "INBOX.Archivio", "INBOX.Spam", "INBOX.Caff&AOg-",
             "INBOX.Per&API-"):
    assert M.create(q(name))[0] == "OK", name
    M.subscribe(q(name))
M.append(q("INBOX.Posta inviata"), "(\\Seen)", None, msg("inviata1@x", "Inviata prima"))
M.append(q("INBOX.Caff&AOg-"), None, None, msg("caffe1@x", "Un caffè?", "alle dieci"))
M.append(q("INBOX.Per&API-"), None, None, msg("pero1@x", "Però"))
for i, s in enumerate(("uno", "due", "tre")):
    M.append("INBOX", None, None, msg("inbox%d@x" % i, s))
EOF
check "seed 4 messages into INBOX.Lavoro.Progetti (lab seed)" \
  lab_seed alice INBOX.Lavoro.Progetti 4

# ---- the first sync ----------------------------------------------------------
if POSTA_TRACE=$W/trace posta sync -q >"$W/out" 2>&1; then
  ok "first sync"
else
  not_ok "first sync" "$(cat "$W/out")"
fi
# (With LIST-STATUS the plain LIST asks for the STATUS of each folder.)
if grep -q '^C: [0-9]* LIST "" "\*"\( RETURN (STATUS ([A-Z ]*))\)\?'$'\r''$' "$W/trace" && \
   ! grep -q '^C: .*\(SPECIAL-USE\|XLIST\)' "$W/trace"; then
  ok "plain LIST (no SPECIAL-USE, no XLIST offered)"
else
  not_ok "plain LIST (no SPECIAL-USE, no XLIST offered)" "$(grep -i list "$W/trace")"
fi
same "special uses from the Italian names; shown in UTF-8, without INBOX." \
  "Archivio=archive Bozze=drafts Caffè=- Cestino=trash INBOX=inbox Lavoro.Progetti=- Lavoro=- Però=- Posta inviata=sent Spam=junk" \
  "$(uses "$C")"
same "counts: INBOX 3, Lavoro.Progetti 4, Posta inviata 1, Caffè 1" "3 4 1 1" \
  "$(total "$C" INBOX) $(total "$C" Lavoro.Progetti) $(total "$C" 'Posta inviata') $(total "$C" Caffè)"
mids=$(posta list --json Lavoro.Progetti | "$PY" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert all(r["folder"] == "Lavoro.Progetti" for r in rows), rows
print(" ".join(sorted(r["message_id"] for r in rows)))')
srv=$(device <<'EOF'
M.select("INBOX.Lavoro.Progetti", readonly=True)
t, d = M.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
print(" ".join(sorted(p[1].decode().split(":", 1)[1].strip().strip("<>")
                      for p in d if isinstance(p, tuple))))
EOF
)
same "the nested folder's messages are the server's (by Message-ID)" "$srv" "$mids"
CAFFE=$(msg_id Caffè "Un caffè?")
has "the message in Caffè is stored with its body" \
  "$(posta --offline show "$CAFFE" 2>&1)" "alle dieci"
check "posta sync --folder takes the name as shown" posta sync -q --folder Lavoro.Progetti

# ---- another device renames and deletes folders ----------------------------
device <<'EOF'
assert M.rename("INBOX.Caff&AOg-", "INBOX.Lavoro.Caff&AOg-")[0] == "OK"
M.subscribe("INBOX.Lavoro.Caff&AOg-")
assert M.delete("INBOX.Per&API-")[0] == "OK"
EOF
check "sync after a server rename and delete" posta sync -q
same "the renamed folder is under Lavoro, the deleted one is gone" \
  "Archivio=archive Bozze=drafts Cestino=trash INBOX=inbox Lavoro.Caffè=- Lavoro.Progetti=- Lavoro=- Posta inviata=sent Spam=junk" \
  "$(uses "$C")"
same "the rename was recognised: the message kept its row" "$CAFFE" \
  "$(msg_id Lavoro.Caffè "Un caffè?")"

# ---- posta's own actions land in the right server folders ---------------------
ID=$(msg_id INBOX uno)
check "posta delete (to Trash)" posta delete "$ID"
check "... lands in INBOX.Cestino on the server" device <<'EOF'
assert has_mid("INBOX.Cestino", "inbox0@x")
assert not has_mid("INBOX", "inbox0@x")
EOF
check "posta archive" posta archive "$(msg_id INBOX due)"
check "... lands in INBOX.Archivio" device <<<'assert has_mid("INBOX.Archivio", "inbox1@x")'
check "posta move to Spam" posta move "$(msg_id INBOX tre)" Spam
check "... lands in INBOX.Spam" device <<<'assert has_mid("INBOX.Spam", "inbox2@x")'

check "posta mkdir Lavoro.Città" posta mkdir Lavoro.Città
check "... is INBOX.Lavoro.Citt&AOA- on the server, subscribed" device <<'EOF'
assert "INBOX.Lavoro.Citt&AOA-" in names(), names()
t, d = M.lsub('""', '"INBOX.Lavoro.*"')
assert any(b"Citt&AOA-" in l for l in d), d
EOF
check "posta rename Lavoro.Città 'Lavoro.Città vecchia'" \
  posta rename Lavoro.Città 'Lavoro.Città vecchia'
check "... renames it on the server" device <<'EOF'
n = names()
assert "INBOX.Lavoro.Citt&AOA- vecchia" in n and "INBOX.Lavoro.Citt&AOA-" not in n, n
EOF
check "posta mkdir while offline, then a sync" \
  bash -c "'$POSTA' -c '$C' --offline mkdir Sub && '$POSTA' -c '$C' sync -q"
check "... creates INBOX.Sub on the server" device <<<'assert "INBOX.Sub" in names(), names()'

emls() { compgen -G "$SMTP_SPOOL/*.eml" | wc -l; }
before=$(emls)
if echo "una prova" | posta send -s "Spedita da posta" bob@localhost >"$W/out" 2>&1; then
  ok "posta send"
else
  not_ok "posta send" "$(cat "$W/out")"
fi
for _ in $(seq 50); do
  [[ $(emls) -gt $before ]] && break
  sleep 0.1
done
SENT_MID=$(grep -ih '^Message-ID:' "$SMTP_SPOOL"/*.eml | tail -n 1 | sed 's/^[^:]*: *//; s/\r$//')
check "the Sent copy is in INBOX.Posta inviata" device <<EOF
assert has_mid("INBOX.Posta inviata", "$SENT_MID"), "$SENT_MID"
EOF
check "posta rmdir 'Lavoro.Città vecchia'" posta rmdir 'Lavoro.Città vecchia'
check "... deletes it on the server" device <<'EOF'
assert not any("Citt" in n for n in names()), names()
EOF
same "nothing waits or failed in the journal" "0 waiting, 0 failed" \
  "$(posta journal | tail -n 1)"

check "sync after the actions" posta sync -q
same "the folders after it" \
  "Archivio=archive Bozze=drafts Cestino=trash INBOX=inbox Lavoro.Caffè=- Lavoro.Progetti=- Lavoro=- Posta inviata=sent Spam=junk Sub=-" \
  "$(uses "$C")"
mkconfig "$W/fresh.conf" "$W/fresh.db"
"$POSTA" -c "$W/fresh.conf" sync -q >"$W/out" 2>&1
same "a fresh sync shows the same folders and counts" \
  "$(posta folders)" "$("$POSTA" -c "$W/fresh.conf" folders)"

# ---- fakes: Gmail's XLIST, and attributes in odd case -------------------------
# fake MODE [NAME]: start fake_xlist.py MODE, with the folders of FAKE_EXTRA
# (a Python list of its FOLDERS' tuples) added; sets FPORT, FLOG and FCONF.
fake() {
  local d=$W/fake-${2:-$1}
  mkdir -p "$d"
  "$PY" -c 'import ast, sys
sys.path.insert(0, sys.argv[1])
import fake_xlist
fake_xlist.FOLDERS[sys.argv[2]] += ast.literal_eval(sys.argv[3])
sys.argv = ["fake_xlist.py", sys.argv[2]] + sys.argv[4:]
sys.exit(fake_xlist.main())' "$POSTA_SRCDIR/tests/lab" "$1" "${FAKE_EXTRA:-[]}" \
    --port-file "$d/port" </dev/null >"$d/stderr" 2>&1 &
  FAKE_PIDS+=($!)
  for _ in $(seq 100); do
    [[ -s $d/port ]] && break
    sleep 0.05
  done
  FPORT=$(<"$d/port") FLOG=$d/port.log
  cat >"$d/conf" <<EOF
[general]
store = $d/store.db

[account fake]
protocol = imap
host = 127.0.0.1
port = $FPORT
tls = none
allow_plaintext = yes
user = alice
password = x
EOF
  chmod 600 "$d/conf"
  FCONF=$d/conf
}

fake xlist
check "sync against a Gmail-style server (XLIST, no SPECIAL-USE)" \
  "$POSTA" -c "$FCONF" sync -q
has "XLIST was asked" "$(cat "$FLOG")" '^[0-9]* XLIST "" "\*"$'
same "special uses from XLIST, not from a folder named Sent" \
  "Città=- INBOX=inbox Sent=- [Gmail]/Bozze=drafts [Gmail]/Cestino=trash [Gmail]/Sent Mail=sent [Gmail]/Spam=junk [Gmail]/Speciali=flagged [Gmail]/Tutti i messaggi=all [Gmail]=-" \
  "$(uses "$FCONF")"

fake special-use
check "sync against a server with \\sent, \\DRAFTS, \\tRaSh..." \
  "$POSTA" -c "$FCONF" sync -q
same "special-use attributes count in any case, over names" \
  "INBOX=inbox Minute=drafts Pattumiera=trash Roba spedita=sent Robaccia=junk Sent=- Vecchie=archive" \
  "$(uses "$FCONF")"

fake cyrus
check "sync against a Cyrus-style server (INBOX. and other users' user.)" \
  "$POSTA" -c "$FCONF" sync -q
same "a name that would clash with another namespace's keeps the prefix" \
  "INBOX.user.bob=- INBOX.user=- INBOX=inbox Sent=sent user.bob=- user=-" \
  "$(uses "$FCONF")"

# Two names under the prefix that differ only in the case of "INBOX" (it
# is matched in any case), and one that comes out the same as a name that
# had to keep its prefix: two folders cannot have one name, so each keeps
# its prefix; the folder list must not fail on them.
FAKE_EXTRA='[("inbox.Sent", ".", r"\HasNoChildren"), ("INBOX.INBOX.Sent", ".", r"\HasNoChildren")]' \
  fake cyrus cyrus-clash
check "sync against a server listing INBOX.Sent, inbox.Sent, INBOX.INBOX.Sent" \
  "$POSTA" -c "$FCONF" sync -q
same "names that come out the same keep the prefix, however they clash" \
  "INBOX.INBOX.Sent=- INBOX.Sent=sent INBOX.user.bob=- INBOX.user=- INBOX=inbox inbox.Sent=- user.bob=- user=-" \
  "$(uses "$FCONF")"

[[ $n -eq $PLAN ]] || echo "# planned $PLAN, ran $n"
exit $((failed > 0))
