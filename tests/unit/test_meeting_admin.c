/*
 * tests/unit/test_meeting_admin.c — the meeting plugin's admin requests
 * (message_plugin) driven with a recording core table: list with counts
 * and its limit, info with joined and waiting participants and the
 * counters, an operator's mute, remove (joined and waiting) and end, and
 * every refusal (no request, unknown request, bad or unknown roomId and
 * userId, a bad limit, ending twice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_meeting_core.h"

static parley_plugin_session sessions[5];

static void join(parley_meeting_ctx *ctx, int who, const char *room, const char *user)
{
	char *text = g_strdup_printf("{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"%s\","
	                             "\"userName\":\"N %s\"}", room, user, user);
	json_t *body = json_loads(text, 0, NULL);
	assert_int_equal(parley_meeting_signal(ctx, &sessions[who], "tx", body), 0);
	json_decref(body);
	g_free(text);
}

/* The answer to an admin request given as JSON text (new reference). */
static json_t *admin(parley_meeting_ctx *ctx, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	char *text = g_strdup_vprintf(format, ap);
	va_end(ap);
	json_error_t error;
	json_t *request = json_loads(text, 0, &error);
	if (request == NULL)
		fail_msg("bad test JSON %s: %s", text, error.text);
	json_t *answer = parley_meeting_admin(ctx, request);
	assert_non_null(answer);
	json_decref(request);
	g_free(text);
	return answer;
}

/* Checks a refusal's code (and drops the answer). */
static void expect_refusal(json_t *answer, int code)
{
	json_t *error = json_object_get(answer, "error");
	if (error == NULL)
		fail_msg("expected error %d, got %s", code, json_dumps(answer, JSON_COMPACT));
	assert_int_equal(json_integer_value(json_object_get(error, "code")), code);
	assert_non_null(json_string_value(json_object_get(error, "message")));
	json_decref(answer);
}

/* Two meetings: `busy` with the host and bob joined and carol waiting for
 * approval, `quiet` with nobody; and one ended meeting that lists nowhere. */
typedef struct fixture {
	parley_meeting_ctx *ctx;
	char *busy, *quiet, *ended;
} fixture;

static int setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	f->ctx = fake_ctx_new();
	for (size_t i = 0; i < G_N_ELEMENTS(sessions); i++)
		parley_meeting_handle_attach(f->ctx, &sessions[i]);
	f->ended = fake_meeting_create(f->ctx, "Ended", NULL);
	json_decref(admin(f->ctx, "{\"request\":\"end\",\"roomId\":\"%s\"}", f->ended));
	f->quiet = fake_meeting_create(f->ctx, "Quiet", NULL);
	f->busy = fake_meeting_create(f->ctx, "Busy", "{\"requireApproval\":true}");
	join(f->ctx, 0, f->busy, "host");
	join(f->ctx, 2, f->busy, "carol"); /* waits */
	join(f->ctx, 1, f->busy, "bob");   /* waits, then admitted by the host */
	json_t *admit = json_pack("{s:s, s:s, s:s}", "request", "admit-participant", "roomId", f->busy, "userId", "bob");
	assert_int_equal(parley_meeting_signal(f->ctx, &sessions[0], "tx", admit), 0);
	json_decref(admit);
	forget_events();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	g_free(f->busy);
	g_free(f->quiet);
	g_free(f->ended);
	fake_ctx_free(f->ctx);
	g_free(f);
	return 0;
}

static json_t *listed(json_t *list, const char *room)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(list, "meetings"), i, m)
		if (g_strcmp0(json_string_value(json_object_get(m, "roomId")), room) == 0)
			return m;
	return NULL;
}

static void list_counts_live_meetings(void **state)
{
	fixture *f = *state;
	json_t *list = admin(f->ctx, "{\"request\":\"list\"}");
	assert_int_equal(json_integer_value(json_object_get(list, "meetingCount")), 2);
	assert_int_equal(json_array_size(json_object_get(list, "meetings")), 2);
	assert_int_equal(json_integer_value(json_object_get(list, "participantCount")), 2);
	assert_int_equal(json_integer_value(json_object_get(list, "waitingCount")), 1);
	assert_true(json_is_false(json_object_get(list, "truncated")));
	json_t *busy = listed(list, f->busy);
	assert_non_null(busy);
	assert_string_equal(json_string_value(json_object_get(busy, "title")), "Busy");
	assert_string_equal(json_string_value(json_object_get(busy, "status")), "active");
	assert_int_equal(json_integer_value(json_object_get(busy, "participantCount")), 2);
	assert_int_equal(json_integer_value(json_object_get(busy, "waitingCount")), 1);
	json_t *quiet = listed(list, f->quiet);
	assert_string_equal(json_string_value(json_object_get(quiet, "status")), "waiting");
	assert_int_equal(json_integer_value(json_object_get(quiet, "participantCount")), 0);
	assert_null(listed(list, f->ended));
	json_decref(list);

	/* a limit lists fewer and says so; the count stays the whole */
	list = admin(f->ctx, "{\"request\":\"list\",\"limit\":1}");
	assert_int_equal(json_array_size(json_object_get(list, "meetings")), 1);
	assert_int_equal(json_integer_value(json_object_get(list, "meetingCount")), 2);
	assert_true(json_is_true(json_object_get(list, "truncated")));
	json_decref(list);
	expect_refusal(admin(f->ctx, "{\"request\":\"list\",\"limit\":0}"), 400);
	expect_refusal(admin(f->ctx, "{\"request\":\"list\",\"limit\":\"ten\"}"), 400);
	assert_int_equal(recorded->len, 0); /* looking tells nobody anything */
}

static void info_shows_participants_and_counters(void **state)
{
	fixture *f = *state;
	json_t *info = admin(f->ctx, "{\"request\":\"info\",\"roomId\":\"%s\"}", f->busy);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "meeting"), "roomId")), f->busy);
	json_t *joined = json_object_get(info, "participants");
	assert_int_equal(json_array_size(joined), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(joined, 0), "userId")), "host");
	assert_string_equal(json_string_value(json_object_get(json_array_get(joined, 0), "status")), "joined");
	json_t *waiting = json_object_get(info, "waiting");
	assert_int_equal(json_array_size(waiting), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(waiting, 0), "userId")), "carol");
	json_t *stats = json_object_get(info, "stats");
	assert_int_equal(json_integer_value(json_object_get(stats, "currentParticipants")), 2);
	assert_int_equal(json_integer_value(json_object_get(stats, "waitingParticipants")), 1);
	assert_int_equal(json_integer_value(json_object_get(stats, "joins")), 2);
	json_decref(info);
	expect_refusal(admin(f->ctx, "{\"request\":\"info\"}"), 400);
	expect_refusal(admin(f->ctx, "{\"request\":\"info\",\"roomId\":7}"), 400);
	expect_refusal(admin(f->ctx, "{\"request\":\"info\",\"roomId\":\"nosuchroom\"}"), 404);
}

static void mute_and_remove(void **state)
{
	fixture *f = *state;
	json_t *a = admin(f->ctx, "{\"request\":\"mute\",\"roomId\":\"%s\",\"userId\":\"bob\"}", f->busy);
	assert_true(json_is_true(json_object_get(a, "success")));
	json_decref(a);
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[1], "muted-by-host"), "roomId")),
	                    f->busy);
	assert_true(json_is_false(json_object_get(last_event(&sessions[0], "participant-audio-changed"),
	                                          "isAudioEnabled")));
	expect_refusal(admin(f->ctx, "{\"request\":\"mute\",\"roomId\":\"%s\",\"userId\":\"carol\"}", f->busy), 400);
	expect_refusal(admin(f->ctx, "{\"request\":\"mute\",\"roomId\":\"%s\",\"userId\":\"ghost\"}", f->busy), 404);
	expect_refusal(admin(f->ctx, "{\"request\":\"mute\",\"roomId\":\"%s\"}", f->busy), 400);

	forget_events();
	a = admin(f->ctx, "{\"request\":\"remove\",\"roomId\":\"%s\",\"userId\":\"bob\"}", f->busy);
	assert_string_equal(json_string_value(json_object_get(a, "status")), "removed");
	json_decref(a);
	json_t *removed = last_event(&sessions[1], "removed-from-meeting");
	assert_string_equal(json_string_value(json_object_get(removed, "reason")), "Removed by an administrator");
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-left"), "userId")),
	                    "bob");
	a = admin(f->ctx, "{\"request\":\"remove\",\"roomId\":\"%s\",\"userId\":\"carol\"}", f->busy);
	assert_string_equal(json_string_value(json_object_get(a, "status")), "rejected");
	json_decref(a);
	assert_non_null(last_event(&sessions[2], "join-rejected"));
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-waiting-cancelled"),
	                                                      "userId")), "carol");
	assert_int_equal(f->ctx->store->ops->count(f->ctx->store, f->busy, PARLEY_MEETING_JOINED), 1);
	assert_int_equal(f->ctx->store->ops->count(f->ctx->store, f->busy, PARLEY_MEETING_WAITING), 0);
	expect_refusal(admin(f->ctx, "{\"request\":\"remove\",\"roomId\":\"%s\",\"userId\":\"bob\"}", f->busy), 404);
	parley_meeting_stats stats;
	assert_int_equal(parley_meeting_db_get_stats(f->ctx->db, f->busy, &stats), 0);
	assert_int_equal(stats.leaves, 1);
	assert_int_equal(stats.audio_toggles, 1);
}

static void end_and_refusals(void **state)
{
	fixture *f = *state;
	json_t *a = admin(f->ctx, "{\"request\":\"end\",\"roomId\":\"%s\"}", f->busy);
	assert_true(json_is_true(json_object_get(a, "success")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "meeting"), "status")), "ended");
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "meeting"), "endReason")), "admin");
	json_decref(a);
	for (int who = 0; who < 3; who++)
		assert_string_equal(json_string_value(json_object_get(last_event(&sessions[who], "meeting-ended"), "reason")),
		                    "admin");
	assert_int_equal(f->ctx->store->ops->count(f->ctx->store, f->busy, PARLEY_MEETING_JOINED), 0);
	expect_refusal(admin(f->ctx, "{\"request\":\"end\",\"roomId\":\"%s\"}", f->busy), 409);
	json_t *list = admin(f->ctx, "{\"request\":\"list\"}");
	assert_int_equal(json_integer_value(json_object_get(list, "meetingCount")), 1);
	json_decref(list);

	expect_refusal(admin(f->ctx, "{}"), 400);
	expect_refusal(admin(f->ctx, "{\"request\":42}"), 400);
	expect_refusal(admin(f->ctx, "{\"request\":\"explode\"}"), 405);
	json_t *not_object = json_string("list");
	expect_refusal(parley_meeting_admin(f->ctx, not_object), 400);
	json_decref(not_object);
	assert_int_equal(handle_refs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(list_counts_live_meetings, setup, teardown),
		cmocka_unit_test_setup_teardown(info_shows_participants_and_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(mute_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(end_and_refusals, setup, teardown),
	};
	return cmocka_run_group_tests_name("meeting_admin", tests, NULL, NULL);
}
