// whip-gst-netns.test.mjs — WHIP ingest and WHEP playback on
// parley.plugin.room with a WHIP client nobody here wrote: Debian's
// simple-whip-client (GStreamer's webrtcbin, libnice) publishes a test
// pattern (480x360) and a tone to /whip/<room> in a network namespace with
// only lo. A headless Chromium participant of the room (html/room.html,
// the Janus API) sees the WHIP publisher join with source "whip"
// producers and decodes its video and audio; a Chromium WHEP player
// (html/whep.html) decodes them too, from the room and from that peer. The
// resource's HTTP side with fetch: trickle PATCH (204), no If-Match (428),
// a stale ETag (412), a fragment that does not parse (400), DELETE (200,
// then 404); wrong and missing tokens get 401 (never 404), from the client
// itself too; a client killed without a DELETE leaves the room once ICE
// consent stops.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { http, roomInfo, sdpfrag, startWhipClient, whipClientMissing } from './lib/whip.mjs';

const TOKEN = 'gst-whip-token';
/* Fails (not skips) when the client cannot run: CI installs it (parley.sh TEST_PACKAGES). */
function needClient() {
	const missing = whipClientMissing();
	assert.equal(missing, null, missing);
}

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', disconnect_timeout_ms: 2000,
			consent_timeout_ms: 6000, ice_consent_timeout_ms: 6000 } },
		'parley.plugin.room': { whip: { tokens: TOKEN, rate_limit: 0 } },
	},
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `fn()` returns a truthy value. */
async function until(fn, what, timeoutMs = 20000) {
	const deadline = Date.now() + timeoutMs;
	let last;
	while (Date.now() < deadline) {
		last = await fn();
		if (last) return last;
		await sleep(250);
	}
	throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)?.slice(0, 1500)})`);
}

/** The WHIP peer of a room (admin info), once it has audio and video producers. */
async function whipPeer(srv, room) {
	return until(async () => {
		const info = await roomInfo(srv, room, ADMIN_SECRET);
		const peer = info?.peers?.find((p) => p.metadata?.whip === true);
		return peer && peer.producers.length === 2 ? peer : null;
	}, `the WHIP publisher in room ${room} with audio and video`, 30000);
}

const roomPageState = () => window.roomState && {
	joined: roomState.joined, error: roomState.error, peers: roomState.peers, remote: roomState.remote,
	events: roomState.events.slice(-10),
};
const whepPageState = () => window.whepState && {
	status: whepState.status, error: whepState.error, ice: whepState.ice, video: whepState.video,
	audio: whepState.audio, resource: whepState.resource, events: whepState.events.slice(-10),
};

test('tokens: missing or wrong Bearer tokens get 401 with WWW-Authenticate, before any 404', async (srv) => {
	needClient();
	const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n';
	for (const auth of [null, 'Bearer wrong-token', 'Basic Z3N0OnRva2Vu', 'Bearer']) {
		const headers = { 'Content-Type': 'application/sdp', ...(auth ? { Authorization: auth } : {}) };
		const r = await http(`${srv.httpUrl}/whip/tokens`, { method: 'POST', headers, body: offer });
		assert.equal(r.status, 401, `POST with ${auth}: ${r.text}`);
		assert.match(r.headers.get('www-authenticate'), /^Bearer realm="whip"/);
		// a resource that does not exist: still 401, never 404
		for (const method of ['PATCH', 'DELETE']) {
			const p = await http(`${srv.httpUrl}/whip/tokens/AAAAAAAAAAAAAAAAAAAAAAAA`, { method, headers });
			assert.equal(p.status, 401, `${method} with ${auth}: ${p.text}`);
		}
	}
	// with the right token, the same resource is 404
	const p = await http(`${srv.httpUrl}/whip/tokens/AAAAAAAAAAAAAAAAAAAAAAAA`,
		{ method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
	assert.equal(p.status, 404);
	// the real client with a wrong token gives up on the 401
	const client = startWhipClient({ url: `${srv.httpUrl}/whip/tokens`, token: 'not-the-token' });
	try {
		await client.waitFor(/\[401\]/, 30000);
		const exit = await Promise.race([client.exited, sleep(15000).then(() => null)]);
		assert.ok(exit, `whip-client kept running after its 401:\n${client.log()}`);
	} finally {
		await client.kill();
	}
	const info = await roomInfo(srv, 'tokens', ADMIN_SECRET);
	assert.ok(info === null || info.peers.length === 0, 'nobody joined with a wrong token');
}, { timeout: 90000 });

test('simple-whip-client publishes; a Chromium participant and WHEP players decode it; PATCH and DELETE by fetch', async (srv) => {
	assertLoopbackOnly();
	needClient();
	const room = 'gst';
	const client = startWhipClient({ url: `${srv.httpUrl}/whip/${room}`, token: TOKEN, width: 480, height: 360 });
	const browser = await launchBrowser();
	const pages = [];
	try {
		await client.waitFor(/PeerConnection connected/, 30000);
		assert.ok(client.resource, `whip-client reported no resource URL:\n${client.log()}`);
		assert.match(client.resource, new RegExp(`/whip/${room}/[A-Za-z0-9]{24}$`));
		const peer = await whipPeer(srv, room);
		assert.deepEqual(peer.producers.map((p) => p.metadata.source).sort(), ['whip', 'whip']);
		assert.deepEqual(peer.producers.map((p) => p.kind).sort(), ['audio', 'video']);

		// a Janus-API participant: peerJoined/newProducer with source "whip", decodes both
		const participant = await openPage(browser,
			`${srv.httpUrl}/room.html?room=${room}&name=viewer&transport=ws&server=${encodeURIComponent(`${srv.wsUrl}/`)}&fps=10`,
			'participant');
		pages.push(participant);
		const seen = await waitInPage(participant, (id) => {
			const remote = roomState.remote[id];
			const video = remote && Object.values(remote).find((r) => r.kind === 'video');
			const audio = remote && Object.values(remote).find((r) => r.kind === 'audio');
			return video?.framesDecoded > 10 && audio?.audioSamples > 4800 && { video, audio };
		}, peer.peerId, { timeoutMs: 40000, what: 'the participant decodes the WHIP publisher', describe: roomPageState });
		assert.equal(seen.video.frameWidth, 480);
		assert.equal(seen.video.source, 'whip');
		const sources = await participant.evaluate((id) =>
			Object.values(roomState.peers[id]?.producers || {}).map((p) => p.source), peer.peerId);
		assert.deepEqual(sources.sort(), ['whip', 'whip']);

		// WHEP players: the whole room (the oldest producers: the WHIP ones), and that peer only
		for (const [label, query] of [['room', ''], ['peer', `&peer=${peer.peerId}`]]) {
			const player = await openPage(browser, `${srv.httpUrl}/whep.html?room=${room}${query}`, `whep-${label}`);
			pages.push(player);
			const got = await waitInPage(player, () => whepState.video.framesDecoded > 10 && whepState.audio.energy > 0 &&
				whepState, null, { timeoutMs: 40000, what: `the ${label} WHEP player decodes video and audio`, describe: whepPageState });
			assert.equal(got.video.frameWidth, 480, `${label} player plays the WHIP stream`);
			assert.ok(got.video.keyFramesDecoded >= 1);
		}

		// the resource over plain HTTP (fetch), beside the client that made it
		const auth = { Authorization: `Bearer ${TOKEN}` };
		const frag = sdpfrag({ candidates: ['candidate:9 1 udp 2113937151 127.0.0.1 9 typ host'] });
		const fragType = { 'Content-Type': 'application/trickle-ice-sdpfrag' };
		let r = await http(client.resource, { method: 'PATCH', headers: { ...auth, ...fragType }, body: frag });
		assert.equal(r.status, 428, `PATCH without If-Match: ${r.text}`);
		r = await http(client.resource, { method: 'PATCH', headers: { ...auth, ...fragType, 'If-Match': '"not-the-etag"' }, body: frag });
		assert.equal(r.status, 412, `PATCH with a stale ETag: ${r.text}`);
		r = await http(client.resource, { method: 'PATCH', headers: { ...auth, ...fragType, 'If-Match': '*' }, body: 'not a fragment' });
		assert.equal(r.status, 400, `a fragment that does not parse: ${r.text}`);
		r = await http(client.resource, { method: 'PATCH', headers: { ...auth, 'Content-Type': 'text/plain', 'If-Match': '*' }, body: frag });
		assert.equal(r.status, 415);
		r = await http(client.resource, { method: 'PATCH', headers: { ...auth, ...fragType, 'If-Match': '*' }, body: frag });
		assert.equal(r.status, 204, `a trickle PATCH: ${r.text}`);
		r = await http(client.resource, { method: 'GET', headers: auth });
		assert.equal(r.status, 405);
		assert.match(r.headers.get('allow'), /PATCH/);
		r = await http(client.resource, { method: 'OPTIONS' });
		assert.equal(r.status, 204);
		assert.match(r.headers.get('accept-patch'), /application\/trickle-ice-sdpfrag/);

		// media still flows after all that
		const before = await participant.evaluate((id) =>
			Object.values(roomState.remote[id]).find((x) => x.kind === 'video').framesDecoded, peer.peerId);
		await waitInPage(participant, ([id, n]) => Object.values(roomState.remote[id] || {})
			.find((x) => x.kind === 'video')?.framesDecoded > n + 10, [peer.peerId, before],
		{ timeoutMs: 20000, what: 'frames keep coming after the PATCHes', describe: roomPageState });

		// DELETE by fetch: the publisher leaves the room, the resource is gone
		r = await http(client.resource, { method: 'DELETE', headers: auth });
		assert.equal(r.status, 200, `DELETE: ${r.text}`);
		await waitInPage(participant, (id) => !roomState.peers[id], peer.peerId,
			{ timeoutMs: 15000, what: 'the participant sees the WHIP publisher leave', describe: roomPageState });
		r = await http(client.resource, { method: 'DELETE', headers: auth });
		assert.equal(r.status, 404);
		r = await http(client.resource, { method: 'PATCH', headers: { ...auth, ...fragType, 'If-Match': '*' }, body: frag });
		assert.equal(r.status, 404);
	} catch (err) {
		err.message += `\nwhip-client:\n${client.log()}\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		for (const p of pages) await p.close().catch(() => {});
		await browser.close();
		await client.kill();
	}
}, { timeout: 180000 });

test('the client stops: its DELETE ends the session; killed: it ends when ICE consent stops', async (srv) => {
	assertLoopbackOnly();
	needClient();
	const room = 'gst-end';
	// SIGINT: simple-whip-client sends DELETE
	let client = startWhipClient({ url: `${srv.httpUrl}/whip/${room}`, token: TOKEN, width: 320, height: 240 });
	try {
		await client.waitFor(/PeerConnection connected/, 30000);
		await whipPeer(srv, room);
		const resource = client.resource;
		await client.stop();
		await until(async () => (await roomInfo(srv, room, ADMIN_SECRET))?.peers.length === 0,
			'the publisher left after its DELETE', 15000);
		const r = await http(resource, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 404);
	} catch (err) {
		err.message += `\nwhip-client:\n${client.log()}`;
		throw err;
	} finally {
		await client.kill();
	}
	// SIGKILL: no DELETE; consent (6 s here) ends the pc and the resource with it
	client = startWhipClient({ url: `${srv.httpUrl}/whip/${room}`, token: TOKEN, width: 320, height: 240 });
	try {
		await client.waitFor(/PeerConnection connected/, 30000);
		const peer = await whipPeer(srv, room);
		const resource = client.resource;
		await client.kill();
		await until(async () => !(await roomInfo(srv, room, ADMIN_SECRET))?.peers.some((p) => p.peerId === peer.peerId),
			'the killed publisher left once ICE consent stopped', 30000);
		const r = await http(resource, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 404);
	} catch (err) {
		err.message += `\nwhip-client:\n${client.log()}`;
		throw err;
	} finally {
		await client.kill();
	}
}, { timeout: 120000 });
