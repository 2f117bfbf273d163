#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# vmalockctl stress and the stress script users run: the quick preset on
# every kernel, the summary's promises, and that the checker does catch a
# page that differs from what was published.

load lib

STRESS=$TOP/tests/stress/vmalock-stress.sh

setup() {
	unload_vmalock
	mark_kernel_log
}
teardown() { vmalock_teardown; }

@test "the quick stress preset passes (seed ${VMALOCK_STRESS_SEED:-1})" {
	run "$STRESS" --preset quick --seed "${VMALOCK_STRESS_SEED:-1}" --ko "$KO"
	echo "$output" | grep -Ev '^  [a-z_-]+ +[0-9]'
	[ "$status" -eq 0 ]
	[ "$(grep -c 'result: ok' <<<"$output")" -eq 6 ]
	[[ "$output" == *"6 runs, 0 failed"* ]]
	! module_loaded
}

@test "stress --json: every kind of operation ran, reads verified, pages accounted" {
	load_vmalock
	run "$CTL" stress --seed 7 --ops 3000 --seconds 600 --json
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.ok and .failure == null' <<<"$output"
	# Each operation kind was done at least once.
	jq -e '[.done[]] | all(. > 0)' <<<"$output"
	jq -e '.reads.exact > 1000 and .children > 0' <<<"$output"
	jq -e '.pages.checked and .pages.held_counters == .pages.held_regions and .pages.after_close == 0' <<<"$output"
	jq -e '.served.speculative > 0 and .served.mapping_lock > 0 and .served.coarse_lock > 0' <<<"$output"
	jq -e '.counters.faults == .served.speculative + .served.mapping_lock + .served.coarse_lock' <<<"$output"
	jq -e '.counters.fills > 0 and .counters.invalidations > 0' <<<"$output"
}

@test "stress stops at the first page that differs from what was published" {
	load_vmalock
	run "$CTL" stress --seed 3 --ops 3000 --seconds 600 --corrupt-one
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAILED: seed 3, thread "*"word "*": read 0x"*"expected 0x"* ]]
}

@test "stress: bad options are usage errors" {
	load_vmalock
	run "$CTL" stress --threads 0
	[ "$status" -eq 2 ]
	run "$CTL" stress --pages 2048 --max-pages 1024
	[ "$status" -eq 2 ]
	run "$CTL" stress --mode bogus
	[ "$status" -eq 2 ]
}

# Progress lines: "stress: 5 s of 6, N of M operations started, ...".
@test "stress prints progress on a terminal or with --progress, never with --json to a pipe" {
	local long=(--seed 3 --threads 2 --ops 1000000000 --seconds 6)
	load_vmalock
	run -0 --separate-stderr "$CTL" stress "${long[@]}" --progress
	echo "$stderr"
	grep -E '^stress: [0-9]+ s of 6, [0-9]+ of 1000000000 operations started, no mismatch so far$' <<<"$stderr"
	# Off a terminal and without --progress: none.
	run -0 --separate-stderr "$CTL" stress "${long[@]}"
	! grep -E '^stress: [0-9]+ s of' <<<"$stderr"
	# --json to a pipe: none, even when asked for.
	run -0 --separate-stderr "$CTL" stress "${long[@]}" --json --progress
	! grep -E '^stress: [0-9]+ s of' <<<"$stderr"
	jq -e '.elapsed_ns >= 6000000000' <<<"$output"
	# On a terminal (script(1) gives it one): by itself.
	run -0 script -qec "$CTL stress ${long[*]}" /dev/null
	grep -E 'stress: [0-9]+ s of 6, ' <<<"$output"
}
