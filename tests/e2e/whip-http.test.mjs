// whip-http.test.mjs — the WHIP and WHEP routes through both web
// transports, without media: route calls answered later (a WHIP POST's
// 201 comes from a worker) on the HTTP port and on the WebSocket port's
// plain-HTTP routes, their own response headers (Location, ETag, Link,
// Accept-*) next to the transport's, OPTIONS answered by the route with the
// CORS preflight headers for an allowed Origin (If-Match allowed), other
// paths' OPTIONS still the transport's preflight, and the refusals that
// need no media (401 before 404, 415, 400 with the parser's reason, 404,
// 405). WHEP has its own token (WHEP_TOKEN, from the environment): 401
// with WWW-Authenticate for a missing, wrong or WHIP token, before any 404;
// 201 with it. A server whose endpoints take no token says so at start. The
// offer is a captured Chromium one: its PeerConnection never connects, and
// DELETE ends it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serverSuite } from './lib/harness.mjs';
import { SRCDIR, startServer } from './lib/server.mjs';

const TOKEN = 'http-whip-token';
const WHEP_TOKEN = 'http-whep-token';
const ORIGIN = 'http://app.example';
const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { cors_origins: ORIGIN } },
		'parley.transport.websocket': { general: { cors_origins: ORIGIN } },
		parley: { media: { interfaces: '127.0.0.1' } },
		'parley.plugin.room': { whip: { tokens: TOKEN, rate_limit: 0, stun_servers: '127.0.0.1:3478' } },
	},
	env: { WHEP_TOKEN },
});

const offer = fs.readFileSync(path.join(SRCDIR, 'tests/unit/data/sdp/chromium-plain.sdp'), 'utf8')
	.replaceAll('a=sendrecv', 'a=sendonly');

async function request(url, init = {}) {
	const r = await fetch(url, { ...init, signal: AbortSignal.timeout(20000) });
	return { status: r.status, headers: r.headers, text: await r.text() };
}

const bases = (srv) => [['HTTP', srv.httpUrl], ['WebSocket', `http://127.0.0.1:${srv.wsPort}`]];

test('WHIP over both transports: 201 with its headers from a worker, then DELETE', async (srv) => {
	for (const [label, base] of bases(srv)) {
		const r = await request(`${base}/whip/plain-${label}`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${TOKEN}`, Origin: ORIGIN } });
		assert.equal(r.status, 201, `${label}: ${r.text}`);
		assert.equal(r.headers.get('content-type'), 'application/sdp');
		assert.match(r.text, /^v=0\r\n/);
		assert.match(r.text, /a=fingerprint:sha-256 /, 'the core merged its transport');
		assert.match(r.text, /a=candidate:/);
		const location = r.headers.get('location');
		assert.match(location, new RegExp(`^/whip/plain-${label}/[A-Za-z0-9]{24}$`));
		assert.match(r.headers.get('etag'), /^"[A-Za-z0-9]{16}"$/);
		assert.equal(r.headers.get('link'), '<stun:127.0.0.1:3478>; rel="ice-server"');
		assert.equal(r.headers.get('accept-patch'), 'application/trickle-ice-sdpfrag');
		// the transport's own headers are still there
		assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
		assert.match(r.headers.get('access-control-expose-headers'), /Location/);
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
		const d = await request(`${base}${location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(d.status, 200, d.text);
		const again = await request(`${base}${location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(again.status, 404);
	}
});

test('OPTIONS: the route answers, with the CORS preflight for an allowed Origin; elsewhere the transport', async (srv) => {
	for (const [label, base] of bases(srv)) {
		const pre = await request(`${base}/whip/room`, { method: 'OPTIONS',
			headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST',
				'Access-Control-Request-Headers': 'authorization, content-type, if-match' } });
		assert.equal(pre.status, 204, label);
		assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
		assert.match(pre.headers.get('access-control-allow-methods'), /PATCH/);
		assert.match(pre.headers.get('access-control-allow-headers'), /If-Match/);
		assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
		assert.equal(pre.headers.get('accept-post'), 'application/sdp');
		const plain = await request(`${base}/whep/room/AAAAAAAAAAAAAAAAAAAAAAAA`, { method: 'OPTIONS' });
		assert.equal(plain.status, 204);
		assert.equal(plain.headers.get('allow'), 'OPTIONS, POST, PATCH, DELETE');
		assert.equal(plain.headers.get('access-control-allow-origin'), null);
		// a path that is not WHIP/WHEP: the transport's preflight as before
		const health = await request(`${base}/health`, { method: 'OPTIONS', headers: { Origin: ORIGIN } });
		assert.equal(health.status, 204);
		assert.equal(health.headers.get('allow'), null);
		const refused = await request(`${base}/health`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
		assert.equal(refused.status, 403);
	}
});

test('refusals that need no media, on both transports', async (srv) => {
	for (const [label, base] of bases(srv)) {
		let r = await request(`${base}/whip/room/AAAAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE' });
		assert.equal(r.status, 401, label);
		assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="whip"');
		r = await request(`${base}/whip/room/AAAAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE',
			headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 404);
		r = await request(`${base}/whip/room`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 415);
		r = await request(`${base}/whip/room`, { method: 'POST', body: 'v=0\r\nm=audio x\r\n',
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 400);
		assert.match(JSON.parse(r.text).error, /^invalid SDP offer: /);
		r = await request(`${base}/whip/room`, { method: 'GET', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 405);
		assert.equal(r.headers.get('allow'), 'OPTIONS, POST');
		r = await request(`${base}/whep/no-such-room`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${WHEP_TOKEN}` } });
		assert.equal(r.status, 404);
		r = await request(`${base}/whip/room/a/b`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${TOKEN}` } });
		assert.equal(r.status, 404);
	}
});

const player = fs.readFileSync(path.join(SRCDIR, 'tests/unit/data/sdp/chromium-recvonly.sdp'), 'utf8');

test('WHEP takes its own token: 401 with WWW-Authenticate without it (never 404), 201 with it', async (srv) => {
	assert.doesNotMatch(srv.log(), /is open: it takes no token/);
	assert.match(srv.log(), /WHIP on \/whip\/<roomId> \(Bearer token\), WHEP on \/whep\/<roomId>\[\/<peerId>\] \(Bearer token\)/);
	for (const [label, base] of bases(srv)) {
		const room = `watched-${label}`;
		const made = await request(`${base}/whip/${room}`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${TOKEN}` } });
		assert.equal(made.status, 201, `${label}: ${made.text}`);
		for (const auth of [null, 'Bearer wrong', `Bearer ${TOKEN}`, `Basic ${Buffer.from(WHEP_TOKEN).toString('base64')}`]) {
			const headers = { 'Content-Type': 'application/sdp', ...(auth ? { Authorization: auth } : {}) };
			for (const target of [room, 'no-such-room', `${room}/no-such-peer`]) {
				const r = await request(`${base}/whep/${target}`, { method: 'POST', body: player, headers });
				assert.equal(r.status, 401, `${label} POST ${target} with ${auth}: ${r.text}`);
				assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="whep"');
			}
			for (const method of ['PATCH', 'DELETE']) {
				const r = await request(`${base}/whep/${room}/AAAAAAAAAAAAAAAAAAAAAAAA`, { method,
					headers: { ...(auth ? { Authorization: auth } : {}), 'Content-Type': 'application/trickle-ice-sdpfrag',
						'If-Match': '*' }, body: method === 'PATCH' ? 'a=end-of-candidates\r\n' : undefined });
				assert.equal(r.status, 401, `${label} ${method} with ${auth}: ${r.text}`);
			}
		}
		const r = await request(`${base}/whep/${room}`, { method: 'POST', body: player,
			headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${WHEP_TOKEN}` } });
		assert.equal(r.status, 201, `${label}: ${r.text}`);
		assert.match(r.text, /a=sendonly/);
		const location = r.headers.get('location');
		assert.match(location, new RegExp(`^/whep/${room}/[A-Za-z0-9]{24}$`));
		const wrong = await request(`${base}${location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(wrong.status, 401);
		const d = await request(`${base}${location}`, { method: 'DELETE', headers: { Authorization: `Bearer ${WHEP_TOKEN}` } });
		assert.equal(d.status, 200, d.text);
		const whip = await request(`${base}${made.headers.get('location')}`, { method: 'DELETE',
			headers: { Authorization: `Bearer ${TOKEN}` } });
		assert.equal(whip.status, 200, whip.text);
	}
});

test('endpoints without a token are open, and the start says so for each', async () => {
	const open = await startServer({ config: { parley: { media: { interfaces: '127.0.0.1' } },
		'parley.plugin.room': { whip: { rate_limit: 0 } } } });
	try {
		const log = open.log();
		assert.match(log, /WHIP ingest \(\/whip\/<roomId>\) is open: it takes no token/);
		assert.match(log, /WHEP playback \(\/whep\/<roomId>\) is open: it takes no token/);
		const made = await request(`${open.httpUrl}/whip/open`, { method: 'POST', body: offer,
			headers: { 'Content-Type': 'application/sdp' } });
		assert.equal(made.status, 201, made.text);
		const r = await request(`${open.httpUrl}/whep/open`, { method: 'POST', body: player,
			headers: { 'Content-Type': 'application/sdp' } });
		assert.equal(r.status, 201, r.text);
	} finally {
		await open.stop();
		open.cleanup();
	}
});
