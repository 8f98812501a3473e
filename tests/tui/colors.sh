#!/bin/bash
# Colours: the [colors] section on the right elements, the defaults, the
# fallbacks for 8-colour and colourless terminals, and colours turned off
# by "enable = no" or $NO_COLOR (unless the file says "enable = yes").
#
# mkstore's messages: i % 3 == 0 unread, i % 11 == 0 flagged; 0 is the
# selected row (unread, flagged), 1 "Hostile" is read, 3 "Build #3 failed"
# unread, 11 "Build #11 failed" flagged and read.
source "$POSTA_SRCDIR/tests/tui/tui-lib.sh"
plan 24
tui_setup 50
cp "$T/config" "$T/base"

# style_at TEXT: the SGR state where TEXT (ASCII) first starts on the
# screen: "fg=N bg=N" (d: the terminal's default) and the attributes on.
style_at() {
  tui_screen -e | TEXT="$1" perl -0777 -ne '
    my (%c, @st, $plain) = (fg => "d", bg => "d");
    while (/\G(?:\e\[([0-9;]*)m|\e[^a-zA-Z]*[a-zA-Z]|(.))/gs) {
      if (defined $2) {
        $plain .= $2;
        push @st, join(" ", "fg=$c{fg}", "bg=$c{bg}",
            grep { $c{$_} } qw(bold dim ul rev));
        next;
      }
      next unless defined $1;
      my @p = length $1 ? split(/;/, $1) : (0);
      while (@p) {
        my $n = shift @p;
        if ($n == 0) { %c = (fg => "d", bg => "d") }
        elsif ($n == 1) { $c{bold} = 1 }
        elsif ($n == 2) { $c{dim} = 1 }
        elsif ($n == 4) { $c{ul} = 1 }
        elsif ($n == 7) { $c{rev} = 1 }
        elsif ($n == 22) { $c{bold} = $c{dim} = 0 }
        elsif ($n == 24) { $c{ul} = 0 }
        elsif ($n == 27) { $c{rev} = 0 }
        elsif ($n >= 30 && $n <= 37) { $c{fg} = $n - 30 }
        elsif ($n >= 90 && $n <= 97) { $c{fg} = $n - 82 }
        elsif ($n == 38) { shift @p; $c{fg} = shift @p }
        elsif ($n == 39) { $c{fg} = "d" }
        elsif ($n >= 40 && $n <= 47) { $c{bg} = $n - 40 }
        elsif ($n >= 100 && $n <= 107) { $c{bg} = $n - 92 }
        elsif ($n == 48) { shift @p; $c{bg} = shift @p }
        elsif ($n == 49) { $c{bg} = "d" }
      }
    }
    my $i = index($plain, $ENV{TEXT});
    print $i < 0 ? "absent" : $st[$i];'
}

# check_style TEXT WANT NAME: every word of WANT is in TEXT's style.
check_style() {
  local got w rc=0
  got=$(style_at "$1")
  for w in $2; do
    [[ " $got " == *" $w "* ]] || rc=1
  done
  TUI_LAST_SCREEN="style at '$1': $got (wanted $2)"
  ok $rc "$3"
}

# The colour parameters of every SGR sequence on screen (none: no colour).
color_sgr() {
  tui_screen -e | grep -oP '\e\[\K[0-9;]*(?=m)' | tr ';' '\n' |
    grep -E '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$' | sort -u | tr '\n' ' '
}

no_colors() { # no_colors NAME
  local c
  c=$(color_sgr)
  TUI_LAST_SCREEN="colour parameters on screen: $c"
  [[ -z $c ]]
  ok $? "$1"
}

# use_colors [LINES...]: the base config plus these lines after [colors].
use_colors() {
  { cat "$T/base"; echo; echo "[colors]"; printf '%s\n' "$@"; } >"$T/config"
  chmod 600 "$T/config"
}

start() { # start [W H] [VAR=value...]
  tui_start "$@"
  tui_wait "[50 messages" || { ok 1 "posta started"; tui_done; }
}

# stop: quit, remembering a run that did not exit 0 (ASan, errors).
bad_exits=
stop() {
  tui_quit
  grep -qF "[posta exited 0]" <<<"$(tui_screen)" || bad_exits+=" $*"
}

# ---- the defaults (no [colors]) -------------------------------------------
start
check_style "Build #11 failed" "fg=1" "defaults: flagged rows are red"
check_style "Build #3 failed" "fg=d bold" "defaults: unread rows are bold"
check_style "alice: INBOX" "rev" "defaults: the status line is reverse video"
stop "defaults"

# ---- every element its configured colour (256 colours) --------------------
FULL=("unread = color208" "flagged = brightgreen"
  "status = bold white on blue" "selected = black on yellow"
  "error = yellow on red" "quote1 = color39" "quote2 = underline magenta"
  "header = bright cyan" "sidebar_account = reverse")
use_colors "${FULL[@]}"
printf '\n[keys]\nz = no-such-action\n' >>"$T/config"
start 160 30
check_style "Build #3 failed" "fg=208 bg=d" "unread rows in color208"
check_style "Hostile" "fg=d bg=d" "read rows keep the normal colour"
check_style "Build #11 failed" "fg=10" "flagged rows in brightgreen (SGR 92)"
check_style "alice: INBOX" "fg=7 bg=4 bold" \
  "the status line is bold white on blue"
check_style "Perch" "fg=0 bg=3" "the selected row is black on yellow"
check_style "[keys] z:" "fg=3 bg=1" \
  "the last error on the status line is yellow on red"
check_style "alice" "rev" "the sidebar's account is in reverse video"
tui_keys Enter
tui_wait "Sicuro?"
check_style "From: Lucia" "fg=14" "pager headers in bright cyan"
check_style "> Il caff" "fg=39" "first quote level in color39"
check_style ">> Sicuro?" "fg=5 ul" "second quote level underlined magenta"
tui_keys q
stop "256 colours"

# ---- 8 colours: the nearest colour, bright as bold -------------------------
use_colors "${FULL[@]}"
start 100 30 TERM=screen
check_style "Build #3 failed" "fg=3" "8 colours: color208 becomes yellow"
check_style "Build #11 failed" "fg=2 bold" \
  "8 colours: brightgreen becomes bold green"
stop "8 colours"

# ---- colours off ------------------------------------------------------------
use_colors "enable = no" "${FULL[@]}"
start
no_colors "enable = no: no colour on screen"
check_style "alice: INBOX" "rev bold" \
  "enable = no: the status line keeps reverse video, plus the bold asked for"
check_style "Build #3 failed" "bold" "enable = no: unread rows stay bold"
stop "enable = no"

use_colors "${FULL[@]}"
start 100 30 NO_COLOR=1
no_colors "NO_COLOR=1: no colour on screen"
stop "NO_COLOR"

use_colors "enable = yes" "${FULL[@]}"
start 100 30 NO_COLOR=1
check_style "Build #3 failed" "fg=208" \
  "enable = yes in the file wins over NO_COLOR"
stop "enable = yes"

# ---- a terminal without colours ----------------------------------------------
use_colors "${FULL[@]}"
start 100 30 TERM=vt100
no_colors "TERM=vt100: no colour sequences"
tui_screen | grep -q "Perché il caffè" && tui_screen | grep -q "Build #3 failed"
ok $? "TERM=vt100: the index is readable"
check_style "alice: INBOX" "rev" "TERM=vt100: the status line is in reverse video"
stop "vt100"
TUI_LAST_SCREEN="runs that did not exit 0:$bad_exits"
[[ -z $bad_exits ]]
ok $? "every run quits with status 0"
tui_done
