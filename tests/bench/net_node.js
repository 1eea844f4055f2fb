// SPDX-License-Identifier: MIT
// Node workload for `make bench`: N HTTP requests on fresh connections, each after a
// dns.lookup, against a local server; prints elapsed ns on the last line.
'use strict';
const http = require('http');
const dns = require('dns');
const n = Number(process.argv[2] || 2000);
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', async () => {
	const port = server.address().port;
	const agent = new http.Agent({ keepAlive: false });
	const one = () => new Promise((resolve, reject) => {
		dns.lookup('localhost', { family: 4 }, (err, addr) => {
			if (err) return reject(err);
			http.get({ host: addr, port, agent, path: '/' }, (res) => {
				res.resume();
				res.on('end', resolve);
			}).on('error', reject);
		});
	});
	const t0 = process.hrtime.bigint();
	for (let i = 0; i < n; i++)
		await one();
	const dt = process.hrtime.bigint() - t0;
	server.close();
	console.log(dt.toString());
});
