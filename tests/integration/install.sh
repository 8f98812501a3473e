#!/bin/bash
# install.sh - make install DESTDIR=... lays out posta's files (TAP).
#
# Runs make install and make uninstall from the build directory into a
# temporary DESTDIR, then checks the layout configure's --prefix chose and
# that the installed binary runs. No server.
set -uo pipefail

: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
: "${POSTA_BUILDDIR:?POSTA_BUILDDIR must name the build tree}"
PLAN=15

echo "1..$PLAN"
# shellcheck source=tap.sh
source "$POSTA_SRCDIR/tests/integration/tap.sh"

W=$(mktemp -d /tmp/posta-install-test.XXXXXX) || bail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT
D=$W/dest

# A make of its own, not part of the make check that runs this test.
unset MAKEFLAGS MFLAGS MAKELEVEL
mk() { make -s -C "$POSTA_BUILDDIR" "$@" >"$W/make.log" 2>&1; }
var() { make -s -C "$POSTA_BUILDDIR" -f Makefile -f - print-var V="$1" <<<'print-var: ; @echo $($(V))'; }

prefix=$(var prefix); bindir=$(var bindir); mandir=$(var mandir)
docdir=$(var docdir); bashcompdir=$(var bashcompdir); zshcompdir=$(var zshcompdir); localedir=$(var localedir)
[[ -n $prefix && -n $bindir && -n $mandir && -n $docdir && -n $bashcompdir ]] ||
  bail "cannot read the install directories from $POSTA_BUILDDIR/Makefile"

if mk install DESTDIR="$D"; then ok "make install DESTDIR=... succeeds"
else not_ok "make install DESTDIR=... succeeds" "$(cat "$W/make.log")"; fi
check "the binary is in bindir ($bindir)" test -x "$D$bindir/posta"
check "posta(1) is in man1" test -f "$D$mandir/man1/posta.1"
check "posta.conf(5) is in man5" test -f "$D$mandir/man5/posta.conf.5"
check "the example configuration is in docdir ($docdir)" \
  test -f "$D$docdir/posta.conf.example"
check "the bash completion is in $bashcompdir" test -f "$D$bashcompdir/posta"
check "the zsh completion is in $zshcompdir" test -f "$D$zshcompdir/_posta"
check "the Italian catalog is in $localedir" test -f "$D$localedir/it/LC_MESSAGES/posta.mo"
# The binary looks for catalogs where it was configured to, which DESTDIR
# moves: point it there; the layout under it must be the one it expects.
mkdir -p "$W/loc"
localedef -i it_IT -f UTF-8 "$W/loc/it_IT.UTF-8" >/dev/null 2>&1
out=$(env -u LC_ALL -u LC_MESSAGES LOCPATH="$W/loc" LANG=it_IT.UTF-8 \
  POSTA_LOCALEDIR="$D$localedir" "$D$bindir/posta" --help 2>&1)
has "the installed binary finds its catalog (in Italian)" "$out" "^Comandi:"

out=$("$D$bindir/posta" --version 2>&1)
has "the installed binary runs --version" "$out" "^posta [0-9][0-9.]*"

# Built from a checkout of posta, --version names the commit too.
top=$(cd "$POSTA_SRCDIR" && pwd -P)
g=$(cd "$POSTA_SRCDIR" && git rev-parse --show-toplevel 2>/dev/null) || g=
if [[ -n $g && $(cd "$g" && pwd -P) == "$top" ]]; then
  has "built from a checkout, --version names the commit" "$out" "^posta [0-9.]* (git [0-9a-z.-]*)$"
else
  has "built from a tarball, --version is the release's" "$out" "^posta [0-9.]*$"
fi

# The example must be a configuration posta accepts: it gets as far as the
# store, which does not exist here.
sed "s|^#store = .*|store = $W/none.db|" "$D$docdir/posta.conf.example" >"$W/conf"
chmod 600 "$W/conf"
out=$("$D$bindir/posta" -c "$W/conf" --offline list 2>&1)
has "the example configuration is accepted" "$out" "no mail stored yet"

# make installcheck (make distcheck runs it with a real prefix): here
# through DESTDIR, which it passes on as the catalog directory.
if mk installcheck DESTDIR="$D"; then ok "make installcheck passes"
else not_ok "make installcheck passes" "$(cat "$W/make.log")"; fi

if mk uninstall DESTDIR="$D"; then ok "make uninstall succeeds"
else not_ok "make uninstall succeeds" "$(cat "$W/make.log")"; fi
left=$(find "$D" -type f)
same "make uninstall leaves no file behind" "" "$left"

[[ $n -eq $PLAN ]] || echo "# ran $n checks, planned $PLAN"
