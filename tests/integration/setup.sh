#!/bin/bash
# setup.sh - posta setup --yes against the lab: the account it writes
# works (check-account, sync) for IMAP and for POP3 in its three ways,
# other accounts' lines stay byte for byte, a refused password or a dead
# host writes nothing; discovery through SRV (a DNS server of ours,
# POSTA_SETUP_DNS) and autoconfig (an HTTPS server of ours with the lab's
# CA), and the refusal of malformed, oversized and plain-HTTP documents.
set -u

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"
PY=${PYTHON3:-python3}

WORK=$(mktemp -d /tmp/posta-setup.XXXXXX) || { echo "Bail out! mktemp"; exit 1; }
HELPERS=()
cleanup() {
	local p
	for p in "${HELPERS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf -- "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/integration/tap.sh"
# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

echo "1..48"
lab_up >/dev/null 2>&1 || bail "the lab did not start"
lab_seed alice INBOX 3 >/dev/null 2>&1 || bail "lab seed failed"

export XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/xdg
export POSTA_NET_TIMEOUT=5
# The password is read from a file: it must never appear in any output.
printf '%s\n' "$LAB_PASS" >"$WORK/pw"
printf 'not-alices-password\n' >"$WORK/badpw"
CONF=$WORK/conf/posta.conf

# setup ARGS...: posta -c $CONF setup --yes with the lab's common flags.
setup() {
	"$POSTA" -c "${SETUP_CONF:-$CONF}" setup --yes --email alice@lab.test \
	    --name "Alice Lab" --user "$LAB_USER" \
	    --password-command "cat $WORK/pw" --ca-file "$LAB_CA" "$@" \
	    >"$WORK/out" 2>&1
}
out() { cat "$WORK/out"; }
no_secret() {
	if grep -qF -e "$LAB_PASS" -e not-alices-password "$WORK/out"; then
		not_ok "$1: no password in the output" "$(out)"
	else ok "$1: no password in the output"; fi
}
SMTP=(--smtp-host localhost --smtp-port "$SMTP_PORT" --smtp-tls starttls)

# 1. IMAP, implicit TLS: a new file, mode 0600, that posta accepts.
setup --account imap --host localhost --port "$IMAPS_PORT" --tls implicit \
    "${SMTP[@]}" --offline headers
check "IMAP: setup exits 0" test $? = 0
same "IMAP: the new file has mode 0600" 600 "$(stat -c %a "$CONF" 2>/dev/null)"
has "IMAP: the section is written" "$(cat "$CONF" 2>/dev/null)" '^offline = headers$'
no_secret "IMAP"
check "IMAP: check-account accepts it" "$POSTA" -c "$CONF" check-account -a imap
check "IMAP: sync accepts it" "$POSTA" -c "$CONF" sync -a imap
has "IMAP: the synced INBOX has the 3 messages" \
    "$("$POSTA" -c "$CONF" folders -a imap 2>&1)" 'INBOX.*3'

# 2. POP3 in its three ways, each appended; earlier bytes stay as they were.
k=0
for keep in yes days:7 no; do
	k=$((k + 1))
	cp "$CONF" "$WORK/before"
	setup --account "pop$k" --protocol pop3 --host localhost \
	    --port "$POP3_PORT" --tls starttls "${SMTP[@]}" \
	    --pop3-keep "$keep" --pop3-delete-when-deleted-locally no
	check "POP3 keep $keep: setup exits 0" test $? = 0
	check "POP3 keep $keep: the lines before are byte for byte the same" \
	    cmp -n "$(stat -c %s "$WORK/before")" "$WORK/before" "$CONF"
	check "POP3 keep $keep: check-account and sync accept it" \
	    sh -c "'$POSTA' -c '$CONF' check-account -a pop$k >/dev/null && '$POSTA' -c '$CONF' sync -a pop$k"
done
has "POP3 keep no: the warning and the backup advice are shown" "$(out)" \
    'DELETED FROM THE SERVER.*\|posta export'

# 3. Refusals write nothing.
cp "$CONF" "$WORK/before"
"$POSTA" -c "$CONF" setup --yes --email alice@lab.test --user "$LAB_USER" \
    --account bad --host localhost --port "$IMAPS_PORT" --tls implicit \
    --password-command "cat $WORK/badpw" --ca-file "$LAB_CA" "${SMTP[@]}" \
    >"$WORK/out" 2>&1
rc=$?
check "wrong password: non-zero exit" test $rc != 0
has "wrong password: says the login was refused" "$(out)" 'login refused'
check "wrong password: the file is unchanged" cmp "$WORK/before" "$CONF"
no_secret "wrong password"
SETUP_CONF=$WORK/new/posta.conf setup --account dead --host 127.0.0.1 \
    --port 1 --tls implicit "${SMTP[@]}"
rc=$?
check "unreachable host: non-zero exit and no file" \
    test $rc != 0 -a ! -e "$WORK/new/posta.conf"
setup --account imap --host localhost --port "$IMAPS_PORT" --tls implicit "${SMTP[@]}"
rc=$?
check "an account name already there: refused, file unchanged" \
    sh -c "test $rc != 0 && cmp '$WORK/before' '$CONF'"

# 4. SRV discovery through our own DNS server. For an address at
# localhost the target localhost is in the domain; for one at lab.test it
# is not, and --yes takes no server that only DNS vouches for.
"$PY" "$POSTA_SRCDIR/tests/lab/dns_srv.py" --port-file "$WORK/dns.port" \
    --srv "_imaps._tcp.localhost=0:1:$IMAPS_PORT:localhost" \
    --srv "_submission._tcp.localhost=0:1:$SMTP_PORT:localhost" \
    --srv "_imaps._tcp.lab.test=0:1:$IMAPS_PORT:localhost" \
    --srv "_submission._tcp.lab.test=0:1:$SMTP_PORT:localhost" &
HELPERS+=($!)
for _ in $(seq 100); do [[ -s $WORK/dns.port ]] && break; sleep 0.1; done
POSTA_SETUP_DNS=127.0.0.1:$(cat "$WORK/dns.port") \
    "$POSTA" -c "$WORK/srv.conf" setup --yes --email alice@localhost \
    --name "Alice Lab" --user "$LAB_USER" --account srv \
    --password-command "cat $WORK/pw" --ca-file "$LAB_CA" >"$WORK/out" 2>&1
check "SRV: setup finds the servers and exits 0" test $? = 0
has "SRV: the IMAPS port from DNS is written" "$(cat "$WORK/srv.conf" 2>/dev/null)" \
    "^port = $IMAPS_PORT\$"
has "SRV: each step is shown" "$(out)" 'SRV records of localhost'
POSTA_SETUP_DNS=127.0.0.1:$(cat "$WORK/dns.port") SETUP_CONF=$WORK/srv2.conf \
    setup --account srv2
rc=$?
check "SRV outside the domain with --yes: refused, no file" \
    test $rc != 0 -a ! -e "$WORK/srv2.conf"
has "SRV outside the domain: says why" "$(out)" \
    "localhost:$IMAPS_PORT is not used: with --yes a server outside the address's domain"

# 5. autoconfig over HTTPS with the lab's CA, and what is refused.
mkdir -p "$WORK/www"
cat >"$WORK/www/good.xml" <<XML
<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="lab.test">
 <domain>lab.test</domain>
 <incomingServer type="imap"><hostname>localhost</hostname>
  <port>$IMAPS_PORT</port><socketType>SSL</socketType>
  <username>%EMAILLOCALPART%</username></incomingServer>
 <outgoingServer type="smtp"><hostname>localhost</hostname>
  <port>$SMTP_PORT</port><socketType>STARTTLS</socketType>
  <username>%EMAILLOCALPART%</username></outgoingServer>
</emailProvider></clientConfig>
XML
printf '<clientConfig><emailProvider><incomingServer type="imap">' \
    >"$WORK/www/broken.xml"
head -c 300000 /dev/zero | tr '\0' ' ' >"$WORK/www/huge.xml"
"$PY" "$POSTA_SRCDIR/tests/lab/https_files.py" --dir "$WORK/www" \
    --cert "$LAB_CERT" --key "$LAB_KEY" --port-file "$WORK/www.port" \
    2>"$WORK/www.log" &
HELPERS+=($!)
for _ in $(seq 100); do [[ -s $WORK/www.port ]] && break; sleep 0.1; done
read -r HTTPS_PORT HTTP_PORT <"$WORK/www.port"
ac() { # NAME URL
	"$POSTA" -c "$WORK/$1.conf" setup --yes --email alice@lab.test \
	    --account ac --password-command "cat $WORK/pw" --ca-file "$LAB_CA" \
	    --autoconfig "$2" >"$WORK/out" 2>&1
}
ac good "https://localhost:$HTTPS_PORT/good.xml"
check "autoconfig: found and used, exit 0" test $? = 0
has "autoconfig: the user from %EMAILLOCALPART%" \
    "$(cat "$WORK/good.conf" 2>/dev/null)" '^user = alice$'
ac broken "https://localhost:$HTTPS_PORT/broken.xml"
rc=$?
check "autoconfig malformed: refused, no file" test $rc != 0 -a ! -e "$WORK/broken.conf"
has "autoconfig malformed: a clear message" "$(out)" 'not well-formed XML'
ac huge "https://localhost:$HTTPS_PORT/huge.xml"
rc=$?
check "autoconfig oversized: refused, no file, a clear message" \
    sh -c "test $rc != 0 && test ! -e '$WORK/huge.conf' && grep -q 'larger than' '$WORK/out'"
ac plain "http://127.0.0.1:$HTTP_PORT/good.xml"
rc=$?
check "autoconfig over http: refused, no file, a clear message" \
    sh -c "test $rc != 0 && test ! -e '$WORK/plain.conf' && grep -q 'only over https' '$WORK/out'"


# 6. OAuth2 instead of a password (issue 19): written without a login
# check (the login is posta oauth2 login's), and only with known endpoints.
SETUP_CONF=$WORK/oauth.conf setup --account oa --host localhost \
    --port "$IMAPS_PORT" --tls implicit "${SMTP[@]}" \
    --oauth2-client-id posta-test --oauth2-provider microsoft
check "OAuth2: setup exits 0" test $? = 0
has "OAuth2: auth = xoauth2 with the provider and client" \
    "$(grep -c -e '^auth = xoauth2$' -e '^oauth2_provider = microsoft$' \
    -e '^oauth2_client_id = posta-test$' "$WORK/oauth.conf" 2>/dev/null)" '^3$'
check "OAuth2: no password_command written" sh -c "! grep -q password '$WORK/oauth.conf'"
has "OAuth2: says to run posta oauth2 login" "$(out)" "posta oauth2 login oa"
SETUP_CONF=$WORK/oauth2.conf setup --account ob --host localhost \
    --port "$IMAPS_PORT" --tls implicit "${SMTP[@]}" --oauth2-client-id x
rc=$?
check "OAuth2 without known endpoints: refused, no file, a clear message" \
    sh -c "test $rc != 0 && test ! -e '$WORK/oauth2.conf' && grep -q 'oauth2-provider' '$WORK/out'"

# Interactively: OAuth2 is offered (here because --oauth2-provider says the
# server needs it; the table's Gmail and Outlook hosts do the same), the
# client ID asked, the login left for later.
printf '\ny\nposta-test\nn\n' | "$POSTA" -c "$WORK/oauth3.conf" setup \
    --email alice@lab.test --name "Alice Lab" --account oc --host localhost \
    --port "$IMAPS_PORT" --tls implicit --ca-file "$LAB_CA" "${SMTP[@]}" \
    --oauth2-provider microsoft >"$WORK/out" 2>&1
check "OAuth2 interactively: setup exits 0" test $? = 0
has "OAuth2 interactively: offered" "$(out)" "Use OAuth2 for this account?"
has "OAuth2 interactively: written with the client ID asked" \
    "$(grep -c -e '^auth = xoauth2$' -e '^oauth2_client_id = posta-test$' \
    "$WORK/oauth3.conf" 2>/dev/null)" '^2$'

# 7. The autoconfig lookups of discovery: autoconfig.DOMAIN first, then
# DOMAIN/.well-known/autoconfig/. Our HTTPS server stands for both
# (POSTA_SETUP_HTTPS), with a certificate for both names from the lab's
# CA; a DNS server with no records keeps the SRV step empty.
"$PY" "$POSTA_SRCDIR/tests/lab/dns_srv.py" --port-file "$WORK/dns0.port" \
    --srv "_imaps._tcp.nothing.test=0:1:1:nothing.test" &
HELPERS+=($!)
(
	cd "$WORK" &&
	openssl ecparam -name prime256v1 -genkey -noout -out ac.key &&
	openssl req -new -key ac.key -subj "/CN=autoconfig.localhost" -out ac.csr &&
	printf 'subjectAltName=DNS:autoconfig.localhost,DNS:localhost\n' >ac.ext &&
	openssl x509 -req -in ac.csr -CA "$LAB_CA" -CAkey "$LAB_DIR/tls/ca.key" \
	    -CAcreateserial -days 1 -extfile ac.ext -out ac.pem
) >/dev/null 2>&1 || bail "cannot make the autoconfig certificate"
mkdir -p "$WORK/www2"
"$PY" "$POSTA_SRCDIR/tests/lab/https_files.py" --dir "$WORK/www2" \
    --cert "$WORK/ac.pem" --key "$WORK/ac.key" --port-file "$WORK/www2.port" \
    2>"$WORK/www2.log" &
HELPERS+=($!)
for _ in $(seq 100); do [[ -s $WORK/www2.port && -s $WORK/dns0.port ]] && break; sleep 0.1; done
read -r HTTPS2_PORT _ <"$WORK/www2.port"
sed 's/lab\.test/localhost/g' "$WORK/www/good.xml" >"$WORK/good-localhost.xml"
discover() { # NAME: setup --yes for alice@localhost, nothing but discovery
	POSTA_SETUP_DNS=127.0.0.1:$(cat "$WORK/dns0.port") \
	POSTA_SETUP_HTTPS=127.0.0.1:$HTTPS2_PORT \
	"$POSTA" -c "$WORK/$1.conf" setup --yes --email alice@localhost \
	    --account "$1" --password-command "cat $WORK/pw" \
	    --ca-file "$LAB_CA" >"$WORK/out" 2>&1
}
mkdir -p "$WORK/www2/mail"
cp "$WORK/good-localhost.xml" "$WORK/www2/mail/config-v1.1.xml"
discover acd
check "autoconfig.DOMAIN: found and used, exit 0" test $? = 0
has "autoconfig.DOMAIN: the address asked, percent-encoded" "$(out)" \
    'autoconfig document at https://autoconfig.localhost/mail/config-v1.1.xml?emailaddress=alice%40localhost'
has "autoconfig.DOMAIN: its port is written" "$(cat "$WORK/acd.conf" 2>/dev/null)" \
    "^port = $IMAPS_PORT\$"
rm -r "$WORK/www2/mail"
mkdir -p "$WORK/www2/.well-known/autoconfig/mail"
cp "$WORK/good-localhost.xml" "$WORK/www2/.well-known/autoconfig/mail/config-v1.1.xml"
discover wk
check "DOMAIN/.well-known/autoconfig/: found after autoconfig.DOMAIN has none" \
    test $? = 0
has "... both asked, in that order" "$(tr '\n' ' ' <"$WORK/out")" \
    'https://autoconfig.localhost/mail/config-v1.1.xml.*HTTP status 404.*https://localhost/.well-known/autoconfig/mail/config-v1.1.xml'
has "... and its servers written" "$(cat "$WORK/wk.conf" 2>/dev/null)" \
    "^smtp_port = $SMTP_PORT\$"

exit $((failed > 0))
