// tests/e2e/lib/server.mjs — starts and stops one parleyd for end-to-end tests.
//
// A test asks for a server with the configuration overrides it needs
// ({module: {section: {key: value}}}, value null removes a key). The helper
// picks free loopback ports, writes a configs folder (the installed sample
// files of $PARLEY_BUILDDIR/stage/etc/parley with the overrides applied),
// starts $PARLEY_BUILDDIR/stage/bin/parleyd --configs-folder <dir>, waits
// until both transports answer GET /health, and stops it by PID (SIGTERM,
// then SIGKILL after a bound). The process log goes to a file that
// `logSince()` returns so a failing test can print what the server said.
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BUILDDIR = process.env.PARLEY_BUILDDIR ||
	path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../build');
export const SRCDIR = process.env.PARLEY_SRCDIR ||
	path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const STAGE = path.join(BUILDDIR, 'stage');
export const PARLEYD = path.join(STAGE, 'bin', 'parleyd');
export const ADMIN_SECRET = 'e2e-admin-secret';

/** True when parleyd is an AddressSanitizer build or runs under
 * PARLEY_PARLEYD_WRAPPER (valgrind): server-side work then takes several
 * times as long, so a test that bounds how long parleyd takes to do
 * something (not how long a client waits) widens that bound. */
export const SLOW_PARLEYD = Boolean(process.env.PARLEY_PARLEYD_WRAPPER) ||
	/libasan/.test(spawnSync('ldd', [PARLEYD], { encoding: 'utf8' }).stdout || '');

// Environment variables that override configuration keys: never inherited
// from the caller's environment, so the generated files are what counts.
const OVERRIDING_ENV = ['PORT', 'HTTP_PORT', 'HTTPS_PORT', 'SSL_CERT_PATH', 'SSL_KEY_PATH',
	'CORS_ORIGINS', 'FRONTEND_URL', 'API_SECRET', 'ADMIN_SECRET', 'LOG_LEVEL', 'ANNOUNCED_IP',
	'MEDIASOUP_ANNOUNCED_IP', 'MEDIASOUP_ANNOUNCED_DOMAIN', 'MEDIASOUP_LISTEN_IP', 'RTC_MIN_PORT',
	'RTC_MAX_PORT', 'MEDIASOUP_MIN_PORT', 'MEDIASOUP_MAX_PORT', 'MEDIASOUP_NUM_WORKERS',
	'STUN_SERVERS', 'TURN_SERVER', 'TURN_USERNAME', 'TURN_PASSWORD', 'TURN_SECRET', 'MEETING_TTL',
	'MAX_PARTICIPANTS', 'SOCKET_PING_TIMEOUT', 'SFU_PORT', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'WEBHOOK_URL',
	'WEBHOOK_KEY', 'LOG_FORMAT'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close), never one
 * this process handed out before: the kernel may give the same port to two
 * binds in a row once the first is closed. */
const portsGiven = new Set();
function probePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}
/** Polls GET on every url until each has answered 200, `hasExited()` turns
 * true or `timeoutMs` passed: {ok, ready (a Set of urls), last (the latest
 * failure seen)}. */
export async function waitForHealth(urls, timeoutMs, hasExited = () => false) {
	const deadline = Date.now() + timeoutMs;
	const ready = new Set();
	let last = '';
	while (Date.now() < deadline && !hasExited()) {
		for (const u of urls) {
			if (ready.has(u)) continue;
			try {
				const r = await fetch(u, { signal: AbortSignal.timeout(1000) });
				await r.arrayBuffer();
				if (r.status === 200) ready.add(u);
				else last = `${u} answered ${r.status}`;
			} catch (e) {
				last = `${u}: ${e.cause?.code || e.message}`;
			}
		}
		if (ready.size === urls.length) return { ok: true, ready, last };
		await sleep(100);
	}
	return { ok: false, ready, last };
}

export async function freePort() {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = await probePort();
		if (!portsGiven.has(port)) {
			portsGiven.add(port);
			return port;
		}
	}
	throw new Error('no fresh free port on 127.0.0.1 after 50 attempts');
}

/** A free UDP port on every address (bind 0.0.0.0:0, read it, close), never
 * one handed out before (TCP or UDP). */
export async function freeUdpPort() {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = await new Promise((resolve, reject) => {
			const sock = dgram.createSocket('udp4');
			sock.on('error', reject);
			sock.bind(0, '0.0.0.0', () => {
				const { port: p } = sock.address();
				sock.close(() => resolve(p));
			});
		});
		if (!portsGiven.has(port)) {
			portsGiven.add(port);
			return port;
		}
	}
	throw new Error('no fresh free UDP port after 50 attempts');
}

/** PARLEY_E2E_ICE_LITE=1 (set by the *-lite-* test files before they import
 * their base file): every parleyd of the file runs its own ICE-lite
 * transport on a free UDP port; PARLEY_E2E_LITE_PORTS=1 too (the
 * *-lite-ports-* files): each event loop on an ephemeral port of its own
 * ([media] udp_port_per_loop), with two loops. A test's own [media] keys
 * still win. */
export const ICE_LITE = process.env.PARLEY_E2E_ICE_LITE === '1';
const LITE_PORTS = ICE_LITE && process.env.PARLEY_E2E_LITE_PORTS === '1';
async function iceLiteMedia() {
	if (LITE_PORTS)
		return { ice_lite: 'true', udp_port: '0', udp_port_per_loop: 'true' };
	return ICE_LITE ? { ice_lite: 'true', udp_port: await freeUdpPort() } : {};
}

/** Parses INI text into an ordered list of sections [{name, lines:[...]}]. */
function parseIni(text) {
	const sections = [{ name: null, lines: [] }];
	for (const line of text.split('\n')) {
		const m = line.match(/^\s*\[([^\]]+)\]\s*$/);
		if (m) sections.push({ name: m[1].trim(), lines: [] });
		else sections[sections.length - 1].lines.push(line);
	}
	return sections;
}

/** Sets (or removes, when value is null) key in section of parsed INI. */
function setIni(sections, section, key, value) {
	let sec = sections.find((s) => s.name === section);
	if (!sec) {
		sec = { name: section, lines: [] };
		sections.push(sec);
	}
	const re = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`);
	sec.lines = sec.lines.filter((l) => !re.test(l));
	if (value !== null && value !== undefined) {
		// Insert after the last non-blank line so the section stays tidy.
		let at = sec.lines.length;
		while (at > 0 && sec.lines[at - 1].trim() === '') at--;
		sec.lines.splice(at, 0, `${key} = ${value}`);
	}
}

function writeIni(sections) {
	return sections.map((s) => (s.name === null ? '' : `[${s.name}]\n`) + s.lines.join('\n'))
		.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/** Deep-merges override objects {module:{section:{key:value}}}. */
function mergeConfig(...parts) {
	const out = {};
	for (const part of parts) {
		for (const [mod, sections] of Object.entries(part || {})) {
			out[mod] ??= {};
			for (const [sec, keys] of Object.entries(sections)) {
				out[mod][sec] = { ...(out[mod][sec] || {}), ...keys };
			}
		}
	}
	return out;
}

/** Writes the configs folder: samples + overrides. Returns its path. */
export function writeConfigs(dir, overrides) {
	const samples = path.join(STAGE, 'etc', 'parley');
	fs.mkdirSync(dir, { recursive: true });
	const modules = new Set(Object.keys(overrides));
	if (fs.existsSync(samples)) {
		for (const f of fs.readdirSync(samples)) {
			if (f.endsWith('.conf')) modules.add(f.slice(0, -5));
		}
	}
	for (const mod of modules) {
		const sample = path.join(samples, `${mod}.conf`);
		// GKeyFile comments start with '#'; a sample that uses ';' does not
		// load (samples.test.mjs reports that). Normalised here so the rest
		// of the suite can test everything else.
		const text = fs.existsSync(sample) ? fs.readFileSync(sample, 'utf8') : '';
		const sections = parseIni(text.replace(/^(\s*);/gm, '$1#'));
		for (const [sec, keys] of Object.entries(overrides[mod] || {})) {
			for (const [k, v] of Object.entries(keys)) setIni(sections, sec, k, v);
		}
		fs.writeFileSync(path.join(dir, `${mod}.conf`), writeIni(sections));
	}
	return dir;
}

/** Transport module files other than http and websocket: disabled so a test
 * server needs no outside service (Redis ...). */
function otherTransports() {
	const dir = path.join(STAGE, 'lib', 'parley', 'transports');
	if (!fs.existsSync(dir)) return null;
	const others = fs.readdirSync(dir).filter((f) => f.endsWith('.so') && !/http|websocket/.test(f));
	return others.length ? others.join(',') : null;
}

export class ParleyServer {
	constructor(opts = {}) {
		this.opts = opts;
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-'));
		this.logPath = path.join(this.dir, 'parleyd.out');
		this.proc = null;
		this.exit = null; // {code, signal} once the process ended
	}

	get httpUrl() { return `http://127.0.0.1:${this.httpPort}`; }
	get wsUrl() { return `ws://127.0.0.1:${this.wsPort}`; }
	get pid() { return this.proc?.pid; }

	async start() {
		if (!fs.existsSync(PARLEYD)) {
			throw new Error(`parleyd is not built: ${PARLEYD} does not exist ` +
				'(build and `make install` into the stage prefix first)');
		}
		this.httpPort = this.opts.httpPort || await freePort();
		this.wsPort = this.opts.wsPort || await freePort();
		const lib = path.join(STAGE, 'lib', 'parley');
		const base = {
			parley: {
				general: {
					server_name: 'parley-e2e',
					log_level: 5,
					state_dir: path.join(this.dir, 'state'),
					plugins_folder: path.join(lib, 'plugins'),
					transports_folder: path.join(lib, 'transports'),
					handlers_folder: path.join(lib, 'handlers'),
					event_loops: LITE_PORTS ? 2 : 1,   /* a port per loop wants loops */
					log_file: null,
				},
				auth: { admin_secret: ADMIN_SECRET, api_secret: null, token_auth: null, token_secret: null },
				transports: { disable: otherTransports() },
				media: await iceLiteMedia(),
			},
			'parley.transport.http': {
				general: {
					interface: '127.0.0.1', port: this.httpPort, secure_port: 0,
					cert_pem: null, cert_key: null, admin_enabled: 'true',
					base_path: '/janus', admin_base_path: '/admin', html_folder: null,
					cors_origins: null,
				},
			},
			'parley.transport.websocket': {
				general: {
					interface: '127.0.0.1', port: this.wsPort, secure_port: 0,
					cert_pem: null, cert_key: null, cors_origins: null,
				},
			},
		};
		this.config = mergeConfig(base, this.opts.config);
		this.configDir = this.configDirOverride || writeConfigs(path.join(this.dir, 'conf'), this.config);
		const env = { ...process.env };
		for (const k of OVERRIDING_ENV) delete env[k];
		Object.assign(env, this.opts.env || {});
		const out = fs.openSync(this.logPath, 'a');
		// PARLEY_PARLEYD_WRAPPER runs parleyd under a tool, e.g. valgrind.
		const wrapper = (process.env.PARLEY_PARLEYD_WRAPPER || '').split(' ').filter(Boolean);
		const argv = [...wrapper, PARLEYD, '--configs-folder', this.configDir, ...(this.opts.args || [])];
		this.proc = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', out, out] });
		fs.closeSync(out);
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => {
				this.exit = { code, signal };
				reportSanitizerFindings(this.log());
				resolve(this.exit);
			});
			this.proc.on('error', (err) => {
				this.exit = { code: null, signal: null, error: err };
				resolve(this.exit);
			});
		});
		await this.waitReady(this.opts.startTimeoutMs || (process.env.PARLEY_PARLEYD_WRAPPER ? 30000 : 10000));
		return this;
	}

	/** Waits until both ports answer GET /health with a 200 and parleyd has
	 * finished starting (its "running" line: every module loaded or refused). */
	async waitReady(timeoutMs) {
		const deadline = Date.now() + timeoutMs;
		const urls = [`${this.httpUrl}/health`, `http://127.0.0.1:${this.wsPort}/health`];
		let { ok, last } = await waitForHealth(urls, timeoutMs, () => this.exit !== null);
		if (ok && !(await this.waitStarted(deadline))) {
			ok = false;
			last = 'no "running" line in the log';
		}
		if (this.exit) {
			throw new Error(`parleyd exited during start-up (${JSON.stringify(this.exit)}); log:\n` +
				this.log().slice(-4000));
		}
		if (ok) return;
		const log = this.log().slice(-4000);
		await this.stop();
		throw new Error(`parleyd did not answer GET /health on both ports within ${timeoutMs} ms ` +
			`(last: ${last}); log:\n${log}`);
	}

	/** Resolves true once the log has parleyd's "running" line (start-up
	 * done: a transport answers /health before the later modules load), at
	 * once when the server's log level hides info lines. */
	async waitStarted(deadline) {
		if (!this.logsInfo()) return true;
		// the text line "[main] running (", or the JSON one of log_format = json
		const started = /\[main\] running \(|"module":\s*"main",.*"message":\s*"running \(/;
		// [general] log_file sends the log there instead of to our file
		const file = this.config?.parley?.general?.log_file;
		const read = () => {
			if (!file) return this.log();
			try { return fs.readFileSync(file, 'utf8'); } catch { return ''; }
		};
		while (!started.test(read())) {
			if (this.exit !== null || Date.now() >= deadline) return false;
			await sleep(20);
		}
		return true;
	}

	/** Whether the configured log level (LOG_LEVEL, then [general]
	 * log_level; info by default) shows info lines such as "running". */
	logsInfo() {
		const names = { fatal: 1, error: 2, err: 2, warn: 3, warning: 3, info: 4, verb: 5, verbose: 5, debug: 6 };
		const given = this.opts.env?.LOG_LEVEL ?? this.opts.config?.parley?.general?.log_level ?? 'info';
		const level = names[String(given).toLowerCase()] ?? Number.parseInt(given, 10);
		return !(level < 4);
	}

	log() {
		try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
	}

	/** Size of the log now: pass to logSince() to get what came after. */
	logMark() {
		try { return fs.statSync(this.logPath).size; } catch { return 0; }
	}

	logSince(mark) {
		return this.log().slice(mark);
	}

	alive() { return this.proc && !this.exit; }

	signal(sig) { if (this.alive()) process.kill(this.proc.pid, sig); }

	/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
	async stop(graceMs = 5000) {
		if (!this.proc) return null;
		if (this.alive()) {
			try { process.kill(this.proc.pid, 'SIGTERM'); } catch { /* already gone */ }
			const t = setTimeout(() => {
				try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
			}, graceMs);
			await this.exited;
			clearTimeout(t);
		}
		return this.exit;
	}

	/** Removes the temporary folder (keeps it when PARLEY_E2E_KEEP is set). */
	cleanup() {
		if (!process.env.PARLEY_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

// Sanitizer builds and valgrind runs: every ASan/UBSan/LSan/memcheck report a parleyd wrote (also at
// exit, after the tests of a file have passed) is appended to the file named
// by PARLEY_SANITIZER_REPORTS; tests/run.sh counts each one as a failure.
const SANITIZER_MARKERS = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|==\d+== (Invalid (read|write)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|\d+ bytes in \d+ blocks are definitely lost)/;
function reportSanitizerFindings(log) {
	const file = process.env.PARLEY_SANITIZER_REPORTS;
	if (!file || !SANITIZER_MARKERS.test(log)) return;
	const start = log.search(SANITIZER_MARKERS);
	fs.appendFileSync(file, `=== sanitizer report (${process.argv[1] || 'e2e'})\n` +
		log.slice(Math.max(0, start - 200), start + 8000) + '\n');
}

export async function startServer(opts) {
	const srv = new ParleyServer(opts);
	await srv.start();
	return srv;
}
