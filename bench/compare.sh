#!/usr/bin/env bash
# bench/compare.sh — Parley's room plugin and Janus 1.1.2's VideoRoom side by
# side under the same load (bench/loadgen's parley-loadgen), and the table.
#
# Owns: installing janus when it is missing (apt-get), building Parley when
# no build folder is given, one network namespace of its own (only lo plus a
# veth pair lgj0 127.0.0.2 / lgj1 127.0.0.3: Janus skips loopback interfaces
# when it gathers, so both gateways gather on lgj0 and the generator on
# lgj1, the same path for both), the gateways' configuration (written from
# bench/compare/ into a work folder: same SRTP profile, same video bitrate
# cap), starting each gateway fresh for each scenario, one after the other,
# the measurement (the gateway's utime+stime from /proc/<pid>/stat and the
# veth counters over the generator's media window, VmRSS idle and at the
# end of the window) and stopping everything by PID and deleting the
# namespace on every exit path (trap). The arithmetic and the table are in
# bench/compare/summarize.py.
#
#   bench/compare.sh [--quick] [--builddir DIR] [--duration S] [--bitrate KBPS]
#                    [--srtp gcm|cm] [--scenarios a,b] [--gateways parley,parley-lite,parley-lite-ports,parley-lite-bare,janus]
#                    [--json FILE] [--keep] [--callgrind DIR] [--budget S]
# Prints the table (markdown) on stdout, progress on stderr, one JSON line per
# run (and per ratio) into --json FILE. Exit 0 when every run completed, 1
# when a run failed or a gateway crashed, 2 on bad options. --callgrind DIR
# runs parleyd under valgrind's callgrind (Parley only, one profile per
# scenario in DIR; the CPU figures of such a run mean nothing, the profile
# says where the time goes: callgrind_annotate DIR/callgrind.<scenario>).
# --budget S (default 570, --quick 90): no run starts after S seconds; the
# runs left out are reported as failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/compare/lib.sh"   # stop_pid, netns_up
here=$top/bench/compare

# name | loadgen shape | participants (people: publishers + viewers)
SCENARIOS=(
	"fanout1|-p 1 -s 1|2"
	"fanout10|-p 1 -s 10|11"
	"fanout30|-p 1 -s 30|31"
	"fanout100|-p 1 -s 100|101"
	"room7|-p 7 --mesh|7"
	"rooms20x4|-p 80 -r 20 --mesh|80"
)
# gateway | loadgen driver | WebSocket port inside the namespace
# parley: PeerConnections on libnice (full ICE, a socket per PeerConnection);
# parley-lite: the same parleyd on its own ICE-lite transport ([media]
# ice_lite = true, every PeerConnection on one UDP port, bench/compare/
# parley-lite.conf appended to parley.conf); parley-lite-ports: parley-lite
# with each event loop on a UDP port of its own ([media] udp_port_per_loop:
# no datagram is passed between loops); parley-lite-bare: parley-lite
# without its event handler (the analytics handler the other two load), so
# that their ratio is what the handler costs the media path.
GATEWAY_TABLE=("parley|room|8188" "parley-lite|room|8190" "parley-lite-ports|room|8192" "parley-lite-bare|room|8191"
	"janus|videoroom|8189")

quick=0 builddir='' duration=15 bitrate=500 srtp=gcm only_scenarios='' only_gateways='parley,parley-lite,janus'
json_file='' keep=0 callgrind='' budget=''
MAX_DURATION=120 SETUP_TIMEOUT=40 READY_TIMEOUT_S=30 STOP_GRACE_S=5

die() { echo "compare.sh: $*" >&2; exit 2; }
log() { echo "[compare] $*" >&2; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case "$1" in
		--quick) quick=1 ;;
		--builddir) builddir=${2:?--builddir needs a folder}; shift ;;
		--duration) duration=${2:?--duration needs seconds}; shift ;;
		--bitrate) bitrate=${2:?--bitrate needs kbit/s}; shift ;;
		--srtp) srtp=${2:?--srtp needs gcm or cm}; shift ;;
		--scenarios) only_scenarios=${2:?--scenarios needs names}; shift ;;
		--gateways) only_gateways=${2:?--gateways needs names}; shift ;;
		--json) json_file=${2:?--json needs a file}; shift ;;
		--keep) keep=1 ;;
		--budget) budget=${2:?--budget needs seconds}; shift ;;
		--callgrind) callgrind=${2:?--callgrind needs a folder}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) die "unknown option '$1' (--help)" ;;
	esac
	shift
done
[[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -ge 2 ] && [ "$duration" -le $MAX_DURATION ] ||
	die "--duration must be 2..$MAX_DURATION seconds (got '$duration')"
[[ "$bitrate" =~ ^[0-9]+$ ]] && [ "$bitrate" -ge 16 ] && [ "$bitrate" -le 20000 ] ||
	die "--bitrate must be 16..20000 kbit/s (got '$bitrate')"
case "$srtp" in
	gcm) srtp_profile=AEAD_AES_128_GCM ;;
	cm) srtp_profile=AES_CM_128_HMAC_SHA1_80 ;;
	*) die "--srtp must be gcm or cm (got '$srtp')" ;;
esac
if [ "$quick" = 1 ]; then
	[ -z "$only_scenarios" ] && only_scenarios=fanout10
	duration=4
	: "${budget:=90}"
fi
: "${budget:=570}"
[[ "$budget" =~ ^[0-9]+$ ]] && [ "$budget" -ge 10 ] && [ "$budget" -le 3600 ] ||
	die "--budget must be 10..3600 seconds (got '$budget')"
selected=()
for s in "${SCENARIOS[@]}"; do
	name=${s%%|*}
	if [ -z "$only_scenarios" ] || [[ ",$only_scenarios," == *",$name,"* ]]; then selected+=("$s"); fi
done
for want in ${only_scenarios//,/ }; do
	printf '%s\n' "${SCENARIOS[@]}" | grep -q "^$want|" || die "unknown scenario '$want'"
done
[ ${#selected[@]} -gt 0 ] || die "no scenario selected"
for want in ${only_gateways//,/ }; do
	case "$want" in parley|parley-lite|parley-lite-ports|parley-lite-bare|janus) ;;
	*) die "unknown gateway '$want' (parley, parley-lite, parley-lite-ports, parley-lite-bare, janus)" ;; esac
done
if [ -n "$callgrind" ]; then
	command -v valgrind >/dev/null || die "--callgrind needs valgrind"
	mkdir -p "$callgrind" && callgrind=$(cd "$callgrind" && pwd) || die "--callgrind: cannot make '$callgrind'"
	only_gateways=parley STOP_GRACE_S=60 SETUP_TIMEOUT=90 READY_TIMEOUT_S=120
fi
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, veth pair, sysctls)"

# ---- what it needs ----

janus_bin=$(command -v janus || true)
if [[ ",$only_gateways," == *",janus,"* ]] && [ -z "$janus_bin" ]; then
	log "installing janus (apt-get)"
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends janus >&2 ||
		{ echo "compare.sh: apt-get install janus failed" >&2; exit 1; }
	janus_bin=$(command -v janus) || { echo "compare.sh: janus still missing" >&2; exit 1; }
fi
for tool in ip python3 timeout; do
	command -v $tool >/dev/null || { echo "compare.sh: $tool is missing" >&2; exit 1; }
done

# The same steps as ./parley.sh's build: out of tree in build/, installed
# into build/stage (parleyd reads its modules from there).
build_parley() {
	local dir=$1
	( cd "$top" && { [ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null; } &&
	  mkdir -p "$dir" && cd "$dir" &&
	  { [ -f Makefile ] || ../configure --prefix="$dir/stage" >/dev/null; } &&
	  make -j2 >/dev/null && make install >/dev/null ) >&2
}
if [ -z "$builddir" ]; then
	builddir=$top/build
	if [ ! -x "$builddir/stage/bin/parleyd" ] || [ ! -x "$builddir/bench/loadgen/parley-loadgen" ]; then
		log "building Parley in $builddir"
		build_parley "$builddir" || { echo "compare.sh: the build failed" >&2; exit 1; }
	fi
fi
builddir=$(cd "$builddir" 2>/dev/null && pwd) || die "--builddir: no such folder"
parleyd=$builddir/stage/bin/parleyd
loadgen=$builddir/bench/loadgen/parley-loadgen
[ -x "$parleyd" ] || die "$parleyd is missing (make install in $builddir)"
[ -x "$loadgen" ] || die "$loadgen is missing (make in $builddir)"

declare -A bin=([parley]=$parleyd [parley-lite]=$parleyd [parley-lite-ports]=$parleyd [parley-lite-bare]=$parleyd
	[janus]=${janus_bin:-janus})
# The commit of what was built: the build's source folder (its Makefile's
# abs_top_srcdir), "+local changes" when its tree differs from that commit
# in the gateway's code, or a .commit file left by `git archive` exports.
built_src=$(sed -n 's/^abs_top_srcdir = //p' "$builddir/Makefile" 2>/dev/null)
built_src=$(cd "${built_src:-$top}" 2>/dev/null && pwd) || built_src=$top
if commit=$(git -C "$built_src" rev-parse --short HEAD 2>/dev/null); then
	[ -n "$(git -C "$built_src" status --porcelain -- core plugins transports include 2>/dev/null)" ] &&
		commit="$commit+local changes"
elif [ -f "$built_src/.commit" ]; then
	commit=$(cat "$built_src/.commit")
else
	commit=unknown
fi
date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/parley-compare.XXXXXX)
[ -n "$json_file" ] || json_file=$work/results.jsonl
: >"$json_file" || die "cannot write $json_file"
ns=parleycmp$$

# ---- cleanup: everything by PID, the namespace, on every exit ----

gateway_pid='' loadgen_pid=''
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$loadgen_pid"
	stop_pid "$gateway_pid"
	ip netns del "$ns" 2>/dev/null
	if [ "$keep" = 1 ] || [ "$rc" -ne 0 ]; then log "logs kept in $work"; else
		case "$json_file" in   # keep only the results when they live in the work folder
			"$work"/*) find "$work" -mindepth 1 -maxdepth 1 ! -name "$(basename "$json_file")" -exec rm -rf {} + ;;
			*) rm -rf "$work" ;;
		esac
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the namespace (bench/compare/lib.sh) ----

in_ns() { ip netns exec "$ns" "$@"; }
netns_up "$ns" compare.sh
log "namespace $ns (veth lgj0 127.0.0.2 / lgj1 127.0.0.3), work folder $work"

# ---- samples of the gateway process ----

cpu_ticks() {   # utime + stime of every thread, in clock ticks ("user+system user")
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "0 0"; return; }
	stat=${stat##*) }
	set -- $stat
	echo "$(( ${12} + ${13} )) ${12}"
}
cpu_threads() {   # every live thread's time on CPU in ns (schedstat) and its name: "tid:ns:name,..."
	local t ns name out=
	for t in "/proc/$1/task/"*; do
		read -r ns _ <"$t/schedstat" 2>/dev/null || continue
		read -r name <"$t/comm" 2>/dev/null || name=
		out+="${t##*/}:$ns:${name//[^A-Za-z0-9_.-]/_},"
	done
	echo "${out:-none}"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tx_packets() {   # packets the gateway side of the veth pair sent
	awk '{sub(/:/, " ")} $1 == "lgj0" {print $11}' "/proc/$1/net/dev" 2>/dev/null || echo 0
}
udp_drops() {   # UDP datagrams the namespace dropped for full receive buffers (every socket in it)
	awk '$1 == "Udp:" {if (!n) {for (i = 2; i <= NF; i++) col[$i] = i; n = 1} else print $col["RcvbufErrors"]}' \
		"/proc/$1/net/snmp" 2>/dev/null || echo 0
}
port_open() { in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ---- gateways ----

write_config() {   # write_config GATEWAY PORT DIR
	local gw=$1 port=$2 dir=$3 f base=${1%%-*}
	mkdir -p "$dir"
	for f in "$here"/$base.*; do
		sed -e "s/@WS_PORT@/$port/" -e "s/@SRTP_PROFILE@/$srtp_profile/" \
		    -e "s/@MAX_BITRATE@/$((bitrate * 2 * 1000))/" "$f" >"$dir/$(basename "$f")"
	done
	# parley.conf ends with [media]: the lite keys join that section.
	case "$gw" in parley-lite*) cat "$here/parley-lite.conf" >>"$dir/parley.conf" ;; esac
	[ "$gw" = parley-lite-ports ] && printf 'udp_port_per_loop = true\n' >>"$dir/parley.conf"
	[ "$gw" = parley-lite-bare ] && printf '\n[handlers]\ndisable = parley.handler.analytics\n' >>"$dir/parley.conf"
	return 0
}
start_gateway() {   # start_gateway GATEWAY PORT DIR: sets gateway_pid, waits for its port
	local gw=$1 port=$2 dir=$3 i
	if port_open "$port"; then
		log "port $port is already taken in $ns: a gateway did not stop"
		return 1
	fi
	case "$gw" in
		# ip execs the gateway: $! is the gateway's own PID.
		parley|parley-lite*) ip netns exec "$ns" ${callgrind:+valgrind --tool=callgrind --callgrind-out-file="$callgrind/callgrind.$(basename "$dir")"} \
			"$parleyd" -F "$dir" >"$dir/gateway.log" 2>&1 & ;;
		janus) ip netns exec "$ns" "$janus_bin" -F "$dir" >"$dir/gateway.log" 2>&1 & ;;
	esac
	gateway_pid=$!
	for ((i = 0; i < READY_TIMEOUT_S * 5; i++)); do
		kill -0 "$gateway_pid" 2>/dev/null || break
		if port_open "$port"; then
			if [ -n "$callgrind" ] || [ "$(readlink "/proc/$gateway_pid/exe")" = "$(readlink -f "${bin[$gw]}")" ]; then
				log "$gw pid $gateway_pid ready on port $port"
				return 0
			fi
			log "pid $gateway_pid is not $gw (${bin[$gw]})"
			return 1
		fi
		sleep 0.2
	done
	log "$gw did not open port $port within ${READY_TIMEOUT_S}s; its log:"
	tail -20 "$dir/gateway.log" >&2
	return 1
}

# ---- one run ----

run_one() {   # run_one GATEWAY DRIVER PORT SCENARIO SHAPE PARTICIPANTS
	local gw=$1 driver=$2 port=$3 scen=$4 shape=$5 people=$6
	local dir=$work/$gw-$scen lg_json lg_err i
	local cpu0=0 cpu1=0 cpu2=0 tx0=0 tx1=0 tx2=0 tx3=0 rss_idle=0 rss_end=0 window=0 crashed=0 gw_exit=0 failure=''
	local t1 t2 user1=0 user2=0 drops0=0 drops3=0 threads1=none threads2=none
	write_config "$gw" "$port" "$dir"
	lg_json=$dir/loadgen.json lg_err=$dir/loadgen.log
	log "$scen on $gw ($driver: $shape, ${duration}s)"
	if [ "$SECONDS" -ge "$budget" ]; then
		failure="not run: the ${budget}s budget was spent"
		log "$failure"
	elif ! start_gateway "$gw" "$port" "$dir"; then
		failure="$gw did not start"
	else
		sleep 1
		rss_idle=$(rss_kb "$gateway_pid") tx0=$(tx_packets "$gateway_pid") drops0=$(udp_drops "$gateway_pid")
		read -r cpu0 _ < <(cpu_ticks "$gateway_pid")
		# shellcheck disable=SC2086
		ip netns exec "$ns" timeout $((SETUP_TIMEOUT + duration + 30)) "$loadgen" --url "ws://127.0.0.1:$port/" --iface 127.0.0.3 \
			-d "$driver" $shape -t "$duration" -b "$bitrate" --srtp "$srtp" --setup-timeout "$SETUP_TIMEOUT" \
			-v 1 --json-only >"$lg_json" 2>"$lg_err" &
		loadgen_pid=$!
		# The window: from the generator's "all N peers connected" to its end.
		for ((i = 0; i < (SETUP_TIMEOUT + 5) * 20; i++)); do
			grep -qs 'peers connected after' "$lg_err" && break
			kill -0 "$loadgen_pid" 2>/dev/null || break
			sleep 0.05
		done
		if grep -qs 'peers connected after' "$lg_err"; then
			[ -n "$callgrind" ] && callgrind_control -z "$gateway_pid" >/dev/null 2>&1
			t1=$(date +%s%N) tx1=$(tx_packets "$gateway_pid")
			read -r cpu1 user1 < <(cpu_ticks "$gateway_pid")
			threads1=$(cpu_threads "$gateway_pid")
			sleep "$duration" & wait $!   # a signal interrupts wait, not sleep
			t2=$(date +%s%N) tx2=$(tx_packets "$gateway_pid")
			read -r cpu2 user2 < <(cpu_ticks "$gateway_pid")
			threads2=$(cpu_threads "$gateway_pid")
			# the profile of the window alone: callgrind.<gateway>-<scenario>.1
			[ -n "$callgrind" ] && callgrind_control -d "$gateway_pid" >/dev/null 2>&1
			rss_end=$(rss_kb "$gateway_pid")
			window=$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
		fi
		wait "$loadgen_pid"
		loadgen_pid=''
		tx3=$(tx_packets "$gateway_pid") drops3=$(udp_drops "$gateway_pid")
		kill -0 "$gateway_pid" 2>/dev/null || crashed=1
		stop_pid "$gateway_pid"
		gw_exit=$stop_status
		gateway_pid=''
		# 0 after SIGTERM, or 143 when the shell reports the TERM itself;
		# anything else (SIGSEGV 139, SIGABRT 134, ...) is a crash.
		case "$gw_exit" in 0|143) ;; 137) log "$gw needed SIGKILL" ;; *) crashed=1 ;; esac
		[ "$crashed" = 1 ] && { log "$gw exited with $gw_exit; its log:"; tail -20 "$dir/gateway.log" >&2; }
	fi
	python3 "$here/summarize.py" record --gateway "$gw" --scenario "$scen" --loadgen "$lg_json" \
		--participants "$people" --clk-tck "$clk_tck" --cpu0 "$cpu0" --cpu1 "$cpu1" --cpu2 "$cpu2" --user1 "$user1" --user2 "$user2" --udp-drops $((drops3 - drops0)) \
		--cpu-threads1 "$threads1" --cpu-threads2 "$threads2" \
		--tx0 "$tx0" --tx1 "$tx1" --tx2 "$tx2" --tx3 "$tx3" --rss-idle "$rss_idle" --rss-end "${rss_end:-0}" \
		--window-s "$window" --crashed "$crashed" --gateway-exit "$gw_exit" --commit "$commit" \
		--date "$date_utc" --failure "$failure" >>"$json_file"
	tail -1 "$json_file" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("[compare]   ->", "FAILED: %s" % r["failure"] if r["failure"] else "%s µs/pkt, %s pkts in %.1f s, loss %s %%, SRTP %s" % (r["cpu_us_per_packet"], r["forwarded_window"], r["window_s"], r["loss_pct"], r["srtp_profile"]))' >&2
}

# What the negotiation looks like on each gateway: one publisher and one
# viewer for a second, the generator logging every description.
sdp_probe() {   # sdp_probe GATEWAY DRIVER PORT
	local gw=$1 driver=$2 port=$3 dir=$work/$1-sdp
	write_config "$gw" "$port" "$dir"
	start_gateway "$gw" "$port" "$dir" || return 1
	in_ns timeout 30 "$loadgen" --url "ws://127.0.0.1:$port/" --iface 127.0.0.3 -d "$driver" -p 1 -s 1 -t 2 \
		-b "$bitrate" --srtp "$srtp" --setup-timeout 15 -v 3 --json-only >"$dir/loadgen.json" 2>"$dir/loadgen.log"
	stop_pid "$gateway_pid"
	gateway_pid=''
	python3 "$here/summarize.py" sdp --gateway "$gw" "$dir/loadgen.log" >>"$json_file"
}

log "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r); commit $commit"
log "parleyd $parleyd; janus ${janus_bin:-none}; SRTP $srtp_profile offered; video ${bitrate} kbit/s, cap $((bitrate * 2)) kbit/s"
status=0
SECONDS=0   # the budget counts the runs, not the install and the build
# The kernel's share of a forwarded packet on this path (bench/compare/udp_floor.c).
if command -v cc >/dev/null && cc -std=gnu11 -O2 -pthread -o "$work/udp_floor" "$here/udp_floor.c" 2>"$work/udp_floor.log"; then
	in_ns "$work/udp_floor" --bytes 1200 --count 100000 >>"$json_file" || log "udp_floor failed"
else
	log "udp_floor not built (no C compiler?): the kernel floor is not measured"
fi
# The cheapest forwarder on this path, per fan-out scenario (bench/compare/fwd_floor.c):
# poll + recv + a sendto per viewer, no ICE/SRTP; and the same with UDP GSO runs.
if cc -std=gnu11 -O2 -pthread -o "$work/fwd_floor" "$here/fwd_floor.c" 2>"$work/fwd_floor.log"; then
	for s in "${selected[@]}"; do
		IFS='|' read -r scen shape people <<<"$s"
		[[ $shape =~ ^-p\ 1\ -s\ ([0-9]+)$ ]] || continue
		for gso in '' --gso; do
			in_ns "$work/fwd_floor" --viewers "${BASH_REMATCH[1]}" --seconds $((duration < 8 ? duration : 8)) \
				--video-kbps "$bitrate" $gso |
				sed "s/^{/{\"scenario\":\"$scen\",/" >>"$json_file" || log "fwd_floor $scen failed"
		done
	done
else
	log "fwd_floor not built: the forwarding floor is not measured"
fi
for g in "${GATEWAY_TABLE[@]}"; do
	IFS='|' read -r gw driver port <<<"$g"
	[[ ",$only_gateways," == *",$gw,"* ]] || continue
	sdp_probe "$gw" "$driver" "$port" || { log "$gw: SDP probe failed"; status=1; }
done
for s in "${selected[@]}"; do
	IFS='|' read -r scen shape people <<<"$s"
	for g in "${GATEWAY_TABLE[@]}"; do
		IFS='|' read -r gw driver port <<<"$g"
		[[ ",$only_gateways," == *",$gw,"* ]] || continue
		run_one "$gw" "$driver" "$port" "$scen" "$shape" "$people"
	done
done

echo "Parley $commit vs janus $("${janus_bin:-janus}" --version 2>/dev/null | sed -n "s/.*(\(.*\)).*/\1/p" | head -1), $date_utc," \
	"$(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)," \
	"${duration}s windows, VP8 ${bitrate} kbit/s + Opus, SRTP $srtp_profile"
echo
python3 "$here/summarize.py" table "$json_file" --json-out "$json_file"
echo
grep '"kind":"sdp"' "$json_file" | python3 -c '
import json, sys
for line in sys.stdin:
	r = json.loads(line)
	print("SDP %s: %s, fingerprint %s, codecs %s, rtcp-fb %s; DTLS-SRTP %s (%d peers)" % (r["gateway"],
		"/".join(r["transport"]), "/".join(r["fingerprint"]), " ".join(r["codecs"]), ", ".join(r["rtcp_fb"]),
		"/".join(r["srtp_profiles"]) or "none", r["peers_connected"]))'
grep '"kind":"udp_floor"' "$json_file" | python3 -c '
import json, sys
for line in sys.stdin:
	r = json.loads(line)
	print("Kernel floor: %.2f CPU-µs per %d-byte UDP send from 127.0.0.2 to 127.0.0.3 over the veth pair (udp_floor)" % (r["cpu_us_per_send"], r["bytes"]))'
python3 - "$json_file" <<'PY'
import json, sys
floors, janus = {}, {}
for line in open(sys.argv[1]):
	r = json.loads(line)
	if r.get("kind") == "fwd_floor":
		floors.setdefault(r["scenario"], {})[r["gso"]] = r["cpu_us_per_fwd"]
	elif r.get("kind") == "run" and r.get("gateway") == "janus" and r.get("cpu_us_per_packet"):
		janus[r["scenario"]] = r["cpu_us_per_packet"]
for scen, f in floors.items():
	quarter = " (Janus ÷ 4 = %.2f)" % (janus[scen] / 4) if scen in janus else ""
	print("Forwarding floor %s: %.2f CPU-µs per forwarded packet, %.2f with GSO runs (fwd_floor: poll, recv, a sendto per viewer; no ICE, no SRTP)%s"
	      % (scen, f.get(False, 0), f.get(True, 0), quarter))
PY
echo "JSON lines: $json_file"
[ -n "$callgrind" ] && echo "parleyd ran under callgrind: its CPU figures above are not comparable; profiles in $callgrind"
python3 "$here/summarize.py" check "$json_file" --gateways "$only_gateways" || status=1
exit $status
