// bench/redis_rtt.mjs — request round trip through the Redis transport.
//
// Starts its own redis-server (no persistence) and one parleyd from
// $PARLEY_BUILDDIR/stage (tests/e2e/lib), then for each phase runs C
// clients, each with its own RESP connections and reply stream: XADD one
// request on parley:requests, wait for its answer with XREAD BLOCK on the
// reply stream, repeat. Timed from XADD sent to answer read. Phases:
// `info` (no session), `keepalive` (a session of the client), `message`
// (echo plugin: timed to the plugin's event). Prints p50/p99/max in ms
// and requests/s per phase; --json FILE writes them.
//   node bench/redis_rtt.mjs [--requests 2000] [--clients 1,10] [--json out.json]
import fs from 'node:fs';
import { ParleyServer } from '../tests/e2e/lib/server.mjs';
import { RedisServer, redisConfig } from '../tests/e2e/lib/redis.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
	(a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const REQUESTS = Number(args.requests || 2000);
const CLIENTS = String(args.clients || '1,10').split(',').map(Number);

function pct(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

class BenchClient {
	constructor(redis, n) {
		this.redis = redis;
		this.reply = `parley:reply:bench-${n}`;
		this.last = '0-0'; // a fresh stream: read it from the start
		this.seq = 0;
	}

	async open() {
		this.out = await this.redis.client();
		this.in = await this.redis.client();
		return this;
	}

	/** Sends `request`, resolves with the first answer matching `done`. */
	async request(request, done) {
		const transaction = `b${++this.seq}`;
		await this.out.call(['XADD', 'parley:requests', '*', 'request',
			JSON.stringify({ ...request, transaction }), 'reply_to', this.reply]);
		for (let guard = 0; guard < 1000; guard++) {
			const got = await this.in.call(['XREAD', 'COUNT', '100', 'BLOCK', '5000', 'STREAMS', this.reply, this.last], 10000);
			if (got === null) throw new Error(`no answer to ${request.janus} within 5 s`);
			for (const [, entries] of got) {
				for (const [id, fields] of entries) {
					this.last = id;
					const m = JSON.parse(fields[fields.indexOf('message') + 1]);
					if (m.transaction === transaction && done(m)) return m;
				}
			}
		}
		throw new Error('too many unrelated answers');
	}

	close() { this.out.close(); this.in.close(); }
}

const phases = {
	info: async (c) => c.request({ janus: 'info' }, (m) => m.janus === 'server_info'),
	keepalive: async (c) => c.request({ janus: 'keepalive', session_id: c.session }, (m) => m.janus === 'ack'),
	message: async (c) => c.request({ janus: 'message', session_id: c.session, handle_id: c.handle, body: { audio: true } },
		(m) => m.janus === 'event'),
};

async function main() {
	const redis = await new RedisServer().start();
	const server = new ParleyServer({ config: { ...redisConfig(redis), parley: { ...redisConfig(redis).parley,
		general: { log_level: 3 } } } });
	await server.start();
	const results = [];
	try {
		for (const clients of CLIENTS) {
			const pool = await Promise.all(Array.from({ length: clients }, (_, i) => new BenchClient(redis, `${clients}-${i}`).open()));
			for (const c of pool) {
				c.session = (await c.request({ janus: 'create' }, (m) => m.janus === 'success')).data.id;
				c.handle = (await c.request({ janus: 'attach', plugin: 'parley.plugin.echo', session_id: c.session },
					(m) => m.janus === 'success')).data.id;
			}
			for (const [name, run] of Object.entries(phases)) {
				const per = Math.max(1, Math.floor(REQUESTS / clients));
				for (const c of pool) for (let i = 0; i < 20; i++) await run(c); // warm-up
				const times = [];
				const start = performance.now();
				await Promise.all(pool.map(async (c) => {
					for (let i = 0; i < per; i++) {
						const t0 = performance.now();
						await run(c);
						times.push(performance.now() - t0);
					}
				}));
				const seconds = (performance.now() - start) / 1000;
				times.sort((a, b) => a - b);
				const r = { phase: name, clients, requests: times.length, p50_ms: +pct(times, 0.5).toFixed(3),
					p99_ms: +pct(times, 0.99).toFixed(3), max_ms: +times[times.length - 1].toFixed(3),
					per_second: Math.round(times.length / seconds) };
				results.push(r);
				console.log(`${name.padEnd(10)} clients=${String(clients).padEnd(3)} n=${r.requests} ` +
					`p50=${r.p50_ms} ms p99=${r.p99_ms} ms max=${r.max_ms} ms ${r.per_second} req/s`);
			}
			pool.forEach((c) => c.close());
		}
	} finally {
		await server.stop();
		server.cleanup();
		await redis.stop();
		redis.cleanup();
	}
	if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
