#!/usr/bin/env bash
# tests/run.sh BUILDDIR SRCDIR — runs the whole suite: every cmocka unit test
# (tests/unit/test_* in BUILDDIR, TAP output), then every end-to-end test
# (tests/e2e/*.test.mjs with node's test runner, TAP output). Counts every
# TAP result and ends with one line: "N passed, N failed".
# Environment: PARLEY_TEST_FILTER (extended regex matched against test file names),
# PARLEY_TEST_SKIP (extended regex: matching files are not run),
# PARLEY_TEST_WRAPPER (e.g. "valgrind ..." for compiled unit tests), PARLEY_SKIP_E2E=1,
# PARLEY_TEST_JOBS (unit programs at a time and e2e lanes; default: the cores),
# PARLEY_E2E_SOLO (regex: e2e files that run alone, after the lanes),
# PARLEY_E2E_BACKGROUND (regex: e2e files that run beside the lanes).
# Each file's line gives its results and its wall-clock seconds.
set -u
builddir=${1:-$(pwd)}
srcdir=${2:-$(cd "$(dirname "$0")/.." && pwd)}
filter=${PARLEY_TEST_FILTER:-}
skip=${PARLEY_TEST_SKIP:-}
logdir="$builddir/tests/logs"
mkdir -p "$logdir"
passed=0 failed=0 failures=()

# selected NAME: the file passes PARLEY_TEST_FILTER and not PARLEY_TEST_SKIP.
selected() {
	[ -z "$filter" ] || [[ "$1" =~ $filter ]] || return 1
	[ -z "$skip" ] || ! [[ "$1" =~ $skip ]]
}

# failed_cases LOGFILE: each top-level "not ok" line of a TAP log and the
# first lines of its error, indented, so the closing summary says what failed
# without opening the log (CI shows only the end of the output).
failed_cases() {
	awk '/^not ok [0-9]+/ { printf "\n    %s", $0; inblock = 1; err = 0; shown = 0; next }
	     inblock && /^  error: [^|>]/ { sub(/^  error: /, ""); printf "\n      %s", substr($0, 1, 300); next }
	     inblock && /^  error:/ { err = 1; next }
	     inblock && err && /^    / && shown < 3 { sub(/^ +/, ""); printf "\n      %s", $0; shown++; next }
	     inblock && /^  [a-z]/ { err = 0 }
	     /^  \.\.\./ { inblock = 0 }' "$1" | head -c 2000
}

# record NAME LOG EXIT_CODE MODE SECONDS: counts the file's TAP results,
# prints its line and appends "NAME OK NOTOK LOG" to $results (one short
# write: lanes running side by side append whole lines). MODE "top" counts
# only top-level results (node's TAP nests subtests).
record() {
	local name=$1 log=$2 rc=$3 mode=$4 secs=$5 ok notok pat='^[[:space:]]*'
	[ "$mode" = top ] && pat='^'
	ok=$(grep -cE "${pat}ok [0-9]+" "$log" || true)
	notok=$(grep -cE "${pat}not ok [0-9]+" "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
		notok=1   # crashed or failed without reporting: count it as a failure
	fi
	printf '%-50s %3d passed, %d failed %5ds\n' "$name" "$ok" "$notok" "$secs"
	echo "$name $ok $notok $log" >>"$results"
}

# run_unit PATH: one cmocka program (TAP output). The wrapper (valgrind)
# checks our binaries; a test written in shell would only have it check
# the shell.
run_unit() {
	local t=$1 name log wrapper=${PARLEY_TEST_WRAPPER:-} start=$SECONDS
	name=$(basename "$t"); log="$logdir/$name.log"
	[ "$(head -c 2 "$t")" = '#!' ] && wrapper=
	( cd "$builddir" && PARLEY_BUILDDIR="$builddir" PARLEY_SRCDIR="$srcdir" \
	  CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 $wrapper "$t" ) >"$log" 2>&1
	record "$name" "$log" $? each $((SECONDS - start))
}

# run_e2e PATH [SECONDS]: one node test file, killed after SECONDS (600).
# *-netns.test.mjs run in a network namespace with only lo (WebRTC must not
# pick another interface; unshare needs root, which CI is). The runner exits
# once the file's tests and after-hooks are done (--test-force-exit): a timer
# a test left armed (a race's losing timeout) must not hold the file open.
run_e2e() {
	local t=$1 limit=${2:-600} name log start=$SECONDS netns=()
	name=$(basename "$t"); log="$logdir/$name.log"
	case "$name" in *-netns.test.mjs)
		netns=(unshare --net sh -c 'ip link set lo up && exec "$@"' netns) ;;
	esac
	( cd "$srcdir/tests/e2e" && PARLEY_BUILDDIR="$builddir" PARLEY_SRCDIR="$srcdir" \
	  timeout "$limit" "${netns[@]}" node --test --test-force-exit --test-reporter=tap "$t" ) >"$log" 2>&1
	record "$name" "$log" $? top $((SECONDS - start))
}

results="$logdir/results.$$.txt"   # this run's own: two runs may share a build
: >"$results"
trap 'rm -f "$results"' EXIT
jobs=${PARLEY_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}

# Unit programs are independent (no fixed ports or paths): $jobs at a time.
echo "== unit tests"
stage_start=$SECONDS
running=0
for t in "$builddir"/tests/unit/test_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case "$t" in *.o|*.log) continue;; esac
	selected "$(basename "$t")" || continue
	run_unit "$t" &
	if [ $((++running)) -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

# End-to-end files run in two lanes side by side, each file claimed once
# (mkdir is atomic). The first lane takes the network-namespace files (the
# media ones: browsers, aiortc, the generator) heaviest first, then the
# loopback files from the end of their list; the second takes the loopback
# files (API, signaling, protocol: they mostly wait on sockets and timers)
# from the start, then the namespace files from the end of theirs, lightest
# first. So the two media-heavy files meet only where the lanes meet. A
# namespace has its own ports, so the lanes never race for one.
# PARLEY_TEST_JOBS=1 runs every file in turn.
if [ "${PARLEY_SKIP_E2E:-0}" != 1 ] && [ -d "$srcdir/tests/e2e" ]; then
	echo "== end-to-end tests (the unit tests took $((SECONDS - stage_start)) s)"
	stage_start=$SECONDS
	# parleyd's sanitizer reports (written by tests/e2e/lib/server.mjs) land here.
	export PARLEY_SANITIZER_REPORTS="$logdir/sanitizer-reports.txt"
	rm -f "$PARLEY_SANITIZER_REPORTS"
	# The heaviest files run alone, after the lanes: seven Chromium pages,
	# three pages with four aiortc clients and a package build at -j2 would
	# make their neighbour's clients miss their timers.
	solo=${PARLEY_E2E_SOLO-^(room-mediasoup-seven-netns|room-media-netns)\.}
	# The package build runs beside the lanes (it compiles niced: the lanes'
	# clients come first), and the solo files wait for it. One lane
	# (PARLEY_TEST_JOBS=1): in turn.
	background=${PARLEY_E2E_BACKGROUND-^debian-package\.}
	heavy_files=() light_files=() loopback_files=() solo_files=() background_files=()
	for t in "$srcdir"/tests/e2e/*.test.mjs; do
		name=$(basename "$t")
		[ -f "$t" ] && selected "$name" || continue
		if [ -n "$background" ] && [[ "$name" =~ $background ]]; then background_files+=("$t"); continue; fi
		if [ -n "$solo" ] && [[ "$name" =~ $solo ]]; then solo_files+=("$t"); continue; fi
		case "$t" in
		*-netns.test.mjs)
			# a twin (`await import('./base.test.mjs')`) weighs what its base does
			base=$(sed -n "s|^await import('\./\(.*\.test\.mjs\)');|\1|p" "$t")
			if grep -qE 'launchBrowser|startRoomClients|aiortc|whip-client' "$t" ${base:+"$srcdir/tests/e2e/$base"}; then
				heavy_files+=("$t")
			else
				light_files+=("$t")
			fi ;;
		*) loopback_files+=("$t") ;;
		esac
	done
	netns_files=("${heavy_files[@]}" "${light_files[@]}")
	background_pid=
	if [ "$jobs" -gt 1 ] && [ ${#background_files[@]} -gt 0 ]; then
		( for t in "${background_files[@]}"; do run_e2e "$t" 1200; done ) &
		background_pid=$!
		background_files=()
	fi
	claims=$(mktemp -d)
	# run_claimed FILE...: runs each file no other lane has claimed.
	run_claimed() { local t; for t in "$@"; do mkdir "$claims/$(basename "$t")" 2>/dev/null && run_e2e "$t"; done; }
	run_lane() { local t; for t in "$@"; do run_e2e "$t"; done; }
	if [ "$jobs" -gt 1 ]; then
		reverse() { local i; reversed=(); for ((i = $# ; i >= 1; i--)); do reversed+=("${!i}"); done; }
		reverse "${loopback_files[@]}"; loopback_reversed=("${reversed[@]}")
		reverse "${netns_files[@]}"; netns_reversed=("${reversed[@]}")
		run_claimed "${loopback_files[@]}" "${netns_reversed[@]}" &
		lane_pid=$!
		run_claimed "${netns_files[@]}" "${loopback_reversed[@]}"
		wait "$lane_pid"
	else
		run_lane "${netns_files[@]}" "${loopback_files[@]}"
	fi
	rm -rf "$claims"
	if [ -n "$background_pid" ]; then
		echo "== waiting for the background files (the lanes took $((SECONDS - stage_start)) s)"
		wait "$background_pid"
	fi
	solo_files+=("${background_files[@]}")
	if [ ${#solo_files[@]} -gt 0 ]; then
		echo "== the heaviest files, one at a time (the lanes took $((SECONDS - stage_start)) s)"
		stage_start=$SECONDS
		run_lane "${solo_files[@]}"
	fi
	echo "== (end-to-end tests took $((SECONDS - stage_start)) s since the last heading)"
fi

while read -r name ok notok log; do
	passed=$((passed + ok)); failed=$((failed + notok))
	if [ "$notok" -ne 0 ]; then failures+=("$name (log: $log)$(failed_cases "$log")"); fi
done <"$results"

if [ -s "${PARLEY_SANITIZER_REPORTS:-/nonexistent}" ]; then
	reports=$(grep -c '^=== sanitizer report' "$PARLEY_SANITIZER_REPORTS")
	failed=$((failed + reports))
	failures+=("$reports sanitizer report(s) from parleyd (log: $PARLEY_SANITIZER_REPORTS)")
	printf '%-50s %3d passed, %d failed\n' "parleyd sanitizer reports" 0 "$reports"
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "== failures"
	for f in "${failures[@]}"; do echo "  $f"; done
fi
echo "$passed passed, $failed failed"
[ -n "${PARLEY_TOTALS:-}" ] && echo "$passed $failed" >>"$PARLEY_TOTALS"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
