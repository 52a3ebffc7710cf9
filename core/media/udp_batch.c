/*
 * udp_batch.c — owns the per-thread send batch: fixed slots written in
 * place by the media path, a GSource whose prepare step (the start of each
 * loop iteration, before the poll) flushes them, and the flush itself:
 * datagrams grouped per (socket, destination) in queue order, runs of equal
 * size made one UDP GSO message, the rest a message each, and every
 * stretch of messages on one socket handed to the kernel in one
 * sendmmsg(). Nothing here allocates after attach.
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
	uint32_t hash;                    /* of the destination: most entries differ here */
	bool owns_ref;                    /* this entry holds the reference dropped after the flush */
	bool sent;
	uint16_t length;
	socklen_t addr_len;
	struct sockaddr_storage addr;
	parley_udp_source source;
} batch_entry;

typedef union batch_control {
	char buf[CMSG_SPACE(sizeof(uint16_t)) + PARLEY_UDP_SOURCE_SPACE];
	struct cmsghdr align;
} batch_control;

typedef struct parley_udp_batch {
	GSource *source;
	unsigned count;
	batch_entry entries[BATCH_SLOTS];
	/* The flush's messages: one per run, in queue order of their first
	 * datagram; a run's iovecs are consecutive in iov, members[] names
	 * the entry of each iovec, first_iov[] a message's first. */
	struct mmsghdr msgs[BATCH_SLOTS];
	batch_control controls[BATCH_SLOTS];
	struct iovec iov[BATCH_SLOTS];
	unsigned members[BATCH_SLOTS];
	unsigned first_iov[BATCH_SLOTS];
	uint8_t slots[BATCH_SLOTS][PARLEY_UDP_BATCH_SLOT_BYTES];
} parley_udp_batch;

typedef struct batch_source {
	GSource base;
	parley_udp_batch *batch;
} batch_source;

static __thread parley_udp_batch *thread_batch;

static gint batching_enabled = 1;
static gint gso_enabled = 1;
static guint64 count_datagrams, count_sends, count_gso_sends, count_syscalls, count_dropped;

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
	return a->hash == b->hash && a->socket == b->socket && a->addr_len == b->addr_len &&
	       memcmp(&a->addr, &b->addr, a->addr_len) == 0 && memcmp(&a->source, &b->source, sizeof(a->source)) == 0;
}

/* Writes msg's control messages (the GSO segment size when segment is
 * not 0, the source address) into control. */
static void set_control(struct msghdr *msg, const batch_entry *e, batch_control *control, uint16_t segment)
{
	size_t used = 0;
	memset(control, 0, sizeof(*control));
	if (segment) {
		struct cmsghdr *cm = &control->align;
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(cm), &segment, sizeof(segment));
		used = CMSG_SPACE(sizeof(uint16_t));
	}
	used += parley_udp_source_control(&e->source, (struct cmsghdr *)(control->buf + used));
	msg->msg_control = used ? control->buf : NULL;
	msg->msg_controllen = used;
}

/* One datagram on its own (a GSO message the kernel refused, resent). */
static bool send_one(const batch_entry *e, struct iovec *iov)
{
	batch_control control;
	struct msghdr msg = { .msg_name = (void *)&e->addr, .msg_namelen = e->addr_len, .msg_iov = iov, .msg_iovlen = 1 };
	set_control(&msg, e, &control, 0);
	add_count(&count_sends, 1);
	add_count(&count_syscalls, 1);
	return sendmsg(g_socket_get_fd(e->socket), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}

/* Makes message m of entries[first] and the later ones to its destination
 * that extend its run: same size, or one shorter that ends it. Their
 * iovecs go at b->iov[*n_iov] on. */
static void collect_run(parley_udp_batch *b, unsigned first, unsigned m, unsigned *n_iov)
{
	batch_entry *head = &b->entries[first];
	struct iovec *iov = &b->iov[*n_iov];
	size_t n = 0, bytes = 0;
	bool gso = g_atomic_int_get(&gso_enabled);

	for (unsigned i = first; i < b->count && n < GSO_MAX_SEGMENTS; i++) {
		batch_entry *e = &b->entries[i];
		if (e->sent || (i != first && !same_destination(head, e)))
			continue;
		if (i != first && (!gso || e->length > head->length || bytes + e->length > GSO_MAX_BYTES))
			break;
		iov[n] = (struct iovec){ .iov_base = b->slots[i], .iov_len = e->length };
		b->members[*n_iov + n] = i;
		n++;
		bytes += e->length;
		e->sent = true;
		if (e->length < head->length)
			break;    /* a shorter one can only be the last of a run */
	}
	struct msghdr *msg = &b->msgs[m].msg_hdr;
	*msg = (struct msghdr){ .msg_name = &head->addr, .msg_namelen = head->addr_len, .msg_iov = iov, .msg_iovlen = n };
	set_control(msg, head, &b->controls[m], n > 1 ? head->length : 0);
	b->first_iov[m] = *n_iov;
	*n_iov += n;
}

/* Message m, which the kernel refused with `error`: a GSO message the
 * path cannot segment goes again a datagram at a time (and GSO stays off);
 * else its datagrams are lost, as on a full buffer. */
static void message_failed(parley_udp_batch *b, unsigned m, int error)
{
	struct msghdr *msg = &b->msgs[m].msg_hdr;
	size_t n = msg->msg_iovlen;
	bool unsupported = error == EIO || error == ENOPROTOOPT || error == EOPNOTSUPP;
	if (n > 1 && unsupported)
		g_atomic_int_set(&gso_enabled, 0);
	if (n == 1 || (!unsupported && error != EINVAL)) {
		add_count(&count_dropped, n);
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (!send_one(&b->entries[b->members[b->first_iov[m] + k]], &msg->msg_iov[k]))
			add_count(&count_dropped, 1);
}

/* The socket message m goes out on (its first datagram's). */
static GSocket *message_socket(const parley_udp_batch *b, unsigned m)
{
	return b->entries[b->members[b->first_iov[m]]].socket;
}

/* Messages [first, end), all on one socket: sendmmsg() until all went or
 * failed. The kernel stops at the first failing message and reports it
 * by its count; the next call starts there and returns its error. */
static void send_messages(parley_udp_batch *b, unsigned first, unsigned end)
{
	int fd = g_socket_get_fd(message_socket(b, first));
	unsigned m = first, calls = 0, gso = 0;
	while (m < end) {
		int sent = sendmmsg(fd, &b->msgs[m], end - m, MSG_DONTWAIT | MSG_NOSIGNAL);
		calls++;
		if (sent <= 0) {
			message_failed(b, m, errno);
			m++;
			continue;
		}
		for (unsigned k = m; k < m + (unsigned)sent; k++)
			gso += b->msgs[k].msg_hdr.msg_iovlen > 1;
		m += (unsigned)sent;
	}
	/* Shared counters: added once per stretch, not per datagram. */
	add_count(&count_syscalls, calls);
	add_count(&count_sends, end - first);
	add_count(&count_gso_sends, gso);
}

static void batch_flush(parley_udp_batch *b)
{
	if (b->count == 0)
		return;
	add_count(&count_datagrams, b->count);
	unsigned n_msgs = 0, n_iov = 0;
	for (unsigned i = 0; i < b->count; i++)
		if (!b->entries[i].sent)
			collect_run(b, i, n_msgs++, &n_iov);
	/* One sendmmsg() per stretch of messages on the same socket. */
	for (unsigned first = 0, m = 1; m <= n_msgs; m++) {
		if (m < n_msgs && message_socket(b, m) == message_socket(b, first))
			continue;
		send_messages(b, first, m);
		first = m;
	}
	for (unsigned i = 0; i < b->count; i++) {
		batch_entry *e = &b->entries[i];
		if (e->owns_ref)
			g_object_unref(e->socket);
		e->socket = NULL;
	}
	b->count = 0;
}

/* ---- queueing ---- */

/* FNV-1a over the socket pointer and the address's bytes. */
static uint32_t destination_hash(const batch_entry *e)
{
	uint32_t h = 2166136261u;
	uintptr_t socket = (uintptr_t)e->socket;
	const uint8_t *bytes = (const uint8_t *)&e->addr;
	for (size_t i = 0; i < sizeof(socket); i++, socket >>= 8)
		h = (h ^ (uint8_t)socket) * 16777619u;
	for (socklen_t i = 0; i < e->addr_len; i++)
		h = (h ^ bytes[i]) * 16777619u;
	return h;
}

uint8_t *parley_udp_batch_slot(size_t bytes)
{
	parley_udp_batch *b = thread_batch;
	if (!b || bytes > PARLEY_UDP_BATCH_SLOT_BYTES || !g_atomic_int_get(&batching_enabled))
		return NULL;
	if (b->count == BATCH_SLOTS)
		batch_flush(b);
	return b->slots[b->count];
}

void parley_udp_batch_make_room(void)
{
	parley_udp_batch *b = thread_batch;
	if (b && b->count == BATCH_SLOTS)
		batch_flush(b);
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
	e->hash = destination_hash(e);
	b->count++;
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
	stats->syscalls = __atomic_load_n(&count_syscalls, __ATOMIC_RELAXED);
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
