#!/usr/bin/env node
// bench/meeting_signaling.mjs — meeting signaling over Socket.IO against parleyd.
//
// Starts parleyd (stopped by PID at the end), creates M meetings over REST
// (POST /api/meetings/create) and connects M × P socket.io-client v4 sockets
// (transports: ['websocket']) on the Socket.IO port. Then:
//  1. join: every participant emits join-meeting; latency = emit → its
//     joined-meeting event (p50/p99 over all joins). Meetings join in
//     parallel, participants of one meeting one after the other.
//  2. relay: every participant sends webrtc-offer / ice-candidate messages to
//     the other participants of its meeting (round robin), at most W unanswered
//     per sender (a message counts as relayed when its target received it);
//     bounded by --messages and --duration. The server's CPU time
//     (/proc/<pid>/stat utime+stime) is read before and after:
//     relayed messages per CPU-second = relayed / server CPU seconds.
//
//   node bench/meeting_signaling.mjs [--meetings 50] [--participants 4]
//        [--duration 10] [--messages 200000] [--window 4] [--json out.json]
// Environment: PARLEY_BUILDDIR (default ./build).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..');
process.env.PARLEY_BUILDDIR ||= path.join(top, 'build');
const require = createRequire(path.join(top, 'tests', 'e2e', 'package.json'));
const { io } = require('socket.io-client');
const { startServer } = await import('../tests/e2e/lib/server.mjs');

const opts = { meetings: 50, participants: 4, duration: 10, messages: 200000, window: 4, json: null };
const numeric = new Set(['meetings', 'participants', 'duration', 'messages', 'window']);
for (let i = 2; i < process.argv.length; i += 2) {
	const key = process.argv[i].replace(/^--/, '');
	if (!(key in opts) || process.argv[i + 1] === undefined) {
		console.error(`unknown option ${process.argv[i]}`);
		process.exit(2);
	}
	opts[key] = numeric.has(key) ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
const bounds = { meetings: [1, 500], participants: [2, 20], duration: [1, 600], messages: [1, 1e7], window: [1, 64] };
for (const [k, [lo, hi]] of Object.entries(bounds)) {
	if (!(opts[k] >= lo && opts[k] <= hi)) {
		console.error(`--${k} must be ${lo}..${hi}`);
		process.exit(2);
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS = 100; // USER_HZ

function cpuSeconds(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function percentile(sorted, p) {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function withTimeout(promise, ms, what) {
	let t;
	return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timeout`)), ms); })])
		.finally(() => clearTimeout(t));
}

const srv = await startServer({
	config: {
		parley: { general: { log_level: 3, event_loops: 0, session_timeout: 120 } },
		'parley.plugin.meeting': { general: { max_participants: 50 }, http: { rate_limit: 0 } },
	},
});
const base = `http://127.0.0.1:${srv.wsPort}`;
const sockets = [];
let exitCode = 0;
try {
	// ---- meetings and sockets ----
	const meetings = [];
	for (let m = 0; m < opts.meetings; m++) {
		const r = await fetch(`${base}/api/meetings/create`, {
			method: 'POST', headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ title: `bench ${m}`, hostId: `host-${m}`, settings: { maxParticipants: opts.participants } }),
			signal: AbortSignal.timeout(5000),
		});
		const body = await r.json();
		if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(body)}`);
		meetings.push({ roomId: body.meeting.roomId, members: [] });
	}
	const outstanding = new Map(); // sender userId → unanswered messages
	const wake = new Map();        // sender userId → resolves its wait for a free slot
	let relayed = 0;
	for (const meeting of meetings) {
		for (let p = 0; p < opts.participants; p++) {
			const userId = `${meeting.roomId}-u${p}`;
			const socket = io(base, { transports: ['websocket'], reconnection: false, forceNew: true });
			sockets.push(socket);
			const member = { socket, userId, meeting };
			const onRelay = (data) => {
				relayed++;
				outstanding.set(data.fromUserId, Math.max(0, (outstanding.get(data.fromUserId) ?? 1) - 1));
				wake.get(data.fromUserId)?.();
			};
			socket.on('webrtc-offer', onRelay);
			socket.on('ice-candidate', onRelay);
			meeting.members.push(member);
			await withTimeout(new Promise((res, rej) => { socket.once('connect', res); socket.once('connect_error', rej); }),
				5000, `connect ${userId}`);
		}
	}

	// ---- 1. join latency ----
	const joinTimes = [];
	const joinStart = performance.now();
	await withTimeout(Promise.all(meetings.map(async (meeting) => {
		for (const member of meeting.members) {
			const t0 = performance.now();
			const joined = new Promise((res) => member.socket.once('joined-meeting', res));
			const error = new Promise((_, rej) => member.socket.once('meeting-error', (e) => rej(new Error(e.error))));
			member.socket.emit('join-meeting', { roomId: meeting.roomId, userId: member.userId, userName: member.userId });
			await Promise.race([joined, error]);
			joinTimes.push(performance.now() - t0);
		}
	})), 60000, 'joins');
	const joinWall = (performance.now() - joinStart) / 1000;
	joinTimes.sort((a, b) => a - b);
	await sleep(300); // participant-joined fan-out settles

	// ---- 2. relay throughput ----
	const deadline = Date.now() + opts.duration * 1000;
	let sent = 0;
	const cpu0 = cpuSeconds(srv.pid);
	const t0 = performance.now();
	const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
	await Promise.all(meetings.flatMap((meeting) => meeting.members.map(async (member, index) => {
		const others = meeting.members.filter((m) => m !== member);
		let turn = index;
		outstanding.set(member.userId, 0);
		while (Date.now() < deadline && sent < opts.messages) {
			if (outstanding.get(member.userId) >= opts.window) {
				await new Promise((res) => { wake.set(member.userId, res); setTimeout(res, 50); });
				continue;
			}
			const target = others[turn++ % others.length];
			outstanding.set(member.userId, outstanding.get(member.userId) + 1);
			sent++;
			if (turn % 2)
				member.socket.emit('webrtc-offer', { roomId: meeting.roomId, targetUserId: target.userId, offer: { type: 'offer', sdp } });
			else
				member.socket.emit('ice-candidate', { roomId: meeting.roomId, targetUserId: target.userId,
					candidate: { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${40000 + (turn % 1000)} typ host`, sdpMLineIndex: 0 } });
			if (sent % 64 === 0) await new Promise((r) => setImmediate(r));
		}
	})));
	const drainUntil = Date.now() + 3000;
	while (relayed < sent && Date.now() < drainUntil) await sleep(20);
	const wall = (performance.now() - t0) / 1000;
	const cpu = cpuSeconds(srv.pid) - cpu0;

	const result = {
		meetings: opts.meetings, participants: opts.participants, sockets: sockets.length,
		joins: joinTimes.length, join_p50_ms: +percentile(joinTimes, 50).toFixed(3),
		join_p99_ms: +percentile(joinTimes, 99).toFixed(3), join_wall_s: +joinWall.toFixed(3),
		sent, relayed, lost: sent - relayed, relay_wall_s: +wall.toFixed(3),
		relayed_per_s: Math.round(relayed / wall), server_cpu_s: +cpu.toFixed(2),
		relayed_per_cpu_s: cpu > 0 ? Math.round(relayed / cpu) : null,
		cpus: os.cpus().length, node: process.version,
	};
	console.log('| meetings × participants | joins | join p50 ms | join p99 ms | relayed | lost | relayed/s | server CPU s | relayed per CPU-s |');
	console.log('|---|---|---|---|---|---|---|---|---|');
	console.log(`| ${result.meetings} × ${result.participants} | ${result.joins} | ${result.join_p50_ms} | ${result.join_p99_ms} | ` +
		`${result.relayed} | ${result.lost} | ${result.relayed_per_s} | ${result.server_cpu_s} | ${result.relayed_per_cpu_s} |`);
	if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(result, null, 2));
	if (result.lost !== 0) exitCode = 1;
} catch (e) {
	console.error(`bench failed: ${e.message}`);
	console.error(srv.log().slice(-3000));
	exitCode = 1;
} finally {
	for (const s of sockets) s.disconnect();
	await srv.stop();
	srv.cleanup();
}
process.exit(exitCode);
