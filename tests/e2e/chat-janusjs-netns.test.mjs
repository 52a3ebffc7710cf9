// chat-janusjs-netns.test.mjs — TextRoom over real data channels: janus.js
// unchanged (Debian's libjs-janus-gateway) in two headless Chromium pages
// attached to janus.plugin.textroom (the sample alias of
// parley.plugin.chat), driven as Janus's TextRoom demo drives it
// (tests/e2e/pages/textroom.js): "setup", the plugin's data-only offer
// answered with a data track and "ack", then TextRoom requests on the data
// channel, and an ICE restart ("restart") in the middle. The pages join Janus's sample room 1234 beside a Janus API
// client, exchange public messages and whispers (to and tos), and after
// parleyd restarts on the same state folder a page joining over a new
// data channel gets the room's history. In a network namespace with only lo.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownServerTest } from './lib/harness.mjs';
import { ICE_LITE, SRCDIR } from './lib/server.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser, openPage } from './lib/browser.mjs';
import { WsChat } from './lib/chat.mjs';

const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';
const ADAPTER_JS = '/usr/share/javascript/webrtc-adapter/adapter.js';

const htmlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-textroom-html-'));
const missing = [JANUS_JS, ADAPTER_JS].filter((f) => !fs.existsSync(f));
const pages = path.join(SRCDIR, 'tests', 'e2e', 'pages');
for (const f of ['textroom.html', 'textroom.js']) fs.copyFileSync(path.join(pages, f), path.join(htmlDir, f));
if (!missing.includes(JANUS_JS)) fs.copyFileSync(JANUS_JS, path.join(htmlDir, 'janus.js'));
if (!missing.includes(ADAPTER_JS)) fs.copyFileSync(ADAPTER_JS, path.join(htmlDir, 'adapter.js'));
process.on('exit', () => fs.rmSync(htmlDir, { recursive: true, force: true }));

function serverOptions(state) {
	return {
		config: {
			parley: {
				general: { state_dir: state },
				media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' },
			},
			'parley.transport.http': { general: { html_folder: htmlDir } },
			'parley.plugin.chat': { 'room-1234': { history: 20 }, limits: { message_rate: 0 } },
		},
	};
}

/** A page running textroom.js against `srv` over WebSocket, its data channel open. */
async function chatPage(browser, srv, label) {
	const page = await openPage(browser, `${srv.httpUrl}/textroom.html`, label);
	const r = await page.evaluate((server) => window.chatStart(server), srv.wsUrl);
	assert.equal(r.opened, 'JanusDataChannel', `${label}: the data channel janus.js opens`);
	return page;
}

const request = (page, body) => page.evaluate((b) => window.chatRequest(b), body);
const waitEvent = (page, kind, match) => page.evaluate(([k, m]) => window.chatWaitEvent(k, m), [kind, match]);
const events = (page, kind) => page.evaluate((k) => window.chatEvents().filter((e) => e.textroom === k), kind);

function assertNoPageErrors(list) {
	for (const page of list) {
		const errors = page.consoleLines.filter((l) => / (error|pageerror)\]/.test(l));
		assert.deepEqual(errors, [], 'janus.js reported errors in the console');
	}
}

ownServerTest(`janus.js TextRoom pages chat over data channels, and the history outlives a restart${ICE_LITE ? ' (ICE-lite)' : ''}`,
	async (own) => {
		assert.deepEqual(missing, [], `needed files are missing: ${missing.join(', ')} ` +
			'(apt-get install libjs-janus-gateway libjs-webrtc-adapter)');
		assertLoopbackOnly();
		const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2e-textroom-state-'));
		const browser = await launchBrowser();
		const open = [];
		let api = null;
		try {
			let srv = await own(serverOptions(state));
			const alice = await chatPage(browser, srv, 'alice');
			const bob = await chatPage(browser, srv, 'bob');
			open.push(alice, bob);
			api = await WsChat.open(srv, { label: 'api', plugin: 'janus.plugin.textroom' });

			// joins: the answer lists the others; everyone hears each join
			const a = await request(alice, { textroom: 'join', room: 1234, username: 'alice', display: 'Alice' });
			assert.deepEqual(a, { textroom: 'success', participants: [], transaction: a.transaction });
			await api.request({ request: 'join', room: 1234, username: 'node', display: 'Node' });
			const b = await request(bob, { textroom: 'join', room: 1234, username: 'bob', display: 'Bob' });
			assert.equal(b.textroom, 'success', JSON.stringify(b));
			assert.deepEqual(b.participants.map((p) => p.username).sort(), ['alice', 'node']);
			assert.equal((await waitEvent(alice, 'join', { username: 'bob' })).display, 'Bob');
			await api.event('join', (e) => e.username === 'bob');

			// a public message over alice's data channel reaches bob's and the API client
			const sent = await request(alice, { textroom: 'message', room: 1234, text: 'hello over SCTP' });
			assert.equal(sent.textroom, 'success', JSON.stringify(sent));
			const got = await waitEvent(bob, 'message', { text: 'hello over SCTP' });
			assert.equal(got.from, 'alice');
			assert.equal(got.room, 1234);
			assert.equal(got.whisper, undefined);
			assert.ok(!Number.isNaN(Date.parse(got.date)), `a date the demo's getDateString reads: ${got.date}`);
			assert.equal((await api.event('message', (e) => e.text === 'hello over SCTP')).from, 'alice');
			await waitEvent(alice, 'message', { text: 'hello over SCTP' }); /* the sender too */

			// the API client talks to the pages
			await api.request({ request: 'message', room: 1234, text: 'hello from node' });
			await waitEvent(alice, 'message', { text: 'hello from node', from: 'node' });
			await waitEvent(bob, 'message', { text: 'hello from node', from: 'node' });

			// whispers: bob → alice with "to", alice → bob and node with "tos"
			const w = await request(bob, { textroom: 'message', room: 1234, text: 'just for alice', to: 'alice' });
			assert.deepEqual(w.sent, { alice: true });
			assert.equal((await waitEvent(alice, 'message', { text: 'just for alice' })).whisper, true);
			const w2 = await request(alice, { textroom: 'message', room: 1234, text: 'for you two', tos: ['bob', 'node'] });
			assert.deepEqual(w2.sent, { bob: true, node: true });
			assert.equal((await waitEvent(bob, 'message', { text: 'for you two' })).whisper, true);
			assert.equal((await api.event('message', (e) => e.text === 'for you two')).whisper, true);
			// a request refused on the data channel comes back with its transaction
			const refused = await request(bob, { textroom: 'join', room: 1234, username: 'bob' });
			assert.equal(refused.textroom, 'error');
			assert.equal(refused.error_code, 421);
			// nobody got a whisper meant for someone else
			assert.deepEqual((await events(bob, 'message')).filter((m) => m.text === 'just for alice'), []);
			assert.deepEqual((await events(alice, 'message')).filter((m) => m.text === 'for you two'), []);

			// an ICE restart ("restart": the plugin offers again, janus.js answers and acks);
			// the data channel carries on
			await alice.evaluate(() => window.chatRestart());
			await request(alice, { textroom: 'message', room: 1234, text: 'after the restart' });
			await waitEvent(bob, 'message', { text: 'after the restart', from: 'alice' });

			// bob leaves: alice and node hear it
			await request(bob, { textroom: 'leave', room: 1234 });
			await waitEvent(alice, 'leave', { username: 'bob' });
			await api.event('leave', (e) => e.username === 'bob');
			assertNoPageErrors(open);
			for (const p of open.splice(0)) {
				await p.evaluate(() => window.chatStop()).catch(() => {});
				await p.close();
			}
			await api.close();
			api = null;

			// parleyd restarts on the same state folder: a new page joins and gets the history
			await srv.stop();
			srv = await own(serverOptions(state));
			const carol = await chatPage(browser, srv, 'carol');
			open.push(carol);
			const c = await request(carol, { textroom: 'join', room: 1234, username: 'carol' });
			assert.equal(c.textroom, 'success', JSON.stringify(c));
			const history = (await events(carol, 'message')).map((m) => `${m.from}: ${m.text}`);
			assert.deepEqual(history, ['alice: hello over SCTP', 'node: hello from node', 'alice: after the restart'],
				'the public messages, oldest first (whispers are not kept)');
			assertNoPageErrors(open);
		} catch (err) {
			err.message += `\nbrowser console:\n${consoleOf(open)}`;
			throw err;
		} finally {
			for (const p of open) await p.close().catch(() => {});
			if (api) await api.close();
			await browser.close();
			fs.rmSync(state, { recursive: true, force: true });
		}
	}, { timeout: 120000 });
