// janus-demo-admin-netns.test.mjs — Janus's own admin/monitor page
// (admin.html and admin.js from Debian's janus-demos, unchanged) against
// parleyd's admin API on /admin, with a live PeerConnection made by Janus's
// own EchoTest demo page (echotest.html, janus.plugin.echotest = the sample
// alias of parley.plugin.echo: audio, video and a data channel from
// Chromium's fake devices). Only the configuration files a deployment
// edits are the test's: settings.js (the Janus API on the WebSocket port
// and a stored token) and adminconfig.js (the admin API; no secret, so the
// page asks for it). Driven through the page's tabs, buttons and dialogs:
// a wrong secret is refused and asked again; Server Info lists the server,
// its plugins and transports; Settings shows Janus's rows and changes the
// log level; Plugins sends a chat plugin request; Stored Tokens lists,
// adds and removes a token; Handles lists the echo page's session and
// handle and shows its handle_info — ICE, DTLS, SDPs and media in Janus's
// shapes, raw and prettified; a traffic capture, which Parley does not
// do, is answered with Janus's error and the page carries on. The server's
// side is checked through the admin API. In a network namespace with only lo.
import assert from 'node:assert/strict';
import { ownServerTest } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser } from './lib/browser.mjs';
import { HttpJanus, assertReply } from './lib/janus.mjs';
import {
	DEMO_BROWSER_ARGS, answerDialog, closedDialog, demoUrl, dialogText, missingDemoFiles, openDialog, serveJanusDemos,
	settingsJs, shownDialog,
} from './lib/janus_demos.mjs';

const TOKEN = 'echo-demo-token';

function serverOptions() {
	return {
		config: {
			parley: {
				general: { server_name: 'parley-janus-admin' },
				auth: { token_auth: 'true' },
				media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' },
			},
		},
	};
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let started = Date.now();
/** Says which step the test is at (seen in the log when a step hangs). */
const step = (what) => process.stderr.write(`# ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}\n`);

/** The admin API over HTTP, ids in the path. */
function adminApi(srv) {
	const c = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	return (msg, path = '') => c.request(msg, { path });
}

async function newPage(browser, srv, label, overrides) {
	const page = await browser.newPage();
	page.consoleLines = [];
	page.on('console', (m) => page.consoleLines.push(`[${label} ${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => page.consoleLines.push(`[${label} pageerror] ${e.message}`));
	page.served = await serveJanusDemos(page, srv.httpUrl, overrides);
	return page;
}

/** Polls the admin API until the one echo handle has media both ways; its ids. */
async function echoHandleWithMedia(admin, timeoutMs = 60000) {
	const deadline = Date.now() + timeoutMs;
	let last = null;
	while (Date.now() < deadline) {
		for (const s of (await admin({ janus: 'list_sessions' })).sessions || []) {
			for (const h of (await admin({ janus: 'list_handles' }, `/${s}`)).handles || []) {
				const info = (await admin({ janus: 'handle_info' }, `/${s}/${h}`)).info;
				last = info;
				const video = Object.values(info?.webrtc?.media || {}).find((m) => m.type === 'video');
				if (info?.plugin === 'parley.plugin.echo' && video?.stats?.in?.packets > 0 && video.stats.out.packets > 0)
					return { session: s, handle: h };
			}
		}
		await sleep(500);
	}
	throw new Error(`no echo handle with media within ${timeoutMs} ms; last handle_info: ${JSON.stringify(last)?.slice(0, 1500)}`);
}

/** Clicks one of the admin page's tabs and waits until its pane shows. */
async function openTab(page, pane) {
	await page.locator(`#admintabs a[href="#${pane}"]`).click();
	await page.locator(`#${pane}.tab-pane.active.in`).waitFor({ state: 'attached', timeout: 5000 });
}

function assertPagesClean(pages) {
	for (const page of pages) {
		assert.deepEqual(page.consoleLines.filter((l) => / pageerror\]/.test(l)), [], 'a demo page threw');
		assert.deepEqual(page.served.offsite, [], 'a demo page asked for something off this machine');
		assert.deepEqual(page.served.missing.filter((f) => /\.(js|html|css)$/.test(f)), [],
			'a demo page asked for code janus-demos does not have');
	}
}

ownServerTest('Janus\'s admin page, unchanged: login, server info, settings, plugins, tokens, sessions, handles and ' +
	'a live PeerConnection\'s handle_info', async (own) => {
	const missing = missingDemoFiles(['admin.html', 'admin.js', 'echotest.html', 'echotest.js', 'navbar.html',
		'javascript/toastr/toastr.min.js']);
	assert.deepEqual(missing, [], `janus-demos files missing (apt-get install janus-demos): ${missing.join(', ')}`);
	assertLoopbackOnly();
	started = Date.now();
	const srv = await own(serverOptions());
	const admin = adminApi(srv);
	assertReply(await admin({ janus: 'add_token', token: TOKEN, plugins: ['parley.plugin.echo'] }), 'success');
	const browser = await launchBrowser(DEMO_BROWSER_ARGS);
	const pages = [];
	try {
		step('echo page');
		// Janus's EchoTest page makes the PeerConnection the admin page will show
		const echo = await newPage(browser, srv, 'echotest', { 'settings.js': settingsJs(srv.wsUrl, { token: TOKEN }) });
		pages.push(echo);
		assert.equal((await echo.goto(demoUrl(srv, 'echotest.html'), { timeout: 15000 }))?.status(), 200);
		await echo.locator('#start').click();
		const { session, handle } = await echoHandleWithMedia(admin);

		step('login');
		// the admin page: no secret in adminconfig.js, so it asks; a wrong one is refused
		const page = await newPage(browser, srv, 'admin', {
			'adminconfig.js': `var server = ${JSON.stringify(`${srv.httpUrl}/admin`)};\nvar secret = "";\n`,
		});
		pages.push(page);
		assert.equal((await page.goto(demoUrl(srv, 'admin.html'), { timeout: 15000 }))?.status(), 200);
		assert.equal(await openDialog(page).locator('#server').inputValue(), `${srv.httpUrl}/admin`);
		await answerDialog(page, { fill: { '#secret': 'not-the-secret' } });
		assert.match(await dialogText(page), /Unauthorized request/, 'get_status refused with Janus\'s 403 reason');
		await answerDialog(page);
		await openDialog(page).waitFor({ timeout: 20000 }); /* asked again */
		step('login again');
		// a second login on the same load binds the page's handlers twice (its
		// own way): log in on a fresh load instead
		await page.reload({ timeout: 15000 });
		await answerDialog(page, { fill: { '#secret': ADMIN_SECRET } });

		step('server info');
		// Server Info: the server's own rows, its plugins (and the aliases' targets) and transports
		await openTab(page, 'serverinfo');
		await page.locator('#server-details td', { hasText: 'parley-janus-admin' }).first().waitFor({ timeout: 20000 });
		const details = await page.locator('#server-details').innerText();
		assert.match(details, /version_string:\s+\S+/);
		assert.match(details, /data_channels:\s+true/);
		assert.match(details, /auth_token:\s+true/);
		const deps = await page.locator('#server-deps').innerText();
		for (const lib of ['glib2', 'jansson', 'libsrtp', 'crypto']) assert.match(deps, new RegExp(`^${lib}\\s+\\S`, 'm'));
		assert.match(await page.locator('#server-plugins').innerText(), /\bEcho\b[^]*\bChat\b|\bChat\b[^]*\bEcho\b/);
		const pluginList = await page.locator('#plugins-list a').allInnerTexts();
		for (const p of ['parley.plugin.echo', 'parley.plugin.chat']) assert.ok(pluginList.includes(p), pluginList.join());
		const transportList = await page.locator('#transports-list a').allInnerTexts();
		for (const t of ['parley.transport.http', 'parley.transport.websocket']) {
			assert.ok(transportList.includes(t), transportList.join());
		}

		step('settings');
		// Settings: Janus's rows with their edit buttons, nothing that takes the page's own element ids
		await openTab(page, 'settings');
		await page.locator('#log_level_button').waitFor({ timeout: 20000 });
		assert.equal(await page.locator('#session_timeout_button').count(), 1);
		for (const id of ['sessions', 'handles', 'info', 'settings', 'tokens']) {
			assert.equal(await page.locator(`[id="${id}"]`).count(), 1, `one element #${id} on the page`);
		}
		await page.locator('#log_level_button').click();
		await answerDialog(page, { fill: { 'input.bootbox-input': '6' } });
		await page.locator('#server-settings tr', { hasText: 'log_level:' }).locator('td', { hasText: /^6$/ })
			.waitFor({ timeout: 20000 });
		assert.equal((await admin({ janus: 'get_status' })).status.log_level, 6, 'the server took the new log level');

		step('tokens');
		// Stored Tokens: the echo page's token; one added and removed through the page (before the
		// Plugins form exists: the page gives a token every ticked box and selected option on it)
		await openTab(page, 'tokens');
		await page.locator('#auth-tokens td', { hasText: TOKEN }).waitFor({ timeout: 20000 });
		await page.locator('#token').fill('page-token');
		await page.locator('#addtoken').click();
		await answerDialog(page);
		await page.locator('#auth-tokens button#page-token').waitFor({ timeout: 20000 });
		let tokens = (await admin({ janus: 'list_tokens' })).data.tokens;
		const added = tokens.find((t) => t.token === 'page-token');
		assert.ok(added && added.allowed_plugins.includes('parley.plugin.echo'), JSON.stringify(tokens));
		await page.locator('#auth-tokens button#page-token').click();
		await answerDialog(page);
		await page.locator('#auth-tokens button#page-token').waitFor({ state: 'detached', timeout: 20000 });
		tokens = (await admin({ janus: 'list_tokens' })).data.tokens;
		assert.deepEqual(tokens.map((t) => t.token), [TOKEN]);

		step('plugins');
		// Plugins: a request to the chat plugin (message_plugin), its answer shown
		await openTab(page, 'plugins');
		await page.locator('#plugins-list a', { hasText: 'parley.plugin.chat' }).click();
		await page.locator('#attrname0').fill('request');
		await page.locator('#attrvalue0').fill('list');
		await page.locator('#sendmsg').click();
		await page.locator('#plugin-response', { hasText: '"response"' }).waitFor({ timeout: 20000 });
		const response = JSON.parse(await page.locator('#plugin-response').innerText());
		assert.equal(response.janus, 'success', JSON.stringify(response));
		assert.ok(response.response.list.some((r) => r.room === 1234), JSON.stringify(response));

		step('handles');
		// Handles: the echo page's session, its handle, and the handle's info
		await openTab(page, 'handlesinfo');
		assert.ok(Number(await page.locator('#sessions-num').innerText()) >= 1);
		await page.locator(`#session-${session}`).click();
		await page.locator(`#handle-${handle}`).click();
		await page.locator('#handle-info pre').waitFor({ timeout: 20000 });
		const info = JSON.parse(await page.locator('#handle-info pre').innerText());
		assert.equal(info.session_id, session);
		assert.equal(info.handle_id, handle);
		assert.equal(info.plugin, 'parley.plugin.echo');
		assert.equal(info.session_transport, 'parley.transport.websocket');
		assert.ok(info.flags['got-offer'] && info.flags.negotiated && info.flags.ready, JSON.stringify(info.flags));
		assert.ok(info.flags['has-audio'] && info.flags['has-video'] && info.flags['data-channels']);
		assert.match(info.sdps.remote, /^v=0\r\n[^]*m=video /, 'the page\'s offer');
		assert.match(info.sdps.local, /^v=0\r\n[^]*m=video /, 'our answer');
		const { ice, dtls, media } = info.webrtc;
		assert.ok(['connected', 'ready'].includes(ice.state), JSON.stringify(ice));
		assert.match(ice['selected-pair'], /^127\.0\.0\.1:\d+ \[\w+,udp\] <-> 127\.0\.0\.1:\d+ \[\w+,udp\]$/);
		assert.ok(ice['local-candidates'].length >= 1 && ice['remote-candidates'].length >= 1, JSON.stringify(ice));
		assert.ok(ice.connected > 0 && ice.connected <= info.current_time);
		assert.equal(dtls['dtls-state'], 'connected', JSON.stringify(dtls));
		assert.equal(dtls['dtls-role'], 'passive', 'answering actpass, we are the DTLS server');
		assert.match(dtls['srtp-profile'], /^SRTP_(AEAD_AES_128_GCM|AES128_CM_SHA1_80)$/);
		assert.match(dtls['remote-fingerprint'], /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i);
		assert.equal(dtls.valid, true);
		assert.equal(dtls['sctp-association'], true);
		const kinds = Object.values(media).map((m) => m.type).sort();
		assert.deepEqual(kinds, ['audio', 'video']);
		for (const m of Object.values(media)) {
			assert.ok(m.stats.in.packets > 0 && m.stats.out.packets > 0, `media ${m.mid}: ${JSON.stringify(m)}`);
			assert.ok(m.ssrc['ssrc-peer'] > 0 && m.ssrc.ssrc > 0, JSON.stringify(m.ssrc));
			assert.deepEqual(m.direction, { send: true, recv: true });
		}
		assert.equal(await page.locator('#options').isVisible(), true, 'the page shows its options for the handle');

		step('autorefresh');
		// Autorefresh: ticked, the page asks again at once (then every 5 s)
		await page.locator('#autorefresh').check();
		await page.waitForFunction((t) => {
			const pre = document.querySelector('#handle-info pre');
			return pre && JSON.parse(pre.textContent).current_time > t;
		}, info.current_time, { timeout: 20000 });
		await page.locator('#autorefresh').uncheck();

		step('capture');
		// a capture: Parley does not capture traffic; Janus's error, the page carries on
		await page.locator('#capture').check();
		await answerDialog(page, { button: 'Start' });
		assert.match(await dialogText(page), /Unsupported request 'start_pcap'/);
		await answerDialog(page);
		assert.equal(await page.locator('#capturetext').innerText(), 'Start capture', 'the page gave the capture up');

		step('prettify');
		// Prettify: the same info as the page's tables
		await page.locator('#prettify').check();
		await page.locator('#handle-info-table').waitFor({ timeout: 20000 });
		assert.match(await page.locator('#handle-info-table').innerText(), /plugin:\s+parley\.plugin\.echo/);
		assert.match(await page.locator('#flags').innerText(), /negotiated:\s+true/);
		assert.equal(await page.locator('#sdps a#local').count(), 1);
		assert.equal(await page.locator('#sdps a#remote').count(), 1);
		assert.match(await page.locator('#plugin-specific').innerText(), /\S/);
		await page.locator('#sdps a#local').click();
		const sdpDialog = await shownDialog(page);
		assert.match(await (await sdpDialog.$('.modal-body')).innerText(), /m=audio/);
		await (await sdpDialog.$('.bootbox-close-button')).click();
		await closedDialog(page, sdpDialog);

		step('echo page stops');
		// the echo page stops (janus.js destroys its session): gone from the
		// list once refreshed (the page rebinds its refresh button a second
		// after each request: clicked until the list changes, bounded)
		await echo.locator('#start').click();
		await echo.locator('#details').waitFor({ state: 'attached', timeout: 15000 });
		const gone = page.locator(`#session-${session}`);
		for (let i = 0; i < 10 && await gone.count() > 0; i++) {
			await page.locator('#update-sessions').click();
			await gone.waitFor({ state: 'detached', timeout: 1500 }).catch(() => {});
		}
		assert.equal(await gone.count(), 0, 'the ended session is still listed');
		assertPagesClean(pages);
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages, 60)}`;
		throw err;
	} finally {
		for (const p of pages) await p.close().catch(() => {});
		await browser.close();
	}
}, { timeout: 240000 });
