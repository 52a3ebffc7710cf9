// chat-meeting.test.mjs — the meeting service's chat kept through the chat
// store: meeting-chat-message between real socket.io-client participants
// (each relayed message carries its id), a late joiner reading what was
// said with GET /api/meetings/:roomId/chat (paginated with limit and
// before), a meeting with isChatEnabled: false refusing chat and keeping
// nothing, and the chat still there after parleyd restarts on the same
// state folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownServerTest, serverSuite } from './lib/harness.mjs';
import { MODES, connectClient, createMeeting, joinMeeting, sioUrl } from './lib/socketio.mjs';

const { test } = serverSuite();
const mode = MODES[1]; // websocket only

async function getChat(srv, roomId, query = '') {
	const r = await fetch(`${sioUrl(srv)}/api/meetings/${roomId}/chat${query}`, { signal: AbortSignal.timeout(5000) });
	return { status: r.status, body: await r.json() };
}

async function say(client, roomId, message) {
	client.emit('meeting-chat-message', { roomId, message });
	return client.next('meeting-chat-message', (m) => m.message === message);
}

test('a late joiner reads the meeting\'s chat, page by page', async (srv) => {
	const meeting = await createMeeting(srv, { hostId: 'host-c' });
	const host = await connectClient(srv, mode, 'host');
	const guest = await connectClient(srv, mode, 'guest');
	let late = null;
	try {
		await joinMeeting(host, meeting.roomId, { userId: 'host-c', userName: 'Host' });
		await joinMeeting(guest, meeting.roomId, { userId: 'guest-1', userName: 'Guest' });
		const ids = [];
		for (let i = 0; i < 5; i++) {
			const from = i % 2 ? guest : host;
			const heard = await say(from, meeting.roomId, `line ${i}`);
			assert.ok(Number.isInteger(heard.id) && heard.id > 0, JSON.stringify(heard));
			ids.push(heard.id);
		}
		// someone joins later and reads the chat over REST
		late = await connectClient(srv, mode, 'late');
		await joinMeeting(late, meeting.roomId, { userId: 'late-1', userName: 'Late' });
		const all = await getChat(srv, meeting.roomId);
		assert.equal(all.status, 200, JSON.stringify(all.body));
		assert.equal(all.body.success, true);
		assert.equal(all.body.total, 5);
		assert.equal(all.body.hasMore, false);
		assert.deepEqual(all.body.messages.map((m) => m.message), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
		assert.deepEqual(all.body.messages.map((m) => m.id), ids);
		assert.deepEqual({ ...all.body.messages[1], timestamp: undefined },
			{ id: ids[1], userId: 'guest-1', userName: 'Guest', message: 'line 1', timestamp: undefined });
		assert.match(all.body.messages[1].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		// pages: the newest two, then the two before
		const last = await getChat(srv, meeting.roomId, '?limit=2');
		assert.deepEqual(last.body.messages.map((m) => m.message), ['line 3', 'line 4']);
		assert.equal(last.body.hasMore, true);
		const before = await getChat(srv, meeting.roomId, `?limit=2&before=${last.body.messages[0].id}`);
		assert.deepEqual(before.body.messages.map((m) => m.message), ['line 1', 'line 2']);
		// bad queries and an unknown meeting
		assert.equal((await getChat(srv, meeting.roomId, '?limit=0')).status, 400);
		assert.equal((await getChat(srv, meeting.roomId, '?before=abc')).status, 400);
		const missing = await getChat(srv, 'nosuchroom');
		assert.deepEqual({ status: missing.status, error: missing.body.error }, { status: 404, error: 'Meeting not found' });
	} finally {
		for (const c of [host, guest, late]) c?.close();
	}
});

test('isChatEnabled: false refuses chat and keeps nothing', async (srv) => {
	const meeting = await createMeeting(srv, { hostId: 'quiet-host', settings: { isChatEnabled: false } });
	const host = await connectClient(srv, mode, 'quiet');
	try {
		await joinMeeting(host, meeting.roomId, { userId: 'quiet-host', userName: 'Q' });
		host.emit('meeting-chat-message', { roomId: meeting.roomId, message: 'anyone?' });
		assert.equal((await host.next('meeting-error')).error, 'Chat is disabled in this meeting');
		const chat = await getChat(srv, meeting.roomId);
		assert.deepEqual({ total: chat.body.total, messages: chat.body.messages }, { total: 0, messages: [] });
	} finally {
		host.close();
	}
});

ownServerTest('the meeting\'s chat outlives a parleyd restart', async (own) => {
	const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-meeting-chat-'));
	try {
		const opts = { config: { parley: { general: { state_dir: state } } } };
		let srv = await own(opts);
		const meeting = await createMeeting(srv, { hostId: 'h' });
		const host = await connectClient(srv, mode, 'host');
		await joinMeeting(host, meeting.roomId, { userId: 'h', userName: 'H' });
		await say(host, meeting.roomId, 'said before the restart');
		host.close();
		await srv.stop();
		srv = await own(opts);
		const chat = await getChat(srv, meeting.roomId);
		assert.equal(chat.status, 200, JSON.stringify(chat.body));
		assert.deepEqual(chat.body.messages.map((m) => `${m.userId}: ${m.message}`), ['h: said before the restart']);
	} finally {
		fs.rmSync(state, { recursive: true, force: true });
	}
}, { timeout: 60000 });
