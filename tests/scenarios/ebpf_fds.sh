#!/bin/sh
# SPDX-License-Identifier: MIT
# EMFILE from a static program: agshim attach sees the failed open with the process's open
# descriptors and its limit.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"

"$AGS_BPF" attach --out ev.jsonl -- "$AGS_PROGS/static_fds" >out.txt 2>err.txt ||
	fail "the program did not reach EMFILE: $(cat out.txt err.txt)"
cat out.txt
jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
assert_jq all.json 'any(.[]; .kind == "fd_exhaust" and .err == "EMFILE" and .call == "openat"
	and .limit == 16)' 'the EMFILE, with the limit'
assert_jq all.json '[.[] | select(.kind == "fd_exhaust")] | length == 1' 'one event for one failure'
if grep -q '"fd.exhaustion"' "$AGS_OUTPUT/playbook.json"; then
	ags_report ev.jsonl >report.json
	assert_jq report.json '.findings | any(.id == "fd.exhaustion")' 'fd.exhaustion'
fi
exit 0
