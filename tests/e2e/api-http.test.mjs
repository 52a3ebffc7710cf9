// api-http.test.mjs — the Janus client API over the HTTP transport: every
// verb, long-poll with maxev, keepalive answers of an idle long-poll, and the
// error codes of bad input (each followed by a check that the server still
// serves a fresh client).
import assert from 'node:assert/strict';
import net from 'node:net';
import { serverSuite, ownServerTest } from './lib/harness.mjs';
import { HttpJanus, assertError, assertReply, tx } from './lib/janus.mjs';

const { test } = serverSuite({
	config: {
		parley: {
			limits: { max_message_size: 65536 },
			plugins: { aliases: 'janus.plugin.echotest=parley.plugin.echo' },
		},
		'parley.transport.http': { general: { longpoll_timeout: 2 } },
	},
});

const api = (srv) => new HttpJanus(srv.httpUrl);

/** After bad input: a fresh client can still ping and create. */
async function stillServes(srv) {
	const c = api(srv);
	assertReply(await c.request({ janus: 'ping' }), 'pong', 'ping after bad input');
	const id = await c.createSession();
	assertReply(await c.request({ janus: 'destroy' }, { path: `/${id}` }), 'success', 'destroy after bad input');
}

test('http: info answers server_info with the echo plugin', async (srv) => {
	const r = await api(srv).request({ janus: 'info' });
	assertReply(r, 'server_info', 'info');
	for (const k of ['name', 'version', 'version_string', 'author', 'plugins', 'transports']) {
		assert.ok(k in r, `info: missing "${k}" in ${JSON.stringify(r).slice(0, 400)}`);
	}
	assert.equal(typeof r['session-timeout'], 'number', 'info: "session-timeout" must be a number');
	assert.equal(typeof r.api_secret, 'boolean', 'info: api_secret must be a boolean');
	assert.equal(typeof r.auth_token, 'boolean', 'info: auth_token must be a boolean');
	assert.ok(r.plugins['parley.plugin.echo'], 'info: plugins must list parley.plugin.echo');
	assert.equal(typeof r.plugins['parley.plugin.echo'].version_string, 'string');
	assert.ok(r.transports['parley.transport.http'], 'info: transports must list parley.transport.http');
});

test('http: GET /janus/info answers server_info', async (srv) => {
	const r = await fetch(`${srv.httpUrl}/janus/info`);
	const j = await r.json();
	assert.equal(r.status, 200);
	assertReply(j, 'server_info', 'GET /janus/info');
});

test('http: ping answers pong with the transaction', async (srv) => {
	const t = tx();
	const r = await api(srv).request({ janus: 'ping', transaction: t });
	assertReply(r, 'pong', 'ping');
	assert.equal(r.transaction, t);
});

test('http: create, attach (by package and by alias), destroy', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	assert.ok(s > 0, 'session id must be positive');
	const h1 = await c.attach(s, 'parley.plugin.echo', { opaque_id: 'e2e-opaque' });
	const h2 = await c.attach(s, 'janus.plugin.echotest');
	assert.notEqual(h1, h2, 'two handles must have different ids');
	const r = await c.request({ janus: 'destroy' }, { path: `/${s}` });
	assertReply(r, 'success', 'destroy');
	assert.equal(r.session_id, s, 'destroy reply must carry session_id');
	assertError(await c.request({ janus: 'keepalive' }, { path: `/${s}` }), 458, 'keepalive after destroy');
});

test('http: create with a requested id gets that id', async (srv) => {
	const c = api(srv);
	const want = 4242000000 + Math.floor(Math.random() * 1000000);
	const r = await c.request({ janus: 'create', id: want });
	assertReply(r, 'success', 'create with id');
	assert.equal(r.data.id, want);
	await c.request({ janus: 'destroy' }, { path: `/${want}` });
});

test('http: asynchronous message → ack, then the event arrives on the long-poll', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	const t = tx();
	const r = await c.request({ janus: 'message', transaction: t, body: { audio: true, e2e: 'hello' } },
		{ path: `/${s}/${h}` });
	assertReply(r, 'ack', 'message');
	assert.equal(r.session_id, s);
	const ev = await c.pollFor(s, (e) => e.janus === 'event' && e.transaction === t);
	assert.equal(ev.sender, h, 'event.sender must be the handle');
	assert.equal(ev.session_id, s);
	assert.equal(ev.plugindata?.plugin, 'parley.plugin.echo');
	assert.equal(ev.plugindata?.data?.echotest, 'event');
	assert.equal(ev.plugindata?.data?.result, 'ok');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: synchronous message (ping request) → success with plugindata', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	const r = await c.request({ janus: 'message', body: { request: 'ping' } }, { path: `/${s}/${h}` });
	assertReply(r, 'success', 'message ping');
	assert.equal(r.sender, h);
	assert.equal(r.plugindata?.plugin, 'parley.plugin.echo');
	assert.equal(r.plugindata?.data?.echotest, 'pong');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: trickle (candidate, candidates, completed) and keepalive → ack', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	const cand = { sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host' };
	assertReply(await c.request({ janus: 'trickle', candidate: cand }, { path: `/${s}/${h}` }), 'ack', 'trickle candidate');
	assertReply(await c.request({ janus: 'trickle', candidates: [cand, cand] }, { path: `/${s}/${h}` }), 'ack', 'trickle candidates');
	assertReply(await c.request({ janus: 'trickle', candidate: { completed: true } }, { path: `/${s}/${h}` }), 'ack', 'trickle completed');
	assertReply(await c.request({ janus: 'keepalive' }, { path: `/${s}` }), 'ack', 'keepalive');
	assertError(await c.request({ janus: 'trickle' }, { path: `/${s}/${h}` }), 456, 'trickle without candidate');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: hangup → success; detach → success and a detached event', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	assertReply(await c.request({ janus: 'hangup' }, { path: `/${s}/${h}` }), 'success', 'hangup');
	assertReply(await c.request({ janus: 'detach' }, { path: `/${s}/${h}` }), 'success', 'detach');
	await c.pollFor(s, (e) => e.janus === 'detached' && e.sender === h);
	assertError(await c.request({ janus: 'message', body: {} }, { path: `/${s}/${h}` }), 459, 'message to a detached handle');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: long-poll with maxev=5 returns an array of queued events', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	for (let i = 0; i < 3; i++) {
		assertReply(await c.request({ janus: 'message', body: { n: i } }, { path: `/${s}/${h}` }), 'ack', 'message');
	}
	await new Promise((r) => setTimeout(r, 300));
	const got = await c.poll(s, { maxev: 5 });
	assert.ok(Array.isArray(got), `maxev=5 must answer a JSON array, got ${JSON.stringify(got).slice(0, 300)}`);
	assert.ok(got.length >= 1 && got.length <= 5, `array length ${got.length} must be 1..5`);
	const one = await c.poll(s, { maxev: 1 });
	assert.ok(!Array.isArray(one), 'maxev=1 must answer one object');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: an idle long-poll answers {"janus":"keepalive"} after longpoll_timeout', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	const t0 = Date.now();
	const r = await c.poll(s, { timeoutMs: 10000 });
	assertReply(r, 'keepalive', 'idle long-poll');
	const took = Date.now() - t0;
	assert.ok(took >= 1500 && took < 6000, `long-poll took ${took} ms, expected about 2000`);
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('http: long-poll of an unknown session → 458', async (srv) => {
	assertError(await api(srv).poll(987654321), 458, 'GET /janus/987654321');
	await stillServes(srv);
});

// ---- bad input ----

test('http: malformed JSON → 454', async (srv) => {
	const r = await api(srv).post('/janus', '{"janus": "ping", "transaction": ');
	assertError(r.json, 454, 'malformed JSON');
	await stillServes(srv);
});

test('http: a JSON array instead of an object → 455', async (srv) => {
	const r = await api(srv).post('/janus', '[{"janus":"ping","transaction":"x"}]');
	assertError(r.json, 455, 'JSON array body');
	await stillServes(srv);
});

test('http: missing transaction → 456', async (srv) => {
	const r = await api(srv).post('/janus', { janus: 'ping' });
	assertError(r.json, 456, 'ping without transaction');
	await stillServes(srv);
});

test('http: missing "janus" → 456', async (srv) => {
	const r = await api(srv).post('/janus', { transaction: 'abc' });
	assertError(r.json, 456, 'request without "janus"');
	await stillServes(srv);
});

test('http: wrong types → 467 (transaction number, plugin number, body string)', async (srv) => {
	const c = api(srv);
	assertError((await c.post('/janus', { janus: 'ping', transaction: 42 })).json, 467, 'numeric transaction');
	const s = await c.createSession();
	assertError(await c.request({ janus: 'attach', plugin: 42 }, { path: `/${s}` }), 467, 'numeric plugin');
	const h = await c.attach(s);
	assertError(await c.request({ janus: 'message', body: 'text' }, { path: `/${s}/${h}` }), 467, 'string body');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
	await stillServes(srv);
});

test('http: missing mandatory element → 456 (attach without plugin, message without body)', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	assertError(await c.request({ janus: 'attach' }, { path: `/${s}` }), 456, 'attach without plugin');
	const h = await c.attach(s);
	assertError(await c.request({ janus: 'message' }, { path: `/${s}/${h}` }), 456, 'message without body');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
	await stillServes(srv);
});

test('http: unknown verb → 453', async (srv) => {
	assertError(await api(srv).request({ janus: 'frobnicate' }), 453, 'unknown verb');
	await stillServes(srv);
});

test('http: unknown session → 458, unknown handle → 459, unknown plugin → 460', async (srv) => {
	const c = api(srv);
	assertError(await c.request({ janus: 'keepalive' }, { path: '/123456789' }), 458, 'keepalive to unknown session');
	const s = await c.createSession();
	assertError(await c.request({ janus: 'message', body: {} }, { path: `/${s}/55555` }), 459, 'message to unknown handle');
	assertError(await c.request({ janus: 'attach', plugin: 'parley.plugin.nope' }, { path: `/${s}` }), 460, 'attach unknown plugin');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
	await stillServes(srv);
});

test('http: a session_id in the body that contradicts the path → 457', async (srv) => {
	const c = api(srv);
	const s = await c.createSession();
	assertError(await c.request({ janus: 'keepalive', session_id: s + 1 }, { path: `/${s}` }), 457, 'contradicting session_id');
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
	await stillServes(srv);
});

test('http: oversize body (> max_message_size) → HTTP 413', async (srv) => {
	const big = JSON.stringify({ janus: 'ping', transaction: 'big', pad: 'x'.repeat(200000) });
	let status;
	try {
		status = (await api(srv).post('/janus', big)).status;
	} catch (e) {
		// The server may close the connection after answering; fetch then
		// fails before it reads the status — that is not the documented answer.
		assert.fail(`POST of 200 kB: no HTTP answer (${e.message}), expected 413`);
	}
	assert.equal(status, 413, 'oversize body must be answered with 413');
	await stillServes(srv);
});

test('http: wrong method on /janus → 405', async (srv) => {
	const r = await fetch(`${srv.httpUrl}/janus`, { method: 'PUT', body: '{}' });
	await r.arrayBuffer();
	assert.equal(r.status, 405, 'PUT /janus');
	await stillServes(srv);
});

/** Sends raw bytes on a TCP connection and closes it without waiting. */
function rawAndHangUp(port, text, lingerMs = 100) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1', () => {
			sock.write(text);
			setTimeout(() => { sock.destroy(); resolve(); }, lingerMs);
		});
		sock.on('error', () => resolve());
	});
}

test('http: a client that disconnects mid-body or mid-long-poll does not hurt the server', async (srv) => {
	const port = srv.httpPort;
	// Half a body, then gone.
	await rawAndHangUp(port, 'POST /janus HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
		'Content-Length: 1000\r\n\r\n{"janus":"create","transac');
	// A long-poll abandoned while waiting, then an event for that session.
	const c = api(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	await rawAndHangUp(port, `GET /janus/${s}?maxev=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 300);
	assertReply(await c.request({ janus: 'message', body: { after: 'hangup' } }, { path: `/${s}/${h}` }), 'ack', 'message');
	// A request whose asynchronous answer finds the client gone.
	await rawAndHangUp(port, 'POST /janus HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
		`Content-Length: 40\r\n\r\n{"janus":"ping","transaction":"gone12"}`, 0);
	await new Promise((r) => setTimeout(r, 300));
	// The event is still delivered to the next long-poll (or was dropped
	// with the dead connection); either way the server answers.
	const r = await c.poll(s, { maxev: 1, timeoutMs: 8000 });
	assert.ok(r.janus === 'event' || r.janus === 'keepalive', `long-poll after abandon: ${JSON.stringify(r)}`);
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
	await stillServes(srv);
});

ownServerTest('http: a long-poll is held for longpoll_timeout = 8 s, then answers keepalive', async (own) => {
	const srv = await own({ config: { 'parley.transport.http': { general: { longpoll_timeout: 8 } } } });
	const c = api(srv);
	const s = await c.createSession();
	const t0 = Date.now();
	const r = await c.poll(s, { timeoutMs: 15000 });
	const took = Date.now() - t0;
	assertReply(r, 'keepalive', `long-poll answer after ${took} ms`);
	assert.ok(took >= 7000, `long-poll answered after ${took} ms, longpoll_timeout is 8 s`);
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
}, { timeout: 30000 });
