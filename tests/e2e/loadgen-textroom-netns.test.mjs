// loadgen-textroom-netns.test.mjs — bench/loadgen's textroom driver
// (parley-loadgen -d textroom): a few TextRoom participants over real
// ICE, DTLS, SCTP and data channels join room 1234 and run both phases
// (one sender with a window of messages in flight, then every participant
// sending), and every message must reach every participant once: the
// generator's own accounting (exit 1 on a missing or duplicated delivery)
// and its JSON summary, checked here.
//
// Two gateways, the driver unchanged: parleyd's chat plugin under its
// janus.plugin.textroom alias, and Debian's janus 1.1.2 TextRoom when the
// janus binary is installed (in a veth pair holding 127.0.0.2 / 127.0.0.3
// added to this test's namespace, as loadgen-echo-netns does: Janus skips
// loopback interfaces when it gathers). Bounded: 5 participants, 60
// messages per phase, each phase at most 10 s.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { runLoadgen, withJanusInVeth } from './lib/loadgen.mjs';
import { ICE_LITE, SRCDIR, freePort } from './lib/server.mjs';

const NOT_LITE = ICE_LITE && 'Janus: parleyd\'s ICE transport is not involved';
const PARTICIPANTS = 5;
const MESSAGES = 60;

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		'parley.plugin.chat': { 'room-1234': { history: 0 }, limits: { message_rate: 0 } },
	},
});

function driverArgs(url, iface, pid) {
	return ['--url', url, '--driver', 'textroom', '--iface', iface, '--participants', String(PARTICIPANTS),
		'--messages', String(MESSAGES), '--duration', '10', '--warmup', '5', '--window', '4',
		'--setup-timeout', '30', '--gateway-pid', String(pid), '--json-only'];
}

/** Both phases complete, every message delivered once to every participant. */
function assertAllDelivered(r, what) {
	const s = r.summary;
	assert.ok(s, `${what}: no JSON summary on stdout:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
	const show = JSON.stringify(s);
	assert.equal(s.failure, undefined, `${what}: run failed: ${s.failure}\n${r.stderr.slice(-3000)}`);
	assert.equal(s.driver, 'textroom', show);
	assert.equal(s.joined, PARTICIPANTS, `${what}: not everyone joined: ${show}`);
	assert.deepEqual(s.phases.map((p) => p.phase), ['one', 'all'], `${what}: phases: ${show}`);
	for (const p of s.phases) {
		assert.ok(p.messages > 0 && p.messages <= MESSAGES, `${what}: ${p.phase}: messages ${p.messages}: ${show}`);
		assert.equal(p.participants, PARTICIPANTS, show);
		assert.equal(p.deliveries, p.messages * PARTICIPANTS, `${what}: ${p.phase}: deliveries: ${show}`);
		assert.equal(p.missing, 0, `${what}: ${p.phase}: missing deliveries: ${show}`);
		assert.equal(p.duplicates, 0, `${what}: ${p.phase}: duplicates: ${show}`);
		assert.ok(p.latency_p50_ms > 0 && p.latency_p99_ms >= p.latency_p50_ms, `${what}: ${p.phase}: latency: ${show}`);
		assert.ok(p.messages_per_s > 0 && p.seconds > 0, `${what}: ${p.phase}: rate: ${show}`);
		assert.equal(typeof p.server_cpu_s, 'number', `${what}: ${p.phase}: the gateway's CPU was not read: ${show}`);
	}
	assert.equal(s.phases[0].senders, 1, show);
	assert.equal(s.phases[1].senders, PARTICIPANTS, show);
	assert.equal(s.stale_messages, 0, `${what}: messages of an ended phase: ${show}`);
	assert.equal(r.code, 0, `${what}: exit code ${r.code}\n${r.stderr.slice(-3000)}`);
}

test('parley-loadgen textroom: 5 participants over data channels through parley.plugin.chat (alias janus.plugin.textroom), nothing missing', async (srv) => {
	const r = await runLoadgen(driverArgs(`${srv.wsUrl}/`, '127.0.0.1', srv.pid), 120000);
	assertAllDelivered(r, 'parley chat');
	assert.equal(r.summary.plugin, 'janus.plugin.textroom');
}, { timeout: 150000 });

test('parley-loadgen textroom creates its room when it does not exist', async (srv) => {
	const room = 700000 + Math.floor(Math.random() * 100000);
	const r = await runLoadgen(['--url', `${srv.wsUrl}/`, '--driver', 'textroom', '--iface', '127.0.0.1',
		'--participants', '2', '--messages', '10', '--duration', '10', '--warmup', '0', '--room', String(room),
		'--phases', 'all', '--setup-timeout', '30', '--json-only', '-v', '1'], 90000);
	assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr.slice(-3000)}`);
	assert.match(r.stderr, new RegExp(`room ${room} created`));
	assert.deepEqual(r.summary.phases.map((p) => [p.phase, p.missing]), [['all', 0]]);
}, { timeout: 120000 });

nodeTest('parley-loadgen textroom refuses bad options with exit code 2 and a reason', async () => {
	for (const [args, reason] of [
		[['--participants', '1'], /--participants must be in 2\.\.500/],
		[['--messages', '0'], /--messages must be in 1\.\.100000/],
		[['--window', '300'], /--window must be in 1\.\.256/],
		[['--warmup', '1001'], /--warmup must be in 0\.\.1000/],
		[['--phases', 'one,nope'], /--phases: a list of at most 4 of one, all \(got 'one,nope'\)/],
		[['--phases', ''], /--phases: a list of at most 4 of one, all/],
	]) {
		const r = await runLoadgen(['--driver', 'textroom', ...args], 10000);
		assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
		assert.match(r.stderr, reason, `${args.join(' ')}: ${r.stderr}`);
	}
});

/** Janus's config folder from bench/textroom/ (TextRoom + WebSocket on `port`, gathering on lgj0). */
function janusConfig(port) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadgen-textroom-janus-'));
	for (const f of fs.readdirSync(path.join(SRCDIR, 'bench/textroom')).filter((n) => n.startsWith('janus.'))) {
		const text = fs.readFileSync(path.join(SRCDIR, 'bench/textroom', f), 'utf8').replace('@WS_PORT@', String(port));
		fs.writeFileSync(path.join(dir, f), text);
	}
	return dir;
}

nodeTest('parley-loadgen textroom: the same driver through Janus 1.1.2\'s TextRoom, nothing missing', { timeout: 150000, skip: NOT_LITE }, async (t) => {
	const port = await freePort();
	await withJanusInVeth(t, janusConfig(port), port, async (janus) => {
		const r = await runLoadgen(driverArgs(`ws://127.0.0.1:${port}/`, '127.0.0.3', janus.pid), 120000);
		assertAllDelivered(r, 'janus textroom');
	});
});
