#!/usr/bin/env bash
# bench/textroom_compare.sh — Parley's chat plugin (parley.plugin.chat,
# attached as janus.plugin.textroom) and Janus 1.1.2's TextRoom side by
# side under the same load over data channels (bench/loadgen's
# parley-loadgen, driver textroom), and the table.
#
# Owns: installing janus when it is missing (apt-get), building Parley when
# no build folder is given, one network namespace of its own (lo plus a
# veth pair lgj0 127.0.0.2 / lgj1 127.0.0.3, as bench/compare.sh: Janus
# skips loopback interfaces when it gathers, so both gateways gather on
# lgj0 and the generator on lgj1), the gateways' configuration (written
# from bench/textroom/ into a work folder: room 1234 without history and
# without rate limit on both), starting each gateway fresh for each run,
# one after the other (the order alternates from run to run), and stopping
# everything by PID and deleting the namespace on every exit path (trap).
# The generator measures (delivery latency, rates, missing deliveries, the
# gateway's utime+stime over each phase through --gateway-pid); the table
# is bench/textroom/summarize.py's.
#
#   bench/textroom_compare.sh [--builddir DIR] [--runs N] [--participants N]
#                             [--messages N] [--duration S] [--window N] [--warmup N]
#                             [--gateways parley,janus] [--json FILE] [--keep]
# Prints the table (markdown) on stdout, progress on stderr, one JSON line
# per gateway and run into --json FILE. Exit 0 when every run completed
# with no delivery missing, 1 when one failed or a gateway crashed, 2 on
# bad options.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/compare/lib.sh"   # stop_pid, netns_up
here=$top/bench/textroom

# gateway | WebSocket port inside the namespace
GATEWAY_TABLE=("parley|8188" "janus|8189")

builddir='' runs=2 participants=50 messages=3000 duration=10 window=8 warmup=20
only_gateways='parley,janus' json_file='' keep=0
SETUP_TIMEOUT=60 READY_TIMEOUT_S=30 STOP_GRACE_S=5

die() { echo "textroom_compare.sh: $*" >&2; exit 2; }
log() { echo "[textroom] $*" >&2; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
number() {   # number NAME VALUE MIN MAX
	[[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || die "$1 must be $3..$4 (got '$2')"
}

while [ $# -gt 0 ]; do
	case "$1" in
		--builddir) builddir=${2:?--builddir needs a folder}; shift ;;
		--runs) runs=${2:?--runs needs a count}; shift ;;
		--participants) participants=${2:?--participants needs a count}; shift ;;
		--messages) messages=${2:?--messages needs a count}; shift ;;
		--duration) duration=${2:?--duration needs seconds}; shift ;;
		--window) window=${2:?--window needs a count}; shift ;;
		--warmup) warmup=${2:?--warmup needs a count}; shift ;;
		--gateways) only_gateways=${2:?--gateways needs names}; shift ;;
		--json) json_file=${2:?--json needs a file}; shift ;;
		--keep) keep=1 ;;
		-h|--help) usage; exit 0 ;;
		*) die "unknown option '$1' (--help)" ;;
	esac
	shift
done
number --runs "$runs" 1 20
number --participants "$participants" 2 500
number --messages "$messages" 1 100000
number --duration "$duration" 1 300
number --window "$window" 1 256
number --warmup "$warmup" 0 1000
for want in ${only_gateways//,/ }; do
	case "$want" in parley|janus) ;; *) die "unknown gateway '$want' (parley, janus)" ;; esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, veth pair, sysctls)"

# ---- what it needs ----

janus_bin=$(command -v janus || true)
if [[ ",$only_gateways," == *",janus,"* ]] && [ -z "$janus_bin" ]; then
	log "installing janus (apt-get)"
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends janus >&2 ||
		{ echo "textroom_compare.sh: apt-get install janus failed" >&2; exit 1; }
	janus_bin=$(command -v janus) || { echo "textroom_compare.sh: janus still missing" >&2; exit 1; }
fi
for tool in ip python3 timeout; do
	command -v $tool >/dev/null || { echo "textroom_compare.sh: $tool is missing" >&2; exit 1; }
done
if [ -z "$builddir" ]; then
	builddir=$top/build
	if [ ! -x "$builddir/stage/bin/parleyd" ] || [ ! -x "$builddir/bench/loadgen/parley-loadgen" ]; then
		log "building Parley in $builddir"
		( cd "$top" && { [ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null; } &&
		  mkdir -p "$builddir" && cd "$builddir" &&
		  { [ -f Makefile ] || ../configure --prefix="$builddir/stage" >/dev/null; } &&
		  make -j2 >/dev/null && make install >/dev/null ) >&2 ||
			{ echo "textroom_compare.sh: the build failed" >&2; exit 1; }
	fi
fi
builddir=$(cd "$builddir" 2>/dev/null && pwd) || die "--builddir: no such folder"
parleyd=$builddir/stage/bin/parleyd
loadgen=$builddir/bench/loadgen/parley-loadgen
[ -x "$parleyd" ] || die "$parleyd is missing (make install in $builddir)"
[ -x "$loadgen" ] || die "$loadgen is missing (make in $builddir)"
declare -A bin=([parley]=$parleyd [janus]=${janus_bin:-janus})

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ "$commit" != unknown ] && [ -n "$(git -C "$top" status --porcelain -- core plugins transports include bench/loadgen 2>/dev/null)" ] &&
	commit="$commit+local changes"
work=$(mktemp -d /tmp/parley-textroom.XXXXXX)
[ -n "$json_file" ] || json_file=$work/results.jsonl
: >"$json_file" || die "cannot write $json_file"
ns=parleytr$$

# ---- cleanup: everything by PID, the namespace, on every exit ----

gateway_pid=''
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$gateway_pid"
	ip netns del "$ns" 2>/dev/null
	if [ "$keep" = 1 ] || [ "$rc" -ne 0 ]; then log "logs kept in $work"; else
		case "$json_file" in
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
netns_up "$ns" textroom_compare.sh
log "namespace $ns (veth lgj0 127.0.0.2 / lgj1 127.0.0.3), work folder $work"
port_open() { in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# ---- gateways ----

write_config() {   # write_config GATEWAY PORT DIR
	local gw=$1 port=$2 dir=$3 f
	mkdir -p "$dir/state"
	for f in "$here"/$gw.*; do
		sed -e "s/@WS_PORT@/$port/" -e "s#@STATE_DIR@#$dir/state#" "$f" >"$dir/$(basename "$f")"
	done
}
start_gateway() {   # start_gateway GATEWAY PORT DIR: sets gateway_pid, waits for its port
	local gw=$1 port=$2 dir=$3 i
	if port_open "$port"; then
		log "port $port is already taken in $ns: a gateway did not stop"
		return 1
	fi
	# ip execs the gateway: $! is the gateway's own PID.
	ip netns exec "$ns" "${bin[$gw]}" -F "$dir" >"$dir/gateway.log" 2>&1 &
	gateway_pid=$!
	for ((i = 0; i < READY_TIMEOUT_S * 5; i++)); do
		kill -0 "$gateway_pid" 2>/dev/null || break
		if port_open "$port"; then
			[ "$(readlink "/proc/$gateway_pid/exe")" = "$(readlink -f "${bin[$gw]}")" ] && { log "$gw pid $gateway_pid ready on port $port"; return 0; }
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

run_one() {   # run_one GATEWAY PORT RUN
	local gw=$1 port=$2 run=$3 dir=$work/$1-run$3 lg_json lg_rc=0 crashed=0 failure='' load0 load1
	lg_json=$dir/loadgen.json
	write_config "$gw" "$port" "$dir"
	log "run $run on $gw: $participants participants, $messages messages or ${duration}s per phase"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	if ! start_gateway "$gw" "$port" "$dir"; then
		failure="$gw did not start"
	else
		sleep 1
		in_ns timeout $((SETUP_TIMEOUT + 2 * (duration + 40) + 30)) "$loadgen" --url "ws://127.0.0.1:$port/" \
			--iface 127.0.0.3 -d textroom --participants "$participants" --messages "$messages" \
			--duration "$duration" --window "$window" --warmup "$warmup" --setup-timeout "$SETUP_TIMEOUT" \
			--gateway-pid "$gateway_pid" -v 1 --json-only >"$lg_json" 2>"$dir/loadgen.log"
		lg_rc=$?
		kill -0 "$gateway_pid" 2>/dev/null || crashed=1
		stop_pid "$gateway_pid"
		gateway_pid=''
		case "$stop_status" in 0|143) ;; 137) log "$gw needed SIGKILL" ;; *) crashed=1 ;; esac
		[ "$crashed" = 1 ] && { failure="$gw exited with $stop_status"; log "$failure; its log:"; tail -20 "$dir/gateway.log" >&2; }
		[ "$lg_rc" -ne 0 ] && [ -z "$failure" ] && failure="parley-loadgen exited with $lg_rc"
	fi
	load1=$(cut -d' ' -f1 /proc/loadavg)
	python3 "$here/summarize.py" record --gateway "$gw" --run "$run" --loadgen "$lg_json" \
		--failure "$failure" --load "$load0,$load1" >>"$json_file"
	tail -1 "$json_file" | python3 "$here/summarize.py" progress >&2
}

log "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r); commit $commit"
status=0
gateways=()
for g in "${GATEWAY_TABLE[@]}"; do
	[[ ",$only_gateways," == *",${g%%|*},"* ]] && gateways+=("$g")
done
for ((r = 1; r <= runs; r++)); do
	order=("${gateways[@]}")
	# every other run the other gateway goes first
	[ $((r % 2)) -eq 0 ] && [ ${#order[@]} -eq 2 ] && order=("${gateways[1]}" "${gateways[0]}")
	for g in "${order[@]}"; do
		IFS='|' read -r gw port <<<"$g"
		run_one "$gw" "$port" "$r"
	done
done

echo "Parley $commit vs janus $("${janus_bin:-janus}" --version 2>/dev/null | sed -n "s/.*(\(.*\)).*/\1/p" | head -1)," \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo))," \
	"kernel $(uname -r); $participants participants in room 1234 over data channels, $messages messages or" \
	"${duration}s per phase after $warmup warm-up messages, window $window in phase one"
echo
python3 "$here/summarize.py" table "$json_file" || status=1
echo
echo "JSON lines: $json_file"
exit $status
