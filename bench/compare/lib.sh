# bench/compare/lib.sh — sourced by bench/compare.sh and
# bench/textroom_compare.sh at their start: stopping a process they
# started, and the network namespace both run the gateways in.
#
# `stop_pid PID`: SIGTERM, SIGKILL after the caller's STOP_GRACE_S (logged
# with the caller's `log`); sets stop_status to its exit status.
stop_pid() {
	local pid=$1 i
	stop_status=0
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < STOP_GRACE_S * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM for ${STOP_GRACE_S}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
	fi
	wait "$pid" 2>/dev/null
	stop_status=$?
}

# `netns_up NS WHO` creates NS with lo up and a veth pair, lgj0
# 127.0.0.2 (the gateways' ICE address) and lgj1 127.0.0.3 (the load
# generator's), loopback addresses routed between them, no IPv6; WHO
# names the script in its error. Exits 1 when a step fails.
netns_up() {
	local ns=$1 who=$2
	ip netns add "$ns" || { echo "$who: ip netns add failed" >&2; exit 1; }
	ip netns exec "$ns" sh -c '
		ip link set lo up &&
		sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.default.route_localnet=1 \
			net.ipv4.conf.all.accept_local=1 net.ipv4.conf.default.accept_local=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
		ip link add lgj0 type veth peer name lgj1 &&
		ip addr add 127.0.0.2/32 dev lgj0 && ip addr add 127.0.0.3/32 dev lgj1 &&
		ip link set lgj0 up && ip link set lgj1 up' ||
		{ echo "$who: setting up namespace $ns failed" >&2; exit 1; }
}
