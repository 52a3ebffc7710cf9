// mediasoup-app.js — a participant as the SFU service's frontends are
// written: mediasoup-client v3 and socket.io-client, the service's Socket.IO
// events and nothing else (no SDP, no Janus API). Bundled with esbuild by
// room-mediasoup-netns.test.mjs. window.msc.start({url, roomId?, name,
// width, height, fps}) joins (createRoom without roomId), loads the
// device, makes both transports, produces microphone and camera, consumes
// everyone already there and every newProducer. window.msc.state holds
// what a test reads: peerId, roomId, producers (kind -> id), remote (peerId
// -> producerId -> {kind, source, framesDecoded, audioSamples, paused,
// closed, consumerId, frameWidth}), events, error. window.msc.pause(kind)
// / resume(kind) / close(kind) drive our producers the way a frontend
// does; setLayers(peerId, producerId, spatial) picks a simulcast layer;
// start({simulcast: true}) sends the camera as two rid encodings.
import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';

const state = {
	peerId: null, roomId: null, joined: false, error: null, events: [],
	producers: {}, remote: {}, sendState: 'new', recvState: 'new',
};
let socket = null;
let device = null;
let sendTransport = null;
let recvTransport = null;
const producers = {};            // kind -> mediasoup-client Producer
const consumers = new Map();     // producerId -> {consumer, peerId}
let statsTimer = null;

function note(text) {
	state.events.push(text);
	if (state.events.length > 200) state.events.shift();
}

/** One request: the event name and its ack; an ack {error} throws. */
async function request(name, data = {}) {
	const answer = await socket.timeout(10000).emitWithAck(name, { roomId: state.roomId, ...data });
	if (answer && answer.error) throw new Error(`${name}: ${answer.code || ''} ${answer.error}`);
	return answer;
}

function remoteOf(peerId, producerId) {
	const peer = state.remote[peerId] ??= {};
	return peer[producerId] ??= { kind: null, source: null, consumerId: null, framesDecoded: 0, frameWidth: 0,
		audioSamples: 0, paused: false, closed: false };
}

async function consume(producerId, peerId, metadata) {
	if (consumers.has(producerId) || peerId === state.peerId) return;
	consumers.set(producerId, null);
	const data = await request('consume', { producerId, rtpCapabilities: device.rtpCapabilities });
	const consumer = await recvTransport.consume({
		id: data.id, producerId: data.producerId, kind: data.kind, rtpParameters: data.rtpParameters,
	});
	consumers.set(producerId, { consumer, peerId });
	const r = remoteOf(peerId, producerId);
	r.kind = data.kind;
	r.consumerId = data.id;
	r.type = data.type;
	r.source = metadata?.source || null;
	r.paused = !!data.producerPaused;
	const element = document.createElement(data.kind === 'video' ? 'video' : 'audio');
	element.autoplay = true;
	element.muted = true;
	element.playsInline = true;
	element.srcObject = new MediaStream([consumer.track]);
	document.body.appendChild(element);
	element.play().catch(() => {});
	await request('resumeConsumer', { consumerId: data.id });
	note(`consuming ${data.kind} ${producerId} of ${peerId}`);
}

async function readStats() {
	for (const [producerId, entry] of consumers) {
		if (!entry) continue;
		const r = remoteOf(entry.peerId, producerId);
		if (r.closed) continue;
		const report = await entry.consumer.getStats().catch(() => null);
		report?.forEach((s) => {
			if (s.type !== 'inbound-rtp') return;
			if (s.kind === 'video') {
				r.framesDecoded = s.framesDecoded || 0;
				r.frameWidth = s.frameWidth || 0;
			}
			else r.audioSamples = s.totalSamplesReceived || 0;
		});
	}
}

function listen() {
	socket.on('newProducer', (d) => {
		note(`newProducer ${d.kind} ${d.producerId} of ${d.peerId}`);
		consume(d.producerId, d.peerId, d.metadata).catch((e) => note(`consume failed: ${e.message}`));
	});
	socket.on('producerClosed', (d) => {
		note(`producerClosed ${d.producerId}`);
		const entry = consumers.get(d.producerId);
		entry?.consumer.close();
		remoteOf(d.peerId, d.producerId).closed = true;
	});
	socket.on('producerPaused', (d) => {
		note(`producerPaused ${d.producerId}`);
		remoteOf(d.peerId, d.producerId).paused = true;
	});
	socket.on('producerResumed', (d) => {
		note(`producerResumed ${d.producerId}`);
		remoteOf(d.peerId, d.producerId).paused = false;
	});
	socket.on('peerJoined', (d) => note(`peerJoined ${d.peerId}`));
	socket.on('peerLeft', (d) => note(`peerLeft ${d.peerId}`));
	socket.on('error', (d) => note(`error ${d.code} ${d.message}`));
}

async function start({ url, roomId, name, width = 320, height = 240, fps = 10, simulcast = false }) {
	try {
		socket = io(url);   // the client's defaults: polling, then the WebSocket upgrade
		await new Promise((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('connect_error', reject);
		});
		listen();
		const joined = roomId
			? await request('joinRoom', { roomId, metadata: { name } })
			: await socket.timeout(10000).emitWithAck('createRoom', { metadata: { name } });
		state.roomId = joined.roomId || roomId;
		state.peerId = joined.peerId;
		const caps = await request('getRouterRtpCapabilities');
		device = new Device();
		await device.load({ routerRtpCapabilities: caps.rtpCapabilities });

		const sendInfo = await request('createWebRtcTransport', { direction: 'send' });
		sendTransport = device.createSendTransport(sendInfo);
		sendTransport.on('connect', ({ dtlsParameters }, callback, errback) => {
			request('connectWebRtcTransport', { transportId: sendTransport.id, dtlsParameters }).then(() => callback(), errback);
		});
		sendTransport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
			request('produce', { transportId: sendTransport.id, kind, rtpParameters, appData })
				.then(({ producerId }) => callback({ id: producerId }), errback);
		});
		sendTransport.on('connectionstatechange', (s) => { state.sendState = s; });

		const recvInfo = await request('createWebRtcTransport', { direction: 'recv' });
		recvTransport = device.createRecvTransport(recvInfo);
		recvTransport.on('connect', ({ dtlsParameters }, callback, errback) => {
			request('connectWebRtcTransport', { transportId: recvTransport.id, dtlsParameters }).then(() => callback(), errback);
		});
		recvTransport.on('connectionstatechange', (s) => { state.recvState = s; });

		const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate: fps } });
		const audio = await sendTransport.produce({ track: media.getAudioTracks()[0], appData: { source: 'mic' } });
		// simulcast: two rid encodings, half and full resolution
		const encodings = simulcast ? [{ rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 200000 },
			{ rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 900000 }] : undefined;
		const video = await sendTransport.produce({ track: media.getVideoTracks()[0], encodings, appData: { source: 'camera' } });
		producers.audio = audio;
		producers.video = video;
		state.producers = { audio: audio.id, video: video.id };

		const known = await request('getProducers');
		for (const p of known.producers) await consume(p.producerId, p.peerId, p.metadata);
		state.joined = true;
		statsTimer = setInterval(() => { readStats().catch(() => {}); }, 500);
	} catch (e) {
		state.error = e.message || String(e);
	}
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
	await request('closeProducer', { producerId: producers[kind].id });
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

window.msc = { state, start, pause, resume, close, leave, setLayers };
