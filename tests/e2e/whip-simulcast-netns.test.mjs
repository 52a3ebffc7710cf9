// whip-simulcast-netns.test.mjs — WHIP and WHEP with Chromium on both
// sides, in a network namespace with only lo: a page publishes its fake
// camera (640x480, two simulcast layers: half and full size) with nothing
// but fetch and RTCPeerConnection to /whip/<room>; two WHEP players
// (html/whep.html) held at ?layer=0 and ?layer=1 decode 320 and 640 wide.
// The publisher restarts ICE the RFC 9725 way (PATCH If-Match "*": 200, the
// gateway's fragment, a new ETag) and both players keep decoding; the old
// ETag is then refused (412). A player of the whole room switches from one
// publisher to the next when the first leaves, on the same m-lines (and one
// made with the server's offer, the empty POST, plays too); a player of
// one peer stays on it. The 201 carries the configured ICE servers as Link
// headers.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { http, roomInfo, sdpfrag, whipPublishInPage, whipRestartInPage } from './lib/whip.mjs';

const TOKEN = 'chromium-whip-token';

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		'parley.plugin.room': {
			whip: { tokens: TOKEN, rate_limit: 0, stun_servers: '127.0.0.1:3478',
				turn_servers: '127.0.0.1:3478?transport=udp', turn_username: 'user', turn_password: 'pass"word' },
			// a pinned layer is what the test checks, not the early bandwidth estimate
			media: { auto_layers: 'false' },
		},
	},
});

const whepState = () => window.whepState && {
	status: whepState.status, error: whepState.error, ice: whepState.ice, video: whepState.video,
	audio: whepState.audio, events: whepState.events.slice(-8),
};
const pubState = () => window.whipPub;

async function publisher(browser, srv, room, label, { simulcast = false, scale = 1 } = {}) {
	const page = await openPage(browser, `${srv.httpUrl}/index.html`, label);
	const status = await page.evaluate(whipPublishInPage, { url: `${srv.httpUrl}/whip/${room}`, token: TOKEN,
		simulcast, width: 640, height: 480, scale });
	assert.equal(status, 'published', `${label}: ${JSON.stringify(await page.evaluate(pubState))}`);
	return page;
}

test('a Chromium WHIP publisher with simulcast; WHEP players held at two layers; an ICE restart by PATCH', async (srv) => {
	assertLoopbackOnly();
	const browser = await launchBrowser();
	const pages = [];
	try {
		const pub = await publisher(browser, srv, 'sim', 'pub', { simulcast: true });
		pages.push(pub);
		const link = await pub.evaluate(() => whipPub.link);
		assert.match(link, /<stun:127\.0\.0\.1:3478>; rel="ice-server"/);
		assert.match(link, /<turn:127\.0\.0\.1:3478\?transport=udp>; rel="ice-server"; username="user"; credential="pass\\"word"; credential-type="password"/);
		await waitInPage(pub, () => whipPub.layers.filter((l) => l.rid && l.width > 0).length >= 2, null,
			{ timeoutMs: 20000, what: 'two simulcast layers encoded', describe: pubState });
		const players = {};
		for (const layer of [0, 1]) {
			const page = await openPage(browser, `${srv.httpUrl}/whep.html?room=sim&layer=${layer}`, `layer${layer}`);
			pages.push(page);
			players[layer] = page;
		}
		const low = await waitInPage(players[0], () => whepState.video.frameWidth === 320 && whepState.video.framesDecoded > 5 &&
			whepState.video, null, { timeoutMs: 40000, what: 'the layer 0 player decodes 320 wide', describe: whepState });
		const high = await waitInPage(players[1], () => whepState.video.frameWidth === 640 && whepState.video.framesDecoded > 5 &&
			whepState.video, null, { timeoutMs: 40000, what: 'the layer 1 player decodes 640 wide', describe: whepState });
		assert.equal(low.frameHeight, 240);
		assert.equal(high.frameHeight, 480);
		for (const page of Object.values(players))
			await waitInPage(page, () => whepState.audio.energy > 0, null, { what: 'the player hears the publisher', describe: whepState });

		// ICE restart the RFC 9725 way, from the publishing page
		const before = await pub.evaluate(() => ({ etag: whipPub.etag, resource: whipPub.resource }));
		const restart = await pub.evaluate(whipRestartInPage, { token: TOKEN });
		assert.equal(restart.status, 200, JSON.stringify(restart));
		assert.ok(restart.candidates >= 1, 'the fragment carries the gateway\'s candidates');
		assert.notEqual(restart.etag, before.etag);
		await waitInPage(pub, () => whipPc.iceConnectionState === 'connected' || whipPc.iceConnectionState === 'completed', null,
			{ timeoutMs: 20000, what: 'the publisher reconnects after the restart', describe: () => whipPc.iceConnectionState });
		const counts = {};
		for (const [layer, page] of Object.entries(players))
			counts[layer] = await page.evaluate(() => whepState.video.framesDecoded);
		for (const [layer, page] of Object.entries(players))
			await waitInPage(page, (n) => whepState.video.framesDecoded > n + 20, counts[layer],
				{ timeoutMs: 30000, what: `the layer ${layer} player keeps decoding after the restart`, describe: whepState });
		// the ICE session's old ETag no longer matches
		const r = await http(before.resource, { method: 'PATCH', body: sdpfrag({ end: true }),
			headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': before.etag } });
		assert.equal(r.status, 412, r.text);
		const ok = await http(before.resource, { method: 'PATCH', body: sdpfrag({ end: true }),
			headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': restart.etag } });
		assert.equal(ok.status, 204, ok.text);
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		for (const p of pages) await p.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 180000 });

test('WHEP players switch as producers come and go; one peer\'s player stays with it; the server\'s offer', async (srv) => {
	assertLoopbackOnly();
	const browser = await launchBrowser();
	const pages = [];
	try {
		let r = await http(`${srv.httpUrl}/whep/switch`, { method: 'POST', body: '' });
		assert.equal(r.status, 404, 'no such room yet');
		const first = await publisher(browser, srv, 'switch', 'first', { scale: 2 });   /* sends 320x240 */
		pages.push(first);
		const room = await openPage(browser, `${srv.httpUrl}/whep.html?room=switch`, 'room-player');
		const offered = await openPage(browser, `${srv.httpUrl}/whep.html?room=switch&offer=server`, 'offered-player');
		pages.push(room, offered);
		for (const [label, page] of [['room', room], ['server-offer', offered]])
			await waitInPage(page, () => whepState.video.frameWidth === 320 && whepState.video.framesDecoded > 5, null,
				{ timeoutMs: 40000, what: `the ${label} player decodes the first publisher`, describe: whepState });
		const peerIds = async () => {
			const info = await fetch(`${srv.httpUrl}/admin`, { method: 'POST', body: JSON.stringify({ janus: 'message_plugin',
				transaction: 't', admin_secret: ADMIN_SECRET, plugin: 'parley.plugin.room', request: { request: 'info', roomId: 'switch' } }) });
			return (await info.json()).response.peers.map((p) => p.peerId);
		};
		const [firstPeer] = await peerIds();
		const second = await publisher(browser, srv, 'switch', 'second');   /* sends 640x480 */
		pages.push(second);
		const secondPeer = (await peerIds()).find((id) => id !== firstPeer);
		assert.ok(secondPeer, 'the second publisher is in the room');
		const follower = await openPage(browser, `${srv.httpUrl}/whep.html?room=switch&peer=${secondPeer}`, 'peer-player');
		pages.push(follower);
		await waitInPage(follower, () => whepState.video.frameWidth === 640 && whepState.video.framesDecoded > 5, null,
			{ timeoutMs: 40000, what: 'the peer player decodes the second publisher', describe: whepState });
		// the room players stay on the oldest producer meanwhile
		assert.equal(await room.evaluate(() => whepState.video.frameWidth), 320);
		// the first publisher leaves (DELETE): the room players go on with the second, on the same m-lines
		const before = await room.evaluate(() => whepState.video.framesDecoded);
		const deleted = await first.evaluate(async (token) => (await fetch(whipPub.resource,
			{ method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status, TOKEN);
		assert.equal(deleted, 200);
		for (const [label, page] of [['room', room], ['server-offer', offered]])
			await waitInPage(page, (n) => whepState.video.frameWidth === 640 && whepState.video.framesDecoded > n + 10, before,
				{ timeoutMs: 40000, what: `the ${label} player switches to the second publisher`, describe: whepState });
		const transceivers = await room.evaluate(() => document.getElementById('video').srcObject.getTracks().length);
		assert.equal(transceivers, 2, 'still one audio and one video track');
		// the second publisher goes too: the players stay, with nothing to play
		await second.evaluate(async (token) => fetch(whipPub.resource, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }), TOKEN);
		r = await http(`${srv.httpUrl}/whep/switch/${secondPeer}`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
			body: 'v=0\r\n' });
		assert.equal(r.status, 404, `POST for a peer that left: ${r.text}`);
	} catch (err) {
		const info = await roomInfo(srv, 'switch', ADMIN_SECRET).catch(() => null);
		const stats = [];
		for (const p of pages) {
			stats.push(await p.evaluate(async () => {
				if (!window.whepPc) return null;
				const out = [];
				(await whepPc.getStats()).forEach((s) => {
					if (s.type === 'inbound-rtp' || s.type === 'transport')
						out.push({ type: s.type, kind: s.kind, ssrc: s.ssrc, mid: s.mid, packets: s.packetsReceived,
							frames: s.framesDecoded, width: s.frameWidth, bytes: s.bytesReceived, nack: s.nackCount,
							pli: s.pliCount, discarded: s.packetsDiscarded });
				});
				return { url: location.search, out };
			}).catch(() => null));
		}
		err.message += `\nplayers: ${JSON.stringify(info?.viewers)}\npages: ${JSON.stringify(stats)}\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		for (const p of pages) await p.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 180000 });
