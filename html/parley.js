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
//   const peer = Parley.peer(handle, pc, opts);   // trickles both ways, applies remote jsep
//   await peer.offer({ audio: true, video: true });  // createOffer, send body + jsep
//   // an offer coming from the plugin is answered with peer.answerBody (default {})
//   peer.on('hangup' | 'renewed' | 'icefailed' | ..., cb);
//   peer.close();
// Remote offers and answers and our own offers run one at a time per peer:
// back-to-back offers are applied in order (one that a newer offer replaced
// before its answer went out is not answered), a remote offer while ours is
// outstanding rolls ours back first, an answer that matches no offer of ours
// is ignored with a warning. opts (all optional):
//   answerBody   the body sent with our answers, or (data, jsep) => body
//                (data: the plugin event that carried the offer)
//   restartBody  a body that asks the plugin for a fresh offer, or why => body;
//                sent when ICE fails (or stays disconnected iceGraceMs), after
//                a renewal, and when the gateway refuses our answer with 469
//                (Unexpected ANSWER): for pcs whose offers come from the plugin
//   recreate     (oldPc, reason) => a fresh RTCPeerConnection: when the gateway
//                hangs up the pc (a "hangup" event), the peer closes it and
//                renews itself with the fresh one ('renewed' event)
//   iceGraceMs   default 10000
// An offering side restarts ICE with peer.restartIce(body) on 'icefailed'
// and, after 'renewed', offers again on the fresh pc.
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

/** Ends a renegotiation step that belongs to a PeerConnection we no longer use. */
class Stale extends Error {}

/**
 * One RTCPeerConnection negotiated over one handle. Everything that touches
 * the pc's descriptions (a remote offer answered, a remote answer applied, an
 * offer of ours) runs one at a time on `this.chain`, so two offers that come
 * back to back are answered in order and never interleave. Events (on()):
 *   'applying' (jsep, data)  a remote description is about to be applied
 *   'answered' (body)        our answer to a remote offer was sent
 *   'rollback' (why)         our outstanding offer was rolled back (glare)
 *   'ignored'  (jsep, state) a remote answer that matched no offer of ours
 *   'superseded' (data)      a remote offer replaced by a newer one before
 *                            its answer went out: not answered
 *   'hangup'   (reason)      the gateway ended the pc; it is closed here
 *   'renewed'  (pc, reason)  a fresh pc replaced the old one (renew())
 *   'icefailed'(state)       ICE failed, or stayed disconnected iceGraceMs
 *   'restart'  (why)         restartBody was sent: 'ice', 'renewed' or
 *                            'unexpected answer' (a 469 on our answer)
 */
class Peer extends Emitter {
	constructor(handle, pc, opts = {}) {
		super();
		this.handle = handle;
		this.answerBody = opts.answerBody ?? {};
		this.restartBody = opts.restartBody ?? null;
		this.recreate = opts.recreate ?? null;
		this.iceGraceMs = opts.iceGraceMs ?? 10000;
		this.closed = false;
		this.generation = 0;
		this.restarts = 0;
		this.offs = [
			handle.on('trickle', (c) => this.addRemoteCandidate(c)),
			handle.on('message', (data, jsep) => {
				if (jsep) this.applyRemote(jsep, data).catch((e) => console.error('parley.js: remote jsep refused', e));
			}),
			handle.on('hangup', (reason) => this.onHangup(reason)),
		];
		this.use(pc);
	}

	/** Takes `pc` as the current PeerConnection: a new generation and chain. */
	use(pc) {
		this.unwire?.();
		this.pc = pc;
		this.generation++;
		this.chain = Promise.resolve();
		this.remoteOffers = 0; // remote offers queued for this pc so far
		this.early = []; // remote candidates that came before the remote description
		this.stopIceTimer();
		const onCandidate = (ev) => {
			this.handle.trickle(ev.candidate).catch((e) => console.warn('parley.js: trickle failed', e.message));
		};
		const onIce = () => this.watchIce(pc);
		pc.addEventListener('icecandidate', onCandidate);
		pc.addEventListener('iceconnectionstatechange', onIce);
		this.unwire = () => {
			pc.removeEventListener('icecandidate', onCandidate);
			pc.removeEventListener('iceconnectionstatechange', onIce);
			this.unwire = null;
		};
	}

	/** Runs `job(pc, gen)` after every earlier step of this pc; a step of a
	 * pc that was replaced or closed meanwhile ends quietly with `false`. */
	run(job) {
		const gen = this.generation;
		const step = this.chain.then(async () => {
			try {
				this.check(gen);
				return await job(this.pc, gen);
			} catch (e) {
				if (e instanceof Stale || this.stale(gen)) return false;
				throw e;
			}
		});
		this.chain = step.catch(() => {});
		return step;
	}

	stale(gen) {
		return this.closed || gen !== this.generation || this.pc.signalingState === 'closed';
	}

	check(gen) {
		if (this.stale(gen)) throw new Stale('the PeerConnection was replaced or closed');
	}

	/** Resolves when every step queued so far has ended. */
	idle() {
		return this.chain;
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

	async flushEarly(gen) {
		for (const c of this.early.splice(0)) {
			this.check(gen);
			await this.addRemoteCandidate(c);
		}
	}

	/** Applies a remote offer (then answers it with answerBody) or answer.
	 * Resolves true when applied, false when ignored or no longer ours. */
	applyRemote(jsep, data = null) {
		const seq = jsep.type === 'offer' ? ++this.remoteOffers : 0;
		return this.run(async (pc, gen) => {
			if (jsep.type === 'answer') return this.applyAnswer(pc, gen, jsep, data);
			if (jsep.type === 'offer') return this.answerOffer(pc, gen, jsep, data, seq);
			console.warn(`parley.js: a remote jsep of type "${jsep.type}": ignored`);
			return false;
		});
	}

	async applyAnswer(pc, gen, jsep, data) {
		if (pc.signalingState !== 'have-local-offer') {
			console.warn(`parley.js: a remote answer while the pc is "${pc.signalingState}" (no offer of ours outstanding): ignored`);
			this.emit('ignored', jsep, pc.signalingState);
			return false;
		}
		this.emit('applying', jsep, data);
		await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
		await this.flushEarly(gen);
		return true;
	}

	/* A remote offer followed by a newer one before its answer went out
	 * is superseded: the gateway replaced it, an answer to it would be
	 * stale (and a gateway may apply a stale answer before refusing it,
	 * which then blocks the answer to the newer offer). */
	superseded(seq, data) {
		if (seq === this.remoteOffers) return false;
		const version = data?.data?.version;
		console.warn(`parley.js: a remote offer${version !== undefined ? ` (version ${version})` : ''} superseded by a newer one: not answered`);
		this.emit('superseded', data);
		return true;
	}

	async answerOffer(pc, gen, jsep, data, seq) {
		if (this.superseded(seq, data)) return false;
		if (pc.signalingState === 'have-local-offer') {
			// glare: the gateway's offer wins, ours is taken back (its answer,
			// should one still come, then finds the pc stable and is ignored)
			await pc.setLocalDescription({ type: 'rollback' });
			this.check(gen);
			this.emit('rollback', 'remote offer');
		} else if (pc.signalingState === 'have-remote-offer') {
			// an earlier offer that was never answered (its answer failed)
			await pc.setRemoteDescription({ type: 'rollback' });
			this.check(gen);
		}
		this.emit('applying', jsep, data);
		await pc.setRemoteDescription({ type: 'offer', sdp: jsep.sdp });
		this.check(gen);
		await this.flushEarly(gen);
		const answer = await pc.createAnswer();
		this.check(gen);
		await pc.setLocalDescription(answer);
		this.check(gen);
		if (this.superseded(seq, data)) return false;
		const body = typeof this.answerBody === 'function' ? this.answerBody(data, jsep) : this.answerBody;
		try {
			await this.handle.send(body, pc.localDescription);
		} catch (e) {
			// a stale answer: the plugin keeps its newer offer, which comes
			// next on this chain; 469 "Unexpected ANSWER": the gateway's pc
			// took an earlier answer, only a fresh offer gets it back
			this.check(gen);
			console.warn(`parley.js: our answer was refused: ${e.message}`);
			if (e.code === 469) this.requestRestart('unexpected answer');
			return false;
		}
		this.emit('answered', body);
		return true;
	}

	/** Creates an offer and sends it with `body` (or body(pc), called once
	 * the offer is the local description: mids are known then); the answer
	 * comes as an event (or in a synchronous reply) and is applied on the
	 * chain. Resolves with the reply, or false when the pc was replaced. */
	offer(body = {}, options = {}) {
		return this.run(async (pc, gen) => {
			const offer = await pc.createOffer(options);
			this.check(gen);
			await pc.setLocalDescription(offer);
			this.check(gen);
			let reply;
			try {
				reply = await this.handle.send(typeof body === 'function' ? body(pc) : body, pc.localDescription);
			} catch (e) {
				if (!this.stale(gen) && pc.signalingState === 'have-local-offer') {
					await pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
				}
				throw e;
			}
			if (reply?.jsep?.type === 'answer') {
				this.check(gen);
				await this.applyAnswer(pc, gen, reply.jsep, reply.data);
			}
			return reply;
		});
	}

	/** An offer with new ICE credentials (the gateway restarts ICE on its side). */
	restartIce(body = {}) {
		this.restarts++;
		return this.offer(body, { iceRestart: true });
	}

	/** Sends restartBody: the plugin answers with a fresh offer. */
	async requestRestart(why) {
		if (!this.restartBody || this.closed) return false;
		const body = typeof this.restartBody === 'function' ? this.restartBody(why) : this.restartBody;
		this.restarts++;
		this.emit('restart', why);
		try {
			await this.handle.send(body);
			return true;
		} catch (e) {
			console.warn(`parley.js: restart request refused: ${e.message}`);
			return false;
		}
	}

	/* ICE trouble on a live pc: "failed" at once, "disconnected" after
	 * iceGraceMs; while it lasts, another attempt every iceGraceMs. */
	watchIce(pc) {
		if (pc !== this.pc || this.closed) return;
		const state = pc.iceConnectionState;
		if (state === 'failed') {
			if (this.iceTimerKind !== 'retry') this.iceTrouble(state);
		} else if (state === 'disconnected') {
			if (!this.iceTimer) this.startIceTimer('grace');
		} else if (state !== 'checking') {
			this.stopIceTimer();
		}
	}

	iceTrouble(state) {
		this.stopIceTimer();
		this.startIceTimer('retry');
		this.emit('icefailed', state);
		this.requestRestart('ice');
	}

	startIceTimer(kind) {
		const pc = this.pc;
		this.iceTimerKind = kind;
		this.iceTimer = setTimeout(() => {
			this.iceTimer = this.iceTimerKind = null;
			if (pc !== this.pc || this.closed) return;
			if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'disconnected'
				|| (kind === 'retry' && pc.iceConnectionState === 'checking')) this.iceTrouble(pc.iceConnectionState);
		}, this.iceGraceMs);
	}

	stopIceTimer() {
		clearTimeout(this.iceTimer);
		this.iceTimer = this.iceTimerKind = null;
	}

	/** The gateway ended the pc: close ours; with `recreate`, a fresh one
	 * takes its place (not when the handle itself goes away). */
	async onHangup(reason) {
		if (this.closed) return;
		const old = this.pc;
		this.unwire?.();
		this.stopIceTimer();
		this.generation++; // steps of the old pc end quietly
		old.close();
		this.emit('hangup', reason);
		if (!this.recreate || this.closed || this.handle.detached || reason === 'Detach' || reason === 'Shutdown') return;
		let pc;
		try {
			pc = await this.recreate(old, reason);
		} catch (e) {
			console.error('parley.js: no fresh PeerConnection after a hangup', e);
			return;
		}
		if (pc && !this.closed && this.pc === old) await this.renew(pc, reason);
	}

	/** Puts a fresh RTCPeerConnection in place of the current one (closed
	 * here); with restartBody, asks the plugin for a full offer for it. */
	async renew(pc, reason = 'renew') {
		if (this.closed) throw new Error('renew: the peer is closed');
		const old = this.pc;
		this.use(pc);
		if (old !== pc && old.signalingState !== 'closed') old.close();
		this.emit('renewed', pc, reason);
		await this.requestRestart('renewed');
		return pc;
	}

	close() {
		if (this.closed) return;
		this.closed = true;
		for (const off of this.offs) off();
		this.unwire?.();
		this.stopIceTimer();
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
	peer: (handle, pc, opts) => new Peer(handle, pc, opts),
	defaultServer,
	randomString,
};
export default Parley;
