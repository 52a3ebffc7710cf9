// core-deps.test.mjs — the core's include graph stays a graph without
// circles: tools/core-deps (the script HACKING.md's dependency graph comes
// from) exits 0 only when no two modules of core/ include each other, even
// through others, and no file of core/media includes a core header.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { SRCDIR } from './lib/server.mjs';

test('tools/core-deps: no include cycle in core/, no core header included from core/media', () => {
	const r = spawnSync('python3', [path.join(SRCDIR, 'tools/core-deps'), SRCDIR], { encoding: 'utf8' });
	assert.equal(r.error, undefined, `cannot run tools/core-deps: ${r.error}`);
	assert.equal(r.status, 0, `tools/core-deps reports:\n${r.stdout}${r.stderr}`);
});
