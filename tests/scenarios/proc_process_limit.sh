#!/bin/sh
# SPDX-License-Identifier: MIT
# fork fails with EAGAIN when the cgroup's pids.max is reached (a container's pid limit):
# spawn events with cause process_limit and the limit, one spawn.process_limit finding.
. "$AGS_ROOT/tests/scenarios/proc_common"
need_root
if [ -d /sys/fs/cgroup/pids ] && [ -w /sys/fs/cgroup/pids ]; then
	base=/sys/fs/cgroup/pids
elif grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	base=/sys/fs/cgroup
	echo +pids > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
else
	skip "no writable pids cgroup controller"
fi

cat > agent.js <<'EOS'
const cp = require('child_process');
const fs = require('fs');
let ok = 0, eagain = 0, other = 0, done = 0;
const n = 40;
for (let i = 0; i < n; i++) {
	const c = cp.spawn('sleep', ['30'], { stdio: 'ignore' });
	c.on('spawn', () => { ok++; fs.appendFileSync(process.argv[2], c.pid + '\n'); finish(); });
	c.on('error', (e) => { if (e.code === 'EAGAIN') eagain++; else other++; finish(); });
}
function finish() {
	if (++done === n) {
		console.log(JSON.stringify({ ok, eagain, other }));
		process.exit(0);
	}
}
EOS
# run_limited NAME CMD...: run CMD in a fresh cgroup of at most 24 tasks, then kill what is left.
run_limited() {
	name=$1
	shift
	cg="$base/agshim-test-$$-$name"
	mkdir "$cg" || skip "cannot create a cgroup"
	echo 24 > "$cg/pids.max"
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" > "$name.out" 2>&1
	for p in $(cat "$name.pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
	i=0
	while [ -n "$(cat "$cg/cgroup.procs")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rmdir "$cg" || fail "could not remove $cg"
}
run_limited bare node agent.js "$AGS_TMP/bare.pids"
run_limited shim env AGSHIM_OUT="$EV" LD_PRELOAD="$AGS_LIB" node agent.js "$AGS_TMP/shim.pids"
jq -e '.eagain > 0 and .other == 0' bare.out >/dev/null || skip "the limit did not bite: $(cat bare.out)"
diff bare.out shim.out >&2 || fail "the program saw a different outcome under the shim"

eagain=$(jq -r .eagain shim.out)
[ "$(ev_count '.kind == "spawn" and .err == "EAGAIN"')" = "$eagain" ] ||
	fail "expected $eagain failed spawn events"
ev_assert '.kind == "spawn" and .err == "EAGAIN"' '.call == "fork" and .ret == -1 and
	.cause == "process_limit" and .detail.pids_max == 24 and .detail.pids_current >= 20' \
	"each failed fork names the process limit and the cgroup's counts"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.process_limit")] | length == 1' \
	"one spawn.process_limit finding"
