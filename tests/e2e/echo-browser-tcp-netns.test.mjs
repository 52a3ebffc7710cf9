// echo-browser-tcp-netns.test.mjs — ICE-TCP: parleyd on its ICE-lite
// transport with [media] tcp_port, every UDP packet dropped in the network
// namespace (nftables), and headless Chromium on html/echo.html still gets
// its fake camera and microphone back through parley.plugin.echo: over the
// passive TCP candidate, RFC 4571 framed. getStats must show a selected
// candidate pair on TCP (our port, tcptype passive), and the drop counter
// that UDP was tried and refused.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HTML_DIR, assertLoopbackOnly, consoleOf, launchBrowser, openPage, waitInPage } from './lib/browser.mjs';
import { blockUdp, udpDropped } from './lib/udp_block.mjs';

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

// Keeps the page's RTCPeerConnections reachable for getStats.
function keepPeerConnections() {
	const Original = window.RTCPeerConnection;
	window.__pcs = [];
	window.RTCPeerConnection = function (...args) {
		const pc = new Original(...args);
		window.__pcs.push(pc);
		return pc;
	};
	window.RTCPeerConnection.prototype = Original.prototype;
}

// The selected pair's candidates, and what our answer announced.
async function selectedPair() {
	const pc = window.__pcs[window.__pcs.length - 1];
	if (!pc) return null;
	const report = await pc.getStats();
	let pair = null;
	report.forEach((s) => {
		if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
	});
	if (!pair) return { none: true };
	const local = report.get(pair.localCandidateId) || {};
	const remote = report.get(pair.remoteCandidateId) || {};
	const sdp = pc.remoteDescription?.sdp || '';
	return {
		state: pair.state,
		bytesReceived: pair.bytesReceived,
		local: { protocol: local.protocol, type: local.candidateType, tcpType: local.tcpType },
		remote: { protocol: remote.protocol, port: remote.port, type: remote.candidateType, tcpType: remote.tcpType },
		// One per m-line; Chromium appends "generation 0".
		tcpCandidates: [...new Set(sdp.split('\n').filter((l) => l.startsWith('a=candidate') && / tcp /.test(l))
			.map((l) => l.trim().replace(/ generation \d+$/, '')))],
	};
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
		const pair = await page.evaluate(selectedPair);
		assert.equal(pair?.local?.protocol, 'tcp', `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.protocol, 'tcp', `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.port, TCP_PORT, `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.remote.tcpType, 'passive', `selected pair: ${JSON.stringify(pair)}`);
		assert.ok(pair.bytesReceived > 10000, `selected pair: ${JSON.stringify(pair)}`);
		assert.equal(pair.tcpCandidates.length, 1, `answer candidates: ${JSON.stringify(pair.tcpCandidates)}`);
		assert.match(pair.tcpCandidates[0], new RegExp(`^a=candidate:\\S+ 1 tcp \\d+ 127\\.0\\.0\\.1 ${TCP_PORT} typ host tcptype passive$`));
		// UDP was tried (the UDP candidate ranks first) and dropped.
		assert.ok(udpDropped() > dropsBefore, 'no UDP packet was dropped: is UDP really blocked?');
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
