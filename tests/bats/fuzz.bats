#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# vmalockctl fuzz: every command with edge-case fields, bad argument
# pointers and wrong request numbers, from threads racing opens, closes,
# resizes and mappings; every result checked against the documented
# errnos.  The same seed must replay the same calls, and once it is all
# closed the module must have freed every page it allocated.

load lib

setup() { vmalock_setup; }

# Every test leaves all its files closed and windows unmapped: each page the
# module allocated must be freed by then.  Checked before the unload, which
# takes the counters with it.
teardown() {
	local rc=0

	pages_balanced || rc=1
	vmalock_teardown || rc=1
	return $rc
}

pages_balanced() {
	local allocated freed

	allocated=$(counter pages_allocated)
	freed=$(counter pages_freed)
	echo "pages_allocated $allocated pages_freed $freed"
	[ "$allocated" -eq "$freed" ]
}

# fuzz ARGS...: "vmalockctl fuzz --json ARGS" must exit 0; its report
# (the last line) goes to $FUZZ.
fuzz() {
	run "$CTL" fuzz --json "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	FUZZ=$(tail -n 1 <<<"$output")
	jq -e '.findings == 0' <<<"$FUZZ"
}

# The report without what depends on timing.
fuzz_results() {
	jq -S 'del(.elapsed_ns, .ops_per_s)' <<<"$FUZZ"
}

@test "a seeded run from 4 threads: no finding, every outcome seen" {
	fuzz --seed 1 --ops 20000 --seconds 600 --threads 4
	jq -e '.seed == 1 and .threads == 4' <<<"$FUZZ"
	# Real work: --seconds (generous, for debug kernels) must not have cut
	# it to a token run.
	jq -e '.ops >= 10000' <<<"$FUZZ"
	jq -e '[.classes[]] | length == 8 and all(. > 0)' <<<"$FUZZ"
	jq -e '.errnos | .OK > 0 and .ENOTTY > 0 and .EFAULT > 0 and
	       .EINVAL > 0 and .E2BIG > 0 and .EBADF > 0' <<<"$FUZZ"
	# Calls judged strictly, and calls that raced a close or a resize.
	jq -e '.strict > 0 and .lenient > 0' <<<"$FUZZ"
}

@test "the same seed replays: one thread the same results, four the same calls" {
	fuzz --seed 7 --ops 3000 --seconds 600 --threads 1
	jq -e '.ops == 3000 and .lenient == 0' <<<"$FUZZ"
	local one=$(fuzz_results)
	fuzz --seed 7 --ops 3000 --seconds 600 --threads 1
	[ "$(fuzz_results)" = "$one" ]

	# With races the results may differ; the calls generated may not.
	fuzz --seed 7 --ops 2000 --seconds 600 --threads 4
	local seq=$(jq -r .sequence <<<"$FUZZ")
	fuzz --seed 7 --ops 2000 --seconds 600 --threads 4
	[ "$(jq -r .sequence <<<"$FUZZ")" = "$seq" ]
	fuzz --seed 8 --ops 2000 --seconds 600 --threads 4
	[ "$(jq -r .sequence <<<"$FUZZ")" != "$seq" ]
}

@test "after a fuzz run every page the module allocated is freed" {
	fuzz --seed 2 --ops 20000 --threads 4
	# The run is over: its files are closed and its windows unmapped.
	[ "$(counter pages_allocated)" -gt 0 ]
	[ "$(counter fills)" -gt 0 ]
	pages_balanced
}

@test "--seconds bounds a run that --ops would not" {
	fuzz --seed 3 --ops 100000000 --seconds 1 --threads 2
	jq -e '.ops > 0 and .ops < 100000000' <<<"$FUZZ"
	jq -e '.elapsed_ns < 20000000000' <<<"$FUZZ"
}

@test "without --seed the seed comes from the clock and is reported" {
	run --separate-stderr "$CTL" fuzz --json --ops 200 --threads 2
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	# Not jq: it would round a 64-bit seed to a double.
	local seed
	seed=$(sed -n 's/^{"seed": \([0-9]*\),.*/\1/p' <<<"$output")
	[ -n "$seed" ]
	[[ "$stderr" == *"--seed $seed "* ]]
}

@test "fuzz: bad arguments exit 2" {
	run -2 "$CTL" fuzz --threads 0
	[[ "$output" == *"--threads"* ]]
	run -2 "$CTL" fuzz --threads 65
	run -2 "$CTL" fuzz --ops 0
	run -2 "$CTL" fuzz --seconds 0
	run -2 "$CTL" fuzz --seed -1
	run -2 "$CTL" fuzz --no-such-option
	[[ "$output" == *"fuzz --help"* ]]
	run -2 "$CTL" fuzz unexpected
	run -0 "$CTL" fuzz --help
	[[ "$output" == *"Usage: vmalockctl fuzz"* ]]
}

@test "fuzz --progress prints a progress line every 5 s; none with --json to a pipe" {
	run -0 --separate-stderr "$CTL" fuzz --seed 5 --threads 2 --ops 1000000000 --seconds 6 --progress
	grep -E '^fuzz: [0-9]+ s of at most 6, 0 findings so far$' <<<"$stderr"
	run -0 --separate-stderr "$CTL" fuzz --seed 5 --threads 2 --ops 1000000000 --seconds 6 --progress --json
	! grep -E '^fuzz: [0-9]+ s of' <<<"$stderr"
}
