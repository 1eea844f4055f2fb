#!/bin/sh
# SPDX-License-Identifier: MIT
# getaddrinfo uprobes under agshim attach: Node's dns.lookup of a name that resolves and of
# one that does not, from libuv's worker threads, each with its result code and latency.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
command -v node >/dev/null || fail "node is missing"

cat >dns.js <<'JS'
const dns = require('dns');
dns.lookup('localhost', (err, addr) => {
	console.log('localhost', err ? err.code : addr);
	dns.lookup('agshim-no-such-host.invalid', (e) => console.log('invalid', e && e.code));
});
JS
"$AGS_BPF" attach --out ev.jsonl -- node dns.js >out.txt 2>err.txt || fail "attach failed: $(cat err.txt)"
cat out.txt err.txt
grep -q 'invalid ENOTFOUND' out.txt || fail "node did not fail the invalid name"
jq -s '[.[] | select(.kind == "dns")]' ev.jsonl >d.json || fail "ev.jsonl is not JSON Lines"
assert_jq d.json 'any(.[]; .host == "localhost" and .ret == 0 and .naddr >= 1 and .dur_ns > 0
	and .call == "getaddrinfo" and .tid != .pid)' 'localhost resolved, on a worker thread'
assert_jq d.json 'any(.[]; .host == "agshim-no-such-host.invalid" and .err == "EAI_NONAME"
	and .dur_ns > 0)' 'the invalid name, with EAI_NONAME'
if grep -q '"dns.name_not_found"' "$AGS_OUTPUT/playbook.json"; then
	ags_report ev.jsonl >report.json
	assert_jq report.json '.findings | any(.id == "dns.name_not_found")' 'dns.name_not_found'
fi
exit 0
