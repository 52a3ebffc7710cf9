// meeting-page.js — the script of meeting.html: the lobby (create a meeting
// over REST, or join one), the meeting itself over parley.js on
// parley.plugin.meeting (events arrive as plugindata {event, data}), the mesh
// (meeting-mesh.js), media buttons, chat and the participant list.
// State for tests: window.meetingState = {joined, roomId, userId, peerId,
// participants: {userId: {...}}, remotes: {userId: {framesDecoded, state}},
// chat: [...], errors: [...], events: [...]}; window.meetingLeave().
import { Parley } from './parley.js';
import { Mesh } from './meeting-mesh.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const transport = params.get('transport') === 'http' ? 'http' : 'ws';
const server = params.get('server') || Parley.defaultServer(transport);
const apiBase = params.get('api') || location.origin;

const state = window.meetingState = {
	transport, server, joined: false, waiting: false, ended: null, roomId: null, userId: null, userName: null,
	peerId: null, meeting: null, participants: {}, waitingList: {}, remotes: {}, chat: [], errors: [], events: [],
	audio: true, video: true, sharing: false, error: null,
};
let session = null, handle = null, mesh = null, localStream = null, screenStream = null, statsTimer = null;
let eventChain = Promise.resolve();

/* ---- small view helpers ---- */

function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === 'class') node.className = v;
		else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
		else node.setAttribute(k, v);
	}
	for (const c of children) node.append(c);
	return node;
}

function status(text, kind = 'muted') {
	const target = state.joined || state.waiting ? $('room-status') : $('lobby-status');
	target.textContent = text;
	target.className = `status ${kind}`;
}

function systemLine(text) {
	const box = $('messages');
	box.append(el('div', { class: 'msg system' }, text));
	box.scrollTop = box.scrollHeight;
}

function initials(name) {
	return (name || '?').split(/\s+/).map((w) => w[0] || '').join('').slice(0, 2).toUpperCase();
}

/* ---- tiles and the participant list ---- */

function tileOf(userId) {
	let tile = document.querySelector(`.tile[data-user="${CSS.escape(userId)}"]`);
	if (!tile) {
		const p = state.participants[userId] || {};
		tile = el('div', { class: 'tile', 'data-user': userId },
			el('div', { class: 'placeholder' }, initials(p.userName || userId)),
			el('video', { autoplay: '', playsinline: '' }),
			el('span', { class: 'name' }, p.userName || userId),
			el('div', { class: 'badges' }));
		$('tiles').append(tile);
	}
	return tile;
}

function renderBadges(container, p) {
	container.replaceChildren();
	if (p.isAudioEnabled === false) container.append(el('span', { class: 'badge warn' }, 'muted'));
	if (p.isVideoEnabled === false) container.append(el('span', { class: 'badge warn' }, 'camera off'));
	if (p.isScreenSharing) container.append(el('span', { class: 'badge' }, 'sharing'));
}

function renderParticipants() {
	const list = $('participants');
	list.replaceChildren();
	const me = { userId: state.userId, userName: `${state.userName || state.userId} (you)`,
		isAudioEnabled: state.audio, isVideoEnabled: state.video, isScreenSharing: state.sharing };
	const everyone = [me, ...Object.values(state.participants)];
	for (const p of everyone) {
		const badges = el('span', { class: 'row' });
		renderBadges(badges, p);
		const host = state.meeting?.hostId === p.userId ? el('span', { class: 'badge' }, 'host') : '';
		const li = el('li', { 'data-user': p.userId }, el('span', { class: 'who', title: p.userId }, p.userName || p.userId), host, badges);
		if (isHost() && p.userId !== state.userId) {
			li.append(el('button', { title: 'Mute', onclick: () => request('mute-participant', { userId: p.userId }) }, 'Mute'));
			li.append(el('button', { title: 'Remove', onclick: () => request('remove-participant', { userId: p.userId }) }, '✕'));
		}
		list.append(li);
	}
	$('count').textContent = `(${everyone.length})`;
	renderBadges($('self-badges'), me);
	for (const p of Object.values(state.participants)) {
		const tile = tileOf(p.userId);
		renderBadges(tile.querySelector('.badges'), p);
		tile.classList.toggle('screen', !!p.isScreenSharing);
	}
	const waiting = Object.values(state.waitingList);
	$('waiting-box').classList.toggle('hidden', waiting.length === 0);
	$('waiting').replaceChildren(...waiting.map((w) => el('li', {},
		el('span', { class: 'who' }, w.userName || w.userId),
		el('button', { onclick: () => request('admit-participant', { userId: w.userId }) }, 'Admit'),
		el('button', { onclick: () => request('reject-participant', { userId: w.userId }) }, 'Reject'))));
}

const isHost = () => state.meeting && state.meeting.hostId === state.userId;

function addParticipant(p) {
	state.participants[p.userId] = { ...p };
	state.remotes[p.userId] = state.remotes[p.userId] || { framesDecoded: 0, state: 'new' };
	const tile = tileOf(p.userId);
	tile.querySelector('.name').textContent = p.userName || p.userId;
	const placeholder = tile.querySelector('.placeholder');
	if (placeholder) placeholder.textContent = initials(p.userName || p.userId);
	renderParticipants();
}

function removeParticipant(userId) {
	delete state.participants[userId];
	delete state.remotes[userId];
	mesh?.close(userId);
	document.querySelector(`.tile[data-user="${CSS.escape(userId)}"]`)?.remove();
	renderParticipants();
}

/* ---- plugin events: one handler per event name ---- */

const handlers = {
	'ice-servers': (d) => mesh.setIceServers(d.iceServers),
	'existing-participants': (d) => {
		for (const p of d.participants || []) {
			addParticipant(p);
			mesh.connect(p.userId, true, p.peerId);
		}
	},
	'joined-meeting': (d) => {
		state.joined = true;
		state.waiting = false;
		state.peerId = d.peerId;
		state.meeting = d.meeting;
		$('meeting-title').textContent = d.meeting?.title || '';
		showRoom();
		status('In the meeting', 'ok');
		systemLine(`You joined “${d.meeting?.title || state.roomId}”.`);
		renderParticipants();
	},
	'participant-joined': (d) => {
		// Their offer may have come first: keep that connection. A rejoin
		// (new peerId) replaces the old one.
		if (!mesh.has(d.userId, d.peerId)) {
			removeParticipant(d.userId);
			mesh.connect(d.userId, false, d.peerId);
		}
		addParticipant(d);
		systemLine(`${d.userName || d.userId} joined.`);
	},
	'webrtc-offer': (d) => mesh.onOffer(d.fromUserId, d.offer, d.fromPeerId),
	'webrtc-answer': (d) => mesh.onAnswer(d.fromUserId, d.answer),
	'ice-candidate': (d) => mesh.onCandidate(d.fromUserId, d.candidate, d.fromPeerId),
	'participant-audio-changed': (d) => updateParticipant(d.userId, { isAudioEnabled: d.isAudioEnabled }),
	'participant-video-changed': (d) => updateParticipant(d.userId, { isVideoEnabled: d.isVideoEnabled }),
	'participant-screen-share-changed': (d) => updateParticipant(d.userId, { isScreenSharing: d.isScreenSharing }),
	'meeting-chat-message': (d) => {
		state.chat.push(d);
		const box = $('messages');
		const time = d.timestamp ? new Date(d.timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
		box.append(el('div', { class: 'msg' }, el('span', { class: 'from' }, `${d.userName || d.userId}: `), d.message, el('time', {}, time)));
		box.scrollTop = box.scrollHeight;
	},
	'participant-left': (d) => {
		const name = state.participants[d.userId]?.userName || d.userId;
		removeParticipant(d.userId);
		systemLine(`${name} left.`);
	},
	'meeting-error': (d) => {
		state.errors.push(d.error);
		status(d.error, 'error');
		if (!state.joined && !state.waiting) $('lobby-status').textContent = d.error;
		if (d.error === 'Joined from another connection') endLocally('You joined from another window.');
	},
	'waiting-for-approval': () => {
		state.waiting = true;
		showRoom();
		status('Waiting for the host to let you in…');
	},
	'participant-waiting': (d) => { state.waitingList[d.userId] = d; renderParticipants(); systemLine(`${d.userName || d.userId} is waiting.`); },
	'participant-waiting-cancelled': (d) => { delete state.waitingList[d.userId]; renderParticipants(); },
	'join-rejected': (d) => endLocally(`The host did not let you in${d.reason ? `: ${d.reason}` : ''}.`),
	'meeting-ended': (d) => endLocally(d.reason === 'ttl' ? 'The meeting reached its time limit.' : 'The host ended the meeting.'),
	'muted-by-host': () => { setAudio(false); systemLine('The host muted you.'); },
	'removed-from-meeting': () => endLocally('The host removed you from the meeting.'),
};

function updateParticipant(userId, change) {
	if (!state.participants[userId]) return;
	Object.assign(state.participants[userId], change);
	renderParticipants();
}

function onPluginEvent(payload) {
	if (!payload || typeof payload.event !== 'string') return;
	state.events.push(payload.event);
	if (state.events.length > 500) state.events.shift();
	const handler = handlers[payload.event];
	if (!handler) {
		console.warn(`unhandled meeting event ${payload.event}`);
		return;
	}
	// One at a time, in arrival order: an offer is applied before the
	// candidates that follow it.
	eventChain = eventChain.then(() => handler(payload.data || {}))
		.catch((e) => console.error(`${payload.event}: ${e.message}`));
}

/* ---- requests and actions ---- */

async function request(name, body = {}) {
	if (!handle) return;
	try {
		await handle.send({ request: name, roomId: state.roomId, ...body });
	} catch (e) {
		state.errors.push(e.message);
		status(e.message, 'error');
	}
}

async function openMedia() {
	const small = params.get('lowres') === '1';
	const video = small ? { width: 320, height: 240, frameRate: 15 } : { width: { ideal: 640 }, height: { ideal: 480 } };
	try {
		return await navigator.mediaDevices.getUserMedia({ audio: true, video });
	} catch (e) {
		systemLine(`No camera or microphone (${e.message}): joining to watch only.`);
		return null;
	}
}

async function join(roomId, userId, userName) {
	Object.assign(state, { roomId, userId, userName, error: null });
	$('room-label').textContent = `room ${roomId}`;
	status('Connecting…');
	try {
		localStream = await openMedia();
		$('local').srcObject = localStream;
		state.audio = !!localStream?.getAudioTracks().length;
		state.video = !!localStream?.getVideoTracks().length;
		session = await Parley.connect(server);
		session.on('closed', (why) => { if (state.joined) endLocally(`Connection lost (${why}).`); });
		handle = await session.attach('parley.plugin.meeting');
		mesh = new Mesh({
			roomId,
			send: (name, body) => handle.send({ request: name, ...body }),
			onTrack: (uid, stream) => {
				const video = tileOf(uid).querySelector('video');
				if (video.srcObject !== stream) video.srcObject = stream;
				tileOf(uid).querySelector('.placeholder')?.remove();
			},
			onChange: (uid, s) => { if (state.remotes[uid]) state.remotes[uid].state = s; },
		});
		mesh.setLocalStream(localStream);
		handle.on('message', (data) => onPluginEvent(data));
		await handle.send({ request: 'join-meeting', roomId, userId, userName, isAudioEnabled: state.audio, isVideoEnabled: state.video });
		statsTimer = setInterval(updateStats, 1000);
		const url = new URL(location.href);
		url.searchParams.set('room', roomId);
		history.replaceState(null, '', url);
	} catch (e) {
		state.error = e.message;
		status(`Could not join: ${e.message}`, 'error');
	}
}

async function updateStats() {
	if (!mesh) return;
	const all = await mesh.stats().catch(() => ({}));
	for (const [uid, s] of Object.entries(all)) {
		if (state.remotes[uid]) Object.assign(state.remotes[uid], s);
	}
}

function showRoom() {
	$('lobby').classList.add('hidden');
	$('room-view').classList.remove('hidden');
	$('self-name').textContent = `${state.userName || state.userId} (you)`;
}

function setAudio(on) {
	state.audio = on;
	for (const t of localStream?.getAudioTracks() || []) t.enabled = on;
	$('btn-audio').textContent = on ? 'Mute' : 'Unmute';
	$('btn-audio').classList.toggle('off', !on);
	renderParticipants();
	return request('toggle-audio', { isEnabled: on });
}

function setVideo(on) {
	state.video = on;
	for (const t of localStream?.getVideoTracks() || []) t.enabled = on;
	$('btn-video').textContent = on ? 'Camera off' : 'Camera on';
	$('btn-video').classList.toggle('off', !on);
	renderParticipants();
	return request('toggle-video', { isEnabled: on });
}

async function setSharing(on) {
	if (on) {
		try {
			screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true });
		} catch (e) {
			status(`Screen sharing refused: ${e.message}`, 'error');
			return;
		}
		const track = screenStream.getVideoTracks()[0];
		track.addEventListener('ended', () => setSharing(false));
		await mesh.replaceVideo(track);
		$('local').srcObject = screenStream;
	} else {
		for (const t of screenStream?.getTracks() || []) t.stop();
		screenStream = null;
		await mesh.replaceVideo(null);
		$('local').srcObject = localStream;
	}
	state.sharing = on;
	$('btn-screen').textContent = on ? 'Stop sharing' : 'Share screen';
	$('btn-screen').classList.toggle('off', on);
	renderParticipants();
	await request('toggle-screen-share', { isSharing: on });
}

/** Leaves the meeting: tells the others, closes connections and the session. */
async function leave() {
	if (handle && state.joined) await request('leave-meeting');
	endLocally('You left the meeting.');
	try { await session?.destroy(); } catch { /* already gone */ }
	session = handle = null;
}

function endLocally(why) {
	state.ended = why;
	state.joined = state.waiting = false;
	clearInterval(statsTimer);
	mesh?.closeAll();
	for (const uid of Object.keys(state.participants)) removeParticipant(uid);
	for (const t of [...(localStream?.getTracks() || []), ...(screenStream?.getTracks() || [])]) t.stop();
	systemLine(why);
	$('room-status').textContent = why;
	for (const id of ['btn-audio', 'btn-video', 'btn-screen', 'btn-leave', 'chat-input']) $(id).disabled = true;
}

/* ---- wiring ---- */

$('user-id').value = params.get('user') || localStorage.getItem('parley.userId') || `user-${Parley.randomString(6)}`;
$('user-name').value = params.get('name') || localStorage.getItem('parley.userName') || '';
if (params.get('room')) $('room').value = params.get('room');

function identity() {
	const userId = $('user-id').value.trim();
	const userName = $('user-name').value.trim() || userId;
	localStorage.setItem('parley.userId', userId);
	localStorage.setItem('parley.userName', userName);
	return { userId, userName };
}

$('create-form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	const { userId, userName } = identity();
	status('Creating the meeting…');
	try {
		const r = await fetch(`${apiBase}/api/meetings/create`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ title: $('title').value.trim(), hostId: userId, hostName: userName,
				settings: { maxParticipants: Number($('max').value) || 10 } }),
		});
		const body = await r.json();
		if (!body.success) throw new Error(body.error || `HTTP ${r.status}`);
		await join(body.meeting.roomId, userId, userName);
	} catch (e) {
		status(`Could not create the meeting: ${e.message}`, 'error');
	}
});
$('join-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	const { userId, userName } = identity();
	join($('room').value.trim(), userId, userName);
});
$('btn-audio').addEventListener('click', () => setAudio(!state.audio));
$('btn-video').addEventListener('click', () => setVideo(!state.video));
$('btn-screen').addEventListener('click', () => setSharing(!state.sharing));
$('btn-leave').addEventListener('click', leave);
$('btn-copy').addEventListener('click', () => {
	const url = new URL(location.href);
	url.search = `?room=${encodeURIComponent(state.roomId)}`;
	navigator.clipboard?.writeText(url.href).then(() => systemLine('Link copied.'), () => systemLine(url.href));
});
$('chat-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	const text = $('chat-input').value.trim();
	if (!text) return;
	$('chat-input').value = '';
	request('meeting-chat-message', { message: text });
});
window.meetingLeave = leave;
window.meetingRequest = request;
window.addEventListener('pagehide', () => { if (session) session.destroy().catch(() => {}); });
if (params.get('room') && params.get('user')) join(params.get('room'), params.get('user'), params.get('name') || params.get('user'));
