#!/bin/sh
# SPDX-License-Identifier: MIT
# agshim attach --pid on a static program that already runs (paused on a fifo): the same
# exec, connect, zombie and exit facts and diagnoses as attach -- PROGRAM.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
# The front command, as a user runs it; it finds agshim-bpf in the build tree.
agshim() { OUTPUT="$AGS_OUTPUT" AGSHIM_LIB="" sh "$AGS_ROOT/scripts/agshim" "$@"; }

loader=""
mkfifo go
"$AGS_PROGS/static_faults" go >out.txt 2>&1 &
target=$!
trap 'kill $target $loader 2>/dev/null' EXIT

agshim attach --pid "$target" --out ev.jsonl 2>err.txt &
loader=$!
i=0
until grep -q 'attached:' err.txt; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "agshim-bpf did not attach: $(cat err.txt)"
	kill -0 $loader 2>/dev/null || fail "agshim-bpf exited: $(cat err.txt)"
	sleep 0.1
done
echo go >go
wait $target
rc=$?
[ $rc -eq 3 ] || fail "the program exited $rc, not 3"
# The loader stops by itself once the traced processes are gone.
wait $loader || fail "agshim-bpf failed: $(cat err.txt)"
cat err.txt

jq -s . ev.jsonl >all.json || fail "ev.jsonl is not JSON Lines"
assert_jq all.json "any(.[]; .kind == \"proc_start\" and .existing and .pid == $target)" \
	'the process found at attach'
assert_jq all.json "any(.[]; .kind == \"exec\" and .pid == $target and .errno == 2)" \
	'the failed execve'
assert_jq all.json "any(.[]; .kind == \"connect\" and .pid == $target and .err == \"ECONNREFUSED\")" \
	'the refused connect'
assert_jq all.json "any(.[]; .kind == \"child\" and .pid == $target and .state == \"zombie\")" \
	'the zombie, from the fork followed in the kernel'
assert_jq all.json "any(.[]; .kind == \"proc_exit\" and .pid == $target and .status == 3)" \
	'the exit code'

ags_report ev.jsonl >report.json
assert_jq report.json '.findings | any(.id == "spawn.no_such_file")' 'spawn.no_such_file'
assert_jq report.json '.findings | any(.id == "child.zombie")' 'child.zombie'
if grep -q '"net.connect_refused"' "$AGS_OUTPUT/playbook.json"; then
	assert_jq report.json '.findings | any(.id == "net.connect_refused")' 'net.connect_refused'
fi
exit 0
