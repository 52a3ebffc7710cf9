// tests/e2e/lib/meetings.mjs — the meeting plugin's REST routes for the
// tests: a fetch wrapper that returns {status, body, headers} (body parsed
// as JSON, or the raw text when it is not), bounded by a timeout, and
// assertion helpers for the seed's {"success":...} shapes.
import assert from 'node:assert/strict';

const show = (v) => JSON.stringify(v)?.slice(0, 600);

/** One REST call; `body` an object (JSON), a string (sent as is) or undefined. */
export async function rest(baseUrl, method, path, body, { headers = {}, timeoutMs = 10000 } = {}) {
	const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
	if (body !== undefined) {
		init.body = typeof body === 'string' ? body : JSON.stringify(body);
		init.headers['content-type'] ??= 'application/json';
	}
	let r, raw;
	try {
		r = await fetch(baseUrl + path, init);
		raw = await r.text();
	} catch (e) {
		throw new Error(`${method} ${path}: ${e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `connection failed (${e.cause?.code || e.message})`}`);
	}
	let json = null;
	try { json = JSON.parse(raw); } catch { /* not JSON */ }
	return { status: r.status, body: json ?? raw, headers: r.headers, what: `${method} ${path} ${init.body ? init.body.slice(0, 200) : ''}` };
}

/** Asserts a success answer with `status`; returns the body. */
export function ok(r, status = 200) {
	assert.equal(r.status, status, `${r.what}: expected HTTP ${status}, got ${r.status}: ${show(r.body)}`);
	assert.equal(r.body?.success, true, `${r.what}: expected success:true, got ${show(r.body)}`);
	return r.body;
}

/** Asserts a failure {"success":false,"error":...} with `status`, and that
 * the error text matches `pattern` (a field name, a phrase). */
export function fails(r, status, pattern) {
	assert.equal(r.status, status, `${r.what}: expected HTTP ${status}, got ${r.status}: ${show(r.body)}`);
	assert.equal(r.body?.success, false, `${r.what}: expected success:false, got ${show(r.body)}`);
	assert.equal(typeof r.body.error, 'string', `${r.what}: error must be a string: ${show(r.body)}`);
	if (pattern) assert.match(r.body.error, pattern, `${r.what}: error text`);
	return r.body;
}

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Creates a meeting (201); returns the meeting object. */
export async function createMeeting(baseUrl, fields = {}) {
	const body = { title: 'Team Standup', hostId: 'host-1', hostName: 'Host One', ...fields };
	const r = await rest(baseUrl, 'POST', '/api/meetings/create', body);
	return ok(r, 201).meeting;
}
