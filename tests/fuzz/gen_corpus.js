// SPDX-License-Identifier: MIT
// Writes a hostile corpus of event files for the reporter: cut, flipped, retyped, nested lines.
'use strict';

const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
let seed = Number(process.argv[3] || 1);
function rnd(n) {
	// xorshift32: the corpus is the same on every run.
	seed ^= seed << 13;
	seed >>>= 0;
	seed ^= seed >>> 17;
	seed ^= seed << 5;
	seed >>>= 0;
	return seed % n;
}

const good = [
	{ v: 1, ts_ns: 1000, src: 'preload', kind: 'proc_start', pid: 100, ppid: 1, exe: '/usr/bin/node', argv: ['node', 'a.js'] },
	{ v: 1, ts_ns: 2000, kind: 'spawn', pid: 100, call: 'fork', child: 101 },
	{ v: 1, ts_ns: 2100, kind: 'exec', pid: 101, ppid: 100, errno: 2, err: 'ENOENT', path: 'claude', forked: true, cause: 'not_on_path', detail: { searched: ['/bin/claude'] }, argv: ['claude'] },
	{ v: 1, ts_ns: 2150, kind: 'chdir', pid: 102, ppid: 100, errno: 2, path: '/gone', cause: 'missing_cwd' },
	{ v: 1, ts_ns: 2200, kind: 'wait', pid: 100, child: 101, status: 127, signal: 0 },
	{ v: 1, ts_ns: 2300, kind: 'child', pid: 100, child: 103, state: 'zombie', age_ns: 5e9 },
	{ v: 1, ts_ns: 2400, kind: 'spawn', pid: 100, call: 'fork', errno: 11, err: 'EAGAIN', cause: 'process_limit' },
	{ v: 1, ts_ns: 2500, kind: 'connect', pid: 100, fd: 5, family: 'inet', addr: '127.0.0.1', port: 9, errno: 111, err: 'ECONNREFUSED' },
	{ v: 1, ts_ns: 2600, kind: 'proc_start', pid: 104, ppid: 100, exe: '/usr/bin/env', argv: ['/usr/bin/env', 'node\r', '/t.js'] },
	{ v: 1, ts_ns: 2700, kind: 'exec', pid: 104, errno: 2, path: 'node\r', cause: 'crlf_interpreter', detail: { script: '/t.js' } },
	{ v: 1, ts_ns: 2800, kind: 'lost', pid: 100, dropped: 7 },
	{ v: 1, ts_ns: 9000, kind: 'proc_exit', pid: 100, status: 0, signal: 0, events: 3, dropped: 2 },
];
const weird = [null, true, false, -1, 0, 1.5, 1e308, -9223372036854775808, 9223372036854775807,
	'', 'x', '\u0000', '\u009b31m', '\x1b[2J', [], {}, [[[]]], { a: { b: {} } }];
const lines = good.map((e) => JSON.stringify(e));

function write(name, content) {
	fs.writeFileSync(path.join(dir, name), content);
}

// Every prefix of every line (a file cut mid-write).
write('cut.jsonl', lines.map((l) => { const out = []; for (let i = 0; i < l.length; i += 3) out.push(l.slice(0, i)); return out.join('\n'); }).join('\n'));
// Byte flips.
for (let f = 0; f < 20; f++) {
	const out = [];
	for (const l of lines) {
		const b = Buffer.from(l);
		for (let k = 0; k < 3; k++) b[rnd(b.length)] = rnd(256);
		out.push(b);
	}
	write(`flip${f}.jsonl`, Buffer.concat(out.map((b) => Buffer.concat([b, Buffer.from('\n')]))));
}
// Every key of every event given every weird value.
const retyped = [];
for (const e of good) {
	for (const k of Object.keys(e)) {
		for (const w of weird) retyped.push(JSON.stringify({ ...e, [k]: w }));
	}
}
write('retyped.jsonl', retyped.join('\n') + '\n');
// Missing keys.
write('missing.jsonl', good.flatMap((e) => Object.keys(e).map((k) => { const c = { ...e }; delete c[k]; return JSON.stringify(c); })).join('\n'));
// Deep nesting, huge lines, binary, no newline at all, CRLF line ends, NULs.
write('deep.jsonl', `{"kind":"exec","pid":1,"detail":${'['.repeat(5000)}${']'.repeat(5000)}}\n` + `{"kind":"exec","pid":1,"detail":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}\n`);
write('huge.jsonl', `{"kind":"proc_start","pid":5,"exe":"${'a'.repeat(3 << 20)}"}\n` + lines.join('\n'));
write('binary.jsonl', Buffer.from(Array.from({ length: 1 << 16 }, () => rnd(256))));
write('nonl.jsonl', 'x'.repeat(2 << 20));
write('crlf.jsonl', lines.join('\r\n') + '\r\n');
write('nul.jsonl', lines.join('\n\u0000\n'));
// Many pids and many distinct failures (aggregation tables under load).
const many = [];
for (let i = 0; i < 20000; i++) many.push(JSON.stringify({ kind: 'exec', pid: 1000 + i, ppid: 999, ts_ns: i, errno: 2, path: `tool${i % 3000}`, cause: 'not_on_path' }));
write('many.jsonl', many.join('\n') + '\n');
