#!/bin/bash
# i18n.sh - posta speaks the language of the locale (TAP).
#
# In an Italian locale, built here with localedef so the machine needs none
# installed, posta --help, the missing-configuration error and the TUI's
# status line and help screen (in tmux, on a store made by mkstore) are in
# Italian; under LANG=C the same are in English. So is the note on a
# message that is not whole, which the store keeps in English whatever
# the language of the process that synced it. The catalog is po/it.po
# compiled, laid out under POSTA_LOCALEDIR as make install lays it out.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=16

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-i18n-test.XXXXXX) || bail "mktemp failed"
TSOCK=posta-i18n-test-$$
tx() { tmux -L "$TSOCK" "$@"; }
trap 'tx kill-server 2>/dev/null; rm -rf -- "$W"' EXIT

# Compiled here from po/it.po: gettext's po/Makefile may leave a stale
# po/it.gmo in the source tree (it remakes it only when the .pot changes).
mkdir -p "$W/locale/it/LC_MESSAGES" "$W/loc"
msgfmt -o "$W/locale/it/LC_MESSAGES/posta.mo" "$POSTA_SRCDIR/po/it.po" ||
  bail "msgfmt po/it.po failed"
# (localedef exits 1 for mere warnings: the directory is what counts.)
localedef -i it_IT -f UTF-8 "$W/loc/it_IT.UTF-8" >"$W/localedef.log" 2>&1
[[ -d $W/loc/it_IT.UTF-8 ]] || bail "localedef it_IT.UTF-8 failed: $(tail -n 2 "$W/localedef.log")"

it() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LOCPATH="$W/loc" LANG=it_IT.UTF-8 \
  POSTA_LOCALEDIR="$W/locale" "$POSTA" "$@" 2>&1; }
en() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C \
  POSTA_LOCALEDIR="$W/locale" "$POSTA" "$@" 2>&1; }

has "posta --help is in Italian in it_IT.UTF-8" "$(it --help)" \
  "^Senza un comando, posta apre l'interfaccia da terminale\.$"
has "posta --help is in English under LANG=C" "$(en --help)" \
  "^With no command, posta opens the terminal interface\.$"
has "a missing configuration is explained in Italian" \
  "$(it -c "$W/none.conf" list)" "^posta legge la configurazione da $W/none.conf$"
has "and in English under LANG=C" \
  "$(en -c "$W/none.conf" list)" "^posta reads its configuration from $W/none.conf$"
has "an unknown command is reported in Italian" "$(it nonsense)" \
  "^posta: comando sconosciuto 'nonsense' (vedi posta help)$"
has "LC_ALL=C wins over LANG" \
  "$(env LOCPATH="$W/loc" LANG=it_IT.UTF-8 LC_ALL=C POSTA_LOCALEDIR="$W/locale" "$POSTA" --help 2>&1)" \
  "^With no command"

# ---- the TUI in tmux: status line and help screen ---------------------------
MKSTORE=${POSTA_BUILDDIR:-.}/tests/tui/mkstore
if ! command -v tmux >/dev/null 2>&1 || [[ ! -x $MKSTORE ]]; then
  for _ in 1 2 3 4 5 6; do
    n=$((n + 1)); echo "ok $n - # SKIP tmux or tests/tui/mkstore missing"
  done
else
  "$MKSTORE" "$W/posta.db" alice INBOX 30 >/dev/null || bail "mkstore failed"
  printf '%s\n' "[general]" "store = $W/posta.db" "default_account = alice" "" \
    "[account alice]" "protocol = imap" "email = alice@lab.posta.test" \
    "host = 127.0.0.1" "user = alice" "password = unused" >"$W/config"
  chmod 600 "$W/config"
  # A placeholder session keeps the private server up between the runs.
  tx -f /dev/null new-session -d -s keep -x 20 -y 5 "sleep 86400" ||
    bail "tmux could not start its server"
  # tui NAME ENV...: posta --offline in session NAME, in that locale only.
  tui() {
    local name=$1
    shift
    tx new-session -d -s "$name" -x 120 -y 30 env -u LC_ALL -u LC_MESSAGES \
      -u LANGUAGE TERM=screen-256color POSTA_LOCALEDIR="$W/locale" "$@" \
      sh -c "\"$POSTA\" --offline -c \"$W/config\"; sleep 600"
  }
  # wait_for NAME TEXT: poll the screen (at most 20 s) until TEXT shows.
  wait_for() {
    local end=$((SECONDS + 20))
    while ((SECONDS < end)); do
      screen=$(tx capture-pane -p -t "$1")
      grep -qF -- "$2" <<<"$screen" && return 0
      sleep 0.05
    done
    return 1
  }
  tui it LOCPATH="$W/loc" LANG=it_IT.UTF-8
  tui en LANG=C.UTF-8
  if wait_for it "alice: INBOX  [30 messaggi, "; then
    ok "the TUI's status line is in Italian"
  else not_ok "the TUI's status line is in Italian" "$screen"; fi
  has "with the order and the offline state in Italian" "$screen" \
    "non letti\]  semplice, per data.*offline (a richiesta)"
  tx send-keys -t it "?"
  if wait_for it "posta: tasti (la mappa dei tasti attiva"; then
    ok "the help screen is in Italian"
  else not_ok "the help screen is in Italian" "$screen"; fi
  # The title is drawn before the rest: a capture can catch it alone.
  wait_for it "va al messaggio successivo" || true
  has "with each action described in Italian" "$screen" \
    "next-entry  *va al messaggio successivo"
  if wait_for en "alice: INBOX  [30 messages, "; then
    has "under LANG=C the status line is in English" "$screen" \
      "unread\]  flat, by date.*offline (by request)"
  else not_ok "under LANG=C the status line is in English" "$screen"; fi
  tx send-keys -t en "?"
  wait_for en "posta: keys (the live key map" &&
    wait_for en "move to the next message"
  has "and the help screen too" "$screen" "next-entry  *move to the next message"
fi

# ---- a stored problem, shown in the reader's language ----------------------
if [[ ! -s $W/posta.db ]]; then
  for _ in 1 2 3 4; do
    n=$((n + 1)); echo "ok $n - # SKIP no store (tmux or mkstore missing)"
  done
else
  # As a sync writes them (src/mail/problem.h), on two messages.
  ids=$(python3 - "$W/posta.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM message ORDER BY id LIMIT 2")]
db.execute("UPDATE message SET problem = ? WHERE id = ?", ("this message is 70 MB, "
    "larger than the 64 MB posta downloads; its body was not downloaded", ids[0]))
db.execute("UPDATE message SET problem = ? WHERE id = ?", ("the server would not "
    "send this message: NO [UNAVAILABLE] try later; a sync of this folder alone "
    "(posta sync --folder) tries again", ids[1]))
db.commit()
print(ids[0], ids[1])
PY
) || bail "could not write the problems"
  read -r big refused <<<"$ids"
  has "a message too big to download says so in Italian" \
    "$(it --offline -c "$W/config" show "$big")" \
    "\[posta: questo messaggio è di 70 MB, più dei 64 MB che posta scarica"
  has "and in English under LANG=C" \
    "$(en --offline -c "$W/config" show "$big")" \
    "\[posta: this message is 70 MB, larger than the 64 MB posta downloads"
  has "a refusal keeps the server's words inside the Italian sentence" \
    "$(it --offline -c "$W/config" show "$refused")" \
    "\[posta: il server non ha voluto inviare questo messaggio: NO \[UNAVAILABLE\] try later; una sincronizzazione"
  has "and in English under LANG=C" \
    "$(en --offline -c "$W/config" show "$refused")" \
    "\[posta: the server would not send this message: NO \[UNAVAILABLE\] try later; a sync"
fi

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
