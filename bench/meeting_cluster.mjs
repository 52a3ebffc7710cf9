// bench/meeting_cluster.mjs — signaling relay latency of the meeting plugin
// in cluster mode: one redis-server and two parleyd instances (both started
// here from $PARLEY_BUILDDIR/stage, stopped by PID), socket.io-client
// participants over WebSocket. A webrtc-offer is timed from emit to its
// arrival at the target, one at a time, for a pair on the same instance and
// for a pair on different instances (relay through Redis pub/sub).
//   node bench/meeting_cluster.mjs [--count 2000]
import { ParleyServer } from '../tests/e2e/lib/server.mjs';
import { RedisServer } from '../tests/e2e/lib/redis.mjs';
import { createMeeting, connectClient, joinMeeting } from '../tests/e2e/lib/socketio.mjs';

const arg = (name, fallback) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : fallback;
};
const COUNT = Math.max(10, Math.min(100000, Number(arg('count', 2000))));
const WS = { name: 'websocket', opts: { transports: ['websocket'] }, upgrade: false };

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function measure(label, from, to, roomId, targetUserId) {
	const times = [];
	for (let i = 0; i < COUNT + 50; i++) {
		const t0 = process.hrtime.bigint();
		const got = to.next('webrtc-offer', (d) => d.offer.sdp === `s${i}`, 5000);
		from.emit('webrtc-offer', { roomId, targetUserId, offer: { type: 'offer', sdp: `s${i}` } });
		await got;
		if (i >= 50) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // 50 warm-up relays
	}
	times.sort((a, b) => a - b);
	return { label, count: times.length, p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

const redis = new RedisServer();
const servers = [];
const clients = [];
try {
	await redis.start();
	for (let i = 0; i < 2; i++) {
		const s = new ParleyServer({ config: { 'parley.plugin.meeting': { cluster: {
			mode: 'redis', redis_url: redis.url, key_prefix: 'bench:' } } } });
		await s.start();
		servers.push(s);
	}
	const [a, b] = servers;
	const meeting = await createMeeting(a, { hostId: 'bench-host' });
	const join = async (srv, userId) => {
		const c = await connectClient(srv, WS, userId);
		clients.push(c);
		await joinMeeting(c, meeting.roomId, { userId, userName: userId });
		return c;
	};
	const a1 = await join(a, 'a1');
	const a2 = await join(a, 'a2');
	const b1 = await join(b, 'b1');
	const rows = [
		await measure('same instance (A → A)', a1, a2, meeting.roomId, 'a2'),
		await measure('cross instance (A → B, via Redis)', a1, b1, meeting.roomId, 'b1'),
	];
	console.log(`webrtc-offer relay, ${COUNT} sequential relays each (ms):`);
	for (const r of rows) console.log(`  ${r.label.padEnd(36)} p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}`);
} finally {
	for (const c of clients) c.close();
	for (const s of servers) { await s.stop(); s.cleanup(); }
	await redis.stop();
	redis.cleanup();
}
