/*
 * lite.c — owns one PeerConnection's ICE-lite transport: its credentials
 * (current, and the previous ones after a restart until the peer uses the
 * new), the host candidates it announces, the 5-tuples valid binding
 * requests proved, the selected one (USE-CANDIDATE; a later one on another
 * 5-tuple switches), the connect and consent timeouts (one timer per loop
 * checks all its transports), and sending on the
 * loop's socket. An ICE-TCP connection (lite_tcp.c) is a path like a
 * 5-tuple, with its connection instead of an address to send to; when it
 * closes, another valid path takes over or the transport fails as when
 * consent expires. Runs on its loop's thread, except sending (any thread:
 * a TCP path's connection is read under tcp_lock).
 */
#include "lite_internal.h"

#include <string.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>

#define DEFAULT_TIMEOUT_MS 30000
#define TICK_MS 250

static const char ice_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

struct parley_lite {
	lite_loop *loop;
	parley_ice_callbacks cb;
	void *user_data;
	lite_cred cred[2]; /* [0] current, [1] the previous one until [0] is used */
	lite_path paths[LITE_MAX_PATHS];
	int selected;      /* index in paths, -1 = none */
	gint64 consent_us; /* the last valid request on the selected path, or authenticated traffic (peer_heard) */
	parley_ice_state state;
	unsigned connect_ms, consent_ms;
	gint64 checking_since_us; /* remote credentials came, not yet connected; 0 = not checking */
	bool timing;              /* in the loop's tick list: the timeouts are still watched */
	parley_lite *tick_prev, *tick_next;
	GMutex tcp_lock; /* the paths' tcp pointers, against senders on other threads */
	/* parley_lite_info's counters: the loop's thread only, but
	 * datagrams_out and tcp_dropped, which senders on other threads add to
	 * (atomic). */
	uint64_t requests, datagrams_in, datagrams_out, paths_proved, switches, restarts;
	uint64_t tcp_paths, tcp_bad, tcp_dropped;
};

static void random_chars(char *out, size_t n)
{
	uint8_t bytes[64];
	if (n > sizeof(bytes) || RAND_bytes(bytes, (int)n) != 1)
		for (size_t i = 0; i < n && i < sizeof(bytes); i++)
			bytes[i] = (uint8_t)g_random_int();
	for (size_t i = 0; i < n; i++)
		out[i] = ice_chars[bytes[i] % 64];
	out[n] = '\0';
}

/* A new ufrag naming our loop first, and a password (RFC 8445: at least
 * 24 bits of randomness for the ufrag, 128 for the password). */
static void new_cred(parley_lite *lite, lite_cred *cred)
{
	memset(cred, 0, sizeof(*cred));
	random_chars(cred->ufrag, LITE_UFRAG_LEN);
	cred->ufrag[0] = lite_loop_tag(lite->loop);
	random_chars(cred->pwd, LITE_PWD_LEN);
	cred->owner = lite;
	lite_loop_list_cred(lite->loop, cred);
}

static void set_state(parley_lite *lite, parley_ice_state state)
{
	lite->state = state;
	if (lite->cb.state_changed)
		lite->cb.state_changed(lite->user_data, state);
}

/* ---- the loop's tick: connect and consent timeouts ---- */

static gboolean loop_tick(gpointer data);

/* Puts lite in its loop's tick list, starting the loop's timer if the list
 * was empty. The loop's thread. */
static void start_timing(parley_lite *lite)
{
	lite_loop *loop = lite->loop;
	lite->tick_prev = NULL;
	lite->tick_next = loop->ticking;
	if (loop->ticking)
		loop->ticking->tick_prev = lite;
	loop->ticking = lite;
	lite->timing = true;
	if (!loop->tick_source) {
		loop->tick_source = g_timeout_source_new(TICK_MS);
		g_source_set_callback(loop->tick_source, loop_tick, loop, NULL);
		g_source_set_static_name(loop->tick_source, "parley-ice-lite-tick");
		g_source_attach(loop->tick_source, loop->context);
	}
}

/* Takes lite out of the list (its timeouts are no longer watched). */
static void stop_timing(parley_lite *lite)
{
	if (!lite->timing)
		return;
	lite_loop *loop = lite->loop;
	if (loop->tick_visit == lite)
		loop->tick_visit = lite->tick_next;
	if (lite->tick_prev)
		lite->tick_prev->tick_next = lite->tick_next;
	else
		loop->ticking = lite->tick_next;
	if (lite->tick_next)
		lite->tick_next->tick_prev = lite->tick_prev;
	lite->tick_prev = lite->tick_next = NULL;
	lite->timing = false;
}

/* One transport's check; may end it (the owner may free it). */
static void check_timeouts(parley_lite *lite, gint64 now)
{
	bool expired = lite->state == PARLEY_ICE_STATE_CONNECTED &&
	               now - lite->consent_us > (gint64)lite->consent_ms * 1000;
	bool timed_out = lite->state != PARLEY_ICE_STATE_CONNECTED && lite->checking_since_us &&
	                 now - lite->checking_since_us > (gint64)lite->connect_ms * 1000;
	if (!expired && !timed_out)
		return;
	stop_timing(lite);
	lite_count(expired ? &lite_stat_consent_expiries : &lite_stat_connect_timeouts, 1);
	set_state(lite, PARLEY_ICE_STATE_FAILED); /* last: the owner may free us */
}

/* Every TICK_MS while the loop has transports. A check may free its
 * transport or another one: stop_timing moves tick_visit past the one it
 * unlinks, so the walk never touches a freed transport. */
static gboolean loop_tick(gpointer data)
{
	lite_loop *loop = data;
	gint64 now = g_get_monotonic_time();
	for (parley_lite *lite = loop->ticking; lite; lite = loop->tick_visit) {
		loop->tick_visit = lite->tick_next;
		check_timeouts(lite, now);
	}
	loop->tick_visit = NULL;
	if (loop->ticking)
		return G_SOURCE_CONTINUE;
	g_source_unref(loop->tick_source);
	loop->tick_source = NULL;
	return G_SOURCE_REMOVE;
}

parley_lite *parley_lite_new(GMainContext *context, const parley_ice_config *config,
                             const parley_ice_callbacks *callbacks, void *user_data, GError **error)
{
	lite_loop *loop = context && callbacks ? lite_loop_for(context) : NULL;
	if (!loop) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_STATE,
		            "ICE-lite is not started on this loop (no [media] udp_port socket)");
		return NULL;
	}
	parley_lite *lite = g_new0(parley_lite, 1);
	lite->loop = loop;
	lite->cb = *callbacks;
	lite->user_data = user_data;
	lite->selected = -1;
	lite->connect_ms = config && config->connect_timeout_ms ? config->connect_timeout_ms : DEFAULT_TIMEOUT_MS;
	lite->consent_ms = lite_consent_timeout_ms();
	g_mutex_init(&lite->tcp_lock);
	new_cred(lite, &lite->cred[0]);
	start_timing(lite);
	return lite;
}

/* Lets a path's TCP connection go (closing it), if it has one. */
static void forget_connection(parley_lite *lite, lite_path *path)
{
	g_mutex_lock(&lite->tcp_lock);
	lite_tcp_conn *conn = path->tcp;
	path->tcp = NULL;
	g_mutex_unlock(&lite->tcp_lock);
	lite_tcp_close(conn);
}

void parley_lite_free(parley_lite *lite)
{
	if (!lite)
		return;
	for (int i = 0; i < 2; i++)
		lite_loop_unlist_cred(lite->loop, &lite->cred[i]);
	for (int i = 0; i < LITE_MAX_PATHS; i++) {
		lite_loop_unlist_path(lite->loop, &lite->paths[i]);
		forget_connection(lite, &lite->paths[i]);
	}
	stop_timing(lite);
	g_mutex_clear(&lite->tcp_lock);
	g_free(lite);
}

int parley_lite_gather(parley_lite *lite)
{
	const char *const *addresses = lite_loop_addresses(lite->loop);
	for (unsigned i = 0; addresses && addresses[i]; i++) {
		/* RFC 8445 §5.1.2.1: type preference 126 (host), local preference by order. */
		uint32_t priority = (126u << 24) | ((65535u - i) << 8) | 255u;
		char line[160];
		snprintf(line, sizeof(line), "candidate:%u 1 udp %u %s %u typ host", i + 1, priority, addresses[i],
		         lite_loop_port(lite->loop));
		if (lite->cb.candidate)
			lite->cb.candidate(lite->user_data, line);
	}
	for (unsigned i = 0; lite_tcp_port() && addresses && addresses[i]; i++) {
		/* RFC 6544 §4.2: local preference (direction << 13) + other; a
		 * passive host candidate has direction preference 4, so it stays
		 * below every UDP candidate. */
		uint32_t local = (4u << 13) | (8191u - (i & 8191u));
		uint32_t priority = (126u << 24) | (local << 8) | 255u;
		char line[160];
		snprintf(line, sizeof(line), "candidate:%u 1 tcp %u %s %u typ host tcptype passive", 100 + i + 1,
		         priority, addresses[i], lite_tcp_port());
		if (lite->cb.candidate)
			lite->cb.candidate(lite->user_data, line);
	}
	if (lite->cb.gathering_done)
		lite->cb.gathering_done(lite->user_data);
	return PARLEY_ICE_OK;
}

void parley_lite_get_local_credentials(parley_lite *lite, const char **ufrag, const char **pwd)
{
	*ufrag = lite->cred[0].ufrag;
	*pwd = lite->cred[0].pwd;
}

int parley_lite_set_remote_credentials(parley_lite *lite, const char *ufrag, const char *pwd)
{
	(void)ufrag;
	(void)pwd;
	if (lite->state == PARLEY_ICE_STATE_FAILED)
		return PARLEY_ICE_ERR_STATE;
	if (lite->state != PARLEY_ICE_STATE_CONNECTED && !lite->checking_since_us)
		lite->checking_since_us = g_get_monotonic_time();
	if (lite->state == PARLEY_ICE_STATE_NEW)
		set_state(lite, PARLEY_ICE_STATE_CHECKING);
	return PARLEY_ICE_OK;
}

int parley_lite_restart(parley_lite *lite)
{
	/* The peer may still check with the current credentials until it
	 * has our new ones: they stay valid until the new ones are used. */
	lite_loop_unlist_cred(lite->loop, &lite->cred[1]);
	lite_loop_unlist_cred(lite->loop, &lite->cred[0]);
	lite->cred[1] = lite->cred[0];
	lite_loop_list_cred(lite->loop, &lite->cred[1]);
	new_cred(lite, &lite->cred[0]);
	lite->restarts++;
	lite_count(&lite_stat_restarts, 1);
	return parley_lite_gather(lite);
}

int parley_lite_send(parley_lite *lite, const uint8_t *data, size_t length)
{
	if (!lite || lite->selected < 0)
		return PARLEY_ICE_ERR_STATE;
	const lite_path *path = &lite->paths[lite->selected];
	int rc;
	if (path->is_tcp) {
		g_mutex_lock(&lite->tcp_lock);
		rc = path->tcp ? lite_tcp_send(path->tcp, data, length) : -1;
		if (rc != 0 && path->tcp)
			lite_count(&lite->tcp_dropped, 1); /* its output ring was full */
		g_mutex_unlock(&lite->tcp_lock);
	} else {
		rc = lite_loop_send(lite->loop, (const struct sockaddr *)&path->addr, path->addr_len, &path->local, data,
		                    length);
	}
	if (rc != 0)
		return PARLEY_ICE_ERR_SEND;
	lite_count(&lite->datagrams_out, 1);
	return PARLEY_ICE_OK;
}

parley_ice_state parley_lite_get_state(const parley_lite *lite)
{
	return lite->state;
}

static void address_text(const struct sockaddr_storage *addr, char *ip, size_t size, uint16_t *port)
{
	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, (socklen_t)size);
		*port = ntohs(in6->sin6_port);
	} else {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &in->sin_addr, ip, (socklen_t)size);
		*port = ntohs(in->sin_port);
	}
}

int parley_lite_get_selected_pair(parley_lite *lite, parley_ice_pair *pair)
{
	if (!lite || !pair || lite->selected < 0)
		return PARLEY_ICE_ERR_STATE;
	const lite_path *path = &lite->paths[lite->selected];
	memset(pair, 0, sizeof(*pair));
	/* Local: the address the peer sends to, else the first announced
	 * address of the path's family. */
	const char *const *addresses = lite_loop_addresses(lite->loop);
	if (path->local.family)
		inet_ntop(path->local.family, &path->local.addr, pair->local_ip, sizeof(pair->local_ip));
	for (size_t i = 0; !path->local.family && addresses && addresses[i]; i++)
		if ((strchr(addresses[i], ':') != NULL) == (path->addr.ss_family == AF_INET6)) {
			g_strlcpy(pair->local_ip, addresses[i], sizeof(pair->local_ip));
			break;
		}
	pair->local_port = (uint16_t)(path->is_tcp ? lite_tcp_port() : lite_loop_port(lite->loop));
	pair->local_type = "host";
	address_text(&path->addr, pair->remote_ip, sizeof(pair->remote_ip), &pair->remote_port);
	pair->remote_type = "prflx"; /* learnt from its check, not from a candidate */
	pair->protocol = path->is_tcp ? "tcp" : "udp";
	return PARLEY_ICE_OK;
}

static void endpoint_text(char *out, size_t size, const char *ip, uint16_t port)
{
	snprintf(out, size, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
}

int parley_lite_get_info(parley_lite *lite, parley_lite_info *info)
{
	if (!lite || !info)
		return PARLEY_ICE_ERR_INVALID;
	memset(info, 0, sizeof(*info));
	info->protocol = "udp";
	parley_ice_pair pair;
	if (parley_lite_get_selected_pair(lite, &pair) == PARLEY_ICE_OK) {
		info->selected = true;
		if (lite->paths[lite->selected].is_tcp)
			info->protocol = "tcp";
		endpoint_text(info->local, sizeof(info->local), pair.local_ip, pair.local_port);
		endpoint_text(info->remote, sizeof(info->remote), pair.remote_ip, pair.remote_port);
	}
	info->requests = lite->requests;
	info->datagrams_in = lite->datagrams_in;
	info->datagrams_out = __atomic_load_n(&lite->datagrams_out, __ATOMIC_RELAXED);
	info->paths = lite->paths_proved;
	info->switches = lite->switches;
	info->restarts = lite->restarts;
	info->tcp_paths = lite->tcp_paths;
	info->tcp_bad = lite->tcp_bad;
	info->tcp_dropped = __atomic_load_n(&lite->tcp_dropped, __ATOMIC_RELAXED);
	return PARLEY_ICE_OK;
}

int parley_lite_get_route(parley_lite *lite, parley_udp_route *route)
{
	if (!lite || !route)
		return PARLEY_ICE_ERR_INVALID;
	parley_udp_route_clear(route);
	if (lite->selected < 0)
		return PARLEY_ICE_ERR_STATE;
	const lite_path *path = &lite->paths[lite->selected];
	if (path->is_tcp)
		return PARLEY_ICE_ERR_STATE; /* framed on its connection: through parley_lite_send */
	GSocket *socket = lite_loop_socket(lite->loop, path->addr.ss_family);
	parley_udp_route_set(route, socket, (const struct sockaddr *)&path->addr, path->addr_len);
	route->source = path->local;
	return route->socket ? PARLEY_ICE_OK : PARLEY_ICE_ERR_STATE;
}

/* ---- from the loop's datagram path ---- */

/* A path is its 5-tuple, or its TCP connection. */
static bool path_is(const lite_path *p, const lite_key *key, const lite_tcp_conn *conn)
{
	return p->used && p->is_tcp == (conn != NULL) && (conn ? p->tcp == conn : memcmp(&p->key, key, sizeof(*key)) == 0);
}

static lite_path *path_for(parley_lite *lite, const lite_key *key, const lite_tcp_conn *conn)
{
	lite_path *spare = NULL;
	for (int i = 0; i < LITE_MAX_PATHS; i++) {
		lite_path *p = &lite->paths[i];
		if (path_is(p, key, conn))
			return p;
		/* An unused slot, else the least recently checked one not selected. */
		if (i != lite->selected &&
		    (!spare || (spare->used && (!p->used || p->last_request_us < spare->last_request_us))))
			spare = p;
	}
	return spare;
}

/* A valid request on a 5-tuple sent to our address `local` (conn NULL) or
 * on a TCP connection (local NULL). */
static void on_request(parley_lite *lite, lite_cred *cred, unsigned via, const struct sockaddr *from,
                       socklen_t from_len, const parley_udp_source *local, lite_tcp_conn *conn, bool use_candidate)
{
	if (lite->state == PARLEY_ICE_STATE_FAILED || from_len > sizeof(struct sockaddr_storage))
		return;
	if (cred == &lite->cred[0])
		lite_loop_unlist_cred(lite->loop, &lite->cred[1]); /* the restart is complete */
	lite_key key;
	lite_key_from(&key, from);
	lite_path *path = path_for(lite, &key, conn);
	if (!path_is(path, &key, conn)) {
		lite_loop_unlist_path(lite->loop, path);
		forget_connection(lite, path); /* the path it replaces was a connection's */
		memset(path, 0, sizeof(*path));
		path->key = key;
		memcpy(&path->addr, from, from_len);
		path->addr_len = from_len;
		path->owner = lite;
		path->used = true;
		path->via = via;
		lite->paths_proved++;
		if (conn) {
			/* Not in the loop's 5-tuple table: its frames come from its
			 * connection; no local address (family 0), a connection's
			 * socket has its own. */
			path->is_tcp = true;
			lite->tcp_paths++;
			lite_tcp_set_path(conn, path);
			g_mutex_lock(&lite->tcp_lock);
			path->tcp = conn;
			g_mutex_unlock(&lite->tcp_lock);
		} else {
			/* Where the peer sends to: media leaves from there (set once,
			 * as the address: senders on other threads read both). */
			if (local && local->family == from->sa_family)
				path->local = *local;
			lite_loop_list_path(lite->loop, path);
		}
	} else if (!conn && path->via != via) {
		/* The kernel now delivers this 5-tuple to another loop's socket. */
		lite_loop_unlist_path(lite->loop, path);
		path->via = via;
		lite_loop_list_path(lite->loop, path);
	}
	lite->requests++;
	lite->datagrams_in++;
	gint64 now = g_get_monotonic_time();
	path->last_request_us = now;
	int index = (int)(path - lite->paths);
	if (index == lite->selected)
		lite->consent_us = now;
	if (!use_candidate || (index == lite->selected && lite->state == PARLEY_ICE_STATE_CONNECTED))
		return;
	bool first = lite->state != PARLEY_ICE_STATE_CONNECTED;
	lite->selected = index;
	lite->consent_us = now;
	lite->checking_since_us = 0;
	if (!first)
		lite->switches++;
	lite_count(first ? &lite_stat_selections : &lite_stat_switches, 1);
	/* Last: the callbacks may end the transport. */
	if (first)
		set_state(lite, PARLEY_ICE_STATE_CONNECTED);
	else if (lite->cb.selected_pair_changed)
		lite->cb.selected_pair_changed(lite->user_data);
}

void lite_on_request(parley_lite *lite, lite_cred *cred, unsigned via, const struct sockaddr *from, socklen_t from_len,
                     const parley_udp_source *local, bool use_candidate)
{
	on_request(lite, cred, via, from, from_len, local, NULL, use_candidate);
}

void lite_on_tcp_request(parley_lite *lite, lite_cred *cred, lite_tcp_conn *conn, bool use_candidate)
{
	socklen_t length;
	const struct sockaddr_storage *peer = lite_tcp_peer(conn, &length);
	on_request(lite, cred, lite_loop_index(lite->loop), (const struct sockaddr *)peer, length, NULL, conn,
	           use_candidate);
}

void lite_on_tcp_closed(parley_lite *lite, lite_path *path, bool bad)
{
	if (bad)
		lite->tcp_bad++;
	g_mutex_lock(&lite->tcp_lock);
	path->tcp = NULL;
	g_mutex_unlock(&lite->tcp_lock);
	path->used = false;
	int index = (int)(path - lite->paths);
	if (index != lite->selected)
		return;
	lite->selected = -1;
	if (lite->state != PARLEY_ICE_STATE_CONNECTED)
		return;
	/* Another path with consent takes over; else consent is gone. */
	gint64 now = g_get_monotonic_time();
	int next = -1;
	for (int i = 0; i < LITE_MAX_PATHS; i++) {
		const lite_path *p = &lite->paths[i];
		if (p->used && now - p->last_request_us <= (gint64)lite->consent_ms * 1000 &&
		    (next < 0 || p->last_request_us > lite->paths[next].last_request_us))
			next = i;
	}
	if (next < 0) {
		stop_timing(lite);
		set_state(lite, PARLEY_ICE_STATE_FAILED); /* last: the owner may free us */
		return;
	}
	lite->selected = next;
	lite->consent_us = lite->paths[next].last_request_us;
	lite->switches++;
	lite_count(&lite_stat_switches, 1);
	if (lite->cb.selected_pair_changed)
		lite->cb.selected_pair_changed(lite->user_data); /* last */
}

void parley_lite_peer_heard(parley_lite *lite)
{
	if (lite != NULL && lite->state == PARLEY_ICE_STATE_CONNECTED && lite->selected >= 0)
		lite->consent_us = g_get_monotonic_time();
}

void lite_on_datagram(parley_lite *lite, uint8_t *data, size_t length)
{
	lite->datagrams_in++;
	if (lite->state != PARLEY_ICE_STATE_FAILED && lite->cb.receive)
		lite->cb.receive(lite->user_data, data, length);
}

void lite_on_path_taken(parley_lite *lite, lite_path *path)
{
	path->used = false;
	path->listed = false;
	if (lite->selected == (int)(path - lite->paths))
		lite->selected = -1; /* its consent runs out unless another path is nominated */
}
