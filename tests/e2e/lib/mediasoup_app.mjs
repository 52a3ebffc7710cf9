// tests/e2e/lib/mediasoup_app.mjs — the mediasoup-client participant of the
// room-mediasoup-*-netns files (room-mediasoup-tcp-netns among them, over
// ICE-TCP): pages/mediasoup-app.js (the real
// mediasoup-client and socket.io-client from node_modules) bundled with
// esbuild and served with an empty page from a loopback port, and what the
// tests read of such pages: per participant, what it decodes from every
// other (video frames, audio samples and energy of its open consumers).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { freePort } from './server.mjs';

const PAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pages');

/** Bundles the app and serves it: {url, close()} (close also removes the bundle). */
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

/** Writes a 1 s 440 Hz tone (16-bit mono PCM WAV, 48 kHz) to `file`: with
 * Chromium's --use-file-for-fake-audio-capture the fake microphone plays it
 * in a loop, so a receiver's audio energy rises (the default fake
 * microphone is mostly silence). */
export function writeToneWav(file, { hz = 440, rate = 48000, amplitude = 0.3 } = {}) {
	const samples = rate;
	const wav = Buffer.alloc(44 + samples * 2);
	wav.write('RIFF', 0);
	wav.writeUInt32LE(36 + samples * 2, 4);
	wav.write('WAVEfmt ', 8);
	wav.writeUInt32LE(16, 16);       // fmt chunk size
	wav.writeUInt16LE(1, 20);        // PCM
	wav.writeUInt16LE(1, 22);        // mono
	wav.writeUInt32LE(rate, 24);
	wav.writeUInt32LE(rate * 2, 28); // byte rate
	wav.writeUInt16LE(2, 32);        // block align
	wav.writeUInt16LE(16, 34);       // bits per sample
	wav.write('data', 36);
	wav.writeUInt32LE(samples * 2, 40);
	for (let i = 0; i < samples; i++)
		wav.writeInt16LE(Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * hz * i / rate)), 44 + i * 2);
	fs.writeFileSync(file, wav);
}

/** A page's state for failure messages (the last events only). */
export const mscState = () => window.msc && { ...window.msc.state, events: window.msc.state.events.slice(-15) };

/** What one mediasoup page decodes: {peerId, from: {peerId: {video, screen, audio, energy, camera, screenRx}}},
 * the largest counters over its open consumers of each other participant
 * (video: cameras, screen: producers with source "screen"; camera and
 * screenRx: the receive counters of the consumer that decoded most). */
export async function mscView(page) {
	const s = await page.evaluate(() => window.msc.state);
	const from = {};
	for (const [peer, list] of Object.entries(s.remote)) {
		const open = Object.values(list).filter((r) => !r.closed);
		const most = (pick, key) => Math.max(0, ...open.filter(pick).map((r) => r[key] || 0));
		const first = (pick) => open.filter(pick).sort((a, b) => b.framesDecoded - a.framesDecoded)[0];
		const camera = first((r) => r.kind === 'video' && r.source !== 'screen');
		const screen = first((r) => r.kind === 'video' && r.source === 'screen');
		from[peer] = {
			video: most((r) => r.kind === 'video' && r.source !== 'screen', 'framesDecoded'),
			screen: most((r) => r.kind === 'video' && r.source === 'screen', 'framesDecoded'),
			audio: most((r) => r.kind === 'audio', 'audioSamples'),
			energy: most((r) => r.kind === 'audio', 'audioEnergy'),
			camera: camera?.rx,   // receive counters (getStats), for failure reports
			...(screen ? { screenRx: screen.rx } : {}),
		};
	}
	return { peerId: s.peerId, from };
}
