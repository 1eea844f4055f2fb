// SPDX-License-Identifier: MIT
// A pg Pool whose callers check clients out and never release them, until the server
// refuses; prints how many were checked out and the server's error, then exits.
'use strict';
const { Pool } = require('pg');
const pool = new Pool({ host: '127.0.0.1', port: Number(process.argv[2]), user: process.argv[3],
	database: 'postgres', max: 20 });
pool.on('error', () => {});
(async () => {
	const held = [];
	let error = null;
	for (let i = 0; i < 8 && !error; i++) {
		try {
			const c = await pool.connect(); // never released: the leak
			await c.query('SELECT 1');
			held.push(c);
		} catch (e) {
			error = e;
		}
	}
	console.log(JSON.stringify({ held: held.length, code: error && error.code,
		message: error && error.message }));
	process.exit(0);
})();
