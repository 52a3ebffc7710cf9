/*
 * test_sctp.c — usrsctp associations (core/media/sctp.c) and the id table
 * their callbacks resolve through (core/media/sctp_table.c).
 *
 * The table: ids are never 0 and never given twice while in use, a
 * removed id finds nothing.
 *
 * Two associations back to back, each on its own event loop thread (the
 * gateway's shape: two PeerConnections on two loops), the packets of one
 * handed to the other's loop as DTLS would, each with the channel layer
 * (core/media/datachannel.c) on top: they connect; a channel opened by
 * the DTLS client reaches the server (OPEN, ACK) and messages go both
 * ways, text and binary, empty, at the SCTP MTU and far above it, at the
 * maximum size exactly; one over it is refused by the sender; a receiver
 * with a smaller limit than the sender believes drops the large message
 * and keeps the channel; unordered and partially reliable channels;
 * channels the server opens (odd ids); a lossy link (the loop timers
 * retransmit); closing by stream reset, seen by both; and freeing both
 * ends, after which usrsctp is released (parley_sctp_shutdown).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/datachannel.h"
#include "core/media/sctp.h"
#include "core/media/sctp_table.h"

#define MAX_MESSAGE 262144
#define WAIT_MS 30000

static void table_ids(void **state)
{
	parley_sctp_table *t = parley_sctp_table_new();
	int values[1000];
	uintptr_t ids[1000];
	for (int i = 0; i < 1000; i++) {
		ids[i] = parley_sctp_table_add(t, &values[i]);
		assert_true(ids[i] != 0);
		for (int j = 0; j < i; j++)
			assert_true(ids[i] != ids[j]);
	}
	assert_int_equal(parley_sctp_table_size(t), 1000);
	for (int i = 0; i < 1000; i++)
		assert_ptr_equal(parley_sctp_table_lookup(t, ids[i]), &values[i]);
	assert_null(parley_sctp_table_lookup(t, 0));
	for (int i = 0; i < 1000; i += 2)
		assert_true(parley_sctp_table_remove(t, ids[i]));
	assert_false(parley_sctp_table_remove(t, ids[0]));
	for (int i = 0; i < 1000; i++)
		assert_ptr_equal(parley_sctp_table_lookup(t, ids[i]), i % 2 ? &values[i] : NULL);
	assert_int_equal(parley_sctp_table_size(t), 500);
	parley_sctp_table_free(t);
}

/* ---- one end: a loop thread, an association, the channel layer ---- */

typedef struct side side;
struct side {
	const char *name;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	parley_sctp *sctp;
	parley_dc *dc;
	side *peer;
	bool client;
	size_t max_in;
	unsigned drop_every;       /* drop every Nth packet towards the peer (0 = none) */
	unsigned packets;
	/* what happened, under `lock` */
	GMutex lock;
	bool up;
	GPtrArray *events;         /* strings */
	GPtrArray *messages;       /* GBytes, the label prepended and a '|' */
	unsigned refused;
};

static gpointer run_loop(gpointer data)
{
	side *s = data;
	g_main_context_push_thread_default(s->context);
	g_main_loop_run(s->loop);
	g_main_context_pop_thread_default(s->context);
	return NULL;
}

typedef struct call {
	void (*fn)(side *s, void *arg);
	side *s;
	void *arg;
	GMutex lock;
	GCond cond;
	bool done;
} call;

static gboolean run_call(gpointer data)
{
	call *c = data;
	c->fn(c->s, c->arg);
	g_mutex_lock(&c->lock);
	c->done = true;
	g_cond_signal(&c->cond);
	g_mutex_unlock(&c->lock);
	return G_SOURCE_REMOVE;
}

/* Runs fn(s, arg) on the side's loop thread and waits for it. */
static void on_loop(side *s, void (*fn)(side *s, void *arg), void *arg)
{
	call c = { .fn = fn, .s = s, .arg = arg };
	g_mutex_init(&c.lock);
	g_cond_init(&c.cond);
	g_main_context_invoke(s->context, run_call, &c);
	g_mutex_lock(&c.lock);
	while (!c.done)
		g_cond_wait(&c.cond, &c.lock);
	g_mutex_unlock(&c.lock);
	g_mutex_clear(&c.lock);
	g_cond_clear(&c.cond);
}

/* A packet travelling to the peer's loop, as DTLS would carry it. */
typedef struct packet {
	side *to;
	GBytes *bytes;
} packet;

static gboolean deliver_packet(gpointer data)
{
	packet *p = data;
	if (p->to->sctp) {
		gsize n;
		const uint8_t *b = g_bytes_get_data(p->bytes, &n);
		parley_sctp_input(p->to->sctp, b, n);
	}
	g_bytes_unref(p->bytes);
	g_free(p);
	return G_SOURCE_REMOVE;
}

static void cb_output(void *u, const uint8_t *data, size_t length)
{
	side *s = u;
	g_assert_true(g_main_context_is_owner(s->context));   /* a loop thread: no cmocka longjmp here */
	g_assert_cmpuint(length, <=, PARLEY_SCTP_MTU);
	s->packets++;
	if (s->drop_every && s->packets % s->drop_every == 0)
		return;
	packet *p = g_new0(packet, 1);
	p->to = s->peer;
	p->bytes = g_bytes_new(data, length);
	g_main_context_invoke(s->peer->context, deliver_packet, p);
}

static void cb_data(void *u, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	side *s = u;
	g_assert_true(g_main_context_is_owner(s->context));
	parley_dc_incoming(s->dc, stream, ppid, complete, data, length);
}

static void cb_partial_aborted(void *u)
{
	parley_dc_partial_aborted(((side *)u)->dc);
}

static void cb_streams_reset(void *u, const uint16_t *streams, size_t n, bool incoming)
{
	parley_dc_streams_reset(((side *)u)->dc, streams, n, incoming);
}

static void cb_state(void *u, bool up)
{
	side *s = u;
	g_mutex_lock(&s->lock);
	s->up = up;
	g_mutex_unlock(&s->lock);
	parley_dc_association(s->dc, up);
}

static void cb_writable(void *u)
{
	parley_dc_writable(((side *)u)->dc);
}

static const parley_sctp_callbacks sctp_callbacks = {
	.output = cb_output, .data = cb_data, .partial_aborted = cb_partial_aborted,
	.streams_reset = cb_streams_reset, .state = cb_state, .writable = cb_writable,
};

static void dc_message(void *u, const parley_dc_channel_view *ch, bool binary, uint8_t *data, size_t length)
{
	side *s = u;
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, (const guint8 *)ch->label, (guint)strlen(ch->label));
	g_byte_array_append(a, (const guint8 *)(binary ? "|b|" : "|t|"), 3);
	if (length)
		g_byte_array_append(a, data, (guint)length);
	g_mutex_lock(&s->lock);
	g_ptr_array_add(s->messages, g_byte_array_free_to_bytes(a));
	g_mutex_unlock(&s->lock);
}

static void dc_channel(void *u, const parley_dc_channel_view *ch, parley_dc_event event)
{
	side *s = u;
	static const char *const names[] = { "open", "closed", "writable" };
	g_mutex_lock(&s->lock);
	g_ptr_array_add(s->events, ch ? g_strdup_printf("%s:%s:%u", names[event], ch->label, ch->stream)
	                              : g_strdup(names[event]));
	g_mutex_unlock(&s->lock);
}

static void dc_refused(void *u, const parley_dc_refusal *r)
{
	side *s = u;
	g_mutex_lock(&s->lock);
	s->refused++;
	g_mutex_unlock(&s->lock);
}

static const parley_dc_callbacks dc_callbacks = { .message = dc_message, .channel = dc_channel, .refused = dc_refused };

static void start_side(side *s, void *arg)
{
	char err[256] = "";
	parley_sctp_options options = { .max_message_size = MAX_MESSAGE };
	s->sctp = parley_sctp_new(s->context, &options, &sctp_callbacks, s, err, sizeof(err));
	if (!s->sctp)
		fail_msg("%s: %s", s->name, err);
	parley_dc_settings settings = { .dtls_client = s->client, .max_message_size = s->max_in };
	s->dc = parley_dc_new(&settings, &parley_sctp_dc_transport, s->sctp, &dc_callbacks, s);
	parley_dc_set_remote_max_message_size(s->dc, MAX_MESSAGE);
}

static void stop_side(side *s, void *arg)
{
	parley_sctp_free(s->sctp);
	s->sctp = NULL;
	parley_dc_free(s->dc);
	s->dc = NULL;
}

static side *side_new(const char *name, bool client)
{
	side *s = g_new0(side, 1);
	s->name = name;
	s->client = client;
	s->max_in = MAX_MESSAGE;
	s->context = g_main_context_new();
	s->loop = g_main_loop_new(s->context, FALSE);
	g_mutex_init(&s->lock);
	s->events = g_ptr_array_new_with_free_func(g_free);
	s->messages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->thread = g_thread_new(name, run_loop, s);
	return s;
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static void side_free(side *s)
{
	g_main_context_invoke(s->context, quit_loop, s->loop);
	g_thread_join(s->thread);
	/* packets still travelling to this side */
	while (g_main_context_iteration(s->context, FALSE))
		;
	g_main_loop_unref(s->loop);
	g_main_context_unref(s->context);
	g_ptr_array_free(s->events, TRUE);
	g_ptr_array_free(s->messages, TRUE);
	g_mutex_clear(&s->lock);
	g_free(s);
}

/* ---- waiting on what the loops report ---- */

static bool has_event(side *s, const char *event)
{
	g_mutex_lock(&s->lock);
	bool found = false;
	for (guint i = 0; i < s->events->len && !found; i++)
		found = !strcmp(g_ptr_array_index(s->events, i), event);
	g_mutex_unlock(&s->lock);
	return found;
}

static guint count_events(side *s, const char *prefix)
{
	g_mutex_lock(&s->lock);
	guint n = 0;
	for (guint i = 0; i < s->events->len; i++)
		n += g_str_has_prefix(g_ptr_array_index(s->events, i), prefix);
	g_mutex_unlock(&s->lock);
	return n;
}

static void wait_event(side *s, const char *event)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (!has_event(s, event)) {
		if (g_get_monotonic_time() > deadline) {
			g_mutex_lock(&s->lock);
			GString *seen = g_string_new(NULL);
			for (guint i = 0; i < s->events->len; i++)
				g_string_append_printf(seen, " %s", (char *)g_ptr_array_index(s->events, i));
			g_mutex_unlock(&s->lock);
			fail_msg("%s: no \"%s\" within %d ms; events:%s; %u refused", s->name, event, WAIT_MS, seen->str,
			         s->refused);
		}
		g_usleep(2000);
	}
}

static guint message_count(side *s)
{
	g_mutex_lock(&s->lock);
	guint n = s->messages->len;
	g_mutex_unlock(&s->lock);
	return n;
}

static void wait_messages(side *s, guint n)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (message_count(s) < n) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s: %u messages of %u within %d ms", s->name, message_count(s), n, WAIT_MS);
		g_usleep(2000);
	}
}

static GBytes *message_at(side *s, guint i)
{
	g_mutex_lock(&s->lock);
	GBytes *b = g_bytes_ref(g_ptr_array_index(s->messages, i));
	g_mutex_unlock(&s->lock);
	return b;
}

/* ---- sending from a loop ---- */

typedef struct send_args {
	const char *label;
	const parley_dc_open_options *open;
	bool binary;
	const uint8_t *data;
	size_t length;
	int rc;
	char reason[256];
} send_args;

static void do_send(side *s, void *arg)
{
	send_args *a = arg;
	a->rc = parley_dc_send(s->dc, a->label, a->open, a->binary, a->data, a->length, a->reason, sizeof(a->reason));
}

static int send_on(side *s, const char *label, const parley_dc_open_options *open, bool binary, const void *data,
                   size_t length)
{
	send_args a = { .label = label, .open = open, .binary = binary, .data = data, .length = length };
	on_loop(s, do_send, &a);
	return a.rc;
}

static void do_close(side *s, void *arg)
{
	g_assert_cmpint(parley_dc_close(s->dc, arg), ==, 0);
}

static void set_remote_max(side *s, void *arg)
{
	parley_dc_set_remote_max_message_size(s->dc, *(int64_t *)arg);
}

/* The message at index i is label|kind|payload. */
static void assert_message(side *s, guint i, const char *label, bool binary, const uint8_t *payload, size_t length)
{
	GBytes *b = message_at(s, i);
	gsize n;
	const uint8_t *d = g_bytes_get_data(b, &n);
	size_t head = strlen(label) + 3;
	if (n != head + length || memcmp(d, label, strlen(label)) != 0 || d[head - 2] != (binary ? 'b' : 't') ||
	    (length && memcmp(d + head, payload, length) != 0))
		fail_msg("%s: message %u is not the %zu-byte %s message on \"%s\" (got %zu bytes)", s->name, i, length,
		         binary ? "binary" : "text", label, n - head);
	g_bytes_unref(b);
}

static void two_associations(void **state)
{
	side *a = side_new("client", true), *b = side_new("server", false);
	a->peer = b;
	b->peer = a;
	on_loop(a, start_side, NULL);
	on_loop(b, start_side, NULL);
	wait_event(a, "writable");
	wait_event(b, "writable");
	parley_sctp_stats stats;
	parley_sctp_get_stats(&stats);
	assert_int_equal(stats.associations, 2);

	/* the client opens "chat" (even id): the server sees it, acks, answers */
	assert_int_equal(send_on(a, "chat", NULL, false, "hello", 5), 0);
	wait_event(b, "open:chat:0");
	wait_messages(b, 1);
	assert_message(b, 0, "chat", false, (const uint8_t *)"hello", 5);
	wait_event(a, "open:chat:0");
	assert_int_equal(send_on(b, "chat", NULL, false, "hi", 2), 0);
	wait_messages(a, 1);
	assert_message(a, 0, "chat", false, (const uint8_t *)"hi", 2);

	/* sizes: empty, one byte, the MTU, many packets, 64 KiB, the maximum */
	static const size_t sizes[] = { 0, 1, PARLEY_SCTP_MTU, 5000, 65536, MAX_MESSAGE };
	uint8_t *big = g_malloc(MAX_MESSAGE + 1);
	for (size_t i = 0; i < MAX_MESSAGE + 1; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	guint at = message_count(b);
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		assert_int_equal(send_on(a, "chat", NULL, true, big, sizes[i]), 0);
		assert_int_equal(send_on(a, "chat", NULL, false, big, sizes[i] < 100 ? sizes[i] : 100), 0);
	}
	wait_messages(b, at + 2 * G_N_ELEMENTS(sizes));
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		assert_message(b, at + 2 * (guint)i, "chat", true, big, sizes[i]);
		assert_message(b, at + 2 * (guint)i + 1, "chat", false, big, sizes[i] < 100 ? sizes[i] : 100);
	}
	/* one byte over the maximum: refused by the sender */
	assert_int_equal(send_on(a, "chat", NULL, true, big, MAX_MESSAGE + 1), PARLEY_DC_ERR_TOO_LARGE);

	/* large from the server too (the peer's size unlimited: ours bounds it) */
	int64_t unlimited = 0;
	on_loop(b, set_remote_max, &unlimited);
	assert_int_equal(send_on(b, "chat", NULL, true, big, 200000), 0);
	wait_messages(a, 2);
	assert_message(a, 1, "chat", true, big, 200000);

	/* the server opens channels on odd ids; unordered and partially reliable ones */
	parley_dc_open_options unordered = { .unordered = true, .reliability = PARLEY_DCEP_PARTIAL_REXMIT,
	                                     .reliability_parameter = 5 };
	parley_dc_open_options timed = { .protocol = "proto", .reliability = PARLEY_DCEP_PARTIAL_TIMED,
	                                 .reliability_parameter = 3000 };
	assert_int_equal(send_on(b, "fast", &unordered, true, "u0", 2), 0);
	assert_int_equal(send_on(b, "timed", &timed, false, "t0", 2), 0);
	wait_event(a, "open:fast:1");
	wait_event(a, "open:timed:3");
	guint before = message_count(a);
	for (int i = 0; i < 50; i++) {
		char text[16];
		snprintf(text, sizeof(text), "m%d", i);
		assert_int_equal(send_on(b, "fast", NULL, true, text, strlen(text)), 0);
	}
	wait_messages(a, before + 50);

	/* loss: every 4th packet from the client dropped; SCTP recovers */
	a->drop_every = 4;
	before = message_count(b);
	for (int i = 0; i < 20; i++)
		assert_int_equal(send_on(a, "chat", NULL, true, big, 3000), 0);
	wait_messages(b, before + 20);
	for (guint i = before; i < before + 20; i++)
		assert_message(b, i, "chat", true, big, 3000);
	a->drop_every = 0;

	/* closing: the client closes "chat", the server sees it close */
	on_loop(a, do_close, "chat");
	wait_event(a, "closed:chat:0");
	wait_event(b, "closed:chat:0");
	/* a message to "chat" now opens a new channel: on stream 0 again once
	 * both directions of it are reset, else on the next even id */
	guint got = message_count(b);
	assert_int_equal(send_on(a, "chat", NULL, false, "again", 5), 0);
	wait_messages(b, got + 1);
	assert_message(b, got, "chat", false, (const uint8_t *)"again", 5);
	assert_int_equal(count_events(b, "open:chat:"), 2);

	g_free(big);
	on_loop(a, stop_side, NULL);
	on_loop(b, stop_side, NULL);
	parley_sctp_get_stats(&stats);
	assert_int_equal(stats.associations, 0);
	assert_true(stats.packets_in > 100);
	side_free(a);
	side_free(b);
}

/* A receiver whose limit is below what the sender was told. */
static void receiver_limit(void **state)
{
	side *a = side_new("big-sender", true), *b = side_new("small-receiver", false);
	a->peer = b;
	b->peer = a;
	b->max_in = 1000;
	on_loop(a, start_side, NULL);
	on_loop(b, start_side, NULL);
	wait_event(a, "writable");
	wait_event(b, "writable");
	uint8_t payload[5000];
	memset(payload, 'x', sizeof(payload));
	assert_int_equal(send_on(a, "limited", NULL, true, payload, 10), 0);
	wait_messages(b, 1);
	assert_int_equal(send_on(a, "limited", NULL, true, payload, 5000), 0);
	assert_int_equal(send_on(a, "limited", NULL, true, payload, 1000), 0);
	wait_messages(b, 2);
	assert_message(b, 1, "limited", true, payload, 1000);
	g_mutex_lock(&b->lock);
	assert_int_equal(b->refused, 1);
	g_mutex_unlock(&b->lock);
	on_loop(a, stop_side, NULL);
	on_loop(b, stop_side, NULL);
	side_free(a);
	side_free(b);
}

static void shutdown_usrsctp(void **state)
{
	parley_sctp_shutdown();
	/* usrsctp comes back for a new association */
	side *a = side_new("again", true), *b = side_new("again-peer", false);
	a->peer = b;
	b->peer = a;
	on_loop(a, start_side, NULL);
	on_loop(b, start_side, NULL);
	wait_event(a, "writable");
	wait_event(b, "writable");
	on_loop(a, stop_side, NULL);
	on_loop(b, stop_side, NULL);
	side_free(a);
	side_free(b);
	parley_sctp_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_ids),
		cmocka_unit_test(two_associations),
		cmocka_unit_test(receiver_limit),
		cmocka_unit_test(shutdown_usrsctp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
