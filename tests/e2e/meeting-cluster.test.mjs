// meeting-cluster.test.mjs — two parleyd instances sharing one redis-server
// (started by the test) in meeting cluster mode ([cluster] mode = redis):
// socket.io-client participants connected to different instances join one
// meeting created on one of them, exchange offer/answer/ICE and chat, see
// each other's toggles; SIGKILL of one instance makes the other participant
// get participant-left within the lease bound; Redis stopped for a few
// seconds and started again on the same port leaves both instances serving.
import assert from 'node:assert/strict';
import { ownServerTest, printLog } from './lib/harness.mjs';
import { MODES, createMeeting, connectClient, joinMeeting, sleep } from './lib/socketio.mjs';
import { RedisServer } from './lib/redis.mjs';

const LEASE_TTL = 2; // seconds: removal bound is 1.5 × lease_ttl plus one reaper pass of slack
const WS = MODES.find((m) => m.opts?.transports?.length === 1) || MODES[0];

function clusterConfig(redis, prefix) {
	return {
		'parley.plugin.meeting': {
			cluster: { mode: 'redis', redis_url: redis.url, key_prefix: prefix, lease_ttl: LEASE_TTL },
		},
	};
}

/** Runs fn(redis, a, b) with a fresh Redis and two instances on it. */
function clusterTest(name, fn, timeout = 60000) {
	ownServerTest(name, async (own) => {
		const redis = new RedisServer();
		await redis.start();
		const clients = [];
		try {
			const prefix = `e2e${Date.now()}:`;
			const a = await own({ config: clusterConfig(redis, prefix) });
			const b = await own({ config: clusterConfig(redis, prefix) });
			await fn({ redis, a, b, client: async (srv, label) => {
				const c = await connectClient(srv, WS, label);
				clients.push(c);
				return c;
			} });
		} catch (err) {
			try { printLog(`${name} (redis)`, (await import('node:fs')).readFileSync(redis.logPath, 'utf8')); } catch { /* none */ }
			throw err;
		} finally {
			for (const c of clients) c.close();
			await redis.stop();
			redis.cleanup();
		}
	}, { timeout });
}

const alice = { userId: 'alice', userName: 'Alice' };
const bob = { userId: 'bob', userName: 'Bob' };

clusterTest('participants on two instances meet: joins, offer/answer/ICE, toggles, chat, leave', async ({ a, b, client }) => {
	const meeting = await createMeeting(a, { hostId: 'host-x' });
	const ca = await client(a, 'alice@A');
	const cb = await client(b, 'bob@B');
	const ja = await joinMeeting(ca, meeting.roomId, alice);
	assert.equal(ja.existing.participants.length, 0);
	// bob's instance never saw the meeting created on A: it reads it from Redis
	const jb = await joinMeeting(cb, meeting.roomId, bob);
	assert.equal(jb.joined.meeting.title, meeting.title);
	assert.deepEqual(jb.existing.participants.map((p) => p.userId), ['alice']);
	const joined = await ca.next('participant-joined', (d) => d.userId === 'bob');
	assert.equal(joined.peerId, jb.joined.peerId);
	assert.notEqual(ja.joined.peerId.slice(0, 8), jb.joined.peerId.slice(0, 8), 'peers on different instances');

	ca.emit('webrtc-offer', { roomId: meeting.roomId, targetUserId: 'bob', offer: { type: 'offer', sdp: 'v=0 a' } });
	const offer = await cb.next('webrtc-offer');
	assert.deepEqual(offer, { fromUserId: 'alice', fromPeerId: ja.joined.peerId, offer: { type: 'offer', sdp: 'v=0 a' } });
	cb.emit('webrtc-answer', { roomId: meeting.roomId, targetUserId: 'alice', answer: { type: 'answer', sdp: 'v=0 b' } });
	const answer = await ca.next('webrtc-answer');
	assert.equal(answer.fromUserId, 'bob');
	assert.equal(answer.answer.sdp, 'v=0 b');
	cb.emit('ice-candidate', { roomId: meeting.roomId, targetUserId: 'alice', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
	assert.equal((await ca.next('ice-candidate')).fromUserId, 'bob');
	ca.emit('ice-candidate', { roomId: meeting.roomId, targetUserId: 'bob', candidate: { candidate: 'c2' } });
	assert.equal((await cb.next('ice-candidate')).candidate.candidate, 'c2');

	ca.emit('toggle-audio', { roomId: meeting.roomId, isEnabled: false });
	assert.deepEqual(await cb.next('participant-audio-changed'), { userId: 'alice', isAudioEnabled: false });
	cb.emit('toggle-video', { roomId: meeting.roomId, isEnabled: false });
	assert.deepEqual(await ca.next('participant-video-changed'), { userId: 'bob', isVideoEnabled: false });

	cb.emit('meeting-chat-message', { roomId: meeting.roomId, message: 'hello from B' });
	for (const c of [ca, cb]) {
		const chat = await c.next('meeting-chat-message');
		assert.equal(chat.message, 'hello from B');
		assert.equal(chat.userId, 'bob');
	}
	// the flags toggled on the other instance are what a third joiner sees
	const cc = await client(a, 'carol@A');
	const jc = await joinMeeting(cc, meeting.roomId, { userId: 'carol', userName: 'Carol' });
	const seen = Object.fromEntries(jc.existing.participants.map((p) => [p.userId, p]));
	assert.equal(seen.alice.isAudioEnabled, false);
	assert.equal(seen.bob.isVideoEnabled, false);
	await cb.next('participant-joined', (d) => d.userId === 'carol');

	cb.emit('leave-meeting', { roomId: meeting.roomId });
	assert.deepEqual(await ca.next('participant-left', (d) => d.userId === 'bob'), { userId: 'bob' });
	assert.deepEqual(await cc.next('participant-left', (d) => d.userId === 'bob'), { userId: 'bob' });
});

clusterTest('SIGKILL of one instance: the other side gets participant-left within the lease bound', async ({ a, b, client }) => {
	const meeting = await createMeeting(a, { hostId: 'host-k' });
	const ca = await client(a, 'alice@A');
	const cb = await client(b, 'bob@B');
	await joinMeeting(ca, meeting.roomId, alice);
	await joinMeeting(cb, meeting.roomId, bob);
	await ca.next('participant-joined', (d) => d.userId === 'bob');
	const killedAt = Date.now();
	b.signal('SIGKILL');
	const left = await ca.next('participant-left', (d) => d.userId === 'bob', (LEASE_TTL * 1.5 + 2) * 1000);
	const took = Date.now() - killedAt;
	assert.deepEqual(left, { userId: 'bob' });
	assert.ok(took <= (LEASE_TTL * 1.5 + 1) * 1000, `participant-left after ${took} ms`);
	// the survivor's view of the meeting no longer lists bob
	const cc = await client(a, 'carol@A');
	const jc = await joinMeeting(cc, meeting.roomId, { userId: 'carol', userName: 'Carol' });
	assert.deepEqual(jc.existing.participants.map((p) => p.userId), ['alice']);
});

clusterTest('Redis stopped for a few seconds: clear errors meanwhile, both instances serve after it is back', async ({ redis, a, b, client }) => {
	const meeting = await createMeeting(a, { hostId: 'host-r' });
	const ca = await client(a, 'alice@A');
	const cb = await client(b, 'bob@B');
	await joinMeeting(ca, meeting.roomId, alice);
	await joinMeeting(cb, meeting.roomId, bob);
	await ca.next('participant-joined', (d) => d.userId === 'bob');

	await redis.stop();
	await sleep(500);
	ca.emit('toggle-audio', { roomId: meeting.roomId, isEnabled: false });
	const err = await ca.next('meeting-error', () => true, 5000);
	assert.equal(err.error, 'cluster store unavailable');
	await sleep(2000);
	await redis.start(); // same port, empty: the instances re-publish their participants
	// Instance A serves again (REST answers 503 until it has reconnected and
	// written its participants back): only then can a join elsewhere see alice.
	const back = Date.now() + 15000;
	while ((await getMeeting(a, meeting.roomId).catch(() => ({}))).status !== 200 && Date.now() < back) await sleep(250);
	assert.equal((await getMeeting(a, meeting.roomId)).status, 200, 'instance A serves again');
	// a new join on instance B works once it reconnected too (bounded retries)
	let joinedB = null;
	const deadline = Date.now() + 10000;
	while (!joinedB && Date.now() < deadline) {
		const cd = await client(b, 'dave@B');
		cd.emit('join-meeting', { roomId: meeting.roomId, userId: 'dave', userName: 'Dave', isAudioEnabled: true, isVideoEnabled: true });
		const first = await Promise.race([cd.next('joined-meeting', () => true, 3000).then((d) => ({ ok: d })),
			cd.next('meeting-error', () => true, 3000).then((d) => ({ error: d }))]).catch(() => ({}));
		if (first.ok) joinedB = { client: cd, data: first.ok };
		else { cd.close(); await sleep(500); }
	}
	assert.ok(joinedB, 'a join on instance B works after Redis is back');
	const existing = joinedB.client.seen('existing-participants').at(-1);
	assert.deepEqual(existing.participants.map((p) => p.userId).sort(), ['alice', 'bob'], 'reconciled participants');
	await ca.next('participant-joined', (d) => d.userId === 'dave', 5000);
	const ce = await client(a, 'erin@A');
	const je = await joinMeeting(ce, meeting.roomId, { userId: 'erin', userName: 'Erin' });
	assert.equal(je.existing.participants.length, 3);
	await joinedB.client.next('participant-joined', (d) => d.userId === 'erin', 5000);
}, 90000);

/** GET /api/meetings/<roomId> on an instance's Socket.IO port: {status, body}. */
async function getMeeting(srv, roomId) {
	const r = await fetch(`http://127.0.0.1:${srv.wsPort}/api/meetings/${roomId}`, { signal: AbortSignal.timeout(5000) });
	return { status: r.status, body: await r.json() };
}

clusterTest('a meeting created over REST on one instance is in Redis at once: the other reads it', async ({ a, b }) => {
	for (let i = 0; i < 3; i++) {
		const meeting = await createMeeting(a, { hostId: `host-rest-${i}`, title: `REST ${i}` });
		const seen = await getMeeting(b, meeting.roomId);
		assert.equal(seen.status, 200, `instance B: ${JSON.stringify(seen.body)}`);
		assert.equal(seen.body.meeting.roomId, meeting.roomId);
		assert.equal(seen.body.meeting.title, `REST ${i}`);
	}
});

clusterTest('Redis restarted empty: the instances write their meeting rows back', async ({ redis, a, b }) => {
	const meeting = await createMeeting(a, { hostId: 'host-empty', title: 'Survives' });
	await redis.stop();
	await sleep(500);
	await redis.start(); // same port, no persistence: every key is gone
	// B never read the meeting: it can only learn it from the row A writes back.
	let seen = null;
	const deadline = Date.now() + 15000;
	while (Date.now() < deadline) {
		seen = await getMeeting(b, meeting.roomId).catch((e) => ({ status: 0, body: String(e) }));
		if (seen.status === 200) break;
		await sleep(250);
	}
	assert.equal(seen.status, 200, `instance B after Redis came back empty: ${JSON.stringify(seen.body)}`);
	assert.equal(seen.body.meeting.title, 'Survives');
	const c = await redis.client();
	const keys = await c.call(['KEYS', '*meeting:*']);
	c.close();
	assert.ok(keys.some((k) => k.endsWith(`meeting:${meeting.roomId}`)), `row back in Redis: ${keys}`);
}, 60000);

/** Two requests back to back just after Redis stopped answering (`stop`):
 * each gets its meeting-error, none is dropped. */
async function everyRequestAnswered({ redis, a, b, client }, stop) {
	const meeting = await createMeeting(a, { hostId: 'host-drop' });
	const ca = await client(a, 'alice@A');
	const cb = await client(b, 'bob@B');
	await joinMeeting(ca, meeting.roomId, alice);
	await joinMeeting(cb, meeting.roomId, bob);
	await ca.next('participant-joined', (d) => d.userId === 'bob');
	const errorsBefore = ca.seen('meeting-error').length;
	const togglesBefore = cb.seen('participant-audio-toggled')?.length ?? 0;
	await stop();
	ca.emit('toggle-audio', { roomId: meeting.roomId, isEnabled: false });
	ca.emit('toggle-video', { roomId: meeting.roomId, isEnabled: false });
	const deadline = Date.now() + 8000;
	while (Date.now() < deadline && ca.seen('meeting-error').length - errorsBefore < 2)
		await sleep(100);
	const errors = ca.seen('meeting-error').slice(errorsBefore);
	assert.equal(errors.length, 2, `one answer per request: ${JSON.stringify(errors)}`);
	for (const e of errors) assert.equal(e.error, 'cluster store unavailable');
	assert.equal(cb.seen('participant-audio-toggled')?.length ?? 0, togglesBefore, 'nothing half-delivered');
}

clusterTest('Redis killed: two requests sent back to back each get their meeting-error', async (t) => {
	await everyRequestAnswered(t, async () => { await t.redis.stop(); });
}, 60000);

clusterTest('Redis stopped (SIGSTOP): two requests sent back to back each get their meeting-error', async (t) => {
	try {
		await everyRequestAnswered(t, async () => { process.kill(t.redis.proc.pid, 'SIGSTOP'); });
	} finally {
		process.kill(t.redis.proc.pid, 'SIGCONT');
	}
}, 60000);

clusterTest('an instance killed with SIGKILL and restarted counts its participants as left in its stats', async ({ a, b, client }) => {
	const meeting = await createMeeting(a, { hostId: 'host-crash' });
	const ca = await client(a, 'alice@A');
	const ca2 = await client(a, 'carol@A');
	const cb = await client(b, 'bob@B');
	await joinMeeting(ca, meeting.roomId, alice);
	await joinMeeting(ca2, meeting.roomId, { userId: 'carol', userName: 'Carol' });
	await joinMeeting(cb, meeting.roomId, bob);
	await ca.next('participant-joined', (d) => d.userId === 'bob');
	const stats = async (srv) => {
		const r = await fetch(`http://127.0.0.1:${srv.wsPort}/api/meetings/${meeting.roomId}/stats`,
			{ signal: AbortSignal.timeout(5000) });
		return (await r.json()).stats;
	};
	const before = await stats(a);
	assert.equal(before.joins, 2, `A counted its two joins: ${JSON.stringify(before)}`);
	assert.equal(before.leaves, 0);
	a.signal('SIGKILL');
	await a.exited;
	a.exit = null; // the same server object starts again:
	await a.start(); // same state_dir (its SQLite), new ports
	const after = await stats(a);
	assert.equal(after.joins, 2, JSON.stringify(after));
	assert.equal(after.leaves, 2, `the crashed run's participants count as left: ${JSON.stringify(after)}`);
	await cb.next('participant-left', (d) => d.userId === 'alice', LEASE_TTL * 1500 + 3000);
}, 60000);
