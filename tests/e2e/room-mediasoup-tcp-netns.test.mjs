// room-mediasoup-tcp-netns.test.mjs — ICE-TCP with the real
// mediasoup-client: parley.plugin.room as the SFU service's backend (the
// [socketio.sfu] listener, as room-mediasoup-netns.test.mjs), the core's
// ICE-lite transport with [media] tcp_port, and every UDP packet dropped
// in the network namespace (nftables). 3 mediasoup-client pages
// (pages/mediasoup-app.js) join one room, publish microphone and camera
// and decode each other's audio and video: the transports'
// iceCandidates carry the passive TCP candidate (protocol "tcp", tcpType
// "passive"), and every send and receive transport's selected pair is TCP.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { freePort } from './lib/server.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser } from './lib/browser.mjs';
import { mscState, mscView, serveMediasoupApp } from './lib/mediasoup_app.mjs';
import { blockUdp, keepPeerConnections, selectedPairs, udpDropped } from './lib/ice_tcp.mjs';

const PAGES = 3;
const sfuPort = await freePort();
const udpPort = await freePort();
const tcpPort = await freePort();

blockUdp();
const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', ice_lite: 'true', udp_port: udpPort,
			tcp_port: tcpPort } },
		'parley.transport.websocket': {
			socketio: { listeners: 'sfu' },
			// the pages come from this file's own origin: Engine.IO polling is cross-origin
			'socketio.sfu': { port: sfuPort, plugin: 'parley.plugin.room', cors_origins: '*' },
		},
	},
});

const world = { browser: null, pages: [], app: null };
after(async () => {
	for (const p of world.pages) await p.close().catch(() => {});
	await world.browser?.close().catch(() => {});
	world.app?.close();
});

/** peerId -> {peerId -> {video, screen, audio, energy}}: what each page decodes. */
async function views() {
	const out = {};
	for (const page of world.pages) {
		const v = await mscView(page);
		out[v.peerId] = v.from;
	}
	return out;
}

test('UDP blocked: 3 mediasoup-client pages decode audio and video from each other over ICE-TCP', async () => {
	assertLoopbackOnly();
	const dropsBefore = udpDropped();
	world.app = await serveMediasoupApp();
	world.browser = await launchBrowser();
	const url = `http://127.0.0.1:${sfuPort}`;
	let roomId = null;
	const context = await world.browser.newContext();
	await context.addInitScript(keepPeerConnections);
	for (let i = 0; i < PAGES; i++) {
		// the bundle is large: a loaded machine may need more than openPage's 15 s
		const page = await context.newPage();
		world.pages.push(page);
		page.consoleLines = [];
		page.on('console', (m) => page.consoleLines.push(`[msc${i} ${m.type()}] ${m.text()}`));
		const resp = await page.goto(world.app.url, { timeout: 45000 });
		assert.equal(resp?.status(), 200);
		const started = page.evaluate((o) => window.msc.start(o), { url, roomId, name: `msc-${i}` });
		const late = await Promise.race([started.then(() => false), new Promise((r) => setTimeout(() => r(true), 45000))]);
		const s = await page.evaluate(mscState);
		assert.ok(!late, `page msc${i} did not start within 45 s: ${JSON.stringify(s)}\n${consoleOf([page], 30)}`);
		assert.equal(s.error, null, `page msc${i}: ${JSON.stringify(s)}`);
		assert.ok(s.joined && s.peerId, `page msc${i} did not join: ${JSON.stringify(s)}`);
		roomId ??= s.roomId;
	}
	const ids = [];
	for (const page of world.pages) ids.push(await page.evaluate(() => window.msc.state.peerId));
	const deadline = Date.now() + 60000;
	let lacking = [];
	while (Date.now() < deadline) {
		const v = await views();
		lacking = [];
		for (const to of ids) for (const from of ids) {
			if (to === from) continue;
			const got = v[to]?.[from] || { video: 0, audio: 0 };
			if (got.video <= 5 || got.audio <= 0) lacking.push(`${to}<${from} ${JSON.stringify(got)}`);
		}
		if (!lacking.length) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	const describe = async () => `${(await Promise.all(world.pages.map((p) => p.evaluate(mscState))))
		.map((s) => JSON.stringify(s).slice(0, 1500)).join('\n')}\n${consoleOf(world.pages, 30)}`;
	assert.deepEqual(lacking, [], `everyone decodes everyone\n${await describe()}`);
	for (const [i, page] of world.pages.entries()) {
		const s = await page.evaluate(mscState);
		assert.deepEqual([s.sendState, s.recvState], ['connected', 'connected'], `page msc${i}`);
		// a send and a receive transport, both on the passive TCP candidate
		const pairs = await page.evaluate(selectedPairs);
		assert.equal(pairs.length, 2, `page msc${i}: ${JSON.stringify(pairs)}`);
		for (const pair of pairs) {
			assert.equal(pair.local?.protocol, 'tcp', `page msc${i}: ${JSON.stringify(pair)}`);
			assert.equal(pair.remote.protocol, 'tcp', `page msc${i}: ${JSON.stringify(pair)}`);
			assert.equal(pair.remote.port, tcpPort, `page msc${i}: ${JSON.stringify(pair)}`);
			assert.equal(pair.remote.tcpType, 'passive', `page msc${i}: ${JSON.stringify(pair)}`);
			assert.ok(pair.tcpCandidates.some((l) => l.endsWith(`127.0.0.1 ${tcpPort} typ host tcptype passive`)),
				`page msc${i}: ${JSON.stringify(pair.tcpCandidates)}`);
		}
	}
	assert.ok(udpDropped() > dropsBefore, 'no UDP packet was dropped: is UDP really blocked?');
}, { timeout: 200000 });
