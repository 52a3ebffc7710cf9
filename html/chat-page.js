// chat-page.js — chat.html: a text room of parley.plugin.chat over a data
// channel, as Janus's TextRoom demo joins one. Through the Janus API
// (parley.js): attach, {"request": "setup"}; the plugin's event carries a
// data-only offer, answered with a channel of our own ("JanusDataChannel")
// and {"request": "ack"}; then TextRoom requests as JSON text on the
// channel, each with a transaction its answer repeats. Events (join,
// leave, message, announcement, kicked, destroyed) come on the channel
// too. The messages that arrive before the join's answer are the room's
// history. A whisper ("to") reaches only its target, so the page shows
// its own whispers itself.
//
// The page's state is on window.chatState: {status, open, joined, room,
// username, participants: {username: display}, messages: [{from, display,
// text, date, whisper, to, history, announcement}], events, error}.
import { Parley } from './parley.js';
import { $, params, pageLog } from './page-common.js';

const LABEL = 'JanusDataChannel';
const JOIN_TIMEOUT_MS = 120000;   // a long history comes before the join's answer
const REQUEST_TIMEOUT_MS = 10000;

const state = window.chatState = {
	status: 'Not joined', open: false, joined: false, room: null, username: null,
	participants: {}, messages: [], events: [], error: null,
};
const conn = { session: null, handle: null, pc: null, channel: null, pending: new Map(), seq: 0 };

const { log, setStatus, fail } = pageLog(state);

function setJoined(joined) {
	state.joined = joined;
	$('join').disabled = joined || state.open;
	$('leave').disabled = !joined;
	for (const id of ['to', 'text', 'send']) $(id).disabled = !joined;
	for (const id of ['room', 'username', 'display', 'pin']) $(id).disabled = joined;
}

/* ---- the message list and the participants ---- */

function addMessage(m) {
	state.messages.push(m);
	const li = document.createElement('li');
	li.className = [m.history && 'history', m.whisper && 'whisper', m.announcement && 'announcement']
		.filter(Boolean).join(' ');
	if (m.date) li.append(Object.assign(document.createElement('span'), { className: 'when', textContent: m.date.slice(11, 19) }));
	const who = m.announcement ? 'Announcement' : m.to ? `${m.from} → ${m.to}`
		: (m.display || state.participants[m.from] || m.from);
	li.append(Object.assign(document.createElement('span'), { className: 'who', textContent: who }));
	li.append(document.createTextNode(m.text));
	li.dataset.from = m.from || '';
	const list = $('messages');
	list.append(li);
	while (list.children.length > 1000) list.firstElementChild.remove();
	list.scrollTop = list.scrollHeight;
}

function notice(text) {
	const li = Object.assign(document.createElement('li'), { className: 'notice', textContent: text });
	$('messages').append(li);
}

function renderParticipants() {
	const names = Object.keys(state.participants).sort();
	const list = $('participants');
	list.replaceChildren(...names.map((u) => {
		const li = document.createElement('li');
		li.textContent = state.participants[u] && state.participants[u] !== u ? `${state.participants[u]} (${u})` : u;
		li.dataset.username = u;
		if (u === state.username) li.className = 'me';
		return li;
	}));
	$('count').textContent = `(${names.length})`;
	const to = $('to');
	const chosen = to.value;
	to.replaceChildren(new Option('everyone', ''),
		...names.filter((u) => u !== state.username).map((u) => new Option(state.participants[u] || u, u)));
	to.value = names.includes(chosen) ? chosen : '';
}

/* ---- the data channel ---- */

/** A TextRoom request on the channel: resolves with its answer, rejects on an error answer. */
function request(body, timeoutMs = REQUEST_TIMEOUT_MS) {
	if (!conn.channel || conn.channel.readyState !== 'open') return Promise.reject(new Error('the data channel is not open'));
	const transaction = `${++conn.seq}-${Parley.randomString(6)}`;
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			conn.pending.delete(transaction);
			reject(new Error(`${body.textroom}: no answer within ${timeoutMs} ms`));
		}, timeoutMs);
		conn.pending.set(transaction, (m) => {
			clearTimeout(timer);
			if (m.textroom === 'error') reject(Object.assign(new Error(`${body.textroom}: ${m.error} (${m.error_code})`), { code: m.error_code }));
			else resolve(m);
		});
		conn.channel.send(JSON.stringify({ ...body, transaction }));
	});
}

const onEvent = {
	message: (m) => addMessage({ from: m.from, display: m.display, text: m.text, date: m.date, whisper: !!m.whisper,
		history: !state.joined }),
	announcement: (m) => addMessage({ text: m.text, date: m.date, announcement: true, history: !state.joined }),
	join: (m) => {
		state.participants[m.username] = m.display || m.username;
		renderParticipants();
		if (m.username !== state.username) notice(`${m.display || m.username} joined`);
	},
	leave: (m) => {
		delete state.participants[m.username];
		renderParticipants();
		if (m.username !== state.username) notice(`${m.username} left`);
	},
	kicked: (m) => {
		delete state.participants[m.username];
		renderParticipants();
		notice(`${m.username} was removed from the room`);
		if (m.username === state.username) left('you were removed from the room');
	},
	destroyed: () => left('the room was destroyed'),
	message_edited: (m) => notice(`${m.from} edited a message: ${m.text}`),
	message_deleted: () => notice('a message was deleted'),
};

function onData(text) {
	let m;
	try { m = JSON.parse(text); } catch { log(`not JSON on the channel: ${String(text).slice(0, 80)}`); return; }
	const answer = m.transaction && conn.pending.get(m.transaction);
	if (answer) {
		conn.pending.delete(m.transaction);
		answer(m);
		return;
	}
	const handler = onEvent[m.textroom];
	if (handler) handler(m);
	else log(`event ${m.textroom}`);
}

function useChannel(channel) {
	if (conn.channel && conn.channel.readyState !== 'closed') return;
	conn.channel = channel;
	channel.onmessage = (e) => onData(e.data);
	channel.onopen = () => { state.open = true; log(`data channel "${channel.label}" open`); conn.opened?.(); };
	channel.onclose = () => { state.open = false; log(`data channel "${channel.label}" closed`); };
}

/* ---- joining and leaving ---- */

/** The plugin's data-only offer: answered with our channel and "ack". */
async function answerOffer(jsep) {
	await conn.pc.setRemoteDescription(jsep);
	if (!conn.channel) useChannel(conn.pc.createDataChannel(LABEL));
	await conn.pc.setLocalDescription(await conn.pc.createAnswer());
	await conn.handle.send({ request: 'ack' }, conn.pc.localDescription);
	log('answer sent');
}

async function connect(server) {
	conn.session = await Parley.connect(server);
	conn.session.on('closed', (why) => { if (state.joined) left(`the session ended: ${why}`); });
	conn.handle = await conn.session.attach('parley.plugin.chat');
	const pc = conn.pc = new RTCPeerConnection({ iceServers: [] });
	pc.onicecandidate = (e) => conn.handle?.trickle(e.candidate).catch((err) => log(`trickle: ${err.message}`));
	pc.ondatachannel = (e) => useChannel(e.channel);
	pc.onconnectionstatechange = () => log(`connection ${pc.connectionState}`);
	conn.handle.on('trickle', (c) => {
		if (c && !c.completed) pc.addIceCandidate(c).catch((err) => log(`remote candidate: ${err.message}`));
	});
	conn.handle.on('message', (data, jsep) => {
		if (data?.textroom === 'error') fail(new Error(`${data.error} (${data.error_code})`));
		if (jsep?.type === 'offer') answerOffer(jsep).catch(fail);
	});
	conn.handle.on('hangup', (why) => { if (state.joined) left(`hung up: ${why}`); });
	const opened = new Promise((resolve, reject) => {
		conn.opened = resolve;
		setTimeout(() => reject(new Error('the data channel did not open within 30 s')), 30000);
	});
	await conn.handle.send({ request: 'setup' });
	setStatus('Connecting the data channel…');
	await opened;
}

async function join(e) {
	e?.preventDefault();
	const room = Number.parseInt($('room').value, 10);
	const username = $('username').value.trim();
	if (!Number.isInteger(room) || room < 1 || !username) {
		fail(new Error('a room number and a username, please'));
		return;
	}
	$('join').disabled = true;
	state.error = null;
	try {
		if (!conn.channel || conn.channel.readyState !== 'open')
			await connect(params.get('server') || Parley.defaultServer('ws'));
		state.room = room;
		state.username = username;
		state.participants = {};
		setStatus('Joining…');
		const body = { textroom: 'join', room, username, history: true };
		if ($('display').value.trim()) body.display = $('display').value.trim();
		if ($('pin').value) body.pin = $('pin').value;
		const answer = await request(body, JOIN_TIMEOUT_MS);
		for (const p of answer.participants || []) state.participants[p.username] = p.display || p.username;
		state.participants[username] = body.display || username;
		renderParticipants();
		setJoined(true);
		const kept = state.messages.filter((m) => m.history).length;
		setStatus(`In room ${room} as ${username}`, 'ok');
		log(`joined room ${room}: ${kept} messages of history, ${Object.keys(state.participants).length} here`);
	} catch (err) {
		fail(err);
		$('join').disabled = false;
	}
}

async function send(e) {
	e.preventDefault();
	const text = $('text').value;
	if (!text) return;
	const to = $('to').value;
	const body = { textroom: 'message', room: state.room, text };
	if (to) body.to = to;
	try {
		await request(body);
		$('text').value = '';
		if (to) addMessage({ from: state.username, to, text, whisper: true, date: new Date().toISOString() });
	} catch (err) {
		fail(err);
	}
}

/** Out of the room (asked, kicked, destroyed, hung up): everything closed. */
function left(why) {
	setJoined(false);
	state.participants = {};
	renderParticipants();
	setStatus(`Left: ${why}`);
	log(`left: ${why}`);
	for (const resolve of conn.pending.values()) resolve({ textroom: 'error', error_code: 0, error: 'left' });
	conn.pending.clear();
	const { pc, session } = conn;
	Object.assign(conn, { session: null, handle: null, pc: null, channel: null, opened: null });
	state.open = false;
	pc?.close();
	session?.destroy().catch(() => {});
	$('join').disabled = false;
}

async function leave() {
	try {
		await request({ textroom: 'leave', room: state.room });
	} catch (err) {
		log(`leave: ${err.message}`);
	}
	left('you left');
}

$('join-form').addEventListener('submit', join);
$('send-form').addEventListener('submit', send);
$('leave').addEventListener('click', leave);
addEventListener('pagehide', () => conn.session?.destroy().catch(() => {}));
for (const id of ['room', 'username', 'display', 'pin']) if (params.get(id)) $(id).value = params.get(id);
if (!$('username').value) $('username').value = `guest-${Parley.randomString(4)}`;
$('server').textContent = params.get('server') || Parley.defaultServer('ws');
setJoined(false);
if (params.get('autostart') === '1') join();
