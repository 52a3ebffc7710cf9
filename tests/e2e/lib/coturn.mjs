// tests/e2e/lib/coturn.mjs — a coturn TURN server of its own for the relay
// tests, and a small STUN/TURN client to probe it.
//
// CoturnServer starts /usr/bin/turnserver with command-line flags only (-n:
// no /etc/turnserver.conf) on a free 127.0.0.1 port, relaying from 127.0.0.1
// on a free UDP port range, with coturn's TURN REST authentication
// (use-auth-secret + static-auth-secret) and everything else it could open
// (TLS, DTLS, CLI, RFC 5780 alternate port) turned off. Its pid file, SQLite
// user database and log live in a temporary folder. start() waits (bounded)
// until it answers a STUN Binding request; stop() sends SIGTERM, then SIGKILL
// after a bound; log() returns what it wrote, for failure messages.
//
// The client side: turnRestCredentials() computes coturn's REST credentials
// (username "<expiry>:<user>", password base64(HMAC-SHA1(secret, username))),
// and turnAllocate() runs a long-term-credential Allocate (RFC 5766) over UDP
// and releases the allocation again, so a test can see coturn accept or
// refuse a pair of credentials without a browser.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TURNSERVER = process.env.PARLEY_TURNSERVER || '/usr/bin/turnserver';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ---- STUN messages (RFC 5389) ---- */

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004 };
const CLASS_BITS = { request: 0x0000, success: 0x0100, error: 0x0110 };
const ATTR = {
	USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d,
	REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019,
	XOR_MAPPED_ADDRESS: 0x0020,
};

function attribute(type, value) {
	const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
	padded.writeUInt16BE(type, 0);
	padded.writeUInt16BE(value.length, 2);
	value.copy(padded, 4);
	return padded;
}

/** Encodes one request; when `key` is given, a MESSAGE-INTEGRITY closes it. */
function encodeRequest(method, tid, attrs, key = null) {
	const body = Buffer.concat(attrs.map(([t, v]) => attribute(t, v)));
	const header = Buffer.alloc(20);
	header.writeUInt16BE(method | CLASS_BITS.request, 0);
	header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
	header.writeUInt32BE(MAGIC_COOKIE, 4);
	tid.copy(header, 8);
	const msg = Buffer.concat([header, body]);
	if (!key) return msg;
	const mac = crypto.createHmac('sha1', key).update(msg).digest();
	return Buffer.concat([msg, attribute(ATTR.MESSAGE_INTEGRITY, mac)]);
}

/** Decodes a STUN message: {type, tid, attrs: Map(type → Buffer)} or null. */
function decode(buf) {
	if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC_COOKIE) return null;
	const length = buf.readUInt16BE(2);
	if (buf.length < 20 + length) return null;
	const attrs = new Map();
	for (let at = 20; at + 4 <= 20 + length;) {
		const type = buf.readUInt16BE(at), len = buf.readUInt16BE(at + 2);
		if (at + 4 + len > buf.length) return null;
		if (!attrs.has(type)) attrs.set(type, buf.subarray(at + 4, at + 4 + len));
		at += 4 + Math.ceil(len / 4) * 4;
	}
	return { type: buf.readUInt16BE(0), tid: buf.subarray(8, 20), attrs };
}

function xorAddress(value) {
	const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
	const ip = [4, 5, 6, 7].map((i) => value[i] ^ ((MAGIC_COOKIE >>> (8 * (7 - i))) & 0xff)).join('.');
	return { ip, port };
}

function errorOf(msg) {
	const v = msg.attrs.get(ATTR.ERROR_CODE);
	if (!v || v.length < 4) return { code: 0, reason: '(no ERROR-CODE)' };
	return { code: (v[2] & 0x7) * 100 + v[3], reason: v.subarray(4).toString('utf8') };
}

/** Sends `build(tid)` to 127.0.0.1:port over `sock` and resolves with the
 * decoded answer of that transaction; resends every 250 ms, gives up after
 * timeoutMs. */
function transaction(sock, port, build, timeoutMs) {
	const tid = crypto.randomBytes(12);
	const msg = build(tid);
	return new Promise((resolve, reject) => {
		const onMessage = (buf) => {
			const answer = decode(buf);
			if (answer && answer.tid.equals(tid)) { done(); resolve(answer); }
		};
		const resend = setInterval(() => sock.send(msg, port, '127.0.0.1'), 250);
		const timer = setTimeout(() => {
			done();
			reject(new Error(`no STUN answer from 127.0.0.1:${port} within ${timeoutMs} ms`));
		}, timeoutMs);
		const done = () => { clearInterval(resend); clearTimeout(timer); sock.off('message', onMessage); };
		sock.on('message', onMessage);
		sock.send(msg, port, '127.0.0.1');
	});
}

async function withSocket(fn) {
	const sock = dgram.createSocket('udp4');
	await new Promise((resolve, reject) => {
		sock.once('error', reject);
		sock.bind(0, '127.0.0.1', resolve);
	});
	try { return await fn(sock); } finally { sock.close(); }
}

/** STUN Binding to 127.0.0.1:port: resolves with the mapped address. */
export function stunBinding(port, timeoutMs = 1000) {
	return withSocket(async (sock) => {
		const answer = await transaction(sock, port, (tid) => encodeRequest(METHOD.binding, tid, []), timeoutMs);
		const mapped = answer.attrs.get(ATTR.XOR_MAPPED_ADDRESS);
		if (answer.type !== (METHOD.binding | CLASS_BITS.success) || !mapped) {
			throw new Error(`STUN Binding answered type 0x${answer.type.toString(16)}`);
		}
		return xorAddress(mapped);
	});
}

/** coturn's TURN REST credentials for `user`, valid until `expiry` (unix seconds). */
export function turnRestCredentials(secret, user, expiry = Math.floor(Date.now() / 1000) + 3600) {
	const username = user ? `${expiry}:${user}` : String(expiry);
	const credential = crypto.createHmac('sha1', secret).update(username).digest('base64');
	return { username, credential };
}

/** A TURN Allocate (UDP relay) with long-term credentials: first the
 * unauthenticated request (401 with REALM and NONCE), then the signed one.
 * Resolves with {ok: true, relayed: {ip, port}, lifetime} — the allocation
 * is released right away (Refresh with LIFETIME 0) — or {ok: false, code,
 * reason} when coturn refuses the credentials. */
export function turnAllocate(port, { username, credential }, timeoutMs = 3000) {
	return withSocket(async (sock) => {
		const transport = Buffer.from([17, 0, 0, 0]); // UDP
		const first = await transaction(sock, port, (tid) => encodeRequest(METHOD.allocate, tid,
			[[ATTR.REQUESTED_TRANSPORT, transport]]), timeoutMs);
		const challenge = errorOf(first);
		const realm = first.attrs.get(ATTR.REALM), nonce = first.attrs.get(ATTR.NONCE);
		if (first.type !== (METHOD.allocate | CLASS_BITS.error) || challenge.code !== 401 || !realm || !nonce) {
			throw new Error(`unauthenticated Allocate: expected a 401 challenge with REALM and NONCE, got ` +
				`type 0x${first.type.toString(16)} ${challenge.code} ${challenge.reason}`);
		}
		const key = crypto.createHash('md5').update(`${username}:${realm.toString('utf8')}:${credential}`).digest();
		const signed = (method, extra) => (tid) => encodeRequest(method, tid, [...extra,
			[ATTR.USERNAME, Buffer.from(username, 'utf8')], [ATTR.REALM, realm], [ATTR.NONCE, nonce]], key);
		const answer = await transaction(sock, port, signed(METHOD.allocate, [[ATTR.REQUESTED_TRANSPORT, transport]]), timeoutMs);
		if (answer.type !== (METHOD.allocate | CLASS_BITS.success)) return { ok: false, ...errorOf(answer) };
		const relayedAttr = answer.attrs.get(ATTR.XOR_RELAYED_ADDRESS);
		if (!relayedAttr) throw new Error('Allocate succeeded without XOR-RELAYED-ADDRESS');
		const lifetime = answer.attrs.get(ATTR.LIFETIME)?.readUInt32BE(0) ?? null;
		const release = await transaction(sock, port, signed(METHOD.refresh, [[ATTR.LIFETIME, Buffer.alloc(4)]]), timeoutMs);
		if (release.type !== (METHOD.refresh | CLASS_BITS.success)) {
			throw new Error(`releasing the allocation: ${JSON.stringify(errorOf(release))}`);
		}
		return { ok: true, relayed: xorAddress(relayedAttr), lifetime };
	});
}

/* ---- free ports ---- */

function canBind(kind, port) {
	return new Promise((resolve) => {
		if (kind === 'tcp') {
			const srv = net.createServer();
			srv.once('error', () => resolve(false));
			srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
		} else {
			const sock = dgram.createSocket('udp4');
			sock.once('error', () => { sock.close(); resolve(false); });
			sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
		}
	});
}

/** A base port such that [base, base + count) is free on 127.0.0.1 for UDP
 * (and TCP when `tcp`), away from `avoid`; bounded attempts. */
async function freeRange(count, { tcp = false, avoid = [] } = {}) {
	for (let attempt = 0; attempt < 40; attempt++) {
		const base = 20000 + crypto.randomInt(0, 30000);
		if (avoid.some(([lo, hi]) => base <= hi && base + count - 1 >= lo)) continue;
		let free = true;
		for (let p = base; p < base + count && free; p++) {
			free = await canBind('udp', p) && (!tcp || await canBind('tcp', p));
		}
		if (free) return base;
	}
	throw new Error(`no free range of ${count} port(s) on 127.0.0.1 after 40 attempts`);
}

/* ---- the server ---- */

export class CoturnServer {
	/** opts: {secret, realm, relayPorts (count, default 64), userQuota, totalQuota, extraArgs} */
	constructor(opts = {}) {
		this.secret = opts.secret || crypto.randomBytes(16).toString('hex');
		this.realm = opts.realm || 'parley.test';
		this.relayPorts = opts.relayPorts || 64;
		this.opts = opts;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-coturn-'));
		this.logPath = path.join(this.dir, 'turnserver.log');
		this.proc = null;
		this.exit = null;
	}

	get url() { return `turn:127.0.0.1:${this.port}`; }

	args() {
		return ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${this.port}`,
			`--min-port=${this.minPort}`, `--max-port=${this.maxPort}`, '--allow-loopback-peers',
			'--no-tls', '--no-dtls', '--no-cli', '--no-rfc5780',
			'--use-auth-secret', `--static-auth-secret=${this.secret}`, `--realm=${this.realm}`,
			`--user-quota=${this.opts.userQuota ?? 20}`, `--total-quota=${this.opts.totalQuota ?? 100}`,
			'--log-file=stdout', '--simple-log', '--verbose',
			`--pidfile=${path.join(this.dir, 'turnserver.pid')}`, `--userdb=${path.join(this.dir, 'turndb')}`,
			...(this.opts.extraArgs || [])];
	}

	async start(timeoutMs = 10000) {
		if (!fs.existsSync(TURNSERVER)) {
			throw new Error(`coturn is not installed: ${TURNSERVER} does not exist (apt-get install coturn)`);
		}
		this.port = await freeRange(1, { tcp: true });
		this.minPort = await freeRange(this.relayPorts, { avoid: [[this.port, this.port]] });
		this.maxPort = this.minPort + this.relayPorts - 1;
		const out = fs.openSync(this.logPath, 'a');
		this.proc = spawn(TURNSERVER, this.args(), { cwd: this.dir, stdio: ['ignore', out, out] });
		fs.closeSync(out);
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => { this.exit = { code, signal }; resolve(this.exit); });
			this.proc.on('error', (error) => { this.exit = { code: null, signal: null, error: error.message }; resolve(this.exit); });
		});
		const deadline = Date.now() + timeoutMs;
		let last = '';
		while (Date.now() < deadline) {
			if (this.exit) {
				throw new Error(`turnserver exited during start-up (${JSON.stringify(this.exit)}); log:\n${this.logTail()}`);
			}
			try {
				await stunBinding(this.port, 300);
				return this;
			} catch (e) {
				last = e.message;
			}
			await sleep(100);
		}
		const log = this.logTail();
		await this.stop();
		throw new Error(`turnserver did not answer STUN on 127.0.0.1:${this.port} within ${timeoutMs} ms ` +
			`(last: ${last}); log:\n${log}`);
	}

	log() {
		try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
	}

	logTail(n = 4000) {
		const text = this.log();
		return text.length > n ? '…' + text.slice(-n) : text;
	}

	/** Log lines saying an allocation for `username` succeeded. */
	allocationsFor(username) {
		return this.log().split('\n').filter((l) => l.includes(`user <${username}>`) &&
			/ALLOCATE processed, success/.test(l));
	}

	alive() { return this.proc && !this.exit; }

	/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
	async stop(graceMs = 3000) {
		if (!this.proc) return null;
		if (this.alive()) {
			const pid = this.proc.pid;
			try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
			const t = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
			await this.exited;
			clearTimeout(t);
		}
		return this.exit;
	}

	/** Removes the temporary folder (kept when PARLEY_E2E_KEEP is set). */
	cleanup() {
		if (!process.env.PARLEY_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

export async function startCoturn(opts) {
	const server = new CoturnServer(opts);
	try {
		return await server.start();
	} catch (err) {
		server.cleanup();
		throw err;
	}
}
