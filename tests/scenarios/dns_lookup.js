// SPDX-License-Identifier: MIT
// dns.lookup of each name in argv; prints name and error code (or address) per line.
'use strict';
const dns = require('dns');
(async () => {
	for (const name of process.argv.slice(2)) {
		const r = await new Promise((resolve) => dns.lookup(name, (err, addr) =>
			resolve(err ? err.code : addr)));
		console.log(`${name} ${r}`);
	}
})();
