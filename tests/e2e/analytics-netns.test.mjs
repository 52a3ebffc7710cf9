// analytics-netns.test.mjs — parley.handler.analytics with real parts only,
// in a network namespace with only lo: a real parleyd, two python3-aiortc
// participants of a parley.plugin.room room exchanging synthetic audio and
// video, a third participant whose ICE fails (its offer names an address
// nobody answers), a meeting of two socket.io-client participants, a real
// HTTP webhook receiver (node:http) that checks each request's HMAC-SHA256
// signature and is stopped and started again while events are produced,
// and a real redis-server whose stream the test reads with XRANGE.
// Checked: the admin API's query_eventhandler (room, participant, summary,
// series) answers with the figures the clients produced (counts, outcomes,
// the failure's reason, time to connect, bytes); the meeting plugin's
// GET /api/meetings/:roomId/stats carries them; the webhook receives every
// event once, in order, validly signed, including those sent while it was
// down; the Redis stream holds the same events; /metrics shows the
// aggregates; and a restarted parleyd reads the same rollups from SQLite.
// The tests of this file share one server and run in order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test as plainTest } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { HttpJanus } from './lib/janus.mjs';
import { RedisServer } from './lib/redis.mjs';
import { sleep, startRoomClients } from './lib/room_clients.mjs';
import { ADMIN_SECRET, SRCDIR, startServer } from './lib/server.mjs';
import { MODES, connectClient, createMeeting, endMeeting, joinMeeting, sioUrl } from './lib/socketio.mjs';
import { parseMetrics, promtoolCheck } from './lib/promtool.mjs';
import { WebhookReceiver } from './lib/webhook.mjs';

const KEY = 'e2e-webhook-key';
const ROOM = 'an-room';
const STREAM = 'an:events';
const HANDLER = 'parley.handler.analytics';

const receiver = await new WebhookReceiver(KEY).start();
const redis = await new RedisServer().start();
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-analytics-'));
const DB = path.join(stateDir, 'analytics.db');

const config = {
	parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' }, events: { stats_period: 1 } },
	'parley.plugin.room': { general: { reconnect_window: '2' } },
	[HANDLER]: {
		store: { db_path: DB, flush_interval: 1 },
		webhook: { retry_initial_ms: 100, retry_max_ms: 500, timeout_ms: 2000 },
		redis_stream: { url: redis.url, stream: STREAM, batch_size: 10, retry_initial_ms: 100, retry_max_ms: 500 },
	},
};
// The webhook's URL and key come from the environment (WEBHOOK_URL, WEBHOOK_KEY).
const env = { WEBHOOK_URL: receiver.url, WEBHOOK_KEY: KEY };
const { test, server } = serverSuite({ config, env });

const world = { group: null, failing: null };

after(async () => {
	await world.group?.stop();
	await receiver.stop();
	await redis.stop();
	redis.cleanup();
	fs.rmSync(stateDir, { recursive: true, force: true });
});

function admin(srv) {
	return new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
}

/** The handler's answer to `request`. */
async function query(srv, request) {
	const r = await admin(srv).request({ janus: 'query_eventhandler', handler: HANDLER, request });
	assert.equal(r.janus, 'success', JSON.stringify(r));
	assert.equal(r.response.error, undefined, JSON.stringify(r.response));
	return r.response;
}

/** Polls `fn` (bounded) until it returns a truthy value; returns it. */
async function until(fn, what, timeoutMs = 60000) {
	const deadline = Date.now() + timeoutMs;
	let last;
	while (Date.now() < deadline) {
		last = await fn();
		if (last) return last;
		await sleep(500);
	}
	throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const badOffer = () => fs.readFileSync(path.join(SRCDIR, 'tests/unit/data/sdp/chromium-plain.sdp'), 'utf8')
	.replace(/a=candidate:.*\r?\n/g, '')
	.replace(/(a=mid:0\r?\n)/, '$1a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host\r\n');

test('a room with real media: live figures of its participants', async (srv) => {
	world.group = startRoomClients(srv, { room: ROOM, peers: 2, fps: 8, seconds: 240 });
	await world.group.joined(60000);
	const ids = Object.keys(world.group.stats);
	const room = await until(async () => {
		const r = await query(srv, { request: 'room', room: ROOM });
		const present = r.live?.present || [];
		return present.length === 2 &&
			present.every((p) => p.time_to_media_ms !== null && p.bytes_in > 0 && p.bytes_out > 0) &&
			r.live.pcs_connected >= 4 ? r : null;
	}, 'both participants connected with media', 90000);
	const live = room.live;
	assert.equal(room.found, true);
	assert.equal(live.plugin, 'parley.plugin.room');
	assert.equal(live.kind, 'room');
	assert.equal(live.participants, 2);
	assert.equal(live.pcs_failed, 0);
	assert.equal(live.success_ratio, 1);
	assert.equal(live.turn_share, 0);
	assert.ok(live.tracks_live >= 4, `two tracks each: ${live.tracks_live}`);
	assert.deepEqual(live.present.map((p) => p.participant).sort(), ids.sort());
	for (const p of live.present) {
		assert.equal(p.outcome, 'connected');
		assert.ok(p.time_to_connect_ms > 0 && p.time_to_connect_ms < 60000, `time to connect ${p.time_to_connect_ms}`);
		assert.ok(p.time_to_media_ms >= p.time_to_connect_ms, JSON.stringify(p));
		assert.ok(p.packets_in > 0 && p.bytes_out > 0, JSON.stringify(p));
		assert.equal(p.relay, false);
	}
	// one participant's own view, with live bitrates (stats every second)
	const one = await until(async () => {
		const r = await query(srv, { request: 'participant', participant: ids[0], room: ROOM });
		return r.live.length === 1 && r.live[0].bitrate_in > 0 && r.live[0].bitrate_out > 0 ? r : null;
	}, 'live bitrates', 30000);
	assert.equal(one.found, true);
	assert.equal(one.live[0].room, ROOM);
	// the core's media figures on /metrics: packets both ways, relayed by the
	// room, four PeerConnections up, RTT samples from the clients' reports
	const metrics = await until(async () => {
		const m = parseMetrics(await (await fetch(`${srv.httpUrl}/metrics`)).text()).samples;
		return m.parley_rtt_seconds_count[''] > 0 ? m : null;
	}, 'RTT samples on /metrics', 30000);
	assert.ok(metrics.parley_rtp_packets_total['{direction="in"}'] > 0);
	assert.ok(metrics.parley_rtp_packets_total['{direction="out"}'] > 0);
	assert.ok(metrics.parley_rtp_bytes_total['{direction="out"}'] > metrics.parley_rtp_packets_total['{direction="out"}']);
	assert.ok(metrics.parley_rtp_forwarded_packets_total[''] > 0);
	assert.equal(metrics.parley_peerconnections['{state="connected"}'], 4);
	assert.equal(metrics.parley_analytics_peerconnections['{state="connected"}'], 4);
	assert.ok(metrics.parley_rtcp_loss_ratio_count['{direction="in"}'] > 0);
}, { timeout: 150000 });

test('a participant whose ICE fails: failure and reason', async (srv) => {
	const janus = new HttpJanus(srv.httpUrl);
	const session = await janus.createSession();
	const handle = await janus.attach(session, 'parley.plugin.room');
	const joined = await janus.request({ janus: 'message', body: { request: 'joinRoom', roomId: ROOM } },
		{ path: `/${session}/${handle}` });
	const peerId = joined.plugindata?.data?.peerId;
	assert.ok(peerId, JSON.stringify(joined));
	world.failing = { janus, session, handle, peerId };
	await janus.request({ janus: 'message', body: { request: 'produce' }, jsep: { type: 'offer', sdp: badOffer() } },
		{ path: `/${session}/${handle}` });
	const hangup = await janus.pollFor(session, (e) => e.janus === 'hangup', { timeoutMs: 60000 });
	assert.equal(hangup.reason, 'ICE failed');
	const p = await until(async () => {
		const r = await query(srv, { request: 'participant', participant: peerId });
		return r.live[0]?.pcs_failed === 1 ? r.live[0] : null;
	}, 'the failure counted', 20000);
	assert.equal(p.outcome, 'failed');
	assert.equal(p.failure_reason, 'ICE failed');
	assert.equal(p.pcs_connected, 0);
	const room = await query(srv, { request: 'room', room: ROOM });
	assert.equal(room.live.participants, 3);
	assert.equal(room.live.pcs_failed, 1);
	assert.equal(room.live.success_ratio, room.live.pcs_connected / (room.live.pcs_connected + 1));
	const summary = await query(srv, { request: 'summary' });
	assert.equal(summary.failure_reasons['ICE failed'], 1);
	assert.equal(summary.live.rooms.room, 1);
	assert.equal(summary.live.participants.room, 3);
}, { timeout: 90000 });

test('webhooks: every event in order, signed, also those sent while the receiver was down', async (srv) => {
	await receiver.waitFor((e) => e.event === 'track_published', 20000, 'track_published');
	await receiver.stop();
	// everyone leaves while nobody listens
	const { janus, session, handle } = world.failing;
	await janus.request({ janus: 'message', body: { request: 'leaveRoom' } }, { path: `/${session}/${handle}` });
	world.group.proc.stdin.write('leave 0\nleave 1\n');
	// the handler tries, fails, and keeps the events
	const sinks = await until(async () => {
		const s = await query(srv, { request: 'summary' });
		const hook = s.sinks.find((x) => x.sink === 'webhook');
		return hook.failures >= 2 && hook.depth >= 4 ? s.sinks : null;
	}, 'failed deliveries while the receiver is down', 30000);
	assert.ok(sinks.find((x) => x.sink === 'webhook').last_error.length > 0);
	assert.equal((await query(srv, { request: 'room', room: ROOM })).live, null);
	const before = receiver.requests.length;
	await receiver.start();
	await receiver.waitFor((e) => e.event === 'room_finished', 30000, 'room_finished after the restart');
	assert.ok(receiver.requests.length > before);
	const events = receiver.events;
	for (const r of receiver.requests) {
		assert.ok(r.validSignature, `bad signature: ${r.headers.authorization} for ${r.raw}`);
		assert.equal(r.method, 'POST');
		assert.equal(r.path, '/hook');
		assert.equal(r.headers['content-type'], 'application/json');
		assert.equal(r.headers['x-parley-event-id'], r.events[0].id);
	}
	const ids = events.map((e) => e.id);
	assert.equal(new Set(ids).size, ids.length, 'an event arrived twice');
	for (let i = 1; i < events.length; i++)
		assert.ok(events[i].sequence > events[i - 1].sequence, `out of order at ${i}: ${events.map((e) => e.sequence)}`);
	assert.equal(events[0].sequence, 1, 'the first event is missing');
	assert.equal(events.at(-1).sequence, events.length, 'an event is missing');
	const names = events.map((e) => e.event);
	const count = (n) => names.filter((x) => x === n).length;
	assert.equal(names[0], 'room_started');
	assert.equal(count('participant_joined'), 3);
	assert.equal(count('participant_left'), 3);
	assert.ok(count('track_published') >= 4, names.join(','));
	assert.equal(count('track_unpublished'), count('track_published'));
	assert.equal(names.at(-1), 'room_finished');
	// the ones produced while it was down came after the restart
	const late = receiver.requests.slice(before).flatMap((r) => r.events).map((e) => e.event);
	assert.ok(late.filter((n) => n === 'participant_left').length === 3, late.join(','));
	// LiveKit-like shapes
	const finished = events.at(-1);
	assert.match(finished.id, /^EV_[0-9a-f]{32}$/);
	assert.equal(finished.room.name, ROOM);
	assert.equal(finished.room.kind, 'room');
	assert.equal(finished.reason, 'empty');
	assert.equal(finished.stats.joins, 3);
	assert.equal(finished.stats.pcs_failed, 1);
	assert.ok(finished.stats.duration_seconds >= 1);
	assert.ok(Math.abs(finished.createdAt - Date.now() / 1000) < 600);
	const failedLeft = events.find((e) => e.event === 'participant_left' && e.participant.identity === world.failing.peerId);
	assert.equal(failedLeft.stats.outcome, 'failed');
	assert.equal(failedLeft.stats.failure_reason, 'ICE failed');
	const track = events.find((e) => e.event === 'track_published');
	assert.ok(['AUDIO', 'VIDEO'].includes(track.track.type));
	assert.ok(track.track.sid && track.participant.identity);
	await janus.request({ janus: 'destroy' }, { path: `/${session}` }).catch(() => {});
}, { timeout: 120000 });

test('a meeting: its events, and its figures in GET /api/meetings/:roomId/stats', async (srv) => {
	const first = receiver.events.length;
	const meeting = await createMeeting(srv, { title: 'Analytics', hostId: 'host-a' });
	const a = await connectClient(srv, MODES[1], 'a');
	const b = await connectClient(srv, MODES[1], 'b');
	try {
		await joinMeeting(a, meeting.roomId, { userId: 'host-a', userName: 'Ann' });
		await joinMeeting(b, meeting.roomId, { userId: 'user-b', userName: 'Bob' });
		await sleep(1100);   // b stays at least a second
		b.emit('leave-meeting', { roomId: meeting.roomId });
		const stats = await until(async () => {
			const r = await fetch(`${sioUrl(srv)}/api/meetings/${meeting.roomId}/stats`);
			const body = await r.json();
			return body.stats?.analytics?.left?.length === 1 ? body.stats : null;
		}, 'the leave in the stats', 20000);
		const an = stats.analytics;
		assert.equal(an.found, true);
		assert.equal(an.live.kind, 'meeting');
		assert.equal(an.live.title, 'Analytics');
		assert.equal(an.live.participants, 1);
		assert.equal(an.live.joins, 2);
		assert.equal(an.live.present[0].participant, 'host-a');
		assert.equal(an.live.present[0].name, 'Ann');
		assert.equal(an.live.present[0].outcome, 'no-media');   // mesh: media never reaches the gateway
		assert.equal(an.left[0].participant, 'user-b');
		assert.equal(an.left[0].reason, 'left');
		assert.ok(an.left[0].duration_seconds >= 1, JSON.stringify(an.left[0]));
		// the plugin's own figures are still there
		assert.equal(stats.joins, 2);
		assert.equal(stats.leaves, 1);
		await endMeeting(srv, meeting.roomId, 'host-a');
		const ended = await query(srv, { request: 'room', room: meeting.roomId, plugin: 'parley.plugin.meeting' });
		assert.equal(ended.live, null);
		assert.equal(ended.history.length, 1);
		assert.equal(ended.history[0].reason, 'host');
		assert.equal(ended.history[0].joins, 2);
		assert.equal(ended.history[0].peak_participants, 2);
		assert.deepEqual(ended.left.map((p) => p.participant).sort(), ['host-a', 'user-b']);
		assert.equal(ended.left.find((p) => p.participant === 'host-a').reason, 'host');
	} finally {
		a.close();
		b.close();
	}
	await receiver.waitFor((e) => e.event === 'meeting_ended', 20000, 'meeting_ended');
	const names = receiver.events.slice(first).map((e) => e.event);
	assert.deepEqual(names, ['meeting_created', 'meeting_started', 'participant_joined', 'participant_joined',
		'participant_left', 'participant_left', 'meeting_ended']);
	assert.ok(receiver.requests.every((r) => r.validSignature));
	const created = receiver.events[first];
	assert.equal(created.room.name, meeting.roomId);
	assert.equal(created.room.title, 'Analytics');
	assert.equal(created.host, 'host-a');
}, { timeout: 60000 });

test('the Redis stream holds the same events, in the same order', async (srv) => {
	const client = await redis.client();
	try {
		const want = receiver.events.map((e) => e.id);
		const entries = await until(async () => {
			const got = await client.call(['XRANGE', STREAM, '-', '+']);
			return got.length >= want.length ? got : null;
		}, `${want.length} stream entries`, 20000);
		const fields = entries.map(([, f]) => Object.fromEntries(f.map((v, i) => (i % 2 ? null : [v, f[i + 1]])).filter(Boolean)));
		assert.deepEqual(fields.map((f) => f.id), want);
		for (const f of fields) {
			const data = JSON.parse(f.data);
			assert.equal(data.id, f.id);
			assert.equal(data.event, f.event);
		}
		assert.equal(fields.at(-1).event, 'meeting_ended');
	} finally {
		client.close();
	}
}, { timeout: 40000 });

test('summary, series and /metrics add up what happened', async (srv) => {
	const summary = await query(srv, { request: 'summary' });
	const all = summary.since_start.all;
	assert.equal(all.rooms_started, 2);
	assert.equal(all.rooms_finished, 2);
	assert.equal(all.participants_joined, 5);
	assert.equal(all.participants_left, 5);
	assert.equal(all.pcs_failed, 1);
	assert.ok(all.pcs_connected >= 4);
	assert.equal(all.success_ratio, all.pcs_connected / (all.pcs_connected + 1));
	assert.equal(all.turn_share, 0);
	assert.ok(all.bytes_in > 0 && all.packets_in > 0);
	assert.equal(summary.since_start.meeting.participants_joined, 2);
	assert.equal(summary.since_start.room.participants_joined, 3);
	assert.equal(summary.live.participants.room + summary.live.participants.meeting, 0);
	const hook = summary.sinks.find((s) => s.sink === 'webhook');
	assert.equal(hook.dropped, 0);
	assert.equal(hook.depth, 0);
	assert.equal(hook.delivered, receiver.events.length);
	// the hours of today hold the same counts (summed: the test may cross an hour)
	const series = await query(srv, { request: 'series', period: 'hour' });
	const sum = (k) => series.points.reduce((n, p) => n + p[k], 0);
	assert.equal(sum('participants_joined'), 5);
	assert.equal(sum('rooms_finished'), 2);
	assert.equal(sum('pcs_failed'), 1);
	assert.equal(sum('pcs_connected'), all.pcs_connected);
	const days = await query(srv, { request: 'series', period: 'day', kind: 'meeting' });
	assert.equal(days.points.reduce((n, p) => n + p.participants_joined, 0), 2);
	world.totals = { joined: sum('participants_joined'), connected: sum('pcs_connected'), bytes: sum('bytes_in') };
	const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
	const value = (line) => {
		const m = text.match(new RegExp(`^${line.replace(/[{}"=,+]/g, (c) => `\\${c}`)} (\\S+)$`, 'm'));
		assert.ok(m, `${line} is not in /metrics`);
		return Number(m[1]);
	};
	assert.equal(value('parley_analytics_connections_total{kind="room",outcome="failed"}'), 1);
	assert.equal(value('parley_analytics_participants_joined_total{kind="meeting"}'), 2);
	assert.equal(value('parley_analytics_duration_seconds_count{kind="room"}'), 1);
	assert.equal(value('parley_analytics_duration_seconds_bucket{kind="meeting",le="+Inf"}'), 1);
	assert.ok(Math.abs(value('parley_analytics_connection_success_ratio') - all.success_ratio) < 1e-6);
	assert.equal(value('parley_analytics_rooms{kind="room"}'), 0);
	assert.equal(value('parley_analytics_sink_events_total{sink="webhook",result="delivered"}'), receiver.events.length);
	assert.equal(value('parley_analytics_sink_events_total{sink="redis_stream",result="dropped"}'), 0);
	assert.equal(value('parley_peerconnections{state="connected"}'), 0);
	const { code, output } = await promtoolCheck(text);
	assert.equal(code, 0, `promtool check metrics: ${output}`);
}, { timeout: 30000 });

// (not the suite's test(): it stops the suite's server on purpose)
plainTest('a restarted parleyd reads the same rollups from its SQLite file', { timeout: 30000 }, async () => {
	const first = await server();
	await first.stop();
	const again = await startServer({ config, env });
	try {
		const series = await query(again, { request: 'series', period: 'hour' });
		const sum = (k) => series.points.reduce((n, p) => n + p[k], 0);
		assert.equal(sum('participants_joined'), world.totals.joined);
		assert.equal(sum('pcs_connected'), world.totals.connected);
		assert.equal(sum('bytes_in'), world.totals.bytes);
		const rooms = await query(again, { request: 'rooms' });
		assert.equal(rooms.live.length, 0);
		assert.equal(rooms.finished.length, 2);
		// the process's own since-start figures begin again
		assert.equal((await query(again, { request: 'summary' })).since_start.all.participants_joined, 0);
	} finally {
		await again.stop();
		again.cleanup();
	}
});
