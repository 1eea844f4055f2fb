// SPDX-License-Identifier: MIT
// Node agent faults for the qa_* scenarios: one MODE per run; prints what the program sees.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const [mode, dir] = [process.argv[2], process.argv[3]];

// A loopback port that nothing listens on: bound by the kernel, then closed.
function closedPort(cb) {
	const s = net.createServer().listen(0, '127.0.0.1', () => {
		const port = s.address().port;
		s.close(() => cb(port));
	});
}

const modes = {
	// exec and spawn with shell: true of a command that exists nowhere.
	shell_missing() {
		cp.exec('agshim-qa-no-such-tool --version', (err, so, se) => {
			console.log('exec', err && err.code, se.includes('not found'));
			const c = cp.spawn('agshim-qa-no-such-tool', ['-p', 'hi'], { shell: true,
										    stdio: 'ignore' });
			c.on('close', (code) => console.log('spawn shell', code));
		});
	},
	// The tool is on the agent's PATH, but the custom env given to spawn drops its directory.
	env_drops_path() {
		const c = cp.spawn('qa-tool', [], { env: { HOME: dir, PATH: '/usr/bin:/bin' } });
		c.on('error', (e) => {
			console.log('error', e.code, e.syscall);
			process.exitCode = 3;
		});
	},
	// execFile of a script without +x.
	no_exec() {
		cp.execFile(path.join(dir, 'bin', 'noexec.sh'), [], (err) => {
			console.log('execFile', err && err.code);
			process.exitCode = err ? 4 : 0;
		});
	},
	// The same script through a shell (exec): the shell forks it and exits 126.
	shell_no_exec() {
		cp.exec(`${path.join(dir, 'bin', 'noexec.sh')} arg`, (err, so, se) => {
			console.log('exec', err && err.code, se.includes('Permission denied'));
		});
	},
	// A script named by a relative path whose #! interpreter is missing.
	missing_interp() {
		process.chdir(dir);
		const c = cp.spawn('./tools/run.py', []);
		c.on('error', (e) => console.log('error', e.code, e.path));
	},
	// A prompt over the kernel's 128 KiB per-argument limit.
	big_prompt() {
		try {
			cp.execFile('echo', ['x'.repeat(200 * 1024)], () => console.log('ran'));
		} catch (e) {
			console.log('throws', e.code);
		}
	},
	// fetch of an API on a closed port, three times.
	fetch_refused() {
		closedPort(async (port) => {
			for (let i = 0; i < 3; i++) {
				try {
					await fetch(`http://127.0.0.1:${port}/v1/chat`);
					console.log('ok');
				} catch (e) {
					console.log('fetch', e.cause && e.cause.code);
				}
			}
		});
	},
	// A WebSocket client reconnecting every 100 ms to a port no server ever listened on.
	ws_dead() {
		const WebSocket = require('ws');

		closedPort((port) => {
			let n = 0;
			const go = () => {
				const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
				ws.on('error', () => {});
				ws.on('close', () => {
					if (++n >= 30)
						return console.log('gave up after', n);
					setTimeout(go, 100);
				});
			};
			go();
		});
	},
	// Opening files until the descriptor limit.
	emfile() {
		const fds = [];
		let err = null;
		try {
			for (;;)
				fds.push(fs.openSync(__filename, 'r'));
		} catch (e) {
			err = e.code;
		}
		for (const fd of fds)
			fs.closeSync(fd);
		console.log('open', err);
	},
};
if (!modes[mode]) {
	console.error(`unknown mode ${mode}`);
	process.exit(2);
}
modes[mode]();
