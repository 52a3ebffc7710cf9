// chat-page-netns.test.mjs — html/chat.html (chat-page.js) in one headless
// Chromium page against parleyd, beside a Janus API participant on a
// WebSocket, in a network namespace with only lo: the page joins Janus's
// sample room 1234 over a data channel (attach, "setup", the plugin's
// offer answered, TextRoom requests on the channel) and shows the history
// posted before it came, the participants, a message it sends (typed and
// sent with the Send button), the other's public message and whisper, its
// own whisper to the other (picked in the "To" list), the other's leave,
// and its own leave.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { WsChat, assertChatOk } from './lib/chat.mjs';

const ROOM = 1234;

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		'parley.plugin.chat': { limits: { message_rate: 0 } },
	},
});

const describe = () => ({ state: { ...window.chatState, events: window.chatState?.events?.slice(-15) },
	messages: [...document.querySelectorAll('#messages li')].slice(-10).map((li) => `${li.className}: ${li.textContent}`) });

test('chat.html joins a room over a data channel: history, messages, whispers, participants', async (srv) => {
	assertLoopbackOnly();
	const api = await WsChat.open(srv, { label: 'api' });
	let browser = null;
	let page = null;
	try {
		assertChatOk(await api.request({ request: 'join', room: ROOM, username: 'api', display: 'Janus API' }), 'join');
		for (let i = 0; i < 3; i++) await api.request({ request: 'message', room: ROOM, text: `before ${i}` });

		browser = await launchBrowser();
		const url = `${srv.httpUrl}/chat.html?room=${ROOM}&username=alice&display=Alice&autostart=1&server=` +
			encodeURIComponent(srv.wsUrl);
		page = await openPage(browser, url, 'chat');
		await waitInPage(page, () => window.chatState?.joined || window.chatState?.error, null,
			{ timeoutMs: 40000, what: 'the page joined', describe });
		const joined = await page.evaluate(() => ({ error: window.chatState.error, status: window.chatState.status,
			history: window.chatState.messages.filter((m) => m.history).map((m) => m.text),
			historyShown: [...document.querySelectorAll('#messages li.history')].map((li) => li.textContent),
			participants: [...document.querySelectorAll('#participants li')].map((li) => li.dataset.username) }));
		assert.equal(joined.error, null, JSON.stringify(joined));
		assert.deepEqual(joined.history, ['before 0', 'before 1', 'before 2'], 'the history on join');
		assert.equal(joined.historyShown.length, 3);
		assert.ok(joined.historyShown[2].includes('Janus API') && joined.historyShown[2].endsWith('before 2'),
			JSON.stringify(joined.historyShown));
		assert.deepEqual(joined.participants, ['alice', 'api']);
		assert.match(joined.status, /In room 1234 as alice/);
		const seen = await api.event('join', (e) => e.username === 'alice');
		assert.equal(seen.display, 'Alice');

		// a message typed and sent from the page
		await page.fill('#text', 'hello from the page');
		await page.click('#send');
		const fromPage = await api.event('message', (e) => e.text === 'hello from the page');
		assert.equal(fromPage.from, 'alice');
		assert.ok(!fromPage.whisper);
		// the other's public message and whisper
		await api.request({ request: 'message', room: ROOM, text: 'hi alice' });
		const sent = await api.request({ request: 'message', room: ROOM, text: 'psst', to: 'alice' });
		assert.deepEqual(sent.sent, { alice: true });
		await waitInPage(page, () => window.chatState.messages.some((m) => m.text === 'psst'), null,
			{ what: 'the whisper shown', describe });
		const shown = await page.evaluate(() => ({
			hi: window.chatState.messages.find((m) => m.text === 'hi alice'),
			psst: window.chatState.messages.find((m) => m.text === 'psst'),
			whispers: [...document.querySelectorAll('#messages li.whisper')].map((li) => li.textContent),
		}));
		assert.deepEqual({ from: shown.hi.from, whisper: shown.hi.whisper, history: shown.hi.history },
			{ from: 'api', whisper: false, history: false });
		assert.equal(shown.psst.whisper, true);
		assert.equal(shown.whispers.length, 1);
		// a whisper from the page to the one picked in "To"
		await page.selectOption('#to', 'api');
		await page.fill('#text', 'just for you');
		await page.click('#send');
		const whisper = await api.event('message', (e) => e.text === 'just for you');
		assert.equal(whisper.whisper, true);
		assert.equal(whisper.from, 'alice');
		await waitInPage(page, () => document.querySelectorAll('#messages li.whisper').length === 2, null,
			{ what: 'the page shows its own whisper', describe });
		// the other leaves: the participants list follows
		await api.request({ request: 'leave', room: ROOM });
		await waitInPage(page, () => [...document.querySelectorAll('#participants li')].map((li) => li.dataset.username)
			.join() === 'alice', null, { what: 'the list without api', describe });
		assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('#to option')].map((o) => o.value)), ['']);
		// the page leaves
		await page.click('#leave');
		await waitInPage(page, () => !window.chatState.joined && /^Left/.test(window.chatState.status), null,
			{ what: 'the page left', describe });
		assert.equal(await page.evaluate(() => window.chatState.error), null);
	} catch (err) {
		if (page) err.message += `\n${consoleOf([page])}`;
		throw err;
	} finally {
		await page?.close().catch(() => {});
		await browser?.close().catch(() => {});
		await api.close();
	}
}, { timeout: 120000 });
