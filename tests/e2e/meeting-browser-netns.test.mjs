// meeting-browser-netns.test.mjs — three headless Chromium pages on
// html/meeting.html (one browser, WebSocket transport) join one meeting;
// every page decodes video from both others through direct peer connections
// negotiated by parley.plugin.meeting (offers, answers and candidates
// relayed by the gateway); chat and toggles reach the others; a page that
// leaves disappears from the others. Runs in a network namespace with only
// lo (tests/run.sh starts *-netns files under `unshare --net`).
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';

const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		'parley.plugin.meeting': { ice: { stun_servers: null, turn_server: null, turn_secret: null } },
	},
});

const USERS = [['ann', 'Ann Ada'], ['bob', 'Bob Babbage'], ['cy', 'Cy Cerf']];
const describe = () => {
	const s = window.meetingState;
	return s && { joined: s.joined, error: s.error, errors: s.errors, remotes: s.remotes,
		participants: Object.keys(s.participants), events: s.events.slice(-20) };
};

async function createMeeting(srv, hostId) {
	const r = await fetch(`${srv.httpUrl}/api/meetings/create`, {
		method: 'POST', headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ title: 'Browser mesh', hostId, hostName: 'Ann Ada', settings: { maxParticipants: 5 } }),
	});
	const body = await r.json();
	assert.equal(r.status, 201, `create: ${JSON.stringify(body)}`);
	return body.meeting.roomId;
}

/** Opens one page per user on meeting.html, each joined to roomId. */
async function joinPages(browser, srv, roomId, users, transport) {
	const server = transport === 'http' ? `${srv.httpUrl}/janus` : `${srv.wsUrl}/`;
	const pages = [];
	for (const [user, name] of users) {
		const url = `${srv.httpUrl}/meeting.html?room=${roomId}&user=${user}&name=${encodeURIComponent(name)}` +
			`&transport=${transport}&server=${encodeURIComponent(server)}&lowres=1`;
		const page = await openPage(browser, url, user);
		pages.push(page);
		await waitInPage(page, () => window.meetingState?.joined || window.meetingState?.error,
			null, { timeoutMs: 10000, what: `${user} joined`, describe });
		const err = await page.evaluate(() => window.meetingState.error);
		assert.equal(err, null, `${user} could not join: ${err}`);
	}
	return pages;
}

/** Waits until every page decodes video (> 10 frames) from every other user. */
async function waitForMesh(pages, users, timeoutMs) {
	const t0 = Date.now();
	for (const [i, page] of pages.entries()) {
		const others = users.filter((_, j) => j !== i).map(([u]) => u);
		await waitInPage(page, (ids) => ids.every((u) => (window.meetingState.remotes[u]?.framesDecoded || 0) > 10),
			others, { timeoutMs: Math.max(5000, timeoutMs - (Date.now() - t0)), what: `${users[i][0]} decoding video from ${others.join(' and ')}`, describe });
	}
	for (const page of pages) {
		const s = await page.evaluate(describe);
		for (const [uid, r] of Object.entries(s.remotes)) {
			assert.equal(r.state, 'connected', `${uid} peer connection state`);
		}
	}
}

async function closeAll(browser, pages) {
	for (const page of pages) {
		await page.evaluate(() => window.meetingLeave()).catch(() => {});
		await page.close().catch(() => {});
	}
	await browser.close();
}

test('three Chromium pages on meeting.html see and decode each other (mesh, WebSocket)', async (srv) => {
	assertLoopbackOnly();
	const roomId = await createMeeting(srv, 'ann');
	const browser = await launchBrowser();
	let pages = [];
	try {
		pages = await joinPages(browser, srv, roomId, USERS, 'ws');
		await waitForMesh(pages, USERS, 40000);
		// Chat reaches everyone; a mute shows on the others' lists.
		await pages[1].evaluate(() => window.meetingRequest('meeting-chat-message', { message: 'hello from bob' }));
		await pages[2].evaluate(() => window.meetingRequest('toggle-audio', { isEnabled: false }));
		for (const page of pages) {
			await waitInPage(page, () => window.meetingState.chat.some((c) => c.userId === 'bob' && c.message === 'hello from bob'),
				null, { timeoutMs: 5000, what: 'bob\'s chat message', describe });
		}
		for (const page of pages.slice(0, 2)) {
			await waitInPage(page, () => window.meetingState.participants.cy?.isAudioEnabled === false,
				null, { timeoutMs: 5000, what: 'cy shown muted', describe });
		}
		// Cy leaves: the others drop Cy's connection.
		await pages[2].evaluate(() => window.meetingLeave());
		for (const page of pages.slice(0, 2)) {
			await waitInPage(page, () => !window.meetingState.participants.cy && !window.meetingState.remotes.cy,
				null, { timeoutMs: 5000, what: 'cy gone', describe });
		}
		const errors = [];
		for (const page of pages) errors.push(...await page.evaluate(() => window.meetingState.errors));
		assert.deepEqual(errors, [], 'meeting-error events');
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		await closeAll(browser, pages);
	}
}, { timeout: 90000 });

test('two Chromium pages on meeting.html over the HTTP long-poll transport decode each other', async (srv) => {
	assertLoopbackOnly();
	const users = USERS.slice(0, 2);
	const roomId = await createMeeting(srv, 'ann');
	const browser = await launchBrowser();
	let pages = [];
	try {
		pages = await joinPages(browser, srv, roomId, users, 'http');
		await waitForMesh(pages, users, 30000);
		// A tab closed without "Leave": its session is destroyed as the page
		// goes away, and the other page drops it.
		await pages[1].close();
		await waitInPage(pages[0], () => !window.meetingState.participants.bob, null,
			{ timeoutMs: 5000, what: 'bob gone', describe });
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		await closeAll(browser, pages);
	}
}, { timeout: 60000 });

test('the lobby form creates a meeting over REST and joins it; the host sees it active', async (srv) => {
	assertLoopbackOnly();
	const browser = await launchBrowser();
	let pages = [];
	try {
		const page = await openPage(browser, `${srv.httpUrl}/meeting.html?server=${encodeURIComponent(`${srv.wsUrl}/`)}&lowres=1`, 'lobby');
		pages = [page];
		await page.fill('#user-name', 'Dee Dijkstra');
		await page.fill('#user-id', 'dee');
		await page.fill('#title', 'Made in the lobby');
		await page.click('#create-form button[type=submit]');
		await waitInPage(page, () => window.meetingState?.joined || window.meetingState?.error, null,
			{ timeoutMs: 10000, what: 'joined after create', describe });
		const s = await page.evaluate(() => ({ roomId: window.meetingState.roomId, meeting: window.meetingState.meeting,
			url: location.search, title: document.getElementById('meeting-title').textContent }));
		assert.equal(s.meeting?.hostId, 'dee');
		assert.equal(s.title, 'Made in the lobby');
		assert.match(s.url, new RegExp(`room=${s.roomId}`), 'the page URL names the room (shareable)');
		const r = await fetch(`${srv.httpUrl}/api/meetings/${s.roomId}`);
		const body = await r.json();
		assert.equal(body.meeting?.status, 'active');
		assert.equal(body.meeting?.participantCount, 1);
		assert.equal(body.meeting?.title, 'Made in the lobby');
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}`;
		throw err;
	} finally {
		await closeAll(browser, pages);
	}
}, { timeout: 40000 });
