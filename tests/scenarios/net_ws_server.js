// SPDX-License-Identifier: MIT
// A ws server on 127.0.0.1 (a free port) that prints "ready PORT" once listening; echoes.
'use strict';
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log(`ready ${wss.address().port}`));
wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)));
