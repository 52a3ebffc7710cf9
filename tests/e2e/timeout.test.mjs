// timeout.test.mjs — session_timeout (idle sessions get {"janus":"timeout"}
// and are gone; keepalive keeps them) over WebSocket and over an HTTP
// long-poll, and reclaim_session_timeout (sessions of a closed socket wait
// that long for a claim, then end; with 0 they end at once).
import assert from 'node:assert/strict';
import { serverSuite, ownServerTest } from './lib/harness.mjs';
import { HttpJanus, WsJanus, assertError, assertReply } from './lib/janus.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { test } = serverSuite({
	config: {
		parley: { general: { session_timeout: 2, reclaim_session_timeout: 2 } },
		'parley.transport.http': { general: { longpoll_timeout: 30 } },
	},
});

test('ws: an idle session gets {"janus":"timeout"} and is destroyed', async (srv) => {
	const c = await WsJanus.connect(srv.wsUrl);
	const s = await c.createSession();
	const h = await c.attach(s);
	const t0 = Date.now();
	const ev = await c.event('timeout', (m) => m.session_id === s, 6000);
	const took = Date.now() - t0;
	assert.ok(took >= 1500, `timeout came after ${took} ms, session_timeout is 2 s`);
	assert.equal(ev.session_id, s);
	// The handle goes with it.
	void h;
	assertError(await c.request({ janus: 'keepalive', session_id: s }), 458, 'keepalive after timeout');
	await c.close();
});

test('ws: keepalive every second keeps a session past session_timeout', async (srv) => {
	const c = await WsJanus.connect(srv.wsUrl);
	const s = await c.createSession();
	for (let i = 0; i < 4; i++) {
		await sleep(1000);
		assertReply(await c.request({ janus: 'keepalive', session_id: s }), 'ack', `keepalive ${i}`);
	}
	assert.ok(!c.inbox.some((m) => m.janus === 'timeout'), `no timeout expected: ${JSON.stringify(c.inbox)}`);
	assertReply(await c.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	await c.close();
});

test('http: the timeout event is delivered to a pending long-poll', async (srv) => {
	const c = new HttpJanus(srv.httpUrl);
	const s = await c.createSession();
	// longpoll_timeout is 30 s: the answer within 8 s can only be the timeout.
	const r = await c.poll(s, { maxev: 1, timeoutMs: 8000 });
	assertReply(r, 'timeout', 'long-poll of a session that times out');
	assert.equal(r.session_id, s);
	assertError(await c.request({ janus: 'keepalive' }, { path: `/${s}` }), 458, 'keepalive after timeout');
});

test('ws: a session of a closed socket can be claimed within reclaim_session_timeout', async (srv) => {
	const a = await WsJanus.connect(srv.wsUrl);
	const s = await a.createSession();
	await a.close();
	await sleep(500);
	const b = await WsJanus.connect(srv.wsUrl);
	assertReply(await b.request({ janus: 'claim', session_id: s }), 'success', 'claim after 0.5 s');
	assertReply(await b.request({ janus: 'destroy', session_id: s }), 'success', 'destroy');
	await b.close();
});

test('ws: a session of a closed socket is gone after reclaim_session_timeout', async (srv) => {
	const a = await WsJanus.connect(srv.wsUrl);
	const s = await a.createSession();
	await a.close();
	await sleep(4500);
	const b = await WsJanus.connect(srv.wsUrl);
	assertError(await b.request({ janus: 'claim', session_id: s }), 458, 'claim after reclaim_session_timeout');
	await b.close();
});

ownServerTest('ws: with reclaim_session_timeout = 0 the sessions of a closed socket end at once', async (own) => {
	const srv = await own({ config: { parley: { general: { reclaim_session_timeout: 0 } } } });
	const a = await WsJanus.connect(srv.wsUrl);
	const s = await a.createSession();
	await a.close();
	await sleep(300);
	const b = await WsJanus.connect(srv.wsUrl);
	assertError(await b.request({ janus: 'claim', session_id: s }), 458, 'claim after close without reclaim');
	await b.close();
});
