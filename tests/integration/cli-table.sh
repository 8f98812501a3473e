#!/bin/bash
# cli-table.sh - the command table (TAP): every command an entry in ui/cli
# defines is listed by posta --help and dispatched: "posta CMD --help"
# prints its usage line and summary and exits 0, an unknown option is one
# sentence naming the command and the option (exit 2, then the usage
# line). A command that talks to the servers refuses --offline. No
# configuration and no server are needed.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-cli-table.XXXXXX) || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf -- "$W"' EXIT
export XDG_CONFIG_HOME=$W/xdg POSTA_CONFIG=$W/none

# The names the sources give their entries, and those posta lists.
defined=$(sed -n '/^\(static \)\{0,1\}const struct cmd_entry cmd_[a-z0-9_]*_entry = {/,/^}/s/^[[:space:]]*\.name = "\([^"]*\)",.*/\1/p' \
  "$POSTA_SRCDIR"/ui/cli/*.c | sort)
listed=$("$POSTA" --help | sed -n '/^Commands:/,$p' | awk 'NR > 1 { print $1 }' | sort)
ncmd=$(grep -c . <<<"$defined")

echo "1..$((2 + 3 * ncmd + 2))"
[[ $ncmd -gt 20 ]] && ok "the sources define $ncmd commands" ||
  not_ok "the sources define commands" "found: $defined"
same "posta --help lists every command defined, and no other" "$defined" "$listed"

for cmd in $defined; do
  out=$("$POSTA" "$cmd" --help 2>&1); rc=$?
  same "posta $cmd --help exits 0" 0 "$rc"
  has "... prints its usage line and a summary" "$(head -n 2 <<<"$out" | tr '\n' '|')" \
    "^usage: posta $cmd .*|  [a-z]"
  out=$("$POSTA" "$cmd" --no-such-option 2>&1); rc=$?
  same "posta $cmd --no-such-option: one sentence, the usage line, exit 2" \
    "2|posta: $cmd: unknown option '--no-such-option'|usage: posta $cmd" \
    "$rc|$(sed -n 1p <<<"$out")|$(sed -n 2p <<<"$out" | cut -d ' ' -f 1-3)"
done

out=$("$POSTA" --offline sync 2>&1); rc=$?
same "posta --offline sync refuses, exit 1" 1 "$rc"
same "... saying why in one sentence" \
  "posta: sync: this command connects to the servers; it cannot run with --offline" "$out"
exit $((failed > 0))
