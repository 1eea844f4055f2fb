// SPDX-License-Identifier: MIT
// A ws client that reconnects when its server dies: every DELAY ms ("fixed"), or doubling
// from DELAY ms ("backoff"). Stops after ATTEMPTS reconnects; the server is a separate process.
'use strict';
const WebSocket = require('ws');
const [port, mode, delay, attempts] = [process.argv[2], process.argv[3],
	Number(process.argv[4]), Number(process.argv[5])];
let tries = 0;
let opened = false;

function connect() {
	const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
	ws.on('open', () => {
		opened = true;
		console.log('open');
		ws.send('hello');
	});
	ws.on('error', () => {});
	ws.on('close', () => {
		if (!opened)
			return process.exit(2);
		if (tries >= attempts)
			return process.exit(0);
		const wait = mode === 'backoff' ? delay * 2 ** tries : delay;
		tries++;
		setTimeout(connect, wait);
	});
}
connect();
