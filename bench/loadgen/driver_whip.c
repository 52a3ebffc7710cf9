/*
 * driver_whip.c — WHIP publishers and WHEP players on parley.plugin.room,
 * over plain HTTP (no Janus API): each publisher POSTs its sendonly offer
 * to /whip/<room> and applies the 201's answer; once every publisher is
 * connected (and a second more), --subscribers players per room POST a
 * recvonly offer to /whep/<room> and apply theirs. A player's join time runs from its POST,
 * so join → first keyframe is what a WHEP player waits for (the gateway
 * asks the publisher for a keyframe when a player's m-line starts). The
 * goodbyes are DELETEs of every resource. --url is the HTTP transport's
 * base (http://127.0.0.1:8088), --token the Bearer token for both.
 */
#include <string.h>
#include <unistd.h>
#include "http.h"
#include "loadgen.h"
#include "session.h"

#define HTTP_TIMEOUT_MS 15000

typedef struct whip_state {
	GHashTable *resources;   /* loadgen_peer* → resource URL (g_malloc'd) */
	int publishers_up;
	bool players_started;
	char run_tag[16];        /* makes the room names of this run unique */
} whip_state;

typedef struct post_ctx {
	loadgen_run *run;
	loadgen_peer *peer;
} post_ctx;

static whip_state *state_of(loadgen_run *run)
{
	return run->driver_data;
}

static char *room_url(loadgen_run *run, const char *kind, unsigned room)
{
	return g_strdup_printf("%s/%s/loadgen-%s-%u", run->options->url, kind, state_of(run)->run_tag, room);
}

static void posted(void *user_data, const loadgen_http_response *response, const char *error)
{
	post_ctx *p = user_data;
	loadgen_run *run = p->run;
	loadgen_peer *peer = p->peer;
	g_free(p);
	if (run->stopping)
		return;
	const char *who = loadgen_peer_get_mode(peer) == LOADGEN_PEER_PLAY ? "WHEP player" : "WHIP publisher";
	if (error != NULL || response->status != 201) {
		loadgen_run_fail(run, "%s %u: POST %s%d %s", who, loadgen_peer_publisher_id(peer), error ? error : "answered ",
		                 error ? 0 : response->status, error ? "" : response->body);
		return;
	}
	char *resource = loadgen_http_resolve(run->options->url, response->location);
	if (resource == NULL) {
		loadgen_run_fail(run, "%s %u: the 201 has no usable Location", who, loadgen_peer_publisher_id(peer));
		return;
	}
	g_hash_table_insert(state_of(run)->resources, peer, resource);
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, "answer", response->body, &err) < 0) {
		loadgen_run_fail(run, "%s %u: %s", who, loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

/* Our offer is ready: POST it (a player's join time starts here). */
static void local_description(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	bool player = loadgen_peer_get_mode(peer) == LOADGEN_PEER_PLAY;
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	char *url = room_url(run, player ? "whep" : "whip", ids->room_index);
	post_ctx *p = g_new0(post_ctx, 1);
	p->run = run;
	p->peer = peer;
	loadgen_http_request request = {
		.method = "POST", .url = url, .content_type = "application/sdp", .token = run->options->token,
		.body = sdp, .body_length = strlen(sdp), .timeout_ms = HTTP_TIMEOUT_MS,
	};
	if (player)
		loadgen_peer_stats(peer)->join_us = g_get_monotonic_time();
	if (loadgen_http_send(&request, posted, p) != 0) {
		g_free(p);
		loadgen_run_fail(run, "--url %s is not http://host:port", run->options->url);
	}
	g_free(url);
	(void)type;
}

static void failed(void *user_data, loadgen_peer *peer, const char *reason)
{
	loadgen_run_fail(user_data, "peer %u: %s", loadgen_peer_publisher_id(peer), reason);
}

static void start_players(loadgen_run *run);

static gboolean players_due(gpointer data)
{
	start_players(data);
	return G_SOURCE_REMOVE;
}

/* The players start PLAYERS_AFTER_MS after the last publisher connected:
 * a publisher answers at most one keyframe request per 500 ms (rtpgen.c)
 * and sent its first keyframe when it connected, so players starting at
 * once would measure that wait instead of the gateway's. */
#define PLAYERS_AFTER_MS 1000

static void connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run *run = user_data;
	loadgen_run_peer_ready(run, peer);
	if (loadgen_peer_get_mode(peer) == LOADGEN_PEER_PUBLISH &&
	    ++state_of(run)->publishers_up == run->options->publishers)
		g_timeout_add(PLAYERS_AFTER_MS, players_due, run);
}

static const loadgen_peer_callbacks callbacks = {
	.local_description = local_description, .connected = connected, .failed = failed,
};

static loadgen_peer *new_peer(loadgen_run *run, loadgen_peer_mode mode, uint32_t id, unsigned room)
{
	GError *error = NULL;
	loadgen_peer *peer = loadgen_peer_new(run, mode, id, &callbacks, run, &error);
	if (peer == NULL) {
		loadgen_run_fail(run, "peer %u: %s", id, error ? error->message : "cannot make it");
		g_clear_error(&error);
		return NULL;
	}
	loadgen_peer_janus_ids(peer)->room_index = room;
	loadgen_run_add_peer(run, peer);
	if (loadgen_peer_create_offer(peer, &error) < 0) {
		loadgen_run_fail(run, "peer %u: %s", id, error ? error->message : "no offer");
		g_clear_error(&error);
	}
	return peer;
}

static void start_players(loadgen_run *run)
{
	whip_state *s = state_of(run);
	if (s->players_started || run->stopping)
		return;
	s->players_started = true;
	uint32_t id = (uint32_t)run->options->publishers + 1;
	for (int room = 0; room < run->options->rooms; room++)
		for (int i = 0; i < run->options->subscribers && !run->stopping; i++)
			new_peer(run, LOADGEN_PEER_PLAY, id++, (unsigned)room);
}

static int whip_start(loadgen_run *run, GError **error)
{
	whip_state *s = g_new0(whip_state, 1);
	s->resources = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	g_snprintf(s->run_tag, sizeof(s->run_tag), "%x", (unsigned)getpid() ^ (unsigned)g_random_int());
	run->driver_data = s;
	const loadgen_options *o = run->options;
	run->peers_expected = o->publishers + o->rooms * o->subscribers;
	for (int i = 0; i < o->publishers; i++)
		new_peer(run, LOADGEN_PEER_PUBLISH, (uint32_t)i + 1, (unsigned)(i % o->rooms));
	if (o->subscribers == 0)
		return 0;
	(void)error;
	return 0;
}

static void deleted(void *user_data, const loadgen_http_response *response, const char *error)
{
	loadgen_run *run = user_data;
	if (error != NULL || response->status != 200)
		loadgen_log(run, 1, "DELETE: %s%d", error ? error : "answered ", error ? 0 : response->status);
}

/* DELETE every resource, players first; the answers come during the drain. */
static void whip_stop(loadgen_run *run)
{
	whip_state *s = state_of(run);
	if (s == NULL)
		return;
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < run->peers->len; i++) {
			loadgen_peer *peer = run->peers->pdata[i];
			bool player = loadgen_peer_get_mode(peer) == LOADGEN_PEER_PLAY;
			const char *resource = g_hash_table_lookup(s->resources, peer);
			if (resource == NULL || player != (pass == 0))
				continue;
			loadgen_http_request request = {
				.method = "DELETE", .url = resource, .token = run->options->token, .timeout_ms = 2000,
			};
			loadgen_http_send(&request, deleted, run);
		}
	}
	/* let the DELETEs go out before the peers are freed */
	gint64 deadline = g_get_monotonic_time() + 500 * 1000;
	while (g_get_monotonic_time() < deadline)
		g_main_context_iteration(run->context, FALSE);
}

static void whip_free(loadgen_run *run)
{
	whip_state *s = state_of(run);
	if (s == NULL)
		return;
	g_hash_table_destroy(s->resources);
	g_free(s);
	run->driver_data = NULL;
}

const loadgen_driver loadgen_driver_whip = {
	.name = "whip",
	.default_plugin = "parley.plugin.room",
	.summary = "WHIP publishers and WHEP players of parley.plugin.room over plain HTTP",
	.has_rooms = true,
	.uses_http = true,
	.start = whip_start,
	.stop = whip_stop,
	.free = whip_free,
};
