// SPDX-License-Identifier: MIT
// A server on 127.0.0.1:PORT and N sequential connects to it; prints "connected" for each.
'use strict';
const net = require('net');
const [port, n] = [Number(process.argv[2]), Number(process.argv[3])];
const srv = net.createServer((c) => c.end()).listen(port, '127.0.0.1', async () => {
	for (let i = 0; i < n; i++)
		console.log(await new Promise((resolve) => {
			const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve('connected'); });
			s.on('error', (e) => resolve(e.code));
		}));
	srv.close();
});
