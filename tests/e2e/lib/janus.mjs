// tests/e2e/lib/janus.mjs — minimal Janus-API clients for the tests: over
// HTTP (fetch: POST requests, GET long-polls) and over WebSocket (ws:
// transaction matching, an inbox of everything received, waiting for an event
// that matches a predicate with a timeout). Also assertion helpers that name
// the request and what came back.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import WebSocket from 'ws';

export const tx = () => crypto.randomBytes(6).toString('hex');
const show = (v) => JSON.stringify(v)?.slice(0, 800);

/** Why a fetch failed, in words: our timeout, or the server closing. */
function failure(e, t0, timeoutMs) {
	if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
	return `connection closed without an answer after ${Date.now() - t0} ms (${e.cause?.code || e.message})`;
}

/** Asserts a Janus error reply with `code`. */
export function assertError(reply, code, what = '') {
	assert.ok(reply && reply.janus === 'error' && reply.error && reply.error.code === code,
		`${what}: expected {"janus":"error","error":{"code":${code}}}, got ${show(reply)}`);
	assert.equal(typeof reply.error.reason, 'string', `${what}: error.reason must be a string`);
}

/** Asserts a reply of kind `janus` (success, ack, pong, server_info ...). */
export function assertReply(reply, janus, what = '') {
	assert.ok(reply && reply.janus === janus, `${what}: expected "janus":"${janus}", got ${show(reply)}`);
}

/** The new id of a successful create or attach reply. */
function createdId(reply, what) {
	assertReply(reply, 'success', what);
	assert.equal(typeof reply.data?.id, 'number', `${what}: data.id must be a number: ${show(reply)}`);
	return reply.data.id;
}

export class HttpJanus {
	constructor(baseUrl, { base = '/janus', extra = {} } = {}) {
		this.baseUrl = baseUrl;
		this.base = base;
		this.extra = extra; // fields added to every request (apisecret, admin_secret ...)
	}

	/** Raw POST: body is a string (sent as is) or an object (JSON). */
	async post(path, body, { headers = {}, timeoutMs = 10000 } = {}) {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		let r, raw;
		const t0 = Date.now();
		try {
			r = await fetch(this.baseUrl + path, {
				method: 'POST', body: text,
				headers: { 'content-type': 'application/json', ...headers },
				signal: AbortSignal.timeout(timeoutMs),
			});
			raw = await r.text();
		} catch (e) {
			const err = new Error(`POST ${path} ${text.slice(0, 200)}: ${failure(e, t0, timeoutMs)}`);
			err.cause = e;
			throw err;
		}
		let json = null;
		try { json = JSON.parse(raw); } catch { /* not JSON */ }
		return { status: r.status, headers: r.headers, raw, json };
	}

	/** One API request; adds a transaction; returns the parsed reply. */
	async request(msg, { path = '', timeoutMs = 10000 } = {}) {
		const body = { transaction: tx(), ...this.extra, ...msg };
		const r = await this.post(this.base + path, body, { timeoutMs });
		assert.ok(r.json, `POST ${this.base}${path} ${show(body)}: reply is not JSON (HTTP ${r.status}): ${r.raw.slice(0, 300)}`);
		if (body.transaction !== undefined && r.json.transaction !== undefined) {
			assert.equal(r.json.transaction, body.transaction, 'reply must echo the transaction');
		}
		return r.json;
	}

	async createSession(extra = {}) {
		return createdId(await this.request({ janus: 'create', ...extra }), 'create');
	}

	async attach(sessionId, plugin = 'parley.plugin.echo', extra = {}) {
		const r = await this.request({ janus: 'attach', plugin, ...extra }, { path: `/${sessionId}` });
		return createdId(r, `attach ${plugin}`);
	}

	/** GET long-poll; returns {status, json}. */
	async poll(sessionId, { maxev, timeoutMs = 40000, query = '' } = {}) {
		let url = `${this.baseUrl}${this.base}/${sessionId}?rid=${Date.now()}`;
		if (maxev !== undefined) url += `&maxev=${maxev}`;
		if (query) url += `&${query}`;
		let r, raw;
		const t0 = Date.now();
		try {
			r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
			raw = await r.text();
		} catch (e) {
			throw new Error(`GET ${url}: ${failure(e, t0, timeoutMs)}`);
		}
		let json = null;
		try { json = JSON.parse(raw); } catch { /* not JSON */ }
		assert.ok(json, `GET ${url}: reply is not JSON (HTTP ${r.status}): ${raw.slice(0, 300)}`);
		return json;
	}

	/** Long-polls until an event matching `pred` arrives (other events are
	 * collected in `seen`). Bounded by `timeoutMs`. */
	async pollFor(sessionId, pred, { timeoutMs = 10000, seen = [] } = {}) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const got = await this.poll(sessionId, { maxev: 10, timeoutMs: Math.max(500, deadline - Date.now() + 1000) });
			const list = Array.isArray(got) ? got : [got];
			for (const ev of list) {
				seen.push(ev);
				if (pred(ev)) return ev;
			}
		}
		throw new Error(`no matching event on session ${sessionId} within ${timeoutMs} ms; got ${show(seen)}`);
	}

	/** Admin API (a client made with base '/admin' and the admin secret):
	 * handle_info's `info` of every handle of every session. */
	async allHandleInfos() {
		const infos = [];
		const ls = await this.request({ janus: 'list_sessions' });
		for (const s of ls.sessions ?? []) {
			const lh = await this.request({ janus: 'list_handles' }, { path: `/${s}` });
			for (const h of lh.handles ?? []) {
				const hi = await this.request({ janus: 'handle_info' }, { path: `/${s}/${h}` });
				if (hi.info) infos.push(hi.info);
			}
		}
		return infos;
	}
}

export class WsJanus {
	/** Connects with the given subprotocol ("janus-protocol" or "janus-admin-protocol"). */
	static async connect(url, protocol = 'janus-protocol', { extra = {}, timeoutMs = 5000, headers } = {}) {
		const c = new WsJanus(url, protocol, extra, headers);
		await c.opened(timeoutMs);
		return c;
	}

	constructor(url, protocol, extra, headers) {
		this.extra = extra;
		this.inbox = [];     // every message received, in order
		this.waiters = [];
		this.ws = new WebSocket(url, protocol, { headers, maxPayload: 64 * 1024 * 1024 });
		this.closeInfo = null;
		this.closed = new Promise((resolve) => {
			this.ws.on('close', (code, reason) => {
				this.closeInfo = { code, reason: reason.toString() };
				resolve(this.closeInfo);
				this.wake();
			});
		});
		this.ws.on('error', (e) => { this.lastError = e; });
		this.ws.on('message', (data) => {
			let msg;
			try { msg = JSON.parse(data.toString()); } catch { msg = { unparsable: data.toString() }; }
			this.inbox.push(msg);
			this.wake();
		});
	}

	opened(timeoutMs) {
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`WebSocket ${this.ws.url} not open after ${timeoutMs} ms`)), timeoutMs);
			this.ws.once('open', () => { clearTimeout(t); resolve(); });
			this.ws.once('error', (e) => { clearTimeout(t); reject(new Error(`WebSocket ${this.ws.url}: ${e.message}`)); });
			this.ws.once('unexpected-response', (req, res) => {
				clearTimeout(t);
				reject(new Error(`WebSocket ${this.ws.url}: HTTP ${res.statusCode} instead of an upgrade`));
			});
		});
	}

	wake() {
		const w = this.waiters;
		this.waiters = [];
		for (const f of w) f();
	}

	send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }

	/** Waits for (and removes from the inbox) the first message matching pred. */
	async waitFor(pred, timeoutMs = 5000, what = 'a matching message') {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const i = this.inbox.findIndex(pred);
			if (i >= 0) return this.inbox.splice(i, 1)[0];
			if (this.closeInfo) throw new Error(`WebSocket closed (${show(this.closeInfo)}) while waiting for ${what}; inbox ${show(this.inbox)}`);
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; inbox ${show(this.inbox)}`);
			await new Promise((resolve) => {
				const t = setTimeout(resolve, left);
				this.waiters.push(() => { clearTimeout(t); resolve(); });
			});
		}
	}

	/** Sends a request and returns its reply: the first message with the
	 * same transaction that is not an event (events stay in the inbox). */
	async request(msg, timeoutMs = 5000) {
		const body = { transaction: tx(), ...this.extra, ...msg };
		this.send(body);
		return this.waitFor((m) => m.transaction === body.transaction && m.janus !== 'event', timeoutMs,
			`reply to ${show(body)}`);
	}

	/** Waits for an event {janus: kind, ...} matching pred. */
	event(kind, pred = () => true, timeoutMs = 5000) {
		return this.waitFor((m) => m.janus === kind && pred(m), timeoutMs, `"${kind}" event`);
	}

	async createSession(extra = {}) {
		return createdId(await this.request({ janus: 'create', ...extra }), 'create');
	}

	async attach(sessionId, plugin = 'parley.plugin.echo', extra = {}) {
		return createdId(await this.request({ janus: 'attach', session_id: sessionId, plugin, ...extra }),
			`attach ${plugin}`);
	}

	close() {
		if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
		return this.closed;
	}
}

export { WebSocket };
