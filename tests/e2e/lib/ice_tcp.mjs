// ice_tcp.mjs — for the ICE-TCP tests: drops every UDP packet entering
// the test's network namespace (nftables, input hook, so loopback traffic
// too; only inside `unshare --net`, as tests/run.sh runs *-netns files),
// so only TCP can carry media, with the rule's counter to prove clients
// tried UDP; and page helpers that keep a page's RTCPeerConnections and
// read their selected candidate pairs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { assertLoopbackOnly } from './browser.mjs';

const TABLE = 'parley_udp_block';

function nft(...args) {
	return execFileSync('nft', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Adds the rule (once); throws when nft is missing or not allowed. */
export function blockUdp() {
	assertLoopbackOnly();
	try {
		nft('list', 'table', 'inet', TABLE);
		return;
	} catch { /* not there yet */ }
	try {
		nft('add', 'table', 'inet', TABLE);
		nft('add', 'chain', 'inet', TABLE, 'in', '{ type filter hook input priority 0; }');
		nft('add', 'rule', 'inet', TABLE, 'in', 'meta', 'l4proto', 'udp', 'counter', 'drop');
	} catch (err) {
		assert.fail(`cannot block UDP with nftables (apt-get install nftables; needs root in the namespace): ${err.message}`);
	}
}

/** UDP packets the rule dropped so far. */
export function udpDropped() {
	const out = nft('list', 'table', 'inet', TABLE);
	const m = out.match(/udp counter packets (\d+)/);
	assert.ok(m, `no counter in: ${out}`);
	return Number(m[1]);
}

/** Page init script: keeps the page's RTCPeerConnections in window.__pcs. */
export function keepPeerConnections() {
	const Original = window.RTCPeerConnection;
	window.__pcs = [];
	window.RTCPeerConnection = function (...args) {
		const pc = new Original(...args);
		window.__pcs.push(pc);
		return pc;
	};
	window.RTCPeerConnection.prototype = Original.prototype;
}

/** Page function: the selected candidate pair of each kept
 * RTCPeerConnection, with its local and remote candidates. */
export async function selectedPairs() {
	const out = [];
	for (const pc of window.__pcs || []) {
		if (pc.connectionState === 'closed') continue;
		const report = await pc.getStats();
		let pair = null;
		report.forEach((s) => {
			if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
		});
		if (!pair) {
			out.push({ none: true, state: pc.connectionState });
			continue;
		}
		const local = report.get(pair.localCandidateId) || {};
		const remote = report.get(pair.remoteCandidateId) || {};
		out.push({
			state: pair.state, bytesReceived: pair.bytesReceived, bytesSent: pair.bytesSent,
			local: { protocol: local.protocol, type: local.candidateType, tcpType: local.tcpType },
			remote: { protocol: remote.protocol, port: remote.port, type: remote.candidateType, tcpType: remote.tcpType },
			// one per m-line; Chromium appends "generation 0"
			tcpCandidates: [...new Set((pc.remoteDescription?.sdp || '').split('\n')
				.filter((l) => l.startsWith('a=candidate') && / tcp /.test(l))
				.map((l) => l.trim().replace(/ generation \d+$/, '')))],
		});
	}
	return out;
}
