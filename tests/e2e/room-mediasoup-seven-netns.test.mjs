// room-mediasoup-seven-netns.test.mjs — the SFU service's 7-person call on
// parley.plugin.room: 7 headless Chromium pages (one browser) running the
// real mediasoup-client v3 and socket.io-client (pages/mediasoup-app.js,
// bundled by lib/mediasoup_app.mjs), the service's Socket.IO events only,
// on the [socketio.sfu] listener with the core's ICE-lite transport, in a
// network namespace with only lo. Each page publishes microphone and camera
// (160x120, 10 fps), one also a screen share from getDisplayMedia (headless
// Chromium's fake screen), and every page decodes every other's audio and
// video, counters rising over time. Then: a camera paused, resumed (the
// others get producerPaused/Resumed and consumerPaused/Resumed, frames stop
// and come back), a consumer stopped and restarted by its own client
// (pauseConsumer / resumeConsumer), the screen share closed (producerClosed
// and consumerClosed); a page closed abruptly (the other six keep decoding
// each other); a page whose socket drops and that joins again with its
// peerId within the window (reconnected, no peerLeft or peerJoined for it,
// media both ways again); the closed page's peerLeft {reason:
// "disconnected"} once the reconnect window (30 s) ends. The tests share
// one room and run in order.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { freePort } from './lib/server.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mscState, mscView, serveMediasoupApp, writeToneWav } from './lib/mediasoup_app.mjs';

const PAGES = 7;
const WINDOW_S = 30;   // [general] reconnect_window, the default (the seed's "reconnection works within 30s")
const SIZE = { width: 160, height: 120, fps: 10 };
// Media that comes (back) after a change needs a keyframe round trip through
// a publisher page: on a starved 2-core machine (seven pages' encoders and
// decoders) one consume or resume takes 20-35 s before its first frame.
const MEDIA_WAIT_MS = 45000;
const sfuPort = await freePort();
const udpPort = await freePort();

const { test } = serverSuite({
	config: {
		// debug: every Socket.IO request and its ack is in the log a failing test prints
		// a page's pongs keep its session: the session outlives a late pong
		// (ping_interval 30 s + ping_timeout 60 s below)
		parley: { general: { log_level: 6, session_timeout: 120 },
			media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', ice_lite: 'true', udp_port: udpPort } },
		'parley.transport.websocket': {
			socketio: { listeners: 'sfu' },
			// the pages come from this file's own origin: Engine.IO polling is
			// cross-origin; 7 pages on a loaded machine may answer a ping late
			'socketio.sfu': { port: sfuPort, plugin: 'parley.plugin.room', cors_origins: '*', ping_timeout: 60000 },
		},
	},
});

// pages: the participants still in the call; ids: their peerIds (same order);
// gone: the page closed abruptly {id, at}
const world = { browser: null, pages: [], ids: [], closed: [], site: null, screenId: null, dir: null, gone: null };

after(async () => {
	for (const p of [...world.pages, ...world.closed]) await p.close().catch(() => {});
	await world.browser?.close().catch(() => {});
	world.site?.close();
	if (world.dir) fs.rmSync(world.dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
/** Each step with its time, for a failure's message (seven()); PARLEY_E2E_TRACE=1: on stderr as it happens. */
const timeline = [];
const trace = (text) => {
	const line = `${((Date.now() - started) / 1000).toFixed(1)} s ${text}`;
	timeline.push(line);
	if (process.env.PARLEY_E2E_TRACE) process.stderr.write(`[${line}]\n`);
};

/** peerId -> {from peerId -> {video, screen, audio, energy}} for every page still in. */
async function views() {
	const all = {};
	for (const page of world.pages) {
		const v = await mscView(page);
		all[v.peerId] = v.from;
	}
	return all;
}

/** Each page: its transports' states and its last events first (a failure report is cut short), then the consoles. */
const describe = async () => `${(await Promise.all(world.pages.map((p) => p.evaluate(mscState).catch((e) => e.message))))
	.map((s) => JSON.stringify(s?.peerId ? { peerId: s.peerId, send: s.sendState, recv: s.recvState, error: s.error,
		rejoins: s.rejoins, events: s.events.map((e) => e.slice(0, 110)) } : s).slice(0, 2000)).join('\n')}\n${consoleOf(world.pages, 30)}`;

const pairsAmong = (ids) => ids.flatMap((to) => ids.filter((from) => from !== to).map((from) => [to, from]));
const zero = { video: 0, screen: 0, audio: 0, energy: 0 };

/** For each [to, from] pair: what the server forwards (getRoomInfo's
 * stats: `to`'s consumers of `from`, `from`'s producers), asked through a
 * page that is not `to` when there is one. */
async function serverSide(pairs) {
	const asker = world.pages.find((p, i) => !pairs.some(([to]) => world.ids[i] === to)) || world.pages[0];
	const info = await asker?.evaluate(() => window.msc.request('getRoomInfo')).catch((e) => ({ error: e.message }));
	if (!info?.peers) return JSON.stringify(info);
	const peer = (id) => info.peers.find((p) => p.peerId === id) || {};
	return pairs.map(([to, from]) => `${to}<${from}: consumers ${JSON.stringify((peer(to).consumers || [])
		.filter((c) => c.peerId === from).map(({ kind, paused, layer, packets, dropped }) => ({ kind, paused, layer, packets, dropped })))}` +
		` producers ${JSON.stringify((peer(from).producers || []).map(({ kind, paused, packets, plis }) => ({ kind, paused, packets, plis })))}`)
		.join('; ');
}

/** Waits until, for every [to, from] pair, `to` decoded more of `from` than in
 * `base` (views()): 5 video frames (`key`), audio samples and audio energy. */
async function waitRising(pairs, base, { key = 'video', timeoutMs = 30000, what = 'decoding rises' } = {}) {
	const deadline = Date.now() + timeoutMs;
	let lacking = [], lackingPairs = [];
	trace(`waiting: ${what}`);
	while (Date.now() < deadline) {
		const now = await views();
		lackingPairs = pairs.filter(([to, from]) => {
			const got = now[to]?.[from] || zero;
			const was = base[to]?.[from] || zero;
			return got[key] <= was[key] + 5 || (key !== 'screen' && (got.audio <= was.audio || got.energy <= was.energy));
		});
		lacking = lackingPairs.map(([to, from]) => `${to}<${from} ${JSON.stringify(now[to]?.[from])}`);
		if (!lacking.length) {
			trace(`reached: ${what}`);
			return now;
		}
		await sleep(500);
	}
	assert.fail(`${what}: lacking ${lacking.length} of ${pairs.length}: ${lacking.join(', ')}\n` +
		`the server's side of the first ones: ${await serverSide(lackingPairs.slice(0, 4))}`);
}

/** Waits until `page` logged the event `name` whose data matches every member of `match`. */
function waitEvent(page, name, match, timeoutMs = 10000) {
	return waitInPage(page, ([n, m]) => window.msc.state.log.find((e) => e.name === n &&
		Object.entries(m).every(([k, v]) => e.data?.[k] === v))?.data, [name, match],
	{ timeoutMs, what: `event ${name} ${JSON.stringify(match)}`, describe: mscState });
}

/** `promise`, or a failure naming `what` after `ms` (the test's own timeout would print nothing). */
async function within(ms, promise, what) {
	let timer;
	const late = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: more than ${ms} ms`)), ms); });
	try {
		return await Promise.race([promise, late]);
	} finally {
		clearTimeout(timer);
	}
}

/** This file's tests. A failure's message also carries the steps so far,
 * what the server logged about its PeerConnections and slow requests
 * meanwhile, and each page's transports and last events: a CI report
 * shows the messages, not the logs. */
function seven(name, fn, options) {
	test(name, async (srv) => {
		const mark = srv.logMark();
		try {
			await fn(srv);
		} catch (err) {
			const said = srv.logSince(mark).split('\n')
				.filter((l) => /\[(WARN|ERR|INFO)\]/.test(l) && !/memtrim/.test(l)).slice(-12);
			err.message += `\nsteps: ${timeline.slice(-10).join(' | ')}\nserver:\n  ${said.join('\n  ')}\n${await describe()}`;
			throw err;
		}
	}, options);
}

const logOf = (page) => page.evaluate(() => window.msc.state.log);
/** The page's peerLeft events for the page closed at `gone.at` that came
 * before its reconnect window ended (a second's slack for the clocks), as
 * "N ms after the close". */
const leftEarly = async (page, gone) => (await logOf(page))
	.filter((e) => e.name === 'peerLeft' && e.data.peerId === gone.id && e.at - gone.at < (WINDOW_S - 1) * 1000)
	.map((e) => `${e.at - gone.at} ms after the close`);
const stateOf = (page) => page.evaluate(() => window.msc.state);

seven('7 mediasoup-client pages with a screen share: everyone decodes everyone', async () => {
	assertLoopbackOnly();
	world.site = await serveMediasoupApp();
	// the fake microphone plays a tone; 7 pages of one browser: none of
	// them is throttled as a background tab
	world.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-seven-'));
	const tone = path.join(world.dir, 'tone.wav');
	writeToneWav(tone);
	world.browser = await launchBrowser([`--use-file-for-fake-audio-capture=${tone}`,
		'--disable-background-timer-throttling', '--disable-renderer-backgrounding',
		'--disable-backgrounding-occluded-windows']);
	const url = `http://127.0.0.1:${sfuPort}`;
	for (let i = 0; i < PAGES; i++) world.pages.push(await openPage(world.browser, world.site.url, `p${i}`));
	// the first page creates the room, the six others join it together
	await within(60000, world.pages[0].evaluate((o) => window.msc.start(o), { url, name: 'p0', ...SIZE }), 'p0 starting');
	const first = await stateOf(world.pages[0]);
	assert.ok(first.joined && !first.error, `p0: ${JSON.stringify(first).slice(0, 1500)}`);
	assert.ok((await logOf(world.pages[0])).some((e) => e.name === 'roomCreated' && e.data.roomId === first.roomId));
	trace(`p0 joined: ${first.events.slice(0, 8).join(', ')}`);
	await within(90000, Promise.all(world.pages.slice(1).map((page, i) => page.evaluate((o) => window.msc.start(o),
		{ url, roomId: first.roomId, name: `p${i + 1}`, ...SIZE }))), 'the six others joining');
	for (const [i, page] of world.pages.entries()) {
		const s = await stateOf(page);
		assert.equal(s.error, null, `p${i}: ${JSON.stringify(s).slice(0, 1500)}`);
		assert.ok(s.joined && s.peerId, `p${i} did not join`);
		world.ids.push(s.peerId);
	}
	assert.equal(new Set(world.ids).size, PAGES);
	trace('all joined');
	// a real getDisplayMedia track (headless Chromium's fake screen)
	const screen = await world.pages[0].evaluate(() => window.msc.shareScreen({ width: 320, height: 240, fps: 5 }));
	assert.match(screen.label, /^screen:/, `getDisplayMedia gave ${JSON.stringify(screen)}`);
	world.screenId = (await stateOf(world.pages[0])).producers.screen;
	const pairs = pairsAmong(world.ids);
	await waitRising(pairs, {}, { timeoutMs: 45000, what: 'everyone decodes everyone' });
	const screenPairs = world.ids.slice(1).map((to) => [to, world.ids[0]]);
	await waitRising(screenPairs, {}, { key: 'screen', timeoutMs: MEDIA_WAIT_MS + 15000, what: 'everyone decodes the screen share' });
	for (const page of world.pages.slice(1)) {
		const entry = (await stateOf(page)).remote[world.ids[0]][world.screenId];
		assert.equal(entry?.source, 'screen');
	}
	// and keeps decoding: every counter rises again
	const base = await views();
	await waitRising(pairs, base, { timeoutMs: 20000, what: 'decoding keeps rising' });
	await waitRising(screenPairs, base, { key: 'screen', timeoutMs: 20000, what: 'the screen share keeps coming' });
	for (const s of await Promise.all(world.pages.map(stateOf))) {
		assert.deepEqual([s.sendState, s.recvState], ['connected', 'connected']);
		assert.equal(Object.keys(s.remote).length, PAGES - 1);
	}
}, { timeout: 330000 });

seven('pause, resume, pauseConsumer and close: the events reach the consumers and the media follows', async () => {
	assert.equal(world.pages.length, PAGES, 'the first test did not set up the room');
	const [, owner, viewer, source, witness] = world.pages;
	const ownerId = world.ids[1];
	const video = (await stateOf(owner)).producers.video;
	const others = world.pages.filter((p) => p !== owner);
	const otherIds = world.ids.filter((id) => id !== ownerId);
	const consumerIdOf = async (page, from, producerId) => (await stateOf(page)).remote[from][producerId].consumerId;

	trace('p1 pauses its camera');
	await owner.evaluate(() => window.msc.pause('video'));
	for (const page of others) {
		await waitEvent(page, 'producerPaused', { producerId: video, peerId: ownerId });
		await waitEvent(page, 'consumerPaused', { producerId: video, peerId: ownerId,
			consumerId: await consumerIdOf(page, ownerId, video) });
	}
	// frames in flight, the pages' stats reads (once a second) and frames
	// already in their buffers or completed by a retransmission: up to 5 of
	// the ~20 a 2 s window holds at 10 fps (4 and 5 came out here once)
	await sleep(1500);
	const before = await views();
	await sleep(2000);
	const during = await views();
	const moved = otherIds.map((to) => [to, during[to][ownerId].video - before[to][ownerId].video]);
	assert.ok(moved.every(([, n]) => n <= 5), `frames decoded while paused: ${JSON.stringify(moved)}`);
	// its audio still comes
	await waitRising(otherIds.map((to) => [to, ownerId]), during, { key: 'audio', timeoutMs: 10000, what: 'audio while the camera is paused' });

	trace('p1 resumes its camera');
	await owner.evaluate(() => window.msc.resume('video'));
	for (const page of others) {
		await waitEvent(page, 'producerResumed', { producerId: video, peerId: ownerId });
		await waitEvent(page, 'consumerResumed', { producerId: video, consumerId: await consumerIdOf(page, ownerId, video) });
	}
	// bounded like the other waits here: the pages' own stats reads stall
	// while seven Chromium pages starve on two cores (once 35 s passed
	// between pause and resume above)
	await waitRising(otherIds.map((to) => [to, ownerId]), during, { timeoutMs: MEDIA_WAIT_MS, what: 'video back after resume' });

	// a client stops one consumer of its own: only that pair stops
	const sourceId = world.ids[3];
	const viewerId = world.ids[2];
	const sourceVideo = (await stateOf(source)).producers.video;
	trace('p2 pauses its consumer of p3\'s camera');
	await viewer.evaluate(([p, id]) => window.msc.pauseConsumer(p, id), [sourceId, sourceVideo]);
	await sleep(1500);
	const stopped = await views();
	// until another viewer of the same producer decoded more than 5 frames
	// (bounded: a starved page may stand still a while), the paused one
	// must decode at most 5 (as above)
	const otherId = world.ids[4];
	const otherGained = (v) => v[otherId][sourceId].video - stopped[otherId][sourceId].video;
	let still = await views();
	for (const deadline = Date.now() + 20000; otherGained(still) <= 5 && Date.now() < deadline;) {
		await sleep(500);
		still = await views();
	}
	const gained = still[viewerId][sourceId].video - stopped[viewerId][sourceId].video;
	assert.ok(gained <= 5, `${gained} frames decoded after pauseConsumer`);
	assert.ok(otherGained(still) > 5, `another viewer of the same producer stopped too (${otherGained(still)} frames in 20 s)`);
	assert.ok(witness);
	trace('p2 resumes its consumer of p3\'s camera');
	await viewer.evaluate(([p, id]) => window.msc.resumeConsumer(p, id), [sourceId, sourceVideo]);
	await waitRising([[viewerId, sourceId]], still, { timeoutMs: MEDIA_WAIT_MS, what: 'video back after resumeConsumer' });

	// the screen share closes: producerClosed and consumerClosed, the consumer ends
	trace('p0 closes its screen share');
	await world.pages[0].evaluate(() => window.msc.close('screen'));
	for (const page of world.pages.slice(1)) {
		await waitEvent(page, 'producerClosed', { producerId: world.screenId, peerId: world.ids[0] });
		const closed = await waitEvent(page, 'consumerClosed', { producerId: world.screenId, peerId: world.ids[0] });
		assert.ok(closed.consumerId);
		await waitInPage(page, ([p, id]) => window.msc.state.remote[p][id].closed, [world.ids[0], world.screenId],
			{ timeoutMs: 5000, what: 'the screen consumer closed', describe: mscState });
	}
}, { timeout: 240000 });   // above the sum of its bounded waits

seven('a page closes abruptly: the six others keep decoding each other', async () => {
	assert.equal(world.pages.length, PAGES, 'the first tests did not set up the room');
	const gone = world.pages.pop();
	const goneId = world.ids.pop();
	const { producers } = await stateOf(gone);
	trace('p6 closes');
	await gone.close();   // no leaveRoom: its socket simply ends
	world.closed.push(gone);
	world.gone = { id: goneId, at: Date.now() };
	for (const page of world.pages) {
		for (const producerId of Object.values(producers)) {
			await waitEvent(page, 'producerClosed', { producerId, peerId: goneId });
			await waitEvent(page, 'consumerClosed', { producerId, peerId: goneId });
		}
	}
	const base = await views();
	await waitRising(pairsAmong(world.ids), base, { timeoutMs: MEDIA_WAIT_MS, what: 'the six others keep decoding each other' });
	// its place is kept for the window: no peerLeft before it ends (the
	// wait above may itself outlast the window on a starved machine)
	for (const page of world.pages)
		assert.deepEqual(await leftEarly(page, world.gone), [], 'peerLeft before the reconnect window ended');
}, { timeout: 120000 });

seven('a page loses its socket and joins again with its peerId within the window: media both ways again', async () => {
	assert.equal(world.pages.length, PAGES - 1, 'the first tests did not set up the room');
	const page = world.pages.at(-1);
	const id = world.ids.at(-1);
	const others = world.pages.slice(0, -1);
	const joinedBefore = await Promise.all(others.map(async (p) => (await logOf(p))
		.filter((e) => e.name === 'peerJoined' && e.data.peerId === id).length));
	const { producers: old, rejoins } = await stateOf(page);
	trace('p5 drops its socket');
	await page.evaluate(() => window.msc.dropSocket());
	await waitInPage(page, (n) => window.msc.state.rejoins > n || window.msc.state.error, rejoins,
		// joining again consumes the 12 others' producers one by one: each a
		// consume round trip with the page (3-5 s apiece on a starved machine)
		{ timeoutMs: 90000, what: 'the page joined again', describe: mscState });
	const s = await stateOf(page);
	assert.equal(s.error, null);
	assert.equal(s.reconnected, true);
	assert.equal(s.peerId, id);
	assert.notEqual(s.producers.video, old.video);
	for (const [i, p] of others.entries()) {
		await waitEvent(p, 'producerClosed', { producerId: old.video, peerId: id });
		await waitEvent(p, 'newProducer', { producerId: s.producers.video, peerId: id });
		await waitEvent(p, 'newProducer', { producerId: s.producers.audio, peerId: id });
		const log = await logOf(p);
		assert.ok(!log.some((e) => e.name === 'peerLeft' && e.data.peerId === id), 'peerLeft for a peer that came back');
		assert.equal(log.filter((e) => e.name === 'peerJoined' && e.data.peerId === id).length, joinedBefore[i],
			'peerJoined again for a peer that never left');
	}
	const base = await views();
	const pairs = pairsAmong(world.ids).filter(([to, from]) => to === id || from === id);
	await waitRising(pairs, base, { timeoutMs: MEDIA_WAIT_MS, what: 'media both ways after joining again' });
	await waitRising(pairsAmong(world.ids), await views(), { timeoutMs: 20000, what: 'everyone still decodes everyone' });
}, { timeout: 200000 });

seven('the page closed abruptly leaves once the reconnect window ends: peerLeft {reason: "disconnected"}', async () => {
	assert.ok(world.gone, 'no page was closed');
	const { id, at } = world.gone;
	// the sweep runs every 5 s: up to WINDOW_S + 5 s, and the pages' own pace
	const deadline = at + (WINDOW_S + 20) * 1000;
	// the page that lost its socket and joined again comes last: once the
	// others have peerLeft, the window has surely ended
	const rejoined = world.pages.at(-1);
	for (const page of world.pages) {
		if (page === rejoined && !(await logOf(page)).some((e) => e.name === 'peerLeft' && e.data.peerId === id)) {
			// away when the window ended (the broadcast went while it had
			// no socket): it joined the room as it is, without that peer
			const seen = await page.evaluate(() => window.msc.request('getRoomInfo'));
			assert.ok(!seen.peers.some((p) => p.peerId === id), 'the page that joined again still sees the peer that left');
			continue;
		}
		const left = await waitEvent(page, 'peerLeft', { peerId: id }, Math.max(1000, deadline - Date.now()));
		assert.equal(left.reason, 'disconnected');
	}
	for (const page of world.pages)
		assert.deepEqual(await leftEarly(page, world.gone), [], 'peerLeft before the reconnect window ended');
	const info = await world.pages[0].evaluate(() => window.msc.request('getRoomInfo'));
	assert.equal(info.peerCount, PAGES - 1);
	assert.deepEqual(info.peers.map((p) => p.peerId).sort(), [...world.ids].sort());
}, { timeout: 70000 });
