#!/bin/bash
# manpages.sh - posta(1) and posta.conf(5) render without a warning (TAP).
#
# groff -ww turns on every warning; mandoc -T lint is stricter about the
# man macros (skipped, as passed, where mandoc is not installed). The pages
# also name every command posta --help lists.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=5

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

for page in doc/posta.1 doc/posta.conf.5; do
  f=$POSTA_SRCDIR/$page
  out=$(groff -t -man -ww -z "$f" 2>&1)
  same "$page: groff -t -man -ww -z is silent" "" "$out"
  if command -v mandoc >/dev/null 2>&1; then
    out=$(mandoc -T lint -W warning "$f" 2>&1)
    same "$page: mandoc -T lint finds nothing" "" "$out"
  else
    echo "ok $((n += 1)) - $page: mandoc -T lint # SKIP mandoc is not installed"
  fi
done

missing=
text=$(sed 's/\\-/-/g' "$POSTA_SRCDIR/doc/posta.1")
for c in $("$POSTA" --help | sed -n '/^Commands:/,$p' | awk 'NR > 1 { print $1 }'); do
  grep -q "posta $c\\b" <<<"$text" || missing="$missing $c"
done
same "posta(1) names every command of posta --help" "" "$missing"

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
