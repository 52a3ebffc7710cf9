/*
 * plugins/room/requests.c — the table of client requests (body.request →
 * handler) and the admin requests. Every handler runs with ctx->lock held
 * and answers synchronously (result content = the seed's response, which
 * is also the Socket.IO ack payload) or refuses with {code, message}: the
 * request gets an ERROR answer and the handle an "error" event. produce
 * and the subscriber's answer carry a jsep; produce answers with a
 * "produced" event holding the SDP answer. restartIce (subscriber handle)
 * answers at once; its offer follows as a subscriberOffer event. Requests
 * of mediasoup-client apps (parameters instead of SDP) go to mediasoup.c.
 */
#include <string.h>

#include "room.h"

typedef struct request {
	room_ctx *ctx;
	room_outbox *box;
	room_handle *handle;
	const char *transaction;
	json_t *body;
	json_t *jsep;
	json_t *answer;             /* synchronous answer (owned) */
	bool answered_later;        /* an event carries the answer */
	parley_plugin_error error;  /* code 0 = accepted */
} request;

static void refuse(request *r, room_error code, const char *message)
{
	parley_plugin_error_set(&r->error, code, "%s", message);
}

static json_t *success(void)
{
	return json_pack("{s:b}", "success", true);
}

/* An optional string member: true when absent or a string of 1..max bytes. */
static bool optional_string(request *r, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(r->body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
		refuse(r, ROOM_ERR_INVALID, "a string member is empty, too long or not a string");
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool required_string(request *r, const char *key, const char **out)
{
	if (!optional_string(r, key, ROOM_MAX_ID, out))
		return false;
	if (*out == NULL) {
		static const char *const missing[] = {"roomId", "producerId", "consumerId", "peerId"};
		for (size_t i = 0; i < G_N_ELEMENTS(missing); i++)
			if (strcmp(key, missing[i]) == 0) {
				static const char *const texts[] = {"roomId is required", "producerId is required",
				                                    "consumerId is required", "peerId is required"};
				refuse(r, ROOM_ERR_INVALID, texts[i]);
				return false;
			}
		refuse(r, ROOM_ERR_INVALID, "a required member is missing");
		return false;
	}
	return true;
}

/* metadata: an object (or absent) of at most max_metadata bytes. */
static bool metadata_ok(request *r, const char *key, json_t **out)
{
	json_t *v = json_object_get(r->body, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_object(v)) {
		refuse(r, ROOM_ERR_INVALID, "metadata must be an object");
		return false;
	}
	char *text = json_dumps(v, JSON_COMPACT);
	size_t size = text != NULL ? strlen(text) : 0;
	free(text);
	if (size > r->ctx->cfg.max_metadata) {
		refuse(r, ROOM_ERR_INVALID, "metadata is too large");
		return false;
	}
	*out = v;
	return true;
}

static bool admin_key_ok(request *r)
{
	const char *key = json_string_value(json_object_get(r->body, "adminKey"));
	if (r->ctx->cfg.admin_key != NULL && (key == NULL || strcmp(key, r->ctx->cfg.admin_key) != 0)) {
		refuse(r, ROOM_ERR_UNAUTHORIZED, "adminKey is missing or wrong");
		return false;
	}
	return true;
}

/* The peer behind the main handle (and its room), or a refusal. */
static room_peer *joined_peer(request *r, room_room **room)
{
	room_peer *peer = r->handle->role == ROOM_ROLE_MAIN ? r->handle->peer : NULL;
	if (peer == NULL) {
		refuse(r, ROOM_ERR_NOT_JOINED, "join a room first");
		return NULL;
	}
	const char *room_id = json_string_value(json_object_get(r->body, "roomId"));
	if (room_id != NULL && strcmp(room_id, peer->room_id) != 0) {
		refuse(r, ROOM_ERR_NOT_JOINED, "this handle is not in that room");
		return NULL;
	}
	*room = parley_room_lookup_locked(r->ctx, peer->room_id);
	parley_room_peer_touch_locked(r->ctx, peer);
	return peer;
}

static json_t *others_json(request *r, room_room *room, room_peer *self)
{
	json_t *peers = json_array();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (value != self)
			json_array_append_new(peers, parley_room_peer_to_json_locked(r->ctx, value, false));
	return peers;
}

static void join(request *r, room_room *room, const char *peer_id, json_t *metadata)
{
	bool reconnected = false;
	room_peer *peer = parley_room_peer_join_locked(r->ctx, r->box, room, r->handle, peer_id, metadata,
	                                               &reconnected, &r->error);
	if (peer == NULL)
		return;
	r->answer = json_pack("{s:s, s:s, s:o, s:b, s:i}", "roomId", room->id, "peerId", peer->id, "peers",
	                      others_json(r, room, peer), "reconnected", reconnected, "maxParticipants",
	                      room->max_participants);
}

static void req_create_room(request *r)
{
	const char *room_id = NULL;
	json_t *metadata = NULL, *peer_metadata = NULL;
	json_t *max = json_object_get(r->body, "maxParticipants");
	json_t *join_too = json_object_get(r->body, "join");
	if (!optional_string(r, "roomId", ROOM_MAX_ID, &room_id) || !metadata_ok(r, "metadata", &metadata) ||
	    !metadata_ok(r, "peerMetadata", &peer_metadata) || !admin_key_ok(r))
		return;
	if (max != NULL && !json_is_integer(max)) {
		refuse(r, ROOM_ERR_INVALID, "maxParticipants must be an integer");
		return;
	}
	if (join_too != NULL && !json_is_boolean(join_too)) {
		refuse(r, ROOM_ERR_INVALID, "join must be a boolean");
		return;
	}
	if (!json_is_false(join_too) && (r->handle->peer != NULL || r->handle->role == ROOM_ROLE_SUBSCRIBER)) {
		refuse(r, ROOM_ERR_CONFLICT, "this handle is in a room already");
		return;
	}
	json_int_t max_value = max != NULL ? json_integer_value(max) : 0;
	if (max_value < 0 || max_value > r->ctx->cfg.max_participants_limit) {
		refuse(r, ROOM_ERR_INVALID, "maxParticipants is out of range");
		return;
	}
	room_room *room = parley_room_create_locked(r->ctx, room_id, metadata, (int)max_value, ROOM_ORIGIN_API,
	                                            &r->error);
	if (room == NULL)
		return;
	parley_room_outbox_emit_new(r->ctx, r->box, r->handle, "roomCreated", json_pack("{s:s}", "roomId", room->id));
	if (json_is_false(join_too)) {
		r->answer = json_pack("{s:s}", "roomId", room->id);
		return;
	}
	/* the creator joins with metadata (the seed's createRoom {metadata}) */
	join(r, room, NULL, peer_metadata != NULL ? peer_metadata : metadata);
}

static void req_join_room(request *r)
{
	const char *room_id, *peer_id;
	json_t *metadata;
	if (!required_string(r, "roomId", &room_id) || !optional_string(r, "peerId", ROOM_PEER_ID_LEN, &peer_id) ||
	    !metadata_ok(r, "metadata", &metadata))
		return;
	room_room *room = parley_room_lookup_locked(r->ctx, room_id);
	if (room == NULL && !r->ctx->cfg.implicit_rooms) {
		refuse(r, ROOM_ERR_NOT_FOUND, "no such room");
		return;
	}
	if (room == NULL) {
		room = parley_room_create_locked(r->ctx, room_id, NULL, 0, ROOM_ORIGIN_IMPLICIT, &r->error);
		if (room == NULL)
			return;
	}
	join(r, room, peer_id, metadata);
}

static void req_attach_subscriber(request *r)
{
	const char *room_id, *peer_id;
	if (!required_string(r, "roomId", &room_id) || !required_string(r, "peerId", &peer_id))
		return;
	if (r->handle->role != ROOM_ROLE_NONE) {
		refuse(r, ROOM_ERR_CONFLICT, "this handle has a role already");
		return;
	}
	room_room *room = parley_room_lookup_locked(r->ctx, room_id);
	room_peer *peer = room != NULL ? g_hash_table_lookup(room->peers, peer_id) : NULL;
	if (peer == NULL) {
		refuse(r, ROOM_ERR_NOT_FOUND, "no such peer in that room");
		return;
	}
	if (peer->subscriber != NULL) {
		refuse(r, ROOM_ERR_CONFLICT, "the peer has a subscriber handle already");
		return;
	}
	peer->subscriber = r->handle;
	r->handle->role = ROOM_ROLE_SUBSCRIBER;
	r->handle->peer = peer;
	parley_room_outbox_share_loop(r->ctx, r->box, r->handle->session, room->id);
	parley_room_outbox_notify_new(r->ctx, r->box, r->handle->session,
	                              json_pack("{s:s, s:s, s:s}", "event", "subscriber_attached", "room", room->id,
	                                        "participant", peer->id));
	parley_room_peer_touch_locked(r->ctx, peer);
	r->answer = success();
}

static void req_produce(request *r)
{
	room_room *room;
	room_peer *peer = joined_peer(r, &room);
	if (peer == NULL)
		return;
	const char *type = json_string_value(json_object_get(r->jsep, "type"));
	const char *sdp = json_string_value(json_object_get(r->jsep, "sdp"));
	if (type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
		refuse(r, ROOM_ERR_INVALID, "produce needs a jsep offer");
		return;
	}
	if (r->handle->params) {
		refuse(r, ROOM_ERR_CONFLICT, "this handle's pc is a mediasoup send transport: produce with rtpParameters");
		return;
	}
	json_t *sources = json_object_get(r->body, "sources");
	if (sources != NULL && !json_is_object(sources)) {
		refuse(r, ROOM_ERR_INVALID, "sources must be an object {mid: source}");
		return;
	}
	json_t *answer = NULL;
	if (parley_room_publish_locked(r->ctx, r->box, peer, sdp, r->body, &answer, &r->error) != 0)
		return;
	json_t *producers = json_array();
	for (guint i = 0; i < peer->producers->len; i++)
		json_array_append_new(producers, parley_room_producer_to_json(peer->producers->pdata[i]));
	parley_room_outbox_reply_new(r->ctx, r->box, r->handle, r->transaction, "produced",
	                             json_pack("{s:o}", "producers", producers), answer);
	r->answered_later = true;
}

/* The peer behind a subscriber handle, or a refusal. */
static room_peer *subscriber_peer(request *r)
{
	if (r->handle->role != ROOM_ROLE_SUBSCRIBER || r->handle->peer == NULL) {
		refuse(r, ROOM_ERR_NOT_JOINED, "this is not a subscriber handle (attachSubscriber first)");
		return NULL;
	}
	return r->handle->peer;
}

/* jsep answer; version? (the subscriberOffer it answers; absent = the outstanding one) */
static void req_subscriber_answer(request *r)
{
	room_peer *peer = subscriber_peer(r);
	if (peer == NULL)
		return;
	const char *type = json_string_value(json_object_get(r->jsep, "type"));
	const char *sdp = json_string_value(json_object_get(r->jsep, "sdp"));
	if (type == NULL || strcmp(type, "answer") != 0 || sdp == NULL) {
		refuse(r, ROOM_ERR_INVALID, "subscriberAnswer needs a jsep answer");
		return;
	}
	json_t *version = json_object_get(r->body, "version");
	if (version != NULL && !json_is_null(version) &&
	    (!json_is_integer(version) || json_integer_value(version) < 0)) {
		refuse(r, ROOM_ERR_INVALID, "version must be the integer version of the subscriberOffer answered");
		return;
	}
	json_int_t answered = (json_int_t)r->handle->offer_version;
	if (parley_room_subscriber_answer_locked(r->ctx, r->box, peer, sdp,
	                                         json_is_integer(version) ? json_integer_value(version) : -1,
	                                         &r->error) != 0)
		return;
	parley_room_peer_touch_locked(r->ctx, peer);
	r->answer = json_pack("{s:b, s:I}", "success", true, "version", answered);
}

/* The subscriber's client restarts ICE, or made a new RTCPeerConnection
 * after the old one ended: every m-line is offered again. */
static void req_restart_ice(request *r)
{
	room_peer *peer = subscriber_peer(r);
	if (peer == NULL)
		return;
	bool offered = false;
	if (parley_room_subscriber_restart_locked(r->ctx, r->box, peer, &offered, &r->error) != 0)
		return;
	parley_room_peer_touch_locked(r->ctx, peer);
	r->answer = json_pack("{s:b, s:b}", "success", true, "offered", offered);
	if (offered)
		json_object_set_new(r->answer, "version", json_integer((json_int_t)r->handle->offer_version));
}

static void req_consume(request *r)
{
	room_room *room;
	room_peer *peer = joined_peer(r, &room);
	if (peer == NULL)
		return;
	json_t *ids = json_object_get(r->body, "producerIds");
	json_t *one = json_object_get(r->body, "producerId");
	json_t *paused = json_object_get(r->body, "paused");
	if ((ids != NULL && (!json_is_array(ids) || json_array_size(ids) == 0 ||
	                     json_array_size(ids) > ROOM_MAX_MLINES)) ||
	    (ids == NULL && !json_is_string(one)) || (paused != NULL && !json_is_boolean(paused))) {
		refuse(r, ROOM_ERR_INVALID, "consume needs producerId (string) or producerIds (array); paused is a boolean");
		return;
	}
	json_t *list = ids != NULL ? json_incref(ids) : json_pack("[O]", one);
	json_t *consumers = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(list, i, id) {
		room_producer *p = parley_room_producer_lookup_locked(r->ctx, json_string_value(id));
		if (p == NULL || strcmp(p->room_id, peer->room_id) != 0) {
			refuse(r, ROOM_ERR_NOT_FOUND, "no such producer in this room");
			break;
		}
		room_consumer *c = parley_room_consume_locked(r->ctx, r->box, peer, p, paused == NULL || json_is_true(paused),
		                                              &r->error);
		if (c == NULL)
			break;
		json_array_append_new(consumers, parley_room_consumer_to_json(c));
	}
	json_decref(list);
	/* one offer for everything added (also after a partial refusal) */
	parley_room_subscriber_offer_locked(r->ctx, r->box, peer);
	if (r->error.code != 0) {
		json_decref(consumers);
		return;
	}
	/* one producer: the consumer's fields at the top too (the seed's "consumer data") */
	r->answer = ids == NULL ? json_deep_copy(json_array_get(consumers, 0)) : json_object();
	json_object_set_new(r->answer, "consumers", consumers);
}

/* The caller's consumer named by consumerId, or a refusal. */
static room_consumer *own_consumer(request *r)
{
	room_room *room;
	const char *id;
	room_peer *peer = joined_peer(r, &room);
	if (peer == NULL || !required_string(r, "consumerId", &id))
		return NULL;
	room_consumer *c = parley_room_consumer_lookup_locked(r->ctx, id);
	if (c == NULL || strcmp(c->peer_id, peer->id) != 0) {
		refuse(r, ROOM_ERR_NOT_FOUND, "no such consumer");
		return NULL;
	}
	return c;
}

static void req_resume_consumer(request *r)
{
	room_consumer *c = own_consumer(r);
	if (c == NULL)
		return;
	if (g_atomic_int_get(&c->paused)) {
		g_atomic_int_set(&c->resync, 1);
		g_atomic_int_set(&c->paused, 0);
		parley_room_request_keyframe(r->ctx, c->producer, r->ctx->now_us());
	}
	r->answer = success();
}

static void req_pause_consumer(request *r)
{
	room_consumer *c = own_consumer(r);
	if (c == NULL)
		return;
	g_atomic_int_set(&c->paused, 1);
	r->answer = success();
}

static void req_close_consumer(request *r)
{
	room_consumer *c = own_consumer(r);
	if (c == NULL)
		return;
	parley_room_consumer_close_locked(r->ctx, r->box, c);
	r->answer = success();
}

static void req_set_preferred_layers(request *r)
{
	room_consumer *c = own_consumer(r);
	if (c == NULL)
		return;
	json_t *spatial = json_object_get(r->body, "spatialLayer");
	json_t *temporal = json_object_get(r->body, "temporalLayer");
	if (!json_is_integer(spatial) || json_integer_value(spatial) < -1 ||
	    json_integer_value(spatial) >= ROOM_MAX_LAYERS ||
	    (temporal != NULL && (!json_is_integer(temporal) || json_integer_value(temporal) < -1 ||
	                          json_integer_value(temporal) > 3))) {
		refuse(r, ROOM_ERR_INVALID, "spatialLayer must be -1..2 (-1 = automatic), temporalLayer -1..3");
		return;
	}
	g_atomic_int_set(&c->preferred_layer, (gint)json_integer_value(spatial));
	if (temporal != NULL)
		g_atomic_int_set(&c->preferred_temporal, (gint)json_integer_value(temporal));
	parley_room_request_keyframe(r->ctx, c->producer, r->ctx->now_us());
	r->answer = success();
}

/* The caller's producer named by producerId, or a refusal. */
static room_producer *own_producer(request *r, room_room **room)
{
	const char *id;
	room_peer *peer = joined_peer(r, room);
	if (peer == NULL || !required_string(r, "producerId", &id))
		return NULL;
	room_producer *p = parley_room_producer_lookup_locked(r->ctx, id);
	if (p == NULL || strcmp(p->peer_id, peer->id) != 0) {
		refuse(r, ROOM_ERR_NOT_FOUND, "no such producer of yours");
		return NULL;
	}
	return p;
}

static void set_producer_paused(room_ctx *ctx, room_outbox *box, room_room *room, room_producer *p, bool paused)
{
	if (g_atomic_int_get(&p->paused) == (gint)paused)
		return;
	g_atomic_int_set(&p->paused, paused);
	if (!paused) {
		room_snapshot_items *cs = g_atomic_pointer_get(&p->consumers.current);
		for (guint i = 0; cs != NULL && i < cs->n; i++)
			g_atomic_int_set(&((room_consumer *)cs->items[i])->resync, 1);
		parley_room_request_keyframe(ctx, p, ctx->now_us());
	}
	json_t *event = json_pack("{s:s, s:s}", "producerId", p->id, "peerId", p->peer_id);
	parley_room_outbox_broadcast(ctx, box, room, NULL, paused ? "producerPaused" : "producerResumed", event);
	json_decref(event);
	parley_room_producer_tell_consumers_locked(ctx, box, p, paused ? "consumerPaused" : "consumerResumed");
}

static void req_pause_producer(request *r)
{
	room_room *room;
	room_producer *p = own_producer(r, &room);
	if (p == NULL)
		return;
	set_producer_paused(r->ctx, r->box, room, p, true);
	r->answer = success();
}

static void req_resume_producer(request *r)
{
	room_room *room;
	room_producer *p = own_producer(r, &room);
	if (p == NULL)
		return;
	set_producer_paused(r->ctx, r->box, room, p, false);
	r->answer = success();
}

static void req_close_producer(request *r)
{
	room_room *room;
	room_producer *p = own_producer(r, &room);
	if (p == NULL)
		return;
	parley_room_producer_close_locked(r->ctx, r->box, p, true);
	r->answer = success();
}

static void req_get_producers(request *r)
{
	room_room *room;
	room_peer *peer = joined_peer(r, &room);
	if (peer == NULL)
		return;
	json_t *producers = json_array();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_peer *other = value;
		for (guint i = 0; other != peer && i < other->producers->len; i++)
			json_array_append_new(producers, parley_room_producer_to_json(other->producers->pdata[i]));
	}
	r->answer = json_pack("{s:o}", "producers", producers);
}

static void req_leave_room(request *r)
{
	room_room *room;
	room_peer *peer = joined_peer(r, &room);
	if (peer == NULL)
		return;
	parley_room_peer_remove_locked(r->ctx, r->box, peer, "left");
	r->answer = success();
}

static void req_get_room_info(request *r)
{
	const char *room_id;
	if (!optional_string(r, "roomId", ROOM_MAX_ID, &room_id))
		return;
	if (room_id == NULL && r->handle->peer != NULL)
		room_id = r->handle->peer->room_id;
	room_room *room = parley_room_lookup_locked(r->ctx, room_id);
	if (room == NULL) {
		refuse(r, room_id == NULL ? ROOM_ERR_INVALID : ROOM_ERR_NOT_FOUND,
		       room_id == NULL ? "roomId is required" : "no such room");
		return;
	}
	r->answer = parley_room_room_info_locked(r->ctx, room, true);
}

static void req_heartbeat(request *r)
{
	if (r->handle->peer != NULL)
		parley_room_peer_touch_locked(r->ctx, r->handle->peer);
	r->answer = json_pack("{s:b, s:b}", "success", true, "joined", r->handle->peer != NULL);
}

static void req_destroy_room(request *r)
{
	const char *room_id;
	if (!required_string(r, "roomId", &room_id) || !admin_key_ok(r))
		return;
	room_room *room = parley_room_lookup_locked(r->ctx, room_id);
	if (room == NULL) {
		refuse(r, ROOM_ERR_NOT_FOUND, "no such room");
		return;
	}
	parley_room_close_locked(r->ctx, r->box, room, "destroyed");
	r->answer = success();
}

static json_t *rooms_list_locked(room_ctx *ctx)
{
	json_t *rooms = json_array();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_room *room = value;
		json_array_append_new(rooms, json_pack("{s:s, s:i, s:i, s:O}", "roomId", room->id, "peerCount",
		                                       (int)g_hash_table_size(room->peers), "maxParticipants",
		                                       room->max_participants, "metadata", room->metadata));
	}
	return rooms;
}

static void req_list_rooms(request *r)
{
	r->answer = json_pack("{s:o}", "rooms", rooms_list_locked(r->ctx));
}

static void req_room_exists(request *r)
{
	const char *room_id;
	if (!required_string(r, "roomId", &room_id))
		return;
	r->answer = json_pack("{s:s, s:b}", "roomId", room_id, "exists",
	                      parley_room_lookup_locked(r->ctx, room_id) != NULL);
}

static const struct {
	const char *name;
	void (*handle)(request *r);
} requests[] = {
	{"createRoom", req_create_room},
	{"joinRoom", req_join_room},
	{"attachSubscriber", req_attach_subscriber},
	{"produce", req_produce},
	{"subscriberAnswer", req_subscriber_answer},
	{"restartIce", req_restart_ice},
	{"consume", req_consume},
	{"resumeConsumer", req_resume_consumer},
	{"pauseConsumer", req_pause_consumer},
	{"closeConsumer", req_close_consumer},
	{"setPreferredLayers", req_set_preferred_layers},
	{"setConsumerPreferredLayers", req_set_preferred_layers},   /* the SFU service's name */
	{"pauseProducer", req_pause_producer},
	{"resumeProducer", req_resume_producer},
	{"closeProducer", req_close_producer},
	{"getProducers", req_get_producers},
	{"leaveRoom", req_leave_room},
	{"getRoomInfo", req_get_room_info},
	{"heartbeat", req_heartbeat},
	{"destroyRoom", req_destroy_room},
	{"listRooms", req_list_rooms},
	{"roomExists", req_room_exists},
};

static void set_error(parley_plugin_result *result, int code, const char *message)
{
	result->kind = PARLEY_PLUGIN_ERROR;
	g_snprintf(result->text, sizeof(result->text), "%d %s", code, message);
}

void parley_room_handle_request(room_ctx *ctx, parley_plugin_session *session, const char *transaction,
                                json_t *body, json_t *jsep, parley_plugin_result *result)
{
	memset(result, 0, sizeof(*result));
	if (!json_is_object(body)) {
		set_error(result, ROOM_ERR_INVALID, "the message must be a JSON object");
		return;
	}
	const char *name = json_string_value(json_object_get(body, "request"));
	/* a bare jsep answer on a subscriber handle is its answer */
	if (name == NULL && jsep != NULL && g_strcmp0(json_string_value(json_object_get(jsep, "type")), "answer") == 0)
		name = "subscriberAnswer";
	if (name == NULL) {
		set_error(result, ROOM_ERR_INVALID, "request (a string) is required");
		return;
	}
	if (jsep == NULL && parley_room_mediasoup_wants(name, body)) {
		parley_room_mediasoup_request(ctx, session, transaction, name, body, result);
		return;
	}
	void (*handler)(request *r) = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(requests); i++)
		if (strcmp(requests[i].name, name) == 0)
			handler = requests[i].handle;
	room_outbox box;
	parley_room_outbox_init(&box);
	request r = {.ctx = ctx, .box = &box, .transaction = transaction, .body = body, .jsep = jsep};
	g_mutex_lock(&ctx->lock);
	r.handle = parley_room_handle_lookup_locked(ctx, session);
	if (PARLEY_PLUGIN_CORE_HAS(ctx->core, log_context))   /* the log lines of this request name its room */
		ctx->core->log_context(session, r.handle != NULL && r.handle->peer != NULL ? r.handle->peer->room_id
		                                : json_string_value(json_object_get(body, "roomId")));
	if (r.handle == NULL)
		refuse(&r, ROOM_ERR_NOT_FOUND, "no such handle in the room plugin");
	else if (handler == NULL)
		refuse(&r, ROOM_ERR_UNKNOWN_REQUEST, "unknown request");
	else
		handler(&r);
	if (r.error.code != 0) {
		json_decref(r.answer);
		r.answer = NULL;
		set_error(result, r.error.code, r.error.reason);
		if (r.handle != NULL)
			parley_room_outbox_reply_new(ctx, &box, r.handle, transaction, "error",
			                             json_pack("{s:i, s:s, s:s}", "code", r.error.code, "message",
			                                       r.error.reason, "request", name), NULL);
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	if (r.error.code != 0)
		return;
	if (r.answered_later) {
		result->kind = PARLEY_PLUGIN_OK_WAIT;
		return;
	}
	result->kind = PARLEY_PLUGIN_OK;
	result->content = r.answer != NULL ? r.answer : success();
}

/* ---- admin message_plugin: list / info / kick / mute / destroy ---- */

static json_t *admin_error(int code, const char *message)
{
	return json_pack("{s:{s:i, s:s}}", "error", "code", code, "message", message);
}

json_t *parley_room_handle_admin(room_ctx *ctx, json_t *body)
{
	const char *name = json_string_value(json_object_get(body, "request"));
	const char *room_id = json_string_value(json_object_get(body, "roomId"));
	const char *peer_id = json_string_value(json_object_get(body, "peerId"));
	if (name == NULL)
		return admin_error(ROOM_ERR_INVALID, "request (list, info, kick, mute, unmute, destroy) is required");
	room_outbox box;
	parley_room_outbox_init(&box);
	json_t *answer = NULL;
	g_mutex_lock(&ctx->lock);
	room_room *room = parley_room_lookup_locked(ctx, room_id);
	room_peer *peer = room != NULL && peer_id != NULL ? g_hash_table_lookup(room->peers, peer_id) : NULL;
	if (strcmp(name, "list") == 0) {
		answer = json_pack("{s:o, s:i, s:i, s:I}", "rooms", rooms_list_locked(ctx), "roomCount",
		                   (int)g_hash_table_size(ctx->rooms), "peerCount",
		                   (int)parley_room_count_peers_locked(ctx), "packetsForwarded",
		                   (json_int_t)ROOM_LOAD64(&ctx->packets_forwarded));
	} else if (room == NULL) {
		answer = admin_error(ROOM_ERR_NOT_FOUND, "no such room (roomId)");
	} else if (strcmp(name, "info") == 0) {
		answer = parley_room_room_info_locked(ctx, room, true);
	} else if (strcmp(name, "destroy") == 0) {
		parley_room_close_locked(ctx, &box, room, "destroyed");
		answer = success();
	} else if (peer == NULL) {
		answer = admin_error(ROOM_ERR_NOT_FOUND, "no such peer in that room (peerId)");
	} else if (strcmp(name, "kick") == 0) {
		if (peer->main != NULL)
			parley_room_outbox_emit_new(ctx, &box, peer->main, "kicked", json_pack("{s:s}", "roomId", room->id));
		parley_room_peer_remove_locked(ctx, &box, peer, "kicked");
		answer = success();
	} else if (strcmp(name, "mute") == 0 || strcmp(name, "unmute") == 0) {
		const char *kind = json_string_value(json_object_get(body, "kind"));
		bool mute = strcmp(name, "mute") == 0;
		unsigned n = 0;
		for (guint i = 0; i < peer->producers->len; i++) {
			room_producer *p = peer->producers->pdata[i];
			bool match = kind == NULL ? p->kind == ROOM_KIND_AUDIO
			                          : strcmp(kind, p->kind == ROOM_KIND_AUDIO ? "audio" : "video") == 0;
			if (match) {
				set_producer_paused(ctx, &box, room, p, mute);
				n++;
			}
		}
		answer = json_pack("{s:b, s:i}", "success", true, "producers", (int)n);
	} else {
		answer = admin_error(ROOM_ERR_UNKNOWN_REQUEST, "unknown admin request");
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	return answer;
}
