// ws-limits.test.mjs — the WebSocket transport's liveness and back-pressure
// limits and the HTTP transport's rate limit, each with its own parleyd:
//  - a client that stops answering pings is closed within ping_interval +
//    ping_timeout, and its session ends with it (reclaim_session_timeout 0)
//    or waits to be claimed (reclaim_session_timeout > 0);
//    a client that answers stays connected over the same time;
//  - a client that never reads while events pile up is closed with 1008
//    once max_queue messages wait, and the server keeps serving others;
//  - HTTP rate_limit: requests beyond it within a second get 429, and the
//    next second is served again.
import assert from 'node:assert/strict';
import { ownServerTest } from './lib/harness.mjs';
import { WsJanus, WebSocket, assertError, assertReply, tx } from './lib/janus.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PING_INTERVAL = 1;
const PING_TIMEOUT = 2;

function wsConfig(general) {
	return { config: { 'parley.transport.websocket': { general } } };
}

/** A janus-protocol client whose pongs can be turned off (ws autoPong). */
function rawClient(url, { autoPong = true } = {}) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, 'janus-protocol', { autoPong });
		const inbox = [];
		ws.closeInfo = null;
		ws.closed = new Promise((res) => ws.on('close', (code, reason) => {
			ws.closeInfo = { code, reason: reason.toString(), at: Date.now() };
			res(ws.closeInfo);
		}));
		ws.on('message', (d) => inbox.push(JSON.parse(d.toString())));
		ws.inbox = inbox;
		ws.pings = 0;
		ws.on('ping', () => { ws.pings++; });
		const t = setTimeout(() => reject(new Error('WebSocket not open within 5 s')), 5000);
		ws.once('open', () => { clearTimeout(t); resolve(ws); });
		ws.once('error', (e) => { clearTimeout(t); reject(e); });
	});
}

async function answerTo(ws, msg, timeoutMs = 5000) {
	ws.send(JSON.stringify(msg));
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const i = ws.inbox.findIndex((m) => m.transaction === msg.transaction && m.janus !== 'event');
		if (i >= 0) return ws.inbox.splice(i, 1)[0];
		if (ws.closeInfo) throw new Error(`closed (${JSON.stringify(ws.closeInfo)}) before the answer`);
		await sleep(20);
	}
	throw new Error(`no answer to ${JSON.stringify(msg)} within ${timeoutMs} ms`);
}

ownServerTest('ws: a client that stops answering pings is closed within ping_interval + ping_timeout; its session ends', async (own) => {
	const srv = await own(wsConfig({ ping_interval: PING_INTERVAL, ping_timeout: PING_TIMEOUT }));
	const silent = await rawClient(srv.wsUrl, { autoPong: false });
	const lively = await rawClient(srv.wsUrl, { autoPong: true });
	const created = await answerTo(silent, { janus: 'create', transaction: tx() });
	assertReply(created, 'success', 'create');
	const session = created.data.id;
	const t0 = Date.now();
	const bound = (PING_INTERVAL + PING_TIMEOUT) * 1000 + 2500; // lws checks validity about once a second
	const closed = await Promise.race([silent.closed, sleep(bound).then(() => null)]);
	assert.ok(closed, `the silent client is still open after ${bound} ms (pings seen: ${silent.pings})`);
	assert.ok(silent.pings >= 1, 'the server pinged before closing');
	assert.ok(closed.at - t0 >= PING_INTERVAL * 1000, `closed too early (${closed.at - t0} ms)`);
	// The client that answers pings is still there, and was pinged too.
	assert.equal(lively.readyState, WebSocket.OPEN, 'the client answering pings stays connected');
	assert.ok(lively.pings >= 1, 'the lively client was pinged');
	// Its session ended with the connection (reclaim_session_timeout 0).
	let reply = null;
	for (let i = 0; i < 20; i++) {
		reply = await answerTo(lively, { janus: 'keepalive', session_id: session, transaction: tx() });
		if (reply.janus === 'error') break;
		await sleep(100);
	}
	assertError(reply, 458, 'keepalive on the closed client\'s session');
	assertReply(await answerTo(lively, { janus: 'ping', transaction: tx() }), 'pong', 'ping');
	lively.close();
}, { timeout: 30000 });

ownServerTest('ws: with reclaim_session_timeout, the session of a client closed for missing pongs waits to be claimed', async (own) => {
	const srv = await own({
		config: {
			parley: { general: { reclaim_session_timeout: 20 } },
			'parley.transport.websocket': { general: { ping_interval: PING_INTERVAL, ping_timeout: PING_TIMEOUT } },
		},
	});
	const silent = await rawClient(srv.wsUrl, { autoPong: false });
	const created = await answerTo(silent, { janus: 'create', transaction: tx() });
	assertReply(created, 'success', 'create');
	const bound = (PING_INTERVAL + PING_TIMEOUT) * 1000 + 2500;
	const closed = await Promise.race([silent.closed, sleep(bound).then(() => null)]);
	assert.ok(closed, `the silent client is still open after ${bound} ms`);
	const other = await rawClient(srv.wsUrl);
	const claimed = await answerTo(other, { janus: 'claim', session_id: created.data.id, transaction: tx() });
	assertReply(claimed, 'success', 'claim of the waiting session');
	assertReply(await answerTo(other, { janus: 'keepalive', session_id: created.data.id, transaction: tx() }),
		'ack', 'keepalive on the claimed session');
	other.close();
}, { timeout: 30000 });

ownServerTest('ws: a client that never reads is closed with 1008 after max_queue messages; others are served', async (own) => {
	const maxQueue = 8;
	const srv = await own(wsConfig({ max_queue: maxQueue, max_frame: 1048576, ping_interval: 0 }));
	const mark = srv.logMark();
	const slow = await rawClient(srv.wsUrl);
	const s = await answerTo(slow, { janus: 'create', transaction: tx() });
	const a = await answerTo(slow, { janus: 'attach', session_id: s.data.id, plugin: 'parley.plugin.echo',
		transaction: tx() });
	assertReply(a, 'success', 'attach');
	// Stop reading: the kernel buffers fill, then the transport's queue.
	slow._socket.pause();
	const filler = 'x'.repeat(200 * 1024);
	const sent = [];
	// Requests go out until the server gives up on the client (its log
	// says so), so little of them is left unread when it closes.
	const deadline = Date.now() + 20000;
	for (let i = 0; i < 400 && Date.now() < deadline && !/too slow/.test(srv.logSince(mark)); i++) {
		const t = tx();
		sent.push(t);
		slow.send(JSON.stringify({ janus: 'message', session_id: s.data.id, handle_id: a.data.id,
			body: { filler, i }, transaction: t }));
		await sleep(10);
	}
	assert.match(srv.logSince(mark), /too slow \(8 messages pending\)/, 'the server closed the slow client');
	// Reading again, the client finds a 1008 close after what was buffered.
	// The close frame waits behind bytes the client did not read; when the
	// client resumes later than libwebsockets waits to send it (a loaded
	// machine between the server's log line and this read), the server
	// drops the connection without it: 1006. Either way the server ended
	// it, as its log said.
	slow._socket.resume();
	const closed = await Promise.race([slow.closed, sleep(10000).then(() => null)]);
	assert.ok(closed, 'the slow client was closed');
	assert.ok([1008, 1006].includes(closed.code), `close code: ${JSON.stringify(closed)}`);
	assert.ok(slow.inbox.length < sent.length * 2, 'not every answer and event was delivered');
	// Someone else is served normally.
	const other = await WsJanus.connect(srv.wsUrl);
	const session = await other.createSession();
	const handle = await other.attach(session);
	const ack = await other.request({ janus: 'message', session_id: session, handle_id: handle, body: { n: 1 } });
	assertReply(ack, 'ack', 'message');
	await other.event('event', (m) => m.transaction === ack.transaction);
	await other.close();
}, { timeout: 60000 });

ownServerTest('http: rate_limit → 429 beyond the limit per second, served again afterwards', async (own) => {
	const limit = 5;
	const srv = await own({ config: { 'parley.transport.http': { general: { rate_limit: limit } } } });
	await sleep(1100); // the readiness probes count too
	const statuses = [];
	for (let i = 0; i < limit * 3; i++) {
		const r = await fetch(`${srv.httpUrl}/janus`, { method: 'POST',
			body: JSON.stringify({ janus: 'ping', transaction: tx() }), signal: AbortSignal.timeout(5000) });
		const body = await r.text();
		statuses.push(r.status);
		if (r.status === 429) assert.match(body, /too many requests/);
	}
	const ok = statuses.filter((s) => s === 200).length;
	const limited = statuses.filter((s) => s === 429).length;
	assert.ok(limited >= limit, `429s: ${statuses.join(',')}`);
	assert.ok(ok >= 1 && ok <= limit * 2, `200s: ${statuses.join(',')}`);
	await sleep(1500);
	const r = await fetch(`${srv.httpUrl}/janus`, { method: 'POST',
		body: JSON.stringify({ janus: 'ping', transaction: 'again' }), signal: AbortSignal.timeout(5000) });
	assert.equal(r.status, 200);
	assert.equal((await r.json()).janus, 'pong');
}, { timeout: 30000 });
