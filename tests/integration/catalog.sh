#!/bin/bash
# catalog.sh - every marked string is translated in every catalog (TAP).
#
# Extracts the strings of po/POTFILES.in afresh with po/Makevars' xgettext
# options, merges each po/LL.po of po/LINGUAS with them, and asks
# msgfmt -c --statistics: a string marked with _() and not translated (or
# left fuzzy) fails here, and so does a translation whose printf
# directives differ from the English. A source file that marks strings
# but is missing from po/POTFILES.in (so xgettext never sees them) fails
# too.
set -uo pipefail

: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
po=$POSTA_SRCDIR/po
langs=$(sed 's/#.*//' "$po/LINGUAS" | tr -s ' \n' ' ')
PLAN=$((3 + 2 * $(wc -w <<<"$langs")))

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"
command -v xgettext >/dev/null 2>&1 || bail "xgettext not found (install gettext)"

W=$(mktemp -d /tmp/posta-catalog-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT

# XGETTEXT_OPTIONS, continuation lines and all.
opts=$(sed -n '/^XGETTEXT_OPTIONS/,/[^\\]$/p' "$po/Makevars" |
  sed 's/^XGETTEXT_OPTIONS *= *//; s/\\$//' | tr '\n\t' '  ')
files=$(sed 's/#.*//' "$po/POTFILES.in" | grep -v '^[[:space:]]*$')
# shellcheck disable=SC2086
if out=$(cd "$POSTA_SRCDIR" && xgettext $opts -o "$W/posta.pot" $files 2>&1); then
  ok "xgettext extracts the strings of po/POTFILES.in"
else
  not_ok "xgettext extracts the strings of po/POTFILES.in" "$out"
fi

# Every .c file with _(, N_(, NN_(, ngettext( or pgettext( is listed.
marked=$(cd "$POSTA_SRCDIR" && grep -rlE '(^|[^A-Za-z0-9_])(N?N?_|ngettext|pgettext)\(' \
  --include='*.c' src ui | sort)
# shellcheck disable=SC2086
missing=$(comm -23 <(printf '%s\n' "$marked") <(printf '%s\n' $files | sort))
same "every file that marks strings is in po/POTFILES.in" "" "$missing"

# An error's words are marked: perr_set(), tls_fail() and perr_prefix()
# with a format of words not in _() would reach the user in English only.
# (A header field's name, "Resent-To", is a name, not words.)
unmarked=$(cd "$POSTA_SRCDIR" && python3 - src ui <<'PY'
import os, re, sys
pat = re.compile(r'\b((?:perr_set|tls_fail)\s*\([^,;]*,\s*[A-Z_]+\s*,'
                 r'|perr_prefix\s*\([^,;]*,)\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', re.S)
for root in sys.argv[1:]:
    for d, _, fs in sorted(os.walk(root)):
        for f in sorted(fs):
            if not f.endswith('.c'):
                continue
            p = os.path.join(d, f)
            s = open(p, encoding='utf-8', errors='replace').read()
            for m in pat.finditer(s):
                lit = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
                words = re.sub(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[a-zA-Z]', ' ', lit)
                if re.search(r'[A-Za-z]{3,}', words) and \
                        not re.fullmatch(r'[A-Z][A-Za-z-]*', lit):
                    print('%s:%d: "%s"' % (p, s.count('\n', 0, m.start()) + 1, lit))
PY
)
same "every error message is marked for translation" "" "$unmarked"

for ll in $langs; do
  check "$ll.po passes msgfmt -c" msgfmt -c -o /dev/null "$po/$ll.po"
  msgmerge -q --no-location -o "$W/$ll.po" "$po/$ll.po" "$W/posta.pot" 2>"$W/merge.log"
  stats=$(LC_ALL=C msgfmt -c --statistics -o /dev/null "$W/$ll.po" 2>&1)
  has "$ll.po translates every marked string (0 untranslated, 0 fuzzy)" "$stats" \
    '^[0-9]* translated messages\.$'
done

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
