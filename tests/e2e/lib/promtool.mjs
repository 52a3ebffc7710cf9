// tests/e2e/lib/promtool.mjs — `promtool check metrics` (Debian package
// prometheus) on a /metrics page, and a reader of its samples.
import { spawn } from 'node:child_process';

export const PROMTOOL = process.env.PARLEY_PROMTOOL || '/usr/bin/promtool';

/** Runs promtool on `text`: {code, output} (output: what it complained about). */
export function promtoolCheck(text, timeoutMs = 20000) {
	return new Promise((resolve, reject) => {
		const p = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
		let output = '';
		p.stdout.on('data', (d) => { output += d; });
		p.stderr.on('data', (d) => { output += d; });
		const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
		p.on('error', (e) => { clearTimeout(t); reject(e); });
		p.on('close', (code) => { clearTimeout(t); resolve({ code, output }); });
		p.stdin.end(text);
	});
}

/** {name: {labels text: value}} and {name: type} from a Prometheus text page. */
export function parseMetrics(text) {
	const samples = {};
	const types = {};
	for (const line of text.split('\n')) {
		const t = line.match(/^# TYPE (\S+) (\S+)$/);
		if (t) { types[t[1]] = t[2]; continue; }
		if (!line || line.startsWith('#')) continue;
		const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/);
		if (!m) throw new Error(`not a sample line: ${line}`);
		(samples[m[1]] ??= {})[m[2] || ''] = Number(m[3]);
	}
	return { samples, types };
}
