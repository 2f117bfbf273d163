#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-plot.sh KVER.json...: the two plots of a "vmalockctl bench --json"
# run, beside each file, in PNG and SVG:
#   KVER-ns-per-page.*  ns per page of every configuration and path, one
#                       bar per load (1 thread; log scale)
#   KVER-threads.*      first-touch pages per second against the number
#                       of sweeping threads (no load)
set -euo pipefail

loads=(alone churn churn-other writer)

for json in "$@"; do
	base=${json%.json}
	kver=$(basename "$base")
	dat=$(mktemp -d)
	trap 'rm -rf "$dat"' EXIT

	# One line per configuration:path, in the bench's order, a column
	# per load; NaN where the load does not apply or no sample was valid.
	jq -rs --argjson all "$(printf '%s\n' "${loads[@]}" | jq -R . | jq -s .)" '
		[.[] | select(.threads == 1)] as $r
		# Only the loads with a figure: gnuplot refuses an empty column.
		| [$all[] | . as $l | select(any($r[]; .load == $l and .valid > 0))] as $loads
		| (["row"] + $loads | @tsv),
		  ($r | map(.config + ":" + .path)
		      | reduce .[] as $k ([]; if any(.[]; . == $k) then . else . + [$k] end)
		      | .[]) as $k
		| [$k] + ($loads | map(. as $l
			| [$r[] | select(.config + ":" + .path == $k and .load == $l
					 and .valid > 0)][0].ns_per_page // "NaN"))
		| @tsv' "$json" >"$dat/ns.tsv"
	# pages/s against threads, first touch alone: a block per configuration.
	jq -rs '
		[.[] | select(.path == "first-touch" and .load == "alone" and .valid > 0)]
		| group_by(.config) | sort_by(.[0].config) | .[]
		| "\"\(.[0].config)\"", (sort_by(.threads) | .[]
			| "\(.threads)\t\(1e9 / .ns_per_page)"), "", ""' \
		"$json" >"$dat/threads.tsv"
	ncols=$(head -n 1 "$dat/ns.tsv" | awk -F '\t' '{ print NF }')
	title="vmalockctl bench, kernel $kver, $(date -u -r "$json" +%F)"
	for term in png svg; do
		if [ $term = png ]; then
			t="pngcairo size 1600,900 font ',10'"
		else
			t="svg size 1600,900 font ',10'"
		fi
		gnuplot <<-GP
			set terminal $t
			set output '$base-ns-per-page.$term'
			set title '$title: ns per page (1 thread; log scale; read as ratios)'
			set style data histograms
			set style histogram clustered gap 1
			set style fill solid border -1
			set logscale y
			set ylabel 'ns per page'
			set xtics rotate by -50 scale 0 noenhanced
			set key top left noenhanced
			set grid ytics
			set bmargin 14
			plot for [i=2:$ncols] '$dat/ns.tsv' using i:xtic(1) title columnheader(i)
			set output '$base-threads.$term'
			set title '$title: first-touch pages per second against threads'
			unset logscale y
			set style data linespoints
			set ylabel 'pages per second'
			set xlabel 'threads'
			set xtics 1 norotate
			set bmargin 4
			set key outside right noenhanced
			plot for [i=0:*] '$dat/threads.tsv' index i using 1:2 title columnheader(1)
		GP
	done
	rm -rf "$dat"
	trap - EXIT
	echo "bench-plot: $base-ns-per-page.{png,svg} $base-threads.{png,svg}"
done
