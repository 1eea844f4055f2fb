// SPDX-License-Identifier: MIT
// dns.lookup of each name in argv (dns.resolve4, through c-ares, for "resolve:NAME");
// prints name and error code (or address) per line.
'use strict';
const dns = require('dns');
(async () => {
	for (const name of process.argv.slice(2)) {
		const r = await new Promise((resolve) => {
			if (name.startsWith('resolve:'))
				dns.resolve4(name.slice(8), (err, a) => resolve(err ? err.code : a[0]));
			else
				dns.lookup(name, (err, addr) => resolve(err ? err.code : addr));
		});
		console.log(`${name} ${r}`);
	}
})();
