// tests/e2e/lib/socketio.mjs — Socket.IO helpers for end-to-end tests: a
// real socket.io-client v4 connection that records every event it gets,
// waits for events with bounded timeouts, proves an event did NOT arrive,
// and the meeting plugin's REST calls (create, end) on the Socket.IO port.
import { io } from 'socket.io-client';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Client option sets the suite runs each flow with. */
export const MODES = [
	{ name: 'default (polling, then upgrade)', opts: {}, upgrade: true },
	{ name: 'websocket only', opts: { transports: ['websocket'] }, upgrade: false },
];
export const POLLING_ONLY = { name: 'polling only', opts: { transports: ['polling'] }, upgrade: false };

export function sioUrl(srv) {
	return `http://127.0.0.1:${srv.wsPort}`;
}

/** POST /api/meetings/create on the Socket.IO port; returns the meeting. */
export async function createMeeting(srv, { title = 'E2E meeting', hostId = 'host-1', settings } = {}) {
	const r = await fetch(`${sioUrl(srv)}/api/meetings/create`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ title, hostId, hostName: 'Host', settings }),
		signal: AbortSignal.timeout(5000),
	});
	const body = await r.json();
	if (r.status !== 201 || !body.success) throw new Error(`create failed: ${r.status} ${JSON.stringify(body)}`);
	return body.meeting;
}

export async function endMeeting(srv, roomId, hostId) {
	const r = await fetch(`${sioUrl(srv)}/api/meetings/${roomId}/end`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ hostId }),
		signal: AbortSignal.timeout(5000),
	});
	const body = await r.json();
	if (r.status !== 200) throw new Error(`end failed: ${r.status} ${JSON.stringify(body)}`);
	return body;
}

/** One socket.io-client connection whose events are all recorded. */
export class SioClient {
	constructor(srv, mode, label) {
		this.label = label;
		this.mode = mode;
		this.log = [];      // [{name, data}]
		this.waiters = [];  // {name, pred, resolve}
		this.socket = io(sioUrl(srv), { reconnection: false, forceNew: true, timeout: 5000, ...mode.opts });
		this.socket.onAny((name, data) => {
			this.log.push({ name, data });
			this.waiters = this.waiters.filter((w) => {
				if (w.name !== name || !w.pred(data)) return true;
				w.resolve(data);
				return false;
			});
		});
	}

	/** Resolves once connected (and, in default mode, upgraded to websocket). */
	async ready(timeoutMs = 5000) {
		const s = this.socket;
		if (!s.connected) {
			await new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error(`${this.label}: no connect within ${timeoutMs} ms`)), timeoutMs);
				s.once('connect', () => { clearTimeout(t); resolve(); });
				s.once('connect_error', (e) => { clearTimeout(t); reject(new Error(`${this.label}: connect_error ${e.message}`)); });
			});
		}
		if (this.mode.upgrade) {
			const deadline = Date.now() + timeoutMs;
			while (s.io.engine.transport.name !== 'websocket' && Date.now() < deadline) await sleep(20);
			if (s.io.engine.transport.name !== 'websocket') throw new Error(`${this.label}: no upgrade to websocket`);
		}
		return this;
	}

	emit(name, data) { this.socket.emit(name, data); }

	/** The first recorded (or next) event `name` whose data passes `pred`. */
	next(name, pred = () => true, timeoutMs = 4000) {
		const seen = this.log.find((e) => e.name === name && pred(e.data));
		if (seen) {
			this.log.splice(this.log.indexOf(seen), 1);
			return Promise.resolve(seen.data);
		}
		return new Promise((resolve, reject) => {
			const w = { name, pred, resolve: (d) => {
				clearTimeout(t);
				const i = this.log.findIndex((e) => e.name === name && e.data === d);
				if (i >= 0) this.log.splice(i, 1);
				resolve(d);
			} };
			const t = setTimeout(() => {
				this.waiters = this.waiters.filter((x) => x !== w);
				reject(new Error(`${this.label}: no '${name}' within ${timeoutMs} ms; got ${JSON.stringify(this.log.map((e) => e.name))}`));
			}, timeoutMs);
			this.waiters.push(w);
		});
	}

	/** Events named `name` recorded so far (not consumed). */
	seen(name) { return this.log.filter((e) => e.name === name).map((e) => e.data); }

	close() { this.socket.disconnect(); }
}

export async function connectClient(srv, mode, label) {
	const c = new SioClient(srv, mode, label);
	try {
		return await c.ready();
	} catch (e) {
		c.close();
		throw e;
	}
}

/** join-meeting, then the three events the joiner gets; returns them. */
export async function joinMeeting(client, roomId, user) {
	client.emit('join-meeting', { roomId, isVideoEnabled: true, isAudioEnabled: true, ...user });
	const iceServers = await client.next('ice-servers');
	const existing = await client.next('existing-participants');
	const joined = await client.next('joined-meeting');
	return { iceServers, existing, joined };
}

/** Waits `ms` and returns the events named `name` that arrived meanwhile. */
export async function quietFor(client, name, ms = 300) {
	await sleep(ms);
	return client.seen(name);
}

export { sleep };
