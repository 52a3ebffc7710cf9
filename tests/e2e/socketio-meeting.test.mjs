// socketio-meeting.test.mjs — the Socket.IO endpoint (Engine.IO 4 + Socket.IO
// 5) driven by the real socket.io-client v4 through the Meeting Service
// seed's client flow against parleyd: joins of two and three participants
// with the documented payloads, signaling relayed to exactly its target,
// toggles and chat fan-out, leave / disconnect / engine kill producing
// participant-left, every documented meeting-error; each with the default
// options (polling, then upgrade) and with transports: ['websocket'], one
// flow with polling only; plus the Engine.IO / Socket.IO protocol edges
// (reference error codes, namespaces, acks, binary refusal, heartbeat).
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { serverSuite, ownServerTest } from './lib/harness.mjs';
import {
	MODES, POLLING_ONLY, sioUrl, createMeeting, endMeeting, connectClient, joinMeeting, quietFor, sleep,
} from './lib/socketio.mjs';

const { test } = serverSuite({
	config: { 'parley.transport.websocket': { socketio: { ping_interval: 1000, ping_timeout: 1500 } } },
});

let userSeq = 0;
const user = (name, extra = {}) => ({ userId: `${name}-${++userSeq}`, userName: name, ...extra });

/** Runs fn with fresh clients and always closes them. */
async function withClients(srv, mode, labels, fn) {
	const clients = [];
	try {
		for (const l of labels) clients.push(await connectClient(srv, mode, l));
		return await fn(...clients);
	} finally {
		for (const c of clients) c.close();
	}
}

const participantShape = (p) => {
	assert.equal(typeof p.userId, 'string');
	assert.equal(typeof p.userName, 'string');
	assert.equal(typeof p.peerId, 'string');
	assert.equal(typeof p.isAudioEnabled, 'boolean');
	assert.equal(typeof p.isVideoEnabled, 'boolean');
};

async function joinFlow(srv, mode, count) {
	const meeting = await createMeeting(srv, { hostId: 'host-join' });
	const labels = ['alice', 'bob', 'carol'].slice(0, count);
	await withClients(srv, mode, labels, async (...clients) => {
		const users = labels.map((l) => user(l));
		const joins = [];
		for (let i = 0; i < count; i++) {
			const j = await joinMeeting(clients[i], meeting.roomId, users[i]);
			joins.push(j);
			assert.ok(Array.isArray(j.iceServers.iceServers), 'ice-servers carries iceServers');
			assert.equal(j.existing.participants.length, i, 'existing-participants lists the ones before');
			j.existing.participants.forEach(participantShape);
			assert.deepEqual(j.existing.participants.map((p) => p.userId).sort(), users.slice(0, i).map((u) => u.userId).sort());
			assert.equal(j.joined.roomId, meeting.roomId);
			assert.equal(j.joined.userId, users[i].userId);
			assert.equal(typeof j.joined.peerId, 'string');
			assert.equal(j.joined.meeting.title, meeting.title);
			assert.equal(j.joined.meeting.hostId, 'host-join');
			assert.equal(typeof j.joined.meeting.settings, 'object');
			for (let k = 0; k < i; k++) {
				const pj = await clients[k].next('participant-joined', (d) => d.userId === users[i].userId);
				participantShape(pj);
				assert.equal(pj.userName, labels[i]);
				assert.equal(pj.peerId, j.joined.peerId);
			}
		}
		// nobody heard about themselves
		for (let i = 0; i < count; i++) {
			assert.equal(clients[i].seen('participant-joined').filter((d) => d.userId === users[i].userId).length, 0);
		}
	});
}

async function relayFlow(srv, mode) {
	const meeting = await createMeeting(srv);
	await withClients(srv, mode, ['a', 'b', 'c'], async (a, b, c) => {
		const [ua, ub, uc] = [user('a'), user('b'), user('c')];
		const ja = await joinMeeting(a, meeting.roomId, ua);
		await joinMeeting(b, meeting.roomId, ub);
		await joinMeeting(c, meeting.roomId, uc);
		const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' };
		a.emit('webrtc-offer', { roomId: meeting.roomId, targetUserId: ub.userId, offer });
		const got = await b.next('webrtc-offer');
		assert.deepEqual(got, { fromUserId: ua.userId, fromPeerId: ja.joined.peerId, offer });
		const answer = { type: 'answer', sdp: 'v=0\r\n' };
		b.emit('webrtc-answer', { roomId: meeting.roomId, targetUserId: ua.userId, answer });
		assert.deepEqual((await a.next('webrtc-answer')).answer, answer);
		const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMLineIndex: 0 };
		a.emit('ice-candidate', { roomId: meeting.roomId, targetUserId: uc.userId, candidate });
		const gotCandidate = await c.next('ice-candidate');
		assert.equal(gotCandidate.fromUserId, ua.userId);
		assert.deepEqual(gotCandidate.candidate, candidate);
		await sleep(300);
		// exactly their targets: nobody else saw any of them
		assert.equal(a.seen('webrtc-offer').length + c.seen('webrtc-offer').length, 0);
		assert.equal(b.seen('webrtc-answer').length + c.seen('webrtc-answer').length, 0);
		assert.equal(a.seen('ice-candidate').length + b.seen('ice-candidate').length, 0);
		assert.equal(b.seen('webrtc-offer').length, 0, 'one offer, delivered once');
	});
}

async function fanOutFlow(srv, mode) {
	const meeting = await createMeeting(srv);
	await withClients(srv, mode, ['a', 'b', 'c'], async (a, b, c) => {
		const [ua, ub, uc] = [user('a'), user('b'), user('c')];
		await joinMeeting(a, meeting.roomId, ua);
		await joinMeeting(b, meeting.roomId, ub);
		await joinMeeting(c, meeting.roomId, uc);
		const toggles = [
			['toggle-audio', { isEnabled: false }, 'participant-audio-changed', { userId: ua.userId, isAudioEnabled: false }],
			['toggle-video', { isEnabled: false }, 'participant-video-changed', { userId: ua.userId, isVideoEnabled: false }],
			['toggle-screen-share', { isSharing: true }, 'participant-screen-share-changed', { userId: ua.userId, isScreenSharing: true }],
		];
		for (const [request, fields, event, expected] of toggles) {
			a.emit(request, { roomId: meeting.roomId, ...fields });
			assert.deepEqual(await b.next(event), expected);
			assert.deepEqual(await c.next(event), expected);
		}
		b.emit('meeting-chat-message', { roomId: meeting.roomId, message: 'Hello everyone!' });
		for (const x of [a, b, c]) {
			const chat = await x.next('meeting-chat-message');
			assert.equal(chat.userId, ub.userId);
			assert.equal(chat.userName, 'b');
			assert.equal(chat.message, 'Hello everyone!');
			assert.ok(!Number.isNaN(Date.parse(chat.timestamp)), 'ISO timestamp');
		}
		await sleep(200);
		for (const [, , event] of toggles) assert.equal(a.seen(event).length, 0, `the sender gets no ${event}`);
	});
}

async function leaveFlow(srv, mode) {
	const meeting = await createMeeting(srv);
	const watcher = await connectClient(srv, mode, 'watcher');
	try {
		const uw = user('watcher');
		await joinMeeting(watcher, meeting.roomId, uw);
		const ways = [
			['leave-meeting', async (c) => c.emit('leave-meeting', { roomId: meeting.roomId })],
			['socket.disconnect()', async (c) => c.socket.disconnect()],
			['socket.io.engine.close()', async (c) => c.socket.io.engine.close()],
		];
		for (const [how, leave] of ways) {
			const c = await connectClient(srv, mode, how);
			try {
				const u = user('leaver');
				await joinMeeting(c, meeting.roomId, u);
				await watcher.next('participant-joined', (d) => d.userId === u.userId);
				await leave(c);
				const left = await watcher.next('participant-left', (d) => d.userId === u.userId, 6000);
				assert.deepEqual(left, { userId: u.userId }, how);
			} finally {
				c.close();
			}
		}
	} finally {
		watcher.close();
	}
}

async function errorFlow(srv, mode) {
	const expectError = async (client, text) => {
		const e = await client.next('meeting-error');
		assert.deepEqual(e, { error: text });
	};
	await withClients(srv, mode, ['x', 'y', 'z'], async (x, y, z) => {
		// not in meeting
		x.emit('toggle-audio', { roomId: 'nope', isEnabled: false });
		await expectError(x, 'Not in meeting');
		// unknown meeting
		x.emit('join-meeting', { roomId: 'doesnotexist', ...user('x') });
		await expectError(x, 'Meeting not found');
		// full
		const small = await createMeeting(srv, { settings: { maxParticipants: 1 } });
		await joinMeeting(x, small.roomId, user('x'));
		y.emit('join-meeting', { roomId: small.roomId, ...user('y') });
		await expectError(y, 'Meeting is full');
		// domain not allowed
		const closed = await createMeeting(srv, { settings: { allowedDomains: ['example.com'] } });
		y.emit('join-meeting', { roomId: closed.roomId, ...user('y', { userEmail: 'y@other.org' }) });
		await expectError(y, 'Email domain not allowed in this meeting');
		// chat and screen share disabled
		const strict = await createMeeting(srv, { settings: { isChatEnabled: false, isScreenShareEnabled: false } });
		await joinMeeting(z, strict.roomId, user('z'));
		z.emit('meeting-chat-message', { roomId: strict.roomId, message: 'hi' });
		await expectError(z, 'Chat is disabled in this meeting');
		z.emit('toggle-screen-share', { roomId: strict.roomId, isSharing: true });
		await expectError(z, 'Screen sharing is disabled in this meeting');
		// ended meeting
		const over = await createMeeting(srv, { hostId: 'host-end' });
		await endMeeting(srv, over.roomId, 'host-end');
		y.emit('join-meeting', { roomId: over.roomId, ...user('y') });
		await expectError(y, 'Meeting has ended');
	});
}

for (const mode of MODES) {
	test(`${mode.name}: two participants join with the documented payloads`, (srv) => joinFlow(srv, mode, 2));
	test(`${mode.name}: three participants join`, (srv) => joinFlow(srv, mode, 3));
	test(`${mode.name}: offers, answers and candidates reach exactly their target`, (srv) => relayFlow(srv, mode));
	test(`${mode.name}: toggles and chat fan out`, (srv) => fanOutFlow(srv, mode));
	test(`${mode.name}: leave, disconnect and engine close give participant-left`, (srv) => leaveFlow(srv, mode));
	test(`${mode.name}: every documented error answers meeting-error`, (srv) => errorFlow(srv, mode));
}

test('polling only: join, relay and leave', async (srv) => {
	await joinFlow(srv, POLLING_ONLY, 2);
	await relayFlow(srv, POLLING_ONLY);
	await leaveFlow(srv, POLLING_ONLY);
});

// ---- protocol edges ---------------------------------------------------------

async function eioGet(srv, query, init = {}) {
	const r = await fetch(`${sioUrl(srv)}/socket.io/?${query}`, { signal: AbortSignal.timeout(5000), ...init });
	return { status: r.status, text: await r.text(), headers: r.headers };
}

test('engine.io errors answer like the reference server', async (srv) => {
	const cases = [
		['EIO=4&transport=polling&sid=unknownsid', 400, { code: 1, message: 'Session ID unknown' }],
		['EIO=4&transport=carrier-pigeon', 400, { code: 0, message: 'Transport unknown' }],
		['EIO=3&transport=polling', 400, { code: 5, message: 'Unsupported protocol version' }],
		['EIO=4&transport=websocket', 400, { code: 3, message: 'Bad request' }],
	];
	for (const [query, status, body] of cases) {
		const r = await eioGet(srv, query);
		assert.equal(r.status, status, query);
		assert.deepEqual(JSON.parse(r.text), body, query);
	}
	const post = await eioGet(srv, 'EIO=4&transport=polling', { method: 'POST', body: '40' });
	assert.equal(post.status, 400);
	assert.deepEqual(JSON.parse(post.text), { code: 2, message: 'Bad handshake method' });
});

test('raw long-polling session: open packet, connect, event, ack, binary refused', async (srv) => {
	const open = await eioGet(srv, 'EIO=4&transport=polling');
	assert.equal(open.status, 200);
	assert.equal(open.text[0], '0');
	const hs = JSON.parse(open.text.slice(1));
	assert.deepEqual(hs.upgrades, ['websocket']);
	assert.equal(hs.pingInterval, 1000);
	assert.equal(hs.pingTimeout, 1500);
	assert.equal(hs.maxPayload, 1000000);
	const q = `EIO=4&transport=polling&sid=${hs.sid}`;
	const post = (body) => eioGet(srv, q, { method: 'POST', body });
	// two packets in one payload: an invalid namespace, then the default one
	assert.equal((await post('40/admin,\x1e40')).text, 'ok');
	const packets = [];
	for (let i = 0; i < 5 && packets.filter((p) => p.startsWith('40')).length === 0; i++) {
		packets.push(...(await eioGet(srv, q)).text.split('\x1e'));
	}
	assert.ok(packets.includes('44/admin,{"message":"Invalid namespace"}'), JSON.stringify(packets));
	const connect = packets.find((p) => p.startsWith('40{'));
	assert.ok(connect && typeof JSON.parse(connect.slice(2)).sid === 'string', JSON.stringify(packets));
	// an event with an ack id: the meeting plugin answers "ack", so the ack has no argument
	assert.equal((await post('4212["toggle-audio",{"isEnabled":true}]')).text, 'ok');
	const got = [];
	for (let i = 0; i < 5 && !(got.includes('4312[]') && got.some((p) => p.includes('meeting-error'))); i++) {
		got.push(...(await eioGet(srv, q)).text.split('\x1e'));
	}
	assert.ok(got.includes('4312[]'), JSON.stringify(got));
	assert.ok(got.includes('42["meeting-error",{"error":"Not in meeting"}]'), JSON.stringify(got));
	// a base64 binary packet is refused and ends the session
	const bin = await post('bAQID');
	assert.equal(bin.status, 400);
	assert.deepEqual(JSON.parse(bin.text), { code: 3, message: 'Bad request' });
	const after = await eioGet(srv, q);
	assert.equal(after.status, 400);
	assert.equal(JSON.parse(after.text).code, 1);
});

test('binary socket.io events are refused with a clear connect_error', async (srv) => {
	const c = await connectClient(srv, MODES[1], 'binary');
	try {
		const err = new Promise((resolve) => c.socket.once('connect_error', resolve));
		c.socket.emit('join-meeting', Buffer.from([1, 2, 3]));
		assert.match((await err).message, /binary packets are not supported/i);
	} finally {
		c.close();
	}
});

test('a client that misses the pong deadline is closed', async (srv) => {
	const ws = new WebSocket(`ws://127.0.0.1:${srv.wsPort}/socket.io/?EIO=4&transport=websocket`);
	const frames = [];
	ws.on('message', (m) => frames.push(m.toString()));
	const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
	await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
	const start = Date.now();
	const code = await Promise.race([closed, sleep(8000).then(() => 'still open')]);
	assert.notEqual(code, 'still open');
	assert.ok(frames[0].startsWith('0{'), JSON.stringify(frames));
	assert.ok(frames.includes('2'), 'the server pinged');
	assert.ok(Date.now() - start >= 2000, 'closed after ping_interval + ping_timeout');
});

test('pongs keep a socket and its Janus session alive past session_timeout', async (srv) => {
	// session_timeout is 60 s by default; ping_interval 1 s here: the heartbeat
	// itself is what is checked (several ping/pong rounds, still connected).
	const c = await connectClient(srv, MODES[1], 'alive');
	try {
		let pings = 0;
		c.socket.io.engine.on('ping', () => pings++);
		await sleep(3500);
		assert.ok(pings >= 2, `pings seen: ${pings}`);
		assert.ok(c.socket.connected);
		const ack = await c.socket.timeout(3000).emitWithAck('leave-meeting', {});
		assert.equal(ack, undefined, 'the plugin answered "ack": no argument');
	} finally {
		c.close();
	}
});

ownServerTest('SOCKET_PING_TIMEOUT sets pingTimeout; max_clients is enforced', async (own) => {
	const srv = await own({
		env: { SOCKET_PING_TIMEOUT: '12345' },
		config: { 'parley.transport.websocket': { socketio: { max_clients: 1 } } },
	});
	const first = await eioGet(srv, 'EIO=4&transport=polling');
	assert.equal(first.status, 200);
	assert.equal(JSON.parse(first.text.slice(1)).pingTimeout, 12345);
	const second = await eioGet(srv, 'EIO=4&transport=polling');
	assert.equal(second.status, 503);
	assert.equal(JSON.parse(second.text).code, 3);
});

ownServerTest('short session_timeout: the Janus session lives as long as the socket', async (own) => {
	const srv = await own({
		config: {
			parley: { general: { session_timeout: 2 } },
			'parley.transport.websocket': { socketio: { ping_interval: 500, ping_timeout: 1000 } },
		},
	});
	const meeting = await createMeeting(srv);
	const a = await connectClient(srv, MODES[1], 'a');
	const b = await connectClient(srv, MODES[1], 'b');
	try {
		const ua = user('a');
		await joinMeeting(a, meeting.roomId, ua);
		await joinMeeting(b, meeting.roomId, user('b'));
		await sleep(4500); // past session_timeout twice: the pongs touched the session
		assert.equal(b.seen('participant-left').length, 0, JSON.stringify(b.log));
		b.emit('meeting-chat-message', { roomId: meeting.roomId, message: 'still here' });
		assert.equal((await a.next('meeting-chat-message')).message, 'still here');
	} finally {
		a.close();
		b.close();
	}
}, { timeout: 30000 });

ownServerTest('a slow pong does not end the Janus session: each ping sent touches it too', async (own) => {
	// A client answering every ping 4 s late: without the touch at each ping
	// the session would go 8 s (ping_interval + the delay) untouched, past
	// session_timeout (6 s); with it, at most 4 s.
	const srv = await own({
		config: {
			parley: { general: { session_timeout: 6 } },
			'parley.transport.websocket': { socketio: { ping_interval: 4000, ping_timeout: 10000 } },
		},
	});
	const ws = new WebSocket(`ws://127.0.0.1:${srv.wsPort}/socket.io/?EIO=4&transport=websocket`);
	const frames = [];
	let pongTimer = null;
	const waiters = [];
	ws.on('message', (m) => {
		const frame = m.toString();
		frames.push(frame);
		if (frame === '2') pongTimer = setTimeout(() => ws.send('3'), 4000);
		for (const w of waiters.splice(0)) w();
	});
	const seen = async (pred, ms) => {
		const deadline = Date.now() + ms;
		while (!frames.some(pred)) {
			assert.ok(Date.now() < deadline, `not seen in ${ms} ms: ${JSON.stringify(frames)}`);
			await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
		}
	};
	try {
		await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
		ws.send('40');
		await seen((f) => f.startsWith('40{'), 10000);
		await sleep(13000); // pings at ~4 and ~12 s, their pongs at ~8 and ~16 s
		assert.ok(frames.filter((f) => f === '2').length >= 2, JSON.stringify(frames));
		assert.ok(!frames.includes('41'), `the session ended: ${JSON.stringify(frames)}`);
		ws.send('427["toggle-audio",{"isEnabled":true}]');
		await seen((f) => f === '437[]', 10000);
	} finally {
		clearTimeout(pongTimer);
		ws.close();
	}
}, { timeout: 60000 });

ownServerTest('long-polling from a browser origin: CORS for listed origins, 403 code 4 for others', async (own) => {
	const srv = await own({
		config: { 'parley.transport.websocket': { general: { cors_origins: 'http://app.example.test' } } },
	});
	const ok = await eioGet(srv, 'EIO=4&transport=polling', { headers: { origin: 'http://app.example.test' } });
	assert.equal(ok.status, 200);
	assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example.test');
	const sid = JSON.parse(ok.text.slice(1)).sid;
	const post = await eioGet(srv, `EIO=4&transport=polling&sid=${sid}`,
		{ method: 'POST', body: '40', headers: { origin: 'http://app.example.test', 'content-type': 'text/plain;charset=UTF-8' } });
	assert.equal(post.status, 200);
	assert.equal(post.text, 'ok');
	assert.equal(post.headers.get('access-control-allow-origin'), 'http://app.example.test');
	const refused = await eioGet(srv, 'EIO=4&transport=polling', { headers: { origin: 'http://evil.example.test' } });
	assert.equal(refused.status, 403);
	assert.deepEqual(JSON.parse(refused.text), { code: 4, message: 'Forbidden' });
});

ownServerTest('CONNECT maps to create + attach: core refusals become connect_error, auth carries apisecret', async (own) => {
	const connectResult = (srv, extra) => new Promise((resolve) => {
		const s = io(sioUrl(srv), { transports: ['websocket'], reconnection: false, forceNew: true, ...extra });
		const t = setTimeout(() => { s.disconnect(); resolve('timeout'); }, 5000);
		s.once('connect', () => { clearTimeout(t); s.disconnect(); resolve('connected'); });
		s.once('connect_error', (e) => { clearTimeout(t); s.disconnect(); resolve(e.message); });
	});
	const secret = await own({ config: { parley: { auth: { api_secret: 's3cret' } } } });
	assert.match(await connectResult(secret, {}), /unauthorized/i);
	assert.equal(await connectResult(secret, { auth: { apisecret: 's3cret' } }), 'connected');
	const noPlugin = await own({ config: { 'parley.transport.websocket': { socketio: { plugin: 'parley.plugin.nope' } } } });
	assert.match(await connectResult(noPlugin, {}), /plugin/i);
});

ownServerTest('without [socketio] plugin the endpoint is off, said once in the log', async (own) => {
	const srv = await own({ config: { 'parley.transport.websocket': { socketio: { plugin: null } } } });
	const handshake = await eioGet(srv, 'EIO=4&transport=polling');
	assert.equal(handshake.status, 404, `the handshake answered ${handshake.status}: ${handshake.text}`);
	const said = srv.log().split('\n').filter((l) => /Socket\.IO endpoint is off: \[socketio\] plugin/.test(l));
	assert.equal(said.length, 1, said.join('\n'));
	// the rest of the port still answers
	assert.equal((await fetch(`${sioUrl(srv)}/health`)).status, 200);
});
