#!/bin/bash
# layers.sh - the floors hold (TAP): the faces reach the core through
# src/app, and the files of ui/tui call each other without a circle.
#
# The faces (ui/) include app/app.h and the headers of the types they show
# (util, mail, store, search, setup), never src/net, src/sync or
# src/backup. The files of ui/tui share one private header, so their
# #include lines cannot show who calls whom; the symbols of their objects
# can: an object that uses a function another defines depends on it, and
# tsort(1) finds any loop in those edges (view.c says the floors). The
# same symbols show that the TUI has no send path of its own.
set -uo pipefail

: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"

echo "1..5"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

cd "$POSTA_SRCDIR" || bail "no source tree"
out=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"(net|sync|backup)/' \
    ui --include='*.c' --include='*.h')
same "no file under ui/ includes src/net, src/sync or src/backup" "" "$out"

# Object -> object edges from undefined to defined global symbols.
objs=("$POSTA_BUILDDIR"/ui/tui/posta-*.o)
if [[ ! -e ${objs[0]} ]]; then
  bail "no objects in $POSTA_BUILDDIR/ui/tui (build first)"
fi
defs=$(for o in "${objs[@]}"; do
  f=${o##*/posta-}
  nm -g --defined-only "$o" | awk -v f="${f%.o}.c" '{ print $3, f }'
done | sort)
uses=$(for o in "${objs[@]}"; do
  f=${o##*/posta-}
  nm -u "$o" | awk -v f="${f%.o}.c" '{ print $2, f }'
done | sort)
edges=$(join <(echo "$uses") <(echo "$defs") | awk '$2 != $3 { print $2, $3 }' |
  sort -u)
has "the files of ui/tui use each other's functions (the check sees edges)" \
  "$edges" "^tui.c view.c$"
loop=$(echo "$edges" | tsort 2>&1 >/dev/null)
same "no circle among the files of ui/tui" "" "$loop"

# One send path: the TUI asks the account worker (app_worker_send_now),
# it runs no SMTP flush and no thread of its own.
own=$(grep -E '^(app_outbox_flush|app_outbox_submit|app_send|pthread_create) ' \
  <<<"$uses")
same "the TUI sends through the account worker only (no flush, no thread)" \
  "" "$own"

# libcurl is loaded by src/util/http.c when an HTTPS request is made, never
# linked: with what it needs it was a fifth of every command's start-up.
needed=$(objdump -p "$POSTA_BUILDDIR/posta" 2>/dev/null |
  awk '$1 == "NEEDED" && $2 ~ /curl/ { print $2 }')
same "posta does not link libcurl (http.c loads it when needed)" "" "$needed"
exit $((failed > 0))
