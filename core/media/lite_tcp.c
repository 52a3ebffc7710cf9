/*
 * lite_tcp.c — owns ICE-TCP (RFC 6544, passive candidates only) for the
 * ICE-lite transport: each loop's listening sockets on [media] tcp_port
 * (IPv4 and IPv6, SO_REUSEPORT like the UDP sockets, so the kernel spreads
 * the connections over the loops), accepting, and every connection: its
 * GSource on the loop that reads it, RFC 4571 framing both ways
 * (lite_frame.c), the limit on connections not yet authenticated and
 * their deadline, the hand-over of a connection to the loop its first
 * request's ufrag names (once, before it is anyone's path), the bounded
 * output ring (a packet that does not fit is dropped and counted, the loop
 * never blocks), and closing.
 *
 * A connection is demultiplexed like a UDP 5-tuple: its first binding
 * request is routed by ufrag, checked by lite_stun.c, and a valid one
 * makes the connection a path of that transport (lite.c); then every
 * frame that is not STUN is that transport's datagram. Before that, only
 * STUN may arrive (anything else closes it).
 *
 * Ownership: a connection belongs to the loop that reads it (its
 * tcp_conns set); it is freed on that loop's thread, when it ends by
 * itself, when its transport lets it go (lite_tcp_close) or when the loop
 * stops. Other threads only append to its output ring, under its lock,
 * while holding the transport's tcp_lock (which keeps it alive).
 * Nothing is allocated per packet: the input buffer and the output ring
 * are the connection's own.
 */
#include "lite_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <gio/gio.h>

#define ACCEPTS_PER_DISPATCH 16
#define READS_PER_DISPATCH 8 /* reads per connection per dispatch, then other sources run */
#define DEFAULT_MAX_PENDING 64
#define DEFAULT_AUTH_TIMEOUT_MS 5000

struct lite_tcp_conn {
	lite_loop *loop; /* the loop reading it; NULL while handed over */
	GSource *source;
	gpointer tag;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	lite_path *path;    /* once a valid request made it a transport's path */
	gint64 deadline_us; /* while pending: closed when not authenticated by then */
	bool pending;       /* not authenticated yet (counted in tcp.pending) */
	bool handed;        /* moved once already */
	bool dispatching, closed;
	int move_to; /* >= 0: hand over to that loop when the dispatch ends */
	bool watching_out; /* the loop thread asked for G_IO_OUT */
	int want_out;      /* atomic: the ring holds bytes the socket did not take */
	GMutex out_lock;   /* the output ring */
	lite_frame_writer out;
	lite_frame_reader in;
	uint8_t out_buf[LITE_TCP_OUT];
};

static struct {
	unsigned port, max_pending, auth_timeout_ms;
	int pending;
} tcp;

uint64_t lite_stat_tcp_accepted, lite_stat_tcp_refused, lite_stat_tcp_bad, lite_stat_tcp_timed_out,
	lite_stat_tcp_dropped;

void lite_tcp_configure(unsigned port, unsigned max_pending, unsigned auth_timeout_ms)
{
	tcp.port = port;
	tcp.max_pending = max_pending ? max_pending : DEFAULT_MAX_PENDING;
	tcp.auth_timeout_ms = auth_timeout_ms ? auth_timeout_ms : DEFAULT_AUTH_TIMEOUT_MS;
}

unsigned lite_tcp_port(void)
{
	return tcp.port;
}

const struct sockaddr_storage *lite_tcp_peer(const lite_tcp_conn *conn, socklen_t *length)
{
	*length = conn->peer_len;
	return &conn->peer;
}

/* ---- lifetime (the reading loop's thread) ---- */

static void conn_free(lite_tcp_conn *conn)
{
	if (conn->source) {
		g_source_destroy(conn->source);
		g_source_unref(conn->source);
	}
	if (conn->loop)
		g_hash_table_remove(conn->loop->tcp_conns, conn);
	if (conn->pending)
		__atomic_fetch_sub(&tcp.pending, 1, __ATOMIC_RELAXED);
	if (conn->fd >= 0)
		close(conn->fd);
	g_mutex_clear(&conn->out_lock);
	g_free(conn);
}

/* The connection is over (EOF, error, bad input, no authentication in
 * time): its path, if any, is told last, since the transport's callbacks
 * may end the transport. Freed now, or when its dispatch returns. */
static void conn_end(lite_tcp_conn *conn, uint64_t *counter)
{
	if (conn->closed)
		return;
	conn->closed = true;
	if (counter)
		lite_count(counter, 1);
	lite_path *path = conn->path;
	conn->path = NULL;
	bool dispatching = conn->dispatching;
	if (!dispatching)
		conn->dispatching = true; /* the callbacks below cannot free it under us */
	if (path)
		lite_on_tcp_closed(path->owner, path, counter == &lite_stat_tcp_bad);
	if (!dispatching)
		conn_free(conn);
}

void lite_tcp_set_path(lite_tcp_conn *conn, lite_path *path)
{
	conn->path = path;
}

void lite_tcp_close(lite_tcp_conn *conn)
{
	if (!conn || conn->closed)
		return;
	conn->path = NULL; /* the transport already forgot it */
	conn->closed = true;
	if (!conn->dispatching)
		conn_free(conn);
}

/* ---- sending (any thread) ---- */

/* Writes what the socket takes (caller holds out_lock); true when bytes
 * are left. A hard error empties the ring: the reading side sees it too. */
static bool flush_locked(lite_tcp_conn *conn)
{
	struct iovec iov[2];
	int n;
	while ((n = lite_frame_pending(&conn->out, iov)) > 0) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t sent = sendmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent > 0) {
			lite_frame_sent(&conn->out, (size_t)sent);
			continue;
		}
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		lite_frame_sent(&conn->out, conn->out.used);
		return false;
	}
	return false;
}

int lite_tcp_send(lite_tcp_conn *conn, const uint8_t *data, size_t length)
{
	g_mutex_lock(&conn->out_lock);
	bool waiting = conn->out.used > 0; /* the loop drains it when the socket has room */
	bool queued = lite_frame_put(&conn->out, data, length);
	bool left = queued && !waiting && flush_locked(conn);
	if (left)
		__atomic_store_n(&conn->want_out, 1, __ATOMIC_RELEASE);
	GMainContext *context = left && conn->loop ? conn->loop->context : NULL;
	g_mutex_unlock(&conn->out_lock);
	if (context)
		g_main_context_wakeup(context); /* only when the socket is full, not per packet */
	lite_count(queued ? &lite_stat_sent : &lite_stat_tcp_dropped, 1);
	return queued ? 0 : -1;
}

/* The loop's side: drains the ring and watches G_IO_OUT while bytes stay. */
static void conn_flush(lite_tcp_conn *conn)
{
	g_mutex_lock(&conn->out_lock);
	__atomic_store_n(&conn->want_out, 0, __ATOMIC_RELEASE);
	bool left = flush_locked(conn);
	g_mutex_unlock(&conn->out_lock);
	if (left != conn->watching_out) {
		g_source_modify_unix_fd(conn->source, conn->tag, left ? G_IO_IN | G_IO_OUT : G_IO_IN);
		conn->watching_out = left;
	}
}

/* ---- receiving ---- */

static void conn_stun(lite_tcp_conn *conn, uint8_t *frame, size_t length)
{
	lite_loop *loop = conn->loop;
	if (!conn->path && !conn->handed) {
		/* Demultiplexed by the ufrag, as a datagram: the loop it names
		 * reads the connection from now on. */
		char ufrag[LITE_UFRAG_LEN + 1];
		int owner = lite_stun_ufrag(frame, length, ufrag, sizeof(ufrag)) ? lite_loop_of_ufrag(ufrag) : -1;
		if (owner >= 0 && owner != (int)loop->index && lite_loop_at((unsigned)owner)) {
			lite_frame_unread(&conn->in, length);
			conn->move_to = owner;
			lite_count(&lite_stat_handed, 1);
			return;
		}
	}
	lite_stun_result result;
	lite_stun_handle(&loop->stun, frame, length, (const struct sockaddr *)&conn->peer, conn->peer_len,
	                 lite_loop_lookup_cred, loop, loop->reply, &result);
	if (result.verdict != LITE_STUN_DROP && result.reply_len)
		lite_tcp_send(conn, loop->reply, result.reply_len);
	/* A connection serves one transport. */
	if (result.verdict == LITE_STUN_VALID && conn->path && conn->path->owner != result.cred->owner) {
		lite_count(&lite_stat_dropped, 1);
		return;
	}
	if (result.verdict != LITE_STUN_VALID) {
		lite_count(&lite_stat_rejects[result.reject], 1);
		lite_count(result.verdict == LITE_STUN_ERROR ? &lite_stat_rejected : &lite_stat_dropped, 1);
		return;
	}
	lite_count(&lite_stat_requests, 1);
	if (conn->pending) {
		conn->pending = false;
		__atomic_fetch_sub(&tcp.pending, 1, __ATOMIC_RELAXED);
	}
	lite_on_tcp_request(result.cred->owner, result.cred, conn, result.use_candidate);
}

static void conn_frame(lite_tcp_conn *conn, uint8_t *frame, size_t length)
{
	if (lite_stun_is_stun(frame, length)) {
		conn_stun(conn, frame, length);
		if (conn->move_to < 0) /* else counted by the loop it goes to */
			lite_count(&lite_stat_datagrams, 1);
		return;
	}
	lite_count(&lite_stat_datagrams, 1);
	if (conn->path)
		lite_on_datagram(conn->path->owner, frame, length);
	else
		conn_end(conn, &lite_stat_tcp_bad); /* only STUN before a valid request */
}

static void conn_frames(lite_tcp_conn *conn)
{
	uint8_t *frame;
	size_t length;
	while (!conn->closed && conn->move_to < 0) {
		lite_frame_status status = lite_frame_next(&conn->in, &frame, &length);
		if (status == LITE_FRAME_NEED_MORE)
			return;
		if (status == LITE_FRAME_BAD) {
			conn_end(conn, &lite_stat_tcp_bad);
			return;
		}
		conn_frame(conn, frame, length);
	}
}

static void conn_read(lite_tcp_conn *conn)
{
	for (int round = 0; round < READS_PER_DISPATCH && !conn->closed && conn->move_to < 0; round++) {
		size_t room;
		uint8_t *at = lite_frame_space(&conn->in, &room);
		ssize_t n = recv(conn->fd, at, room, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			conn_end(conn, NULL); /* closed by the peer, or reset */
			return;
		}
		lite_frame_filled(&conn->in, (size_t)n);
		conn_frames(conn);
		if ((size_t)n < room)
			return;
	}
}

/* ---- the connection's source and the hand-over ---- */

static void conn_attach(lite_tcp_conn *conn, lite_loop *loop);

typedef struct move_message {
	GMainContext *context; /* of the loop it is for */
	unsigned target;
	lite_tcp_conn *conn; /* NULL once taken */
} move_message;

static gboolean apply_move(gpointer data)
{
	move_message *m = data;
	lite_loop *loop = lite_loop_at(m->target);
	if (!loop || loop->context != m->context)
		return G_SOURCE_REMOVE; /* stopped meanwhile: freed with the message */
	lite_tcp_conn *conn = m->conn;
	m->conn = NULL;
	conn_attach(conn, loop);
	g_source_set_ready_time(conn->source, 0); /* its buffered frames are read at once */
	return G_SOURCE_REMOVE;
}

static void move_message_free(gpointer data)
{
	move_message *m = data;
	if (m->conn)
		conn_free(m->conn);
	g_free(m);
}

/* Control path: once per connection at most, before it is a path. */
static void conn_move(lite_tcp_conn *conn)
{
	lite_loop *to = lite_loop_at((unsigned)conn->move_to);
	g_hash_table_remove(conn->loop->tcp_conns, conn);
	conn->loop = NULL;
	g_source_destroy(conn->source);
	g_source_unref(conn->source);
	conn->source = NULL;
	conn->handed = true;
	conn->move_to = -1;
	if (!to) {
		conn_free(conn);
		return;
	}
	move_message *m = g_new0(move_message, 1);
	m->context = to->context;
	m->target = to->index;
	m->conn = conn;
	g_main_context_invoke_full(to->context, G_PRIORITY_DEFAULT, apply_move, m, move_message_free);
}

typedef struct conn_source {
	GSource base;
	lite_tcp_conn *conn;
} conn_source;

static gboolean conn_prepare(GSource *source, gint *timeout)
{
	lite_tcp_conn *conn = ((conn_source *)source)->conn;
	*timeout = -1;
	return __atomic_load_n(&conn->want_out, __ATOMIC_ACQUIRE) && !conn->watching_out;
}

static gboolean conn_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	(void)callback;
	(void)data;
	lite_tcp_conn *conn = ((conn_source *)source)->conn;
	conn->dispatching = true;
	if (lite_frame_buffered(&conn->in))
		conn_frames(conn); /* handed over with frames in it */
	if (!conn->closed && conn->move_to < 0 &&
	    (g_source_query_unix_fd(source, conn->tag) & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
		conn_read(conn);
	if (!conn->closed && conn->move_to < 0)
		conn_flush(conn);
	if (!conn->closed && conn->pending && conn->move_to < 0 && g_get_monotonic_time() >= conn->deadline_us)
		conn_end(conn, &lite_stat_tcp_timed_out);
	conn->dispatching = false;
	if (conn->closed)
		conn_free(conn);
	else if (conn->move_to >= 0)
		conn_move(conn);
	else
		g_source_set_ready_time(source, conn->pending ? conn->deadline_us : -1);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs conn_funcs = {
	.prepare = conn_prepare,
	.dispatch = conn_dispatch,
};

static void conn_attach(lite_tcp_conn *conn, lite_loop *loop)
{
	conn->loop = loop;
	g_hash_table_add(loop->tcp_conns, conn);
	GSource *source = g_source_new(&conn_funcs, sizeof(conn_source));
	((conn_source *)source)->conn = conn;
	g_source_set_name(source, "parley-ice-tcp");
	conn->tag = g_source_add_unix_fd(source, conn->fd, G_IO_IN);
	g_source_set_can_recurse(source, TRUE);   /* no fd churn per dispatch: see lite_loop_source_new */
	conn->watching_out = false;
	g_source_set_ready_time(source, conn->pending ? conn->deadline_us : -1);
	conn->source = source;
	g_source_attach(source, loop->context);
}

/* ---- accepting ---- */

void lite_tcp_adopt(lite_loop *loop, int fd, const struct sockaddr_storage *peer, socklen_t peer_len)
{
	if (__atomic_load_n(&tcp.pending, __ATOMIC_RELAXED) >= (int)tcp.max_pending ||
	    (peer->ss_family != AF_INET && peer->ss_family != AF_INET6)) {
		close(fd);
		lite_count(&lite_stat_tcp_refused, 1);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	lite_tcp_conn *conn = g_new(lite_tcp_conn, 1); /* once per connection */
	memset(conn, 0, offsetof(lite_tcp_conn, out_buf));
	conn->fd = fd;
	conn->peer = *peer;
	conn->peer_len = peer_len;
	conn->move_to = -1;
	conn->pending = true;
	conn->deadline_us = g_get_monotonic_time() + (gint64)tcp.auth_timeout_ms * 1000;
	__atomic_fetch_add(&tcp.pending, 1, __ATOMIC_RELAXED);
	g_mutex_init(&conn->out_lock);
	lite_frame_reader_init(&conn->in);
	lite_frame_writer_init(&conn->out, conn->out_buf, sizeof(conn->out_buf));
	conn_attach(conn, loop);
	lite_count(&lite_stat_tcp_accepted, 1);
}

typedef struct accept_source {
	GSource base;
	lite_loop *loop;
	gpointer tags[2];
} accept_source;

static gboolean accept_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
	(void)callback;
	(void)data;
	accept_source *as = (accept_source *)source;
	for (int f = 0; f < 2; f++) {
		if (!as->tags[f] || !(g_source_query_unix_fd(source, as->tags[f]) & G_IO_IN))
			continue;
		for (int k = 0; k < ACCEPTS_PER_DISPATCH; k++) {
			struct sockaddr_storage peer;
			socklen_t len = sizeof(peer);
			int fd = accept4(as->loop->tcp_listen[f], (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			lite_tcp_adopt(as->loop, fd, &peer, len);
		}
	}
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs accept_funcs = {
	.dispatch = accept_dispatch,
};

void lite_tcp_loop_start(lite_loop *loop)
{
	if (loop->tcp_listen[0] < 0 && loop->tcp_listen[1] < 0)
		return;
	GSource *source = g_source_new(&accept_funcs, sizeof(accept_source));
	accept_source *as = (accept_source *)source;
	as->loop = loop;
	for (int f = 0; f < 2; f++)
		if (loop->tcp_listen[f] >= 0)
			as->tags[f] = g_source_add_unix_fd(source, loop->tcp_listen[f], G_IO_IN);
	g_source_set_name(source, "parley-ice-tcp-accept");
	loop->tcp_source = source;
	g_source_attach(source, loop->context);
}

void lite_tcp_loop_stop(lite_loop *loop)
{
	if (loop->tcp_source) {
		g_source_destroy(loop->tcp_source);
		g_source_unref(loop->tcp_source);
		loop->tcp_source = NULL;
	}
	for (int f = 0; f < 2; f++)
		if (loop->tcp_listen[f] >= 0) {
			close(loop->tcp_listen[f]);
			loop->tcp_listen[f] = -1;
		}
	if (!loop->tcp_conns)
		return;
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, loop->tcp_conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		lite_tcp_conn *conn = key;
		g_hash_table_iter_steal(&it);
		conn->loop = NULL;
		conn_free(conn);
	}
}

unsigned parley_lite_tcp_port(void)
{
	return parley_lite_running() ? tcp.port : 0;
}
