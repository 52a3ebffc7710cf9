/*
 * lite_mux.c — owns the process side of the ICE-lite transport: the
 * addresses we announce, one loop record per started event loop with its
 * sockets (IPv4 and/or IPv6, all on one port with SO_REUSEPORT, or with
 * port_per_loop a port of its own: the first + its index; TCP listeners
 * when [media] tcp_port is set share that one port), its
 * eventfd and tables, the GSource attached to its context, the registry
 * from GMainContext to loop record (looked up under a lock when a
 * transport is created, never per datagram), start, stop and counters.
 */
#include "lite_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <gio/gio.h>

/* ice-char (RFC 8445): the first character of a ufrag names the loop. */
static const char tag_alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

static struct {
	GMutex lock;
	lite_loop *loops[LITE_MAX_LOOPS];
	unsigned n;
	unsigned port;      /* the first loop's */
	bool port_per_loop; /* else every loop's port */
	unsigned consent_ms;
	size_t handover_bytes;
	int64_t stale_ns;
	char **addresses; /* announced, NULL-terminated */
} mux;

uint64_t lite_stat_datagrams, lite_stat_sent, lite_stat_requests, lite_stat_rejected, lite_stat_dropped,
	lite_stat_unknown_address, lite_stat_handed, lite_stat_handover_full, lite_stat_stale, lite_stat_selections,
	lite_stat_switches, lite_stat_consent_expiries, lite_stat_connect_timeouts, lite_stat_restarts;
uint64_t lite_stat_rejects[PARLEY_LITE_REJECT_COUNT];

void lite_count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t read_count(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void parley_lite_get_stats(parley_lite_stats *stats)
{
	stats->datagrams = read_count(&lite_stat_datagrams);
	stats->sent = read_count(&lite_stat_sent);
	stats->requests = read_count(&lite_stat_requests);
	stats->rejected = read_count(&lite_stat_rejected);
	for (int i = 0; i < PARLEY_LITE_REJECT_COUNT; i++)
		stats->rejects[i] = read_count(&lite_stat_rejects[i]);
	stats->dropped = read_count(&lite_stat_dropped);
	stats->unknown_address = read_count(&lite_stat_unknown_address);
	stats->handed_over = read_count(&lite_stat_handed);
	stats->handover_full = read_count(&lite_stat_handover_full);
	stats->stale = read_count(&lite_stat_stale);
	stats->selections = read_count(&lite_stat_selections);
	stats->switches = read_count(&lite_stat_switches);
	stats->consent_expiries = read_count(&lite_stat_consent_expiries);
	stats->connect_timeouts = read_count(&lite_stat_connect_timeouts);
	stats->restarts = read_count(&lite_stat_restarts);
	stats->tcp_accepted = read_count(&lite_stat_tcp_accepted);
	stats->tcp_refused = read_count(&lite_stat_tcp_refused);
	stats->tcp_bad = read_count(&lite_stat_tcp_bad);
	stats->tcp_timed_out = read_count(&lite_stat_tcp_timed_out);
	stats->tcp_dropped = read_count(&lite_stat_tcp_dropped);
}

const char *parley_lite_reject_name(parley_lite_reject reason)
{
	static const char *const names[PARLEY_LITE_REJECT_COUNT] = {
		[PARLEY_LITE_REJECT_BAD_REQUEST] = "bad_request",
		[PARLEY_LITE_REJECT_BAD_INTEGRITY] = "bad_integrity",
		[PARLEY_LITE_REJECT_UNKNOWN_ATTRIBUTE] = "unknown_attribute",
		[PARLEY_LITE_REJECT_ROLE_CONFLICT] = "role_conflict",
		[PARLEY_LITE_REJECT_UNKNOWN_UFRAG] = "unknown_ufrag",
		[PARLEY_LITE_REJECT_UNANSWERABLE] = "unanswerable",
	};
	return (unsigned)reason < PARLEY_LITE_REJECT_COUNT ? names[reason] : "unknown";
}

/* ---- registry ---- */

lite_loop *lite_loop_for(GMainContext *context)
{
	lite_loop *found = NULL;
	g_mutex_lock(&mux.lock);
	for (unsigned i = 0; i < mux.n && !found; i++)
		if (mux.loops[i]->context == context)
			found = mux.loops[i];
	g_mutex_unlock(&mux.lock);
	return found;
}

lite_loop *lite_loop_at(unsigned index)
{
	return index < mux.n ? mux.loops[index] : NULL;
}

unsigned lite_loop_count(void)
{
	return mux.n;
}

unsigned lite_loop_index(const lite_loop *loop)
{
	return loop->index;
}

char lite_loop_tag(const lite_loop *loop)
{
	return tag_alphabet[loop->index % LITE_MAX_LOOPS];
}

int lite_loop_of_ufrag(const char *ufrag)
{
	const char *at = ufrag && ufrag[0] ? strchr(tag_alphabet, ufrag[0]) : NULL;
	return at ? (int)(at - tag_alphabet) : -1;
}

const char *const *lite_loop_addresses(const lite_loop *loop)
{
	(void)loop;
	return (const char *const *)mux.addresses;
}

unsigned lite_loop_port(const lite_loop *loop)
{
	return loop->port;
}

unsigned lite_consent_timeout_ms(void)
{
	return mux.consent_ms ? mux.consent_ms : 30000;
}

size_t lite_handover_bytes(void)
{
	return lite_ring_capacity_for(mux.handover_bytes ? mux.handover_bytes : LITE_RING_DEFAULT);
}

int64_t lite_stale_media_ns(void)
{
	return mux.stale_ns;
}

size_t parley_lite_handover_bytes(void)
{
	return lite_handover_bytes();
}

unsigned parley_lite_port(void)
{
	return mux.port;
}

bool parley_lite_running(void)
{
	return mux.n > 0;
}

GSocket *lite_loop_socket(lite_loop *loop, int family)
{
	return loop->sockets[family == AF_INET6 ? 1 : 0];
}

/* ---- addresses ---- */

static int family_of(const char *ip)
{
	struct in6_addr a6;
	struct in_addr a4;
	if (ip && inet_pton(AF_INET, ip, &a4) == 1)
		return AF_INET;
	if (ip && inet_pton(AF_INET6, ip, &a6) == 1)
		return AF_INET6;
	return 0;
}

/* Adds the usable addresses of interface `name` (every interface but
 * loopback when name is NULL); returns how many. */
static unsigned add_interface(GPtrArray *out, const char *name)
{
	char **ips = parley_ice_interface_addresses(name);
	unsigned added = 0;
	for (; ips[added]; added++)
		g_ptr_array_add(out, ips[added]); /* the strings move to out */
	g_free(ips);
	return added;
}

static char **resolve_addresses(const parley_lite_config *config, GError **error)
{
	GPtrArray *out = g_ptr_array_new();
	const char *const *names = config->interfaces;
	if (!names || !names[0]) {
		add_interface(out, NULL);
	} else {
		for (size_t i = 0; names[i]; i++) {
			bool ok = family_of(names[i]) ? (g_ptr_array_add(out, g_strdup(names[i])), true)
			                              : add_interface(out, names[i]) > 0;
			if (!ok) {
				g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INTERFACE,
				            "ICE-lite interface \"%s\": no usable address", names[i]);
				g_ptr_array_free(out, TRUE);
				return NULL;
			}
		}
	}
	if (out->len == 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INTERFACE, "ICE-lite: no usable address");
		g_ptr_array_free(out, TRUE);
		return NULL;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* ---- sockets ---- */

/* The address one family's sockets bind: the configured address when it
 * is the only one of its family, else the wildcard. */
static socklen_t bind_address(char **addresses, int family, unsigned port, struct sockaddr_storage *addr)
{
	const char *only = NULL;
	unsigned count = 0;
	for (size_t i = 0; addresses[i]; i++)
		if (family_of(addresses[i]) == family) {
			only = addresses[i];
			count++;
		}
	memset(addr, 0, sizeof(*addr));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		if (count == 1)
			inet_pton(AF_INET, only, &in->sin_addr);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	in6->sin6_addr = in6addr_any;
	if (count == 1)
		inet_pton(AF_INET6, only, &in6->sin6_addr);
	return sizeof(*in6);
}

/* The index of the interface holding a bound address (0: the wildcard, or
 * not found). */
static unsigned interface_of(const struct sockaddr_storage *addr)
{
	const void *want = addr->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)addr)->sin_addr
	                                              : (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr;
	size_t size = addr->ss_family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
	static const struct in6_addr zero;
	if (memcmp(want, &zero, size) == 0)
		return 0;
	struct ifaddrs *list = NULL;
	unsigned index = 0;
	if (getifaddrs(&list) != 0)
		return 0;
	for (struct ifaddrs *i = list; i && !index; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != addr->ss_family)
			continue;
		const void *have = addr->ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
		                                              : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (memcmp(have, want, size) == 0)
			index = if_nametoindex(i->ifa_name);
	}
	freeifaddrs(list);
	return index;
}

/* A socket bound to one address sends through that address's interface,
 * as libnice's sockets do (IP_UNICAST_IF): on a host whose peers' addresses
 * are local too (two ends of a veth pair), the kernel would otherwise take
 * the loopback route. Best effort: the route decides when it fails. */
static void pin_to_interface(int fd, const struct sockaddr_storage *addr)
{
	unsigned index = interface_of(addr);
	if (!index)
		return;
	if (addr->ss_family == AF_INET) {
		uint32_t ifindex = htonl(index); /* IPv4 wants network order */
		setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &ifindex, sizeof(ifindex));
	} else {
		int ifindex = (int)index;
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &ifindex, sizeof(ifindex));
	}
}

/* One socket carries every PeerConnection of its loop (libnice has one per
 * PeerConnection), so its buffers must ride out a stall of the loop: the
 * kernel's default (~200 KB, a few hundred small datagrams) does not. The
 * FORCE variant passes net.core.[rw]mem_max when privileged; else the
 * plain one, capped there. Best effort. */
#define LITE_SOCKET_BUFFER (4 * 1024 * 1024)
static void enlarge_buffers(int fd)
{
	int size = LITE_SOCKET_BUFFER;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int open_socket(int family, int type, const struct sockaddr_storage *addr, socklen_t len, bool reuse,
                       GError **error)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0 && reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (fd >= 0 && reuse && type == SOCK_DGRAM) {
		enlarge_buffers(fd);
		/* The local address each datagram was sent to: a wildcard
		 * socket answers from it (several addresses of a family). */
		if (family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		/* When each datagram was queued: stale media is dropped unread (lite_stale_media_ns). */
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	}
	if (fd >= 0 && bind(fd, (const struct sockaddr *)addr, len) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && type == SOCK_DGRAM)
		pin_to_interface(fd, addr);
	if (fd < 0)
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INTERFACE, "ICE-lite: cannot bind %s port %u: %s",
		            type == SOCK_STREAM ? "TCP" : "UDP",
		            ntohs(family == AF_INET ? ((const struct sockaddr_in *)addr)->sin_port
		                                    : ((const struct sockaddr_in6 *)addr)->sin6_port),
		            g_strerror(errno));
	return fd;
}

/* Port 0: a free port taken by a plain socket, then shared (a socket with
 * SO_REUSEPORT binding port 0 could land on another process's shared port). */
static unsigned pick_port(int family, char **addresses, GError **error)
{
	struct sockaddr_storage addr;
	socklen_t len = bind_address(addresses, family, 0, &addr);
	int fd = open_socket(family, SOCK_DGRAM, &addr, len, false, error);
	if (fd < 0)
		return 0;
	len = sizeof(addr);
	getsockname(fd, (struct sockaddr *)&addr, &len);
	close(fd);
	return family == AF_INET ? ntohs(((struct sockaddr_in *)&addr)->sin_port)
	                         : ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
}

static void loop_free(lite_loop *loop)
{
	if (!loop)
		return;
	if (loop->source) {
		g_source_destroy(loop->source);
		g_source_unref(loop->source);
	}
	if (loop->tick_source) {
		g_source_destroy(loop->tick_source);
		g_source_unref(loop->tick_source);
	}
	lite_tcp_loop_stop(loop);
	if (loop->tcp_conns)
		g_hash_table_destroy(loop->tcp_conns);
	for (int f = 0; f < 2; f++)
		if (loop->sockets[f])
			g_object_unref(loop->sockets[f]); /* closes the fd */
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	if (loop->by_ufrag)
		g_hash_table_destroy(loop->by_ufrag);
	if (loop->by_addr)
		g_hash_table_destroy(loop->by_addr);
	if (loop->forwards)
		g_hash_table_destroy(loop->forwards);
	for (unsigned i = 0; i < LITE_MAX_LOOPS; i++)
		lite_ring_free(loop->inbox[i]);
	g_main_context_unref(loop->context);
	g_free(loop);
}

static lite_loop *loop_new(unsigned index, unsigned port, GMainContext *context, const bool families[2],
                           GError **error)
{
	lite_loop *loop = g_new0(lite_loop, 1);
	loop->index = index;
	loop->port = port;
	loop->context = g_main_context_ref(context);
	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	loop->by_ufrag = g_hash_table_new(g_str_hash, g_str_equal);
	loop->by_addr = g_hash_table_new(lite_key_hash, lite_key_equal);
	loop->forwards = g_hash_table_new_full(lite_key_hash, lite_key_equal, g_free, NULL);
	loop->tcp_conns = g_hash_table_new(NULL, NULL);
	loop->tcp_listen[0] = loop->tcp_listen[1] = -1;
	lite_stun_agent_init(&loop->stun);
	if (loop->wake_fd < 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID, "ICE-lite: eventfd: %s",
		            g_strerror(errno));
		loop_free(loop);
		return NULL;
	}
	for (int f = 0; f < 2; f++) {
		if (!families[f])
			continue;
		int family = f ? AF_INET6 : AF_INET;
		struct sockaddr_storage addr;
		socklen_t len = bind_address(mux.addresses, family, port, &addr);
		int fd = open_socket(family, SOCK_DGRAM, &addr, len, true, error);
		if (fd < 0 || !(loop->sockets[f] = g_socket_new_from_fd(fd, error))) {
			if (fd >= 0)
				close(fd);
			loop_free(loop);
			return NULL;
		}
		if (!lite_tcp_port())
			continue;
		len = bind_address(mux.addresses, family, lite_tcp_port(), &addr);
		if ((loop->tcp_listen[f] = open_socket(family, SOCK_STREAM, &addr, len, true, error)) < 0) {
			loop_free(loop);
			return NULL;
		}
	}
	loop->source = lite_loop_source_new(loop);
	g_source_attach(loop->source, context);
	lite_tcp_loop_start(loop);
	return loop;
}

void parley_lite_stop(void)
{
	g_mutex_lock(&mux.lock);
	unsigned n = mux.n;
	mux.n = 0;
	for (unsigned i = 0; i < n; i++) {
		loop_free(mux.loops[i]);
		mux.loops[i] = NULL;
	}
	g_strfreev(mux.addresses);
	mux.addresses = NULL;
	mux.port = 0;
	mux.port_per_loop = false;
	lite_tcp_configure(0, 0, 0);
	g_mutex_unlock(&mux.lock);
}

int parley_lite_start(GMainContext *const *contexts, size_t n, const parley_lite_config *config, GError **error)
{
	if (!contexts || n == 0 || n > LITE_MAX_LOOPS || !config || config->tcp_port > 65535 ||
	    config->port + (config->port && config->port_per_loop ? n - 1 : 0) > 65535) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID,
		            "ICE-lite: 1 to %d loops and a port up to 65535", LITE_MAX_LOOPS);
		return PARLEY_ICE_ERR_INVALID;
	}
	if (config->announced_ip && !family_of(config->announced_ip)) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID,
		            "ICE-lite: announced_ip must be an IP address");
		return PARLEY_ICE_ERR_INVALID;
	}
	g_mutex_lock(&mux.lock);
	if (mux.n) {
		g_mutex_unlock(&mux.lock);
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_STATE, "ICE-lite already started");
		return PARLEY_ICE_ERR_STATE;
	}
	char **bound = resolve_addresses(config, error);
	int rc = bound ? PARLEY_ICE_OK : PARLEY_ICE_ERR_INTERFACE;
	bool families[2] = { false, false };
	for (size_t i = 0; bound && bound[i]; i++)
		families[family_of(bound[i]) == AF_INET6] = true;
	mux.addresses = bound;
	mux.port = config->port;
	mux.port_per_loop = config->port_per_loop;
	mux.consent_ms = config->consent_timeout_ms;
	mux.handover_bytes = config->handover_bytes;
	mux.stale_ns = (int64_t)config->stale_media_ms * 1000000;
	lite_tcp_configure(config->tcp_port, config->tcp_max_pending, config->tcp_auth_timeout_ms);
	if (!rc && mux.port == 0)
		mux.port = pick_port(families[0] ? AF_INET : AF_INET6, bound, error);
	if (!rc && mux.port == 0)
		rc = PARLEY_ICE_ERR_INTERFACE;
	lite_loop *made[LITE_MAX_LOOPS] = { 0 };
	for (size_t i = 0; !rc && i < n; i++) {
		unsigned port = mux.port;
		if (i > 0 && mux.port_per_loop)
			port = config->port ? config->port + (unsigned)i : pick_port(families[0] ? AF_INET : AF_INET6, bound, error);
		if (port == 0 || !(made[i] = loop_new((unsigned)i, port, contexts[i], families, error)))
			rc = PARLEY_ICE_ERR_INTERFACE;
	}
	if (!rc && config->announced_ip) {
		g_strfreev(mux.addresses);
		mux.addresses = g_new0(char *, 2);
		mux.addresses[0] = g_strdup(config->announced_ip);
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			loop_free(made[i]);
		g_strfreev(mux.addresses);
		mux.addresses = NULL;
		mux.port = 0;
		lite_tcp_configure(0, 0, 0);
	} else {
		memcpy(mux.loops, made, sizeof(made));
		mux.n = (unsigned)n;
	}
	g_mutex_unlock(&mux.lock);
	return rc;
}
