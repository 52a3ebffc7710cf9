// tests/e2e/lib/chat.mjs — clients of parley.plugin.chat (Janus TextRoom's
// protocol) for the end-to-end tests: over the Janus API on a WebSocket
// (requests answered synchronously in plugindata.data, room events as
// Janus events) or over HTTP (events by long-poll), and over Socket.IO on
// the chat listener (socket.emit(name, body, ack); events by their
// TextRoom name). Each records the TextRoom events it gets and waits for
// one with a bounded timeout.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { HttpJanus, WsJanus, assertReply } from './janus.mjs';

const show = (v) => JSON.stringify(v)?.slice(0, 600);

/** A chat handle on a WebSocket Janus API connection. */
export class WsChat {
	static async open(srv, { plugin = 'parley.plugin.chat', label = 'ws' } = {}) {
		const c = new WsChat();
		c.label = label;
		c.ws = await WsJanus.connect(srv.wsUrl);
		c.session = await c.ws.createSession();
		c.handle = await c.ws.attach(c.session, plugin);
		return c;
	}

	/** A request body: the synchronous answer's plugindata.data. */
	async request(body) {
		const r = await this.ws.request({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
		assertReply(r, 'success', `${this.label}: ${show(body)}`);
		assert.ok(r.plugindata?.data, `${this.label}: no plugindata.data in ${show(r)}`);
		return r.plugindata.data;
	}

	/** The next TextRoom event of `kind` matching `pred` (consumed). */
	async event(kind, pred = () => true, timeoutMs = 8000) {
		const ev = await this.ws.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.textroom === kind &&
			pred(m.plugindata.data), timeoutMs, `${this.label}: a "${kind}" event`);
		return ev.plugindata.data;
	}

	/** TextRoom events of `kind` received and not consumed yet. */
	pending(kind) {
		return this.ws.inbox.filter((m) => m.janus === 'event' && m.plugindata?.data?.textroom === kind)
			.map((m) => m.plugindata.data);
	}

	async close() {
		await this.ws.request({ janus: 'destroy', session_id: this.session }).catch(() => {});
		await this.ws.close();
	}
}

/** A chat handle over the HTTP Janus API (events by long-poll). */
export class HttpChat {
	static async open(srv, { plugin = 'parley.plugin.chat', label = 'http' } = {}) {
		const c = new HttpChat();
		c.label = label;
		c.http = new HttpJanus(srv.httpUrl);
		c.session = await c.http.createSession();
		c.handle = await c.http.attach(c.session, plugin);
		c.seen = [];
		return c;
	}

	async request(body) {
		const r = await this.http.request({ janus: 'message', body }, { path: `/${this.session}/${this.handle}` });
		assertReply(r, 'success', `${this.label}: ${show(body)}`);
		return r.plugindata.data;
	}

	async event(kind, pred = () => true, timeoutMs = 8000) {
		const i = this.seen.findIndex((m) => m.plugindata?.data?.textroom === kind && pred(m.plugindata.data));
		if (i >= 0) return this.seen.splice(i, 1)[0].plugindata.data;
		const seen = [];
		const ev = await this.http.pollFor(this.session,
			(m) => m.janus === 'event' && m.plugindata?.data?.textroom === kind && pred(m.plugindata.data),
			{ timeoutMs, seen });
		this.seen.push(...seen.filter((m) => m !== ev));
		return ev.plugindata.data;
	}

	async close() {
		await this.http.request({ janus: 'destroy' }, { path: `/${this.session}` }).catch(() => {});
	}
}

/** A Socket.IO client of the chat listener on `port`. */
export class SioChat {
	static async open(port, { label = 'sio', opts = { transports: ['websocket'] } } = {}) {
		const c = new SioChat();
		c.label = label;
		c.log = [];
		c.waiters = [];
		c.socket = io(`http://127.0.0.1:${port}`, { reconnection: false, forceNew: true, timeout: 5000, ...opts });
		c.socket.onAny((name, data) => {
			c.log.push({ name, data });
			c.waiters = c.waiters.filter((w) => (w.check() ? false : true));
		});
		await new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`${label}: no connect within 8000 ms`)), 8000);
			c.socket.once('connect', () => { clearTimeout(t); resolve(); });
			c.socket.once('connect_error', (e) => { clearTimeout(t); reject(new Error(`${label}: ${e.message}`)); });
		});
		return c;
	}

	/** emit(name, body, ack): the ack's argument (the answer). */
	request(name, body, timeoutMs = 8000) {
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`${this.label}: no ack to ${name} within ${timeoutMs} ms`)),
				timeoutMs);
			this.socket.emit(name, body, (answer) => { clearTimeout(t); resolve(answer); });
		});
	}

	/** The next event `name` whose data passes `pred` (consumed). */
	event(name, pred = () => true, timeoutMs = 8000) {
		return new Promise((resolve, reject) => {
			const w = {
				check: () => {
					const i = this.log.findIndex((e) => e.name === name && pred(e.data));
					if (i < 0) return false;
					clearTimeout(w.timer);
					resolve(this.log.splice(i, 1)[0].data);
					return true;
				},
			};
			if (w.check()) return;
			w.timer = setTimeout(() => {
				this.waiters = this.waiters.filter((x) => x !== w);
				reject(new Error(`${this.label}: no '${name}' within ${timeoutMs} ms; got ${show(this.log)}`));
			}, timeoutMs);
			this.waiters.push(w);
		});
	}

	pending(name) { return this.log.filter((e) => e.name === name).map((e) => e.data); }

	close() { this.socket.disconnect(); }
}

/** Asserts a TextRoom error answer with `code` (and `part` in its reason). */
export function assertChatError(answer, code, part = '', what = '') {
	assert.ok(answer?.textroom === 'error' && answer.error_code === code && typeof answer.error === 'string',
		`${what}: expected {"textroom":"error","error_code":${code}}, got ${show(answer)}`);
	if (part) assert.ok(answer.error.includes(part), `${what}: "${answer.error}" does not say "${part}"`);
}

/** Asserts {"textroom": "success"} (or `kind`). */
export function assertChatOk(answer, what = '', kind = 'success') {
	assert.equal(answer?.textroom, kind, `${what}: expected "textroom":"${kind}", got ${show(answer)}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
