// janusjs.test.mjs — janus.js, unchanged (Debian's libjs-janus-gateway), in
// headless Chromium driven by playwright-core: a page served by parleyd's
// HTTP transport (html_folder) creates a session over HTTP and over
// WebSocket, attaches parley.plugin.echo, sends a synchronous and an
// asynchronous message, receives the event, and destroys the session.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serverSuite } from './lib/harness.mjs';
import { SRCDIR } from './lib/server.mjs';

const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';
const ADAPTER_JS = '/usr/share/javascript/webrtc-adapter/adapter.js';
const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium';

// The html folder: the test pages plus janus.js and adapter.js as shipped.
const htmlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-html-'));
const missing = [JANUS_JS, ADAPTER_JS, CHROMIUM].filter((f) => !fs.existsSync(f));
const pages = path.join(SRCDIR, 'tests', 'e2e', 'pages');
for (const f of fs.readdirSync(pages)) fs.copyFileSync(path.join(pages, f), path.join(htmlDir, f));
if (!missing.includes(JANUS_JS)) fs.copyFileSync(JANUS_JS, path.join(htmlDir, 'janus.js'));
if (!missing.includes(ADAPTER_JS)) fs.copyFileSync(ADAPTER_JS, path.join(htmlDir, 'adapter.js'));
process.on('exit', () => fs.rmSync(htmlDir, { recursive: true, force: true }));

const { test } = serverSuite({
	config: { 'parley.transport.http': { general: { html_folder: htmlDir } } },
});

const LAUNCH_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection',
	'--disable-features=WebRtcHideLocalIpsWithMdns'];

/** Opens the echo page in a fresh browser, runs runEcho(server) there. */
async function runInBrowser(srv, server, idleMs = 0) {
	assert.deepEqual(missing, [], `needed files are missing: ${missing.join(', ')} ` +
		'(apt-get install chromium libjs-janus-gateway libjs-webrtc-adapter)');
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30000 });
	const consoleLines = [];
	try {
		const page = await browser.newPage();
		page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
		page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
		const resp = await page.goto(`${srv.httpUrl}/echo.html`, { timeout: 10000 });
		assert.equal(resp?.status(), 200, `GET /echo.html from html_folder answered ${resp?.status()}`);
		const hasJanus = await page.evaluate(() => typeof window.Janus === 'function' && typeof window.runEcho === 'function');
		assert.ok(hasJanus, `janus.js or echo.js did not load; console: ${consoleLines.join('\n')}`);
		try {
			const result = await page.evaluate(([s, idle]) => window.runEcho(s, 'parley.plugin.echo', idle), [server, idleMs]);
			const errors = consoleLines.filter((l) => l.startsWith('[error]') || l.startsWith('[pageerror]'));
			assert.deepEqual(errors, [], 'janus.js reported errors in the console');
			return result;
		} finally {
			await page.close();
		}
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleLines.slice(-40).join('\n')}`;
		throw err;
	} finally {
		await browser.close();
	}
}

function checkResult(r) {
	assert.equal(typeof r.sessionId, 'number', `session id: ${JSON.stringify(r)}`);
	assert.equal(typeof r.handleId, 'number', `handle id: ${JSON.stringify(r)}`);
	assert.equal(r.plugin, 'parley.plugin.echo');
	assert.equal(r.pong?.echotest, 'pong', `synchronous answer (plugindata.data): ${JSON.stringify(r.pong)}`);
	assert.equal(r.event?.echotest, 'event', `asynchronous event (plugindata.data): ${JSON.stringify(r.event)}`);
	assert.equal(r.event?.result, 'ok');
	assert.equal(r.destroyed, true);
}

test('janus.js in Chromium over HTTP (long-poll): create, attach echo, idle 12 s, message + event, destroy', async (srv) => {
	// 12 s idle, shorter than the default longpoll_timeout (30 s): the
	// long-poll must simply be held (a browser silently retries one dropped
	// keep-alive request, so the idle spans more than one short drop).
	const r = await runInBrowser(srv, `${srv.httpUrl}/janus`, 12000);
	checkResult(r);
}, { timeout: 60000 });

test('janus.js in Chromium over WebSocket: create, attach echo, idle 7 s, message + event, destroy', async (srv) => {
	const r = await runInBrowser(srv, srv.wsUrl, 7000);
	checkResult(r);
}, { timeout: 60000 });

test('the HTTP transport serves janus.js from html_folder with a JavaScript content type', async (srv) => {
	const r = await fetch(`${srv.httpUrl}/janus.js`);
	const body = await r.text();
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type') || '', /javascript/);
	assert.equal(body.length, fs.statSync(JANUS_JS).size, 'janus.js served whole');
	const bad = await fetch(`${srv.httpUrl}/..%2f..%2fetc/passwd`);
	await bad.arrayBuffer();
	assert.ok(bad.status === 404 || bad.status === 400 || bad.status === 403, `path traversal answered ${bad.status}`);
});
