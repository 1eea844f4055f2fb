#!/bin/sh
# SPDX-License-Identifier: MIT
# Node's non-blocking connects under agshim attach: to a listener and to a closed port, each
# reported once with its real outcome and handshake time, never as EINPROGRESS.
. "$AGS_ROOT/tests/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
[ -x "$AGS_BPF" ] || fail "agshim-bpf was not built"
command -v node >/dev/null || fail "node is missing"

cat >nb.js <<'JS'
const net = require('net');
const srv = net.createServer((s) => s.end()).listen(0, '127.0.0.1', () => {
	const port = srv.address().port;
	// A closed port: bind one, note it, close it.
	const probe = net.createServer().listen(0, '127.0.0.1', () => {
		const closed = probe.address().port;
		probe.close(() => {
			console.log('ports', port, closed);
			const a = net.connect(port, '127.0.0.1', () => {
				a.end();
				const b = net.connect(closed, '127.0.0.1');
				b.on('error', (e) => { console.log('closed:', e.code); srv.close(); });
			});
		});
	});
});
JS
"$AGS_BPF" attach --out ev.jsonl -- node nb.js >out.txt 2>err.txt || fail "attach failed: $(cat err.txt)"
cat out.txt err.txt
set -- $(sed -n 's/^ports //p' out.txt)
open=$1 closed=$2
[ -n "$closed" ] || fail "node did not print its ports"
grep -q 'closed: ECONNREFUSED' out.txt || fail "node did not see ECONNREFUSED"

jq -s '[.[] | select(.kind == "connect" and .addr == "127.0.0.1")]' ev.jsonl >c.json ||
	fail "ev.jsonl is not JSON Lines"
assert_jq c.json 'all(.[]; .errno != 115)' 'no connect reported as EINPROGRESS'
assert_jq c.json "[.[] | select(.port == $open)] | length == 1" 'one event for the listener'
assert_jq c.json "any(.[]; .port == $open and .ret == 0 and .nb == 1 and .via == \"tcp_state\"
	and .dur_ns > 0 and (has(\"errno\") | not))" 'the listener: established, with its handshake time'
assert_jq c.json "[.[] | select(.port == $closed)] | length == 1" 'one event for the closed port'
assert_jq c.json "any(.[]; .port == $closed and .ret == -1 and .nb == 1
	and .err == \"ECONNREFUSED\" and .dur_ns > 0)" 'the closed port: refused, with its time'
if grep -q '"net.connect_refused"' "$AGS_OUTPUT/playbook.json"; then
	ags_report ev.jsonl >report.json
	assert_jq report.json '.findings | any(.id == "net.connect_refused")' 'net.connect_refused'
fi
exit 0
