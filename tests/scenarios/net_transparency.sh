#!/bin/sh
# SPDX-License-Identifier: MIT
# Network and fd failures look the same to Node with and without the shim, and the shim
# records them: refused connect (after EINPROGRESS), peer close, EMFILE with its holders.
. "$AGS_ROOT/tests/lib.sh"
command -v node >/dev/null || skip "node not installed"

ev="$AGS_TMP/events.jsonl"
# assert_ev FILE 'jq over the array of all events' 'meaning' (jq 1.6 -e looks only at the last line)
assert_ev() {
	jq -s -e "$2" "$1" >/dev/null 2>&1 || { head -c 4000 "$1" >&2; fail "$3 (jq: $2)"; }
}
js="$AGS_ROOT/tests/scenarios/net_transparency.js"
mkdir -p bare shim
(ulimit -n 64 && node "$js" "$AGS_TMP/bare") > bare.out || fail "bare run failed"
(ulimit -n 64 && ags_run "$ev" node "$js" "$AGS_TMP/shim") > shim.out || fail "shim run failed"
cat shim.out
diff bare.out shim.out || fail "Node saw something different under the shim"
grep -q '"refused":"ECONNREFUSED -111 connect"' shim.out || fail "no refused connect"
grep -q '"emfile":"EMFILE after some"' shim.out || fail "no EMFILE"

# The shim learned the refusal from getsockopt(SO_ERROR), after EINPROGRESS.
assert_ev "$ev" 'any(.[]; .kind == "connect" and .err == "ECONNREFUSED" and .nb == 1 and
	.via == "sockopt" and .addr == "127.0.0.1" and .dur_ns > 0)' "refused connect event"
assert_ev "$ev" 'any(.[]; .kind == "sock" and .what == "peer_close" and .life_ns > 0)' \
	"peer close seen as end of stream"
assert_ev "$ev" 'any(.[]; .kind == "fd_exhaust" and .err == "EMFILE" and .limit == 64 and
	.holders.files > 30 and (.holders.dirs | any(.dir | endswith("/shim"))))' \
	"fd_exhaust names the directory holding the files"
assert_ev "$ev" 'all(.[] | select(.kind == "proc_exit"); .dropped == 0)' "no event dropped"

# The report names both.
ags_report "$ev" > report.json || fail "agshim-report failed"
assert_jq report.json '[.findings[] | select(.id == "net.connect_refused")] | length == 1' \
	"one net.connect_refused finding"
assert_jq report.json '.findings[] | select(.id == "fd.exhaustion") | .evidence.limit == 64' \
	"fd.exhaustion with the limit"
assert_jq report.json '[.findings[] | select(.id | startswith("net.reconnect") or
	startswith("net.connection_leak"))] | length == 0' "a single refusal is no storm, no leak"
