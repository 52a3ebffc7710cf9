// mediasoup-app.js — a participant as the SFU service's frontends are
// written: mediasoup-client v3 and socket.io-client, the service's Socket.IO
// events and nothing else (no SDP, no Janus API). Bundled with esbuild by
// lib/mediasoup_app.mjs for the room-mediasoup-*-netns files.
// window.msc.start({url, roomId?, name, width, height, fps}) joins
// (createRoom without roomId), loads the device, makes both transports,
// produces microphone and camera, consumes everyone already there and every
// newProducer. window.msc.state holds what a test reads: peerId, roomId,
// producers (name -> id: audio, video, screen), remote (peerId ->
// producerId -> {kind, source, framesDecoded, audioSamples, audioLevel and
// audioEnergy (from WebAudio), paused, consumerPaused, closed, consumerId,
// frameWidth}), events, log (the
// server's events with their data), counts (per event name), error.
// window.msc.pause(name) / resume(name) / close(name) drive our producers
// the way a frontend does; shareScreen() produces a getDisplayMedia track
// with appData {source: 'screen'}; pauseConsumer / resumeConsumer stop and
// restart one of our consumers; request(name, data) sends any event; setLayers(peerId, producerId, spatial)
// picks a simulcast layer; start({simulcast: true}) sends the camera as
// two rid encodings. When the socket drops (dropSocket() closes its
// Engine.IO connection) socket.io-client connects again and the app joins
// again with its peerId, makes new transports, produces its tracks again
// and consumes everyone (state.rejoins, state.reconnected).
import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';

const state = {
	peerId: null, roomId: null, joined: false, error: null, events: [], log: [], counts: {},
	producers: {}, remote: {}, sendState: 'new', recvState: 'new', rejoins: 0, reconnected: null, stats: null,
};
let socket = null;
let device = null;
let sendTransport = null;
let recvTransport = null;
const producers = {};            // audio / video / screen -> mediasoup-client Producer
const consumers = new Map();     // producerId -> {consumer, peerId} (null while being made)
const tracks = {};               // audio / video / screen -> {track, encodings, source}
let statsTimer = null;
let receiving = false;           // the receive transport exists: newProducer is consumed at once
let settings = null;             // start()'s options, for a join again

function note(text) {
	state.events.push(`${(performance.now() / 1000).toFixed(1)} ${text}`);
	if (state.events.length > 200) state.events.shift();
}

/** One request: the event name and its ack; an ack {error} throws. */
async function request(name, data = {}) {
	// generous: on a starved 2-core machine every page once stood still for 20 s
	const sent = performance.now();
	let answer;
	try {
		answer = await socket.timeout(45000).emitWithAck(name, { roomId: state.roomId, ...data });
	} catch (e) {
		note(`${name} unanswered after ${((performance.now() - sent) / 1000).toFixed(1)} s: ${e.message} (socket ${socket.connected ? 'connected' : 'not connected'})`);
		throw e;
	}
	if (answer && answer.error) throw new Error(`${name}: ${answer.code || ''} ${answer.error}`);
	return answer;
}

function remoteOf(peerId, producerId) {
	const peer = state.remote[peerId] ??= {};
	return peer[producerId] ??= { kind: null, source: null, consumerId: null, framesDecoded: 0, frameWidth: 0,
		audioSamples: 0, audioEnergy: 0, paused: false, consumerPaused: false, closed: false };
}

async function consume(producerId, peerId, metadata) {
	// before the receive transport exists getProducers brings it later
	if (!receiving || consumers.has(producerId) || peerId === state.peerId) return;
	consumers.set(producerId, null);
	try {
		const data = await request('consume', { producerId, rtpCapabilities: device.rtpCapabilities });
		const consumer = await recvTransport.consume({
			id: data.id, producerId: data.producerId, kind: data.kind, rtpParameters: data.rtpParameters,
		});
		consumers.set(producerId, { consumer, peerId });
		const r = remoteOf(peerId, producerId);
		Object.assign(r, { kind: data.kind, consumerId: data.id, type: data.type, source: metadata?.source || null,
			paused: !!data.producerPaused, closed: false, framesDecoded: 0, audioSamples: 0, audioEnergy: 0 });
		const element = document.createElement(data.kind === 'video' ? 'video' : 'audio');
		element.autoplay = true;
		element.muted = true;
		element.playsInline = true;
		element.srcObject = new MediaStream([consumer.track]);
		document.body.appendChild(element);
		if (data.kind === 'audio') listenTo(consumer);
		consumer.observer.on('close', () => element.remove());
		element.play().catch(() => {});
		await request('resumeConsumer', { consumerId: data.id });
		note(`consuming ${data.kind} ${producerId} of ${peerId}`);
	} catch (e) {
		consumers.delete(producerId);
		throw e;
	}
}

/** What an audio consumer plays, through WebAudio (Chromium computes no
 * totalAudioEnergy for received audio without an audio output device). */
let audioContext = null;
const analysers = new Map();     // consumer track id -> AnalyserNode
function listenTo(consumer) {
	audioContext ??= new AudioContext();
	const analyser = audioContext.createAnalyser();
	analyser.fftSize = 2048;
	audioContext.createMediaStreamSource(new MediaStream([consumer.track])).connect(analyser);
	analysers.set(consumer.track.id, analyser);
	consumer.observer.on('close', () => analysers.delete(consumer.track.id));
}

/** The RMS level of the last 2048 samples a consumer played (0 when unknown). */
function levelOf(trackId) {
	const analyser = analysers.get(trackId);
	if (!analyser) return 0;
	const samples = new Float32Array(analyser.fftSize);
	analyser.getFloatTimeDomainData(samples);
	return Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
}

/** One getStats of the receive transport a second (not one per consumer:
 * 7 pages of 12 consumers each would keep the browser busy). */
async function readStats() {
	if (!recvTransport || recvTransport.closed) return;
	const byTrack = new Map();
	for (const [producerId, entry] of consumers) if (entry) byTrack.set(entry.consumer.track.id, remoteOf(entry.peerId, producerId));
	const report = await recvTransport.getStats();
	let matched = 0;
	report.forEach((s) => {
		const r = s.type === 'inbound-rtp' ? byTrack.get(s.trackIdentifier) : null;
		if (!r || r.closed) return;
		matched++;
		if (s.kind === 'video') {
			r.framesDecoded = s.framesDecoded || 0;
			r.frameWidth = s.frameWidth || 0;
			// what a failure report shows of a video that does not move
			r.rx = { packets: s.packetsReceived || 0, lost: s.packetsLost || 0, keyframes: s.keyFramesDecoded || 0,
				plis: s.pliCount || 0, nacks: s.nackCount || 0, dropped: s.framesDropped || 0 };
		} else {
			r.audioSamples = s.totalSamplesReceived || 0;
			// energy: the sum of the squared levels read so far (rises while sound plays)
			const level = levelOf(s.trackIdentifier);
			r.audioLevel = level;
			if (level > 0.001) r.audioEnergy += level * level;
		}
	});
	state.stats = { reads: (state.stats?.reads || 0) + 1, matched, consumers: byTrack.size };
}

/** consume(), tried again (a request may time out on a loaded machine) while the producer lives. */
function consumeRetrying(producerId, peerId, metadata, tries) {
	consume(producerId, peerId, metadata).catch((e) => {
		note(`consume failed: ${e.message}`);
		const r = state.remote[peerId]?.[producerId];
		if (tries > 1 && !r?.closed) setTimeout(() => consumeRetrying(producerId, peerId, metadata, tries - 1), 1000);
	});
}

/** Our consumer of `producerId` ends (its producer closed). */
function consumerGone(peerId, producerId) {
	consumers.get(producerId)?.consumer.close();
	consumers.delete(producerId);
	remoteOf(peerId, producerId).closed = true;
}

const handlers = {
	newProducer: (d) => {
		note(`newProducer ${d.kind} ${d.producerId} of ${d.peerId}${d.paused ? ' paused' : ''}`);
		consumeRetrying(d.producerId, d.peerId, d.metadata, 3);
	},
	producerClosed: (d) => consumerGone(d.peerId, d.producerId),
	consumerClosed: (d) => consumerGone(d.peerId, d.producerId),
	producerPaused: (d) => { remoteOf(d.peerId, d.producerId).paused = true; },
	producerResumed: (d) => { remoteOf(d.peerId, d.producerId).paused = false; },
	// noted only: pausing the local consumer too (consumer.pause(), as
	// mediasoup-demo does) made the 7-page run's video come back late after
	// the producer resumed; the server stops and restarts forwarding itself
	consumerPaused: (d) => { remoteOf(d.peerId, d.producerId).paused = true; },
	consumerResumed: (d) => { remoteOf(d.peerId, d.producerId).paused = false; },
	peerJoined: () => {},
	peerLeft: () => {},
	roomCreated: () => {},
	error: () => {},
};

function listen() {
	for (const [name, handle] of Object.entries(handlers)) {
		socket.on(name, (d) => {
			state.counts[name] = (state.counts[name] || 0) + 1;
			state.log.push({ name, data: d, at: Date.now() });
			if (state.log.length > 400) state.log.shift();
			note(`${name} ${JSON.stringify(d).slice(0, 120)}`);
			handle(d);
		});
	}
	socket.on('disconnect', (reason) => note(`disconnect ${reason}`));
	// socket.io-client connects again by itself: join again with our peerId
	socket.on('connect', () => {
		if (state.joined) rejoin().catch((e) => { state.error = `rejoin: ${e.message || e}`; });
	});
}

/** Both transports, made and wired (the send one produces through the socket). */
async function makeTransports() {
	const sendInfo = await request('createWebRtcTransport', { direction: 'send' });
	sendTransport = device.createSendTransport(sendInfo);
	sendTransport.on('connect', ({ dtlsParameters }, callback, errback) => {
		request('connectWebRtcTransport', { transportId: sendTransport.id, dtlsParameters }).then(() => callback(), errback);
	});
	sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
		request('produce', { transportId: sendTransport.id, kind, rtpParameters, appData })
			.then(({ producerId }) => callback({ id: producerId }), errback);
	});
	sendTransport.on('connectionstatechange', (s) => { state.sendState = s; note(`send transport ${s}`); });

	const recvInfo = await request('createWebRtcTransport', { direction: 'recv' });
	recvTransport = device.createRecvTransport(recvInfo);
	recvTransport.on('connect', ({ dtlsParameters }, callback, errback) => {
		request('connectWebRtcTransport', { transportId: recvTransport.id, dtlsParameters }).then(() => callback(), errback);
	});
	recvTransport.on('connectionstatechange', (s) => { state.recvState = s; note(`recv transport ${s}`); });
	receiving = true;
}

/** Produces `name`'s track (kept across a join again: stopTracks false). */
async function produceTrack(name) {
	const { track, encodings, source } = tracks[name];
	const producer = await sendTransport.produce({ track, encodings, stopTracks: false, appData: { source } });
	producers[name] = producer;
	state.producers = { ...state.producers, [name]: producer.id };
}

async function consumeEveryone() {
	const known = await request('getProducers');
	for (const p of known.producers) await consume(p.producerId, p.peerId, p.metadata);
}

async function start(options) {
	settings = options;
	const { url, roomId, name, width = 320, height = 240, fps = 10, simulcast = false } = options;
	try {
		socket = io(url);   // the client's defaults: polling, then the WebSocket upgrade
		await new Promise((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('connect_error', reject);
		});
		listen();
		note('connected');
		const joined = roomId
			? await request('joinRoom', { roomId, metadata: { name } })
			: await socket.timeout(20000).emitWithAck('createRoom', { metadata: { name } });
		state.roomId = joined.roomId || roomId;
		state.peerId = joined.peerId;
		const caps = await request('getRouterRtpCapabilities');
		device = new Device();
		await device.load({ routerRtpCapabilities: caps.rtpCapabilities });
		note('device loaded');
		await makeTransports();
		note('transports made');

		const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: fps } });
		// simulcast: two rid encodings, half and full resolution
		const encodings = simulcast ? [{ rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 200000 },
			{ rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 900000 }] : undefined;
		tracks.audio = { track: media.getAudioTracks()[0], source: 'mic' };
		tracks.video = { track: media.getVideoTracks()[0], encodings, source: 'camera' };
		note('media captured');
		await produceTrack('audio');
		await produceTrack('video');
		note('produced');
		await consumeEveryone();
		state.joined = true;
		statsTimer = setInterval(() => { readStats().catch(() => {}); }, 1000);
	} catch (e) {
		state.error = e.message || String(e);
	}
}

/** After a new connection: the same peerId again, new transports, our tracks again, everyone consumed again. */
async function rejoin() {
	receiving = false;
	sendTransport?.close();   // their pcs went with the old connection
	recvTransport?.close();
	for (const [producerId, entry] of consumers) if (entry) remoteOf(entry.peerId, producerId).closed = true;
	consumers.clear();
	const joined = await request('joinRoom', { peerId: state.peerId, metadata: { name: settings.name } });
	state.reconnected = joined.reconnected;
	await makeTransports();
	for (const name of Object.keys(tracks)) if (!tracks[name].closed) await produceTrack(name);
	await consumeEveryone();
	state.rejoins++;
	note(`joined again (reconnected: ${joined.reconnected})`);
}

/** A screen share: getDisplayMedia's track, produced with appData {source: 'screen'}. */
async function shareScreen({ width = 320, height = 240, fps = 5 } = {}) {
	const media = await navigator.mediaDevices.getDisplayMedia({ video: { width, height, frameRate: fps }, audio: false });
	const track = media.getVideoTracks()[0];
	tracks.screen = { track, source: 'screen' };
	await produceTrack('screen');
	return { label: track.label, settings: track.getSettings() };
}

function dropSocket() {
	socket.io.engine.close();
}

async function pause(kind) {
	producers[kind].pause();
	await request('pauseProducer', { producerId: producers[kind].id });
}

async function resume(kind) {
	producers[kind].resume();
	await request('resumeProducer', { producerId: producers[kind].id });
}

async function close(kind) {
	producers[kind].close();
	tracks[kind].closed = true;
	await request('closeProducer', { producerId: producers[kind].id });
}

/** Stops (or restarts) our consumer of `producerId`: pauseConsumer / resumeConsumer. */
async function pauseConsumer(peerId, producerId) {
	consumers.get(producerId)?.consumer.pause();
	await request('pauseConsumer', { consumerId: state.remote[peerId][producerId].consumerId });
	state.remote[peerId][producerId].consumerPaused = true;
}

async function resumeConsumer(peerId, producerId) {
	consumers.get(producerId)?.consumer.resume();
	await request('resumeConsumer', { consumerId: state.remote[peerId][producerId].consumerId });
	state.remote[peerId][producerId].consumerPaused = false;
}

/** setConsumerPreferredLayers on our consumer of `producerId`. */
async function setLayers(peerId, producerId, spatialLayer, temporalLayer = -1) {
	const consumerId = state.remote[peerId]?.[producerId]?.consumerId;
	await request('setConsumerPreferredLayers', { consumerId, spatialLayer, temporalLayer });
}

async function leave() {
	clearInterval(statsTimer);
	await request('leaveRoom');
	socket.close();
}

window.msc = {
	state, start, pause, resume, close, leave, setLayers, shareScreen, dropSocket, pauseConsumer, resumeConsumer, request,
};
