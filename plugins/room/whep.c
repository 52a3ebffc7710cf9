/*
 * plugins/room/whep.c — WHEP players (see whip.h): a player is a viewer of
 * its room, a peer nobody sees (room->viewers: no peerJoined, no events,
 * not counted in max_participants), whose subscriber handle is the one the
 * core made for its resource. Its m-lines are fixed by the offer: the
 * player's (we answer send-only with the room's codecs), or ours on an
 * empty POST (audio and video, every codec of the room; the player answers
 * by PATCH). Each m-line ("slot") keeps what was negotiated there: our
 * SSRC, the player's payload type per codec, the extension ids.
 *
 * Which producer feeds a slot: the oldest live producer of the slot's kind
 * whose codec the slot negotiated, in the whole room or of the one peer
 * the player asked for, that no other slot of the player has. When that
 * producer closes, the slot takes the next one (its numbering continues:
 * the player sees one stream); when a producer comes and a slot is empty,
 * the slot takes it. Nothing is renegotiated. The player's layer query
 * pins its simulcast layer; without it the layer follows its REMB
 * estimate (auto_layers).
 */
#include <string.h>

#include "whip.h"

#define EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define EXT_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define SDP_TYPE "application/sdp"

/* ---- slots ---- */

/* An extension id we can write (one-byte header): 1..14, else 0. */
static uint8_t usable_ext_id(json_t *extmap, const char *uri)
{
	json_int_t id = json_integer_value(json_object_get(extmap, uri));
	return id >= 1 && id <= 14 ? (uint8_t)id : 0;
}

/* Slot `index` from an m-line of a summary: `negotiated` (the answer, ours
 * or the player's) says which codecs and extensions were accepted and
 * whether the m-line flows; `ours` (the description we send) gives our
 * SSRC. */
static room_slot slot_from(json_t *negotiated, json_t *ours, bool we_answered)
{
	room_slot slot = {.fixed = true};
	const char *mid = json_string_value(json_object_get(negotiated, "mid"));
	g_strlcpy(slot.mid, mid != NULL ? mid : "", sizeof(slot.mid));
	const char *type = json_string_value(json_object_get(negotiated, "type"));
	const char *direction = json_string_value(json_object_get(negotiated, "direction"));
	slot.kind = g_strcmp0(type, "audio") == 0 ? ROOM_KIND_AUDIO : ROOM_KIND_VIDEO;
	bool media = g_strcmp0(type, "audio") == 0 || g_strcmp0(type, "video") == 0;
	/* our answer sends; the player's answer to our offer receives */
	bool flows = g_strcmp0(direction, we_answered ? "sendonly" : "recvonly") == 0 ||
	             g_strcmp0(direction, "sendrecv") == 0;
	slot.ssrc = (uint32_t)json_integer_value(json_array_get(json_object_get(ours, "ssrcs"), 0));
	size_t i;
	json_t *codec;
	json_array_foreach(json_object_get(negotiated, "codecs"), i, codec) {
		int index = parley_room_codec_index(json_string_value(json_object_get(codec, "name")));
		json_int_t pt = json_integer_value(json_object_get(codec, "pt"));
		if (index >= 0 && slot.pts[index] == 0 && pt > 0 && pt < 128)
			slot.pts[index] = (uint8_t)pt;
	}
	json_t *extmap = json_object_get(negotiated, "extmap");
	slot.ext_mid = usable_ext_id(extmap, EXT_MID);
	slot.ext_level = slot.kind == ROOM_KIND_AUDIO ? usable_ext_id(extmap, EXT_AUDIO_LEVEL) : 0;
	slot.ext_abs = usable_ext_id(extmap, EXT_ABS_SEND_TIME);
	slot.usable = media && flows && !json_is_true(json_object_get(negotiated, "rejected")) && slot.ssrc != 0 &&
	              slot.mid[0] != '\0';
	return slot;
}

/* The slots of a player from the negotiated description and ours. */
static GArray *slots_from(room_ctx *ctx, const char *negotiated, const char *ours, bool we_answered)
{
	json_t *n = ctx->sdp.summary(negotiated), *o = ctx->sdp.summary(ours);
	json_t *nm = json_object_get(n, "media"), *om = json_object_get(o, "media");
	GArray *slots = g_array_new(FALSE, TRUE, sizeof(room_slot));
	for (size_t i = 0; i < json_array_size(nm) && i < ROOM_MAX_MLINES; i++) {
		room_slot slot = slot_from(json_array_get(nm, i), json_array_get(om, i), we_answered);
		g_array_append_val(slots, slot);
	}
	json_decref(n);
	json_decref(o);
	return slots;
}

/* ---- which producer feeds a slot ---- */

static bool feeds_another_slot(room_peer *viewer, room_producer *p)
{
	for (guint i = 0; i < viewer->consumers->len; i++)
		if (((room_consumer *)viewer->consumers->pdata[i])->producer == p)
			return true;
	return false;
}

/* The oldest producer that may feed `slot`, or NULL. */
static room_producer *pick_producer(room_room *room, room_peer *viewer, const room_slot *slot)
{
	room_producer *best = NULL;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_peer *peer = value;
		if (viewer->follow[0] != '\0' && strcmp(peer->id, viewer->follow) != 0)
			continue;
		for (guint i = 0; i < peer->producers->len; i++) {
			room_producer *p = peer->producers->pdata[i];
			int codec = parley_room_codec_index(p->codec.name);
			if (g_atomic_int_get(&p->closed) || p->kind != slot->kind || codec < 0 || slot->pts[codec] == 0 ||
			    feeds_another_slot(viewer, p))
				continue;
			if (best == NULL || p->created_ms < best->created_ms ||
			    (p->created_ms == best->created_ms && strcmp(p->id, best->id) < 0))
				best = p;
		}
	}
	return best;
}

void parley_room_whep_refill_locked(room_ctx *ctx, room_outbox *box, room_peer *viewer)
{
	(void)box;
	room_handle *sub = viewer->subscriber;
	room_room *room = parley_room_lookup_locked(ctx, viewer->room_id);
	if (sub == NULL || room == NULL)
		return;
	for (guint i = 0; i < sub->slots->len; i++) {
		room_slot *slot = &g_array_index(sub->slots, room_slot, i);
		if (!slot->fixed || !slot->usable || slot->consumer != NULL)
			continue;
		room_producer *p = pick_producer(room, viewer, slot);
		room_consumer *c = p != NULL ? parley_room_consume_slot_locked(ctx, viewer, p, i) : NULL;
		if (c == NULL)
			continue;
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "WHEP player %s: m-line %s plays producer %s of %s", viewer->id, slot->mid,
		         p->id, p->peer_id);
		/* before its DTLS is up a keyframe would be lost: connection_up asks then */
		if (!sub->media_up)
			continue;
		parley_room_request_keyframe(ctx, p, ctx->now_us());
		/* a player may set its receiver up after the first keyframe passed */
		ROOM_STORE64(&c->keyframe_again_us, ctx->now_us() + ROOM_KEYFRAME_AGAIN_US);
	}
}

void parley_room_whep_refill_room_locked(room_ctx *ctx, room_outbox *box, room_room *room)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->viewers);
	while (g_hash_table_iter_next(&it, NULL, &value))
		parley_room_whep_refill_locked(ctx, box, value);
}

/* ---- viewers ---- */

static room_peer *viewer_new_locked(room_ctx *ctx, room_room *room, room_handle *handle, const room_whip_resource *res)
{
	room_peer *viewer = g_new0(room_peer, 1);
	do
		parley_room_random_id(viewer->id, ROOM_PEER_ID_LEN);
	while (g_hash_table_contains(room->peers, viewer->id) || g_hash_table_contains(room->viewers, viewer->id));
	viewer->room_id = g_strdup(room->id);
	viewer->metadata = json_pack("{s:b}", "whep", true);
	viewer->joined_ms = viewer->last_seen_ms = ctx->now_ms();
	viewer->producers = g_ptr_array_new();
	viewer->consumers = g_ptr_array_new();
	viewer->viewer = true;
	g_strlcpy(viewer->follow, res->follow, sizeof(viewer->follow));
	viewer->layer = res->layer;
	viewer->subscriber = handle;
	handle->peer = viewer;
	handle->role = ROOM_ROLE_SUBSCRIBER;
	handle->whep = true;
	handle->http = true;
	g_hash_table_insert(room->viewers, viewer->id, viewer);
	return viewer;
}

void parley_room_viewer_remove_locked(room_ctx *ctx, room_outbox *box, room_peer *viewer)
{
	room_handle *sub = viewer->subscriber;
	viewer->subscriber = NULL;   /* first: closing its consumers refills nothing */
	if (sub != NULL) {
		sub->peer = NULL;
		sub->role = ROOM_ROLE_NONE;
		sub->whep = false;
		parley_room_subscriber_reset(sub);
		parley_room_publish_consumer_snapshot_locked(ctx, sub, NULL);
		parley_room_outbox_action(ctx, box, sub->session, ROOM_ACTION_HTTP_CLOSE, -1);
	}
	while (viewer->consumers->len > 0)
		parley_room_consumer_close_locked(ctx, box, viewer->consumers->pdata[viewer->consumers->len - 1]);
	room_room *room = parley_room_lookup_locked(ctx, viewer->room_id);
	if (room != NULL)
		g_hash_table_remove(room->viewers, viewer->id);
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "WHEP player %s left room %s", viewer->id, viewer->room_id);
	g_ptr_array_free(viewer->producers, TRUE);
	g_ptr_array_free(viewer->consumers, TRUE);
	json_decref(viewer->metadata);
	g_free(viewer->room_id);
	g_free(viewer);
}

/* The room's part of a WHEP POST: the viewer with `slots` (taken), fed at
 * once. 0, or the HTTP status with `reason`. */
static int add_viewer(room_ctx *ctx, room_whip_resource *res, parley_plugin_session *session, GArray *slots,
                      char *reason, size_t reason_size)
{
	room_outbox box;
	parley_room_outbox_init(&box);
	int status = 0;
	g_mutex_lock(&ctx->lock);
	room_room *room = parley_room_lookup_locked(ctx, res->room_id);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
	if (room == NULL) {
		status = 404;
		g_snprintf(reason, reason_size, "no such room");
	} else if (res->follow[0] != '\0' && g_hash_table_lookup(room->peers, res->follow) == NULL) {
		status = 404;
		g_snprintf(reason, reason_size, "no such peer in that room");
	} else if (g_hash_table_size(room->viewers) >= ctx->cfg.whep_max_viewers) {
		status = 503;
		g_snprintf(reason, reason_size, "the room has as many players as it takes");
	} else if (handle == NULL || handle->peer != NULL) {
		status = 500;
		g_snprintf(reason, reason_size, "the handle is not the room plugin's");
	} else {
		room_peer *viewer = viewer_new_locked(ctx, room, handle, res);
		g_strlcpy(res->peer_id, viewer->id, sizeof(res->peer_id));
		parley_room_subscriber_reset(handle);
		g_array_append_vals(handle->slots, slots->data, slots->len);
		g_array_set_size(slots, 0);
		parley_room_publish_consumer_snapshot_locked(ctx, handle, viewer);
		parley_room_whep_refill_locked(ctx, &box, viewer);
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	g_array_free(slots, TRUE);
	return status;
}

/* ---- the player's offer ---- */

static json_t *split_names(const char *list)
{
	json_t *names = json_array();
	gchar **parts = g_strsplit(list != NULL ? list : "", ",", -1);
	for (gchar **p = parts; *p != NULL; p++) {
		g_strstrip(*p);
		if ((*p)[0] != '\0')
			json_array_append_new(names, json_string(*p));
	}
	g_strfreev(parts);
	return names;
}

/* Our send-only answer to the player's offer (g_malloc'd), or NULL. */
static char *answer_player(room_ctx *ctx, const char *offer, char *reason, size_t reason_size)
{
	json_t *options = json_pack("{s:{s:o, s:s}, s:{s:o, s:s}, s:[s, s, s], s:b, s:b}", "audio", "codecs",
	                            split_names(ctx->cfg.audio_codecs), "direction", "sendonly", "video", "codecs",
	                            split_names(ctx->cfg.video_codecs), "direction", "sendonly", "extensions", EXT_MID,
	                            EXT_AUDIO_LEVEL, EXT_ABS_SEND_TIME, "simulcast", false, "data", false);
	char *answer = ctx->sdp.answer(offer, options, reason, reason_size);
	json_decref(options);
	return answer;
}

static void create_from_offer(room_ctx *ctx, room_whip_job *job, parley_plugin_session *session)
{
	room_whip_resource *res = job->res;
	parley_http_call *call = job->call;
	char *offer = g_strndup(call->request.body, call->request.body_length);
	parley_plugin_error error = {0};
	char reason[600] = "", helper[300] = "";
	if (ctx->core->sdp_remote(session, "offer", offer, &error) != 0) {
		g_snprintf(reason, sizeof(reason), "the offer was refused: %s", error.reason);
		parley_room_whip_create_failed(ctx, job, error.code == 459 ? 503 : 400, reason);
		g_free(offer);
		return;
	}
	char *answer = answer_player(ctx, offer, helper, sizeof(helper));
	if (answer == NULL) {
		g_snprintf(reason, sizeof(reason), "no answer to this offer: %s", helper);
		parley_room_whip_create_failed(ctx, job, 400, reason);
		g_free(offer);
		return;
	}
	GArray *slots = slots_from(ctx, answer, answer, true);
	int status = add_viewer(ctx, res, session, slots, reason, sizeof(reason));
	char *merged = status == 0 ? ctx->core->sdp_local(session, "answer", answer, false, &error) : NULL;
	if (status == 0 && merged == NULL) {
		status = 500;
		g_snprintf(reason, sizeof(reason), "our answer could not be made: %s", error.reason);
	}
	if (status != 0) {
		parley_room_whip_create_failed(ctx, job, status, reason);
		g_free(offer);
		g_free(answer);
		return;
	}
	res->remote = offer;
	res->local = answer;
	parley_room_whip_remember_credentials(res, offer);
	char *headers = parley_room_whip_created_headers(ctx, res);
	ROOM_LOG(ctx, PARLEY_LOG_INFO, "WHEP player %s joined room %s%s%s from %s (resource %s)", res->peer_id,
	         res->room_id, res->follow[0] != '\0' ? " for peer " : "", res->follow, res->remote_ip, res->id);
	parley_room_whip_answer(call, 201, SDP_TYPE, merged, strlen(merged), headers);
	g_free(headers);
	g_free(merged);
}

/* ---- our offer (an empty POST) ---- */

/* The codecs of the room's list for one kind, with our payload types. */
static json_t *offer_codecs(const char *list)
{
	json_t *codecs = json_array();
	json_t *names = split_names(list);
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name) {
		const char *codec_name;
		int pt, rtx_pt;
		if (!parley_room_codec_at(parley_room_codec_index(json_string_value(name)), &codec_name, &pt, &rtx_pt))
			continue;
		json_t *codec = json_pack("{s:s, s:i}", "name", codec_name, "pt", pt);
		if (rtx_pt > 0)
			json_object_set_new(codec, "rtx_pt", json_integer(rtx_pt));
		json_array_append_new(codecs, codec);
	}
	json_decref(names);
	return codecs;
}

/* Our offer to a player: one send-only audio and one video m-line. */
static char *offer_player(room_ctx *ctx, const room_whip_resource *res, char *reason, size_t reason_size)
{
	json_t *audio_ext = json_pack("[{s:i, s:s}, {s:i, s:s}, {s:i, s:s}]", "id", 1, "uri", EXT_MID, "id", 2, "uri",
	                              EXT_AUDIO_LEVEL, "id", 3, "uri", EXT_ABS_SEND_TIME);
	json_t *video_ext = json_pack("[{s:i, s:s}, {s:i, s:s}]", "id", 1, "uri", EXT_MID, "id", 3, "uri",
	                              EXT_ABS_SEND_TIME);
	char msid_a[64], msid_v[64], session_id[16];
	g_snprintf(msid_a, sizeof(msid_a), "%s audio-%s", res->room_id, res->id);
	g_snprintf(msid_v, sizeof(msid_v), "%s video-%s", res->room_id, res->id);
	g_snprintf(session_id, sizeof(session_id), "%u", g_str_hash(res->id) | 1u);
	json_t *description = json_pack(
		"{s:[{s:s, s:s, s:s, s:o, s:I, s:s, s:o}, {s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:o}], s:s, s:i}", "media",
		"mid", "0", "kind", "audio", "direction", "sendonly", "codecs", offer_codecs(ctx->cfg.audio_codecs), "ssrc",
		(json_int_t)parley_room_random_u32(), "msid", msid_a, "extensions", audio_ext, "mid", "1", "kind", "video",
		"direction", "sendonly", "codecs", offer_codecs(ctx->cfg.video_codecs), "ssrc",
		(json_int_t)parley_room_random_u32(), "rtx_ssrc", (json_int_t)parley_room_random_u32(), "msid", msid_v,
		"extensions", video_ext, "session_id", session_id, "version", 1);
	char *sdp = description != NULL ? ctx->sdp.offer(description, reason, reason_size) : NULL;
	json_decref(description);
	return sdp;
}

static void create_with_our_offer(room_ctx *ctx, room_whip_job *job, parley_plugin_session *session)
{
	room_whip_resource *res = job->res;
	char reason[600] = "", helper[300] = "";
	parley_plugin_error error = {0};
	char *offer = offer_player(ctx, res, helper, sizeof(helper));
	if (offer == NULL) {
		g_snprintf(reason, sizeof(reason), "our offer could not be made: %s", helper);
		parley_room_whip_create_failed(ctx, job, 500, reason);
		return;
	}
	/* slots wait for the player's answer to be usable */
	GArray *slots = slots_from(ctx, offer, offer, true);
	for (guint i = 0; i < slots->len; i++)
		g_array_index(slots, room_slot, i).usable = false;
	int status = add_viewer(ctx, res, session, slots, reason, sizeof(reason));
	char *merged = status == 0 ? ctx->core->sdp_local(session, "offer", offer, false, &error) : NULL;
	if (status == 0 && merged == NULL) {
		status = 500;
		g_snprintf(reason, sizeof(reason), "our offer could not be made: %s", error.reason);
	}
	if (status != 0) {
		parley_room_whip_create_failed(ctx, job, status, reason);
		g_free(offer);
		return;
	}
	res->local = offer;
	char *headers = parley_room_whip_created_headers(ctx, res);
	ROOM_LOG(ctx, PARLEY_LOG_INFO, "WHEP player %s offered room %s from %s (resource %s): waiting for its answer",
	         res->peer_id, res->room_id, res->remote_ip, res->id);
	parley_room_whip_answer(job->call, 201, SDP_TYPE, merged, strlen(merged), headers);
	g_free(headers);
	g_free(merged);
}

void parley_room_whip_run_create_playback(room_ctx *ctx, room_whip_job *job)
{
	parley_plugin_session *session = parley_room_whip_make_handle(ctx, job);
	if (session == NULL)
		return;
	if (job->res->server_offer)
		create_with_our_offer(ctx, job, session);
	else
		create_from_offer(ctx, job, session);
}

int parley_room_whep_take_answer(room_ctx *ctx, room_whip_resource *res, const char *sdp, char *reason,
                                 size_t reason_size)
{
	if (!res->server_offer) {
		g_snprintf(reason, reason_size, "this player offered: its session needs no answer");
		return 409;
	}
	if (res->answered) {
		g_snprintf(reason, reason_size, "the answer to our offer came already");
		return 409;
	}
	if (strncmp(sdp, "v=0", 3) != 0) {
		g_snprintf(reason, reason_size, "invalid SDP answer: it must start with v=0");
		return 400;
	}
	parley_plugin_error error = {0};
	if (ctx->core->sdp_remote(res->session, "answer", sdp, &error) != 0) {
		g_snprintf(reason, reason_size, "the answer was refused: %s", error.reason);
		return 400;
	}
	GArray *slots = slots_from(ctx, sdp, res->local, false);
	g_mutex_lock(&ctx->lock);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, res->session);
	room_peer *viewer = handle != NULL ? handle->peer : NULL;
	room_outbox box;
	parley_room_outbox_init(&box);
	if (viewer != NULL) {
		for (guint i = 0; i < slots->len && i < handle->slots->len; i++) {
			room_slot *slot = &g_array_index(handle->slots, room_slot, i);
			room_slot *negotiated = &g_array_index(slots, room_slot, i);
			memcpy(slot->pts, negotiated->pts, sizeof(slot->pts));
			slot->ext_mid = negotiated->ext_mid;
			slot->ext_level = negotiated->ext_level;
			slot->ext_abs = negotiated->ext_abs;
			slot->usable = negotiated->usable;
		}
		parley_room_whep_refill_locked(ctx, &box, viewer);
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	g_array_free(slots, TRUE);
	if (viewer == NULL) {
		g_snprintf(reason, reason_size, "the player left its room meanwhile");
		return 404;
	}
	res->answered = true;
	g_free(res->remote);
	res->remote = g_strdup(sdp);
	parley_room_whip_remember_credentials(res, sdp);
	return 0;
}
