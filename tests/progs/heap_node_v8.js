// SPDX-License-Identifier: MIT
// Grows JavaScript objects only: the V8 heap lives in anonymous mappings, outside malloc.
'use strict';
const log = [];
let n = 0;
const timer = setInterval(() => {
	for (let i = 0; i < 4000; i++)
		log.push({ id: n, text: 'message ' + n++ + ' '.repeat(200) + n });
	if (log.length >= 200000) {
		clearInterval(timer);
		console.log(log.length);
	}
}, 40);
