#!/bin/bash
# oauth2.sh - XOAUTH2 and OAUTHBEARER (auth = ..., oauth2_token_command)
# against the lab's Dovecot and SMTP sink started with --oauth2: tokens are
# checked by fake_oauth2.py, an introspection endpoint this test controls
# (valid, expired, revoked). An expired token makes posta run the command
# exactly once more and retry once; a revoked one fails with a clear
# message after that one retry; no token is ever in an output, a trace, a
# log or the store.
#
# TAP output.
set -u

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

WORK=$(mktemp -d /tmp/posta-oauth2.XXXXXX) || {
	echo "Bail out! mktemp failed"; exit 1; }
INTRO_PID=""
cleanup() {
	if [[ -n $INTRO_PID ]]; then kill "$INTRO_PID" 2>/dev/null; fi
	rm -rf -- "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"; shift
	local why
	for why in "$@"; do echo "#   $why"; done
	sed 's/^/#   stdout: /' "$WORK/out"
	sed 's/^/#   stderr: /' "$WORK/err"
}

# Tokens, long enough to be unmistakable in a grep.
VALID=tokVALIDa1b2c3d4e5f6g7h8i9j0VALIDtok
FRESH=tokFRESHz9y8x7w6v5u4t3s2r1q0FRESHtok
EXPIRED=tokEXPIREDq1w2e3r4t5y6u7i8o9EXPIREDtok
REVOKED=tokREVOKEDm1n2b3v4c5x6z7l8k9REVOKEDtok
TOKENS=("$VALID" "$FRESH" "$EXPIRED" "$REVOKED")
printf '%s\n' "$VALID valid alice" "$FRESH valid alice" \
    "$EXPIRED expired alice" "$REVOKED revoked alice" >"$WORK/tokens"

# The introspection endpoint, then the lab pointing at it.
/usr/bin/python3 "$POSTA_SRCDIR/tests/lab/fake_oauth2.py" \
    --tokens "$WORK/tokens" --port-file "$WORK/intro.port" \
    --log "$WORK/intro.log" </dev/null >/dev/null 2>&1 &
INTRO_PID=$!
for ((i = 0; i < 200; i++)); do
	[[ -s $WORK/intro.port ]] && break
	sleep 0.05
done
[[ -s $WORK/intro.port ]] || { echo "Bail out! fake_oauth2.py did not start"; exit 1; }
URL=http://127.0.0.1:$(cat "$WORK/intro.port")/introspect
lab_up --oauth2 "$URL" >/dev/null 2>&1 || { echo "Bail out! lab start --oauth2 failed"; exit 1; }

# The token command prints the next of the tokens given (the last one
# again once they run out) and counts its runs in $WORK/runs.
cat >"$WORK/tokcmd" <<'CMD'
#!/bin/sh
# tokcmd DIR TOKEN...
d=$1; shift
n=$(cat "$d/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$d/runs"
i=1
for t in "$@"; do
	last=$t
	[ "$i" -eq "$n" ] && { echo "$t"; exit 0; }
	i=$((i + 1))
done
echo "$last"
CMD
chmod 755 "$WORK/tokcmd"

# conf NAME LINES...: an account "lab" of those lines; prints the path.
conf() {
	local f=$WORK/$1.conf
	shift
	{
		printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$WORK"
		printf '%s\n' "ca_file = $LAB_CA" "user = $LAB_USER" "$@"
	} >"$f"
	chmod 600 "$f"
	printf '%s\n' "$f"
}
tokens() { echo "oauth2_token_command = $WORK/tokcmd $WORK $*"; }

# run CONF ARGS...: sets RC; resets the run and introspection counters.
run() {
	local c=$1
	shift
	rm -f "$WORK/runs"
	: >"$WORK/intro.log"
	"$POSTA" -c "$c" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	RC=$?
}
runs() { cat "$WORK/runs" 2>/dev/null || echo 0; }
intros() { wc -l <"$WORK/intro.log"; }

# check DESC WANT_RC WANT_RUNS WORD...: WORDs in stdout (rc 0) or stderr.
check() {
	local desc=$1 rc=$2 want_runs=$3 w f=$WORK/out t
	local -a why=()
	shift 3
	(( rc == 0 )) || f=$WORK/err
	(( RC == rc )) || why+=("exit status $RC, expected $rc")
	[[ $(runs) == "$want_runs" ]] || why+=("the token command ran $(runs) times, expected $want_runs")
	for w in "$@"; do
		grep -qF -- "$w" "$f" || why+=("$(basename "$f") lacks '$w'")
	done
	for t in "${TOKENS[@]}"; do
		if grep -qF -- "$t" "$WORK/out" "$WORK/err"; then why+=("a token was printed"); fi
	done
	if grep -qE 'Sanitizer|runtime error:' "$WORK/err"; then why+=("sanitizer report"); fi
	if (( ${#why[@]} == 0 )); then pass "$desc"; else fail "$desc" "${why[@]}"; fi
}

imap_s=(protocol=imap "host = $LAB_HOST" "port = $IMAPS_PORT" "tls = implicit")
imap_st=(protocol=imap "host = $LAB_HOST" "port = $IMAP_PORT" "tls = starttls")
pop3_s=(protocol=pop3 "host = $LAB_HOST" "port = $POP3S_PORT" "tls = implicit")
pop3_st=(protocol=pop3 "host = $LAB_HOST" "port = $POP3_PORT" "tls = starttls")
imap_s[0]="protocol = imap"; imap_st[0]="protocol = imap"
pop3_s[0]="protocol = pop3"; pop3_st[0]="protocol = pop3"

# ---- each protocol with each mechanism ----
for mech in xoauth2 oauthbearer; do
	MECH=${mech^^}
	run "$(conf a "${imap_s[@]}" "auth = $mech" "$(tokens "$VALID")")" check-account
	check "IMAPS logs in with $MECH" 0 1 "login:" "ok as alice ($MECH)"
	run "$(conf a "${imap_st[@]}" "auth = $mech" "$(tokens "$VALID")")" check-account
	check "IMAP STARTTLS logs in with $MECH" 0 1 "ok as alice ($MECH)"
	run "$(conf a "${pop3_s[@]}" "auth = $mech" "$(tokens "$VALID")")" check-account
	check "POP3S logs in with $MECH" 0 1 "ok as alice ($MECH)"
	run "$(conf a "${pop3_st[@]}" "auth = $mech" "$(tokens "$VALID")")" check-account
	check "POP3 STLS logs in with $MECH" 0 1 "ok as alice ($MECH)"
done

# ---- expiry: exactly one rerun of the command, one retry ----
for mech in xoauth2 oauthbearer; do
	MECH=${mech^^}
	for ep in imap_s pop3_s; do
		declare -n e=$ep
		run "$(conf a "${e[@]}" "auth = $mech" "$(tokens "$EXPIRED" "$FRESH" "$VALID")")" check-account
		check "$ep $MECH: an expired token makes one rerun and one retry" 0 2 "ok as alice ($MECH)"
		[[ $(intros) == 2 ]] && pass "$ep $MECH: two introspections for the two tries" || \
		    fail "$ep $MECH: two introspections for the two tries" "got $(intros)"
		run "$(conf a "${e[@]}" "auth = $mech" "$(tokens "$REVOKED")")" check-account
		check "$ep $MECH: a revoked token fails clearly after one retry" 1 2 \
		    "$MECH login refused for user alice, also with a fresh token from oauth2_token_command"
		[[ $(intros) == 2 ]] && pass "$ep $MECH: no loop on a revoked token" || \
		    fail "$ep $MECH: no loop on a revoked token" "got $(intros) introspections"
		unset -n e
	done
done

# ---- SMTP against the sink ----
smtp=("smtp_host = $LAB_HOST" "smtp_port = $SMTPS_PORT" "smtp_tls = implicit")
run "$(conf a "${imap_s[@]}" "${smtp[@]}" "auth = xoauth2" "$(tokens "$VALID")")" check-account
check "SMTP logs in with XOAUTH2 (and IMAP too)" 0 2 "SMTP $LAB_HOST:$SMTPS_PORT" "ok as alice (XOAUTH2)"
grep -qF "AUTH XOAUTH2 user='alice' ok" "$LAB_DIR/log/smtp.log" && pass "the sink checked the token" || \
    fail "the sink checked the token" "no AUTH XOAUTH2 ok line in the sink's log"
run "$(conf a "${imap_s[@]}" "${smtp[@]}" "smtp_auth = oauthbearer" "password = $LAB_PASS")" check-account
check "smtp_auth needs oauth2_token_command" 3 0 "smtp_auth" "OAUTHBEARER needs oauth2_token_command"
run "$(conf a "${imap_s[@]}" "smtp_host = $LAB_HOST" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" \
    "password = $LAB_PASS" "smtp_auth = oauthbearer" "$(tokens "$EXPIRED" "$FRESH")")" check-account
check "SMTP STARTTLS OAUTHBEARER: an expired token makes one retry" 0 2 "ok as alice (LOGIN)" "ok as alice (OAUTHBEARER)"
run "$(conf a "${imap_s[@]}" "${smtp[@]}" "password = $LAB_PASS" "smtp_auth = xoauth2" "$(tokens "$REVOKED")")" check-account
check "SMTP XOAUTH2: a revoked token fails after one retry" 1 2 "XOAUTH2 login refused for user alice"

# ---- never in clear ----
run "$(conf a "protocol = imap" "host = $LAB_HOST" "port = $IMAP_PORT" "tls = none" \
    "allow_plaintext = yes" "auth = xoauth2" "$(tokens "$VALID")")" check-account
check "auth = xoauth2 with tls = none is refused" 3 0 "key 'auth'" "needs tls = implicit or starttls"

# ---- no token in a trace, a log or the store ----
lab_deliver alice INBOX "$POSTA_SRCDIR/tests/fuzz/regress/render/multipart-bare.eml" >/dev/null 2>&1
c=$(conf a "${imap_s[@]}" "auth = oauthbearer" "$(tokens "$EXPIRED" "$VALID")")
rm -f "$WORK/runs"
POSTA_TRACE=$WORK/trace "$POSTA" -c "$c" sync >"$WORK/out" 2>"$WORK/err" </dev/null
RC=$?
check "a sync logs in after an expired token" 0 2
grep -q "SELECT\|FETCH" "$WORK/trace" && pass "the trace was written" || fail "the trace was written" "no trace"
leak=()
for t in "${TOKENS[@]}"; do
	for f in "$WORK"/posta.db* "$WORK/trace" "$LAB_DIR/log/smtp.log" "$WORK/intro.log"; do
		[[ -e $f ]] || continue
		if grep -aqF -- "$t" "$f"; then leak+=("$t in $f"); fi
		b64=$(printf '%s' "$t" | base64 -w0 | cut -c1-20)
		if grep -aqF -- "$b64" "$f"; then leak+=("base64 of a token in $f"); fi
	done
done
(( ${#leak[@]} == 0 )) && pass "no token in the store, the trace or the logs" || \
    fail "no token in the store, the trace or the logs" "${leak[@]}"

echo "1..$n"
exit $(( failed > 0 ))
