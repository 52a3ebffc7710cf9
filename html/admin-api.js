// admin-api.js — the admin API client of admin.html (ES module, no
// dependency, no build step): Janus's admin API envelope over HTTP, as
// Parley's HTTP transport serves it at <server>/admin, and the server's
// Prometheus page <server>/metrics parsed into samples.
//
//   import { AdminClient } from './admin-api.js';
//   const admin = new AdminClient('http://127.0.0.1:8088', secret);
//   const reply = await admin.request('get_status');           // the success reply
//   await admin.request('hangup_webrtc', {}, { session, handle }); // ids in the path
//   const r = await admin.plugin('parley.plugin.room', { request: 'list' });   // reply.response
//   const r = await admin.handler('parley.handler.analytics', { request: 'summary' });
//   const m = await admin.metrics();     // Map: name -> [{labels, value}]
//   metricSum(m, 'parley_rtp_packets_total', { direction: 'in' })
//
// Every request is bounded (timeoutMs, default 10000). A failure rejects
// with an Error whose message names the request and the reason, and whose
// .code is the Janus error code (403: the admin secret was refused), the
// HTTP status, or 0 for a network failure; .kind is 'auth', 'blocked',
// 'janus', 'module', 'http' or 'network'. A plugin's or handler's refusal
// inside a success reply ({"error": ...} in response) rejects too.

const randomString = (n = 12) => {
	const bytes = new Uint8Array(n);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
};

function failure(what, message, code, kind, reply) {
	const err = new Error(`${what}: ${message}`);
	err.code = code;
	err.kind = kind;
	err.reply = reply ?? null;
	return err;
}

/** The server's base URL from what a user typed: scheme and host, no trailing slash. */
export function normalizeServer(text, fallback = window.location.origin) {
	const raw = (text || '').trim() || fallback;
	let url;
	try {
		url = new URL(raw.includes('://') ? raw : `http://${raw}`);
	} catch {
		throw failure('server', `"${raw}" is not a URL`, 0, 'network');
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:')
		throw failure('server', `"${raw}" is not an http(s) URL (the admin API is served by the HTTP transport)`, 0, 'network');
	// a path given (e.g. ".../admin") is the admin path's parent
	const path = url.pathname.replace(/\/+$/, '').replace(/\/admin$/, '');
	return `${url.origin}${path}`;
}

export class AdminClient {
	constructor(server, secret, { adminPath = '/admin', timeoutMs = 10000 } = {}) {
		this.server = server.replace(/\/+$/, '');
		this.secret = secret;
		this.adminPath = adminPath;
		this.timeoutMs = timeoutMs;
	}

	/** One admin request: resolves with the reply of kind success (or
	 * server_info, pong); rejects as described at the top. */
	async request(verb, fields = {}, { session, handle } = {}) {
		let path = this.adminPath;
		if (session !== undefined && session !== null) path += `/${session}`;
		if (handle !== undefined && handle !== null) path += `/${handle}`;
		const body = { janus: verb, transaction: randomString(), admin_secret: this.secret, ...fields };
		const url = this.server + path;
		let r, text;
		try {
			r = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(this.timeoutMs),
				cache: 'no-store',
			});
			text = await r.text();
		} catch (e) {
			const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${url} (${e.message})`;
			throw failure(verb, why, 0, 'network');
		}
		let reply;
		try {
			reply = JSON.parse(text);
		} catch {
			throw failure(verb, `HTTP ${r.status} from ${url}, not JSON: ${text.slice(0, 160)}`, r.status, 'http');
		}
		if (reply?.janus === 'error') {
			const code = reply.error?.code ?? r.status;
			const reason = reply.error?.reason || 'error';
			if (code === 403)
				throw failure(verb, `the admin secret was refused (${code} ${reason})`, code, 'auth', reply);
			if (code === 429)
				throw failure(verb, `blocked after failed admin secrets, try again later (${code} ${reason})`, code, 'blocked', reply);
			throw failure(verb, `${code} ${reason}`, code, 'janus', reply);
		}
		if (!r.ok)
			throw failure(verb, `HTTP ${r.status}: ${text.slice(0, 160)}`, r.status, 'http', reply);
		return reply;
	}

	/** message_plugin: the plugin's response; its {"error": ...} rejects. */
	async plugin(plugin, request) {
		const reply = await this.request('message_plugin', { plugin, request });
		return moduleResponse(reply, `message_plugin ${plugin} ${request.request ?? ''}`.trim());
	}

	/** query_eventhandler: the handler's response; its {"error": ...} rejects. */
	async handler(handler, request) {
		const reply = await this.request('query_eventhandler', { handler, request });
		return moduleResponse(reply, `query_eventhandler ${request.request ?? ''}`.trim());
	}

	/** GET /metrics, parsed (the page is not behind the admin secret). */
	async metrics() {
		const url = `${this.server}/metrics`;
		let r, text;
		try {
			r = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), cache: 'no-store' });
			text = await r.text();
		} catch (e) {
			const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${url} (${e.message})`;
			throw failure('/metrics', why, 0, 'network');
		}
		if (!r.ok) throw failure('/metrics', `HTTP ${r.status}: ${text.slice(0, 160)}`, r.status, 'http');
		return parseMetrics(text);
	}
}

function moduleResponse(reply, what) {
	const response = reply.response;
	if (response === undefined || response === null)
		throw failure(what, 'no response in the reply', 0, 'module', reply);
	const error = response.error;
	if (error !== undefined && error !== null) {
		const text = typeof error === 'string' ? error : `${error.code ?? ''} ${error.message ?? error.reason ?? JSON.stringify(error)}`.trim();
		throw failure(what, text, typeof error === 'object' ? error.code ?? 0 : 0, 'module', reply);
	}
	return response;
}

/* ---- the Prometheus text format ---- */

function parseLabels(text) {
	const labels = {};
	const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
	let m;
	while ((m = re.exec(text)) !== null) labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
	return labels;
}

/** Map of metric name -> [{labels, value}] (comments and bad lines skipped). */
export function parseMetrics(text) {
	const out = new Map();
	for (const line of text.split('\n')) {
		if (!line || line[0] === '#') continue;
		const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/);
		if (!m) continue;
		const value = Number(m[3]);
		if (Number.isNaN(value)) continue;
		if (!out.has(m[1])) out.set(m[1], []);
		out.get(m[1]).push({ labels: m[2] ? parseLabels(m[2]) : {}, value });
	}
	return out;
}

/** The sum of a metric's samples whose labels include `match`; null when the metric is absent. */
export function metricSum(metrics, name, match = {}) {
	const samples = metrics.get(name);
	if (!samples) return null;
	let sum = 0;
	for (const s of samples)
		if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
	return sum;
}
