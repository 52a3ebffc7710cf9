#!/usr/bin/env bash
# parley.sh — set up a Debian 12 machine, build Parley, and run it or test it.
#   ./parley.sh run    install what is needed, build, start parleyd on loopback
#   ./parley.sh test   install what is needed, build, run the whole test suite
#                      (normal build, then ASan+UBSan build, then valgrind,
#                      then a bounded run of each libFuzzer target when clang
#                      is installed: PARLEY_FUZZ_SECONDS each, default 6)
# PARLEY_SKIP_SANITIZERS=1 / PARLEY_SKIP_VALGRIND=1 / PARLEY_SKIP_FUZZ=1 skip
# those stages; PARLEY_SANITIZER_SKIP (a regex of test files) replaces the
# files the sanitizer stage leaves to the normal one (empty: none).
# Runs as root, or uses sudo for apt-get. Builds out of tree in build/ and
# build-sanitizers/. Set PARLEY_SKIP_INSTALL=1 to skip the apt/npm step.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

# Debian packages: build dependencies, then what the tests drive.
BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config libglib2.0-dev
 libnice-dev libsrtp2-dev libssl-dev libwebsockets-dev libjansson-dev libcmocka-dev
 libhiredis-dev libsqlite3-dev libusrsctp-dev libcurl4-openssl-dev"
NODE_PACKAGES="nodejs npm"
TEST_PACKAGES="curl valgrind python3 python3-aiortc chromium redis-server coturn prometheus
 libjs-janus-gateway libjs-webrtc-adapter janus-demos iproute2 util-linux nftables clang
 debhelper dpkg-dev fakeroot lintian simple-whip-client"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
	[ "${PARLEY_SKIP_INSTALL:-0}" = 1 ] && return 0
	local missing=()
	for p in $*; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	# A newer Node.js than Debian's may already be installed; keep it.
	if command -v node >/dev/null && command -v npm >/dev/null; then
		missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
	fi
	local want=()
	for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
	[ ${#want[@]} -eq 0 ] && return 0
	echo "== installing: ${want[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
}

# npm_install DIR VERB: the npm packages of DIR/package.json into
# DIR/node_modules (again when package.json or package-lock.json changed);
# VERB ci installs exactly the lock file's versions.
npm_install() {
	local dir=$1 verb=$2
	[ -f "$dir/package.json" ] || return 0
	if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules" ] ||
		{ [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; }; then
		echo "== installing npm packages in $dir"
		(cd "$dir" && npm "$verb" --no-audit --no-fund --loglevel=error >/dev/null)
		touch "$dir/node_modules"
	fi
}

# html/: mediasoup-client and socket.io-client, which the build bundles with
# esbuild for room-mediasoup.html; tests/e2e: the e2e suite's clients.
install_node_modules() {
	[ "${PARLEY_SKIP_INSTALL:-0}" = 1 ] && return 0
	npm_install html ci
	[ "${1:-}" = html ] || npm_install tests/e2e install
}

# configure_tree DIR [configure flags...]: DIR configured (once) from the source.
configure_tree() {
	local dir=$1; shift
	[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
		(cd "$dir" && ../configure --prefix="$top/$dir/stage" "$@" >/dev/null)
	fi
}

# build DIR [configure flags...]: configured, built and staged in DIR/stage.
build() {
	configure_tree "$@" || return
	make -C "$1" -j"$jobs" >/dev/null
	make -C "$1" install >/dev/null
}

cmd_run() {
	install_packages "$BUILD_PACKAGES $NODE_PACKAGES"
	install_node_modules html
	build build
	echo "== starting parleyd (Ctrl-C stops it)"
	# The staged HTTP transport serves the demo pages installed beside it;
	# the SFU service's Socket.IO listener (port 3000) with ICE-lite serves
	# room-mediasoup.html's mediasoup-client; the chat plugin's (port 3100)
	# serves Socket.IO chat clients.
	local conf=build/stage/etc/parley
	sed -i "s|^#\?html_folder = .*|html_folder = $top/build/stage/share/parley/html|" \
		"$conf/parley.transport.http.conf"
	sed -i "s|^#\?listeners = .*|listeners = sfu, chat|" "$conf/parley.transport.websocket.conf"
	sed -i "s|^#\?ice_lite = .*|ice_lite = true|" "$conf/parley.conf"
	exec build/stage/bin/parleyd --configs-folder build/stage/etc/parley "$@"
}

# Each stage's heading says when it started (seconds since the command began).
stage() { echo "=== suite: $* (at +${SECONDS} s)"; }

cmd_test() {
	install_packages "$BUILD_PACKAGES $NODE_PACKAGES $TEST_PACKAGES"
	install_node_modules
	build build
	local totals; totals=$(mktemp)
	stage "normal build"
	PARLEY_TOTALS=$totals make -C build -j"$jobs" check || true
	if [ "${PARLEY_SKIP_SANITIZERS:-0}" != 1 ]; then
		stage "ASan + UBSan build"
		build build-sanitizers --enable-sanitizers
		# Every file but the heaviest browser one: 3 Chromium pages and 4 aiortc
		# clients decoding 42 streams on 2 cores test the clients' scheduling
		# more than parleyd's memory, which the other room files (7 aiortc
		# participants, simulcast pages, 12 and 80 generated peers) cover.
		# Of the ICE-lite variants, the light ones run (echo with Chromium,
		# the generator on echo and on a 12-peer room: every lite code path,
		# restart and consent included); the client ones whose lite checks
		# are the same (echo with aiortc, chat with janus.js, room media,
		# freeze, simulcast, TURN) add client time, not lite code.
		# Left to the normal stage too: the 7-page mediasoup room and the
		# mediasoup demo page (the 3-page mediasoup file runs the same
		# requests and media path), janus.js (a client library, no new
		# server path) and bench/compare.sh (a measurement). Data channels
		# run once per client and transport pair that adds code (aiortc on
		# libnice, Chromium on ICE-lite; janus.js is the same Chromium path);
		# WHIP with GStreamer on libnice (the simulcast pages add client
		# time); ICE-TCP with the echo page (the mediasoup room over TCP is the
		# same lite TCP code under more clients). The admin dashboard page (a
		# page of the demo folder; the admin requests it makes are admin.test's
		# and the unit tests', which run here) and Janus's TextRoom page (the
		# chat plugin's data-channel path is chat-janusjs's, which runs here).
		# The meeting browsers' media flows browser to browser (parleyd only
		# relays their Socket.IO signaling, which socketio-meeting runs here),
		# and Janus's admin demo page makes admin.test's requests. The 50 s
		# of test_ice_vanished wait on libnice's keepalive timer, not our code.
		PARLEY_TOTALS=$totals ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			PARLEY_TEST_SKIP="${PARLEY_SANITIZER_SKIP-^room-media-netns|^(room-freeze|room-simulcast|turn-relay|whip-gst|whip-simulcast)-lite-netns|^room-mediasoup-(seven|tcp)-netns|^room-page-mediasoup-netns|^datachannel-(browser-netns|aiortc-lite-netns|janusjs-netns)|^whip-simulcast-netns|^admin-dashboard-netns|^janusjs\.|^bench-compare\.|^echo-aiortc-lite-netns|^chat-janusjs-lite-netns|^janus-demo-textroom-netns|^meeting-browser-netns|^janus-demo-admin-netns|^test_ice_vanished$}" \
			make -C build-sanitizers -j"$jobs" check || true
	fi
	if [ "${PARLEY_SKIP_VALGRIND:-0}" != 1 ]; then
		# memcheck sees inside uninstrumented libraries (GLib, lws) where ASan cannot.
		stage "valgrind (every unit test; parleyd under memcheck for the API suites)"
		local vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
		# (test_ice_vanished: 50 s on libnice's keepalive timer, nothing more to see)
		PARLEY_TOTALS=$totals PARLEY_TEST_WRAPPER="$vg" PARLEY_PARLEYD_WRAPPER="$vg" \
			PARLEY_TEST_FILTER='^test_|^api-|^admin\.|^timeout\.' PARLEY_TEST_SKIP='^test_ice_vanished$' \
			"$top/tests/run.sh" "$top/build" "$top" || true
	fi
	if [ "${PARLEY_SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null; then
		local seconds=${PARLEY_FUZZ_SECONDS:-6}
		stage "libFuzzer targets (${seconds} s each; clang build in build-fuzz)"
		if CC=clang configure_tree build-fuzz --enable-fuzzers && make -C build-fuzz -j"$jobs" fuzzers >/dev/null; then
			PARLEY_TOTALS=$totals "$top/tests/fuzz/run.sh" "$top/build-fuzz" "$top" "$seconds" || true
		else
			echo "not ok - the --enable-fuzzers build failed"
			echo "0 1" >>"$totals"
		fi
	fi
	# Every stage appended "passed failed" to $totals; one closing line for all.
	local p f
	p=$(awk '{s+=$1} END {print s+0}' "$totals"); f=$(awk '{s+=$2} END {print s+0}' "$totals")
	rm -f "$totals"
	echo "=== suite: done in ${SECONDS} s"
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

case "${1:-}" in
	run) shift; cmd_run "$@" ;;
	test) shift; cmd_test "$@" ;;
	*) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
