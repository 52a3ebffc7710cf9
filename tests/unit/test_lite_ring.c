/*
 * test_lite_ring.c — unit tests of core/media/lite_ring.c, the ICE-lite
 * hand-over ring: sizes, exact bytes and addresses in order across many
 * laps, what a full ring does (drops the new datagram, keeps the queued
 * ones), that only the largest backlog is ever written, and one producer
 * and one consumer thread at once (bounded in count and time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <glib.h>

#include "core/media/lite_ring.h"

/* Datagram k: its length, bytes derived from k, sent from port k (IPv4
 * for even k, IPv6 for odd), to a local address naming k. */
static size_t make(uint32_t k, uint8_t *data, struct sockaddr_storage *from, socklen_t *from_len,
                   parley_udp_source *local, size_t (*length_of)(uint32_t))
{
	size_t len = length_of(k);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(k * 131 + i * 7);
	memset(from, 0, sizeof(*from));
	if (k & 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)from;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)k);
		in6->sin6_addr.s6_addr[15] = 1;
		*from_len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)from;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)k);
		in->sin_addr.s_addr = htonl(0x7f000003);
		*from_len = sizeof(*in);
	}
	memset(local, 0, sizeof(*local));
	local->family = AF_INET;
	local->addr.v4.s_addr = htonl(k);
	return len;
}

static size_t mixed_length(uint32_t k)
{
	static const size_t lengths[] = { 1200, 80, 1500, 20, 2048, 1, 640 };
	return lengths[k % G_N_ELEMENTS(lengths)];
}

static size_t video_length(uint32_t k)
{
	(void)k;
	return 1200;
}

typedef struct expect {
	uint32_t next; /* the k the next datagram must be */
	size_t (*length_of)(uint32_t);
	unsigned seen;
} expect;

static void check_one(void *user, const struct sockaddr *from, socklen_t from_len, const parley_udp_source *local,
                      uint8_t *data, size_t length)
{
	expect *e = user;
	uint8_t want[2048];
	struct sockaddr_storage want_from;
	socklen_t want_len;
	parley_udp_source want_local;
	size_t wlen = make(e->next, want, &want_from, &want_len, &want_local, e->length_of);
	assert_int_equal(length, wlen);
	assert_memory_equal(data, want, wlen);
	assert_int_equal(from_len, want_len);
	assert_memory_equal(from, &want_from, want_len);
	assert_int_equal(local->family, AF_INET);
	assert_int_equal(local->addr.v4.s_addr, want_local.addr.v4.s_addr);
	data[0] ^= 0xff; /* writable */
	e->next++;
	e->seen++;
}

static bool put(lite_ring *ring, uint32_t k, size_t (*length_of)(uint32_t))
{
	uint8_t data[2048];
	struct sockaddr_storage from;
	socklen_t from_len;
	parley_udp_source local;
	size_t len = make(k, data, &from, &from_len, &local, length_of);
	return lite_ring_put(ring, (struct sockaddr *)&from, from_len, &local, data, len);
}

static void sizes(void **state)
{
	(void)state;
	lite_ring *ring = lite_ring_new(0);
	assert_int_equal(lite_ring_capacity(ring), LITE_RING_MIN);
	lite_ring_free(ring);
	ring = lite_ring_new(100 * 1024);
	assert_int_equal(lite_ring_capacity(ring), 128 * 1024);
	assert_int_equal(lite_ring_capacity_for(100 * 1024), 128 * 1024); /* what the start-up log says */
	assert_int_equal(lite_ring_capacity_for(128 * 1024), 128 * 1024);
	lite_ring_free(ring);
	ring = lite_ring_new((size_t)1 << 30);
	assert_int_equal(lite_ring_capacity(ring), LITE_RING_MAX);
	assert_int_equal(lite_ring_touched(ring), 0);
	/* what is refused */
	uint8_t data[LITE_RING_RECORD_MAX + 1] = { 0 };
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_storage big = { .ss_family = AF_INET6 };
	assert_false(lite_ring_put(ring, (struct sockaddr *)&in, sizeof(in), NULL, data, 0));
	assert_false(lite_ring_put(ring, (struct sockaddr *)&in, sizeof(in), NULL, data, sizeof(data)));
	assert_false(lite_ring_put(ring, (struct sockaddr *)&big, sizeof(big), NULL, data, 10));
	assert_false(lite_ring_put(NULL, (struct sockaddr *)&in, sizeof(in), NULL, data, 10));
	assert_true(lite_ring_put(ring, (struct sockaddr *)&in, sizeof(in), NULL, data, LITE_RING_RECORD_MAX));
	assert_int_equal(lite_ring_drain(ring, NULL, NULL), 1);
	assert_int_equal(lite_ring_drain(ring, NULL, NULL), 0);
	lite_ring_free(ring);
	lite_ring_free(NULL);
}

/* Many laps of a 16 KiB ring, drained after 1..9 puts: every datagram
 * comes out once, in order, whole. */
static void in_order_across_laps(void **state)
{
	(void)state;
	lite_ring *ring = lite_ring_new(LITE_RING_MIN);
	expect e = { .length_of = mixed_length };
	uint32_t k = 0;
	for (unsigned round = 0; round < 2000; round++) {
		unsigned burst = 1 + round % 9;
		for (unsigned i = 0; i < burst; i++)
			assert_true(put(ring, k++, mixed_length));
		assert_int_equal(lite_ring_drain(ring, check_one, &e), burst);
	}
	assert_int_equal(e.seen, k);
	assert_true(k * 700 > 50 * LITE_RING_MIN); /* went round many times */
	lite_ring_free(ring);
}

/* Full: the datagram that does not fit is refused, the queued ones stay
 * whole and in order, and once drained the ring takes datagrams again. */
static void full_drops_the_newest(void **state)
{
	(void)state;
	lite_ring *ring = lite_ring_new(LITE_RING_MIN);
	expect e = { .length_of = video_length };
	uint32_t k = 0;
	while (put(ring, k, video_length))
		k++;
	/* 1200 bytes + a 56-byte header each: 13 fill 16 KiB */
	assert_int_equal(k, LITE_RING_MIN / (1200 + 56));
	for (int i = 0; i < 5; i++)
		assert_false(put(ring, k, video_length));
	/* a small one may still fit in what is left */
	uint8_t tiny[8] = { 0 };
	struct sockaddr_in in = { .sin_family = AF_INET };
	size_t left = LITE_RING_MIN - k * (1200 + 56);
	assert_int_equal(lite_ring_put(ring, (struct sockaddr *)&in, sizeof(in), NULL, tiny, sizeof(tiny)), left >= 64);
	assert_int_equal(lite_ring_drain(ring, NULL, NULL), k + (left >= 64));
	/* the same again after a partial drain, from k on */
	e.next = k;
	uint32_t first = k;
	while (put(ring, k, video_length))
		k++;
	assert_true(k - first >= 12);
	assert_int_equal(lite_ring_drain(ring, check_one, &e), k - first);
	assert_true(put(ring, k, video_length));
	assert_int_equal(lite_ring_drain(ring, check_one, &e), 1);
	lite_ring_free(ring);
}

/* A consumer that keeps up: the producer starts again at offset 0 whenever
 * the ring is empty, so a 16 MiB ring writes only its first few records. */
static void writes_only_the_backlog(void **state)
{
	(void)state;
	lite_ring *ring = lite_ring_new(LITE_RING_MAX);
	expect e = { .length_of = video_length };
	uint32_t k = 0;
	for (unsigned round = 0; round < 20000; round++) {
		unsigned burst = 1 + round % 4;
		for (unsigned i = 0; i < burst; i++)
			assert_true(put(ring, k++, video_length));
		assert_int_equal(lite_ring_drain(ring, check_one, &e), burst);
	}
	/* 20000 rounds moved ~60 MB; the largest backlog was 4 records */
	assert_true(lite_ring_touched(ring) <= 4 * (1200 + 56));
	/* a backlog of 40 writes 40 records' worth, no more */
	for (unsigned i = 0; i < 40; i++)
		assert_true(put(ring, k++, video_length));
	assert_int_equal(lite_ring_drain(ring, check_one, &e), 40);
	assert_true(lite_ring_touched(ring) <= 40 * (1200 + 56));
	assert_int_equal(e.seen, k);
	lite_ring_free(ring);
}

/* One producer thread, one consumer thread: what is delivered is in order
 * and exact, and delivered + refused = sent. */
typedef struct duo {
	lite_ring *ring;
	uint32_t count;
	uint32_t refused;
	int done; /* the producer finished */
} duo;

static gpointer producer(gpointer user)
{
	duo *d = user;
	for (uint32_t k = 0; k < d->count; k++) {
		if (!put(d->ring, k, mixed_length))
			d->refused++;
		if (k % 64 == 0)
			g_thread_yield();
	}
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

typedef struct gap_expect {
	uint32_t next; /* the lowest k the next datagram may be */
	unsigned seen;
} gap_expect;

static void check_in_order(void *user, const struct sockaddr *from, socklen_t from_len,
                           const parley_udp_source *local, uint8_t *data, size_t length)
{
	gap_expect *g = user;
	uint32_t k = ntohl(local->addr.v4.s_addr);
	assert_true(k >= g->next);
	uint8_t want[2048];
	struct sockaddr_storage want_from;
	socklen_t want_len;
	parley_udp_source want_local;
	size_t wlen = make(k, want, &want_from, &want_len, &want_local, mixed_length);
	assert_int_equal(length, wlen);
	assert_memory_equal(data, want, wlen);
	assert_int_equal(from_len, want_len);
	assert_memory_equal(from, &want_from, want_len);
	g->next = k + 1;
	g->seen++;
}

static void two_threads(void **state)
{
	(void)state;
	duo d = { .ring = lite_ring_new(LITE_RING_MIN), .count = 200000 };
	gap_expect g = { 0 };
	GThread *t = g_thread_new("producer", producer, &d);
	gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	/* an empty ring yields: a consumer spinning on it would hold the CPU
	 * the producer needs (one thread at a time under valgrind) */
	while (!__atomic_load_n(&d.done, __ATOMIC_ACQUIRE) && g_get_monotonic_time() < deadline)
		if (lite_ring_drain(d.ring, check_in_order, &g) == 0)
			g_thread_yield();
	g_thread_join(t);
	lite_ring_drain(d.ring, check_in_order, &g);
	assert_int_equal(g.seen + d.refused, d.count);
	assert_true(g.seen > 0);
	lite_ring_free(d.ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(in_order_across_laps),
		cmocka_unit_test(full_drops_the_newest),
		cmocka_unit_test(writes_only_the_backlog),
		cmocka_unit_test(two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
