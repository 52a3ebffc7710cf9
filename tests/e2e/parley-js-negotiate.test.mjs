// parley-js-negotiate.test.mjs — the page client's negotiation logic without a
// browser and without a server: html/parley.js (its Peer) and html/room.js run
// in node against a fake RTCPeerConnection that keeps a browser's operations
// chain, signaling states and refusals (an answer in "stable", an offer in
// "have-local-offer" with no rollback, an answer that does not match the
// offer), with delays between steps. The room tests add a fake DOM and a fake
// WebSocket to an in-process model of the room plugin (versioned
// subscriberOffers, stale answers refused, restartIce, hangup events).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SRCDIR = process.env.PARLEY_SRCDIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLUGIN = 'parley.plugin.room';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// html/ has no package.json: a copy next to one that says "module" lets node
// import the page's modules as the browser does (room.js imports ./parley.js).
const pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-js-'));
fs.writeFileSync(path.join(pageDir, 'package.json'), '{"type":"module"}\n');
for (const f of ['parley.js', 'page-common.js', 'room.js']) fs.copyFileSync(path.join(SRCDIR, 'html', f), path.join(pageDir, f));
after(() => fs.rmSync(pageDir, { recursive: true, force: true }));
const { Parley, Session } = await import(pathToFileURL(path.join(pageDir, 'parley.js')).href);

async function until(what, fn, timeoutMs = 3000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
		await sleep(3);
	}
}

/** console.warn / console.error of a test, kept instead of printed. */
function captureConsole() {
	const saved = { warn: console.warn, error: console.error };
	const got = { warn: [], error: [] };
	console.warn = (...a) => got.warn.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
	console.error = (...a) => got.error.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
	got.restore = () => Object.assign(console, saved);
	return got;
}

/* ---- a fake RTCPeerConnection ----
 * SDP here is one line of key=value words: offers "fake-offer id=.. mids=0,1
 * ice=..", answers "fake-answer to=<offer id> mids=.. ice=..". */

const parseSdp = (sdp) => Object.fromEntries(sdp.split(' ').slice(1).map((w) => w.split('=')));
const midsOf = (sdp) => (parseSdp(sdp).mids || '').split(',').filter(Boolean);

class FakeTrack extends EventTarget {
	constructor(kind, label) {
		super();
		Object.assign(this, { kind, label, enabled: true, readyState: 'live', id: `${label}-${Math.random().toString(36).slice(2, 8)}` });
	}
	stop() { this.readyState = 'ended'; }
}

function stateError(what, state) {
	return new DOMException(`Failed to execute '${what}': Called in wrong state: ${state}`, 'InvalidStateError');
}

class FakePC extends EventTarget {
	static all = [];
	static autoIce = false; // ICE connects on its own after each negotiation that needs it

	constructor() {
		super();
		this.id = FakePC.all.push(this);
		this.signalingState = 'stable';
		this.iceConnectionState = 'new';
		this.localDescription = this.remoteDescription = null;
		this.stableLocal = this.stableRemote = null;
		this.transceivers = [];
		this.log = [];        // operations as they ran: "SRD offer o1", "createAnswer o1", ...
		this.hooks = {};      // name -> fn(pc) called as an operation starts
		this.delayMs = 4;
		this.offers = 0;
		this.ufrag = 1;
		this.chain = Promise.resolve();
		this.autoIce = FakePC.autoIce;
	}

	/** The browser's operations chain: one operation at a time, each
	 * checking the state when it runs, not when it was called. */
	op(name, fn) {
		const run = this.chain.then(async () => {
			this.hooks[name]?.(this);
			await sleep(this.delayMs);
			if (this.signalingState === 'closed') throw new DOMException(`${name}: the pc is closed`, 'InvalidStateError');
			return fn();
		});
		this.chain = run.catch(() => {});
		return run;
	}

	addTransceiver(trackOrKind, init = {}) {
		const track = typeof trackOrKind === 'string' ? null : trackOrKind;
		const t = { mid: null, direction: init.direction || 'sendrecv', init, kind: track ? track.kind : trackOrKind,
			sender: { track, async replaceTrack(next) { this.track = next; } }, receiver: { track: null } };
		this.transceivers.push(t);
		return t;
	}

	getTransceivers() { return [...this.transceivers]; }

	async getStats() { return new Map(); }

	createOffer(options = {}) {
		return this.op('createOffer', () => {
			if (this.signalingState === 'have-remote-offer') throw stateError('createOffer', this.signalingState);
			if (options.iceRestart) this.ufrag++;
			let next = this.transceivers.filter((t) => t.mid !== null).length;
			const mids = this.transceivers.map((t) => t.mid ?? String(next++));
			const id = `pc${this.id}-${++this.offers}`;
			this.log.push(`createOffer ${id}${options.iceRestart ? ' iceRestart' : ''}`);
			return { type: 'offer', sdp: `fake-offer id=${id} mids=${mids.join(',')} ice=pc${this.id}u${this.ufrag}${options.iceRestart ? ' restart=1' : ''}` };
		});
	}

	createAnswer() {
		return this.op('createAnswer', () => {
			if (this.signalingState !== 'have-remote-offer') throw stateError('createAnswer', this.signalingState);
			const offer = parseSdp(this.remoteDescription.sdp);
			this.log.push(`createAnswer ${offer.id}`);
			return { type: 'answer', sdp: `fake-answer to=${offer.id} mids=${offer.mids} ice=pc${this.id}u${this.ufrag}` };
		});
	}

	setLocalDescription(desc) {
		return this.op('setLocalDescription', () => {
			const s = this.signalingState;
			if (desc.type === 'rollback') {
				if (s !== 'have-local-offer') throw stateError('setLocalDescription(rollback)', s);
				this.log.push('SLD rollback');
				this.localDescription = this.stableLocal;
				this.signalingState = 'stable';
				return;
			}
			if (desc.type === 'offer') {
				if (s !== 'stable' && s !== 'have-local-offer') throw stateError('setLocalDescription(offer)', s);
				const mids = midsOf(desc.sdp);
				this.transceivers.forEach((t, i) => { if (t.mid === null) t.mid = mids[i]; });
				this.log.push(`SLD offer ${parseSdp(desc.sdp).id}`);
				this.localDescription = { type: 'offer', sdp: desc.sdp };
				this.signalingState = 'have-local-offer';
				return;
			}
			if (s !== 'have-remote-offer') throw stateError('setLocalDescription(answer)', s);
			const to = parseSdp(desc.sdp).to, offer = parseSdp(this.remoteDescription.sdp);
			if (to !== offer.id) throw new DOMException(`Media sections in answer (to ${to}) do not match offer ${offer.id}`, 'InvalidAccessError');
			this.log.push(`SLD answer ${to}`);
			this.localDescription = { type: 'answer', sdp: desc.sdp };
			this.signalingState = 'stable';
			const restarted = this.stableRemote && parseSdp(this.stableRemote.sdp).ice !== offer.ice;
			this.stableLocal = this.localDescription;
			this.stableRemote = this.remoteDescription;
			if (restarted || this.iceConnectionState === 'new') this.connectIce();
		});
	}

	setRemoteDescription(desc) {
		return this.op('setRemoteDescription', () => {
			const s = this.signalingState;
			if (desc.type === 'rollback') {
				if (s !== 'have-remote-offer') throw stateError('setRemoteDescription(rollback)', s);
				this.log.push('SRD rollback');
				this.remoteDescription = this.stableRemote;
				this.signalingState = 'stable';
				return;
			}
			if (desc.type === 'offer') {
				// no implicit rollback: glare must be resolved by the caller
				if (s !== 'stable' && s !== 'have-remote-offer') throw stateError('setRemoteDescription(offer)', s);
				const id = parseSdp(desc.sdp).id;
				this.log.push(`SRD offer ${id}`);
				this.remoteDescription = { type: 'offer', sdp: desc.sdp };
				this.signalingState = 'have-remote-offer';
				for (const mid of midsOf(desc.sdp)) {
					if (this.transceivers.some((t) => t.mid === mid)) continue;
					const t = this.addTransceiver('video', { direction: 'recvonly' });
					t.mid = mid;
					t.receiver.track = new FakeTrack('video', `remote-${mid}`);
					this.dispatchEvent(Object.assign(new Event('track'), { track: t.receiver.track, transceiver: t, streams: [] }));
				}
				return;
			}
			if (s !== 'have-local-offer') throw stateError('setRemoteDescription(answer)', s);
			const to = parseSdp(desc.sdp).to, ours = parseSdp(this.localDescription.sdp);
			if (to !== ours.id) throw new DOMException(`Media sections in answer (to ${to}) do not match offer ${ours.id}`, 'InvalidAccessError');
			this.log.push(`SRD answer ${to}`);
			this.remoteDescription = { type: 'answer', sdp: desc.sdp };
			this.signalingState = 'stable';
			const restarted = this.stableLocal && parseSdp(this.stableLocal.sdp).ice !== ours.ice;
			this.stableLocal = this.localDescription;
			this.stableRemote = this.remoteDescription;
			if (restarted || this.iceConnectionState === 'new') this.connectIce();
		});
	}

	async addIceCandidate() {
		if (!this.remoteDescription) throw stateError('addIceCandidate', 'no remote description');
	}

	connectIce() {
		if (!this.autoIce) return;
		setTimeout(() => this.setIce('checking'), 2);
		setTimeout(() => this.setIce('connected'), 6);
	}

	/** What the ICE agent would report. */
	setIce(state) {
		if (this.signalingState === 'closed') return;
		this.iceConnectionState = state;
		this.dispatchEvent(new Event('iceconnectionstatechange'));
	}

	close() {
		if (this.signalingState === 'closed') return;
		this.log.push('close');
		this.signalingState = 'closed';
		this.iceConnectionState = 'closed';
	}
}

/* ---- Peer tests: a real Session and Handle over a fake transport ---- */

class FakeTransport {
	constructor() {
		this.sent = [];
		this.onEvent = () => {};
		this.onClose = () => {};
		this.replyTo = () => ({ janus: 'ack' });
	}
	async open() {}
	async request(msg) {
		this.sent.push(msg);
		await sleep(1);
		if (msg.janus === 'attach') return { janus: 'success', data: { id: 42 } };
		return { transaction: msg.transaction, ...this.replyTo(msg) };
	}
	startEvents() {}
	close() {}
}

async function peerWorld(opts = {}) {
	const transport = new FakeTransport();
	const session = new Session(transport, {});
	session.id = 7;
	const handle = await session.attach(PLUGIN);
	const pcs = [];
	const recreated = [];
	const fresh = () => { const pc = new FakePC(); pcs.push(pc); return pc; };
	const options = { ...opts };
	if (opts.recreate === true) options.recreate = (old, reason) => { recreated.push({ old, reason }); return fresh(); };
	const peer = Parley.peer(handle, fresh(), options);
	const emitted = [];
	for (const name of ['applying', 'answered', 'rollback', 'ignored', 'superseded', 'hangup', 'renewed', 'icefailed', 'restart']) {
		peer.on(name, (...args) => emitted.push([name, typeof args[0] === 'object' ? args[0]?.type ?? args[0]?.request ?? args[0] : args[0]]));
	}
	return {
		transport, session, handle, peer, pcs, recreated, emitted,
		event: (data, jsep) => session.dispatch({ janus: 'event', sender: handle.id, plugindata: { plugin: PLUGIN, data }, jsep }),
		subscriberOffer: (version, mids, extra = {}) => session.dispatch({ janus: 'event', sender: handle.id,
			plugindata: { plugin: PLUGIN, data: { event: 'subscriberOffer', data: { consumers: [], version, ...extra } } },
			jsep: { type: 'offer', sdp: `fake-offer id=o${version} mids=${mids} ice=${extra.ice || 'g1'}` } }),
		hangup: (reason) => session.dispatch({ janus: 'hangup', sender: handle.id, reason }),
		messages: () => transport.sent.filter((m) => m.janus === 'message').map((m) => ({ body: m.body, jsep: m.jsep })),
	};
}

const roomAnswerBody = (data) => ({ request: 'subscriberAnswer', version: data?.data?.version });

test('the fake pc refuses interleaved offer/answer sequences as a browser does (naive answering fails)', async () => {
	const pc = new FakePC();
	const naive = async (id) => {
		await pc.setRemoteDescription({ type: 'offer', sdp: `fake-offer id=${id} mids=0 ice=g1` });
		const answer = await pc.createAnswer();
		await pc.setLocalDescription(answer);
		return answer.sdp;
	};
	const [first, second] = await Promise.allSettled([naive('o1'), naive('o2')]);
	assert.deepEqual(pc.log.slice(0, 2), ['SRD offer o1', 'SRD offer o2']);
	assert.equal(first.status, 'fulfilled');
	assert.match(first.value, /to=o2/, 'the first sequence answered the second offer');
	assert.equal(second.status, 'rejected');
	assert.equal(second.reason.name, 'InvalidStateError');
	await assert.rejects(new FakePC().setRemoteDescription({ type: 'answer', sdp: 'fake-answer to=x' }), /wrong state: stable/);
});

test('two subscriber offers back to back, the second while the first is on its way: both answered in order, each with its version', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody });
		const pc = w.pcs[0];
		// the second offer arrives while the first's answer is being sent
		w.transport.replyTo = (msg) => {
			if (msg.body?.version === 1) w.subscriberOffer(2, '0,1,2');
			return { janus: 'success', plugindata: { plugin: PLUGIN, data: { success: true } } };
		};
		w.subscriberOffer(1, '0,1');
		await until('two answers', () => w.messages().length === 2);
		await w.peer.idle();
		const answers = w.messages();
		assert.deepEqual(answers.map((m) => m.body), [{ request: 'subscriberAnswer', version: 1 }, { request: 'subscriberAnswer', version: 2 }]);
		assert.deepEqual(answers.map((m) => [m.jsep.type, parseSdp(m.jsep.sdp).to]), [['answer', 'o1'], ['answer', 'o2']]);
		assert.deepEqual(pc.log, ['SRD offer o1', 'createAnswer o1', 'SLD answer o1', 'SRD offer o2', 'createAnswer o2', 'SLD answer o2']);
		assert.equal(pc.signalingState, 'stable');
		assert.equal(w.emitted.filter(([n]) => n === 'answered').length, 2);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('a second offer while the first\'s answer is being created: applied in order, only the newer one answered (with its version)', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody });
		const pc = w.pcs[0];
		let second = false;
		pc.hooks.createAnswer = () => { if (!second) { second = true; w.subscriberOffer(2, '0,1,2'); } };
		w.subscriberOffer(1, '0,1');
		await until('answer 2', () => w.messages().length === 1);
		await w.peer.idle();
		await sleep(20);
		assert.deepEqual(w.messages().map((m) => [m.body.version, parseSdp(m.jsep.sdp).to]), [[2, 'o2']]);
		assert.deepEqual(pc.log, ['SRD offer o1', 'createAnswer o1', 'SLD answer o1', 'SRD offer o2', 'createAnswer o2', 'SLD answer o2']);
		assert.equal(pc.signalingState, 'stable');
		assert.equal(pc.remoteDescription.sdp.split(' ')[1], 'id=o2');
		assert.deepEqual(w.emitted.filter(([n]) => n === 'superseded' || n === 'answered').map(([n]) => n), ['superseded', 'answered']);
		assert.equal(con.warn.filter((t) => /version 1\) superseded/.test(t)).length, 1);
		// both queued before the first started: the first is not even applied
		w.subscriberOffer(3, '0,1,2');
		w.subscriberOffer(4, '0,1,2,3');
		await until('answer 4', () => w.messages().length === 2);
		await w.peer.idle();
		assert.deepEqual(w.messages().map((m) => m.body.version), [2, 4]);
		assert.deepEqual(pc.log.slice(6), ['SRD offer o4', 'createAnswer o4', 'SLD answer o4']);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('our answer refused with 469 (Unexpected ANSWER): restartIce, the fresh offer answered on the same pc', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody, restartBody: { request: 'restartIce' }, recreate: true });
		const pc = w.pcs[0];
		w.transport.replyTo = (msg) => (msg.body?.version === 1
			? { janus: 'error', error: { code: 469, reason: 'Unexpected ANSWER (did we offer?)' } }
			: { janus: 'success', plugindata: { plugin: PLUGIN, data: { success: true } } });
		w.subscriberOffer(1, '0,1');
		await until('restartIce', () => w.messages().length === 2);
		w.subscriberOffer(2, '0,1', { restart: true, ice: 'g2' });
		await until('answer 2', () => w.messages().length === 3);
		await w.peer.idle();
		assert.deepEqual(w.messages().map((m) => m.body), [{ request: 'subscriberAnswer', version: 1 },
			{ request: 'restartIce' }, { request: 'subscriberAnswer', version: 2 }]);
		assert.equal(w.pcs.length, 1);
		assert.deepEqual(w.emitted.filter(([n]) => n === 'restart' || n === 'answered'), [['restart', 'unexpected answer'], ['answered', 'subscriberAnswer']]);
		assert.equal(pc.signalingState, 'stable');
		assert.match(con.warn.join('\n'), /our answer was refused: .*Unexpected ANSWER/);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('an answer arriving while the pc is stable is ignored with a warning, nothing thrown', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld();
		const pc = w.pcs[0];
		w.event({ event: 'produced', data: {} }, { type: 'answer', sdp: 'fake-answer to=pc1-1' });
		await sleep(20);
		await w.peer.idle();
		assert.equal(await w.peer.applyRemote({ type: 'answer', sdp: 'fake-answer to=pc1-1' }), false);
		assert.deepEqual(pc.log, [], 'no description was applied');
		assert.equal(pc.signalingState, 'stable');
		assert.equal(con.warn.filter((t) => /remote answer while the pc is "stable".*ignored/.test(t)).length, 2);
		assert.deepEqual(w.emitted, [['ignored', 'answer'], ['ignored', 'answer']]);
		assert.deepEqual(con.error, []);
		// an answer to an offer of ours is applied, a second copy of it is not
		const reply = await w.peer.offer({ request: 'produce' });
		assert.deepEqual(reply, { kind: 'ack' });
		const offerId = parseSdp(w.messages()[0].jsep.sdp).id;
		w.event({ event: 'produced', data: {} }, { type: 'answer', sdp: `fake-answer to=${offerId}` });
		w.event({ event: 'produced', data: {} }, { type: 'answer', sdp: `fake-answer to=${offerId}` });
		await until('answer applied', () => pc.log.includes(`SRD answer ${offerId}`));
		await w.peer.idle();
		assert.equal(pc.signalingState, 'stable');
		assert.equal(pc.log.filter((l) => l.startsWith('SRD')).length, 1);
		assert.equal(con.warn.length, 3);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('glare: a remote offer while our offer is outstanding rolls ours back, then is answered; the late answer is ignored', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody });
		const pc = w.pcs[0];
		pc.addTransceiver(new FakeTrack('audio', 'mic'), { direction: 'sendonly' });
		await w.peer.offer({ request: 'produce' });
		assert.equal(pc.signalingState, 'have-local-offer');
		w.subscriberOffer(5, '0,1');
		await until('our answer to offer 5', () => w.messages().length === 2);
		await w.peer.idle();
		assert.deepEqual(pc.log, ['createOffer pc' + pc.id + '-1', 'SLD offer pc' + pc.id + '-1', 'SLD rollback',
			'SRD offer o5', 'createAnswer o5', 'SLD answer o5']);
		assert.deepEqual(w.messages().map((m) => [m.body, m.jsep.type]),
			[[{ request: 'produce' }, 'offer'], [{ request: 'subscriberAnswer', version: 5 }, 'answer']]);
		assert.deepEqual(w.emitted.map(([n]) => n), ['rollback', 'applying', 'answered']);
		// the gateway's answer to the offer we took back: nothing to apply it to
		w.event({ event: 'produced', data: {} }, { type: 'answer', sdp: `fake-answer to=pc${pc.id}-1` });
		await sleep(20);
		await w.peer.idle();
		assert.equal(pc.signalingState, 'stable');
		assert.equal(pc.log.length, 6);
		assert.equal(con.warn.length, 1);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('hangup on the subscriber handle: the pc is closed, a fresh one takes its place, restartIce is sent, its offer is answered there', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody, restartBody: { request: 'restartIce' }, recreate: true });
		const old = w.pcs[0];
		w.subscriberOffer(1, '0,1');
		await until('answer 1', () => w.messages().length === 1);
		// offer 2 is being applied when the gateway ends the pc
		old.hooks.setRemoteDescription = () => w.hangup('DTLS alert');
		w.subscriberOffer(2, '0,1,2');
		await until('a fresh pc', () => w.pcs.length === 2);
		await until('restartIce', () => w.messages().length === 2);
		const fresh = w.pcs[1];
		assert.equal(old.signalingState, 'closed');
		assert.equal(w.peer.pc, fresh);
		assert.deepEqual(w.recreated.map((r) => [r.old, r.reason]), [[old, 'DTLS alert']]);
		assert.deepEqual(w.messages()[1], { body: { request: 'restartIce' }, jsep: undefined });
		// the plugin's full offer for the fresh pc
		w.subscriberOffer(3, '0,1,2', { ice: 'g2' });
		await until('answer 3', () => w.messages().length === 3);
		await w.peer.idle();
		assert.deepEqual(w.messages().map((m) => m.body), [{ request: 'subscriberAnswer', version: 1 },
			{ request: 'restartIce' }, { request: 'subscriberAnswer', version: 3 }]);
		assert.deepEqual(fresh.log, ['SRD offer o3', 'createAnswer o3', 'SLD answer o3']);
		assert.deepEqual(old.log, ['SRD offer o1', 'createAnswer o1', 'SLD answer o1', 'close'], 'offer 2 never reached the old pc');
		assert.deepEqual(w.emitted.filter(([n]) => ['hangup', 'renewed', 'restart'].includes(n)),
			[['hangup', 'DTLS alert'], ['renewed', fresh], ['restart', 'renewed']]);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('hangup because the handle goes away (Detach): the pc is closed and not recreated', async () => {
	const w = await peerWorld({ restartBody: { request: 'restartIce' }, recreate: true });
	w.hangup('Detach');
	await sleep(20);
	assert.equal(w.pcs[0].signalingState, 'closed');
	assert.equal(w.pcs.length, 1);
	assert.deepEqual(w.messages(), []);
	assert.deepEqual(w.emitted, [['hangup', 'Detach']]);
});

test('ICE failed on a live subscriber pc: one restartIce, the restart offer is answered on the same pc', async () => {
	const con = captureConsole();
	try {
		const w = await peerWorld({ answerBody: roomAnswerBody, restartBody: { request: 'restartIce' }, recreate: true, iceGraceMs: 400 });
		const pc = w.pcs[0];
		w.subscriberOffer(1, '0,1');
		await until('answer 1', () => w.messages().length === 1);
		pc.setIce('connected');
		pc.setIce('failed');
		pc.setIce('failed');
		await until('restartIce', () => w.messages().length === 2);
		w.subscriberOffer(2, '0,1', { restart: true, ice: 'g2' });
		await until('answer 2', () => w.messages().length === 3);
		pc.setIce('checking');
		pc.setIce('connected');
		await sleep(450); // past the retry delay: nothing more
		assert.deepEqual(w.messages().map((m) => m.body), [{ request: 'subscriberAnswer', version: 1 },
			{ request: 'restartIce' }, { request: 'subscriberAnswer', version: 2 }]);
		assert.equal(w.pcs.length, 1);
		assert.equal(w.peer.pc, pc);
		assert.deepEqual(pc.log.slice(3), ['SRD offer o2', 'createAnswer o2', 'SLD answer o2']);
		assert.equal(w.peer.restarts, 1);
		assert.deepEqual(w.emitted.filter(([n]) => n === 'icefailed' || n === 'restart'), [['icefailed', 'failed'], ['restart', 'ice']]);
		assert.deepEqual(con.error, []);
	} finally {
		con.restore();
	}
});

test('ICE disconnected: a restart only once it lasts iceGraceMs, another while it still lasts', async () => {
	const w = await peerWorld({ restartBody: { request: 'restartIce' }, iceGraceMs: 150 });
	const pc = w.pcs[0];
	pc.setIce('connected');
	pc.setIce('disconnected');
	await sleep(50);
	pc.setIce('connected');
	await sleep(200);
	assert.deepEqual(w.messages(), [], 'a short disconnection restarts nothing');
	pc.setIce('disconnected');
	await sleep(60);
	assert.deepEqual(w.messages(), []);
	await until('a restart after the grace time', () => w.messages().length === 1);
	await until('a second attempt while still disconnected', () => w.messages().length === 2, 1000);
	pc.setIce('connected');
	await sleep(250);
	assert.deepEqual(w.messages().map((m) => m.body), [{ request: 'restartIce' }, { request: 'restartIce' }]);
	w.peer.close();
	assert.equal(pc.signalingState, 'closed');
});

test('offering side: ICE failed emits icefailed only; restartIce(body) offers with iceRestart and applies the answer', async () => {
	const w = await peerWorld({ iceGraceMs: 5000 });
	const pc = w.pcs[0];
	pc.addTransceiver(new FakeTrack('video', 'camera'), { direction: 'sendonly' });
	await w.peer.offer((p) => ({ request: 'produce', mids: p.getTransceivers().map((t) => t.mid) }));
	w.event({ event: 'produced' }, { type: 'answer', sdp: `fake-answer to=pc${pc.id}-1` });
	await until('answer applied', () => pc.signalingState === 'stable' && pc.remoteDescription);
	pc.setIce('failed');
	await sleep(20);
	assert.deepEqual(w.emitted.filter(([n]) => n === 'icefailed'), [['icefailed', 'failed']]);
	assert.equal(w.messages().length, 1, 'no restartBody: nothing sent on its own');
	await w.peer.restartIce({ request: 'produce' });
	const restart = w.messages()[1];
	assert.deepEqual(restart.body, { request: 'produce' });
	assert.equal(parseSdp(restart.jsep.sdp).restart, '1');
	assert.notEqual(parseSdp(restart.jsep.sdp).ice, parseSdp(w.messages()[0].jsep.sdp).ice);
	assert.deepEqual(w.messages()[0].body, { request: 'produce', mids: ['0'] });
	w.event({ event: 'produced' }, { type: 'answer', sdp: `fake-answer to=pc${pc.id}-2` });
	await until('restart answer applied', () => pc.log.includes(`SRD answer pc${pc.id}-2`));
	assert.deepEqual(pc.log, [`createOffer pc${pc.id}-1`, `SLD offer pc${pc.id}-1`, `SRD answer pc${pc.id}-1`,
		`createOffer pc${pc.id}-2 iceRestart`, `SLD offer pc${pc.id}-2`, `SRD answer pc${pc.id}-2`]);
	w.peer.close();
});

/* ---- room.js: a fake page, a fake WebSocket, a model of the room plugin ---- */

class RoomModel {
	constructor() {
		this.ws = null;
		this.nextId = 100;
		this.messages = [];  // {handle, body, jsep}
		this.version = 0;
		this.outstanding = null;
		this.accepted = [];  // versions of the answers taken
		this.refused = [];   // versions of the answers refused as stale (410)
		this.unexpected = []; // versions of the answers the core refused (469)
		this.coreStale = false; // the core's pc took a stale answer: 469 until restartIce
		this.replaceBeforeAnswer = false; // offer_timeout passed: a newer offer goes out as the next answer comes
		this.produces = [];  // {sources, offer, producers}
		this.producerN = 0;
		this.consumers = [];
		this.ice = 1;
		this.subLost = false;
	}

	push(msg) { this.ws?.deliver({ session_id: 1, ...msg }); }

	event(handle, data, jsep) {
		this.push({ janus: 'event', sender: handle, plugindata: { plugin: PLUGIN, data }, ...(jsep ? { jsep } : {}) });
	}

	receive(msg) {
		const reply = (r) => this.ws.deliver({ transaction: msg.transaction, ...r });
		switch (msg.janus) {
		case 'create': return reply({ janus: 'success', data: { id: 1 } });
		case 'attach': return reply({ janus: 'success', data: { id: ++this.nextId } });
		case 'keepalive': case 'trickle': return reply({ janus: 'ack' });
		case 'hangup': case 'detach': case 'destroy': return reply({ janus: 'success' });
		case 'message': return this.message(msg, reply);
		default: return reply({ janus: 'error', error: { code: 453, reason: 'unknown request' } });
		}
	}

	message({ handle_id: handle, body, jsep }, reply) {
		this.messages.push({ handle, body, jsep });
		const ok = (data) => reply({ janus: 'success', sender: handle, plugindata: { plugin: PLUGIN, data } });
		const refuse = (code, text) => {
			reply({ janus: 'error', error: { code: 462, reason: `${code} ${text}` } });
			this.event(handle, { event: 'error', data: { code, message: text, request: body.request } });
		};
		switch (body.request) {
		case 'joinRoom':
			this.main = handle;
			return ok({ roomId: body.roomId, peerId: 'me', peers: [], reconnected: false, maxParticipants: 7 });
		case 'attachSubscriber':
			this.sub = handle;
			return ok({ success: true });
		case 'produce': {
			reply({ janus: 'ack' });
			const offer = parseSdp(jsep.sdp);
			const producers = Object.entries(body.sources).map(([mid, source]) => ({ producerId: `pr${++this.producerN}`,
				kind: source === 'mic' ? 'audio' : 'video', mid, metadata: { source } }));
			this.produces.push({ sources: body.sources, offer, producers });
			this.event(handle, { event: 'produced', data: { producers } }, { type: 'answer', sdp: `fake-answer to=${offer.id}` });
			return;
		}
		case 'subscriberAnswer':
			if (this.replaceBeforeAnswer) {
				this.replaceBeforeAnswer = false;
				this.offer();
			}
			if (this.coreStale) {
				this.unexpected.push(body.version);
				return reply({ janus: 'error', error: { code: 469, reason: 'Unexpected ANSWER (did we offer?)' } });
			}
			if (this.outstanding === null) return refuse(409, 'no subscriber offer is waiting for an answer');
			if (body.version !== this.outstanding) {
				// as the core does: the stale answer is applied before the plugin refuses it
				this.refused.push(body.version);
				this.coreStale = true;
				return refuse(410, `stale answer to offer ${body.version}, offer ${this.outstanding} is outstanding`);
			}
			this.accepted.push(body.version);
			this.outstanding = null;
			return ok({ success: true });
		case 'restartIce': {
			ok({ success: true });
			const restart = !this.subLost;
			this.subLost = false;
			this.coreStale = false;
			this.ice++;
			setTimeout(() => this.offer({ restart }), 2);
			return;
		}
		case 'consume': return ok({ consumers: [] });
		case 'heartbeat': case 'leaveRoom': case 'pauseProducer': case 'resumeProducer': return ok({ success: true });
		default: return refuse(405, 'unknown request');
		}
	}

	/** A subscriberOffer with every consumer (mids 0..n-1). */
	offer({ consumers = this.consumers, restart = false } = {}) {
		this.consumers = consumers;
		const version = ++this.version;
		this.outstanding = version;
		const data = { consumers, version, ...(restart ? { restart: true } : {}) };
		this.event(this.sub, { event: 'subscriberOffer', data },
			{ type: 'offer', sdp: `fake-offer id=o${version} mids=${consumers.map((c) => c.mid).join(',')} ice=g${this.ice}` });
	}

	hangup(handle, reason) {
		if (handle === this.sub) {
			this.subLost = true;
			this.coreStale = false;
			this.outstanding = null;
		}
		this.push({ janus: 'hangup', sender: handle, reason });
	}

	requests(name) { return this.messages.filter((m) => m.body.request === name); }
}

class FakeWebSocket {
	static OPEN = 1;
	static model = null;
	constructor() {
		this.readyState = 0;
		this.model = FakeWebSocket.model;
		this.model.ws = this;
		setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
	}
	send(text) {
		const msg = JSON.parse(text);
		setTimeout(() => this.model.receive(msg), 0);
	}
	deliver(msg) {
		setTimeout(() => { if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(msg) }); }, 0);
	}
	close(code = 1000) {
		if (this.readyState === 3) return;
		this.readyState = 3;
		setTimeout(() => this.onclose?.({ code }), 0);
	}
}

class FakeStream {
	constructor(tracks = []) { this.tracks = tracks; }
	getTracks() { return [...this.tracks]; }
	getAudioTracks() { return this.tracks.filter((t) => t.kind === 'audio'); }
	getVideoTracks() { return this.tracks.filter((t) => t.kind === 'video'); }
	addTrack(t) { this.tracks.push(t); }
}

function fakeElement(id) {
	return { id, value: '', textContent: '', disabled: false, className: '', scrollTop: 0, scrollHeight: 0, srcObject: null,
		dataset: {}, style: {}, classList: { toggle() {}, add() {}, remove() {} }, addEventListener() {}, append() {},
		remove() {}, querySelector: () => null, play: () => Promise.resolve() };
}

let pageN = 0;

/** Loads a fresh room.js into a fake page wired to a fresh RoomModel and joins. */
async function roomPage() {
	const model = new RoomModel();
	const elements = new Map();
	const camera = { audio: new FakeTrack('audio', 'mic'), video: new FakeTrack('video', 'camera') };
	const shared = new FakeTrack('video', 'screen');
	Object.assign(globalThis, {
		window: globalThis,
		location: { search: '?room=r1&name=tester&transport=ws&server=ws%3A%2F%2Ffake%2F&autostart=0&iceGraceMs=300',
			origin: 'http://fake', protocol: 'http:', hostname: 'fake' },
		document: {
			getElementById: (id) => elements.get(id) || elements.set(id, fakeElement(id)).get(id),
			createElement: (tag) => fakeElement(tag),
			querySelector: () => null,
			querySelectorAll: () => [],
		},
		MediaStream: FakeStream,
		RTCPeerConnection: FakePC,
		WebSocket: FakeWebSocket,
		CSS: { escape: (s) => s },
	});
	Object.defineProperty(globalThis, 'navigator', { configurable: true, writable: true, value: { mediaDevices: {
		getUserMedia: async () => new FakeStream([camera.audio, camera.video]),
		getDisplayMedia: async () => new FakeStream([shared]),
	} } });
	FakeWebSocket.model = model;
	FakePC.autoIce = true;
	const firstPc = FakePC.all.length;
	await import(`${pathToFileURL(path.join(pageDir, 'room.js')).href}?page=${++pageN}`);
	const state = globalThis.roomState;
	await globalThis.roomJoin();
	assert.equal(state.error, null, `join: ${state.error}`);
	assert.equal(state.joined, true);
	const pcs = () => FakePC.all.slice(firstPc);
	// the page made the subscriber pc first, then the publisher's
	return { model, state, camera, shared, pcs, subPc: () => pcs().filter((pc) => !pc.transceivers.some((t) => t.sender.track)).at(-1),
		pubPc: () => pcs().filter((pc) => pc.transceivers.some((t) => t.sender.track)).at(-1) };
}

const consumers = (n, from = 0) => Array.from({ length: n }, (_, i) => ({ consumerId: `c${from + i}`, producerId: `x${from + i}`,
	peerId: `p${(from + i) >> 1}`, kind: (from + i) % 2 ? 'video' : 'audio', mid: String(from + i) }));

test('room.js: subscriber answers carry the offer\'s version; an offer replaced before it was answered is skipped; a stale answer the core took is recovered with restartIce', async () => {
	const con = captureConsole();
	try {
		const { model, state, subPc } = await roomPage();
		assert.deepEqual(model.produces.map((p) => p.sources), [{ 0: 'mic', 1: 'camera' }]);
		// two offers at once: only the newer one is answered
		model.offer({ consumers: consumers(2) });
		model.offer({ consumers: consumers(4) });
		await until('answer 2 taken', () => model.accepted.length === 1 && state.subscriber.answeredVersion === 2);
		await sleep(30);
		assert.deepEqual(model.requests('subscriberAnswer').map((m) => [m.body.version, parseSdp(m.jsep.sdp).to]), [[2, 'o2']]);
		assert.deepEqual(model.accepted, [2]);
		assert.deepEqual(model.refused, []);
		// offer_timeout race: offer 4 replaces offer 3 just before answer 3
		// arrives; the core takes answer 3 (410), refuses answer 4 (469)
		model.replaceBeforeAnswer = true;
		model.offer({ consumers: consumers(6) });
		await until('answer 5 taken', () => model.accepted.length === 2 && state.subscriber.answeredVersion === 5);
		assert.deepEqual(model.requests('subscriberAnswer').map((m) => m.body.version), [2, 3, 4, 5]);
		assert.deepEqual([model.refused, model.unexpected, model.accepted], [[3], [4], [2, 5]]);
		assert.equal(model.requests('restartIce').length, 1);
		assert.equal(state.subscriber.offers, 5);
		assert.equal(state.subscriber.answeredVersion, 5);
		assert.deepEqual(Object.keys(state.remote).sort(), ['p0', 'p1', 'p2']);
		assert.equal(state.remote.p2.x5.consumerId, 'c5');
		assert.equal(subPc().signalingState, 'stable');
		assert.deepEqual([state.restarts, state.pcLosses], [0, 0]);
		assert.deepEqual(con.error, []);
	} finally {
		await globalThis.roomLeave?.();
		con.restore();
	}
});

test('room.js: the gateway hangs up the subscriber pc: a fresh pc, restartIce, the full offer answered on it', async () => {
	const con = captureConsole();
	try {
		const { model, state, subPc, pcs } = await roomPage();
		model.offer({ consumers: consumers(4) });
		await until('answer 1', () => model.accepted.length === 1);
		const old = subPc();
		const before = pcs().length;
		model.hangup(model.sub, 'Consent expired');
		await until('restartIce', () => model.requests('restartIce').length === 1);
		await until('answer 2', () => model.accepted.length === 2);
		const fresh = subPc();
		assert.equal(old.signalingState, 'closed');
		assert.equal(pcs().length, before + 1);
		assert.notEqual(fresh, old);
		assert.deepEqual(model.requests('restartIce').map((m) => m.handle), [model.sub]);
		assert.deepEqual(model.requests('subscriberAnswer').map((m) => m.body.version), [1, 2]);
		assert.deepEqual(fresh.log, ['SRD offer o2', 'createAnswer o2', 'SLD answer o2']);
		assert.deepEqual(model.refused, []);
		assert.equal(state.pcLosses, 1);
		assert.deepEqual([state.subscriber.pcLosses, state.publisher.pcLosses, state.restarts], [1, 0, 0]);
		assert.deepEqual(Object.keys(state.remote).sort(), ['p0', 'p1']);
		assert.equal(model.produces.length, 1, 'the publisher is untouched');
		assert.deepEqual(con.error, []);
	} finally {
		await globalThis.roomLeave?.();
		con.restore();
	}
});

test('room.js: the gateway hangs up the publishing pc while sharing the screen: a fresh pc with the same three tracks produces again, the muted mic stays paused', async () => {
	const con = captureConsole();
	try {
		const { model, state, camera, shared, pubPc } = await roomPage();
		await globalThis.roomToggleScreen();
		await globalThis.roomToggleMic();
		assert.deepEqual(model.produces.map((p) => p.sources), [{ 0: 'mic', 1: 'camera' }, { 0: 'mic', 1: 'camera', 2: 'screen' }]);
		assert.deepEqual(model.requests('pauseProducer').map((m) => m.body.producerId), ['pr3']);
		const old = pubPc();
		model.hangup(model.main, 'ICE failed');
		await until('produce again', () => model.produces.length === 3);
		await until('mic paused again', () => model.requests('pauseProducer').length === 2);
		const fresh = pubPc();
		assert.equal(old.signalingState, 'closed');
		assert.notEqual(fresh, old);
		assert.deepEqual(fresh.transceivers.map((t) => [t.mid, t.direction, t.sender.track]),
			[['0', 'sendonly', camera.audio], ['1', 'sendonly', camera.video], ['2', 'sendonly', shared]]);
		const again = model.produces[2];
		assert.deepEqual(again.sources, { 0: 'mic', 1: 'camera', 2: 'screen' });
		assert.equal(again.offer.id, `pc${fresh.id}-1`);
		assert.equal(model.requests('pauseProducer')[1].body.producerId, again.producers.find((p) => p.metadata.source === 'mic').producerId);
		await until('answer applied', () => fresh.signalingState === 'stable' && fresh.remoteDescription);
		assert.equal(camera.audio.enabled, false);
		assert.deepEqual([state.pcLosses, state.publisher.pcLosses, state.subscriber.pcLosses, state.restarts], [1, 1, 0, 0]);
		assert.equal(state.publisher.produces, 3);
		assert.deepEqual(state.local.producers.map((p) => p.producerId), again.producers.map((p) => p.producerId));
		assert.deepEqual(con.error, []);
	} finally {
		await globalThis.roomLeave?.();
		con.restore();
	}
});

test('room.js: ICE fails on live pcs: restartIce for the subscriber, an ICE-restart produce for the publisher, same pcs', async () => {
	const con = captureConsole();
	try {
		const { model, state, subPc, pubPc, pcs } = await roomPage();
		model.offer({ consumers: consumers(2) });
		await until('answer 1', () => model.accepted.length === 1);
		await until('ICE connected', () => subPc().iceConnectionState === 'connected' && pubPc().iceConnectionState === 'connected');
		const count = pcs().length;
		subPc().setIce('failed');
		await until('restartIce', () => model.requests('restartIce').length === 1);
		await until('restart offer answered', () => model.accepted.length === 2);
		const restartOffer = model.messages.filter((m) => m.handle === model.sub && m.body.request === 'subscriberAnswer')[1];
		assert.equal(restartOffer.body.version, 2);
		assert.deepEqual(subPc().log.slice(-3), ['SRD offer o2', 'createAnswer o2', 'SLD answer o2']);
		const t0 = Date.now();
		pubPc().setIce('disconnected');
		await until('ICE-restart produce', () => model.produces.length === 2);
		assert.ok(Date.now() - t0 >= 250, `restarted after ${Date.now() - t0} ms, before iceGraceMs`);
		const again = model.produces[1];
		assert.equal(again.offer.restart, '1');
		assert.deepEqual(again.sources, { 0: 'mic', 1: 'camera' });
		await until('ICE back', () => pubPc().iceConnectionState === 'connected' && subPc().iceConnectionState === 'connected');
		await sleep(400); // past iceGraceMs: no further attempt
		assert.equal(pcs().length, count, 'no fresh pc');
		assert.equal(model.requests('restartIce').length, 1);
		assert.equal(model.produces.length, 2);
		assert.deepEqual([state.restarts, state.subscriber.restarts, state.publisher.restarts, state.pcLosses], [2, 1, 1, 0]);
		assert.deepEqual(con.error, []);
	} finally {
		await globalThis.roomLeave?.();
		con.restore();
	}
});
