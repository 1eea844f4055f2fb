#!/bin/sh
# SPDX-License-Identifier: MIT
# agshim-bpf's bad input and missing privileges: a clear message and a non-zero status each,
# never a libbpf dump.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"

# expect_fail 'message pattern' args...: exits non-zero, says so in one line, no libbpf lines.
expect_fail() {
	_pat=$1
	shift
	"$@" >out.txt 2>err.txt && fail "'$*' succeeded"
	grep -q "$_pat" err.txt || fail "'$*': expected '$_pat', got: $(cat err.txt)"
	grep -q '^libbpf:' err.txt && fail "'$*' printed libbpf's log: $(cat err.txt)"
	return 0
}

expect_fail 'name one target' "$AGS_BPF" attach
expect_fail 'invalid pid' "$AGS_BPF" attach --pid abc
expect_fail 'no process 4194303' "$AGS_BPF" attach --pid 4194303
expect_fail 'No such file' "$AGS_BPF" attach --cgroup /sys/fs/cgroup/unified/agshim-none-$$
expect_fail 'not a cgroup2 directory' "$AGS_BPF" attach --cgroup /tmp
expect_fail "no cgroup2 directory named like" "$AGS_BPF" attach --container agshim-none-$$
expect_fail 'invalid duration' "$AGS_BPF" attach --duration -1 -- true
expect_fail 'heap traces one process' "$AGS_BPF" attach --heap --cgroup /sys/fs/cgroup/unified
expect_fail 'nothing pinned' env AGSHIM_PIN_DIR=/sys/fs/bpf/agshim-none-$$ "$AGS_BPF" attach --read
if command -v setpriv >/dev/null; then
	expect_fail 'needs root' setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$AGS_BPF" attach -- true
fi
# A command that does not exist: the exec failure is reported and the status is 127.
"$AGS_BPF" attach --out ev.jsonl -- agshim-no-such-command-$$ 2>err.txt
[ $? -eq 127 ] || fail "a missing command did not give status 127"
jq -s . ev.jsonl >all.json
assert_jq all.json 'any(.[]; .kind == "exec" and .cause == "not_on_path")' \
	'the failed start of the missing command'
exit 0
