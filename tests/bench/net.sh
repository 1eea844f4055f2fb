#!/bin/sh
# SPDX-License-Identifier: MIT
# Network and DNS overhead: C connect/close and getaddrinfo loops, and a Node workload.
set -u
. "$AGS_ROOT/tests/bench/lib.sh"
n=${BENCH_NET_N:-20000}
bench_ab "net: connect/close loop (C, loopback)" "$n" "$AGS_PROGS/bench_connect" "$n"
bench_ab "net: getaddrinfo localhost loop (C)" "$n" "$AGS_PROGS/bench_gai" "$n"
bench_ab "net: node http+dns.lookup workload" 2000 node "$AGS_ROOT/tests/bench/net_node.js" 2000
