#!/bin/bash
# layers.sh - the floors hold (TAP): the faces reach the core through
# src/app, and the files of each directory call each other without a
# circle.
#
# The faces (ui/) include app/app.h and the headers of the types they show
# (util, mail, store, search, setup), never src/net, src/sync or
# src/backup. The files of a directory share one private header, so their
# #include lines cannot show who calls whom; the symbols of their objects
# can: an object that uses a function another defines depends on it, and
# tsort(1) finds any loop in those edges (each directory's top file or
# private header says its floors). The same symbols show that the TUI has
# no send path of its own.
set -uo pipefail

: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"

echo "1..7"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

cd "$POSTA_SRCDIR" || bail "no source tree"
out=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"(net|sync|backup)/' \
    ui --include='*.c' --include='*.h')
same "no file under ui/ includes src/net, src/sync or src/backup" "" "$out"

# The objects of directory $1 of the build tree, each with its source:
# "OBJECT DIR/NAME.c". An object whose source is gone (a file renamed or
# removed since that build) is skipped, and so are the copies built for a
# unit test (tests_unit_*-NAME.o): no source has their name. The posta
# program's own objects are posta-NAME.o.
dir_objects() {
  local o name
  for o in "$POSTA_BUILDDIR/$1"/*.o; do
    [[ -e $o ]] || continue
    name=${o##*/}
    name=${name#posta-}
    [[ -f $POSTA_SRCDIR/$1/${name%.o}.c ]] && echo "$o $1/${name%.o}.c"
  done
  return 0
}

# "SYMBOL FILE" for each global symbol the objects of directory $2 define
# ($1 = defined) or use without defining (undefined).
dir_symbols() {
  local o c
  dir_objects "$2" | while read -r o c; do
    if [[ $1 == defined ]]; then
      nm -g --defined-only "$o" | awk -v f="$c" 'NF == 3 { print $3, f }'
    else
      nm -u "$o" | awk -v f="$c" '{ print $2, f }'
    fi
  done | LC_ALL=C sort
}

# "USER DEFINER SYMBOL" for each symbol a file of directory $1 uses and
# another file of it defines: the edges of its call graph.
dir_edges() {
  LC_ALL=C join <(dir_symbols undefined "$1") <(dir_symbols defined "$1") |
    awk '$2 != $3 { print $2, $3, $1 }' | LC_ALL=C sort -u
}

# Nothing when the files of directory $1 call each other without a
# circle; else the files tsort(1) found in one, then the edges between
# those files with the symbol behind each (what to move or turn into a
# function pointer).
dir_circle() {
  local edges loop
  edges=$(dir_edges "$1")
  loop=$(awk '{ print $1, $2 }' <<<"$edges" | tsort 2>&1 >/dev/null |
    sed -n 's/^tsort: //p' | grep -v 'input contains a loop')
  [[ -z $loop ]] && return 0
  echo "$1: a circle through $(sort -u <<<"$loop" | tr '\n' ' ')"
  awk 'NR == FNR { in_loop[$1] = 1; next }
    ($1 in in_loop) && ($2 in in_loop) { print "  " $1 " -> " $2 ": " $3 }' \
    <(sort -u <<<"$loop") - <<<"$edges"
}

objs=("$POSTA_BUILDDIR"/ui/tui/posta-*.o)
if [[ ! -e ${objs[0]} ]]; then
  bail "no objects in $POSTA_BUILDDIR/ui/tui (build first)"
fi
edges=$(dir_edges ui/tui)
has "the files of ui/tui use each other's functions (the check sees edges)" \
  "$edges" "^ui/tui/tui.c ui/tui/view.c "
same "no circle among the files of ui/tui" "" "$(dir_circle ui/tui)"

# Every directory whose files are in floors. The ones still holding a
# circle (src/sync, src/store, src/app, ui/cli) join the list as their
# circles are broken (issue 14).
floored=(src/net src/util src/search src/oauth src/setup src/mail src/backup
  ui/tui)
circles=""
for d in "${floored[@]}"; do
  if [[ -z $(dir_objects "$d") ]]; then
    circles+="$d: no objects in $POSTA_BUILDDIR/$d (build first)"$'\n'
  else
    loop=$(dir_circle "$d")
    [[ -z $loop ]] || circles+=$loop$'\n'
  fi
done
if [[ -z $circles ]]; then
  ok "no circle among the files of any directory of src/ and ui/"
else
  not_ok "no circle among the files of any directory of src/ and ui/" \
    "${circles%$'\n'}"
fi

uses=$(dir_symbols undefined ui/tui)

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

# One name, one file: a name says where to look (issue 14).
dups=$(find src ui -name '*.[ch]' -printf '%f\n' | sort | uniq -d)
same "every source file name is unique in src/ and ui/" "" "$dups"
exit $((failed > 0))
