#!/bin/sh
# SPDX-License-Identifier: MIT
# A healthy agent: many children started every common way, all reaped; no finding at all,
# and exactly one spawn, one proc_start and one wait per child.
. "$AGS_ROOT/tests/scenarios/proc_common"

mkdir -p work
cat > agent.js <<'EOS'
const cp = require('child_process');
const { promisify } = require('util');
const execFile = promisify(cp.execFile), exec = promisify(cp.exec);
function run(file, args, opts) {
	return new Promise((resolve, reject) => {
		const c = cp.spawn(file, args, opts);
		let out = '';
		c.stdout.on('data', (d) => { out += d; });
		c.on('error', reject);
		c.on('close', (code) => resolve(code + ':' + out.trim()));
	});
}
(async () => {
	const seen = [];
	for (let i = 0; i < 10; i++)
		seen.push(await run('echo', ['tool', String(i)]));
	seen.push(await run('pwd', [], { cwd: process.argv[2] }));
	seen.push((await execFile('ls', [process.argv[2]])).stdout.trim());
	seen.push((await exec('echo piped | tr a-z A-Z')).stdout.trim());
	seen.push(cp.spawnSync('sh', ['-c', 'exit 0']).status);
	await Promise.all([1, 2, 3, 4, 5].map((i) => run('sleep', ['0.1'])));
	console.log(JSON.stringify(seen));
})();
EOS
node agent.js "$AGS_TMP/work" > a.bare 2>&1; echo "status=$?" >> a.bare
ags_run "$EV" node agent.js "$AGS_TMP/work" > a.shim 2>&1; echo "status=$?" >> a.shim
diff a.bare a.shim >&2 || fail "the program saw a difference"
grep -q 'PIPED' a.shim || fail "the agent did not run: $(cat a.shim)"

[ "$(ev_count '.kind == "exec" or .kind == "child"')" = 0 ] ||
	fail "a healthy agent produced exec or child events"
npid=$(jq -r 'select(.kind == "proc_start" and .exe == "/usr/bin/node") | .pid' "$EV")
spawns=$(ev_count ".kind == \"spawn\" and .pid == $npid")
waits=$(ev_count ".kind == \"wait\" and .pid == $npid")
starts=$(ev_count ".kind == \"proc_start\" and .ppid == $npid")
[ "$spawns" = 19 ] || fail "expected 19 spawns by node, got $spawns"
[ "$waits" = 19 ] || fail "expected 19 reaps by node, got $waits"
[ "$starts" = 19 ] || fail "expected 19 traced children, got $starts"
ev_assert ".kind == \"wait\" and .pid == $npid" '.status == 0 and .signal == 0' \
	"every child exited 0"
report_json r.json
assert_jq r.json '.summary.findings == 0' "a healthy agent has no finding"
