// echo-aiortc-netns.test.mjs — real media through parley.plugin.echo with a
// python3-aiortc client (tests/e2e/aiortc/echo_client.py: a synthetic
// 320x240 video track and a 440 Hz audio track over the Janus HTTP API), in a
// network namespace with only lo ([media] interfaces = lo):
//  - aiortc gets its own video (frames of the expected size) and audio back,
//    and admin handle_info shows packets both ways on both streams;
//  - the answer never gives one extension id two meanings in the BUNDLE
//    group (aiortc decodes the whole transport with one id map);
//  - an ICE restart from the server side ({"restart": true} to the echo
//    plugin: the core offers again with new ICE credentials) keeps media
//    flowing. aiortc 1.4 cannot restart ICE (its RTCIceTransport.start runs
//    once and ignores new remote credentials), so this variant drives
//    Chromium on html/echo.html;
//  - a client that vanishes (kill -9 of the python) is cleaned up: with
//    [media] consent_timeout_ms = 8000 here its consent expires and the
//    handle's PeerConnection is gone (handle_info webrtc null) within 15 s,
//    not before 6 s; leaks show up in the sanitizer stage.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET, ICE_LITE, SRCDIR } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(SRCDIR, 'tests', 'e2e', 'aiortc', 'echo_client.py');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: 'lo', disconnect_timeout_ms: 2000, consent_timeout_ms: 8000 } },
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
	},
});

/** Starts the aiortc client; lines of its JSON output are collected. */
function startClient(srv, args) {
	const proc = spawn(PYTHON, [CLIENT, '--url', srv.httpUrl, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	const client = { proc, lines: [], stderr: '', exit: null, ready: null, stats: null, answers: [] };
	readline.createInterface({ input: proc.stdout }).on('line', (line) => {
		let msg;
		try { msg = JSON.parse(line); } catch { return; }
		client.lines.push(msg);
		if (msg.ready) client.ready = msg;
		if (msg.stats) client.stats = msg.stats;
		if (msg.sdp && msg.event?.plugindata) client.answers.push(msg.sdp);
	});
	proc.stderr.on('data', (d) => { client.stderr = (client.stderr + d).slice(-4000); });
	client.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
		client.exit = { code, signal };
		resolve(client.exit);
	}));
	client.describe = () => `last stats ${JSON.stringify(client.stats)}; exit ${JSON.stringify(client.exit)}; ` +
		`errors ${JSON.stringify(client.lines.filter((l) => l.error).slice(0, 3)).slice(0, 1500)}; ` +
		`stderr ${client.stderr.slice(-1500)}`;
	return client;
}

async function waitFor(fn, timeoutMs, what, describe = () => '') {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${describe()}`);
		await sleep(200);
	}
}

async function admin(srv, body, path_ = '') {
	const r = await fetch(`${srv.httpUrl}/admin${path_}`, {
		method: 'POST', signal: AbortSignal.timeout(5000),
		body: JSON.stringify({ transaction: 'e2e', admin_secret: ADMIN_SECRET, ...body }),
	});
	return r.json();
}

const handleInfo = (srv, session, handle) => admin(srv, { janus: 'handle_info' }, `/${session}/${handle}`);

/** Every extmap id of an SDP keeps one URI across its m-lines. */
function assertOneMeaningPerExtId(sdp) {
	const meaning = new Map();
	for (const m of sdp.matchAll(/^a=extmap:(\d+)(?:\/\w+)? (\S+)/gm)) {
		const [, id, uri] = m;
		assert.ok(!meaning.has(id) || meaning.get(id) === uri,
			`extension id ${id} means both ${meaning.get(id)} and ${uri} in one BUNDLE group:\n${sdp}`);
		meaning.set(id, uri);
	}
}

test('aiortc gets its own video (320x240 frames) and audio back through the echo plugin', async (srv) => {
	assertLoopbackOnly();
	const client = startClient(srv, ['--frames', '60', '--audio', '100', '--seconds', '25']);
	try {
		await waitFor(() => client.stats?.video_ok >= 10 || client.exit, 20000, 'the first echoed frames', client.describe);
		const { session, handle } = client.ready;
		const info = await handleInfo(srv, session, handle);
		const webrtc = info.info?.webrtc;
		assert.ok(webrtc, `handle_info has no webrtc: ${JSON.stringify(info).slice(0, 600)}`);
		assert.equal(webrtc.dtls?.['dtls-state'], 'connected', JSON.stringify(webrtc.dtls));
		assert.match(webrtc.dtls['srtp-profile'], /^SRTP_(AEAD_AES_128_GCM|AES128_CM_SHA1_80)$/);
		if (ICE_LITE) {
			assert.equal(webrtc.ice?.state, 'connected', JSON.stringify(webrtc.ice));
			assert.equal(webrtc['ice-role'], 'controlled');
			assert.match(webrtc['selected-local'], new RegExp(`:${srv.config.parley.media.udp_port} \\[host\\]$`));
			// The transport's own view in handle_info, and its counters on /metrics.
			const lite = webrtc['ice-lite'];
			assert.equal(lite?.selected?.protocol, 'udp', `handle_info ice-lite: ${JSON.stringify(lite)}`);
			assert.equal(lite.selected.local, `127.0.0.1:${srv.config.parley.media.udp_port}`);
			assert.match(lite.selected.remote, /^127\.0\.0\.1:\d+$/);
			assert.ok(lite.counters.requests > 0 && lite.counters['datagrams-in'] > lite.counters.requests &&
				lite.counters.paths >= 1, JSON.stringify(lite.counters));
			const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
			const value = (name) => Number(metrics.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
			for (const name of ['parley_ice_lite_datagrams_received_total', 'parley_ice_lite_datagrams_sent_total',
				'parley_ice_lite_stun_requests_total', 'parley_ice_lite_paths_selected_total']) {
				assert.ok(value(name) > 0, `${name}: ${metrics.split('\n').filter((l) => l.includes('ice_lite')).join('\n')}`);
			}
		}
		for (const s of webrtc.streams) {
			assert.ok(s['packets-in'] > 0 && s['packets-out'] > 0,
				`stream ${s.mid} (${s.type}) should carry packets both ways: ${JSON.stringify(s)}`);
		}
		const exit = await client.exited;
		assert.equal(exit.code, 0, `the client did not get enough media back: ${client.describe()}`);
		assert.ok(client.stats.video_ok >= 60, client.describe());
		assert.equal(client.stats.width, 320);
		assert.equal(client.stats.height, 240);
		assert.ok(client.stats.audio_frames >= 100, client.describe());
		assert.equal(client.answers.length, 1, 'one answer');
		assertOneMeaningPerExtId(client.answers[0]);
	} finally {
		if (!client.exit) client.proc.kill('SIGKILL');
		await client.exited;
	}
}, { timeout: 60000 });

test('an ICE restart from the server side keeps media flowing (Chromium on echo.html)', async (srv) => {
	assertLoopbackOnly();
	const url = `${srv.httpUrl}/echo.html?transport=ws&server=${encodeURIComponent(`${srv.wsUrl}/`)}&autostart=1`;
	const describe = () => ({ ...window.echoState, events: window.echoState?.events.slice(-12) });
	const browser = await launchBrowser();
	let page = null;
	try {
		page = await openPage(browser, url, 'echo-restart');
		const first = await waitInPage(page, () => {
			const s = window.echoState;
			if (s?.error) return { error: s.error };
			return s && s.framesDecoded > 10 && s.audioSamples > 0 ? { frames: s.framesDecoded } : null;
		}, null, { timeoutMs: 20000, what: 'echoed video and audio', describe });
		assert.equal(first.error, undefined, `the echo page reported an error: ${first.error}`);
		// The page's handle: the only echo handle of the only session.
		const sessions = (await admin(srv, { janus: 'list_sessions' })).sessions;
		assert.equal(sessions.length, 1, `sessions: ${JSON.stringify(sessions)}`);
		const handles = (await admin(srv, { janus: 'list_handles' }, `/${sessions[0]}`)).handles;
		assert.equal(handles.length, 1);
		const before = (await handleInfo(srv, sessions[0], handles[0])).info.webrtc;
		assert.ok(before['local-ufrag'] && before['remote-ufrag'], JSON.stringify(before));

		await page.evaluate(() => window.echoRequest({ restart: true }));
		await waitInPage(page, () => window.echoState.events.some((e) => / \+ offer/.test(e)), null,
			{ timeoutMs: 10000, what: 'the restart offer reaching the page', describe });
		const atRestart = await page.evaluate(() => window.echoState.framesDecoded);
		await waitInPage(page, (f) => window.echoState.framesDecoded >= f + 60, atRestart,
			{ timeoutMs: 15000, what: '60 more frames decoded after the restart', describe });
		const after = (await handleInfo(srv, sessions[0], handles[0])).info.webrtc;
		assert.notEqual(after['local-ufrag'], before['local-ufrag'], 'our ICE credentials are new');
		assert.notEqual(after['remote-ufrag'], before['remote-ufrag'], 'the browser answered with new credentials');
		assert.ok(['connected', 'ready'].includes(after.ice?.state), `ICE ${JSON.stringify(after.ice)}`);
		assert.equal(after.closed, false);
		const inBefore = before.streams.find((s) => s.type === 'video')['packets-in'];
		const inAfter = after.streams.find((s) => s.type === 'video')['packets-in'];
		assert.ok(inAfter > inBefore + 30, `video packets in: ${inBefore} → ${inAfter}`);
		const err = await page.evaluate(() => window.echoState.error);
		assert.equal(err, null, `page error: ${err}`);
		await page.evaluate(() => window.echoStop());
	} catch (err) {
		err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
		throw err;
	} finally {
		if (page) await page.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 60000 });

test('a vanished aiortc client (kill -9) is hung up and its PeerConnection torn down within 15 s', async (srv) => {
	assertLoopbackOnly();
	const client = startClient(srv, ['--seconds', '0']);
	try {
		await waitFor(() => client.stats?.video_ok >= 10 || client.exit, 20000, 'echoed frames', client.describe);
		assert.equal(client.exit, null, `the client ended early: ${client.describe()}`);
		const { session, handle } = client.ready;
		assert.ok((await handleInfo(srv, session, handle)).info?.webrtc, 'a PeerConnection before the kill');
		const mark = srv.logMark();
		client.proc.kill('SIGKILL');
		await client.exited;
		const t0 = Date.now();
		const info = await waitFor(async () => {
			const r = await handleInfo(srv, session, handle);
			return r.janus === 'error' || r.info?.webrtc === null ? r : null;
		}, 15000, 'handle_info without a PeerConnection (webrtc null) or the handle gone');
		const took = Date.now() - t0;
		assert.ok(info.janus === 'error' || info.info.webrtc === null);
		assert.ok(took >= 6000, `torn down ${took} ms after the kill: before consent_timeout_ms (8000) could expire`);
		assert.match(srv.logSince(mark), /PeerConnection ended \(consent expired\)/,
			'the server says why the PeerConnection ended');
		assert.match(srv.logSince(mark), /the peer went quiet \(disconnected\)/, 'it was disconnected first');
		process.stderr.write(`# vanished client cleaned up ${took} ms after kill -9\n`);
	} finally {
		if (!client.exit) client.proc.kill('SIGKILL');
		await client.exited;
	}
}, { timeout: 60000 });
