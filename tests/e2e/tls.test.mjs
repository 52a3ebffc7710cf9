// tls.test.mjs — HTTPS and WSS: a self-signed P-256 certificate for
// 127.0.0.1 (openssl, in the test's temporary folder) configured as
// secure_port/cert_pem/cert_key on both transports. The Janus API is driven
// over https (node:https with the certificate as CA, and fetch in a child
// process with NODE_EXTRA_CA_CERTS) and over wss (ws with `ca`); answers
// over TLS carry Strict-Transport-Security, plain HTTP does not; a client
// that does not trust the certificate is refused. A missing certificate
// file is a clear error at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, freePort, writeConfigs, PARLEYD, STAGE } from './lib/server.mjs';
import { printLog } from './lib/harness.mjs';
import { tx } from './lib/janus.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-tls-'));
const certPath = path.join(dir, 'cert.pem');
const keyPath = path.join(dir, 'key.pem');
let srv = null;
let ca = null;
let httpsPort = 0;
let wssPort = 0;

before(async () => {
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
		'-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2',
		'-keyout', keyPath, '-out', certPath], { stdio: 'pipe', timeout: 20000 });
	ca = fs.readFileSync(certPath);
	httpsPort = await freePort();
	wssPort = await freePort();
	const tls = { secure_port: 0, cert_pem: certPath, cert_key: keyPath };
	srv = await startServer({
		config: {
			'parley.transport.http': { general: { ...tls, secure_port: httpsPort } },
			'parley.transport.websocket': { general: { ...tls, secure_port: wssPort } },
		},
	});
});

after(async () => {
	if (srv) {
		await srv.stop();
		srv.cleanup();
	}
	fs.rmSync(dir, { recursive: true, force: true });
});

/** One HTTPS request trusting only our certificate: {status, headers, json}. */
function httpsRequest(method, urlPath, body, { trust = true, chunked = false } = {}) {
	const text = body ? JSON.stringify(body) : null;
	const headers = text ? { 'content-type': 'application/json' } : {};
	if (text && !chunked) headers['content-length'] = Buffer.byteLength(text);
	return new Promise((resolve, reject) => {
		const req = https.request({
			host: '127.0.0.1', port: httpsPort, path: urlPath, method,
			ca: trust ? ca : undefined, timeout: 10000, headers,
		}, (res) => {
			let raw = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { raw += c; });
			res.on('end', () => {
				let json = null;
				try { json = JSON.parse(raw); } catch { /* not JSON */ }
				resolve({ status: res.statusCode, headers: res.headers, raw, json });
			});
		});
		req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer within 10 s`)));
		req.on('error', reject);
		if (text) req.write(text);
		req.end();
	});
}

function withLog(fn) {
	return async (t) => {
		const mark = srv.logMark();
		try {
			await fn(t);
		} catch (err) {
			printLog(t.name, srv.logSince(mark));
			throw err;
		}
	};
}

test('https: info, create, attach, message with long-poll event, destroy; HSTS on every answer', withLog(async () => {
	const info = await httpsRequest('GET', '/janus/info');
	assert.equal(info.status, 200);
	assert.equal(info.json?.janus, 'server_info');
	assert.match(info.headers['strict-transport-security'] || '', /max-age=\d+/,
		`no Strict-Transport-Security over https: ${JSON.stringify(info.headers)}`);

	const created = await httpsRequest('POST', '/janus', { janus: 'create', transaction: tx() });
	assert.equal(created.json?.janus, 'success', created.raw);
	assert.match(created.headers['strict-transport-security'] || '', /max-age=/);
	const session = created.json.data.id;
	const attached = await httpsRequest('POST', `/janus/${session}`,
		{ janus: 'attach', plugin: 'parley.plugin.echo', transaction: tx() });
	assert.equal(attached.json?.janus, 'success', attached.raw);
	const handle = attached.json.data.id;
	const t = tx();
	const ack = await httpsRequest('POST', `/janus/${session}/${handle}`,
		{ janus: 'message', body: { over: 'tls' }, transaction: t });
	assert.equal(ack.json?.janus, 'ack', ack.raw);
	let event = null;
	for (let i = 0; i < 5 && !event; i++) {
		const polled = await httpsRequest('GET', `/janus/${session}?maxev=5`);
		const list = Array.isArray(polled.json) ? polled.json : [polled.json];
		event = list.find((m) => m?.janus === 'event' && m.transaction === t) || null;
	}
	assert.ok(event, 'the echo event came back over the https long-poll');
	assert.equal(event.plugindata.data.over, 'tls');
	const destroyed = await httpsRequest('POST', `/janus/${session}`, { janus: 'destroy', transaction: tx() });
	assert.equal(destroyed.json?.janus, 'success', destroyed.raw);
}));

test('https: plain http on the other port answers without Strict-Transport-Security', withLog(async () => {
	const r = await fetch(`${srv.httpUrl}/janus/info`, { signal: AbortSignal.timeout(5000) });
	await r.arrayBuffer();
	assert.equal(r.status, 200);
	assert.equal(r.headers.get('strict-transport-security'), null);
}));

test('https: fetch in a child process trusting the certificate through NODE_EXTRA_CA_CERTS', withLog(async () => {
	const script = `fetch('https://127.0.0.1:${httpsPort}/janus', { method: 'POST',
		body: JSON.stringify({ janus: 'ping', transaction: 'child' }), signal: AbortSignal.timeout(8000) })
		.then(async (r) => console.log(JSON.stringify({ status: r.status,
			hsts: r.headers.get('strict-transport-security'), body: await r.json() })))
		.catch((e) => { console.log(JSON.stringify({ error: String(e.cause?.code || e.message) })); });`;
	const out = execFileSync(process.execPath, ['-e', script], {
		env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath }, timeout: 15000, encoding: 'utf8',
	});
	const r = JSON.parse(out.trim().split('\n').pop());
	assert.equal(r.error, undefined, `fetch over https failed: ${out}`);
	assert.equal(r.status, 200);
	assert.deepEqual([r.body.janus, r.body.transaction], ['pong', 'child']);
	assert.match(r.hsts || '', /max-age=/);
	// Without the certificate the same fetch is refused.
	const refused = execFileSync(process.execPath, ['-e', script], {
		env: { ...process.env, NODE_EXTRA_CA_CERTS: '' }, timeout: 15000, encoding: 'utf8',
	});
	assert.match(refused, /"error":"[A-Z_]*(SELF_SIGNED|CERT|VERIFY)/, `untrusted certificate accepted: ${refused}`);
}));

test('https: a chunked POST (no Content-Length) → 411 with a reason, not an empty request', withLog(async () => {
	const r = await httpsRequest('POST', '/janus', { janus: 'ping', transaction: tx() }, { chunked: true });
	assert.equal(r.status, 411, r.raw);
	assert.match(r.json?.error || '', /Content-Length/);
	const ok = await httpsRequest('POST', '/janus', { janus: 'ping', transaction: tx() });
	assert.equal(ok.json?.janus, 'pong', 'the server still serves');
}));

test('https: a client that does not trust the certificate is refused', withLog(async () => {
	await assert.rejects(httpsRequest('GET', '/janus/info', null, { trust: false }),
		(e) => /self[- ]signed|certificate/i.test(`${e.code} ${e.message}`));
}));

/** Opens a wss:// Janus connection trusting our certificate. */
function wssConnect(protocol = 'janus-protocol', options = { ca }) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`wss://127.0.0.1:${wssPort}/`, protocol, options);
		const t = setTimeout(() => { ws.terminate(); reject(new Error('wss not open within 5 s')); }, 5000);
		ws.once('open', () => { clearTimeout(t); resolve(ws); });
		ws.once('error', (e) => { clearTimeout(t); reject(e); });
	});
}

function wssRequest(ws, msg, pred = (m) => m.transaction === msg.transaction && m.janus !== 'event') {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => { ws.off('message', on); reject(new Error(`no answer to ${JSON.stringify(msg)}`)); }, 5000);
		function on(data) {
			const m = JSON.parse(data.toString());
			if (pred(m)) {
				clearTimeout(t);
				ws.off('message', on);
				resolve(m);
			}
		}
		ws.on('message', on);
		if (msg) ws.send(JSON.stringify(msg));
	});
}

test('wss: create, attach, message → ack then event, detach, destroy', withLog(async () => {
	const ws = await wssConnect();
	try {
		const created = await wssRequest(ws, { janus: 'create', transaction: tx() });
		assert.equal(created.janus, 'success');
		const session = created.data.id;
		const attached = await wssRequest(ws, { janus: 'attach', session_id: session, plugin: 'parley.plugin.echo',
			transaction: tx() });
		assert.equal(attached.janus, 'success');
		const handle = attached.data.id;
		const t = tx();
		const both = wssRequest(ws, null, (m) => m.janus === 'event' && m.transaction === t);
		const ack = await wssRequest(ws, { janus: 'message', session_id: session, handle_id: handle,
			body: { over: 'wss' }, transaction: t });
		assert.equal(ack.janus, 'ack');
		const event = await both;
		assert.equal(event.plugindata.data.over, 'wss');
		const destroyed = await wssRequest(ws, { janus: 'destroy', session_id: session, transaction: tx() });
		assert.equal(destroyed.janus, 'success');
	} finally {
		ws.close();
	}
}));

test('wss: the admin protocol answers over TLS; an untrusting client is refused', withLog(async () => {
	const admin = await wssConnect('janus-admin-protocol');
	try {
		const r = await wssRequest(admin, { janus: 'ping', transaction: tx() });
		assert.equal(r.janus, 'pong');
	} finally {
		admin.close();
	}
	await assert.rejects(wssConnect('janus-protocol', {}), /self[- ]signed|certificate/i);
}));

test('a missing certificate file is a clear error at start', async () => {
	const conf = path.join(dir, 'bad-conf');
	const port = await freePort();
	const missing = path.join(dir, 'no-such-cert.pem');
	const lib = path.join(STAGE, 'lib', 'parley');
	writeConfigs(conf, {
		parley: { general: { log_level: 4, log_file: null, event_loops: 1, state_dir: path.join(dir, 'state'),
			plugins_folder: path.join(lib, 'plugins'), transports_folder: path.join(lib, 'transports'),
			handlers_folder: path.join(lib, 'handlers') },
			transports: { disable: 'parley_transport_websocket.so,parley_transport_redis.so' } },
		'parley.transport.http': { general: { interface: '127.0.0.1', port: await freePort(), secure_port: port,
			cert_pem: missing, cert_key: keyPath } },
	});
	const proc = spawn(PARLEYD, ['--configs-folder', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	proc.stdout.on('data', (c) => { log += c; });
	proc.stderr.on('data', (c) => { log += c; });
	const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	const deadline = Date.now() + 10000;
	while (Date.now() < deadline && !log.includes(missing)) {
		const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 100))]);
		if (done) break;
	}
	if (proc.exitCode === null) proc.kill('SIGTERM');
	const exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
	if (!exit) proc.kill('SIGKILL');
	assert.match(log, new RegExp(`cert_pem ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(No such file|cannot)`),
		`the log names the certificate file and why it cannot be used:\n${log.slice(-3000)}`);
});
