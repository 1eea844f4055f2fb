// SPDX-License-Identifier: MIT
// A ws server on 127.0.0.1:PORT that prints "ready" once listening and echoes messages.
'use strict';
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('listening', () => console.log('ready'));
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
