// room-simulcast-netns.test.mjs — simulcast through parley.plugin.room in
// a network namespace with only lo: a headless Chromium page on
// html/room.html publishes its fake camera at 640x480 with two rid layers
// (l = half size, h = full size; simulcast=1), two other pages subscribe,
// one asks for layer 0 and the other for layer 1 (setPreferredLayers), and
// the decoded frame sizes differ; then a forced switch of the first
// subscriber to layer 1 changes the resolution it decodes.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		// explicit choices only: a low early bandwidth estimate must not pick the layer
		'parley.plugin.room': { media: { auto_layers: 'false' } },
	},
});

const pageState = () => window.roomState && {
	peerId: roomState.peerId, joined: roomState.joined, error: roomState.error, lastError: roomState.lastError,
	local: roomState.local, remote: roomState.remote, events: roomState.events.slice(-12),
};

/** Defines window.cameraOf(peerId) in a page: its video figures for that peer's camera. */
const defineCameraOf = () => {
	window.cameraOf = (peerId) => Object.values(window.roomState.remote[peerId] || {})
		.find((r) => r.kind === 'video' && r.source === 'camera') || null;
};

test('simulcast: low and high layers reach two subscribers at different sizes; a forced switch changes the size', async (srv) => {
	assertLoopbackOnly();
	const base = `${srv.httpUrl}/room.html?room=simulcast&transport=ws&server=${encodeURIComponent(`${srv.wsUrl}/`)}&fps=10`;
	const browser = await launchBrowser();
	const pages = [];
	try {
		const publisher = await openPage(browser, `${base}&name=pub&simulcast=1&width=640&height=480`, 'pub');
		pages.push(publisher);
		await waitInPage(publisher, () => roomState.joined || roomState.error, null, { what: 'publisher joined', describe: pageState });
		const pubId = await publisher.evaluate(() => roomState.peerId);
		// both rid layers are being encoded
		await waitInPage(publisher, () => roomState.local.layers.filter((l) => l.rid && l.width > 0).length >= 2, null,
			{ timeoutMs: 20000, what: 'two simulcast layers encoded', describe: pageState });
		const subs = [];
		for (const name of ['low', 'high']) {
			const page = await openPage(browser, `${base}&name=${name}`, name);
			pages.push(page);
			subs.push(page);
			await page.evaluate(defineCameraOf);
			await waitInPage(page, (id) => (window.cameraOf(id)?.framesDecoded || 0) > 0 || roomState.error,
				pubId, { timeoutMs: 30000, what: `${name} decodes the publisher`, describe: pageState });
		}
		const [low, high] = subs;
		await low.evaluate((id) => window.roomSetLayers(0, { peerId: id, source: 'camera' }), pubId);
		await high.evaluate((id) => window.roomSetLayers(1, { peerId: id, source: 'camera' }), pubId);
		const lowSize = await waitInPage(low, (id) => { const r = window.cameraOf(id); return r?.frameWidth === 320 && r; }, pubId,
			{ timeoutMs: 30000, what: 'the low subscriber decodes 320 wide', describe: pageState });
		const highSize = await waitInPage(high, (id) => { const r = window.cameraOf(id); return r?.frameWidth === 640 && r; }, pubId,
			{ timeoutMs: 40000, what: 'the high subscriber decodes 640 wide', describe: pageState });
		assert.notEqual(lowSize.frameWidth, highSize.frameWidth);
		assert.equal(lowSize.frameHeight, 240);
		assert.equal(highSize.frameHeight, 480);
		// forced switch of the low subscriber to the high layer, frames keep coming
		const before = lowSize.framesDecoded;
		await low.evaluate((id) => window.roomSetLayers(1, { peerId: id, source: 'camera' }), pubId);
		await waitInPage(low, ([id, n]) => { const r = window.cameraOf(id); return r?.frameWidth === 640 && r.framesDecoded > n; },
			[pubId, before], { timeoutMs: 30000, what: 'the switched subscriber decodes 640 wide', describe: pageState });
		// and back down
		await low.evaluate((id) => window.roomSetLayers(0, { peerId: id, source: 'camera' }), pubId);
		await waitInPage(low, (id) => window.cameraOf(id)?.frameWidth === 320, pubId,
			{ timeoutMs: 30000, what: 'the subscriber decodes 320 wide again', describe: pageState });
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		for (const p of pages) await p.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 180000 });
