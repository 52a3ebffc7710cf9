/*
 * tests/unit/test_chat_pump.c — a long history replayed over a data
 * channel goes in slices of [limits] send_batch per loop iteration (none
 * of it inside the join itself), in order, followed by the join event,
 * the join's answer and then the room's live messages; a full send
 * buffer (BUSY) holds the rest without losing any until data_ready says
 * WRITABLE; the per-handle queue bound drops (and counts) what is over
 * it; a hangup drops what waits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_chat_core.h"

#define HISTORY 1000

static void setup_room(const char *batch)
{
	set("general", "rooms", "1");
	set("room-1", "history", "1000");
	set("limits", "message_rate", "0");
	set("limits", "send_batch", batch);
}

/* `n` messages "m0".."m<n-1>" posted over the Janus API by `s` (in room 1). */
static void post_history(parley_chat_ctx *ctx, parley_plugin_session *s, int n)
{
	json_t *reply = api_request(ctx, s, "{\"request\":\"join\",\"room\":1,\"username\":\"writer\"}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "success");
	json_decref(reply);
	for (int i = 0; i < n; i++) {
		char *text = g_strdup_printf("{\"request\":\"message\",\"room\":1,\"text\":\"m%d\"}", i);
		reply = api_request(ctx, s, text);
		g_free(text);
		assert_non_null(json_object_get(reply, "id"));
		json_decref(reply);
	}
	forget();
}

/* Data channel deliveries to `session` so far, without running the loop. */
static unsigned data_to(parley_plugin_session *session)
{
	unsigned n = 0;
	for (guint i = 0; i < deliveries->len; i++) {
		delivery *d = deliveries->pdata[i];
		n += d->session == session && d->data;
	}
	return n;
}

/* What `session` got over its data channel: HISTORY messages m0.. in
 * order, the join event, the join's answer, then `live` (may be NULL). */
static void assert_replayed(parley_plugin_session *session, const char *live)
{
	run_timers();
	GPtrArray *got = g_ptr_array_new();
	for (guint i = 0; i < deliveries->len; i++) {
		delivery *d = deliveries->pdata[i];
		if (d->session == session && d->data)
			g_ptr_array_add(got, d->json);
	}
	assert_int_equal(got->len, HISTORY + 2 + (live != NULL));
	for (int i = 0; i < HISTORY; i++) {
		json_t *m = got->pdata[i];
		char expected[16];
		snprintf(expected, sizeof(expected), "m%d", i);
		assert_string_equal(json_string_value(json_object_get(m, "textroom")), "message");
		assert_string_equal(json_string_value(json_object_get(m, "text")), expected);
	}
	assert_string_equal(json_string_value(json_object_get(got->pdata[HISTORY], "textroom")), "join");
	assert_string_equal(json_string_value(json_object_get(got->pdata[HISTORY + 1], "transaction")), "j");
	if (live != NULL)
		assert_string_equal(json_string_value(json_object_get(got->pdata[HISTORY + 2], "text")), live);
	g_ptr_array_unref(got);
}

static void join_over_data(parley_chat_ctx *ctx, parley_plugin_session *s)
{
	data_request(ctx, s, "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":1,\"username\":\"late\"}");
}

static void replay_in_slices(void **state)
{
	setup_room("32");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb);
	post_history(ctx, a, HISTORY);
	join_over_data(ctx, b);
	assert_int_equal(data_to(b), 0); /* nothing sent inside the join itself */
	/* a live message while the replay waits comes after it */
	json_t *reply = api_request(ctx, a, "{\"request\":\"message\",\"room\":1,\"text\":\"live\"}");
	json_decref(reply);
	unsigned rounds = timer_rounds;
	assert_true(run_timers_once());
	assert_int_equal(data_to(b), 32); /* one slice per loop iteration */
	assert_true(run_timers_once());
	assert_int_equal(data_to(b), 64);
	assert_replayed(b, "live");
	assert_true(timer_rounds - rounds >= (HISTORY + 3) / 32);
	/* once the queue is empty, messages go at once again */
	forget();
	data_request(ctx, b, "{\"textroom\":\"message\",\"transaction\":\"x\",\"room\":1,\"text\":\"mine\"}");
	assert_int_equal(data_to(b), 2); /* its own message back and the answer, inline on its loop */
	/* from another thread (a's request), through b's loop */
	reply = api_request(ctx, a, "{\"request\":\"message\",\"room\":1,\"text\":\"after\"}");
	json_decref(reply);
	assert_int_equal(data_to(b), 2);
	run_timers();
	assert_int_equal(data_to(b), 3);
	json_t *info = parley_chat_handle_query(ctx, b);
	json_t *queue = json_object_get(info, "send_queue");
	assert_int_equal(json_integer_value(json_object_get(queue, "dropped")), 0);
	json_decref(info);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void busy_waits_for_writable(void **state)
{
	setup_room("64");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb);
	post_history(ctx, a, HISTORY);
	relay_budget = 100; /* the send buffer takes 100 messages, then is full */
	join_over_data(ctx, b);
	for (int i = 0; i < 20; i++)
		run_timers_once();
	assert_int_equal(data_to(b), 100);
	json_t *info = parley_chat_handle_query(ctx, b);
	json_t *queue = json_object_get(info, "send_queue");
	assert_int_equal(json_integer_value(json_object_get(queue, "queued")), HISTORY + 2 - 100);
	assert_true(json_integer_value(json_object_get(queue, "busy")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(queue, "dropped")), 0);
	json_decref(info);
	/* room again: data_ready WRITABLE */
	relay_budget = -1;
	parley_chat_handle_writable(ctx, b);
	assert_replayed(b, NULL);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void bounded_queue(void **state)
{
	setup_room("16");
	set("limits", "send_queue", "100");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb, fc;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb), *c = attach(ctx, &fc);
	post_history(ctx, a, HISTORY);
	join_over_data(ctx, b);
	run_timers();
	/* 100 waited at most: the rest of the replay was dropped and counted */
	assert_int_equal(data_to(b), 100);
	json_t *info = parley_chat_handle_query(ctx, b);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(info, "send_queue"), "dropped")),
	                 HISTORY + 2 - 100);
	json_decref(info);
	/* a hangup drops what waits; the next association takes messages again */
	relay_budget = 0;
	data_request(ctx, c, "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":1,\"username\":\"c\",\"history\":false}");
	run_timers_once();
	parley_chat_handle_hangup(ctx, c);
	relay_budget = -1;
	run_timers();
	assert_int_equal(data_to(c), 0);
	info = parley_chat_handle_query(ctx, c);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(info, "send_queue"), "queued")), 0);
	json_decref(info);
	parley_chat_handle_writable(ctx, c);
	data_request(ctx, c, "{\"textroom\":\"list\",\"transaction\":\"l\"}");
	assert_non_null(answer(c, "l"));
	for (parley_plugin_session **s = (parley_plugin_session *[]){a, b, c, NULL}; *s != NULL; s++)
		parley_chat_handle_detach(ctx, *s);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay_in_slices),
		cmocka_unit_test(busy_waits_for_writable),
		cmocka_unit_test(bounded_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
