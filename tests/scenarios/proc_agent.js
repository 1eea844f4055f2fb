// SPDX-License-Identifier: MIT
// A small agent for the process scenarios: spawns one command the way agents do and
// prints, as one JSON line, everything the program can see of the outcome.
'use strict';
const cp = require('child_process');

const spec = JSON.parse(process.argv[2]);
const opts = Object.assign({}, spec.options || {});
if (spec.env === 'empty')
	opts.env = {};
const out = { error: null };
let child;
try {
	child = cp.spawn(spec.file, spec.args || [], opts);
} catch (e) {
	out.error = { code: e.code, errno: e.errno, syscall: e.syscall, message: e.message };
	console.log(JSON.stringify(out));
	process.exit(0);
}
let stdout = '', stderr = '';
if (child.stdout) child.stdout.on('data', (d) => { stdout += d; });
if (child.stderr) child.stderr.on('data', (d) => { stderr += d; });
child.on('error', (e) => {
	out.error = { code: e.code, errno: e.errno, syscall: e.syscall, path: e.path,
		      message: e.message };
});
if (spec.leave) {
	// Exit with the child still running, as a crashed or careless agent does.
	out.pid_known = child.pid > 0;
	if (spec.pidfile)
		require('fs').appendFileSync(spec.pidfile, child.pid + '\n');
	console.log(JSON.stringify(out));
	process.exit(0);
}
child.on('close', (code, signal) => {
	out.code = code;
	out.signal = signal;
	out.stdout = stdout;
	out.stderr = stderr;
	console.log(JSON.stringify(out));
});
