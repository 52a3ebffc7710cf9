/*
 * tests/unit/test_meeting_signaling.c — the meeting signaling driven with a
 * recording core table: a three-user join (who receives what), relay only
 * to the target, toggles and chat fan-out, leave and dropped connections,
 * every meeting-error path, the approval waiting room, host controls,
 * joining twice, the TTL sweep, and the chat kept for late joiners
 * (GET /api/meetings/:roomId/chat).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_meeting_core.h"

static parley_plugin_session sessions[6];

static void attach_all(parley_meeting_ctx *ctx)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sessions); i++)
		parley_meeting_handle_attach(ctx, &sessions[i]);
}

/* Sends a request built from a JSON text with %s slots. */
static void send_json(parley_meeting_ctx *ctx, int who, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	char *text = g_strdup_vprintf(format, ap);
	va_end(ap);
	json_error_t error;
	json_t *body = json_loads(text, 0, &error);
	if (body == NULL)
		fail_msg("bad test JSON %s: %s", text, error.text);
	assert_int_equal(parley_meeting_signal(ctx, &sessions[who], "tx", body), 0);
	json_decref(body);
	g_free(text);
}

static void join(parley_meeting_ctx *ctx, int who, const char *room, const char *user)
{
	send_json(ctx, who, "{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"%s\",\"userName\":\"N %s\","
	          "\"isAudioEnabled\":true,\"isVideoEnabled\":false}", room, user, user);
}

static const char *peer_of(parley_meeting_ctx *ctx, int who)
{
	parley_meeting_handle *h = g_hash_table_lookup(ctx->sessions, &sessions[who]);
	return h->peer_id;
}

static void expect_error(int who, const char *error)
{
	json_t *e = last_event(&sessions[who], "meeting-error");
	if (e == NULL)
		fail_msg("no meeting-error for %d (wanted '%s')", who, error);
	assert_string_equal(json_string_value(json_object_get(e, "error")), error);
}

/* The fixture of the tests that start from a meeting the host, bob and
 * carol (sessions 0, 1 and 2) have joined, their events so far forgotten. */
typedef struct meeting_of_three {
	parley_meeting_ctx *ctx;
	char *room; /* g_free */
} meeting_of_three;

static int three_joined(void **state)
{
	meeting_of_three *three = g_new0(meeting_of_three, 1);
	three->ctx = fake_ctx_new();
	attach_all(three->ctx);
	three->room = fake_meeting_create(three->ctx, "T", NULL);
	join(three->ctx, 0, three->room, "host");
	join(three->ctx, 1, three->room, "bob");
	join(three->ctx, 2, three->room, "carol");
	forget_events();
	*state = three;
	return 0;
}

static int three_done(void **state)
{
	meeting_of_three *three = *state;
	g_free(three->room);
	fake_ctx_free(three->ctx);
	g_free(three);
	return 0;
}

static void three_users_join(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *room = fake_meeting_create(ctx, "T", NULL);
	join(ctx, 0, room, "host");
	assert_int_equal(events_to(&sessions[0], "ice-servers"), 1);
	json_t *existing = last_event(&sessions[0], "existing-participants");
	assert_int_equal(json_array_size(json_object_get(existing, "participants")), 0);
	json_t *joined = last_event(&sessions[0], "joined-meeting");
	assert_string_equal(json_string_value(json_object_get(joined, "roomId")), room);
	assert_string_equal(json_string_value(json_object_get(joined, "userId")), "host");
	assert_string_equal(json_string_value(json_object_get(joined, "peerId")), peer_of(ctx, 0));
	json_t *meeting = json_object_get(joined, "meeting");
	assert_string_equal(json_string_value(json_object_get(meeting, "title")), "T");
	assert_string_equal(json_string_value(json_object_get(meeting, "hostId")), "host");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(meeting, "settings"), "maxParticipants")), 50);
	/* the order the joiner sees: ice-servers, existing-participants, joined-meeting */
	assert_string_equal(((recorded_event *)recorded->pdata[0])->name, "ice-servers");
	assert_string_equal(((recorded_event *)recorded->pdata[1])->name, "existing-participants");
	assert_string_equal(((recorded_event *)recorded->pdata[2])->name, "joined-meeting");
	assert_int_equal(recorded->len, 3);

	join(ctx, 1, room, "bob");
	join(ctx, 2, room, "carol");
	existing = last_event(&sessions[2], "existing-participants");
	json_t *list = json_object_get(existing, "participants");
	assert_int_equal(json_array_size(list), 2);
	json_t *first = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(first, "userId")), "host");
	assert_string_equal(json_string_value(json_object_get(first, "peerId")), peer_of(ctx, 0));
	assert_true(json_is_true(json_object_get(first, "isAudioEnabled")));
	assert_true(json_is_false(json_object_get(first, "isVideoEnabled")));
	assert_int_equal(json_object_size(first), 5); /* exactly the seed's shape */
	/* the host saw bob and carol arrive, bob saw carol, carol saw nobody arrive */
	assert_int_equal(events_to(&sessions[0], "participant-joined"), 2);
	assert_int_equal(events_to(&sessions[1], "participant-joined"), 1);
	assert_int_equal(events_to(&sessions[2], "participant-joined"), 0);
	json_t *pj = last_event(&sessions[1], "participant-joined");
	assert_string_equal(json_string_value(json_object_get(pj, "userId")), "carol");
	assert_string_equal(json_string_value(json_object_get(pj, "userName")), "N carol");
	assert_string_equal(json_string_value(json_object_get(pj, "peerId")), peer_of(ctx, 2));
	assert_int_equal(events_to(&sessions[3], NULL), 0);
	assert_int_equal(handle_refs, 0);
	g_free(room);
	fake_ctx_free(ctx);
}

static void relay_reaches_only_target(void **state)
{
	meeting_of_three *three = *state;
	parley_meeting_ctx *ctx = three->ctx;
	const char *room = three->room;
	send_json(ctx, 2, "{\"request\":\"webrtc-offer\",\"roomId\":\"%s\",\"targetUserId\":\"bob\","
	          "\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}", room);
	assert_int_equal(recorded->len, 1);
	json_t *offer = last_event(&sessions[1], "webrtc-offer");
	assert_non_null(offer);
	assert_string_equal(json_string_value(json_object_get(offer, "fromUserId")), "carol");
	assert_string_equal(json_string_value(json_object_get(offer, "fromPeerId")), peer_of(ctx, 2));
	assert_string_equal(json_string_value(json_object_get(json_object_get(offer, "offer"), "sdp")), "v=0");
	send_json(ctx, 1, "{\"request\":\"webrtc-answer\",\"roomId\":\"%s\",\"targetUserId\":\"carol\","
	          "\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}", room);
	send_json(ctx, 1, "{\"request\":\"ice-candidate\",\"roomId\":\"%s\",\"targetUserId\":\"carol\","
	          "\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\",\"sdpMLineIndex\":0}}", room);
	assert_int_equal(recorded->len, 3);
	assert_int_equal(events_to(&sessions[2], "webrtc-answer"), 1);
	assert_int_equal(events_to(&sessions[2], "ice-candidate"), 1);
	assert_int_equal(events_to(&sessions[0], NULL), 0);
	json_t *cand = last_event(&sessions[2], "ice-candidate");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cand, "candidate"), "sdpMLineIndex")), 0);
	/* errors: unknown target, missing offer, not in meeting, other room, to oneself */
	send_json(ctx, 1, "{\"request\":\"webrtc-offer\",\"roomId\":\"%s\",\"targetUserId\":\"nobody\",\"offer\":{}}", room);
	expect_error(1, PARLEY_MEETING_ERR_TARGET);
	send_json(ctx, 1, "{\"request\":\"webrtc-offer\",\"roomId\":\"%s\",\"targetUserId\":\"carol\"}", room);
	expect_error(1, "Invalid payload: offer");
	send_json(ctx, 1, "{\"request\":\"ice-candidate\",\"roomId\":\"%s\",\"candidate\":{}}", room);
	expect_error(1, "Invalid payload: targetUserId");
	send_json(ctx, 3, "{\"request\":\"webrtc-offer\",\"roomId\":\"%s\",\"targetUserId\":\"bob\",\"offer\":{}}", room);
	expect_error(3, PARLEY_MEETING_ERR_NOT_IN);
	send_json(ctx, 1, "{\"request\":\"webrtc-offer\",\"roomId\":\"elsewhere\",\"targetUserId\":\"carol\",\"offer\":{}}");
	expect_error(1, PARLEY_MEETING_ERR_NOT_IN);
	send_json(ctx, 1, "{\"request\":\"webrtc-offer\",\"roomId\":\"%s\",\"targetUserId\":\"bob\",\"offer\":{}}", room);
	expect_error(1, PARLEY_MEETING_ERR_TARGET);
	assert_int_equal(events_to(&sessions[2], NULL), 2); /* carol got nothing more */
}

static void toggles_chat_and_leave(void **state)
{
	meeting_of_three *three = *state;
	parley_meeting_ctx *ctx = three->ctx;
	const char *room = three->room;
	send_json(ctx, 1, "{\"request\":\"toggle-audio\",\"roomId\":\"%s\",\"isEnabled\":false}", room);
	send_json(ctx, 1, "{\"request\":\"toggle-video\",\"roomId\":\"%s\",\"isEnabled\":true}", room);
	send_json(ctx, 1, "{\"request\":\"toggle-screen-share\",\"roomId\":\"%s\",\"isSharing\":true}", room);
	assert_int_equal(events_to(&sessions[1], NULL), 0); /* the sender is not echoed */
	json_t *a = last_event(&sessions[0], "participant-audio-changed");
	assert_string_equal(json_string_value(json_object_get(a, "userId")), "bob");
	assert_true(json_is_false(json_object_get(a, "isAudioEnabled")));
	assert_true(json_is_true(json_object_get(last_event(&sessions[2], "participant-video-changed"), "isVideoEnabled")));
	assert_true(json_is_true(json_object_get(last_event(&sessions[2], "participant-screen-share-changed"),
	                                         "isScreenSharing")));
	parley_meeting_participant *bob = ctx->store->ops->get(ctx->store, room, "bob");
	assert_false(bob->audio);
	assert_true(bob->video);
	assert_true(bob->screen);
	parley_meeting_participant_free(bob);
	send_json(ctx, 1, "{\"request\":\"toggle-audio\",\"roomId\":\"%s\",\"isEnabled\":\"no\"}", room);
	expect_error(1, "Invalid payload: isEnabled");

	forget_events();
	send_json(ctx, 2, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"hello\"}", room);
	for (int i = 0; i < 3; i++) {
		json_t *c = last_event(&sessions[i], "meeting-chat-message");
		assert_non_null(c); /* everyone, the sender included */
		assert_string_equal(json_string_value(json_object_get(c, "userId")), "carol");
		assert_string_equal(json_string_value(json_object_get(c, "userName")), "N carol");
		assert_string_equal(json_string_value(json_object_get(c, "message")), "hello");
		assert_non_null(strchr(json_string_value(json_object_get(c, "timestamp")), 'T'));
	}
	send_json(ctx, 2, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"\"}", room);
	expect_error(2, "Invalid payload: message");

	forget_events();
	send_json(ctx, 1, "{\"request\":\"leave-meeting\",\"roomId\":\"%s\"}", room);
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-left"), "userId")), "bob");
	assert_non_null(last_event(&sessions[2], "participant-left"));
	assert_int_equal(events_to(&sessions[1], NULL), 0);
	send_json(ctx, 1, "{\"request\":\"leave-meeting\",\"roomId\":\"%s\"}", room);
	expect_error(1, PARLEY_MEETING_ERR_NOT_IN);

	/* a dropped connection: participant-left to the others */
	forget_events();
	assert_int_equal(parley_meeting_handle_detach(ctx, &sessions[2]), 0);
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-left"), "userId")), "carol");
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_JOINED), 1);
	assert_int_equal(parley_meeting_handle_detach(ctx, &sessions[2]), -1);
	json_t *gone = json_pack("{s:s}", "request", "leave-meeting");
	assert_int_equal(parley_meeting_signal(ctx, &sessions[2], NULL, gone), -1);
	json_decref(gone);

	parley_meeting_stats s;
	parley_meeting_db_get_stats(ctx->db, room, &s);
	assert_int_equal(s.joins, 3);
	assert_int_equal(s.leaves, 2);
	assert_int_equal(s.peak_participants, 3);
	assert_int_equal(s.total_participants, 3);
	assert_int_equal(s.chat_messages, 1);
	assert_int_equal(s.audio_toggles + s.video_toggles + s.screen_toggles, 3);
	assert_int_equal(handle_refs, 0);
}

static void join_errors(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *small = fake_meeting_create(ctx, "T", "{\"maxParticipants\":2,\"isChatEnabled\":false,\"isScreenShareEnabled\":false}");
	char *closed = fake_meeting_create(ctx, "T", "{\"allowedDomains\":[\"example.com\"]}");
	join(ctx, 0, "nosuchroom", "x");
	expect_error(0, PARLEY_MEETING_ERR_NOT_FOUND);
	send_json(ctx, 0, "{\"request\":\"join-meeting\",\"userId\":\"x\"}");
	expect_error(0, "Invalid payload: roomId");
	send_json(ctx, 0, "{\"request\":\"join-meeting\",\"roomId\":\"%s\"}", small);
	expect_error(0, "Invalid payload: userId");
	send_json(ctx, 0, "{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"x\",\"isVideoEnabled\":1}", small);
	expect_error(0, "Invalid payload: isVideoEnabled");
	send_json(ctx, 0, "{\"roomId\":\"%s\"}", small);
	expect_error(0, "Invalid payload: request");
	send_json(ctx, 0, "{\"request\":\"dance\"}");
	expect_error(0, "Unknown request: dance");
	json_t *not_object = json_string("join-meeting");
	parley_meeting_signal(ctx, &sessions[0], NULL, not_object);
	json_decref(not_object);
	expect_error(0, "Invalid payload: request");

	join(ctx, 0, small, "a");
	join(ctx, 1, small, "b");
	join(ctx, 2, small, "c");
	expect_error(2, PARLEY_MEETING_ERR_FULL);
	assert_int_equal(events_to(&sessions[2], "joined-meeting"), 0);
	send_json(ctx, 0, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"hi\"}", small);
	expect_error(0, PARLEY_MEETING_ERR_CHAT);
	assert_int_equal(events_to(&sessions[1], "meeting-chat-message"), 0);
	send_json(ctx, 0, "{\"request\":\"toggle-screen-share\",\"roomId\":\"%s\",\"isSharing\":true}", small);
	expect_error(0, PARLEY_MEETING_ERR_SCREEN);
	send_json(ctx, 0, "{\"request\":\"toggle-audio\",\"roomId\":\"%s\",\"isEnabled\":true}", closed);
	expect_error(0, PARLEY_MEETING_ERR_NOT_IN);

	join(ctx, 3, closed, "dave");
	expect_error(3, PARLEY_MEETING_ERR_DOMAIN);
	send_json(ctx, 3, "{\"request\":\"join-meeting\",\"roomId\":\"%s\",\"userId\":\"dave\","
	          "\"userEmail\":\"dave@example.com\"}", closed);
	assert_int_equal(events_to(&sessions[3], "joined-meeting"), 1);
	join(ctx, 4, closed, "eve@mail.example.com");
	assert_int_equal(events_to(&sessions[4], "joined-meeting"), 1);

	/* an ended meeting refuses joins */
	parley_meeting *m = parley_meeting_db_get(ctx->db, closed);
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	parley_meeting_end_locked(ctx, &box, m, "host");
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
	parley_meeting_free(m);
	join(ctx, 5, closed, "frank@example.com");
	expect_error(5, PARLEY_MEETING_ERR_ENDED);
	assert_int_equal(handle_refs, 0);
	g_free(small);
	g_free(closed);
	fake_ctx_free(ctx);
}

static void approval_waiting_room(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *room = fake_meeting_create(ctx, "T", "{\"requireApproval\":true}");
	join(ctx, 1, room, "early"); /* waits before the host is there */
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[1], "waiting-for-approval"), "roomId")), room);
	assert_int_equal(events_to(&sessions[1], "joined-meeting"), 0);
	join(ctx, 0, room, "host"); /* the host never waits and learns who does */
	assert_int_equal(events_to(&sessions[0], "joined-meeting"), 1);
	json_t *w = last_event(&sessions[0], "participant-waiting");
	assert_string_equal(json_string_value(json_object_get(w, "userId")), "early");
	assert_string_equal(json_string_value(json_object_get(w, "peerId")), peer_of(ctx, 1));
	join(ctx, 2, room, "late");
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-waiting"), "userId")), "late");
	/* a waiting user cannot signal */
	send_json(ctx, 2, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"x\"}", room);
	expect_error(2, PARLEY_MEETING_ERR_NOT_IN);
	/* only the host admits */
	send_json(ctx, 1, "{\"request\":\"admit-participant\",\"roomId\":\"%s\",\"userId\":\"late\"}", room);
	expect_error(1, PARLEY_MEETING_ERR_NOT_IN);

	forget_events();
	send_json(ctx, 0, "{\"request\":\"admit-participant\",\"roomId\":\"%s\",\"userId\":\"early\"}", room);
	assert_int_equal(events_to(&sessions[1], "ice-servers"), 1);
	assert_int_equal(events_to(&sessions[1], "joined-meeting"), 1);
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[0], "participant-joined"), "userId")), "early");
	send_json(ctx, 1, "{\"request\":\"admit-participant\",\"roomId\":\"%s\",\"userId\":\"late\"}", room);
	expect_error(1, PARLEY_MEETING_ERR_NOT_HOST);
	send_json(ctx, 0, "{\"request\":\"admit-participant\",\"roomId\":\"%s\",\"userId\":\"ghost\"}", room);
	expect_error(0, PARLEY_MEETING_ERR_TARGET);
	send_json(ctx, 0, "{\"request\":\"reject-participant\",\"roomId\":\"%s\"}", room);
	expect_error(0, "Invalid payload: userId");
	send_json(ctx, 0, "{\"request\":\"reject-participant\",\"roomId\":\"%s\",\"userId\":\"late\"}", room);
	json_t *rej = last_event(&sessions[2], "join-rejected");
	assert_string_equal(json_string_value(json_object_get(rej, "roomId")), room);
	assert_string_equal(json_string_value(json_object_get(rej, "reason")), "Rejected by host");
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_WAITING), 0);
	assert_int_equal(events_to(&sessions[1], "participant-joined"), 0); /* nobody else joined */
	g_free(room);
	fake_ctx_free(ctx);
}

static void host_controls_and_rejoin(void **state)
{
	meeting_of_three *three = *state;
	parley_meeting_ctx *ctx = three->ctx;
	const char *room = three->room;
	send_json(ctx, 1, "{\"request\":\"mute-participant\",\"roomId\":\"%s\",\"userId\":\"carol\"}", room);
	expect_error(1, PARLEY_MEETING_ERR_NOT_HOST);
	send_json(ctx, 0, "{\"request\":\"mute-participant\",\"roomId\":\"%s\",\"userId\":\"carol\"}", room);
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[2], "muted-by-host"), "roomId")), room);
	assert_true(json_is_false(json_object_get(last_event(&sessions[1], "participant-audio-changed"), "isAudioEnabled")));

	/* carol joins again from another connection: the old one is told and dropped */
	forget_events();
	join(ctx, 3, room, "carol");
	expect_error(2, PARLEY_MEETING_ERR_REPLACED);
	assert_int_equal(events_to(&sessions[2], NULL), 1);
	assert_int_equal(events_to(&sessions[1], "participant-left"), 1);
	json_t *again = last_event(&sessions[1], "participant-joined");
	assert_string_equal(json_string_value(json_object_get(again, "peerId")), peer_of(ctx, 3));
	json_t *existing = json_object_get(last_event(&sessions[3], "existing-participants"), "participants");
	assert_int_equal(json_array_size(existing), 2);
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_JOINED), 3);
	send_json(ctx, 2, "{\"request\":\"toggle-audio\",\"roomId\":\"%s\",\"isEnabled\":true}", room);
	expect_error(2, PARLEY_MEETING_ERR_NOT_IN);

	forget_events();
	send_json(ctx, 0, "{\"request\":\"remove-participant\",\"roomId\":\"%s\",\"userId\":\"bob\"}", room);
	assert_non_null(last_event(&sessions[1], "removed-from-meeting"));
	assert_string_equal(json_string_value(json_object_get(last_event(&sessions[3], "participant-left"), "userId")), "bob");
	send_json(ctx, 0, "{\"request\":\"remove-participant\",\"roomId\":\"%s\",\"userId\":\"host\"}", room);
	expect_error(0, PARLEY_MEETING_ERR_TARGET);

	forget_events();
	send_json(ctx, 3, "{\"request\":\"end-meeting\",\"roomId\":\"%s\"}", room);
	expect_error(3, PARLEY_MEETING_ERR_NOT_HOST);
	send_json(ctx, 0, "{\"request\":\"end-meeting\",\"roomId\":\"%s\"}", room);
	json_t *ended = last_event(&sessions[3], "meeting-ended");
	assert_string_equal(json_string_value(json_object_get(ended, "reason")), "host");
	assert_non_null(last_event(&sessions[0], "meeting-ended"));
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_JOINED), 0);
	parley_meeting *m = parley_meeting_db_get(ctx->db, room);
	assert_int_equal(m->status, PARLEY_MEETING_STATUS_ENDED);
	assert_true(m->ended_at > 0);
	parley_meeting_free(m);
	assert_int_equal(handle_refs, 0);
}

static void ttl_ends_meetings(void **state)
{
	fake_config_set("general", "meeting_ttl", "60");
	fake_config_set("ice", "stun_servers", "stun.example.org:3478");
	parley_meeting_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *room = fake_meeting_create(ctx, "T", NULL);
	join(ctx, 0, room, "host");
	json_t *ice = json_object_get(last_event(&sessions[0], "ice-servers"), "iceServers");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ice, 0), "urls")), "stun:stun.example.org:3478");
	join(ctx, 1, room, "bob");
	parley_meeting *m = parley_meeting_db_get(ctx->db, room);
	assert_int_equal(m->status, PARLEY_MEETING_STATUS_ACTIVE);
	assert_int_equal(m->expires_at, m->started_at + 60000);
	int64_t expiry = m->expires_at;
	parley_meeting_free(m);
	assert_int_equal(parley_meeting_sweep(ctx, expiry - 1), 0);
	assert_int_equal(events_to(&sessions[0], "meeting-ended"), 0);
	assert_int_equal(parley_meeting_sweep(ctx, expiry), 1);
	for (int i = 0; i < 2; i++) {
		json_t *e = last_event(&sessions[i], "meeting-ended");
		assert_non_null(e);
		assert_string_equal(json_string_value(json_object_get(e, "roomId")), room);
		assert_string_equal(json_string_value(json_object_get(e, "reason")), "ttl");
	}
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_JOINED), 0);
	assert_int_equal(parley_meeting_sweep(ctx, expiry + 100000), 0);
	g_free(room);
	fake_ctx_free(ctx);
}

typedef struct stress_arg {
	parley_meeting_ctx *ctx;
	int who;
	const char *room;
} stress_arg;

/* One connection joining, toggling, chatting and leaving, over and over. */
static gpointer stress_worker(gpointer data)
{
	stress_arg *a = data;
	char user[16];
	g_snprintf(user, sizeof(user), "user%d", a->who);
	for (int i = 0; i < 150; i++) {
		join(a->ctx, a->who, a->room, user);
		send_json(a->ctx, a->who, "{\"request\":\"toggle-video\",\"roomId\":\"%s\",\"isEnabled\":true}", a->room);
		send_json(a->ctx, a->who, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"m\"}", a->room);
		send_json(a->ctx, a->who, "{\"request\":\"leave-meeting\",\"roomId\":\"%s\"}", a->room);
	}
	return NULL;
}

static void concurrent_connections(void **state)
{
	parley_meeting_ctx *ctx = fake_ctx_new();
	attach_all(ctx);
	char *room = fake_meeting_create(ctx, "T", "{\"maxParticipants\":3}");
	GThread *threads[5];
	stress_arg args[5];
	for (int i = 0; i < 5; i++) {
		args[i] = (stress_arg){ ctx, i, room };
		threads[i] = g_thread_new("stress", stress_worker, &args[i]);
	}
	for (int i = 0; i < 5; i++)
		g_thread_join(threads[i]);
	assert_int_equal(ctx->store->ops->count(ctx->store, room, PARLEY_MEETING_JOINED), 0);
	parley_meeting_stats s;
	parley_meeting_db_get_stats(ctx->db, room, &s);
	assert_true(s.peak_participants <= 3); /* capacity held under contention */
	assert_int_equal(s.joins, s.leaves);
	assert_int_equal(handle_refs, 0);
	g_free(room);
	fake_ctx_free(ctx);
}

/* GET /api/meetings/:roomId/chat (new reference: the parsed answer). */
static json_t *get_chat(parley_meeting_ctx *ctx, const char *room, const char *query, int status)
{
	char *path = g_strdup_printf("/api/meetings/%s/chat", room);
	parley_http_request r = { .method = "GET", .path = path, .query = query, .remote_ip = "127.0.0.1" };
	parley_http_response out = { 0 };
	parley_meeting_rest_handle(ctx, &r, &out);
	assert_int_equal(out.status, status);
	json_t *reply = json_loads(out.body, 0, NULL);
	g_free(out.body);
	g_free(path);
	return reply;
}

/* Chat messages are kept through the chat store: a late joiner pages
 * through them; the relayed event names each by id; a meeting with chat
 * disabled keeps nothing. */
static void chat_kept_for_late_joiners(void **state)
{
	meeting_of_three *three = *state;
	parley_meeting_ctx *ctx = three->ctx;
	int64_t ids[5];
	for (int i = 0; i < 5; i++) {
		send_json(ctx, i % 2 ? 1 : 2, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"m%d\"}",
		          three->room, i);
		json_t *c = last_event(&sessions[0], "meeting-chat-message");
		ids[i] = json_integer_value(json_object_get(c, "id"));
		assert_true(ids[i] > 0);
	}
	json_t *page = get_chat(ctx, three->room, "limit=2", 200);
	assert_true(json_is_true(json_object_get(page, "success")));
	assert_int_equal(json_integer_value(json_object_get(page, "total")), 5);
	assert_true(json_is_true(json_object_get(page, "hasMore")));
	json_t *messages = json_object_get(page, "messages");
	assert_int_equal(json_array_size(messages), 2);
	json_t *first = json_array_get(messages, 0);
	assert_string_equal(json_string_value(json_object_get(first, "message")), "m3");
	assert_string_equal(json_string_value(json_object_get(first, "userId")), "bob");
	assert_string_equal(json_string_value(json_object_get(first, "userName")), "N bob");
	assert_int_equal(json_integer_value(json_object_get(first, "id")), ids[3]);
	assert_non_null(strstr(json_string_value(json_object_get(first, "timestamp")), "Z"));
	json_decref(page);
	/* the older page, before m3 */
	char *query = g_strdup_printf("limit=10&before=%" G_GINT64_FORMAT, (gint64)ids[3]);
	page = get_chat(ctx, three->room, query, 200);
	g_free(query);
	messages = json_object_get(page, "messages");
	assert_int_equal(json_array_size(messages), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(messages, 0), "message")), "m0");
	assert_true(json_is_false(json_object_get(page, "hasMore")));
	json_decref(page);
	/* bad queries, an unknown meeting */
	json_decref(get_chat(ctx, three->room, "limit=0", 400));
	json_decref(get_chat(ctx, three->room, "before=x", 400));
	json_decref(get_chat(ctx, "nosuchroom", NULL, 404));
	/* chat disabled: refused, nothing kept */
	char *quiet = fake_meeting_create(ctx, "T", "{\"isChatEnabled\":false}");
	join(ctx, 3, quiet, "dora");
	send_json(ctx, 3, "{\"request\":\"meeting-chat-message\",\"roomId\":\"%s\",\"message\":\"hello?\"}", quiet);
	expect_error(3, "Chat is disabled in this meeting");
	page = get_chat(ctx, quiet, NULL, 200);
	assert_int_equal(json_integer_value(json_object_get(page, "total")), 0);
	json_decref(page);
	g_free(quiet);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_users_join),
		cmocka_unit_test_setup_teardown(relay_reaches_only_target, three_joined, three_done),
		cmocka_unit_test_setup_teardown(toggles_chat_and_leave, three_joined, three_done),
		cmocka_unit_test_setup_teardown(chat_kept_for_late_joiners, three_joined, three_done),
		cmocka_unit_test(join_errors),
		cmocka_unit_test(approval_waiting_room),
		cmocka_unit_test_setup_teardown(host_controls_and_rejoin, three_joined, three_done),
		cmocka_unit_test(ttl_ends_meetings),
		cmocka_unit_test(concurrent_connections),
	};
	int rc = cmocka_run_group_tests_name("meeting_signaling", tests, NULL, NULL);
	if (recorded != NULL)
		g_ptr_array_unref(recorded);
	if (fake_config != NULL)
		g_hash_table_destroy(fake_config);
	return rc;
}
