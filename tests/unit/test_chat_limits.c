/*
 * tests/unit/test_chat_limits.c — the chat plugin's limits: the token
 * bucket (burst, refill, retry time), the per-participant message rate
 * answered with 424 and recovering with time, text, name and request
 * sizes answered with 425 (a text of exactly the limit passes), and the
 * room, participant and rooms-per-handle counts answered with 427.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_chat_core.h"

static void bucket(void **state)
{
	parley_chat_bucket b = {0};
	int64_t retry = 0;
	int64_t t = 5000;
	for (int i = 0; i < 3; i++)
		assert_true(parley_chat_bucket_take(&b, 2, 3, t, &retry)); /* a burst of 3 */
	assert_false(parley_chat_bucket_take(&b, 2, 3, t, &retry));
	assert_int_equal(retry, 500); /* 2 per second: one every 500 ms */
	assert_false(parley_chat_bucket_take(&b, 2, 3, t + 499, &retry));
	assert_int_equal(retry, 1);
	assert_true(parley_chat_bucket_take(&b, 2, 3, t + 500, &retry));
	assert_false(parley_chat_bucket_take(&b, 2, 3, t + 500, &retry));
	/* a long pause refills to the burst, not beyond */
	t += 3600 * 1000;
	for (int i = 0; i < 3; i++)
		assert_true(parley_chat_bucket_take(&b, 2, 3, t, NULL));
	assert_false(parley_chat_bucket_take(&b, 2, 3, t, NULL));
	/* a clock that goes back refills nothing */
	assert_false(parley_chat_bucket_take(&b, 2, 3, t - 10000, NULL));
	/* rate 0: no limit */
	parley_chat_bucket free_bucket = {0};
	for (int i = 0; i < 1000; i++)
		assert_true(parley_chat_bucket_take(&free_bucket, 0, 1, t, NULL));
}

static void setup_room(void)
{
	set("general", "rooms", "1");
	set("room-1", "history", "100");
}

static void join(parley_chat_ctx *ctx, parley_plugin_session *s, const char *username, guint64 room)
{
	char *text = g_strdup_printf("{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":%" G_GUINT64_FORMAT
	                             ",\"username\":\"%s\"}", room, username);
	data_request(ctx, s, text);
	g_free(text);
}

static int send_text(parley_chat_ctx *ctx, parley_plugin_session *s, const char *text)
{
	json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "textroom", "message", "transaction", "m", "room", 1, "text",
	                         text);
	char *dumped = json_dumps(body, 0);
	forget();
	data_request(ctx, s, dumped);
	free(dumped);
	json_decref(body);
	return error_code_of(answer(s, "m"));
}

static void message_rate(void **state)
{
	setup_room();
	set("limits", "message_rate", "2");
	set("limits", "message_burst", "4");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb);
	join(ctx, a, "alice", 1);
	join(ctx, b, "bob", 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(send_text(ctx, a, "burst"), 0);
	assert_int_equal(send_text(ctx, a, "one too many"), 424);
	const char *reason = json_string_value(json_object_get(answer(a, "m"), "error"));
	assert_non_null(strstr(reason, "at most 2 messages per second (bursts of 4)"));
	assert_non_null(strstr(reason, "retry in 500 ms"));
	assert_int_equal(count_to(b, "message"), 0); /* the refused one reached nobody */
	/* per participant: bob still has his burst */
	assert_int_equal(send_text(ctx, b, "bob speaks"), 0);
	/* time passes: alice may write again */
	test_now += 500;
	assert_int_equal(send_text(ctx, a, "later"), 0);
	assert_int_equal(send_text(ctx, a, "too soon"), 424);
	/* edits count too */
	test_now += 10000;
	for (int i = 0; i < 4; i++)
		assert_int_equal(send_text(ctx, a, "again"), 0);
	json_int_t id = json_integer_value(json_object_get(answer(a, "m"), "id"));
	char *edit = g_strdup_printf("{\"textroom\":\"edit_message\",\"transaction\":\"e\",\"room\":1,\"id\":%"
	                             JSON_INTEGER_FORMAT ",\"text\":\"edited\"}", id);
	data_request(ctx, a, edit);
	g_free(edit);
	assert_int_equal(error_code_of(answer(a, "e")), 424);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void sizes(void **state)
{
	setup_room();
	set("limits", "message_rate", "0");
	set("limits", "max_message_size", "10");
	set("limits", "max_name_size", "8");
	set("limits", "max_request_size", "300");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	join(ctx, a, "alice", 1);
	assert_int_equal(send_text(ctx, a, "0123456789"), 0); /* exactly the limit */
	assert_int_equal(send_text(ctx, a, "0123456789A"), 425);
	assert_string_equal(json_string_value(json_object_get(answer(a, "m"), "error")),
	                    "text is 11 bytes, more than the 10 allowed ([limits] max_message_size)");
	/* bytes, not characters: 4 × 3-byte characters */
	assert_int_equal(send_text(ctx, a, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), 425);
	/* a username over max_name_size */
	fake_session fb;
	parley_plugin_session *b = attach(ctx, &fb);
	join(ctx, b, "abcdefghi", 1);
	assert_int_equal(error_code_of(answer(b, "j")), 425);
	/* a whole request over max_request_size, before it is parsed */
	char big[400];
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 1] = '}';
	forget();
	parley_chat_request_data(ctx, a, "l", big, sizeof(big), false);
	json_t *reply = last_to(a, "error");
	assert_int_equal(error_code_of(reply), 425);
	assert_non_null(strstr(json_string_value(json_object_get(reply, "error")), "400 bytes"));
	/* an announcement is bounded like a message */
	json_t *body = json_pack("{s:s, s:i, s:s}", "request", "announcement", "room", 1, "text", "far too long here");
	reply = parley_chat_request_run(ctx, NULL, PARLEY_CHAT_VIA_ADMIN, NULL, NULL, body);
	assert_int_equal(error_code_of(reply), 425);
	json_decref(reply);
	json_decref(body);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	ctx_free(ctx);
}

static void counts(void **state)
{
	setup_room();
	set("limits", "max_participants", "2");
	set("limits", "max_rooms", "2");
	parley_chat_ctx *ctx = ctx_new();
	fake_session f[3];
	parley_plugin_session *s[3];
	for (int i = 0; i < 3; i++)
		s[i] = attach(ctx, &f[i]);
	join(ctx, s[0], "a", 1);
	join(ctx, s[1], "b", 1);
	join(ctx, s[2], "c", 1);
	assert_int_equal(error_code_of(answer(s[2], "j")), 427);
	assert_non_null(strstr(json_string_value(json_object_get(answer(s[2], "j"), "error")), "is full"));
	json_t *reply = api_request(ctx, s[0], "{\"request\":\"create\",\"room\":2}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "created");
	json_decref(reply);
	reply = api_request(ctx, s[0], "{\"request\":\"create\",\"room\":3}");
	assert_int_equal(error_code_of(reply), 427);
	json_decref(reply);
	/* /health's counters */
	json_t *status = parley_chat_status(ctx);
	assert_int_equal(json_integer_value(json_object_get(status, "chatRooms")), 2);
	assert_int_equal(json_integer_value(json_object_get(status, "chatParticipants")), 2);
	json_decref(status);
	for (int i = 0; i < 3; i++)
		parley_chat_handle_detach(ctx, s[i]);
	ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket),
		cmocka_unit_test(message_rate),
		cmocka_unit_test(sizes),
		cmocka_unit_test(counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
