// chat-api.test.mjs — parley.plugin.chat without WebRTC: Janus TextRoom's
// requests as Janus API message bodies from WebSocket and HTTP clients
// (answered synchronously, room events as Janus events), attached as
// parley.plugin.chat and through the janus.plugin.textroom alias; every
// request and every error code; the admin API's message_plugin; /health's
// counters; and a room's history kept across a parleyd restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownServerTest, serverSuite } from './lib/harness.mjs';
import { WsJanus, assertReply, tx } from './lib/janus.mjs';
import { HttpChat, WsChat, assertChatError, assertChatOk } from './lib/chat.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';

const chatConfig = {
	'parley.plugin.chat': {
		limits: { message_rate: 0, max_message_size: 200, max_name_size: 32, max_participants: 4, max_rooms: 6 },
	},
};
const { test } = serverSuite({ config: chatConfig });

let nextRoom = 100;
const newRoom = () => nextRoom++;

test('chat: the plugin, its janus.plugin.textroom alias and Janus\'s sample room 1234', async (srv) => {
	const ws = await WsJanus.connect(srv.wsUrl);
	const info = await ws.request({ janus: 'info' });
	assert.ok(info.plugins?.['parley.plugin.chat'], `info lists parley.plugin.chat: ${JSON.stringify(info.plugins)}`);
	await ws.close();
	const c = await WsChat.open(srv, { plugin: 'janus.plugin.textroom', label: 'alias' });
	const list = await c.request({ request: 'list' });
	assertChatOk(list, 'list');
	const demo = list.list.find((r) => r.room === 1234);
	assert.deepEqual(demo && { description: demo.description, pin_required: demo.pin_required },
		{ description: 'Demo Room', pin_required: false }, JSON.stringify(list));
	assert.equal(demo.history, 50, 'the sample\'s [history] count');
	const exists = await c.request({ request: 'exists', room: 1234 });
	assert.deepEqual(exists, { textroom: 'success', room: 1234, exists: true });
	// the sample room's secret is Janus's
	assertChatError(await c.request({ request: 'kick', room: 1234, username: 'x', secret: 'nope' }), 419, 'wrong secret');
	assertChatError(await c.request({ request: 'kick', room: 1234, username: 'x', secret: 'adminpwd' }), 423,
		'No such user x');
	await c.close();
});

test('chat: rooms over the Janus API — create, exists, list, edit, allowed, destroy', async (srv) => {
	const c = await WsChat.open(srv);
	const room = newRoom();
	const created = await c.request({ request: 'create', room, description: 'E2E room', secret: 'sec', pin: 'pin',
		is_private: true, history: 5 });
	assert.deepEqual(created, { textroom: 'created', room, permanent: false });
	assertChatError(await c.request({ request: 'create', room }), 418, `Room ${room} already exists`);
	const random = await c.request({ request: 'create' });
	assert.ok(Number.isSafeInteger(random.room) && random.room > 0, JSON.stringify(random));
	assert.equal((await c.request({ request: 'exists', room })).exists, true);
	assert.equal((await c.request({ request: 'exists', room: 999999 })).exists, false);
	let list = await c.request({ request: 'list' });
	assert.ok(!list.list.some((r) => r.room === room), 'a private room is not listed');
	assert.ok(list.list.some((r) => r.room === random.room));
	// edit: the secret is needed; the room turns public and pin-free
	assertChatError(await c.request({ request: 'edit', room, new_description: 'x' }), 413, '(secret)');
	assertChatError(await c.request({ request: 'edit', room, secret: 'bad' }), 419, 'wrong secret');
	const edited = await c.request({ request: 'edit', room, secret: 'sec', new_description: 'Renamed',
		new_is_private: false, new_pin: '', new_history: 2 });
	assert.deepEqual(edited, { textroom: 'edited', room, permanent: false });
	list = await c.request({ request: 'list' });
	const mine = list.list.find((r) => r.room === room);
	assert.deepEqual(mine, { room, description: 'Renamed', pin_required: false, num_participants: 0, history: 2,
		history_max_age: 0 });
	// allowed: tokens turn on, a join without one is refused
	const allowed = await c.request({ request: 'allowed', room, secret: 'sec', action: 'add', allowed: ['tok-b', 'tok-a'] });
	assert.deepEqual(allowed, { textroom: 'success', room, allowed: ['tok-a', 'tok-b'] });
	await c.request({ request: 'allowed', room, secret: 'sec', action: 'enable' });
	assertChatError(await c.request({ request: 'join', room, username: 'u' }), 419, 'not in the allowed list');
	assertChatOk(await c.request({ request: 'join', room, username: 'u', token: 'tok-a' }), 'join with a token');
	assertChatError(await c.request({ request: 'allowed', room, secret: 'sec', action: 'shuffle' }), 414,
		"Unsupported action 'shuffle'");
	// destroy: the participant hears it
	const d = await c.request({ request: 'destroy', room, secret: 'sec' });
	assert.deepEqual(d, { textroom: 'destroyed', room, permanent: false });
	assert.equal((await c.event('destroyed')).room, room);
	assertChatError(await c.request({ request: 'destroy', room, secret: 'sec' }), 417, `No such room (${room})`);
	await c.request({ request: 'destroy', room: random.room });
	await c.close();
});

test('chat: join, message, whisper, announcement, kick and leave between WebSocket and HTTP clients', async (srv) => {
	const owner = await WsChat.open(srv, { label: 'owner' });
	const room = newRoom();
	await owner.request({ request: 'create', room, secret: 's', history: 10 });
	const alice = await WsChat.open(srv, { label: 'alice', plugin: 'janus.plugin.textroom' });
	const bob = await HttpChat.open(srv, { label: 'bob' });
	const a = await alice.request({ request: 'join', room, username: 'alice', display: 'Alice' });
	assert.deepEqual(a, { textroom: 'success', participants: [] });
	assert.deepEqual(await alice.event('join'), { textroom: 'join', room, username: 'alice', display: 'Alice' });
	const b = await bob.request({ request: 'join', room, username: 'bob' });
	assert.deepEqual(b.participants, [{ username: 'alice', display: 'Alice' }]);
	assert.equal((await alice.event('join', (e) => e.username === 'bob')).room, room);
	assertChatError(await bob.request({ request: 'join', room, username: 'bob2' }), 421, `Already in room ${room}`);
	assertChatError(await owner.request({ request: 'join', room, username: 'alice' }), 420, 'Username already taken');
	const lp = await owner.request({ request: 'listparticipants', room });
	assert.deepEqual(lp, { textroom: 'success', room, participants: [{ username: 'alice', display: 'Alice' },
		{ username: 'bob' }] });
	// a public message: both get it, the sender too, with an id and a date
	const sent = await alice.request({ request: 'message', room, text: 'hello bob' });
	assertChatOk(sent, 'message');
	assert.ok(sent.id > 0, JSON.stringify(sent));
	for (const who of [alice, bob]) {
		const m = await who.event('message', (e) => e.text === 'hello bob');
		assert.equal(m.from, 'alice');
		assert.equal(m.display, 'Alice');
		assert.equal(m.id, sent.id);
		assert.match(m.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/);
		assert.equal(m.whisper, undefined);
	}
	// whispers: to and tos; only the target hears them
	const w = await bob.request({ request: 'message', room, text: 'just you', to: 'alice' });
	assert.deepEqual(w, { textroom: 'success', sent: { alice: true } });
	const wm = await alice.event('message', (e) => e.text === 'just you');
	assert.equal(wm.whisper, true);
	assert.equal(wm.from, 'bob');
	const ws = await alice.request({ request: 'message', room, text: 'to many', tos: ['bob', 'nobody'] });
	assert.deepEqual(ws.sent, { bob: true, nobody: false });
	assert.equal((await bob.event('message', (e) => e.text === 'to many')).whisper, true);
	assertChatError(await alice.request({ request: 'message', room, text: 'x', to: 'bob', tos: ['bob'] }), 414,
		'Both to and tos');
	// an announcement, with the room's secret
	assertChatError(await owner.request({ request: 'announcement', room, text: 'hear' }), 413, '(secret)');
	assertChatOk(await owner.request({ request: 'announcement', room, secret: 's', text: 'hear ye' }), 'announcement');
	for (const who of [alice, bob]) {
		const an = await who.event('announcement');
		assert.equal(an.text, 'hear ye');
		assert.equal(an.from, undefined);
	}
	assert.equal(alice.pending('message').filter((m) => m.text === 'just you').length, 0, 'no whisper twice');
	// kick: everyone hears it, the kicked one too
	assertChatOk(await owner.request({ request: 'kick', room, secret: 's', username: 'bob' }), 'kick');
	assert.equal((await alice.event('kicked')).username, 'bob');
	assert.equal((await bob.event('kicked')).username, 'bob');
	assertChatError(await bob.request({ request: 'message', room, text: 'still here?' }), 422, `Not in room ${room}`);
	// leave
	assertChatOk(await alice.request({ request: 'leave', room }), 'leave');
	assert.equal((await alice.event('leave')).username, 'alice');
	assertChatError(await alice.request({ request: 'leave', room }), 422, 'Not in room');
	await owner.request({ request: 'destroy', room, secret: 's' });
	await Promise.all([owner.close(), alice.close(), bob.close()]);
});

test('chat: a detached client leaves its rooms; the others hear "leave"', async (srv) => {
	const room = newRoom();
	const a = await WsChat.open(srv, { label: 'a' });
	const b = await WsChat.open(srv, { label: 'b' });
	await a.request({ request: 'create', room });
	await a.request({ request: 'join', room, username: 'stay' });
	await b.request({ request: 'join', room, username: 'go' });
	await b.ws.request({ janus: 'detach', session_id: b.session, handle_id: b.handle });
	assert.equal((await a.event('leave', (e) => e.username === 'go')).room, room);
	assert.deepEqual((await a.request({ request: 'listparticipants', room })).participants, [{ username: 'stay' }]);
	await a.request({ request: 'destroy', room });
	await Promise.all([a.close(), b.close()]);
});

test('chat: every refusal has TextRoom\'s code and a clear reason', async (srv) => {
	const c = await WsChat.open(srv, { label: 'errors' });
	const room = newRoom();
	await c.request({ request: 'create', room, secret: 's', pin: 'p', history: 3 });
	const cases = [
		[{}, 413, '(request)'],
		[{ request: 7 }, 414, 'request should be a string'],
		[{ request: 'fly' }, 415, "Unknown request 'fly'"],
		[{ request: 'join', username: 'u' }, 413, '(room)'],
		[{ request: 'join', room: 'abc', username: 'u' }, 414, 'room should be a positive integer'],
		[{ request: 'join', room: 0, username: 'u' }, 414, 'positive integer'],
		[{ request: 'join', room, username: '' }, 414, 'must not be empty'],
		[{ request: 'join', room, username: 'x'.repeat(33) }, 425, 'max_name_size'],
		[{ request: 'join', room: 424242, username: 'u' }, 417, 'No such room (424242)'],
		[{ request: 'join', room, username: 'u' }, 413, '(pin)'],
		[{ request: 'join', room, username: 'u', pin: 5 }, 414, 'pin should be a string'],
		[{ request: 'join', room, username: 'u', pin: 'no' }, 419, 'wrong pin'],
		[{ request: 'create', room }, 418, 'already exists'],
		[{ request: 'create', post: 'http://127.0.0.1:1/' }, 414, 'not supported'],
		[{ request: 'create', history: -1 }, 414, 'history should be a non-negative integer'],
		[{ request: 'message', room, text: 'x' }, 422, 'Not in room'],
		[{ request: 'kick', room, secret: 's', username: 'ghost' }, 423, 'No such user ghost'],
		[{ request: 'unmute', room, secret: 's', username: 'ghost' }, 423, 'not muted'],
		[{ request: 'edit_message', room, id: 1, text: 'x' }, 422, 'Not in room'],
		[{ request: 'history', room }, 422, 'join it, or give its secret'],
		[{ request: 'history', room, secret: 'wrong' }, 419, 'wrong secret'],
	];
	for (const [body, code, part] of cases) assertChatError(await c.request(body), code, part, JSON.stringify(body));
	// in the room: sizes, messages that do not exist, someone else's message
	assertChatOk(await c.request({ request: 'join', room, username: 'me', pin: 'p' }), 'join');
	assertChatError(await c.request({ request: 'join', room, username: 'me2', pin: 'p' }), 421, 'Already in room');
	assertChatError(await c.request({ request: 'message', room, text: 'y'.repeat(201) }), 425,
		'text is 201 bytes, more than the 200 allowed ([limits] max_message_size)');
	assertChatOk(await c.request({ request: 'message', room, text: 'y'.repeat(200) }), 'a text of exactly the limit');
	assertChatError(await c.request({ request: 'edit_message', room, id: 99999999, text: 'x' }), 426, 'no message 99999999');
	assertChatError(await c.request({ request: 'delete_message', room, id: 99999999 }), 426, 'no message');
	const other = await WsChat.open(srv, { label: 'other' });
	await other.request({ request: 'join', room, username: 'other', pin: 'p' });
	const theirs = await other.request({ request: 'message', room, text: 'mine' });
	assertChatError(await c.request({ request: 'edit_message', room, id: theirs.id, text: 'x' }), 419, 'not sent by me');
	// setup twice, restart before setup (answered by an event after "ack")
	for (const [body, reason] of [[{ request: 'restart' }, 'PeerConnection not setup']]) {
		const t = tx();
		const ack = await c.ws.request({ janus: 'message', transaction: t, session_id: c.session, handle_id: c.handle, body });
		assertReply(ack, 'ack', 'restart');
		const ev = await c.ws.event('event', (m) => m.transaction === t);
		assertChatError(ev.plugindata.data, 416, reason);
	}
	// limits: participants per room and rooms in all
	const full = newRoom();
	await c.request({ request: 'create', room: full });
	const extra = [];
	for (let i = 0; i < 4; i++) {
		const e = await WsChat.open(srv, { label: `p${i}` });
		extra.push(e);
		assertChatOk(await e.request({ request: 'join', room: full, username: `p${i}` }), `join p${i}`);
	}
	assertChatError(await c.request({ request: 'join', room: full, username: 'fifth' }), 427, 'is full');
	const made = [];
	let refused = null;
	for (let i = 0; i < 8 && !refused; i++) {
		const r = await c.request({ request: 'create' });
		if (r.textroom === 'error') refused = r;
		else made.push(r.room);
	}
	assertChatError(refused, 427, '[limits] max_rooms');
	for (const r of [...made, full, room]) await c.request({ request: 'destroy', room: r, secret: 's' });
	await Promise.all([c.close(), other.close(), ...extra.map((e) => e.close())]);
});

test('chat: moderation and edits — ban, mute, edit_message, delete_message, history, purge', async (srv) => {
	const room = newRoom();
	const mod = await WsChat.open(srv, { label: 'mod' });
	const a = await WsChat.open(srv, { label: 'a' });
	const b = await WsChat.open(srv, { label: 'b' });
	await mod.request({ request: 'create', room, secret: 's', history: 10 });
	await a.request({ request: 'join', room, username: 'ann' });
	await b.request({ request: 'join', room, username: 'ben' });
	// mute ben: he cannot write; everyone hears it; unmute
	assertChatOk(await mod.request({ request: 'mute', room, secret: 's', username: 'ben' }), 'mute');
	assert.deepEqual(await a.event('muted'), { textroom: 'muted', room, username: 'ben', muted: true });
	assertChatError(await b.request({ request: 'message', room, text: 'hi' }), 419, 'ben is muted');
	await mod.request({ request: 'unmute', room, secret: 's', username: 'ben' });
	const m = await b.request({ request: 'message', room, text: 'tpyo' });
	// ben edits his own message; ann cannot
	assertChatOk(await b.request({ request: 'edit_message', room, id: m.id, text: 'typo' }), 'edit_message');
	const e = await a.event('message_edited');
	assert.equal(e.id, m.id);
	assert.equal(e.text, 'typo');
	assert.equal(e.from, 'ben');
	assertChatError(await a.request({ request: 'delete_message', room, id: m.id }), 419, 'not sent by ann');
	// the history shows the edit
	const h = await a.request({ request: 'history', room });
	assert.equal(h.total, 1);
	assert.equal(h.messages[0].text, 'typo');
	assert.ok(h.messages[0].edited, JSON.stringify(h.messages[0]));
	// the moderator deletes it with the secret
	assertChatOk(await mod.request({ request: 'delete_message', room, id: m.id, secret: 's' }), 'delete by the owner');
	assert.equal((await a.event('message_deleted')).id, m.id);
	assert.equal((await mod.request({ request: 'history', room, secret: 's' })).total, 0);
	// ban: ben is out (kicked with banned: true) and cannot come back until unbanned
	const ban = await mod.request({ request: 'ban', room, secret: 's', username: 'ben' });
	assert.deepEqual(ban, { textroom: 'success', room, username: 'ben', kicked: true });
	assert.deepEqual(await a.event('kicked'), { textroom: 'kicked', room, username: 'ben', banned: true });
	assertChatError(await b.request({ request: 'join', room, username: 'ben' }), 419, 'ben is banned');
	await mod.request({ request: 'unban', room, secret: 's', username: 'ben' });
	assertChatOk(await b.request({ request: 'join', room, username: 'ben' }), 'join after unban');
	// purge
	await a.request({ request: 'message', room, text: 'one' });
	await a.request({ request: 'message', room, text: 'two' });
	assert.deepEqual(await mod.request({ request: 'purge', room, secret: 's' }), { textroom: 'success', room, removed: 2 });
	assert.equal((await a.request({ request: 'history', room })).total, 0);
	await mod.request({ request: 'destroy', room, secret: 's' });
	await Promise.all([mod.close(), a.close(), b.close()]);
});

test('chat: the admin API (message_plugin) lists, kicks, purges and destroys; /health counts', async (srv) => {
	const room = newRoom();
	const c = await WsChat.open(srv);
	await c.request({ request: 'create', room, secret: 'only-the-owner', history: 5, is_private: true });
	await c.request({ request: 'join', room, username: 'target' });
	await c.request({ request: 'message', room, text: 'kept' });
	const health = await (await fetch(`${srv.httpUrl}/health`)).json();
	assert.ok(health.chatRooms >= 2 && health.chatParticipants >= 1 && health.chatMessages >= 1, JSON.stringify(health));
	const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
	assert.match(metrics, /parley_plugin_chat_rooms\{plugin="parley.plugin.chat"\} \d+/);
	const admin = await WsJanus.connect(srv.wsUrl, 'janus-admin-protocol', { extra: { admin_secret: ADMIN_SECRET } });
	const ask = async (request) => {
		const r = await admin.request({ janus: 'message_plugin', plugin: 'parley.plugin.chat', request });
		assertReply(r, 'success', `message_plugin ${JSON.stringify(request)}`);
		return r.response;
	};
	assert.ok((await ask({ request: 'list' })).list.some((r) => r.room === room), 'the admin API lists private rooms');
	assert.equal((await ask({ request: 'history', room })).total, 1);
	assert.deepEqual(await ask({ request: 'purge', room }), { textroom: 'success', room, removed: 1 });
	assertChatOk(await ask({ request: 'kick', room, username: 'target' }), 'admin kick (no secret)');
	assert.equal((await c.event('kicked')).username, 'target');
	assertChatError(await ask({ request: 'join', room, username: 'root' }), 415, 'not available over the admin API');
	const handles = await admin.request({ janus: 'list_handles', session_id: c.session });
	assert.ok(handles.handles?.includes(c.handle));
	const hi = await admin.request({ janus: 'handle_info', session_id: c.session, handle_id: c.handle });
	const specific = hi.info?.plugin_specific;
	assert.equal(specific?.setup, false, JSON.stringify(hi).slice(0, 400));
	assert.deepEqual(specific.rooms, [], 'kicked: in no room');
	assert.deepEqual(await ask({ request: 'destroy', room }), { textroom: 'destroyed', room, permanent: false });
	await admin.close();
	await c.close();
});

test('chat: over HTTP long-poll a joined client gets its room\'s events', async (srv) => {
	const room = newRoom();
	const h = await HttpChat.open(srv, { label: 'poller', plugin: 'janus.plugin.textroom' });
	const w = await WsChat.open(srv, { label: 'talker' });
	await w.request({ request: 'create', room });
	await h.request({ request: 'join', room, username: 'poller' });
	await w.request({ request: 'join', room, username: 'talker' });
	assert.equal((await h.event('join', (e) => e.username === 'talker')).room, room);
	await w.request({ request: 'message', room, text: 'over http' });
	assert.equal((await h.event('message', (e) => e.text === 'over http')).from, 'talker');
	await w.request({ request: 'destroy', room });
	assert.equal((await h.event('destroyed')).room, room);
	await Promise.all([h.close(), w.close()]);
});

ownServerTest('chat: the rate limit refuses a flood with 424 and says when to retry', async (own) => {
	const srv = await own({ config: { 'parley.plugin.chat': { limits: { message_rate: 1, message_burst: 2 } } } });
	const c = await WsChat.open(srv);
	await c.request({ request: 'join', room: 1234, username: 'flood' });
	let refused = null;
	for (let i = 0; i < 20 && !refused; i++) {
		const r = await c.request({ request: 'message', room: 1234, text: `flood ${i}` });
		if (r.textroom === 'error') refused = r;
	}
	assertChatError(refused, 424, 'at most 1 messages per second (bursts of 2)');
	assert.match(refused.error, /retry in \d+ ms/);
	await c.close();
});

ownServerTest('chat: a room\'s history and a permanent room survive a parleyd restart', async (own) => {
	const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chat-state-'));
	try {
		const config = { ...chatConfig, parley: { general: { state_dir: state } } };
		let srv = await own({ config });
		let c = await WsChat.open(srv, { label: 'before' });
		await c.request({ request: 'create', room: 77, description: 'Kept', secret: 'k', history: 3, permanent: true });
		await c.request({ request: 'join', room: 77, username: 'writer' });
		await c.request({ request: 'join', room: 1234, username: 'writer' });
		for (const text of ['m1', 'm2', 'm3', 'm4']) await c.request({ request: 'message', room: 77, text });
		await c.request({ request: 'message', room: 1234, text: 'in the demo room' });
		await c.close();
		await srv.stop();
		assert.equal(srv.exit.code, 0, `parleyd stopped cleanly: ${JSON.stringify(srv.exit)}`);
		assert.ok(fs.existsSync(path.join(state, 'chat.db')), 'the store is in state_dir');

		srv = await own({ config });
		c = await WsChat.open(srv, { label: 'after' });
		const list = await c.request({ request: 'list' });
		assert.ok(list.list.some((r) => r.room === 77 && r.description === 'Kept' && r.history === 3), JSON.stringify(list));
		await c.request({ request: 'join', room: 77, username: 'late' });
		const replayed = [];
		for (let i = 0; i < 3; i++) replayed.push((await c.event('message')).text);
		assert.deepEqual(replayed, ['m2', 'm3', 'm4']);
		const joined = await c.event('join');
		assert.equal(joined.username, 'late');
		await c.request({ request: 'join', room: 1234, username: 'late' });
		const demo = await c.event('message', (m) => m.room === 1234);
		assert.equal(demo.text, 'in the demo room');
		assert.equal(demo.from, 'writer');
		assert.equal(c.pending('message').length, 0, 'nothing replayed twice');
		// destroyed permanently: gone after the next restart
		await c.request({ request: 'destroy', room: 77, secret: 'k', permanent: true });
		await c.close();
		await srv.stop();
		srv = await own({ config });
		c = await WsChat.open(srv, { label: 'third' });
		assert.equal((await c.request({ request: 'exists', room: 77 })).exists, false);
		await c.close();
	} finally {
		fs.rmSync(state, { recursive: true, force: true });
	}
}, { timeout: 60000 });
