#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the unit tests and the scenario tests; the last line is the summary.
#   TESTS=pattern  only tests whose name contains the pattern
#   VERBOSE=1      show every test's output, not only a failure's
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-.output}
case "$OUTPUT" in /*) ;; *) OUTPUT="$root/$OUTPUT" ;; esac
[ "${SAN:-0}" = 1 ] && case "$OUTPUT" in *-san) ;; *) OUTPUT="$OUTPUT-san" ;; esac
export AGS_ROOT="$root" AGS_OUTPUT="$OUTPUT"
export AGS_LIB="$OUTPUT/libagshim.so" AGS_REPORT="$OUTPUT/agshim-report"
export AGS_BPF="$OUTPUT/agshim-bpf" AGS_PROGS="$OUTPUT/progs"
export NODE_PATH="$root/tests/node_modules"
pattern=${TESTS:-}
logdir=$(mktemp -d /tmp/agshim-tests.XXXXXX)
pass=0 fail=0 skip=0 failed=""
ebpf_ran=0 ebpf_skipped=0

run_one() {	# name, command...
	name=$1
	shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	tmp=$(mktemp -d /tmp/agshim-t.XXXXXX)
	start=$(date +%s)
	AGS_TMP="$tmp" timeout -k 10 "${AGS_TEST_TIMEOUT:-300}" "$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"
	   echo "FAIL $name (exit $rc, ${secs}s)"; sed 's/^/    | /' "$log" | tail -n 60 ;;
	esac
	[ "${VERBOSE:-0}" = 1 ] && [ $rc -ne 1 ] && sed 's/^/    | /' "$log"
	case "$name" in scenario/ebpf_*)
		if [ $rc -eq 77 ]; then ebpf_skipped=$((ebpf_skipped + 1))
		else ebpf_ran=$((ebpf_ran + 1)); fi ;;
	esac
	rm -rf "$tmp"
}

for t in "$OUTPUT"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for s in "$root"/tests/scenarios/*.sh; do
	[ -f "$s" ] || continue
	run_one "scenario/$(basename "$s" .sh)" sh "$s"
done

echo "ebpf tests: $ebpf_ran ran, $ebpf_skipped skipped"
if [ "${AGSHIM_REQUIRE_EBPF:-0}" = 1 ] && [ $ebpf_skipped -gt 0 ]; then
	echo "eBPF tests were skipped on a machine that must run them" >&2
	fail=$((fail + ebpf_skipped))
fi
[ -n "$failed" ] && echo "failed:$failed"
rm -rf "$logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
