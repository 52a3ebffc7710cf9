/*
 * tests/unit/test_chat_requests.c — the chat plugin's request table as
 * clients meet it: the envelope and member checks (TextRoom's codes for
 * every malformed request, table-driven), rooms from the settings, join /
 * message / whisper / leave over a data channel and over the Janus API in
 * one room, the history replayed on join, room management (create, edit,
 * destroy, exists, list, allowed), moderation (kick, ban, mute, secrets),
 * edits and deletes of one's own messages, negotiation, detach, and the
 * history of a room surviving a new context on the same file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "test_chat_core.h"

static void demo_settings(void)
{
	set("general", "rooms", "1234");
	set("room-1234", "description", "Demo Room");
	set("room-1234", "secret", "adminpwd");
	set("room-1234", "history", "10");
	set("limits", "message_rate", "0");
}

/* Joins `username` to room 1234 over a data channel; asserts success. */
static void join_data(parley_chat_ctx *ctx, parley_plugin_session *s, const char *username)
{
	char *text = g_strdup_printf("{\"textroom\":\"join\",\"transaction\":\"j-%s\",\"room\":1234,"
	                             "\"username\":\"%s\",\"display\":\"%s!\"}", username, username, username);
	char *tx = g_strdup_printf("j-%s", username);
	data_request(ctx, s, text);
	json_t *reply = answer(s, tx);
	assert_non_null(reply);
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "success");
	g_free(text);
	g_free(tx);
}

static const struct {
	const char *request;
	int code;
	const char *reason; /* a part of the reason */
} refusals[] = {
	{"[1,2]", 412, "not an object"},
	{"{\"transaction\":\"t\"}", 413, "(textroom)"},
	{"{\"textroom\":5,\"transaction\":\"t\"}", 414, "textroom should be a string"},
	{"{\"textroom\":\"list\"}", 413, "(transaction)"},
	{"{\"textroom\":\"list\",\"transaction\":7}", 414, "transaction should be a string"},
	{"{\"textroom\":\"dance\",\"transaction\":\"t\"}", 415, "Unknown request 'dance'"},
	{"{\"textroom\":\"setup\",\"transaction\":\"t\"}", 415, "Unknown request 'setup'"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"username\":\"a\"}", 413, "(room)"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":\"1234\",\"username\":\"a\"}", 414,
	 "room should be a positive integer"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":0,\"username\":\"a\"}", 414, "positive integer"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":-4,\"username\":\"a\"}", 414, "positive integer"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":1234}", 413, "(username)"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":1234,\"username\":\"\"}", 414, "must not be empty"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":1234,\"username\":\"a\",\"history\":1}", 414,
	 "history should be a boolean"},
	{"{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":99,\"username\":\"a\"}", 417, "No such room (99)"},
	{"{\"textroom\":\"message\",\"transaction\":\"t\",\"room\":1234}", 413, "(text)"},
	{"{\"textroom\":\"message\",\"transaction\":\"t\",\"room\":1234,\"text\":\"hi\"}", 422, "Not in room 1234"},
	{"{\"textroom\":\"message\",\"transaction\":\"t\",\"room\":1234,\"text\":\"x\",\"tos\":[\"a\",3]}", 414,
	 "tos should be an array of strings"},
	{"{\"textroom\":\"leave\",\"transaction\":\"t\",\"room\":1234}", 422, "Not in room 1234"},
	{"{\"textroom\":\"destroy\",\"transaction\":\"t\",\"room\":1234}", 413, "(secret)"},
	{"{\"textroom\":\"destroy\",\"transaction\":\"t\",\"room\":1234,\"secret\":1}", 414, "secret should be a string"},
	{"{\"textroom\":\"destroy\",\"transaction\":\"t\",\"room\":1234,\"secret\":\"no\"}", 419, "wrong secret"},
	{"{\"textroom\":\"kick\",\"transaction\":\"t\",\"room\":1234,\"secret\":\"adminpwd\",\"username\":\"z\"}", 423,
	 "No such user z in room 1234"},
	{"{\"textroom\":\"create\",\"transaction\":\"t\",\"room\":1234}", 418, "Room 1234 already exists"},
	{"{\"textroom\":\"create\",\"transaction\":\"t\",\"post\":\"http://x\"}", 414, "not supported"},
	{"{\"textroom\":\"create\",\"transaction\":\"t\",\"history\":5000}", 414, "history must be"},
	{"{\"textroom\":\"allowed\",\"transaction\":\"t\",\"room\":1234,\"secret\":\"adminpwd\",\"action\":\"x\"}", 414,
	 "Unsupported action 'x'"},
	{"{\"textroom\":\"allowed\",\"transaction\":\"t\",\"room\":1234,\"secret\":\"adminpwd\",\"action\":\"add\"}",
	 413, "(allowed)"},
	{"{\"textroom\":\"edit_message\",\"transaction\":\"t\",\"room\":1234,\"id\":1,\"text\":\"x\"}", 422,
	 "Not in room"},
	{"{\"textroom\":\"history\",\"transaction\":\"t\",\"room\":1234}", 422, "join it, or give its secret"},
	{"{\"textroom\":\"unban\",\"transaction\":\"t\",\"room\":1234,\"secret\":\"adminpwd\",\"username\":\"q\"}", 423,
	 "not banned"},
};

static void malformed_requests_refused(void **state)
{
	demo_settings();
	parley_chat_ctx *ctx = ctx_new();
	assert_non_null(ctx);
	fake_session fs;
	parley_plugin_session *s = attach(ctx, &fs);
	for (size_t i = 0; i < G_N_ELEMENTS(refusals); i++) {
		forget();
		data_request(ctx, s, refusals[i].request);
		json_t *reply = last_to(s, "error");
		if (reply == NULL || error_code_of(reply) != refusals[i].code ||
		    strstr(json_string_value(json_object_get(reply, "error")), refusals[i].reason) == NULL) {
			char *text = reply != NULL ? json_dumps(reply, 0) : g_strdup("(no error)");
			print_error("request %zu %s: expected %d '%s', got %s\n", i, refusals[i].request, refusals[i].code,
			            refusals[i].reason, text);
			g_free(text);
			fail();
		}
		/* the answer carries the transaction when the request had one */
		if (strstr(refusals[i].request, "\"transaction\":\"t\"") != NULL)
			assert_string_equal(json_string_value(json_object_get(reply, "transaction")), "t");
	}
	/* data channel messages that are not JSON requests */
	forget();
	data_request(ctx, s, "{not json");
	assert_int_equal(error_code_of(last_to(s, "error")), 412);
	parley_chat_request_data(ctx, s, "l", "{}", 2, true);
	assert_int_equal(error_code_of(last_to(s, "error")), 412);
	parley_chat_request_data(ctx, s, "l", "", 0, false);
	assert_int_equal(error_code_of(last_to(s, "error")), 411);
	/* over the Janus API the name is "request"; no transaction is needed */
	json_t *reply = api_request(ctx, s, "{\"request\":\"exists\",\"room\":1234}");
	assert_true(json_is_true(json_object_get(reply, "exists")));
	json_decref(reply);
	reply = api_request(ctx, s, "{\"room\":1234}");
	assert_int_equal(error_code_of(reply), 413);
	assert_non_null(strstr(json_string_value(json_object_get(reply, "error")), "(request)"));
	json_decref(reply);
	/* the admin API cannot join */
	json_t *body = json_pack("{s:s, s:i, s:s}", "request", "join", "room", 1234, "username", "root");
	reply = parley_chat_request_run(ctx, NULL, PARLEY_CHAT_VIA_ADMIN, NULL, NULL, body);
	assert_int_equal(error_code_of(reply), 415);
	assert_non_null(strstr(json_string_value(json_object_get(reply, "error")), "not available over the admin API"));
	json_decref(reply);
	json_decref(body);
	parley_chat_handle_detach(ctx, s);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void join_message_whisper_leave(void **state)
{
	demo_settings();
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb, fc;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb), *c = attach(ctx, &fc);
	join_data(ctx, a, "alice");
	forget();
	join_data(ctx, b, "bob");
	/* bob's answer lists alice; alice and bob both hear the join */
	json_t *participants = json_object_get(answer(b, "j-bob"), "participants");
	assert_int_equal(json_array_size(participants), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(participants, 0), "username")), "alice");
	assert_string_equal(json_string_value(json_object_get(last_to(a, "join"), "username")), "bob");
	assert_string_equal(json_string_value(json_object_get(last_to(a, "join"), "display")), "bob!");
	assert_int_equal(count_to(b, "join"), 1);
	/* carol joins over the Janus API: her events are Janus events */
	json_t *reply = api_request(ctx, c, "{\"request\":\"join\",\"room\":1234,\"username\":\"carol\"}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "success");
	assert_int_equal(json_array_size(json_object_get(reply, "participants")), 2);
	json_decref(reply);
	/* a public message reaches everyone, the sender too */
	forget();
	data_request(ctx, a, "{\"textroom\":\"message\",\"transaction\":\"m1\",\"room\":1234,\"text\":\"hello all\"}");
	for (parley_plugin_session *to[] = {a, b, c, NULL}, **p = to; *p != NULL; p++) {
		json_t *m = last_to(*p, "message");
		assert_non_null(m);
		assert_string_equal(json_string_value(json_object_get(m, "from")), "alice");
		assert_string_equal(json_string_value(json_object_get(m, "text")), "hello all");
		assert_int_equal(json_integer_value(json_object_get(m, "room")), 1234);
		assert_null(json_object_get(m, "whisper"));
		assert_true(json_integer_value(json_object_get(m, "id")) > 0);
		assert_int_equal(strlen(json_string_value(json_object_get(m, "date"))), 24);
	}
	for (guint i = 0; i < deliveries->len; i++) {
		delivery *d = deliveries->pdata[i];
		assert_true(d->data == (d->session != c)); /* carol by push_event */
	}
	assert_string_equal(json_string_value(json_object_get(answer(a, "m1"), "textroom")), "success");
	/* a whisper to bob and to someone absent */
	forget();
	data_request(ctx, a, "{\"textroom\":\"message\",\"transaction\":\"w1\",\"room\":1234,\"text\":\"psst\","
	                     "\"tos\":[\"bob\",\"nobody\"]}");
	assert_true(json_is_true(json_object_get(last_to(b, "message"), "whisper")));
	assert_null(json_object_get(last_to(b, "message"), "id")); /* whispers are not kept */
	assert_int_equal(count_to(c, "message"), 0);
	assert_int_equal(count_to(a, "message"), 0);
	json_t *sent = json_object_get(answer(a, "w1"), "sent");
	assert_true(json_is_true(json_object_get(sent, "bob")));
	assert_true(json_is_false(json_object_get(sent, "nobody")));
	/* to and tos together are refused */
	data_request(ctx, a, "{\"textroom\":\"message\",\"transaction\":\"w2\",\"room\":1234,\"text\":\"x\","
	                     "\"to\":\"bob\",\"tos\":[\"bob\"]}");
	assert_int_equal(error_code_of(answer(a, "w2")), 414);
	/* ack false: no answer at all */
	forget();
	data_request(ctx, b, "{\"textroom\":\"message\",\"transaction\":\"quiet\",\"room\":1234,\"text\":\"hey\","
	                     "\"ack\":false}");
	assert_null(answer(b, "quiet"));
	assert_int_equal(count_to(a, "message"), 1);
	/* joining twice, and a taken username */
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"again\",\"room\":1234,\"username\":\"x\"}");
	assert_int_equal(error_code_of(answer(a, "again")), 421);
	fake_session fd;
	parley_plugin_session *d = attach(ctx, &fd);
	data_request(ctx, d, "{\"textroom\":\"join\",\"transaction\":\"dup\",\"room\":1234,\"username\":\"bob\"}");
	assert_int_equal(error_code_of(answer(d, "dup")), 420);
	/* bob leaves: he and the others hear it; listparticipants agrees */
	forget();
	data_request(ctx, b, "{\"textroom\":\"leave\",\"transaction\":\"l\",\"room\":1234}");
	assert_string_equal(json_string_value(json_object_get(last_to(a, "leave"), "username")), "bob");
	assert_int_equal(count_to(b, "leave"), 1);
	assert_int_equal(count_to(c, "leave"), 1);
	reply = api_request(ctx, d, "{\"request\":\"listparticipants\",\"room\":1234}");
	participants = json_object_get(reply, "participants");
	assert_int_equal(json_array_size(participants), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(participants, 0), "username")), "alice");
	assert_string_equal(json_string_value(json_object_get(json_array_get(participants, 1), "username")), "carol");
	json_decref(reply);
	/* carol's handle goes: the others hear "leave" */
	forget();
	parley_chat_handle_detach(ctx, c);
	assert_string_equal(json_string_value(json_object_get(last_to(a, "leave"), "username")), "carol");
	/* alice's data channels go: she leaves the rooms she joined over them */
	parley_chat_handle_hangup(ctx, a);
	reply = api_request(ctx, d, "{\"request\":\"listparticipants\",\"room\":1234}");
	assert_int_equal(json_array_size(json_object_get(reply, "participants")), 0);
	json_decref(reply);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	parley_chat_handle_detach(ctx, d);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void history_replayed_and_kept(void **state)
{
	char *dir = g_dir_make_tmp("chat-requests-XXXXXX", NULL);
	char *path = g_build_filename(dir, "chat.db", NULL);
	demo_settings();
	set("room-1234", "history", "3");
	parley_chat_ctx *ctx = ctx_new_on(path);
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	join_data(ctx, a, "alice");
	for (int i = 0; i < 5; i++) {
		char *text = g_strdup_printf("{\"textroom\":\"message\",\"transaction\":\"m%d\",\"room\":1234,"
		                             "\"text\":\"line %d\"}", i, i);
		test_now += 1000;
		data_request(ctx, a, text);
		g_free(text);
	}
	json_t *body = json_pack("{s:s, s:i, s:s}", "request", "announcement", "room", 1234, "text", "closing soon");
	json_t *reply = parley_chat_request_run(ctx, NULL, PARLEY_CHAT_VIA_ADMIN, NULL, NULL, body);
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "success");
	assert_string_equal(json_string_value(json_object_get(last_to(a, "announcement"), "text")), "closing soon");
	json_decref(reply);
	json_decref(body);
	parley_chat_handle_detach(ctx, a);
	ctx_free(ctx);

	/* a new context on the same file: a late joiner gets the last three */
	demo_settings();
	set("room-1234", "history", "3");
	ctx = ctx_new_on(path);
	fake_session fb;
	parley_plugin_session *b = attach(ctx, &fb);
	join_data(ctx, b, "bob");
	const char *expected[] = {"line 3", "line 4", "closing soon"};
	unsigned seen = 0;
	for (guint i = 0; i < deliveries->len; i++) {
		delivery *d = deliveries->pdata[i];
		const char *kind = json_string_value(json_object_get(d->json, "textroom"));
		if (g_strcmp0(kind, "message") == 0 || g_strcmp0(kind, "announcement") == 0) {
			assert_true(seen < 3);
			assert_string_equal(json_string_value(json_object_get(d->json, "text")), expected[seen]);
			seen++;
		}
		/* the history comes before bob's own join event and his answer */
		if (g_strcmp0(kind, "join") == 0)
			assert_int_equal(seen, 3);
	}
	assert_int_equal(seen, 3);
	json_t *replayed = NULL;
	for (guint i = 0; i < deliveries->len && replayed == NULL; i++) {
		delivery *d = deliveries->pdata[i];
		if (g_strcmp0(json_string_value(json_object_get(d->json, "text")), "line 3") == 0)
			replayed = d->json;
	}
	assert_string_equal(json_string_value(json_object_get(replayed, "from")), "alice");
	assert_string_equal(json_string_value(json_object_get(replayed, "display")), "alice!");
	/* "history": false skips it */
	fake_session fc;
	parley_plugin_session *c = attach(ctx, &fc);
	forget();
	data_request(ctx, c, "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":1234,\"username\":\"carol\","
	                     "\"history\":false}");
	assert_int_equal(count_to(c, "message") + count_to(c, "announcement"), 0);
	/* a page of it on request, by a participant */
	data_request(ctx, c, "{\"textroom\":\"history\",\"transaction\":\"h\",\"room\":1234,\"limit\":2}");
	json_t *page = answer(c, "h");
	assert_int_equal(json_integer_value(json_object_get(page, "total")), 3);
	assert_int_equal(json_array_size(json_object_get(page, "messages")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(page, "messages"), 1),
	                                                      "text")), "closing soon");
	parley_chat_handle_detach(ctx, b);
	parley_chat_handle_detach(ctx, c);
	ctx_free(ctx);
	char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
	g_rmdir(dir);
	g_free(wal);
	g_free(shm);
	g_free(path);
	g_free(dir);
}

static void room_management(void **state)
{
	demo_settings();
	set("general", "admin_key", "topkey");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	/* create needs the admin key */
	json_t *reply = api_request(ctx, a, "{\"request\":\"create\",\"room\":42}");
	assert_int_equal(error_code_of(reply), 413);
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"create\",\"room\":42,\"admin_key\":\"bad\"}");
	assert_int_equal(error_code_of(reply), 419);
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"create\",\"room\":42,\"admin_key\":\"topkey\",\"description\":"
	                            "\"Forty-two\",\"pin\":\"p\",\"is_private\":true,\"secret\":\"s42\"}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "created");
	assert_int_equal(json_integer_value(json_object_get(reply, "room")), 42);
	assert_true(json_is_false(json_object_get(reply, "permanent")));
	json_decref(reply);
	/* a room id chosen by the plugin */
	reply = api_request(ctx, a, "{\"request\":\"create\",\"admin_key\":\"topkey\"}");
	json_int_t random_id = json_integer_value(json_object_get(reply, "room"));
	assert_true(random_id > 0 && random_id < (1LL << 53));
	json_decref(reply);
	/* list: private rooms only with the admin key */
	reply = api_request(ctx, a, "{\"request\":\"list\"}");
	assert_int_equal(json_array_size(json_object_get(reply, "list")), 2);
	json_t *first = json_array_get(json_object_get(reply, "list"), 0);
	assert_true(json_integer_value(json_object_get(first, "room")) < json_integer_value(json_object_get(
		json_array_get(json_object_get(reply, "list"), 1), "room")));
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"list\",\"admin_key\":\"topkey\"}");
	assert_int_equal(json_array_size(json_object_get(reply, "list")), 3);
	json_decref(reply);
	/* the pin */
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j1\",\"room\":42,\"username\":\"a\"}");
	assert_int_equal(error_code_of(answer(a, "j1")), 413);
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j2\",\"room\":42,\"username\":\"a\",\"pin\":\"q\"}");
	assert_int_equal(error_code_of(answer(a, "j2")), 419);
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j3\",\"room\":42,\"username\":\"a\",\"pin\":\"p\"}");
	assert_string_equal(json_string_value(json_object_get(answer(a, "j3"), "textroom")), "success");
	/* edit over a data channel answers "success"; the pin changes */
	data_request(ctx, a, "{\"textroom\":\"edit\",\"transaction\":\"e\",\"room\":42,\"secret\":\"s42\","
	                     "\"new_description\":\"Renamed\",\"new_pin\":\"\"}");
	assert_string_equal(json_string_value(json_object_get(answer(a, "e"), "textroom")), "success");
	reply = api_request(ctx, a, "{\"request\":\"list\",\"admin_key\":\"topkey\"}");
	json_t *list = json_object_get(reply, "list");
	size_t i;
	json_t *room;
	json_array_foreach(list, i, room) {
		if (json_integer_value(json_object_get(room, "room")) == 42) {
			assert_string_equal(json_string_value(json_object_get(room, "description")), "Renamed");
			assert_true(json_is_false(json_object_get(room, "pin_required")));
			assert_int_equal(json_integer_value(json_object_get(room, "num_participants")), 1);
		}
	}
	json_decref(reply);
	/* allowed: tokens */
	reply = api_request(ctx, a, "{\"request\":\"allowed\",\"room\":42,\"secret\":\"s42\",\"action\":\"add\","
	                            "\"allowed\":[\"t2\",\"t1\"]}");
	assert_string_equal(json_string_value(json_array_get(json_object_get(reply, "allowed"), 0)), "t1");
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"allowed\",\"room\":42,\"secret\":\"s42\",\"action\":\"enable\"}");
	json_decref(reply);
	fake_session fb;
	parley_plugin_session *b = attach(ctx, &fb);
	data_request(ctx, b, "{\"textroom\":\"join\",\"transaction\":\"t\",\"room\":42,\"username\":\"b\"}");
	assert_int_equal(error_code_of(answer(b, "t")), 419);
	data_request(ctx, b, "{\"textroom\":\"join\",\"transaction\":\"t2\",\"room\":42,\"username\":\"b\","
	                     "\"token\":\"t2\"}");
	assert_string_equal(json_string_value(json_object_get(answer(b, "t2"), "textroom")), "success");
	/* destroy: everyone in it hears "destroyed"; over the API the answer says "destroyed" */
	forget();
	reply = api_request(ctx, b, "{\"request\":\"destroy\",\"room\":42,\"secret\":\"s42\"}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "destroyed");
	json_decref(reply);
	assert_int_equal(count_to(a, "destroyed"), 1);
	assert_int_equal(count_to(b, "destroyed"), 1);
	reply = api_request(ctx, a, "{\"request\":\"exists\",\"room\":42}");
	assert_true(json_is_false(json_object_get(reply, "exists")));
	json_decref(reply);
	/* the handles forgot the room */
	json_t *info = parley_chat_handle_query(ctx, a);
	assert_int_equal(json_array_size(json_object_get(info, "rooms")), 0);
	json_decref(info);
	parley_chat_handle_detach(ctx, a);
	parley_chat_handle_detach(ctx, b);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void permanent_rooms_come_back(void **state)
{
	char *dir = g_dir_make_tmp("chat-rooms-XXXXXX", NULL);
	char *path = g_build_filename(dir, "chat.db", NULL);
	demo_settings();
	parley_chat_ctx *ctx = ctx_new_on(path);
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	json_t *reply = api_request(ctx, a, "{\"request\":\"create\",\"room\":7,\"description\":\"Seven\","
	                                    "\"secret\":\"s\",\"permanent\":true,\"history\":4}");
	assert_true(json_is_true(json_object_get(reply, "permanent")));
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"create\",\"room\":8}");
	json_decref(reply);
	reply = api_request(ctx, a, "{\"request\":\"ban\",\"room\":7,\"secret\":\"s\",\"username\":\"mallory\"}");
	assert_true(json_is_false(json_object_get(reply, "kicked")));
	json_decref(reply);
	/* the file's room edited permanently keeps its new description */
	reply = api_request(ctx, a, "{\"request\":\"edit\",\"room\":1234,\"secret\":\"adminpwd\","
	                            "\"new_description\":\"Edited\",\"permanent\":true}");
	assert_string_equal(json_string_value(json_object_get(reply, "textroom")), "edited");
	json_decref(reply);
	parley_chat_handle_detach(ctx, a);
	ctx_free(ctx);

	demo_settings();
	ctx = ctx_new_on(path);
	a = attach(ctx, &fa);
	reply = api_request(ctx, a, "{\"request\":\"list\"}");
	json_t *list = json_object_get(reply, "list");
	assert_int_equal(json_array_size(list), 2); /* 1234 and 7; 8 was not permanent */
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "description")), "Seven");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "history")), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "description")), "Edited");
	json_decref(reply);
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":7,\"username\":\"mallory\"}");
	assert_int_equal(error_code_of(answer(a, "j")), 419); /* still banned */
	/* destroyed permanently: gone for good */
	reply = api_request(ctx, a, "{\"request\":\"destroy\",\"room\":7,\"secret\":\"s\",\"permanent\":true}");
	json_decref(reply);
	parley_chat_handle_detach(ctx, a);
	ctx_free(ctx);
	demo_settings();
	ctx = ctx_new_on(path);
	assert_null(parley_chat_room_find(ctx, 7));
	ctx_free(ctx);
	char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
	g_rmdir(dir);
	g_free(wal);
	g_free(shm);
	g_free(path);
	g_free(dir);
}

static void moderation(void **state)
{
	demo_settings();
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa, fb, fm;
	parley_plugin_session *a = attach(ctx, &fa), *b = attach(ctx, &fb), *m = attach(ctx, &fm);
	join_data(ctx, a, "alice");
	join_data(ctx, b, "bob");
	/* mute: bob cannot write, everyone hears it */
	forget();
	data_request(ctx, m, "{\"textroom\":\"mute\",\"transaction\":\"mu\",\"room\":1234,\"secret\":\"adminpwd\","
	                     "\"username\":\"bob\"}");
	assert_true(json_is_true(json_object_get(last_to(a, "muted"), "muted")));
	data_request(ctx, b, "{\"textroom\":\"message\",\"transaction\":\"x\",\"room\":1234,\"text\":\"hi\"}");
	assert_int_equal(error_code_of(answer(b, "x")), 419);
	assert_non_null(strstr(json_string_value(json_object_get(answer(b, "x"), "error")), "muted"));
	data_request(ctx, m, "{\"textroom\":\"unmute\",\"transaction\":\"um\",\"room\":1234,\"secret\":\"adminpwd\","
	                     "\"username\":\"bob\"}");
	data_request(ctx, b, "{\"textroom\":\"message\",\"transaction\":\"y\",\"room\":1234,\"text\":\"back\"}");
	assert_string_equal(json_string_value(json_object_get(answer(b, "y"), "textroom")), "success");
	/* edit and delete: one's own only */
	json_int_t id = json_integer_value(json_object_get(answer(b, "y"), "id"));
	assert_true(id > 0);
	char *text = g_strdup_printf("{\"textroom\":\"edit_message\",\"transaction\":\"e1\",\"room\":1234,\"id\":%"
	                             JSON_INTEGER_FORMAT ",\"text\":\"not yours\"}", id);
	data_request(ctx, a, text);
	assert_int_equal(error_code_of(answer(a, "e1")), 419);
	assert_non_null(strstr(json_string_value(json_object_get(answer(a, "e1"), "error")), "not sent by alice"));
	g_free(text);
	text = g_strdup_printf("{\"textroom\":\"edit_message\",\"transaction\":\"e2\",\"room\":1234,\"id\":%"
	                       JSON_INTEGER_FORMAT ",\"text\":\"back again\"}", id);
	forget();
	data_request(ctx, b, text);
	g_free(text);
	json_t *edited = last_to(a, "message_edited");
	assert_string_equal(json_string_value(json_object_get(edited, "text")), "back again");
	assert_int_equal(json_integer_value(json_object_get(edited, "id")), id);
	data_request(ctx, b, "{\"textroom\":\"edit_message\",\"transaction\":\"e3\",\"room\":1234,\"id\":999999,"
	                     "\"text\":\"x\"}");
	assert_int_equal(error_code_of(answer(b, "e3")), 426);
	text = g_strdup_printf("{\"textroom\":\"delete_message\",\"transaction\":\"d1\",\"room\":1234,\"id\":%"
	                       JSON_INTEGER_FORMAT "}", id);
	data_request(ctx, a, text);
	assert_int_equal(error_code_of(answer(a, "d1")), 419);
	g_free(text);
	/* ... or anyone's with the room secret */
	text = g_strdup_printf("{\"textroom\":\"delete_message\",\"transaction\":\"d2\",\"room\":1234,\"id\":%"
	                       JSON_INTEGER_FORMAT ",\"secret\":\"adminpwd\"}", id);
	data_request(ctx, m, text);
	g_free(text);
	assert_string_equal(json_string_value(json_object_get(answer(m, "d2"), "textroom")), "success");
	assert_int_equal(json_integer_value(json_object_get(last_to(a, "message_deleted"), "id")), id);
	/* kick: everyone hears it, the kicked one too; he may come back */
	forget();
	data_request(ctx, m, "{\"textroom\":\"kick\",\"transaction\":\"k\",\"room\":1234,\"secret\":\"adminpwd\","
	                     "\"username\":\"bob\"}");
	assert_string_equal(json_string_value(json_object_get(last_to(b, "kicked"), "username")), "bob");
	assert_int_equal(count_to(a, "kicked"), 1);
	join_data(ctx, b, "bob");
	/* ban: out, and not back */
	forget();
	data_request(ctx, m, "{\"textroom\":\"ban\",\"transaction\":\"b\",\"room\":1234,\"secret\":\"adminpwd\","
	                     "\"username\":\"bob\"}");
	assert_true(json_is_true(json_object_get(last_to(a, "kicked"), "banned")));
	assert_true(json_is_true(json_object_get(answer(m, "b"), "kicked")));
	data_request(ctx, b, "{\"textroom\":\"join\",\"transaction\":\"jb\",\"room\":1234,\"username\":\"bob\"}");
	assert_int_equal(error_code_of(answer(b, "jb")), 419);
	data_request(ctx, m, "{\"textroom\":\"unban\",\"transaction\":\"ub\",\"room\":1234,\"secret\":\"adminpwd\","
	                     "\"username\":\"bob\"}");
	join_data(ctx, b, "bob");
	/* an announcement needs the secret; purge empties the history */
	data_request(ctx, b, "{\"textroom\":\"announcement\",\"transaction\":\"an\",\"room\":1234,\"text\":\"x\"}");
	assert_int_equal(error_code_of(answer(b, "an")), 413);
	data_request(ctx, m, "{\"textroom\":\"purge\",\"transaction\":\"p\",\"room\":1234,\"secret\":\"adminpwd\"}");
	assert_int_equal(json_integer_value(json_object_get(answer(m, "p"), "removed")), 0);
	for (parley_plugin_session *s[] = {a, b, m, NULL}, **p = s; *p != NULL; p++)
		parley_chat_handle_detach(ctx, *p);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void negotiation(void **state)
{
	demo_settings();
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	parley_plugin_result result;
	assert_false(parley_chat_negotiate(ctx, a, "join", "t", NULL, &result));
	/* restart before setup */
	assert_true(parley_chat_negotiate(ctx, a, "restart", "t0", NULL, &result));
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK_WAIT);
	assert_int_equal(error_code_of(last_to(a, "error")), 416);
	/* setup: an offer with one m=application line */
	assert_true(parley_chat_negotiate(ctx, a, "setup", "t1", NULL, &result));
	json_t *event = last_to(a, "event");
	assert_string_equal(json_string_value(json_object_get(event, "result")), "ok");
	json_t *jsep = json_object_get(event, "__jsep");
	assert_string_equal(json_string_value(json_object_get(jsep, "type")), "offer");
	assert_string_equal(json_string_value(json_object_get(jsep, "sdp")), "v=0\r\nm=application\r\n");
	assert_null(json_object_get(jsep, "restart"));
	/* setup again is refused; ack with an answer is fine; restart offers again */
	assert_true(parley_chat_negotiate(ctx, a, "setup", "t2", NULL, &result));
	assert_int_equal(error_code_of(last_to(a, "error")), 416);
	json_t *answer_jsep = json_pack("{s:s, s:s}", "type", "answer", "sdp", "v=0");
	forget();
	assert_true(parley_chat_negotiate(ctx, a, "ack", "t3", answer_jsep, &result));
	assert_null(json_object_get(last_to(a, "event"), "__jsep"));
	json_decref(answer_jsep);
	assert_true(parley_chat_negotiate(ctx, a, "restart", "t4", NULL, &result));
	assert_true(json_is_true(json_object_get(json_object_get(last_to(a, "event"), "__jsep"), "restart")));
	/* the data channels go: setup may be asked again */
	parley_chat_handle_hangup(ctx, a);
	assert_true(parley_chat_negotiate(ctx, a, "setup", "t5", NULL, &result));
	assert_non_null(json_object_get(last_to(a, "event"), "__jsep"));
	parley_chat_handle_detach(ctx, a);
	run_timers();
	assert_int_equal(refs, 0);
	ctx_free(ctx);
}

static void implicit_rooms(void **state)
{
	demo_settings();
	set("general", "implicit_rooms", "true");
	set("limits", "max_rooms_per_handle", "1");
	parley_chat_ctx *ctx = ctx_new();
	fake_session fa;
	parley_plugin_session *a = attach(ctx, &fa);
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":555,\"username\":\"a\"}");
	assert_string_equal(json_string_value(json_object_get(answer(a, "j"), "textroom")), "success");
	assert_non_null(parley_chat_room_find(ctx, 555));
	data_request(ctx, a, "{\"textroom\":\"leave\",\"transaction\":\"l\",\"room\":555}");
	assert_null(parley_chat_room_find(ctx, 555)); /* gone once empty */
	/* one that holds a ban stays, empty: the ban holds */
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j3\",\"room\":557,\"username\":\"a\"}");
	data_request(ctx, a, "{\"textroom\":\"ban\",\"transaction\":\"b\",\"room\":557,\"username\":\"a\"}");
	assert_true(json_is_true(json_object_get(answer(a, "b"), "kicked")));
	assert_non_null(parley_chat_room_find(ctx, 557));
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j4\",\"room\":557,\"username\":\"a\"}");
	assert_int_equal(error_code_of(answer(a, "j4")), 419);
	/* a join that fails leaves no room behind: here, one room per handle */
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j1\",\"room\":1234,\"username\":\"a\"}");
	data_request(ctx, a, "{\"textroom\":\"join\",\"transaction\":\"j2\",\"room\":556,\"username\":\"a\"}");
	assert_int_equal(error_code_of(answer(a, "j2")), 427);
	assert_null(parley_chat_room_find(ctx, 556));
	parley_chat_handle_detach(ctx, a);
	ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(malformed_requests_refused),
		cmocka_unit_test(join_message_whisper_leave),
		cmocka_unit_test(history_replayed_and_kept),
		cmocka_unit_test(room_management),
		cmocka_unit_test(permanent_rooms_come_back),
		cmocka_unit_test(moderation),
		cmocka_unit_test(negotiation),
		cmocka_unit_test(implicit_rooms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
