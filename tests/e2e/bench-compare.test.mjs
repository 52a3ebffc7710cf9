// bench-compare.test.mjs — bench/compare.sh itself, end to end, in its short
// form: `bench/compare.sh --quick` (one 1→10 fan-out of a few seconds on
// Parley's room plugin on libnice, on its ICE-lite transport, then on Janus's
// VideoRoom, after one SDP probe on each). The script makes and deletes its
// own network namespace (so this is not a *-netns test), installs janus when
// it is missing, and starts and stops each gateway by PID. Checked here:
// exit 0, the table has a row for each gateway and the ratio rows, and its
// JSON lines show every gateway forwarded packets to every subscriber, negotiated the same SRTP
// profile (seen by the SDP probe too), lost no peer and did not crash; the
// forwarding floor (fwd_floor) of that fan-out is measured with and without
// GSO and printed.
// Needs root (namespace, veth pair, sysctls), as CI is.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BUILDDIR, SRCDIR } from './lib/server.mjs';

const SCRIPT = path.join(SRCDIR, 'bench/compare.sh');
// --quick runs beside the media e2e lane (tests/run.sh): a loaded 2-core
// machine stretches its runs, so its budget and this limit leave room.
const LIMIT_MS = 240000;

/** Runs the script (bounded); resolves {code, stdout, stderr}. */
function runScript(args) {
	return new Promise((resolve, reject) => {
		const p = spawn(SCRIPT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { err += d; if (err.length > 200000) err = err.slice(-100000); });
		// SIGTERM first: the script's trap stops the gateways and deletes its namespace.
		const t = setTimeout(() => { p.kill('SIGTERM'); reject(new Error(`compare.sh still running after ${LIMIT_MS} ms\n${err}`)); }, LIMIT_MS);
		p.on('error', (e) => { clearTimeout(t); reject(e); });
		p.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout: out, stderr: err }); });
	});
}

test('bench/compare.sh --quick: the three gateways forward to every subscriber with the same SRTP profile, no crash', { timeout: LIMIT_MS + 10000 }, async (t) => {
	if (process.getuid && process.getuid() !== 0) {
		t.skip('compare.sh needs root (network namespace, veth pair)');
		return;
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-compare-'));
	const json = path.join(dir, 'results.jsonl');
	try {
		const r = await runScript(['--quick', '--budget', '180', '--builddir', BUILDDIR, '--json', json]);
		const show = `stdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-4000)}`;
		assert.equal(r.code, 0, `exit ${r.code}\n${show}`);
		// The script's own namespace is gone once it has exited.
		const ns = /namespace (parleycmp\d+)/.exec(r.stderr)?.[1];
		assert.ok(ns, `no namespace named in the log\n${show}`);
		const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
		assert.ok(!left.split('\n').some((l) => l.split(' ')[0] === ns), `namespace ${ns} left behind: ${left}`);

		// The table: a row per gateway and the ratio row.
		const rows = r.stdout.split('\n').filter((l) => l.startsWith('| fanout10 |'));
		for (const gw of ['parley', 'parley-lite', 'janus', '**parley/janus**', '**parley-lite/janus**', '**parley-lite/parley**']) {
			assert.ok(rows.some((l) => l.split('|')[2].trim() === gw), `no ${gw} row in the table\n${show}`);
		}

		const lines = fs.readFileSync(json, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
		const runs = lines.filter((l) => l.kind === 'run');
		assert.deepEqual(runs.map((l) => l.gateway).sort(), ['janus', 'parley', 'parley-lite'], `runs: ${JSON.stringify(runs)}`);
		for (const run of runs) {
			const what = `${run.gateway}: ${JSON.stringify(run)}`;
			assert.equal(run.failure, null, what);
			assert.equal(run.crashed, 0, what);
			assert.equal(run.peers, 11, what);
			assert.equal(run.peers_connected, 11, what);
			assert.equal(run.receivers_without_media, 0, what);
			assert.ok(run.received_packets > 1000 && run.forwarded_window > 500, what);
			assert.ok(run.window_s >= 3, what);
			assert.ok(run.cpu_us_per_packet === null || run.cpu_us_per_packet >= 0, what);
			assert.equal(run.corrupt, 0, what);
			assert.equal(run.undecryptable, 0, what);
			assert.equal(run.srtp_profile, 'AEAD_AES_128_GCM', what);
		}
		const ratios = lines.filter((l) => l.kind === 'ratio');
		assert.equal(ratios.length, 3, `ratio lines: ${JSON.stringify(ratios)}`);
		for (const ratio of ratios) assert.equal(ratio.srtp_profile, 'AEAD_AES_128_GCM', `ratio line: ${JSON.stringify(ratio)}`);
		assert.ok(ratios.some((l) => l.parley_lite_over_janus?.cpu_us_per_packet > 0), `no lite/janus CPU ratio: ${JSON.stringify(ratios)}`);
		// The forwarding floor of the 1→10 fan-out, without and with GSO runs.
		const floors = lines.filter((l) => l.kind === 'fwd_floor');
		assert.deepEqual(floors.map((l) => l.gso).sort(), [false, true], `fwd_floor: ${JSON.stringify(floors)}`);
		for (const f of floors) {
			assert.equal(f.scenario, 'fanout10', JSON.stringify(f));
			assert.equal(f.viewers, 10, JSON.stringify(f));
			assert.ok(f.forwarded === f.received * 10 && f.received > 100 && f.cpu_us_per_fwd > 0, JSON.stringify(f));
		}
		assert.match(r.stdout, /^Forwarding floor fanout10: [\d.]+ CPU-µs per forwarded packet/m, show);
		const sdp = lines.filter((l) => l.kind === 'sdp');
		assert.equal(sdp.length, 3, `SDP probes: ${JSON.stringify(sdp)}`);
		for (const s of sdp) {
			assert.deepEqual(s.transport, ['UDP/TLS/RTP/SAVPF'], JSON.stringify(s));
			assert.deepEqual(s.srtp_profiles, ['AEAD_AES_128_GCM'], JSON.stringify(s));
		}
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});

test('bench/compare.sh stopped by SIGTERM mid-run stops its gateway and deletes its namespace', { timeout: 60000 }, async (t) => {
	if (process.getuid && process.getuid() !== 0) {
		t.skip('compare.sh needs root (network namespace, veth pair)');
		return;
	}
	const p = spawn(SCRIPT, ['--quick', '--builddir', BUILDDIR, '--gateways', 'parley'], { stdio: ['ignore', 'ignore', 'pipe'] });
	let err = '';
	const seen = new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`no gateway started within 40 s:\n${err}`)), 40000);
		p.stderr.on('data', (d) => {
			err += d;
			// the run's gateway (after the SDP probe): stop the script while it measures
			const m = /fanout10 on parley[\s\S]*parley pid (\d+) ready/.exec(err);
			if (m) { clearTimeout(t); resolve(Number(m[1])); }
		});
	});
	let pid;
	try {
		pid = await seen;
	} finally {
		p.kill('SIGTERM');
	}
	const code = await new Promise((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once('exit', (c, sig) => resolve(c ?? sig))));
	assert.notEqual(code, 0, `exit ${code} after SIGTERM\n${err}`);
	let alive = true;
	try { process.kill(pid, 0); } catch { alive = false; }
	assert.equal(alive, false, `parleyd ${pid} still running after the script exited\n${err}`);
	const ns = /namespace (parleycmp\d+)/.exec(err)?.[1];
	assert.ok(ns, err);
	const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
	assert.ok(!left.split('\n').some((l) => l.split(' ')[0] === ns), `namespace ${ns} left behind: ${left}`);
	const work = /work folder (\/tmp\/parley-compare\.\w+)/.exec(err)?.[1];
	if (work) fs.rmSync(work, { recursive: true, force: true });   // kept (logs) after a signal
});

test('bench/compare.sh refuses bad options with exit code 2 and a reason', { timeout: 30000 }, async () => {
	for (const [args, reason] of [
		[['--duration', '0'], /--duration must be 2\.\.120/],
		[['--srtp', 'rot13'], /--srtp must be gcm or cm/],
		[['--scenarios', 'nope'], /unknown scenario 'nope'/],
		[['--gateways', 'mediasoup'], /unknown gateway 'mediasoup'/],
		[['--bitrate', '5'], /--bitrate must be 16\.\.20000/],
		[['--frobnicate'], /unknown option '--frobnicate'/],
	]) {
		const r = await runScript(args);
		assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
		assert.match(r.stderr, reason, `${args.join(' ')}: ${r.stderr}`);
	}
});
