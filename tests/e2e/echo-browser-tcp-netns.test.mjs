// echo-browser-tcp-netns.test.mjs — ICE-TCP: parleyd on its ICE-lite
// transport with [media] tcp_port, every UDP packet dropped in the network
// namespace (nftables), and headless Chromium on html/echo.html still gets
// its fake camera and microphone back through parley.plugin.echo: over the
// passive TCP candidate, RFC 4571 framed. getStats must show a selected
// candidate pair on TCP (our port, tcptype passive), and the drop counter
// that UDP was tried and refused; handle_info's ice-lite path protocol
// "tcp" and /metrics the ICE-TCP counters.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { blockUdp, keepPeerConnections, selectedPairs, udpDropped } from './lib/ice_tcp.mjs';

const UDP_PORT = 20000;
const TCP_PORT = 20001;

blockUdp();
const { test } = serverSuite({
	config: {
		'parley.transport.http': { general: { html_folder: HTML_DIR } },
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1', ice_lite: true, udp_port: UDP_PORT,
			tcp_port: TCP_PORT } },
	},
});

const describe = () => ({ ...window.echoState, events: window.echoState?.events.slice(-15) });

async function admin(srv, body, path = '') {
	const r = await fetch(`${srv.httpUrl}/admin${path}`, {
		method: 'POST', signal: AbortSignal.timeout(5000),
		body: JSON.stringify({ transaction: 'e2e', admin_secret: ADMIN_SECRET, ...body }),
	});
	return r.json();
}

/** The ice-lite object of every handle with a selected path. */
async function selectedLitePaths(srv) {
	const out = [];
	for (const session of (await admin(srv, { janus: 'list_sessions' })).sessions || []) {
		for (const handle of (await admin(srv, { janus: 'list_handles' }, `/${session}`)).handles || []) {
			const info = await admin(srv, { janus: 'handle_info' }, `/${session}/${handle}`);
			const lite = info.info?.webrtc?.['ice-lite'];
			if (lite?.selected) out.push(lite);
		}
	}
	return out;
}

async function echoOverTcp(srv, transport) {
	assertLoopbackOnly();
	const dropsBefore = udpDropped();
	const server = transport === 'http' ? `${srv.httpUrl}/janus` : `${srv.wsUrl}/`;
	const url = `${srv.httpUrl}/echo.html?transport=${transport}&server=${encodeURIComponent(server)}&autostart=1`;
	const browser = await launchBrowser();
	let page = null;
	try {
		const context = await browser.newContext();
		await context.addInitScript(keepPeerConnections);
		page = await openPage(context, url, `echo-tcp-${transport}`);
		const first = await waitInPage(page, () => {
			const s = window.echoState;
			if (!s) return null;
			if (s.error) return { error: s.error };
			return s.framesDecoded > 0 && s.audioSamples > 0 ? { frames: s.framesDecoded, samples: s.audioSamples } : null;
		}, null, { timeoutMs: 25000, what: 'echoed video and audio over ICE-TCP', describe });
		assert.equal(first.error, undefined, `the echo page reported an error: ${first.error}`);
		await waitInPage(page, (f) => window.echoState.framesDecoded >= f.frames + 30 &&
			window.echoState.audioSamples > f.samples, first,
		{ timeoutMs: 10000, what: 'framesDecoded growing by 30 and more audio samples', describe });
		const s = await page.evaluate(describe);
		assert.equal(s.webrtcup, true, `no webrtcup event reached the page: ${JSON.stringify(s.events)}`);
		const pairs = await page.evaluate(selectedPairs);
		assert.equal(pairs.length, 1, `peer connections: ${JSON.stringify(pairs)}`);
		const pair = pairs[0];
		assert.equal(pair?.local?.protocol, 'tcp', `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.protocol, 'tcp', `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.port, TCP_PORT, `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.tcpType, 'passive', `selected pair: ${JSON.stringify(pair)}`);
		assert.ok(pair.bytesReceived > 10000, `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.tcpCandidates.length, 1, `answer candidates: ${JSON.stringify(pair.tcpCandidates)}`);
		assert.match(pair.tcpCandidates[0], new RegExp(`^a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${TCP_PORT} typ host tcptype passive$`));
		// UDP was tried (the UDP candidate ranks first) and dropped.
		assert.ok(udpDropped() > dropsBefore, 'no UDP packet was dropped: is UDP really blocked?');
		// The server's view: handle_info's path is TCP, /metrics counts the connection.
		const paths = await selectedLitePaths(srv);
		assert.ok(paths.length >= 1, 'no handle with a selected ice-lite path');
		for (const lite of paths) {
			assert.equal(lite.selected.protocol, 'tcp', `handle_info ice-lite: ${JSON.stringify(lite)}`);
			assert.equal(lite.selected.local, `127.0.0.1:${TCP_PORT}`, JSON.stringify(lite));
			assert.ok(lite.counters['tcp-paths'] >= 1 && lite.counters['datagrams-out'] > 0, JSON.stringify(lite.counters));
		}
		const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
		const accepted = Number(metrics.match(/^parley_ice_lite_tcp_accepted_total (\d+)$/m)?.[1]);
		assert.ok(accepted >= 1, metrics.split('\n').filter((l) => l.includes('ice_lite_tcp')).join('\n'));
		await page.evaluate(() => window.echoStop());
	} catch (err) {
		err.message += `\nbrowser console:\n${page ? consoleOf([page]) : ''}`;
		throw err;
	} finally {
		if (page) await page.close().catch(() => {});
		await browser.close();
	}
}

test('UDP blocked: Chromium on echo.html gets its video and audio back over ICE-TCP (WebSocket)', async (srv) => {
	await echoOverTcp(srv, 'ws');
}, { timeout: 60000 });

test('UDP blocked: Chromium on echo.html gets its video and audio back over ICE-TCP (HTTP long-poll)', async (srv) => {
	await echoOverTcp(srv, 'http');
}, { timeout: 60000 });
