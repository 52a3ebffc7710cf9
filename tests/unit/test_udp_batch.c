/*
 * test_udp_batch.c — the per-thread send batch over real UDP sockets on
 * 127.0.0.1: datagrams leave when the context iterates, in order per
 * destination and intact; runs of one size share one GSO send (and do not
 * when GSO is off); a run ends at a larger datagram or after a shorter one;
 * a socket dropped by its owner before the flush still sends; a full batch
 * flushes itself; detach sends what is left; no batch, batching turned
 * off, no route and oversized slots are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <gio/gio.h>

#include "core/media/udp_batch.h"

typedef struct receiver {
	int fd;
	struct sockaddr_in addr;
} receiver;

static void receiver_open(receiver *r)
{
	r->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(r->fd >= 0);
	memset(&r->addr, 0, sizeof(r->addr));
	r->addr.sin_family = AF_INET;
	r->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&r->addr, sizeof(r->addr)), 0);
	socklen_t len = sizeof(r->addr);
	getsockname(r->fd, (struct sockaddr *)&r->addr, &len);
	int big = 1 << 20;
	setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct timeval tv = { 2, 0 };
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Receives one datagram: its length, or -1 after the 2 s timeout. */
static ssize_t receive(receiver *r, uint8_t *buf, size_t size)
{
	return recv(r->fd, buf, size, 0);
}

static bool nothing_waiting(receiver *r)
{
	uint8_t byte;
	return recv(r->fd, &byte, 1, MSG_DONTWAIT) < 0;
}

static GSocket *sender_new(void)
{
	GError *error = NULL;
	GSocket *socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
	assert_non_null(socket);
	GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	GSocketAddress *any = g_inet_socket_address_new(loopback, 0);
	assert_true(g_socket_bind(socket, any, FALSE, &error));
	g_object_unref(any);
	g_object_unref(loopback);
	return socket;
}

static void route_to(parley_udp_route *route, GSocket *socket, const receiver *r)
{
	memset(route, 0, sizeof(*route));
	parley_udp_route_set(route, socket, (const struct sockaddr *)&r->addr, sizeof(r->addr));
	assert_non_null(route->socket);
}

/* Queues `length` bytes: a 4-byte tag then the tag's low byte repeated. */
static void queue(const parley_udp_route *route, uint32_t tag, size_t length)
{
	uint8_t *slot = parley_udp_batch_slot(length);
	assert_non_null(slot);
	assert_true(length >= 4);
	memcpy(slot, &tag, 4);
	memset(slot + 4, (int)(tag & 0xff), length - 4);
	assert_int_equal(parley_udp_batch_commit(route, length), 0);
}

static void expect(receiver *r, uint32_t tag, size_t length)
{
	uint8_t buf[2048];
	ssize_t got = receive(r, buf, sizeof(buf));
	assert_int_equal(got, (ssize_t)length);
	uint32_t seen;
	memcpy(&seen, buf, 4);
	assert_int_equal(seen, tag);
	for (size_t i = 4; i < length; i++)
		assert_int_equal(buf[i], tag & 0xff);
}

typedef struct fixture {
	GMainContext *context;
	receiver a, b;
	GSocket *socket_a, *socket_b;
	parley_udp_route to_a, to_b;
} fixture;

static int setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	f->context = g_main_context_new();
	receiver_open(&f->a);
	receiver_open(&f->b);
	f->socket_a = sender_new();
	f->socket_b = sender_new();
	route_to(&f->to_a, f->socket_a, &f->a);
	route_to(&f->to_b, f->socket_b, &f->b);
	assert_true(parley_udp_batch_attach(f->context));
	parley_udp_batch_set_gso(true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	parley_udp_batch_detach();
	parley_udp_route_clear(&f->to_a);
	parley_udp_route_clear(&f->to_b);
	g_object_unref(f->socket_a);
	g_object_unref(f->socket_b);
	close(f->a.fd);
	close(f->b.fd);
	g_main_context_unref(f->context);
	g_free(f);
	return 0;
}

static parley_udp_batch_stats stats_now(void)
{
	parley_udp_batch_stats s;
	parley_udp_batch_get_stats(&s);
	return s;
}

/* One iteration of the context: its prepare step flushes the batch. */
static void iterate(fixture *f)
{
	g_main_context_iteration(f->context, FALSE);
}

static void nothing_leaves_before_the_iteration(void **state)
{
	fixture *f = *state;
	queue(&f->to_a, 1, 100);
	assert_true(nothing_waiting(&f->a));
	iterate(f);
	expect(&f->a, 1, 100);
}

static void order_per_destination_and_gso_runs(void **state)
{
	fixture *f = *state;
	parley_udp_batch_stats before = stats_now();
	/* Interleaved as a fan-out queues them: each frame packet to a, then b. */
	for (uint32_t i = 0; i < 6; i++) {
		queue(&f->to_a, 0xa00 + i, 1000);
		queue(&f->to_b, 0xb00 + i, i == 5 ? 300 : 1000);
	}
	iterate(f);
	for (uint32_t i = 0; i < 6; i++) {
		expect(&f->a, 0xa00 + i, 1000);
		expect(&f->b, 0xb00 + i, i == 5 ? 300 : 1000);
	}
	assert_true(nothing_waiting(&f->a) && nothing_waiting(&f->b));
	parley_udp_batch_stats after = stats_now();
	assert_int_equal(after.datagrams - before.datagrams, 12);
	assert_true(after.gso_enabled);
	/* One GSO send per destination (b's shorter last one ends its run). */
	assert_int_equal(after.sends - before.sends, 2);
	assert_int_equal(after.gso_sends - before.gso_sends, 2);
	assert_int_equal(after.dropped - before.dropped, 0);
}

static void runs_end_at_larger_and_after_shorter(void **state)
{
	fixture *f = *state;
	static const size_t sizes[] = { 800, 800, 400, 800, 1200, 1200, 90 };
	parley_udp_batch_stats before = stats_now();
	for (uint32_t i = 0; i < G_N_ELEMENTS(sizes); i++)
		queue(&f->to_a, 0x100 + i, sizes[i]);
	iterate(f);
	for (uint32_t i = 0; i < G_N_ELEMENTS(sizes); i++)
		expect(&f->a, 0x100 + i, sizes[i]);
	parley_udp_batch_stats after = stats_now();
	/* [800 800 400] [800] [1200 1200 90] */
	assert_int_equal(after.sends - before.sends, 3);
	assert_int_equal(after.gso_sends - before.gso_sends, 2);
}

static void without_gso_one_send_each(void **state)
{
	fixture *f = *state;
	parley_udp_batch_set_gso(false);
	parley_udp_batch_stats before = stats_now();
	for (uint32_t i = 0; i < 4; i++)
		queue(&f->to_a, 0x200 + i, 500);
	iterate(f);
	for (uint32_t i = 0; i < 4; i++)
		expect(&f->a, 0x200 + i, 500);
	parley_udp_batch_stats after = stats_now();
	assert_int_equal(after.sends - before.sends, 4);
	assert_int_equal(after.gso_sends - before.gso_sends, 0);
	assert_false(after.gso_enabled);
}

static void socket_dropped_before_flush_still_sends(void **state)
{
	fixture *f = *state;
	GSocket *temporary = sender_new();
	parley_udp_route route;
	route_to(&route, temporary, &f->b);
	queue(&route, 0x300, 64);
	parley_udp_route_clear(&route);
	g_object_unref(temporary);     /* only the batch holds it now */
	iterate(f);
	expect(&f->b, 0x300, 64);
}

static void full_batch_flushes_itself(void **state)
{
	fixture *f = *state;
	const uint32_t total = 300;    /* more than the batch's slots */
	for (uint32_t i = 0; i < total; i++)
		queue(i % 2 ? &f->to_b : &f->to_a, 0x1000 + i, 200);
	iterate(f);
	for (uint32_t i = 0; i < total; i++)
		expect(i % 2 ? &f->b : &f->a, 0x1000 + i, 200);
}

static void detach_sends_what_is_left(void **state)
{
	fixture *f = *state;
	queue(&f->to_a, 0x400, 120);
	parley_udp_batch_detach();
	expect(&f->a, 0x400, 120);
	assert_null(parley_udp_batch_slot(10));
	assert_int_equal(parley_udp_batch_commit(&f->to_a, 10), -1);
	assert_true(parley_udp_batch_attach(f->context));
}

static void refusals(void **state)
{
	fixture *f = *state;
	parley_udp_route empty = { 0 };
	assert_false(parley_udp_batch_attach(f->context));   /* one per thread */
	assert_null(parley_udp_batch_slot(PARLEY_UDP_BATCH_SLOT_BYTES + 1));
	assert_non_null(parley_udp_batch_slot(PARLEY_UDP_BATCH_SLOT_BYTES));
	assert_int_equal(parley_udp_batch_commit(&empty, 10), -1);
	assert_int_equal(parley_udp_batch_commit(NULL, 10), -1);
	assert_int_equal(parley_udp_batch_commit(&f->to_a, 0), -1);
	assert_int_equal(parley_udp_batch_commit(&f->to_a, PARLEY_UDP_BATCH_SLOT_BYTES + 1), -1);
	parley_udp_route bad = { 0 };
	parley_udp_route_set(&bad, f->socket_a, NULL, 0);
	assert_null(bad.socket);
	iterate(f);
	assert_true(nothing_waiting(&f->a));
}

static gpointer slot_on_this_thread(gpointer data)
{
	(void)data;
	return parley_udp_batch_slot(10);
}

static void batching_turned_off_gives_no_slot(void **state)
{
	fixture *f = *state;
	parley_udp_batch_set_enabled(false);
	assert_null(parley_udp_batch_slot(10));
	parley_udp_batch_set_enabled(true);
	queue(&f->to_a, 0x500, 40);
	iterate(f);
	expect(&f->a, 0x500, 40);
}

static void other_thread_has_no_batch(void **state)
{
	(void)state;
	GThread *thread = g_thread_new("no-batch", slot_on_this_thread, NULL);
	assert_null(g_thread_join(thread));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_leaves_before_the_iteration, setup, teardown),
		cmocka_unit_test_setup_teardown(order_per_destination_and_gso_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(runs_end_at_larger_and_after_shorter, setup, teardown),
		cmocka_unit_test_setup_teardown(without_gso_one_send_each, setup, teardown),
		cmocka_unit_test_setup_teardown(socket_dropped_before_flush_still_sends, setup, teardown),
		cmocka_unit_test_setup_teardown(full_batch_flushes_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(detach_sends_what_is_left, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(batching_turned_off_gives_no_slot, setup, teardown),
		cmocka_unit_test(other_thread_has_no_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
