// room-large-netns.test.mjs — a room beyond 16 streams per subscriber:
// parley-loadgen drives parley.plugin.room with 12 participants in one room
// (--mesh: each publishes audio + VP8 and subscribes to the 11 others on
// one subscriber PeerConnection, so 22 m-lines per subscriber offer), low
// bitrate, 12 s of media. Every subscriber must receive every publisher's
// audio and video with zero corrupt, foreign or undecryptable packets:
// the generator counts packets, and during the media window the admin API's
// handle_info shows 12 subscriber PeerConnections of 22 active streams, each
// one forwarding packets.
// The room's size comes from the plugin's configuration ([general]
// max_participants = 40 for rooms that do not say, limit 60) and the
// createRoom request (maxParticipants 12): "configurable to dozens".
// Event loops: every PeerConnection of the room runs on one loop and its
// handle names the room's loop group ([media] loop_per_room, the default);
// with PARLEY_E2E_ROOM_SPREAD=1 (loop_per_room = false) and two loops
// (PARLEY_E2E_LITE_PORTS) they run on both and media crosses between them.
// tests/run.sh runs this file in a network namespace with only lo.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { serverSuite } from './lib/harness.mjs';
import { runLoadgen } from './lib/loadgen.mjs';
import { ADMIN_SECRET } from './lib/server.mjs';
import { HttpJanus } from './lib/janus.mjs';

const PEERS = 12;
const SPREAD = process.env.PARLEY_E2E_ROOM_SPREAD === '1';
const LOOPS = process.env.PARLEY_E2E_LITE_PORTS === '1' ? 2 : 1;   /* lib/server.mjs */

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', listen_ip: '127.0.0.1' } },
		'parley.plugin.room': {
			general: { max_participants: '40', max_participants_limit: '60' },
			media: { loop_per_room: SPREAD ? 'false' : 'true' },
		},
	},
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every array named "streams" in a handle_info answer. */
function streamLists(v, out = []) {
	if (Array.isArray(v)) v.forEach((x) => streamLists(x, out));
	else if (v && typeof v === 'object') {
		for (const [k, x] of Object.entries(v)) {
			if (k === 'streams' && Array.isArray(x)) out.push(x);
			else streamLists(x, out);
		}
	}
	return out;
}

/** Per PeerConnection of every handle: [active streams, streams that sent
 * packets, the handle's loop-id, its loop-group]. */
async function pcStreams(srv) {
	const admin = new HttpJanus(srv.httpUrl, { base: '/admin', extra: { admin_secret: ADMIN_SECRET } });
	const result = [];
	for (const info of await admin.allHandleInfos()) {
		for (const list of streamLists(info)) {
			result.push([list.length, list.filter((x) => Number(x['packets-out']) > 0).length,
				info['loop-id'], info['loop-group']]);
		}
	}
	return result;
}

/** The namespace's UDP buffer errors (every socket: parleyd's and the
 * generator's), from /proc/net/snmp: where a loss happened. */
function udpErrors() {
	const rows = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
	const [names, values] = rows.map((l) => l.split(/\s+/).slice(1));
	return names.map((n, i) => `${n} ${values[i]}`).filter((t) => /Errors|Buf/.test(t)).join(', ');
}

test(`a ${PEERS}-peer mesh room: ${2 * (PEERS - 1)} m-lines per subscriber, everyone receives everyone intact`,
	async (srv) => {
		const run = runLoadgen(['--url', `${srv.wsUrl}/`, '--iface', '127.0.0.1', '--driver', 'room',
			'--publishers', String(PEERS), '--mesh', '--duration', '12', '--bitrate', '64', '--fps', '10',
			'--audio-bytes', '40', '--keyframe-interval', '2', '--setup-timeout', '40', '--json-only'], 120000);
		// In the media window: 12 subscriber pcs, 22 active m-lines each, all forwarding.
		const mlines = 2 * (PEERS - 1);
		let subscribers = [], pcs = [];
		for (let i = 0; i < 30; i++) {
			await sleep(1000);
			pcs = await pcStreams(srv).catch(() => []);
			subscribers = pcs.filter(([n]) => n === mlines);
			if (subscribers.length === PEERS && subscribers.every(([n, sent]) => sent === n)) break;
		}
		const r = await run;
		assert.equal(subscribers.length, PEERS, `subscriber pcs with ${mlines} m-lines: ${JSON.stringify(subscribers)}`);
		for (const [n, sent] of subscribers) assert.equal(sent, n, `a subscriber pc forwarded on ${sent} of ${n} m-lines`);
		// where they ran: the room's loop, or (spread) every loop
		const loops = new Set(pcs.map(([, , loop]) => loop)), groups = new Set(pcs.map(([, , , group]) => group));
		const where = JSON.stringify(pcs.map(([, , loop, group]) => [loop, group]));
		if (SPREAD) {
			assert.equal(loops.size, LOOPS, `pcs on ${loops.size} of ${LOOPS} loops: ${where}`);
			assert.deepEqual([...groups], [undefined], `loop groups with loop_per_room = false: ${where}`);
		} else {
			assert.equal(loops.size, 1, `the room's pcs on ${loops.size} loops: ${where}`);
			assert.equal(groups.size, 1, `loop groups: ${where}`);
			assert.equal(typeof [...groups][0], 'string', `no loop group: ${where}`);
		}
		const s = r.summary;
		assert.ok(s, `no JSON summary on stdout (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-4000)}`);
		const show = JSON.stringify(s);
		assert.equal(s.failure, undefined, `run failed: ${s.failure}\n${r.stderr.slice(-4000)}`);
		assert.equal(s.peers_connected, s.peers, `not every peer connected: ${show}`);
		assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-3000)}`);
		const rx = s.received;
		for (const k of ['corrupt', 'undecryptable', 'foreign', 'duplicates']) {
			assert.equal(rx[k], 0, `received.${k} = ${rx[k]}: ${show}`);
		}
		assert.equal(rx.receivers_without_media, 0, `a subscriber got nothing: ${show}`);
		// every receiver counted a stream from each of the 11 others' audio and video
		assert.equal(rx.packets_beyond_stream_limit, 0, `packets of streams the generator did not count: ${show}`);
		assert.equal(rx.streams, PEERS * mlines, `streams received: ${show}`);
		// every receiver got media and a keyframe; nothing lost once a stream started
		assert.equal(s.join_to_first_keyframe_ms.count, PEERS, `receivers that saw a keyframe: ${show}`);
		assert.ok(rx.packets >= 0.8 * (PEERS - 1) * (s.sent.audio_packets + s.sent.video_packets),
			`received ${rx.packets} of ${PEERS - 1} x sent: ${show}`);
		assert.ok(rx.unique > 0 && rx.loss_pct <= 2,
			`loss ${rx.loss_pct} % (UDP counters of the namespace: ${udpErrors()}): ${show}`);
	}, { timeout: 150000 });
