#!/bin/bash
# oauth2-login.sh - posta oauth2 login (RFC 8628 device grant, RFC 8252
# browser with PKCE) against tests/lab/fake_oauth2.py as a fake
# authorization server over HTTPS (the lab's CA), then logins whose access
# tokens come from the kept refresh token: the lab's Dovecot (oauth2
# passdb) and SMTP sink check them at the same fake's introspection.
# Polling honours interval and slow_down (requests counted and timed by
# the server); an expired access token is refreshed, a refused one
# refreshed once; the token file is mode 0600; bad JSON, a huge reply, an
# http:// endpoint are clear errors; no token in any output, log or store.
#
# TAP output.
set -u

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

WORK=$(mktemp -d /tmp/posta-oauth2-login.XXXXXX) || {
	echo "Bail out! mktemp failed"; exit 1; }
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
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

# wait_file FILE: until it is non-empty, 30 s at most (a loaded machine).
wait_file() {
	local i
	for ((i = 0; i < 600; i++)); do
		[[ -s $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# fake ARGS...: start fake_oauth2.py; its port file is $WORK/$1.port.
fake() {
	local name=$1
	shift
	/usr/bin/python3 "$POSTA_SRCDIR/tests/lab/fake_oauth2.py" \
	    --tokens "$WORK/tokens" --port-file "$WORK/$name.port" "$@" \
	    </dev/null >"$WORK/$name.stderr" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/$name.port" || { echo "Bail out! fake_oauth2.py did not start"; cat "$WORK/$name.stderr"; exit 1; }
}

: >"$WORK/tokens"
fake intro --log "$WORK/intro.log"
URL=http://127.0.0.1:$(cat "$WORK/intro.port")/introspect
lab_up --oauth2 "$URL" >/dev/null 2>&1 || { echo "Bail out! lab start --oauth2 failed"; exit 1; }
mkdir "$WORK/as"
fake as --as-dir "$WORK/as" --cert "$LAB_CERT" --key "$LAB_KEY"
read -r _ AS_PORT <"$WORK/as.port"
AS=https://localhost:$AS_PORT

export XDG_DATA_HOME=$WORK/data
TOKFILE=$WORK/data/posta/oauth2/lab.json

# conf NAME LINES...: an account "lab" logging in by OAuth2; prints the path.
conf() {
	local f=$WORK/$1.conf
	shift
	{
		printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$WORK"
		printf '%s\n' "ca_file = $LAB_CA" "user = $LAB_USER" \
		    "protocol = imap" "host = $LAB_HOST" "port = $IMAPS_PORT" \
		    "tls = implicit" "smtp_host = $LAB_HOST" \
		    "smtp_port = $SMTPS_PORT" "smtp_tls = implicit" \
		    "auth = xoauth2" "oauth2_client_id = posta-test" \
		    "oauth2_scope = mail offline_access" "$@"
	} >"$f"
	chmod 600 "$f"
	printf '%s\n' "$f"
}
CONF_FILE=$(conf good "oauth2_token_url = $AS/token" "oauth2_device_url = $AS/device" \
    "oauth2_auth_url = $AS/authorize")
CONF=$CONF_FILE

# run ARGS...: posta -c CONF ARGS; sets RC; empties the server's log first.
run() {
	: >"$WORK/as/log"
	"$POSTA" -c "$CONF" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	RC=$?
}
count() { grep -c "^$1" "$WORK/as/log"; }
set_as() { printf '%s\n' "$2" >"$WORK/as/$1"; }
# The refresh token kept now, remembered for the leak check at the end.
seen_rt() {
	grep -o '"refresh_token": *"[^"]*"' "$TOKFILE" | sed 's/.*"\([^"]*\)"$/\1/' >>"$WORK/rts"
}

# check DESC WANT_RC WORD...: WORDs in stdout (rc 0) or stderr; no sanitizer.
check() {
	local desc=$1 rc=$2 w f=$WORK/out
	local -a why=()
	shift 2
	(( rc == 0 )) || f=$WORK/err
	(( RC == rc )) || why+=("exit status $RC, expected $rc")
	for w in "$@"; do
		grep -qF -- "$w" "$f" || why+=("$(basename "$f") lacks '$w'")
	done
	if grep -qE 'Sanitizer|runtime error:' "$WORK/err"; then why+=("sanitizer report"); fi
	cat "$WORK/out" "$WORK/err" >>"$WORK/all-output"
	if (( ${#why[@]} == 0 )); then pass "$desc"; else fail "$desc" "${why[@]}"; fi
}
# ok_if DESC COND...: pass when the command succeeds.
ok_if() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc" "failed: $*"; fi
}

# ---- the device grant: code shown, interval and slow_down honoured ----
set_as polls "pending slow_down ok"
set_as interval 1
run oauth2 login lab
check "device login: exit 0, the code and the address shown" 0 \
    "enter the code WDJB-MJHT" "https://localhost/device" "Logged in"
ok_if "device login: three polls (pending, slow_down, ok)" test "$(count poll)" = 3
# Gaps between the device request and each poll: >= 1 s, >= 1 s, >= 6 s.
gaps=$(awk '$1 == "device" { t = $2 } $1 == "poll" { printf "%.3f ", $3 - t; t = $3 }' "$WORK/as/log")
read -r g1 g2 g3 <<<"$gaps"
ok_if "device login: the first polls wait the interval (1 s): $g1 $g2" \
    awk -v a="${g1:-0}" -v b="${g2:-0}" 'BEGIN { exit !(a >= 1 && b >= 1) }'
ok_if "device login: after slow_down the interval is 5 s longer: $g3" \
    awk -v c="${g3:-0}" 'BEGIN { exit !(c >= 6) }'
ok_if "the token file is mode 0600" test "$(stat -c %a "$TOKFILE")" = 600
ok_if "its directory is mode 0700" test "$(stat -c %a "$(dirname "$TOKFILE")")" = 700
seen_rt
set_as polls ok

# ---- logins with the kept tokens ----
run check-account
check "IMAP and SMTP log in with the access token from the login" 0 \
    "ok as alice (XOAUTH2)" "SMTP $LAB_HOST:$SMTPS_PORT"
ok_if "a valid kept access token is not refreshed" test "$(count refresh)" = 0

# An access token about to expire (5 s < the 30 s margin) is refreshed.
set_as expires_in 5
run oauth2 login lab
check "device login again, short-lived token" 0 "Logged in"
seen_rt
set_as expires_in 3600
run check-account
check "an expired access token is refreshed, then IMAP logs in" 0 "ok as alice (XOAUTH2)"
ok_if "one refresh for IMAP and SMTP together" test "$(count 'refresh ok')" = 1
run check-account
check "the refreshed token is kept" 0 "ok as alice (XOAUTH2)"
ok_if "and used without another refresh" test "$(count refresh)" = 0

# The server refuses the kept token (expired there): one forced refresh.
sed -i 's/ valid / expired /' "$WORK/tokens"
run check-account
check "a refused access token: one refresh, one retry, logged in" 0 "ok as alice (XOAUTH2)"
ok_if "exactly one refresh after the refusal" test "$(count 'refresh ok')" = 1

# The refresh token revoked: a clear error, no loop. (The kept access
# token expires here, not at the server: Dovecot delays logins from an
# address that keeps failing, and the test would crawl.)
set_as expires_in 5
run oauth2 login lab
seen_rt
set_as expires_in 3600
set_as revoked all
run check-account
check "a revoked refresh token: clear error, exit 1" 1 \
    "refused the refresh token" "run 'posta oauth2 login lab' again"
ok_if "a revoked refresh token is tried once per server" test "$(count refresh)" = 2
rm -f "$WORK/as/revoked"

# ---- the browser: authorization code with PKCE on a loopback redirect ----
: >"$WORK/as/log"
"$POSTA" -c "$CONF" oauth2 login --browser lab >"$WORK/out" 2>"$WORK/err" </dev/null &
BPID=$!
PIDS+=($BPID)
for ((i = 0; i < 600; i++)); do
	grep -q "$AS/authorize?" "$WORK/out" && break
	sleep 0.05
done
auth=$(grep -o "$AS/authorize?[^ ]*" "$WORK/out")
# The "browser": the provider's redirect, then the loopback address.
loc=$(curl -s --cacert "$LAB_CA" -o /dev/null -w '%{redirect_url}' "$auth")
curl -s -o "$WORK/page" "$loc"
wait "$BPID"
RC=$?
check "browser login: exit 0" 0 "code_challenge_method=S256" "Logged in"
ok_if "browser login: the code was traded with its PKCE verifier" test "$(count 'code ok')" = 1
ok_if "browser login: the page says so" grep -q "posta is logged in" "$WORK/page"
seen_rt
run check-account
check "IMAP logs in after the browser login" 0 "ok as alice (XOAUTH2)"
CONF=$(conf pop "oauth2_token_url = $AS/token" "protocol = pop3" \
    "port = $POP3S_PORT" "auth = oauthbearer")
run check-account
check "POP3 and SMTP log in with OAUTHBEARER and the kept token" 0 \
    "ok as alice (OAUTHBEARER)" "POP3 $LAB_HOST:$POP3S_PORT"
CONF=$CONF_FILE

# ---- hostile or broken providers ----
for mode in badjson huge http500; do
	set_as mode "$mode"
	run oauth2 login lab
	case $mode in
	badjson) want="is not a JSON object" ;;
	huge) want="larger than 65536 bytes" ;;
	http500) want="answered HTTP status 500" ;;
	esac
	check "device endpoint $mode: a clear error" 1 "$want"
done
rm -f "$WORK/as/mode"
set_as polls "pending denied"
run oauth2 login lab
check "device login refused by the user: a clear error" 1 "was refused at the provider (access_denied)"
set_as polls "expired"
run oauth2 login lab
check "device code expired: a clear error" 1 "the code WDJB-MJHT expired before the login was done"
set_as polls ok
# The token endpoint too: a refresh reading bad JSON.
rm -f "$WORK/as/mode"
set_as expires_in 5
run oauth2 login lab
seen_rt
set_as expires_in 3600
for mode in badjson huge; do
	set_as mode "$mode"
	run check-account
	case $mode in
	badjson) want="token endpoint's reply is not a JSON object" ;;
	huge) want="larger than 65536 bytes" ;;
	esac
	check "token endpoint $mode: a clear error" 1 "$want"
done
rm -f "$WORK/as/mode"
for key in oauth2_token_url oauth2_device_url; do
	CONF=$(conf plain "$key = http://127.0.0.1:$AS_PORT/x" \
	    "oauth2_token_url = $AS/token" "oauth2_device_url = $AS/device")
	run oauth2 login lab
	check "$key over http://: refused at load" 3 "key '$key'" "expected an https:// address"
done
CONF=$(conf plain2 "oauth2_device_url = $AS/device")
run oauth2 login lab
check "auth = xoauth2 without a token URL: a clear error" 3 "needs oauth2_token_command, or oauth2_client_id"

# ---- oauth2_refresh_token_command keeps the refresh token instead ----
cat >"$WORK/keeper" <<'KEEPER'
#!/bin/sh
# keeper FILE: keeps the refresh token in FILE; logs its actions.
echo "$POSTA_OAUTH2_ACTION $POSTA_ACCOUNT" >>"$1.log"
case $POSTA_OAUTH2_ACTION in
store) cat >"$1" ;;
load) cat "$1" ;;
*) exit 9 ;;
esac
KEEPER
chmod 755 "$WORK/keeper"
CONF=$(conf keeper "oauth2_token_url = $AS/token" "oauth2_device_url = $AS/device" \
    "oauth2_refresh_token_command = $WORK/keeper $WORK/secret")
set_as expires_in 5
run oauth2 login lab
set_as expires_in 3600
check "device login with oauth2_refresh_token_command" 0 "through oauth2_refresh_token_command"
ok_if "the command got the refresh token on its standard input" grep -q '^rt' "$WORK/secret"
cat "$WORK/secret" >>"$WORK/rts"
ok_if "the token file holds no refresh token then" sh -c "! grep -q refresh_token '$TOKFILE'"
run check-account
check "a refresh with the command's refresh token logs in" 0 "ok as alice (XOAUTH2)"
ok_if "the command was asked to load it, once" test "$(grep -c '^load lab$' "$WORK/secret.log")" = 1
ok_if "one refresh" test "$(count 'refresh ok')" = 1
CONF=$CONF_FILE

# ---- the account worker (the TUI's) refreshes on its own thread ----
set_as expires_in 5
run oauth2 login lab
seen_rt
set_as expires_in 3600
: >"$WORK/as/log"
mkfifo "$WORK/in"
"$POSTA_BUILDDIR/tests/integration/worker_probe" -c "$CONF" -a lab \
    <"$WORK/in" >"$WORK/events" 2>"$WORK/probe.err" &
PROBE_PID=$!
PIDS+=($PROBE_PID)
exec {PIN}>"$WORK/in"
for ((i = 0; i < 1200; i++)); do
	grep -qE '^[0-9]+ (sync_done|error|offline)' "$WORK/events" && break
	sleep 0.05
done
if grep -qE '^[0-9]+ sync_done' "$WORK/events" && [[ $(count 'refresh ok') == 1 ]]; then
	pass "the account worker refreshes the expired token, logs in and syncs"
else
	fail "the account worker refreshes the expired token, logs in and syncs" \
	    "$(cat "$WORK/events" "$WORK/probe.err")" "refreshes: $(count 'refresh ok')"
fi
printf 'stop\n' >&"$PIN"
exec {PIN}>&-
wait "$PROBE_PID"
cat "$WORK/events" "$WORK/probe.err" >>"$WORK/all-output"

# ---- no token anywhere ----
set_as polls ok
run oauth2 login lab
seen_rt
export POSTA_TRACE=$WORK/trace
run sync
unset POSTA_TRACE
check "a sync with the kept token" 0
ok_if "the trace was written" grep -q "^C: [0-9]* " "$WORK/trace"
mapfile -t toks < <(awk '{ print $1 }' "$WORK/tokens"; sort -u "$WORK/rts")
leak=()
(( ${#toks[@]} >= 8 )) || leak+=("only ${#toks[@]} tokens to look for")
for t in "${toks[@]}"; do
	printf '%s\n' "$t"
	printf '%s' "$t" | base64 -w0 | cut -c1-20
done >"$WORK/patterns"
for f in "$WORK/all-output" "$WORK"/posta.db* "$WORK/as/log" "$WORK/intro.log" "$WORK/trace" "$LAB_DIR"/log/*; do
	[[ -e $f ]] || continue
	if grep -aqF -f "$WORK/patterns" "$f"; then leak+=("a token (or its base64) in $f"); fi
done
(( ${#leak[@]} == 0 )) && pass "no token in an output, a log or the store" || \
    fail "no token in an output, a log or the store" "${leak[@]}"

echo "1..$n"
exit $(( failed > 0 ))
