// tests/e2e/redis-transport.test.mjs — the Redis transport against a real
// redis-server started by the test: the Janus API through Redis streams
// (create, attach parley.plugin.echo, message and its event), the admin
// stream, bad entries, a gateway restart with requests queued meanwhile,
// Redis going away and coming back, routing to the instance owning a
// session, and the start-up rules when Redis is unreachable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ParleyServer, ADMIN_SECRET, freePort } from './lib/server.mjs';
import { RedisServer, redisConfig, waitReply } from './lib/redis.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let counter = 0;
const tx = (name) => `${name}-${++counter}`;

/** XADDs one request entry on `stream`; returns its transaction. */
async function send(client, stream, request, replyTo, extra = []) {
	const transaction = request.transaction ?? tx(request.janus);
	const body = JSON.stringify({ ...request, transaction });
	await client.call(['XADD', stream, '*', 'request', body, 'reply_to', replyTo, ...extra]);
	return transaction;
}

const byTx = (transaction, kind) => (m) => m.transaction === transaction && (!kind || m.janus === kind);

async function withRedisAndGateway(fn, general = {}) {
	const redis = await new RedisServer().start();
	let server;
	const client = await redis.client();
	try {
		server = await startServer({ config: redisConfig(redis, general) });
		await fn({ redis, server, client });
	} catch (e) {
		if (server) e.message += `\nparleyd log:\n${server.log().slice(-3000)}`;
		throw e;
	} finally {
		client.close();
		await server?.stop();
		server?.cleanup();
		await redis.stop();
		redis.cleanup();
	}
}

/** Waits until the gateway's consumer group exists on `stream`: parleyd makes it
 * once its Redis connection is up, which may come after its HTTP port answers. */
async function waitForGroup(client, stream, group, timeoutMs = 10000) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const groups = await client.call(['XINFO', 'GROUPS', stream]).catch(() => []);
		if (groups.some((g) => Array.isArray(g) && g[0] === 'name' && g[1] === group)) return;
		if (Date.now() > end) throw new Error(`no consumer group ${group} on ${stream} after ${timeoutMs} ms`);
		await sleep(25);
	}
}

/** create + attach echo through the shared stream; returns {session, handle}. */
async function createAndAttach(client, reply) {
	const t1 = await send(client, 'parley:requests', { janus: 'create' }, reply);
	const created = await waitReply(client, reply, byTx(t1), 5000, 'create answer');
	assert.equal(created.janus, 'success', JSON.stringify(created));
	const session = created.data.id;
	const t2 = await send(client, 'parley:requests', { janus: 'attach', plugin: 'parley.plugin.echo', session_id: session }, reply);
	const attached = await waitReply(client, reply, byTx(t2), 5000, 'attach answer');
	assert.equal(attached.janus, 'success', JSON.stringify(attached));
	return { session, handle: attached.data.id };
}

test('a request through Redis creates a session, attaches echo, and the message event comes back', async () => {
	await withRedisAndGateway(async ({ client }) => {
		const reply = 'parley:reply:e2e-basic';
		const { session, handle } = await createAndAttach(client, reply);
		const owner = await client.call(['GET', `parley:session:${session}`]);
		assert.ok(owner, 'the session→instance key exists');
		const ttl = await client.call(['TTL', `parley:session:${session}`]);
		assert.ok(ttl > 0 && ttl <= 90, `session key TTL ${ttl}`);
		const t3 = await send(client, 'parley:requests',
			{ janus: 'message', session_id: session, handle_id: handle, body: { audio: false, video: true } }, reply);
		const ack = await waitReply(client, reply, byTx(t3, 'ack'), 5000, 'message ack');
		assert.equal(ack.session_id, session);
		const event = await waitReply(client, reply, byTx(t3, 'event'), 5000, 'echo event');
		assert.equal(event.sender, handle);
		assert.equal(event.plugindata.plugin, 'parley.plugin.echo');
		assert.equal(event.plugindata.data.result, 'ok');
		// Admin requests on <prefix>admin, with the admin secret.
		const ta = await send(client, 'parley:admin', { janus: 'list_sessions', admin_secret: ADMIN_SECRET }, reply);
		const listed = await waitReply(client, reply, byTx(ta), 5000, 'list_sessions answer');
		assert.equal(listed.janus, 'success', JSON.stringify(listed));
		assert.ok(listed.sessions.includes(session));
		const tq = await send(client, 'parley:admin',
			{ janus: 'query_transport', transport: 'parley.transport.redis', request: {}, admin_secret: ADMIN_SECRET }, reply);
		const q = await waitReply(client, reply, byTx(tq), 5000, 'query_transport answer');
		assert.equal(q.janus, 'success', JSON.stringify(q));
		assert.equal(q.response?.connected, true, JSON.stringify(q));
		// Destroy: the session key goes.
		const td = await send(client, 'parley:requests', { janus: 'destroy', session_id: session }, reply);
		await waitReply(client, reply, byTx(td, 'success'), 5000, 'destroy answer');
		for (let i = 0; i < 40 && await client.call(['EXISTS', `parley:session:${session}`]); i++) await sleep(25);
		assert.equal(await client.call(['EXISTS', `parley:session:${session}`]), 0);
		// Every answered entry is acknowledged.
		for (let i = 0; i < 40 && (await client.call(['XPENDING', 'parley:requests', 'gateways']))[0] !== 0; i++) await sleep(25);
		assert.equal((await client.call(['XPENDING', 'parley:requests', 'gateways']))[0], 0);
	});
});

test('bad entries: bad JSON and oversize requests get errors, entries without a usable reply_to are dropped', async () => {
	await withRedisAndGateway(async ({ client, server }) => {
		const reply = 'parley:reply:e2e-bad';
		await client.call(['XADD', 'parley:requests', '*', 'request', '{nope', 'reply_to', reply]);
		const e454 = await waitReply(client, reply, (m) => m.error?.code === 454, 5000, '454');
		assert.match(e454.error.reason, /JSON error/);
		await client.call(['XADD', 'parley:requests', '*', 'request', '[1,2]', 'reply_to', reply]);
		await waitReply(client, reply, (m) => m.error?.code === 455, 5000, '455');
		const big = JSON.stringify({ janus: 'info', transaction: 'big', pad: 'x'.repeat(2000) });
		await client.call(['XADD', 'parley:requests', '*', 'request', big, 'reply_to', reply]);
		await waitReply(client, reply, (m) => m.error?.code === 450, 5000, '450');
		const mark = server.logMark();
		await client.call(['XADD', 'parley:requests', '*', 'request', '{"janus":"info"}']);
		await client.call(['XADD', 'parley:requests', '*', 'request', '{"janus":"info"}', 'reply_to', 'elsewhere:x']);
		for (let i = 0; i < 80 && (server.logSince(mark).match(/dropped entry/g) || []).length < 2; i++) await sleep(25);
		const log = server.logSince(mark);
		assert.match(log, /no reply_to field/);
		assert.match(log, /outside the allowed key prefix/);
		assert.equal(await client.call(['EXISTS', 'elsewhere:x']), 0, 'nothing written outside the prefix');
		// Still serving.
		const t = await send(client, 'parley:requests', { janus: 'info' }, reply);
		await waitReply(client, reply, byTx(t, 'server_info'), 5000, 'info after bad entries');
	}, { max_message_size: 1024 });
});

test('a gateway restart loses no queued request', async () => {
	const redis = await new RedisServer().start();
	const client = await redis.client();
	const config = redisConfig(redis);
	const first = new ParleyServer({ config });
	let second;
	try {
		await first.start();
		const reply = 'parley:reply:e2e-restart';
		const t0 = await send(client, 'parley:requests', { janus: 'info' }, reply);
		await waitReply(client, reply, byTx(t0, 'server_info'), 5000, 'info before restart');
		const exit = await first.stop();
		assert.equal(exit.code, 0, `first gateway exit ${JSON.stringify(exit)}`);
		// While no gateway runs: creates and infos queue up in the stream.
		const queued = [];
		for (let i = 0; i < 5; i++) queued.push(await send(client, 'parley:requests', { janus: 'create' }, reply));
		for (let i = 0; i < 5; i++) queued.push(await send(client, 'parley:requests', { janus: 'info' }, reply));
		second = new ParleyServer({ config });
		await second.start();
		for (const t of queued) {
			const m = await waitReply(client, reply, byTx(t), 8000, `answer to queued ${t}`);
			assert.notEqual(m.janus, 'error', JSON.stringify(m));
		}
		for (let i = 0; i < 40 && (await client.call(['XPENDING', 'parley:requests', 'gateways']))[0] !== 0; i++) await sleep(25);
		assert.equal((await client.call(['XPENDING', 'parley:requests', 'gateways']))[0], 0, 'all acknowledged');
	} catch (e) {
		e.message += `\nfirst log:\n${first.log().slice(-2000)}\nsecond log:\n${second?.log().slice(-2000) ?? ''}`;
		throw e;
	} finally {
		client.close();
		await first.stop();
		await second?.stop();
		first.cleanup();
		second?.cleanup();
		await redis.stop();
		redis.cleanup();
	}
});

test('Redis stopped for a few seconds and started again: the gateway keeps serving', async () => {
	await withRedisAndGateway(async ({ redis, server }) => {
		let client = await redis.client();
		const reply = 'parley:reply:e2e-outage';
		const { session } = await createAndAttach(client, reply);
		client.close();
		const mark = server.logMark();
		await redis.stop();
		await sleep(3000);
		assert.ok(server.alive(), 'parleyd still runs without Redis');
		const health = await fetch(`${server.httpUrl}/health`);
		assert.equal(health.status, 200);
		assert.match(server.logSince(mark), /lost Redis at 127\.0\.0\.1:\d+ .*reconnecting/);
		await redis.start();  // same port, empty (no persistence)
		client = await redis.client();
		try {
			const t = await send(client, 'parley:requests', { janus: 'info' }, reply);
			await waitReply(client, reply, byTx(t, 'server_info'), 10000, 'info after Redis came back');
			// The session was registered again, and still answers.
			for (let i = 0; i < 80 && !await client.call(['EXISTS', `parley:session:${session}`]); i++) await sleep(25);
			assert.equal(await client.call(['EXISTS', `parley:session:${session}`]), 1, 'session key re-registered');
			const k = await send(client, 'parley:requests', { janus: 'keepalive', session_id: session }, reply);
			await waitReply(client, reply, byTx(k, 'ack'), 5000, 'keepalive ack after reconnection');
			assert.match(server.logSince(mark), /connected to Redis/);
		} finally {
			client.close();
		}
	});
});

test('requests for a session reach the instance that owns it (two instances, one Redis)', async () => {
	const redis = await new RedisServer().start();
	const client = await redis.client();
	const a = new ParleyServer({ config: redisConfig(redis, { instance_id: 'gw-a' }) });
	const b = new ParleyServer({ config: redisConfig(redis, { instance_id: 'gw-b' }) });
	try {
		await a.start();
		await b.start();
		const reply = 'parley:reply:e2e-route';
		// A session on gw-a, created through its own stream.
		const t1 = await send(client, 'parley:instance:gw-a:requests', { janus: 'create' }, reply);
		const created = await waitReply(client, reply, byTx(t1, 'success'), 5000, 'create on gw-a');
		const session = created.data.id;
		assert.equal(await client.call(['GET', `parley:session:${session}`]), 'gw-a');
		// Many keepalives on the shared stream: both instances read it, gw-b forwards.
		const sent = [];
		for (let i = 0; i < 20; i++) sent.push(await send(client, 'parley:requests', { janus: 'keepalive', session_id: session }, reply));
		for (const t of sent) {
			const m = await waitReply(client, reply, byTx(t), 5000, `keepalive ${t}`);
			assert.equal(m.janus, 'ack', JSON.stringify(m));
		}
		const forwarded = await client.call(['XLEN', 'parley:instance:gw-a:requests']);
		assert.ok(forwarded > 1, `gw-b forwarded requests to gw-a (gw-a stream holds ${forwarded})`);
	} catch (e) {
		e.message += `\ngw-a log:\n${a.log().slice(-1500)}\ngw-b log:\n${b.log().slice(-1500)}`;
		throw e;
	} finally {
		client.close();
		await a.stop();
		await b.stop();
		a.cleanup();
		b.cleanup();
		await redis.stop();
		redis.cleanup();
	}
});

test('Redis unreachable at start: one clear error and no Redis transport, or retrying with start_without_redis', async () => {
	const port = await freePort();
	const url = `redis://127.0.0.1:${port}`;
	const strict = new ParleyServer({ config: redisConfig({ url }) });
	const lenient = new ParleyServer({ config: redisConfig({ url }, { start_without_redis: 'true' }) });
	let redis;
	try {
		await strict.start();
		const lines = strict.log().split('\n').filter((l) => /\[ERROR\] \[parley\.transport\.redis\]/.test(l));
		assert.equal(lines.length, 1, lines.join('\n'));
		assert.match(lines[0], new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${port} .*not loaded`));
		await lenient.start();
		assert.match(lenient.log(), /starting anyway, retrying/);
		redis = new RedisServer();
		redis.port = port;
		await redis.start();
		const client = await redis.client();
		try {
			const reply = 'parley:reply:e2e-late';
			const t = await send(client, 'parley:requests', { janus: 'info' }, reply);
			await waitReply(client, reply, byTx(t, 'server_info'), 10000, 'info once Redis appeared');
		} finally {
			client.close();
		}
	} finally {
		await strict.stop();
		await lenient.stop();
		strict.cleanup();
		lenient.cleanup();
		await redis?.stop();
		redis?.cleanup();
	}
});

test('a request read by a consumer that died unacknowledged is claimed and answered', async () => {
	await withRedisAndGateway(async ({ client }) => {
		const reply = 'parley:reply:e2e-claim';
		// A consumer of the group reads the request and vanishes without XACK.
		await waitForGroup(client, 'parley:requests', 'gateways');
		const t = tx('info');
		// Added and read as "ghost" in one transaction, so the gateway cannot read it first.
		await client.call(['MULTI']);
		await client.call(['XADD', 'parley:requests', '*', 'request', JSON.stringify({ janus: 'info', transaction: t }), 'reply_to', reply]);
		await client.call(['XREADGROUP', 'GROUP', 'gateways', 'ghost', 'COUNT', '100', 'STREAMS', 'parley:requests', '>']);
		await client.call(['EXEC']);
		const pending = await client.call(['XPENDING', 'parley:requests', 'gateways', '-', '+', '10', 'ghost']);
		assert.equal(pending.length, 1, 'the ghost consumer holds the entry');
		const m = await waitReply(client, reply, byTx(t, 'server_info'), 8000, 'answer to the claimed entry');
		assert.equal(m.janus, 'server_info');
		for (let i = 0; i < 40 && (await client.call(['XPENDING', 'parley:requests', 'gateways']))[0] !== 0; i++) await sleep(25);
		assert.equal((await client.call(['XPENDING', 'parley:requests', 'gateways']))[0], 0, 'acknowledged after the claim');
	}, { claim_idle_ms: 300, claim_interval: 1 });
});
