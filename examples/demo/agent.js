// SPDX-License-Identifier: MIT
// A small "AI agent" with the faults agshim's demo shows: a CLI that is not installed, a
// tool script with Windows line endings, a helper that leaves a zombie, a child left running
// at exit, and an API endpoint that refuses connections.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const work = process.argv[2] || fs.mkdtempSync('/tmp/agshim-demo-');

function log(msg) {
	console.log(`agent: ${msg}`);
}

// Run a tool the way agents do, and say what Node reported.
function runTool(cmd, args) {
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
		child.on('error', (err) => {
			log(`spawn ${cmd} failed: ${err.code} (${err.message})`);
			resolve();
		});
		child.on('exit', (code, signal) => {
			log(`${cmd} exited with ${signal || code}`);
			resolve();
		});
	});
}

// Connect to an endpoint that is down: a port that was just closed on 127.0.0.1.
function callApi() {
	return new Promise((resolve) => {
		const probe = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = probe.address();
			probe.close(() => {
				const sock = net.connect(port, '127.0.0.1');
				sock.on('error', (err) => {
					log(`API 127.0.0.1:${port}: ${err.code}`);
					resolve();
				});
				sock.on('connect', () => {
					sock.end();
					resolve();
				});
			});
		});
	});
}

async function main() {
	// 1. The planner's CLI is not installed on this machine.
	await runTool('claude-code-cli', ['-p', 'summarize the repo']);

	// 2. A tool script committed from Windows: "#!/usr/bin/env node\r\n".
	const tool = path.join(work, 'lint-tool.js');
	fs.writeFileSync(tool, '#!/usr/bin/env node\r\nconsole.log("lint ok");\r\n', { mode: 0o755 });
	await runTool(tool, []);

	// 3. A helper that forks a worker and never waits for it: a zombie while it goes on
	//    working (it runs two more commands, 1.5 s apart).
	await runTool('perl', ['-e', 'if (fork() == 0) { exit 0 } select(undef, undef, undef, 0.2); ' +
		'system("true"); select(undef, undef, undef, 1.5); system("true")']);

	// 4. The model API is down.
	await callApi();

	// 5. A background indexer that nobody stops when the agent exits.
	spawn('sleep', ['3'], { stdio: 'ignore', detached: true }).unref();
	log('done');
}

main();
