// parley.js — a small client for Parley's Janus-compatible API (ES module,
// no dependency, no build step).
//
//   import { Parley } from './parley.js';
//   const session = await Parley.connect('ws://127.0.0.1:8188/');      // WebSocket
//   const session = await Parley.connect('http://127.0.0.1:8088/janus'); // HTTP long-poll
//   const handle = await session.attach('parley.plugin.echo');
//   handle.on('message', (data, jsep) => { ... });   // plugin events (plugindata.data)
//   handle.on('webrtcup' | 'media' | 'hangup' | 'slowlink' | 'detached' | 'trickle', cb);
//   const reply = await handle.send({ request: 'ping' });   // resolves on success or ack
//   await handle.trickle(candidate);          // an RTCIceCandidate, or null for "completed"
//   await handle.detach();
//   await session.destroy();
//   session.on('closed' | 'timeout' | 'error', cb);
//
// Options of connect(url, opts): apisecret, token (added to every request),
// keepaliveMs (default 25000: a keepalive is sent this often), timeoutMs
// (default 10000: how long a request waits for its reply), maxev (HTTP: events
// per long-poll, default 10).
//
// handle.send(body, jsep) resolves with the reply: for a synchronous plugin
// answer {kind:'success', data: plugindata.data}; for an asynchronous one
// {kind:'ack'} (the answer then arrives as a 'message' event). A Janus error
// rejects with an Error carrying .code.
//
// Peer connection helper (a media session with the gateway itself):
//   const peer = Parley.peer(handle, pc);   // trickles both ways, applies remote jsep
//   await peer.offer({ audio: true, video: true });  // createOffer, send body + jsep
//   // an offer coming from the plugin is answered with peer.answerBody (default {})
//   peer.close();
//
// Every wait is bounded: requests time out, a long-poll that keeps failing
// ends the session with an 'error' event.

const randomString = (n = 12) => {
	const bytes = new Uint8Array(n);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
};

/** A tiny event emitter: on(name, cb) returns a function that removes cb. */
class Emitter {
	constructor() { this.listeners = new Map(); }
	on(name, cb) {
		if (!this.listeners.has(name)) this.listeners.set(name, new Set());
		this.listeners.get(name).add(cb);
		return () => this.listeners.get(name)?.delete(cb);
	}
	emit(name, ...args) {
		for (const cb of [...(this.listeners.get(name) || [])]) {
			try { cb(...args); } catch (e) { console.error(`parley.js: a "${name}" listener threw`, e); }
		}
	}
}

function janusError(reply, what) {
	const err = new Error(`${what}: ${reply?.error?.reason || JSON.stringify(reply).slice(0, 300)}`);
	err.code = reply?.error?.code;
	err.reply = reply;
	return err;
}

/* ---- transports: both offer request(msg, path) → reply, and deliver events to onEvent ---- */

/** WebSocket ("janus-protocol"): replies matched by transaction; an
 * asynchronous plugin answer is an "event" carrying the same transaction. */
class WsTransport {
	constructor(url, timeoutMs) {
		this.url = url;
		this.timeoutMs = timeoutMs;
		this.pending = new Map(); // transaction -> {resolve, reject, timer}
		this.onEvent = () => {};
		this.onClose = () => {};
	}

	open() {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(this.url, 'janus-protocol');
			const timer = setTimeout(() => { ws.close(); reject(new Error(`WebSocket ${this.url}: not open after ${this.timeoutMs} ms`)); }, this.timeoutMs);
			ws.onopen = () => { clearTimeout(timer); resolve(); };
			ws.onerror = () => { clearTimeout(timer); reject(new Error(`WebSocket ${this.url}: connection failed`)); };
			ws.onclose = (ev) => {
				clearTimeout(timer);
				for (const p of this.pending.values()) {
					clearTimeout(p.timer);
					p.reject(new Error(`WebSocket closed (${ev.code}) before the reply`));
				}
				this.pending.clear();
				this.onClose(`WebSocket closed (${ev.code})`);
			};
			ws.onmessage = (ev) => {
				let msg;
				try { msg = JSON.parse(ev.data); } catch { console.error('parley.js: unparsable message', ev.data); return; }
				const p = msg.transaction !== undefined && msg.janus !== 'event' ? this.pending.get(msg.transaction) : null;
				if (p) {
					this.pending.delete(msg.transaction);
					clearTimeout(p.timer);
					p.resolve(msg);
				} else {
					this.onEvent(msg);
				}
			};
			this.ws = ws;
		});
	}

	request(msg) {
		return new Promise((resolve, reject) => {
			if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
				reject(new Error('the WebSocket is not open'));
				return;
			}
			const timer = setTimeout(() => {
				this.pending.delete(msg.transaction);
				reject(new Error(`${msg.janus}: no reply within ${this.timeoutMs} ms`));
			}, this.timeoutMs);
			this.pending.set(msg.transaction, { resolve, reject, timer });
			this.ws.send(JSON.stringify(msg));
		});
	}

	startEvents() {}

	close() {
		if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
	}
}

/** HTTP: requests are POSTs (base, base/session, base/session/handle),
 * events come from GET base/session long-polls. */
class HttpTransport {
	constructor(url, timeoutMs, maxev) {
		this.base = url.replace(/\/+$/, '');
		this.timeoutMs = timeoutMs;
		this.maxev = maxev;
		this.onEvent = () => {};
		this.onClose = () => {};
		this.closed = false;
	}

	async open() {}

	async request(msg) {
		let path = '';
		if (msg.session_id !== undefined && msg.janus !== 'create') path += `/${msg.session_id}`;
		if (msg.handle_id !== undefined) path += `/${msg.handle_id}`;
		const body = { ...msg };
		delete body.session_id;
		delete body.handle_id;
		let r;
		try {
			r = await fetch(this.base + path, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(this.timeoutMs),
			});
		} catch (e) {
			throw new Error(`${msg.janus}: POST ${this.base + path} failed (${e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : e.message})`);
		}
		const text = await r.text();
		try {
			return JSON.parse(text);
		} catch {
			throw new Error(`${msg.janus}: HTTP ${r.status}, not JSON: ${text.slice(0, 200)}`);
		}
	}

	/** The long-poll loop; three failures in a row end it. */
	startEvents(sessionId, longpollMs) {
		this.sessionId = sessionId;
		this.abort = new AbortController();
		const loop = async () => {
			let failures = 0;
			while (!this.closed) {
				try {
					const r = await fetch(`${this.base}/${sessionId}?rid=${Date.now()}&maxev=${this.maxev}`,
						{ signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(longpollMs)]) });
					const got = JSON.parse(await r.text());
					failures = 0;
					for (const msg of Array.isArray(got) ? got : [got]) {
						if (msg.janus === 'error' && msg.error?.code === 458) { // no such session
							this.finish('the session is gone');
							return;
						}
						if (msg.janus !== 'keepalive') this.onEvent(msg);
					}
				} catch (e) {
					if (this.closed) return;
					if (++failures >= 3) {
						this.finish(`long-poll failed ${failures} times: ${e.message}`);
						return;
					}
					await new Promise((res) => setTimeout(res, 500 * failures));
				}
			}
		};
		loop();
	}

	finish(reason) {
		if (this.closed) return;
		this.closed = true;
		this.onClose(reason);
	}

	close() {
		this.closed = true;
		this.abort?.abort();
	}
}

/* ---- session and handles ---- */

export class Handle extends Emitter {
	constructor(session, id, plugin) {
		super();
		this.session = session;
		this.id = id;
		this.plugin = plugin;
		this.detached = false;
	}

	/** Sends a plugin message (and a jsep); resolves on success or ack. */
	async send(body, jsep) {
		const msg = { janus: 'message', body: body || {} };
		if (jsep) msg.jsep = { type: jsep.type, sdp: jsep.sdp };
		const reply = await this.session.request(msg, this.id);
		if (reply.janus === 'ack') return { kind: 'ack' };
		if (reply.janus === 'success') {
			return { kind: 'success', data: reply.plugindata?.data ?? null, jsep: reply.jsep || null };
		}
		throw janusError(reply, `message to ${this.plugin}`);
	}

	/** One local candidate (RTCIceCandidate or its JSON), or null: completed. */
	async trickle(candidate) {
		const c = candidate ? (candidate.toJSON ? candidate.toJSON() : candidate) : { completed: true };
		const reply = await this.session.request({ janus: 'trickle', candidate: c }, this.id);
		if (reply.janus !== 'ack' && reply.janus !== 'success') throw janusError(reply, 'trickle');
	}

	/** Asks the gateway to close the PeerConnection of this handle. */
	async hangup() {
		const reply = await this.session.request({ janus: 'hangup' }, this.id);
		if (reply.janus !== 'success' && reply.janus !== 'ack') throw janusError(reply, 'hangup');
	}

	async detach() {
		if (this.detached) return;
		const reply = await this.session.request({ janus: 'detach' }, this.id);
		if (reply.janus !== 'success') throw janusError(reply, 'detach');
		this.gone();
	}

	gone() {
		if (this.detached) return;
		this.detached = true;
		this.session.handles.delete(this.id);
		this.emit('detached');
	}

	/** Routes one incoming message of this handle to its listeners. */
	dispatch(msg) {
		switch (msg.janus) {
		case 'event': this.emit('message', msg.plugindata?.data ?? null, msg.jsep || null, msg); break;
		case 'webrtcup': this.emit('webrtcup', msg); break;
		case 'media': this.emit('media', msg); break;
		case 'slowlink': this.emit('slowlink', msg); break;
		case 'hangup': this.emit('hangup', msg.reason || '', msg); break;
		case 'trickle': this.emit('trickle', msg.candidate, msg); break;
		case 'detached': this.gone(); break;
		default: this.emit(msg.janus, msg);
		}
	}
}

export class Session extends Emitter {
	constructor(transport, opts) {
		super();
		this.transport = transport;
		this.opts = opts;
		this.handles = new Map();
		this.id = null;
		this.closed = false;
	}

	request(msg, handleId) {
		if (this.closed) return Promise.reject(new Error(`${msg.janus}: the session is closed`));
		const full = { ...msg, transaction: randomString() };
		if (this.opts.apisecret) full.apisecret = this.opts.apisecret;
		if (this.opts.token) full.token = this.opts.token;
		if (this.id !== null) full.session_id = this.id;
		if (handleId !== undefined) full.handle_id = handleId;
		return this.transport.request(full);
	}

	async create() {
		const reply = await this.request({ janus: 'create' });
		if (reply.janus !== 'success' || typeof reply.data?.id !== 'number') throw janusError(reply, 'create');
		this.id = reply.data.id;
		this.transport.onEvent = (msg) => this.dispatch(msg);
		// The event stream ends on its own during destroy (HTTP: the held
		// long-poll is answered "no such session"): that is the destroy.
		this.transport.onClose = (why) => this.close(this.destroying ? 'destroyed' : why);
		this.transport.startEvents(this.id, (this.opts.longpollMs || 60000));
		this.keepalive = setInterval(() => {
			this.request({ janus: 'keepalive' }).catch((e) => this.emit('error', e));
		}, this.opts.keepaliveMs || 25000);
	}

	dispatch(msg) {
		if (msg.janus === 'timeout') {
			this.emit('timeout');
			this.close('session timed out');
			return;
		}
		const handle = this.handles.get(msg.sender);
		if (handle) handle.dispatch(msg);
		else this.emit('event', msg);
	}

	async attach(plugin, extra = {}) {
		const reply = await this.request({ janus: 'attach', plugin, ...extra });
		if (reply.janus !== 'success' || typeof reply.data?.id !== 'number') throw janusError(reply, `attach ${plugin}`);
		const handle = new Handle(this, reply.data.id, plugin);
		this.handles.set(handle.id, handle);
		return handle;
	}

	async destroy() {
		if (this.closed) return;
		this.destroying = true;
		try {
			const reply = await this.request({ janus: 'destroy' });
			if (reply.janus !== 'success') throw janusError(reply, 'destroy');
		} finally {
			this.close('destroyed');
		}
	}

	close(reason) {
		if (this.closed) return;
		this.closed = true;
		clearInterval(this.keepalive);
		this.transport.close();
		for (const h of [...this.handles.values()]) h.gone();
		this.emit('closed', reason);
	}
}

/* ---- a PeerConnection with the gateway, wired to a handle ---- */

class Peer {
	constructor(handle, pc) {
		this.handle = handle;
		this.pc = pc;
		this.answerBody = {};
		this.early = []; // remote candidates that came before the remote description
		this.offs = [];
		pc.addEventListener('icecandidate', this.onLocalCandidate = (ev) => {
			handle.trickle(ev.candidate).catch((e) => console.warn('parley.js: trickle failed', e.message));
		});
		this.offs.push(handle.on('trickle', (c) => this.addRemoteCandidate(c)));
		this.offs.push(handle.on('message', (data, jsep) => {
			if (jsep) this.applyRemote(jsep).catch((e) => console.error('parley.js: remote jsep refused', e));
		}));
	}

	async addRemoteCandidate(c) {
		if (!c) return;
		const candidate = c.completed ? null : c;
		if (!this.pc.remoteDescription) {
			this.early.push(candidate);
			return;
		}
		try {
			await this.pc.addIceCandidate(candidate);
		} catch (e) {
			console.warn('parley.js: remote candidate refused', e.message);
		}
	}

	async applyRemote(jsep) {
		await this.pc.setRemoteDescription({ type: jsep.type, sdp: jsep.sdp });
		for (const c of this.early.splice(0)) await this.addRemoteCandidate(c);
		if (jsep.type === 'offer') {
			const answer = await this.pc.createAnswer();
			await this.pc.setLocalDescription(answer);
			await this.handle.send(this.answerBody, this.pc.localDescription);
		}
	}

	/** Creates an offer and sends it with `body`; the answer comes as an event. */
	async offer(body = {}, options = {}) {
		const offer = await this.pc.createOffer(options);
		await this.pc.setLocalDescription(offer);
		return this.handle.send(body, this.pc.localDescription);
	}

	close() {
		for (const off of this.offs) off();
		this.pc.removeEventListener('icecandidate', this.onLocalCandidate);
		this.pc.close();
	}
}

/* ---- entry points ---- */

/** Connects and creates a session. `url` picks the transport by scheme. */
async function connect(url, opts = {}) {
	const timeoutMs = opts.timeoutMs || 10000;
	let transport;
	if (/^wss?:\/\//i.test(url)) transport = new WsTransport(url, timeoutMs);
	else if (/^https?:\/\//i.test(url)) transport = new HttpTransport(url, timeoutMs, opts.maxev || 10);
	else throw new Error(`Parley.connect: "${url}" is neither a ws(s):// nor an http(s):// URL`);
	await transport.open();
	const session = new Session(transport, opts);
	try {
		await session.create();
	} catch (e) {
		transport.close();
		throw e;
	}
	return session;
}

/** The default server URL for a page served by Parley's HTTP transport. */
function defaultServer(transport = 'ws', loc = window.location) {
	if (transport === 'http') return `${loc.origin}/janus`;
	return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.hostname}:${loc.protocol === 'https:' ? 8989 : 8188}/`;
}

export const Parley = {
	connect,
	peer: (handle, pc) => new Peer(handle, pc),
	defaultServer,
	randomString,
};
export default Parley;
