// room-media-netns.test.mjs — parley.plugin.room with real participants in
// a network namespace with only lo: 3 headless Chromium pages on
// html/room.html (WebSocket) and 4 python3-aiortc participants in
// two processes (tests/e2e/aiortc/room_clients.py, HTTP API). Every one
// publishes audio + video and must decode frames from all 6 others; then a
// page is closed without leaving and the others keep receiving; it comes
// back with its peerId within the reconnect window and is in the room
// again; a page shares a "screen" (a canvas captureStream: headless Chromium
// has no desktop to capture) that reaches all others. The tests of this file
// share one room and run in order.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { HttpJanus } from './lib/janus.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { aiortcViews, floorsOf, sleep, startRoomClients, waitAllReceive as waitAll } from './lib/room_clients.mjs';

const ROOM = 'seven';
const PAGES = 3;
const AIORTC = 4;
const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		// The window (30 s by default; its expiry is test_room_lifecycle's)
		// must outlast this file's own steps between the close and the
		// return, which on a loaded machine took 41 s.
		'parley.plugin.room': { general: { reconnect_window: '120' } },
	},
});

const world = { browser: null, pages: [], py: [], srv: null };

after(async () => {
	for (const p of world.pages) await p?.close().catch(() => {});
	await world.browser?.close().catch(() => {});
	for (const g of world.py) await g.stop();
});
const pageState = () => window.roomState && {
	peerId: roomState.peerId, joined: roomState.joined, error: roomState.error, lastError: roomState.lastError,
	reconnected: roomState.reconnected, sub: roomState.subscriber, pub: roomState.publisher,
	remote: roomState.remote, events: roomState.events.slice(-12),
};

// Every camera is 160x120 at 8 fps: at 320x240 the seven participants
// decoding six streams each kept both cores busy on their own, and a
// neighbour's load then starved the clients' decoders and timers. A page's
// request waits up to 30 s for its reply: a starved machine once held
// every Chromium page still for 20 s (the gateway's log shows the requests
// answered at once when they came).
function pageUrl(srv, name, extra = '') {
	return `${srv.httpUrl}/room.html?room=${ROOM}&name=${name}&transport=ws&server=${encodeURIComponent(`${srv.wsUrl}/`)}` +
		`&width=160&height=120&fps=8&screen=canvas&timeoutMs=30000${extra}`;
}

/** peerId -> {peerId -> [{kind, source, frames, width}]} for every participant. */
async function everyoneReceives() {
	const views = aiortcViews(world.py);
	for (const page of world.pages) {
		if (!page || page.isClosed()) continue;
		const s = await page.evaluate(pageState);
		if (s?.peerId) views[s.peerId] = Object.fromEntries(Object.entries(s.remote).map(([peer, producers]) =>
			[peer, Object.values(producers).map((r) => ({ kind: r.kind, source: r.source,
				frames: r.kind === 'video' ? r.framesDecoded : r.audioSamples, width: r.frameWidth }))]));
	}
	return views;
}

const describe = () => world.py.map((g, i) => `aiortc ${i}: ${g.log.slice(-12).join('\n')}\naiortc ${i} routing: ${
	g.log.filter((l) => l.includes('"route"')).slice(-6).join('\n')}\naiortc ${i} ICE: ${JSON.stringify(
	Object.fromEntries(Object.entries(g.stats).map(([id, s]) => [id, { sub: s.ice, pub: s.pubIce }])))}\n`).join('') +
	`browsers:\n${consoleOf(world.pages.filter(Boolean), 30)}`;

/** What the gateway forwards from `fromPeer` to each of `to` (admin room
 * info): consumer kind, mid, packets, dropped, paused, layer — tells "not
 * forwarded" from "forwarded but not decoded" when a stream is missing. */
async function gatewayView(fromPeer, to) {
	try {
		const admin = new HttpJanus(world.srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
		const r = await admin.request({ janus: 'message_plugin', plugin: 'parley.plugin.room', request: { request: 'info', roomId: ROOM } });
		const peers = r.response?.peers || [];
		const sent = peers.find((p) => p.peerId === fromPeer)?.producers || [];
		return `gateway: ${fromPeer} produces ${JSON.stringify(sent.map((p) => [p.kind, p.metadata?.source, p.mid, p.packets, p.plis]))}\n` +
			peers.filter((p) => to.includes(p.peerId)).map((p) => `${p.peerId} consumes ${JSON.stringify(
				p.consumers.filter((c) => c.peerId === fromPeer).map((c) => [c.kind, c.mid, c.packets, c.dropped, c.paused, c.layer]))}`).join('\n');
	} catch (e) {
		return `gateway: room info failed: ${e.message}`;
	}
}

/** Waits until every participant in `who` got frames above `floor` of video and audio from every other in `who`. */
const waitAllReceive = (who, opts = {}) => waitAll(everyoneReceives, who, { describe, ...opts });

async function peerIds() {
	const ids = [];
	for (const page of world.pages) if (page && !page.isClosed()) ids.push(await page.evaluate(() => roomState.peerId));
	return [...ids, ...world.py.flatMap((g) => Object.keys(g.stats))];
}

test('7 participants (3 Chromium pages, 4 aiortc) each decode video and audio from all 6 others', async (srv) => {
	assertLoopbackOnly();
	world.srv = srv;
	world.browser = await launchBrowser();
	for (let i = 0; i < PAGES; i++) {
		const page = await openPage(world.browser, pageUrl(srv, `chromium-${i}`), `page${i}`);
		world.pages.push(page);
		await waitInPage(page, () => roomState.joined || roomState.error, null, { timeoutMs: 20000, what: 'joined', describe: pageState });
		assert.equal(await page.evaluate(() => roomState.error), null);
	}
	// two processes of two: one asyncio loop per process serves its
	// participants' ICE, and aioice gives a consent check 0.5 s without a
	// retransmission, so a loop that lags behind four decoders ends its own
	// PeerConnections
	for (let i = 0; i < AIORTC / 2; i++)
		world.py.push(startRoomClients(srv, { room: ROOM, peers: AIORTC / 2, fps: 8, width: 160, height: 120,
			args: ['--trace-routing'] }));
	for (const g of world.py) await g.joined(60000);
	const health = await (await fetch(`${srv.httpUrl}/health`)).json();
	assert.equal(health.peers, PAGES + AIORTC, `/health: ${JSON.stringify(health)}`);
	assert.ok(health.rooms >= 1);
	const ids = await peerIds();
	assert.equal(new Set(ids).size, 7);
	await waitAllReceive(ids, { timeoutMs: 60000 });
}, { timeout: 150000 });

test('a page closed without leaving: the 6 others keep receiving each other', async () => {
	assert.ok(world.pages.length === PAGES, 'the first test did not set up the room');
	const gone = world.pages[PAGES - 1];
	world.goneId = await gone.evaluate(() => roomState.peerId);
	world.goneName = `chromium-${PAGES - 1}`;
	await gone.close(); // no leaveRoom: the WebSocket just closes
	world.pages[PAGES - 1] = null;
	const ids = (await peerIds()).filter((id) => id !== world.goneId);
	const floors = floorsOf(await everyoneReceives());
	const views = await waitAllReceive(ids, { floor: floors, timeoutMs: 30000, what: 'the 6 others keep receiving' });
	// its streams are gone from everyone's view
	const deadline = Date.now() + 15000;
	let still = [];
	while (Date.now() < deadline) {
		const now = await everyoneReceives();
		still = ids.filter((id) => (now[id]?.[world.goneId] || []).length > 0);
		if (!still.length) break;
		await sleep(500);
	}
	assert.deepEqual(still, [], `still listing the closed page's streams: ${JSON.stringify(views).slice(0, 500)}`);
}, { timeout: 60000 });

test('the closed participant reconnects within the reconnect window with its peerId and is back in the room', async () => {
	assert.ok(world.goneId, 'the previous test did not close a page');
	const page = await openPage(world.browser, pageUrl(world.srv, world.goneName, `&peerId=${world.goneId}`), 'page-back');
	world.pages[PAGES - 1] = page;
	await waitInPage(page, () => roomState.joined || roomState.error, null, { timeoutMs: 20000, what: 'rejoined', describe: pageState });
	const s = await page.evaluate(pageState);
	assert.equal(s.error, null);
	assert.equal(s.peerId, world.goneId);
	assert.equal(s.reconnected, true, 'joinRoom did not report reconnected');
	const ids = await peerIds();
	assert.equal(ids.length, 7);
	const floors = floorsOf(await everyoneReceives());
	await waitAllReceive(ids, { floor: floors, timeoutMs: 45000, what: 'after the reconnect everyone decodes everyone' });
}, { timeout: 90000 });

test('a screen share from a Chromium page (canvas captureStream) reaches all 6 others', async () => {
	const sharer = world.pages[0];
	assert.ok(sharer, 'no page');
	const sharerId = await sharer.evaluate(() => roomState.peerId);
	await sharer.evaluate(() => window.roomToggleScreen());
	const deadline = Date.now() + 40000;
	let lacking = [];
	let views = {};
	while (Date.now() < deadline) {
		views = await everyoneReceives();
		const others = (await peerIds()).filter((id) => id !== sharerId);
		lacking = others.filter((id) => {
			const list = views[id]?.[sharerId] || [];
			const videos = list.filter((r) => r.kind === 'video');
			// Chromium knows the source; aiortc sees a second video stream of that peer
			return !(videos.some((r) => r.source === 'screen' && r.frames > 3) ||
				(videos.length >= 2 && videos.filter((r) => r.frames > 3).length >= 2));
		});
		if (!lacking.length) break;
		await sleep(1000);
	}
	if (lacking.length)
		assert.deepEqual(lacking, [], `the screen share did not reach: ${lacking.join(', ')}\nthey decode from ${sharerId}: ${
			JSON.stringify(Object.fromEntries(lacking.map((id) => [id, views[id]?.[sharerId]])))}\n${await gatewayView(sharerId, lacking)}\n${describe()}`);
	await sharer.evaluate(() => window.roomToggleScreen());
	assert.equal(await sharer.evaluate(() => roomState.local.screen), false);
}, { timeout: 70000 });
