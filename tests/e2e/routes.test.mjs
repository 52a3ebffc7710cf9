// routes.test.mjs — the plain-HTTP routes on both ports (/health,
// /api/server-info, /metrics, 404), CORS for an allowed and a foreign Origin,
// and the security headers on every response.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HttpJanus } from './lib/janus.mjs';

const ALLOWED = 'http://allowed.example';
const FOREIGN = 'http://evil.example';

const { test } = serverSuite({
	env: { ANNOUNCED_IP: '127.0.0.42', RTC_MIN_PORT: '41000', RTC_MAX_PORT: '41999' },
	config: {
		'parley.transport.http': { general: { cors_origins: ALLOWED } },
		'parley.transport.websocket': { general: { cors_origins: ALLOWED } },
	},
});

const ports = (srv) => [['http', srv.httpPort], ['websocket', srv.wsPort]];

async function get(url, headers = {}) {
	const r = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
	const text = await r.text();
	return { r, text };
}

test('GET /health has the documented shape on both ports', async (srv) => {
	// One session so the counters are not trivially zero.
	const c = new HttpJanus(srv.httpUrl);
	const s = await c.createSession();
	for (const [name, port] of ports(srv)) {
		const { r, text } = await get(`http://127.0.0.1:${port}/health`);
		assert.equal(r.status, 200, `${name} /health status`);
		assert.match(r.headers.get('content-type') || '', /application\/json/, `${name} /health content-type`);
		const j = JSON.parse(text);
		assert.equal(j.status, 'healthy', `${name} /health status field: ${text}`);
		for (const k of ['uptime', 'sessions', 'handles', 'eventLoops', 'workers']) {
			assert.equal(typeof j[k], 'number', `${name} /health: "${k}" must be a number in ${text}`);
		}
		assert.ok(j.sessions >= 1, `${name} /health: sessions must count the open session: ${text}`);
		assert.equal(typeof j.memory, 'object', `${name} /health: memory object: ${text}`);
		assert.match(String(j.memory.used), /MB$/, '/health memory.used is "…MB"');
		assert.match(String(j.memory.total), /MB$/, '/health memory.total is "…MB"');
		assert.equal(typeof j.memory.rss, 'number', '/health memory.rss is bytes');
	}
	await c.request({ janus: 'destroy' }, { path: `/${s}` });
});

test('GET /api/server-info reports ANNOUNCED_IP and the RTC port range', async (srv) => {
	for (const [name, port] of ports(srv)) {
		const { r, text } = await get(`http://127.0.0.1:${port}/api/server-info`);
		assert.equal(r.status, 200, `${name} /api/server-info status`);
		const j = JSON.parse(text);
		assert.equal(j.announcedIp, '127.0.0.42', `${name}: announcedIp from ANNOUNCED_IP: ${text}`);
		assert.ok('announcedDomain' in j, `${name}: announcedDomain present (null when unset): ${text}`);
		assert.deepEqual(j.rtcPorts, { min: 41000, max: 41999 }, `${name}: rtcPorts from RTC_MIN_PORT/RTC_MAX_PORT`);
	}
});

test('GET /metrics is Prometheus text with the core counters', async (srv) => {
	await new HttpJanus(srv.httpUrl).request({ janus: 'ping' });
	const { r, text } = await get(`${srv.httpUrl}/metrics`);
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type') || '', /^text\/plain/, '/metrics content-type text/plain');
	for (const name of ['parley_sessions', 'parley_handles', 'parley_requests_total']) {
		assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)`, 'm'), `/metrics: # TYPE line for ${name}`);
	}
	assert.match(text, /^parley_requests_total\{verb="ping"\} \d+/m, '/metrics: requests by verb');
	for (const event of ['disconnected', 'recovered', 'ice_restart', 'ice_failed', 'consent_expired', 'dtls_failed'])
		assert.match(text, new RegExp(`^parley_webrtc_connection_events_total\\{event="${event}"\\} \\d+$`, 'm'),
			`/metrics: PeerConnection events (${event})`);
	// Every non-comment line is "name{labels} value".
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\d+)?$/, `bad metrics line: ${line}`);
	}
});

test('unknown path → 404 JSON on both ports', async (srv) => {
	for (const [name, port] of ports(srv)) {
		const { r, text } = await get(`http://127.0.0.1:${port}/no/such/route`);
		assert.equal(r.status, 404, `${name}: status`);
		assert.doesNotThrow(() => JSON.parse(text), `${name}: 404 body must be JSON: ${text}`);
	}
});

test('CORS: an allowed Origin gets Access-Control-Allow-Origin, a foreign one none', async (srv) => {
	for (const [name, port] of ports(srv)) {
		const ok = await get(`http://127.0.0.1:${port}/health`, { Origin: ALLOWED });
		assert.equal(ok.r.headers.get('access-control-allow-origin'), ALLOWED, `${name}: allowed Origin`);
		const bad = await get(`http://127.0.0.1:${port}/health`, { Origin: FOREIGN });
		assert.equal(bad.r.headers.get('access-control-allow-origin'), null, `${name}: foreign Origin must get no CORS header`);
	}
});

test('CORS: OPTIONS preflight on /janus answers with the allowed methods', async (srv) => {
	const r = await fetch(`${srv.httpUrl}/janus`, {
		method: 'OPTIONS',
		headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
	});
	await r.arrayBuffer();
	assert.ok(r.status === 200 || r.status === 204, `OPTIONS status ${r.status}`);
	assert.equal(r.headers.get('access-control-allow-origin'), ALLOWED);
	assert.match(r.headers.get('access-control-allow-methods') || '', /POST/, 'Allow-Methods must include POST');
});

test('CORS: the Janus API answers a POST from an allowed Origin with the CORS header', async (srv) => {
	const r = await new HttpJanus(srv.httpUrl).post('/janus', { janus: 'ping', transaction: 'cors' }, { headers: { Origin: ALLOWED } });
	assert.equal(r.json?.janus, 'pong');
	assert.equal(r.headers.get('access-control-allow-origin'), ALLOWED);
});

test('security headers on every response (API, routes, 404) on both ports', async (srv) => {
	const urls = [];
	for (const [, port] of ports(srv)) {
		urls.push(`http://127.0.0.1:${port}/health`, `http://127.0.0.1:${port}/nowhere`);
	}
	urls.push(`${srv.httpUrl}/janus/info`);
	for (const u of urls) {
		const { r } = await get(u);
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${u}: X-Content-Type-Options`);
		assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN', `${u}: X-Frame-Options`);
		assert.equal(r.headers.get('referrer-policy'), 'no-referrer', `${u}: Referrer-Policy`);
	}
});
