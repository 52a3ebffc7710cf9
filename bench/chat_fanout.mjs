#!/usr/bin/env node
// bench/chat_fanout.mjs — messages per second through one chat room of N
// participants (default 50) and the fan-out latency, on loopback.
//
// parleyd is started here (tests/e2e/lib/server.mjs, free loopback ports)
// with parley.plugin.chat's sample room 1234 keeping 1000 messages of
// history (so every message also goes to the SQLite writer) and no rate
// limit. N clients, each its own WebSocket (janus-protocol), attach to
// parley.plugin.chat and join the room over the Janus API; each message
// reaches all N (the sender too) as a Janus event. Two phases:
//   one   one participant sends, --window messages in flight;
//   all   every participant sends, one message in flight each.
// A phase stops at --messages messages or --duration seconds, whichever
// comes first, then waits (at most 15 s) for the last deliveries. Latency
// is from the send to each participant's receipt of the event (one
// process, one clock); "answer" is the send to the request's synchronous
// answer. The server's CPU (utime+stime of /proc/<pid>/stat) over the
// phase gives CPU per thousand deliveries; the client's own CPU is shown
// beside it (one node process parses every delivery: on a small machine
// it is the bound on deliveries per second).
//
//   node bench/chat_fanout.mjs [--participants 50] [--messages 3000]
//        [--duration 10] [--window 8] [--phases one,all] [--json out.json]
// Environment: PARLEY_BUILDDIR (default ./build).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..');
process.env.PARLEY_BUILDDIR ||= path.join(top, 'build');
const require = createRequire(path.join(top, 'tests', 'e2e', 'package.json'));
const WebSocket = require('ws');
const { startServer } = await import('../tests/e2e/lib/server.mjs');

const opts = { participants: 50, messages: 3000, duration: 10, window: 8, phases: ['one', 'all'], json: null };
for (let i = 2; i < process.argv.length; i++) {
	const [k, v] = [process.argv[i], process.argv[i + 1]];
	if (k === '--participants') { opts.participants = Number(v); i++; }
	else if (k === '--messages') { opts.messages = Number(v); i++; }
	else if (k === '--duration') { opts.duration = Number(v); i++; }
	else if (k === '--window') { opts.window = Number(v); i++; }
	else if (k === '--phases') { opts.phases = v.split(','); i++; }
	else if (k === '--json') { opts.json = v; i++; }
	else { console.error(`unknown option ${k}`); process.exit(2); }
}
if (!(opts.participants >= 2 && opts.participants <= 500) || !(opts.messages >= 1 && opts.messages <= 100000) ||
    !(opts.duration > 0 && opts.duration <= 300) || !(opts.window >= 1 && opts.window <= 256) ||
    opts.phases.some((p) => p !== 'one' && p !== 'all')) {
	console.error('--participants 2..500, --messages 1..100000, --duration 1..300 s, --window 1..256, --phases one,all');
	process.exit(2);
}

const ROOM = 1234;
const TICKS = 100; // USER_HZ
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function percentile(sorted, p) {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One participant: a WebSocket, a session, a chat handle in the room. */
class Participant {
	constructor(url, index, sink) {
		this.index = index;
		this.sink = sink; // (latencyMs) per delivery
		this.ws = new WebSocket(url, 'janus-protocol', { perMessageDeflate: false });
		this.pending = new Map();
		this.seq = 0;
		this.ws.on('message', (data) => {
			const m = JSON.parse(data);
			if (m.janus === 'event') {
				const text = m.plugindata?.data?.textroom === 'message' ? m.plugindata.data.text : null;
				const sent = text?.startsWith('b:') ? Number(text.slice(text.lastIndexOf(':') + 1)) : NaN;
				if (Number.isFinite(sent)) this.sink(performance.now() - sent);
				return;
			}
			const p = m.transaction && this.pending.get(m.transaction);
			if (!p) return;
			this.pending.delete(m.transaction);
			if (m.janus === 'error') p.reject(new Error(`${m.error.code} ${m.error.reason}`));
			else p.resolve(m);
		});
	}

	async open() {
		await new Promise((resolve, reject) => { this.ws.once('open', resolve); this.ws.once('error', reject); });
		this.session = (await this.request({ janus: 'create' })).data.id;
		this.handle = (await this.request({ janus: 'attach', session_id: this.session, plugin: 'parley.plugin.chat' })).data.id;
		const r = await this.message({ request: 'join', room: ROOM, username: `p${this.index}`, history: false });
		if (r.plugindata?.data?.textroom !== 'success') throw new Error(`join refused: ${JSON.stringify(r.plugindata)}`);
	}

	request(msg) {
		const transaction = `t${++this.seq}`;
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => { this.pending.delete(transaction); reject(new Error(`no answer to ${msg.janus} in 10 s`)); }, 10000);
			this.pending.set(transaction, { resolve: (m) => { clearTimeout(t); resolve(m); }, reject: (e) => { clearTimeout(t); reject(e); } });
			this.ws.send(JSON.stringify({ ...msg, transaction }));
		});
	}

	message(body) {
		return this.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
	}

	/** One chat message; resolves with the answer's latency (ms). */
	async say(n) {
		const t = performance.now();
		const r = await this.message({ request: 'message', room: ROOM, text: `b:${this.index}:${n}:${t}` });
		if (r.plugindata?.data?.textroom !== 'success') throw new Error(`message refused: ${JSON.stringify(r.plugindata)}`);
		return performance.now() - t;
	}

	async close() {
		await this.request({ janus: 'destroy', session_id: this.session }).catch(() => {});
		this.ws.close();
	}
}

async function runPhase(name, clients, pid, counters) {
	counters.lat = [];
	const answers = [];
	let sent = 0, errors = 0;
	const deadline = performance.now() + opts.duration * 1000;
	const cpu0 = cpuSeconds(pid);
	const client0 = process.cpuUsage();
	const t0 = performance.now();
	const more = () => sent < opts.messages && performance.now() < deadline;
	const sender = async (c) => {
		while (more()) {
			const n = sent++;
			try { answers.push(await c.say(n)); } catch { errors++; }
		}
	};
	const workers = name === 'one' ? Array.from({ length: opts.window }, () => sender(clients[0])) : clients.map(sender);
	await Promise.all(workers);
	const sendSeconds = (performance.now() - t0) / 1000;
	const expected = answers.length * clients.length;
	const waitUntil = performance.now() + 15000;
	while (counters.lat.length < expected && performance.now() < waitUntil) await sleep(20);
	const seconds = (performance.now() - t0) / 1000;
	const cpu = cpuSeconds(pid) - cpu0;
	const clientUsage = process.cpuUsage(client0);
	const lat = counters.lat.slice().sort((a, b) => a - b);
	answers.sort((a, b) => a - b);
	return {
		phase: name, participants: clients.length, senders: name === 'one' ? 1 : clients.length,
		messages: answers.length, errors, deliveries: lat.length, missing: expected - lat.length,
		messages_per_s: +(answers.length / sendSeconds).toFixed(1),
		deliveries_per_s: +(lat.length / seconds).toFixed(0),
		p50_ms: +percentile(lat, 50).toFixed(2), p99_ms: +percentile(lat, 99).toFixed(2),
		answer_p50_ms: +percentile(answers, 50).toFixed(2), answer_p99_ms: +percentile(answers, 99).toFixed(2),
		server_cpu_s: +cpu.toFixed(2), client_cpu_s: +((clientUsage.user + clientUsage.system) / 1e6).toFixed(2),
		seconds: +seconds.toFixed(2), cpu_ms_per_1000_deliveries: lat.length ? +((cpu * 1e6) / lat.length).toFixed(1) : null,
	};
}

const srv = await startServer({
	config: {
		parley: { general: { event_loops: 0 } },
		'parley.plugin.chat': { 'room-1234': { history: 1000 }, limits: { message_rate: 0, max_participants: 1000 } },
	},
});
const results = [];
const counters = { lat: [] };
const clients = [];
try {
	for (let i = 0; i < opts.participants; i++) {
		const c = new Participant(srv.wsUrl, i, (ms) => counters.lat.push(ms));
		await c.open();
		clients.push(c);
	}
	// warm-up, not measured
	for (let i = 0; i < 20; i++) await clients[i % clients.length].say(-1);
	await sleep(500);
	for (const name of opts.phases) results.push(await runPhase(name, clients, srv.pid, counters));
} finally {
	for (const c of clients) await c.close();
	await srv.stop();
	srv.cleanup?.();
}

console.log(`chat fan-out: ${opts.participants} participants in one room over the Janus API (WebSocket), ` +
	`history kept (1000), ${opts.messages} messages or ${opts.duration} s per phase`);
console.log('| phase | senders | messages | messages/s | deliveries/s | delivery p50 ms | delivery p99 ms | answer p50 ms | answer p99 ms | missing | seconds | server CPU s | client CPU s | server CPU ms per 1000 deliveries |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results)
	console.log(`| ${r.phase} | ${r.senders} | ${r.messages} | ${r.messages_per_s} | ${r.deliveries_per_s} | ${r.p50_ms} | ${r.p99_ms} | ` +
		`${r.answer_p50_ms} | ${r.answer_p99_ms} | ${r.missing} | ${r.seconds} | ${r.server_cpu_s} | ${r.client_cpu_s} | ` +
		`${r.cpu_ms_per_1000_deliveries} |`);
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ opts, results }, null, 1));
const bad = results.some((r) => r.errors > 0 || r.missing > 0);
process.exit(bad ? 1 : 0);
