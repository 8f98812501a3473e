# tap.sh - the TAP vocabulary shared by the integration tests (sourced).
# The test prints its plan ("1..N") itself; these count and report.
#   ok DESC                    a passed check
#   not_ok DESC [DETAILS]      a failed one; DETAILS' last lines as comments
#   check DESC COMMAND...      one line from a command's exit status
#   same DESC EXPECTED ACTUAL  string equality
#   has DESC TEXT PATTERN      TEXT matches the grep PATTERN
#   bail WORDS                 stop everything (the lab would not start...)
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1))
  echo "not ok $n - $1"
  [[ -z ${2:-} ]] || printf '%s\n' "$2" | tail -n 15 | sed 's/^/#   /'
}
check() {
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
same() {
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: $2
got:      $3"; fi
}
has() {
  if grep -q -- "$3" <<<"$2"; then ok "$1"; else not_ok "$1" "$2"; fi
}
bail() { echo "Bail out! $*"; exit 1; }
