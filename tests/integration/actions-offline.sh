#!/bin/bash
# actions-offline.sh - acting on mail with --offline (TAP).
#
# Sync a lab account once, then run every acting command with --offline and
# check what posta list --json, posta folders and posta journal show: each
# action's local effect, its journal entry, an unknown id refused with
# nothing done, and the server untouched throughout (checked with Python's
# imaplib, the way another device sees the mailbox).
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=/usr/bin/python3
PLAN=44

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"


W=$(mktemp -d /tmp/posta-actions-test.XXXXXX) || bail "mktemp failed"
trap '[[ ${POSTA_KEEP_LAB:-0} == 1 ]] || rm -rf -- "$W"' EXIT
# shellcheck source=../lab/lab-env.sh
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
lab_up >"$W/lab.out" 2>&1 || bail "lab did not start: $(cat "$W/lab.out")"
lab_seed alice INBOX 8 >/dev/null 2>&1 || bail "seed failed"

CONF=$W/posta.conf
{
  printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$W"
  printf 'protocol = imap\nhost = 127.0.0.1\nport = %s\ntls = implicit\n' \
    "$IMAPS_PORT"
  printf 'user = alice\npassword = alicepw\nca_file = %s\n' "$LAB_CA"
} >"$CONF"
chmod 600 "$CONF"
P() { "$POSTA" -c "$CONF" "$@"; }
OFF() { "$POSTA" -c "$CONF" --offline "$@"; }

# The server as another device sees it: every folder, subscription, UID,
# flag and Message-ID. Read-only (EXAMINE), so looking changes nothing.
server_state() {
  LAB_CA=$LAB_CA IMAPS_PORT=$IMAPS_PORT "$PY" - <<'EOF'
import imaplib, os, re, ssl
ctx = ssl.create_default_context(cafile=os.environ["LAB_CA"])
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]),
                      ssl_context=ctx)
M.login("alice", "alicepw")
names = []
for line in M.list()[1]:
    names.append(line.decode().rsplit(' "/" ', 1)[1])
print("LIST", sorted(names))
print("LSUB", sorted(l.decode() for l in M.lsub()[1]))
for name in sorted(names):
    typ, _ = M.select(name, readonly=True)
    if typ != "OK":
        continue
    typ, data = M.uid("FETCH", "1:*",
                      "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    rows = []
    for d in data:
        if isinstance(d, tuple):
            uid = re.search(rb"UID (\d+)", d[0]).group(1).decode()
            flags = re.search(rb"FLAGS \(([^)]*)\)", d[0]).group(1).decode()
            rows.append((int(uid), flags, d[1].decode().strip()))
    print(name, sorted(rows))
M.logout()
EOF
}

# ids FOLDER: the ids posta lists in a folder, ascending, space-separated.
ids() {
  OFF list --json "$1" | "$PY" -c '
import json, sys
print(" ".join(str(i) for i in sorted(json.loads(l)["id"] for l in sys.stdin if l.strip())))'
}
# msg ID FOLDER: "uid flags subject" of a message as listed, or "absent".
msg() {
  OFF list --json "$2" | "$PY" -c '
import json, sys
want = int(sys.argv[1])
for l in sys.stdin:
    r = json.loads(l)
    if r["id"] == want:
        print(r["uid"], ",".join(sorted(r["flags"])) or "-", r["subject"])
        break
else:
    print("absent")' "$1"
}
total() { OFF folders | awk -v f="$1" '$1 == f { print $3; found = 1 } END { if (!found) print "-" }'; }
waiting() { OFF journal | tail -n 1; }

# ---- the first and only sync ------------------------------------------------
check "posta sync fills the store" P sync -q
BEFORE=$(server_state)
[[ $BEFORE == *INBOX* ]] || bail "cannot read the server: $BEFORE"
read -r -a I <<<"$(ids INBOX)"
[[ ${#I[@]} -eq 8 ]] || bail "expected 8 messages in INBOX, got: ${I[*]}"
same "nothing waits after a sync" "0 waiting, 0 failed" "$(waiting)"

# ---- flags --------------------------------------------------------------------
check "flag +seen +flagged on two messages" OFF flag "${I[0]}" "${I[1]}" +seen +flagged
read -r _ f0 _ <<<"$(msg "${I[0]}" INBOX)"
read -r _ f1 _ <<<"$(msg "${I[1]}" INBOX)"
same "both show \\Seen and \\Flagged" "\\Flagged,\\Seen \\Flagged,\\Seen" \
  "$(tr , '\n' <<<"$f0" | grep -E 'Seen|Flagged' | paste -sd,) $(tr , '\n' <<<"$f1" | grep -E 'Seen|Flagged' | paste -sd,)"
check "flag -flagged" OFF flag "${I[1]}" -flagged
read -r _ f1 _ <<<"$(msg "${I[1]}" INBOX)"
same "\\Flagged cleared" "no" "$([[ $f1 == *Flagged* ]] && echo yes || echo no)"

# ---- an unknown id: an error naming it, nothing done ------------------------
J0=$(waiting)
out=$(OFF flag "${I[2]}" 987654 +answered 2>&1); rc=$?
same "an unknown id fails" 1 "$rc"
same "the error names the id" yes "$([[ $out == *987654* ]] && echo yes || echo no)"
read -r _ f2 _ <<<"$(msg "${I[2]}" INBOX)"
same "the known id was not changed either" no \
  "$([[ $f2 == *Answered* ]] && echo yes || echo no)"
same "and nothing was journaled" "$J0" "$(waiting)"
out=$(OFF move "${I[2]}" NoSuchFolder 2>&1); rc=$?
same "a move to a missing folder fails, naming it" "1 yes" \
  "$rc $([[ $out == *NoSuchFolder* ]] && echo yes || echo no)"
out=$(OFF flag "${I[2]}" +bogus 2>&1); rc=$?
same "an unknown flag is a usage error" 2 "$rc"

# ---- move, copy, archive --------------------------------------------------------
check "move to Junk" OFF move "${I[2]}" Junk
same "the message is in Junk without a UID" "None" "$(msg "${I[2]}" Junk | cut -d' ' -f1)"
same "and no longer in INBOX" absent "$(msg "${I[2]}" INBOX)"
check "copy to Drafts" OFF copy "${I[3]}" Drafts
same "Drafts holds the copy, INBOX the original" "1 7" \
  "$(total Drafts) $(ids INBOX | wc -w | tr -d ' ')"
check "archive" OFF archive "${I[4]}"
same "the message is in Archive" "1" "$(total Archive)"

# ---- delete, undelete, expunge -------------------------------------------------
check "delete moves to Trash" OFF delete "${I[5]}"
same "Trash holds it" "1" "$(total Trash)"
check "delete in Trash marks it \\Deleted" OFF delete "${I[5]}"
same "it is \\Deleted" yes "$([[ $(msg "${I[5]}" Trash) == *Deleted* ]] && echo yes || echo no)"
check "flag +deleted then undelete" sh -c \
  "\"$POSTA\" -c \"$CONF\" --offline flag ${I[6]} +deleted && \"$POSTA\" -c \"$CONF\" --offline undelete ${I[6]}"
same "undelete cleared \\Deleted" no "$([[ $(msg "${I[6]}" INBOX) == *Deleted* ]] && echo yes || echo no)"
check "expunge Trash" OFF expunge Trash
same "Trash is empty" "0" "$(total Trash)"

# ---- folders --------------------------------------------------------------------
check "mkdir Progetti/Città" OFF mkdir "Progetti/Città"
check "move into the new folder" OFF move "${I[7]}" "Progetti/Città"
check "rename it" OFF rename "Progetti/Città" "Progetti/Lavori"
same "folders shows the new name with its message" "- 1" \
  "$(total "Progetti/Città") $(total Progetti/Lavori)"
out=$(OFF rmdir Progetti/Lavori 2>&1); rc=$?
same "rmdir refuses a folder with mail" "1 yes" "$rc $([[ $out == *-f* ]] && echo yes || echo no)"
check "rmdir -f deletes it" OFF rmdir -f Progetti/Lavori
same "the folder is gone" "-" "$(total Progetti/Lavori)"

# ---- the journal ------------------------------------------------------------------
JOURNAL=$(OFF journal)
nent=$(grep -cE '^[0-9]+ +waiting ' <<<"$JOURNAL")
same "every action waits in the journal" "$nent waiting, 0 failed" "$(tail -n 1 <<<"$JOURNAL")"
# 15 actions; emptying Trash of a message that never had a UID there
# writes none (the seed is fixed: both flagged messages changed).
same "one entry per change the server must see" 14 "$nent"
same "the journal shows ops and folders" "yes" "$(grep -q 'move INBOX uid .* -> Junk' <<<"$JOURNAL" &&
  grep -q 'copy INBOX uid .* -> Drafts' <<<"$JOURNAL" &&
  grep -q 'create folder Progetti/Città' <<<"$JOURNAL" &&
  grep -q 'rename folder Progetti/Città -> Progetti/Lavori' <<<"$JOURNAL" &&
  grep -q 'delete folder Progetti/Lavori' <<<"$JOURNAL" && echo yes || echo "$JOURNAL")"
first=$(awk 'NR == 1 { print $1 }' <<<"$JOURNAL")
check "journal --drop removes an entry" OFF journal --drop "$first"
same "one fewer waits" "$((nent - 1)) waiting, 0 failed" "$(waiting)"
out=$(OFF journal --retry "$first" 2>&1); rc=$?
same "retrying a missing entry names it" "1 yes" "$rc $([[ $out == *"entry $first"* ]] && echo yes || echo no)"

# One id parser for every command: junk, 0, negative and out-of-range ids
# are usage errors (exit 2), never another row.
bad_id() { OFF "$@" >/dev/null 2>&1; printf ' %s' "$?"; }
same "a bad id is a usage error in every command" " 2 2 2 2 2" \
  "$(bad_id show 12x)$(bad_id show 0)$(bad_id show 99999999999999999999)$(bad_id outbox --retry -3)$(bad_id journal --drop abc)"

# -f is offered only when forcing would do (PERR_FORCE), not because the
# words of the refusal happen to hold "force".
check "mkdir 'Task force' and a subfolder" sh -c \
  "\"$POSTA\" -c \"$CONF\" --offline mkdir 'Task force' && \"$POSTA\" -c \"$CONF\" --offline mkdir 'Task force/Sub'"
out=$(OFF rmdir "Task force" 2>&1); rc=$?
same "rmdir of a folder with subfolders offers no -f" "1 subfolders no" \
  "$rc $([[ $out == *subfolders* ]] && echo subfolders) $([[ $out == *'rmdir -f'* ]] && echo yes || echo no)"

# ---- the server saw none of it ---------------------------------------------------
same "the server is untouched" "$BEFORE" "$(server_state)"

echo "# $failed of $PLAN failed"
[[ $n -eq $PLAN ]] || { echo "# ran $n tests, planned $PLAN"; exit 1; }
[[ $failed -eq 0 ]]
