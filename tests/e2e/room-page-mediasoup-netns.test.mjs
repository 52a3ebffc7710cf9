// room-page-mediasoup-netns.test.mjs — html/room-mediasoup.html as a
// developer opens it: the INSTALLED pages (build/stage/share/parley/html,
// the HTTP transport's html_folder as ./parley.sh run sets it) with the
// mediasoup-client bundle the build made, in headless Chromium, in a
// network namespace with only lo. The pages come from the HTTP transport's
// port and connect to the [socketio.sfu] listener on its own port (another
// origin, no cors_origins: WebSocket only), with the core's ICE-lite
// transport. Two pages driven through their buttons: the first creates a
// room, the second joins it; each decodes the other's video and audio; the
// camera and microphone buttons show producerPaused / producerResumed on
// the other page, and an administrator's mute turns the muted page's own
// button; a screen share arrives and goes (producerClosed); Leave
// shows peerLeft. Also: the installed folder holds every page index.html
// links and the bundle's licence notices, and a page without its bundle
// says so instead of breaking. The tests share the two pages and run in
// order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, SRCDIR, STAGE, freePort } from './lib/server.mjs';
import { HttpJanus } from './lib/janus.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const INSTALLED_HTML = path.join(STAGE, 'share', 'parley', 'html');
const BUNDLE = path.join(INSTALLED_HTML, 'mediasoup-client.bundle.js');
const sfuPort = await freePort();
const udpPort = await freePort();

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', ice_lite: 'true', udp_port: udpPort } },
		'parley.transport.http': { general: { html_folder: INSTALLED_HTML } },
		'parley.transport.websocket': {
			socketio: { listeners: 'sfu' },
			'socketio.sfu': { port: sfuPort, plugin: 'parley.plugin.room' },
		},
	},
});

const world = { browser: null, pages: [], ids: [] };

after(async () => {
	for (const p of world.pages) await p?.close().catch(() => {});
	await world.browser?.close().catch(() => {});
});

const pageState = () => window.roomState && {
	roomId: roomState.roomId, peerId: roomState.peerId, joined: roomState.joined, status: roomState.status,
	error: roomState.error, transports: roomState.transports, local: roomState.local, peers: roomState.peers,
	remote: roomState.remote, events: roomState.events.slice(-15),
};

const describe = async () => `${(await Promise.all(world.pages.map((p) => p.evaluate(pageState).catch((e) => e.message))))
	.map((s, i) => `page ${i}: ${JSON.stringify(s).slice(0, 2000)}`).join('\n')}\n${consoleOf(world.pages, 30)}`;

function pageUrl(srv, query) {
	const q = new URLSearchParams({ sfu: `http://127.0.0.1:${sfuPort}`, width: '320', height: '240', fps: '15', screen: 'canvas', ...query });
	return `${srv.httpUrl}/room-mediasoup.html?${q}`;
}

/** What `to` decodes of `from`'s producers of `source`: the largest figures. */
function decoded(page, from, source) {
	return page.evaluate(([peerId, src]) => {
		const list = Object.values(roomState.remote[peerId] || {}).filter((r) => r.source === src);
		return {
			count: list.length,
			frames: Math.max(0, ...list.map((r) => r.framesDecoded)),
			width: Math.max(0, ...list.map((r) => r.videoWidth)),
			time: Math.max(0, ...list.map((r) => r.currentTime)),
			audio: Math.max(0, ...list.map((r) => r.audioSamples)),
		};
	}, [from, source]);
}

/** Waits until `page` decodes more than `more` frames of `from`'s `source`
 * past `floor`, and its <video> plays (a width, a moving currentTime). */
async function waitVideo(page, from, source, { floor = 0, more = 5, timeoutMs = 40000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let first = null, seen = null;
	while (Date.now() < deadline) {
		seen = await decoded(page, from, source);
		if (seen.frames > floor + more && seen.width > 0) {
			first ??= seen;
			if (seen.time > first.time) return seen;
		}
		await new Promise((r) => setTimeout(r, 300));
	}
	assert.fail(`no ${source} video of ${from} decoded past ${floor} frames (last ${JSON.stringify(seen)})\n${await describe()}`);
}

test('the installed folder: every page index.html links, the mediasoup-client bundle with its licence notices', async (srv) => {
	const pages = fs.readdirSync(INSTALLED_HTML).filter((f) => f.endsWith('.html') && f !== 'index.html').sort();
	assert.ok(pages.includes('room.html') && pages.includes('room-mediasoup.html'), `installed pages: ${pages}`);
	const index = await (await fetch(`${srv.httpUrl}/index.html`)).text();
	for (const p of pages) assert.ok(index.includes(`href="${p}"`), `index.html does not link ${p}`);

	assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is not installed`);
	const bundle = fs.readFileSync(BUNDLE, 'utf8');
	assert.doesNotMatch(bundle, /export const unbuilt = /,
		'the installed bundle is the "not built" notice: run `npm ci` in html/ (./parley.sh test does), then make install');
	const head = bundle.slice(0, bundle.indexOf('*/'));
	for (const notice of [/mediasoup-client 3\.18\.7 \(ISC\)/, /socket\.io-client 4\.8\.4 \(MIT\)/, /engine\.io-client [\d.]+ \(MIT\)/,
		/Permission to use, copy, modify, and\/or distribute this software/, /Permission is hereby granted, free of charge/]) {
		assert.match(head, notice, 'the bundle\'s licence banner');
	}
	for (const [file, type] of [['room-mediasoup.html', /text\/html/], ['room-mediasoup.js', /javascript/],
		['mediasoup-client.bundle.js', /javascript/], ['css/room.css', /text\/css/]]) {
		const r = await fetch(`${srv.httpUrl}/${file}`);
		assert.equal(r.status, 200, `GET /${file}`);
		assert.match(r.headers.get('content-type'), type, `content type of ${file}`);
		await r.arrayBuffer();
	}
});

test('without its bundle the page says it was not built and offers no Join', async (srv) => {
	world.browser ??= await launchBrowser();
	const unbuilt = fs.readFileSync(path.join(SRCDIR, 'html', 'bundle', 'unbuilt.js'), 'utf8');
	for (const [why, answer] of [['the build installed the notice', { status: 200, contentType: 'text/javascript', body: unbuilt }],
		['the folder has no bundle', { status: 404, contentType: 'text/plain', body: 'not found' }]]) {
		const page = await world.browser.newPage();
		try {
			await page.route('**/mediasoup-client.bundle.js', (route) => route.fulfill(answer));
			await page.goto(pageUrl(srv, {}), { timeout: 15000 });
			const seen = await waitInPage(page, () => roomState.status === 'unbuilt' && {
				shown: !document.getElementById('unbuilt').classList.contains('hidden'),
				reason: document.getElementById('unbuilt-reason').textContent,
				join: document.getElementById('join').disabled,
			}, null, { timeoutMs: 10000, what: `the "not built" notice (${why})`, describe: () => roomState });
			assert.ok(seen.shown && seen.join, `${why}: ${JSON.stringify(seen)}`);
			assert.match(seen.reason, why.includes('notice') ? /did not bundle mediasoup-client/ : /did not load/);
		} finally {
			await page.close();
		}
	}
});

test('two installed pages: one creates a room, the other joins it; each decodes the other\'s video and audio', async (srv) => {
	assertLoopbackOnly();
	world.browser ??= await launchBrowser();
	const first = await openPage(world.browser, pageUrl(srv, { name: 'alice' }), 'alice');
	world.pages.push(first);
	await waitInPage(first, () => roomState.status !== 'loading' && roomState.status, null, { what: 'the bundle loaded', describe: pageState });
	assert.equal(await first.evaluate(() => roomState.bundle?.mediasoupClient), '3.18.7');
	await first.click('#join');
	await waitInPage(first, () => roomState.joined || roomState.error, null, { timeoutMs: 20000, what: 'alice joined', describe: pageState });
	const a = await first.evaluate(pageState);
	assert.equal(a.error, null, JSON.stringify(a));
	// the invite link carries the room and the listener
	const invite = await first.$eval('#invite a', (el) => el.href);
	assert.match(invite, new RegExp(`room=${a.roomId}`));

	const second = await openPage(world.browser, `${invite}&name=bob&width=320&height=240&fps=15&screen=canvas`, 'bob');
	world.pages.push(second);
	await waitInPage(second, () => roomState.status !== 'loading' && roomState.status, null, { what: 'the bundle loaded', describe: pageState });
	assert.equal(await second.$eval('#room-id', (el) => el.value), a.roomId);
	await second.click('#join');
	await waitInPage(second, () => roomState.joined || roomState.error, null, { timeoutMs: 20000, what: 'bob joined', describe: pageState });
	const b = await second.evaluate(pageState);
	assert.equal(b.error, null, JSON.stringify(b));
	assert.equal(b.roomId, a.roomId);
	world.ids = [a.peerId, b.peerId];

	await waitVideo(first, b.peerId, 'camera');
	await waitVideo(second, a.peerId, 'camera');
	for (const [page, from] of [[first, b.peerId], [second, a.peerId]]) {
		await waitInPage(page, (p) => Object.values(roomState.remote[p] || {}).some((r) => r.kind === 'audio' && r.audioSamples > 0), from,
			{ what: 'decoded audio', describe: pageState });
		// the peer's name is on its tile
		assert.equal(await page.$eval(`#tile-${from}-camera .name`, (el) => el.textContent), from === a.peerId ? 'alice' : 'bob');
	}
	for (const page of world.pages) {
		assert.deepEqual(await page.evaluate(() => roomState.transports), { send: 'connected', recv: 'connected' });
	}
	assert.ok((await second.evaluate(() => roomState.events)).some((e) => /consuming alice's camera/.test(e)));
	assert.ok((await first.evaluate(() => roomState.events)).some((e) => /bob joined/.test(e)), 'peerJoined on the first page');
}, { timeout: 120000 });

test('the camera and microphone buttons: the other page gets producerPaused and producerResumed', async () => {
	assert.equal(world.pages.length, 2, 'the previous test did not set up the room');
	const [first, second] = world.pages;
	const [alice] = world.ids;
	const producerOf = (source) => first.evaluate((s) => roomState.local.producers[s], source);
	for (const source of ['camera', 'mic']) {
		const id = await producerOf(source);
		assert.ok(id, `no ${source} producer on the first page`);
		await first.click(`#${source}`);
		assert.equal(await first.evaluate((s) => roomState.local[s], source), false);
		await waitInPage(second, ([from, pid]) => roomState.peers[from]?.producers[pid]?.paused === true, [alice, id],
			{ timeoutMs: 10000, what: `producerPaused (${source})`, describe: pageState });
		const badges = await second.$eval(`#tile-${alice}-camera .badges`, (el) => el.textContent);
		assert.match(badges, new RegExp(`${source} off`));
		assert.ok((await second.evaluate(() => roomState.events)).some((e) => e === `alice paused ${source}`));
	}
	// nothing of the camera is decoded while it is paused
	await new Promise((r) => setTimeout(r, 1500));
	const before = await decoded(second, alice, 'camera');
	await new Promise((r) => setTimeout(r, 2000));
	const during = await decoded(second, alice, 'camera');
	assert.ok(during.frames - before.frames <= 2, `frames decoded while paused: ${before.frames} -> ${during.frames}`);

	for (const source of ['camera', 'mic']) {
		const id = await producerOf(source);
		await first.click(`#${source}`);
		await waitInPage(second, ([from, pid]) => roomState.peers[from]?.producers[pid]?.paused === false, [alice, id],
			{ timeoutMs: 10000, what: `producerResumed (${source})`, describe: pageState });
	}
	assert.equal(await second.$eval(`#tile-${alice}-camera .badges`, (el) => el.textContent), '');
	await waitVideo(second, alice, 'camera', { floor: during.frames, timeoutMs: 15000 });
}, { timeout: 60000 });

test('an administrator mutes the first page (message_plugin mute): its button shows Unmute, the other page producerPaused; unmute undoes it', async (srv) => {
	assert.equal(world.pages.length, 2, 'the previous test did not set up the room');
	const [first, second] = world.pages;
	const [alice] = world.ids;
	const { roomId, mic } = await first.evaluate(() => ({ roomId: roomState.roomId, mic: roomState.local.producers.mic }));
	const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	for (const [request, paused, label] of [['mute', true, 'Unmute'], ['unmute', false, 'Mute']]) {
		const r = await admin.request({ janus: 'message_plugin', plugin: 'parley.plugin.room', request: { request, roomId, peerId: alice } });
		assert.equal(r.janus, 'success', JSON.stringify(r));
		assert.equal(r.response?.error, undefined, JSON.stringify(r));
		await waitInPage(first, ([on, text]) => roomState.local.mic === on && document.getElementById('mic').textContent === text,
			[!paused, label], { timeoutMs: 10000, what: `the page's own mic after ${request}`, describe: pageState });
		await waitInPage(second, ([from, pid, p]) => roomState.peers[from]?.producers[pid]?.paused === p, [alice, mic, paused],
			{ timeoutMs: 10000, what: `the other page after ${request}`, describe: pageState });
	}
}, { timeout: 30000 });

test('a screen share reaches the other page and goes with producerClosed', async () => {
	assert.equal(world.pages.length, 2, 'the previous test did not set up the room');
	const [first, second] = world.pages;
	const [, bob] = world.ids;
	await second.click('#screen');
	await waitInPage(second, () => roomState.local.screen && roomState.local.producers.screen, null, { what: 'the screen producer', describe: pageState });
	// the canvas "screen" is drawn 5 times a second, fewer on a starved CPU
	await waitVideo(first, bob, 'screen', { more: 2, timeoutMs: 45000 });
	assert.ok(await first.$(`#tile-${bob}-screen`), 'no screen tile on the first page');
	await second.click('#screen');
	await waitInPage(first, (from) => !Object.values(roomState.remote[from] || {}).some((r) => r.source === 'screen')
		&& !document.getElementById(`tile-${from}-screen`), bob, { timeoutMs: 10000, what: 'the screen share closed', describe: pageState });
	assert.ok((await first.evaluate(() => roomState.events)).some((e) => e === 'bob closed screen'));
	// the camera goes on
	const now = await decoded(first, bob, 'camera');
	await waitVideo(first, bob, 'camera', { floor: now.frames, timeoutMs: 15000 });
}, { timeout: 90000 });

test('Leave: the other page sees peerLeft and drops the tiles', async () => {
	assert.equal(world.pages.length, 2, 'the previous test did not set up the room');
	const [first, second] = world.pages;
	const [, bob] = world.ids;
	await second.click('#leave');
	await waitInPage(second, () => !roomState.joined && /Not joined/.test(roomState.status), null, { what: 'bob left', describe: pageState });
	await waitInPage(first, (from) => !roomState.peers[from] && !document.getElementById(`tile-${from}-camera`), bob,
		{ timeoutMs: 10000, what: 'peerLeft on the first page', describe: pageState });
	assert.ok((await first.evaluate(() => roomState.events)).some((e) => /^bob left/.test(e)));
	assert.equal(await second.$eval('#join', (el) => el.disabled), false, 'Join is offered again');
}, { timeout: 30000 });
