// tests/e2e/lib/loadgen.mjs — runs bench/loadgen's parley-loadgen from the
// build under test, bounded in time (SIGKILL past the bound), keeping its
// JSON summary (the first stdout line) and the tail of its log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILDDIR } from './server.mjs';

export const LOADGEN = path.join(BUILDDIR, 'bench/loadgen/parley-loadgen');

/** Starts parley-loadgen with `args`: {proc, done, stderr()}, where `done`
 * resolves {code, summary, stdout, stderr} when it exits (summary null when
 * the first stdout line is not JSON) and rejects after `timeoutMs`. */
export function startLoadgen(args, timeoutMs = 60000) {
	assert.ok(fs.existsSync(LOADGEN), `${LOADGEN} is missing (make bench/loadgen/parley-loadgen)`);
	const proc = spawn(LOADGEN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', err = '';
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { err += d; if (err.length > 200000) err = err.slice(-100000); });
	const done = new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			reject(new Error(`parley-loadgen still running after ${timeoutMs} ms\n${err.slice(-3000)}`));
		}, timeoutMs);
		proc.on('error', (e) => { clearTimeout(timer); reject(e); });
		proc.on('exit', (code) => {
			clearTimeout(timer);
			let summary = null;
			try { summary = JSON.parse(out.split('\n')[0]); } catch { /* the caller checks summary */ }
			resolve({ code, summary, stdout: out, stderr: err });
		});
	});
	return { proc, done, stderr: () => err };
}

/** Runs parley-loadgen to its end: the `done` of startLoadgen. */
export function runLoadgen(args, timeoutMs = 60000) {
	return startLoadgen(args, timeoutMs).done;
}
