// api-ws.test.mjs — the Janus client API over the WebSocket transport
// (janus-protocol): every verb, events pushed on the socket, claim of a
// session from a second socket after the first closed, the per-connection
// and per-session limits, bad input and an oversize frame.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { WsJanus, assertError, assertReply, tx } from './lib/janus.mjs';

const { test } = serverSuite({
	config: {
		parley: {
			general: { reclaim_session_timeout: 10 },
			limits: { max_message_size: 65536, max_sessions_per_connection: 3, max_handles_per_session: 2 },
		},
	},
});

async function connect(srv, opts) {
	return WsJanus.connect(srv.wsUrl, 'janus-protocol', opts);
}

/** After bad input: a fresh client on a fresh socket can ping and create. */
async function stillServes(srv) {
	const c = await connect(srv);
	try {
		assertReply(await c.request({ janus: 'ping' }), 'pong', 'ping after bad input');
		const s = await c.createSession();
		assertReply(await c.request({ janus: 'destroy', session_id: s }), 'success', 'destroy after bad input');
	} finally {
		await c.close();
	}
}

test('ws: info and ping', async (srv) => {
	const c = await connect(srv);
	const i = await c.request({ janus: 'info' });
	assertReply(i, 'server_info', 'info');
	assert.ok(i.plugins?.['parley.plugin.echo'], 'info lists parley.plugin.echo');
	assert.ok(i.transports?.['parley.transport.websocket'], 'info lists parley.transport.websocket');
	assertReply(await c.request({ janus: 'ping' }), 'pong', 'ping');
	await c.close();
});

test('ws: create, attach, async message → ack + event, sync message → success', async (srv) => {
	const c = await connect(srv);
	const s = await c.createSession();
	const h = await c.attach(s, 'parley.plugin.echo', { opaque_id: 'ws-opaque' });
	const t = tx();
	const ack = await c.request({ janus: 'message', transaction: t, session_id: s, handle_id: h, body: { video: true } });
	assertReply(ack, 'ack', 'message');
	assert.equal(ack.session_id, s);
	const ev = await c.event('event', (m) => m.transaction === t);
	assert.equal(ev.sender, h);
	assert.equal(ev.session_id, s);
	assert.equal(ev.plugindata?.plugin, 'parley.plugin.echo');
	assert.equal(ev.plugindata?.data?.echotest, 'event');
	const sync = await c.request({ janus: 'message', session_id: s, handle_id: h, body: { request: 'ping' } });
	assertReply(sync, 'success', 'message ping');
	assert.equal(sync.plugindata?.data?.echotest, 'pong');
	assert.equal(sync.sender, h);
	assertReply(await c.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	await c.close();
});

test('ws: trickle, keepalive, hangup, detach (+ detached event), destroy', async (srv) => {
	const c = await connect(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	const cand = { sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host' };
	assertReply(await c.request({ janus: 'trickle', session_id: s, handle_id: h, candidate: cand }), 'ack', 'trickle');
	assertReply(await c.request({ janus: 'trickle', session_id: s, handle_id: h, candidates: [cand] }), 'ack', 'trickle candidates');
	assertReply(await c.request({ janus: 'keepalive', session_id: s }), 'ack', 'keepalive');
	assertReply(await c.request({ janus: 'hangup', session_id: s, handle_id: h }), 'success', 'hangup');
	assertReply(await c.request({ janus: 'detach', session_id: s, handle_id: h }), 'success', 'detach');
	const d = await c.event('detached', (m) => m.sender === h);
	assert.equal(d.session_id, s);
	assertError(await c.request({ janus: 'detach', session_id: s, handle_id: h }), 459, 'detach twice');
	assertReply(await c.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	assertError(await c.request({ janus: 'keepalive', session_id: s }), 458, 'keepalive after destroy');
	await c.close();
});

test('ws: destroy of a session with a handle sends detached for the handle', async (srv) => {
	const c = await connect(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	assertReply(await c.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	await c.event('detached', (m) => m.sender === h);
	await c.close();
});

test('ws: claim a session from a second socket after the first closed', async (srv) => {
	const a = await connect(srv);
	const s = await a.createSession();
	const h = await a.attach(s);
	await a.close();
	await new Promise((r) => setTimeout(r, 200));
	const b = await connect(srv);
	const r = await b.request({ janus: 'claim', session_id: s });
	assertReply(r, 'success', 'claim');
	assert.equal(r.session_id, s);
	// The handle survived and its events now come to the new socket.
	const t = tx();
	assertReply(await b.request({ janus: 'message', transaction: t, session_id: s, handle_id: h, body: { after: 'claim' } }), 'ack', 'message after claim');
	await b.event('event', (m) => m.transaction === t && m.sender === h);
	assertReply(await b.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	await b.close();
});

test('ws: claim of an unknown session → 458', async (srv) => {
	const c = await connect(srv);
	assertError(await c.request({ janus: 'claim', session_id: 31337 }), 458, 'claim unknown');
	await c.close();
	await stillServes(srv);
});

test('ws: max_sessions_per_connection = 3 refuses the 4th create with an error', async (srv) => {
	const c = await connect(srv);
	const ids = [];
	for (let i = 0; i < 3; i++) ids.push(await c.createSession());
	const r = await c.request({ janus: 'create' });
	assert.equal(r.janus, 'error', `4th create must fail, got ${JSON.stringify(r)}`);
	assert.equal(typeof r.error?.code, 'number');
	assert.match(r.error.reason, /session/i, `the reason should say which limit: ${JSON.stringify(r)}`);
	// Another connection is not affected.
	await stillServes(srv);
	for (const s of ids) await c.request({ janus: 'destroy', session_id: s });
	// Room again after destroying.
	const again = await c.createSession();
	await c.request({ janus: 'destroy', session_id: again });
	await c.close();
});

test('ws: max_handles_per_session = 2 refuses the 3rd attach with an error', async (srv) => {
	const c = await connect(srv);
	const s = await c.createSession();
	const h1 = await c.attach(s);
	await c.attach(s);
	const r = await c.request({ janus: 'attach', session_id: s, plugin: 'parley.plugin.echo' });
	assert.equal(r.janus, 'error', `3rd attach must fail, got ${JSON.stringify(r)}`);
	assert.match(r.error?.reason || '', /handle/i, `the reason should say which limit: ${JSON.stringify(r)}`);
	assertReply(await c.request({ janus: 'detach', session_id: s, handle_id: h1 }), 'success', 'detach');
	await c.attach(s); // room again
	await c.request({ janus: 'destroy', session_id: s });
	await c.close();
});

// ---- bad input ----

test('ws: malformed JSON → 454, array → 455; the socket stays usable', async (srv) => {
	const c = await connect(srv);
	c.send('{"janus":"ping",');
	assertError(await c.waitFor((m) => m.janus === 'error', 5000, 'error for malformed JSON'), 454, 'malformed JSON');
	c.send('[1,2,3]');
	assertError(await c.waitFor((m) => m.janus === 'error', 5000, 'error for array'), 455, 'JSON array');
	assertReply(await c.request({ janus: 'ping' }), 'pong', 'ping on the same socket');
	await c.close();
	await stillServes(srv);
});

test('ws: missing transaction → 456, numeric transaction → 467, unknown verb → 453', async (srv) => {
	const c = await connect(srv);
	c.send({ janus: 'ping' });
	assertError(await c.waitFor((m) => m.janus === 'error', 5000, 'error for missing transaction'), 456, 'no transaction');
	c.send({ janus: 'ping', transaction: 12 });
	assertError(await c.waitFor((m) => m.janus === 'error', 5000, 'error for numeric transaction'), 467, 'numeric transaction');
	assertError(await c.request({ janus: 'frobnicate' }), 453, 'unknown verb');
	await c.close();
	await stillServes(srv);
});

test('ws: unknown session 458, unknown handle 459, unknown plugin 460, wrong types 467, missing body 456', async (srv) => {
	const c = await connect(srv);
	assertError(await c.request({ janus: 'attach', session_id: 999999, plugin: 'parley.plugin.echo' }), 458, 'attach to unknown session');
	const s = await c.createSession();
	assertError(await c.request({ janus: 'message', session_id: s, handle_id: 4444, body: {} }), 459, 'unknown handle');
	assertError(await c.request({ janus: 'attach', session_id: s, plugin: 'parley.plugin.nope' }), 460, 'unknown plugin');
	assertError(await c.request({ janus: 'attach', session_id: s, plugin: ['x'] }), 467, 'plugin array');
	const h = await c.attach(s);
	assertError(await c.request({ janus: 'message', session_id: s, handle_id: h }), 456, 'message without body');
	assertError(await c.request({ janus: 'message', session_id: s, handle_id: h, body: 7 }), 467, 'numeric body');
	assertError(await c.request({ janus: 'attach', session_id: s }), 456, 'attach without plugin');
	// A handle verb at session level: Janus answers 457 (invalid request path).
	assertError(await c.request({ janus: 'message', session_id: s, body: {} }), 457, 'message without handle_id');
	await c.request({ janus: 'destroy', session_id: s });
	await c.close();
	await stillServes(srv);
});

test('ws: an oversize frame (> max_message_size) gets an error or a 1009 close, then others are served', async (srv) => {
	const c = await connect(srv);
	c.send(JSON.stringify({ janus: 'ping', transaction: 'big', pad: 'y'.repeat(200000) }));
	const outcome = await Promise.race([
		c.closed.then((ci) => ({ closed: ci })),
		c.waitFor((m) => m.janus === 'error', 5000, 'error for the oversize frame').then((m) => ({ error: m }), () => null),
		new Promise((r) => setTimeout(() => r(null), 6000)),
	]);
	assert.ok(outcome, 'oversize frame: neither an error reply nor a close within 5 s');
	if (outcome.closed) {
		assert.equal(outcome.closed.code, 1009, `close code must be 1009 (message too big), got ${JSON.stringify(outcome.closed)}`);
	} else {
		assert.equal(typeof outcome.error.error?.code, 'number', 'oversize frame: error code');
		const ci = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r(null), 3000))]);
		if (ci) assert.equal(ci.code, 1009, `close code must be 1009, got ${JSON.stringify(ci)}`);
	}
	await c.close();
	await stillServes(srv);
});

test('ws: a client that vanishes with requests in flight does not hurt the server', async (srv) => {
	const c = await connect(srv);
	const s = await c.createSession();
	const h = await c.attach(s);
	for (let i = 0; i < 20; i++) c.send({ janus: 'message', transaction: `gone${i}`, session_id: s, handle_id: h, body: { i } });
	c.ws.terminate();
	await c.closed;
	await new Promise((r) => setTimeout(r, 300));
	await stillServes(srv);
});

test('ws: a socket without a subprotocol or with an unknown one is refused or gets no API', async (srv) => {
	let refused = false;
	try {
		const c = await WsJanus.connect(srv.wsUrl, 'made-up-protocol');
		// If the server accepted the upgrade, it must not have picked the protocol.
		refused = c.ws.protocol !== 'made-up-protocol';
		await c.close();
	} catch {
		refused = true;
	}
	assert.ok(refused, 'an unknown subprotocol must not be accepted as such');
	await stillServes(srv);
});
