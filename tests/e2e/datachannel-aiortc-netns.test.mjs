// datachannel-aiortc-netns.test.mjs — data channels with a python3-aiortc
// client (tests/e2e/aiortc/datachannel_client.py) and parley.plugin.echo
// over the Janus HTTP API, beside synthetic audio and video in one BUNDLE
// group, in a network namespace with only lo ([media] interfaces = lo,
// sctp_max_message_size = 65536, aiortc's own a=max-message-size):
//  - aiortc offers the legacy "DTLS/SCTP 5000" + a=sctpmap form: our answer
//    keeps it (no a=sctp-port) and carries our a=max-message-size;
//  - "chat": text (plain, empty, non-ASCII, at the maximum size) comes back
//    as text, in order; "bin": binary (empty, 3 bytes, at the maximum) as
//    binary, byte for byte;
//  - one byte over the maximum (aiortc does not check a=max-message-size):
//    the gateway drops it — no echo, counted in handle_info ("too-large-in")
//    and /metrics (parley_datachannel_refused_total{reason="too_large_in"})
//    — and the channel keeps working;
//  - "fast" (unordered, 3 retransmissions) and "timed" (5000 ms lifetime):
//    every message back on its channel; video frames come back too;
//  - aiortc closes "chat" and the plugin closes "timed" ({"close_data"}):
//    stream resets both ways, the other channels keep echoing.
// The ICE-lite variant (datachannel-aiortc-lite-netns) runs the same on
// [media] ice_lite = true.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, ICE_LITE, SRCDIR } from './lib/server.mjs';
import { assertLoopbackOnly } from './lib/browser.mjs';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(SRCDIR, 'tests', 'e2e', 'aiortc', 'datachannel_client.py');
const MAX = 65536;

const { test } = serverSuite({
	config: { parley: { media: { interfaces: 'lo', sctp_max_message_size: MAX } } },
});

async function admin(srv, body, path_ = '') {
	const r = await fetch(`${srv.httpUrl}/admin${path_}`, {
		method: 'POST', signal: AbortSignal.timeout(5000),
		body: JSON.stringify({ transaction: 'e2e', admin_secret: ADMIN_SECRET, ...body }),
	});
	return r.json();
}

/** Starts the client; resolves each phase line as it comes. */
function startClient(srv) {
	const proc = spawn(PYTHON, [CLIENT, '--url', srv.httpUrl, '--max', String(MAX)], { stdio: ['pipe', 'pipe', 'pipe'] });
	const client = { proc, lines: [], stderr: '', waiters: [] };
	readline.createInterface({ input: proc.stdout }).on('line', (line) => {
		let msg;
		try { msg = JSON.parse(line); } catch { return; }
		client.lines.push(msg);
		for (const w of client.waiters.splice(0)) w();
	});
	proc.stderr.on('data', (d) => { client.stderr = (client.stderr + d).slice(-4000); });
	client.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
		client.exit = { code, signal };
		for (const w of client.waiters.splice(0)) w();
		resolve(client.exit);
	}));
	client.describe = () => `lines ${JSON.stringify(client.lines).slice(-1500)}; exit ${JSON.stringify(client.exit)}; ` +
		`stderr ${client.stderr.slice(-1500)}`;
	client.next = async (pred, ms, what) => {
		const deadline = Date.now() + ms;
		for (;;) {
			const found = client.lines.find(pred);
			if (found) return found;
			const error = client.lines.find((l) => l.error);
			if (error || client.exit || Date.now() > deadline)
				throw new Error(`${what}: not reached; ${client.describe()}`);
			await new Promise((resolve) => {
				client.waiters.push(resolve);
				setTimeout(resolve, 500);
			});
		}
	};
	return client;
}

test(`aiortc data channels through the echo plugin beside audio and video${ICE_LITE ? ' (ICE-lite)' : ''}`, async (srv) => {
	assertLoopbackOnly();
	const client = startClient(srv);
	try {
		const ready = await client.next((l) => l.ready, 20000, 'the client attached');
		const r = await client.next((l) => l.phase === 'exchanged', 60000, 'the echoes');
		assert.ok(r.remote_data.some((l) => /^m=application [0-9]+ DTLS\/SCTP 5000$/.test(l)), JSON.stringify(r.remote_data));
		assert.ok(r.remote_data.includes('a=sctpmap:5000 webrtc-datachannel 1024'), JSON.stringify(r.remote_data));
		assert.ok(r.remote_data.includes(`a=max-message-size:${MAX}`), JSON.stringify(r.remote_data));
		assert.ok(!r.remote_data.some((l) => l.startsWith('a=sctp-port')), 'legacy answer without a=sctp-port');
		assert.deepEqual(r.chat, r.sent_text, 'text comes back as text, in order, whole');
		assert.deepEqual(r.bin.slice(0, r.sent_bin.length), r.sent_bin, 'binary comes back as binary, byte for byte');
		assert.equal(r.bin.length, r.sent_bin.length + 1, `only the message after the refused one came back: ${JSON.stringify(r.bin.slice(3))}`);
		assert.equal(r.bin[r.sent_bin.length].length, 'after the refused one'.length);
		assert.deepEqual(r.fast, Array.from({ length: 50 }, (_, i) => `f${i}`).sort());
		assert.deepEqual(r.timed, Array.from({ length: 10 }, (_, i) => i));
		assert.ok(r.video_frames > 0);
		// aiortc 1.4 picks its stream ids' parity by ICE role (odd as the
		// controlling offerer) where RFC 8832 says DTLS role (even for the
		// DTLS client it is): the gateway takes them and counts them.
		const odd = Object.values(r.ids).filter((id) => id % 2 === 1).length;

		const info = await admin(srv, { janus: 'handle_info' }, `/${ready.session}/${ready.handle}`);
		const data = info.info?.webrtc?.data;
		assert.ok(data, `handle_info has no webrtc.data: ${JSON.stringify(info).slice(0, 800)}`);
		assert.equal(data['remote-max-message-size'], MAX);
		assert.equal(data['remote-port'], 5000);
		assert.equal(data.counters['too-large-in'], 1, JSON.stringify(data.counters));
		assert.equal(data.counters['wrong-parity'], odd, JSON.stringify({ ids: r.ids, counters: data.counters }));
		assert.equal(data.counters['messages-in'], 4 + 4 + 50 + 10, JSON.stringify(data.counters));
		assert.deepEqual(data.channels.map((c) => c.label).sort(), ['bin', 'chat', 'fast', 'timed']);
		assert.equal(info.info.plugin_specific.data.echoed, 4 + 4 + 50 + 10);
		const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
		const refused = Number(metrics.match(/^parley_datachannel_refused_total\{reason="too_large_in"\} (\d+)$/m)?.[1]);
		assert.ok(refused >= 1, 'the refusal is on /metrics');
		assert.match(metrics, /^parley_sctp_associations 1$/m);

		client.proc.stdin.write('go on\n');
		const c = await client.next((l) => l.phase === 'closed', 30000, 'the closes');
		assert.deepEqual(c.closed, ['chat', 'timed']);
		assert.equal(c.states.fast, 'open');
		assert.equal(c.states.bin, 'open');
		const exit = await Promise.race([client.exited, new Promise((r) => setTimeout(() => r('still running'), 15000))]);
		assert.deepEqual(exit, { code: 0, signal: null }, client.describe());
	} catch (err) {
		err.message += `\n${client.describe()}`;
		throw err;
	} finally {
		if (!client.exit) client.proc.kill('SIGKILL');
		await client.exited;
	}
}, { timeout: 120000 });
