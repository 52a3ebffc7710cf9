// shutdown-load-netns.test.mjs — SIGTERM after a large room run: parleyd
// with two event loops serves parley-loadgen's 20 rooms of 4 (80
// publishers, --mesh: 160 PeerConnections through parley.plugin.room);
// SIGTERM comes right after the generator has ended every peer (the
// PeerConnections are still being torn down on both loops) or while media
// flows. Either way parleyd must drain and exit 0 within [general]
// shutdown_grace + 2 s, with the drain finished (its "bye" line) rather
// than abandoned by the shutdown watchdog. An ASan build (parleyd and the
// generator) needs about five times a release build's time: its drain took
// 1-2 s on a busy 2-core machine (0.2 s released), and setting up 160
// PeerConnections beside another ASan file left a request unanswered for
// the generator's 10 s. So there the grace is 6 s and the run is 10 rooms
// of 4 (80 PeerConnections): the drain must still finish, with every
// PeerConnection torn down, which is what the sanitizer checks.
// tests/run.sh runs this file in a network namespace with only lo.
import assert from 'node:assert/strict';
import { ownServerTest } from './lib/harness.mjs';
import { SLOW_PARLEYD } from './lib/server.mjs';
import { startLoadgen } from './lib/loadgen.mjs';

const GRACE_MS = SLOW_PARLEYD ? 6000 : 2000;
const SHAPE = SLOW_PARLEYD ? ['--driver', 'room', '--publishers', '40', '--rooms', '10', '--mesh']
	: ['--driver', 'room', '--publishers', '80', '--rooms', '20', '--mesh'];
const PEERS = SLOW_PARLEYD ? 80 : 160;   // PeerConnections of SHAPE
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const serverOptions = {
	config: {
		parley: {
			general: { event_loops: 2, shutdown_grace: GRACE_MS },
			media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' },
		},
		'parley.plugin.room': { general: { max_participants: '7' } },
	},
};

/** SIGTERM; resolves {exit, took} once parleyd ended or the bound passed (then SIGKILL). */
async function terminate(srv, boundMs) {
	const t0 = Date.now();
	srv.signal('SIGTERM');
	const killer = setTimeout(() => srv.signal('SIGKILL'), boundMs);
	const exit = await srv.exited;
	clearTimeout(killer);
	return { exit, took: Date.now() - t0 };
}

function assertCleanExit(srv, { exit, took }, what) {
	const bound = GRACE_MS + 2000;
	assert.ok(took <= bound, `${what}: parleyd took ${took} ms to exit after SIGTERM (bound ${bound} ms)`);
	assert.deepEqual(exit, { code: 0, signal: null }, `${what}: exit status ${JSON.stringify(exit)}`);
	const log = srv.log();
	assert.match(log, /SIGTERM: shutting down/, `${what}: no shutdown line in the log`);
	assert.doesNotMatch(log, /abandoned, exiting/, `${what}: the drain did not finish within the grace`);
	assert.match(log, /\[main\] bye/, `${what}: no "bye": the shutdown did not complete`);
}

function loadgenArgs(srv, seconds) {
	return ['--url', `${srv.wsUrl}/`, '--iface', '127.0.0.1', ...SHAPE, '--duration', String(seconds),
		'--bitrate', '300', '--srtp', 'gcm', '--setup-timeout', '20', '-v', '1', '--json-only'];
}

ownServerTest(`SIGTERM right after ${PEERS} room peers hung up: exit 0 within shutdown_grace`, async (own) => {
	const srv = await own(serverOptions);
	const lg = startLoadgen(loadgenArgs(srv, 3), 45000);
	const r = await lg.done;
	assert.ok(r.summary, `no JSON summary from parley-loadgen:\n${r.stderr.slice(-3000)}`);
	assert.equal(r.summary.failure, undefined, `loadgen run failed: ${r.summary.failure}`);
	assert.equal(r.summary.peers_connected, r.summary.peers, `not every peer connected: ${JSON.stringify(r.summary)}`);
	assert.ok(srv.alive(), `parleyd died during the run: ${JSON.stringify(srv.exit)}`);
	assertCleanExit(srv, await terminate(srv, GRACE_MS + 3000), 'after the generator stopped');
}, { timeout: 70000 });

ownServerTest(`SIGTERM while ${PEERS} room peers send media: exit 0 within shutdown_grace`, async (own) => {
	const srv = await own(serverOptions);
	const lg = startLoadgen(loadgenArgs(srv, 20), 45000);
	const deadline = Date.now() + 25000;
	while (!/peers connected after/.test(lg.stderr()) && lg.proc.exitCode === null && Date.now() < deadline)
		await sleep(100);
	assert.match(lg.stderr(), /peers connected after/, `the peers did not all connect:\n${lg.stderr().slice(-3000)}`);
	await sleep(1000); // media flows on every PeerConnection
	const result = await terminate(srv, GRACE_MS + 3000);
	lg.proc.kill('SIGTERM');
	await lg.done.catch(() => null);
	assertCleanExit(srv, result, 'while media flowed');
}, { timeout: 70000 });
