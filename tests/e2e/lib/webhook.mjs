// tests/e2e/lib/webhook.mjs — a real HTTP webhook receiver for the analytics
// handler's tests: a node:http server on 127.0.0.1 that records every POST
// (raw body, headers, arrival order), checks its Authorization header
// against HMAC-SHA256 of the raw body with the test's key, answers 200 (or
// a chosen status), and can be stopped (every open connection destroyed, so
// the sender sees the port refused) and started again on the same port.
import crypto from 'node:crypto';
import http from 'node:http';
import { freePort } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class WebhookReceiver {
	constructor(key) {
		this.key = key;
		this.requests = [];   // {raw, headers, validSignature, events: [...]}
		this.status = 200;
		this.server = null;
		this.sockets = new Set();
	}

	get url() { return `http://127.0.0.1:${this.port}/hook`; }

	/** Every event received so far, in arrival order (a batch's in its order). */
	get events() { return this.requests.flatMap((r) => r.events); }

	signatureOf(raw) {
		return `sha256=${crypto.createHmac('sha256', this.key).update(raw).digest('hex')}`;
	}

	async start() {
		this.port ??= await freePort();
		this.server = http.createServer((req, res) => {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				const raw = Buffer.concat(chunks);
				let parsed = null;
				try { parsed = JSON.parse(raw.toString('utf8')); } catch { /* recorded as is */ }
				const auth = req.headers.authorization || '';
				const expected = this.signatureOf(raw);
				this.requests.push({
					raw: raw.toString('utf8'), headers: req.headers, method: req.method, path: req.url,
					validSignature: auth.length === expected.length &&
						crypto.timingSafeEqual(Buffer.from(auth), Buffer.from(expected)),
					events: Array.isArray(parsed) ? parsed : parsed ? [parsed] : [],
					at: Date.now(),
				});
				res.writeHead(this.status, { 'content-type': 'text/plain' });
				res.end('ok');
			});
		});
		this.server.on('connection', (s) => {
			this.sockets.add(s);
			s.on('close', () => this.sockets.delete(s));
		});
		await new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.port, '127.0.0.1', resolve);
		});
		return this;
	}

	/** Stops listening and drops every connection (kept-alive ones too). */
	async stop() {
		if (!this.server) return;
		const server = this.server;
		this.server = null;
		const closed = new Promise((resolve) => server.close(resolve));
		for (const s of this.sockets) s.destroy();
		await closed;
	}

	/** Waits (bounded) until an event passes `pred`; returns it. */
	async waitFor(pred, timeoutMs = 20000, what = 'the event') {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const hit = this.events.find(pred);
			if (hit) return hit;
			await sleep(100);
		}
		throw new Error(`webhook: no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}`);
	}
}
