#!/bin/sh
# SPDX-License-Identifier: MIT
# DNS failures in private mount and network namespaces whose /etc/resolv.conf (bind-mounted)
# names a loopback nameserver: one that never answers, none at all (closed port), and one
# that answers NXDOMAIN. Each is named for what it is, with the resolver context; the
# Kubernetes-style ndots:5 search list is named as amplification.
. "$AGS_ROOT/tests/lib.sh"
need_root
command -v node >/dev/null || skip "node not installed"
command -v unshare >/dev/null || skip "unshare not installed"
unshare -mn true 2>/dev/null || skip "cannot create mount and network namespaces here"
dir="$AGS_ROOT/tests/scenarios"

# in_ns SERVER_MODE RESOLV_TEXT EVENTS NAME...: in fresh namespaces, start the nameserver
# (or none), mount the resolv.conf over /etc/resolv.conf, look the names up under the shim.
in_ns() {
	mode=$1 conf=$2 events=$3
	shift 3
	printf '%b' "$conf" > "$AGS_TMP/resolv.$mode"
	unshare -mn sh -c '
		ip link set lo up || exit 90
		mount --bind "$1" /etc/resolv.conf || exit 91
		if [ "$2" != none ]; then
			node "$3/dns_server.js" "$2" > "$4.server" 2>&1 &
			server=$!
			i=0
			until grep -q ready "$4.server"; do
				i=$((i + 1)); [ $i -gt 100 ] && { kill $server; exit 92; }; sleep 0.1
			done
		fi
		shift 4
		AGSHIM_OUT="$EV" LD_PRELOAD="$AGS_LIB" node "$DIR/dns_lookup.js" "$@"
		status=$?
		# No job control in sh -c: the server is stopped by its pid.
		[ -n "${server:-}" ] && kill "$server" 2>/dev/null
		exit $status
	' sh "$AGS_TMP/resolv.$mode" "$mode" "$dir" "$AGS_TMP/$mode" "$@"
}
export AGS_LIB DIR="$dir"

K8S='search default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n'

# A silent nameserver: the lookup waits out the resolver's timeout, then EAI_AGAIN.
EV="$AGS_TMP/silent.jsonl" in_ns silent "nameserver 127.0.0.1\n$K8S" x api.example.com > silent.out ||
	fail "silent run failed ($?)"
cat silent.out
grep -q '^api.example.com EAI_AGAIN$' silent.out || fail "expected EAI_AGAIN from a silent server"
ags_report "$AGS_TMP/silent.jsonl" > silent.json || fail "report failed"
assert_jq silent.json '.findings[] | select(.id == "dns.no_answer") |
	.evidence.host == "api.example.com" and .evidence.pattern == "silent" and
	.evidence.resolver.nameservers == ["127.0.0.1"] and .evidence.resolver.ndots == 5 and
	.evidence.resolver.timeout_s == 1 and (.summary | test("silent"))' \
	"dns.no_answer, silent, with the resolver context"
assert_jq silent.json '.findings[] | select(.id == "dns.search_amplification") |
	.evidence.host == "api.example.com" and .evidence.queries_per_lookup == 8 and
	.evidence.ndots == 5 and (.evidence.search | length) == 3' \
	"ndots:5 with 3 search domains: 8 queries per lookup"
assert_jq silent.json '[.findings[] | select(.id == "dns.name_not_found")] | length == 0' \
	"no answer is not 'name does not exist'"

# No nameserver at all: the port is closed, the failure is immediate.
EV="$AGS_TMP/closed.jsonl" in_ns none 'nameserver 127.0.0.1\noptions timeout:3 attempts:2\n' x \
	api.example.com. resolve:api.example.com > closed.out || fail "closed run failed ($?)"
cat closed.out
grep -q '^api.example.com. EAI_AGAIN$' closed.out || fail "expected EAI_AGAIN from a closed port"
ags_report "$AGS_TMP/closed.jsonl" > closed.json || fail "report failed"
assert_jq closed.json '.findings[] | select(.id == "dns.no_answer") |
	.evidence.pattern == "fast_failure" and .evidence.resolver.timeout_s == 3' \
	"dns.no_answer, fast: the nameserver port is closed"
assert_jq closed.json '[.findings[] | select(.id == "dns.search_amplification")] | length == 0' \
	"a fully qualified name is not amplified"
# dns.resolve4 goes through c-ares on its own socket to port 53: tagged, and named too.
grep -q '^resolve:api.example.com ECONNREFUSED$' closed.out || fail "expected c-ares ECONNREFUSED"
jq -s -e 'any(.[]; .kind == "connect" and .dns == 1 and .port == 53 and .type == "dgram")' \
	"$AGS_TMP/closed.jsonl" >/dev/null || fail "c-ares socket to port 53 not tagged dns"
assert_jq closed.json '.findings[] | select(.id == "dns.no_answer" and .key == "127.0.0.1:53") |
	(.summary | test("ECONNREFUSED"))' "c-ares queries refused by the closed nameserver port"

# A nameserver that answers NXDOMAIN: the name does not exist, DNS works.
EV="$AGS_TMP/nx.jsonl" in_ns nxdomain 'nameserver 127.0.0.1\n' x no-such-service.internal > nx.out ||
	fail "nxdomain run failed ($?)"
cat nx.out
grep -q '^no-such-service.internal ENOTFOUND$' nx.out || fail "expected ENOTFOUND"
ags_report "$AGS_TMP/nx.jsonl" > nx.json || fail "report failed"
assert_jq nx.json '.findings[] | select(.id == "dns.name_not_found") |
	.evidence.host == "no-such-service.internal" and .evidence.error == "EAI_NONAME"' \
	"dns.name_not_found"
assert_jq nx.json '[.findings[] | select(.id == "dns.no_answer")] | length == 0' \
	"'does not exist' is not 'no answer'"
