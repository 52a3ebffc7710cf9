// tests/e2e/lib/redis.mjs — a redis-server of its own for the Redis tests,
// and a small RESP client over net.Socket.
//
// RedisServer starts `redis-server` on a free 127.0.0.1 port with no
// persistence (--save '' --appendonly no), waits until it answers PING,
// stops it by PID (SIGTERM, SIGKILL after a bound) and can start again on
// the same port. RespClient sends commands (arrays of bulk strings) and
// resolves each with its parsed reply, in order; every wait is bounded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, STAGE } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class RespError extends Error {}

/** Parses one RESP value from buf at offset: [value, next] or null when incomplete. */
function parseResp(buf, at) {
	const eol = buf.indexOf('\r\n', at);
	if (eol < 0) return null;
	const type = String.fromCharCode(buf[at]);
	const line = buf.toString('utf8', at + 1, eol);
	const next = eol + 2;
	switch (type) {
	case '+': return [line, next];
	case '-': return [new RespError(line), next];
	case ':': return [Number(line), next];
	case '$': {
		const n = Number(line);
		if (n < 0) return [null, next];
		if (buf.length < next + n + 2) return null;
		return [buf.toString('utf8', next, next + n), next + n + 2];
	}
	case '*': {
		const n = Number(line);
		if (n < 0) return [null, next];
		const out = [];
		let pos = next;
		for (let i = 0; i < n; i++) {
			const item = parseResp(buf, pos);
			if (!item) return null;
			out.push(item[0]);
			pos = item[1];
		}
		return [out, pos];
	}
	default:
		throw new Error(`bad RESP type byte ${JSON.stringify(type)}`);
	}
}

export class RespClient {
	constructor(port) {
		this.port = port;
		this.waiting = [];
		this.buf = Buffer.alloc(0);
	}

	connect(timeoutMs = 3000) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('Redis connect timeout')), timeoutMs);
			this.sock = net.connect(this.port, '127.0.0.1', () => { clearTimeout(timer); resolve(this); });
			this.sock.on('error', (e) => {
				clearTimeout(timer);
				reject(e);
				for (const w of this.waiting.splice(0)) w.reject(e);
			});
			this.sock.on('close', () => {
				for (const w of this.waiting.splice(0)) w.reject(new Error('Redis connection closed'));
			});
			this.sock.on('data', (d) => this.onData(d));
		});
	}

	onData(data) {
		this.buf = Buffer.concat([this.buf, data]);
		for (;;) {
			const parsed = parseResp(this.buf, 0);
			if (!parsed) break;
			this.buf = this.buf.subarray(parsed[1]);
			const w = this.waiting.shift();
			if (!w) continue;
			if (parsed[0] instanceof RespError) w.reject(parsed[0]);
			else w.resolve(parsed[0]);
		}
	}

	/** One command; resolves with its reply (rejects on an error reply or after timeoutMs). */
	call(args, timeoutMs = 5000) {
		const parts = [`*${args.length}\r\n`];
		for (const a of args) {
			const s = String(a);
			parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
		}
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`Redis ${args[0]} timed out`)), timeoutMs);
			this.waiting.push({
				resolve: (v) => { clearTimeout(timer); resolve(v); },
				reject: (e) => { clearTimeout(timer); reject(e); },
			});
			this.sock.write(parts.join(''));
		});
	}

	close() { this.sock?.destroy(); }
}

/** Messages of reply stream `stream` as parsed JSON, after id `from` ('-' = all). */
export async function readReplies(client, stream, from = '-') {
	const start = from === '-' ? '-' : `(${from}`;
	const entries = await client.call(['XRANGE', stream, start, '+']);
	return entries.map(([id, fields]) => {
		const i = fields.indexOf('message');
		return { id, message: JSON.parse(fields[i + 1]) };
	});
}

/** Waits (polling, bounded by timeoutMs) until `stream` holds a message
 * matching `match`; resolves with that message. */
export async function waitReply(client, stream, match, timeoutMs = 5000, what = 'a reply') {
	const deadline = Date.now() + timeoutMs;
	let seen = [];
	while (Date.now() < deadline) {
		try {
			seen = await readReplies(client, stream);
			const hit = seen.find((r) => match(r.message));
			if (hit) return hit.message;
		} catch { /* Redis may be restarting */ }
		await sleep(25);
	}
	throw new Error(`no ${what} on ${stream} within ${timeoutMs} ms; stream held: ` +
		JSON.stringify(seen.map((r) => r.message)).slice(0, 2000));
}

export class RedisServer {
	constructor() {
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-redis-'));
		this.logPath = path.join(this.dir, 'redis.log');
		this.proc = null;
	}

	get url() { return `redis://127.0.0.1:${this.port}`; }

	async start(timeoutMs = 5000) {
		this.port ??= await freePort();
		const out = fs.openSync(this.logPath, 'a');
		this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1',
			'--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: ['ignore', out, out] });
		fs.closeSync(out);
		const proc = this.proc;
		this.exited = new Promise((resolve) => proc.on('exit', resolve));
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const c = new RespClient(this.port);
			try {
				await c.connect(500);
				if (await c.call(['PING'], 500) === 'PONG') { c.close(); return this; }
			} catch { /* not up yet */ }
			c.close();
			await sleep(50);
		}
		throw new Error(`redis-server did not answer PING on port ${this.port} within ${timeoutMs} ms:\n` +
			fs.readFileSync(this.logPath, 'utf8').slice(-2000));
	}

	async stop(graceMs = 3000) {
		const proc = this.proc;
		if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
		try { process.kill(proc.pid, 'SIGTERM'); } catch { /* gone */ }
		const t = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
		await this.exited;
		clearTimeout(t);
	}

	async client() { return new RespClient(this.port).connect(); }

	cleanup() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}

/** Transport files other than http, websocket and redis (kept disabled in tests). */
export function transportsBesidesRedis() {
	const dir = path.join(STAGE, 'lib', 'parley', 'transports');
	if (!fs.existsSync(dir)) return null;
	const others = fs.readdirSync(dir).filter((f) => f.endsWith('.so') && !/http|websocket|redis/.test(f));
	return others.length ? others.join(',') : null;
}

/** Config overrides for a parleyd using `redis` (extra keys merged into [general]). */
export function redisConfig(redis, general = {}) {
	return {
		parley: { transports: { disable: transportsBesidesRedis() } },
		'parley.transport.redis': {
			general: { url: redis.url, key_prefix: 'parley:', reconnect_max_ms: 500, claim_interval: 1,
				...general },
		},
	};
}
