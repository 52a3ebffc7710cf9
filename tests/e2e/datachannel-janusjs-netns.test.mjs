// datachannel-janusjs-netns.test.mjs — janus.js, unchanged (Debian's
// libjs-janus-gateway), in headless Chromium: data channels with
// parley.plugin.echo the way Janus's echo test demo uses them
// (tests/e2e/pages/datachannel.js): a data-only offer made by janus.js
// ({type: 'data'}, its "JanusDataChannel" label), handle.data() and
// ondata(), and a second label that janus.js opens on first use. Over
// HTTP long-poll and over WebSocket; in a network namespace with only lo.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverSuite } from './lib/harness.mjs';
import { ICE_LITE, SRCDIR } from './lib/server.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser, openPage } from './lib/browser.mjs';

const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';
const ADAPTER_JS = '/usr/share/javascript/webrtc-adapter/adapter.js';

// The html folder: the test pages plus janus.js and adapter.js as shipped.
const htmlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-dc-html-'));
const missing = [JANUS_JS, ADAPTER_JS].filter((f) => !fs.existsSync(f));
const pages = path.join(SRCDIR, 'tests', 'e2e', 'pages');
for (const f of ['datachannel.html', 'datachannel.js']) fs.copyFileSync(path.join(pages, f), path.join(htmlDir, f));
if (!missing.includes(JANUS_JS)) fs.copyFileSync(JANUS_JS, path.join(htmlDir, 'janus.js'));
if (!missing.includes(ADAPTER_JS)) fs.copyFileSync(ADAPTER_JS, path.join(htmlDir, 'adapter.js'));
process.on('exit', () => fs.rmSync(htmlDir, { recursive: true, force: true }));

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: htmlDir } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
	},
});

for (const transport of ['http', 'ws']) {
	test(`janus.js data channels with the echo plugin over ${transport}${ICE_LITE ? ' (ICE-lite)' : ''}`, async (srv) => {
		assert.deepEqual(missing, [], `needed files are missing: ${missing.join(', ')} ` +
			'(apt-get install libjs-janus-gateway libjs-webrtc-adapter)');
		assertLoopbackOnly();
		const browser = await launchBrowser();
		let page = null;
		try {
			page = await openPage(browser, `${srv.httpUrl}/datachannel.html`, `janusjs-${transport}`);
			const server = transport === 'http' ? `${srv.httpUrl}/janus` : srv.wsUrl;
			const r = await page.evaluate((s) => window.runData(s), server);
			assert.match(r.remote, /\r\nm=application [0-9]+ UDP\/DTLS\/SCTP webrtc-datachannel\r\n/);
			assert.deepEqual(r.opened, ['JanusDataChannel', 'second']);
			assert.deepEqual(r.received, ['JanusDataChannel: hello from janus.js', 'second: on a second label']);
			const errors = page.consoleLines.filter((l) => /\] (error|pageerror)/.test(l) || l.includes('pageerror'));
			assert.deepEqual(errors, [], 'janus.js reported errors in the console');
		} catch (err) {
			err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
			throw err;
		} finally {
			if (page) await page.close().catch(() => {});
			await browser.close();
		}
	}, { timeout: 60000 });
}
