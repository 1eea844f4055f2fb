# SPDX-License-Identifier: MIT
# C++ new[] and delete reach the shim through libstdc++: 16 live arrays of 4 KiB, exact.
. "$AGS_ROOT/tests/lib.sh"

command -v g++ >/dev/null || skip "g++ is not installed"
g++ -O1 -g -fno-omit-frame-pointer -o heap_cxx "$AGS_ROOT/tests/progs/heap_cxx.cpp" ||
	fail "cannot build heap_cxx"
AGSHIM_HEAP_SAMPLE=1 ags_run ev.jsonl ./heap_cxx || fail "heap_cxx exited $?"
jq -s '[.[] | select(.kind == "heap_stack" and (.frames // [] | any(startswith("cxx_leak+"))))]' \
	ev.jsonl > leak.json
assert_jq leak.json 'length == 1 and .[0].live_bytes == 65536 and .[0].live_count == 16' \
	"operator new[] from cxx_leak: 65536 bytes in 16 blocks"
assert_jq leak.json '.[0].frames[0] | test("^_Zn[wa]")' \
	"the first frame is libstdc++ operator new"
jq -s '[.[] | select(.kind == "heap_stack" and (.frames // [] | any(startswith("cxx_churn+"))))]' \
	ev.jsonl > churn.json
assert_jq churn.json 'length == 0' "cxx_churn's vector and strings were all freed again"
