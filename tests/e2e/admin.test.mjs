// admin.test.mjs — the admin API over HTTP (/admin, ids in the path) and over
// WebSocket (janus-admin-protocol, ids in the body): the same checks run on
// both. Also admin_secret enforcement and accept_new_sessions → 472.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HttpJanus, WsJanus, assertError, assertReply } from './lib/janus.mjs';

const { test } = serverSuite({ config: { parley: { general: { session_timeout: 60 } } } });

/** An admin client: {kind, request(msg), close()}; secret null sends none. */
async function adminClient(kind, srv, secret = ADMIN_SECRET) {
	const extra = secret === null ? {} : { admin_secret: secret };
	if (kind === 'ws') {
		const c = await WsJanus.connect(srv.wsUrl, 'janus-admin-protocol', { extra });
		return { kind, request: (m) => c.request(m), close: () => c.close() };
	}
	const c = new HttpJanus(srv.httpUrl, { base: '/admin', extra });
	return {
		kind,
		request(m) {
			const msg = { ...m };
			let path = '';
			if (msg.session_id !== undefined) { path += `/${msg.session_id}`; delete msg.session_id; }
			if (msg.handle_id !== undefined) { path += `/${msg.handle_id}`; delete msg.handle_id; }
			return c.request(msg, { path });
		},
		close() {},
	};
}

/** A client-API session with one echo handle, over WebSocket. */
async function clientSession(srv) {
	const c = await WsJanus.connect(srv.wsUrl);
	const s = await c.createSession();
	const h = await c.attach(s, 'parley.plugin.echo', { opaque_id: 'admin-e2e' });
	return { c, s, h };
}

const has = (obj, pred) => JSON.stringify(obj).includes(pred);

for (const kind of ['http', 'ws']) {
	test(`admin/${kind}: info and ping`, async (srv) => {
		const a = await adminClient(kind, srv);
		assertReply(await a.request({ janus: 'info' }), 'server_info', 'admin info');
		assertReply(await a.request({ janus: 'ping' }), 'pong', 'admin ping');
		await a.close();
	});

	test(`admin/${kind}: a missing or wrong admin_secret → 403`, async (srv) => {
		const none = await adminClient(kind, srv, null);
		assertError(await none.request({ janus: 'list_sessions' }), 403, 'list_sessions without admin_secret');
		await none.close();
		const wrong = await adminClient(kind, srv, 'not-the-secret');
		assertError(await wrong.request({ janus: 'list_sessions' }), 403, 'list_sessions with a wrong admin_secret');
		await wrong.close();
		const ok = await adminClient(kind, srv);
		assertReply(await ok.request({ janus: 'list_sessions' }), 'success', 'list_sessions with the secret');
		await ok.close();
	});

	test(`admin/${kind}: get_status`, async (srv) => {
		const a = await adminClient(kind, srv);
		const r = await a.request({ janus: 'get_status' });
		assertReply(r, 'success', 'get_status');
		assert.equal(typeof r.status, 'object', `get_status: "status" object in ${JSON.stringify(r)}`);
		for (const k of ['session_timeout', 'reclaim_session_timeout', 'log_level', 'accepting_new_sessions']) {
			assert.ok(k in r.status, `get_status: missing status.${k} in ${JSON.stringify(r.status)}`);
		}
		// Parley's extras (keys Janus's admin page does not use as element ids; scalars: it makes a row of each)
		assert.ok(Number.isInteger(r.status.uptime) && r.status.uptime >= 0, `status.uptime: ${JSON.stringify(r.status)}`);
		for (const state of ['new', 'connected', 'disconnected'])
			assert.ok(Number.isInteger(r.status[`peerconnections_${state}`]), `status.peerconnections_${state}: ${JSON.stringify(r.status)}`);
		for (const [k, v] of Object.entries(r.status)) assert.notEqual(typeof v, 'object', `status.${k} is not a scalar`);
		for (const id of ['sessions', 'handles']) assert.ok(!(id in r.status), `status.${id}: an element id of Janus's admin page`);
		await a.close();
	});

	test(`admin/${kind}: list_sessions, list_handles, handle_info`, async (srv) => {
		const { c, s, h } = await clientSession(srv);
		const a = await adminClient(kind, srv);
		const ls = await a.request({ janus: 'list_sessions' });
		assertReply(ls, 'success', 'list_sessions');
		assert.ok(Array.isArray(ls.sessions) && ls.sessions.includes(s), `list_sessions must include ${s}: ${JSON.stringify(ls)}`);
		const lh = await a.request({ janus: 'list_handles', session_id: s });
		assertReply(lh, 'success', 'list_handles');
		assert.deepEqual(lh.handles, [h], `list_handles: ${JSON.stringify(lh)}`);
		const hi = await a.request({ janus: 'handle_info', session_id: s, handle_id: h });
		assertReply(hi, 'success', 'handle_info');
		assert.equal(hi.info?.session_id, s, `handle_info.info.session_id: ${JSON.stringify(hi)}`);
		assert.equal(hi.info?.handle_id, h);
		assert.equal(hi.info?.plugin, 'parley.plugin.echo');
		assert.equal(hi.info?.opaque_id, 'admin-e2e');
		assert.equal(typeof hi.info?.plugin_specific, 'object', 'handle_info: plugin_specific from query_session');
		assertError(await a.request({ janus: 'handle_info', session_id: s, handle_id: 1234 }), 459, 'handle_info unknown handle');
		assertError(await a.request({ janus: 'list_handles', session_id: 1234 }), 458, 'list_handles unknown session');
		await a.close();
		await c.request({ janus: 'destroy', session_id: s });
		await c.close();
	});

	test(`admin/${kind}: detach_handle and destroy_session`, async (srv) => {
		const { c, s, h } = await clientSession(srv);
		const a = await adminClient(kind, srv);
		assertReply(await a.request({ janus: 'detach_handle', session_id: s, handle_id: h }), 'success', 'detach_handle');
		await c.event('detached', (m) => m.sender === h);
		const lh = await a.request({ janus: 'list_handles', session_id: s });
		assert.deepEqual(lh.handles, [], `no handle left: ${JSON.stringify(lh)}`);
		assertReply(await a.request({ janus: 'destroy_session', session_id: s }), 'success', 'destroy_session');
		const ls = await a.request({ janus: 'list_sessions' });
		assert.ok(!ls.sessions.includes(s), `destroyed session still listed: ${JSON.stringify(ls)}`);
		assertError(await c.request({ janus: 'keepalive', session_id: s }), 458, 'client keepalive after destroy_session');
		await a.close();
		await c.close();
	});

	test(`admin/${kind}: set_log_level and set_session_timeout show in get_status`, async (srv) => {
		const a = await adminClient(kind, srv);
		assertReply(await a.request({ janus: 'set_log_level', level: 6 }), 'success', 'set_log_level 6');
		assertReply(await a.request({ janus: 'set_session_timeout', timeout: 120 }), 'success', 'set_session_timeout 120');
		const st = await a.request({ janus: 'get_status' });
		assert.equal(st.status?.log_level, 6, `log_level after set: ${JSON.stringify(st)}`);
		assert.equal(st.status?.session_timeout, 120, `session_timeout after set: ${JSON.stringify(st)}`);
		const info = await new HttpJanus(srv.httpUrl).request({ janus: 'info' });
		assert.equal(info['session-timeout'], 120, 'client info shows the new session-timeout');
		assertError(await a.request({ janus: 'set_log_level', level: 'loud' }), 467, 'set_log_level with a string');
		assertError(await a.request({ janus: 'set_log_level' }), 456, 'set_log_level without level');
		await a.request({ janus: 'set_log_level', level: 5 });
		await a.request({ janus: 'set_session_timeout', timeout: 60 });
		await a.close();
	});

	test(`admin/${kind}: accept_new_sessions false → create refused with 472`, async (srv) => {
		const a = await adminClient(kind, srv);
		const c = new HttpJanus(srv.httpUrl);
		try {
			assertReply(await a.request({ janus: 'accept_new_sessions', accept: false }), 'success', 'accept_new_sessions false');
			assertError(await c.request({ janus: 'create' }), 472, 'create while not accepting');
			const st = await a.request({ janus: 'get_status' });
			assert.equal(st.status?.accepting_new_sessions, false);
		} finally {
			await a.request({ janus: 'accept_new_sessions', accept: true });
		}
		const s = await c.createSession();
		await c.request({ janus: 'destroy' }, { path: `/${s}` });
		await a.close();
	});

	test(`admin/${kind}: message_plugin to the echo plugin`, async (srv) => {
		const { c, s } = await clientSession(srv);
		const a = await adminClient(kind, srv);
		const r = await a.request({ janus: 'message_plugin', plugin: 'parley.plugin.echo', request: {} });
		assertReply(r, 'success', 'message_plugin');
		assert.equal(typeof r.response?.sessions, 'number', `message_plugin response.sessions: ${JSON.stringify(r)}`);
		assert.ok(r.response.sessions >= 1);
		assertError(await a.request({ janus: 'message_plugin', plugin: 'parley.plugin.nope', request: {} }), 460, 'message_plugin unknown plugin');
		await a.close();
		await c.request({ janus: 'destroy', session_id: s });
		await c.close();
	});

	test(`admin/${kind}: query_transport for http and websocket`, async (srv) => {
		const a = await adminClient(kind, srv);
		for (const t of ['parley.transport.http', 'parley.transport.websocket']) {
			const r = await a.request({ janus: 'query_transport', transport: t, request: {} });
			assertReply(r, 'success', `query_transport ${t}`);
			const body = r.result ?? r.response ?? r.data;
			assert.equal(typeof body, 'object', `query_transport ${t}: a result object: ${JSON.stringify(r)}`);
			assert.ok(has(body, 'connections'), `query_transport ${t}: connections count: ${JSON.stringify(r)}`);
		}
		assert.equal((await a.request({ janus: 'query_transport', transport: 'parley.transport.nope', request: {} })).janus, 'error');
		await a.close();
	});

	test(`admin/${kind}: loops_info`, async (srv) => {
		const a = await adminClient(kind, srv);
		const r = await a.request({ janus: 'loops_info' });
		assertReply(r, 'success', 'loops_info');
		const loops = r.loops ?? r.data?.loops;
		assert.ok(Array.isArray(loops) && loops.length >= 1, `loops_info: a non-empty "loops" array: ${JSON.stringify(r)}`);
		for (const loop of loops) {
			assert.ok(loop.load >= 0 && loop.load <= 1, `loops_info: load in [0, 1]: ${JSON.stringify(loop)}`);
			assert.ok(loop.lag_ms >= 0, `loops_info: lag_ms: ${JSON.stringify(loop)}`);
		}
		await a.close();
	});

	test(`admin/${kind}: unknown admin verb → 453`, async (srv) => {
		const a = await adminClient(kind, srv);
		assertError(await a.request({ janus: 'frobnicate' }), 453, 'unknown admin verb');
		await a.close();
	});
}
