# bench/compare/netns.sh — sourced by bench/compare.sh and
# bench/textroom_compare.sh: the network namespace both run the gateways
# in. `netns_up NS WHO` creates NS with lo up and a veth pair, lgj0
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
