#!/bin/sh
# SPDX-License-Identifier: MIT
# Process overhead: start-and-reap loops (each child traced too), and a failing spawn loop.
set -u
. "$AGS_ROOT/tests/bench/lib.sh"
n=${BENCH_PROC_N:-300}
B="$AGS_PROGS/bench_spawn"
bench_ab "proc: fork+execvp+waitpid /bin/true (C)" "$n" "$B" fork "$n"
bench_ab "proc: vfork+execve+waitpid /bin/true (C)" "$n" "$B" vfork "$n"
bench_ab "proc: posix_spawn+waitpid /bin/true (C)" "$n" "$B" posix_spawn "$n"
bench_ab "proc: fork+execvp of a missing command (C)" "$n" "$B" fail "$n"
cat > "${TMPDIR:-/tmp}/agshim-bench-spawn.js" <<'EOS'
const cp = require('child_process');
const n = Number(process.argv[2]);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) cp.spawnSync('true');
console.log(String(process.hrtime.bigint() - t0));
EOS
bench_ab "proc: node spawnSync('true') loop" 100 node "${TMPDIR:-/tmp}/agshim-bench-spawn.js" 100
rm -f "${TMPDIR:-/tmp}/agshim-bench-spawn.js"
