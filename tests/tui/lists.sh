#!/bin/bash
# Mailing lists (RFC 2369): the pager shows List-Id, List-Post and
# List-Unsubscribe; L (list-reply) writes to the List-Post address alone,
# and the sink gets it there; list-unsubscribe fills a mailto: request in
# the compose screen, and only shows an https: link.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
source "$POSTA_SRCDIR/tests/lab/lab-env.sh"
plan 9
tui_setup 0
trap '_tui_cleanup; lab_down' EXIT
lab_up >"$T/lab.out" 2>&1 || skip_all "the lab does not start here ($(tail -n1 "$T/lab.out"))"
tui_lab_config
posta() { "$POSTA" -c "$T/config" "$@"; }

cat >"$T/list1.eml" <<'MSG'
From: Ann Poster <ann@example.org>
To: Posta users <posta-users@lists.example>
Cc: bob@localhost
Subject: Posta list one
Date: Thu, 01 Jan 2026 10:00:00 +0000
Message-ID: <list1@example.org>
List-Id: Posta users <posta-users.lists.example>
List-Post: <mailto:posta-users@lists.example>
List-Unsubscribe: <https://lists.example/u?id=1>,
 <mailto:posta-users-leave@lists.example?subject=unsubscribe>

First post.
MSG
cat >"$T/list2.eml" <<'MSG'
From: Carl <carl@example.org>
To: other@lists.example
Subject: Web only list
Date: Thu, 01 Jan 2026 09:00:00 +0000
Message-ID: <list2@example.org>
List-Post: NO
List-Unsubscribe: <https://lists.example/u?id=2>

Announcement.
MSG
lab_deliver alice INBOX "$T/list1.eml" && lab_deliver alice INBOX "$T/list2.eml" ||
  { echo "Bail out! deliver"; exit 1; }
posta sync >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; echo "Bail out! sync"; exit 1; }

cat >"$T/editor" <<'ED'
#!/bin/sh
printf 'Written by the test editor.\n' >>"$1"
ED
chmod +x "$T/editor"
deliveries() {
  cat "$SMTP_SPOOL"/*.json 2>/dev/null | grep -c "\"$1\""
}

TUI_ARGS=
tui_start 110 30 EDITOR="$T/editor" VISUAL= HOME="$T"
tui_wait "online" 10
tui_wait "Posta list one" 10 || { ok 1 "synced"; tui_done; }

tui_keys / "Posta list one" Enter
tui_wait_selected "Posta list one"
tui_keys Enter
tui_wait "List-Post: mailto:posta-users@lists.example" &&
  tui_wait "List-Id: Posta users <posta-users.lists.example>" &&
  tui_wait "List-Unsubscribe: https://lists.example/u?id=1"
ok $? "the pager shows the list's headers"

tui_keys L
tui_wait "Re: Posta list one"
scr=$(tui_screen)
grep -q "To: *posta-users@lists.example" <<<"$scr" &&
  ! grep -q "ann@example.org\|bob@localhost" <<<"$scr"
ok $? "L: To the List-Post address alone (not the sender, not Cc)"
tui_keys y
end=$(_tui_deadline 20)
while [[ $(deliveries posta-users@lists.example) == 0 ]] && _tui_before "$end"; do sleep 0.05; done
[[ $(deliveries posta-users@lists.example) == 1 && $(deliveries ann@example.org) == 0 &&
   $(deliveries bob@localhost) == 0 ]]
ok $? "the sink got the list reply for the list only"
f=$(grep -l '"posta-users@lists.example"' "$SMTP_SPOOL"/*.json | head -n1)
grep -q "^In-Reply-To: <list1@example.org>" "${f%.json}.eml"
ok $? "... as a reply (In-Reply-To)"

tui_keys : "list-unsubscribe" Enter
tui_wait "Subject: unsubscribe"
grep -q "To: *posta-users-leave@lists.example" <<<"$TUI_LAST_SCREEN"
ok $? "list-unsubscribe: the mailto: request in the compose screen"
tui_keys q
tui_wait "y/n" && tui_keys y
tui_gone "Subject: unsubscribe"
[[ $(deliveries posta-users-leave@lists.example) == 0 ]]
ok $? "nothing is sent until the user sends it"

tui_keys q
tui_keys / "Web only list" Enter
tui_wait_selected "Web only list"
tui_keys : "list-unsubscribe" Enter
tui_wait "To unsubscribe, open https://lists.example/u?id=2"
ok $? "an https: unsubscribe link is shown, not opened"
tui_keys L
tui_wait "names no list address"
ok $? "L on a list that takes no posts says so"
tui_keys / "Posta list one" Enter
tui_wait_selected "Posta list one"
tui_keys q
tui_wait "[posta exited 0]"
ok $? "posta exits cleanly"
tui_done
