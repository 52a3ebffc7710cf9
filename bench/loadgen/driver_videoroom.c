/*
 * driver_videoroom.c — Janus's VideoRoom (janus.plugin.videoroom, Debian
 * janus 1.1.2, its documented API). Per room: the first publisher's handle
 * sends "create" (vp8/opus, a bitrate cap, room id chosen here); every
 * publisher sends "join" (ptype publisher), then "configure" with its
 * sendonly offer and takes the answer. Once a publisher has media up, its
 * subscribers open their own sessions, "join" (ptype subscriber, streams
 * [{feed}]) — the join request time is what join → first packet/keyframe
 * count from; a 428 "no such feed" is asked again, bounded — answer the
 * plugin's offer and send "start" with the answer.
 * --mesh gives every publisher one subscriber per other room member.
 */
#include <string.h>
#include "janus_api.h"
#include "loadgen.h"
#include "session.h"

typedef struct vr_room {
	uint64_t id;
	bool created, creating;
	GPtrArray *waiting;          /* publishers attached before the room existed */
} vr_room;

typedef struct vr_state {
	vr_room *rooms;
	int n_rooms;
	uint32_t next_subscriber_id;
} vr_state;

#define SUBSCRIBER_ID_BASE 100000u

static vr_state *state_of(loadgen_run *run) { return run->driver_data; }

static unsigned room_size(loadgen_run *run, unsigned room)
{
	int p = run->options->publishers, r = run->options->rooms;
	return (unsigned)(p / r + ((int)room < p % r ? 1 : 0));
}

static int subscribers_per_publisher(loadgen_run *run, unsigned room)
{
	return run->options->mesh ? (int)room_size(run, room) - 1 : run->options->subscribers;
}

static void peer_failed(void *user_data, loadgen_peer *peer, const char *reason)
{
	loadgen_run_fail(user_data, "videoroom peer %u: %s", loadgen_peer_publisher_id(peer), reason);
}

#define FAIL_IF(cond, ...) do { if (cond) { loadgen_run_fail(run, __VA_ARGS__); return; } } while (0)

/* ---- subscribers ---- */

static void started(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "subscriber %u: start refused: %s", loadgen_peer_publisher_id(peer), error);
}

static void subscriber_answer(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *body = json_pack("{s:s}", "request", "start");
	loadgen_janus_message(run, peer, body, type, sdp, started);
	json_decref(body);
}

static void send_subscriber_join(loadgen_run *run, loadgen_peer *peer);

/* The feed is announced once Janus has set up the publisher's media, which
 * can come after our side of its DTLS handshake ended: a subscriber
 * refused with 428 (no such feed) asks again, every JOIN_RETRY_MS up to
 * JOIN_TRIES times. Its join time stays that of the first request. */
#define JOIN_RETRY_MS 100
#define JOIN_TRIES 50
#define NO_SUCH_FEED "plugin error 428"

typedef struct join_retry {
	loadgen_run *run;
	loadgen_peer *peer;
} join_retry;

static gboolean join_again(gpointer data)
{
	join_retry *r = data;
	loadgen_peer_janus_ids(r->peer)->retry_source = 0;
	send_subscriber_join(r->run, r->peer);
	return G_SOURCE_REMOVE;
}

static void subscriber_joined(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	if (error && g_str_has_prefix(error, NO_SUCH_FEED) && ++ids->join_tries < JOIN_TRIES) {
		join_retry *r = g_new(join_retry, 1);
		*r = (join_retry){ .run = run, .peer = peer };
		ids->retry_source = g_timeout_add_full(G_PRIORITY_DEFAULT, JOIN_RETRY_MS, join_again, r, g_free);
		return;
	}
	FAIL_IF(error, "subscriber %u: join refused: %s", loadgen_peer_publisher_id(peer), error);
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	FAIL_IF(sdp == NULL, "subscriber %u: 'attached' came without an offer", loadgen_peer_publisher_id(peer));
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, json_string_value(json_object_get(jsep, "type")), sdp, &err) < 0) {
		loadgen_run_fail(run, "subscriber %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void send_subscriber_join(loadgen_run *run, loadgen_peer *peer)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	json_t *body = json_pack("{s:s, s:s, s:I, s:[{s:I}]}", "request", "join", "ptype", "subscriber",
	                         "room", (json_int_t)state_of(run)->rooms[ids->room_index].id,
	                         "streams", "feed", (json_int_t)ids->feed_id);
	loadgen_janus_message(run, peer, body, NULL, NULL, subscriber_joined);
	json_decref(body);
}

static void subscriber_opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "subscriber %u: %s", loadgen_peer_publisher_id(peer), error);
	loadgen_peer_stats(peer)->join_us = g_get_monotonic_time();
	send_subscriber_join(run, peer);
}

static void subscriber_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run_peer_ready(user_data, peer);
}

static void open_subscribers(loadgen_run *run, loadgen_peer *publisher)
{
	static const loadgen_peer_callbacks callbacks = {
		.local_description = subscriber_answer, .connected = subscriber_connected, .failed = peer_failed,
	};
	loadgen_peer_janus *pub = loadgen_peer_janus_ids(publisher);
	int n = subscribers_per_publisher(run, pub->room_index);
	for (int i = 0; i < n; i++) {
		GError *error = NULL;
		uint32_t id = SUBSCRIBER_ID_BASE + state_of(run)->next_subscriber_id++;
		loadgen_peer *peer = loadgen_peer_new(run, LOADGEN_PEER_SUBSCRIBE, id, &callbacks, run, &error);
		if (peer == NULL) {
			loadgen_run_fail(run, "subscriber: %s", error->message);
			g_error_free(error);
			return;
		}
		loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
		ids->room_index = pub->room_index;
		ids->feed_id = pub->feed_id;
		loadgen_run_add_peer(run, peer);
		loadgen_janus_open(run, peer, subscriber_opened, NULL);
	}
}

/* ---- publishers ---- */

static void publisher_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run *run = user_data;
	loadgen_run_peer_ready(run, peer);
	open_subscribers(run, peer);
}

static void configured(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "publisher %u: configure refused: %s", loadgen_peer_publisher_id(peer), error);
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	FAIL_IF(sdp == NULL, "publisher %u: configure answered without jsep", loadgen_peer_publisher_id(peer));
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, json_string_value(json_object_get(jsep, "type")), sdp, &err) < 0) {
		loadgen_run_fail(run, "publisher %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void publisher_offer(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *body = json_pack("{s:s, s:b, s:b}", "request", "configure", "audio", !run->options->no_audio,
	                         "video", !run->options->no_video);
	loadgen_janus_message(run, peer, body, type, sdp, configured);
	json_decref(body);
}

static void publisher_joined(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "publisher %u: join refused: %s", loadgen_peer_publisher_id(peer), error);
	json_t *id = json_object_get(data, "id");
	FAIL_IF(!json_is_integer(id), "publisher %u: 'joined' without an id", loadgen_peer_publisher_id(peer));
	loadgen_peer_janus_ids(peer)->feed_id = (uint64_t)json_integer_value(id);
	GError *err = NULL;
	if (loadgen_peer_create_offer(peer, &err) < 0) {
		loadgen_run_fail(run, "publisher %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void join_as_publisher(loadgen_run *run, loadgen_peer *peer)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	char display[32];
	g_snprintf(display, sizeof(display), "loadgen %u", loadgen_peer_publisher_id(peer));
	json_t *body = json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher",
	                         "room", (json_int_t)state_of(run)->rooms[ids->room_index].id, "display", display);
	loadgen_peer_stats(peer)->join_us = g_get_monotonic_time();
	loadgen_janus_message(run, peer, body, NULL, NULL, publisher_joined);
	json_decref(body);
}

static void room_created(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "creating the room: %s", error);
	vr_room *room = &state_of(run)->rooms[loadgen_peer_janus_ids(peer)->room_index];
	room->created = true;
	join_as_publisher(run, peer);
	for (guint i = 0; i < room->waiting->len; i++)
		join_as_publisher(run, room->waiting->pdata[i]);
	g_ptr_array_set_size(room->waiting, 0);
}

static void publisher_opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "publisher %u: %s", loadgen_peer_publisher_id(peer), error);
	unsigned index = loadgen_peer_janus_ids(peer)->room_index;
	vr_room *room = &state_of(run)->rooms[index];
	if (room->created) {
		join_as_publisher(run, peer);
		return;
	}
	if (room->creating) {
		g_ptr_array_add(room->waiting, peer);
		return;
	}
	room->creating = true;
	json_t *body = json_pack("{s:s, s:I, s:i, s:I, s:s, s:s, s:b, s:s}", "request", "create",
	                         "room", (json_int_t)room->id, "publishers", (int)room_size(run, index) + 1,
	                         "bitrate", (json_int_t)run->options->bitrate_kbps * 1000 * 2,
	                         "videocodec", "vp8", "audiocodec", "opus", "permanent", 0,
	                         "description", "parley-loadgen");
	loadgen_janus_message(run, peer, body, NULL, NULL, room_created);
	json_decref(body);
}

static int vr_start(loadgen_run *run, GError **error)
{
	static const loadgen_peer_callbacks callbacks = {
		.local_description = publisher_offer, .connected = publisher_connected, .failed = peer_failed,
	};
	vr_state *st = g_new0(vr_state, 1);
	st->n_rooms = run->options->rooms;
	st->rooms = g_new0(vr_room, st->n_rooms);
	uint64_t base = (uint64_t)g_random_int_range(1000000, 2000000000) * 100;
	for (int r = 0; r < st->n_rooms; r++) {
		st->rooms[r].id = base + (uint64_t)r;
		st->rooms[r].waiting = g_ptr_array_new();
	}
	run->driver_data = st;
	run->peers_expected = run->options->publishers;
	for (int r = 0; r < st->n_rooms; r++)
		run->peers_expected += (int)room_size(run, (unsigned)r) * subscribers_per_publisher(run, (unsigned)r);
	for (int i = 0; i < run->options->publishers; i++) {
		loadgen_peer *peer = loadgen_peer_new(run, LOADGEN_PEER_PUBLISH, (uint32_t)i + 1, &callbacks, run, error);
		if (peer == NULL)
			return -1;
		loadgen_peer_janus_ids(peer)->room_index = (unsigned)(i % st->n_rooms);
		loadgen_run_add_peer(run, peer);
		loadgen_janus_open(run, peer, publisher_opened, NULL);
	}
	return 0;
}

static void destroyed(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
}

static void vr_stop(loadgen_run *run)
{
	/* The rooms we created (asked through their creator, unanswered: the
	 * run is over), then subscribers before publishers. */
	vr_state *st = state_of(run);
	for (guint i = 0; st && i < run->peers->len; i++) {
		loadgen_peer *peer = run->peers->pdata[i];
		loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
		if (loadgen_peer_get_mode(peer) != LOADGEN_PEER_PUBLISH || !st->rooms[ids->room_index].created ||
		    ids->handle_id == 0 || (int)i >= st->n_rooms)
			continue;
		json_t *body = json_pack("{s:s, s:I}", "request", "destroy", "room", (json_int_t)st->rooms[ids->room_index].id);
		loadgen_janus_message(run, peer, body, NULL, NULL, destroyed);
		json_decref(body);
	}
	for (guint i = run->peers->len; i > 0; i--)
		loadgen_janus_close(run, run->peers->pdata[i - 1]);
}

static void vr_free(loadgen_run *run)
{
	vr_state *st = state_of(run);
	if (st == NULL)
		return;
	for (int r = 0; r < st->n_rooms; r++)
		g_ptr_array_free(st->rooms[r].waiting, TRUE);
	g_free(st->rooms);
	g_free(st);
	run->driver_data = NULL;
}

const loadgen_driver loadgen_driver_videoroom = {
	.name = "videoroom",
	.default_plugin = "janus.plugin.videoroom",
	.summary = "Janus VideoRoom: publishers configure with an offer, subscribers join with feed and start",
	.has_rooms = true,
	.start = vr_start,
	.stop = vr_stop,
	.free = vr_free,
};
