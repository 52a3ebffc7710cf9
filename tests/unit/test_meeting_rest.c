/*
 * tests/unit/test_meeting_rest.c — the /api/meetings routes called directly
 * with parley_http_request structs: create (and each validation error),
 * get, participants, update (wrong host, ended), end, stats, the per-user
 * listing with status/limit/skip, unknown routes, wrong methods, body size
 * and rate limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_meeting_core.h"

/* Calls the REST handler; returns the parsed reply (new reference) and the status. */
static json_t *call(parley_meeting_ctx *ctx, const char *method, const char *path, const char *query,
                    const char *body, int *status)
{
	parley_http_request r = { .method = method, .path = path, .query = query, .body = body,
	                          .body_length = body != NULL ? strlen(body) : 0, .remote_ip = "127.0.0.1" };
	parley_http_response out = { 0 };
	assert_int_equal(parley_meeting_rest_handle(ctx, &r, &out), 0);
	*status = out.status;
	json_t *reply = NULL;
	if (out.body != NULL) {
		assert_string_equal(out.content_type, "application/json");
		assert_int_equal(out.body_length, strlen(out.body));
		reply = json_loads(out.body, 0, NULL);
		assert_non_null(reply);
	}
	g_free(out.body);
	return reply;
}

/* Calls the handler and checks the error reply. */
static void expect_error_call(parley_meeting_ctx *ctx, const char *method, const char *path, const char *query,
                              const char *body, int expected_status, const char *error)
{
	int status;
	json_t *reply = call(ctx, method, path, query, body, &status);
	assert_int_equal(status, expected_status);
	assert_true(json_is_false(json_object_get(reply, "success")));
	assert_string_equal(json_string_value(json_object_get(reply, "error")), error);
	json_decref(reply);
}

/* POST create for `host`; returns the room id (g_free). */
static char *create(parley_meeting_ctx *ctx, const char *host, const char *title)
{
	int status;
	char *body = g_strdup_printf("{\"title\":\"%s\",\"hostId\":\"%s\"}", title, host);
	json_t *r = call(ctx, "POST", "/api/meetings/create", NULL, body, &status);
	assert_int_equal(status, 201);
	char *room = g_strdup(json_string_value(json_object_get(json_object_get(r, "meeting"), "roomId")));
	json_decref(r);
	g_free(body);
	return room;
}

static void create_and_get(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	int status;
	json_t *r = call(ctx, "POST", "/api/meetings/create", NULL,
	                 "{\"title\":\"Team Standup\",\"description\":\"Daily\",\"hostId\":\"user123\","
	                 "\"hostName\":\"John Doe\",\"scheduledAt\":\"2024-01-20T10:00:00Z\","
	                 "\"settings\":{\"maxParticipants\":10,\"isChatEnabled\":false,"
	                 "\"allowedDomains\":[\"example.com\"]}}", &status);
	assert_int_equal(status, 201);
	assert_true(json_is_true(json_object_get(r, "success")));
	json_t *m = json_object_get(r, "meeting");
	const char *room = json_string_value(json_object_get(m, "roomId"));
	assert_int_equal(strlen(room), PARLEY_MEETING_ROOM_ID_LEN);
	assert_int_equal(strspn(room, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), strlen(room));
	assert_string_equal(json_string_value(json_object_get(m, "title")), "Team Standup");
	assert_string_equal(json_string_value(json_object_get(m, "hostId")), "user123");
	assert_string_equal(json_string_value(json_object_get(m, "hostName")), "John Doe");
	assert_string_equal(json_string_value(json_object_get(m, "status")), "waiting");
	assert_string_equal(json_string_value(json_object_get(m, "scheduledAt")), "2024-01-20T10:00:00.000Z");
	assert_true(g_str_has_suffix(json_string_value(json_object_get(m, "createdAt")), "Z"));
	assert_true(json_is_null(json_object_get(m, "startedAt")));
	json_t *s = json_object_get(m, "settings");
	assert_int_equal(json_integer_value(json_object_get(s, "maxParticipants")), 10);
	assert_true(json_is_false(json_object_get(s, "isChatEnabled")));
	assert_true(json_is_true(json_object_get(s, "isScreenShareEnabled")));
	char *path = g_strdup_printf("/api/meetings/%s", room);
	json_decref(r);

	r = call(ctx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	m = json_object_get(r, "meeting");
	assert_string_equal(json_string_value(json_object_get(m, "description")), "Daily");
	assert_int_equal(json_integer_value(json_object_get(m, "participantCount")), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(m, "settings"),
	                                                                     "allowedDomains"), 0)), "example.com");
	json_decref(r);
	char *with_slash = g_strdup_printf("%s/", path);
	r = call(ctx, "GET", with_slash, NULL, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);
	expect_error_call(ctx, "GET", "/api/meetings/unknown1", NULL, NULL, 404,
	             PARLEY_MEETING_ERR_NOT_FOUND);
	g_free(with_slash);
	g_free(path);
	fake_ctx_free(ctx);
}

static void create_validation(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	static const struct { const char *body; const char *error; } cases[] = {
		{ "{\"hostId\":\"h\"}", "Invalid or missing field: title" },
		{ "{\"title\":\"\",\"hostId\":\"h\"}", "Invalid or missing field: title" },
		{ "{\"title\":5,\"hostId\":\"h\"}", "Invalid or missing field: title" },
		{ "{\"title\":\"t\"}", "Invalid or missing field: hostId" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"description\":[]}", "Invalid or missing field: description" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"hostName\":1}", "Invalid or missing field: hostName" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"scheduledAt\":\"tomorrow\"}", "Invalid or missing field: scheduledAt" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"settings\":7}", "Invalid or missing field: settings" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"settings\":{\"maxParticipants\":0}}",
		  "Invalid or missing field: settings.maxParticipants" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"settings\":{\"maxParticipants\":1001}}",
		  "Invalid or missing field: settings.maxParticipants" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"settings\":{\"requireApproval\":\"yes\"}}",
		  "Invalid or missing field: settings.requireApproval" },
		{ "{\"title\":\"t\",\"hostId\":\"h\",\"settings\":{\"allowedDomains\":[\"a b\"]}}",
		  "Invalid or missing field: settings.allowedDomains" },
		{ "not json", "Request body must be a JSON object" },
		{ "[1,2]", "Request body must be a JSON object" },
		{ "", "Request body must be a JSON object" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		expect_error_call(ctx, "POST", "/api/meetings/create", NULL, cases[i].body, 400,
		             cases[i].error);
	/* a title one byte too long */
	char *long_title = g_strnfill(PARLEY_MEETING_TITLE_MAX + 1, 'x');
	char *body = g_strdup_printf("{\"title\":\"%s\",\"hostId\":\"h\"}", long_title);
	expect_error_call(ctx, "POST", "/api/meetings/create", NULL, body, 400,
	             "Invalid or missing field: title");
	g_free(body);
	g_free(long_title);
	fake_ctx_free(ctx);
}

static void update_and_end(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	int status;
	char *room = create(ctx, "host", "Before");
	char *path = g_strdup_printf("/api/meetings/%s", room);
	char *end = g_strdup_printf("/api/meetings/%s/end", room);
	expect_error_call(ctx, "PUT", path, NULL, "{\"hostId\":\"mallory\",\"title\":\"X\"}", 403,
	             "Only the host can update this meeting");
	expect_error_call(ctx, "PUT", path, NULL, "{\"title\":\"X\"}", 400,
	             "Invalid or missing field: hostId");
	expect_error_call(ctx, "PUT", path, NULL, "{\"hostId\":\"host\",\"settings\":{\"maxParticipants\":-1}}",
	                  400, "Invalid or missing field: settings.maxParticipants");
	expect_error_call(ctx, "PUT", "/api/meetings/nothere99", NULL, "{\"hostId\":\"host\"}", 404,
	                  PARLEY_MEETING_ERR_NOT_FOUND);
	json_t *r = call(ctx, "PUT", path, NULL,
	                 "{\"hostId\":\"host\",\"title\":\"After\",\"settings\":{\"maxParticipants\":100}}", &status);
	assert_int_equal(status, 200);
	json_t *m = json_object_get(r, "meeting");
	assert_string_equal(json_string_value(json_object_get(m, "title")), "After");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "settings"), "maxParticipants")), 100);
	assert_true(json_is_true(json_object_get(json_object_get(m, "settings"), "isChatEnabled"))); /* kept */
	json_decref(r);
	r = call(ctx, "GET", path, NULL, NULL, &status);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "meeting"), "title")), "After");
	json_decref(r);

	expect_error_call(ctx, "POST", end, NULL, "{\"hostId\":\"mallory\"}", 403,
	             "Only the host can end this meeting");
	expect_error_call(ctx, "POST", end, NULL, "{}", 400, "Invalid or missing field: hostId");
	r = call(ctx, "POST", end, NULL, "{\"hostId\":\"host\"}", &status);
	assert_int_equal(status, 200);
	m = json_object_get(r, "meeting");
	assert_string_equal(json_string_value(json_object_get(m, "status")), "ended");
	assert_true(json_is_string(json_object_get(m, "endedAt")));
	json_decref(r);
	expect_error_call(ctx, "POST", end, NULL, "{\"hostId\":\"host\"}", 409, "Meeting already ended");
	expect_error_call(ctx, "PUT", path, NULL, "{\"hostId\":\"host\",\"title\":\"Z\"}", 409,
	             PARLEY_MEETING_ERR_ENDED);
	g_free(end);
	g_free(path);
	g_free(room);
	fake_ctx_free(ctx);
}

static void participants_and_stats(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	static parley_plugin_session s1, s2;
	int status;
	char *room = create(ctx, "host", "Stats");
	parley_meeting_handle_attach(ctx, &s1);
	parley_meeting_handle_attach(ctx, &s2);
	char *join1 = g_strdup_printf("{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"host\"}", room);
	char *join2 = g_strdup_printf("{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"guest\","
	                              "\"userPicture\":\"https://example.com/p.png\"}", room);
	json_t *j1 = json_loads(join1, 0, NULL), *j2 = json_loads(join2, 0, NULL);
	parley_meeting_signal(ctx, &s1, NULL, j1);
	parley_meeting_signal(ctx, &s2, NULL, j2);

	char *path = g_strdup_printf("/api/meetings/%s/participants", room);
	json_t *r = call(ctx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	json_t *list = json_object_get(r, "participants");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	json_t *guest = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(guest, "userId")), "guest");
	assert_string_equal(json_string_value(json_object_get(guest, "userPicture")), "https://example.com/p.png");
	assert_true(json_is_true(json_object_get(guest, "isAudioEnabled")));
	json_decref(r);
	g_free(path);

	parley_meeting_handle_detach(ctx, &s2);
	path = g_strdup_printf("/api/meetings/%s/stats", room);
	r = call(ctx, "GET", path, NULL, NULL, &status);
	assert_int_equal(status, 200);
	json_t *st = json_object_get(r, "stats");
	assert_string_equal(json_string_value(json_object_get(st, "roomId")), room);
	assert_string_equal(json_string_value(json_object_get(st, "status")), "active");
	assert_int_equal(json_integer_value(json_object_get(st, "joins")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "leaves")), 1);
	assert_int_equal(json_integer_value(json_object_get(st, "peakParticipants")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "totalParticipants")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "currentParticipants")), 1);
	assert_true(json_is_integer(json_object_get(st, "duration")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "mediaToggles"), "total")), 0);
	json_decref(r);
	expect_error_call(ctx, "GET", "/api/meetings/nothere99/stats", NULL, NULL, 404,
	             PARLEY_MEETING_ERR_NOT_FOUND);
	expect_error_call(ctx, "GET", "/api/meetings/nothere99/participants", NULL, NULL, 404,
	             PARLEY_MEETING_ERR_NOT_FOUND);
	json_decref(j1);
	json_decref(j2);
	g_free(join1);
	g_free(join2);
	g_free(path);
	g_free(room);
	fake_ctx_free(ctx);
}

static void user_listing(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	int status;
	char *rooms[4];
	for (int i = 0; i < 3; i++)
		rooms[i] = create(ctx, "alice", "Mine");
	rooms[3] = create(ctx, "bob", "His");
	/* alice joins bob's meeting */
	static parley_plugin_session s;
	parley_meeting_handle_attach(ctx, &s);
	char *text = g_strdup_printf("{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"alice\"}", rooms[3]);
	json_t *join = json_loads(text, 0, NULL);
	parley_meeting_signal(ctx, &s, NULL, join);

	json_t *r = call(ctx, "GET", "/api/meetings/user/alice", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "meetings")), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "limit")), 20);
	json_decref(r);
	r = call(ctx, "GET", "/api/meetings/user/alice", "status=active", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "meetings")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "meetings"), 0),
	                                                      "roomId")), rooms[3]);
	json_decref(r);
	r = call(ctx, "GET", "/api/meetings/user/alice", "status=waiting&limit=2&skip=1", NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "meetings")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 3);
	json_decref(r);
	r = call(ctx, "GET", "/api/meetings/user/alice", "limit=500", NULL, &status);
	assert_int_equal(json_integer_value(json_object_get(r, "limit")), 100); /* capped */
	json_decref(r);
	r = call(ctx, "GET", "/api/meetings/user/bob", NULL, NULL, &status);
	assert_int_equal(json_array_size(json_object_get(r, "meetings")), 1);
	json_decref(r);
	r = call(ctx, "GET", "/api/meetings/user/nobody", NULL, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "meetings")), 0);
	json_decref(r);
	expect_error_call(ctx, "GET", "/api/meetings/user/alice", "status=paused", NULL, 400,
	             "Invalid or missing field: status");
	expect_error_call(ctx, "GET", "/api/meetings/user/alice", "limit=abc", NULL, 400,
	             "Invalid or missing field: limit");
	expect_error_call(ctx, "GET", "/api/meetings/user/alice", "limit=0", NULL, 400,
	             "Invalid or missing field: limit");
	expect_error_call(ctx, "GET", "/api/meetings/user/alice", "skip=-1", NULL, 400,
	             "Invalid or missing field: skip");
	json_decref(join);
	g_free(text);
	for (int i = 0; i < 4; i++)
		g_free(rooms[i]);
	fake_ctx_free(ctx);
}

static void routes_and_limits(void **state)
{
	fake_config_set("http", "rate_limit", "30");
	fake_config_set("http", "max_body_size", "1024");
	parley_meeting_ctx *ctx = fake_ctx_new();
	int status;
	expect_error_call(ctx, "GET", "/api/meetings/a/b/c", NULL, NULL, 404, "Route not found");
	expect_error_call(ctx, "GET", "/api/meetings", NULL, NULL, 404, "Route not found");
	expect_error_call(ctx, "DELETE", "/api/meetings/abc", NULL, NULL, 405, "Method not allowed");
	expect_error_call(ctx, "GET", "/api/meetings/create", NULL, NULL, 404,
	             PARLEY_MEETING_ERR_NOT_FOUND); /* a GET of "create" is a room lookup */
	expect_error_call(ctx, "PUT", "/api/meetings/abc/stats", NULL, "{}", 405, "Method not allowed");
	char *big = g_strnfill(2000, ' ');
	expect_error_call(ctx, "POST", "/api/meetings/create", NULL, big, 413, "Request body too large");
	g_free(big);
	json_t *r = call(ctx, "OPTIONS", "/api/meetings/create", NULL, NULL, &status);
	assert_int_equal(status, 204);
	assert_null(r);
	/* 7 requests so far; 23 more fit in this minute, the next is refused */
	for (int i = 0; i < 23; i++) {
		r = call(ctx, "GET", "/api/meetings/abc", NULL, NULL, &status);
		assert_int_equal(status, 404);
		json_decref(r);
	}
	expect_error_call(ctx, "GET", "/api/meetings/abc", NULL, NULL, 429,
	             "Too many requests, please try again later");
	/* another address has its own budget */
	parley_http_request other = { .method = "GET", .path = "/api/meetings/abc", .remote_ip = "127.0.0.2" };
	parley_http_response out = { 0 };
	parley_meeting_rest_handle(ctx, &other, &out);
	assert_int_equal(out.status, 404);
	g_free(out.body);
	fake_ctx_free(ctx);

	/* the window ends after a minute */
	parley_meeting_ratelimit *rl = parley_meeting_ratelimit_new(2, 4);
	assert_true(parley_meeting_ratelimit_allow(rl, "a", 1000));
	assert_true(parley_meeting_ratelimit_allow(rl, "a", 1001));
	assert_false(parley_meeting_ratelimit_allow(rl, "a", 60999));
	assert_true(parley_meeting_ratelimit_allow(rl, "a", 61000));
	for (int i = 0; i < 10; i++) { /* more keys than the table holds: stays bounded and working */
		char key[8];
		g_snprintf(key, sizeof(key), "k%d", i);
		assert_true(parley_meeting_ratelimit_allow(rl, key, 62000));
	}
	parley_meeting_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_and_get),
		cmocka_unit_test(create_validation),
		cmocka_unit_test(update_and_end),
		cmocka_unit_test(participants_and_stats),
		cmocka_unit_test(user_listing),
		cmocka_unit_test(routes_and_limits),
	};
	int rc = cmocka_run_group_tests_name("meeting_rest", tests, NULL, NULL);
	if (recorded != NULL)
		g_ptr_array_unref(recorded);
	if (fake_config != NULL)
		g_hash_table_destroy(fake_config);
	return rc;
}
