/*
 * test_analytics_sink.c — unit tests of the analytics handler's delivery
 * machinery: the bounded queue (order, refusal and drop count when full,
 * peek/pop), the backoff schedule, a sink's thread against a destination
 * that is down for a while (everything queued meanwhile arrives after, in
 * order, up to the bound; failures counted; the backoff grows and resets),
 * a destination that refuses a batch, batching, the last try at stop, and
 * the webhook signature (RFC 4231 HMAC-SHA256 test vectors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "handlers/analytics/queue.h"
#include "handlers/analytics/sink.h"
#include "handlers/analytics/sign.h"

static analytics_item *item(unsigned n)
{
	char id[16], body[32];
	g_snprintf(id, sizeof(id), "EV_%u", n);
	g_snprintf(body, sizeof(body), "{\"n\":%u}", n);
	return parley_analytics_item_new(id, "room_started", body, n);
}

static void test_queue(void **state)
{
	analytics_queue q;
	parley_analytics_queue_init(&q, 3);
	for (unsigned i = 1; i <= 3; i++)
		assert_true(parley_analytics_queue_push(&q, item(i)));
	analytics_item *extra = item(4);
	assert_false(parley_analytics_queue_push(&q, extra));   /* full: refused, still ours */
	parley_analytics_item_free(extra);
	assert_int_equal(q.dropped, 1);
	assert_int_equal(q.queued, 3);
	analytics_item *front[5];
	assert_int_equal(parley_analytics_queue_peek(&q, front, 2), 2);
	assert_string_equal(front[0]->id, "EV_1");
	assert_string_equal(front[1]->id, "EV_2");
	parley_analytics_queue_pop(&q, 2);
	assert_int_equal(q.count, 1);
	assert_true(parley_analytics_queue_push(&q, item(5)));   /* wraps around */
	assert_true(parley_analytics_queue_push(&q, item(6)));
	assert_int_equal(parley_analytics_queue_peek(&q, front, 5), 3);
	assert_string_equal(front[0]->id, "EV_3");
	assert_string_equal(front[1]->id, "EV_5");
	assert_string_equal(front[2]->id, "EV_6");
	parley_analytics_queue_pop(&q, 10);   /* more than there is */
	assert_int_equal(q.count, 0);
	assert_int_equal(parley_analytics_queue_peek(&q, front, 5), 0);
	parley_analytics_queue_clear(&q);
}

static void test_backoff(void **state)
{
	unsigned b = 0;
	unsigned expected[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
		b = parley_analytics_backoff_next(b, 500, 30000);
		assert_int_equal(b, expected[i]);
	}
	assert_int_equal(parley_analytics_backoff_next(0, 0, 0), 1);
	assert_int_equal(parley_analytics_backoff_next(0, 100, 50), 100);   /* max below initial */
	assert_int_equal(parley_analytics_backoff_next(G_MAXUINT, 1, G_MAXUINT), G_MAXUINT);
}

/* A destination in this process: down for `down` attempts, then up. */
typedef struct fake {
	GMutex lock;
	GCond cond;
	unsigned down;        /* failing attempts left */
	unsigned attempts;
	bool refuse;          /* refuse every batch for good */
	GPtrArray *got;       /* ids delivered, in order */
	unsigned largest_batch;
	gint64 first_fail_us, last_attempt_us;
} fake;

static analytics_send_result fake_send(void *impl, analytics_item **items, unsigned n, unsigned *accepted, char *error,
                                       size_t error_size)
{
	fake *f = impl;
	g_mutex_lock(&f->lock);
	f->attempts++;
	f->last_attempt_us = g_get_monotonic_time();
	analytics_send_result result = ANALYTICS_SENT;
	if (f->refuse) {
		*accepted = 0;
		g_strlcpy(error, "refused", error_size);
		result = ANALYTICS_SEND_REJECTED;
	} else if (f->down > 0) {
		f->down--;
		if (!f->first_fail_us)
			f->first_fail_us = f->last_attempt_us;
		*accepted = 0;
		g_strlcpy(error, "connection refused", error_size);
		result = ANALYTICS_SEND_RETRY;
	} else {
		for (unsigned i = 0; i < n; i++)
			g_ptr_array_add(f->got, g_strdup(items[i]->id));
		if (n > f->largest_batch)
			f->largest_batch = n;
	}
	g_cond_broadcast(&f->cond);
	g_mutex_unlock(&f->lock);
	return result;
}

static void fake_free(void *impl)
{
	(void)impl;   /* the test owns it */
}

static const analytics_sink_ops fake_ops = { "fake", fake_send, fake_free };

static void fake_init(fake *f)
{
	memset(f, 0, sizeof(*f));
	g_mutex_init(&f->lock);
	g_cond_init(&f->cond);
	f->got = g_ptr_array_new_with_free_func(g_free);
}

static void fake_clear(fake *f)
{
	g_ptr_array_unref(f->got);
	g_cond_clear(&f->cond);
	g_mutex_clear(&f->lock);
}

/* Waits (at most 10 s) until `n` ids arrived; the count it saw. */
static unsigned wait_for(fake *f, unsigned n)
{
	gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	g_mutex_lock(&f->lock);
	while (f->got->len < n && g_cond_wait_until(&f->cond, &f->lock, until))
		;
	unsigned got = f->got->len;
	g_mutex_unlock(&f->lock);
	return got;
}

static void test_down_then_up(void **state)
{
	fake f;
	fake_init(&f);
	f.down = 3;
	analytics_sink_config cfg = { .queue_size = 8, .batch_size = 4, .retry_initial_ms = 20, .retry_max_ms = 80,
	                              .shutdown_ms = 1000 };
	analytics_sink *sink = parley_analytics_sink_start(&fake_ops, &f, &cfg);
	/* 10 events while it is down: 8 fit, 2 are dropped */
	unsigned accepted = 0;
	for (unsigned i = 1; i <= 10; i++) {
		analytics_item *it = item(i);
		accepted += parley_analytics_sink_push(sink, it);
		parley_analytics_item_free(it);
	}
	assert_true(accepted >= 8);   /* the thread may have taken the first ones out already */
	assert_int_equal(wait_for(&f, accepted), accepted);
	for (unsigned i = 0; i < accepted; i++) {
		char id[16];
		g_snprintf(id, sizeof(id), "EV_%u", i + 1);
		assert_string_equal(f.got->pdata[i], id);   /* in order, none twice */
	}
	assert_true(f.largest_batch <= 4);
	/* the sink settles a batch after the destination took it: wait for that too */
	analytics_sink_stats st;
	gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	do {
		parley_analytics_sink_get_stats(sink, &st);
		if (st.delivered < accepted)
			g_usleep(2000);
	} while (st.delivered < accepted && g_get_monotonic_time() < until);
	assert_int_equal(st.failures, 3);
	assert_int_equal(st.delivered, accepted);
	assert_int_equal(st.dropped, 10 - accepted);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.backoff_ms, 0);   /* reset by the delivery */
	assert_string_equal(st.last_error, "connection refused");
	/* the three waits were 20, 40, 80 ms: at least 140 ms from the first failure */
	assert_true(f.last_attempt_us - f.first_fail_us >= 140 * 1000);
	parley_analytics_sink_stop(sink);
	fake_clear(&f);
}

static void test_refused_batches(void **state)
{
	fake f;
	fake_init(&f);
	f.refuse = true;
	analytics_sink_config cfg = { .queue_size = 8, .batch_size = 2, .retry_initial_ms = 20, .retry_max_ms = 20,
	                              .shutdown_ms = 100 };
	cfg.events = g_strsplit("room_started,participant_left", ",", -1);
	analytics_sink *sink = parley_analytics_sink_start(&fake_ops, &f, &cfg);
	assert_true(parley_analytics_sink_wants(sink, "room_started"));
	assert_false(parley_analytics_sink_wants(sink, "track_published"));
	for (unsigned i = 1; i <= 3; i++) {
		analytics_item *it = item(i);
		parley_analytics_sink_push(sink, it);
		parley_analytics_item_free(it);
	}
	gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	analytics_sink_stats st;
	do {
		g_usleep(5000);
		parley_analytics_sink_get_stats(sink, &st);
	} while (st.rejected < 3 && g_get_monotonic_time() < until);
	assert_int_equal(st.rejected, 3);
	assert_int_equal(st.failures, 0);   /* refused for good: no retry */
	assert_int_equal(st.delivered, 0);
	assert_int_equal(st.depth, 0);
	json_t *j = parley_analytics_sink_stats_json(sink);
	assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "sink")), "fake");
	json_decref(j);
	parley_analytics_sink_stop(sink);
	fake_clear(&f);
}

/* At stop, what is queued gets one last try; a destination still down loses it (counted). */
static void test_stop(void **state)
{
	fake f;
	fake_init(&f);
	f.down = 1000000;
	analytics_sink_config cfg = { .queue_size = 8, .batch_size = 8, .retry_initial_ms = 60000,
	                              .retry_max_ms = 60000, .shutdown_ms = 500 };
	analytics_sink *sink = parley_analytics_sink_start(&fake_ops, &f, &cfg);
	for (unsigned i = 1; i <= 5; i++) {
		analytics_item *it = item(i);
		parley_analytics_sink_push(sink, it);
		parley_analytics_item_free(it);
	}
	gint64 t0 = g_get_monotonic_time();
	parley_analytics_sink_stop(sink);   /* does not wait out the 60 s backoff */
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	assert_true(f.attempts >= 1);
	fake_clear(&f);

	/* up at the last try: delivered */
	fake_init(&f);
	f.down = 1;
	cfg = (analytics_sink_config){ .queue_size = 8, .batch_size = 8, .retry_initial_ms = 60000,
	                               .retry_max_ms = 60000, .shutdown_ms = 2000 };
	sink = parley_analytics_sink_start(&fake_ops, &f, &cfg);
	for (unsigned i = 1; i <= 5; i++) {
		analytics_item *it = item(i);
		parley_analytics_sink_push(sink, it);
		parley_analytics_item_free(it);
	}
	/* wait until the first attempt failed, then stop during the backoff */
	gint64 until = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < until) {
		g_mutex_lock(&f.lock);
		bool failed = f.attempts >= 1;
		g_mutex_unlock(&f.lock);
		if (failed)
			break;
		g_usleep(2000);
	}
	parley_analytics_sink_stop(sink);
	assert_int_equal(f.got->len, 5);
	fake_clear(&f);
}

static void test_signature(void **state)
{
	char hex[ANALYTICS_SIGNATURE_HEX + 1];
	/* RFC 4231 test case 2 */
	parley_analytics_sign("Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 1: key 0x0b x 20, "Hi There" */
	char key[20];
	memset(key, 0x0b, sizeof(key));
	parley_analytics_sign(key, sizeof(key), "Hi There", 8, hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	char header[96];
	parley_analytics_authorization("Jefe", "what do ya want for nothing?", 28, header, sizeof(header));
	assert_string_equal(header, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* one byte more changes it */
	parley_analytics_authorization("Jefe", "what do ya want for nothing?!", 29, header, sizeof(header));
	assert_string_not_equal(header, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_down_then_up),
		cmocka_unit_test(test_refused_batches),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
