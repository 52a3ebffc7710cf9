// meeting-rest.test.mjs — every REST route of parley.plugin.meeting (the
// Meeting Service seed's API) with fetch against a real parleyd: create, get,
// participants, update, end, stats, user listing (status/limit/skip);
// validation errors naming the field, wrong host (403), unknown meeting
// (404), ended meeting (409), maxParticipants bounds, a body over
// max_body_size (413), rate limiting (429), CORS, and restart persistence
// (create → stop parleyd → a new parleyd on the same state_dir → still there).
// Participants join through the Janus API over WebSocket.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverSuite, ownServerTest } from './lib/harness.mjs';
import { WsJanus } from './lib/janus.mjs';
import { rest, ok, fails, ISO, createMeeting } from './lib/meetings.mjs';

const MEETING = 'parley.plugin.meeting';
const { test } = serverSuite({
	config: {
		[MEETING]: {
			general: { max_participants: 50, max_participants_limit: 1000, meeting_ttl: 14400 },
			http: { rate_limit: 100000, max_body_size: 1024 },
			ice: { stun_servers: null, turn_server: null, turn_secret: null },
		},
	},
});

/** A participant over the Janus API: joined to roomId as userId. */
async function joinOverJanus(srv, roomId, userId) {
	const c = await WsJanus.connect(`${srv.wsUrl}/`);
	const session = await c.createSession();
	const handle = await c.attach(session, MEETING);
	const send = async (request, body = {}) => {
		const r = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request, roomId, ...body } });
		assert.equal(r.janus, 'ack', `${request}: ${JSON.stringify(r)}`);
	};
	const event = (name, timeoutMs = 5000) => c.event('event', (m) => m.plugindata?.data?.event === name, timeoutMs)
		.then((m) => m.plugindata.data.data);
	await send('join-meeting', { userId, userName: userId });
	await event('joined-meeting');
	return { c, send, event };
}

test('POST /api/meetings/create answers 201 with the meeting as the seed shows it (both ports)', async (srv) => {
	const before = Date.now();
	const r = await rest(srv.httpUrl, 'POST', '/api/meetings/create', {
		title: 'Team Standup', description: 'Daily standup meeting', hostId: 'user123', hostName: 'John Doe',
		scheduledAt: '2030-01-20T10:00:00Z',
		settings: { maxParticipants: 12, isRecordingEnabled: false, isChatEnabled: true, isScreenShareEnabled: false,
			requireApproval: false, allowedDomains: ['example.com'] },
	});
	const m = ok(r, 201).meeting;
	assert.match(m.roomId, /^[A-Za-z0-9_-]{10}$/, `roomId ${m.roomId}`);
	assert.equal(m.title, 'Team Standup');
	assert.equal(m.description, 'Daily standup meeting');
	assert.equal(m.hostId, 'user123');
	assert.equal(m.hostName, 'John Doe');
	assert.equal(m.status, 'waiting');
	assert.match(m.createdAt, ISO);
	assert.ok(Math.abs(Date.parse(m.createdAt) - before) < 60000, `createdAt ${m.createdAt} is now`);
	assert.equal(Date.parse(m.scheduledAt), Date.parse('2030-01-20T10:00:00Z'));
	assert.deepEqual(m.settings, { maxParticipants: 12, isRecordingEnabled: false, isChatEnabled: true,
		isScreenShareEnabled: false, requireApproval: false, allowedDomains: ['example.com'] });
	assert.match(r.headers.get('content-type') || '', /application\/json/);
	// Defaults, and the seed-compatible port (PORT: the WebSocket transport) answers too.
	const d = ok(await rest(`http://127.0.0.1:${srv.wsPort}`, 'POST', '/api/meetings/create', { title: 'x', hostId: 'h' }), 201).meeting;
	assert.equal(d.settings.maxParticipants, 50, 'default maxParticipants from max_participants');
	assert.equal(d.settings.isChatEnabled, true);
	assert.equal(d.settings.requireApproval, false);
	assert.notEqual(d.roomId, m.roomId);
	const again = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${d.roomId}`)).meeting;
	assert.equal(again.title, 'x');
});

test('create: every invalid or missing field is a 400 that names the field', async (srv) => {
	const base = { title: 'T', hostId: 'h' };
	const cases = [
		[{ hostId: 'h' }, /title/],
		[{ ...base, title: '' }, /title/],
		[{ ...base, title: 'x'.repeat(201) }, /title/],
		[{ ...base, title: 42 }, /title/],
		[{ title: 'T' }, /hostId/],
		[{ ...base, hostId: 7 }, /hostId/],
		[{ ...base, hostName: ['a'] }, /hostName/],
		[{ ...base, description: false }, /description/],
		[{ ...base, scheduledAt: 'tomorrow' }, /scheduledAt/],
		[{ ...base, settings: 'open' }, /settings/],
		[{ ...base, settings: { maxParticipants: 0 } }, /settings\.maxParticipants/],
		[{ ...base, settings: { maxParticipants: 1001 } }, /settings\.maxParticipants/],
		[{ ...base, settings: { maxParticipants: 2.5 } }, /settings\.maxParticipants/],
		[{ ...base, settings: { maxParticipants: '10' } }, /settings\.maxParticipants/],
		[{ ...base, settings: { isChatEnabled: 'yes' } }, /isChatEnabled/],
		[{ ...base, settings: { requireApproval: 1 } }, /requireApproval/],
		[{ ...base, settings: { allowedDomains: 'example.com' } }, /settings\.allowedDomains/],
	];
	for (const [body, field] of cases) {
		fails(await rest(srv.httpUrl, 'POST', '/api/meetings/create', body), 400, field);
	}
	for (const raw of ['', 'not json', '[1,2]', '"text"', '{"title":"a","title":"b","hostId":"h"}']) {
		fails(await rest(srv.httpUrl, 'POST', '/api/meetings/create', raw), 400, /JSON object/);
	}
	// The bounds themselves are accepted.
	assert.equal((await createMeeting(srv.httpUrl, { settings: { maxParticipants: 1 } })).settings.maxParticipants, 1);
	assert.equal((await createMeeting(srv.httpUrl, { settings: { maxParticipants: 1000 } })).settings.maxParticipants, 1000);
	assert.equal((await createMeeting(srv.httpUrl, { title: 'y'.repeat(200) })).title.length, 200);
});

test('a body over max_body_size is refused with 413', async (srv) => {
	const r = await rest(srv.httpUrl, 'POST', '/api/meetings/create', { title: 'T', hostId: 'h', description: 'd'.repeat(2000) });
	fails(r, 413, /too large/i);
	const m = await createMeeting(srv.httpUrl);
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'host-1', description: 'e'.repeat(1500) }), 413);
	assert.equal(ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting.description ?? '', '');
});

test('GET /api/meetings/:roomId: the meeting with participantCount; unknown room 404; wrong method 405', async (srv) => {
	const m = await createMeeting(srv.httpUrl, { title: 'Getter' });
	const got = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting;
	assert.equal(got.roomId, m.roomId);
	assert.equal(got.title, 'Getter');
	assert.equal(got.participantCount, 0);
	assert.equal(got.createdAt, m.createdAt);
	fails(await rest(srv.httpUrl, 'GET', '/api/meetings/nosuchroom'), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'GET', '/api/meetings/nosuchroom/participants'), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'GET', '/api/meetings/nosuchroom/stats'), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'PUT', '/api/meetings/nosuchroom', { hostId: 'h', title: 'x' }), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'POST', '/api/meetings/nosuchroom/end', { hostId: 'h' }), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'DELETE', `/api/meetings/${m.roomId}`), 405);
	fails(await rest(srv.httpUrl, 'GET', '/api/meetings/create'), 404, /not found/i);
	fails(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}/nothing/here`), 404);
});

test('participants and stats follow joins, toggles, chat and leaves over the Janus API', async (srv) => {
	const m = await createMeeting(srv.httpUrl, { hostId: 'alice' });
	const empty = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}/participants`));
	assert.deepEqual([empty.participants, empty.count, empty.waiting], [[], 0, []]);
	const alice = await joinOverJanus(srv, m.roomId, 'alice');
	const bob = await joinOverJanus(srv, m.roomId, 'bob');
	try {
		const p = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}/participants`));
		assert.equal(p.count, 2);
		assert.deepEqual(p.participants.map((x) => x.userId).sort(), ['alice', 'bob']);
		const got = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting;
		assert.equal(got.status, 'active', 'first join starts the meeting');
		assert.match(got.startedAt, ISO);
		assert.equal(got.participantCount, 2);
		await bob.send('toggle-audio', { isEnabled: false });
		await alice.event('participant-audio-changed');
		await bob.send('meeting-chat-message', { message: 'hi' });
		await alice.event('meeting-chat-message');
		await bob.send('leave-meeting');
		await alice.event('participant-left');
		const s = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}/stats`)).stats;
		assert.equal(s.roomId, m.roomId);
		assert.equal(s.status, 'active');
		assert.equal(s.joins, 2);
		assert.equal(s.leaves, 1);
		assert.equal(s.peakParticipants, 2);
		assert.equal(s.totalParticipants, 2);
		assert.equal(s.currentParticipants, 1);
		assert.equal(s.waitingParticipants, 0);
		assert.equal(s.chatMessages, 1);
		assert.equal(s.mediaToggles.audio, 1);
		assert.equal(s.mediaToggles.total, 1);
		assert.equal(typeof s.duration, 'number');
		assert.ok(s.duration >= 0 && s.duration < 60, `duration ${s.duration}`);
		assert.match(s.startedAt, ISO);
		assert.equal(s.endedAt, null);
	} finally {
		await alice.c.close();
		await bob.c.close();
	}
});

test('PUT /api/meetings/:roomId: the host updates (settings merged); others get 403; bad fields 400', async (srv) => {
	const m = await createMeeting(srv.httpUrl, { settings: { maxParticipants: 8, isChatEnabled: false } });
	const u = ok(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`,
		{ hostId: 'host-1', title: 'Updated Title', settings: { maxParticipants: 100 } })).meeting;
	assert.equal(u.title, 'Updated Title');
	assert.equal(u.settings.maxParticipants, 100);
	assert.equal(u.settings.isChatEnabled, false, 'settings not named keep their value');
	assert.equal(ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting.title, 'Updated Title');
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'intruder', title: 'Mine' }), 403, /host/i);
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { title: 'No host' }), 400, /hostId/);
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'host-1', title: '' }), 400, /title/);
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'host-1', settings: { maxParticipants: 5000 } }), 400, /maxParticipants/);
	fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, 'nope'), 400, /JSON object/);
	const after = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting;
	assert.equal(after.title, 'Updated Title', 'refused updates changed nothing');
	assert.equal(after.settings.maxParticipants, 100);
});

test('POST /api/meetings/:roomId/end: only the host; participants are told; then 409', async (srv) => {
	const m = await createMeeting(srv.httpUrl, { hostId: 'boss' });
	const guest = await joinOverJanus(srv, m.roomId, 'guest');
	try {
		fails(await rest(srv.httpUrl, 'POST', `/api/meetings/${m.roomId}/end`, { hostId: 'guest' }), 403, /host/i);
		fails(await rest(srv.httpUrl, 'POST', `/api/meetings/${m.roomId}/end`, {}), 400, /hostId/);
		const e = ok(await rest(srv.httpUrl, 'POST', `/api/meetings/${m.roomId}/end`, { hostId: 'boss' })).meeting;
		assert.equal(e.status, 'ended');
		assert.match(e.endedAt, ISO);
		const told = await guest.event('meeting-ended');
		assert.deepEqual(told, { roomId: m.roomId, reason: 'host' });
		fails(await rest(srv.httpUrl, 'POST', `/api/meetings/${m.roomId}/end`, { hostId: 'boss' }), 409, /ended/i);
		fails(await rest(srv.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'boss', title: 'late' }), 409, /ended/i);
		const s = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/${m.roomId}/stats`)).stats;
		assert.equal(s.status, 'ended');
		assert.equal(s.currentParticipants, 0);
		assert.match(s.endedAt, ISO);
	} finally {
		await guest.c.close();
	}
});

test('GET /api/meetings/user/:userId lists hosted and joined meetings with status, limit and skip', async (srv) => {
	const user = `lister-${Date.now()}`;
	const made = [];
	for (let i = 0; i < 3; i++) {
		made.push(await createMeeting(srv.httpUrl, { title: `m${i}`, hostId: user }));
		await new Promise((r) => setTimeout(r, 1100)); // distinct creation seconds: newest first is checkable
	}
	const other = await createMeeting(srv.httpUrl, { title: 'joined one', hostId: 'someone-else' });
	const p = await joinOverJanus(srv, other.roomId, user);
	await p.c.close();
	ok(await rest(srv.httpUrl, 'POST', `/api/meetings/${made[0].roomId}/end`, { hostId: user }));
	const all = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}`));
	assert.equal(all.total, 4);
	assert.equal(all.limit, 20);
	assert.equal(all.skip, 0);
	const ids = all.meetings.map((x) => x.roomId);
	assert.deepEqual(new Set(ids), new Set([...made.map((x) => x.roomId), other.roomId]));
	const mine = ids.filter((id) => made.some((x) => x.roomId === id));
	assert.deepEqual(mine, made.map((x) => x.roomId).reverse(), 'newest first');
	const ended = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?status=ended`));
	assert.deepEqual(ended.meetings.map((x) => x.roomId), [made[0].roomId]);
	assert.equal(ended.total, 1);
	const waiting = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?status=waiting`));
	assert.deepEqual(waiting.meetings.map((x) => x.roomId), [made[2].roomId, made[1].roomId]);
	const page = ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?limit=1&skip=1`));
	assert.equal(page.meetings.length, 1);
	assert.equal(page.meetings[0].roomId, ids[1]);
	assert.equal(page.total, 4);
	assert.deepEqual([page.limit, page.skip], [1, 1]);
	assert.equal(ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?limit=500`)).limit, 100, 'limit clamped to 100');
	assert.deepEqual(ok(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?skip=10`)).meetings, []);
	const nobody = ok(await rest(srv.httpUrl, 'GET', '/api/meetings/user/nobody-at-all'));
	assert.deepEqual([nobody.meetings, nobody.total], [[], 0]);
	fails(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?status=bogus`), 400, /status/);
	fails(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?limit=0`), 400, /limit/);
	fails(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?limit=abc`), 400, /limit/);
	fails(await rest(srv.httpUrl, 'GET', `/api/meetings/user/${user}?skip=-1`), 400, /skip/);
}, { timeout: 30000 });

ownServerTest('rate limiting: requests beyond [http] rate_limit per minute get 429; CORS for configured origins', async (own) => {
	const srv = await own({
		config: {
			[MEETING]: { http: { rate_limit: 5 } },
			'parley.transport.http': { general: { cors_origins: 'http://app.example' } },
		},
	});
	const origin = { Origin: 'http://app.example' };
	const first = await rest(srv.httpUrl, 'POST', '/api/meetings/create', { title: 'T', hostId: 'h' }, { headers: origin });
	ok(first, 201);
	assert.equal(first.headers.get('access-control-allow-origin'), 'http://app.example');
	const foreign = await rest(srv.httpUrl, 'GET', `/api/meetings/${first.body.meeting.roomId}`, undefined,
		{ headers: { Origin: 'http://evil.example' } });
	ok(foreign);
	assert.equal(foreign.headers.get('access-control-allow-origin'), null, 'no CORS header for an unlisted origin');
	const statuses = [];
	for (let i = 0; i < 6; i++) statuses.push((await rest(srv.httpUrl, 'GET', '/api/meetings/none')).status);
	assert.deepEqual(statuses.slice(0, 3), [404, 404, 404], `the first requests within the budget: ${statuses}`);
	assert.deepEqual(statuses.slice(3), [429, 429, 429], `beyond 5 per minute: ${statuses}`);
	fails(await rest(srv.httpUrl, 'POST', '/api/meetings/create', { title: 'T', hostId: 'h' }), 429, /too many/i);
	// The limit is the REST routes': the core's own routes still answer.
	assert.equal((await fetch(`${srv.httpUrl}/health`)).status, 200);
}, { timeout: 30000 });

ownServerTest('restart persistence: a meeting, its update, its end and its stats survive a new parleyd on the same state_dir', async (own) => {
	const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-state-'));
	try {
		const config = { parley: { general: { state_dir: stateDir } } };
		const first = await own({ config });
		const m = await createMeeting(first.httpUrl, { title: 'Durable', hostId: 'keeper', settings: { maxParticipants: 7 } });
		ok(await rest(first.httpUrl, 'PUT', `/api/meetings/${m.roomId}`, { hostId: 'keeper', description: 'kept' }));
		const gone = await createMeeting(first.httpUrl, { title: 'Ended', hostId: 'keeper' });
		const p = await joinOverJanus(first, gone.roomId, 'keeper');
		await p.c.close();
		ok(await rest(first.httpUrl, 'POST', `/api/meetings/${gone.roomId}/end`, { hostId: 'keeper' }));
		const exit = await first.stop();
		assert.equal(exit.code, 0, `first parleyd exit ${JSON.stringify(exit)}`);
		assert.ok(fs.existsSync(path.join(stateDir, 'meetings.db')), 'meetings.db in state_dir');

		const second = await own({ config });
		const again = ok(await rest(second.httpUrl, 'GET', `/api/meetings/${m.roomId}`)).meeting;
		assert.equal(again.title, 'Durable');
		assert.equal(again.description, 'kept');
		assert.equal(again.hostId, 'keeper');
		assert.equal(again.settings.maxParticipants, 7);
		assert.equal(again.createdAt, m.createdAt);
		const ended = ok(await rest(second.httpUrl, 'GET', `/api/meetings/${gone.roomId}/stats`)).stats;
		assert.equal(ended.status, 'ended');
		assert.equal(ended.joins, 1);
		assert.equal(ended.totalParticipants, 1);
		const list = ok(await rest(second.httpUrl, 'GET', '/api/meetings/user/keeper'));
		assert.equal(list.total, 2);
		fails(await rest(second.httpUrl, 'POST', `/api/meetings/${gone.roomId}/end`, { hostId: 'keeper' }), 409);
	} finally {
		fs.rmSync(stateDir, { recursive: true, force: true });
	}
}, { timeout: 40000 });
