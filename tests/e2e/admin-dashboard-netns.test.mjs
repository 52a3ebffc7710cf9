// admin-dashboard-netns.test.mjs — html/admin.html in headless Chromium
// against a real parleyd with parley.handler.analytics loaded, in a network
// namespace with only lo. Beside it: a second page of the same browser
// holds a live echo PeerConnection through html/parley.js (a small fake
// camera and the fake microphone), a Janus API client of the test is a
// participant of a parley.plugin.room room, another one the host of a
// parley.plugin.meeting meeting. Checked on the rendered page: a wrong
// admin secret shows the error (and nothing is kept); after logging in,
// the overview's counts, event loop, modules and traffic sparklines drawn
// with non-zero data; the echo session → handle → handle_info with ICE
// connected on host candidates, DTLS connected and streams with packets;
// the room with its participant, the chat plugin's sample room, the
// meeting with its participant; the analytics handler's live
// PeerConnection, figures since start, an hourly series with data and the
// room's figures; the log level set from the page; a session timeout the
// server refuses shown in the error banner until a good one is set; a kick
// and a hang-up done from the page and seen by the clients. Last, logging
// out forgets the secret; on a parleyd without the handler the Analytics
// tab says it is not loaded, and once that server is gone the refreshes
// show their errors. A screenshot of the overview is kept in
// $PARLEY_BUILDDIR/test-artifacts/. The tests share one server, one browser
// and run in order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { WsJanus } from './lib/janus.mjs';
import { ok, rest } from './lib/meetings.mjs';
import { ADMIN_SECRET, BUILDDIR, startServer } from './lib/server.mjs';

const ROOM = 'dash-room';
const htmlConfig = { 'parley.transport.http': { general: { html_folder: HTML_DIR } } };
const config = {
	...htmlConfig,
	parley: {
		// libnice offers no loopback candidate unless the address is listed
		media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' },
		general: { session_timeout: 300 },
		events: { stats_period: 1 },
	},
	'parley.plugin.room': { general: { peer_timeout: 600 } },
	'parley.handler.analytics': { store: { flush_interval: 1 } },
};
const { test } = serverSuite({ config });

const world = { browser: null, echo: null, admin: null, roomClient: null, meetingClient: null, other: null };

after(async () => {
	for (const page of [world.admin, world.echo]) await page?.close().catch(() => {});
	await world.browser?.close().catch(() => {});
	await world.roomClient?.c.close();
	await world.meetingClient?.c.close();
	if (world.other) {
		await world.other.stop();
		world.other.cleanup();
	}
});

/** What the dashboard shows, for failure messages. */
const describe = () => ({
	loggedIn: window.adminState?.loggedIn, tab: window.adminState?.tab, ticks: window.adminState?.ticks,
	errors: window.adminState?.errors, login: document.getElementById('login-status')?.textContent,
	text: document.querySelector('main')?.innerText.slice(0, 1500),
});

/** Runs `fn` with the pages' consoles added to its failure. */
async function withConsole(fn) {
	try {
		return await fn();
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf([world.echo, world.admin].filter(Boolean))}`;
		throw err;
	}
}

/** Waits until the element `selector` exists and its text passes `check` (a RegExp). */
async function waitText(selector, check, what, timeoutMs = 20000) {
	return waitInPage(world.admin, ([sel, source, flags]) => {
		const node = document.querySelector(sel);
		return node && new RegExp(source, flags).test(node.textContent) ? node.textContent : null;
	}, [selector, check.source, check.flags], { timeoutMs, what, describe });
}

const number = async (selector) => Number((await world.admin.textContent(selector)).replace(/[^0-9.]/g, ''));

/** A Janus API client over WebSocket with one handle on `plugin`. */
async function client(srv, plugin) {
	const c = await WsJanus.connect(`${srv.wsUrl}/`);
	const session = await c.createSession();
	const handle = await c.attach(session, plugin);
	const message = (body) => c.request({ janus: 'message', session_id: session, handle_id: handle, body });
	return { c, session, handle, message };
}

/**
 * In a Chromium page: parley.js attaches to parley.plugin.echo and sends a
 * small fake camera (160x120, 10 fps: cheap on a loaded machine) and the
 * fake microphone; window.echoState follows it, window.echoedPackets()
 * counts what comes back per kind.
 */
async function holdEcho(server) {
	const { Parley } = await import('/parley.js');
	const state = window.echoState = { sessionId: null, handleId: null, hangup: null, error: null };
	window.echoedPackets = async () => {
		const out = { audio: 0, video: 0, error: state.error };
		if (window.echoPc) {
			(await window.echoPc.getStats()).forEach((s) => {
				if (s.type === 'inbound-rtp') out[s.kind] += s.packetsReceived || 0;
			});
		}
		return out;
	};
	try {
		const local = await navigator.mediaDevices.getUserMedia({ audio: true,
			video: { width: 160, height: 120, frameRate: 10 } });
		const session = await Parley.connect(server);
		const handle = await session.attach('parley.plugin.echo');
		state.sessionId = session.id;
		state.handleId = handle.id;
		handle.on('hangup', (reason) => { state.hangup = reason || 'hangup'; });
		const pc = new RTCPeerConnection({ iceServers: [] });
		for (const track of local.getTracks()) pc.addTrack(track, local);
		window.echoPc = pc;
		window.echoPeer = Parley.peer(handle, pc);
		await window.echoPeer.offer({ audio: true, video: true });
	} catch (err) {
		state.error = err.message;
	}
}

test('an echo PeerConnection from Chromium, a room participant and a meeting host', async (srv) => {
	assertLoopbackOnly();
	world.browser = await launchBrowser();
	world.echo = await openPage(world.browser, `${srv.httpUrl}/index.html`, 'echo');
	const connecting = world.echo.evaluate(holdEcho, `${srv.wsUrl}/`); // meanwhile, the others
	// the room: a participant without media (createRoom joins it)
	world.roomClient = await client(srv, 'parley.plugin.room');
	const created = await world.roomClient.message({ request: 'createRoom', roomId: ROOM, peerMetadata: { displayName: 'Dana' } });
	assert.equal(created.janus, 'success', JSON.stringify(created));
	world.roomPeer = created.plugindata?.data?.peerId;
	assert.equal(typeof world.roomPeer, 'string', JSON.stringify(created));
	// the meeting: created over REST, its host joined over the Janus API
	const meeting = ok(await rest(srv.httpUrl, 'POST', '/api/meetings/create',
		{ title: 'Dashboard standup', hostId: 'alice', hostName: 'Alice' }), 201).meeting;
	world.meetingId = meeting.roomId;
	world.meetingClient = await client(srv, 'parley.plugin.meeting');
	const join = await world.meetingClient.message({ request: 'join-meeting', roomId: meeting.roomId, userId: 'alice', userName: 'Alice' });
	assert.equal(join.janus, 'ack', JSON.stringify(join));
	await world.meetingClient.c.event('event', (m) => m.plugindata?.data?.event === 'joined-meeting', 10000);
	// echoed audio and video coming back
	await connecting;
	const seen = await waitInPage(world.echo, async () => {
		const p = await window.echoedPackets();
		return p.error || (p.audio > 0 && p.video > 0) ? p : null;
	}, null, { timeoutMs: 30000, what: 'echoed audio and video packets', describe: () => window.echoState });
	assert.equal(seen.error, null, `the echo client: ${seen.error}`);
	world.echoSession = await world.echo.evaluate(() => window.echoState.sessionId);
	world.echoHandle = await world.echo.evaluate(() => window.echoState.handleId);
}, { timeout: 60000 });

test('a wrong admin secret shows a clear error; the right one logs in', async (srv) => withConsole(async () => {
	world.admin = await openPage(world.browser, `${srv.httpUrl}/admin.html?interval=2`, 'admin');
	const page = world.admin;
	page.setDefaultTimeout(15000);
	assert.equal(await page.inputValue('#server'), srv.httpUrl, 'the server defaults to the page\'s origin');
	await page.fill('#secret', 'not-the-secret');
	await page.click('#login-button');
	const error = await waitText('#login-status', /Wrong admin secret/, 'the wrong-secret message');
	assert.match(error, /refused it \(403/);
	assert.equal(await page.isVisible('#app'), false, 'the dashboard stays hidden');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('parley-admin')), null, 'a refused secret is not kept');

	await page.fill('#secret', ADMIN_SECRET);
	await page.click('#login-button');
	await waitInPage(page, () => window.adminState.loggedIn && window.adminState.ticks >= 1, null,
		{ what: 'logged in and refreshed once', describe });
	assert.equal(await page.isVisible('#login'), false);
	const kept = JSON.parse(await page.evaluate(() => sessionStorage.getItem('parley-admin')));
	assert.deepEqual(kept, { server: srv.httpUrl, secret: ADMIN_SECRET });
	assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
	assert.deepEqual(await page.evaluate(() => window.adminState.errors), {}, 'no request failed');
}), { timeout: 30000 });

test('overview: server info, event loop, modules, live counts and traffic sparklines with data', async (srv) => withConsole(async () => {
	const page = world.admin;
	// two /metrics reads with media between them: rates above zero, drawn
	for (const key of ['packetsIn', 'packetsOut', 'bitsIn', 'bitsOut']) {
		await waitInPage(page, (k) => {
			const s = document.getElementById(`spark-${k}`);
			return s && Number(s.dataset.points) >= 2 && Number(s.dataset.max) > 0;
		}, key, { what: `sparkline ${key} with 2 points above 0`, describe });
	}
	const drawn = await page.evaluate(() => {
		const canvas = document.querySelector('#spark-packetsIn canvas');
		const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
		let painted = 0;
		for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
		return { painted, width: canvas.width };
	});
	assert.ok(drawn.width > 0 && drawn.painted > drawn.width, `the packets-in sparkline is drawn: ${JSON.stringify(drawn)}`);
	assert.match(await page.textContent('#spark-bitsIn .spark-value'), /[1-9].*bit\/s/);

	await waitText('#tile-pcs .n', /^[1-9]/, 'a connected PeerConnection');
	assert.ok(await number('#tile-sessions .n') >= 3, await page.textContent('#tiles'));
	assert.ok(await number('#tile-handles .n') >= 3, await page.textContent('#tiles'));
	await waitText('#tile-rooms', /^1room1 participant$/, 'one room with one participant');
	await waitText('#tile-meetings', /^1meeting1 participant · 0 waiting$/, 'one meeting with one participant');
	const server = await page.textContent('#server-dl');
	assert.match(server, /parley-e2e/);
	assert.match(server, /Uptime\d+ (s|min)/);
	assert.match(server, /Accepting sessionsyes/);
	const loops = await page.textContent('#loops');
	assert.match(loops, /parley-loop|loop/i);
	assert.match(loops, /\d+ %/, `a load per loop: ${loops}`);
	assert.equal(await page.locator('#loops tbody tr').count(), 1, 'event_loops = 1');
	const modules = await page.textContent('#modules');
	for (const m of ['parley.plugin.echo', 'parley.plugin.room', 'parley.plugin.meeting', 'parley.transport.http',
		'parley.handler.analytics'])
		assert.ok(modules.includes(m), `${m} in the modules: ${modules}`);
	const dir = path.join(BUILDDIR, 'test-artifacts');
	fs.mkdirSync(dir, { recursive: true });
	await page.screenshot({ path: path.join(dir, 'admin-dashboard.png') });
}), { timeout: 40000 });

test('sessions → handles → handle_info of the live echo PeerConnection', async (srv) => withConsole(async () => {
	const page = world.admin;
	await page.click('.tabs button[data-tab="sessions"]');
	await page.click(`#session-${world.echoSession}`);
	await waitText(`#handle-${world.echoHandle}`, /parley\.plugin\.echo.*connected/, 'the echo handle, its pc connected');
	await page.click(`#handle-${world.echoHandle}`);
	const webrtc = await waitText('#handle-webrtc', /Streams \(2\)/, 'the echo handle\'s WebRTC section with two streams');
	assert.match(webrtc, /ICE(connected|ready)/, webrtc);
	assert.match(webrtc, /Selected local127\.0\.0\.1:\d+ \[host\]\s*host/, webrtc);
	assert.match(webrtc, /Selected remote127\.0\.0\.1:\d+ \[\w+\]/, webrtc);
	assert.match(webrtc, /DTLSconnected/, webrtc);
	assert.match(webrtc, /SRTP profile\w+/, webrtc);
	const streams = await page.$$eval('#handle-webrtc table.data tbody tr', (rows) =>
		rows.map((r) => [...r.children].map((td) => td.textContent)));
	assert.deepEqual(streams.map((s) => s[1]).sort(), ['audio', 'video'], JSON.stringify(streams));
	for (const s of streams) assert.ok(Number(s[2].replace(/,/g, '')) > 0, `packets in: ${JSON.stringify(s)}`);
	assert.match(await page.textContent('#handle-general'), /Pluginparley\.plugin\.echo/);
}), { timeout: 30000 });

test('rooms and meetings with their participants', async (srv) => withConsole(async () => {
	const page = world.admin;
	await page.click('.tabs button[data-tab="rooms"]');
	await page.click(`#room-${ROOM}`);
	const peer = await waitText(`#peer-${world.roomPeer}`, /Dana/, 'the room participant');
	assert.match(peer, /yes/, `connected: ${peer}`);
	assert.match(await page.textContent('#room-dl'), /Participants1 \//);
	// the chat plugin's sample room, below
	await page.click('#chatroom-1234');
	await waitText('#chatroom-info', /nobody in this room/, 'the chat room\'s participants');
	await page.click('.tabs button[data-tab="meetings"]');
	await page.click(`#meeting-${world.meetingId}`);
	const alice = await waitText('#participant-alice', /Alice/, 'the meeting participant');
	assert.match(alice, /alice/);
	assert.match(await page.textContent('#meeting-dl'), /Dashboard standup/);
}), { timeout: 30000 });

test('analytics: live PeerConnections, figures since start, an hourly series, the room', async (srv) => withConsole(async () => {
	const page = world.admin;
	await page.click('.tabs button[data-tab="analytics"]');
	await waitText('#an-live-pcs .n', /^[1-9]/, 'the handler\'s live connected PeerConnection');
	await waitText('#an-live-rooms .n', /^1$/, 'one live room');
	const connected = await waitText('#an-row-pcs_connected', /[1-9]/, 'PeerConnections connected since start');
	assert.match(connected, /^PeerConnections connected/);
	await waitInPage(page, () => {
		const c = document.getElementById('series-chart');
		return Number(c.dataset.points) >= 1 && Number(c.dataset.max) >= 1;
	}, null, { what: 'an hourly series with the participants who joined', describe });
	assert.equal(await page.isVisible('#analytics-not-loaded'), false);
	// the room's own figures, from the Rooms tab's button
	await page.click('.tabs button[data-tab="rooms"]');
	await page.click(`#room-${ROOM}`);
	await page.click('text=Analytics of this room');
	const room = await waitText('#an-room-out', new RegExp(world.roomPeer), 'the room\'s analytics with its participant');
	assert.match(room, /Live/);
}), { timeout: 40000 });

test('actions from the page: log level, a refused setting in the banner, kick, hang-up', async (srv) => withConsole(async () => {
	const page = world.admin;
	await page.click('.tabs button[data-tab="settings"]');
	await page.selectOption('#log-level', '4');
	await page.click('#log-level-set');
	await waitText('#log-level-now', /now 4 \(info\)/, 'log level 4');
	// a request the server refuses: its error in the banner, gone once the same request succeeds
	await page.fill('#session-timeout', '99999999999');
	await page.click('#session-timeout-set');
	await waitText('#errors li[data-source="set_session_timeout"]', /set_session_timeout: 467 .*too large/,
		'the refused session timeout in the error banner');
	assert.match(await page.textContent('#settings-status'), /467/);
	await page.fill('#session-timeout', '300');
	await page.click('#session-timeout-set');
	await waitInPage(page, () => !document.querySelector('#errors li') && document.getElementById('errors').classList.contains('hidden'),
		null, { what: 'the banner empty again', describe });

	await page.click('.tabs button[data-tab="rooms"]');
	await page.click(`#room-${ROOM}`);
	const kick = `#peer-${world.roomPeer} button[data-confirm^="kick:"]`;
	await page.click(kick);
	await waitText(kick, /Confirm/, 'the kick button armed');
	await page.click(kick);
	await world.roomClient.c.event('event', (m) => m.plugindata?.data?.event === 'kicked', 10000);
	await waitInPage(page, (id) => !document.getElementById(`peer-${id}`) && /Participants0/.test(document.getElementById('room-dl')?.textContent),
		world.roomPeer, { what: 'the kicked participant gone from the page', describe });

	await page.click('.tabs button[data-tab="sessions"]');
	await page.click(`#session-${world.echoSession}`);
	await page.click(`#handle-${world.echoHandle}`);
	await page.click('#hangup');
	await waitText('#hangup', /Confirm/, 'the hang-up button armed');
	await page.click('#hangup');
	await waitInPage(world.echo, () => window.echoState.hangup, null,
		{ what: 'the echo client told of the hang-up', describe: () => window.echoState });
	assert.deepEqual(await page.evaluate(() => window.adminState.errors), {}, 'no request failed');
}), { timeout: 40000 });

test('logging out forgets the secret; without the analytics handler the tab says so; a server gone shows its error', async () => withConsole(async () => {
	const page = world.admin;
	await page.click('#logout');
	await waitText('#login-status', /Logged out/, 'logged out');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('parley-admin')), null);
	assert.equal(await page.isVisible('#app'), false);

	world.other = await startServer({ config: { ...htmlConfig, parley: { handlers: { disable: 'parley.handler.analytics' } } } });
	const other = world.other.httpUrl;
	world.admin = await openPage(world.browser, `${other}/admin.html?interval=2`, 'admin-2');
	await page.close();
	world.admin.setDefaultTimeout(15000);
	await world.admin.fill('#secret', ADMIN_SECRET);
	await world.admin.click('#login-button');
	await waitInPage(world.admin, () => window.adminState.loggedIn, null, { what: 'logged in to the second server', describe });
	await world.admin.click('.tabs button[data-tab="analytics"]');
	await waitText('#analytics-not-loaded', /parley\.handler\.analytics is not loaded/, 'the not-loaded note');
	assert.equal(await world.admin.isVisible('#analytics-on'), false);
	await world.other.stop();
	await waitText('#errors', /get_status: cannot reach/, 'the failed refresh in the error banner');
	assert.equal(await world.admin.isVisible('#errors'), true);
}), { timeout: 40000 });
