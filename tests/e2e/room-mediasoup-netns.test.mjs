// room-mediasoup-netns.test.mjs — parley.plugin.room as the SFU service's
// backend for unchanged mediasoup-client v3 frontends, in a network
// namespace with only lo. The pages run the real mediasoup-client and
// socket.io-client from npm, bundled here with esbuild
// (pages/mediasoup-app.js, lib/mediasoup_app.mjs) and served by this file: the service's Socket.IO
// events only (createRoom/joinRoom, getRouterRtpCapabilities,
// createWebRtcTransport send + recv, connectWebRtcTransport, produce,
// consume, resumeConsumer, pause/resume/closeProducer), on the WebSocket
// transport's [socketio.sfu] listener, with the core's ICE-lite transport.
// 3 mediasoup pages publish microphone + camera (the first in simulcast,
// two rid encodings) and one html/room.html participant (SDP, Janus API
// over WebSocket) is in the same room: every one decodes audio and video
// from every other. A mediasoup consumer switches the simulcast producer's
// layers (setConsumerPreferredLayers) and decodes each width. Then a
// mediasoup page pauses, resumes and closes its camera and the others
// (mediasoup and SDP) see it. The tests share one room and run in order.
// Every PeerConnection of the room, mediasoup transports and SDP handles
// alike, is in the room's loop group (admin handle_info's loop-group).
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, freePort } from './lib/server.mjs';
import { HttpJanus } from './lib/janus.mjs';
import { mscState, serveMediasoupApp } from './lib/mediasoup_app.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const MSC_PAGES = 3;
const sfuPort = await freePort();
const udpPort = await freePort();

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', ice_lite: 'true', udp_port: udpPort } },
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		// layers exactly as preferred: with auto_layers the viewer's REMB
		// estimate, low after a while on the small layer, would keep it there
		'parley.plugin.room': { media: { auto_layers: 'false' } },
		'parley.transport.websocket': {
			socketio: { listeners: 'sfu' },
			// the pages come from this file's own origin: Engine.IO polling is cross-origin
			'socketio.sfu': { port: sfuPort, plugin: 'parley.plugin.room', cors_origins: '*' },
		},
	},
});

const world = { browser: null, msc: [], sdp: null, site: null, roomId: null };

after(async () => {
	for (const p of [...world.msc, world.sdp]) await p?.close().catch(() => {});
	await world.browser?.close().catch(() => {});
	world.site?.close();
});

const sdpState = () => window.roomState && {
	peerId: roomState.peerId, joined: roomState.joined, error: roomState.error, events: roomState.events.slice(-12),
	remote: roomState.remote, peers: roomState.peers,
};

/** peerId -> {peerId -> {video, audio}} (frames decoded, audio samples) for every participant. */
async function everyoneReceives() {
	const views = {};
	for (const page of world.msc) {
		const s = await page.evaluate(() => window.msc.state);
		views[s.peerId] = Object.fromEntries(Object.entries(s.remote).map(([peer, list]) => {
			const open = Object.values(list).filter((r) => !r.closed);
			return [peer, { video: Math.max(0, ...open.filter((r) => r.kind === 'video').map((r) => r.framesDecoded)),
				audio: Math.max(0, ...open.filter((r) => r.kind === 'audio').map((r) => r.audioSamples)) }];
		}));
	}
	const s = await world.sdp.evaluate(() => roomState);
	views[s.peerId] = Object.fromEntries(Object.entries(s.remote).map(([peer, list]) => [peer, {
		video: Math.max(0, ...Object.values(list).filter((r) => r.kind === 'video').map((r) => r.framesDecoded || 0)),
		audio: Math.max(0, ...Object.values(list).filter((r) => r.kind === 'audio').map((r) => r.audioSamples || 0)) }]));
	return views;
}

const describe = async () => `mediasoup pages:\n${(await Promise.all(world.msc.map((p) => p.evaluate(mscState))))
	.map((s) => JSON.stringify(s).slice(0, 1500)).join('\n')}\nSDP page: ${
	JSON.stringify(await world.sdp.evaluate(sdpState)).slice(0, 1500)}\n${consoleOf([...world.msc, world.sdp], 30)}`;

/** Waits until everyone decodes more than `floor` (per pair, or a number) from every other. */
async function waitAllReceive(ids, { floor = {}, timeoutMs = 40000, what = 'everyone decodes everyone' } = {}) {
	const deadline = Date.now() + timeoutMs;
	let lacking = [];
	while (Date.now() < deadline) {
		const views = await everyoneReceives();
		lacking = [];
		for (const to of ids) for (const from of ids) {
			if (to === from) continue;
			const got = views[to]?.[from] || { video: 0, audio: 0 };
			const base = floor[`${to}<${from}`] || { video: 0, audio: 0 };
			if (got.video <= base.video + 5 || got.audio <= base.audio) lacking.push(`${to}<${from} ${JSON.stringify(got)}`);
		}
		if (!lacking.length) return views;
		await new Promise((r) => setTimeout(r, 500));
	}
	assert.fail(`${what}: lacking ${lacking.join(', ')}\n${await describe()}`);
}

async function ids() {
	const list = [];
	for (const page of world.msc) list.push(await page.evaluate(() => window.msc.state.peerId));
	list.push(await world.sdp.evaluate(() => roomState.peerId));
	return list;
}

/** The loop-group of every handle that has a PeerConnection (admin API). */
async function pcLoopGroups(srv) {
	const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	return (await admin.allHandleInfos()).filter((info) => info.webrtc).map((info) => info['loop-group'] ?? null);
}

test('3 mediasoup-client pages and one SDP page decode audio and video from each other', async (srv) => {
	assertLoopbackOnly();
	world.site = await serveMediasoupApp();
	const appUrl = world.site.url;
	world.browser = await launchBrowser();
	const url = `http://127.0.0.1:${sfuPort}`;
	for (let i = 0; i < MSC_PAGES; i++) {
		const page = await openPage(world.browser, appUrl, `msc${i}`);
		world.msc.push(page);
		// the first page sends its camera in simulcast (640x360: two layers)
		const media = i === 0 ? { simulcast: true, width: 640, height: 360 } : {};
		await page.evaluate((o) => window.msc.start(o), { url, roomId: world.roomId, name: `msc-${i}`, ...media });
		const s = await page.evaluate(mscState);
		assert.equal(s.error, null, `page msc${i}: ${JSON.stringify(s)}`);
		assert.ok(s.joined && s.peerId, `page msc${i} did not join: ${JSON.stringify(s)}`);
		world.roomId ??= s.roomId;
	}
	const sdpUrl = `${srv.httpUrl}/room.html?room=${world.roomId}&name=sdp&transport=ws&server=${
		encodeURIComponent(`${srv.wsUrl}/`)}&width=320&height=240&fps=10`;
	world.sdp = await openPage(world.browser, sdpUrl, 'sdp');
	await waitInPage(world.sdp, () => roomState.joined || roomState.error, null, { timeoutMs: 20000, what: 'the SDP page joined', describe: sdpState });
	assert.equal(await world.sdp.evaluate(() => roomState.error), null);
	const everyone = await ids();
	assert.equal(new Set(everyone).size, MSC_PAGES + 1);
	await waitAllReceive(everyone, { timeoutMs: 45000 });
	const states = await Promise.all(world.msc.map((p) => p.evaluate(mscState)));
	for (const s of states) assert.deepEqual([s.sendState, s.recvState], ['connected', 'connected']);
	// send and receive transports of each mediasoup page, the SDP page's publisher and subscriber
	const groups = await pcLoopGroups(srv);
	assert.ok(groups.length >= 2 * MSC_PAGES + 2, `handles with a pc: ${JSON.stringify(groups)}`);
	for (const g of groups) assert.equal(g, `parley.plugin.room/${world.roomId}`, JSON.stringify(groups));
}, { timeout: 80000 });

test('simulcast from rtpParameters encodings: a mediasoup consumer switches layers, the SDP page receives it too', async () => {
	assert.equal(world.msc.length, MSC_PAGES, 'the first test did not set up the room');
	const { peerId, producers } = await world.msc[0].evaluate(() => window.msc.state);
	const viewer = world.msc[1];
	const entry = await viewer.evaluate(([p, id]) => window.msc.state.remote[p]?.[id], [peerId, producers.video]);
	assert.equal(entry?.type, 'simulcast', `consume answered ${JSON.stringify(entry)}`);
	// widths within bounds: Chromium may scale a layer down when its CPU is short
	const widthWithin = (low, high) => waitInPage(viewer, ([p, id, lo, hi]) => {
		const r = window.msc.state.remote[p]?.[id];
		return r && r.frameWidth >= lo && r.frameWidth <= hi && r.frameWidth;
	}, [peerId, producers.video, low, high], { timeoutMs: 20000, what: `a decoded width in ${low}..${high}`, describe: mscState });
	await viewer.evaluate(([p, id]) => window.msc.setLayers(p, id, 0), [peerId, producers.video]);
	const small = await widthWithin(1, 320);
	await viewer.evaluate(([p, id]) => window.msc.setLayers(p, id, 1), [peerId, producers.video]);
	await widthWithin(small + 1, 640);
	// the SDP participant decodes the same producer
	await waitInPage(world.sdp, (from) => Object.values(roomState.remote[from] || {})
		.some((r) => r.kind === 'video' && r.frameWidth > 0 && r.framesDecoded > 5), peerId,
	{ timeoutMs: 10000, what: 'the SDP page decodes the simulcast producer', describe: sdpState });
}, { timeout: 50000 });

test('a mediasoup page pauses, resumes and closes its camera: mediasoup and SDP participants see it', async () => {
	assert.equal(world.msc.length, MSC_PAGES, 'the first test did not set up the room');
	const owner = world.msc[0];
	const { peerId, producers } = await owner.evaluate(() => window.msc.state);
	const video = producers.video;
	const others = world.msc.slice(1);
	const mscSees = (page, what) => waitInPage(page, ([id, from, w]) => {
		const r = window.msc.state.remote[from]?.[id];
		return r && (w === 'closed' ? r.closed : w === 'paused' ? r.paused : !r.paused);
	}, [video, peerId, what], { timeoutMs: 10000, what: `producer ${what}`, describe: mscState });
	const sdpSees = (what) => waitInPage(world.sdp, ([id, from, w]) => {
		const p = roomState.peers[from]?.producers?.[id];
		return w === 'closed' ? !roomState.remote[from]?.[id] : p && (w === 'paused' ? p.paused === true : p.paused === false);
	}, [video, peerId, what], { timeoutMs: 10000, what: `producer ${what} (SDP page)`, describe: sdpState });

	await owner.evaluate(() => window.msc.pause('video'));
	for (const page of others) await mscSees(page, 'paused');
	await sdpSees('paused');
	// nothing of it is forwarded while paused: its consumers' packet
	// counters (getRoomInfo) stand still; the pages decode next to nothing
	// (once the frames in flight and their stats reads, once a second,
	// have caught up; a frame a retransmission completes may still come out)
	const forwarded = async () => Object.fromEntries((await owner.evaluate(() => window.msc.request('getRoomInfo')))
		.peers.flatMap((p) => p.consumers || []).filter((c) => c.producerId === video).map((c) => [c.consumerId, c.packets]));
	await new Promise((r) => setTimeout(r, 1500));
	const before = await everyoneReceives();
	const sentBefore = await forwarded();
	await new Promise((r) => setTimeout(r, 2000));
	const during = await everyoneReceives();
	assert.deepEqual(await forwarded(), sentBefore, 'packets of the paused producer forwarded');
	assert.equal(Object.keys(sentBefore).length, MSC_PAGES);   // the other pages and the SDP participant
	const sdpId = await world.sdp.evaluate(() => roomState.peerId);
	const frozen = [...(await ids()).slice(1)].map((to) => [to, during[to][peerId].video - before[to][peerId].video]);
	assert.ok(frozen.every(([, n]) => n <= 5), `frames still decoded while paused: ${JSON.stringify(frozen)}`);

	await owner.evaluate(() => window.msc.resume('video'));
	for (const page of others) await mscSees(page, 'resumed');
	await sdpSees('resumed');
	const floor = Object.fromEntries([...(await ids()).slice(1)].map((to) => [`${to}<${peerId}`, { video: during[to][peerId].video, audio: 0 }]));
	const deadline = Date.now() + 15000;
	let behind = [];
	while (Date.now() < deadline) {
		const now = await everyoneReceives();
		behind = Object.entries(floor).filter(([k, f]) => {
			const [to] = k.split('<');
			return now[to][peerId].video <= f.video + 5;
		}).map(([k]) => k);
		if (!behind.length) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	assert.deepEqual(behind, [], `video did not come back after resume\n${await describe()}`);

	await owner.evaluate(() => window.msc.close('video'));
	for (const page of others) await mscSees(page, 'closed');
	await sdpSees('closed');
	assert.ok(sdpId);
	// its audio still flows to everyone
	const views = await everyoneReceives();
	const after = Object.fromEntries(Object.keys(views).filter((id) => id !== peerId).map((id) => [id, views[id][peerId].audio]));
	await new Promise((r) => setTimeout(r, 1500));
	const later = await everyoneReceives();
	for (const [id, n] of Object.entries(after)) assert.ok(later[id][peerId].audio > n, `${id} stopped receiving audio of ${peerId}`);
}, { timeout: 60000 });
