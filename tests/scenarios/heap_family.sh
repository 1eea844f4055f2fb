# SPDX-License-Identifier: MIT
# The malloc family under the shim: results, errno, alignment, cross-thread frees, fork.
. "$AGS_ROOT/tests/lib.sh"

# The program checks every result itself; it must behave the same with and without the shim.
"$AGS_PROGS/heap_family" > bare.out || fail "heap_family fails without the shim"
for mode in 1 4096 524288; do
	rm -f ev.jsonl
	AGSHIM_HEAP_SAMPLE=$mode ags_run ev.jsonl "$AGS_PROGS/heap_family" > out.txt ||
		fail "heap_family failed under the shim, AGSHIM_HEAP_SAMPLE=$mode: $(cat out.txt)"
	[ "$(cat out.txt)" = ok ] || fail "output differs: $(cat out.txt)"
done

# Every allocation recorded: the kept blocks are exact, the thread ring balanced to zero.
rm -f ev.jsonl
AGSHIM_HEAP_SAMPLE=1 ags_run ev.jsonl "$AGS_PROGS/heap_family" > out.txt || fail "sample=1 run"
# The parent exits last: its exit snapshot is the last heap event, its stacks follow it.
jq -s 'map(.kind == "heap") | rindex(true)' ev.jsonl > at.txt
jq -s --argjson at "$(cat at.txt)" '.[$at:] | map(select(.kind == "heap_stack"))' ev.jsonl \
	> last.json
assert_jq last.json '[.[] | select(.frames[0] | startswith("keep_realloc_chain+"))] |
	length == 1 and .[0].live_bytes == 1048576 and .[0].live_count == 1' \
	"the realloc chain ends as one live block of 1 MiB"
assert_jq last.json '[.[] | select(.frames[0] | startswith("keep_aligned+")) | .live_bytes] |
	add == 15000 and length == 5' "posix_memalign, aligned_alloc, memalign, valloc, pvalloc"
assert_jq last.json '[.[] | select(any(.frames[]; startswith("producer+")))] | length == 0' \
	"blocks freed by the other thread leave nothing live"
# Fork children wrote their own exit snapshots.
assert_jq ev.jsonl 'true' "events parse"
n=$(jq -s '[.[] | select(.kind == "heap" and .final == true) | .pid] | unique | length' ev.jsonl)
[ "$n" -ge 41 ] || fail "expected exit snapshots of the parent and 40 children, got $n"
