// echo-page.js — the script of echo.html: camera + microphone to
// parley.plugin.echo through parley.js, the echoed stream shown back, the
// audio/video/bitrate requests, and getStats figures. Its state is on
// window.echoState for tests; window.echoStart() / window.echoStop() drive it.
import { Parley } from './parley.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const transport = params.get('transport') === 'http' ? 'http' : 'ws';
const server = params.get('server') || Parley.defaultServer(transport);

const state = window.echoState = {
	transport, server, status: 'idle', error: null,
	sessionId: null, handleId: null, webrtcup: false, hangup: null,
	iceState: 'new', framesDecoded: 0, audioSamples: 0, videoKbps: 0, audioKbps: 0,
	audio: true, video: true, bitrate: 0, events: [],
};
let session = null, handle = null, pc = null, peer = null, local = null, statsTimer = null, last = null;

function log(text) {
	const line = `${new Date().toISOString().slice(11, 23)} ${text}`;
	state.events.push(text);
	if (state.events.length > 200) state.events.shift();
	const el = $('log');
	el.textContent += line + '\n';
	el.scrollTop = el.scrollHeight;
}

function setStatus(text, kind = 'muted') {
	state.status = text;
	const el = $('status');
	el.textContent = text;
	el.className = `status ${kind}`;
}

function setRunning(running) {
	$('start').disabled = running;
	for (const id of ['stop', 'audio', 'video', 'bitrate']) $(id).disabled = !running;
}

function fail(err) {
	state.error = err.message || String(err);
	log(`error: ${state.error}`);
	setStatus(state.error, 'error');
}

async function start() {
	setRunning(true);
	state.error = null;
	try {
		setStatus('Opening camera and microphone…');
		local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
		$('local').srcObject = local;
		setStatus(`Connecting to ${server}…`);
		session = await Parley.connect(server);
		state.sessionId = session.id;
		session.on('closed', (why) => { log(`session closed: ${why}`); if (state.status !== 'stopped') setStatus(`Session closed: ${why}`, 'error'); });
		handle = await session.attach('parley.plugin.echo');
		state.handleId = handle.id;
		log(`session ${session.id}, handle ${handle.id}`);
		handle.on('webrtcup', () => { state.webrtcup = true; $('s-up').textContent = 'yes'; log('webrtcup'); setStatus('Media flowing', 'ok'); });
		handle.on('media', (m) => {
			log(`media ${m.type || m.mid || ''} receiving=${m.receiving}`);
			if (m.type === 'video' || m.mid !== undefined) $('media-badge').classList.toggle('hidden', m.receiving !== false);
		});
		handle.on('hangup', (reason) => { state.hangup = reason || 'hangup'; log(`hangup: ${reason}`); });
		handle.on('slowlink', (m) => log(`slowlink ${JSON.stringify(m).slice(0, 120)}`));
		handle.on('message', (data, jsep) => {
			log(`event ${JSON.stringify(data).slice(0, 160)}${jsep ? ` + ${jsep.type}` : ''}`);
			if (data && data.error) fail(new Error(`echo plugin: ${data.error}`));
		});
		pc = new RTCPeerConnection({ iceServers: [] });
		pc.addEventListener('iceconnectionstatechange', () => {
			state.iceState = pc.iceConnectionState;
			$('s-ice').textContent = pc.iceConnectionState;
		});
		pc.addEventListener('track', (ev) => {
			const video = $('remote');
			if (!video.srcObject) video.srcObject = ev.streams[0] || new MediaStream();
			if (!ev.streams[0]) video.srcObject.addTrack(ev.track);
			log(`remote ${ev.track.kind} track`);
		});
		for (const track of local.getTracks()) pc.addTrack(track, local);
		peer = Parley.peer(handle, pc);
		setStatus('Negotiating…');
		await peer.offer({ audio: state.audio, video: state.video });
		log('offer sent');
		statsTimer = setInterval(() => updateStats().catch(() => {}), 1000);
	} catch (err) {
		fail(err);
	}
}

async function stop() {
	clearInterval(statsTimer);
	statsTimer = null;
	setRunning(false);
	try {
		if (peer) peer.close();
		if (handle && !handle.detached) await handle.detach();
		if (session) await session.destroy();
	} catch (err) {
		log(`stop: ${err.message}`);
	}
	if (local) for (const t of local.getTracks()) t.stop();
	peer = handle = session = pc = local = null;
	$('remote').srcObject = null;
	$('local').srcObject = null;
	setStatus('stopped');
}

async function request(body) {
	try {
		await handle.send(body);
		log(`sent ${JSON.stringify(body)}`);
	} catch (err) {
		fail(err);
	}
}

async function updateStats() {
	if (!pc) return;
	const now = { t: performance.now(), vbytes: 0, abytes: 0 };
	const report = await pc.getStats();
	report.forEach((s) => {
		if (s.type !== 'inbound-rtp') return;
		if (s.kind === 'video') {
			state.framesDecoded = s.framesDecoded || 0;
			now.vbytes = s.bytesReceived || 0;
			if (s.frameWidth) $('s-res').textContent = `${s.frameWidth}×${s.frameHeight}`;
		} else if (s.kind === 'audio') {
			state.audioSamples = s.totalSamplesReceived || 0;
			now.abytes = s.bytesReceived || 0;
		}
	});
	if (last) {
		const secs = (now.t - last.t) / 1000;
		state.videoKbps = Math.round((now.vbytes - last.vbytes) * 8 / secs / 1000);
		state.audioKbps = Math.round((now.abytes - last.abytes) * 8 / secs / 1000);
		$('s-vbitrate').textContent = `${state.videoKbps} kbit/s`;
		$('s-abitrate').textContent = `${state.audioKbps} kbit/s`;
	}
	last = now;
	$('s-frames').textContent = state.framesDecoded;
	$('s-samples').textContent = state.audioSamples;
}

function toggleButton(id, key) {
	state[key] = !state[key];
	const button = $(id);
	button.textContent = `${key === 'audio' ? 'Audio' : 'Video'} ${state[key] ? 'on' : 'off'}`;
	button.classList.toggle('off', !state[key]);
	return request({ [key]: state[key] });
}

$('transport').textContent = `transport: ${transport === 'http' ? 'HTTP long-poll' : 'WebSocket'}`;
$('start').addEventListener('click', start);
$('stop').addEventListener('click', stop);
$('audio').addEventListener('click', () => toggleButton('audio', 'audio'));
$('video').addEventListener('click', () => toggleButton('video', 'video'));
$('bitrate').addEventListener('change', (ev) => {
	state.bitrate = Number(ev.target.value);
	request({ bitrate: state.bitrate });
});
window.echoStart = start;
window.echoStop = stop;
window.echoRequest = request;
window.addEventListener('pagehide', () => { if (session) session.destroy().catch(() => {}); });
if (params.get('autostart') === '1') start();
