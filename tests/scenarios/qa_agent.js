// SPDX-License-Identifier: MIT
// Node agents against a real PostgreSQL on 127.0.0.1 (port PGPORT, user USER):
// "busy" is a healthy agent (spawns, exec, fetch to its own HTTP server, a WebSocket, pooled
// queries, everything closed); "noend" opens 8 pg Clients and never calls end(); "slam"
// connects to a server that closes every connection at once.
'use strict';
const cp = require('child_process');
const http = require('http');
const util = require('util');
const pg = require('pg');

const [mode, pgPort, user] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const db = { host: '127.0.0.1', port: pgPort, user, database: 'postgres' };

async function busy() {
	const WebSocket = require('ws');
	const execFile = util.promisify(cp.execFile);
	const exec = util.promisify(cp.exec);
	const srv = http.createServer((q, s) => s.end('{"ok":true}'));
	const wss = new WebSocket.Server({ noServer: true });

	srv.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head,
		(ws) => ws.on('message', (m) => ws.send(m))));
	await new Promise((res) => srv.listen(0, '127.0.0.1', res));
	const port = srv.address().port;
	const pool = new pg.Pool(Object.assign({ max: 4 }, db));
	let ok = 0;

	for (let i = 0; i < 60; i++) {
		const [a, b, c, d] = await Promise.all([
			execFile('echo', ['tool', String(i)]),
			exec('ls / | head -n 1'),
			fetch(`http://127.0.0.1:${port}/v1/chat`).then((r) => r.json()),
			pool.query('select $1::int as n', [i]),
		]);
		const s = cp.spawnSync('true');

		if (a.stdout === `tool ${i}\n` && b.stdout.length > 0 && c.ok && d.rows[0].n === i &&
		    s.status === 0)
			ok++;
	}
	const ws = new WebSocket(`ws://127.0.0.1:${port}/`);

	await new Promise((res) => ws.on('open', res));
	for (let i = 0; i < 20; i++) {
		ws.send('m' + i);
		await new Promise((res) => ws.once('message', res));
	}
	ws.close();
	await new Promise((res) => ws.on('close', res));
	await pool.end();
	wss.close();
	await new Promise((res) => srv.close(res));
	console.log('ok', ok);
}

async function noend() {
	for (let i = 0; i < 8; i++) {
		const c = new pg.Client(db);

		await c.connect();
		const r = await c.query('select 1 as x');
		console.log('query', r.rows[0].x);
	}
	process.exit(0);
}

// A server that reads the startup message and closes without a word: the connect "works", the
// session never does (a crashed backend, a proxy at its limit). Reading first means a FIN, not
// a reset for unread data.
async function slam() {
	const net = require('net');
	const srv = net.createServer((sock) => sock.once('data', () => sock.end()));

	await new Promise((res) => srv.listen(0, '127.0.0.1', res));
	for (let i = 0; i < 3; i++) {
		const c = new pg.Client(Object.assign({}, db, { port: srv.address().port }));

		try {
			await c.connect();
			console.log('connected');
		} catch (e) {
			console.log('refused', e.message.includes('terminated'));
		}
	}
	srv.close();
}

({ busy, noend, slam })[mode]().catch((e) => {
	console.error('agent failed:', e.message);
	process.exit(1);
});
