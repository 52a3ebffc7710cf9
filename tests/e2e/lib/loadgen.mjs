// tests/e2e/lib/loadgen.mjs — runs bench/loadgen's parley-loadgen from the
// build under test, bounded in time (SIGKILL past the bound), keeping its
// JSON summary (the first stdout line) and the tail of its log; and
// Debian's janus beside it in a test's namespace (withJanusInVeth).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BUILDDIR } from './server.mjs';

export const LOADGEN = path.join(BUILDDIR, 'bench/loadgen/parley-loadgen');

/** Starts parley-loadgen with `args`: {proc, done, stderr()}, where `done`
 * resolves {code, summary, stdout, stderr} when it exits (summary null when
 * the first stdout line is not JSON) and rejects after `timeoutMs`. */
export function startLoadgen(args, timeoutMs = 60000) {
	assert.ok(fs.existsSync(LOADGEN), `${LOADGEN} is missing (make bench/loadgen/parley-loadgen)`);
	const proc = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', err = '';
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { err += d; if (err.length > 200000) err = err.slice(-100000); });
	const done = new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			reject(new Error(`parley-loadgen still running after ${timeoutMs} ms\n${err.slice(-3000)}`));
		}, timeoutMs);
		proc.on('error', (e) => { clearTimeout(timer); reject(e); });
		proc.on('exit', (code) => {
			clearTimeout(timer);
			let summary = null;
			try { summary = JSON.parse(out.split('\n')[0]); } catch { /* the caller checks summary */ }
			resolve({ code, summary, stdout: out, stderr: err });
		});
	});
	return { proc, done, stderr: () => err };
}

/** Runs parley-loadgen to its end: the `done` of startLoadgen. */
export function runLoadgen(args, timeoutMs = 60000) {
	return startLoadgen(args, timeoutMs).done;
}

const JANUS = process.env.JANUS_BIN || '/usr/sbin/janus';
/** Debian's janus binary (JANUS_BIN overrides). */
export const JANUS_BIN = fs.existsSync(JANUS) ? JANUS : '/usr/bin/janus';

/** True when 127.0.0.1:port accepts a TCP connection (within 1 s). */
function accepts(port) {
	return new Promise((resolve) => {
		const c = net.connect({ host: '127.0.0.1', port });
		const done = (ok) => { clearTimeout(t); c.destroy(); resolve(ok); };
		const t = setTimeout(() => done(false), 1000);
		c.once('connect', () => done(true));
		c.once('error', () => done(false));
	});
}

/** The links of this network namespace (names). */
function links() {
	return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').filter(Boolean)
		.map((l) => l.split(':')[1].trim().split('@')[0]);
}

/** Runs fn(janus) with Debian's janus started from `configDir` (its
 * WebSocket transport on `port`) in this test's namespace, after adding
 * bench/compare.sh's veth pair (lgj0 127.0.0.2 for Janus, lgj1 127.0.0.3
 * for the generator: Janus skips loopback interfaces when it gathers).
 * Skips the test when janus is not installed; stops janus (SIGKILL after
 * 5 s) and removes configDir afterwards. */
export async function withJanusInVeth(t, configDir, port, fn) {
	if (!fs.existsSync(JANUS_BIN)) {
		t.skip(`no janus binary at ${JANUS_BIN} (apt-get install janus)`);
		fs.rmSync(configDir, { recursive: true, force: true });
		return;
	}
	const names = links();
	assert.deepEqual(names.filter((n) => n !== 'lo' && n !== 'lgj0' && n !== 'lgj1'), [],
		`this test adds interfaces: it must run in a network namespace with only lo (tests/run.sh does); found ${names}`);
	if (!names.includes('lgj0')) {
		const sh = (cmd) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe' });
		sh('sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.default.route_localnet=1 ' +
			'net.ipv4.conf.all.accept_local=1 net.ipv4.conf.default.accept_local=1 ' +
			'net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0');
		sh('ip link add lgj0 type veth peer name lgj1 && ip addr add 127.0.0.2/32 dev lgj0 && ' +
			'ip addr add 127.0.0.3/32 dev lgj1 && ip link set lgj0 up && ip link set lgj1 up');
	}
	const log = path.join(configDir, 'janus.out');
	const janus = spawn(JANUS_BIN, ['-F', configDir], { stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')] });
	try {
		// Ready when its WebSocket port accepts (its stdout is block-buffered in a file).
		let up = false;
		for (let i = 0; i < 150 && !up && janus.exitCode === null; i++) {   // 30 s: a busy machine starts janus slowly
			await new Promise((r) => setTimeout(r, 200));
			up = await accepts(port);
		}
		assert.ok(up, `janus did not open port ${port} within 30 s (exit ${janus.exitCode}):\n` +
			fs.readFileSync(log, 'utf8').slice(-3000));
		return await fn(janus);
	} finally {
		janus.kill('SIGTERM');
		const killer = setTimeout(() => janus.kill('SIGKILL'), 5000);
		if (janus.exitCode === null) await new Promise((r) => janus.once('exit', r));
		clearTimeout(killer);
		fs.rmSync(configDir, { recursive: true, force: true });
	}
}
