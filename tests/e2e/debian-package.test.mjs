// tests/e2e/debian-package.test.mjs — the Debian packages, end to end.
//
// 1. tests/package/build-and-install.sh copies the source tree (git's file
//    list, so the work tree is untouched) into a temporary folder, runs
//    dpkg-buildpackage -us -uc -b -j2, checks every .deb's contents, the
//    unit, conffiles and maintainer scripts, runs lintian when installed
//    (errors fail), extracts parley + parley-dev + parley-demos into a
//    temporary root and builds examples/plugin there with only pkg-config.
// 2. The extracted parleyd starts with the extracted /etc/parley samples,
//    changed only where a test must (free loopback ports, folders inside the
//    temporary root, no Redis transport), answers GET /health on both
//    transports, serves the extracted demo pages, loads the example plugin
//    built against the packaged headers, and stops cleanly on SIGTERM.
// Nothing is installed system-wide. The package does not depend on the build
// under test, so the sanitizer stage of the suite skips this file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, SRCDIR, BUILDDIR, waitForHealth } from './lib/server.mjs';
import { HttpJanus, assertReply } from './lib/janus.mjs';

// ~100 s alone on 2 cores; the suite runs this file beside the others, and
// the build niced (nice -n 10), so their clients keep their timers.
const BUILD_TIMEOUT_MS = 1000000;
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-deb-'));
let packaged = null; // {root, multiarch, version} once step 1 passed

after(() => {
	if (!process.env.PARLEY_E2E_KEEP) fs.rmSync(workdir, { recursive: true, force: true });
});

/** Why this file does not run in this stage, or null. */
function skipReason() {
	try {
		const status = fs.readFileSync(path.join(BUILDDIR, 'config.status'), 'utf8');
		if (/--enable-sanitizers/.test(status)) {
			return 'the package is built from source, not from the build under test: runs in the normal stage only';
		}
	} catch { /* no config.status: run */ }
	return null;
}

/** Runs cmd with args in its own process group; kills the group after
 * timeoutMs. Resolves {code, signal, output} (stdout and stderr together). */
function run(cmd, args, timeoutMs) {
	return new Promise((resolve) => {
		const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (d) => { output += d; });
		child.stderr.on('data', (d) => { output += d; });
		const timer = setTimeout(() => {
			output += `\n[killed after ${timeoutMs} ms]\n`;
			try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
		}, timeoutMs);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, output });
		});
	});
}

/** Sets key = value in [section] of INI text (an uncommented key is
 * replaced; a commented sample line stays as documentation). */
function setIni(text, section, key, value) {
	const lines = text.split('\n');
	const keyRe = new RegExp(`^\\s*${key}\\s*=`);
	let start = -1, end = lines.length;
	for (let i = 0; i < lines.length; i++) {
		const m = lines[i].match(/^\s*\[([^\]]+)\]\s*$/);
		if (!m) continue;
		if (start >= 0) { end = i; break; }
		if (m[1].trim() === section) start = i;
	}
	if (start < 0) return `${text.replace(/\n*$/, '\n')}\n[${section}]\n${key} = ${value}\n`;
	const body = lines.slice(start + 1, end).filter((l) => !keyRe.test(l));
	return [...lines.slice(0, start + 1), `${key} = ${value}`, ...body, ...lines.slice(end)].join('\n');
}

/** The extracted samples with the test's changes, written into dir. */
function writeConfigs(dir, changes) {
	const samples = path.join(packaged.root, 'etc', 'parley');
	fs.mkdirSync(dir, { recursive: true });
	const files = fs.readdirSync(samples).filter((f) => f.endsWith('.conf'));
	assert.ok(files.includes('parley.conf'), `no parley.conf among the extracted samples: ${files}`);
	for (const f of files) {
		let text = fs.readFileSync(path.join(samples, f), 'utf8');
		for (const [section, keys] of Object.entries(changes[f.slice(0, -5)] || {})) {
			for (const [k, v] of Object.entries(keys)) text = setIni(text, section, k, v);
		}
		fs.writeFileSync(path.join(dir, f), text);
	}
	return dir;
}

test('debian: dpkg-buildpackage builds parley, parley-dev, parley-demos; contents, unit, lintian, example plugin against the extracted package',
	{ skip: skipReason() ?? false, timeout: BUILD_TIMEOUT_MS + 10000 }, async (t) => {
		const script = path.join(SRCDIR, 'tests', 'package', 'build-and-install.sh');
		const t0 = Date.now();
		const r = await run('nice', ['-n', '10', 'bash', script, SRCDIR, workdir], BUILD_TIMEOUT_MS);
		fs.writeFileSync(path.join(workdir, 'build-and-install.out'), r.output);
		assert.equal(r.code, 0, `build-and-install.sh failed (exit ${r.code}, signal ${r.signal}):\n` +
			r.output.slice(-6000));
		for (const line of r.output.split('\n')) {
			if (/^(built in|lintian|[IWE]: |== lintian is not installed)/.test(line)) t.diagnostic(line);
		}
		t.diagnostic(`build, checks and example plugin: ${Math.round((Date.now() - t0) / 1000)} s`);
		const env = Object.fromEntries(fs.readFileSync(path.join(workdir, 'paths.env'), 'utf8')
			.split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
		assert.ok(env.ROOT && env.MULTIARCH && env.VERSION, `paths.env is incomplete: ${JSON.stringify(env)}`);
		packaged = { root: env.ROOT, multiarch: env.MULTIARCH, version: env.VERSION };
	});

test('debian: the extracted parleyd starts from the packaged samples, answers /health, serves the demos, loads the example plugin, stops on SIGTERM',
	{ skip: skipReason() ?? false, timeout: 90000 }, async () => {
		assert.ok(packaged, 'the packages were not built (see the previous test)');
		const { root, multiarch } = packaged;
		const lib = path.join(root, 'usr', 'lib', multiarch, 'parley');
		const html = path.join(root, 'usr', 'share', 'parley', 'html');
		const httpPort = await freePort();
		const wsPort = await freePort();
		const rundir = path.join(workdir, 'run');
		const secret = 'package-admin-secret';
		const confdir = writeConfigs(path.join(rundir, 'conf'), {
			parley: {
				general: {
					state_dir: path.join(rundir, 'state'), event_loops: 1, log_level: 4,
					plugins_folder: path.join(lib, 'plugins'), transports_folder: path.join(lib, 'transports'),
					handlers_folder: path.join(lib, 'handlers'),
				},
				auth: { admin_secret: secret },
				transports: { disable: 'parley.transport.redis' },
			},
			'parley.transport.http': { general: { interface: '127.0.0.1', port: httpPort, html_folder: html } },
			'parley.transport.websocket': { general: { interface: '127.0.0.1', port: wsPort } },
		});

		const logPath = path.join(rundir, 'parleyd.out');
		const out = fs.openSync(logPath, 'w');
		// Only PATH and HOME: no environment variable may override the files.
		const proc = spawn(path.join(root, 'usr', 'bin', 'parleyd'), ['--configs-folder', confdir],
			{ env: { PATH: process.env.PATH, HOME: rundir }, stdio: ['ignore', out, out] });
		fs.closeSync(out);
		let exit = null;
		const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
			exit = { code, signal };
			resolve(exit);
		}));
		const log = () => fs.readFileSync(logPath, 'utf8').slice(-4000);
		try {
			// Both transports answer GET /health (within 30 s: other test files may load the machine).
			const urls = [`http://127.0.0.1:${httpPort}/health`, `http://127.0.0.1:${wsPort}/health`];
			const { ready, last } = await waitForHealth(urls, 30000, () => exit !== null);
			assert.equal(exit, null, `parleyd exited during start-up (${JSON.stringify(exit)}):\n${log()}`);
			assert.equal(ready.size, urls.length,
				`GET /health answered 200 on ${[...ready]} only, wanted ${urls} (last: ${last}):\n${log()}`);

			// The demo pages come from the extracted parley-demos.
			const page = await fetch(`http://127.0.0.1:${httpPort}/index.html`, { signal: AbortSignal.timeout(5000) });
			assert.equal(page.status, 200, `GET /index.html from html_folder ${html}`);
			assert.equal(await page.text(), fs.readFileSync(path.join(html, 'index.html'), 'utf8'));
			// The package build has no npm packages: the mediasoup-client page is
			// there and its bundle is the notice that says it was not built.
			const bundle = await fetch(`http://127.0.0.1:${httpPort}/mediasoup-client.bundle.js`, { signal: AbortSignal.timeout(5000) });
			assert.equal(bundle.status, 200, 'GET /mediasoup-client.bundle.js');
			assert.match(await bundle.text(), /export const unbuilt = /, 'the packaged bundle is the "not built" notice');

			// The example plugin, built against parley-dev, answers through the packaged daemon.
			const api = new HttpJanus(`http://127.0.0.1:${httpPort}`);
			const session = await api.createSession();
			const handle = await api.attach(session, 'parley.plugin.hello');
			const reply = await api.request({ janus: 'message', body: { request: 'hello', name: 'Ada' } },
				{ path: `/${session}/${handle}` });
			assertReply(reply, 'success', 'message to parley.plugin.hello');
			assert.equal(reply.plugindata?.plugin, 'parley.plugin.hello');
			assert.equal(reply.plugindata?.data?.hello, 'Ada');
			assertReply(await api.request({ janus: 'destroy' }, { path: `/${session}` }), 'success', 'destroy');

			// A graceful stop: exit status 0 within the unit's TimeoutStopSec (15 s).
			proc.kill('SIGTERM');
			const timer = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 15000);
			const status = await exited;
			clearTimeout(timer);
			assert.deepEqual(status, { code: 0, signal: null }, `parleyd did not exit 0 on SIGTERM:\n${log()}`);
		} finally {
			if (!exit) {
				proc.kill('SIGKILL');
				await exited;
			}
		}
	});
