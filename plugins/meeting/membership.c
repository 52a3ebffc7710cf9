/*
 * plugins/meeting/membership.c — the flows that change who is in a meeting,
 * shared by signaling, REST, the admin API and the TTL sweep: admit (start
 * the meeting, count the join, greet the joiner, tell the others), leave,
 * mute and remove (by the host or an operator), end, and the TTL sweep. Everything here runs with ctx->lock held and queues its
 * events in an outbox.
 */
#include <string.h>

#include "meeting.h"
#include "cluster.h"

int64_t parley_meeting_expiry(const parley_meeting_ctx *ctx, const parley_meeting *m)
{
	if (ctx->cfg.meeting_ttl <= 0 || m->status == PARLEY_MEETING_STATUS_ENDED)
		return 0;
	int64_t from = m->started_at;
	if (from == 0)
		from = m->scheduled_at > m->created_at ? m->scheduled_at : m->created_at;
	return from + ctx->cfg.meeting_ttl * 1000;
}

char *parley_meeting_host_peer_locked(parley_meeting_ctx *ctx, const parley_meeting *m)
{
	parley_meeting_participant *host = ctx->store->ops->get(ctx->store, m->room_id, m->host_id);
	char *peer = NULL;
	if (host != NULL && host->presence == PARLEY_MEETING_JOINED)
		peer = g_strdup(host->peer_id);
	parley_meeting_participant_free(host);
	return peer;
}

/* The host, just in, learns who is already waiting. */
static void show_waiting_to_host(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                 const parley_meeting *m, const char *host_peer)
{
	GPtrArray *waiting = ctx->store->ops->list(ctx->store, m->room_id, PARLEY_MEETING_WAITING);
	for (guint i = 0; i < waiting->len; i++) {
		parley_meeting_participant *w = waiting->pdata[i];
		parley_meeting_outbox_emit_new(ctx, box, host_peer, NULL, "participant-waiting",
		                               json_pack("{s:s, s:s, s:s}", "userId", w->user_id,
		                                         "userName", w->user_name, "peerId", w->peer_id));
	}
	g_ptr_array_unref(waiting);
}

void parley_meeting_admit_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting *m,
                                 const parley_meeting_participant *p, const char *transaction)
{
	int64_t now = ctx->now_ms();
	parley_meeting_participant joined = *p;
	joined.presence = PARLEY_MEETING_JOINED;
	joined.joined_at = now;
	if (ctx->cluster == NULL) {
		ctx->store->ops->add(ctx->store, &joined);
	} else {
		/* other instances admit at the same time: the capacity check and
		 * the add are one atomic step in Redis */
		int rc = parley_meeting_store_redis_add_capped(ctx->store, &joined, m->settings.max_participants);
		if (rc != 0) {
			parley_meeting_outbox_error(ctx, box, p->peer_id, transaction,
			                            rc > 0 ? PARLEY_MEETING_ERR_FULL : PARLEY_MEETING_CLUSTER_UNAVAILABLE);
			return;
		}
	}
	if (m->status == PARLEY_MEETING_STATUS_WAITING) {
		m->status = PARLEY_MEETING_STATUS_ACTIVE;
		m->started_at = now;
		m->expires_at = parley_meeting_expiry(ctx, m);
		if (parley_meeting_db_update(ctx->db, m) != 0 && ctx->core->log != NULL)
			ctx->core->log(PARLEY_LOG_ERROR, PARLEY_MEETING_PACKAGE, "cannot save start of %s", m->room_id);
		if (ctx->cluster != NULL)
			parley_meeting_row_push(parley_meeting_cluster_redis(ctx->cluster), m);
		parley_meeting_outbox_notify_new(ctx, box, p->peer_id,
		                                 json_pack("{s:s, s:s, s:s}", "event", "meeting_started", "room",
		                                           m->room_id, "title", m->title));
	}
	parley_meeting_outbox_notify_new(ctx, box, p->peer_id,
	                                 json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b}", "event", "participant_joined",
	                                           "room", m->room_id, "participant", p->user_id, "peer",
	                                           p->peer_id, "name", p->user_name, "host",
	                                           parley_meeting_rules_is_host(m, p->user_id)));
	GPtrArray *members = ctx->store->ops->list(ctx->store, m->room_id, PARLEY_MEETING_JOINED);
	parley_meeting_db_count_join(ctx->db, m->room_id, p->user_id, members->len, now);

	/* everyone else first: the joiner answers existing-participants with
	 * offers, and each peer must know the joiner before its offer arrives */
	json_t *announce = parley_meeting_participant_to_json(&joined); /* new, dropped below */
	parley_meeting_outbox_broadcast(ctx, box, m->room_id, p->peer_id, "participant-joined", announce);
	json_decref(announce);
	/* the joiner: ICE servers, who is there, confirmation */
	parley_meeting_outbox_emit_new(ctx, box, p->peer_id, transaction, "ice-servers",
	                               json_pack("{s:o}", "iceServers",
	                                         parley_meeting_ice_servers(&ctx->cfg.ice, p->user_id,
	                                                                    now / 1000)));
	json_t *others = json_array(); /* new; stolen by the payload below */
	for (guint i = 0; i < members->len; i++) {
		parley_meeting_participant *o = members->pdata[i];
		if (strcmp(o->user_id, p->user_id) != 0)
			json_array_append_new(others, parley_meeting_participant_to_json(o));
	}
	g_ptr_array_unref(members);
	parley_meeting_outbox_emit_new(ctx, box, p->peer_id, transaction, "existing-participants",
	                               json_pack("{s:o}", "participants", others));
	parley_meeting_outbox_emit_new(ctx, box, p->peer_id, transaction, "joined-meeting",
	                               json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:o}}",
	                                         "roomId", m->room_id, "userId", p->user_id,
	                                         "peerId", p->peer_id, "meeting",
	                                         "title", m->title, "hostId", m->host_id,
	                                         "settings", parley_meeting_settings_to_json(&m->settings)));
	if (parley_meeting_rules_is_host(m, p->user_id))
		show_waiting_to_host(ctx, box, m, p->peer_id);
	if (ctx->core->log != NULL)
		ctx->core->log(PARLEY_LOG_VERB, PARLEY_MEETING_PACKAGE, "%s joined %s on peer %s",
		               p->user_id, m->room_id, p->peer_id);
}

void parley_meeting_leave_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                 const parley_meeting_participant *p, const char *reason)
{
	if (ctx->store->ops->remove(ctx->store, p->room_id, p->user_id) != 0)
		return;
	json_t *payload = json_pack("{s:s}", "userId", p->user_id); /* new, dropped below */
	if (p->presence == PARLEY_MEETING_JOINED) {
		parley_meeting_db_count_stat(ctx->db, p->room_id, PARLEY_MEETING_STAT_LEAVE);
		parley_meeting_outbox_notify_new(ctx, box, p->peer_id,
		                                 json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "participant_left",
		                                           "room", p->room_id, "participant", p->user_id, "peer",
		                                           p->peer_id, "reason", reason ? reason : "left"));
		parley_meeting_outbox_broadcast(ctx, box, p->room_id, p->peer_id, "participant-left", payload);
	} else {
		parley_meeting *m = parley_meeting_db_get(ctx->db, p->room_id);
		char *host_peer = m != NULL ? parley_meeting_host_peer_locked(ctx, m) : NULL;
		parley_meeting_outbox_emit_new(ctx, box, host_peer, NULL, "participant-waiting-cancelled",
		                               json_incref(payload));
		g_free(host_peer);
		parley_meeting_free(m);
	}
	json_decref(payload);
}

void parley_meeting_mute_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                const parley_meeting_participant *target)
{
	ctx->store->ops->update_flags(ctx->store, target->room_id, target->user_id, PARLEY_MEETING_FLAG_AUDIO, 0);
	parley_meeting_db_count_stat(ctx->db, target->room_id, PARLEY_MEETING_STAT_AUDIO);
	parley_meeting_outbox_emit_new(ctx, box, target->peer_id, NULL, "muted-by-host",
	                               json_pack("{s:s}", "roomId", target->room_id));
	json_t *payload = json_pack("{s:s, s:b}", "userId", target->user_id, /* new, dropped below */
	                            "isAudioEnabled", false);
	parley_meeting_outbox_broadcast(ctx, box, target->room_id, target->peer_id, "participant-audio-changed",
	                                payload);
	json_decref(payload);
}

void parley_meeting_remove_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                  const parley_meeting_participant *target, const char *why)
{
	parley_meeting_outbox_emit_new(ctx, box, target->peer_id, NULL, "removed-from-meeting",
	                               json_pack("{s:s, s:s}", "roomId", target->room_id, "reason", why));
	parley_meeting_leave_locked(ctx, box, target, "removed");
}

/* Tells everyone of one presence the meeting is over. */
static void announce_end(parley_meeting_ctx *ctx, parley_meeting_outbox *box, const parley_meeting *m,
                         parley_meeting_presence presence, const char *reason)
{
	GPtrArray *list = ctx->store->ops->list(ctx->store, m->room_id, presence);
	for (guint i = 0; i < list->len; i++) {
		parley_meeting_participant *p = list->pdata[i];
		parley_meeting_outbox_emit_new(ctx, box, p->peer_id, NULL, "meeting-ended",
		                               json_pack("{s:s, s:s}", "roomId", m->room_id, "reason", reason));
	}
	g_ptr_array_unref(list);
}

int parley_meeting_end_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting *m,
                              const char *reason)
{
	m->status = PARLEY_MEETING_STATUS_ENDED;
	m->ended_at = ctx->now_ms();
	m->expires_at = 0;
	g_free(m->end_reason);
	m->end_reason = g_strdup(reason);
	int rc = parley_meeting_db_update(ctx->db, m);
	if (ctx->cluster != NULL)
		parley_meeting_row_push(parley_meeting_cluster_redis(ctx->cluster), m);
	announce_end(ctx, box, m, PARLEY_MEETING_JOINED, reason);
	announce_end(ctx, box, m, PARLEY_MEETING_WAITING, reason);
	/* the handlers count the participants still in it as leaving with it */
	parley_meeting_outbox_notify_new(ctx, box, NULL,
	                                 json_pack("{s:s, s:s, s:s}", "event", "meeting_ended", "room", m->room_id,
	                                           "reason", reason));
	ctx->store->ops->clear_room(ctx->store, m->room_id);
	if (ctx->core->log != NULL)
		ctx->core->log(PARLEY_LOG_INFO, PARLEY_MEETING_PACKAGE, "meeting %s ended (%s)", m->room_id, reason);
	return rc;
}

unsigned parley_meeting_sweep(parley_meeting_ctx *ctx, int64_t now_ms)
{
	parley_meeting_outbox box;
	unsigned ended = 0;
	parley_meeting_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	GPtrArray *expired = parley_meeting_db_list_expired(ctx->db, now_ms);
	for (guint i = 0; i < expired->len; i++) {
		parley_meeting *m = parley_meeting_db_get(ctx->db, expired->pdata[i]);
		if (m != NULL && m->status != PARLEY_MEETING_STATUS_ENDED &&
		    parley_meeting_end_locked(ctx, &box, m, "ttl") == 0)
			ended++;
		parley_meeting_free(m);
	}
	g_ptr_array_unref(expired);
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
	return ended;
}
