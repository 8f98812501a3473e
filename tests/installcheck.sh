#!/bin/sh
# installcheck.sh BINARY [LOCALEDIR] - make installcheck: the installed
# posta runs, and in an Italian locale speaks Italian, so it found its
# catalog where configure's --prefix put it. make distcheck runs this with
# a real prefix and no DESTDIR; after make install DESTDIR=D, give
# D$(localedir) as LOCALEDIR (the binary looks under $(localedir) itself).
set -u
posta=$1
fail() { echo "installcheck: $*" >&2; exit 1; }

out=$("$posta" --version 2>&1) || fail "$posta --version failed: $out"
case $out in "posta "[0-9]*) ;; *) fail "$posta --version said: $out" ;; esac

command -v localedef >/dev/null 2>&1 || {
	echo "installcheck: no localedef; the catalog is not checked" >&2
	exit 0
}
W=$(mktemp -d "${TMPDIR:-/tmp}/posta-installcheck.XXXXXX") || fail "mktemp failed"
trap 'rm -rf -- "$W"' EXIT
localedef -i it_IT -f UTF-8 "$W/it_IT.UTF-8" >/dev/null 2>&1 ||
	[ -d "$W/it_IT.UTF-8" ] || fail "localedef could not build it_IT.UTF-8"
out=$(env -u LC_ALL -u LC_MESSAGES -u LANGUAGE -u POSTA_LOCALEDIR \
    ${2:+POSTA_LOCALEDIR="$2"} LOCPATH="$W" LANG=it_IT.UTF-8 \
    "$posta" --help 2>&1)
printf '%s\n' "$out" | grep -q '^Comandi:' ||
	fail "$posta --help in it_IT.UTF-8 is not Italian (catalog not found?): $out"
echo "installcheck: $posta runs and speaks Italian" >&2
