// samples.test.mjs — the installed sample configuration works as shipped:
// parleyd --configs-folder $stage/etc/parley starts (ports moved to free ones
// with the documented environment variables PORT and HTTP_PORT) and answers
// /health on both; every sample file parses as a GLib key file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ParleyServer, STAGE } from './lib/server.mjs';
import { freePort } from './lib/server.mjs';
import { printLog } from './lib/harness.mjs';

const samples = path.join(STAGE, 'etc', 'parley');

test('every installed sample .conf uses only GKeyFile syntax (# comments, [groups], key = value)', () => {
	assert.ok(fs.existsSync(samples), `${samples} does not exist (make install)`);
	const bad = [];
	for (const f of fs.readdirSync(samples).filter((n) => n.endsWith('.conf'))) {
		const lines = fs.readFileSync(path.join(samples, f), 'utf8').split('\n');
		lines.forEach((l, i) => {
			if (/^\s*$/.test(l) || /^\s*#/.test(l) || /^\s*\[[^\]]+\]\s*$/.test(l) || /^\s*[A-Za-z0-9_.\-[\]@]+\s*=/.test(l)) return;
			bad.push(`${f}:${i + 1}: ${l.slice(0, 80)}`);
		});
	}
	assert.deepEqual(bad, [], `lines GLib's key-file parser rejects:\n${bad.slice(0, 20).join('\n')}`);
});

test('parleyd starts with the installed sample configuration (ports from PORT and HTTP_PORT)', { timeout: 30000 }, async () => {
	const httpPort = await freePort();
	const wsPort = await freePort();
	// A ParleyServer whose configs folder is the installed samples, untouched.
	const srv = new ParleyServer({ httpPort, wsPort, env: { PORT: String(wsPort), HTTP_PORT: String(httpPort) } });
	srv.configDirOverride = samples;
	try {
		await srv.start();
		const r = await fetch(`${srv.httpUrl}/health`);
		assert.equal(r.status, 200);
		assert.equal((await r.json()).status, 'healthy');
	} catch (err) {
		printLog('samples', srv.log());
		throw err;
	} finally {
		await srv.stop();
		srv.cleanup();
	}
});
