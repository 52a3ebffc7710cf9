// udp_block.mjs — drops every UDP packet entering the test's network
// namespace (nftables, input hook, so loopback traffic too), for the
// ICE-TCP tests: only TCP can carry media then. Only inside `unshare --net`
// (tests/run.sh runs *-netns files so); the rule's counter proves clients
// did try UDP.
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
