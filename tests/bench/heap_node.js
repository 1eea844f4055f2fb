// SPDX-License-Identifier: MIT
// A Node agent-like workload: JSON messages, strings, Buffers, short-lived objects.
'use strict';
const n = Number(process.argv[2] || 20000);
const t0 = process.hrtime.bigint();
let keep = [];
let sum = 0;
for (let i = 0; i < n; i++) {
	const msg = { id: i, role: 'assistant', content: 'x'.repeat(200 + (i % 800)),
		tools: [{ name: 'search', args: { q: 'q' + i } }] };
	const text = JSON.stringify(msg);
	const back = JSON.parse(text);
	const buf = Buffer.from(text);
	sum += buf.length + back.content.length;
	keep.push(Buffer.alloc(1024 + (i % 16) * 1024));
	if (keep.length > 256)
		keep = keep.slice(128);
}
const t1 = process.hrtime.bigint();
if (sum === 0)
	console.log('impossible');
console.log(String(t1 - t0));
