/*
 * plugins/meeting/signaling.c — the client requests of the meeting service
 * (body.request = the Socket.IO event name) dispatched by one table:
 * join/leave, the mesh relay of offers, answers and candidates to one
 * target, media toggles and chat. Host requests live in host.c. Every
 * refusal answers the sender with meeting-error {error}.
 */
#include <string.h>

#include "meeting.h"
#include "cluster.h"

#define INVALID(field) ("Invalid payload: " field)

static const char *room_field(json_t *body, bool required, const char **room_id)
{
	if (!parley_meeting_rules_string(body, "roomId", required, PARLEY_MEETING_ID_MAX, room_id))
		return INVALID("roomId");
	return NULL;
}

parley_meeting_participant *parley_meeting_require_member(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                                          parley_meeting_handle *handle,
                                                          const char *transaction, json_t *body)
{
	const char *room_id = NULL;
	const char *error = room_field(body, false, &room_id);
	if (error != NULL) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
		return NULL;
	}
	parley_meeting_participant *p = ctx->store->ops->get_by_peer(ctx->store, handle->peer_id);
	if (p == NULL || p->presence != PARLEY_MEETING_JOINED ||
	    (room_id != NULL && strcmp(room_id, p->room_id) != 0)) {
		parley_meeting_participant_free(p);
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, PARLEY_MEETING_ERR_NOT_IN);
		return NULL;
	}
	return p;
}

/* The old connection of a user who joins again: told, and dropped. The
 * others see that user leave (their peer connection to the old peer is
 * dead) and, once the new connection is admitted, join again. */
static void replace_connection(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                               const parley_meeting_participant *old)
{
	parley_meeting_outbox_error(ctx, box, old->peer_id, NULL, PARLEY_MEETING_ERR_REPLACED);
	parley_meeting_leave_locked(ctx, box, old, "replaced");
}

static void on_join(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting_handle *handle,
                    const char *transaction, json_t *body)
{
	const char *room_id, *user_id, *user_name, *picture, *email, *error = NULL;
	bool audio, video;
	if ((error = room_field(body, true, &room_id)) != NULL) {
		/* error names roomId */
	} else if (!parley_meeting_rules_string(body, "userId", true, PARLEY_MEETING_ID_MAX, &user_id))
		error = INVALID("userId");
	else if (!parley_meeting_rules_string(body, "userName", false, PARLEY_MEETING_NAME_MAX, &user_name))
		error = INVALID("userName");
	else if (!parley_meeting_rules_string(body, "userPicture", false, PARLEY_MEETING_URL_MAX, &picture))
		error = INVALID("userPicture");
	else if (!parley_meeting_rules_string(body, "userEmail", false, PARLEY_MEETING_NAME_MAX, &email))
		error = INVALID("userEmail");
	else if (!parley_meeting_rules_bool(body, "isAudioEnabled", true, &audio))
		error = INVALID("isAudioEnabled");
	else if (!parley_meeting_rules_bool(body, "isVideoEnabled", true, &video))
		error = INVALID("isVideoEnabled");
	if (error != NULL) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
		return;
	}
	if (ctx->cluster != NULL) /* the shared row wins over this instance's copy */
		parley_meeting_row_pull(parley_meeting_cluster_redis(ctx->cluster), ctx->db, room_id);
	parley_meeting *m = parley_meeting_db_get(ctx->db, room_id);
	parley_meeting_participant *same_user = m != NULL ? ctx->store->ops->get(ctx->store, room_id, user_id) : NULL;
	unsigned present = m != NULL ? ctx->store->ops->count(ctx->store, room_id, PARLEY_MEETING_JOINED) : 0;
	if (same_user != NULL && same_user->presence == PARLEY_MEETING_JOINED && present > 0)
		present--;
	bool needs_approval = false;
	error = parley_meeting_rules_check_join(m, user_id, email, present, &needs_approval);
	if (error != NULL) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
		goto done;
	}
	/* this connection leaves wherever it was, the user's other connection is replaced */
	parley_meeting_participant *previous = ctx->store->ops->get_by_peer(ctx->store, handle->peer_id);
	if (previous != NULL)
		parley_meeting_leave_locked(ctx, box, previous, "left");
	parley_meeting_participant_free(previous);
	if (same_user != NULL && strcmp(same_user->peer_id, handle->peer_id) != 0)
		replace_connection(ctx, box, same_user);

	parley_meeting_participant p = {
		.room_id = (char *)room_id, .user_id = (char *)user_id,
		.user_name = (char *)(user_name != NULL ? user_name : user_id),
		.user_picture = (char *)picture, .user_email = (char *)email,
		.peer_id = handle->peer_id, .audio = audio, .video = video,
		.presence = PARLEY_MEETING_WAITING, .joined_at = ctx->now_ms(),
	};
	if (!needs_approval) {
		parley_meeting_admit_locked(ctx, box, m, &p, transaction);
		goto done;
	}
	ctx->store->ops->add(ctx->store, &p);
	parley_meeting_outbox_emit_new(ctx, box, handle->peer_id, transaction, "waiting-for-approval",
	                               json_pack("{s:s}", "roomId", room_id));
	char *host_peer = parley_meeting_host_peer_locked(ctx, m);
	parley_meeting_outbox_emit_new(ctx, box, host_peer, NULL, "participant-waiting",
	                               json_pack("{s:s, s:s, s:s}", "userId", user_id,
	                                         "userName", p.user_name, "peerId", handle->peer_id));
	g_free(host_peer);
done:
	parley_meeting_participant_free(same_user);
	parley_meeting_free(m);
}

static void on_leave(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting_handle *handle,
                     const char *transaction, json_t *body)
{
	const char *room_id = NULL;
	const char *error = room_field(body, false, &room_id);
	parley_meeting_participant *p = error == NULL ? ctx->store->ops->get_by_peer(ctx->store, handle->peer_id) : NULL;
	if (error == NULL && (p == NULL || (room_id != NULL && strcmp(room_id, p->room_id) != 0)))
		error = PARLEY_MEETING_ERR_NOT_IN;
	if (error != NULL)
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	else
		parley_meeting_leave_locked(ctx, box, p, "left");
	parley_meeting_participant_free(p);
}

/* One relayed kind: the request's payload field. */
typedef struct relay_kind {
	const char *event;
	const char *field;
	const char *invalid;
} relay_kind;

static const relay_kind relay_kinds[] = {
	{ "webrtc-offer", "offer", INVALID("offer") },
	{ "webrtc-answer", "answer", INVALID("answer") },
	{ "ice-candidate", "candidate", INVALID("candidate") },
};

static void relay(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting_handle *handle,
                  const char *transaction, json_t *body, const relay_kind *kind)
{
	parley_meeting_participant *from = parley_meeting_require_member(ctx, box, handle, transaction, body);
	if (from == NULL)
		return;
	const char *target_id = NULL, *error = NULL;
	json_t *payload = json_object_get(body, kind->field); /* borrowed */
	parley_meeting_participant *target = NULL;
	if (!parley_meeting_rules_string(body, "targetUserId", true, PARLEY_MEETING_ID_MAX, &target_id))
		error = INVALID("targetUserId");
	else if (!json_is_object(payload))
		error = kind->invalid;
	else if ((target = ctx->store->ops->get(ctx->store, from->room_id, target_id)) == NULL ||
	         target->presence != PARLEY_MEETING_JOINED || strcmp(target->peer_id, from->peer_id) == 0)
		error = PARLEY_MEETING_ERR_TARGET;
	if (error != NULL)
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	else
		parley_meeting_outbox_emit_new(ctx, box, target->peer_id, NULL, kind->event,
		                               json_pack("{s:s, s:s, s:O}", "fromUserId", from->user_id,
		                                         "fromPeerId", from->peer_id, kind->field, payload));
	parley_meeting_participant_free(target);
	parley_meeting_participant_free(from);
}

/* One media toggle: request field, flag, event, event field, counter. */
typedef struct toggle_kind {
	const char *field;
	const char *invalid;
	unsigned flag;
	const char *event;
	const char *event_field;
	parley_meeting_stat stat;
} toggle_kind;

static const toggle_kind toggle_kinds[] = {
	{ "isEnabled", INVALID("isEnabled"), PARLEY_MEETING_FLAG_AUDIO, "participant-audio-changed",
	  "isAudioEnabled", PARLEY_MEETING_STAT_AUDIO },
	{ "isEnabled", INVALID("isEnabled"), PARLEY_MEETING_FLAG_VIDEO, "participant-video-changed",
	  "isVideoEnabled", PARLEY_MEETING_STAT_VIDEO },
	{ "isSharing", INVALID("isSharing"), PARLEY_MEETING_FLAG_SCREEN, "participant-screen-share-changed",
	  "isScreenSharing", PARLEY_MEETING_STAT_SCREEN },
};

static void toggle(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting_handle *handle,
                   const char *transaction, json_t *body, const toggle_kind *kind)
{
	parley_meeting_participant *p = parley_meeting_require_member(ctx, box, handle, transaction, body);
	if (p == NULL)
		return;
	json_t *value = json_object_get(body, kind->field); /* borrowed */
	const char *error = NULL;
	parley_meeting *m = NULL;
	if (!json_is_boolean(value))
		error = kind->invalid;
	else if (kind->flag == PARLEY_MEETING_FLAG_SCREEN) {
		m = parley_meeting_db_get(ctx->db, p->room_id);
		error = m == NULL ? PARLEY_MEETING_ERR_NOT_FOUND :
		        parley_meeting_rules_check_screen_share(m, json_is_true(value));
	}
	if (error != NULL) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	} else {
		ctx->store->ops->update_flags(ctx->store, p->room_id, p->user_id, kind->flag,
		                              json_is_true(value) ? kind->flag : 0);
		parley_meeting_db_count_stat(ctx->db, p->room_id, kind->stat);
		json_t *payload = json_pack("{s:s, s:b}", "userId", p->user_id, /* new, dropped below */
		                            kind->event_field, json_is_true(value));
		parley_meeting_outbox_broadcast(ctx, box, p->room_id, p->peer_id, kind->event, payload);
		json_decref(payload);
	}
	parley_meeting_free(m);
	parley_meeting_participant_free(p);
}

static void on_chat(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting_handle *handle,
                    const char *transaction, json_t *body)
{
	parley_meeting_participant *p = parley_meeting_require_member(ctx, box, handle, transaction, body);
	if (p == NULL)
		return;
	const char *message = NULL, *error = NULL;
	parley_meeting *m = NULL;
	if (!parley_meeting_rules_string(body, "message", true, ctx->cfg.max_chat_length, &message))
		error = INVALID("message");
	else if ((m = parley_meeting_db_get(ctx->db, p->room_id)) == NULL)
		error = PARLEY_MEETING_ERR_NOT_FOUND;
	else
		error = parley_meeting_rules_check_chat(m);
	if (error != NULL) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	} else {
		int64_t now_ms = ctx->now_ms();
		char *now = parley_meeting_iso8601(now_ms);
		json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", /* new, dropped below */
		                            "userId", p->user_id, "userName", p->user_name,
		                            "message", message, "timestamp", now);
		/* kept for late joiners (GET /api/meetings/:roomId/chat); its id names it there */
		int64_t id = parley_meeting_chat_keep(ctx, p, message, now_ms);
		if (id > 0)
			json_object_set_new(payload, "id", json_integer((json_int_t)id));
		parley_meeting_db_count_stat(ctx->db, p->room_id, PARLEY_MEETING_STAT_CHAT);
		parley_meeting_outbox_broadcast(ctx, box, p->room_id, NULL, "meeting-chat-message", payload);
		json_decref(payload);
		g_free(now);
	}
	parley_meeting_free(m);
	parley_meeting_participant_free(p);
}

/* A request: answered by `handler`, or (handler NULL) relayed to one peer
 * as `relay` says, or a media toggle as `toggle` says. */
typedef struct request_entry {
	const char *request;
	parley_meeting_request_fn handler;
	const relay_kind *relay;
	const toggle_kind *toggle;
} request_entry;

static const request_entry requests[] = {
	{ "join-meeting", on_join },
	{ "leave-meeting", on_leave },
	{ "webrtc-offer", NULL, &relay_kinds[0], NULL },
	{ "webrtc-answer", NULL, &relay_kinds[1], NULL },
	{ "ice-candidate", NULL, &relay_kinds[2], NULL },
	{ "toggle-audio", NULL, NULL, &toggle_kinds[0] },
	{ "toggle-video", NULL, NULL, &toggle_kinds[1] },
	{ "toggle-screen-share", NULL, NULL, &toggle_kinds[2] },
	{ "meeting-chat-message", on_chat },
	{ "admit-participant", parley_meeting_host_admit },
	{ "reject-participant", parley_meeting_host_reject },
	{ "end-meeting", parley_meeting_host_end },
	{ "mute-participant", parley_meeting_host_mute },
	{ "remove-participant", parley_meeting_host_remove },
};

int parley_meeting_signal(parley_meeting_ctx *ctx, parley_plugin_session *session,
                          const char *transaction, json_t *body)
{
	parley_meeting_handle *handle = parley_meeting_handle_lock(ctx, session);
	if (handle == NULL)
		return -1;
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	const char *request = json_is_object(body) ? json_string_value(json_object_get(body, "request")) : NULL;
	const request_entry *entry = NULL;
	if (PARLEY_PLUGIN_CORE_HAS(ctx->core, log_context))   /* the log lines of this request name its meeting */
		ctx->core->log_context(session, json_is_object(body) ? json_string_value(json_object_get(body, "roomId"))
		                                                     : NULL);
	for (size_t i = 0; request != NULL && i < G_N_ELEMENTS(requests) && entry == NULL; i++)
		if (strcmp(requests[i].request, request) == 0)
			entry = &requests[i];
	parley_meeting_redis *redis = ctx->cluster != NULL ? parley_meeting_cluster_redis(ctx->cluster) : NULL;
	guint64 failures_before = redis != NULL ? parley_meeting_redis_failures(redis) : 0;
	if (request == NULL) {
		parley_meeting_outbox_error(ctx, &box, handle->peer_id, transaction, INVALID("request"));
	} else if (ctx->cluster != NULL && !parley_meeting_cluster_available(ctx->cluster)) {
		parley_meeting_outbox_error(ctx, &box, handle->peer_id, transaction, PARLEY_MEETING_CLUSTER_UNAVAILABLE);
	} else if (entry == NULL) {
		char *text = g_strdup_printf("Unknown request: %.64s", request);
		parley_meeting_outbox_error(ctx, &box, handle->peer_id, transaction, text);
		g_free(text);
	} else if (entry->handler != NULL) {
		entry->handler(ctx, &box, handle, transaction, body);
	} else if (entry->relay != NULL) {
		relay(ctx, &box, handle, transaction, body, entry->relay);
	} else {
		toggle(ctx, &box, handle, transaction, body, entry->toggle);
	}
	/* Redis failed under the request (it died just before, or timed out):
	 * whatever the handler made of that, the client learns it. */
	if (redis != NULL && parley_meeting_redis_failures(redis) != failures_before &&
	    !parley_meeting_outbox_has_error(&box, transaction))
		parley_meeting_outbox_error(ctx, &box, handle->peer_id, transaction, PARLEY_MEETING_CLUSTER_UNAVAILABLE);
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
	return 0;
}
