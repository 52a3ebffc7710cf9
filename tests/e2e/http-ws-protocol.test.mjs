// http-ws-protocol.test.mjs — protocol violations sent on raw sockets
// (node:net) to both web transports (HTTP and WebSocket ports), each with
// the answer it must get:
//  - heads: an 8 KB Cookie is served, a head over max_header_size gets 431
//    (the default 16384 and a configured one), a request line lws cannot
//    read gets 403, a header line without a colon is closed unanswered
//    after lws's idle time;
//  - smuggling shapes: two different Content-Length headers, a list of
//    different ones, an invalid one, and Content-Length with
//    Transfer-Encoding get 400; a chunked body gets 411; the connection is
//    closed after each, so nothing sent behind it is answered;
//  - bodies over max_body get a 413 the client reads after sending the
//    whole body (lingering close: FIN, not a reset);
//  - WebSocket handshakes: Sec-WebSocket-Version other than 13 (or none)
//    gets 426 with Sec-WebSocket-Version: 13, for the Janus subprotocol and
//    the Socket.IO path; an oversize upgrade head gets 431; the HTTP port
//    refuses upgrades with 400;
//  - static files: a symlink inside html_folder that leads out of it is not
//    followed (404), one that stays inside is served;
//  - shutdown: a Janus WebSocket gets close 1001, a Socket.IO client (over
//    WebSocket and over polling) the "server-shutdown" event, then the
//    namespace's disconnect ("io server disconnect").
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { serverSuite, ownServerTest } from './lib/harness.mjs';

const MAX_BODY = 4096;
const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { max_body: MAX_BODY } },
		'parley.transport.websocket': { general: { max_body: MAX_BODY } },
	},
});

/** Sends `data` (a string or a list of chunks) on a fresh connection and
 * collects everything until the server closes or `timeoutMs` pass.
 * Returns { text, responses: [{status, headers, body}], error, closed,
 * half: the server's FIN came before our close }. */
function exchange(port, data, { timeoutMs = 5000 } = {}) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let received = Buffer.alloc(0);
		let error = null, ended = false;
		const finish = (closed) => {
			clearTimeout(timer);
			socket.destroy();
			const text = received.toString('latin1');
			resolve({ text, responses: parseResponses(text), error, closed, ended });
		};
		const timer = setTimeout(() => finish(false), timeoutMs);
		socket.on('data', (chunk) => { received = Buffer.concat([received, chunk]); });
		socket.on('end', () => { ended = true; });
		socket.on('error', (err) => { error = err.code; });
		socket.on('close', () => finish(true));
		socket.on('connect', () => {
			for (const chunk of [].concat(data)) socket.write(chunk);
		});
	});
}

/** The HTTP/1.x responses in `text`, read by their Content-Length. */
function parseResponses(text) {
	const responses = [];
	let rest = text;
	while (rest.length > 0) {
		const end = rest.indexOf('\r\n\r\n');
		if (end < 0) break;
		const lines = rest.slice(0, end).split('\r\n');
		const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
		if (!match) break;
		const headers = {};
		for (const line of lines.slice(1)) {
			const colon = line.indexOf(':');
			headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
		}
		const length = Number(headers['content-length'] || 0);
		responses.push({ status: Number(match[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
		rest = rest.slice(end + 4 + length);
	}
	return responses;
}

const head = (lines) => lines.join('\r\n') + '\r\n\r\n';
const ping = '{"janus":"ping","transaction":"raw"}';

/** The two transports' ports, and a path that takes a POST on each. */
const TRANSPORTS = [
	{ name: 'http', port: (srv) => srv.httpPort, post: '/janus' },
	{ name: 'ws', port: (srv) => srv.wsPort, post: '/health' },
];

/** Exactly one answer with `status`, then the server closed the connection. */
function assertOneAnswer(result, status, what) {
	assert.equal(result.responses.length, 1, `${what}: one answer, got ${JSON.stringify(result.text.slice(0, 300))}`);
	assert.equal(result.responses[0].status, status, `${what}: ${result.text.slice(0, 200)}`);
	assert.ok(result.closed, `${what}: the server closes the connection`);
	assert.equal(result.error, null, `${what}: no reset (${result.error})`);
	if (status >= 400 && status !== 403) {
		const body = JSON.parse(result.responses[0].body);
		assert.equal(body.status, status, `${what}: the JSON body carries the status`);
		assert.ok(body.error.length > 0, `${what}: the JSON body says why`);
	}
}

for (const t of TRANSPORTS) {
	test(`${t.name}: an 8 KB Cookie header is served; a head over the default 16 KB limit gets 431`, async (srv) => {
		const ok = await exchange(t.port(srv), head(['GET /health HTTP/1.1', 'Host: x', 'Connection: close',
			`Cookie: a=${'b'.repeat(8 * 1024)}`]));
		assert.equal(ok.responses[0]?.status, 200, `8 KB cookie: ${ok.text.slice(0, 200)}`);
		const big = await exchange(t.port(srv), head(['GET /health HTTP/1.1', 'Host: x',
			`Cookie: a=${'b'.repeat(20 * 1024)}`]));
		assertOneAnswer(big, 431, '20 KB cookie');
		assert.match(JSON.parse(big.responses[0].body).error, /16384/);
	});

	test(`${t.name}: a request line lws cannot read gets 403`, async (srv) => {
		for (const line of ['BREW /health HTTP/1.1', 'GET/health HTTP/1.1']) {
			const result = await exchange(t.port(srv), head([line, 'Host: x']));
			assertOneAnswer(result, 403, line);
		}
	});

	test(`${t.name}: two different Content-Length headers, or a list of different ones, get 400`, async (srv) => {
		for (const lengths of [['5', '6'], ['5, 6']]) {
			const result = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x',
				...lengths.map((l) => `Content-Length: ${l}`)]) + 'hello!GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
			assertOneAnswer(result, 400, `Content-Length ${lengths.join(' / ')}`);
			assert.match(JSON.parse(result.responses[0].body).error, /conflicting|invalid/);
		}
	});

	test(`${t.name}: an invalid Content-Length gets 400; equal repeats are one length`, async (srv) => {
		for (const value of ['abc', '-1', '+5', '0x10', '5 5']) {
			const result = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x',
				`Content-Length: ${value}`]) + 'hello');
			assertOneAnswer(result, 400, `Content-Length: ${value}`);
		}
		const body = ping;
		const equal = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x', 'Connection: close',
			`Content-Length: ${body.length}`, `Content-Length: ${body.length}`]) + body);
		assert.equal(equal.responses.length, 1, equal.text.slice(0, 200));
		assert.notEqual(equal.responses[0].status, 400, `equal Content-Length twice: ${equal.text.slice(0, 200)}`);
		assert.ok(equal.responses[0].status < 500, equal.text.slice(0, 200));
	});

	test(`${t.name}: Content-Length with Transfer-Encoding gets 400; nothing behind it is answered`, async (srv) => {
		const smuggled = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
		for (const te of ['chunked', 'gzip, chunked']) {
			const result = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x',
				'Content-Length: 5', `Transfer-Encoding: ${te}`]) + '0\r\n\r\n' + smuggled);
			assertOneAnswer(result, 400, `Content-Length + Transfer-Encoding: ${te}`);
			assert.match(JSON.parse(result.responses[0].body).error, /Transfer-Encoding/);
		}
	});

	test(`${t.name}: a chunked request body gets 411 and the connection closes`, async (srv) => {
		const result = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x',
			'Transfer-Encoding: chunked']) + `${ping.length.toString(16)}\r\n${ping}\r\n0\r\n\r\n`);
		assertOneAnswer(result, 411, 'chunked body');
		const noLength = await exchange(t.port(srv), head([`POST ${t.post} HTTP/1.1`, 'Host: x']) + ping);
		assertOneAnswer(noLength, 411, 'POST without Content-Length');
	});

	test(`${t.name}: a body over max_body sent whole before reading gets a readable 413 and a FIN`, async (srv) => {
		// Declared over the limit: refused from the head, the body is drained.
		const big = 'x'.repeat(300 * 1024);
		const declared = await exchange(t.port(srv), [head([`POST ${t.post} HTTP/1.1`, 'Host: x',
			`Content-Length: ${big.length}`]), big]);
		assertOneAnswer(declared, 413, 'declared 300 KB body');
		assert.ok(declared.ended, 'the server half-closed (FIN) after the answer');
		assert.match(JSON.parse(declared.responses[0].body).error, new RegExp(`limit ${MAX_BODY}`));
		// A body just over the limit, in many pieces.
		const pieces = Array.from({ length: 40 }, () => 'y'.repeat(MAX_BODY / 8));
		const streamed = await exchange(t.port(srv), [head([`POST ${t.post} HTTP/1.1`, 'Host: x',
			`Content-Length: ${pieces.join('').length}`]), ...pieces]);
		assertOneAnswer(streamed, 413, 'streamed body');
	});
}

test('ws: a WebSocket handshake with a version other than 13 gets 426 with Sec-WebSocket-Version: 13', async (srv) => {
	const upgrade = (target, extra) => head([`GET ${target} HTTP/1.1`, 'Host: x', 'Upgrade: websocket',
		'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...extra]);
	const cases = [
		['/', ['Sec-WebSocket-Protocol: janus-protocol', 'Sec-WebSocket-Version: 8']],
		['/', ['Sec-WebSocket-Protocol: janus-protocol']],
		['/', ['Sec-WebSocket-Protocol: janus-admin-protocol', 'Sec-WebSocket-Version: 12']],
		['/socket.io/?EIO=4&transport=websocket', ['Sec-WebSocket-Version: 7']],
	];
	for (const [target, extra] of cases) {
		const result = await exchange(srv.wsPort, upgrade(target, extra));
		assertOneAnswer(result, 426, `${target} ${extra.join(', ')}`);
		assert.equal(result.responses[0].headers['sec-websocket-version'], '13');
	}
	// Version 13 still upgrades.
	const ok = await exchange(srv.wsPort, upgrade('/', ['Sec-WebSocket-Protocol: janus-protocol',
		'Sec-WebSocket-Version: 13']), { timeoutMs: 500 });
	assert.match(ok.text, /^HTTP\/1\.1 101 /);
});

test('ws: an upgrade head over max_header_size gets 431', async (srv) => {
	const result = await exchange(srv.wsPort, head(['GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket',
		'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
		'Sec-WebSocket-Protocol: janus-protocol', `Cookie: a=${'b'.repeat(20 * 1024)}`]));
	assertOneAnswer(result, 431, 'oversize upgrade');
});

test('http: a WebSocket upgrade on the HTTP port gets 400', async (srv) => {
	const result = await exchange(srv.httpPort, head(['GET /janus HTTP/1.1', 'Host: x', 'Upgrade: websocket',
		'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']));
	assertOneAnswer(result, 400, 'upgrade on the HTTP port');
});

test('both: a header line without a colon is closed without an answer (lws idle time, 10 s)', async (srv) => {
	const malformed = head(['GET /health HTTP/1.1', 'Host: x', 'Bad Header Line']);
	const results = await Promise.all([srv.httpPort, srv.wsPort].map((port) =>
		exchange(port, malformed, { timeoutMs: 15000 })));
	for (const result of results) {
		assert.ok(result.closed, 'closed within 15 s');
		assert.equal(result.text, '', 'no answer');
	}
}, { timeout: 30000 });

ownServerTest('both: max_header_size is configurable (8192: a 10 KB Cookie gets 431)', async (own) => {
	const srv = await own({
		config: {
			'parley.transport.http': { general: { max_header_size: 8192 } },
			'parley.transport.websocket': { general: { max_header_size: 8192 } },
		},
	});
	for (const port of [srv.httpPort, srv.wsPort]) {
		const small = await exchange(port, head(['GET /health HTTP/1.1', 'Host: x', 'Connection: close',
			`Cookie: a=${'b'.repeat(6 * 1024)}`]));
		assert.equal(small.responses[0]?.status, 200, small.text.slice(0, 200));
		const big = await exchange(port, head(['GET /health HTTP/1.1', 'Host: x',
			`Cookie: a=${'b'.repeat(10 * 1024)}`]));
		assertOneAnswer(big, 431, '10 KB cookie with max_header_size 8192');
		assert.match(JSON.parse(big.responses[0].body).error, /8192/);
	}
});

ownServerTest('http: static files are served only from inside html_folder once symlinks are resolved', async (own) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-html-'));
	const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-outside-'));
	try {
		fs.writeFileSync(path.join(dir, 'index.html'), '<p>inside</p>');
		fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside the folder');
		fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd.txt'));
		fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'secret.txt'));
		fs.symlinkSync(outside, path.join(dir, 'out'));
		fs.symlinkSync('index.html', path.join(dir, 'alias.html'));
		const srv = await own({ config: { 'parley.transport.http': { general: { html_folder: dir } } } });
		for (const target of ['/passwd.txt', '/secret.txt', '/out/secret.txt']) {
			const res = await fetch(`${srv.httpUrl}${target}`);
			const text = await res.text();
			assert.equal(res.status, 404, `${target}: ${text.slice(0, 100)}`);
			assert.doesNotMatch(text, /root:|outside the folder/);
		}
		for (const target of ['/index.html', '/alias.html', '/']) {
			const res = await fetch(`${srv.httpUrl}${target}`);
			assert.equal(res.status, 200, target);
			assert.equal(await res.text(), '<p>inside</p>');
		}
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
		fs.rmSync(outside, { recursive: true, force: true });
	}
});

ownServerTest('ws: on shutdown Janus WebSockets get close 1001, Socket.IO clients a notice then "io server disconnect"', async (own) => {
	const srv = await own({});
	const janus = new WebSocket(srv.wsUrl, 'janus-protocol');
	const janusClosed = new Promise((resolve) => janus.on('close', (code, reason) =>
		resolve({ code, reason: reason.toString() })));
	await new Promise((resolve, reject) => { janus.once('open', resolve); janus.once('error', reject); });
	const modes = [{ transports: ['websocket'] }, { transports: ['polling'] }];
	const clients = await Promise.all(modes.map((opts) => new Promise((resolve, reject) => {
		const socket = io(`http://127.0.0.1:${srv.wsPort}`, { ...opts, reconnection: false, timeout: 5000 });
		socket.notices = [];
		socket.on('server-shutdown', (notice) => socket.notices.push(notice));
		socket.gone = new Promise((done) => socket.on('disconnect', (reason) => done(reason)));
		socket.once('connect', () => resolve(socket));
		socket.once('connect_error', reject);
	})));
	try {
		const stopped = srv.stop();
		const closed = await Promise.race([janusClosed, new Promise((r) => setTimeout(() => r(null), 5000))]);
		assert.deepEqual(closed, { code: 1001, reason: 'server shutting down' }, 'Janus WebSocket close');
		for (const [i, socket] of clients.entries()) {
			const reason = await Promise.race([socket.gone, new Promise((r) => setTimeout(() => r(null), 5000))]);
			assert.equal(reason, 'io server disconnect', `${modes[i].transports}: disconnect reason`);
			assert.deepEqual(socket.notices, [{ message: 'server shutting down' }], `${modes[i].transports}: notice`);
		}
		const exit = await stopped;
		assert.equal(exit.code, 0, `parleyd exit ${JSON.stringify(exit)}`);
	} finally {
		janus.terminate();
		for (const socket of clients) socket.close();
	}
});
