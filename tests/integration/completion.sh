#!/bin/bash
# completion.sh - the bash and zsh completions of posta (TAP).
#
# Sources completions/bash/posta the way bash-completion would and calls
# its function as bash does on Tab: commands, options, account names from
# the configuration, folder names from "posta folders" (offline; the store
# is filled by posta import). The same in Italian: the completion reads
# posta's English output whatever the user's language (it_IT.UTF-8 built
# with localedef, the build's po/it.gmo as the catalog). zsh: the file
# parses (skipped without zsh).
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=14

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-completion-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT
mkdir "$W/bin" && ln -s "$POSTA" "$W/bin/posta" || bail "cannot link posta"
export PATH="$W/bin:$PATH"
unset POSTA_CONFIG
export XDG_CONFIG_HOME=$W/xdg

# shellcheck source=../../completions/bash/posta
source "$POSTA_SRCDIR/completions/bash/posta"
out=$(complete -p posta 2>&1)
same "complete -p posta is set after sourcing" "complete -F _posta posta" "$out"

# complete WORDS...: what Tab offers for the last word, one per line.
complete_line() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _posta
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
same "posta sy completes to sync" "sync" "$(complete_line posta sy)"
same "posta sync --f completes to --folder" "--folder" "$(complete_line posta sync --f)"
same "posta --ver completes to --version" "--version" "$(complete_line posta --ver)"

{
  printf '[general]\nstore = %s\n\n[account work]\nprotocol = pop3\n' "$W/store.db"
  printf 'host = 127.0.0.1\nport = 9\ntls = implicit\nuser = u\npassword = p\n'
  printf '\n[account home]\nprotocol = pop3\nhost = 127.0.0.1\nport = 9\n'
  printf 'tls = implicit\nuser = u\npassword = p\n'
} >"$W/conf"
chmod 600 "$W/conf"
same "-a completes the configuration's accounts" "home
work" "$(complete_line posta -c "$W/conf" sync -a '')"

printf '%s\n' "From a@b Thu Jan  1 00:00:00 2026" "From: a@b" "Subject: s" "" "x" "" >"$W/in.mbox"
for f in INBOX "Posta inviata"; do
  "$POSTA" -c "$W/conf" import -a work "$f" --mbox "$W/in.mbox" >"$W/import.log" 2>&1 ||
    bail "posta import into $f failed: $(cat "$W/import.log")"
done
same "folder names come from posta folders, spaces and all" "INBOX
Posta inviata" "$(complete_line posta -c "$W/conf" list -a work '')"
same "a folder name completes from its start" "Posta inviata" \
  "$(complete_line posta -c "$W/conf" move -a work 1 Po)"

# In Italian: posta --help says "Comandi:", posta folders' header is
# Italian too; completion must still find the commands and the folders.
# The catalog compiled here from po/it.po: a po/it.gmo left by an earlier
# build may predate the .po (gettext's po/Makefile rebuilds it only when
# the .pot changes).
mkdir -p "$W/locale/it/LC_MESSAGES" "$W/loc"
msgfmt -o "$W/locale/it/LC_MESSAGES/posta.mo" "$POSTA_SRCDIR/po/it.po" ||
  bail "msgfmt po/it.po failed"
localedef -i it_IT -f UTF-8 "$W/loc/it_IT.UTF-8" >"$W/localedef.log" 2>&1
[[ -d $W/loc/it_IT.UTF-8 ]] || bail "localedef it_IT.UTF-8 failed: $(tail -n 2 "$W/localedef.log")"
(
  unset LC_ALL LC_MESSAGES LANGUAGE
  export LOCPATH=$W/loc LANG=it_IT.UTF-8 POSTA_LOCALEDIR=$W/locale
  "$POSTA" --help 2>&1 | grep -q '^Comandi:' || echo "# posta --help is not in Italian here"
  same "in Italian, posta sy completes to sync" "sync" "$(complete_line posta sy)"
  same "in Italian, posta sync --f completes to --folder" "--folder" \
    "$(complete_line posta sync --f)"
  same "in Italian, folder names complete" "Posta inviata" \
    "$(complete_line posta -c "$W/conf" move -a work 1 Po)"
  echo "n=$n" >"$W/n"
)
n=$(sed -n 's/^n=//p' "$W/n")

# zsh: _posta run with the completion system's builtins stubbed to print
# what they are offered (compsys itself filters by the typed prefix).
zcomplete() {	# CURRENT WORDS...: what _posta offers for word CURRENT
  local cur=$1; shift
  zsh -f -c '
    _describe() { local a=${@[-1]}; print -rl -- ${(P)a}; }
    compadd() { if [[ $1 == -a ]]; then print -rl -- ${(P)2}; else shift; print -rl -- "$@"; fi; }
    _files() { :; }
    words=("${@:2}"); CURRENT=$1; PREFIX=${words[CURRENT]}
    source "$POSTA_SRCDIR/completions/zsh/_posta"' zcomplete "$cur" "$@" 2>&1
}
if command -v zsh >/dev/null 2>&1; then
  export POSTA_SRCDIR
  check "the zsh completion parses" zsh -n "$POSTA_SRCDIR/completions/zsh/_posta"
  has "zsh: posta sy offers sync" "$(zcomplete 2 posta sy)" '^sync:'
  same "zsh: folder names come from posta folders" "INBOX
Posta inviata" "$(zcomplete 7 posta -c "$W/conf" move -a work 1 '' | sort)"
  has "zsh: in Italian too, posta sy offers sync" \
    "$(env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LOCPATH="$W/loc" LANG=it_IT.UTF-8 \
      POSTA_LOCALEDIR="$W/locale" bash -c "$(declare -f zcomplete); zcomplete 2 posta sy")" '^sync:'
else
  for t in "the zsh completion parses" "zsh: posta sy offers sync" \
      "zsh: folder names come from posta folders" "zsh: in Italian too, posta sy offers sync"; do
    echo "ok $((n += 1)) - $t # SKIP zsh is not installed"
  done
fi

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
