#!/usr/bin/env node
// bench/signaling.mjs — signaling throughput and latency over WebSocket.
//
// One round = create → attach (echo plugin) → message (ack, then the plugin's
// event) → detach → destroy: five requests, each timed from send to its
// answer (for message: to the event). Runs with 1 and with 50 concurrent
// clients (each its own WebSocket, rounds back to back), every phase bounded
// by a round count and a duration. Reads the server's CPU time
// (/proc/<pid>/stat utime+stime) before and after each phase and reports
// requests per CPU-second. Runs the same against Debian's janus 1.1.2
// (bench/janus/ config: loopback, echotest + websockets only) and prints the
// ratio. Both servers are started here and stopped by PID.
//
//   node bench/signaling.mjs [--target parley|janus|both] [--duration 10]
//        [--rounds 20000] [--clients 1,50] [--json out.json]
// Environment: PARLEY_BUILDDIR (default ./build), JANUS_BIN (/usr/bin/janus).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..');
process.env.PARLEY_BUILDDIR ||= path.join(top, 'build');
const require = createRequire(path.join(top, 'tests', 'e2e', 'package.json'));
const WebSocket = require('ws');
const { startServer, freePort } = await import('../tests/e2e/lib/server.mjs');

// ---- options ----
const opts = { target: 'both', duration: 10, rounds: 20000, clients: [1, 50], json: null };
for (let i = 2; i < process.argv.length; i++) {
	const [k, v] = [process.argv[i], process.argv[i + 1]];
	if (k === '--target') { opts.target = v; i++; }
	else if (k === '--duration') { opts.duration = Number(v); i++; }
	else if (k === '--rounds') { opts.rounds = Number(v); i++; }
	else if (k === '--clients') { opts.clients = v.split(',').map(Number); i++; }
	else if (k === '--json') { opts.json = v; i++; }
	else { console.error(`unknown option ${k}`); process.exit(2); }
}
if (!(opts.duration > 0 && opts.duration <= 600) || !(opts.rounds > 0 && opts.rounds <= 1e6)) {
	console.error('--duration must be 1..600 s and --rounds 1..1000000');
	process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS = 100; // USER_HZ (clock ticks per second in /proc/<pid>/stat)

/** utime+stime of a process in seconds. */
function cpuSeconds(pid) {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / TICKS; // fields 14 and 15 of the whole line
}

// ---- a lean Janus WebSocket client ----
class Client {
	constructor(url) {
		this.ws = new WebSocket(url, 'janus-protocol', { perMessageDeflate: false });
		this.pending = new Map(); // transaction → {resolve, reject, wantEvent}
		this.seq = 0;
		this.ws.on('message', (data) => {
			const m = JSON.parse(data);
			const p = m.transaction && this.pending.get(m.transaction);
			if (!p) return; // detached events and the like
			if (m.janus === 'ack' && p.wantEvent) return;
			this.pending.delete(m.transaction);
			if (m.janus === 'error') p.reject(new Error(`${m.error.code} ${m.error.reason}`));
			else p.resolve(m);
		});
		this.ws.on('close', () => {
			for (const p of this.pending.values()) p.reject(new Error('socket closed'));
			this.pending.clear();
		});
	}

	open() {
		return new Promise((resolve, reject) => {
			this.ws.once('open', resolve);
			this.ws.once('error', reject);
		});
	}

	request(msg, wantEvent = false) {
		const transaction = `t${++this.seq}`;
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => {
				this.pending.delete(transaction);
				reject(new Error(`no answer to ${msg.janus} within 5 s`));
			}, 5000);
			this.pending.set(transaction, {
				wantEvent,
				resolve: (m) => { clearTimeout(t); resolve(m); },
				reject: (e) => { clearTimeout(t); reject(e); },
			});
			this.ws.send(JSON.stringify({ ...msg, transaction }));
		});
	}

	close() { this.ws.close(); }
}

/** One round; pushes the five latencies (ms) into `lat`. */
async function round(c, plugin, lat) {
	let t = performance.now();
	const timed = async (msg, wantEvent) => {
		const r = await c.request(msg, wantEvent);
		const now = performance.now();
		lat.push(now - t);
		t = now;
		return r;
	};
	const s = (await timed({ janus: 'create' })).data.id;
	const h = (await timed({ janus: 'attach', session_id: s, plugin })).data.id;
	await timed({ janus: 'message', session_id: s, handle_id: h, body: { audio: true, video: true } }, true);
	await timed({ janus: 'detach', session_id: s, handle_id: h });
	await timed({ janus: 'destroy', session_id: s });
}

function percentile(sorted, p) {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One phase: `n` clients doing rounds until the round budget or the time runs out. */
async function phase(url, pid, plugin, n) {
	const clients = [];
	for (let i = 0; i < n; i++) {
		const c = new Client(url);
		await c.open();
		clients.push(c);
	}
	// Warm-up: a few rounds per client, not measured.
	await Promise.all(clients.map(async (c) => { for (let i = 0; i < 3; i++) await round(c, plugin, []); }));
	const lat = [];
	let rounds = 0, done = 0, errors = 0;
	const deadline = performance.now() + opts.duration * 1000;
	const cpu0 = cpuSeconds(pid);
	const t0 = performance.now();
	await Promise.all(clients.map(async (c) => {
		while (rounds < opts.rounds && performance.now() < deadline) {
			rounds++;
			try { await round(c, plugin, lat); done++; } catch (e) { errors++; if (errors > 100) throw e; }
		}
	}));
	const wall = (performance.now() - t0) / 1000;
	const cpu = cpuSeconds(pid) - cpu0;
	for (const c of clients) c.close();
	lat.sort((a, b) => a - b);
	const requests = lat.length;
	return {
		clients: n, rounds: done, requests, errors, wall_s: +wall.toFixed(3), cpu_s: +cpu.toFixed(3),
		rounds_per_s: +(done / wall).toFixed(1),
		requests_per_s: +(requests / wall).toFixed(1),
		p50_ms: +percentile(lat, 50).toFixed(3),
		p99_ms: +percentile(lat, 99).toFixed(3),
		requests_per_cpu_s: cpu > 0 ? Math.round(requests / cpu) : null,
	};
}

// ---- servers ----
async function withParley(fn) {
	const srv = await startServer({ config: { parley: { general: { log_level: 3, event_loops: 0 } } } });
	try {
		return await fn(srv.wsUrl, srv.pid, 'parley.plugin.echo');
	} finally {
		await srv.stop();
		srv.cleanup();
	}
}

async function withJanus(fn) {
	const bin = process.env.JANUS_BIN || '/usr/bin/janus';
	if (!fs.existsSync(bin)) throw new Error(`${bin} not found: apt-get install -y janus`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-janus-'));
	const port = await freePort();
	for (const f of fs.readdirSync(path.join(here, 'janus'))) {
		let text = fs.readFileSync(path.join(here, 'janus', f), 'utf8');
		if (f === 'janus.transport.websockets.jcfg') text = text.replace(/ws_port = \d+/, `ws_port = ${port}`);
		fs.writeFileSync(path.join(dir, f), text);
	}
	const log = fs.openSync(path.join(dir, 'janus.log'), 'a');
	const proc = spawn(bin, ['-F', dir], { stdio: ['ignore', log, log] });
	fs.closeSync(log);
	let exited = false;
	const exitP = new Promise((r) => proc.on('exit', () => { exited = true; r(); }));
	const url = `ws://127.0.0.1:${port}`;
	try {
		const deadline = Date.now() + 15000;
		for (;;) {
			if (exited) throw new Error(`janus exited at start-up:\n${fs.readFileSync(path.join(dir, 'janus.log'), 'utf8').slice(-3000)}`);
			try {
				const c = new Client(url);
				await c.open();
				c.close();
				break;
			} catch {
				if (Date.now() > deadline) throw new Error('janus did not open its WebSocket port within 15 s');
				await sleep(200);
			}
		}
		return await fn(url, proc.pid, 'janus.plugin.echotest');
	} finally {
		proc.kill('SIGTERM');
		const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
		await exitP;
		clearTimeout(t);
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

async function runAll(label, withServer) {
	return withServer(async (url, pid, plugin) => {
		const out = [];
		for (const n of opts.clients) {
			const r = await phase(url, pid, plugin, n);
			console.error(`${label} clients=${n}: ${JSON.stringify(r)}`);
			out.push({ server: label, ...r });
		}
		return out;
	});
}

const results = [];
if (opts.target === 'parley' || opts.target === 'both') results.push(...await runAll('parley', withParley));
if (opts.target === 'janus' || opts.target === 'both') results.push(...await runAll('janus', withJanus));

const cpuModel = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || 'unknown';
console.log(`machine: ${os.cpus().length} CPUs (nproc), ${cpuModel}; node ${process.version}`);
console.log(`phase bound: ${opts.rounds} rounds or ${opts.duration} s; 1 round = create+attach+message(event)+detach+destroy\n`);
console.log('| server | clients | rounds/s | requests/s | p50 ms | p99 ms | server CPU s | requests per CPU-s | errors |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
	console.log(`| ${r.server} | ${r.clients} | ${r.rounds_per_s} | ${r.requests_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.cpu_s} | ${r.requests_per_cpu_s ?? 'n/a'} | ${r.errors} |`);
}
for (const n of opts.clients) {
	const p = results.find((r) => r.server === 'parley' && r.clients === n);
	const j = results.find((r) => r.server === 'janus' && r.clients === n);
	if (p && j && p.requests_per_cpu_s && j.requests_per_cpu_s) {
		console.log(`\nclients=${n}: parley/janus requests per CPU-second = ${(p.requests_per_cpu_s / j.requests_per_cpu_s).toFixed(2)}, ` +
			`requests/s = ${(p.requests_per_s / j.requests_per_s).toFixed(2)}, p50 ${p.p50_ms} vs ${j.p50_ms} ms`);
	}
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ opts, results }, null, 2));
