#!/usr/bin/env node
// bench/whep_join.mjs — how long a WHEP player waits for its first frame:
// from its POST to /whep/<room> to the first VP8 keyframe it receives,
// p50/p99 over --players players of one room, on each ICE transport
// (libnice, and [media] ice_lite).
//
// parley-loadgen's whip driver (bench/loadgen, real ICE, DTLS-SRTP and
// VP8/Opus-shaped media) publishes one WHIP stream into a fresh room, and
// once it is connected starts every player at once (each POSTs its
// recvonly offer, applies the 201's answer, connects, and counts from its
// POST to its first keyframe: the gateway asks the publisher for one when a
// player's m-line starts; the publisher also sends one every
// --keyframe-interval s). parleyd is started here (loopback only, one event
// loop per core) and stopped by PID; each run is bounded by the loadgen's
// setup timeout and --duration.
//
//   node bench/whep_join.mjs [--players 20] [--runs 3] [--duration 4] [--keyframe-interval 10]
//        [--transports nice,lite] [--pli-interval 500,100] [--json out.jsonl]
// --pli-interval sets the room's [media] pli_interval_ms (the least time
// between two keyframe requests to one publisher), a list runs each; the
// generated publisher answers requests that often too (its keyframe gap,
// --keyframe-gap to set it apart).
// Environment: PARLEY_BUILDDIR (default ./build; parleyd staged, loadgen built).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..');
process.env.PARLEY_BUILDDIR ||= path.join(top, 'build');
const { startServer, freeUdpPort } = await import('../tests/e2e/lib/server.mjs');
const LOADGEN = path.join(process.env.PARLEY_BUILDDIR, 'bench', 'loadgen', 'parley-loadgen');
const TOKEN = 'bench-whip-token';

const opts = { players: 20, runs: 3, duration: 4, keyframeInterval: 10, transports: ['nice', 'lite'], pli: [500],
	gap: null, json: null };
for (let i = 2; i < process.argv.length; i++) {
	const [k, v] = [process.argv[i], process.argv[i + 1]];
	if (k === '--players') { opts.players = Number(v); i++; }
	else if (k === '--runs') { opts.runs = Number(v); i++; }
	else if (k === '--duration') { opts.duration = Number(v); i++; }
	else if (k === '--keyframe-interval') { opts.keyframeInterval = Number(v); i++; }
	else if (k === '--transports') { opts.transports = v.split(','); i++; }
	else if (k === '--pli-interval') { opts.pli = v.split(',').map(Number); i++; }
	else if (k === '--keyframe-gap') { opts.gap = Number(v); i++; }
	else if (k === '--json') { opts.json = v; i++; }
	else { console.error(`unknown option ${k}`); process.exit(2); }
}
if (!(opts.players >= 1 && opts.players <= 100) || !(opts.runs >= 1 && opts.runs <= 10) ||
    !(opts.duration >= 1 && opts.duration <= 30) || !(opts.keyframeInterval >= 1 && opts.keyframeInterval <= 60) ||
    !opts.transports.every((t) => t === 'nice' || t === 'lite') || !opts.pli.every((p) => p >= 50 && p <= 5000)) {
	console.error('--players 1..100, --runs 1..10, --duration 1..30 s, --keyframe-interval 1..60 s, ' +
		'--transports nice,lite, --pli-interval 50..5000 ms (a list)');
	process.exit(2);
}
for (const f of [LOADGEN, path.join(process.env.PARLEY_BUILDDIR, 'stage', 'bin', 'parleyd')]) {
	if (!fs.existsSync(f)) {
		console.error(`${f} is missing: build (make) and stage (make install) first`);
		process.exit(2);
	}
}

/** One loadgen run: its JSON line, or a failure. Bounded by its own timeouts and a kill. */
function loadgen(url, gap) {
	const args = ['-d', 'whip', '-u', url, '--token', TOKEN, '-p', '1', '-s', String(opts.players),
		'-t', String(opts.duration), '-k', String(opts.keyframeInterval), '-i', '127.0.0.1', '--srtp', 'gcm',
		'--setup-timeout', '30', '--keyframe-gap', String(gap), '--json-only'];
	return new Promise((resolve) => {
		const proc = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		proc.stdout.on('data', (d) => { out += d; });
		proc.stderr.on('data', (d) => { err += d; });
		const kill = setTimeout(() => proc.kill('SIGKILL'), (30 + opts.duration + 20) * 1000);
		proc.on('exit', (code) => {
			clearTimeout(kill);
			let result = null;
			try { result = JSON.parse(out.trim().split('\n').pop()); } catch { /* no JSON */ }
			resolve({ code, result, err: err.slice(-2000) });
		});
	});
}

const rows = [];
for (const pli of opts.pli)
for (const transport of opts.transports) {
	const media = { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', srtp_profiles: 'AEAD_AES_128_GCM' };
	if (transport === 'lite') Object.assign(media, { ice_lite: 'true', udp_port: await freeUdpPort() });
	const srv = await startServer({
		config: {
			parley: { general: { log_level: 4, event_loops: 0 }, media },
			'parley.plugin.room': { whip: { tokens: TOKEN, rate_limit: 0 }, general: { max_participants: 10 },
				media: { pli_interval_ms: pli } },
		},
	});
	try {
		for (let run = 1; run <= opts.runs; run++) {
			/* the publisher answers keyframe requests as often as the gateway sends them (unless told) */
			const { code, result, err } = await loadgen(srv.httpUrl, opts.gap ?? pli);
			if (code !== 0 || !result) {
				console.error(`${transport} run ${run}: loadgen exit ${code}\n${err}`);
				process.exitCode = 1;
				continue;
			}
			const row = {
				transport, pli, run, players: opts.players, connected: result.peers_connected - 1,
				keyframe_p50_ms: result.join_to_first_keyframe_ms.p50, keyframe_p99_ms: result.join_to_first_keyframe_ms.p99,
				packet_p50_ms: result.join_to_first_packet_ms.p50, packet_p99_ms: result.join_to_first_packet_ms.p99,
				loss_pct: result.received.loss_pct, without_media: result.received.receivers_without_media,
			};
			rows.push(row);
			if (opts.json) fs.appendFileSync(opts.json, `${JSON.stringify({ ...row, loadgen: result })}\n`);
		}
	} finally {
		await srv.stop();
		srv.cleanup();
	}
}

const fmt = (v) => (typeof v === 'number' ? v.toFixed(0).padStart(6) : String(v).padStart(6));
console.log(`WHEP join: ${opts.players} players of one WHIP publisher, POST → first keyframe / first packet (ms)`);
console.log('transport  pli_interval_ms  run  players  keyframe p50   p99   packet p50   p99   loss %  no media');
for (const r of rows)
	console.log(`${r.transport.padEnd(9)} ${String(r.pli).padStart(16)} ${String(r.run).padStart(4)} ${String(r.connected).padStart(8)}  ` +
		`${fmt(r.keyframe_p50_ms)}   ${fmt(r.keyframe_p99_ms)}   ${fmt(r.packet_p50_ms)}   ${fmt(r.packet_p99_ms)}` +
		`   ${r.loss_pct.toFixed(2).padStart(6)}  ${String(r.without_media).padStart(8)}`);
