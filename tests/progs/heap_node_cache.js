// SPDX-License-Identifier: MIT
// A large but steady cache: filled once to 800 entries of 64 KiB, then entries are replaced.
'use strict';
const cache = new Map();
let n = 0;

function cacheFill(count) {
	for (let i = 0; i < count; i++)
		cache.set(n % 800, Buffer.alloc(64 * 1024, n++ & 255));
}

cacheFill(800);
const start = Date.now();
const timer = setInterval(() => {
	cacheFill(40);
	if (Date.now() - start > 2000) {
		clearInterval(timer);
		console.log(cache.size);
	}
}, 20);
