// loadgen-echo-netns.test.mjs — the correctness proof of bench/loadgen
// (parley-loadgen): it publishes synthetic Opus + VP8 to an echo plugin
// over real ICE, DTLS and SRTP, and every packet must come back decrypted
// and intact (count per stream, the sender's counter in order without gaps
// or duplicates, every payload byte), checked by the generator itself
// (--expect-intact) and again here from its JSON summary.
//
// Two gateways: parleyd's parley.plugin.echo, and Debian's janus 1.1.2
// echotest (janus.plugin.echotest) when the janus binary is installed.
// tests/run.sh runs this file in a network namespace with only lo. Janus
// skips loopback interfaces when it gathers, so inside that namespace (and
// only there) the Janus test adds a veth pair holding 127.0.0.2 (Janus) and
// 127.0.0.3 (the generator), with route_localnet/accept_local so the
// loopback-range addresses work across the pair: traffic never leaves the
// namespace.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { runLoadgen, withJanusInVeth } from './lib/loadgen.mjs';
import { ICE_LITE, SRCDIR, freePort } from './lib/server.mjs';

// loadgen-echo-lite-netns.test.mjs does not repeat the Janus run.
const NOT_LITE = ICE_LITE && 'Janus: parleyd\'s ICE transport is not involved';

const { test } = serverSuite({
	config: { parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } } },
});

/** Every packet sent came back, intact: the generator's own check and ours. */
function assertIntact(r, what) {
	const s = r.summary;
	assert.ok(s, `${what}: no JSON summary on stdout:\n${r.stdout}\n${r.stderr}`);
	const show = JSON.stringify(s);
	assert.equal(s.failure, undefined, `${what}: run failed: ${s.failure}`);
	assert.equal(s.peers_connected, s.peers, `${what}: not every peer connected: ${show}`);
	assert.ok(s.sent.audio_packets >= 50 && s.sent.video_packets >= 50, `${what}: too little media sent: ${show}`);
	const sent = s.sent.audio_packets + s.sent.video_packets;
	assert.equal(s.received.packets, sent, `${what}: sent ${sent}, received ${s.received.packets}: ${show}`);
	assert.equal(s.received.unique, sent, `${what}: duplicates: ${show}`);
	for (const k of ['lost', 'out_of_order', 'duplicates', 'corrupt', 'undecryptable', 'foreign']) {
		assert.equal(s.received[k], 0, `${what}: received.${k} = ${s.received[k]}: ${show}`);
	}
	assert.ok(s.sent.keyframes >= 1 && s.join_to_first_keyframe_ms.count === s.peers, `${what}: keyframes not seen back: ${show}`);
	assert.ok(s.delay_ms.samples === sent && s.delay_ms.p50 >= 0, `${what}: delays not measured: ${show}`);
	assert.equal(s.echo_check?.intact, true, `${what}: ${s.echo_check?.detail}`);
	assert.equal(r.code, 0, `${what}: exit code ${r.code}\n${r.stderr.slice(-3000)}`);
}

test('parley-loadgen: 2 peers through parley.plugin.echo get every packet back intact', async (srv, t) => {
	const r = await runLoadgen(['--url', `${srv.wsUrl}/`, '--plugin', 'parley.plugin.echo', '--iface', '127.0.0.1',
		'--publishers', '2', '--duration', '3', '--bitrate', '300', '--keyframe-interval', '1',
		'--setup-timeout', '15', '--expect-intact', '--json-only']);
	// The echo plugin answers 414 while it does not negotiate media yet.
	if (r.summary?.failure && /plugin error 414/.test(r.summary.failure)) {
		t.skip(`parley.plugin.echo does not negotiate media in this build: ${r.summary.failure}`);
		return;
	}
	assertIntact(r, 'parley echo');
}, { timeout: 90000 });

nodeTest('parley-loadgen refuses bad options with exit code 2 and a reason', async () => {
	for (const [args, reason] of [
		[['--fps', '0'], /--fps must be in 1\.\.60/],
		[['--bitrate', '999999'], /--bitrate must be in/],
		[['--driver', 'nope'], /unknown --driver 'nope'/],
		[['--srtp', 'rot13'], /--srtp must be all, gcm or cm/],
		[['--no-audio', '--no-video'], /nothing to send/],
		[['--url', 'http://127.0.0.1:1/'], /bad URL/],
		[['--rooms', '3', '--publishers', '2'], /cannot exceed --publishers/],
		[['--subscribers', '3'], /the echo driver has no rooms or subscribers/],
		[['--driver', 'videoroom', '--publishers', '201'], /--publishers must be in 1\.\.200/],
	]) {
		const r = await runLoadgen(['--duration', '1', ...args], 10000);
		const expected = reason.source.includes('bad URL') ? 1 : 2;
		assert.equal(r.code, expected, `${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
		assert.match(r.stderr, reason, `${args.join(' ')}: ${r.stderr}`);
	}
});

test('parley-loadgen reports a gateway that is not there or does not speak WebSocket', async (srv) => {
	const closed = await freePort();
	for (const [url, reason] of [
		[`ws://127.0.0.1:${closed}/`, /connect 127\.0\.0\.1:\d+: Connection refused/],
		[`${srv.httpUrl.replace('http:', 'ws:')}/janus`, /upgrade refused: HTTP\/1\.1 \d{3}|connection closed during the upgrade|bad or missing Sec-WebSocket-Accept/],
	]) {
		const r = await runLoadgen(['--url', url, '--duration', '1'], 15000);
		assert.equal(r.code, 1, `${url}: exit ${r.code}, stderr ${r.stderr}`);
		assert.match(r.stderr, reason, `${url}: ${r.stderr}`);
	}
});

/** Janus's config folder from bench/janus/: echotest + WebSocket on `port`, gathering on lgj0. */
function janusConfig(port) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadgen-janus-'));
	for (const f of fs.readdirSync(path.join(SRCDIR, 'bench/janus'))) {
		let text = fs.readFileSync(path.join(SRCDIR, 'bench/janus', f), 'utf8');
		text = text.replace(/ws_port = \d+/, `ws_port = ${port}`).replace(/ice_enforce_list = "[^"]*"/, 'ice_enforce_list = "lgj0"');
		fs.writeFileSync(path.join(dir, f), text);
	}
	return dir;
}

nodeTest('parley-loadgen: 2 peers through janus.plugin.echotest get every packet back intact', { timeout: 90000, skip: NOT_LITE }, async (t) => {
	const port = await freePort();
	await withJanusInVeth(t, janusConfig(port), port, async () => {
		const r = await runLoadgen(['--url', `ws://127.0.0.1:${port}/`, '--plugin', 'janus.plugin.echotest',
			'--iface', '127.0.0.3', '--publishers', '2', '--duration', '3', '--bitrate', '300',
			'--keyframe-interval', '1', '--setup-timeout', '15', '--expect-intact', '--json-only']);
		assertIntact(r, 'janus echotest');
	});
});
