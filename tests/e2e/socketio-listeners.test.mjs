// socketio-listeners.test.mjs — two Socket.IO listeners on one gateway: the
// WebSocket transport's main port with [socketio] plugin =
// parley.plugin.meeting (the meeting service's clients) and an extra
// listener [socketio.sfu] on its own loopback port bound to
// parley.plugin.room (the SFU service's clients). With the real
// socket.io-client v4: each port reaches its own plugin (meeting events on
// one, room requests acked on the other, in both client modes), sids and
// max_clients are per listener, each port's /health and /api/server-info
// have its service's shape, query_transport lists the listener, a TLS-only
// listener takes [general]'s certificate, SFU_PORT moves it, and every bad
// listener setting (a port in use, a port shared, a plugin not loaded, a
// path hiding /health) is refused at start with a clear log line while the
// rest of the gateway runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { serverSuite, ownServerTest, printLog } from './lib/harness.mjs';
import { ADMIN_SECRET, ParleyServer, freePort, waitForHealth } from './lib/server.mjs';
import { HttpJanus, assertReply } from './lib/janus.mjs';
import { MODES, createMeeting, connectClient, joinMeeting, sleep } from './lib/socketio.mjs';

const SFU_SECTION = 'socketio.sfu';
const sfuPort = await freePort();

const { test } = serverSuite({
	env: { ANNOUNCED_IP: '127.0.0.42', RTC_MIN_PORT: '41000', RTC_MAX_PORT: '41999', MEDIASOUP_NUM_WORKERS: '2' },
	config: {
		parley: { general: { event_loops: null } },
		'parley.transport.websocket': {
			socketio: { plugin: 'parley.plugin.meeting', listeners: 'sfu' },
			[SFU_SECTION]: { port: sfuPort, plugin: 'parley.plugin.room', health: 'sfu', max_clients: 3 },
		},
	},
});

const sfuUrl = `http://127.0.0.1:${sfuPort}`;
/** The SFU listener as the lib's Socket.IO helpers see a server. */
const sfuServer = { wsPort: sfuPort };

async function getJson(url) {
	const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
	const text = await r.text();
	assert.equal(r.status, 200, `${url}: ${r.status} ${text}`);
	return JSON.parse(text);
}

/** A socket.io-client on `url`, connected (and upgraded in default mode). */
async function sfuClient(mode, label) {
	return connectClient(sfuServer, mode, label);
}

const ack = (client, name, data) => client.socket.timeout(4000).emitWithAck(name, data);

for (const mode of MODES) {
	test(`each port reaches its own plugin: meeting events on the main port, room requests acked on the SFU port (${mode.name})`, async (srv) => {
		// The meeting service's flow on its port.
		const meeting = await createMeeting(srv, { hostId: 'host-two-ports' });
		const host = await connectClient(srv, mode, 'meeting-host');
		const alice = await sfuClient(mode, 'sfu-alice');
		const bob = await sfuClient(mode, 'sfu-bob');
		try {
			const joined = await joinMeeting(host, meeting.roomId, { userId: 'u-host', userName: 'Host' });
			assert.equal(joined.joined.roomId, meeting.roomId, 'joined-meeting on the main port');
			assert.ok(Array.isArray(joined.iceServers.iceServers), 'ice-servers on the main port');

			// The SFU service's requests on its port: the event name is the request, the ack the answer.
			const created = await ack(alice, 'createRoom', { metadata: { title: 'two ports' } });
			assert.equal(typeof created.roomId, 'string', `createRoom ack: ${JSON.stringify(created)}`);
			assert.equal(typeof created.peerId, 'string', `createRoom ack: ${JSON.stringify(created)}`);
			const peerJoined = alice.next('peerJoined');
			const join = await ack(bob, 'joinRoom', { roomId: created.roomId, metadata: { name: 'bob' } });
			assert.equal(typeof join.peerId, 'string', `joinRoom ack: ${JSON.stringify(join)}`);
			assert.deepEqual(join.peers.map((p) => p.peerId), [created.peerId], 'joinRoom lists the creator');
			assert.equal((await peerJoined).peerId, join.peerId, 'the creator gets peerJoined');
			const info = await ack(alice, 'getRoomInfo', { roomId: created.roomId });
			assert.equal(info.peerCount, 2, `getRoomInfo ack: ${JSON.stringify(info)}`);
			assert.deepEqual(await ack(bob, 'heartbeat', {}), { success: true, joined: true });
			assert.deepEqual(await ack(bob, 'leaveRoom', { roomId: created.roomId }), { success: true });
		} finally {
			host.close();
			alice.close();
			bob.close();
		}
	});
}

test('a plugin\'s requests are not answered on the other plugin\'s port', async (srv) => {
	const room = await sfuClient(MODES[1], 'sfu-cross');
	const meeting = await connectClient(srv, MODES[1], 'meeting-cross');
	try {
		// join-meeting on the SFU port: the room plugin does not know it (405).
		const refused = await ack(room, 'join-meeting', { roomId: 'x', userId: 'u', userName: 'U' });
		assert.match(String(refused.error), /405|unknown/i, `join-meeting on the SFU port: ${JSON.stringify(refused)}`);
		// createRoom on the meeting port: the meeting plugin does not know it.
		meeting.emit('createRoom', {});
		const error = await meeting.next('meeting-error');
		assert.match(error.error, /Unknown request: createRoom/, `createRoom on the meeting port: ${JSON.stringify(error)}`);
	} finally {
		room.close();
		meeting.close();
	}
});

test('an Engine.IO sid is known on its own listener only', async (srv) => {
	const open = await fetch(`${sfuUrl}/socket.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
	const text = await open.text();
	assert.equal(open.status, 200, text);
	const sid = JSON.parse(text.slice(1)).sid;
	const elsewhere = await fetch(`http://127.0.0.1:${srv.wsPort}/socket.io/?EIO=4&transport=polling&sid=${sid}`,
		{ signal: AbortSignal.timeout(5000) });
	assert.equal(elsewhere.status, 400, 'the main port does not know the SFU port\'s sid');
	assert.deepEqual(await elsewhere.json(), { code: 1, message: 'Session ID unknown' });
	// close the session on its own port
	const close = await fetch(`${sfuUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`,
		{ method: 'POST', body: '1', signal: AbortSignal.timeout(5000) });
	assert.equal(close.status, 200);
	await close.text();
});

test('max_clients counts per listener: the SFU port is full, the main port still accepts', async (srv) => {
	const held = [];
	try {
		for (let i = 0; i < 3; i++) {
			const r = await fetch(`${sfuUrl}/socket.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
			const text = await r.text();
			assert.equal(r.status, 200, `SFU handshake ${i}: ${r.status} ${text}`);
			held.push(JSON.parse(text.slice(1)).sid);
		}
		const full = await fetch(`${sfuUrl}/socket.io/?EIO=4&transport=polling`, { signal: AbortSignal.timeout(5000) });
		assert.equal(full.status, 503, 'the fourth session on the SFU port (max_clients 3)');
		await full.text();
		const main = await connectClient(srv, MODES[1], 'main-while-sfu-full');
		main.close();
	} finally {
		for (const sid of held) {
			const r = await fetch(`${sfuUrl}/socket.io/?EIO=4&transport=polling&sid=${sid}`,
				{ method: 'POST', body: '1', signal: AbortSignal.timeout(5000) });
			await r.text();
		}
	}
});

test('/health: the gateway\'s shape on the main port, the SFU service\'s on the SFU port', async (srv) => {
	const alice = await sfuClient(MODES[1], 'sfu-health');
	try {
		const created = await ack(alice, 'createRoom', {});
		assert.equal(typeof created.roomId, 'string');
		const main = await getJson(`http://127.0.0.1:${srv.wsPort}/health`);
		for (const k of ['uptime', 'sessions', 'handles', 'eventLoops', 'workers'])
			assert.equal(typeof main[k], 'number', `main /health "${k}": ${JSON.stringify(main)}`);
		assert.equal(typeof main.memory.rss, 'number', 'main /health keeps memory.rss');

		const sfu = await getJson(`${sfuUrl}/health`);
		assert.deepEqual(Object.keys(sfu).sort(), ['memory', 'peers', 'rooms', 'status', 'uptime', 'workers'],
			`SFU /health keys: ${JSON.stringify(sfu)}`);
		assert.deepEqual(Object.keys(sfu.memory).sort(), ['total', 'used']);
		assert.equal(sfu.status, 'healthy');
		assert.equal(typeof sfu.uptime, 'number');
		assert.match(sfu.memory.used, /MB$/);
		assert.match(sfu.memory.total, /MB$/);
		assert.ok(sfu.rooms >= 1, `the room just created counts: ${JSON.stringify(sfu)}`);
		assert.ok(sfu.peers >= 1, `its creator counts: ${JSON.stringify(sfu)}`);
		assert.equal(sfu.workers, 2, 'workers: the event loops MEDIASOUP_NUM_WORKERS set');
		assert.equal(main.eventLoops, 2);
	} finally {
		alice.close();
	}
});

test('/api/server-info has the SFU service\'s shape on both ports', async (srv) => {
	for (const url of [`http://127.0.0.1:${srv.wsPort}`, sfuUrl]) {
		const j = await getJson(`${url}/api/server-info`);
		assert.deepEqual(j, { announcedIp: '127.0.0.42', announcedDomain: null, rtcPorts: { min: 41000, max: 41999 } },
			`${url}/api/server-info`);
	}
});

test('the SFU port serves Socket.IO and plain HTTP only: no Janus subprotocol, 404 elsewhere', async (srv) => {
	const r = await fetch(`${sfuUrl}/no/such/route`, { signal: AbortSignal.timeout(5000) });
	assert.equal(r.status, 404);
	await r.text();
	const { default: WebSocket } = await import('ws');
	const refused = await new Promise((resolve) => {
		const ws = new WebSocket(`ws://127.0.0.1:${sfuPort}/`, 'janus-protocol');
		ws.on('open', () => { ws.close(); resolve(false); });
		ws.on('error', () => resolve(true));
		ws.on('close', () => resolve(true));
	});
	assert.ok(refused, 'janus-protocol is not served on the SFU port');
});

test('admin query_transport lists the extra listener with its own Socket.IO status', async (srv) => {
	const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	const r = await admin.request({ janus: 'query_transport', transport: 'parley.transport.websocket', request: {} });
	assertReply(r, 'success', 'query_transport');
	const body = r.result ?? r.response ?? r.data;
	assert.equal(body.socketio.plugin, 'parley.plugin.meeting', JSON.stringify(body));
	assert.equal(body.listeners.length, 1, JSON.stringify(body));
	const [sfu] = body.listeners;
	assert.equal(sfu.name, 'sfu');
	assert.equal(sfu.port, sfuPort);
	assert.equal(sfu.health, 'sfu');
	assert.equal(sfu.socketio.plugin, 'parley.plugin.room');
	assert.equal(sfu.socketio.max_clients, 3);
	assert.equal(sfu.socketio.path, '/socket.io/');
	await admin.close?.();
});

ownServerTest('a TLS-only listener takes [general]\'s certificate: Socket.IO and /health over https', async (own) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sio-tls-'));
	try {
		const certPath = path.join(dir, 'cert.pem');
		const keyPath = path.join(dir, 'key.pem');
		execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
			'-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2',
			'-keyout', keyPath, '-out', certPath], { stdio: 'pipe', timeout: 20000 });
		const ca = fs.readFileSync(certPath);
		const securePort = await freePort();
		await own({
			config: {
				'parley.transport.websocket': {
					general: { cert_pem: certPath, cert_key: keyPath },
					socketio: { listeners: 'sfu' },
					[SFU_SECTION]: { port: 0, secure_port: securePort, plugin: 'parley.plugin.room', health: 'sfu' },
				},
			},
		});
		const health = await new Promise((resolve, reject) => {
			https.get({ host: '127.0.0.1', port: securePort, path: '/health', ca, timeout: 5000 }, (res) => {
				let text = '';
				res.on('data', (d) => { text += d; });
				res.on('end', () => resolve({ status: res.statusCode, hsts: res.headers['strict-transport-security'], text }));
			}).on('error', reject);
		});
		assert.equal(health.status, 200, health.text);
		assert.ok(health.hsts, 'HTTPS answers carry Strict-Transport-Security');
		assert.deepEqual(Object.keys(JSON.parse(health.text)).sort(), ['memory', 'peers', 'rooms', 'status', 'uptime', 'workers']);
		const socket = io(`https://127.0.0.1:${securePort}`, { transports: ['websocket'], ca, reconnection: false, forceNew: true, timeout: 5000 });
		try {
			await new Promise((resolve, reject) => {
				socket.once('connect', resolve);
				socket.once('connect_error', reject);
			});
			const created = await socket.timeout(4000).emitWithAck('createRoom', {});
			assert.equal(typeof created.roomId, 'string', JSON.stringify(created));
		} finally {
			socket.disconnect();
		}
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

ownServerTest('SFU_PORT moves the sample\'s [socketio.sfu] listener', async (own) => {
	const port = await freePort();
	const srv = await own({
		env: { SFU_PORT: String(port) },
		config: { 'parley.transport.websocket': { socketio: { listeners: 'sfu' } } },
	});
	const health = await getJson(`http://127.0.0.1:${port}/health`);
	assert.deepEqual(Object.keys(health).sort(), ['memory', 'peers', 'rooms', 'status', 'uptime', 'workers']);
	const c = await connectClient({ wsPort: port }, MODES[1], 'sfu-env');
	try {
		const created = await c.socket.timeout(4000).emitWithAck('createRoom', {});
		assert.equal(typeof created.roomId, 'string');
	} finally {
		c.close();
	}
	assert.match(srv.log(), new RegExp(`listening on ws://127\\.0\\.0\\.1:${port}/socket\\.io/`));
});

/** A server whose main WebSocket port is not expected to answer: ready once
 * the HTTP transport (and the urls in opts.readyUrls) answer /health and
 * start-up has ended (a refused transport is logged by then). */
class PartialWsServer extends ParleyServer {
	async waitReady(timeoutMs) {
		const deadline = Date.now() + timeoutMs;
		const urls = [`${this.httpUrl}/health`, ...(this.opts.readyUrls || [])];
		const { ok, last } = await waitForHealth(urls, timeoutMs, () => this.exit !== null);
		if (!ok || !(await this.waitStarted(deadline)))
			throw new Error(`${urls.join(', ')} did not answer (${last}) or start-up did not end; log:\n${this.log().slice(-4000)}`);
	}
}

ownServerTest('the main port off (port 0): the extra listener serves alone', async () => {
	const port = await freePort();
	const srv = new PartialWsServer({
		readyUrls: [`http://127.0.0.1:${port}/health`],
		config: {
			'parley.transport.websocket': {
				general: { port: 0 },
				socketio: { listeners: 'sfu' },
				[SFU_SECTION]: { port, plugin: 'parley.plugin.room', health: 'sfu' },
			},
		},
	});
	try {
		await srv.start();
		const c = await connectClient({ wsPort: port }, MODES[0], 'sfu-alone');
		try {
			const created = await c.socket.timeout(4000).emitWithAck('createRoom', {});
			assert.equal(typeof created.roomId, 'string');
		} finally {
			c.close();
		}
		assert.match(srv.log(), /WebSocket transport not listening \(port 0/);
	} catch (err) {
		printLog('main port off', srv.log());
		throw err;
	} finally {
		await srv.stop();
		srv.cleanup();
	}
});

// ---- refusals -------------------------------------------------------------------

const RefusedWsServer = PartialWsServer;

const refusals = [
	{ what: 'a port in use', sfu: (ctx) => ({ port: ctx.busyPort, plugin: 'parley.plugin.room' }),
		log: (ctx) => new RegExp(`\\[socketio\\.sfu\\]: cannot listen on 127\\.0\\.0\\.1:${ctx.busyPort}`) },
	{ what: 'the main port again', sfu: (ctx) => ({ port: ctx.wsPort, plugin: 'parley.plugin.room' }),
		log: (ctx) => new RegExp(`\\[socketio\\.sfu\\] port ${ctx.wsPort} is also \\[general\\] port`) },
	{ what: 'a plugin not loaded', sfu: (ctx) => ({ port: ctx.sfuPort, plugin: 'parley.plugin.nope' }),
		log: () => /\[socketio\.sfu\] plugin = parley\.plugin\.nope is not loaded/ },
	{ what: 'no plugin', sfu: (ctx) => ({ port: ctx.sfuPort, plugin: null }),
		log: () => /\[socketio\.sfu\] plugin is not set/ },
	{ what: 'a path hiding /health', sfu: (ctx) => ({ port: ctx.sfuPort, plugin: 'parley.plugin.room', path: '/' }),
		log: () => /\[socketio\.sfu\] path = '\/' would hide \/health/ },
];

for (const refusal of refusals) {
	ownServerTest(`a bad second listener is refused at start with a clear line: ${refusal.what}`, async () => {
		const busy = net.createServer();
		await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
		const ctx = { busyPort: busy.address().port, wsPort: await freePort(), sfuPort: await freePort() };
		const srv = new RefusedWsServer({
			wsPort: ctx.wsPort,
			config: {
				'parley.transport.websocket': {
					socketio: { listeners: 'sfu' },
					[SFU_SECTION]: { path: null, ...refusal.sfu(ctx) },
				},
			},
		});
		try {
			await srv.start();
			const log = srv.log();
			assert.match(log, refusal.log(ctx), 'the reason names the setting');
			assert.match(log, /the WebSocket transport does not start|cannot listen on/, 'the refusal is said');
			assert.match(log, /refused transport .*parley_transport_websocket/, 'the loader refuses the transport');
			assert.ok(srv.alive(), 'parleyd keeps running (no crash)');
			// neither port of the refused transport answers
			for (const port of [ctx.wsPort, ctx.sfuPort]) {
				await assert.rejects(fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }),
					`port ${port} must not answer`);
			}
			await sleep(50);
		} catch (err) {
			printLog(refusal.what, srv.log());
			throw err;
		} finally {
			await srv.stop();
			srv.cleanup();
			busy.close();
		}
	});
}
