/*
 * sctp.c — owns usrsctp for the process and one SCTP association per
 * data-channel PeerConnection: starting usrsctp without threads, the
 * usrsctp lock, the per-loop timer sources that advance its clock, the
 * id table its callbacks resolve through (sctp_table.c), each
 * association's socket (AF_CONN, one-to-one, non-blocking, bound and
 * connected to its id), and the two queues that carry what usrsctp's
 * callbacks produce to the association's own loop: SCTP packets for DTLS,
 * and received messages and notifications. The locking rule and why it
 * keeps the RTP path untouched are in sctp.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <usrsctp.h>
#include "sctp.h"
#include "sctp_table.h"

#define TICK_MS 10
#define MAX_TICK_MS 10000
/* A loop's timer lingers this long after its last association, so
 * usrsctp's timers that free a closed association still fire. */
#define TIMER_LINGER_US (5 * G_USEC_PER_SEC)
/* Send and receive buffers: at least this, and twice the largest message. */
#define MIN_BUFFER (1024 * 1024)
/* SCTP packets waiting for their loop; beyond, they are dropped as the
 * network would drop them (SCTP retransmits). */
#define MAX_QUEUED_PACKETS 4096
/* How many times a drain empties the queues before it yields. */
#define DRAIN_ROUNDS 64

typedef enum event_kind {
	EVENT_DATA,
	EVENT_NOTIFICATION,
	EVENT_EOF,
	EVENT_WRITABLE,
} event_kind;

/* What a receive or send callback produced. */
typedef struct queued_event {
	event_kind kind;
	void *data;               /* usrsctp's malloc'd buffer, free()d here */
	size_t length;
	uint16_t stream;
	uint32_t ppid;
	bool complete;
} queued_event;

typedef struct sctp_packet {
	size_t length;
	uint8_t data[];
} sctp_packet;

/* The timer of one loop with associations. References: the list's, the
 * source's (dropped when the source is destroyed) and one per association
 * on that loop. */
typedef struct loop_timer {
	gint refcount;
	GMainContext *context;    /* compared, never used: the loop may be gone */
	GSource *source;          /* a reference of ours */
	unsigned associations;    /* under usrsctp_lock, as the rest */
	gint64 idle_since;
	bool removed;             /* off the list: its source is destroyed */
} loop_timer;

struct parley_sctp {
	gint refcount;            /* the owner's; one per scheduled wake and running drain */
	uintptr_t id;
	GMainContext *context;
	struct socket *sock;      /* under usrsctp_lock */
	loop_timer *timer;        /* under usrsctp_lock */
	parley_sctp_callbacks cb;
	void *user_data;
	bool freed;               /* set on the loop by parley_sctp_free (also under queue_lock) */
	/* under queue_lock */
	GQueue out;               /* sctp_packet * */
	GQueue in;                /* queued_event * */
	bool in_call;             /* the owner is inside a usrsctp call and drains after it */
	bool wake_pending;
	bool want_writable;
};

static GMutex usrsctp_lock;   /* every call into usrsctp */
static GMutex queue_lock;     /* the id table and every association's queues; never held into usrsctp */
static bool started;          /* under usrsctp_lock */
static parley_sctp_table *table;   /* under queue_lock */
static GPtrArray *timers;     /* loop_timer *, under usrsctp_lock */
static gint64 last_tick_us;   /* under usrsctp_lock */
static parley_sctp_stats stats;

#define STAT_ADD(field, n) __atomic_add_fetch(&stats.field, (n), __ATOMIC_RELAXED)

void parley_sctp_get_stats(parley_sctp_stats *out)
{
	out->associations = __atomic_load_n(&stats.associations, __ATOMIC_RELAXED);
	out->opened = __atomic_load_n(&stats.opened, __ATOMIC_RELAXED);
	out->packets_in = __atomic_load_n(&stats.packets_in, __ATOMIC_RELAXED);
	out->packets_out = __atomic_load_n(&stats.packets_out, __ATOMIC_RELAXED);
	out->stale_callbacks = __atomic_load_n(&stats.stale_callbacks, __ATOMIC_RELAXED);
}

uintptr_t parley_sctp_id(const parley_sctp *sctp)
{
	return sctp->id;
}

/* ---- references and the wake-up of an association's loop ---- */

static void sctp_ref(parley_sctp *s)
{
	g_atomic_int_inc(&s->refcount);
}

static void free_event(queued_event *ev)
{
	free(ev->data);
	g_free(ev);
}

static void sctp_unref(gpointer data)
{
	parley_sctp *s = data;
	if (!g_atomic_int_dec_and_test(&s->refcount))
		return;
	g_queue_clear_full(&s->out, g_free);
	g_queue_clear_full(&s->in, (GDestroyNotify)free_event);
	g_main_context_unref(s->context);
	g_free(s);
}

static void drain(parley_sctp *s);

static gboolean wake_run(gpointer data)
{
	parley_sctp *s = data;
	g_mutex_lock(&queue_lock);
	s->wake_pending = false;
	g_mutex_unlock(&queue_lock);
	drain(s);
	return G_SOURCE_REMOVE;
}

/* Under queue_lock: something was queued for `s`. Its own loop drains
 * right after a call it makes; anything else wakes that loop once. */
static void schedule_wake(parley_sctp *s)
{
	if (s->in_call || s->wake_pending || s->freed)
		return;
	s->wake_pending = true;
	sctp_ref(s);
	GSource *idle = g_idle_source_new();   /* default priority: never ahead of the loop's sockets */
	g_source_set_priority(idle, G_PRIORITY_DEFAULT);
	g_source_set_callback(idle, wake_run, s, sctp_unref);
	g_source_attach(idle, s->context);
	g_source_unref(idle);
}

/* ---- usrsctp's callbacks: any thread, usrsctp's locks held or not ---- */

/* Under queue_lock: the live association named `id`, or NULL (counted). */
static parley_sctp *lookup(uintptr_t id)
{
	parley_sctp *s = table ? parley_sctp_table_lookup(table, id) : NULL;
	if (!s || s->freed) {
		STAT_ADD(stale_callbacks, 1);
		return NULL;
	}
	return s;
}

static int on_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df)
{
	g_mutex_lock(&queue_lock);
	parley_sctp *s = lookup((uintptr_t)addr);
	if (s && g_queue_get_length(&s->out) < MAX_QUEUED_PACKETS) {
		sctp_packet *p = g_malloc(sizeof(*p) + length);
		p->length = length;
		memcpy(p->data, buffer, length);
		g_queue_push_tail(&s->out, p);
		schedule_wake(s);
	}
	g_mutex_unlock(&queue_lock);
	return 0;
}

static int on_receive(struct socket *sock, union sctp_sockstore addr, void *data, size_t length,
                      struct sctp_rcvinfo rcv, int flags, void *ulp_info)
{
	g_mutex_lock(&queue_lock);
	parley_sctp *s = lookup((uintptr_t)ulp_info);
	if (!s) {
		g_mutex_unlock(&queue_lock);
		free(data);
		return 1;
	}
	queued_event *ev = g_new0(queued_event, 1);
	ev->data = data;
	ev->length = length;
	if (!data)
		ev->kind = EVENT_EOF;
	else if (flags & MSG_NOTIFICATION)
		ev->kind = EVENT_NOTIFICATION;
	else {
		ev->kind = EVENT_DATA;
		ev->stream = rcv.rcv_sid;
		ev->ppid = ntohl(rcv.rcv_ppid);
		ev->complete = (flags & MSG_EOR) != 0;
	}
	g_queue_push_tail(&s->in, ev);
	schedule_wake(s);
	g_mutex_unlock(&queue_lock);
	return 1;
}

static int on_send_room(struct socket *sock, uint32_t free_bytes, void *ulp_info)
{
	g_mutex_lock(&queue_lock);
	parley_sctp *s = lookup((uintptr_t)ulp_info);
	if (s && s->want_writable) {
		s->want_writable = false;
		queued_event *ev = g_new0(queued_event, 1);
		ev->kind = EVENT_WRITABLE;
		g_queue_push_tail(&s->in, ev);
		schedule_wake(s);
	}
	g_mutex_unlock(&queue_lock);
	return 0;
}

/* ---- on the association's loop: what the queues carried ---- */

static void deliver_reset(parley_sctp *s, const struct sctp_stream_reset_event *e, size_t length)
{
	if (length < sizeof(*e) || e->strreset_length > length || e->strreset_length < sizeof(*e))
		return;
	if (e->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED))
		return;   /* the stream stays taken: it is never reused */
	size_t n = (e->strreset_length - sizeof(*e)) / sizeof(uint16_t);
	if (!s->cb.streams_reset)
		return;
	if (e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)
		s->cb.streams_reset(s->user_data, e->strreset_stream_list, n, true);
	if ((e->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) && !s->freed)
		s->cb.streams_reset(s->user_data, e->strreset_stream_list, n, false);
}

static void deliver_state(parley_sctp *s, bool up)
{
	if (s->cb.state)
		s->cb.state(s->user_data, up);
}

static void deliver_notification(parley_sctp *s, const uint8_t *data, size_t length)
{
	const union sctp_notification *n = (const void *)data;
	if (length < sizeof(n->sn_header) || n->sn_header.sn_length > length)
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		if (length < sizeof(n->sn_assoc_change))
			return;
		switch (n->sn_assoc_change.sac_state) {
		case SCTP_COMM_UP:
		case SCTP_RESTART:
			deliver_state(s, true);
			break;
		case SCTP_COMM_LOST:
		case SCTP_SHUTDOWN_COMP:
		case SCTP_CANT_STR_ASSOC:
			deliver_state(s, false);
			break;
		}
		break;
	case SCTP_STREAM_RESET_EVENT:
		deliver_reset(s, &n->sn_strreset_event, length);
		break;
	case SCTP_PARTIAL_DELIVERY_EVENT:
		if (length >= sizeof(n->sn_pdapi_event) &&
		    n->sn_pdapi_event.pdapi_indication == SCTP_PARTIAL_DELIVERY_ABORTED && s->cb.partial_aborted)
			s->cb.partial_aborted(s->user_data);
		break;
	case SCTP_SHUTDOWN_EVENT:
		deliver_state(s, false);
		break;
	default:
		break;   /* sender dry, send failed, remote error: nothing to do */
	}
}

static void deliver(parley_sctp *s, queued_event *ev)
{
	switch (ev->kind) {
	case EVENT_DATA:
		if (s->cb.data)
			s->cb.data(s->user_data, ev->stream, ev->ppid, ev->complete, ev->data, ev->length);
		break;
	case EVENT_NOTIFICATION:
		deliver_notification(s, ev->data, ev->length);
		break;
	case EVENT_EOF:
		deliver_state(s, false);
		break;
	case EVENT_WRITABLE:
		if (s->cb.writable)
			s->cb.writable(s->user_data);
		break;
	}
}

/* Hands what the queues hold to the callbacks, on the association's loop,
 * no lock held. A callback may free the association: the reference taken
 * here keeps the memory, `freed` stops the rest. */
static void drain(parley_sctp *s)
{
	sctp_ref(s);
	for (int round = 0; round < DRAIN_ROUNDS && !s->freed; round++) {
		g_mutex_lock(&queue_lock);
		GQueue out = s->out, in = s->in;
		g_queue_init(&s->out);
		g_queue_init(&s->in);
		g_mutex_unlock(&queue_lock);
		if (g_queue_is_empty(&out) && g_queue_is_empty(&in))
			break;
		for (sctp_packet *p; (p = g_queue_pop_head(&out)); g_free(p)) {
			if (!s->freed) {
				STAT_ADD(packets_out, 1);
				s->cb.output(s->user_data, p->data, p->length);
			}
		}
		for (queued_event *ev; (ev = g_queue_pop_head(&in)); free_event(ev))
			if (!s->freed)
				deliver(s, ev);
	}
	g_mutex_lock(&queue_lock);
	bool more = !g_queue_is_empty(&s->out) || !g_queue_is_empty(&s->in);
	if (more)
		schedule_wake(s);   /* a busy association yields to its loop's other sources */
	g_mutex_unlock(&queue_lock);
	sctp_unref(s);
}

/* ---- calls into usrsctp ---- */

static void begin_call(parley_sctp *s)
{
	g_mutex_lock(&usrsctp_lock);
	g_mutex_lock(&queue_lock);
	s->in_call = true;
	g_mutex_unlock(&queue_lock);
}

static void end_call(parley_sctp *s)
{
	g_mutex_lock(&queue_lock);
	s->in_call = false;
	g_mutex_unlock(&queue_lock);
	g_mutex_unlock(&usrsctp_lock);
}

/* ---- process start and the timers (under usrsctp_lock) ---- */

static void start_usrsctp(void)
{
	if (started)
		return;
	usrsctp_init_nothreads(0, on_output, NULL);
	usrsctp_sysctl_set_sctp_ecn_enable(0);        /* DTLS carries no ECN */
	usrsctp_sysctl_set_sctp_asconf_enable(0);     /* one fixed address per association */
	usrsctp_sysctl_set_sctp_auto_asconf(0);
	usrsctp_sysctl_set_sctp_reconfig_enable(1);   /* stream reset (RFC 6525) closes channels */
	usrsctp_sysctl_set_sctp_pr_enable(1);         /* partial reliability (RFC 3758) */
	/* Room for the chunks of a message of PARLEY_DC_LIMIT_MAX_MESSAGE. */
	usrsctp_sysctl_set_sctp_max_chunks_on_queue(2 * PARLEY_DC_LIMIT_MAX_MESSAGE / PARLEY_SCTP_MTU);
	g_mutex_lock(&queue_lock);
	table = parley_sctp_table_new();
	g_mutex_unlock(&queue_lock);
	timers = g_ptr_array_new();
	last_tick_us = g_get_monotonic_time();
	started = true;
}

static void timer_unref(gpointer data)
{
	loop_timer *t = data;
	if (t && g_atomic_int_dec_and_test(&t->refcount))
		g_free(t);
}

/* Takes the timer off the list and ends its source. */
static void timer_remove(loop_timer *t)
{
	t->removed = true;
	g_ptr_array_remove_fast(timers, t);
	g_source_destroy(t->source);   /* its destroy drops the source's reference, after a running tick */
	g_source_unref(t->source);
	timer_unref(t);
}

static gboolean tick(gpointer data)
{
	loop_timer *t = data;
	g_mutex_lock(&usrsctp_lock);
	if (!started || t->removed) {
		g_mutex_unlock(&usrsctp_lock);
		return G_SOURCE_REMOVE;
	}
	gint64 now = g_get_monotonic_time();
	gint64 elapsed_ms = (now - last_tick_us) / 1000;
	if (elapsed_ms >= TICK_MS) {
		last_tick_us += elapsed_ms * 1000;
		usrsctp_handle_timers((uint32_t)MIN(elapsed_ms, MAX_TICK_MS));
	}
	bool stop = t->associations == 0 && now - t->idle_since > TIMER_LINGER_US;
	if (stop)
		timer_remove(t);
	g_mutex_unlock(&usrsctp_lock);
	return stop ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* The timer of `context` with a reference for one more association. */
static loop_timer *timer_acquire(GMainContext *context)
{
	for (guint i = timers->len; i-- > 0;) {
		loop_timer *t = g_ptr_array_index(timers, i);
		if (g_source_is_destroyed(t->source)) {
			timer_remove(t);   /* its loop's context went away */
			continue;
		}
		if (t->context == context) {
			t->associations++;
			g_atomic_int_inc(&t->refcount);
			return t;
		}
	}
	loop_timer *t = g_new0(loop_timer, 1);
	t->refcount = 3;   /* the list's, the source's, this association's */
	t->context = context;
	t->associations = 1;
	t->source = g_timeout_source_new(TICK_MS);
	g_source_set_callback(t->source, tick, t, timer_unref);
	g_source_attach(t->source, context);
	g_ptr_array_add(timers, t);
	return t;
}

static void timer_release(loop_timer *t)
{
	if (!t)
		return;
	if (--t->associations == 0)
		t->idle_since = g_get_monotonic_time();
	timer_unref(t);
}

/* ---- associations ---- */

static int set_int(struct socket *sock, int level, int option, int value)
{
	return usrsctp_setsockopt(sock, level, option, &value, sizeof(value));
}

static struct sockaddr_conn conn_address(uintptr_t id, uint16_t port)
{
	struct sockaddr_conn a;
	memset(&a, 0, sizeof(a));
	a.sconn_family = AF_CONN;
	a.sconn_port = htons(port);
	a.sconn_addr = (void *)id;
	return a;
}

/* Socket options before connecting: 0, or the step that failed. */
static const char *configure(struct socket *sock, size_t buffer)
{
	static const uint16_t events[] = {
		SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_PARTIAL_DELIVERY_EVENT, SCTP_SHUTDOWN_EVENT,
		SCTP_REMOTE_ERROR, SCTP_SEND_FAILED_EVENT, SCTP_SENDER_DRY_EVENT,
	};
	struct linger linger = { .l_onoff = 1, .l_linger = 0 };   /* close = ABORT, freed at once */
	struct sctp_assoc_value reset = { .assoc_id = SCTP_FUTURE_ASSOC, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
	struct sctp_initmsg init = { .sinit_num_ostreams = PARLEY_DC_MAX_STREAMS,
	                             .sinit_max_instreams = PARLEY_DC_MAX_STREAMS };
	if (usrsctp_set_non_blocking(sock, 1) < 0)
		return "non-blocking";
	if (usrsctp_setsockopt(sock, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)) < 0)
		return "SO_LINGER";
	if (set_int(sock, SOL_SOCKET, SO_SNDBUF, (int)buffer) < 0 || set_int(sock, SOL_SOCKET, SO_RCVBUF, (int)buffer) < 0)
		return "buffers";
	if (set_int(sock, IPPROTO_SCTP, SCTP_NODELAY, 1) < 0 || set_int(sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1) < 0)
		return "SCTP_NODELAY / SCTP_RECVRCVINFO";
	if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset)) < 0)
		return "SCTP_ENABLE_STREAM_RESET";
	if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) < 0)
		return "SCTP_INITMSG";
	for (size_t i = 0; i < G_N_ELEMENTS(events); i++) {
		struct sctp_event event = { .se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = events[i], .se_on = 1 };
		if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof(event)) < 0)
			return "SCTP_EVENT";
	}
	return NULL;
}

/* Our MTU for the peer: DTLS adds its overhead to every packet. */
static void set_mtu(struct socket *sock, const struct sockaddr_conn *remote)
{
	struct sctp_paddrparams params;
	memset(&params, 0, sizeof(params));
	memcpy(&params.spp_address, remote, sizeof(*remote));
	params.spp_flags = SPP_PMTUD_DISABLE;
	params.spp_pathmtu = PARLEY_SCTP_MTU - sizeof(struct sctp_common_header);   /* usrsctp adds the header */
	usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof(params));
}

parley_sctp *parley_sctp_new(GMainContext *context, const parley_sctp_options *options,
                             const parley_sctp_callbacks *callbacks, void *user_data, char *err, size_t err_size)
{
	if (!context || !options || !callbacks || !callbacks->output) {
		snprintf(err, err_size, "SCTP: missing context, options or output callback");
		return NULL;
	}
	size_t max = options->max_message_size ? options->max_message_size : PARLEY_DC_DEFAULT_MAX_MESSAGE;
	size_t buffer = MAX((size_t)MIN_BUFFER, 2 * max);
	uint16_t local_port = options->local_port ? options->local_port : PARLEY_SCTP_DEFAULT_PORT;
	uint16_t remote_port = options->remote_port ? options->remote_port : PARLEY_SCTP_DEFAULT_PORT;

	parley_sctp *s = g_new0(parley_sctp, 1);
	s->refcount = 1;
	s->context = g_main_context_ref(context);
	s->cb = *callbacks;
	s->user_data = user_data;
	g_queue_init(&s->out);
	g_queue_init(&s->in);

	g_mutex_lock(&usrsctp_lock);
	start_usrsctp();
	g_mutex_lock(&queue_lock);
	s->id = parley_sctp_table_add(table, s);
	s->in_call = true;
	g_mutex_unlock(&queue_lock);
	usrsctp_register_address((void *)s->id);
	s->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, on_receive, on_send_room,
	                         (uint32_t)(buffer / 2), (void *)s->id);
	const char *failed = s->sock ? configure(s->sock, buffer) : "usrsctp_socket";
	struct sockaddr_conn local = conn_address(s->id, local_port), remote = conn_address(s->id, remote_port);
	if (!failed && usrsctp_bind(s->sock, (struct sockaddr *)&local, sizeof(local)) < 0)
		failed = "bind";
	if (!failed && usrsctp_connect(s->sock, (struct sockaddr *)&remote, sizeof(remote)) < 0 && errno != EINPROGRESS)
		failed = "connect";
	if (!failed) {
		set_mtu(s->sock, &remote);
		s->timer = timer_acquire(context);
		STAT_ADD(associations, 1);
		STAT_ADD(opened, 1);
	} else {
		snprintf(err, err_size, "SCTP: %s failed (%s)", failed, g_strerror(errno));
		if (s->sock)
			usrsctp_close(s->sock);
		s->sock = NULL;
		usrsctp_deregister_address((void *)s->id);
	}
	g_mutex_lock(&queue_lock);
	s->in_call = false;
	if (failed) {
		parley_sctp_table_remove(table, s->id);
		s->freed = true;
	}
	g_mutex_unlock(&queue_lock);
	g_mutex_unlock(&usrsctp_lock);
	if (failed) {
		sctp_unref(s);
		return NULL;
	}
	drain(s);   /* the INIT */
	return s;
}

void parley_sctp_free(parley_sctp *s)
{
	if (!s || s->freed)
		return;
	begin_call(s);
	usrsctp_close(s->sock);   /* linger 0: the ABORT is queued now */
	s->sock = NULL;
	usrsctp_deregister_address((void *)s->id);
	timer_release(s->timer);
	s->timer = NULL;
	g_mutex_lock(&queue_lock);
	parley_sctp_table_remove(table, s->id);
	GQueue out = s->out;
	g_queue_init(&s->out);
	s->freed = true;   /* nothing queued later is delivered */
	g_mutex_unlock(&queue_lock);
	end_call(s);
	STAT_ADD(associations, (uint64_t)-1);
	for (sctp_packet *p; (p = g_queue_pop_head(&out)); g_free(p)) {
		STAT_ADD(packets_out, 1);
		s->cb.output(s->user_data, p->data, p->length);
	}
	sctp_unref(s);
}

void parley_sctp_input(parley_sctp *s, const uint8_t *packet, size_t length)
{
	if (!s || s->freed || !packet || length == 0)
		return;
	STAT_ADD(packets_in, 1);
	begin_call(s);
	usrsctp_conninput((void *)s->id, packet, length, 0);
	end_call(s);
	drain(s);
}

int parley_sctp_send(parley_sctp *s, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
                     const uint8_t *data, size_t length)
{
	if (!s || s->freed)
		return PARLEY_DC_ERR_CLOSED;
	struct sctp_sendv_spa spa;
	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = stream;
	spa.sendv_sndinfo.snd_ppid = htonl(ppid);
	spa.sendv_sndinfo.snd_flags = SCTP_EOR | (options && options->unordered ? SCTP_UNORDERED : 0);
	if (options && options->reliability != PARLEY_DCEP_RELIABLE) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = options->reliability == PARLEY_DCEP_PARTIAL_REXMIT ? SCTP_PR_SCTP_RTX
		                                                                                : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = options->reliability_parameter;
	}
	begin_call(s);
	ssize_t sent = usrsctp_sendv(s->sock, data, length, NULL, 0, &spa, (socklen_t)sizeof(spa), SCTP_SENDV_SPA, 0);
	int error = sent < 0 ? errno : 0;
	if (error == EWOULDBLOCK || error == EAGAIN) {
		g_mutex_lock(&queue_lock);
		s->want_writable = true;
		g_mutex_unlock(&queue_lock);
	}
	end_call(s);
	drain(s);
	if (sent >= 0)
		return PARLEY_DC_OK;
	if (error == EWOULDBLOCK || error == EAGAIN)
		return PARLEY_DC_ERR_BUSY;
	if (error == EMSGSIZE)
		return PARLEY_DC_ERR_TOO_LARGE;
	if (error == ENOTCONN || error == EPIPE || error == ECONNRESET)
		return PARLEY_DC_ERR_CLOSED;
	return PARLEY_DC_ERR_SEND;
}

int parley_sctp_reset_stream(parley_sctp *s, uint16_t stream)
{
	if (!s || s->freed)
		return PARLEY_DC_ERR_CLOSED;
	union {
		struct sctp_reset_streams request;
		uint8_t bytes[sizeof(struct sctp_reset_streams) + sizeof(uint16_t)];
	} u;
	memset(&u, 0, sizeof(u));
	u.request.srs_flags = SCTP_STREAM_RESET_OUTGOING;
	u.request.srs_number_streams = 1;
	u.request.srs_stream_list[0] = stream;
	begin_call(s);
	int rc = usrsctp_setsockopt(s->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, &u, (socklen_t)sizeof(u));
	end_call(s);
	drain(s);
	return rc < 0 ? PARLEY_DC_ERR_SEND : PARLEY_DC_OK;
}

static int dc_send(void *transport, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
                   const uint8_t *data, size_t length)
{
	return parley_sctp_send(transport, stream, ppid, options, data, length);
}

static int dc_reset(void *transport, uint16_t stream)
{
	return parley_sctp_reset_stream(transport, stream);
}

const parley_dc_transport parley_sctp_dc_transport = { .send = dc_send, .reset = dc_reset };

void parley_sctp_shutdown(void)
{
	g_mutex_lock(&usrsctp_lock);
	g_mutex_lock(&queue_lock);
	bool idle = started && parley_sctp_table_size(table) == 0;
	g_mutex_unlock(&queue_lock);
	if (!idle) {
		g_mutex_unlock(&usrsctp_lock);
		return;
	}
	/* Closed associations are freed by usrsctp's own timers: run them. */
	bool finished = false;
	for (int i = 0; i < 200 && !finished; i++) {
		usrsctp_handle_timers(100);
		finished = usrsctp_finish() == 0;
		if (!finished)
			g_usleep(10000);
	}
	if (finished) {
		while (timers->len)
			timer_remove(g_ptr_array_index(timers, 0));
		g_ptr_array_free(timers, TRUE);
		timers = NULL;
		g_mutex_lock(&queue_lock);
		parley_sctp_table_free(table);
		table = NULL;
		g_mutex_unlock(&queue_lock);
		started = false;
	}
	g_mutex_unlock(&usrsctp_lock);
}
