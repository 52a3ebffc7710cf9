// chat-aiortc-netns.test.mjs — parley.plugin.chat with a python3-aiortc
// client over a real data channel (tests/e2e/aiortc/chat_client.py:
// "setup", the plugin's data-only offer answered with a channel of its
// own and "ack", then TextRoom requests on the channel) beside a Janus API
// participant on a WebSocket, in a network namespace with only lo:
//  - the Janus API participant fills Janus's sample room 1234 with 1000
//    messages of 3000 bytes (3 MB: more than the SCTP send buffer holds);
//  - aiortc joins late and gets the whole history over its data channel,
//    in order, then its join event, then the join's answer — nothing
//    dropped (handle_info's send_queue shows none dropped);
//  - public messages both ways, whispers both ways ("to" and "tos"), an
//    announcement; the join and the leave of the aiortc participant are
//    seen by the other.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, SRCDIR } from './lib/server.mjs';
import { assertLoopbackOnly } from './lib/browser.mjs';
import { WsChat, assertChatOk } from './lib/chat.mjs';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(SRCDIR, 'tests', 'e2e', 'aiortc', 'chat_client.py');
const ROOM = 1234;
const HISTORY = 1000;
const SIZE = 3000;
const IN_FLIGHT = 50;

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		'parley.plugin.chat': { [`room-${ROOM}`]: { history: HISTORY }, limits: { message_rate: 0 } },
	},
});

const textOf = (i) => `m${i}:`.padEnd(SIZE, 'x');

/** Starts the client; its lines are kept and waited for. */
function startClient(srv, username) {
	const proc = spawn(PYTHON, [CLIENT, '--url', srv.httpUrl, '--room', String(ROOM), '--username', username],
		{ stdio: ['pipe', 'pipe', 'pipe'] });
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
	client.describe = () => `lines ${JSON.stringify(client.lines.map((l) => l.phase ? { phase: l.phase } : l)).slice(-1500)}; ` +
		`exit ${JSON.stringify(client.exit)}; stderr ${client.stderr.slice(-1500)}`;
	client.next = async (pred, ms, what) => {
		const deadline = Date.now() + ms;
		for (;;) {
			const i = client.lines.findIndex(pred);
			if (i >= 0) return client.lines.splice(i, 1)[0];
			const error = client.lines.find((l) => l.error);
			if (error || client.exit || Date.now() > deadline)
				throw new Error(`${what}: not reached; ${client.describe()}`);
			await new Promise((resolve) => {
				client.waiters.push(resolve);
				setTimeout(resolve, 500);
			});
		}
	};
	client.event = (pred, what) => client.next((l) => l.event && pred(l.event), 20000, what).then((l) => l.event);
	client.send = (body) => client.proc.stdin.write(`${JSON.stringify(body)}\n`);
	return client;
}

async function handleInfo(srv, session, handle) {
	const r = await fetch(`${srv.httpUrl}/admin/${session}/${handle}`, {
		method: 'POST', signal: AbortSignal.timeout(5000),
		body: JSON.stringify({ janus: 'handle_info', transaction: 'e2e', admin_secret: ADMIN_SECRET }),
	});
	return (await r.json()).info;
}

test('chat: an aiortc client over a data channel, a 3 MB history and a Janus API participant', async (srv, t) => {
	assertLoopbackOnly();
	const api = await WsChat.open(srv, { label: 'api' });
	let client = null;
	try {
		assertChatOk(await api.request({ request: 'join', room: ROOM, username: 'api', display: 'Janus API' }), 'join');
		for (let start = 0; start < HISTORY; start += IN_FLIGHT) {
			const batch = [];
			for (let i = start; i < Math.min(HISTORY, start + IN_FLIGHT); i++)
				batch.push(api.request({ request: 'message', room: ROOM, text: textOf(i) }));
			await Promise.all(batch);
		}
		api.ws.inbox.length = 0; // its own messages back

		client = startClient(srv, 'py');
		const ready = await client.next((l) => l.ready, 30000, 'the client attached');
		const joined = await client.next((l) => l.phase === 'joined', 180000, 'the join over the data channel');
		const history = joined.before.filter((m) => m.textroom === 'message');
		assert.equal(history.length, HISTORY, 'the whole history');
		assert.deepEqual(history.map((m) => m.head), Array.from({ length: HISTORY }, (_, i) => textOf(i).slice(0, 24)),
			'the history in order');
		assert.ok(history.every((m) => m.size === SIZE && m.from === 'api' && !m.whisper));
		for (let i = 1; i < HISTORY; i++) assert.ok(history[i].id > history[i - 1].id);
		assert.equal(joined.before.length, HISTORY + 1, `the history, then the join event: ${JSON.stringify(joined.before.slice(HISTORY))}`);
		assert.equal(joined.before[HISTORY].textroom, 'join');
		assert.equal(joined.before[HISTORY].username, 'py');
		assert.equal(joined.answer.textroom, 'success');
		assert.deepEqual(joined.answer.participants, [{ username: 'api', display: 'Janus API' }]);
		const seen = await api.event('join', (e) => e.username === 'py');
		assert.equal(seen.display, 'aiortc');
		const info = await handleInfo(srv, ready.session, ready.handle);
		const queue = info?.plugin_specific?.data?.send_queue ?? info?.plugin_specific?.send_queue;
		assert.ok(queue, `handle_info shows the send queue: ${JSON.stringify(info).slice(0, 800)}`);
		assert.equal(queue.dropped, 0, JSON.stringify(queue));
		t.diagnostic(`aiortc's send queue after the replay: ${JSON.stringify(queue)}`);
		assert.ok(queue.sent >= HISTORY + 2, JSON.stringify(queue));

		// public messages both ways
		client.send({ textroom: 'message', transaction: 't1', room: ROOM, text: 'hello from aiortc' });
		const fromPy = await api.event('message', (e) => e.text === 'hello from aiortc');
		assert.equal(fromPy.from, 'py');
		assert.equal(fromPy.display, 'aiortc');
		const ack = await client.event((e) => e.transaction === 't1', 'the answer to a message');
		assert.equal(ack.textroom, 'success');
		assert.ok(ack.id > history[HISTORY - 1].id);
		await client.event((e) => e.textroom === 'message' && e.text === 'hello from aiortc', 'its own message back');
		await api.request({ request: 'message', room: ROOM, text: 'hello from the API' });
		const fromApi = await client.event((e) => e.textroom === 'message' && e.text === 'hello from the API', 'a message');
		assert.equal(fromApi.from, 'api');
		// whispers both ways
		const sent = await api.request({ request: 'message', room: ROOM, text: 'psst', to: 'py' });
		assert.deepEqual(sent.sent, { py: true });
		const whisper = await client.event((e) => e.text === 'psst', 'a whisper');
		assert.equal(whisper.whisper, true);
		assert.equal(whisper.from, 'api');
		client.send({ textroom: 'message', transaction: 't2', room: ROOM, text: 'back at you', tos: ['api', 'nobody'] });
		const back = await api.event('message', (e) => e.text === 'back at you');
		assert.equal(back.whisper, true);
		assert.deepEqual((await client.event((e) => e.transaction === 't2', 'the whisper\'s answer')).sent,
			{ api: true, nobody: false });
		// an announcement (the sample room's secret)
		await api.request({ request: 'announcement', room: ROOM, secret: 'adminpwd', text: 'closing soon' });
		const announced = await client.event((e) => e.textroom === 'announcement', 'an announcement');
		assert.equal(announced.text, 'closing soon');
		// leaving
		client.send({ textroom: 'leave', transaction: 't3', room: ROOM });
		await api.event('leave', (e) => e.username === 'py');
		client.proc.stdin.end('\n');
		const exit = await Promise.race([client.exited, new Promise((r) => setTimeout(() => r('still running'), 20000))]);
		assert.deepEqual(exit, { code: 0, signal: null }, client.describe());
	} catch (err) {
		if (client) err.message += `\n${client.describe()}`;
		throw err;
	} finally {
		if (client && !client.exit) client.proc.kill('SIGKILL');
		if (client) await client.exited;
		await api.close();
	}
}, { timeout: 300000 });
