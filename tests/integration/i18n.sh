#!/bin/bash
# i18n.sh - posta speaks the language of the locale (TAP).
#
# In an Italian locale, built here with localedef so the machine needs none
# installed, posta --help and the missing-configuration error are in
# Italian; under LANG=C the same are in English. The catalog is the build's
# po/it.gmo, laid out under POSTA_LOCALEDIR as make install lays it out.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=6

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-i18n-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT

gmo=$POSTA_SRCDIR/po/it.gmo
[[ -f $gmo ]] || gmo=${POSTA_BUILDDIR:-.}/po/it.gmo
[[ -f $gmo ]] || bail "po/it.gmo was not built"
mkdir -p "$W/locale/it/LC_MESSAGES" "$W/loc"
cp "$gmo" "$W/locale/it/LC_MESSAGES/posta.mo"
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

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
