// room-mediasoup.js — the script of room-mediasoup.html: a participant of a
// parley.plugin.room room written as the SFU service's frontends are, with
// mediasoup-client's Device and socket.io-client's io() and the service's
// Socket.IO events, nothing else (no SDP, no Janus API):
//   createRoom or joinRoom → getRouterRtpCapabilities → device.load →
//   createWebRtcTransport send and recv (connectWebRtcTransport on their
//   "connect", produce on the send transport's "produce") → produce the
//   microphone and the camera → getProducers and every newProducer →
//   consume → resumeConsumer.
// It owns the grid (a tile per remote camera or screen, with its audio and
// a badge per paused producer), the buttons (mute = pauseProducer /
// resumeProducer, screen share = a third producer, closeProducer when it
// stops; leave = leaveRoom) and the heartbeat. The two libraries come from
// mediasoup-client.bundle.js, a build product (html/README.md): when the
// build could not make it, the page says so and offers no Join.
//
// For tests, window.roomState holds the state: roomId, peerId, joined,
// error, peers (peerId -> {metadata, producers: {producerId: {kind,
// source, paused}}}), remote (peerId -> producerId -> {kind, source,
// consumerId, framesDecoded, frameWidth, frameHeight, audioSamples,
// videoWidth, currentTime}), local {mic, camera, screen, producers: {mic,
// camera, screen -> producerId}}, transports {send, recv} (connection
// states) and events. window.roomJoin(), roomLeave(), roomToggleMic(),
// roomToggleCamera(), roomToggleScreen() drive it.

import { $, params, capture, screenMode, pageLog, tileId, tileFor as makeTile, canvasScreen }
	from './page-common.js';

const REQUEST_TIMEOUT_MS = 10000;
const HEARTBEAT_MS = 20000;

/** Without an explicit port the page sits behind a web server or proxy
 * that also carries /socket.io/; otherwise the listener is on port 3000. */
function defaultSfuUrl() {
	return location.port ? `${location.protocol}//${location.hostname}:3000` : location.origin;
}

const state = window.roomState = {
	sfu: params.get('sfu') || defaultSfuUrl(),
	roomId: params.get('room') || '',
	name: params.get('name') || `guest-${Math.random().toString(36).slice(2, 6)}`,
	status: 'loading', error: null, joined: false, peerId: null, bundle: null,
	peers: {}, remote: {},
	local: { mic: true, camera: true, screen: false, producers: {} },
	transports: { send: 'new', recv: 'new' },
	events: [],
};

let lib = null;                  // the bundle's exports: Device, io
let socket = null, device = null, sendTransport = null, recvTransport = null;
let local = null, screen = null, screenTimer = null, statsTimer = null, heartbeatTimer = null;
const producers = {};            // source -> mediasoup-client Producer
const consumers = new Map();     // producerId -> {consumer, peerId} (null while consume runs)
let recvReady = false;           // consume only once the recv transport exists

/* ---- the page: log, status line, buttons ---- */

const { log, setStatus, fail } = pageLog(state);

function setJoined(joined) {
	$('join').disabled = joined || !lib;
	for (const id of ['leave', 'mic', 'camera', 'screen']) $(id).disabled = !joined;
	$('sfu').disabled = $('room-id').disabled = $('name').disabled = joined;
}

/** Refusals the gateway's configuration explains. */
const hints = {
	471: ' — parleyd needs [media] ice_lite = true in parley.conf for mediasoup-client',
	503: ' — this parleyd has no parameters API for mediasoup-client',
};

/** One request: the event and its ack; an ack {error, code} throws. */
async function request(name, data = {}) {
	const body = state.roomId ? { roomId: state.roomId, ...data } : data;
	const answer = await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, body);
	if (answer?.error) throw new Error(`${name}: ${answer.code ?? ''} ${answer.error}${hints[answer.code] || ''}`);
	return answer;
}

/* ---- participants and tiles ---- */

function peerName(peerId) {
	return state.peers[peerId]?.metadata?.name || peerId;
}

function peerOf(peerId) {
	return state.peers[peerId] ??= { metadata: {}, producers: {} };
}

function sourceOf(p) {
	return p.metadata?.source || (p.kind === 'audio' ? 'mic' : 'camera');
}

function tileFor(peerId, source) {
	return makeTile(peerId, source, peerName(peerId));
}

/** "mic off" / "camera off" badges from what the peer's producers say. */
function showBadges(peerId) {
	const tile = document.getElementById(tileId(peerId, 'camera'));
	if (!tile) return;
	const producersNow = Object.values(state.peers[peerId]?.producers || {});
	const off = ['mic', 'camera'].filter((s) => producersNow.some((p) => p.source === s && p.paused));
	tile.querySelector('.badges').replaceChildren(...off.map((s) => Object.assign(document.createElement('span'),
		{ className: 'badge warn', textContent: `${s} off` })));
}

function showLocalBadges() {
	const off = ['mic', 'camera'].filter((s) => !state.local[s]);
	$('local-badges').replaceChildren(...off.map((s) => Object.assign(document.createElement('span'),
		{ className: 'badge warn', textContent: `${s} off` })));
}

function updateCount() {
	$('count').textContent = state.joined ? `(${Object.keys(state.peers).length + 1})` : '';
}

function forgetConsumer(peerId, producerId) {
	consumers.get(producerId)?.consumer.close();
	consumers.delete(producerId);
	const info = state.peers[peerId]?.producers[producerId];
	if (state.peers[peerId]) delete state.peers[peerId].producers[producerId];
	if (state.remote[peerId]) delete state.remote[peerId][producerId];
	const tile = info && document.getElementById(tileId(peerId, info.source));
	if (info?.source === 'screen') tile?.remove();
	else if (tile) tile.querySelector(info.kind === 'audio' ? 'audio' : 'video').srcObject = null;
	showBadges(peerId);
}

function forgetPeer(peerId) {
	for (const producerId of Object.keys(state.peers[peerId]?.producers || {})) forgetConsumer(peerId, producerId);
	delete state.peers[peerId];
	delete state.remote[peerId];
	for (const s of ['camera', 'screen']) document.getElementById(tileId(peerId, s))?.remove();
	updateCount();
}

/* ---- consuming ---- */

function rememberProducer(p) {
	peerOf(p.peerId).producers[p.producerId] = { kind: p.kind, source: sourceOf(p), paused: !!p.paused };
}

/** consume → recvTransport.consume → the tile → resumeConsumer (consumers start paused). */
async function consume(p) {
	if (p.peerId === state.peerId || consumers.has(p.producerId) || !recvReady) return;
	consumers.set(p.producerId, null);
	try {
		const data = await request('consume', { producerId: p.producerId, rtpCapabilities: device.rtpCapabilities });
		const consumer = await recvTransport.consume({ id: data.id, producerId: data.producerId, kind: data.kind,
			rtpParameters: data.rtpParameters, appData: { peerId: p.peerId } });
		if (!consumers.has(p.producerId)) {
			consumer.close(); // closed or left while we asked
			return;
		}
		consumers.set(p.producerId, { consumer, peerId: p.peerId });
		const source = state.peers[p.peerId]?.producers[p.producerId]?.source || sourceOf(p);
		const el = tileFor(p.peerId, source).querySelector(data.kind === 'audio' ? 'audio' : 'video');
		el.srcObject = new MediaStream([consumer.track]);
		el.play().catch(() => {});
		(state.remote[p.peerId] ??= {})[p.producerId] = { kind: data.kind, source, consumerId: data.id,
			framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioSamples: 0, videoWidth: 0, currentTime: 0 };
		if (state.peers[p.peerId]?.producers[p.producerId]) state.peers[p.peerId].producers[p.producerId].paused = !!data.producerPaused;
		showBadges(p.peerId);
		await request('resumeConsumer', { consumerId: data.id });
		log(`consuming ${peerName(p.peerId)}'s ${source} (${data.kind}, ${data.type || 'simple'})`);
	} catch (e) {
		consumers.delete(p.producerId);
		log(`consume of ${p.producerId} failed: ${e.message}`);
	}
}

/* ---- the service's events ---- */

const events = {
	peerJoined(d) {
		peerOf(d.peerId).metadata = d.metadata || {};
		tileFor(d.peerId, 'camera');
		log(`${peerName(d.peerId)} joined`);
		updateCount();
	},
	newProducer(d) {
		rememberProducer(d);
		log(`${peerName(d.peerId)} publishes ${sourceOf(d)}`);
		consume(d);
	},
	producerClosed(d) {
		if (d.peerId === state.peerId) return ownProducerChanged(d.producerId, 'closed');
		log(`${peerName(d.peerId)} closed ${state.peers[d.peerId]?.producers[d.producerId]?.source || d.producerId}`);
		forgetConsumer(d.peerId, d.producerId);
	},
	producerPaused(d) {
		if (d.peerId === state.peerId) return ownProducerChanged(d.producerId, 'paused');
		const p = state.peers[d.peerId]?.producers[d.producerId];
		if (p) p.paused = true;
		log(`${peerName(d.peerId)} paused ${p?.source || d.producerId}`);
		showBadges(d.peerId);
	},
	producerResumed(d) {
		if (d.peerId === state.peerId) return ownProducerChanged(d.producerId, 'resumed');
		const p = state.peers[d.peerId]?.producers[d.producerId];
		if (p) p.paused = false;
		log(`${peerName(d.peerId)} resumed ${p?.source || d.producerId}`);
		showBadges(d.peerId);
	},
	peerLeft(d) {
		log(`${peerName(d.peerId)} left${d.reason ? ` (${d.reason})` : ''}`);
		forgetPeer(d.peerId);
	},
	activeSpeaker(d) {
		for (const t of document.querySelectorAll('#grid .tile')) t.classList.toggle('speaking', t.dataset.peerId === d.peerId);
	},
	roomClosed(d) {
		log(`room closed (${d.reason})`);
		leave(`room closed: ${d.reason}`);
	},
	kicked() {
		log('removed from the room by an administrator');
		leave('kicked');
	},
	error(d) {
		log(`server error ${d.code}: ${d.message}${d.request ? ` (${d.request})` : ''}`);
	},
};

/* ---- transports and producing ---- */

function watchTransport(transport, side) {
	transport.on('connect', ({ dtlsParameters }, callback, errback) => {
		request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
	});
	transport.on('connectionstatechange', (s) => {
		state.transports[side] = s;
		log(`${side} transport ${s}`);
	});
}

async function makeTransports() {
	const sendInfo = await request('createWebRtcTransport', { direction: 'send' });
	sendTransport = device.createSendTransport(sendInfo);
	watchTransport(sendTransport, 'send');
	sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
		request('produce', { transportId: sendTransport.id, kind, rtpParameters, appData })
			.then(({ producerId }) => callback({ id: producerId }), errback);
	});
	const recvInfo = await request('createWebRtcTransport', { direction: 'recv' });
	recvTransport = device.createRecvTransport(recvInfo);
	watchTransport(recvTransport, 'recv');
	recvReady = true;
}

async function produce(source, track, options = {}) {
	const producer = await sendTransport.produce({ track, appData: { source }, ...options });
	producers[source] = producer;
	state.local.producers[source] = producer.id;
	return producer;
}

/** Our microphone or camera on or off: the producer, the button, the badge. */
function showSource(source, on) {
	const producer = producers[source];
	if (on) producer?.resume();
	else producer?.pause();
	state.local[source] = on;
	$(source).textContent = source === 'mic' ? (on ? 'Mute' : 'Unmute') : (on ? 'Camera off' : 'Camera on');
	$(source).classList.toggle('off', !on);
	showLocalBadges();
}

async function toggleSource(source) {
	const producer = producers[source];
	if (!producer) return;
	const on = !state.local[source];
	showSource(source, on);
	try {
		await request(on ? 'resumeProducer' : 'pauseProducer', { producerId: producer.id });
	} catch (e) {
		showSource(source, !on);
		throw e;
	}
	log(`${source} ${on ? 'on' : 'off'}`);
}

/** The events about our own producers: ours echoed back, or the
 * gateway's doing (an administrator's mute/unmute, a close). */
function ownProducerChanged(producerId, what) {
	const source = Object.keys(state.local.producers).find((s) => state.local.producers[s] === producerId);
	if (!source) return;
	if (what === 'closed') {
		log(`the gateway closed your ${source}`);
		if (source === 'screen') return stopScreen({ closed: true }).catch(fail);
		producers[source]?.close();
		delete producers[source];
		delete state.local.producers[source];
		$(source).disabled = true;
		return;
	}
	const on = what === 'resumed';
	if (source !== 'screen' && state.local[source] !== on) {
		log(`the gateway ${what} your ${source}`);
		showSource(source, on);
	}
}

async function stopScreen({ closed = false } = {}) {
	const producer = producers.screen;
	delete producers.screen;
	delete state.local.producers.screen;
	clearInterval(screenTimer);
	for (const t of screen?.getTracks() || []) t.stop();
	screen = null;
	state.local.screen = false;
	$('screen').textContent = 'Share screen';
	if (producer) {
		producer.close();
		if (state.joined && !closed) await request('closeProducer', { producerId: producer.id });
	}
}

async function toggleScreen() {
	if (state.local.screen) {
		await stopScreen();
		log('screen share stopped');
		return;
	}
	if (screenMode === 'canvas') ({ stream: screen, timer: screenTimer } = canvasScreen(state.name));
	else screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false });
	const track = screen.getVideoTracks()[0];
	track.addEventListener('ended', () => { if (state.local.screen) stopScreen().catch(fail); });
	state.local.screen = true;
	$('screen').textContent = 'Stop sharing';
	try {
		await produce('screen', track, { encodings: [{ maxBitrate: 400000, maxFramerate: 5 }] });
	} catch (e) {
		await stopScreen({ closed: true });
		throw e;
	}
	log('sharing the screen');
}

/* ---- statistics: what each consumer decodes ---- */

async function pollStats() {
	for (const [producerId, entry] of consumers) {
		const r = entry && state.remote[entry.peerId]?.[producerId];
		if (!r) continue;
		const report = await entry.consumer.getStats().catch(() => null);
		report?.forEach((s) => {
			if (s.type !== 'inbound-rtp') return;
			if (s.kind === 'video') Object.assign(r, { framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0 });
			else r.audioSamples = s.totalSamplesReceived || 0;
		});
		if (r.kind !== 'video') continue;
		const tile = document.getElementById(tileId(entry.peerId, r.source));
		const video = tile?.querySelector('video');
		if (video) Object.assign(r, { videoWidth: video.videoWidth, currentTime: video.currentTime });
		if (tile) tile.querySelector('.meta').textContent = r.frameWidth ? `${r.frameWidth}x${r.frameHeight}` : '';
	}
}

/* ---- join and leave ---- */

function connectSocket(url) {
	// WebSocket only, as mediasoup-client apps usually do: a page from
	// another origin (the HTTP transport's port) then needs no CORS
	socket = lib.io(url, { transports: ['websocket'], reconnection: false });
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no Socket.IO connection to ${url} within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
		socket.once('connect', () => { clearTimeout(timer); resolve(); });
		socket.once('connect_error', (e) => {
			clearTimeout(timer);
			reject(new Error(`cannot reach the Socket.IO listener at ${url} (${e.message}): is [socketio] listeners = sfu set?`));
		});
	});
}

async function join() {
	setJoined(true);
	state.error = null;
	state.sfu = $('sfu').value.trim() || state.sfu;
	state.roomId = $('room-id').value.trim();
	state.name = $('name').value.trim() || state.name;
	try {
		setStatus('Opening camera and microphone…');
		local = await navigator.mediaDevices.getUserMedia({ audio: true,
			video: { width: capture.width, height: capture.height, frameRate: capture.fps } });
		$('local').srcObject = local;
		setStatus(`Connecting to ${state.sfu}…`);
		await connectSocket(state.sfu);
		for (const [name, fn] of Object.entries(events)) socket.on(name, (d) => fn(d || {}));
		socket.on('disconnect', (why) => {
			log(`socket disconnected: ${why}`);
			if (state.joined) leave(`disconnected: ${why}`);
		});
		const metadata = { name: state.name };
		const creating = !state.roomId;
		const joined = await request(creating ? 'createRoom' : 'joinRoom', { metadata });
		state.roomId = joined.roomId || state.roomId;
		state.peerId = joined.peerId;
		for (const p of joined.peers || []) {
			peerOf(p.peerId).metadata = p.metadata || {};
			tileFor(p.peerId, 'camera');
			for (const pr of p.producers || []) rememberProducer({ ...pr, peerId: p.peerId });
		}
		log(`${creating ? 'created' : 'joined'} ${state.roomId} as ${state.peerId}`);
		$('room-id').value = state.roomId;
		const invite = new URL(location.href);
		invite.search = new URLSearchParams({ room: state.roomId, sfu: state.sfu }).toString();
		$('invite').replaceChildren('Others join with ', Object.assign(document.createElement('a'), { href: invite.href, textContent: invite.href }));

		const caps = await request('getRouterRtpCapabilities');
		device = new lib.Device();
		await device.load({ routerRtpCapabilities: caps.rtpCapabilities });
		await makeTransports();
		await produce('mic', local.getAudioTracks()[0]);
		await produce('camera', local.getVideoTracks()[0], { encodings: [{ maxBitrate: 600000, maxFramerate: capture.fps }] });
		state.joined = true;
		updateCount();
		setStatus(`In ${state.roomId} as ${state.name}`, 'ok');

		const known = await request('getProducers');
		for (const p of known.producers || []) rememberProducer(p);
		await Promise.all((known.producers || []).map(consume));
		statsTimer = setInterval(() => pollStats().catch((e) => log(`stats: ${e.message}`)), 1000);
		heartbeatTimer = setInterval(() => request('heartbeat').catch(() => {}), HEARTBEAT_MS);
	} catch (e) {
		fail(e);
		await leave('failed', { keepError: true });
	}
}

async function leave(reason = 'left', { keepError = false } = {}) {
	const wasJoined = state.joined;
	state.joined = false;
	recvReady = false;
	clearInterval(statsTimer);
	clearInterval(heartbeatTimer);
	await stopScreen().catch(() => {});
	if (wasJoined && reason === 'left' && socket?.connected) await request('leaveRoom').catch(() => {});
	for (const id of Object.keys(state.peers)) forgetPeer(id);
	sendTransport?.close();
	recvTransport?.close();
	socket?.close();
	for (const t of local?.getTracks() || []) t.stop();
	$('local').srcObject = null;
	socket = device = sendTransport = recvTransport = local = null;
	for (const s of Object.keys(producers)) delete producers[s];
	Object.assign(state.local, { mic: true, camera: true, screen: false, producers: {} });
	Object.assign(state.transports, { send: 'new', recv: 'new' });
	$('mic').textContent = 'Mute';
	$('camera').textContent = 'Camera off';
	for (const id of ['mic', 'camera']) $(id).classList.remove('off');
	showLocalBadges();
	setJoined(false);
	if (!keepError) setStatus(`Not joined (${reason})`);
	updateCount();
}

/* ---- wiring ---- */

function showUnbuilt(reason) {
	state.error = reason;
	$('unbuilt-reason').textContent = reason;
	$('unbuilt').classList.remove('hidden');
	setStatus('mediasoup-client is not available', 'error');
	state.status = 'unbuilt';
}

$('sfu').value = state.sfu;
$('room-id').value = state.roomId;
$('name').value = state.name;
const guard = (fn) => () => fn().catch(fail);
$('join').addEventListener('click', guard(join));
$('leave').addEventListener('click', guard(() => leave('left')));
$('mic').addEventListener('click', guard(() => toggleSource('mic')));
$('camera').addEventListener('click', guard(() => toggleSource('camera')));
$('screen').addEventListener('click', guard(toggleScreen));
Object.assign(window, {
	roomJoin: join,
	roomLeave: () => leave('left'),
	roomToggleMic: () => toggleSource('mic'),
	roomToggleCamera: () => toggleSource('camera'),
	roomToggleScreen: toggleScreen,
});

try {
	const loaded = await import('./mediasoup-client.bundle.js');
	if (typeof loaded.Device !== 'function') {
		showUnbuilt(loaded.unbuilt || 'mediasoup-client.bundle.js holds no mediasoup-client Device.');
	} else {
		lib = loaded;
		state.bundle = { mediasoupClient: loaded.mediasoupClientVersion };
		$('where').textContent = `mediasoup-client ${loaded.mediasoupClientVersion} · socket.io-client`;
		state.status = 'idle';
		setJoined(false);
		setStatus('Not joined');
		if (params.get('autostart') === '1') join();
	}
} catch (e) {
	showUnbuilt(`mediasoup-client.bundle.js did not load (${e.message}): this folder holds the page sources, not a build's installed pages.`);
}
