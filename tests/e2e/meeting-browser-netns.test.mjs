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

test('three Chromium pages on meeting.html see and decode each other (mesh, WebSocket)', async (srv) => {
	assertLoopbackOnly();
	const roomId = await createMeeting(srv, 'ann');
	const browser = await launchBrowser();
	const pages = [];
	try {
		for (const [user, name] of USERS) {
			const url = `${srv.httpUrl}/meeting.html?room=${roomId}&user=${user}&name=${encodeURIComponent(name)}` +
				`&transport=ws&server=${encodeURIComponent(`${srv.wsUrl}/`)}&lowres=1`;
			const page = await openPage(browser, url, user);
			pages.push(page);
			await waitInPage(page, () => window.meetingState?.joined || window.meetingState?.error,
				null, { timeoutMs: 10000, what: `${user} joined`, describe });
			const err = await page.evaluate(() => window.meetingState.error);
			assert.equal(err, null, `${user} could not join: ${err}`);
		}
		// Every page decodes video from both others.
		const t0 = Date.now();
		for (const [i, page] of pages.entries()) {
			const others = USERS.filter((_, j) => j !== i).map(([u]) => u);
			await waitInPage(page, (ids) => ids.every((u) => (window.meetingState.remotes[u]?.framesDecoded || 0) > 10),
				others, { timeoutMs: Math.max(5000, 40000 - (Date.now() - t0)), what: `${USERS[i][0]} decoding video from ${others.join(' and ')}`, describe });
		}
		for (const page of pages) {
			const s = await page.evaluate(describe);
			for (const [uid, r] of Object.entries(s.remotes)) {
				assert.equal(r.state, 'connected', `${uid} peer connection state`);
			}
		}
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
		for (const page of pages) {
			await page.evaluate(() => window.meetingLeave()).catch(() => {});
			await page.close().catch(() => {});
		}
		await browser.close();
	}
}, { timeout: 90000 });
