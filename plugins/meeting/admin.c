/*
 * plugins/meeting/admin.c — the meeting plugin's answers to the admin API's
 * message_plugin, dispatched by a table: the meetings not ended with their
 * counts (list), one meeting with its joined and waiting participants and
 * its counters (info), and an operator's actions: end a meeting, remove or
 * mute a participant. The same flows as the host's (membership.c), with
 * "admin" as who did it. A refusal is {"error": {code, message}}, as the
 * room plugin answers; codes 400 invalid, 404 not found, 405 unknown
 * request, 409 already ended, 500 storage.
 */
#include <string.h>

#include "meeting.h"

#define ADMIN_LIST_DEFAULT 100
#define ADMIN_LIST_MAX 1000

enum {
	ADMIN_ERR_INVALID = 400,
	ADMIN_ERR_NOT_FOUND = 404,
	ADMIN_ERR_UNKNOWN = 405,
	ADMIN_ERR_ENDED = 409,
	ADMIN_ERR_STORAGE = 500,
};

/* One request being answered: its body (borrowed), the events it causes
 * (pushed once the lock is given back) and the answer (new reference). */
typedef struct admin_call {
	parley_meeting_ctx *ctx;
	json_t *body;
	parley_meeting_outbox box;
	json_t *answer;
} admin_call;

static void refuse(admin_call *call, int code, const char *message)
{
	json_decref(call->answer);
	call->answer = json_pack("{s:{s:i, s:s}}", "error", "code", code, "message", message);
}

static void answer_new(admin_call *call, json_t *answer)
{
	json_decref(call->answer);
	call->answer = answer;
}

/* body.roomId's meeting (a new record), or NULL after a refusal. */
static parley_meeting *named_meeting(admin_call *call)
{
	const char *room_id = NULL;
	if (!parley_meeting_rules_string(call->body, "roomId", true, PARLEY_MEETING_ID_MAX, &room_id)) {
		refuse(call, ADMIN_ERR_INVALID, "roomId (a string) is required");
		return NULL;
	}
	parley_meeting *m = parley_meeting_db_get(call->ctx->db, room_id);
	if (m == NULL)
		refuse(call, ADMIN_ERR_NOT_FOUND, PARLEY_MEETING_ERR_NOT_FOUND);
	return m;
}

/* body.userId's record in meeting `m` (a new copy), or NULL after a refusal. */
static parley_meeting_participant *named_participant(admin_call *call, const parley_meeting *m)
{
	const char *user_id = NULL;
	if (!parley_meeting_rules_string(call->body, "userId", true, PARLEY_MEETING_ID_MAX, &user_id)) {
		refuse(call, ADMIN_ERR_INVALID, "userId (a string) is required");
		return NULL;
	}
	parley_meeting_participant *p = call->ctx->store->ops->get(call->ctx->store, m->room_id, user_id);
	if (p == NULL)
		refuse(call, ADMIN_ERR_NOT_FOUND, PARLEY_MEETING_ERR_TARGET);
	return p;
}

/* A JSON array of the meeting's participants with one presence (new reference). */
static json_t *participants_json(parley_meeting_ctx *ctx, const char *room_id, parley_meeting_presence presence)
{
	json_t *array = json_array(); /* new, returned */
	GPtrArray *list = ctx->store->ops->list(ctx->store, room_id, presence);
	for (guint i = 0; i < list->len; i++)
		json_array_append_new(array, parley_meeting_participant_detail_to_json(list->pdata[i]));
	g_ptr_array_unref(list);
	return array;
}

/* list {limit?}: {meetings: [meeting + participantCount, waitingCount],
 * meetingCount (all not ended), participantCount and waitingCount (summed
 * over the listed ones), truncated}. */
static void on_list(admin_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	json_t *limit_value = json_object_get(call->body, "limit");
	json_int_t limit = ADMIN_LIST_DEFAULT;
	if (limit_value != NULL) {
		if (!json_is_integer(limit_value) || json_integer_value(limit_value) < 1) {
			refuse(call, ADMIN_ERR_INVALID, "limit must be an integer from 1 to 1000");
			return;
		}
		limit = MIN(json_integer_value(limit_value), ADMIN_LIST_MAX);
	}
	GPtrArray *live = parley_meeting_db_list_live(ctx->db, ctx->now_ms());
	json_t *meetings = json_array(); /* new; stolen by the answer */
	json_int_t joined_total = 0, waiting_total = 0;
	for (guint i = 0; i < live->len && (json_int_t)i < limit; i++) {
		parley_meeting *m = parley_meeting_db_get(ctx->db, live->pdata[i]);
		if (m == NULL)
			continue;
		unsigned joined = ctx->store->ops->count(ctx->store, m->room_id, PARLEY_MEETING_JOINED);
		unsigned waiting = ctx->store->ops->count(ctx->store, m->room_id, PARLEY_MEETING_WAITING);
		json_t *view = parley_meeting_to_json(m); /* new; stolen by the array */
		json_object_set_new(view, "participantCount", json_integer(joined));
		json_object_set_new(view, "waitingCount", json_integer(waiting));
		json_array_append_new(meetings, view);
		joined_total += joined;
		waiting_total += waiting;
		parley_meeting_free(m);
	}
	answer_new(call, json_pack("{s:o, s:I, s:I, s:I, s:b}", "meetings", meetings, "meetingCount",
	                           (json_int_t)live->len, "participantCount", joined_total, "waitingCount",
	                           waiting_total, "truncated", (json_int_t)live->len > limit));
	g_ptr_array_unref(live);
}

/* info {roomId}: {meeting, participants, waiting, stats}. */
static void on_info(admin_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	parley_meeting *m = named_meeting(call);
	if (m == NULL)
		return;
	parley_meeting_stats stats;
	if (parley_meeting_db_get_stats(ctx->db, m->room_id, &stats) != 0) {
		refuse(call, ADMIN_ERR_STORAGE, "Could not read the stats");
	} else {
		json_t *joined = participants_json(ctx, m->room_id, PARLEY_MEETING_JOINED);   /* stolen below */
		json_t *waiting = participants_json(ctx, m->room_id, PARLEY_MEETING_WAITING); /* stolen below */
		json_t *view = parley_meeting_stats_to_json(m, &stats, (unsigned)json_array_size(joined),
		                                            (unsigned)json_array_size(waiting), ctx->now_ms());
		answer_new(call, json_pack("{s:o, s:o, s:o, s:o}", "meeting", parley_meeting_to_json(m),
		                           "participants", joined, "waiting", waiting, "stats", view));
	}
	parley_meeting_free(m);
}

/* end {roomId}: everyone in it or waiting gets meeting-ended {reason: "admin"}. */
static void on_end(admin_call *call)
{
	parley_meeting *m = named_meeting(call);
	if (m == NULL)
		return;
	if (m->status == PARLEY_MEETING_STATUS_ENDED)
		refuse(call, ADMIN_ERR_ENDED, "Meeting already ended");
	else if (parley_meeting_end_locked(call->ctx, &call->box, m, "admin") != 0)
		refuse(call, ADMIN_ERR_STORAGE, "Could not save the meeting");
	else
		answer_new(call, json_pack("{s:b, s:o}", "success", 1, "meeting", parley_meeting_to_json(m)));
	parley_meeting_free(m);
}

/* remove {roomId, userId}: a joined participant gets removed-from-meeting
 * and leaves (the others get participant-left); a waiting one gets
 * join-rejected. */
static void on_remove(admin_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	parley_meeting *m = named_meeting(call);
	parley_meeting_participant *p = m != NULL ? named_participant(call, m) : NULL;
	if (p != NULL && p->presence == PARLEY_MEETING_JOINED) {
		parley_meeting_remove_locked(ctx, &call->box, p, "Removed by an administrator");
	} else if (p != NULL) {
		parley_meeting_outbox_emit_new(ctx, &call->box, p->peer_id, NULL, "join-rejected",
		                               json_pack("{s:s, s:s}", "roomId", p->room_id, "reason",
		                                         "Rejected by an administrator"));
		parley_meeting_leave_locked(ctx, &call->box, p, "removed");
	}
	if (p != NULL)
		answer_new(call, json_pack("{s:b, s:s, s:s}", "success", 1, "userId", p->user_id, "status",
		                           p->presence == PARLEY_MEETING_JOINED ? "removed" : "rejected"));
	parley_meeting_participant_free(p);
	parley_meeting_free(m);
}

/* mute {roomId, userId}: as the host's mute-participant. */
static void on_mute(admin_call *call)
{
	parley_meeting *m = named_meeting(call);
	parley_meeting_participant *p = m != NULL ? named_participant(call, m) : NULL;
	if (p != NULL && p->presence != PARLEY_MEETING_JOINED) {
		refuse(call, ADMIN_ERR_INVALID, "that participant is waiting, not in the meeting");
	} else if (p != NULL) {
		parley_meeting_mute_locked(call->ctx, &call->box, p);
		answer_new(call, json_pack("{s:b, s:s}", "success", 1, "userId", p->user_id));
	}
	parley_meeting_participant_free(p);
	parley_meeting_free(m);
}

static const struct {
	const char *name;
	void (*handle)(admin_call *call);
} requests[] = {
	{ "list", on_list },
	{ "info", on_info },
	{ "end", on_end },
	{ "remove", on_remove },
	{ "mute", on_mute },
};

json_t *parley_meeting_admin(parley_meeting_ctx *ctx, json_t *request)
{
	admin_call call = { .ctx = ctx, .body = request };
	const char *name = json_string_value(json_object_get(request, "request"));
	if (!json_is_object(request) || name == NULL) {
		refuse(&call, ADMIN_ERR_INVALID, "request (list, info, end, remove, mute) is required");
		return call.answer;
	}
	parley_meeting_outbox_init(&call.box);
	g_mutex_lock(&ctx->lock);
	size_t i = 0;
	while (i < G_N_ELEMENTS(requests) && strcmp(requests[i].name, name) != 0)
		i++;
	if (i < G_N_ELEMENTS(requests))
		requests[i].handle(&call);
	else
		refuse(&call, ADMIN_ERR_UNKNOWN, "unknown admin request (list, info, end, remove, mute)");
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &call.box);
	if (call.answer == NULL)
		refuse(&call, ADMIN_ERR_STORAGE, "no answer");
	return call.answer;
}
