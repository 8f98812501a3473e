#!/bin/bash
# setup-stores.sh - posta setup offers the password stores it finds on
# PATH (pass, secret-tool, gopass), stores the password in the one chosen
# and writes the command that reads it back, never the password (issue 16
# item 4). The stores are fakes of ours on PATH that keep each secret in a
# file, speaking the same command lines as the real ones. Also the mailbox
# size shown before the offline question (item 3): from STATUS SIZE (the
# lab's Dovecot), from QUOTA (fake_imap.py's quota lie), or not at all.
set -u

: "${POSTA:?POSTA must name the posta binary}"
: "${POSTA_SRCDIR:?POSTA_SRCDIR must name the source tree}"

WORK=$(mktemp -d /tmp/posta-setup-stores.XXXXXX) || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf -- "$WORK"' EXIT
# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/integration/tap.sh"
# shellcheck disable=SC1091
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"

echo "1..16"
lab_up >/dev/null 2>&1 || bail "the lab did not start"
export XDG_DATA_HOME=$WORK/data POSTA_NET_TIMEOUT=5

# The fakes: each secret in $WORK/vault/NAME.
mkdir -p "$WORK/bin" "$WORK/vault"
for s in pass gopass; do
  cat >"$WORK/bin/$s" <<EOF
#!/bin/sh
# $s insert -f -m NAME | $s show [-o] NAME
v=$WORK/vault
case \$1 in
insert) shift; while [ \$# -gt 1 ]; do shift; done
        mkdir -p "\$v/\$(dirname "\$1")"; cat >"\$v/\$1" ;;
show)   shift; [ "\$1" = -o ] && shift; cat "\$v/\$1" ;;
*)      exit 2 ;;
esac
EOF
done
cat >"$WORK/bin/secret-tool" <<EOF
#!/bin/sh
# secret-tool store --label=L service posta account A | lookup service posta account A
v=$WORK/vault
case \$1 in
store)  cat >"\$v/st-\$6" ;;
lookup) cat "\$v/st-\$5" ;;
*)      exit 2 ;;
esac
EOF
chmod +x "$WORK/bin/"*

# run PATHDIRS ACCOUNT CHOICE: the interactive form (answers on stdin) with
# the servers given, PATH as given.
run() {
  printf '%s\n' alice "$LAB_PASS" "" "$3" |
    PATH=$1 "$POSTA" -c "$WORK/$2.conf" setup --email alice@lab.test \
      --name "Alice Lab" --account "$2" --host localhost \
      --port "$IMAPS_PORT" --tls implicit --smtp-host localhost \
      --smtp-port "$SMTP_PORT" --smtp-tls starttls --ca-file "$LAB_CA" \
      >"$WORK/out" 2>&1
}
out() { cat "$WORK/out"; }

run "$WORK/bin:/usr/bin:/bin" p 1
check "three stores on PATH: setup exits 0" test $? = 0
has "pass is offered" "$(out)" "1. Store it in pass, the standard Unix"
has "secret-tool is offered" "$(out)" "2. Store it in secret-tool, the desktop keyring"
has "gopass is offered" "$(out)" "3. Store it in gopass, a team password"
same "pass: the password is in the store" "$LAB_PASS" "$(cat "$WORK/vault/posta/p" 2>/dev/null)"
has "pass: the command is written" "$(cat "$WORK/p.conf")" \
  "^password_command = pass show posta/p$"
if grep -qF "$LAB_PASS" "$WORK/p.conf"; then not_ok "pass: no password in the file"
else ok "pass: no password in the file"; fi
check "pass: check-account logs in through the store" \
  env PATH="$WORK/bin:/usr/bin:/bin" "$POSTA" -c "$WORK/p.conf" check-account

run "$WORK/bin:/usr/bin:/bin" s 2
has "secret-tool: the lookup command is written" "$(cat "$WORK/s.conf")" \
  "^password_command = secret-tool lookup service posta account alice@lab.test$"
same "secret-tool: the password is in the keyring" "$LAB_PASS" \
  "$(cat "$WORK/vault/st-alice@lab.test" 2>/dev/null)"

run "$WORK/bin:/usr/bin:/bin" g 3
has "gopass: the command is written" "$(cat "$WORK/g.conf")" \
  "^password_command = gopass show -o posta/g$"

# No store on PATH: none offered, and 2 is then the password in the file.
mkdir -p "$WORK/empty"
run "$WORK/empty" n 2
if grep -q "Store it in" "$WORK/out"; then not_ok "no store on PATH: none offered" "$(out)"
else ok "no store on PATH: none offered"; fi
has "... the choices start with a command of yours" "$(out)" \
  "1. Run a command of yours that prints it"

# ---- the mailbox size, before the offline question -----------------------------
has "STATUS SIZE (the lab): the size is shown" \
  "$(cat "$WORK/out")" "The inbox on the server holds [0-9.]* MB"
# fake PORTDIR LIES: fake_imap.py with those lies; the setup (tls = none,
# answers on stdin) of an account on it, output in $WORK/out.
fake_setup() {
  local d=$WORK/$1 n=0
  mkdir -p "$d"
  printf '%s\n' "$2" >"$d/port.lies"
  /usr/bin/python3 "$POSTA_SRCDIR/tests/lab/fake_imap.py" --port-file "$d/port" \
    --idle 30 </dev/null >"$d/stderr" 2>&1 &
  FAKE=$!
  until [[ -s $d/port ]]; do
    ((n++ > 200)) && bail "fake_imap.py did not start"
    sleep 0.05
  done
  printf '%s\n' alice anything "" 2 |
    PATH=$WORK/empty "$POSTA" -c "$d/conf" setup --email alice@localhost \
      --name A --account "$1" --host 127.0.0.1 --port "$(cat "$d/port")" \
      --tls none --smtp-host 127.0.0.1 --smtp-port 1 --smtp-tls none \
      >"$WORK/out" 2>&1
  kill "$FAKE" 2>/dev/null
}
fake_setup q quota
has "QUOTA: the usage of INBOX's quota root is shown (2048 KiB)" \
  "$(cat "$WORK/out")" "The inbox on the server holds 2.1 MB"
fake_setup nq ""
if grep -q "holds" "$WORK/out"; then not_ok "neither: no size is shown" "$(cat "$WORK/out")"
elif grep -q "Offline policy" "$WORK/out"; then ok "neither: no size is shown"
else not_ok "neither: no size is shown (the setup did not get there)" "$(cat "$WORK/out")"; fi
exit $((failed > 0))
