// mediasoup_app.mjs — bundles pages/mediasoup-app.js (the real
// mediasoup-client and socket.io-client from npm) with esbuild and serves
// it with a page on a loopback port, for the tests that run
// mediasoup-client pages against parley.plugin.room.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { freePort } from './server.mjs';

const PAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pages');

/** { url, close() }: the page at url loads the bundle; close stops serving and removes it. */
export async function serveMediasoupApp() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-msc-'));
	await esbuild.build({
		entryPoints: [path.join(PAGES, 'mediasoup-app.js')], bundle: true, format: 'iife',
		platform: 'browser', target: 'chrome120', outfile: path.join(dir, 'app.js'), logLevel: 'silent',
	});
	const files = {
		'/': ['text/html', '<!doctype html><meta charset="utf-8"><title>mediasoup app</title><script src="/app.js"></script>'],
		'/app.js': ['text/javascript', fs.readFileSync(path.join(dir, 'app.js'))],
	};
	const port = await freePort();
	const site = http.createServer((req, res) => {
		const file = files[req.url.split('?')[0]];
		res.writeHead(file ? 200 : 404, { 'content-type': file ? file[0] : 'text/plain' });
		res.end(file ? file[1] : 'not found');
	});
	await new Promise((resolve) => site.listen(port, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${port}/`,
		close() {
			site.close();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
