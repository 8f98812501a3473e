#!/bin/bash
# fuzz-targets.sh - every fuzz target is built, replayed and fuzzed (TAP).
#
# A target is a tests/fuzz/fuzz_NAME.c. Makefile.am must name it in
# fuzz_names (the libFuzzer binaries), build its regression driver
# (fuzz_regress, which make check runs over tests/fuzz/regress/NAME/), and
# scripts/check's campaign (what .ci/run runs) must fuzz it: the loop of
# run_fuzz() is read and its word list expanded as the script would. Reads
# the source tree only: runs without the lab.
set -uo pipefail

: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

echo "1..4"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

top=$POSTA_SRCDIR
mk=$top/Makefile.am
# var NAME: the words of Makefile.am's NAME = ..., continuation lines and all
var() {
  awk -v v="$1" '$0 ~ "^" v " *=" { on = 1; sub("^" v " *= *", "") }
    on { more = sub(/\\$/, ""); printf "%s ", $0; if (!more) exit }' "$mk"
}
targets=$(cd "$top/tests/fuzz" && for f in fuzz_*.c; do f=${f#fuzz_}; echo "${f%.c}"; done | sort)
names=$(var fuzz_names | tr -s ' \t' '\n' | grep . | sort)
same "fuzz_names lists every tests/fuzz/fuzz_*.c" "$targets" "$names"

missing=
for t in $targets; do
  grep -qw "tests/fuzz/regress_$t" <<<"$(var fuzz_regress)" || missing+=" regress_$t"
  [[ -d $top/tests/fuzz/regress/$t ]] || missing+=" regress/$t/"
done
same "each has a regression driver and inputs" "" "$missing"

# The campaign's word list, expanded with the script's own functions.
loop=$(sed -n '/^run_fuzz() {/,/^}/s/^[[:space:]]*for t in \(.*\); do$/\1/p' "$top/scripts/check")
same "scripts/check has one campaign loop" 1 "$(grep -c . <<<"$loop")"
# shellcheck disable=SC1090
campaign=$(source <(sed -n '/^fuzz_names() {/,/^}/p' "$top/scripts/check")
  eval "printf '%s\n' $loop" | grep . | sort)
same "scripts/check's campaign fuzzes every target" "$targets" "$campaign"

exit $((failed > 0))
