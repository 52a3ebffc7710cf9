// datachannel-browser-netns.test.mjs — data channels with headless
// Chromium and parley.plugin.echo, signalled with html/parley.js over the
// Janus WebSocket API, in a network namespace with only lo. One
// RTCPeerConnection carries the fake camera and microphone and four data
// channels in one BUNDLE group ([media] sctp_max_message_size = 100000 here):
//  - our answer's m=application line (UDP/DTLS/SCTP webrtc-datachannel,
//    a=sctp-port, a=max-message-size: Chromium's sctp.maxMessageSize is
//    ours), media decoded beside the data;
//  - "chat" (reliable, ordered): text — plain, empty, non-ASCII, at the
//    maximum size — comes back as text, in order; "bin": binary — empty,
//    3 bytes, at the maximum size — comes back as binary, byte for byte;
//  - one byte over the maximum: Chromium refuses to send it (it honours our
//    a=max-message-size) and the channel keeps working;
//  - "fast" (unordered, maxRetransmits 3) and "timed" (maxPacketLifeTime
//    5000): every message comes back on its own channel;
//  - closing: the page closes "chat" (stream reset both ways: the
//    channel ends on both sides and its label can be opened again);
//    {"close_data": "timed"} to the plugin closes "timed" from the server;
//  - admin handle_info: the channels, their counters, the echo's count.
// The ICE-lite variant (datachannel-browser-lite-netns) runs the same on
// [media] ice_lite = true.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, ICE_LITE } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage } from './lib/browser.mjs';

const MAX = 100000;

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', sctp_max_message_size: MAX } },
	},
});

async function admin(srv, body, path_ = '') {
	const r = await fetch(`${srv.httpUrl}/admin${path_}`, {
		method: 'POST', signal: AbortSignal.timeout(5000),
		body: JSON.stringify({ transaction: 'e2e', admin_secret: ADMIN_SECRET, ...body }),
	});
	return r.json();
}

// ---- in the page ----

/** Connects, attaches echo, negotiates media and four channels; leaves
 * the state on window.dc. */
async function setUp({ server }) {
	const { Parley } = await import('/parley.js');
	const session = await Parley.connect(server);
	const handle = await session.attach('parley.plugin.echo');
	const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
	const pc = new RTCPeerConnection({ iceServers: [] });
	for (const t of local.getTracks()) pc.addTrack(t, local);
	const dc = window.dc = { pc, session, handle, local, channels: {}, inbox: {}, closed: [], errors: [] };
	dc.open = (label, options) => {
		const ch = pc.createDataChannel(label, options);
		ch.binaryType = 'arraybuffer';
		dc.channels[label] = ch;
		dc.inbox[label] = [];
		ch.onmessage = (ev) => dc.inbox[label].push(ev.data);
		ch.onclose = () => dc.closed.push(label);
		ch.onerror = (ev) => dc.errors.push(`${label}: ${ev.error?.message || ev.type}`);
		return ch;
	};
	dc.open('chat', {});
	dc.open('bin', {});
	dc.open('fast', { ordered: false, maxRetransmits: 3 });
	dc.open('timed', { maxPacketLifeTime: 5000 });
	const peer = Parley.peer(handle, pc);
	await peer.offer({ audio: true, video: true });
	const opened = (ch) => ch.readyState === 'open' ? null : new Promise((resolve, reject) => {
		ch.addEventListener('open', resolve);
		setTimeout(() => reject(new Error(`channel ${ch.label} not open after 20 s (${ch.readyState})`)), 20000);
	});
	await Promise.all(Object.values(dc.channels).map(opened));
	return {
		session: session.id, handle: handle.id,
		remote: pc.remoteDescription.sdp, maxMessageSize: pc.sctp?.maxMessageSize,
		ids: Object.fromEntries(Object.entries(dc.channels).map(([l, c]) => [l, c.id])),
	};
}

/** Sends on each channel what the test checks and waits for the echoes. */
async function exchange({ max }) {
	const dc = window.dc;
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	const until = async (fn, what, ms = 20000) => {
		const end = Date.now() + ms;
		while (Date.now() < end) {
			if (fn()) return;
			await sleep(50);
		}
		throw new Error(`timed out: ${what}; inbox sizes ${JSON.stringify(Object.fromEntries(
			Object.entries(dc.inbox).map(([l, m]) => [l, m.length])))}; errors ${dc.errors.join(', ')}`);
	};
	const hash = (buf) => {
		let h = 0;
		for (const b of new Uint8Array(buf)) h = (Math.imul(h, 31) + b) >>> 0;
		return h;
	};
	const describe = (m) => (typeof m === 'string'
		? { type: 'text', length: m.length, head: m.slice(0, 16), hash: hash(new TextEncoder().encode(m)) }
		: { type: 'binary', length: m.byteLength, hash: hash(m) });
	const out = {};

	const bigText = 'x'.repeat(max);
	const texts = ['hello', '', 'ünïcödé ✓ 数据', bigText];
	for (const t of texts) dc.channels.chat.send(t);
	const bigBin = new Uint8Array(max);
	for (let i = 0; i < max; i++) bigBin[i] = (i * 7 + 3) & 0xff;
	const bins = [new Uint8Array(0), new Uint8Array([1, 2, 3]), bigBin];
	for (const b of bins) dc.channels.bin.send(b);
	await until(() => dc.inbox.chat.length >= texts.length && dc.inbox.bin.length >= bins.length, 'text and binary echoes');
	out.sentText = texts.map(describe);
	out.chat = dc.inbox.chat.map(describe);
	out.sentBin = bins.map((b) => describe(b.buffer));
	out.bin = dc.inbox.bin.map(describe);

	// One byte over our a=max-message-size: the browser refuses to send it.
	try {
		dc.channels.bin.send(new Uint8Array(max + 1));
		out.overMax = 'sent';
	} catch (e) {
		out.overMax = `${e.name}: ${e.message}`;
	}
	dc.channels.bin.send('still open');
	await until(() => dc.inbox.bin.length >= bins.length + 1, 'the echo after the refused message');
	out.afterOverMax = dc.inbox.bin.slice(bins.length).map(describe);

	for (let i = 0; i < 50; i++) dc.channels.fast.send(`f${i}`);
	for (let i = 0; i < 10; i++) dc.channels.timed.send(new Uint8Array([i]));
	await until(() => dc.inbox.fast.length >= 50 && dc.inbox.timed.length >= 10, 'unordered and timed echoes');
	out.fast = [...dc.inbox.fast].sort();
	out.timed = dc.inbox.timed.map((b) => new Uint8Array(b)[0]);
	out.errors = dc.errors;

	// Media beside the data.
	let frames = 0;
	for (let i = 0; i < 200 && frames === 0; i++) {
		const stats = await dc.pc.getStats();
		stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; });
		if (!frames) await sleep(100);
	}
	out.framesDecoded = frames;
	return out;
}

/** Closes "chat" from the page, then opens a channel of that label again. */
async function closeAndReopen() {
	const dc = window.dc;
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	dc.channels.chat.close();
	for (let i = 0; i < 200 && !dc.closed.includes('chat'); i++) await sleep(50);
	const closed = dc.closed.includes('chat');
	const again = dc.open('chat', {});
	for (let i = 0; i < 200 && again.readyState !== 'open'; i++) await sleep(50);
	if (again.readyState === 'open') again.send('reopened');
	for (let i = 0; i < 200 && dc.inbox.chat.length === 0; i++) await sleep(50);
	return { closed, state: again.readyState, id: again.id, echo: dc.inbox.chat[0] };
}

/** Asks the plugin to close "timed" (a stream reset from the server). */
async function serverCloses() {
	const dc = window.dc;
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	const answer = await dc.handle.send({ close_data: 'timed' });
	for (let i = 0; i < 200 && dc.channels.timed.readyState !== 'closed'; i++) await sleep(50);
	return { answer, state: dc.channels.timed.readyState, closed: dc.closed };
}

async function tearDown() {
	const dc = window.dc;
	if (!dc) return;
	for (const t of dc.local.getTracks()) t.stop();
	dc.pc.close();
	await dc.session.destroy().catch(() => {});
}

// ---- the test ----

test(`Chromium data channels through the echo plugin beside audio and video${ICE_LITE ? ' (ICE-lite)' : ''}`, async (srv) => {
	assertLoopbackOnly();
	const browser = await launchBrowser();
	let page = null;
	try {
		page = await openPage(browser, `${srv.httpUrl}/index.html`, 'datachannel');
		const setup = await page.evaluate(setUp, { server: `${srv.wsUrl}/` });
		// Our answer: data in the BUNDLE group with the audio and video.
		const dataSection = setup.remote.split(/\r\n(?=m=)/).find((s) => s.startsWith('m=application'));
		assert.ok(dataSection, `no m=application in our answer:\n${setup.remote}`);
		assert.match(dataSection, /^m=application [1-9][0-9]* UDP\/DTLS\/SCTP webrtc-datachannel\r\n/);
		assert.match(dataSection, /\r\na=sctp-port:5000\r\n/);
		assert.match(dataSection, new RegExp(`\\r\\na=max-message-size:${MAX}\\r\\n`));
		assert.doesNotMatch(dataSection, /a=rtcp-mux/);
		assert.match(setup.remote, /a=group:BUNDLE 0 1 2\r\n/);
		assert.equal(setup.maxMessageSize, MAX, 'Chromium takes our a=max-message-size');
		// The browser offered (actpass) and we answered passive: it is the DTLS client, its ids even.
		for (const id of Object.values(setup.ids)) assert.equal(id % 2, 0, `stream ids ${JSON.stringify(setup.ids)}`);

		const r = await page.evaluate(exchange, { max: MAX });
		assert.deepEqual(r.chat, r.sentText, 'text comes back as text, in order, whole');
		assert.deepEqual(r.bin, r.sentBin, 'binary comes back as binary, byte for byte');
		assert.match(r.overMax, /Error/, 'a message over the maximum is refused by the browser');
		assert.deepEqual(r.afterOverMax, [{ type: 'text', length: 10, head: 'still open', hash: r.afterOverMax[0]?.hash }]);
		assert.deepEqual(r.fast, Array.from({ length: 50 }, (_, i) => `f${i}`).sort());
		assert.deepEqual(r.timed, Array.from({ length: 10 }, (_, i) => i));
		assert.deepEqual(r.errors, []);
		assert.ok(r.framesDecoded > 0, 'video decoded beside the data channels');

		const info = await admin(srv, { janus: 'handle_info' }, `/${setup.session}/${setup.handle}`);
		const data = info.info?.webrtc?.data;
		assert.ok(data, `handle_info has no webrtc.data: ${JSON.stringify(info).slice(0, 800)}`);
		assert.equal(data.up, true);
		assert.equal(data['max-message-size'], MAX);
		const byLabel = Object.fromEntries(data.channels.map((c) => [c.label, c]));
		assert.deepEqual(Object.keys(byLabel).sort(), ['bin', 'chat', 'fast', 'timed']);
		assert.equal(byLabel.fast.ordered, false);
		assert.equal(byLabel.fast.reliability, 'max-retransmits');
		assert.equal(byLabel.fast['reliability-parameter'], 3);
		assert.equal(byLabel.timed.reliability, 'max-packet-life-time');
		assert.equal(byLabel.timed['reliability-parameter'], 5000);
		assert.equal(byLabel.chat['messages-in'], 4);
		assert.equal(byLabel.chat['bytes-out'], byLabel.chat['bytes-in']);
		assert.equal(byLabel.bin['messages-in'], 4);
		assert.equal(data.counters['too-large-in'], 0);
		const echo = info.info.plugin_specific.data;
		assert.equal(echo.echoed, 4 + 4 + 50 + 10);
		assert.equal(echo.channels, 4);

		const reopened = await page.evaluate(closeAndReopen);
		assert.equal(reopened.closed, true, 'the browser saw "chat" close');
		assert.equal(reopened.state, 'open', 'a channel labelled "chat" opens again');
		assert.equal(reopened.echo, 'reopened');
		const closed = await page.evaluate(serverCloses);
		assert.equal(closed.state, 'closed', `the server closed "timed": ${JSON.stringify(closed)}`);
		const after = await admin(srv, { janus: 'handle_info' }, `/${setup.session}/${setup.handle}`);
		const openLabels = after.info.webrtc.data.channels.filter((c) => c.state === 'open').map((c) => c.label).sort();
		assert.deepEqual(openLabels, ['bin', 'chat', 'fast']);
		assert.equal(after.info.plugin_specific.data.channels, 3);
		await page.evaluate(tearDown);
	} catch (err) {
		err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
		throw err;
	} finally {
		if (page) await page.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 90000 });
