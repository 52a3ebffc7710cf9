// chat-socketio.test.mjs — parley.plugin.chat from the real
// socket.io-client v4 on the chat listener ([socketio.chat], the sample's
// section: plugin = parley.plugin.chat, event_name = textroom): each
// TextRoom request is socket.emit(name, body, ack) and the ack gets its
// answer; the room's events arrive by their TextRoom name. A Socket.IO
// client and a Janus API (WebSocket) client share a room: join, message,
// whisper, errors in the ack, kick, history on join, and the Socket.IO
// client's disconnect heard as "leave". In both client modes (polling then
// upgrade, WebSocket only).
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { freePort } from './lib/server.mjs';
import { MODES } from './lib/socketio.mjs';
import { SioChat, WsChat, assertChatError, assertChatOk } from './lib/chat.mjs';

const chatPort = await freePort();
const { test } = serverSuite({
	config: {
		'parley.transport.websocket': {
			socketio: { listeners: 'chat' },
			'socketio.chat': { port: chatPort },
		},
		'parley.plugin.chat': { limits: { message_rate: 0 } },
	},
});

let nextRoom = 300;

for (const mode of MODES) {
	test(`Socket.IO and Janus API clients chat in one room (${mode.name})`, async (srv) => {
		const room = nextRoom++;
		const janus = await WsChat.open(srv, { label: 'janus' });
		const sio = await SioChat.open(chatPort, { label: 'sio', opts: mode.opts });
		try {
			assertChatOk(await sio.request('create', { room, secret: 'sio-secret', history: 5 }), 'create', 'created');
			assertChatOk(await janus.request({ request: 'join', room, username: 'jan', display: 'Jan' }), 'janus join');
			await janus.request({ request: 'message', room, text: 'before sio came' });
			// the Socket.IO client joins: the history first, then its own join, then the ack
			const joined = await sio.request('join', { room, username: 'sia', display: 'Sia' });
			assert.deepEqual(joined, { textroom: 'success', participants: [{ username: 'jan', display: 'Jan' }] });
			const replayed = await sio.event('message');
			assert.equal(replayed.text, 'before sio came');
			assert.equal(replayed.from, 'jan');
			assert.deepEqual(await sio.event('join'), { textroom: 'join', room, username: 'sia', display: 'Sia' });
			assert.equal((await janus.event('join', (e) => e.username === 'sia')).display, 'Sia');
			// messages both ways
			const sent = await sio.request('message', { room, text: 'hello from socket.io' });
			assertChatOk(sent, 'sio message');
			const heard = await janus.event('message', (e) => e.text === 'hello from socket.io');
			assert.equal(heard.from, 'sia');
			assert.equal(heard.id, sent.id);
			assert.equal((await sio.event('message', (e) => e.text === 'hello from socket.io')).from, 'sia');
			await janus.request({ request: 'message', room, text: 'hello from janus' });
			assert.equal((await sio.event('message', (e) => e.text === 'hello from janus')).from, 'jan');
			// whispers both ways
			assert.deepEqual(await sio.request('message', { room, text: 'psst jan', to: 'jan' }),
				{ textroom: 'success', sent: { jan: true } });
			assert.equal((await janus.event('message', (e) => e.text === 'psst jan')).whisper, true);
			await janus.request({ request: 'message', room, text: 'psst sia', tos: ['sia'] });
			const whisper = await sio.event('message', (e) => e.text === 'psst sia');
			assert.equal(whisper.whisper, true);
			assert.equal(whisper.from, 'jan');
			// refusals come back in the ack
			assertChatError(await sio.request('join', { room, username: 'again' }), 421, `Already in room ${room}`);
			assertChatError(await sio.request('message', { room: 'nope', text: 'x' }), 414, 'positive integer');
			assertChatError(await sio.request('teleport', { room }), 415, "Unknown request 'teleport'");
			// a page of the history, an announcement, listparticipants
			const h = await sio.request('history', { room });
			assert.deepEqual(h.messages.map((m) => m.text), ['before sio came', 'hello from socket.io', 'hello from janus']);
			assertChatOk(await sio.request('announcement', { room, secret: 'sio-secret', text: 'from the owner' }), 'announce');
			assert.equal((await janus.event('announcement')).text, 'from the owner');
			assert.equal((await sio.event('announcement')).text, 'from the owner');
			const lp = await sio.request('listparticipants', { room });
			assert.deepEqual(lp.participants.map((p) => p.username), ['jan', 'sia']);
			// the Socket.IO client goes: the room hears "leave"
			sio.close();
			assert.equal((await janus.event('leave', (e) => e.username === 'sia')).room, room);
			assert.deepEqual((await janus.request({ request: 'listparticipants', room })).participants,
				[{ username: 'jan', display: 'Jan' }]);
			await janus.request({ request: 'destroy', room, secret: 'sio-secret' });
		} finally {
			sio.close();
			await janus.close();
		}
	});
}

test('a kicked Socket.IO client hears "kicked" and may not write', async (srv) => {
	const room = nextRoom++;
	const sio = await SioChat.open(chatPort, { label: 'kicked' });
	const owner = await WsChat.open(srv, { label: 'owner' });
	try {
		await owner.request({ request: 'create', room, secret: 's' });
		assertChatOk(await sio.request('join', { room, username: 'k' }), 'join');
		assertChatOk(await owner.request({ request: 'kick', room, secret: 's', username: 'k' }), 'kick');
		assert.deepEqual(await sio.event('kicked'), { textroom: 'kicked', room, username: 'k' });
		assertChatError(await sio.request('message', { room, text: 'x' }), 422, `Not in room ${room}`);
		await owner.request({ request: 'destroy', room, secret: 's' });
	} finally {
		sio.close();
		await owner.close();
	}
});
