// SPDX-License-Identifier: MIT
// A nameserver on 127.0.0.1:53 (UDP) for the DNS scenarios: "silent" reads queries and never
// answers; "nxdomain" answers every query with NXDOMAIN. Prints "ready" once bound.
'use strict';
const dgram = require('dgram');
const mode = process.argv[2];
const sock = dgram.createSocket('udp4');
let queries = 0;
sock.on('message', (msg, rinfo) => {
	queries++;
	if (mode !== 'nxdomain' || msg.length < 12)
		return;
	const reply = Buffer.from(msg);
	reply[2] = 0x81 | (msg[2] & 0x01); // QR, opcode 0, RD copied
	reply[3] = 0x83; // RA, RCODE 3 (NXDOMAIN)
	reply.writeUInt16BE(0, 6); // no answers
	reply.writeUInt16BE(0, 8);
	reply.writeUInt16BE(0, 10);
	sock.send(reply, rinfo.port, rinfo.address);
});
sock.bind(53, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => { console.error(`queries ${queries}`); process.exit(0); });
