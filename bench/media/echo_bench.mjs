// bench/media/echo_bench.mjs — the media path under aiortc echo load.
//
//   node bench/media/echo_bench.mjs load [--sessions 20] [--procs 4] [--seconds 20]
//     parleyd with the malloc_count.so shim preloaded; `sessions` aiortc echo
//     sessions spread over `procs` python processes; after a warm-up, over
//     `seconds`: parleyd's CPU (utime+stime from /proc), packets echoed
//     (admin handle_info, all handles), allocations on the event-loop
//     threads per packet.
//   node bench/media/echo_bench.mjs callgrind [--seconds 20]
//     parleyd under valgrind --tool=callgrind, one video-only aiortc echo;
//     prints the inclusive instruction counts of the per-datagram path and
//     the packets it handled, from which the README's figures come.
//
// Run it as root inside a network namespace with only lo, e.g.
//   unshare --net sh -c 'ip link set lo up; exec node bench/media/echo_bench.mjs load'
// with PARLEY_BUILDDIR pointing at a built and installed tree. Everything
// talks to 127.0.0.1 only and every wait is bounded.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startServer, ADMIN_SECRET, SRCDIR } from '../../tests/e2e/lib/server.mjs';

const args = process.argv.slice(2);
const mode = args[0];
const opt = (name, fallback) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? Number(args[i + 1]) : fallback;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLIENT = path.join(SRCDIR, 'tests', 'e2e', 'aiortc', 'echo_client.py');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-media-bench-'));

async function admin(srv, body, suffix = '') {
	const r = await fetch(`${srv.httpUrl}/admin${suffix}`, {
		method: 'POST', signal: AbortSignal.timeout(10000),
		body: JSON.stringify({ transaction: 'bench', admin_secret: ADMIN_SECRET, ...body }),
	});
	return r.json();
}

/** Packets in/out summed over every handle's streams. */
async function packets(srv) {
	const total = { in: 0, out: 0, videoIn: 0, videoOut: 0, handles: 0 };
	for (const s of (await admin(srv, { janus: 'list_sessions' })).sessions || []) {
		for (const h of (await admin(srv, { janus: 'list_handles' }, `/${s}`)).handles || []) {
			const w = (await admin(srv, { janus: 'handle_info' }, `/${s}/${h}`)).info?.webrtc;
			if (!w) continue;
			total.handles++;
			for (const st of w.streams) {
				total.in += st['packets-in'];
				total.out += st['packets-out'];
				if (st.type === 'video') {
					total.videoIn += st['packets-in'];
					total.videoOut += st['packets-out'];
				}
			}
			total.profile = w.dtls?.['srtp-profile'];
		}
	}
	return total;
}

function cpuTicks(pid) {
	const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
}

function startClients(srv, procs, perProc, extra = []) {
	const list = [];
	for (let i = 0; i < procs; i++) {
		const p = spawn('/usr/bin/python3', [CLIENT, '--url', srv.httpUrl, '--seconds', '0',
			'--sessions', String(perProc), ...extra], { stdio: ['ignore', 'pipe', 'ignore'] });
		const c = { p, connected: new Set() };
		readline.createInterface({ input: p.stdout }).on('line', (l) => {
			try {
				const m = JSON.parse(l);
				if (m.stats?.video_ok > 0) c.connected.add(m.index ?? 0);
			} catch { /* not JSON */ }
		});
		list.push(c);
	}
	return list;
}

async function waitConnected(clients, n, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const got = clients.reduce((a, c) => a + c.connected.size, 0);
		if (got >= n) return got;
		await sleep(500);
	}
	return clients.reduce((a, c) => a + c.connected.size, 0);
}

async function load() {
	const sessions = opt('sessions', 20);
	const procs = opt('procs', 4);
	const seconds = opt('seconds', 20);
	const shim = path.join(dir, 'malloc_count.so');
	execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', shim, path.join(SRCDIR, 'bench', 'media', 'malloc_count.c'),
		'-ldl', '-pthread']);
	const countFile = path.join(dir, 'mallocs');
	const srv = await startServer({
		config: { parley: { media: { interfaces: 'lo' }, general: { log_level: 3, event_loops: 1 } } },
		env: { LD_PRELOAD: shim, MALLOC_COUNT_FILE: countFile },
	});
	const clients = startClients(srv, procs, Math.ceil(sessions / procs));
	try {
		const up = await waitConnected(clients, sessions, 60000);
		console.log(`${up}/${sessions} sessions receive their video back; warming up 10 s`);
		await sleep(10000);
		const mallocs = () => Number(fs.readFileSync(countFile, 'utf8'));
		const t0 = Date.now(), c0 = cpuTicks(srv.pid), m0 = mallocs(), p0 = await packets(srv);
		await sleep(seconds * 1000);
		const t1 = Date.now(), c1 = cpuTicks(srv.pid), m1 = mallocs(), p1 = await packets(srv);
		const wall = (t1 - t0) / 1000;
		const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString());
		const cpu = (c1 - c0) / hz;
		const echoed = p1.out - p0.out;
		const received = p1.in - p0.in;
		console.log(JSON.stringify({
			sessions: up, handles: p1.handles, srtp_profile: p1.profile, seconds: wall,
			parleyd_cpu_percent_of_one_core: +(100 * cpu / wall).toFixed(1),
			packets_in_per_s: Math.round(received / wall), packets_out_per_s: Math.round(echoed / wall),
			video_out_per_s: Math.round((p1.videoOut - p0.videoOut) / wall),
			cpu_us_per_packet_in_out: +((cpu * 1e6) / (received + echoed)).toFixed(2),
			loop_allocations_since_start: m0, loop_allocations: m1 - m0, loop_allocations_per_s: +((m1 - m0) / wall).toFixed(1),
			loop_allocations_per_packet: +((m1 - m0) / (received + echoed)).toFixed(4),
		}, null, 1));
	} finally {
		for (const c of clients) c.p.kill('SIGKILL');
		await srv.stop();
	}
}

async function callgrind() {
	const seconds = opt('seconds', 20);
	const out = path.join(dir, 'callgrind.out');
	process.env.PARLEY_PARLEYD_WRAPPER = `valgrind --tool=callgrind --callgrind-out-file=${out}`;
	const srv = await startServer({
		config: { parley: { media: { interfaces: 'lo' }, general: { log_level: 3, event_loops: 1 } } },
		startTimeoutMs: 60000,
	});
	const clients = startClients(srv, 1, 1, ['--kinds', 'video']);
	let p;
	try {
		const up = await waitConnected(clients, 1, 60000);
		if (!up) throw new Error('no echoed video under callgrind');
		await sleep(seconds * 1000);
		p = await packets(srv);
	} finally {
		for (const c of clients) c.p.kill('SIGKILL');
		await sleep(500);
		await srv.stop();
	}
	const text = execFileSync('callgrind_annotate', ['--inclusive=yes', out], { maxBuffer: 64 << 20 }).toString();
	const total = Number((text.match(/([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS/) || [])[1]?.replace(/,/g, '') || 0);
	const pick = (fn) => {
		const m = text.match(new RegExp(`^\\s*([\\d,]+) \\([^)]*\\)\\s+\\S*:${fn} `, 'm'));
		return m ? Number(m[1].replace(/,/g, '')) : null;
	};
	const fns = ['incoming_rtp', 'pc_media_incoming', 'parley_pc_relay_rtp', 'parley_srtp_unprotect_rtp',
		'parley_srtp_protect_rtp', 'pc_rewrite_rtp', 'echo_incoming_rtp', 'on_ice_receive'];
	const per = Object.fromEntries(fns.map((f) => [f, pick(f)]).filter(([, v]) => v !== null)
		.map(([f, v]) => [f, Math.round(v / p.videoIn)]));
	console.log(JSON.stringify({ srtp_profile: p.profile, video_packets_in: p.videoIn, video_packets_out: p.videoOut,
		program_total_ir: total, ir_per_echoed_video_packet_inclusive: per, out }, null, 1));
}

const modes = { load, callgrind };
if (!modes[mode]) {
	console.error('usage: echo_bench.mjs load|callgrind [--sessions N] [--procs N] [--seconds N]');
	process.exit(2);
}
await modes[mode]();
