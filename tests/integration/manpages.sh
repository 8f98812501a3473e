#!/bin/bash
# manpages.sh - posta(1) and posta.conf(5) render without a warning (TAP).
#
# groff -ww turns on every warning; mandoc -T lint is stricter about the
# man macros (skipped, as passed, where mandoc is not installed). The pages
# also name every command posta --help lists, and posta(1) every default
# key of the terminal interface (ui/tui/keys.c's map) in its view's table.
set -uo pipefail

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PLAN=6

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

# Each default binding { CTX, "KEY", "action" } must be in the table of its
# view (.SS Everywhere, Index and pager, Index, Pager, Attachments,
# Compose); a key of the index or pager may be in "Index and pager".
out=$("${PYTHON3:-python3}" - "$POSTA_SRCDIR/ui/tui/keys.c" "$POSTA_SRCDIR/doc/posta.1" <<'PY'
import re, sys
k = open(sys.argv[1]).read()
a = k.index('} defaults[] = {'); b = k.index('};', a)
binds = re.findall(r'\{\s*([IPAXCH]),\s*"((?:[^"\\]|\\.)*)",\s*"([^"]+)"\s*\}', k[a:b])
man = open(sys.argv[2]).read()
def keys(name):
    i = man.index('.SS ' + name + '\n'); j = man.index('.TE', i)
    body = man[i:j].replace('\\(ha', '^').replace('\\e', '\\').replace('\\-', '-')
    return {w.strip() for line in body.split('\n') if '\t' in line
            for w in line.split('\t')[0].split(', ')}
view = {'H': keys('Everywhere'), 'A': keys('Index and pager'),
        'I': keys('Index'), 'P': keys('Pager'), 'X': keys('Attachments'),
        'C': keys('Compose')}
if not binds:
    print('no bindings found in keys.c')
for ctx, key, action in binds:
    key = key.replace('\\\\', '\\')
    if not (key in view[ctx] or key in view['H'] or
            (ctx in 'IP' and key in view['A'])):
        print(ctx, key, action)
PY
)
same "posta(1) lists every default key of ui/tui/keys.c" "" "$out"

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
