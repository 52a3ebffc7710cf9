/*
 * udp_batch.c — owns the per-thread send batch: fixed slots written in
 * place by the media path, a GSource whose prepare step (the start of each
 * loop iteration, before the poll) flushes them, and the flush itself:
 * datagrams grouped per (socket, destination) in queue order, runs of equal
 * size sent as one UDP GSO message, the rest one sendmsg() each. Nothing
 * here allocates after attach.
 */
#include "udp_batch.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/uio.h>
#include <gio/gio.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define BATCH_SLOTS 128
#define GSO_MAX_SEGMENTS 64               /* the kernel's UDP_MAX_SEGMENTS on older kernels */
#define GSO_MAX_BYTES 60000               /* under the 64 KiB of one UDP message */

typedef struct batch_entry {
	GSocket *socket;
	bool owns_ref;                    /* this entry holds the reference dropped after the flush */
	bool sent;
	uint16_t length;
	socklen_t addr_len;
	struct sockaddr_storage addr;
	parley_udp_source source;
} batch_entry;

typedef struct parley_udp_batch {
	GSource *source;
	unsigned count;
	batch_entry entries[BATCH_SLOTS];
	uint8_t slots[BATCH_SLOTS][PARLEY_UDP_BATCH_SLOT_BYTES];
} parley_udp_batch;

typedef struct batch_source {
	GSource base;
	parley_udp_batch *batch;
} batch_source;

static __thread parley_udp_batch *thread_batch;

static gint batching_enabled = 1;
static gint gso_enabled = 1;
static guint64 count_datagrams, count_sends, count_gso_sends, count_dropped;

static void add_count(guint64 *counter, guint64 n)
{
	if (n)
		__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* ---- routes ---- */

void parley_udp_route_set(parley_udp_route *route, GSocket *socket, const struct sockaddr *addr, socklen_t len)
{
	parley_udp_route_clear(route);
	if (!socket || !addr || len == 0 || len > sizeof(route->addr))
		return;
	route->socket = g_object_ref(socket);
	memcpy(&route->addr, addr, len);
	route->addr_len = len;
}

void parley_udp_route_clear(parley_udp_route *route)
{
	if (route->socket)
		g_object_unref(route->socket);
	route->socket = NULL;
	route->addr_len = 0;
	memset(&route->source, 0, sizeof(route->source));
}

/* ---- source addresses ---- */

size_t parley_udp_source_control(const parley_udp_source *source, struct cmsghdr *cm)
{
	if (source->family == AF_INET) {
		struct in_pktinfo info = { .ipi_spec_dst = source->addr.v4 };
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(info));
		memcpy(CMSG_DATA(cm), &info, sizeof(info));
		return CMSG_SPACE(sizeof(info));
	}
	if (source->family == AF_INET6) {
		struct in6_pktinfo info = { .ipi6_addr = source->addr.v6 };
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(info));
		memcpy(CMSG_DATA(cm), &info, sizeof(info));
		return CMSG_SPACE(sizeof(info));
	}
	return 0;
}

void parley_udp_source_from_control(struct msghdr *msg, parley_udp_source *source)
{
	memset(source, 0, sizeof(*source));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo info;
			memcpy(&info, CMSG_DATA(cm), sizeof(info));
			source->family = AF_INET;
			source->addr.v4 = info.ipi_addr; /* the header's destination */
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
		           cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo info;
			memcpy(&info, CMSG_DATA(cm), sizeof(info));
			source->family = AF_INET6;
			source->addr.v6 = info.ipi6_addr;
		}
	}
}

/* ---- flush ---- */

static bool same_destination(const batch_entry *a, const batch_entry *b)
{
	return a->socket == b->socket && a->addr_len == b->addr_len && memcmp(&a->addr, &b->addr, a->addr_len) == 0 &&
	       memcmp(&a->source, &b->source, sizeof(a->source)) == 0;
}

static bool send_one(const batch_entry *e, struct iovec *iov, size_t n_iov, uint16_t segment)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t)) + PARLEY_UDP_SOURCE_SPACE];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_name = (void *)&e->addr, .msg_namelen = e->addr_len,
		.msg_iov = iov, .msg_iovlen = n_iov,
	};
	size_t used = 0;
	memset(&control, 0, sizeof(control));
	if (segment) {
		struct cmsghdr *cm = &control.align;
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(cm), &segment, sizeof(segment));
		used = CMSG_SPACE(sizeof(uint16_t));
	}
	used += parley_udp_source_control(&e->source, (struct cmsghdr *)(control.buf + used));
	if (used) {
		msg.msg_control = control.buf;
		msg.msg_controllen = used;
	}
	add_count(&count_sends, 1);
	return sendmsg(g_socket_get_fd(e->socket), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

/* Errors that say this path cannot segment: stop trying for good. */
static bool gso_unsupported(int error)
{
	return error == EIO || error == ENOPROTOOPT || error == EOPNOTSUPP;
}

/* Sends entries[first] and the later ones to its destination that extend
 * its run: same size, or one shorter that ends it. */
static void send_run(parley_udp_batch *b, unsigned first)
{
	struct iovec iov[GSO_MAX_SEGMENTS];
	batch_entry *head = &b->entries[first];
	size_t n = 0, bytes = 0;
	unsigned members[GSO_MAX_SEGMENTS];
	bool gso = g_atomic_int_get(&gso_enabled);

	for (unsigned i = first; i < b->count && n < GSO_MAX_SEGMENTS; i++) {
		batch_entry *e = &b->entries[i];
		if (e->sent || (i != first && !same_destination(head, e)))
			continue;
		if (i != first && (!gso || e->length > head->length || bytes + e->length > GSO_MAX_BYTES))
			break;
		iov[n] = (struct iovec){ .iov_base = b->slots[i], .iov_len = e->length };
		members[n++] = i;
		bytes += e->length;
		e->sent = true;
		if (e->length < head->length)
			break;    /* a shorter one can only be the last of a run */
	}
	if (n == 1) {
		if (!send_one(head, iov, 1, 0))
			add_count(&count_dropped, 1);
		return;
	}
	if (send_one(head, iov, n, head->length)) {
		add_count(&count_gso_sends, 1);
		return;
	}
	int error = errno;
	if (gso_unsupported(error))
		g_atomic_int_set(&gso_enabled, 0);
	if (!gso_unsupported(error) && error != EINVAL) {
		add_count(&count_dropped, n);
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (!send_one(&b->entries[members[k]], &iov[k], 1, 0))
			add_count(&count_dropped, 1);
}

static void batch_flush(parley_udp_batch *b)
{
	if (b->count == 0)
		return;
	for (unsigned i = 0; i < b->count; i++)
		if (!b->entries[i].sent)
			send_run(b, i);
	for (unsigned i = 0; i < b->count; i++) {
		batch_entry *e = &b->entries[i];
		if (e->owns_ref)
			g_object_unref(e->socket);
		e->socket = NULL;
	}
	b->count = 0;
}

/* ---- queueing ---- */

uint8_t *parley_udp_batch_slot(size_t bytes)
{
	parley_udp_batch *b = thread_batch;
	if (!b || bytes > PARLEY_UDP_BATCH_SLOT_BYTES || !g_atomic_int_get(&batching_enabled))
		return NULL;
	if (b->count == BATCH_SLOTS)
		batch_flush(b);
	return b->slots[b->count];
}

int parley_udp_batch_commit(const parley_udp_route *route, size_t length)
{
	parley_udp_batch *b = thread_batch;
	if (!b || !route || !route->socket || length == 0 || length > PARLEY_UDP_BATCH_SLOT_BYTES ||
	    b->count == BATCH_SLOTS)
		return -1;
	batch_entry *e = &b->entries[b->count];
	const batch_entry *previous = b->count ? &b->entries[b->count - 1] : NULL;
	e->socket = route->socket;
	e->owns_ref = !(previous && previous->socket == route->socket);
	if (e->owns_ref)
		g_object_ref(e->socket);
	e->sent = false;
	e->length = (uint16_t)length;
	e->addr_len = route->addr_len;
	memcpy(&e->addr, &route->addr, route->addr_len);
	e->source = route->source;
	b->count++;
	add_count(&count_datagrams, 1);
	return 0;
}

/* ---- the loop hook ---- */

static gboolean batch_prepare(GSource *source, gint *timeout)
{
	batch_flush(((batch_source *)source)->batch);
	*timeout = -1;
	return FALSE;
}

static gboolean batch_check(GSource *source)
{
	(void)source;
	return FALSE;
}

static gboolean batch_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	(void)source; (void)callback; (void)data;
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs batch_source_funcs = {
	.prepare = batch_prepare,
	.check = batch_check,
	.dispatch = batch_dispatch,
};

bool parley_udp_batch_attach(GMainContext *context)
{
	if (thread_batch)
		return false;
	parley_udp_batch *b = g_new0(parley_udp_batch, 1);
	GSource *source = g_source_new(&batch_source_funcs, sizeof(batch_source));
	((batch_source *)source)->batch = b;
	/* First of all sources, so that its prepare step always runs. */
	g_source_set_priority(source, G_MININT);
	g_source_set_static_name(source, "parley-udp-batch");
	g_source_attach(source, context);
	b->source = source;
	thread_batch = b;
	return true;
}

void parley_udp_batch_detach(void)
{
	parley_udp_batch *b = thread_batch;
	if (!b)
		return;
	batch_flush(b);
	g_source_destroy(b->source);
	g_source_unref(b->source);
	thread_batch = NULL;
	g_free(b);
}

void parley_udp_batch_get_stats(parley_udp_batch_stats *stats)
{
	stats->datagrams = __atomic_load_n(&count_datagrams, __ATOMIC_RELAXED);
	stats->sends = __atomic_load_n(&count_sends, __ATOMIC_RELAXED);
	stats->gso_sends = __atomic_load_n(&count_gso_sends, __ATOMIC_RELAXED);
	stats->dropped = __atomic_load_n(&count_dropped, __ATOMIC_RELAXED);
	stats->gso_enabled = g_atomic_int_get(&gso_enabled) != 0;
}

void parley_udp_batch_set_gso(bool enabled)
{
	g_atomic_int_set(&gso_enabled, enabled ? 1 : 0);
}

void parley_udp_batch_set_enabled(bool enabled)
{
	g_atomic_int_set(&batching_enabled, enabled ? 1 : 0);
}
