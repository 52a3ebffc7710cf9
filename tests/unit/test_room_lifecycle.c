/*
 * tests/unit/test_room_lifecycle.c — rooms and peers through the request
 * table with a recording core and a fake clock: create/join/leave with the
 * seed's events, capacity, validation errors, heartbeat expiry, the
 * reconnect window (same peerId back within it, removed after it), idle
 * room close, config-file rooms, destroy (roomClosed), admin list/kick/
 * mute, and balanced handle references.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_room_core.h"

static parley_plugin_session sessions[12];

static void attach_all(room_ctx *ctx)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sessions); i++)
		parley_room_handle_attach(ctx, &sessions[i]);
}

static char *join(room_ctx *ctx, int who, const char *room)
{
	char text[256];
	g_snprintf(text, sizeof(text), "{\"request\":\"joinRoom\",\"roomId\":\"%s\",\"metadata\":{\"name\":\"p%d\"}}",
	           room, who);
	json_t *answer = send_request(ctx, &sessions[who], text, NULL);
	assert_non_null(answer);
	char *peer = g_strdup(json_string_value(json_object_get(answer, "peerId")));
	json_decref(answer);
	return peer;
}

static void test_create_join_leave(void **state)
{
	(void)state;
	room_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	json_t *created = send_request(ctx, &sessions[0], "{\"request\":\"createRoom\",\"metadata\":{\"name\":\"a\"}}", NULL);
	assert_non_null(created);
	const char *room_id = json_string_value(json_object_get(created, "roomId"));
	const char *creator = json_string_value(json_object_get(created, "peerId"));
	assert_non_null(room_id);
	assert_non_null(creator);
	char *text = g_strdup_printf("{\"request\":\"joinRoom\",\"roomId\":\"%s\",\"metadata\":{\"n\":1}}", room_id);
	json_t *joined = send_request(ctx, &sessions[1], text, NULL);
	g_free(text);
	assert_non_null(joined);
	json_t *peers = json_object_get(joined, "peers");
	assert_int_equal(json_array_size(peers), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(peers, 0), "peerId")), creator);
	json_t *event = last_event(&sessions[0], "peerJoined");
	assert_non_null(event);
	assert_string_equal(json_string_value(json_object_get(event, "peerId")),
	                    json_string_value(json_object_get(joined, "peerId")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(event, "metadata"), "n")), 1);
	assert_int_equal(events_to(&sessions[1], "peerJoined"), 0);
	/* info */
	json_t *info = send_request(ctx, &sessions[1], "{\"request\":\"getRoomInfo\"}", NULL);
	assert_int_equal(json_integer_value(json_object_get(info, "peerCount")), 2);
	json_decref(info);
	/* leave: the other gets peerLeft */
	json_t *left = send_request(ctx, &sessions[1], "{\"request\":\"leaveRoom\"}", NULL);
	assert_true(json_is_true(json_object_get(left, "success")));
	event = last_event(&sessions[0], "peerLeft");
	assert_non_null(event);
	assert_string_equal(json_string_value(json_object_get(event, "peerId")),
	                    json_string_value(json_object_get(joined, "peerId")));
	json_decref(left);
	json_decref(joined);
	json_decref(created);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_capacity_and_errors(void **state)
{
	(void)state;
	fake_config_set("general", "max_participants", "3");
	room_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	for (int i = 0; i < 3; i++)
		g_free(join(ctx, i, "full"));
	parley_plugin_result_kind kind;
	assert_null(send_request(ctx, &sessions[3], "{\"request\":\"joinRoom\",\"roomId\":\"full\"}", &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_ERROR);
	json_t *error = last_event(&sessions[3], "error");
	assert_non_null(error);
	assert_int_equal(json_integer_value(json_object_get(error, "code")), ROOM_ERR_FULL);
	/* bad input: each refused with an error, none crashes */
	static const char *const bad[] = {
		"{\"request\":\"joinRoom\"}",
		"{\"request\":\"joinRoom\",\"roomId\":42}",
		"{\"request\":\"joinRoom\",\"roomId\":\"bad id!\"}",
		"{\"request\":\"joinRoom\",\"roomId\":\"x\",\"metadata\":[1]}",
		"{\"request\":\"createRoom\",\"maxParticipants\":100000}",
		"{\"request\":\"createRoom\",\"maxParticipants\":\"7\"}",
		"{\"request\":\"nope\"}",
		"{\"request\":7}",
		"{\"request\":\"consume\",\"producerId\":\"x\"}",
		"{\"request\":\"pauseProducer\",\"producerId\":\"x\"}",
		"{\"request\":\"getRoomInfo\",\"roomId\":\"missing\"}",
		"{\"request\":\"produce\"}",
		"{\"request\":\"attachSubscriber\",\"roomId\":\"full\",\"peerId\":\"nobody\"}",
		"{\"request\":\"roomExists\"}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_null(send_request(ctx, &sessions[4], bad[i], &kind));
		assert_int_equal(kind, PARLEY_PLUGIN_ERROR);
	}
	/* a joined peer: consume without a subscriber handle, unknown producer */
	assert_null(send_request(ctx, &sessions[0], "{\"request\":\"consume\",\"producerId\":\"zzz\"}", &kind));
	assert_int_equal(json_integer_value(json_object_get(last_event(&sessions[0], "error"), "code")), ROOM_ERR_NOT_FOUND);
	assert_null(send_request(ctx, &sessions[0], "{\"request\":\"joinRoom\",\"roomId\":\"other\"}", &kind));
	assert_int_equal(json_integer_value(json_object_get(last_event(&sessions[0], "error"), "code")), ROOM_ERR_CONFLICT);
	json_t *exists = send_request(ctx, &sessions[4], "{\"request\":\"roomExists\",\"roomId\":\"full\"}", NULL);
	assert_true(json_is_true(json_object_get(exists, "exists")));
	json_decref(exists);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_heartbeat_expiry(void **state)
{
	(void)state;
	fake_config_set("general", "peer_timeout", "60");
	room_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *a = join(ctx, 0, "hb");
	char *b = join(ctx, 1, "hb");
	fake_now_ms += 40000;
	json_decref(send_request(ctx, &sessions[0], "{\"request\":\"heartbeat\"}", NULL));
	fake_now_ms += 30000;   /* b: 70 s silent; a: 30 s since its heartbeat */
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 1);
	json_t *left = last_event(&sessions[0], "peerLeft");
	assert_non_null(left);
	assert_string_equal(json_string_value(json_object_get(left, "peerId")), b);
	assert_string_equal(json_string_value(json_object_get(left, "reason")), "timeout");
	assert_non_null(last_event(&sessions[1], "error"));
	/* media traffic counts as liveness */
	g_mutex_lock(&ctx->lock);
	room_handle *h = parley_room_handle_lookup_locked(ctx, &sessions[0]);
	g_mutex_unlock(&ctx->lock);
	fake_now_ms += 50000;
	ROOM_ADD64(&h->traffic, 5);
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	fake_now_ms += 59000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	fake_now_ms += 2000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 1);
	g_free(a);
	g_free(b);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_reconnect_window(void **state)
{
	(void)state;
	room_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *a = join(ctx, 0, "rc");
	char *b = join(ctx, 1, "rc");
	/* b's handle vanishes */
	assert_int_equal(parley_room_handle_detach(ctx, &sessions[1]), 0);
	assert_int_equal(events_to(&sessions[0], "peerLeft"), 0);
	fake_now_ms += 20000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	/* back within 30 s on a new handle with the same peerId */
	parley_room_handle_attach(ctx, &sessions[1]);
	char text[128];
	g_snprintf(text, sizeof(text), "{\"request\":\"joinRoom\",\"roomId\":\"rc\",\"peerId\":\"%s\"}", b);
	json_t *back = send_request(ctx, &sessions[1], text, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "peerId")), b);
	assert_true(json_is_true(json_object_get(back, "reconnected")));
	assert_int_equal(json_array_size(json_object_get(back, "peers")), 1);
	json_decref(back);
	assert_int_equal(events_to(&sessions[0], "peerJoined"), 1);   /* only b's first join */
	/* gone again, and this time past the window */
	assert_int_equal(parley_room_handle_detach(ctx, &sessions[1]), 0);
	fake_now_ms += 29000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	fake_now_ms += 2000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 1);
	json_t *left = last_event(&sessions[0], "peerLeft");
	assert_string_equal(json_string_value(json_object_get(left, "peerId")), b);
	assert_string_equal(json_string_value(json_object_get(left, "reason")), "disconnected");
	/* a stale peerId joins as a new peer */
	parley_room_handle_attach(ctx, &sessions[1]);
	json_t *fresh = send_request(ctx, &sessions[1], text, NULL);
	assert_string_not_equal(json_string_value(json_object_get(fresh, "peerId")), b);
	assert_false(json_is_true(json_object_get(fresh, "reconnected")));
	json_decref(fresh);
	g_free(a);
	g_free(b);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_idle_rooms_and_config_rooms(void **state)
{
	(void)state;
	fake_config_set("general", "rooms", "lobby, hall");
	fake_config_set("room.hall", "max_participants", "2");
	fake_config_set("general", "room_idle_timeout", "1800");
	room_ctx *ctx = fake_ctx_new();
	parley_room_load_config_rooms(ctx);
	attach_all(ctx);
	json_t *list = send_request(ctx, &sessions[0], "{\"request\":\"listRooms\"}", NULL);
	assert_int_equal(json_array_size(json_object_get(list, "rooms")), 2);
	json_decref(list);
	g_free(join(ctx, 0, "hall"));
	g_free(join(ctx, 1, "hall"));
	parley_plugin_result_kind kind;
	assert_null(send_request(ctx, &sessions[2], "{\"request\":\"joinRoom\",\"roomId\":\"hall\"}", &kind));
	/* an API room, left empty */
	json_t *created = send_request(ctx, &sessions[3], "{\"request\":\"createRoom\",\"roomId\":\"tmp\"}", NULL);
	json_decref(created);
	json_decref(send_request(ctx, &sessions[3], "{\"request\":\"leaveRoom\"}", NULL));
	json_decref(send_request(ctx, &sessions[0], "{\"request\":\"heartbeat\"}", NULL));
	fake_now_ms += 1799000;
	json_decref(send_request(ctx, &sessions[0], "{\"request\":\"heartbeat\"}", NULL));
	json_decref(send_request(ctx, &sessions[1], "{\"request\":\"heartbeat\"}", NULL));
	parley_room_sweep(ctx, fake_now_ms);
	g_mutex_lock(&ctx->lock);
	assert_non_null(parley_room_lookup_locked(ctx, "tmp"));
	g_mutex_unlock(&ctx->lock);
	fake_now_ms += 2000;
	json_decref(send_request(ctx, &sessions[0], "{\"request\":\"heartbeat\"}", NULL));
	json_decref(send_request(ctx, &sessions[1], "{\"request\":\"heartbeat\"}", NULL));
	parley_room_sweep(ctx, fake_now_ms);
	g_mutex_lock(&ctx->lock);
	assert_null(parley_room_lookup_locked(ctx, "tmp"));
	assert_non_null(parley_room_lookup_locked(ctx, "lobby"));   /* config rooms stay */
	assert_non_null(parley_room_lookup_locked(ctx, "hall"));
	g_mutex_unlock(&ctx->lock);
	/* destroy: everyone told roomClosed */
	json_t *destroyed = send_request(ctx, &sessions[4], "{\"request\":\"destroyRoom\",\"roomId\":\"hall\"}", NULL);
	assert_true(json_is_true(json_object_get(destroyed, "success")));
	json_decref(destroyed);
	json_t *closed = last_event(&sessions[0], "roomClosed");
	assert_non_null(closed);
	assert_string_equal(json_string_value(json_object_get(closed, "reason")), "destroyed");
	assert_non_null(last_event(&sessions[1], "roomClosed"));
	assert_int_equal(events_to(&sessions[0], "peerLeft"), 0);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_admin(void **state)
{
	(void)state;
	fake_config_set("general", "admin_key", "s3cret");
	room_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	parley_plugin_result_kind kind;
	assert_null(send_request(ctx, &sessions[0], "{\"request\":\"createRoom\",\"roomId\":\"adm\"}", &kind));
	json_decref(send_request(ctx, &sessions[0], "{\"request\":\"createRoom\",\"roomId\":\"adm\",\"adminKey\":\"s3cret\"}",
	                         NULL));
	char *b = join(ctx, 1, "adm");
	json_t *body = json_pack("{s:s}", "request", "list");
	json_t *answer = parley_room_handle_admin(ctx, body);
	assert_int_equal(json_integer_value(json_object_get(answer, "peerCount")), 2);
	json_decref(answer);
	json_decref(body);
	body = json_pack("{s:s, s:s, s:s}", "request", "kick", "roomId", "adm", "peerId", b);
	answer = parley_room_handle_admin(ctx, body);
	assert_true(json_is_true(json_object_get(answer, "success")));
	assert_non_null(last_event(&sessions[1], "kicked"));
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "peerLeft"), "reason")), "kicked");
	json_decref(answer);
	json_decref(body);
	body = json_pack("{s:s, s:s, s:s}", "request", "kick", "roomId", "adm", "peerId", b);
	answer = parley_room_handle_admin(ctx, body);
	assert_non_null(json_object_get(answer, "error"));
	json_decref(answer);
	json_decref(body);
	body = json_pack("{s:s}", "request", "explode");
	answer = parley_room_handle_admin(ctx, body);
	assert_non_null(json_object_get(answer, "error"));
	json_decref(answer);
	json_decref(body);
	g_free(b);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_join_leave),
		cmocka_unit_test(test_capacity_and_errors),
		cmocka_unit_test(test_heartbeat_expiry),
		cmocka_unit_test(test_reconnect_window),
		cmocka_unit_test(test_idle_rooms_and_config_rooms),
		cmocka_unit_test(test_admin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
