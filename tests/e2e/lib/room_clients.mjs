// tests/e2e/lib/room_clients.mjs — aiortc participants of a parley.plugin.room
// room (tests/e2e/aiortc/room_clients.py, one python3 process for several)
// and what they see: views of who decodes what, and the wait for "everyone
// decodes everyone".
//
//   const group = startRoomClients(srv, { room: 'r', peers: 4, fps: 8 });
//   await group.joined(60000);
//   group.stats   // peerId -> {index, ice, pubIce, remote: {peerId: {producerId: figures}}}
//   await group.stop();
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { SRCDIR } from './server.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One room_clients.py process; its log keeps the last 200 lines that were not stats. */
export function startRoomClients(srv, { room, peers, fps = 8, width = 320, height = 240, seconds = 600, args = [] }) {
	const script = path.join(SRCDIR, 'tests/e2e/aiortc/room_clients.py');
	const proc = spawn('/usr/bin/python3', [script, '--url', srv.httpUrl, '--room', room, '--peers', String(peers),
		'--fps', String(fps), '--width', String(width), '--height', String(height), '--seconds', String(seconds), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
	const group = { proc, stats: {}, log: [], joinedLines: 0 };
	const keep = (line) => {
		group.log.push(line);
		if (group.log.length > 200) group.log.shift();
	};
	readline.createInterface({ input: proc.stdout }).on('line', (line) => {
		let msg;
		try { msg = JSON.parse(line); } catch { keep(line); return; }
		if (msg.stats) { group.stats = msg.stats; return; }
		if (msg.joined !== undefined) group.joinedLines++;
		keep(line);
	});
	readline.createInterface({ input: proc.stderr }).on('line', (line) => keep(`stderr: ${line}`));
	group.joined = async (timeoutMs) => {
		const deadline = Date.now() + timeoutMs;
		while (Object.keys(group.stats).length < peers && Date.now() < deadline && proc.exitCode === null) await sleep(500);
		if (Object.keys(group.stats).length < peers)
			throw new Error(`aiortc participants not all joined (${Object.keys(group.stats).length}/${peers}):\n${group.log.slice(-20).join('\n')}`);
	};
	group.signal = (sig) => proc.kill(sig);
	group.stop = async () => {
		if (proc.exitCode !== null || proc.signalCode !== null) return;
		proc.kill('SIGCONT');
		proc.stdin.write('quit\n');
		const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
		await new Promise((r) => proc.once('exit', r));
		clearTimeout(t);
	};
	return group;
}

/** peerId -> {peerId -> [{kind, source, frames, width}]} as the aiortc groups see it. */
export function aiortcViews(groups) {
	const views = {};
	for (const g of groups) {
		for (const [peerId, s] of Object.entries(g.stats)) {
			views[peerId] = Object.fromEntries(Object.entries(s.remote).map(([peer, producers]) =>
				[peer, Object.values(producers).map((r) => ({ kind: r.kind, source: 'camera', frames: r.frames, width: r.width,
				packets: r.packets, lost: r.lost, unstuck: r.unstuck }))]));
		}
	}
	return views;
}

/** For each me and other of `who`: the most frames of each kind (screen shares left out). */
export function floorsOf(views) {
	const out = {};
	for (const [me, from] of Object.entries(views)) {
		out[me] = {};
		for (const [other, list] of Object.entries(from)) {
			out[me][other] = {};
			for (const kind of ['video', 'audio'])
				out[me][other][kind] = Math.max(0, ...list.filter((r) => r.kind === kind && r.source !== 'screen').map((r) => r.frames));
		}
	}
	return out;
}

/** "me<-other kind (frames)" for each stream of `who` not above its floor (video by `margin` frames). */
export function missingStreams(views, who, floor = {}, margin = 5) {
	const missing = [];
	const now = floorsOf(views);
	for (const me of who) {
		for (const other of who) {
			if (other === me) continue;
			for (const kind of ['video', 'audio']) {
				const frames = now[me]?.[other]?.[kind] ?? 0;
				if (frames <= (floor[me]?.[other]?.[kind] ?? 0) + (kind === 'video' ? margin : 0))
					missing.push(`${me}<-${other} ${kind} (${frames})`);
			}
		}
	}
	return missing;
}

/** Polls `viewsOf()` until every one of `who` decodes every other above `floor`; the views, or throws. */
export async function waitAllReceive(viewsOf, who, { timeoutMs = 45000, floor = {}, what = 'everyone decodes everyone', describe = () => '' } = {}) {
	const deadline = Date.now() + timeoutMs;
	let missing = [];
	while (Date.now() < deadline) {
		const views = await viewsOf();
		missing = missingStreams(views, who, floor);
		if (!missing.length) return views;
		await sleep(1000);
	}
	throw new Error(`${what}: not within ${timeoutMs} ms; missing ${missing.length}: ${missing.slice(0, 20).join(', ')}\n${await describe()}`);
}

/** parley_webrtc_connection_events_total by event, from /metrics. */
export async function connectionEvents(srv) {
	const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
	const counts = {};
	for (const m of text.matchAll(/^parley_webrtc_connection_events_total\{event="([a-z_]+)"\} (\d+)$/gm))
		counts[m[1]] = Number(m[2]);
	return counts;
}

/** UDP datagrams the kernel dropped because the receive buffer of a socket
 * was full, summed over the sockets the processes `pids` hold (the last
 * column of /proc/net/udp{,6}, matched by socket inode): where packets were
 * lost inside a loopback-only namespace, and by whom. */
export function udpReceiveDrops(pids) {
	const inodes = new Set();
	for (const pid of pids) {
		let fds = [];
		try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { continue; }
		for (const fd of fds) {
			let link = '';
			try { link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
			const m = link.match(/^socket:\[(\d+)\]$/);
			if (m) inodes.add(m[1]);
		}
	}
	let drops = 0;
	for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
		for (const row of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
			const f = row.trim().split(/\s+/);
			if (inodes.has(f[9])) drops += Number(f[f.length - 1]);
		}
	}
	return drops;
}
