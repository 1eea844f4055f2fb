# SPDX-License-Identifier: MIT
# Helpers for benchmark sections: alternate bare and shim runs, print medians and the ratio.

# bench_median: read numbers on stdin, print the median.
bench_median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'
}

# bench_ab LABEL OPS CMD...: CMD prints elapsed ns on its last line; runs it bare and under
# the shim, alternating (ABBA), BENCH_ROUNDS times each; prints per-op medians and shim/bare.
bench_ab() {
	_label=$1 _ops=$2
	shift 2
	_dir=$(mktemp -d /tmp/agshim-bench.XXXXXX)
	_i=0
	while [ $_i -lt "${BENCH_ROUNDS:-7}" ]; do
		# ABBA order: whichever runs first in a round is not always the same one.
		for _which in $( [ $((_i % 2)) = 0 ] && echo "bare shim" || echo "shim bare"); do
			if [ "$_which" = bare ]; then
				"$@" | tail -n 1 >> "$_dir/bare" ||
					{ echo "bench: $_label failed bare" >&2; return 1; }
			else
				AGSHIM_OUT="$_dir/ev.jsonl" LD_PRELOAD="$AGS_LIB" "$@" | tail -n 1 \
					>> "$_dir/shim" ||
					{ echo "bench: $_label failed under the shim" >&2; return 1; }
				rm -f "$_dir/ev.jsonl"
			fi
		done
		_i=$((_i + 1))
	done
	_b=$(bench_median < "$_dir/bare")
	_s=$(bench_median < "$_dir/shim")
	awk -v l="$_label" -v b="$_b" -v s="$_s" -v n="$_ops" 'BEGIN {
		printf "%-44s bare %9.2f us/op  shim %9.2f us/op  ratio %.3f\n",
			l, b / n / 1000, s / n / 1000, (b > 0 ? s / b : 0) }'
	rm -rf "$_dir"
}
