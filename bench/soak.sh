#!/bin/bash
# bench/soak.sh — a soak run of parley.plugin.room: one 7-peer room (3
# headless Chromium pages on html/room.html at 320x240 + 4 python3-aiortc
# participants in two processes) for a given duration, parleyd's RSS sampled
# every --interval seconds and printed as a curve, with a verdict on growth
# after warm-up. Runs in a network namespace with only lo (re-executes
# itself under `unshare --net` when other interfaces are up; needs root).
#
#   bench/soak.sh [--duration S] [--interval S] [--warmup S] [--builddir DIR]
#
# --duration: 60..7200 s (default 600); --interval: 2..300 s (default 10);
# --warmup: samples before this are not judged (default 120 s, at most
# half the duration). Needs parleyd built and installed into
# <builddir>/stage (default build/), tests/e2e/node_modules (npm install)
# and /usr/bin/python3 with aiortc. Prints "t_s rss_kib peers
# packets_forwarded disconnected recovered consent_expired ice_failed"
# lines (the last four: PeerConnection connectivity events so far, from
# /metrics), then a summary; exit 0 when the run completed (the verdicts
# are printed, not turned into an exit code), 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
duration=600 interval=10 warmup=120 builddir="$src/build"
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) duration=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--builddir) builddir=$(cd "$2" && pwd); shift 2 ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in "$duration" "$interval" "$warmup"; do
	[[ "$v" =~ ^[0-9]+$ ]] || { echo "soak.sh: durations are whole seconds" >&2; exit 2; }
done
if [ "$duration" -lt 60 ] || [ "$duration" -gt 7200 ]; then echo "soak.sh: --duration 60..7200" >&2; exit 2; fi
if [ "$interval" -lt 2 ] || [ "$interval" -gt 300 ]; then echo "soak.sh: --interval 2..300" >&2; exit 2; fi
[ "$warmup" -le $((duration / 2)) ] || warmup=$((duration / 2))
[ -x "$builddir/stage/bin/parleyd" ] || { echo "soak.sh: $builddir/stage/bin/parleyd is missing (build and make install)" >&2; exit 1; }
[ -d "$src/tests/e2e/node_modules/playwright-core" ] || { echo "soak.sh: run npm install in tests/e2e first" >&2; exit 1; }

# only lo, or WebRTC may pick another interface
if ip -o link show up 2>/dev/null | awk -F': ' '{print $2}' | grep -qv '^lo$'; then
	[ -z "${PARLEY_SOAK_NETNS:-}" ] || { echo "soak.sh: still not alone with lo in the namespace" >&2; exit 1; }
	exec unshare --net env PARLEY_SOAK_NETNS=1 sh -c 'ip link set lo up && exec "$0" "$@"' "$0" \
		--duration "$duration" --interval "$interval" --warmup "$warmup" --builddir "$builddir"
fi

export PARLEY_BUILDDIR="$builddir" PARLEY_SRCDIR="$src" SOAK_DURATION="$duration" SOAK_INTERVAL="$interval" \
	SOAK_WARMUP="$warmup" SOAK_E2E="$src/tests/e2e"
cd "$src/tests/e2e"
exec node --input-type=module -e '
import { spawn } from "node:child_process";
import fs from "node:fs";
const e2e = process.env.SOAK_E2E;
const { startServer } = await import(`${e2e}/lib/server.mjs`);
const { HTML_DIR, launchBrowser, openPage, waitInPage } = await import(`${e2e}/lib/browser.mjs`);
const { udpReceiveDrops } = await import(`${e2e}/lib/room_clients.mjs`);
const duration = Number(process.env.SOAK_DURATION) * 1000, interval = Number(process.env.SOAK_INTERVAL) * 1000;
const warmup = Number(process.env.SOAK_WARMUP) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const srv = await startServer({ config: {
	"parley.transport.http": { general: { html_folder: HTML_DIR } },
	parley: { general: { log_level: 4, event_loops: 0 }, media: { interfaces: "127.0.0.1", listen_ip: "127.0.0.1" } },
} });
let browser = null, py = null, code = 1, summarised = false;
const events = async () => {
	const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
	const counts = {};
	for (const m of text.matchAll(/^parley_webrtc_connection_events_total\{event="([a-z_]+)"\} (\d+)$/gm)) counts[m[1]] = Number(m[2]);
	return counts;
};
const rss = () => Number((fs.readFileSync(`/proc/${srv.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/) || [])[1] || 0);
try {
	browser = await launchBrowser();
	const ws = encodeURIComponent(`${srv.wsUrl}/`);
	for (let i = 0; i < 3; i++) {
		const page = await openPage(browser, `${srv.httpUrl}/room.html?room=soak&name=chromium-${i}&transport=ws&server=${ws}&width=320&height=240&fps=10`, `page${i}`);
		await waitInPage(page, () => roomState.joined || roomState.error, null, { timeoutMs: 30000, what: "joined" });
	}
	// two processes of two: one asyncio loop decoding for four participants
	// answers ICE consent checks late enough for aiortc to end its own pcs
	py = [0, 1].map(() => spawn("/usr/bin/python3", [`${e2e}/aiortc/room_clients.py`, "--url", srv.httpUrl, "--room", "soak",
		"--peers", "2", "--fps", "10", "--seconds", String(Math.ceil(duration / 1000) + 120)], { stdio: ["pipe", "pipe", "inherit"] }));
	// the clients own view: ICE failures they saw themselves (aioice ends a pc
	// whose consent checks go unanswered 0.5 s, 6 times), their renewed pcs
	const clients = {};
	for (const p of py) {
		let rest = "";
		p.stdout.on("data", (chunk) => {
			const lines = (rest + chunk).split("\n");
			rest = lines.pop();
			for (const line of lines) {
				let m;
				try { m = JSON.parse(line); } catch { continue; }
				if (m.stats) for (const [id, st] of Object.entries(m.stats)) clients[id] = st;
				else if (m.log && !summarised && /ICE failed|ended|fresh/.test(m.log)) console.log(`client: ${m.log}`);
			}
		});
	}
	const clientTotals = () => Object.values(clients).reduce((a, st) => ({ iceFailures: a.iceFailures + (st.iceFailures || 0),
		renewed: a.renewed + (st.pcLosses?.sub || 0) + (st.pcLosses?.pub || 0) }), { iceFailures: 0, renewed: 0 });
	const samples = [];
	const t0 = Date.now();
	console.log("t_s rss_kib peers packets_forwarded disconnected recovered consent_expired ice_failed");
	while (Date.now() - t0 <= duration) {
		const health = await (await fetch(`${srv.httpUrl}/health`)).json();
		const ev = await events();
		const s = { t: Math.round((Date.now() - t0) / 1000), rss: rss(), peers: health.peers, fwd: health.packetsForwarded, ev };
		samples.push(s);
		console.log(`${s.t} ${s.rss} ${s.peers} ${s.fwd} ${ev.disconnected ?? 0} ${ev.recovered ?? 0} ${ev.consent_expired ?? 0} ${ev.ice_failed ?? 0}`);
		for (const p of py) if (p.exitCode !== null) throw new Error(`aiortc participants exited (${p.exitCode})`);
		await sleep(interval);
	}
	summarised = true;
	const judged = samples.filter((s) => s.t * 1000 >= warmup);
	const first = judged[0], last = judged[judged.length - 1];
	const n = judged.length, mt = judged.reduce((a, s) => a + s.t, 0) / n, mr = judged.reduce((a, s) => a + s.rss, 0) / n;
	const slope = judged.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0) / (judged.reduce((a, s) => a + (s.t - mt) ** 2, 0) || 1);
	const peak = Math.max(...judged.map((s) => s.rss));
	console.log(`summary: ${samples.length} samples over ${samples[samples.length - 1].t} s; after warm-up (${warmup / 1000} s): ` +
		`first ${first.rss} KiB, last ${last.rss} KiB, peak ${peak} KiB, least-squares slope ${(slope * 3600 / 1024).toFixed(2)} MiB/h; ` +
		`packets forwarded ${last.fwd}; peers at the end ${last.peers}`);
	console.log(`verdict: ${Math.abs(slope * 3600) < 0.02 * mr ? "flat (slope < 2% of RSS per hour)" : "RSS moves after warm-up: look at the curve"}`);
	// forwarding must hold too: packets/s over the first and the last fifth after warm-up
	const fifth = Math.max(1, Math.floor(judged.length / 5));
	const rate = (a, b) => (b.fwd - a.fwd) / Math.max(1, b.t - a.t);
	const early = rate(judged[0], judged[fifth]), late = rate(judged[n - 1 - fifth], judged[n - 1]);
	console.log(`forwarding: ${early.toFixed(0)} packets/s early, ${late.toFixed(0)} packets/s late: ` +
		`${late >= 0.8 * early ? "steady" : "it fell: streams stopped being forwarded"}`);
	const ended = (last.ev.consent_expired ?? 0) + (last.ev.ice_failed ?? 0) + (last.ev.dtls_failed ?? 0);
	console.log(`connectivity: ${JSON.stringify(last.ev)}; ${ended === 0 ? "no PeerConnection ended" : `${ended} PeerConnection(s) ended`}`);
	console.log(`aiortc side: ${JSON.stringify(clientTotals())} (ICE failures the clients saw themselves, pcs they renewed)`);
	console.log(`udp receive-buffer drops: parleyd ${udpReceiveDrops([srv.pid])}, aiortc clients ${udpReceiveDrops(py.map((p) => p.pid))}`);
	const ends = fs.readFileSync(srv.logPath, "utf8").split("\n").filter((l) => /PeerConnection ended|consent|went quiet|is back/.test(l));
	console.log(`parleyd: ${ends.filter((l) => /went quiet/.test(l)).length} "went quiet", ${ends.filter((l) => /is back/.test(l)).length} "is back"; pcs ended:`);
	for (const l of ends.filter((l) => /PeerConnection ended/.test(l))) console.log(`  ${l}`);
	code = 0;
} catch (e) {
	console.error(`soak: ${e.message}`);
} finally {
	for (const p of py || []) {
		if (p.exitCode !== null) continue;
		p.stdin.write("quit\n");
		await Promise.race([new Promise((r) => p.once("exit", r)), sleep(8000)]);
		if (p.exitCode === null) p.kill("SIGKILL");
	}
	await browser?.close().catch(() => {});
	await srv.stop();
	srv.cleanup();
}
process.exit(code);
'
