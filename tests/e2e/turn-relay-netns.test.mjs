// turn-relay-netns.test.mjs — Parley against a real TURN relay: a coturn
// (tests/e2e/lib/coturn.mjs) started by each test on free loopback ports with
// TURN REST authentication (use-auth-secret).
//  - coturn itself: it grants an allocation for REST credentials signed with
//    its secret and refuses a wrong secret and an expired username, so the
//    browser tests below cannot pass by an open relay.
//  - echo: Chromium on html/echo.html, forced to relayed candidates only,
//    gets its own video and audio back from parley.plugin.echo through coturn
//    (and the analytics handler counts a relayed connection: TURN share 1).
//  - meeting: two Chromium pages in one meeting, forced to relayed candidates
//    only and using the ICE servers of the meeting plugin's `ice-servers`
//    event (turn_server + turn_secret), decode each other's video.
// The pages are not changed: an init script wraps window.RTCPeerConnection so
// every configuration gets iceTransportPolicy 'relay' (and, for echo, the
// coturn server). Relay is proven, not assumed: the selected candidate pair's
// local candidate is a relay candidate on coturn's port range, no other local
// candidate type was gathered, and coturn logged the allocation for the
// expected username. Runs in a network namespace with only lo (tests/run.sh
// starts *-netns files under `unshare --net`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownServerTest } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { startCoturn, turnAllocate, turnRestCredentials } from './lib/coturn.mjs';
import { ADMIN_SECRET, ICE_LITE } from './lib/server.mjs';
import { HttpJanus } from './lib/janus.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const MEDIA = { interfaces: 'lo' };
// turn-relay-lite-netns.test.mjs repeats only the test where the gateway has
// a PeerConnection (echo): coturn alone and the meeting mesh do not use it.
const NO_GATEWAY_PC = ICE_LITE && 'no gateway PeerConnection: nothing ICE-lite changes';

/** Page init script: every RTCPeerConnection is relay-only; `extra` ICE
 * servers are appended to the page's own. Constructed connections and their
 * effective configurations are kept in window.relayProbe. */
function forceRelay(extra) {
	const Native = window.RTCPeerConnection;
	const probe = window.relayProbe = { pcs: [], configs: [] };
	class RelayOnly extends Native {
		constructor(config = {}, ...rest) {
			const effective = { ...config, iceTransportPolicy: 'relay',
				iceServers: [...(config.iceServers || []), ...extra] };
			super(effective, ...rest);
			probe.pcs.push(this);
			probe.configs.push(JSON.parse(JSON.stringify(effective)));
		}
	}
	window.RTCPeerConnection = RelayOnly;
}

/** In the page: for every open connection, its selected candidate pair and
 * the types of all local candidates gathered. */
async function relayReport() {
	const out = [];
	for (const pc of window.relayProbe?.pcs || []) {
		if (pc.connectionState === 'closed') continue;
		const report = await pc.getStats();
		const byId = new Map();
		report.forEach((s) => byId.set(s.id, s));
		let pair = null;
		report.forEach((s) => {
			if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId) || pair;
		});
		if (!pair) {
			report.forEach((s) => {
				if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
			});
		}
		const cand = (c) => c && { type: c.candidateType, address: c.address, port: c.port, protocol: c.protocol,
			relayProtocol: c.relayProtocol, url: c.url };
		const localTypes = [];
		report.forEach((s) => { if (s.type === 'local-candidate') localTypes.push(s.candidateType); });
		out.push({
			state: pc.connectionState,
			pair: pair && { state: pair.state, nominated: pair.nominated, bytesSent: pair.bytesSent,
				bytesReceived: pair.bytesReceived },
			local: cand(pair && byId.get(pair.localCandidateId)),
			remote: cand(pair && byId.get(pair.remoteCandidateId)),
			localTypes,
		});
	}
	return out;
}

/** Asserts every open connection of `page` runs over a coturn relay candidate. */
async function assertRelayed(page, turn, label) {
	const reports = await page.evaluate(relayReport);
	assert.ok(reports.length > 0, `${label}: no open RTCPeerConnection`);
	for (const r of reports) {
		const what = `${label}: ${JSON.stringify(r)}`;
		assert.equal(r.state, 'connected', what);
		assert.equal(r.pair?.state, 'succeeded', `${what}: no succeeded selected pair`);
		assert.equal(r.local?.type, 'relay', `${what}: the selected local candidate is not relayed`);
		assert.equal(r.local.address, '127.0.0.1', what);
		assert.ok(r.local.port >= turn.minPort && r.local.port <= turn.maxPort,
			`${what}: relayed port outside coturn's range ${turn.minPort}-${turn.maxPort}`);
		assert.ok(r.pair.bytesReceived > 0 && r.pair.bytesSent > 0, `${what}: no bytes on the pair`);
		assert.deepEqual([...new Set(r.localTypes)], ['relay'], `${what}: non-relay local candidates gathered`);
	}
	return reports;
}

/** Asserts coturn logged a successful allocation for `username`. */
function assertAllocated(turn, username) {
	const lines = turn.allocationsFor(username);
	assert.ok(lines.length > 0, `coturn logged no successful ALLOCATE for user <${username}>; log:\n${turn.logTail(3000)}`);
}

test('coturn grants an allocation for REST credentials signed with its secret and refuses a wrong secret or an expired username', { skip: NO_GATEWAY_PC }, async () => {
	assertLoopbackOnly();
	const turn = await startCoturn({ secret: 'turn-e2e-secret' });
	try {
		const good = turnRestCredentials(turn.secret, 'probe');
		const granted = await turnAllocate(turn.port, good);
		assert.equal(granted.ok, true, `good credentials refused: ${JSON.stringify(granted)}`);
		assert.equal(granted.relayed.ip, '127.0.0.1');
		assert.ok(granted.relayed.port >= turn.minPort && granted.relayed.port <= turn.maxPort,
			`relayed port ${granted.relayed.port} outside ${turn.minPort}-${turn.maxPort}`);
		assertAllocated(turn, good.username);
		const wrong = await turnAllocate(turn.port, turnRestCredentials('another-secret', 'probe'));
		assert.deepEqual([wrong.ok, wrong.code], [false, 401], `wrong secret: ${JSON.stringify(wrong)}`);
		const expired = await turnAllocate(turn.port, turnRestCredentials(turn.secret, 'probe', Math.floor(Date.now() / 1000) - 60));
		assert.deepEqual([expired.ok, expired.code], [false, 401], `expired username: ${JSON.stringify(expired)}`);
		// Same user, right password, wrong user part: the HMAC covers the whole username.
		const tampered = { ...good, username: good.username.replace(/:probe$/, ':other') };
		const refused = await turnAllocate(turn.port, tampered);
		assert.deepEqual([refused.ok, refused.code], [false, 401], `tampered username: ${JSON.stringify(refused)}`);
	} catch (err) {
		err.message += `\ncoturn log:\n${turn.logTail()}`;
		throw err;
	} finally {
		await turn.stop();
		turn.cleanup();
	}
}, { timeout: 30000 });

ownServerTest('Chromium on echo.html, relayed candidates only, gets its video and audio back through coturn', async (own) => {
	assertLoopbackOnly();
	const turn = await startCoturn();
	let browser = null, page = null;
	try {
		const srv = await own({
			config: {
				'parley.transport.http': { general: { html_folder: HTML_DIR } },
				parley: { media: MEDIA },
			},
		});
		const creds = turnRestCredentials(turn.secret, 'echo-user');
		const server = `${srv.wsUrl}/`;
		const url = `${srv.httpUrl}/echo.html?transport=ws&server=${encodeURIComponent(server)}&autostart=1`;
		browser = await launchBrowser();
		const context = await browser.newContext();
		await context.addInitScript(forceRelay, [{ urls: turn.url, ...creds }]);
		page = await openPage(context, url, 'echo');
		const describe = () => ({ ...window.echoState, events: window.echoState?.events.slice(-15) });
		const first = await waitInPage(page, () => {
			const s = window.echoState;
			if (!s) return null;
			if (s.error) return { error: s.error };
			return s.framesDecoded > 0 && s.audioSamples > 0 ? { frames: s.framesDecoded, samples: s.audioSamples } : null;
		}, null, { timeoutMs: 25000, what: 'echoed video and audio through the relay', describe });
		assert.equal(first.error, undefined, `the echo page reported an error: ${first.error}`);
		await waitInPage(page, (f) => window.echoState.framesDecoded >= f.frames + 30 &&
			window.echoState.audioSamples > f.samples, first,
		{ timeoutMs: 10000, what: 'framesDecoded growing by 30 and more audio samples', describe });
		const configs = await page.evaluate(() => window.relayProbe.configs);
		assert.equal(configs.length, 1, `one RTCPeerConnection expected: ${JSON.stringify(configs)}`);
		assert.equal(configs[0].iceTransportPolicy, 'relay');
		const [report] = await assertRelayed(page, turn, 'echo');
		// Parley's side of the pair: its own host candidate on loopback.
		assert.equal(report.remote?.address, '127.0.0.1', `remote candidate ${JSON.stringify(report.remote)}`);
		assertAllocated(turn, creds.username);
		// the gateway saw it too: the analytics handler counts a relayed connection
		const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
		let other = null;
		for (const deadline = Date.now() + 15000; Date.now() < deadline; await sleep(250)) {
			const r = await admin.request({ janus: 'query_eventhandler', handler: 'parley.handler.analytics',
				request: { request: 'summary' } });
			other = r.response?.since_start?.other;
			if (other?.pcs_relay >= 1) break;
		}
		assert.equal(other?.pcs_relay, 1, `analytics: ${JSON.stringify(other)}`);
		assert.equal(other.turn_share, 1);
		await page.evaluate(() => window.echoStop());
	} catch (err) {
		err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}\ncoturn log:\n${turn.logTail()}`;
		throw err;
	} finally {
		if (page) await page.close().catch(() => {});
		if (browser) await browser.close().catch(() => {});
		await turn.stop();
		turn.cleanup();
	}
}, { timeout: 90000 });

const meetingDescribe = () => {
	const s = window.meetingState;
	return s && { joined: s.joined, error: s.error, errors: s.errors, remotes: s.remotes,
		participants: Object.keys(s.participants), events: s.events.slice(-20),
		configs: window.relayProbe?.configs };
};

ownServerTest('two Chromium pages in a meeting, relayed candidates only, connect through coturn with the meeting plugin\'s REST credentials', async (own) => {
	assertLoopbackOnly();
	const turn = await startCoturn();
	const users = [['ann', 'Ann Ada'], ['bob', 'Bob Babbage']];
	let browser = null, pages = [];
	try {
		const srv = await own({
			config: {
				'parley.transport.http': { general: { html_folder: HTML_DIR } },
				parley: { media: MEDIA },
				'parley.plugin.meeting': {
					ice: { stun_servers: null, turn_server: `127.0.0.1:${turn.port}`, turn_secret: turn.secret,
						turn_username: null, turn_password: null, turn_ttl: 600 },
				},
			},
		});
		const r = await fetch(`${srv.httpUrl}/api/meetings/create`, {
			method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10000),
			body: JSON.stringify({ title: 'Relayed mesh', hostId: 'ann', hostName: 'Ann Ada', settings: { maxParticipants: 5 } }),
		});
		const created = await r.json();
		assert.equal(r.status, 201, `create: ${JSON.stringify(created)}`);
		const roomId = created.meeting.roomId;
		browser = await launchBrowser();
		const context = await browser.newContext();
		// The page's own ICE servers (from the ice-servers event) are kept: only the policy changes.
		await context.addInitScript(forceRelay, []);
		const server = `${srv.wsUrl}/`;
		for (const [user, name] of users) {
			const url = `${srv.httpUrl}/meeting.html?room=${roomId}&user=${user}&name=${encodeURIComponent(name)}` +
				`&transport=ws&server=${encodeURIComponent(server)}&lowres=1`;
			const page = await openPage(context, url, user);
			pages.push(page);
			await waitInPage(page, () => window.meetingState?.joined || window.meetingState?.error,
				null, { timeoutMs: 10000, what: `${user} joined`, describe: meetingDescribe });
			const err = await page.evaluate(() => window.meetingState.error);
			assert.equal(err, null, `${user} could not join: ${err}`);
		}
		for (const [i, page] of pages.entries()) {
			const other = users[1 - i][0];
			await waitInPage(page, (u) => (window.meetingState.remotes[u]?.framesDecoded || 0) > 10, other,
				{ timeoutMs: 30000, what: `${users[i][0]} decoding video from ${other} through the relay`, describe: meetingDescribe });
		}
		const now = Math.floor(Date.now() / 1000);
		for (const [i, page] of pages.entries()) {
			const user = users[i][0];
			const configs = await page.evaluate(() => window.relayProbe.configs);
			assert.ok(configs.length >= 1, `${user}: no RTCPeerConnection made`);
			for (const c of configs) {
				assert.equal(c.iceTransportPolicy, 'relay');
				const turnEntries = c.iceServers.filter((s) => [].concat(s.urls).some((u) => u.startsWith('turn:')));
				assert.equal(turnEntries.length, 1, `${user}: the meeting's ICE servers: ${JSON.stringify(c.iceServers)}`);
				const entry = turnEntries[0];
				assert.deepEqual([].concat(entry.urls), [turn.url], `${user}: TURN URL`);
				const m = /^(\d+):(.+)$/.exec(entry.username || '');
				assert.ok(m, `${user}: username ${entry.username} is not <expiry>:<user>`);
				assert.equal(m[2], user);
				const expiry = Number(m[1]);
				assert.ok(expiry > now + 500 && expiry <= now + 600 + 5, `${user}: expiry ${expiry} is not now + turn_ttl (600)`);
				// What coturn checks: base64(HMAC-SHA1(secret, username)).
				const expected = turnRestCredentials(turn.secret, user, expiry);
				assert.equal(entry.username, expected.username);
				assert.equal(entry.credential, expected.credential, `${user}: credential`);
				assertAllocated(turn, entry.username);
			}
			await assertRelayed(page, turn, user);
			// The other side is relayed too: its address is a coturn relay port.
			for (const { remote } of await page.evaluate(relayReport)) {
				assert.ok(remote?.address === '127.0.0.1' && remote.port >= turn.minPort && remote.port <= turn.maxPort,
					`${user}: the remote candidate is not on coturn's relay range: ${JSON.stringify(remote)}`);
			}
		}
		const errors = [];
		for (const page of pages) errors.push(...await page.evaluate(() => window.meetingState.errors));
		assert.deepEqual(errors, [], 'meeting-error events');
	} catch (err) {
		err.message += `\nbrowser console:\n${consoleOf(pages)}\ncoturn log:\n${turn.logTail()}`;
		throw err;
	} finally {
		for (const page of pages) {
			await page.evaluate(() => window.meetingLeave()).catch(() => {});
			await page.close().catch(() => {});
		}
		if (browser) await browser.close().catch(() => {});
		await turn.stop();
		turn.cleanup();
	}
}, { timeout: 90000, skip: NO_GATEWAY_PC });
