/*
 * plugins/meeting/host.c — requests only the meeting's host may make from
 * a joined connection: admit or reject someone from the waiting room, end
 * the meeting for everyone, mute or remove a participant. Dispatched from
 * the request table in signaling.c, with ctx->lock held.
 */
#include <string.h>

#include "meeting.h"

/* What every host request starts with: the requester as the joined host,
 * the meeting, and (when `target_presence` >= 0) the target user named by
 * body.userId with that presence. False after queueing meeting-error. */
typedef struct host_request {
	parley_meeting_participant *host;
	parley_meeting *meeting;
	parley_meeting_participant *target;
} host_request;

static void host_request_clear(host_request *r)
{
	parley_meeting_participant_free(r->host);
	parley_meeting_free(r->meeting);
	parley_meeting_participant_free(r->target);
}

static bool host_request_begin(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                               parley_meeting_handle *handle, const char *transaction, json_t *body,
                               int target_presence, host_request *r)
{
	const char *error = NULL, *user_id = NULL;
	memset(r, 0, sizeof(*r));
	r->host = parley_meeting_require_member(ctx, box, handle, transaction, body);
	if (r->host == NULL)
		return false;
	r->meeting = parley_meeting_db_get(ctx->db, r->host->room_id);
	if (r->meeting == NULL)
		error = PARLEY_MEETING_ERR_NOT_FOUND;
	else if (!parley_meeting_rules_is_host(r->meeting, r->host->user_id))
		error = PARLEY_MEETING_ERR_NOT_HOST;
	else if (target_presence < 0)
		return true;
	else if (!parley_meeting_rules_string(body, "userId", true, PARLEY_MEETING_ID_MAX, &user_id))
		error = "Invalid payload: userId";
	else if ((r->target = ctx->store->ops->get(ctx->store, r->meeting->room_id, user_id)) == NULL ||
	         (int)r->target->presence != target_presence)
		error = PARLEY_MEETING_ERR_TARGET;
	if (error == NULL)
		return true;
	parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	host_request_clear(r);
	return false;
}

void parley_meeting_host_admit(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                               parley_meeting_handle *handle, const char *transaction, json_t *body)
{
	host_request r;
	if (!host_request_begin(ctx, box, handle, transaction, body, PARLEY_MEETING_WAITING, &r))
		return;
	unsigned present = ctx->store->ops->count(ctx->store, r.meeting->room_id, PARLEY_MEETING_JOINED);
	const char *error = parley_meeting_rules_check_capacity(r.meeting, present);
	if (error != NULL)
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, error);
	else
		parley_meeting_admit_locked(ctx, box, r.meeting, r.target, NULL);
	host_request_clear(&r);
}

void parley_meeting_host_reject(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                parley_meeting_handle *handle, const char *transaction, json_t *body)
{
	host_request r;
	if (!host_request_begin(ctx, box, handle, transaction, body, PARLEY_MEETING_WAITING, &r))
		return;
	const char *reason = NULL;
	if (!parley_meeting_rules_string(body, "reason", false, PARLEY_MEETING_NAME_MAX, &reason)) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, "Invalid payload: reason");
	} else {
		ctx->store->ops->remove(ctx->store, r.target->room_id, r.target->user_id);
		parley_meeting_outbox_emit_new(ctx, box, r.target->peer_id, NULL, "join-rejected",
		                               json_pack("{s:s, s:s}", "roomId", r.meeting->room_id,
		                                         "reason", reason != NULL ? reason : "Rejected by host"));
	}
	host_request_clear(&r);
}

void parley_meeting_host_end(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                             parley_meeting_handle *handle, const char *transaction, json_t *body)
{
	host_request r;
	if (!host_request_begin(ctx, box, handle, transaction, body, -1, &r))
		return;
	if (parley_meeting_end_locked(ctx, box, r.meeting, "host") != 0)
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, "Could not end the meeting");
	host_request_clear(&r);
}

void parley_meeting_host_mute(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                              parley_meeting_handle *handle, const char *transaction, json_t *body)
{
	host_request r;
	if (!host_request_begin(ctx, box, handle, transaction, body, PARLEY_MEETING_JOINED, &r))
		return;
	parley_meeting_mute_locked(ctx, box, r.target);
	host_request_clear(&r);
}

void parley_meeting_host_remove(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                parley_meeting_handle *handle, const char *transaction, json_t *body)
{
	host_request r;
	if (!host_request_begin(ctx, box, handle, transaction, body, PARLEY_MEETING_JOINED, &r))
		return;
	if (strcmp(r.target->peer_id, handle->peer_id) == 0) {
		parley_meeting_outbox_error(ctx, box, handle->peer_id, transaction, PARLEY_MEETING_ERR_TARGET);
	} else {
		parley_meeting_remove_locked(ctx, box, r.target, "Removed by host");
	}
	host_request_clear(&r);
}
