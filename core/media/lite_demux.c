/*
 * lite_demux.c — owns the ICE-lite datagram path of one loop: recvmmsg
 * batches from the loop's sockets (RTP that waited in the socket's queue
 * past [media] lite_stale_media_ms is dropped unread), the demultiplexing
 * (a STUN request by the ufrag it names, the rest by remote address+port),
 * answering binding requests (a handed-over one from the loop that
 * received it, after the forward of the path it proved), the hand-over of
 * a datagram that reached the wrong loop to its owner's inbox ring (and
 * the eventfd that wakes it), and the tables the transports list their
 * credentials and paths in. Everything here runs on the loop's thread
 * except the producer side of another loop's ring.
 */
#include "lite_internal.h"

#include <errno.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <gio/gio.h>

#define ROUNDS 8 /* recvmmsg batches per socket per dispatch, then other sources run */

/* ---- keys ---- */

void lite_key_from(lite_key *key, const struct sockaddr *addr)
{
	memset(key, 0, sizeof(*key));
	key->family = addr->sa_family;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		key->port = in->sin_port;
		memcpy(key->addr, &in->sin_addr, 4);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		key->port = in6->sin6_port;
		memcpy(key->addr, &in6->sin6_addr, 16);
	}
}

guint lite_key_hash(gconstpointer key)
{
	const uint8_t *b = key;
	guint h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < sizeof(lite_key); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

gboolean lite_key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(lite_key)) == 0;
}

/* ---- tables (the owning loop's thread) ---- */

void lite_loop_list_cred(lite_loop *loop, lite_cred *cred)
{
	g_hash_table_replace(loop->by_ufrag, cred->ufrag, cred);
	cred->listed = true;
}

void lite_loop_unlist_cred(lite_loop *loop, lite_cred *cred)
{
	if (cred->listed && g_hash_table_lookup(loop->by_ufrag, cred->ufrag) == cred)
		g_hash_table_remove(loop->by_ufrag, cred->ufrag);
	cred->listed = false;
}

void lite_loop_list_path(lite_loop *loop, lite_path *path)
{
	lite_path *old = g_hash_table_lookup(loop->by_addr, &path->key);
	if (old && old != path) {
		g_hash_table_remove(loop->by_addr, &old->key);
		old->listed = false;
		lite_on_path_taken(old->owner, old);
	}
	g_hash_table_replace(loop->by_addr, &path->key, path);
	path->listed = true;
	if (path->via != loop->index)
		lite_loop_forward(loop, path->via, &path->key, true);
}

void lite_loop_unlist_path(lite_loop *loop, lite_path *path)
{
	if (path->listed && g_hash_table_lookup(loop->by_addr, &path->key) == path)
		g_hash_table_remove(loop->by_addr, &path->key);
	if (path->listed && path->via != loop->index)
		lite_loop_forward(loop, path->via, &path->key, false);
	path->listed = false;
}

typedef struct forward_message {
	GMainContext *context; /* of the loop the message is for */
	unsigned target, owner;
	lite_key key;
	bool add;
} forward_message;

static gboolean apply_forward(gpointer data)
{
	forward_message *m = data;
	lite_loop *loop = lite_loop_at(m->target);
	if (!loop || loop->context != m->context)
		return G_SOURCE_REMOVE; /* stopped meanwhile */
	if (m->add) {
		g_hash_table_replace(loop->forwards, g_memdup2(&m->key, sizeof(m->key)),
		                     GUINT_TO_POINTER(m->owner + 1));
	} else if (GPOINTER_TO_UINT(g_hash_table_lookup(loop->forwards, &m->key)) == m->owner + 1) {
		g_hash_table_remove(loop->forwards, &m->key);
	}
	return G_SOURCE_REMOVE;
}

/* Control path (once per learnt or forgotten path, not per datagram). */
void lite_loop_forward(lite_loop *loop, unsigned via, const lite_key *key, bool add)
{
	lite_loop *target = lite_loop_at(via);
	if (!target || target == loop)
		return;
	forward_message *m = g_new0(forward_message, 1);
	m->context = target->context;
	m->target = via;
	m->owner = loop->index;
	m->key = *key;
	m->add = add;
	g_main_context_invoke_full(target->context, G_PRIORITY_DEFAULT, apply_forward, m, g_free);
}

/* ---- sending ---- */

int lite_loop_send(lite_loop *loop, const struct sockaddr *to, socklen_t to_len, const parley_udp_source *local,
                   const uint8_t *data, size_t length)
{
	GSocket *socket = lite_loop_socket(loop, to->sa_family);
	if (!socket)
		return -1;
	union {
		char buf[PARLEY_UDP_SOURCE_SPACE];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = { .iov_base = (void *)data, .iov_len = length };
	struct msghdr msg = { .msg_name = (void *)to, .msg_namelen = to_len, .msg_iov = &iov, .msg_iovlen = 1 };
	if (local && local->family == to->sa_family) {
		msg.msg_control = control.buf;
		msg.msg_controllen = parley_udp_source_control(local, &control.align);
	}
	ssize_t n = sendmsg(g_socket_get_fd(socket), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)length)
		return -1;
	lite_count(&lite_stat_sent, 1);
	return 0;
}

/* An answer another loop sends: posted after the forward of a path the
 * request proved (lite_loop_list_path), so it is applied there first. */
typedef struct answer_message {
	GMainContext *context; /* of the loop that sends it */
	unsigned target;
	struct sockaddr_storage to;
	socklen_t to_len;
	parley_udp_source local;
	bool has_local;
	size_t length;
	uint8_t data[LITE_REPLY];
} answer_message;

static gboolean send_answer(gpointer data)
{
	answer_message *m = data;
	lite_loop *loop = lite_loop_at(m->target);
	if (loop && loop->context == m->context)
		lite_loop_send(loop, (const struct sockaddr *)&m->to, m->to_len, m->has_local ? &m->local : NULL, m->data,
		               m->length);
	return G_SOURCE_REMOVE;
}

/* Answers a binding request that loop `via` received and handed over: from
 * `via`, after what this loop told it before (a new path's forward).
 * Else the peer, connected by our answer, could send its next datagram
 * (the DTLS ClientHello) before `via` knows whose it is: dropped as from
 * an unknown address, it would come again only after the peer's
 * retransmission timer (a second for DTLS). Control path: once per handed
 * over request. */
static void answer_via(lite_loop *loop, unsigned via, const struct sockaddr *to, socklen_t to_len,
                       const parley_udp_source *local, const uint8_t *reply, size_t length)
{
	lite_loop *target = lite_loop_at(via);
	if (!target || target == loop || length > LITE_REPLY || to_len > sizeof(struct sockaddr_storage)) {
		lite_loop_send(loop, to, to_len, local, reply, length);
		return;
	}
	answer_message *m = g_new0(answer_message, 1);
	m->context = target->context;
	m->target = via;
	memcpy(&m->to, to, to_len);
	m->to_len = to_len;
	if (local) {
		m->local = *local;
		m->has_local = true;
	}
	m->length = length;
	memcpy(m->data, reply, length);
	g_main_context_invoke_full(target->context, G_PRIORITY_DEFAULT, send_answer, m, g_free);
}

/* ---- hand-over between loops ---- */

/* Copies a datagram into the owner's ring from this loop (the only
 * producer of that ring); the owner is woken when this recvmmsg batch is
 * done. A full ring drops the datagram (counted): the peer's
 * retransmissions (STUN, DTLS) and NACKs recover, as after a loss on the
 * network. */
static void hand_over(lite_loop *loop, unsigned owner, const struct sockaddr *from, socklen_t from_len,
                      const parley_udp_source *local, const uint8_t *data, size_t length)
{
	lite_loop *dst = lite_loop_at(owner);
	if (!dst || owner >= 64 || length > LITE_DATAGRAM || from_len > sizeof(struct sockaddr_storage)) {
		lite_count(&lite_stat_dropped, 1);
		return;
	}
	lite_ring *ring = __atomic_load_n(&dst->inbox[loop->index], __ATOMIC_ACQUIRE);
	if (!ring) {
		/* Once per pair of loops, the first time one hands over to the other. */
		ring = lite_ring_new(lite_handover_bytes());
		if (!ring) {
			lite_count(&lite_stat_handover_full, 1);
			lite_count(&lite_stat_dropped, 1);
			return;
		}
		__atomic_store_n(&dst->inbox[loop->index], ring, __ATOMIC_RELEASE);
	}
	if (!lite_ring_put(ring, from, from_len, local, data, length)) {
		lite_count(&lite_stat_handover_full, 1);
		lite_count(&lite_stat_dropped, 1);
		return;
	}
	loop->wake_pending |= (uint64_t)1 << owner;
	lite_count(&lite_stat_handed, 1);
}

static void wake_owners(lite_loop *loop)
{
	uint64_t pending = loop->wake_pending;
	loop->wake_pending = 0;
	for (unsigned i = 0; pending; i++, pending >>= 1) {
		lite_loop *dst = (pending & 1) ? lite_loop_at(i) : NULL;
		uint64_t one = 1;
		/* EAGAIN: the counter is already far from zero, the owner will wake. */
		if (dst && write(dst->wake_fd, &one, sizeof(one)) < 0)
			continue;
	}
}

typedef struct inbox_reader {
	lite_loop *loop;
	unsigned via; /* the loop that received the datagrams */
} inbox_reader;

static void inbox_datagram(void *user, const struct sockaddr *from, socklen_t from_len, const parley_udp_source *local,
                           uint8_t *data, size_t length)
{
	inbox_reader *reader = user;
	lite_loop_datagram(reader->loop, reader->via, from, from_len, local, data, length);
}

static void drain_inbox(lite_loop *loop)
{
	uint64_t value;
	if (read(loop->wake_fd, &value, sizeof(value)) < 0 && errno != EAGAIN)
		return;
	for (unsigned i = 0; i < LITE_MAX_LOOPS; i++) {
		lite_ring *ring = __atomic_load_n(&loop->inbox[i], __ATOMIC_ACQUIRE);
		inbox_reader reader = { loop, i };
		if (ring)
			lite_ring_drain(ring, inbox_datagram, &reader);
	}
}

/* ---- demultiplexing ---- */

lite_cred *lite_loop_lookup_cred(void *data, const char *ufrag)
{
	lite_loop *loop = data;
	return g_hash_table_lookup(loop->by_ufrag, ufrag);
}

static void handle_stun(lite_loop *loop, unsigned via, const struct sockaddr *from, socklen_t from_len,
                        const parley_udp_source *local, const uint8_t *data, size_t length)
{
	lite_stun_result result;
	lite_stun_handle(&loop->stun, data, length, from, from_len, lite_loop_lookup_cred, loop, loop->reply, &result);
	if (result.verdict == LITE_STUN_VALID && via != loop->index) {
		/* Received by another loop: the path is learnt (and its forward
		 * posted there) before our answer goes, from there. */
		uint8_t answer[LITE_REPLY];
		size_t answer_len = result.reply_len <= sizeof(answer) ? result.reply_len : 0;
		memcpy(answer, loop->reply, answer_len);
		lite_count(&lite_stat_requests, 1);
		lite_on_request(result.cred->owner, result.cred, via, from, from_len, local, result.use_candidate);
		if (answer_len)
			answer_via(loop, via, from, from_len, local, answer, answer_len);
		return;
	}
	if (result.verdict != LITE_STUN_DROP && result.reply_len)
		lite_loop_send(loop, from, from_len, local, loop->reply, result.reply_len);
	if (result.verdict == LITE_STUN_VALID) {
		lite_count(&lite_stat_requests, 1);
		/* Last: the transport's callbacks may end it. */
		lite_on_request(result.cred->owner, result.cred, via, from, from_len, local, result.use_candidate);
		return;
	}
	lite_count(&lite_stat_rejects[result.reject], 1);
	lite_count(result.verdict == LITE_STUN_ERROR ? &lite_stat_rejected : &lite_stat_dropped, 1);
}

void lite_loop_datagram(lite_loop *loop, unsigned via, const struct sockaddr *from, socklen_t from_len,
                        const parley_udp_source *local, uint8_t *data, size_t length)
{
	if (!from || (from->sa_family != AF_INET && from->sa_family != AF_INET6) || length == 0) {
		lite_count(&lite_stat_dropped, 1);
		return;
	}
	bool received_here = via == loop->index;
	if (lite_stun_is_stun(data, length)) {
		char ufrag[LITE_UFRAG_LEN + 1];
		bool named = lite_stun_ufrag(data, length, ufrag, sizeof(ufrag));
		int owner = named ? lite_loop_of_ufrag(ufrag) : -1;
		if (owner >= (int)lite_loop_count())
			owner = -1; /* names no loop of ours */
		if (owner == (int)loop->index)
			handle_stun(loop, via, from, from_len, local, data, length);
		else if (owner >= 0 && received_here)
			hand_over(loop, (unsigned)owner, from, from_len, local, data, length);
		else {
			lite_count(&lite_stat_rejects[named ? PARLEY_LITE_REJECT_UNKNOWN_UFRAG : PARLEY_LITE_REJECT_UNANSWERABLE],
			           1);
			lite_count(&lite_stat_dropped, 1);
		}
		return;
	}
	lite_key key;
	lite_key_from(&key, from);
	lite_path *path = g_hash_table_lookup(loop->by_addr, &key);
	if (path) {
		lite_on_datagram(path->owner, data, length);
		return;
	}
	gpointer owner = received_here ? g_hash_table_lookup(loop->forwards, &key) : NULL;
	if (owner) {
		hand_over(loop, GPOINTER_TO_UINT(owner) - 1, from, from_len, local, data, length);
	} else {
		lite_count(&lite_stat_unknown_address, 1);
		lite_count(&lite_stat_dropped, 1);
	}
}

bool lite_is_stale_media(const uint8_t *data, size_t length, int64_t waited_ns, int64_t limit_ns)
{
	if (limit_ns <= 0 || waited_ns <= limit_ns || length < 12)
		return false;
	/* RFC 7983: a first byte of 128..191 is RTP or RTCP; a second byte of
	 * 192..223 is an RTCP packet type (RFC 5761 §4 keeps RTP payload
	 * types 64..95 out of muxed sessions for that). STUN and DTLS are
	 * never stale. */
	return data[0] >= 128 && data[0] <= 191 && !(data[1] >= 192 && data[1] <= 223);
}

static int64_t realtime_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* How long the datagram waited in the socket's queue (SO_TIMESTAMPNS), 0
 * when the kernel gave no time. */
static int64_t waited_ns(struct msghdr *msg, int64_t now)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec queued;
			memcpy(&queued, CMSG_DATA(cm), sizeof(queued));
			int64_t waited = now - ((int64_t)queued.tv_sec * 1000000000 + queued.tv_nsec);
			return waited > 0 ? waited : 0;
		}
	}
	return 0;
}

static void read_socket(lite_loop *loop, GSocket *socket)
{
	int fd = g_socket_get_fd(socket);
	int64_t stale_ns = lite_stale_media_ns();
	for (int round = 0; round < ROUNDS; round++) {
		for (unsigned i = 0; i < LITE_BATCH; i++) {
			loop->iov[i].iov_base = loop->bufs[i];
			loop->iov[i].iov_len = LITE_DATAGRAM;
			memset(&loop->msgs[i].msg_hdr, 0, sizeof(loop->msgs[i].msg_hdr));
			loop->msgs[i].msg_hdr.msg_name = &loop->from[i];
			loop->msgs[i].msg_hdr.msg_namelen = sizeof(loop->from[i]);
			loop->msgs[i].msg_hdr.msg_iov = &loop->iov[i];
			loop->msgs[i].msg_hdr.msg_iovlen = 1;
			loop->msgs[i].msg_hdr.msg_control = loop->control[i].buf;
			loop->msgs[i].msg_hdr.msg_controllen = sizeof(loop->control[i].buf);
		}
		int n = recvmmsg(fd, loop->msgs, LITE_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		lite_count(&lite_stat_datagrams, (uint64_t)n);
		int64_t now = stale_ns ? realtime_ns() : 0;
		for (int i = 0; i < n; i++) {
			if (loop->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				lite_count(&lite_stat_dropped, 1);
				continue;
			}
			if (stale_ns && lite_is_stale_media(loop->bufs[i], loop->msgs[i].msg_len,
			                                    waited_ns(&loop->msgs[i].msg_hdr, now), stale_ns)) {
				lite_count(&lite_stat_stale, 1);
				lite_count(&lite_stat_dropped, 1);
				continue;
			}
			parley_udp_source local;
			parley_udp_source_from_control(&loop->msgs[i].msg_hdr, &local);
			lite_loop_datagram(loop, loop->index, (const struct sockaddr *)&loop->from[i],
			                   loop->msgs[i].msg_hdr.msg_namelen, &local, loop->bufs[i], loop->msgs[i].msg_len);
		}
		/* Owners start on what this batch handed them while we read on. */
		wake_owners(loop);
		if (n < LITE_BATCH)
			return;
	}
}

/* ---- the loop's source ---- */

typedef struct loop_source {
	GSource base;
	lite_loop *loop;
} loop_source;

static gboolean source_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	(void)callback;
	(void)data;
	lite_loop *loop = ((loop_source *)source)->loop;
	for (int f = 0; f < 2; f++)
		if (loop->tags[f] && (g_source_query_unix_fd(source, loop->tags[f]) & G_IO_IN))
			read_socket(loop, loop->sockets[f]);
	if (g_source_query_unix_fd(source, loop->wake_tag) & G_IO_IN)
		drain_inbox(loop);
	wake_owners(loop);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
	.dispatch = source_dispatch,
};

GSource *lite_loop_source_new(lite_loop *loop)
{
	GSource *source = g_source_new(&source_funcs, sizeof(loop_source));
	((loop_source *)source)->loop = loop;
	g_source_set_name(source, "parley-ice-lite");
	/* GLib blocks a source that cannot recurse while it dispatches: it
	 * takes the source's descriptors out of the context and puts them
	 * back, and each change writes the context's wakeup eventfd, so every
	 * wake-up cost four write()s, a read() and one more empty iteration.
	 * Nothing iterates a loop's context from inside this dispatch, so it
	 * never actually recurses (libnice's sources get the same, ice.c). */
	g_source_set_can_recurse(source, TRUE);
	for (int f = 0; f < 2; f++)
		if (loop->sockets[f])
			loop->tags[f] = g_source_add_unix_fd(source, g_socket_get_fd(loop->sockets[f]), G_IO_IN);
	loop->wake_tag = g_source_add_unix_fd(source, loop->wake_fd, G_IO_IN);
	return source;
}
