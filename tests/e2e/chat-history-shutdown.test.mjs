// chat-history-shutdown.test.mjs — the chat history is written by the
// store's writer thread, off the event loops, in batches. Another
// process (python3's sqlite3) holds the file's write lock meanwhile:
// messages over the Janus API (a WebSocket, many in flight) are still
// answered at once, with their ids (nothing waits for the file); parleyd
// gets SIGTERM while every one of them still waits for the writer, the
// lock goes a moment later, parleyd exits cleanly having written them
// all, and a late joiner after the restart gets every one, in order,
// with the ids their senders got.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownServerTest } from './lib/harness.mjs';
import { WsChat, assertChatOk } from './lib/chat.mjs';

const ROOM = 4321;
const COUNT = 1000;
const IN_FLIGHT = 50;

/** A python3 process holding `db`'s write lock until release(). */
async function lockFile(db) {
	const script = 'import sqlite3,sys\n' +
		'c=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=10)\n' +
		'c.execute("BEGIN IMMEDIATE")\nprint("locked",flush=True)\nsys.stdin.readline()\n' +
		'c.execute("COMMIT")\nc.close()\n';
	const proc = spawn('/usr/bin/python3', ['-c', script, db], { stdio: ['pipe', 'pipe', 'pipe'] });
	let err = '';
	proc.stderr.on('data', (d) => { err += d; });
	const exited = new Promise((resolve) => proc.on('exit', resolve));
	await new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`no lock: ${err}`)), 15000);
		proc.stdout.on('data', (d) => { if (String(d).includes('locked')) { clearTimeout(t); resolve(); } });
		proc.on('exit', () => { clearTimeout(t); reject(new Error(`the locker exited: ${err}`)); });
	});
	return {
		release: async () => { proc.stdin.end('\n'); await exited; },
		kill: () => { if (proc.exitCode === null) proc.kill('SIGKILL'); },
	};
}

ownServerTest('chat: a burst of messages, SIGTERM at once, restart: the history is complete', async (own) => {
	const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chat-flush-'));
	let lock = null;
	try {
		const config = {
			parley: { general: { state_dir: state, shutdown_grace: 20000 } },
			'parley.plugin.chat': {
				general: { rooms: String(ROOM) },
				[`room-${ROOM}`]: { description: 'Flush', history: COUNT },
				limits: { message_rate: 0 },
			},
		};
		let srv = await own({ config });
		let c = await WsChat.open(srv, { label: 'writer' });
		assertChatOk(await c.request({ request: 'join', room: ROOM, username: 'writer' }), 'join');
		lock = await lockFile(path.join(state, 'chat.db'));
		const ids = new Array(COUNT);
		for (let start = 0; start < COUNT; start += IN_FLIGHT) {
			const batch = [];
			for (let i = start; i < Math.min(COUNT, start + IN_FLIGHT); i++)
				batch.push(c.request({ request: 'message', room: ROOM, text: `m${i}` }).then((r) => { ids[i] = r.id; }));
			await Promise.all(batch);
		}
		for (let i = 1; i < COUNT; i++)
			assert.ok(ids[i] > 0, `message ${i} has an id: ${ids[i]}`);
		// SIGTERM while the writer waits for the lock, without closing the client
		srv.signal('SIGTERM');
		await new Promise((resolve) => setTimeout(resolve, 1000));
		assert.ok(srv.alive(), 'parleyd waits for its writer');
		await lock.release();
		await srv.stop(30000);
		assert.equal(srv.exit.code, 0, `parleyd stopped cleanly: ${JSON.stringify(srv.exit)}`);
		await c.ws.close().catch(() => {});

		srv = await own({ config });
		c = await WsChat.open(srv, { label: 'late' });
		assertChatOk(await c.request({ request: 'join', room: ROOM, username: 'late' }), 'join after the restart');
		const replayed = [];
		for (let i = 0; i < COUNT; i++) replayed.push(await c.event('message', () => true, 15000));
		const joined = await c.event('join', (e) => e.username === 'late');
		assert.equal(joined.room, ROOM);
		assert.deepEqual(replayed.map((m) => m.text), Array.from({ length: COUNT }, (_, i) => `m${i}`),
			'every message, in order');
		assert.deepEqual(replayed.map((m) => m.id), ids, 'with the ids their senders were given');
		assert.equal(c.pending('message').length, 0, 'nothing replayed twice');
		// ids go on after the restart
		const next = await c.request({ request: 'message', room: ROOM, text: 'after' });
		assert.ok(next.id > ids[COUNT - 1], `a new id after the old ones: ${next.id}`);
		await c.close();
	} finally {
		lock?.kill();
		fs.rmSync(state, { recursive: true, force: true });
	}
}, { timeout: 120000 });
