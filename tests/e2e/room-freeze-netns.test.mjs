// room-freeze-netns.test.mjs — a participant that freezes does not take the
// call down, in a network namespace with only lo: 7 python3-aiortc
// participants of one parley.plugin.room room (3 + 3 in two processes, 1
// in a third) all decode each other; the lone one is frozen for 15 s
// (SIGSTOP: it answers no check, sends no report, reads nothing), the 6
// others keep decoding each other the whole time, the gateway counts its
// PeerConnections "disconnected" and ends none; after SIGCONT it decodes
// the 6 others again and they decode it, with the same peerId and no new
// join. Then the gateway ends its subscriber PeerConnection (as when
// consent expires): it makes a fresh one, asks for restartIce and decodes
// everyone again, still without rejoining. The tests of this file share
// one room and run in order.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { assertLoopbackOnly } from './lib/browser.mjs';
import { aiortcViews, connectionEvents, floorsOf, missingStreams, sleep, startRoomClients, udpReceiveDrops, waitAllReceive }
	from './lib/room_clients.mjs';

const ROOM = 'frozen';
const FREEZE_MS = 15000;
const { test } = serverSuite({
	config: { parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } } },
});

const world = { many: [], lone: null, loneId: null, gatewayPid: null };
const groups = () => [...world.many, world.lone].filter(Boolean);
const views = async () => aiortcViews(groups());
// on failure: each process's last lines, and where packets were dropped
const describe = () => groups().map((g, i) => `aiortc ${i}:\n${g.log.slice(-10).join('\n')}\n`).join('') +
	`udp receive-buffer drops: parleyd ${udpReceiveDrops([world.gatewayPid])}, ` +
	groups().map((g, i) => `aiortc ${i} ${udpReceiveDrops([g.proc.pid])}`).join(', ') + '\n';

after(async () => {
	// on success too: how close the clients' sockets came to losing packets
	if (world.gatewayPid) console.log(`${describe().split('\n').at(-2)}`);
	for (const g of groups()) await g.stop();
});

test('7 aiortc participants (3 + 3 + 1 in its own process) each decode video and audio from all 6 others', async (srv) => {
	assertLoopbackOnly();
	world.gatewayPid = srv.pid;
	world.many = [startRoomClients(srv, { room: ROOM, peers: 3, fps: 6 }), startRoomClients(srv, { room: ROOM, peers: 3, fps: 6 })];
	for (const g of world.many) await g.joined(60000);
	world.lone = startRoomClients(srv, { room: ROOM, peers: 1, fps: 6 });
	await world.lone.joined(30000);
	world.loneId = Object.keys(world.lone.stats)[0];
	const ids = Object.keys(await views());
	assert.equal(ids.length, 7);
	await waitAllReceive(views, ids, { timeoutMs: 60000, describe });
}, { timeout: 150000 });

test('one frozen for 15 s: the 6 others keep decoding each other, no PeerConnection ends', async (srv) => {
	assert.ok(world.loneId, 'the first test did not set up the room');
	const before = await connectionEvents(srv);
	const others = world.many.flatMap((g) => Object.keys(g.stats));
	world.lone.signal('SIGSTOP');
	const frozenAt = Date.now();
	// every 5 s of the freeze, each of the 6 got more video and audio from each other of the 6
	let floor = floorsOf(await views());
	while (Date.now() - frozenAt < FREEZE_MS) {
		await sleep(5000);
		const now = await views();
		const missing = missingStreams(now, others, floor, 2);
		assert.deepEqual(missing, [], `${Math.round((Date.now() - frozenAt) / 1000)} s into the freeze the others stalled\n${describe()}`);
		floor = floorsOf(now);
	}
	const during = await connectionEvents(srv);
	assert.ok((during.disconnected ?? 0) > (before.disconnected ?? 0),
		`the gateway never saw the frozen peer go quiet: ${JSON.stringify(during)}`);
	assert.equal(during.consent_expired ?? 0, before.consent_expired ?? 0, `a PeerConnection ended: ${JSON.stringify(during)}`);
	assert.equal(during.ice_failed ?? 0, before.ice_failed ?? 0, `a PeerConnection failed: ${JSON.stringify(during)}`);
}, { timeout: 60000 });

test('thawed, it decodes all 6 others again and they decode it, without rejoining', async (srv) => {
	assert.ok(world.loneId, 'the first test did not set up the room');
	const floor = floorsOf(await views());
	const before = await connectionEvents(srv);
	world.lone.signal('SIGCONT');
	const ids = Object.keys(await views());
	assert.equal(ids.length, 7);
	await waitAllReceive(views, ids, { floor, timeoutMs: 30000, what: 'after the freeze everyone decodes everyone', describe });
	assert.deepEqual(Object.keys(world.lone.stats), [world.loneId], 'the thawed participant has another peerId');
	assert.equal(world.lone.joinedLines, 1, 'the thawed participant joined again');
	const s = world.lone.stats[world.loneId];
	assert.notEqual(s.ice, 'failed');
	assert.notEqual(s.pubIce, 'failed');
	const now = await connectionEvents(srv);
	assert.ok((now.recovered ?? 0) > (before.recovered ?? 0), `the gateway never saw it come back: ${JSON.stringify(now)}`);
	assert.equal(now.consent_expired ?? 0, 0, `a PeerConnection ended: ${JSON.stringify(now)}`);
	assert.equal(now.ice_failed ?? 0, 0, `a PeerConnection failed: ${JSON.stringify(now)}`);
	const health = await (await fetch(`${srv.httpUrl}/health`)).json();
	assert.equal(health.peers, 7, `/health: ${JSON.stringify(health)}`);
}, { timeout: 60000 });

test('its subscriber PeerConnection ended by the gateway: a fresh one and restartIce bring every stream back', async (srv) => {
	assert.ok(world.loneId, 'the first test did not set up the room');
	const before = await connectionEvents(srv);
	const floor = floorsOf(await views());
	world.lone.proc.stdin.write('hangup-sub 0\n');
	const ids = Object.keys(await views());
	// the same consumers on the fresh pc: their counts go on from the floor
	await waitAllReceive(views, ids, { floor, timeoutMs: 30000, what: 'after restartIce everyone decodes everyone', describe });
	assert.equal(world.lone.joinedLines, 1, 'the participant joined again');
	assert.ok(world.lone.log.some((l) => l.includes('subscriber pc ended')), `no renewal logged:\n${describe()}`);
	const now = await connectionEvents(srv);
	assert.equal(now.consent_expired ?? 0, before.consent_expired ?? 0);
	const info = await (await fetch(`${srv.httpUrl}/health`)).json();
	assert.equal(info.peers, 7);
}, { timeout: 60000 });
