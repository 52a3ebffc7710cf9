// echo-browser-netns.test.mjs — headless Chromium on html/echo.html (served
// by parleyd's HTTP transport from the source tree's html folder) sends its
// fake camera and microphone to parley.plugin.echo and gets them back:
// framesDecoded grows and audio samples are received, over the HTTP
// long-poll transport and over WebSocket. Runs in a network namespace with
// only lo (tests/run.sh starts *-netns files under `unshare --net`).
// Also html/parley.js on its own (no media): sessions, handles, synchronous
// and asynchronous plugin answers, errors, detach and destroy on both transports.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		// libnice offers no loopback candidate unless the address is listed.
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
	},
});

const describe = () => ({ ...window.echoState, events: window.echoState?.events.slice(-15) });

async function echoRoundTrip(srv, transport) {
	assertLoopbackOnly();
	const server = transport === 'http' ? `${srv.httpUrl}/janus` : `${srv.wsUrl}/`;
	const url = `${srv.httpUrl}/echo.html?transport=${transport}&server=${encodeURIComponent(server)}&autostart=1`;
	const browser = await launchBrowser();
	let page = null;
	try {
		page = await openPage(browser, url, `echo-${transport}`);
		const t0 = Date.now();
		// Media or a reported error, whichever comes first.
		const first = await waitInPage(page, () => {
			const s = window.echoState;
			if (!s) return null;
			if (s.error) return { error: s.error };
			return s.framesDecoded > 0 && s.audioSamples > 0 ? { frames: s.framesDecoded, samples: s.audioSamples } : null;
		}, null, { timeoutMs: 20000, what: 'echoed video and audio (framesDecoded > 0, audio samples > 0)', describe });
		assert.equal(first.error, undefined, `the echo page reported an error: ${first.error}`);
		const firstAt = Date.now() - t0;
		// Still flowing: frames keep being decoded, samples keep arriving.
		await waitInPage(page, (f) => window.echoState.framesDecoded >= f.frames + 30 &&
			window.echoState.audioSamples > f.samples, first,
		{ timeoutMs: 10000, what: 'framesDecoded growing by 30 and more audio samples', describe });
		const s = await page.evaluate(describe);
		assert.equal(s.webrtcup, true, `no webrtcup event reached the page: ${JSON.stringify(s.events)}`);
		assert.equal(s.iceState === 'connected' || s.iceState === 'completed', true, `ICE state ${s.iceState}`);
		assert.ok(firstAt < 20000);
		// A bitrate cap and toggles are accepted by the plugin.
		await page.evaluate(() => window.echoRequest({ bitrate: 256000 }));
		const after = await page.evaluate(() => window.echoState.error);
		assert.equal(after, null, `bitrate request: ${after}`);
		await page.evaluate(() => window.echoStop());
	} catch (err) {
		err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
		throw err;
	} finally {
		if (page) await page.close().catch(() => {});
		await browser.close();
	}
}

test('Chromium on echo.html gets its own video and audio back over HTTP long-poll', async (srv) => {
	await echoRoundTrip(srv, 'http');
}, { timeout: 60000 });

test('Chromium on echo.html gets its own video and audio back over WebSocket', async (srv) => {
	await echoRoundTrip(srv, 'ws');
}, { timeout: 60000 });

// The client itself, without media: what echo.html and meeting.html build on.
async function clientRound(server) {
	const { Parley } = await import('/parley.js');
	const out = {};
	const session = await Parley.connect(server, { keepaliveMs: 1000 });
	out.sessionId = session.id;
	const handle = await session.attach('parley.plugin.echo');
	out.handleId = handle.id;
	out.pong = await handle.send({ request: 'ping' });
	const event = new Promise((resolve) => handle.on('message', (data) => resolve(data)));
	out.ack = await handle.send({ audio: false, note: 'hi' });
	out.event = await Promise.race([event, new Promise((r) => setTimeout(() => r('no event within 5 s'), 5000))]);
	await new Promise((r) => setTimeout(r, 2500)); // keepalives go out meanwhile
	out.unknown = await session.attach('parley.plugin.nosuch').then(() => 'attached?!', (e) => ({ code: e.code, message: e.message }));
	let detached = false;
	handle.on('detached', () => { detached = true; });
	await handle.detach();
	out.detached = detached;
	out.afterDetach = await handle.send({ request: 'ping' }).then(() => 'answered?!', (e) => e.code);
	let closed = null;
	session.on('closed', (why) => { closed = why; });
	await session.destroy();
	out.closed = closed;
	out.afterDestroy = await session.attach('parley.plugin.echo').then(() => 'attached?!', (e) => e.message);
	out.badUrl = await Parley.connect('ftp://nowhere').then(() => 'connected?!', (e) => e.message);
	return out;
}

for (const transport of ['http', 'ws']) {
	test(`parley.js in Chromium over ${transport}: session, attach, sync and async messages, errors, detach, destroy`, async (srv) => {
		const browser = await launchBrowser();
		let page = null;
		try {
			page = await openPage(browser, `${srv.httpUrl}/index.html`, `client-${transport}`);
			const server = transport === 'http' ? `${srv.httpUrl}/janus` : `${srv.wsUrl}/`;
			const r = await page.evaluate(clientRound, server);
			assert.equal(typeof r.sessionId, 'number');
			assert.equal(typeof r.handleId, 'number');
			assert.deepEqual(r.pong, { kind: 'success', data: { echotest: 'pong' }, jsep: null });
			assert.deepEqual(r.ack, { kind: 'ack' });
			assert.equal(r.event?.echotest, 'event', `async event: ${JSON.stringify(r.event)}`);
			assert.equal(r.event?.result, 'ok');
			assert.equal(r.event?.note, 'hi');
			assert.equal(typeof r.unknown?.code, 'number', `unknown plugin: ${JSON.stringify(r.unknown)}`);
			assert.match(r.unknown.message, /attach parley\.plugin\.nosuch/);
			assert.equal(r.detached, true);
			assert.equal(typeof r.afterDetach, 'number', `a message on a detached handle: ${r.afterDetach}`);
			assert.equal(r.closed, 'destroyed');
			assert.match(r.afterDestroy, /closed/);
			assert.match(r.badUrl, /neither a ws/);
		} catch (err) {
			err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
			throw err;
		} finally {
			if (page) await page.close().catch(() => {});
			await browser.close();
		}
	}, { timeout: 40000 });
}
