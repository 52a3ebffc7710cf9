// lifecycle.test.mjs — process signals: SIGTERM tells connected WebSocket
// clients (detached/hangup for their handles) and exits 0 within the grace
// period; SIGHUP reopens the log file (rename it, signal, a new file appears
// and receives the following lines).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ownServerTest } from './lib/harness.mjs';
import { HttpJanus, WsJanus } from './lib/janus.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

ownServerTest('SIGTERM: WebSocket clients get detached events, parleyd exits 0 within the grace', async (own) => {
	const srv = await own({ config: { parley: { general: { shutdown_grace: 1000 } } } });
	const c = await WsJanus.connect(srv.wsUrl);
	const s = await c.createSession();
	const h1 = await c.attach(s);
	const h2 = await c.attach(s);
	const t0 = Date.now();
	srv.signal('SIGTERM');
	await c.event('detached', (m) => m.sender === h1 && m.session_id === s, 5000);
	await c.event('detached', (m) => m.sender === h2 && m.session_id === s, 5000);
	const exit = await Promise.race([srv.exited, sleep(8000).then(() => null)]);
	assert.ok(exit, 'parleyd still running 8 s after SIGTERM (grace is 1 s)');
	const took = Date.now() - t0;
	assert.deepEqual(exit, { code: 0, signal: null }, `exit status after SIGTERM: ${JSON.stringify(exit)}`);
	assert.ok(took < 5000, `shutdown took ${took} ms, grace is 1000 ms`);
	await c.closed; // the server closed the socket
});

ownServerTest('SIGHUP reopens the log file', async (own) => {
	const dir = fs.mkdtempSync('/tmp/parley-e2e-log-');
	const logFile = path.join(dir, 'parley.log');
	try {
		const srv = await own({ config: { parley: { general: { log_file: logFile, log_level: 5 } } } });
		assert.ok(fs.existsSync(logFile), `log_file ${logFile} was not created`);
		assert.ok(fs.statSync(logFile).size > 0, 'log file is empty after start-up');
		fs.renameSync(logFile, `${logFile}.1`);
		srv.signal('SIGHUP');
		const deadline = Date.now() + 5000;
		const api = new HttpJanus(srv.httpUrl);
		while (!fs.existsSync(logFile) && Date.now() < deadline) {
			await api.request({ janus: 'ping' }); // gives the log something to say
			await sleep(100);
		}
		assert.ok(fs.existsSync(logFile), 'no new log file 5 s after SIGHUP');
		// Lines after SIGHUP go to the new file, not to the renamed one.
		const before = fs.statSync(`${logFile}.1`).size;
		const s = await api.createSession();
		await api.request({ janus: 'destroy' }, { path: `/${s}` });
		await sleep(300);
		assert.equal(fs.statSync(`${logFile}.1`).size, before, 'the renamed file still grows after SIGHUP');
		assert.ok(srv.alive(), 'parleyd must survive SIGHUP');
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
