#!/bin/bash
# check-account.sh - posta check-account against the lab's real servers and
# against hostile fakes: TLS verification, pinning, STARTTLS downgrade and
# injection, PREAUTH, timeouts, refused connections, login failures.
#
# TAP output. Every failure case checks the exit status AND the words of
# the message, and every run checks that no password and no sanitizer
# report reached the output.
set -u

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

# The fakes that never answer must fail quickly.
export POSTA_NET_TIMEOUT=2

WORK=$(mktemp -d /tmp/posta-check-account.XXXXXX) || {
	echo "Bail out! mktemp failed"; exit 1; }
# Set before lab_up, which chains it into its own EXIT trap.
trap 'rm -rf -- "$WORK"' EXIT

# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

n=0
failed=0

# Passwords used in configs: none of them may ever be printed.
SECRETS=(alicepw not-alices-password)

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local why
	for why in "$@"; do
		echo "#   $why"
	done
	sed 's/^/#   stdout: /' "$WORK/out"
	sed 's/^/#   stderr: /' "$WORK/err"
}

# LINES | conf NAME: a config whose account "lab" has the lines read from
# stdin; prints its path. Mode 600: it holds a password.
conf() {
	local f=$WORK/$1.conf
	{
		printf '[general]\nstore = %s/posta.db\n\n[account lab]\n' "$WORK"
		cat
	} >"$f"
	chmod 600 "$f"
	printf '%s\n' "$f"
}

lines() { printf '%s\n' "$@"; }

# The common lines of an account on the lab.
lab_account() { # PROTOCOL PORT TLS [more lines...]
	local proto=$1 port=$2 tls=$3
	shift 3
	printf '%s\n' "protocol = $proto" "host = $LAB_HOST" "port = $port" \
	    "tls = $tls" "user = $LAB_USER" "password = $LAB_PASS" "$@"
}

# run CONF [ARGS...]: posta check-account; sets RC and ELAPSED (ms).
# NET_TIMEOUT=S in run's environment replaces the 2 s timeout.
run() {
	local c=$1 t0 t1
	shift
	t0=$(date +%s%N)
	POSTA_NET_TIMEOUT=${NET_TIMEOUT:-2} "$POSTA" -c "$c" "$@" check-account \
	    >"$WORK/out" 2>"$WORK/err" </dev/null
	RC=$?
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0) / 1000000))
}

# Problems every run must be free of, one per line on stdout.
common_problems() {
	local s
	for s in "${SECRETS[@]}"; do
		if grep -qF -- "$s" "$WORK/out" "$WORK/err"; then
			echo "a password was printed"
		fi
	done
	if grep -qE 'Sanitizer|runtime error:' "$WORK/err"; then
		echo "sanitizer report on stderr"
	fi
}

# expect_ok DESC CONF WORD... : exit 0, stdout has every WORD.
expect_ok() {
	local desc=$1 c=$2 w
	local -a why=()
	shift 2
	run "$c"
	(( RC == 0 )) || why+=("exit status $RC, expected 0")
	for w in "$@"; do
		grep -qF -- "$w" "$WORK/out" || why+=("stdout lacks '$w'")
	done
	while IFS= read -r w; do why+=("$w"); done < <(common_problems)
	if (( ${#why[@]} == 0 )); then pass "$desc"; else fail "$desc" "${why[@]}"; fi
}

# expect_fail DESC CONF STATUS WORD... : exit STATUS, stderr has every WORD.
expect_fail() {
	local desc=$1 c=$2 status=$3 w
	local -a why=()
	shift 3
	run "$c"
	(( RC == status )) || why+=("exit status $RC, expected $status")
	for w in "$@"; do
		grep -qF -- "$w" "$WORK/err" || why+=("stderr lacks '$w'")
	done
	while IFS= read -r w; do why+=("$w"); done < <(common_problems)
	if (( ${#why[@]} == 0 )); then pass "$desc"; else fail "$desc" "${why[@]}"; fi
}

# The fake's log must show it was reached (WORD) and saw no credentials.
fake_log_clean() { # DESC WORD
	local desc=$1 word=$2
	local -a why=()
	grep -qiF -- "$word" "$FAKE_LOG" || why+=("the fake never got '$word'")
	if grep -qiE '^([^ ]+ +(LOGIN|AUTHENTICATE)|USER|PASS|AUTH|APOP)( |$)' \
	    "$FAKE_LOG"; then
		why+=("a credentials command reached the fake")
	fi
	for w in "${SECRETS[@]}"; do
		grep -qF -- "$w" "$FAKE_LOG" && why+=("a password reached the fake")
	done
	if (( ${#why[@]} == 0 )); then
		pass "$desc"
	else
		fail "$desc" "${why[@]}"
		sed 's/^/#   fake got: /' "$FAKE_LOG"
	fi
}

if ! lab_up >"$WORK/lab.log" 2>&1; then
	echo "Bail out! the lab did not start: $(tail -n 3 "$WORK/lab.log" | tr '\n' ' ')"
	exit 1
fi
SHA_HEX=$(printf '%s' "$LAB_SHA256" | tr -d ':' | tr 'A-F' 'a-f')

# ---- real servers, verified with the lab's CA ------------------------------

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" | conf imaps)
expect_ok "IMAP over implicit TLS with ca_file logs in and lists capabilities" \
    "$c" "IMAP $LAB_HOST:$IMAPS_PORT" "TLSv1." "(implicit TLS)" "CN=localhost" \
    "$LAB_SHA256" "chain and host name verified" "ok as alice" "IDLE" \
    "QRESYNC" "SPECIAL-USE"

c=$(lab_account imap "$IMAP_PORT" starttls "ca_file = $LAB_CA" | conf imap-starttls)
expect_ok "IMAP over STARTTLS with ca_file logs in" "$c" \
    "IMAP $LAB_HOST:$IMAP_PORT" "(STARTTLS)" "$LAB_SHA256" "ok as alice" "CONDSTORE"

c=$(lab_account pop3 "$POP3S_PORT" implicit "ca_file = $LAB_CA" | conf pop3s)
expect_ok "POP3 over implicit TLS with ca_file logs in" "$c" \
    "POP3 $LAB_HOST:$POP3S_PORT" "(implicit TLS)" "$LAB_SHA256" "ok as alice" \
    "UIDL" "TOP" "SASL(PLAIN"

c=$(lab_account pop3 "$POP3_PORT" starttls "ca_file = $LAB_CA" | conf pop3-starttls)
expect_ok "POP3 over STLS with ca_file logs in" "$c" \
    "POP3 $LAB_HOST:$POP3_PORT" "(STARTTLS)" "ok as alice" "UIDL" "STLS"

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" \
    "smtp_host = $LAB_HOST" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" | conf smtp-starttls)
expect_ok "SMTP on the STARTTLS port logs in (and IMAP too)" "$c" \
    "IMAP $LAB_HOST:$IMAPS_PORT" "SMTP $LAB_HOST:$SMTP_PORT" "(STARTTLS)" \
    "STARTTLS AUTH(" "PLAIN" "SIZE(10485760)" "8BITMIME"

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" \
    "smtp_host = $LAB_HOST" "smtp_port = $SMTPS_PORT" "smtp_tls = implicit" | conf smtps)
expect_ok "SMTP on the implicit-TLS port logs in" "$c" \
    "SMTP $LAB_HOST:$SMTPS_PORT" "(implicit TLS)" "AUTH(" "SIZE("

# ---- trust: no CA, pins, host name ------------------------------------------

c=$(lab_account imap "$IMAPS_PORT" implicit | conf no-ca)
expect_fail "without ca_file the certificate is refused, with its fingerprint" \
    "$c" 1 "IMAP $LAB_HOST:$IMAPS_PORT: certificate not trusted" \
    "sha256 $LAB_SHA256" "certificate_fingerprint = sha256:$SHA_HEX"

# The system anchors come from two places: the hashed directory, looked up
# lazily during the handshake, and the bundle file, read only when that did
# not verify (tls.c). Each alone must be enough.
c=$(lab_account imap "$IMAPS_PORT" implicit | conf system-anchors)
mkdir -p "$WORK/empty-certs" "$WORK/hashed-certs"
cp "$LAB_CA" "$WORK/hashed-certs/lab.pem"
openssl rehash "$WORK/hashed-certs" >/dev/null 2>&1
SSL_CERT_DIR=$WORK/hashed-certs SSL_CERT_FILE=/nonexistent \
    expect_ok "a CA in the system's hashed directory is trusted" "$c" \
    "ok as alice"
SSL_CERT_DIR=$WORK/empty-certs SSL_CERT_FILE=$LAB_CA \
    expect_ok "a CA only in the system's bundle file is trusted" "$c" \
    "ok as alice"
c=$(lines "protocol = imap" "host = $LAB_HOST2" "port = $IMAPS_PORT" \
    "tls = implicit" "user = $LAB_USER" "password = $LAB_PASS" | conf system-anchors-host2)
SSL_CERT_DIR=$WORK/empty-certs SSL_CERT_FILE=$LAB_CA \
    expect_fail "the system's anchors do not excuse a wrong host name" "$c" \
    1 "certificate does not match host name $LAB_HOST2"

# The compiled-in directory, as a handshake would see it with the lab's CA
# in it: bound over it in a mount namespace of posta's own (root only).
# SSL_CERT_DIR set empty names no directory, as it does for OpenSSL's
# SSL_CTX_set_default_verify_paths(): a user who trusts only the bundle
# that SSL_CERT_FILE names must not get the system directory back.
sysdir=$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/certs
if [[ $(id -u) -eq 0 && -e $sysdir ]] &&
    unshare -m mount --bind "$WORK/hashed-certs" "$sysdir" 2>/dev/null; then
	c=$(lab_account imap "$IMAPS_PORT" implicit | conf system-anchors)
	real=$POSTA
	POSTA=$WORK/posta-in-ns
	printf '#!/bin/sh\nmount --bind "%s" "%s" || exit 99\n%s\nexec "%s" "$@"\n' \
	    "$WORK/hashed-certs" "$sysdir" \
	    '[ -z "$NO_CERT_DIR" ] || unset SSL_CERT_DIR' "$real" >"$WORK/in-ns"
	printf '#!/bin/sh\nexec unshare -m sh "%s" "$@"\n' "$WORK/in-ns" >"$POSTA"
	chmod 755 "$POSTA"
	NO_CERT_DIR=1 SSL_CERT_FILE=/nonexistent \
	    expect_ok "a CA in the compiled-in hashed directory is trusted" \
	    "$c" "ok as alice"
	SSL_CERT_DIR= SSL_CERT_FILE=/nonexistent \
	    expect_fail "SSL_CERT_DIR set empty: no directory, not the system's" \
	    "$c" 1 "certificate not trusted"
	POSTA=$real
else
	pass "# SKIP the compiled-in directory (needs root and unshare -m)"
	pass "# SKIP SSL_CERT_DIR set empty (needs root and unshare -m)"
fi

c=$(lab_account imap "$IMAPS_PORT" implicit \
    "certificate_fingerprint = sha256:$LAB_SHA256" | conf pinned)
expect_ok "without ca_file but with that fingerprint pinned it logs in" "$c" \
    "$LAB_SHA256" "by certificate_fingerprint (pinned)" "ok as alice"

c=$(lab_account pop3 "$POP3S_PORT" implicit \
    "certificate_fingerprint = sha256:$SHA_HEX" \
    "smtp_host = $LAB_HOST" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" | conf pinned-smtp)
expect_ok "the pin also serves POP3 and SMTP STARTTLS" "$c" \
    "POP3 $LAB_HOST:$POP3S_PORT" "SMTP $LAB_HOST:$SMTP_PORT" "(pinned)"

wrong_pin=sha256:$(printf '%064d' 0)
c=$(lab_account imap "$IMAPS_PORT" implicit \
    "certificate_fingerprint = $wrong_pin" | conf wrong-pin)
expect_fail "a different pin is refused and the real fingerprint shown" "$c" 1 \
    "does not match the pinned certificate_fingerprint" "sha256 $LAB_SHA256"

c=$(lines "protocol = imap" "host = $LAB_HOST2" "port = $IMAPS_PORT" \
    "tls = implicit" "user = $LAB_USER" "password = $LAB_PASS" "ca_file = $LAB_CA" | conf host2)
expect_fail "a certificate for another name is refused ($LAB_HOST2)" "$c" 1 \
    "IMAP $LAB_HOST2:$IMAPS_PORT: certificate does not match host name $LAB_HOST2" \
    "sha256 $LAB_SHA256"

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" \
    "smtp_host = $LAB_HOST2" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" | conf host2-smtp)
expect_fail "SMTP STARTTLS to $LAB_HOST2 is refused too, IMAP still reported" \
    "$c" 1 "SMTP $LAB_HOST2:$SMTP_PORT: certificate does not match host name"
grep -qF "IMAP $LAB_HOST:$IMAPS_PORT" "$WORK/out" &&
    pass "one failing server does not hide the other's report" ||
    fail "one failing server does not hide the other's report" \
	"stdout lacks the IMAP report"

# ---- plaintext policy -------------------------------------------------------

c=$(lab_account imap "$IMAP_PORT" none | conf none)
expect_fail "tls = none without allow_plaintext is a configuration error" \
    "$c" 3 "key 'tls'" "allow_plaintext = yes"

c=$(lab_account imap "$IMAP_PORT" none "allow_plaintext = yes" | conf none-ok)
expect_ok "tls = none with allow_plaintext = yes logs in, and says so" "$c" \
    "IMAP $LAB_HOST:$IMAP_PORT" "none (allow_plaintext = yes)" "ok as alice"

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" | conf offline)
run "$c" --offline
if (( RC != 0 )) && grep -qF -- "--offline" "$WORK/err" && [[ ! -s $WORK/out ]]; then
	pass "--offline refuses to connect"
else
	fail "--offline refuses to connect" "exit $RC"
fi

# ---- network failures -------------------------------------------------------

closed=$(/usr/bin/python3 "$POSTA_SRCDIR/tests/lab/labtool.py" ports 1)
c=$(lab_account imap "$closed" implicit "ca_file = $LAB_CA" | conf closed)
expect_fail "a closed port is a refused connection" "$c" 1 \
    "IMAP $LAB_HOST:$closed: cannot connect: Connection refused"

# ---- hostile servers --------------------------------------------------------

fake_conf() { # NAME PROTOCOL [lines...]
	local name=$1 proto=$2
	shift 2
	lines "protocol = $proto" "host = 127.0.0.1" "port = $FAKE_PORT" \
	    "tls = starttls" "user = $LAB_USER" "password = $LAB_PASS" \
	    "ca_file = $LAB_CA" "$@" | conf "$name"
}

start_fake() { # MODE
	if ! lab_fake "$1" >"$WORK/fake.log" 2>&1; then
		echo "Bail out! fake_server.py $1 did not start: $(tr '\n' ' ' <"$WORK/fake.log")"
		exit 1
	fi
}

start_fake imap-inject
c=$(fake_conf imap-inject imap)
expect_fail "IMAP: data injected after the STARTTLS reply is refused" "$c" 1 \
    "IMAP 127.0.0.1:$FAKE_PORT: the server sent data after its STARTTLS reply" \
    "response injection"
fake_log_clean "IMAP injection: no credentials reached the server" STARTTLS

start_fake imap-preauth
c=$(fake_conf imap-preauth imap)
expect_fail "IMAP: PREAUTH before STARTTLS is refused (CVE-2020-14093)" "$c" 1 \
    "IMAP 127.0.0.1:$FAKE_PORT: the server greeted with PREAUTH" "CVE-2020-14093"
# Refused at the greeting: the fake may have received nothing at all.
if grep -qiE '(LOGIN|AUTHENTICATE|STARTTLS|SELECT|LIST)' "$FAKE_LOG"; then
	fail "IMAP PREAUTH: nothing was sent after the greeting"
	sed 's/^/#   fake got: /' "$FAKE_LOG"
else
	pass "IMAP PREAUTH: nothing was sent after the greeting"
fi

start_fake imap-nostarttls
c=$(fake_conf imap-nostarttls imap)
expect_fail "IMAP: a server without STARTTLS is refused for tls = starttls" \
    "$c" 1 "IMAP 127.0.0.1:$FAKE_PORT: the server does not offer STARTTLS"
if grep -qiE '(LOGIN|AUTHENTICATE)' "$FAKE_LOG"; then
	fail "IMAP without STARTTLS: no credentials reached the server"
	sed 's/^/#   fake got: /' "$FAKE_LOG"
else
	pass "IMAP without STARTTLS: no credentials reached the server"
fi

start_fake pop3-inject
c=$(fake_conf pop3-inject pop3)
expect_fail "POP3: data injected after the STLS reply is refused" "$c" 1 \
    "POP3 127.0.0.1:$FAKE_PORT: the server sent data after its STLS reply" \
    "response injection"
fake_log_clean "POP3 injection: no credentials reached the server" STLS

start_fake smtp-inject
c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" \
    "smtp_host = 127.0.0.1" "smtp_port = $FAKE_PORT" "smtp_tls = starttls" | conf smtp-inject)
expect_fail "SMTP: data injected after the STARTTLS reply is refused" "$c" 1 \
    "SMTP 127.0.0.1:$FAKE_PORT: the server sent data after its STARTTLS reply" \
    "response injection"
fake_log_clean "SMTP injection: no credentials reached the server" STARTTLS

start_fake silent
c=$(fake_conf silent imap)
expect_fail "a silent server times out (POSTA_NET_TIMEOUT=2)" "$c" 1 \
    "IMAP 127.0.0.1:$FAKE_PORT: no response within 2 s"
if (( ELAPSED >= 1500 && ELAPSED < 6000 )); then
	pass "the silent server's timeout took about 2 s (${ELAPSED} ms)"
else
	fail "the silent server's timeout took about 2 s (${ELAPSED} ms)"
fi

c=$(lines "protocol = imap" "host = 127.0.0.1" "port = $FAKE_PORT" \
    "tls = implicit" "user = $LAB_USER" "password = $LAB_PASS" "ca_file = $LAB_CA" | conf silent-tls)
expect_fail "a silent server times out in the TLS handshake too" "$c" 1 \
    "IMAP 127.0.0.1:$FAKE_PORT: TLS handshake: no response within 2 s"

# ---- logins (last on this lab: Dovecot delays every login from an address
# after a failed one, and its auth_failure_delay exceeds 2 s) ---------------

c=$(lab_account imap "$IMAPS_PORT" implicit "ca_file = $LAB_CA" \
    "smtp_host = $LAB_HOST" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" \
    "smtp_password = not-alices-password" | conf bad-pw-smtp)
NET_TIMEOUT=15 expect_fail "a wrong SMTP password is a refused login" "$c" 1 \
    "SMTP $LAB_HOST:$SMTP_PORT: login refused for user alice: 535"

c=$(lines "protocol = imap" "host = $LAB_HOST" "port = $IMAPS_PORT" \
    "tls = implicit" "user = $LAB_USER" "password = not-alices-password" \
    "ca_file = $LAB_CA" | conf bad-pw)
NET_TIMEOUT=15 expect_fail "a wrong IMAP password is a refused login" "$c" 1 \
    "IMAP $LAB_HOST:$IMAPS_PORT: login refused for user alice"


# ---- a lab without STARTTLS ---------------------------------------------------

if ! lab_up --no-starttls >"$WORK/lab2.log" 2>&1; then
	echo "Bail out! the --no-starttls lab did not start: $(tail -n 3 "$WORK/lab2.log" | tr '\n' ' ')"
	exit 1
fi

c=$(lab_account imap "$IMAP_PORT" starttls "ca_file = $LAB_CA" | conf nostarttls-imap)
expect_fail "IMAP tls = starttls on a server without STARTTLS is refused" "$c" 1 \
    "IMAP $LAB_HOST:$IMAP_PORT: the server does not offer STARTTLS" \
    "refusing to continue without TLS"

c=$(lab_account pop3 "$POP3_PORT" starttls "ca_file = $LAB_CA" | conf nostarttls-pop3)
expect_fail "POP3 tls = starttls on a server without STLS is refused" "$c" 1 \
    "POP3 $LAB_HOST:$POP3_PORT: the server does not offer STLS"

c=$(lab_account imap "$IMAP_PORT" none "allow_plaintext = yes" \
    "smtp_host = $LAB_HOST" "smtp_port = $SMTP_PORT" "smtp_tls = starttls" | conf nostarttls-smtp)
expect_fail "SMTP smtp_tls = starttls on a server without STARTTLS is refused" \
    "$c" 1 "SMTP $LAB_HOST:$SMTP_PORT: the server does not offer STARTTLS"

echo "1..$n"
exit $((failed > 0))
