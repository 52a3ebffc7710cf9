/*
 * driver_room.c — Parley's room plugin (parley.plugin.room, see
 * plugins/room/README.md). A participant has a main handle (createRoom or
 * joinRoom, produce with a jsep offer → "produced" event with the answer)
 * and a subscriber handle (attachSubscriber {roomId, peerId}; consume on
 * the main handle → "subscriberOffer" event on the subscriber handle →
 * subscriberAnswer with the jsep answer).
 *
 * Peers: every publisher is a participant that produces audio + video.
 * With --mesh each publisher also receives every other member of its room
 * through its own subscriber handle (in the publisher's session); without
 * it each room gets --subscribers viewers (participants that only consume,
 * each receiving every publisher of the room). A subscriber consumes a
 * publisher's producers once that publisher has media up; the consume
 * request time is where join → first packet/keyframe count from.
 */
#include <string.h>
#include "janus_api.h"
#include "loadgen.h"
#include "session.h"

#define VIEWER_ID_BASE 100000u

typedef struct rm_producer {
	char *id;
	uint32_t owner;              /* publisher id */
} rm_producer;

typedef struct rm_room {
	char id[40];
	unsigned members;            /* participants expected */
	bool created, creating;
	GPtrArray *waiting;          /* peers whose main handle waits for the room */
	GArray *producers;           /* rm_producer of publishers with media up */
	GPtrArray *subscribers;      /* subscriber peers attached */
} rm_room;

typedef struct rm_state {
	rm_room *rooms;
	int n_rooms;
	GHashTable *produced;        /* publisher peer -> GPtrArray of producer ids (owned) */
} rm_state;

static rm_state *state_of(loadgen_run *run) { return run->driver_data; }
static rm_room *room_of(loadgen_run *run, loadgen_peer *peer)
{
	return &state_of(run)->rooms[loadgen_peer_janus_ids(peer)->room_index];
}

static unsigned publishers_in(loadgen_run *run, int room)
{
	int p = run->options->publishers, r = run->options->rooms;
	return (unsigned)(p / r + (room < p % r ? 1 : 0));
}

static unsigned subscribers_in(loadgen_run *run, int room)
{
	unsigned pubs = publishers_in(run, room);
	if (run->options->mesh)
		return pubs > 1 ? pubs : 0;
	return (unsigned)run->options->subscribers;
}

#define FAIL_IF(cond, ...) do { if (cond) { loadgen_run_fail(run, __VA_ARGS__); return; } } while (0)

static void peer_failed(void *user_data, loadgen_peer *peer, const char *reason)
{
	loadgen_run_fail(user_data, "room peer %u: %s", loadgen_peer_publisher_id(peer), reason);
}

static uint64_t main_handle(loadgen_peer *peer)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	return ids->main_handle_id ? ids->main_handle_id : ids->handle_id;
}

/* ---- subscribers ---- */

static void consumed(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room subscriber %u: consume refused: %s", loadgen_peer_publisher_id(peer), error);
}

/* Consumes the room's producers this subscriber has not consumed yet. */
static void consume_new(loadgen_run *run, loadgen_peer *sub)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(sub);
	rm_room *room = room_of(run, sub);
	json_t *list = json_array();
	for (; ids->consumed < room->producers->len; ids->consumed++) {
		rm_producer *p = &g_array_index(room->producers, rm_producer, ids->consumed);
		if (p->owner != ids->owner)
			json_array_append_new(list, json_string(p->id));
	}
	if (json_array_size(list) == 0) {
		json_decref(list);
		return;
	}
	if (loadgen_peer_stats(sub)->join_us == 0)
		loadgen_peer_stats(sub)->join_us = g_get_monotonic_time();
	json_t *body = json_pack("{s:s, s:o, s:b}", "request", "consume", "producerIds", list, "paused", 0);
	loadgen_janus_message_to(run, sub, main_handle(sub), body, NULL, NULL, consumed);
	json_decref(body);
}

static void answer_sent(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room subscriber %u: subscriberAnswer refused: %s", loadgen_peer_publisher_id(peer), error);
}

static void subscriber_answer(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *body = json_pack("{s:s}", "request", "subscriberAnswer");
	loadgen_janus_message(run, peer, body, type, sdp, answer_sent);
	json_decref(body);
}

/* Events on a subscriber handle: the plugin's offers. */
static void subscriber_event(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep)
{
	const char *name = json_string_value(json_object_get(data, "event"));
	if (name && strcmp(name, "error") == 0) {
		json_t *e = json_object_get(data, "data");
		loadgen_run_fail(run, "room subscriber %u: error event %" JSON_INTEGER_FORMAT ": %s",
		                 loadgen_peer_publisher_id(peer), json_integer_value(json_object_get(e, "code")),
		                 json_string_value(json_object_get(e, "message")) ?: "");
		return;
	}
	if (name == NULL || strcmp(name, "subscriberOffer") != 0)
		return;
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	FAIL_IF(sdp == NULL, "room subscriber %u: subscriberOffer without jsep", loadgen_peer_publisher_id(peer));
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, json_string_value(json_object_get(jsep, "type")), sdp, &err) < 0) {
		loadgen_run_fail(run, "room subscriber %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void subscriber_attached(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room subscriber %u: attachSubscriber refused: %s", loadgen_peer_publisher_id(peer), error);
	g_ptr_array_add(room_of(run, peer)->subscribers, peer);
	consume_new(run, peer);
}

static void attach_subscriber(loadgen_run *run, loadgen_peer *peer)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	json_t *body = json_pack("{s:s, s:s, s:s}", "request", "attachSubscriber", "roomId", room_of(run, peer)->id,
	                         "peerId", ids->participant);
	loadgen_janus_message(run, peer, body, NULL, NULL, subscriber_attached);
	json_decref(body);
}

static void subscriber_handle_ready(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep,
                                    const char *error)
{
	FAIL_IF(error, "room subscriber %u: %s", loadgen_peer_publisher_id(peer), error);
	attach_subscriber(run, peer);
}

static void subscriber_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run_peer_ready(user_data, peer);
}

static const loadgen_peer_callbacks subscriber_callbacks = {
	.local_description = subscriber_answer, .connected = subscriber_connected, .failed = peer_failed,
};

/* --mesh: the publisher's own subscriber handle, in its session. */
static void open_mesh_subscriber(loadgen_run *run, loadgen_peer *publisher)
{
	loadgen_peer_janus *pub = loadgen_peer_janus_ids(publisher);
	GError *error = NULL;
	loadgen_peer *sub = loadgen_peer_new(run, LOADGEN_PEER_SUBSCRIBE, VIEWER_ID_BASE + loadgen_peer_publisher_id(publisher),
	                                     &subscriber_callbacks, run, &error);
	FAIL_IF(sub == NULL, "room subscriber: %s", error->message);
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(sub);
	ids->room_index = pub->room_index;
	ids->session_id = pub->session_id;
	ids->owns_session = false;
	ids->main_handle_id = pub->handle_id;
	ids->owner = loadgen_peer_publisher_id(publisher);
	g_strlcpy(ids->participant, pub->participant, sizeof(ids->participant));
	loadgen_run_add_peer(run, sub);
	loadgen_janus_attach(run, sub, subscriber_handle_ready, subscriber_event);
}

/* ---- publishers ---- */

static void produced(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room publisher %u: produce refused: %s", loadgen_peer_publisher_id(peer), error);
	json_t *list = json_object_get(json_object_get(data, "data"), "producers");
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) {
		const char *id = json_string_value(json_object_get(p, "producerId"));
		if (id)
			g_ptr_array_add(ids, g_strdup(id));
	}
	g_hash_table_replace(state_of(run)->produced, peer, ids);
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	FAIL_IF(sdp == NULL || ids->len == 0, "room publisher %u: 'produced' without %s",
	        loadgen_peer_publisher_id(peer), sdp == NULL ? "a jsep answer" : "producers");
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, json_string_value(json_object_get(jsep, "type")), sdp, &err) < 0) {
		loadgen_run_fail(run, "room publisher %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void publisher_offer(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *sources = json_object();
	if (!run->options->no_audio)
		json_object_set_new(sources, "0", json_string("mic"));
	if (!run->options->no_video)
		json_object_set_new(sources, run->options->no_audio ? "0" : "1", json_string("camera"));
	json_t *body = json_pack("{s:s, s:o}", "request", "produce", "sources", sources);
	loadgen_janus_message(run, peer, body, type, sdp, produced);
	json_decref(body);
}

static void publisher_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run *run = user_data;
	loadgen_run_peer_ready(run, peer);
	rm_room *room = room_of(run, peer);
	GPtrArray *ids = g_hash_table_lookup(state_of(run)->produced, peer);
	for (guint i = 0; ids && i < ids->len; i++) {
		rm_producer p = { .id = g_strdup(ids->pdata[i]), .owner = loadgen_peer_publisher_id(peer) };
		g_array_append_val(room->producers, p);
	}
	for (guint i = 0; i < room->subscribers->len; i++)
		consume_new(run, room->subscribers->pdata[i]);
}

/* The participant is in the room: publishers produce, viewers attach their
 * subscriber handle. */
static void joined(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room peer %u: join refused: %s", loadgen_peer_publisher_id(peer), error);
	const char *participant = json_string_value(json_object_get(data, "peerId"));
	FAIL_IF(participant == NULL, "room peer %u: join answer without peerId", loadgen_peer_publisher_id(peer));
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	g_strlcpy(ids->participant, participant, sizeof(ids->participant));
	if (loadgen_peer_get_mode(peer) == LOADGEN_PEER_SUBSCRIBE) {
		attach_subscriber(run, peer);
		return;
	}
	GError *err = NULL;
	if (loadgen_peer_create_offer(peer, &err) < 0) {
		loadgen_run_fail(run, "room publisher %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
		return;
	}
	if (run->options->mesh && subscribers_in(run, (int)ids->room_index) > 0)
		open_mesh_subscriber(run, peer);
}

static void join(loadgen_run *run, loadgen_peer *peer)
{
	json_t *body = json_pack("{s:s, s:s}", "request", "joinRoom", "roomId", room_of(run, peer)->id);
	loadgen_janus_message_to(run, peer, main_handle(peer), body, NULL, NULL, joined);
	json_decref(body);
}

static void room_created(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "createRoom refused: %s", error);
	rm_room *room = room_of(run, peer);
	room->created = true;
	joined(run, peer, data, NULL, NULL);
	for (guint i = 0; i < room->waiting->len; i++)
		join(run, room->waiting->pdata[i]);
	g_ptr_array_set_size(room->waiting, 0);
}

/* A participant's main handle exists: create the room, join it, or wait. */
static void participant_ready(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room peer %u: %s", loadgen_peer_publisher_id(peer), error);
	rm_room *room = room_of(run, peer);
	if (room->created) {
		join(run, peer);
	} else if (room->creating) {
		g_ptr_array_add(room->waiting, peer);
	} else {
		room->creating = true;
		json_t *body = json_pack("{s:s, s:s, s:i, s:{s:s}}", "request", "createRoom", "roomId", room->id,
		                         "maxParticipants", (int)room->members, "metadata", "by", "parley-loadgen");
		loadgen_janus_message_to(run, peer, main_handle(peer), body, NULL, NULL, room_created);
		json_decref(body);
	}
}

static void viewer_opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room viewer %u: %s", loadgen_peer_publisher_id(peer), error);
	loadgen_janus_attach_main(run, peer, participant_ready);
}

static void main_event(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep)
{
	const char *name = json_string_value(json_object_get(data, "event"));
	if (name && strcmp(name, "error") == 0) {
		json_t *e = json_object_get(data, "data");
		loadgen_run_fail(run, "room peer %u: error event: %s", loadgen_peer_publisher_id(peer),
		                 json_string_value(json_object_get(e, "message")) ?: "");
	}
}

static int rm_start(loadgen_run *run, GError **error)
{
	static const loadgen_peer_callbacks publisher_callbacks = {
		.local_description = publisher_offer, .connected = publisher_connected, .failed = peer_failed,
	};
	rm_state *st = g_new0(rm_state, 1);
	st->n_rooms = run->options->rooms;
	st->rooms = g_new0(rm_room, st->n_rooms);
	st->produced = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
	run->driver_data = st;
	unsigned tag = (unsigned)g_random_int();
	run->peers_expected = run->options->publishers;
	for (int r = 0; r < st->n_rooms; r++) {
		rm_room *room = &st->rooms[r];
		g_snprintf(room->id, sizeof(room->id), "loadgen-%08x-%d", tag, r);
		room->waiting = g_ptr_array_new();
		room->producers = g_array_new(FALSE, FALSE, sizeof(rm_producer));
		room->subscribers = g_ptr_array_new();
		room->members = publishers_in(run, r) + (run->options->mesh ? 0 : subscribers_in(run, r));
		run->peers_expected += (int)subscribers_in(run, r);
	}
	for (int i = 0; i < run->options->publishers; i++) {
		loadgen_peer *peer = loadgen_peer_new(run, LOADGEN_PEER_PUBLISH, (uint32_t)i + 1, &publisher_callbacks,
		                                      run, error);
		if (peer == NULL)
			return -1;
		loadgen_peer_janus_ids(peer)->room_index = (unsigned)(i % st->n_rooms);
		loadgen_run_add_peer(run, peer);
		loadgen_janus_open(run, peer, participant_ready, main_event);
	}
	if (run->options->mesh)
		return 0;
	uint32_t next = VIEWER_ID_BASE;
	for (int r = 0; r < st->n_rooms; r++) {
		for (unsigned v = 0; v < subscribers_in(run, r); v++) {
			loadgen_peer *peer = loadgen_peer_new(run, LOADGEN_PEER_SUBSCRIBE, next++, &subscriber_callbacks,
			                                      run, error);
			if (peer == NULL)
				return -1;
			loadgen_peer_janus_ids(peer)->room_index = (unsigned)r;
			loadgen_run_add_peer(run, peer);
			loadgen_janus_open(run, peer, viewer_opened, subscriber_event);
		}
	}
	return 0;
}

static void rm_stop(loadgen_run *run)
{
	for (guint i = run->peers->len; i > 0; i--)
		loadgen_janus_close(run, run->peers->pdata[i - 1]);
}

static void rm_free(loadgen_run *run)
{
	rm_state *st = state_of(run);
	if (st == NULL)
		return;
	for (int r = 0; r < st->n_rooms; r++) {
		rm_room *room = &st->rooms[r];
		for (guint i = 0; i < room->producers->len; i++)
			g_free(g_array_index(room->producers, rm_producer, i).id);
		g_array_free(room->producers, TRUE);
		g_ptr_array_free(room->waiting, TRUE);
		g_ptr_array_free(room->subscribers, TRUE);
	}
	g_hash_table_destroy(st->produced);
	g_free(st->rooms);
	g_free(st);
	run->driver_data = NULL;
}

const loadgen_driver loadgen_driver_room = {
	.name = "room",
	.default_plugin = "parley.plugin.room",
	.summary = "Parley's room plugin: produce on a main handle, consume through a subscriber handle",
	.has_rooms = true,
	.start = rm_start,
	.stop = rm_stop,
	.free = rm_free,
};
