#!/bin/sh
# SPDX-License-Identifier: MIT
# A real ws server killed under a ws client: reconnecting every 50 ms is a storm without
# backoff; reconnecting with exponential backoff is not.
. "$AGS_ROOT/tests/lib.sh"
command -v node >/dev/null || skip "node not installed"
[ -d "$AGS_ROOT/tests/node_modules/ws" ] || skip "ws not installed (scripts/deps.sh)"
dir="$AGS_ROOT/tests/scenarios"

# run MODE DELAY_MS ATTEMPTS EVENTS: start the server, connect, kill the server, let the
# client reconnect ATTEMPTS times against the closed port.
run() {
	# Per-run files: a background job truncates its output only once it has started.
	srv="server.$1" cli="client.$1"
	node "$dir/net_ws_server.js" > "$srv" 2>&1 &
	spid=$!
	# A failed step must not leave the server running after the test.
	trap 'kill "$spid" 2>/dev/null' EXIT
	i=0
	until grep -q ready "$srv" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "ws server did not start"; sleep 0.1
	done
	port=$(awk '/^ready/ {print $2}' "$srv")
	ags_run "$4" node "$dir/net_ws_storm.js" "$port" "$1" "$2" "$3" > "$cli" 2>&1 &
	cpid=$!
	i=0
	until grep -q open "$cli" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 300 ] && { cat "$cli"; fail "ws client did not connect"; }
		sleep 0.1
	done
	kill "$spid"
	wait "$spid" 2>/dev/null
	wait "$cpid" || fail "ws client ($1) exited $?"
}

run fixed 50 30 fixed.jsonl
ags_report fixed.jsonl > fixed.json || fail "report failed"
assert_jq fixed.json '[.findings[] | select(.id == "net.reconnect_storm")] | length == 1' \
	"fixed 50 ms reconnects are a storm"
assert_jq fixed.json '.findings[] | select(.id == "net.reconnect_storm") |
	.evidence.backoff == "none" and .evidence.reconnects >= 25 and
	.evidence.rate_per_min > 20 and (.evidence.intervals_ms | length) >= 25 and
	.evidence.peer_closes >= 1 and (.summary | test("no backoff"))' \
	"storm evidence: intervals, rate per minute, no backoff, after the server closed"
assert_jq fixed.json '.findings[] | select(.id == "net.connect_refused") | .count >= 25' \
	"the reconnects were refused"

run backoff 20 6 backoff.jsonl
ags_report backoff.jsonl > backoff.json || fail "report failed"
n=$(wc -l < backoff.jsonl)
[ "$n" -gt 5 ] || fail "backoff run wrote too few events"
assert_jq backoff.json '[.findings[] | select(.id == "net.reconnect_storm")] | length == 0' \
	"a client with exponential backoff is not a storm"
assert_jq backoff.json '.findings[] | select(.id == "net.connect_refused") | .count == 6' \
	"its 6 reconnects were refused"
