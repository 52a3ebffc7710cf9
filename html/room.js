// room.js — the script of room.html: a participant of a parley.plugin.room
// room. It joins on a main handle, publishes microphone + camera (and a
// screen share as a further video m-line) on one PeerConnection through
// "produce", and receives every other participant on a second handle's
// subscriber PeerConnection whose offers come from the plugin
// ("subscriberOffer"). It owns the grid of tiles, the buttons (mute,
// camera, screen share, quality = setPreferredLayers, leave) and the
// active-speaker highlight.
//
// When the gateway ends a PeerConnection (a "hangup" event on its handle),
// a fresh one takes its place: the subscriber's asks the plugin for a full
// offer ("restartIce"), the publisher's offers the same tracks again
// ("produce"). When ICE fails on a live pc (or stays disconnected for
// iceGraceMs, default 10 s), the subscriber asks for an ICE-restart offer
// ("restartIce") and the publisher produces with an ICE-restart offer.
// A request waits timeoutMs (default 10 s) for the gateway's reply.
//
// For tests, window.roomState holds the state: peerId, peers, remote
// figures per peer and producer ({kind, source, consumerId, framesDecoded,
// frameWidth, frameHeight, audioSamples}), local send figures, events,
// restarts (ICE restarts on a live pc) and pcLosses (pcs the gateway ended),
// also per side in subscriber and publisher.
// window.roomJoin(), roomLeave(), roomToggleMic(), roomToggleCamera(),
// roomToggleScreen(), roomSetLayers(spatialLayer, {peerId?, source?}) drive it.
import { Parley } from './parley.js';
import { $, params, intParam, capture, screenMode, pageLog, tileId, tileFor as makeTile, removeTiles, canvasScreen }
	from './page-common.js';

const PLUGIN = 'parley.plugin.room';
const transport = params.get('transport') === 'http' ? 'http' : 'ws';
const server = params.get('server') || Parley.defaultServer(transport);
const simulcast = params.get('simulcast') === '1';
const iceGraceMs = intParam('iceGraceMs', 10000, 100, 120000);
const timeoutMs = intParam('timeoutMs', 10000, 1000, 120000);

const state = window.roomState = {
	roomId: params.get('room') || 'demo',
	name: params.get('name') || `guest-${Parley.randomString(4)}`,
	transport, server, simulcast, capture, screenMode,
	status: 'idle', error: null, lastError: null, joined: false, reconnected: false,
	peerId: null, sessionId: null, maxParticipants: null,
	peers: {},        // peerId -> {metadata, producers: {producerId: {kind, source, paused}}}
	remote: {},       // peerId -> {producerId: {kind, source, consumerId, mid, framesDecoded, ...}}
	local: { mic: true, camera: true, screen: false, producers: [], framesEncoded: 0, layers: [] },
	subscriber: { ice: 'new', offers: 0, version: 0, answered: 0, answeredVersion: null, restarts: 0, pcLosses: 0 },
	publisher: { ice: 'new', produces: 0, restarts: 0, pcLosses: 0 },
	restarts: 0, pcLosses: 0,
	activeSpeaker: null, quality: -1, events: [],
};

let session = null, main = null, sub = null, pubPc = null, subPc = null, subPeer = null, pubPeer = null;
let produceQueue = Promise.resolve(), pubRestarting = false;
let local = null, screen = null, screenTimer = null, statsTimer = null, heartbeatTimer = null;
let consuming = false;   /* set once everything known at join is consumed; later producers consume on newProducer */
const consumersByMid = new Map(); // subscriber mid -> consumer {consumerId, producerId, peerId, kind}
const tracks = { audio: null, camera: null, screen: null }; // our transceivers

/* ---- page helpers ---- */

const { log, setStatus, fail } = pageLog(state);

function setJoined(joined) {
	$('join').disabled = joined;
	for (const id of ['leave', 'mic', 'camera', 'screen', 'quality']) $(id).disabled = !joined;
	$('room-id').disabled = $('name').disabled = joined;
}

function request(handle, body, jsep) {
	return handle.send(body, jsep).then((r) => r.data);
}

/* ---- participants and tiles ---- */

function peerName(peerId) {
	return state.peers[peerId]?.metadata?.name || peerId;
}

function tileFor(peerId, source) {
	const fresh = !document.getElementById(tileId(peerId, source));
	const tile = makeTile(peerId, source, peerName(peerId));
	if (fresh) tile.classList.toggle('speaking', state.activeSpeaker === peerId);
	return tile;
}

function updateCount() {
	$('count').textContent = `(${Object.keys(state.peers).length + (state.joined ? 1 : 0)})`;
}

function rememberProducer(p) {
	const peer = state.peers[p.peerId] ??= { metadata: {}, producers: {} };
	peer.producers[p.producerId] = { kind: p.kind, source: p.metadata?.source || (p.kind === 'audio' ? 'mic' : 'camera'), paused: !!p.paused };
}

function forgetProducer(peerId, producerId) {
	const info = state.peers[peerId]?.producers[producerId];
	if (state.peers[peerId]) delete state.peers[peerId].producers[producerId];
	if (state.remote[peerId]) delete state.remote[peerId][producerId];
	if (info?.source === 'screen') removeTiles(peerId, 'screen');
}

function forgetPeer(peerId) {
	delete state.peers[peerId];
	delete state.remote[peerId];
	removeTiles(peerId);
	updateCount();
}

/* ---- subscribing ---- */

async function consume(producerIds) {
	if (!producerIds.length || !main) return;
	try {
		const r = await request(main, { request: 'consume', producerIds, paused: false });
		for (const c of r.consumers || []) log(`consuming ${c.kind} ${c.producerId} of ${peerName(c.peerId)} (${c.consumerId})`);
	} catch (e) {
		log(`consume failed: ${e.message}`);
		state.lastError = e.message;
	}
}

function onSubscriberOffer(data) {
	state.subscriber.offers++;
	state.subscriber.version = data.version;
	if (data.restart) log(`subscriber offer ${data.version}: ICE restart`);
}

/** The m-lines of the offer about to be applied (its tracks follow). */
function onSubscriberApplying(jsep, data) {
	if (jsep.type !== 'offer' || data?.event !== 'subscriberOffer') return;
	consumersByMid.clear();
	for (const c of data.data?.consumers || []) consumersByMid.set(c.mid, c);
}

/** Our answer names the offer it answers: the plugin refuses a stale one. */
function subscriberAnswerBody(data) {
	const version = data?.data?.version;
	return version === undefined ? { request: 'subscriberAnswer' } : { request: 'subscriberAnswer', version };
}

function newSubscriberPc() {
	subPc = new RTCPeerConnection({ iceServers: [] });
	subPc.addEventListener('track', onRemoteTrack);
	return subPc;
}

function lostPc(side, reason) {
	if (!state.joined) return;
	state.pcLosses++;
	state[side].pcLosses++;
	log(`the gateway ended the ${side} PeerConnection (${reason}): a fresh one`);
}

function watchSubscriber(peer) {
	peer.on('applying', onSubscriberApplying);
	peer.on('answered', (body) => {
		state.subscriber.answered++;
		state.subscriber.answeredVersion = body.version ?? null;
	});
	peer.on('hangup', (reason) => lostPc('subscriber', reason));
	peer.on('renewed', () => { state.subscriber.ice = 'new'; });
	peer.on('restart', (why) => {
		if (why !== 'ice') {
			log(`subscriber: asking for a fresh offer (${why})`);
			return;
		}
		state.restarts++;
		state.subscriber.restarts++;
		log(`subscriber ICE ${peer.pc.iceConnectionState}: asking for an ICE restart`);
	});
}

function onRemoteTrack(ev) {
	const c = consumersByMid.get(ev.transceiver?.mid);
	if (!c) {
		log(`a track on mid ${ev.transceiver?.mid} that no consumer announced`);
		return;
	}
	const source = state.peers[c.peerId]?.producers[c.producerId]?.source || (c.kind === 'audio' ? 'mic' : 'camera');
	const tile = tileFor(c.peerId, source);
	const el = tile.querySelector(c.kind === 'audio' ? 'audio' : 'video');
	if (el) {
		el.srcObject = new MediaStream([ev.track]);
		el.play?.().catch(() => {});
	}
	const remote = state.remote[c.peerId] ??= {};
	remote[c.producerId] = { ...(remote[c.producerId] || {}), kind: c.kind, source, consumerId: c.consumerId, mid: c.mid,
		framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioSamples: 0, preferredLayer: -1 };
}

/* ---- plugin events on the main handle ---- */

const events = {
	peerJoined(d) {
		state.peers[d.peerId] ??= { metadata: d.metadata || {}, producers: {} };
		state.peers[d.peerId].metadata = d.metadata || {};
		log(`${peerName(d.peerId)} joined`);
		updateCount();
	},
	newProducer(d) {
		rememberProducer(d);
		log(`${peerName(d.peerId)} publishes ${d.kind} (${d.metadata?.source || '?'})`);
		// before the first consume of everything known, it is among them
		if (consuming) consume([d.producerId]);
	},
	producerClosed(d) {
		log(`${peerName(d.peerId)} closed ${d.producerId}`);
		forgetProducer(d.peerId, d.producerId);
	},
	producerPaused(d) {
		const p = state.peers[d.peerId]?.producers[d.producerId];
		if (p) p.paused = true;
		log(`${peerName(d.peerId)} paused ${p?.kind || d.producerId}`);
	},
	producerResumed(d) {
		const p = state.peers[d.peerId]?.producers[d.producerId];
		if (p) p.paused = false;
		log(`${peerName(d.peerId)} resumed ${p?.kind || d.producerId}`);
	},
	peerLeft(d) {
		log(`${peerName(d.peerId)} left (${d.reason})`);
		forgetPeer(d.peerId);
	},
	activeSpeaker(d) {
		state.activeSpeaker = d.peerId;
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
		log(`plugin error ${d.code}: ${d.message}${d.request ? ` (${d.request})` : ''}`);
		if (!d.request) state.lastError = `${d.code} ${d.message}`;
	},
	produced(d) {
		state.local.producers = d.producers || [];
	},
	connectionState(d) {
		// the gateway's view of our pcs: it heard nothing for a while, or again
		if (d.handle === 'publisher' || d.handle === 'subscriber') state[d.handle].gateway = d.state;
		log(`gateway: ${d.handle} ${d.state}`);
	},
};

/* ---- publishing ---- */

function videoEncodings() {
	if (!simulcast) return [{ maxBitrate: 600000, maxFramerate: capture.fps }];
	// lowest first: the plugin numbers layers from 0 in rid order
	return [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 200000, maxFramerate: capture.fps },
		{ rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 900000, maxFramerate: capture.fps }];
}

/** The publishing PeerConnection with what we send now: microphone,
 * camera and the screen while it is shared (also after a hangup). */
function newPublisherPc() {
	pubPc = new RTCPeerConnection({ iceServers: [] });
	const audio = local?.getAudioTracks()[0], video = local?.getVideoTracks()[0];
	const shared = state.local.screen ? screen?.getVideoTracks()[0] : null;
	tracks.audio = audio ? pubPc.addTransceiver(audio, { direction: 'sendonly', streams: [local] }) : null;
	tracks.camera = video ? pubPc.addTransceiver(video, { direction: 'sendonly', streams: [local], sendEncodings: videoEncodings() }) : null;
	tracks.screen = shared ? pubPc.addTransceiver(shared, { direction: 'sendonly', streams: [local], sendEncodings: screenEncodings() }) : null;
	return pubPc;
}

function screenEncodings() {
	return [{ maxBitrate: 400000, maxFramerate: 5 }];
}

/** Offers what we send now (after adding or stopping a stream, after a
 * fresh pc, or with new ICE credentials) and waits for the answer; one
 * produce at a time. */
function produce(opts = {}) {
	const run = produceQueue.then(() => produceNow(opts));
	produceQueue = run.catch(() => {});
	return run;
}

async function produceNow({ iceRestart = false } = {}) {
	const peer = pubPeer;
	let offs = [];
	const produced = new Promise((resolve, reject) => {
		const timer = setTimeout(() => { done(); reject(new Error('no "produced" answer within 15 s')); }, 15000);
		const done = () => { clearTimeout(timer); for (const off of offs) off(); };
		offs = [main.on('message', (data, jsep) => {
			if (data?.event === 'produced' && jsep) { done(); resolve(data.data); }
			if (data?.event === 'error' && data.data?.request === 'produce') { done(); reject(new Error(data.data.message)); }
		}), peer.on('hangup', () => { done(); reject(new Error('the publishing PeerConnection was hung up')); })];
	});
	produced.catch(() => {});
	const body = (pc) => {
		const sources = {};
		for (const [source, t] of Object.entries({ mic: tracks.audio, camera: tracks.camera, screen: tracks.screen })) {
			if (t?.mid && t.direction !== 'inactive' && pc.getTransceivers().includes(t)) sources[t.mid] = source;
		}
		return { request: 'produce', sources };
	};
	const sent = await (iceRestart ? peer.restartIce(body) : peer.offer(body));
	if (sent === false) throw new Error('the publishing PeerConnection was replaced');
	const result = await produced;
	// parley.js applies the answer on its chain: wait until it did
	await peer.idle();
	if (peer.pc.signalingState !== 'stable') throw new Error(`the produce answer was not applied (${peer.pc.signalingState})`);
	state.publisher.produces++;
	return result;
}

/** After a fresh publishing pc: produce everything again (the gateway
 * closed our producers), muted sources paused as before. */
async function republish() {
	await produce();
	for (const source of ['mic', 'camera']) {
		const producer = ownProducer(source);
		if (!state.local[source] && producer) await request(main, { request: 'pauseProducer', producerId: producer.producerId });
	}
	log('publishing again on a fresh PeerConnection');
}

function watchPublisher(peer) {
	peer.on('hangup', (reason) => lostPc('publisher', reason));
	peer.on('renewed', () => {
		state.publisher.ice = 'new';
		if (state.joined) republish().catch((e) => { state.lastError = e.message; log(`publishing again failed: ${e.message}`); });
	});
	peer.on('icefailed', (ice) => {
		if (!state.joined || pubRestarting) return;
		pubRestarting = true;
		state.restarts++;
		state.publisher.restarts++;
		log(`publisher ICE ${ice}: an ICE-restart offer`);
		produce({ iceRestart: true })
			.catch((e) => { state.lastError = e.message; log(`ICE restart failed: ${e.message}`); })
			.finally(() => { pubRestarting = false; });
	});
}

async function toggleScreen() {
	if (!tracks.screen || tracks.screen.direction === 'inactive') {
		if (screenMode === 'canvas') ({ stream: screen, timer: screenTimer } = canvasScreen(state.name));
		else screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false });
		const track = screen.getVideoTracks()[0];
		track.addEventListener('ended', () => { if (state.local.screen) toggleScreen().catch(fail); });
		if (tracks.screen) {
			await tracks.screen.sender.replaceTrack(track);
			tracks.screen.direction = 'sendonly';
		} else {
			tracks.screen = pubPc.addTransceiver(track, { direction: 'sendonly', streams: [local],
				sendEncodings: screenEncodings() });
		}
		state.local.screen = true;
		$('screen').textContent = 'Stop sharing';
	} else {
		tracks.screen.direction = 'inactive';
		await tracks.screen.sender.replaceTrack(null);
		for (const t of screen?.getTracks() || []) t.stop();
		clearInterval(screenTimer);
		screen = null;
		state.local.screen = false;
		$('screen').textContent = 'Share screen';
	}
	await produce();
	log(state.local.screen ? 'sharing the screen' : 'screen share stopped');
}

function ownProducer(source) {
	return state.local.producers.find((p) => p.metadata?.source === source);
}

async function toggleSource(source) {
	const on = !state.local[source];
	const producer = ownProducer(source);
	const track = local?.getTracks().find((t) => t.kind === (source === 'mic' ? 'audio' : 'video'));
	if (track) track.enabled = on;
	if (producer) await request(main, { request: on ? 'resumeProducer' : 'pauseProducer', producerId: producer.producerId });
	state.local[source] = on;
	$(source).textContent = source === 'mic' ? (on ? 'Mute' : 'Unmute') : (on ? 'Camera off' : 'Camera on');
	$(source).classList.toggle('off', !on);
}

/** setPreferredLayers on every video consumer matching `filter` ({peerId, source}). */
async function setLayers(spatialLayer, filter = {}) {
	state.quality = spatialLayer;
	const done = [];
	for (const [peerId, producers] of Object.entries(state.remote)) {
		if (filter.peerId && filter.peerId !== peerId) continue;
		for (const [producerId, r] of Object.entries(producers)) {
			if (r.kind !== 'video' || (filter.source && filter.source !== r.source)) continue;
			await request(main, { request: 'setPreferredLayers', consumerId: r.consumerId, spatialLayer });
			r.preferredLayer = spatialLayer;
			done.push(producerId);
		}
	}
	log(`preferred layer ${spatialLayer} for ${done.length} stream(s)`);
	return done;
}

/* ---- statistics ---- */

async function pollStats() {
	if (subPc) {
		const report = await subPc.getStats();
		report.forEach((s) => {
			if (s.type !== 'inbound-rtp') return;
			const c = consumersByMid.get(s.mid);
			const r = c && state.remote[c.peerId]?.[c.producerId];
			if (!r) return;
			if (s.kind === 'video') {
				r.framesDecoded = s.framesDecoded || 0;
				r.frameWidth = s.frameWidth || 0;
				r.frameHeight = s.frameHeight || 0;
				const meta = document.querySelector(`#${CSS.escape(tileId(c.peerId, r.source))} .meta`);
				if (meta) meta.textContent = `${r.frameWidth}x${r.frameHeight}`;
			} else {
				r.audioSamples = s.totalSamplesReceived || 0;
			}
			r.packetsLost = s.packetsLost || 0;
		});
		state.subscriber.ice = subPc.iceConnectionState;
	}
	if (pubPc) {
		const report = await pubPc.getStats();
		const layers = [];
		let frames = 0;
		report.forEach((s) => {
			if (s.type === 'outbound-rtp' && s.kind === 'video') {
				frames += s.framesEncoded || 0;
				layers.push({ rid: s.rid || null, mid: s.mid, width: s.frameWidth || 0, height: s.frameHeight || 0 });
			}
		});
		state.local.framesEncoded = frames;
		state.local.layers = layers;
		state.publisher.ice = pubPc.iceConnectionState;
	}
}

/* ---- join and leave ---- */

async function join() {
	setJoined(true);
	state.error = null;
	state.roomId = $('room-id').value.trim() || state.roomId;
	state.name = $('name').value.trim() || state.name;
	try {
		setStatus('Opening camera and microphone…');
		local = await navigator.mediaDevices.getUserMedia({ audio: true,
			video: { width: capture.width, height: capture.height, frameRate: capture.fps } });
		$('local').srcObject = local;
		setStatus(`Connecting to ${server}…`);
		session = await Parley.connect(server, { keepaliveMs: 15000, timeoutMs });
		state.sessionId = session.id;
		session.on('closed', (why) => { log(`session closed: ${why}`); if (state.joined) { state.joined = false; setStatus(`Disconnected: ${why}`, 'error'); } });
		main = await session.attach(PLUGIN);
		main.on('message', (data) => {
			const fn = data && events[data.event];
			if (fn) fn(data.data || {});
		});
		const body = { request: 'joinRoom', roomId: state.roomId, metadata: { name: state.name } };
		if (params.get('peerId')) body.peerId = params.get('peerId');
		const joined = await request(main, body);
		Object.assign(state, { peerId: joined.peerId, reconnected: !!joined.reconnected, maxParticipants: joined.maxParticipants });
		for (const p of joined.peers || []) {
			state.peers[p.peerId] = { metadata: p.metadata || {}, producers: {} };
			for (const pr of p.producers || []) rememberProducer(pr);
		}
		log(`joined ${state.roomId} as ${state.peerId}${state.reconnected ? ' (reconnected)' : ''}; ${joined.peers.length} other(s)`);

		// the subscriber PeerConnection: offers come from the plugin
		sub = await session.attach(PLUGIN);
		sub.on('message', (data) => { if (data?.event === 'subscriberOffer') onSubscriberOffer(data.data || {}); });
		subPeer = Parley.peer(sub, newSubscriberPc(), { answerBody: subscriberAnswerBody,
			restartBody: { request: 'restartIce' }, recreate: newSubscriberPc, iceGraceMs });
		watchSubscriber(subPeer);
		await request(sub, { request: 'attachSubscriber', roomId: state.roomId, peerId: state.peerId });

		// the publishing PeerConnection
		pubPeer = Parley.peer(main, newPublisherPc(), { recreate: newPublisherPc, iceGraceMs });
		watchPublisher(pubPeer);
		await produce();
		state.joined = true;
		updateCount();
		setStatus(`In ${state.roomId} as ${state.name}`, 'ok');
		consuming = true;
		await consume(Object.values(state.peers).flatMap((p) => Object.keys(p.producers)));
		statsTimer = setInterval(() => pollStats().catch((e) => log(`stats: ${e.message}`)), 1000);
		heartbeatTimer = setInterval(() => request(main, { request: 'heartbeat' }).catch(() => {}), 20000);
	} catch (e) {
		fail(e);
	}
}

async function leave(reason = 'left') {
	const wasJoined = state.joined;
	state.joined = false;
	clearInterval(statsTimer);
	clearInterval(heartbeatTimer);
	clearInterval(screenTimer);
	// our pcs first: a hangup the gateway sends while we leave renews nothing
	subPeer?.close();
	pubPeer?.close();
	pubPc?.close();
	if (wasJoined && main && reason === 'left') await request(main, { request: 'leaveRoom' }).catch(() => {});
	for (const s of [local, screen]) for (const t of s?.getTracks() || []) t.stop();
	await session?.destroy().catch(() => {});
	for (const id of Object.keys(state.peers)) forgetPeer(id);
	session = main = sub = pubPc = subPc = subPeer = pubPeer = local = screen = null;
	pubRestarting = false;
	state.local.screen = false;
	$('screen').textContent = 'Share screen';
	Object.assign(tracks, { audio: null, camera: null, screen: null });
	consumersByMid.clear();
	setJoined(false);
	setStatus(`Not joined (${reason})`);
}

/* ---- wiring ---- */

$('room-id').value = state.roomId;
$('name').value = state.name;
$('where').textContent = `${transport} · ${server}`;
const guard = (fn) => () => fn().catch(fail);
$('join').addEventListener('click', guard(join));
$('leave').addEventListener('click', guard(() => leave('left')));
$('mic').addEventListener('click', guard(() => toggleSource('mic')));
$('camera').addEventListener('click', guard(() => toggleSource('camera')));
$('screen').addEventListener('click', guard(toggleScreen));
$('quality').addEventListener('change', guard(() => setLayers(Number($('quality').value))));

Object.assign(window, {
	roomJoin: join,
	roomLeave: () => leave('left'),
	roomToggleMic: () => toggleSource('mic'),
	roomToggleCamera: () => toggleSource('camera'),
	roomToggleScreen: toggleScreen,
	roomSetLayers: setLayers,
});
if (params.get('autostart') !== '0') join();
