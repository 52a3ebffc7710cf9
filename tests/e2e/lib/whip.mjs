// tests/e2e/lib/whip.mjs — WHIP and WHEP clients for the e2e tests:
// Debian's simple-whip-client (Meetecho's GStreamer WHIP client,
// `whip-client`) with what it needs to run on a loopback-only namespace,
// a Chromium WHIP publisher that is nothing but fetch and
// RTCPeerConnection, and the plain HTTP requests the tests send to
// resources themselves.
//
// simple-whip-client as Debian ships it cannot start here by itself:
//  - libnice's UPnP library (libgupnp-igd) pulls libsoup 3 into a process
//    linked with libsoup 2.4, and libsoup aborts ("libsoup2 symbols
//    detected"): a stand-in libgupnp-igd-1.0.so.4 goes first on the
//    client's own LD_LIBRARY_PATH (tests/e2e/whip/gupnp_igd_standin.c);
//  - libnice gathers no candidate on `lo` (it skips loopback interfaces
//    and neither webrtcbin nor the client can add an address): a
//    getifaddrs() without the loopback flag is preloaded into the client
//    only (tests/e2e/whip/loopback_ifaddrs.c).
// Both are built by `make check` in $PARLEY_BUILDDIR/tests/e2e/whip/.libs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BUILDDIR } from './server.mjs';

export const WHIP_CLIENT = process.env.PARLEY_WHIP_CLIENT || '/usr/bin/whip-client';
export const WHIP_LIBS = path.join(BUILDDIR, 'tests/e2e/whip/.libs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Why simple-whip-client cannot run here, or null when it can. */
export function whipClientMissing() {
	if (!fs.existsSync(WHIP_CLIENT)) return `${WHIP_CLIENT} is missing (apt-get install simple-whip-client)`;
	for (const f of ['libgupnp-igd-1.0.so.4', 'libloopback-ifaddrs.so'])
		if (!fs.existsSync(path.join(WHIP_LIBS, f))) return `${path.join(WHIP_LIBS, f)} is not built (make check builds it)`;
	return null; /* the client checks its GStreamer plugins itself and says which one is missing */
}

/** GStreamer pipelines of simple-whip-client: a test pattern and a tone. */
export function whipPipelines({ width = 480, height = 360, fps = 15, audio = true, video = true } = {}) {
	return {
		video: video ? `videotestsrc is-live=true pattern=ball ! video/x-raw,width=${width},height=${height},` +
			`framerate=${fps}/1 ! videoconvert ! queue ! vp8enc deadline=1 target-bitrate=400000 keyframe-max-dist=30 ! ` +
			'rtpvp8pay pt=96 ! queue ! application/x-rtp,media=video,encoding-name=VP8,payload=96' : null,
		audio: audio ? 'audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! audioconvert ! audioresample ! queue ! ' +
			'opusenc ! rtpopuspay pt=111 ! queue ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111' : null,
	};
}

/** Starts simple-whip-client publishing to `url`. The returned object keeps
 * its output lines and parses the resource URL it reports. */
export function startWhipClient({ url, token = null, width, height, fps, audio = true, video = true, extraArgs = [] }) {
	const pipes = whipPipelines({ width, height, fps, audio, video });
	const args = ['-u', url, '-o', '-l', '4', ...extraArgs];
	if (token !== null) args.push('-t', token);
	if (pipes.audio) args.push('-A', pipes.audio);
	if (pipes.video) args.push('-V', pipes.video);
	const env = { ...process.env, LD_LIBRARY_PATH: WHIP_LIBS, LD_PRELOAD: path.join(WHIP_LIBS, 'libloopback-ifaddrs.so'),
		GST_DEBUG: '0' };
	const proc = spawn(WHIP_CLIENT, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
	const client = { proc, lines: [], resource: null, exit: null };
	const take = (line) => {
		client.lines.push(line);
		if (client.lines.length > 400) client.lines.shift();
		const m = line.match(/Resource URL: (\S+)/);
		if (m) client.resource = m[1];
	};
	readline.createInterface({ input: proc.stdout }).on('line', take);
	readline.createInterface({ input: proc.stderr }).on('line', (l) => take(`stderr: ${l}`));
	client.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
		client.exit = { code, signal };
		resolve(client.exit);
	}));
	client.log = (n = 40) => client.lines.slice(-n).join('\n');
	/** Waits (bounded) for a line matching `re`; the line. */
	client.waitFor = async (re, timeoutMs = 20000) => {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const line = client.lines.find((l) => re.test(l));
			if (line) return line;
			if (client.exit) break;
			await sleep(100);
		}
		throw new Error(`whip-client: no line matching ${re} within ${timeoutMs} ms (exit ${JSON.stringify(client.exit)}):\n${client.log()}`);
	};
	/** SIGINT: the client sends its DELETE and exits (bounded, then SIGKILL). */
	client.stop = async (graceMs = 8000) => {
		if (client.exit) return client.exit;
		proc.kill('SIGINT');
		const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
		await client.exited;
		clearTimeout(t);
		return client.exit;
	};
	/** SIGKILL: gone without a word (no DELETE). */
	client.kill = async () => {
		if (!client.exit) proc.kill('SIGKILL');
		return client.exited;
	};
	return client;
}

/** One HTTP request; {status, headers, text}. */
export async function http(url, { method = 'GET', headers = {}, body } = {}) {
	const r = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(20000) });
	return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A trickle-ice-sdpfrag body. */
export function sdpfrag({ ufrag, pwd, mid = '0', kind = 'audio', candidates = [], end = false }) {
	let s = '';
	if (ufrag) s += `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n`;
	s += `m=${kind} 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:${mid}\r\n`;
	for (const c of candidates) s += `a=${c}\r\n`;
	if (end) s += 'a=end-of-candidates\r\n';
	return s;
}

/** Admin "info" of a room (its peers with their producers), or null. */
export async function roomInfo(srv, roomId, adminSecret) {
	const r = await fetch(`${srv.httpUrl}/admin`, {
		method: 'POST',
		body: JSON.stringify({ janus: 'message_plugin', transaction: 'whip', admin_secret: adminSecret,
			plugin: 'parley.plugin.room', request: { request: 'info', roomId } }),
	});
	const j = await r.json();
	return j.response && !j.response.error ? j.response : null;
}

/**
 * In a Chromium page: publishes the fake camera and microphone with WHIP
 * (fetch + RTCPeerConnection) to `url`; with `simulcast`, two rid layers
 * (l = half size, h = full size), else one scaled down by `scale` (the
 * fake camera gives every page of a browser the same size). Sets window.whipPub {resource, etag,
 * answer, status, error, layers: [{rid, width}], restarts}. Meant for
 * page.evaluate.
 */
export async function whipPublishInPage({ url, token, simulcast = false, width = 640, height = 480, scale = 1 }) {
	const state = window.whipPub = { status: 'starting', error: null, resource: null, etag: null, layers: [], restarts: 0 };
	const auth = token ? { Authorization: `Bearer ${token}` } : {};
	try {
		const media = await navigator.mediaDevices.getUserMedia({ audio: true,
			video: { width: { exact: width }, height: { exact: height }, frameRate: 15 } });
		const pc = window.whipPc = new RTCPeerConnection({ iceServers: [] });
		pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly' });
		pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: simulcast
			? [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 250000 }, { rid: 'h', maxBitrate: 1200000 }]
			: [{ maxBitrate: 1200000, scaleResolutionDownBy: scale }] });
		await pc.setLocalDescription(await pc.createOffer());
		await new Promise((resolve) => {
			if (pc.iceGatheringState === 'complete') return resolve();
			pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
			setTimeout(resolve, 3000);
		});
		const r = await fetch(url, { method: 'POST', body: pc.localDescription.sdp,
			headers: { 'Content-Type': 'application/sdp', ...auth } });
		state.postStatus = r.status;
		if (r.status !== 201) throw new Error(`POST answered ${r.status}: ${await r.text()}`);
		state.resource = new URL(r.headers.get('Location'), url).href;
		state.etag = r.headers.get('ETag');
		state.link = r.headers.get('Link');
		state.answer = await r.text();
		await pc.setRemoteDescription({ type: 'answer', sdp: state.answer });
		/* a loaded machine must not make the encoder scale the picture down: the tests tell streams by size */
		const sender = pc.getSenders().find((x) => x.track?.kind === 'video');
		const params = sender.getParameters();
		params.degradationPreference = 'maintain-resolution';
		await sender.setParameters(params).catch((e) => { state.degradation = e.message; });
		state.status = 'published';
		setInterval(async () => {
			const layers = [];
			(await pc.getStats()).forEach((s) => {
				if (s.type === 'outbound-rtp' && s.kind === 'video') layers.push({ rid: s.rid || null, width: s.frameWidth || 0 });
			});
			state.layers = layers;
			state.ice = pc.iceConnectionState;
		}, 500);
	} catch (e) {
		state.error = `${e.name}: ${e.message}`;
		state.status = 'failed';
	}
	return state.status;
}

/**
 * In the page of whipPublishInPage: an ICE restart as RFC 9725 does it: new
 * credentials on the same pc, PATCH If-Match "*" with the new ufrag, pwd
 * and candidates; the 200's fragment (the gateway's new credentials and
 * candidates) replaces those of the remote answer. Returns {status, etag}.
 */
export async function whipRestartInPage({ token }) {
	const state = window.whipPub, pc = window.whipPc;
	const auth = token ? { Authorization: `Bearer ${token}` } : {};
	pc.restartIce();
	await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
	await new Promise((resolve) => {
		if (pc.iceGatheringState === 'complete') return resolve();
		pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
		setTimeout(resolve, 3000);
	});
	const sdp = pc.localDescription.sdp;
	const ufrag = sdp.match(/a=ice-ufrag:(.*)\r\n/)[1], pwd = sdp.match(/a=ice-pwd:(.*)\r\n/)[1];
	const mid = sdp.match(/a=mid:(.*)\r\n/)[1];
	const cands = [...sdp.matchAll(/a=(candidate:.*)\r\n/g)].map((m) => m[1]);
	const frag = `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:${mid}\r\n` +
		cands.map((c) => `a=${c}\r\n`).join('') + 'a=end-of-candidates\r\n';
	const r = await fetch(state.resource, { method: 'PATCH', body: frag,
		headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*', ...auth } });
	const text = await r.text();
	if (r.status !== 200) return { status: r.status, text };
	const theirs = {
		ufrag: text.match(/a=ice-ufrag:(.*)\r\n/)[1], pwd: text.match(/a=ice-pwd:(.*)\r\n/)[1],
		candidates: [...text.matchAll(/a=(candidate:.*)\r\n/g)].map((m) => m[1]),
	};
	const answer = state.answer.split('\r\n').filter((l) => !/^a=(candidate:|end-of-candidates)/.test(l)).map((l) => {
		if (l.startsWith('a=ice-ufrag:')) return `a=ice-ufrag:${theirs.ufrag}`;
		if (l.startsWith('a=ice-pwd:')) return `a=ice-pwd:${theirs.pwd}`;
		return l;
	}).flatMap((l) => (/^a=mid:/.test(l) ? [l, ...theirs.candidates.map((c) => `a=${c}`)] : [l])).join('\r\n');
	state.answer = answer;
	await pc.setRemoteDescription({ type: 'answer', sdp: answer });
	state.etag = r.headers.get('ETag');
	state.restarts++;
	return { status: r.status, etag: state.etag, candidates: theirs.candidates.length };
}
