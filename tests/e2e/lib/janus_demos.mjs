// tests/e2e/lib/janus_demos.mjs — Janus's own demo pages (Debian's
// janus-demos, /usr/share/janus/demos) served unchanged to headless
// Chromium through Playwright's page.route, under parleyd's own origin
// (so the admin page's XHRs to /admin are same-origin): the pages, their
// janus.js and the libraries they load from javascript/ (the libjs-*
// packages the demos depend on) come from disk; only the configuration
// files a deployment edits (settings.js, adminconfig.js) are the test's.
// A request for anything else off 127.0.0.1 (a CDN) is refused and
// recorded, so a test can say the page needed nothing from outside.
import fs from 'node:fs';
import path from 'node:path';

export const JANUS_DEMOS = process.env.PARLEY_JANUS_DEMOS || '/usr/share/janus/demos';
/** The prefix the demo pages are served under on parleyd's HTTP origin. */
export const DEMOS_PREFIX = '/janus-demos';

const TYPES = {
	'.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.css': 'text/css',
	'.png': 'image/png', '.ico': 'image/x-icon', '.svg': 'image/svg+xml', '.woff': 'font/woff',
	'.woff2': 'font/woff2', '.ttf': 'font/ttf', '.eot': 'application/vnd.ms-fontobject', '.map': 'application/json',
};

/** Files a test needs from janus-demos that are missing ([] when all are there). */
export function missingDemoFiles(pages) {
	const need = [...pages, 'javascript/jquery/jquery.min.js', 'javascript/bootstrap/js/bootstrap.min.js',
		'javascript/bootbox/bootbox.min.js', 'javascript/janus-gateway/janus.min.js'];
	return need.filter((f) => !fs.existsSync(path.join(JANUS_DEMOS, f)));
}

/**
 * Routes `${origin}${DEMOS_PREFIX}/...` of `page` to the demo folder, with
 * `overrides` ({'settings.js': text}) answered instead of those files.
 * Returns {offsite: [urls refused]}.
 */
export async function serveJanusDemos(page, origin, overrides = {}) {
	const served = { offsite: [], missing: [] };
	const base = `${origin}${DEMOS_PREFIX}/`;
	await page.route((url) => url.href.startsWith(base), async (route) => {
		const rel = decodeURIComponent(new URL(route.request().url()).pathname.slice(DEMOS_PREFIX.length + 1));
		if (overrides[rel] !== undefined) {
			await route.fulfill({ status: 200, contentType: TYPES['.js'], body: overrides[rel] });
			return;
		}
		const parts = rel.split('/');
		const file = path.join(JANUS_DEMOS, ...parts);
		let body = null;
		if (!parts.some((p) => p === '..' || p === '.') && fs.existsSync(file) && fs.statSync(file).isFile())
			body = fs.readFileSync(file);
		if (!body) {
			served.missing.push(rel);
			await route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
			return;
		}
		await route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] || 'application/octet-stream', body });
	});
	// Everything not on loopback: refused (the machine reaches no CDN, and a
	// page that depends on one must fail here, not hang).
	await page.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && /^https?:$/.test(url.protocol),
		async (route) => {
			served.offsite.push(route.request().url());
			await route.abort('blockedbyclient');
		});
	return served;
}

/** Chromium flags for pages served through page.route: a routed response
 * has no address space, so Chromium's Local Network Access checks would
 * treat the page as public and block its requests to 127.0.0.1 (the Janus
 * API). The launch line's other disabled feature is kept. */
export const DEMO_BROWSER_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks'];

/** The URL of demo page `name` for `srv`. */
export const demoUrl = (srv, name) => `${srv.httpUrl}${DEMOS_PREFIX}/${name}`;

/** settings.js for the demo pages: the Janus API at `server`, no STUN/TURN. */
export function settingsJs(server, { token = null, apisecret = null } = {}) {
	return `var server = ${JSON.stringify(server)};\nvar iceServers = [];\n` +
		`var token = ${JSON.stringify(token)};\nvar apisecret = ${JSON.stringify(apisecret)};\n`;
}

/** The open bootbox dialog (the newest one). */
export const openDialog = (page) => page.locator('.bootbox.modal.in').last();

/**
 * Waits until one bootbox dialog is open and done opening (Bootstrap 3
 * focuses it when its transition ends; one closed while it still opens is
 * left stuck open) and every earlier one is gone. Returns its handle.
 */
export async function shownDialog(page) {
	const done = await page.waitForFunction(() => {
		const all = document.querySelectorAll('.bootbox.modal');
		const d = all[all.length - 1];
		return all.length === 1 && d.classList.contains('in') && d.contains(document.activeElement) ? d : null;
	}, null, { timeout: 20000 }).catch(() => null);
	if (!done) {
		const seen = await page.evaluate(() => [...document.querySelectorAll('.bootbox.modal')]
			.map((d) => `${d.className}: ${d.innerText.slice(0, 200)}`));
		throw new Error(`no dialog done opening; dialogs: ${JSON.stringify(seen)}`);
	}
	return done.asElement();
}

/**
 * Answers the open bootbox dialog: fills `fill` ({selector: value}, in
 * the dialog) and clicks the button labelled `button` (default: the last
 * one, bootbox's OK / confirm); resolves once the dialog is gone.
 */
export async function answerDialog(page, { fill = {}, button = null } = {}) {
	const dialog = await shownDialog(page);
	for (const [selector, value] of Object.entries(fill)) await (await dialog.$(selector)).fill(String(value));
	const buttons = await dialog.$$('.modal-footer button');
	const target = button ? await dialog.$(`.modal-footer button:has-text("${button}")`) : buttons[buttons.length - 1];
	await target.click();
	await closedDialog(page, dialog);
}

/** Waits until `dialog` (a handle) left the page. */
export async function closedDialog(page, dialog) {
	const gone = await page.waitForFunction((el) => !el.isConnected, dialog, { timeout: 20000 })
		.then(() => true, () => false);
	if (!gone)
		throw new Error(`the dialog did not close: ${await dialog.innerText().catch(() => '?')}`);
}

/** The text of the open bootbox dialog's body. */
export async function dialogText(page) {
	const dialog = await shownDialog(page);
	return (await dialog.$('.modal-body')).innerText();
}
