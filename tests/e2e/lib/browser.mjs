// tests/e2e/lib/browser.mjs — headless Chromium for the demo-page tests:
// the launch line of TESTING.md (fake camera and microphone, loopback ICE),
// pages that keep their console for failure messages, bounded waits on a
// page's window state, and a check that the test runs in a network namespace
// with only loopback (so WebRTC cannot pick another interface).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SRCDIR } from './server.mjs';

export const CHROMIUM = process.env.PARLEY_CHROMIUM || '/usr/bin/chromium';
/** The demo pages of the source tree, served by the HTTP transport. */
export const HTML_DIR = path.join(SRCDIR, 'html');

export const LAUNCH_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection',
	'--disable-features=WebRtcHideLocalIpsWithMdns'];

/** Network interfaces other than loopback that are up: [] inside `unshare --net`. */
export function nonLoopbackInterfaces() {
	return Object.entries(os.networkInterfaces())
		.filter(([, addrs]) => addrs.some((a) => !a.internal))
		.map(([name]) => name);
}

/** Fails unless only loopback is present (tests/run.sh runs *-netns files so). */
export function assertLoopbackOnly() {
	const others = nonLoopbackInterfaces();
	assert.deepEqual(others, [], `this test must run in a network namespace with only lo ` +
		`(tests/run.sh runs *-netns.test.mjs under "unshare --net"); found ${others.join(', ')}`);
}

/** Chromium with LAUNCH_ARGS and `extraArgs`. */
export async function launchBrowser(extraArgs = []) {
	assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
	return chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, ...extraArgs], timeout: 30000 });
}

/** Opens url in a new page of `browser` (or of a context); collects console lines. */
export async function openPage(browser, url, label = 'page') {
	const page = await browser.newPage();
	const lines = [];
	page.on('console', (m) => lines.push(`[${label} ${m.type()}] ${m.text()}`));
	page.on('pageerror', (e) => lines.push(`[${label} pageerror] ${e.message}`));
	page.consoleLines = lines;
	const resp = await page.goto(url, { timeout: 15000 });
	assert.equal(resp?.status(), 200, `GET ${url} answered ${resp?.status()}`);
	return page;
}

/** Polls `fn(arg)` in the page until it returns a truthy value; bounded.
 * `describe()` (page function) says what the page saw, for the message. */
export async function waitInPage(page, fn, arg, { timeoutMs = 20000, what = 'the condition', describe } = {}) {
	const deadline = Date.now() + timeoutMs;
	let value = null;
	while (Date.now() < deadline) {
		value = await page.evaluate(fn, arg);
		if (value) return value;
		await new Promise((r) => setTimeout(r, 250));
	}
	const seen = describe ? await page.evaluate(describe).catch((e) => `(page gone: ${e.message})`) : value;
	throw new Error(`${what} not reached within ${timeoutMs} ms; page state: ${JSON.stringify(seen)?.slice(0, 2000)}`);
}

/** Console lines of all pages, last ones, for a failure message. */
export function consoleOf(pages, n = 40) {
	return pages.flatMap((p) => p.consoleLines || []).slice(-n).join('\n');
}
