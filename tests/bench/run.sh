#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: run every tests/bench/*.sh section in name order; each prints its ratios.
#   BENCH=pattern  only sections whose file name contains the pattern
#   BENCH_ROUNDS=N alternated bare/shim rounds per measurement (default 7)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
OUTPUT=${OUTPUT:-.output}
case "$OUTPUT" in /*) ;; *) OUTPUT="$root/$OUTPUT" ;; esac
export AGS_ROOT="$root" AGS_OUTPUT="$OUTPUT" AGS_LIB="$OUTPUT/libagshim.so"
export AGS_PROGS="$OUTPUT/progs" AGS_REPORT="$OUTPUT/agshim-report"
export NODE_PATH="$root/tests/node_modules"
export BENCH_ROUNDS="${BENCH_ROUNDS:-7}"
. "$root/tests/bench/lib.sh"
status=0
for s in "$root"/tests/bench/*.sh; do
	case "$(basename "$s")" in run.sh | lib.sh) continue ;; esac
	case "$(basename "$s")" in *"${BENCH:-}"*) ;; *) continue ;; esac
	echo "== $(basename "$s" .sh)"
	sh "$s" || status=1
done
exit $status
