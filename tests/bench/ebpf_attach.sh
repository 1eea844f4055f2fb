#!/bin/sh
# SPDX-License-Identifier: MIT
# eBPF overhead: getaddrinfo+connect and spawn loops bare, under agshim attach (pid and
# cgroup) and under the libbpf-tools that attach here (execsnoop, tcplife, gethostlatency).
set -u
. "$AGS_ROOT/tests/bench/lib.sh"
if [ "$(id -u)" -ne 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "ebpf: needs root and BTF, skipped"
	exit 0
fi
bpf=${AGS_BPF:-$AGS_OUTPUT/agshim-bpf}
rounds=${BENCH_ROUNDS:-7}
n_gai=${BENCH_EBPF_GAI_N:-3000}
n_spawn=${BENCH_EBPF_SPAWN_N:-300}
n_num=${BENCH_EBPF_NUM_N:-20000}
dir=$(mktemp -d /tmp/agshim-bench-ebpf.XXXXXX)
cg=/sys/fs/cgroup/unified/agshim-bench-$$
[ -f /sys/fs/cgroup/unified/cgroup.procs ] || cg=/sys/fs/cgroup/agshim-bench-$$
tools="execsnoop tcplife gethostlatency"
bg=""
cleanup() {
	for p in $bg; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
mkdir "$cg" || { echo "ebpf: cannot create $cg" >&2; exit 1; }
cc -O2 -o "$dir/loops" "$AGS_ROOT/tests/bench/ebpf_loops.c" || exit 1
have_tools=1
for t in $tools; do command -v "$t" >/dev/null || have_tools=0; done
[ $have_tools = 1 ] || echo "ebpf: libbpf-tools missing (AGSHIM_BENCH_DEPS=1 sh scripts/deps.sh)"

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (10 s at most).
wait_for() {
	_w=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_w=$((_w + 1))
		[ $_w -lt 100 ] || return 1
		sleep 0.1
	done
}

run_bare() { "$dir/loops" "$@" | tail -n 1; }
run_attach() { "$bpf" attach --out /dev/null -- "$dir/loops" "$@" 2>/dev/null | tail -n 1; }
run_cgroup() {
	"$bpf" attach --cgroup "$cg" --out /dev/null 2>"$dir/cg.err" &
	_l=$!
	bg="$bg $_l"
	wait_for "$dir/cg.err" 'attached:' || { echo "ebpf: cgroup attach failed" >&2; return 1; }
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$dir/loops" "$@" |
		tail -n 1
	kill $_l
	wait $_l 2>/dev/null
}
run_tools() {
	_pids=""
	for t in $tools; do
		stdbuf -oL "$t" >"$dir/$t.out" 2>&1 &
		_pids="$_pids $!"
	done
	bg="$bg $_pids"
	for t in $tools; do
		wait_for "$dir/$t.out" '[A-Z]' || { echo "ebpf: $t did not start" >&2; return 1; }
	done
	run_bare "$@"
	for p in $_pids; do kill "$p"; done
	wait $_pids 2>/dev/null
}

# measure LABEL OPS ARGS...: alternate the configurations, print medians and ratios.
measure() {
	_label=$1 _ops=$2
	shift 2
	rm -f "$dir"/r.*
	_i=0
	while [ $_i -lt "$rounds" ]; do
		run_bare "$@" >>"$dir/r.bare"
		run_attach "$@" >>"$dir/r.attach"
		run_cgroup "$@" >>"$dir/r.cgroup"
		[ $have_tools = 1 ] && run_tools "$@" >>"$dir/r.tools"
		_i=$((_i + 1))
	done
	_b=$(bench_median <"$dir/r.bare")
	for c in attach cgroup tools; do
		[ -s "$dir/r.$c" ] || continue
		_v=$(bench_median <"$dir/r.$c")
		awk -v l="$_label" -v c="$c" -v b="$_b" -v v="$_v" -v n="$_ops" 'BEGIN {
			printf "%-34s %-13s bare %9.2f us/op  with %9.2f us/op  ratio %.3f\n",
				l, c, b / n / 1000, v / n / 1000, (b > 0 ? v / b : 0) }'
	done
}

measure "ebpf: getaddrinfo+connect loop" "$n_gai" gai "$n_gai"
measure "ebpf: spawn loop (/bin/true)" "$n_spawn" spawn "$n_spawn"

# What one getaddrinfo call pays for its uprobe and uretprobe (numeric host: a cheap call).
rm -f "$dir"/r.*
_i=0
while [ $_i -lt "$rounds" ]; do
	run_bare gainum "$n_num" >>"$dir/r.bare"
	run_attach gainum "$n_num" >>"$dir/r.attach"
	_i=$((_i + 1))
done
awk -v b="$(bench_median <"$dir/r.bare")" -v v="$(bench_median <"$dir/r.attach")" -v n="$n_num" \
	'BEGIN { printf "ebpf: getaddrinfo uprobe+uretprobe cost  %.2f us per call (bare %.2f us, probed %.2f us)\n",
		(v - b) / n / 1000, b / n / 1000, v / n / 1000 }'
exit 0
