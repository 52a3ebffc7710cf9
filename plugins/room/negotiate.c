/*
 * plugins/room/negotiate.c — the SDP side of the room, through the core's
 * SDP helpers: a publisher's offer becomes an answer (receive only, the
 * configured codecs, simulcast when enabled) and one producer per sending
 * m-line (new ones announced with newProducer, vanished ones closed); a
 * subscriber's single downstream PeerConnection gets one m-line per
 * consumer (send only; inactive once the consumer closes, reused for the
 * next consumer of the same kind), re-offered whenever that set changes
 * and no offer is outstanding.
 *
 * Subscriber offers are versioned (1, 2, ...); one is outstanding at a
 * time and its answer must name it (or no version) and carry its mids in
 * order. Changes while it waits go out together in the next offer; an
 * offer unanswered for offer_timeout, or spoiled (the core's pc took an
 * answer we refused), is replaced by the next change or the sweep.
 * restartIce re-offers every m-line at once: with new ICE credentials on
 * the live pc, or on a new pc after the old one ended (until then the
 * subscriber's m-lines and consumers are kept and nothing is offered).
 *
 * Forwarded packets carry our own header extensions (see forward.c), so
 * every subscriber m-line offers the same ids: mid 1, audio level 2,
 * abs-send-time 3.
 */
#include <string.h>

#include "room.h"


#define EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define EXT_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define EXT_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define EXT_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define NO_SDP_HELPERS "this core offers no SDP helpers: media is unavailable"

/* Payload types used towards subscribers, one per codec (BUNDLE-safe). */
static const struct {
	const char *name;
	parley_util_keyframe_codec payload;
	int pt;
	int rtx_pt;
} codec_table[] = {
	{"opus", PARLEY_UTIL_KEYFRAME_OTHER, 111, -1},
	{"VP8", PARLEY_UTIL_KEYFRAME_VP8, 96, 97},
	{"VP9", PARLEY_UTIL_KEYFRAME_VP9, 98, 99},
	{"H264", PARLEY_UTIL_KEYFRAME_H264, 102, 103},
	{"AV1", PARLEY_UTIL_KEYFRAME_AV1, 104, 105},
};

bool parley_room_codec_at(int index, const char **name, int *pt, int *rtx_pt)
{
	if (index < 0 || index >= (int)G_N_ELEMENTS(codec_table))
		return false;
	*name = codec_table[index].name;
	*pt = codec_table[index].pt;
	*rtx_pt = codec_table[index].rtx_pt;
	return true;
}

int parley_room_codec_index(const char *name)
{
	for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(codec_table); i++)
		if (g_ascii_strcasecmp(codec_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

static json_t *split_names(const char *list)
{
	json_t *names = json_array();
	gchar **parts = g_strsplit(list, ",", -1);
	for (gchar **p = parts; *p != NULL; p++) {
		g_strstrip(*p);
		if ((*p)[0] != '\0')
			json_array_append_new(names, json_string(*p));
	}
	g_strfreev(parts);
	return names;
}

/* The first real codec of a summary m-line (RTX/RED/FEC skipped). */
static json_t *main_codec(json_t *media)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(media, "codecs"), i, c) {
		if (parley_room_codec_index(json_string_value(json_object_get(c, "name"))) >= 0)
			return c;
	}
	return NULL;
}

static room_producer *producer_by_mid(room_peer *peer, const char *mid)
{
	for (guint i = 0; i < peer->producers->len; i++) {
		room_producer *p = peer->producers->pdata[i];
		if (strcmp(p->mid, mid) == 0)
			return p;
	}
	return NULL;
}

/* "camera"/"screen"/"mic" for a new m-line: the client's "sources" map
 * ({mid: source}) first (see parley_room_pick_source). */
static void pick_source(room_peer *peer, json_t *body, const char *mid, room_kind kind, char *out, size_t size)
{
	const char *given = json_string_value(json_object_get(json_object_get(body, "sources"), mid));
	parley_room_pick_source(peer, given, kind, out, size);
}

void parley_room_pick_source(room_peer *peer, const char *given, room_kind kind, char *out, size_t size)
{
	if (given != NULL && given[0] != '\0') {
		g_strlcpy(out, given, size);
		return;
	}
	if (kind == ROOM_KIND_AUDIO) {
		g_strlcpy(out, "mic", size);
		return;
	}
	bool camera = false;
	for (guint i = 0; i < peer->producers->len; i++) {
		room_producer *p = peer->producers->pdata[i];
		if (p->kind == ROOM_KIND_VIDEO && strcmp(p->source, "camera") == 0)
			camera = true;
	}
	g_strlcpy(out, camera ? "screen" : "camera", size);
}

void parley_room_fill_codec(room_producer *p, json_t *codec)
{
	const char *name = json_string_value(json_object_get(codec, "name"));
	int index = parley_room_codec_index(name);
	g_strlcpy(p->codec.name, index >= 0 ? codec_table[index].name : "", sizeof(p->codec.name));
	p->codec.codec = index >= 0 ? codec_table[index].payload : PARLEY_UTIL_KEYFRAME_OTHER;
	p->codec.pt = (int)json_integer_value(json_object_get(codec, "pt"));
	p->codec.clock_rate = (uint32_t)json_integer_value(json_object_get(codec, "clock_rate"));
	p->codec.channels = (uint32_t)json_integer_value(json_object_get(codec, "channels"));
	const char *fmtp = json_string_value(json_object_get(codec, "fmtp"));
	g_strlcpy(p->codec.fmtp, fmtp != NULL ? fmtp : "", sizeof(p->codec.fmtp));
	p->out_pt = (uint8_t)(index >= 0 ? codec_table[index].pt : p->codec.pt);
	if (p->codec.clock_rate == 0)
		p->codec.clock_rate = p->kind == ROOM_KIND_AUDIO ? 48000 : 90000;
}

/* A publish offer with new ICE credentials on the same pc is an ICE restart. */
static void note_publisher_credentials(room_peer *peer, const char *ufrag)
{
	if (ufrag == NULL || ufrag[0] == '\0')
		return;
	if (peer->publisher_ufrag[0] != '\0' && strcmp(peer->publisher_ufrag, ufrag) != 0)
		parley_room_connection_restarted_locked(peer, ROOM_PC_PUBLISHER);
	g_strlcpy(peer->publisher_ufrag, ufrag, sizeof(peer->publisher_ufrag));
}

int parley_room_publish_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *offer_sdp,
                               json_t *body, json_t **answer_out, parley_plugin_error *error)
{
	*answer_out = NULL;
	if (ctx->sdp.answer == NULL || ctx->sdp.summary == NULL)
		return parley_plugin_error_set(error, ROOM_ERR_UNAVAILABLE, NO_SDP_HELPERS);
	room_room *room = parley_room_lookup_locked(ctx, peer->room_id);
	json_t *options = json_pack("{s:{s:o, s:s}, s:{s:o, s:s}, s:[s, s, s, s, s], s:b, s:b}",
	                            "audio", "codecs", split_names(ctx->cfg.audio_codecs), "direction", "recvonly",
	                            "video", "codecs", split_names(ctx->cfg.video_codecs), "direction", "recvonly",
	                            "extensions", EXT_MID, EXT_AUDIO_LEVEL, EXT_ABS_SEND_TIME, EXT_RID, EXT_RRID,
	                            "simulcast", ctx->cfg.simulcast, "data", false);
	char reason[256] = "";
	char *answer = ctx->sdp.answer(offer_sdp, options, reason, sizeof(reason));
	json_decref(options);
	if (answer == NULL)
		return parley_plugin_error_set(error, ROOM_ERR_MEDIA, "%s", reason);
	json_t *offer_summary = ctx->sdp.summary(offer_sdp);
	json_t *answer_summary = ctx->sdp.summary(answer);
	note_publisher_credentials(peer, json_string_value(json_object_get(offer_summary, "ice_ufrag")));
	json_t *offered = json_object_get(offer_summary, "media");
	json_t *answered = json_object_get(answer_summary, "media");
	if (!json_is_array(offered) || !json_is_array(answered) || json_array_size(offered) != json_array_size(answered)) {
		json_decref(offer_summary);
		json_decref(answer_summary);
		g_free(answer);
		return parley_plugin_error_set(error, ROOM_ERR_MEDIA, "the offer and its answer do not match");
	}
	json_t *added = json_array();
	GPtrArray *keep = g_ptr_array_new();
	size_t i;
	json_t *m;
	json_array_foreach(answered, i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *direction = json_string_value(json_object_get(m, "direction"));
		const char *mid = json_string_value(json_object_get(m, "mid"));
		json_t *codec = main_codec(m);
		if (mid == NULL || codec == NULL || json_is_true(json_object_get(m, "rejected")) ||
		    g_strcmp0(direction, "recvonly") != 0 || i >= ROOM_MAX_MLINES)
			continue;
		room_kind kind = g_strcmp0(type, "audio") == 0 ? ROOM_KIND_AUDIO : ROOM_KIND_VIDEO;
		if (g_strcmp0(type, "audio") != 0 && g_strcmp0(type, "video") != 0)
			continue;
		room_producer *p = producer_by_mid(peer, mid);
		if (p != NULL && (p->kind != kind || p->mindex != (int)i)) {
			parley_room_producer_close_locked(ctx, box, p, true);
			p = NULL;
		}
		bool fresh = p == NULL;
		if (fresh) {
			p = parley_room_producer_new(ctx, peer, kind, (int)i, mid);
			pick_source(peer, body, mid, kind, p->source, sizeof(p->source));
			json_t *extra = json_object_get(json_object_get(body, "metadata"), mid);
			if (json_is_object(extra))
				json_object_update(p->metadata, extra);
		}
		parley_room_fill_codec(p, codec);
		json_t *extmap = json_object_get(m, "extmap");
		p->ext_abs_send_time = (uint8_t)json_integer_value(json_object_get(extmap, EXT_ABS_SEND_TIME));
		unsigned layers = 0;
		size_t r;
		json_t *rid;
		json_array_foreach(json_object_get(json_array_get(offered, i), "rids"), r, rid) {
			if (g_strcmp0(json_string_value(json_object_get(rid, "direction")), "send") == 0)
				layers++;
		}
		if (!ctx->cfg.simulcast || kind == ROOM_KIND_AUDIO)
			layers = 1;
		p->layers = layers == 0 ? 1 : layers > ROOM_MAX_LAYERS ? ROOM_MAX_LAYERS : layers;
		g_ptr_array_add(keep, p);
		if (fresh)
			json_array_append_new(added, parley_room_producer_to_json(p));
	}
	/* streams no longer sent are closed */
	for (guint k = peer->producers->len; k > 0; k--) {
		room_producer *p = peer->producers->pdata[k - 1];
		if (!g_ptr_array_find(keep, p, NULL))
			parley_room_producer_close_locked(ctx, box, p, true);
	}
	g_ptr_array_free(keep, TRUE);
	json_decref(offer_summary);
	json_decref(answer_summary);
	if (peer->main != NULL)
		parley_room_publish_producer_snapshot_locked(ctx, peer->main, peer);
	G_STATIC_ASSERT(G_N_ELEMENTS(codec_table) == ROOM_CODEC_COUNT);
	json_array_foreach(added, i, m) {
		json_t *announce = json_pack("{s:O, s:O, s:O, s:O, s:O}", "producerId", json_object_get(m, "producerId"),
		                             "peerId", json_object_get(m, "peerId"), "kind", json_object_get(m, "kind"),
		                             "metadata", json_object_get(m, "metadata"), "paused",
		                             json_object_get(m, "paused"));
		if (room != NULL)
			parley_room_outbox_broadcast(ctx, box, room, peer->id, "newProducer", announce);
		json_decref(announce);
		room_producer *p = parley_room_producer_lookup_locked(ctx, json_string_value(json_object_get(m, "producerId")));
		if (p != NULL)
			parley_room_notify_track_locked(ctx, box, p, "track_published");
	}
	if (room != NULL && json_array_size(added) > 0)
		parley_room_whep_refill_room_locked(ctx, box, room);
	json_decref(added);
	*answer_out = json_pack("{s:s, s:s}", "type", "answer", "sdp", answer);
	g_free(answer);
	return 0;
}

static json_t *slot_description(room_slot *slot, const char *stream)
{
	room_consumer *c = slot->consumer;
	int index = parley_room_codec_index(slot->codec.name);
	if (index < 0)
		index = slot->kind == ROOM_KIND_AUDIO ? 0 : 1;
	json_t *codec = json_pack("{s:s, s:i}", "name", codec_table[index].name, "pt", codec_table[index].pt);
	if (codec_table[index].rtx_pt > 0)
		json_object_set_new(codec, "rtx_pt", json_integer(codec_table[index].rtx_pt));
	if (slot->codec.fmtp[0] != '\0')
		json_object_set_new(codec, "fmtp", json_string(slot->codec.fmtp));
	json_t *extensions = json_pack("[{s:i, s:s}]", "id", 1, "uri", EXT_MID);
	if (slot->kind == ROOM_KIND_AUDIO)
		json_array_append_new(extensions, json_pack("{s:i, s:s}", "id", 2, "uri", EXT_AUDIO_LEVEL));
	json_array_append_new(extensions, json_pack("{s:i, s:s}", "id", 3, "uri", EXT_ABS_SEND_TIME));
	json_t *m = json_pack("{s:s, s:s, s:s, s:[o], s:o}", "mid", slot->mid, "kind",
	                      slot->kind == ROOM_KIND_AUDIO ? "audio" : "video", "direction",
	                      c != NULL ? "sendonly" : "inactive", "codecs", codec, "extensions", extensions);
	if (c != NULL) {
		json_object_set_new(m, "ssrc", json_integer(slot->ssrc));
		char *msid = g_strdup_printf("%s %s", stream != NULL ? stream : c->producer->peer_id, c->id);
		json_object_set_new(m, "msid", json_string(msid));
		g_free(msid);
	}
	return m;
}

/* The mids of an SDP's m-lines in order (new reference), through the
 * core's summary; NULL when the SDP does not parse or there is no summary. */
static json_t *mids_of(room_ctx *ctx, const char *sdp)
{
	if (ctx->sdp.summary == NULL)
		return NULL;
	json_t *summary = ctx->sdp.summary(sdp);
	json_t *media = json_object_get(summary, "media");
	json_t *mids = NULL;
	if (json_is_array(media)) {
		mids = json_array();
		size_t i;
		json_t *m;
		json_array_foreach(media, i, m) {
			const char *mid = json_string_value(json_object_get(m, "mid"));
			json_array_append_new(mids, json_string(mid != NULL ? mid : ""));
		}
	}
	json_decref(summary);
	return mids;
}

/* Builds an offer of every slot as the next version and queues it as
 * subscriberOffer. `restart` marks a restartIce offer (data.restart);
 * `ice_restart` asks the core for new ICE credentials on the live pc
 * (jsep.restart). 0, or ROOM_ERR_MEDIA in *error when the core's helper
 * refused. */
static int send_offer(room_ctx *ctx, room_outbox *box, room_peer *peer, bool restart, bool ice_restart,
                      parley_plugin_error *error)
{
	room_handle *sub = peer->subscriber;
	json_t *media = json_array();
	json_t *consumers = json_array();
	for (guint i = 0; i < sub->slots->len; i++) {
		room_slot *slot = &g_array_index(sub->slots, room_slot, i);
		room_consumer *c = slot->consumer;
		json_array_append_new(media, slot_description(slot, c != NULL ? c->producer->peer_id : NULL));
		if (c != NULL)
			json_array_append_new(consumers, parley_room_consumer_to_json(c));
	}
	uint64_t version = sub->offer_version + 1;
	char session_id[16];   /* o= wants digits: stable per peer */
	g_snprintf(session_id, sizeof(session_id), "%u", g_str_hash(peer->id) | 1u);
	json_t *description = json_pack("{s:o, s:s, s:I}", "media", media, "session_id", session_id, "version",
	                                (json_int_t)version);
	char reason[256] = "";
	char *sdp = ctx->sdp.offer(description, reason, sizeof(reason));
	json_decref(description);
	if (sdp == NULL) {
		json_decref(consumers);
		return parley_plugin_error_set(error, ROOM_ERR_MEDIA, "cannot build the subscriber offer: %s", reason);
	}
	sub->offer_version = version;
	sub->offer_pending = true;
	sub->offer_again = false;
	sub->offer_spoiled = false;
	sub->offer_sent_ms = ctx->now_ms();
	json_decref(sub->offered_mids);
	sub->offered_mids = mids_of(ctx, sdp);
	json_t *payload = json_pack("{s:o, s:I}", "consumers", consumers, "version", (json_int_t)version);
	json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp);
	if (restart)
		json_object_set_new(payload, "restart", json_true());
	if (ice_restart)
		json_object_set_new(jsep, "restart", json_true());
	parley_room_outbox_jsep_new(ctx, box, sub, "subscriberOffer", payload, jsep);
	g_free(sdp);
	return 0;
}

/* A change's offer; a refusal of the helpers goes to the main handle. */
static void offer_change(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	parley_plugin_error error = {0};
	if (ctx->sdp.offer == NULL)
		parley_plugin_error_set(&error, ROOM_ERR_UNAVAILABLE, NO_SDP_HELPERS);
	else
		send_offer(ctx, box, peer, false, false, &error);
	if (error.code != 0)
		parley_room_outbox_emit_new(ctx, box, peer->main, "error",
		                            json_pack("{s:i, s:s}", "code", error.code, "message", error.reason));
}

/* May the pending offer be replaced? Unanswered for offer_timeout, or
 * spoiled: the core's pc took an answer the plugin refused (stale or not
 * matching), so an answer to the pending offer can no longer get through. */
static bool pending_offer_replaceable(room_ctx *ctx, room_handle *sub, int64_t now_ms)
{
	return sub->offer_spoiled || now_ms - sub->offer_sent_ms >= ctx->cfg.offer_timeout_ms;
}

void parley_room_subscriber_offer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	room_handle *sub = peer->subscriber;
	if (sub == NULL || sub->slots->len == 0)
		return;
	if (sub->pc_lost) {
		sub->offer_again = true;   /* restartIce offers everything */
		return;
	}
	if (sub->offer_pending && !pending_offer_replaceable(ctx, sub, ctx->now_ms())) {
		sub->offer_again = true;
		return;
	}
	if (sub->offer_pending)
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s: subscriber offer %" G_GUINT64_FORMAT " unanswered%s; a new one replaces it",
		    peer->id, sub->offer_version, sub->offer_spoiled ? " (spoiled)" : " past offer_timeout");
	offer_change(ctx, box, peer);
}

void parley_room_subscriber_check_offer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	room_handle *sub = peer->subscriber;
	if (sub != NULL && sub->offer_pending && (sub->offer_again || sub->offer_spoiled))
		parley_room_subscriber_offer_locked(ctx, box, peer);   /* replaces it when it may */
}

int parley_room_subscriber_answer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *sdp,
                                         json_int_t version, parley_plugin_error *error)
{
	room_handle *sub = peer->subscriber;
	if (sub == NULL || !sub->offer_pending)
		return parley_plugin_error_set(error, ROOM_ERR_CONFLICT, "no subscriber offer is waiting for an answer");
	/* a stale answer does not spoil the offer: the core takes the answer
	 * to the outstanding offer even after it applied this one */
	if (version >= 0 && (uint64_t)version < sub->offer_version)
		return parley_plugin_error_set(error, ROOM_ERR_STALE,
		                               "stale answer to offer %" G_GINT64_FORMAT ", offer %" G_GUINT64_FORMAT
		                               " is outstanding", (gint64)version, sub->offer_version);
	if (version >= 0 && (uint64_t)version > sub->offer_version)
		return parley_plugin_error_set(error, ROOM_ERR_INVALID,
		                               "no offer %" G_GINT64_FORMAT " was sent, offer %" G_GUINT64_FORMAT
		                               " is outstanding", (gint64)version, sub->offer_version);
	if (ctx->sdp.summary != NULL) {
		json_t *answered = mids_of(ctx, sdp);
		if (answered == NULL)
			return parley_plugin_error_set(error, ROOM_ERR_MEDIA, "the answer is not valid SDP");
		bool matches = sub->offered_mids == NULL || json_equal(answered, sub->offered_mids);
		json_decref(answered);
		if (!matches) {
			sub->offer_spoiled = true;
			return parley_plugin_error_set(error, ROOM_ERR_MEDIA,
			                               "the answer does not match offer %" G_GUINT64_FORMAT " (m-lines)",
			                               sub->offer_version);
		}
	}
	sub->offer_pending = false;
	sub->offer_spoiled = false;
	json_decref(sub->offered_mids);
	sub->offered_mids = NULL;
	if (sub->offer_again)
		parley_room_subscriber_offer_locked(ctx, box, peer);
	/* consumers that already run want a keyframe on their (re)negotiated
	 * m-line, and one more a second later: a client may start its receiver
	 * only after it sent the answer (aiortc does), and the first keyframe
	 * then finds no receiver and is lost, while nothing makes such a
	 * client ask for another */
	int64_t now_us = ctx->now_us();
	for (guint i = 0; i < peer->consumers->len; i++) {
		room_consumer *c = peer->consumers->pdata[i];
		if (g_atomic_int_get(&c->paused))
			continue;
		parley_room_request_keyframe(ctx, c->producer, now_us);
		ROOM_STORE64(&c->keyframe_again_us, now_us + ROOM_KEYFRAME_AGAIN_US);
	}
	return 0;
}

int parley_room_subscriber_restart_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, bool *offered,
                                          parley_plugin_error *error)
{
	room_handle *sub = peer->subscriber;
	*offered = false;
	if (sub == NULL)
		return parley_plugin_error_set(error, ROOM_ERR_NOT_JOINED, "the peer has no subscriber handle");
	if (ctx->sdp.offer == NULL)
		return parley_plugin_error_set(error, ROOM_ERR_UNAVAILABLE, NO_SDP_HELPERS);
	bool fresh_pc = sub->pc_lost;
	if (sub->slots->len > 0) {
		/* after a loss the core makes a new pc for this offer: no ICE restart there */
		int code = send_offer(ctx, box, peer, true, !fresh_pc, error);
		if (code != 0)
			return code;
		*offered = true;
	}
	if (fresh_pc) {
		sub->pc_lost = false;
		for (guint i = 0; i < peer->consumers->len; i++) {
			room_consumer *c = peer->consumers->pdata[i];
			g_atomic_int_set(&c->resync, 1);
			g_atomic_int_set(&c->held, 0);
		}
	}
	parley_room_connection_restarted_locked(peer, ROOM_PC_SUBSCRIBER);
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s: restartIce %s (offer %" G_GUINT64_FORMAT ", %u m-lines)", peer->id,
	    fresh_pc ? "after the pc ended: a new pc" : "on the live pc", sub->offer_version, sub->slots->len);
	return 0;
}

void parley_room_subscriber_pc_lost_locked(room_ctx *ctx, room_peer *peer)
{
	room_handle *sub = peer->subscriber;
	if (sub == NULL)
		return;
	sub->pc_lost = true;
	sub->offer_pending = false;
	sub->offer_spoiled = false;
	sub->offer_again = sub->slots->len > 0;
	json_decref(sub->offered_mids);
	sub->offered_mids = NULL;
	/* the consumers and their m-lines stay for restartIce; nothing is sent meanwhile */
	for (guint i = 0; i < peer->consumers->len; i++)
		g_atomic_int_set(&((room_consumer *)peer->consumers->pdata[i])->held, 1);
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s: the subscriber pc ended; %u m-lines and %u consumers wait for restartIce",
	    peer->id, sub->slots->len, peer->consumers->len);
}

void parley_room_subscriber_reset(room_handle *handle)
{
	for (guint i = 0; i < handle->slots->len; i++) {
		room_slot *slot = &g_array_index(handle->slots, room_slot, i);
		if (slot->consumer != NULL)
			parley_room_consumer_unref(slot->consumer);
	}
	g_array_set_size(handle->slots, 0);
	handle->offer_pending = handle->offer_again = handle->offer_spoiled = handle->pc_lost = false;
	json_decref(handle->offered_mids);
	handle->offered_mids = NULL;
}
