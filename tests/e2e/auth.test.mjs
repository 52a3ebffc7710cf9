// auth.test.mjs — api_secret, stored tokens (token_auth, managed over the
// admin API, with per-token plugin lists) and HMAC-SHA256 signed tokens
// ("<expiry>,parley,<plugin>[,…]:<base64 signature>" keyed by token_secret).
// Each mode runs on its own server.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ownServerTest } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HttpJanus, WsJanus, assertError, assertReply } from './lib/janus.mjs';

const TOKEN_SECRET = 'e2e-token-secret';

/** A signed token: expiry (unix s), realm "parley", plugins, HMAC over the part before ':'. */
function signedToken(expiry, plugins, secret = TOKEN_SECRET, realm = 'parley') {
	const data = [String(expiry), realm, ...plugins].join(',');
	const sig = crypto.createHmac('sha256', secret).update(data).digest('base64');
	return `${data}:${sig}`;
}

ownServerTest('auth: api_secret — missing or wrong → 403, right → success (HTTP and WS)', async (own) => {
	const srv = await own({ config: { parley: { auth: { api_secret: 's3cret' } } } });
	const h = new HttpJanus(srv.httpUrl);
	assertError(await h.request({ janus: 'create' }), 403, 'create without apisecret');
	assertError(await h.request({ janus: 'create', apisecret: 'wrong' }), 403, 'create with a wrong apisecret');
	const s = await h.createSession({ apisecret: 's3cret' });
	assertError(await h.request({ janus: 'attach', plugin: 'parley.plugin.echo' }, { path: `/${s}` }), 403, 'attach without apisecret');
	await h.attach(s, 'parley.plugin.echo', { apisecret: 's3cret' });
	const info = await h.request({ janus: 'info' });
	assert.equal(info.api_secret, true, 'info must say api_secret: true');
	// Long-poll with the wrong secret in the query is refused too.
	assertError(await h.poll(s, { query: 'apisecret=wrong', timeoutMs: 5000 }), 403, 'long-poll with a wrong apisecret');

	const w = await WsJanus.connect(srv.wsUrl);
	assertError(await w.request({ janus: 'create', apisecret: 'nope' }), 403, 'ws create with a wrong apisecret');
	const ws = await w.createSession({ apisecret: 's3cret' });
	assertReply(await w.request({ janus: 'destroy', session_id: ws, apisecret: 's3cret' }), 'success', 'ws destroy');
	await w.close();
	assertReply(await h.request({ janus: 'destroy', apisecret: 's3cret' }, { path: `/${s}` }), 'success', 'destroy');
});

ownServerTest('auth: stored tokens — added over admin, per-plugin, removed → 403', async (own) => {
	const srv = await own({ config: { parley: { auth: { token_auth: 'true' } } } });
	const h = new HttpJanus(srv.httpUrl);
	const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	assertError(await h.request({ janus: 'create' }), 403, 'create without token');
	assertError(await h.request({ janus: 'create', token: 'unknown-token' }), 403, 'create with an unknown token');
	assertReply(await admin.request({ janus: 'add_token', token: 'echo-ok', plugins: ['parley.plugin.echo'] }), 'success', 'add_token echo-ok');
	// Another loaded plugin, so the token is valid but does not allow echo.
	assertReply(await admin.request({ janus: 'add_token', token: 'other-only', plugins: ['parley.plugin.meeting'] }), 'success', 'add_token other-only');
	assert.equal((await admin.request({ janus: 'add_token', token: 'ghost', plugins: ['parley.plugin.ghost'] })).janus, 'error',
		'add_token naming a plugin that is not loaded must fail');
	const listed = await admin.request({ janus: 'list_tokens' });
	assertReply(listed, 'success', 'list_tokens over HTTP');
	assert.ok(JSON.stringify(listed).includes('echo-ok') && JSON.stringify(listed).includes('other-only'), `list_tokens: ${JSON.stringify(listed)}`);
	const wsAdmin = await WsJanus.connect(srv.wsUrl, 'janus-admin-protocol', { extra: { admin_secret: ADMIN_SECRET } });
	const wsListed = await wsAdmin.request({ janus: 'list_tokens' });
	assert.ok(JSON.stringify(wsListed).includes('echo-ok'), `list_tokens over WebSocket: ${JSON.stringify(wsListed)}`);
	await wsAdmin.close();
	const info = await h.request({ janus: 'info' });
	assert.equal(info.auth_token, true, 'info must say auth_token: true');
	const s = await h.createSession({ token: 'echo-ok' });
	await h.attach(s, 'parley.plugin.echo', { token: 'echo-ok' });
	const s2 = await h.createSession({ token: 'other-only' });
	assertError(await h.request({ janus: 'attach', plugin: 'parley.plugin.echo', token: 'other-only' }, { path: `/${s2}` }),
		405, 'attach echo with a token that does not allow it');
	assertReply(await admin.request({ janus: 'remove_token', token: 'echo-ok' }), 'success', 'remove_token');
	assertError(await h.request({ janus: 'create', token: 'echo-ok' }), 403, 'create with a removed token');
	const after = await admin.request({ janus: 'list_tokens' });
	assert.ok(!JSON.stringify(after).includes('echo-ok'), `removed token still listed: ${JSON.stringify(after)}`);
});

ownServerTest('auth: signed tokens — valid, expired, bad signature, other plugin', async (own) => {
	const srv = await own({ config: { parley: { auth: { token_secret: TOKEN_SECRET } } } });
	const h = new HttpJanus(srv.httpUrl);
	const now = Math.floor(Date.now() / 1000);
	const good = signedToken(now + 600, ['parley.plugin.echo']);
	const s = await h.createSession({ token: good });
	await h.attach(s, 'parley.plugin.echo', { token: good });
	assertReply(await h.request({ janus: 'destroy', token: good }, { path: `/${s}` }), 'success', 'destroy with a signed token');

	assertError(await h.request({ janus: 'create' }), 403, 'create without a token');
	assertError(await h.request({ janus: 'create', token: signedToken(now - 10, ['parley.plugin.echo']) }), 403, 'expired token');
	assertError(await h.request({ janus: 'create', token: signedToken(now + 600, ['parley.plugin.echo'], 'another-key') }), 403, 'token signed with another key');
	assertError(await h.request({ janus: 'create', token: signedToken(now + 600, ['parley.plugin.echo'], TOKEN_SECRET, 'elsewhere') }), 403, 'token of another realm');
	const tampered = good.replace(`${now + 600}`, `${now + 6000}`);
	assertError(await h.request({ janus: 'create', token: tampered }), 403, 'token with a changed expiry');
	assertError(await h.request({ janus: 'create', token: 'garbage-without-colon' }), 403, 'malformed token');

	const other = signedToken(now + 600, ['parley.plugin.other']);
	const s2 = await h.createSession({ token: other });
	assertError(await h.request({ janus: 'attach', plugin: 'parley.plugin.echo', token: other }, { path: `/${s2}` }),
		405, 'attach echo with a token signed for another plugin');
	// Still serving.
	assertReply(await h.request({ janus: 'ping' }), 'pong', 'ping after auth failures');
});

ownServerTest('auth: failed secret checks are throttled per address (free failures, then 429 with a doubling block), logged without the secret', async (own) => {
	// Blocks of 2 s, then 4 s: each wait below has ~2 s to spare on a slow machine.
	const throttle = { auth_free_failures: 3, auth_block_ms: 2000, auth_block_max_ms: 8000 };
	const srv = await own({
		config: {
			parley: { auth: { api_secret: 's3cret' } },
			'parley.transport.http': { general: throttle },
			'parley.transport.websocket': { general: throttle },
		},
	});
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
	const h = new HttpJanus(srv.httpUrl);
	const w = await WsJanus.connect(srv.wsUrl);
	try {
		for (const [name, client] of [['http', h], ['ws', w]]) {
			// The free failures and the one that starts the block: 403 each.
			for (let i = 0; i < 4; i++)
				assertError(await client.request({ janus: 'create', apisecret: 'guess-' + i }), 403, `${name} guess ${i}`);
			// Blocked: even the right secret gets 429 now, without reaching the core.
			assertError(await client.request({ janus: 'create', apisecret: 's3cret' }), 429, `${name} while blocked`);
			await sleep(2200);
			// The block ended; one more failure blocks for twice as long: past
			// the first block's length it still holds.
			assertError(await client.request({ janus: 'create', apisecret: 'guess-5' }), 403, `${name} after the block`);
			await sleep(2200);
			assertError(await client.request({ janus: 'create', apisecret: 's3cret' }), 429, `${name} doubled block`);
			await sleep(2000);
			const s = await client.createSession({ apisecret: 's3cret' });
			assert.ok(s > 0, `${name}: the right secret works once the block ends`);
			// The same address over the other transport is counted apart.
		}
		// A burst of guesses reaches the core at most once per (maximum)
		// block: every other one gets 429.
		const statuses = [];
		const t0 = Date.now();
		for (let i = 0; i < 100; i++)
			statuses.push((await h.request({ janus: 'create', apisecret: 'burst-' + i })).error?.code);
		const checked = statuses.filter((c) => c === 403).length;
		const allowed = Math.ceil((Date.now() - t0) / throttle.auth_block_max_ms) + 1;
		assert.ok(checked <= allowed, `403s in the burst: ${checked} (at most ${allowed})`);
		assert.equal(statuses.filter((c) => c === 429).length, 100 - checked);
	} finally {
		await w.close();
	}
	const log = srv.log();
	assert.match(log, /failed credential check from 127\.0\.0\.1 \(4 in a row\): blocked for 2000 ms/);
	assert.doesNotMatch(log, /guess-|burst-|s3cret/, 'the log never carries a credential');
});

ownServerTest('auth: failed admin secret checks are throttled too (HTTP admin API)', async (own) => {
	const throttle = { auth_free_failures: 2, auth_block_ms: 1000, auth_block_max_ms: 1000 };
	const srv = await own({ config: { 'parley.transport.http': { general: throttle } } });
	const admin = (secret) => fetch(`${srv.httpUrl}/admin`, {
		method: 'POST',
		body: JSON.stringify({ janus: 'list_sessions', transaction: 't', admin_secret: secret }),
		signal: AbortSignal.timeout(5000),
	}).then(async (r) => ({ status: r.status, body: await r.json() }));
	for (let i = 0; i < 3; i++)
		assert.equal((await admin('wrong')).body.error?.code, 403, `admin guess ${i}`);
	const blocked = await admin(ADMIN_SECRET);
	assert.equal(blocked.status, 429);
	assert.equal(blocked.body.error.code, 429);
	assert.match(blocked.body.error.reason, /retry in \d+ ms/);
});
