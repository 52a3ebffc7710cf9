// whep.js — the script of whep.html: a WHEP player (draft-ietf-wish-whep)
// for parley.plugin.room, with nothing but fetch and RTCPeerConnection.
// It offers to receive one audio and one video stream (POST
// application/sdp to /whep/<roomId>[/<peerId>][?layer=N]), applies the
// 201's answer, sends its ICE candidates as trickle-ice-sdpfrag PATCHes
// with If-Match (the ETag of the 201), and ends with a DELETE of the
// Location. With offer=server it POSTs an empty body, answers the
// gateway's offer and PATCHes the answer (application/sdp). The gateway
// decides which producers feed the two m-lines and switches them as
// participants come and go; the page just plays.
//
// For tests, window.whepState holds: status, error, resource (Location),
// etag, iceServers (from the Link headers), ice (connection state),
// postMs (when the POST went, performance.now()), firstFrameMs (the first
// decoded video frame, ms after the POST), video {framesDecoded,
// keyFramesDecoded, frameWidth, frameHeight, packets}, audio {samples,
// energy, packets}; window.whepPc is the RTCPeerConnection. window.whepPlay(),
// whepStop() drive it.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const server = (params.get('server') || location.origin).replace(/\/+$/, '');
const state = window.whepState = {
	status: 'stopped', error: null, resource: null, etag: null, iceServers: [], ice: 'new',
	postMs: null, firstFrameMs: null, serverOffer: params.get('offer') === 'server',
	trickle: params.get('trickle') !== '0', patches: 0, events: [],
	video: { framesDecoded: 0, keyFramesDecoded: 0, frameWidth: 0, frameHeight: 0, packets: 0 },
	audio: { samples: 0, energy: 0, packets: 0 },
};

let pc = null, statsTimer = null, pending = [], endOfCandidates = false, patching = Promise.resolve();

function log(text) {
	state.events.push(text);
	if (state.events.length > 200) state.events.shift();
	const el = $('log');
	el.textContent += `${new Date().toISOString().slice(11, 23)} ${text}\n`;
	if (el.textContent.length > 40000) el.textContent = el.textContent.slice(-30000);
	el.scrollTop = el.scrollHeight;
}

function setStatus(text, kind = 'muted') {
	state.status = text;
	$('status').textContent = text;
	$('status').className = `status ${kind}`;
}

function setPlaying(on) {
	$('play').disabled = on;
	$('stop').disabled = !on;
	for (const id of ['room-id', 'peer-id', 'layer', 'token']) $(id).disabled = on;
}

function endpoint() {
	const room = encodeURIComponent($('room-id').value.trim() || 'demo');
	const peer = $('peer-id').value.trim();
	const layer = $('layer').value;
	return `${server}/whep/${room}${peer ? `/${encodeURIComponent(peer)}` : ''}${layer !== '' ? `?layer=${layer}` : ''}`;
}

function headers(extra = {}) {
	const token = $('token').value.trim();
	return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/* RFC 8288 Link values with rel="ice-server" → RTCIceServer entries. */
function iceServersOf(response) {
	const servers = [];
	const link = response.headers.get('Link');
	if (!link) return servers;
	for (const part of link.split(/,\s*(?=<)/)) {
		const m = part.match(/^<([^>]+)>(.*)$/);
		if (!m || !/rel="?ice-server"?/.test(m[2])) continue;
		const attr = (name) => (m[2].match(new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`)) || [])[1]?.replace(/\\(.)/g, '$1');
		const entry = { urls: m[1] };
		if (attr('username') !== undefined) {
			entry.username = attr('username');
			entry.credential = attr('credential') ?? '';
		}
		servers.push(entry);
	}
	return servers;
}

async function fail(response, what) {
	let reason = '';
	try { reason = (await response.json()).error; } catch { /* not JSON */ }
	throw new Error(`${what}: ${response.status}${reason ? ` ${reason}` : ''}`);
}

/* One PATCH with the candidates gathered since the last one. */
function sendCandidates() {
	if (!state.resource || (pending.length === 0 && !endOfCandidates)) return patching;
	const local = pc.localDescription.sdp;
	const ufrag = local.match(/a=ice-ufrag:(.*)\r\n/)[1];
	const pwd = local.match(/a=ice-pwd:(.*)\r\n/)[1];
	const mid = local.match(/a=mid:(.*)\r\n/)[1];
	const lines = pending.splice(0).map((c) => `a=${c}\r\n`).join('');
	const end = endOfCandidates ? 'a=end-of-candidates\r\n' : '';
	endOfCandidates = false;
	const body = `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:${mid}\r\n${lines}${end}`;
	patching = patching.then(async () => {
		const r = await fetch(state.resource, { method: 'PATCH', body,
			headers: headers({ 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': state.etag }) });
		state.patches++;
		if (r.status !== 204) log(`trickle PATCH answered ${r.status}`);
	}).catch((e) => log(`trickle PATCH failed: ${e.message}`));
	return patching;
}

function gathered() {
	return new Promise((resolve) => {
		if (pc.iceGatheringState === 'complete') return resolve();
		const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
		pc.addEventListener('icegatheringstatechange', done);
		setTimeout(resolve, 3000);
	});
}

async function created(response) {
	if (response.status !== 201) await fail(response, 'the POST was refused');
	state.resource = new URL(response.headers.get('Location'), `${server}/`).href;
	state.etag = response.headers.get('ETag');
	state.iceServers = iceServersOf(response);
	log(`resource ${state.resource} (ETag ${state.etag}, ${state.iceServers.length} ICE server(s))`);
	return response.text();
}

async function playWithOurOffer() {
	pc.addTransceiver('audio', { direction: 'recvonly' });
	pc.addTransceiver('video', { direction: 'recvonly' });
	await pc.setLocalDescription(await pc.createOffer());
	if (!state.trickle) await gathered();
	state.postMs = performance.now();
	const response = await fetch(endpoint(), { method: 'POST', body: pc.localDescription.sdp,
		headers: headers({ 'Content-Type': 'application/sdp' }) });
	const answer = await created(response);
	await pc.setRemoteDescription({ type: 'answer', sdp: answer });
	if (state.trickle) sendCandidates();
}

async function playWithTheirOffer() {
	state.postMs = performance.now();
	const response = await fetch(endpoint(), { method: 'POST', headers: headers() });
	const offer = await created(response);
	await pc.setRemoteDescription({ type: 'offer', sdp: offer });
	await pc.setLocalDescription(await pc.createAnswer());
	await gathered();
	const r = await fetch(state.resource, { method: 'PATCH', body: pc.localDescription.sdp,
		headers: headers({ 'Content-Type': 'application/sdp', 'If-Match': state.etag }) });
	if (r.status !== 204) await fail(r, 'the answer was refused');
	log('answer sent');
}

async function pollStats() {
	if (!pc) return;
	const report = await pc.getStats();
	report.forEach((s) => {
		if (s.type !== 'inbound-rtp') return;
		if (s.kind === 'video') {
			state.video = { framesDecoded: s.framesDecoded || 0, keyFramesDecoded: s.keyFramesDecoded || 0,
				frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0, packets: s.packetsReceived || 0 };
			if (state.firstFrameMs === null && state.video.framesDecoded > 0)
				state.firstFrameMs = Math.round(performance.now() - state.postMs);
		} else {
			state.audio = { samples: s.totalSamplesReceived || 0, energy: s.totalAudioEnergy || 0,
				packets: s.packetsReceived || 0 };
		}
	});
	state.ice = pc.iceConnectionState;
	$('meta').textContent = state.video.frameWidth ? `${state.video.frameWidth}x${state.video.frameHeight}` : '';
}

async function play() {
	setPlaying(true);
	state.error = null;
	state.resource = state.etag = null;
	state.firstFrameMs = null;
	pending = [];
	endOfCandidates = false;
	setStatus('connecting…');
	try {
		pc = window.whepPc = new RTCPeerConnection({ iceServers: [] });
		const stream = new MediaStream();
		$('video').srcObject = stream;
		pc.ontrack = (e) => stream.addTrack(e.track);
		pc.onicecandidate = (e) => {
			if (!state.trickle || state.serverOffer) return;
			if (e.candidate && e.candidate.candidate) pending.push(e.candidate.candidate);
			else endOfCandidates = true;
			sendCandidates();
		};
		pc.oniceconnectionstatechange = () => {
			state.ice = pc.iceConnectionState;
			log(`ICE ${pc.iceConnectionState}`);
			if (pc.iceConnectionState === 'connected') setStatus('playing', 'ok');
			if (pc.iceConnectionState === 'failed') setStatus('ICE failed', 'error');
		};
		if (state.serverOffer) await playWithTheirOffer();
		else await playWithOurOffer();
		statsTimer = setInterval(pollStats, 500);
	} catch (e) {
		state.error = e.message;
		log(e.message);
		setStatus(e.message, 'error');
		await stop(false);
	}
}

async function stop(clearError = true) {
	clearInterval(statsTimer);
	statsTimer = null;
	const resource = state.resource;
	state.resource = null;
	if (pc) pc.close();
	pc = null;
	if (resource) {
		const r = await fetch(resource, { method: 'DELETE', headers: headers() }).catch((e) => ({ status: e.message }));
		log(`DELETE answered ${r.status}`);
	}
	setPlaying(false);
	if (clearError) setStatus('stopped');
}

$('room-id').value = params.get('room') || 'demo';
$('peer-id').value = params.get('peer') || '';
$('layer').value = ['0', '1', '2'].includes(params.get('layer')) ? params.get('layer') : '';
$('token').value = params.get('token') || '';
$('where').textContent = server;
$('play').onclick = play;
$('stop').onclick = () => stop();
window.whepPlay = play;
window.whepStop = () => stop();
window.addEventListener('pagehide', () => {
	if (state.resource) fetch(state.resource, { method: 'DELETE', keepalive: true, headers: headers() });
});
if (params.get('autostart') !== '0') play();
