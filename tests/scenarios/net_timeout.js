// SPDX-License-Identifier: MIT
// Connects to HOST:PORT where SYNs are dropped: once with the application's own timeout of
// APP_MS (socket destroyed while pending), once waiting for the kernel; prints the outcomes.
'use strict';
const net = require('net');
const [host, port, appMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

function attempt(timeoutMs) {
	return new Promise((resolve) => {
		const s = net.connect({ host, port });
		let timer = null;
		if (timeoutMs)
			timer = setTimeout(() => { s.destroy(); resolve('app-timeout'); }, timeoutMs);
		s.on('connect', () => { clearTimeout(timer); s.destroy(); resolve('connected'); });
		s.on('error', (e) => { clearTimeout(timer); resolve(e.code); });
	});
}
(async () => {
	console.log(await attempt(appMs));
	console.log(await attempt(0));
})();
