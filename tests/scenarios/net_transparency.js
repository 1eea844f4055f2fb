// SPDX-License-Identifier: MIT
// What Node reports for network and fd failures; run bare and under the shim, output compared.
'use strict';
const net = require('net');
const fs = require('fs');
const path = require('path');
const out = {};
const dir = process.argv[2];

function connect(port) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		s.on('connect', () => { s.destroy(); resolve('connected'); });
		s.on('error', (e) => resolve(`${e.code} ${e.errno} ${e.syscall}`));
	});
}

(async () => {
	// A closed port: ECONNREFUSED through EINPROGRESS and getsockopt(SO_ERROR).
	const probe = net.createServer().listen(0, '127.0.0.1');
	await new Promise((r) => probe.on('listening', r));
	const closed = probe.address().port;
	await new Promise((r) => probe.close(r));
	out.refused = await connect(closed);
	// A listening server: connects, and the peer's close is seen as end of stream.
	const srv = net.createServer((c) => { c.on('error', () => {}); c.end('bye'); }).listen(0, '127.0.0.1');
	await new Promise((r) => srv.on('listening', r));
	out.connected = await connect(srv.address().port);
	out.peer = await new Promise((resolve) => {
		const c = net.connect(srv.address().port, '127.0.0.1');
		let got = '';
		c.on('data', (d) => { got += d; });
		c.on('end', () => { c.destroy(); resolve(`end after "${got}"`); });
	});
	srv.close();
	// Files: ENOENT, EACCES is not seen as root, then EMFILE under the low ulimit.
	try { fs.openSync(path.join(dir, 'missing', 'x')); } catch (e) { out.enoent = e.code; }
	const fds = [];
	try {
		for (;;) fds.push(fs.openSync(path.join(dir, `f${fds.length}`), 'w'));
	} catch (e) { out.emfile = `${e.code} after ${fds.length > 0 ? 'some' : 'none'}`; }
	fds.forEach((fd) => fs.closeSync(fd));
	console.log(JSON.stringify(out));
})();
