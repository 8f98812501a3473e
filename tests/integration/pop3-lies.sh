#!/bin/bash
# pop3-lies.sh - posta's POP3 sync against a maildrop that lies
# (tests/lab/fake_pop3.py), TAP.
#
# RETR n answering another message (another size, or the same size and
# another header), or LIST announcing wrong sizes: in every pop3_keep mode
# nothing is DELEd in that session, every message stays on the server, the
# wrong content is not stored (no second copy of message 1), and the output
# names the message and what did not match. An honest server with sloppy
# line ends (bare LF, no final line end) is not taken for a liar. A message
# stored under a header hash (duplicated or missing UIDL) is not stored
# again once the server gives it a proper UIDL, and a UIDL answer shorter
# than LIST does not store a message twice.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=50

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-pop3-lies.XXXXXX) || bail "mktemp failed"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
NOW=$(date +%s)

# fake NAME KEEP [fake_pop3.py options...]: a fresh maildrop W/NAME.* and
# an account "f" on it with pop3_keep = KEEP, in W/NAME.conf / W/NAME.db.
fake() {
  local name=$1 keep=$2 k=0
  shift 2
  "$PY" "$POSTA_SRCDIR/tests/lab/fake_pop3.py" --port-file "$W/$name.port" \
    --state "$W/$name.state" --idle 60 "$@" </dev/null >"$W/$name.err" 2>&1 &
  PIDS+=($!)
  while [[ ! -s $W/$name.port ]]; do
    (( k++ < 400 )) && kill -0 "${PIDS[-1]}" 2>/dev/null || bail "fake_pop3.py did not start: $(cat "$W/$name.err")"
    sleep 0.05
  done
  {
    printf '[general]\nstore = %s\n\n[account f]\nprotocol = pop3\n' "$W/$name.db"
    printf 'host = 127.0.0.1\nport = %s\ntls = none\nallow_plaintext = yes\n' "$(<"$W/$name.port")"
    printf 'user = bob\npassword = x\npop3_keep = %s\n' "$keep"
  } >"$W/$name.conf"
  chmod 600 "$W/$name.conf"
}
# psync NAME [env...]: one sync, its output (stdout and stderr).
psync() {
  local name=$1
  shift
  env POSTA_NET_TIMEOUT=10 "$@" timeout 120 "$POSTA" -c "$W/$name.conf" sync -a f 2>&1
}
# What the maildrop still holds, e.g. "[1, 2, 3, 4]".
alive() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["alive"])' "$W/$1.state"; }
# How many DELE commands the maildrop received, in all sessions.
deles() { grep -c '^DELE' "$W/$1.port.log"; }
sql() {
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
}
# The subjects stored, in order: "message 1,message 2,..." (a second copy
# shows as its subject twice; message 3 has no Message-ID).
subjects() { sql "$W/$1.db" "SELECT group_concat(subject, ',') FROM (SELECT subject FROM message ORDER BY subject)"; }

# ---- item 1: RETR n answers message 1, in every keep mode -------------------
for keep in no days:1 yes; do
  name=other-${keep%%:*}
  fake "$name" "$keep" --lie retr-other
  out=$(psync "$name")
  [[ $keep == days:1 ]] && out+=$'\n'$(psync "$name" POSTA_NOW=$((NOW + 3 * 86400)))
  same "RETR answers another message, keep = $keep: no DELE sent" 0 "$(deles "$name")"
  same "... every message still on the server" "[1, 2, 3, 4]" "$(alive "$name")"
  same "... only the true message 1 stored, once" "message 1" "$(subjects "$name")"
  has "... the output names the message and the sizes" "$out" "message 2 (UIDL uid-2) .*LIST announced [0-9]* octets, RETR gave [0-9]*"
  has "... and says it was not downloaded" "$out" "not downloaded"
done

# The lie stops: the next session stores the rest and, keep = no, deletes.
fake heal no --lie retr-other --lie-sessions 1
psync heal >/dev/null
out=$(psync heal); rc=$?
same "once the server is honest: all four stored once" "message 1,message 2,message 3,message 4" "$(subjects heal)"
same "... and deleted from the server (keep = no)" "[] 0" "$(alive heal) $rc"

# Same size, another header: only TOP can tell.
fake samesize no --lie retr-samesize
out=$(psync samesize)
same "RETR answers another message of the announced size: no DELE" 0 "$(deles samesize)"
same "... every message still on the server" "[1, 2, 3, 4]" "$(alive samesize)"
same "... only the true message 1 stored" "message 1" "$(subjects samesize)"
has "... the output says the header differs from TOP's" "$out" "message 2 (UIDL uid-2) .*header .*differs from .*TOP"

# Without TOP, the size alone catches the wrong message.
fake notop no --lie retr-other --no-top
out=$(psync notop)
same "no TOP, RETR answers another message: no DELE" 0 "$(deles notop)"
same "... every message still on the server, message 1 stored once" "[1, 2, 3, 4] message 1" "$(alive notop) $(subjects notop)"

# LIST announces every size wrong: nothing matches, nothing stored or deleted.
fake listsize no --lie list-size
out=$(psync listsize)
same "LIST sizes one octet too large: no DELE" 0 "$(deles listsize)"
same "... nothing stored, everything still on the server" "[1, 2, 3, 4] " "$(alive listsize) $(subjects listsize)"
has "... the output names what mismatched" "$out" "message 1 (UIDL uid-1) .*LIST announced 2[0-9]* octets, RETR gave 2[0-9]*"

# A message known by a header hash (no UIDL) is checked the same way.
fake nouidl yes --lie uidl-none --lie retr-samesize
out=$(psync nouidl)
same "no UIDL, RETR answers another message: only message 1 stored" "message 1" "$(subjects nouidl)"
has "... and the output says so" "$out" "message 2 .*header .*differs from .*TOP"

# Honest servers with sloppy line ends are not liars.
fake lf no --lf
out=$(psync lf); rc=$?
same "bare LF line ends (LIST counts CRLF): all stored, all deleted" "message 1,message 2,message 3,message 4 [] 0" "$(subjects lf) $(alive lf) $rc"
fake eol no --no-final-eol
out=$(psync eol); rc=$?
same "no final line end (the reply adds one): all stored, all deleted" "message 1,message 2,message 3,message 4 [] 0" "$(subjects eol) $(alive eol) $rc"
fake plain no
out=$(psync plain); rc=$?
same "an honest server: all stored, all deleted, no warning" "message 1,message 2,message 3,message 4 [] 0" "$(subjects plain) $(alive plain) $rc"
same "... dot-stuffed lines arrive unstuffed" 1 \
  "$(sql "$W/plain.db" "SELECT count(*) FROM body WHERE instr(raw, char(13,10) || '.a line that starts with a dot' || char(13,10) || '..two dots' || char(13,10) || '.' || char(13,10)) > 0")"

# TOP naming a stored message (at its size) does not make another deletable:
# session 1 stores message 1 only (RETR lies), session 2's TOP gives every
# message message 1's header and size, but RETR gives the real ones.
fake topother no --lie retr-other@1 --lie top-other@2
psync topother >/dev/null
out=$(psync topother)
same "TOP names a message already stored: no DELE" 0 "$(deles topother)"
same "... every message still on the server, message 1 stored once" "[1, 2, 3, 4] message 1" "$(alive topother) $(subjects topother)"

# ---- item 6: duplicated or missing UIDLs, then proper ones ----------------------
for lie in uidl-dup uidl-none uidl-short; do
  name=repair-$lie
  fake "$name" no --lie "$lie" --lie-sessions 1
  psync "$name" >/dev/null
  first=$(alive "$name")
  out=$(psync "$name"); rc=$?
  same "$lie, then proper UIDLs: every message stored once" "message 1,message 2,message 3,message 4" "$(subjects "$name")"
  same "... the messages first known by their headers are now deleted (keep = no)" "[] 0" "$(alive "$name") $rc"
  same "... and mapped to their UIDL" "4" \
    "$(sql "$W/$name.db" "SELECT count(*) FROM message WHERE pop3_uidl IN ('uid-1', 'uid-2', 'uid-3', 'uid-4')")"
  case $lie in
    uidl-dup) want="[1, 3]" ;; uidl-none) want="[1, 2, 3, 4]" ;; *) want="[3]" ;;
  esac
  same "... the first session left the messages without a usable UIDL on the server" "$want" "$first"
done

# UIDL shorter than LIST after the messages were stored under their UIDLs
# (message 3 has no Message-ID to recognise it by).
fake short yes --lie uidl-short --lie-sessions 2
psync short >/dev/null
out=$(psync short)
same "UIDL shorter than LIST: nothing stored twice" "message 1,message 2,message 3,message 4" "$(subjects short)"
same "... and the message left out keeps its UIDL" "uid-3" "$(sql "$W/short.db" "SELECT pop3_uidl FROM message WHERE subject = 'message 3'")"
same "... and is not taken for deleted on the server" "0" "$(sql "$W/short.db" "SELECT deleted_from_server FROM pop3_uidl WHERE uidl = 'uid-3'")"
psync short >/dev/null
same "... nor stored twice when UIDL is complete again" "message 1,message 2,message 3,message 4" "$(subjects short)"

[[ $n == "$PLAN" ]] || echo "# planned $PLAN tests, ran $n"
exit $(( failed > 0 ))
