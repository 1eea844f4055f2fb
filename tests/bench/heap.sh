#!/bin/sh
# SPDX-License-Identifier: MIT
# Heap overhead: bare vs forward-only floor vs shim (default, every allocation) vs heaptrack.
set -u
. "$AGS_ROOT/tests/bench/lib.sh"
dir=$(mktemp -d /tmp/agshim-heapbench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cc -O2 -o "$dir/heap_bench" "$AGS_ROOT/tests/bench/heap_bench.c" -lpthread || exit 1
cc -O2 -shared -fPIC -o "$dir/fwd.so" "$AGS_ROOT/tests/bench/heap_fwd.c" || exit 1
n=${BENCH_HEAP_N:-5000000}
rounds=${BENCH_ROUNDS:-7}
[ "$rounds" -gt 5 ] && rounds=5
have_ht=0
command -v heaptrack >/dev/null && have_ht=1

# run VARIANT CMD...: wall seconds and peak RSS (KiB) of one run, appended to dir/VARIANT.
run() {
	v=$1
	shift
	case $v in
	bare) set -- "$@" ;;
	fwd) set -- env LD_PRELOAD="$dir/fwd.so" "$@" ;;
	shim) set -- env AGSHIM_OUT="$dir/ev.jsonl" LD_PRELOAD="$AGS_LIB" "$@" ;;
	every) set -- env AGSHIM_OUT="$dir/ev.jsonl" AGSHIM_HEAP_SAMPLE=1 LD_PRELOAD="$AGS_LIB" "$@" ;;
	heaptrack) set -- heaptrack -o "$dir/ht" "$@" ;;
	esac
	/usr/bin/time -f "%e %M" -o "$dir/t" "$@" > /dev/null 2>&1 || { echo "bench: $v failed" >&2; return 1; }
	cat "$dir/t" >> "$dir/$v"
	rm -f "$dir/ev.jsonl" "$dir"/ht*
}

# section LABEL VARIANTS CMD...: alternate the variants, print medians and ratios to bare.
section() {
	label=$1 variants=$2
	shift 2
	rm -f "$dir"/bare "$dir"/fwd "$dir"/shim "$dir"/every "$dir"/heaptrack
	i=0
	while [ $i -lt "$rounds" ]; do
		for v in $variants; do
			[ $v = heaptrack ] && [ $have_ht = 0 ] && continue
			[ $v = heaptrack ] && [ $i -ge 2 ] && continue # 14x slower: two rounds
			run $v "$@" || return 1
		done
		i=$((i + 1))
	done
	bt=$(cut -d' ' -f1 "$dir/bare" | bench_median)
	bm=$(cut -d' ' -f2 "$dir/bare" | bench_median)
	for v in $variants; do
		[ -f "$dir/$v" ] || continue
		t=$(cut -d' ' -f1 "$dir/$v" | bench_median)
		m=$(cut -d' ' -f2 "$dir/$v" | bench_median)
		awk -v l="$label" -v v="$v" -v t="$t" -v m="$m" -v bt="$bt" -v bm="$bm" 'BEGIN {
			printf "%-28s %-10s %7.2f s  x%-6.3f peak %8d KiB  x%.3f\n",
				l, v, t, (bt > 0 ? t / bt : 0), m, (bm > 0 ? m / bm : 0) }'
	done
	if [ -f "$dir/heaptrack" ] && [ -f "$dir/every" ]; then
		awk -v h="$(cut -d' ' -f1 "$dir/heaptrack" | bench_median)" \
			-v e="$(cut -d' ' -f1 "$dir/every" | bench_median)" \
			'BEGIN { printf "%-28s every-allocation mode is %.1fx faster than heaptrack\n", "", h / e }'
	fi
}

section "heap: C malloc/free x$((n * 4 / 1000000))M" "bare fwd shim every heaptrack" \
	"$dir/heap_bench" "$n"
# The shim's own memory, from its exit snapshot at the default rate and every allocation.
for mode in 524288 1; do
	AGSHIM_OUT="$dir/ev.jsonl" AGSHIM_HEAP_SAMPLE=$mode LD_PRELOAD="$AGS_LIB" \
		"$dir/heap_bench" "$n" > /dev/null
	jq -r --arg m "$mode" 'select(.kind == "heap" and .final) |
		"heap: shim memory at AGSHIM_HEAP_SAMPLE=\($m): \(.shim_bytes / 1024 | floor) KiB, \(.samples) samples"' \
		"$dir/ev.jsonl" | head -n 1
	rm -f "$dir/ev.jsonl"
done
section "heap: node agent workload" "bare shim every heaptrack" \
	node "$AGS_ROOT/tests/bench/heap_node.js" "${BENCH_HEAP_NODE_N:-40000}"
