// janus-demo-textroom-netns.test.mjs — Janus's own TextRoom demo page
// (textroomtest.html and textroomtest.js from Debian's janus-demos, with
// the janus.js and libraries it loads from there, all unchanged) against
// parleyd's chat plugin under its janus.plugin.textroom alias. Only
// settings.js, the file a deployment edits, is the test's: the Janus API
// on parleyd's WebSocket port. Two pages, driven through their own
// buttons and inputs as a user would, and a Janus API client in the same
// room: Start (attach, "setup", the plugin's data channel offer answered,
// "ack"), join room 1234 of the sample configuration with a display name,
// public messages both ways, an announcement, whispers both ways (the
// page's participant list and its prompt), and a page that stops (its
// session destroyed) leaving the room. What each page renders is checked
// in its DOM, what the others got on the server's side. In a network
// namespace with only lo.
import assert from 'node:assert/strict';
import { ownServerTest } from './lib/harness.mjs';
import { assertLoopbackOnly, consoleOf, launchBrowser } from './lib/browser.mjs';
import { WsChat } from './lib/chat.mjs';
import { DEMO_BROWSER_ARGS, answerDialog, demoUrl, missingDemoFiles, serveJanusDemos, settingsJs } from './lib/janus_demos.mjs';

const ROOM_SECRET = 'adminpwd'; /* room 1234's in the sample configuration, as Janus's */

function serverOptions() {
	return {
		config: {
			parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
			'parley.plugin.chat': { limits: { message_rate: 0 } },
		},
	};
}

/** Opens textroomtest.html for `srv` (kept in `pages`), presses Start, waits for the join form. */
async function openDemo(browser, srv, label, pages) {
	const page = await browser.newPage();
	pages.push(page);
	page.consoleLines = [];
	page.on('console', (m) => page.consoleLines.push(`[${label} ${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => page.consoleLines.push(`[${label} pageerror] ${e.message}`));
	page.served = await serveJanusDemos(page, srv.httpUrl, { 'settings.js': settingsJs(srv.wsUrl) });
	const resp = await page.goto(demoUrl(srv, 'textroomtest.html'), { timeout: 15000 });
	assert.equal(resp?.status(), 200);
	await page.locator('#start').click();
	// ondataopen: the data channel janus.js answered the plugin's offer with is open
	await page.locator('#registernow').waitFor({ state: 'visible', timeout: 40000 });
	return page;
}

/** Joins with display name `display` through the page's form; returns its username (the page's random id). */
async function join(page, display) {
	await page.locator('#username').fill(display);
	await page.locator('#register').click();
	await page.locator('#room').waitFor({ state: 'visible', timeout: 20000 });
	assert.equal(await page.locator('#participant').innerText(), display);
	return page.evaluate(() => window.myid);
}

/** Waits until the page's chat shows a line containing `text`; returns that line. */
async function chatLine(page, text) {
	const line = page.locator('#chatroom p', { hasText: text }).last();
	await line.waitFor({ state: 'attached', timeout: 20000 });
	return line.innerText();
}

function assertNoPageErrors(pages) {
	for (const page of pages) {
		const errors = page.consoleLines.filter((l) => / pageerror\]/.test(l));
		assert.deepEqual(errors, [], 'the demo page threw');
		assert.deepEqual(page.served.offsite, [], 'the demo page asked for something off this machine');
		assert.deepEqual(page.served.missing.filter((f) => /\.(js|html|css)$/.test(f)), [],
			'the demo page asked for code janus-demos does not have');
	}
}

ownServerTest('Janus\'s TextRoom demo page, unchanged: join room 1234, messages, announcement, whispers, leave',
	async (own) => {
		const missing = missingDemoFiles(['textroomtest.html', 'textroomtest.js', 'navbar.html']);
		assert.deepEqual(missing, [], `janus-demos files missing (apt-get install janus-demos): ${missing.join(', ')}`);
		assertLoopbackOnly();
		const srv = await own(serverOptions());
		const browser = await launchBrowser(DEMO_BROWSER_ARGS);
		const pages = [];
		let api = null;
		try {
			const alice = await openDemo(browser, srv, 'alice', pages);
			const aliceId = await join(alice, 'Alice');
			const bob = await openDemo(browser, srv, 'bob', pages);
			api = await WsChat.open(srv, { label: 'api', plugin: 'janus.plugin.textroom' });
			const apiJoin = await api.request({ request: 'join', room: 1234, username: 'node', display: 'Node' });
			assert.deepEqual(apiJoin.participants.map((p) => p.username), [aliceId]);
			const bobId = await join(bob, 'Bob');

			// joins: each page lists the others and says who joined; the API client saw bob
			assert.equal((await api.event('join', (e) => e.username === bobId)).display, 'Bob');
			await alice.locator(`#rp${bobId}`).waitFor({ timeout: 20000 });
			assert.equal(await alice.locator(`#rp${bobId}`).innerText(), 'Bob');
			assert.equal(await alice.locator('#rpnode').innerText(), 'Node');
			await chatLine(alice, 'Bob joined');
			assert.equal(await bob.locator(`#rp${aliceId}`).innerText(), 'Alice', 'the join answer listed alice');
			assert.equal(await bob.locator('#rpnode').innerText(), 'Node');
			assert.equal(await bob.locator(`#rp${bobId}`).count(), 0, 'a page does not list itself');

			// a public message typed on alice's page (Enter sends it)
			await alice.locator('#datasend').fill('hello from the demo');
			await alice.locator('#datasend').press('Enter');
			assert.match(await chatLine(bob, 'hello from the demo'), /^\[\d\d:\d\d:\d\d\] Alice: hello from the demo$/);
			await chatLine(alice, 'Alice: hello from the demo');
			const got = await api.event('message', (e) => e.text === 'hello from the demo');
			assert.equal(got.from, aliceId);
			assert.equal(got.whisper, undefined);
			assert.equal(await alice.locator('#datasend').inputValue(), '', 'the page cleared its input: the send succeeded');

			// the API client's message and a room announcement reach both pages
			await api.request({ request: 'message', room: 1234, text: 'hello from node' });
			await chatLine(alice, 'Node: hello from node');
			await chatLine(bob, 'Node: hello from node');
			await api.request({ request: 'announcement', room: 1234, secret: ROOM_SECRET, text: 'the room closes at six' });
			for (const page of [alice, bob]) {
				const line = page.locator('#chatroom p', { hasText: 'the room closes at six' });
				await line.waitFor({ timeout: 20000 });
				assert.equal(await line.locator('i').innerText(), 'the room closes at six', 'an announcement in italics');
			}

			// a whisper from alice's page: click bob in the list, type into the prompt
			await alice.locator(`#rp${bobId}`).click();
			await answerDialog(alice, { fill: { 'input.bootbox-input': 'only for bob' } });
			await chatLine(alice, '[whisper to Bob] only for bob');
			assert.match(await chatLine(bob, 'only for bob'), /\[whisper from Alice\] only for bob$/);
			// and one from the API client to bob
			const w = await api.request({ request: 'message', room: 1234, to: bobId, text: 'psst, bob' });
			assert.deepEqual(w.sent, { [bobId]: true });
			assert.match(await chatLine(bob, 'psst, bob'), /\[whisper from Node\] psst, bob$/);
			// nobody else saw either whisper
			assert.equal(await alice.locator('#chatroom p', { hasText: 'psst, bob' }).count(), 0);
			assert.deepEqual(api.pending('message').filter((m) => m.text === 'only for bob'), []);

			// bob presses Stop: janus.js destroys the session, the page reloads;
			// alice's page says bob left and drops him from the list
			await bob.locator('#start').click();
			await bob.locator('#details').waitFor({ state: 'attached', timeout: 20000 }); /* reloaded */
			await chatLine(alice, 'Bob left');
			await alice.locator(`#rp${bobId}`).waitFor({ state: 'detached', timeout: 20000 });
			await api.event('leave', (e) => e.username === bobId);
			const list = await api.request({ request: 'listparticipants', room: 1234 });
			assert.deepEqual(list.participants.map((p) => p.username).sort(), [aliceId, 'node'].sort());
			// no dialog (an error alert) is open on alice's page
			assert.equal(await alice.locator('.bootbox.modal').count(), 0);
			assertNoPageErrors(pages);
		} catch (err) {
			err.message += `\nbrowser console:\n${consoleOf(pages, 60)}`;
			throw err;
		} finally {
			for (const p of pages) await p.close().catch(() => {});
			if (api) await api.close();
			await browser.close();
		}
	}, { timeout: 180000 });
