#!/bin/sh
# SPDX-License-Identifier: MIT
# A connect that never completes, in a network namespace whose nftables rule drops SYNs:
# abandoned by the application while pending, and timed out by the kernel (ETIMEDOUT).
# And slow connects: every other SYN to another port is dropped, so each connect completes
# on the kernel's SYN retransmission, one second later.
. "$AGS_ROOT/tests/lib.sh"
need_root
command -v node >/dev/null || skip "node not installed"
command -v nft >/dev/null || skip "nftables not installed"
ns="agshim-net-$$"
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
trap 'ip netns del "$ns" 2>/dev/null' EXIT
ip netns exec "$ns" ip link set lo up || fail "lo up"
# SYNs to port 9 vanish; with one SYN retry the kernel gives up after about 3 s.
ip netns exec "$ns" nft -f - <<'NFT' || fail "nft rules"
table inet agshim {
	chain input {
		type filter hook input priority 0;
		tcp dport 9 tcp flags & (syn | ack) == syn drop
		tcp dport 7 tcp flags & (syn | ack) == syn numgen inc mod 2 == 0 drop
	}
}
NFT
ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_syn_retries=1 || fail "sysctl"

ev="$AGS_TMP/events.jsonl"
ip netns exec "$ns" env AGSHIM_OUT="$ev" LD_PRELOAD="$AGS_LIB" \
	node "$AGS_ROOT/tests/scenarios/net_timeout.js" 127.0.0.1 9 300 > shim.out ||
	fail "node failed"
ip netns exec "$ns" node "$AGS_ROOT/tests/scenarios/net_timeout.js" 127.0.0.1 9 300 > bare.out
cat shim.out
diff bare.out shim.out || fail "Node saw something different under the shim"
[ "$(cat shim.out | tr '\n' ' ')" = "app-timeout ETIMEDOUT " ] || fail "unexpected outcomes"

ags_report "$ev" > report.json || fail "report failed"
assert_jq report.json '[.findings[] | select(.id == "net.connect_timeout")] | length == 1' \
	"one net.connect_timeout finding for the endpoint"
assert_jq report.json '.findings[] | select(.id == "net.connect_timeout") |
	.count == 2 and .evidence.by_kernel == 1 and .evidence.by_application == 1 and
	.evidence.app_timeout_p50_ms >= 300' \
	"one timed out by the kernel, one abandoned by the application after its 300 ms"
jq -s -e 'any(.[]; .kind == "connect" and .via == "close" and (has("errno") | not)) and
	any(.[]; .kind == "connect" and .err == "ETIMEDOUT")' "$ev" >/dev/null ||
	fail "connect events: via close without errno, and ETIMEDOUT"

# Slow connects: three, each waiting for the SYN retransmission.
: > "$ev"
ip netns exec "$ns" env AGSHIM_OUT="$ev" LD_PRELOAD="$AGS_LIB" \
	node "$AGS_ROOT/tests/scenarios/net_slow.js" 7 3 > slow.out || fail "node (slow) failed"
[ "$(tr '\n' ' ' < slow.out)" = "connected connected connected " ] || fail "slow connects failed"
ags_report "$ev" > slow.json || fail "report failed"
assert_jq slow.json '.findings[] | select(.id == "net.connect_slow") |
	.evidence.slow == 3 and .evidence.p50_ms >= 1000 and .evidence.p99_ms >= 1000' \
	"net.connect_slow: 3 slow connects, p50 and p99 from the SYN retransmission"
assert_jq slow.json '[.findings[] | select(.id == "net.connect_timeout")] | length == 0' \
	"slow is not timed out"
