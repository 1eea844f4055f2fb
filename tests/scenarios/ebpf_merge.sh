#!/bin/sh
# SPDX-License-Identifier: MIT
# The same process traced by the preload shim and by agshim attach at once: the report of
# both files names each diagnosis once, as the report of the shim's file alone does.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"

# static_faults built dynamically, so that the shim reaches it too.
cc -O1 -o faults "$AGS_ROOT/tests/progs/static_faults.c" || fail "cannot build the program"
"$AGS_BPF" attach --out bpf.jsonl -- env LD_PRELOAD="$AGS_LIB" AGSHIM_OUT="$AGS_TMP/pre.jsonl" \
	./faults >out.txt 2>err.txt
[ $? -eq 3 ] || fail "the program did not exit 3: $(cat err.txt)"
[ -s pre.jsonl ] || fail "the shim wrote nothing"
grep -q '"src":"ebpf"' bpf.jsonl || fail "agshim-bpf wrote nothing"

ags_report pre.jsonl >pre.json
ags_report pre.jsonl bpf.jsonl >both.json
jq -r '.findings[].id' pre.json | sort -u >ids.txt
grep -q spawn.no_such_file ids.txt || fail "the shim alone does not report spawn.no_such_file"
grep -q net.connect_refused ids.txt || fail "the shim alone does not report net.connect_refused"
# Every diagnosis of the shim's file, counted the same with agshim-bpf's events added.
for id in $(cat ids.txt); do
	a=$(jq --arg id "$id" '[.findings[] | select(.id == $id) | .count] | add // 0' pre.json)
	b=$(jq --arg id "$id" '[.findings[] | select(.id == $id) | .count] | add // 0' both.json)
	[ "$a" = "$b" ] || fail "$id counted $a times from the shim, $b times from both producers"
done
# The zombie the shim leaves unnamed (gone before AGSHIM_ZOMBIE_MS) the kernel still saw.
assert_jq both.json '[.findings[] | select(.id == "child.zombie")] | length == 1' \
	'the merged report names the zombie once'
assert_jq both.json '.processes | any(.src == ["ebpf", "preload"] or .src == ["preload", "ebpf"])' \
	'the process is known to be seen by both'
exit 0
