#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# make install and uninstall, the man pages and the bash completion.  Runs
# on the host: nothing here needs the module or a guest.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CTL=$TOP/ioctl-tool/vmalockctl
MAN8=$TOP/docs/vmalockctl.8
STRESS_MAN8=$TOP/docs/vmalock-stress.8

bats_require_minimum_version 1.5.0

# What "make install PREFIX=/usr" puts, relative to DESTDIR.
EXPECTED='usr/lib/vmalock/check-kernel-log
usr/lib/vmalock/log-patterns
usr/sbin/vmalock-stress
usr/sbin/vmalockctl
usr/share/bash-completion/completions/vmalockctl
usr/share/man/man8/vmalock-stress.8
usr/share/man/man8/vmalockctl.8'

setup_file() {
	make -s -C "$TOP" tool >/dev/null
}

setup() {
	DEST=$(mktemp -d "${BATS_TMPDIR:-/tmp}/vmalock-install.XXXXXX")
}

teardown() {
	rm -rf "$DEST"
}

install_usr() {
	make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr >/dev/null
}

# The files under DESTDIR, one per line, sorted.
files_in() {
	(cd "$1" && find . -type f -o -type l) | sed 's|^\./||' | LC_ALL=C sort
}

# The commands "vmalockctl --help" lists.
help_commands() {
	"$CTL" --help | awk '/^Commands:/ { on = 1; next }
		on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

# The options in the "Options:" section of "vmalockctl [CMD] --help".
help_options() {
	"$CTL" ${1:+"$1"} --help | awk '/^Options:/ { on = 1; next }
		on && /^$/ { exit }
		on && /^  (    )?-/ {
			line = $0; sub(/^ +/, "", line)
			n = split(line, w, /[ ,]+/)
			for (i = 1; i <= n && w[i] ~ /^-/; i++) print w[i]
		}'
}

# A man page's source as plain words: \- as -, font escapes gone.
man_plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\c$//' "$1"
}

# The part of a man page from ".SS NAME" to the next .SS or .SH.
man_section() {
	man_plain "$1" | awk -v name="$2" '
		/^\.S[SH]/ { on = ($1 == ".SS" && $2 == name); next }
		on'
}

# man_drift MANPAGE: print every command of --help with no ".SS" section
# in MANPAGE, and every option of a command's --help that its section does
# not name (the tool's own options: in OPTIONS).  Silent when all is there.
man_drift() {
	local man=$1 cmd opt text

	text=$(man_plain "$man" | awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on')
	for opt in $(help_options); do
		grep -qw -e "$opt" <<<"$text" || echo "vmalockctl $opt"
	done
	for cmd in $(help_commands); do
		text=$(man_section "$man" "$cmd")
		if [ -z "$text" ]; then
			echo "command $cmd"
			continue
		fi
		for opt in $(help_options "$cmd"); do
			case $opt in -h | --help) continue ;; esac
			grep -qE -e "(^|[^-[:alnum:]])$opt([^-[:alnum:]]|$)" <<<"$text" ||
				echo "$cmd $opt"
		done
	done
}

# complete WORD...: run the completion for the command line WORD... (the
# last word being the one completed) in a fresh bash; prints the candidates.
complete_words() {
	local comp=$1
	shift
	bash -c 'source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_vmalockctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}

@test "make install DESTDIR PREFIX=/usr installs exactly the expected files" {
	install_usr
	run -0 files_in "$DEST"
	echo "$output"
	[ "$output" = "$EXPECTED" ]
	[ -x "$DEST/usr/sbin/vmalockctl" ]
	[ -x "$DEST/usr/sbin/vmalock-stress" ]
	[ -x "$DEST/usr/lib/vmalock/check-kernel-log" ]
	cmp "$CTL" "$DEST/usr/sbin/vmalockctl"
}

@test "PREFIX defaults to /usr/local" {
	make -s -C "$TOP" install DESTDIR="$DEST" >/dev/null
	run -0 files_in "$DEST"
	[ "$output" = "${EXPECTED//usr\//usr/local/}" ]
}

@test "make install after a build compiles nothing" {
	run -0 make -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr
	echo "$output"
	! grep -Eq '(^| )(cc|gcc) ' <<<"$output"
}

@test "make install into a writable DESTDIR needs no root" {
	[ "$(id -u)" -eq 0 ] || skip "not root: this run is already unprivileged"
	command -v runuser >/dev/null || skip "no runuser"
	runuser -u nobody -- test -r "$TOP/Makefile" || skip "nobody cannot read the tree"
	chmod 0777 "$DEST"
	run -0 runuser -u nobody -- make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr
	run -0 files_in "$DEST"
	[ "$output" = "$EXPECTED" ]
	[ "$(stat -c %U "$DEST/usr/sbin/vmalockctl")" = nobody ]
}

@test "make uninstall removes everything install put" {
	install_usr
	run -0 make -s -C "$TOP" uninstall DESTDIR="$DEST" PREFIX=/usr
	run -0 files_in "$DEST"
	[ -z "$output" ]
	[ ! -e "$DEST/usr/lib/vmalock" ]
}

@test "the installed vmalockctl runs" {
	install_usr
	run -0 "$DEST/usr/sbin/vmalockctl" --version
	[[ "$output" =~ ^vmalockctl\ [0-9.]+\ \(abi\ [0-9]+\)$ ]]
	run -0 "$DEST/usr/sbin/vmalockctl" --help
	[[ "$output" == Usage:* ]]
	run -0 "$DEST/usr/sbin/vmalockctl" help stress
	[[ "$output" == *--seconds* ]]
	run -2 "$DEST/usr/sbin/vmalockctl" no-such-command
}

@test "the installed vmalock-stress runs the vmalockctl beside it" {
	install_usr
	run -0 "$DEST/usr/sbin/vmalock-stress" --help
	[[ "$output" == *--preset* ]]
	# A vmalockctl that only records how it was called: the script must
	# take the one beside it, not the source tree's or PATH's.
	printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\nexit 1\n' "$DEST" >"$DEST/usr/sbin/vmalockctl"
	run -1 env -u VMALOCKCTL "$DEST/usr/sbin/vmalock-stress" --ko /nonexistent/vmalock.ko
	echo "$output"
	grep -qx "$DEST/usr/sbin/vmalockctl load --path /nonexistent/vmalock.ko" "$DEST/calls"
}

@test "the installed vmalock-stress says so when no vmalockctl is found" {
	install_usr
	rm "$DEST/usr/sbin/vmalockctl"
	run -1 env -u VMALOCKCTL PATH=/usr/bin:/bin "$DEST/usr/sbin/vmalock-stress"
	[[ "$output" == *"vmalockctl not found"* ]]
}

@test "the installed kernel-log check finds its patterns" {
	install_usr
	printf '[    1.0] vmalock: vmalock 0.3.0 loaded\n' >"$DEST/clean.log"
	printf '[    1.0] BUG: unable to handle page fault\n' >"$DEST/bad.log"
	run -0 "$DEST/usr/lib/vmalock/check-kernel-log" "$DEST/clean.log"
	run -1 "$DEST/usr/lib/vmalock/check-kernel-log" "$DEST/bad.log"
	[[ "$output" == *"BUG: unable"* ]]
	# And the path vmalock-stress gives it, from where it is installed.
	grep -q 'check_log=$here/../lib/vmalock/check-kernel-log' "$DEST/usr/sbin/vmalock-stress"
}

@test "the man pages render without warnings" {
	local page
	for page in "$MAN8" "$STRESS_MAN8"; do
		run -0 --separate-stderr groff -man -Tutf8 -ww -z "$page"
		echo "$page: $stderr"
		[ -z "$stderr" ]
		run -0 --separate-stderr env MANWIDTH=80 man -l "$page"
		[ -z "$stderr" ]
		[[ "$output" == *NAME* ]]
	done
}

@test "the installed man pages are found by man" {
	install_usr
	run -0 env MANWIDTH=80 man -M "$DEST/usr/share/man" 8 vmalockctl
	[[ "$output" == *"vmalockctl - load, inspect and exercise"* ]]
	run -0 env MANWIDTH=80 man -M "$DEST/usr/share/man" 8 vmalock-stress
}

@test "vmalockctl.8 has every command and option of the help texts" {
	run -0 help_commands
	[ "${#lines[@]}" -ge 16 ]
	run -0 man_drift "$MAN8"
	echo "missing from $MAN8:"
	echo "$output"
	[ -z "$output" ]
}

@test "the man drift check fails when a command or an option is missing" {
	# An option taken out of its command's section...
	sed '/^\.SS stress$/,/^\.SS fuzz$/{/no\\-fork/d}' "$MAN8" >"$DEST/no-option.8"
	run -0 man_drift "$DEST/no-option.8"
	[ "$output" = "stress --no-fork" ]
	# ...and a command's whole section.
	sed 's/^\.SS residency$/.SS gone/' "$MAN8" >"$DEST/no-command.8"
	run -0 man_drift "$DEST/no-command.8"
	[ "$output" = "command residency" ]
}

@test "vmalockctl.8 documents the JSON names, the environment and the exit status" {
	local text env
	text=$(man_plain "$MAN8")
	for word in _ns _per_s _bytes VMALOCKCTL_JSON_ERRORS=1 \
		VMALOCKCTL_PROGRESS_INTERVAL_S '.SH EXIT STATUS' '.SH ENVIRONMENT'; do
		grep -qF -e "$word" <<<"$text" || { echo "missing: $word"; false; }
	done
	# Every variable a help text's "Environment:" section names.
	for env in $(for c in $(help_commands); do "$CTL" "$c" --help; done |
		awk '/^Environment:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [A-Z]/ { print $1 }'); do
		grep -qw -e "$env" <<<"$text" || { echo "missing: $env"; false; }
	done
}

@test "vmalock-stress.8 has every option of the script" {
	local text opt
	text=$(man_plain "$STRESS_MAN8")
	for opt in $(sed -n '4,5p' "$TOP/tests/stress/vmalock-stress.sh" | grep -oE -- '--[a-z]+'); do
		grep -qw -e "$opt" <<<"$text" || { echo "missing: $opt"; false; }
	done
	grep -qw quick <<<"$text"
	grep -qw soak <<<"$text"
}

@test "the completion completes the commands" {
	install_usr
	run -0 complete_words "$DEST/usr/share/bash-completion/completions/vmalockctl" \
		"$DEST/usr/sbin/vmalockctl" ''
	[ "$output" = "$(help_commands; echo help)" ]
	run -0 complete_words "$DEST/usr/share/bash-completion/completions/vmalockctl" \
		"$DEST/usr/sbin/vmalockctl" st
	[ "$output" = "$(printf 'stats\nstress')" ]
	run -0 complete_words "$DEST/usr/share/bash-completion/completions/vmalockctl" \
		"$DEST/usr/sbin/vmalockctl" help fu
	[ "$output" = fuzz ]
}

@test "the completion completes a command's options, from its --help" {
	local comp=$TOP/scripts/vmalockctl.bash-completion cmd
	for cmd in $(help_commands); do
		run -0 complete_words "$comp" "$CTL" "$cmd" -
		[ "$output" = "$(help_options "$cmd")" ] || { echo "$cmd: $output"; false; }
	done
	run -0 complete_words "$comp" "$CTL" stress --se
	[ "$output" = "$(printf -- '--seed\n--seconds')" ]
	run -0 complete_words "$comp" "$CTL" touch -t 4 --w
	[ "$output" = --write ]
}

@test "the completion completes option and command arguments" {
	local comp=$TOP/scripts/vmalockctl.bash-completion
	run -0 complete_words "$comp" "$CTL" stress --mode ''
	[ "$output" = "$(printf 'mmap\nvma\nspec')" ]
	run -0 complete_words "$comp" "$CTL" delay --fd 5 ''
	[ "$output" = "$(printf 'spec-window\nwriter')" ]
	# After an option that takes a number, no options are offered.
	run -0 complete_words "$comp" "$CTL" stress --threads ''
	[ -z "$output" ]
}

@test "bash-completion's loader finds the installed completion" {
	[ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	install_usr
	run -0 bash -c 'source /usr/share/bash-completion/bash_completion
		BASH_COMPLETION_USER_DIR=$1/usr/share/bash-completion
		__load_completion vmalockctl && complete -p vmalockctl' _ "$DEST"
	[[ "$output" == *"-F _vmalockctl vmalockctl"* ]]
}
