// SPDX-License-Identifier: MIT
// Keeps a Buffer per "request" in a growing array: a leak of native memory from JavaScript.
'use strict';
const history = [];
let n = 0;

function rememberRequest(count) {
	for (let i = 0; i < count; i++)
		history.push(Buffer.alloc(64 * 1024, n++ & 255));
}

const timer = setInterval(() => {
	rememberRequest(40);
	if (history.length >= 1600) {
		clearInterval(timer);
		console.log(history.length * 64 * 1024);
	}
}, 40);
