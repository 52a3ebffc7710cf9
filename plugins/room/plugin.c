/*
 * plugins/room/plugin.c — parley.plugin.room's face to the core: the
 * vtable, init/destroy (settings, config-file rooms, the SDP helpers when
 * the core offers them, the timers: sweep, active speaker, stats, REMB),
 * handle attach/detach, the /health counters, the WHIP and WHEP routes
 * (whip.h), and the hand-off of messages, admin requests and media
 * callbacks to requests.c, forward.c, feedback.c and connection.c (pc up,
 * quiet/back, ended).
 */
#include <stddef.h>
#include <string.h>

#include "room.h"
#include "whip.h"

static room_ctx *room_context;
static parley_timer *timers[4];
static const parley_plugin room_plugin;

static bool sweep_now(void *data)
{
	room_ctx *ctx = data;
	parley_room_sweep(ctx, ctx->now_ms());
	return true;
}

static bool speaker_now(void *data)
{
	parley_room_speaker_tick(data);
	return true;
}

static bool stats_now(void *data)
{
	room_ctx *ctx = data;
	parley_room_stats_tick(ctx, ctx->now_ms());
	return true;
}

static bool remb_now(void *data)
{
	parley_room_remb_tick(data);
	return true;
}

/* The SDP helpers, when this core's table is recent enough to have them. */
static void take_sdp_helpers(room_ctx *ctx, const parley_plugin_core *core)
{
	if (core->struct_size < offsetof(parley_plugin_core, sdp_summary) + sizeof(core->sdp_summary))
		return;
	ctx->sdp.answer = core->sdp_answer;
	ctx->sdp.offer = core->sdp_offer;
	ctx->sdp.summary = core->sdp_summary;
}

/* WHIP and WHEP: the resources' work queue, and a word on open endpoints. */
static void start_whip(room_ctx *ctx)
{
	if (!ctx->cfg.whip_enabled)
		return;
	ctx->whip = parley_room_whip_new(ctx);
	if (!PARLEY_PLUGIN_CORE_HAS(ctx->core, handle_new))
		ctx->core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
		               "this core cannot make handles for plain-HTTP clients: WHIP and WHEP answer 503");
	if (parley_room_whip_open(ctx->whip, ROOM_WHIP_INGEST))
		ctx->core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
		               "WHIP ingest (/whip/<roomId>) is open: it takes no token, so anyone who reaches this "
		               "server may publish into its rooms ([whip] tokens or WHIP_TOKEN)");
	if (parley_room_whip_open(ctx->whip, ROOM_WHIP_PLAYBACK))
		ctx->core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
		               "WHEP playback (/whep/<roomId>) is open: it takes no token, so anyone who reaches this "
		               "server may watch its rooms ([whep] tokens or WHEP_TOKEN)");
	ctx->core->log(PARLEY_LOG_INFO, PARLEY_ROOM_PACKAGE,
	               "WHIP on /whip/<roomId> (%s), WHEP on /whep/<roomId>[/<peerId>] (%s); %u workers, %u resources "
	               "at most",
	               parley_room_whip_open(ctx->whip, ROOM_WHIP_INGEST) ? "open" : "Bearer token",
	               parley_room_whip_open(ctx->whip, ROOM_WHIP_PLAYBACK) ? "open" : "Bearer token",
	               ctx->cfg.whip_workers, ctx->cfg.whip_max_sessions);
}

static int room_init(const parley_plugin_core *core)
{
	if (core == NULL || core->api_version != PARLEY_PLUGIN_API_VERSION || core->push_event == NULL ||
	    core->handle_ref == NULL || core->handle_unref == NULL || core->log == NULL)
		return -1;
	room_config cfg;
	parley_room_config_load(&cfg, core);
	room_context = parley_room_ctx_new(core, &room_plugin, &cfg);
	take_sdp_helpers(room_context, core);
	parley_room_load_config_rooms(room_context);
	start_whip(room_context);
	if (core->timer_start != NULL) {
		room_config *c = &room_context->cfg;
		timers[0] = core->timer_start(NULL, c->sweep_interval_ms, sweep_now, room_context, NULL);
		if (c->speaker_interval_ms > 0)
			timers[1] = core->timer_start(NULL, c->speaker_interval_ms, speaker_now, room_context, NULL);
		timers[2] = core->timer_start(NULL, c->stats_interval_ms, stats_now, room_context, NULL);
		timers[3] = core->timer_start(NULL, c->remb_interval_ms, remb_now, room_context, NULL);
	}
	core->log(PARLEY_LOG_INFO, PARLEY_ROOM_PACKAGE,
	          "rooms of %d (limit %d), peer timeout %" G_GINT64_FORMAT " s, reconnect window %" G_GINT64_FORMAT
	          " s, idle rooms closed after %" G_GINT64_FORMAT " s%s",
	          room_context->cfg.max_participants, room_context->cfg.max_participants_limit,
	          (gint64)room_context->cfg.peer_timeout_ms / 1000, (gint64)room_context->cfg.reconnect_ms / 1000,
	          (gint64)room_context->cfg.room_idle_ms / 1000,
	          room_context->sdp.answer != NULL ? "" : "; no SDP helpers in this core: media is unavailable");
	return 0;
}

static void room_destroy(void)
{
	if (room_context == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(timers); i++) {
		if (timers[i] != NULL && room_context->core->timer_stop != NULL)
			room_context->core->timer_stop(timers[i]);
		timers[i] = NULL;
	}
	/* the queued WHIP/WHEP work ends first: it uses the context */
	room_whip *whip = room_context->whip;
	room_context->whip = NULL;
	parley_room_whip_free(whip);
	parley_room_ctx_free(room_context);
	room_context = NULL;
}

static int room_create_session(parley_plugin_session *session)
{
	if (room_context == NULL || session == NULL)
		return -1;
	session->plugin_handle = parley_room_handle_attach(room_context, session);
	return 0;
}

static void room_handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                                json_t *jsep, parley_plugin_result *result)
{
	if (room_context == NULL) {
		memset(result, 0, sizeof(*result));
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "the room plugin is not running", sizeof(result->text));
		return;
	}
	parley_room_handle_request(room_context, session, transaction, message, jsep, result);
}

static json_t *room_handle_admin_message(json_t *message)
{
	if (room_context == NULL)
		return NULL;
	return parley_room_handle_admin(room_context, message);
}

static int room_destroy_session(parley_plugin_session *session)
{
	if (room_context == NULL || parley_room_handle_detach(room_context, session) != 0)
		return -1;
	session->plugin_handle = NULL;
	return 0;
}

static json_t *room_query_session(parley_plugin_session *session)
{
	if (room_context == NULL)
		return NULL;
	static const char *const roles[] = {"none", "main", "subscriber"};
	json_t *info = NULL;
	g_mutex_lock(&room_context->lock);
	room_handle *handle = parley_room_handle_lookup_locked(room_context, session);
	if (handle != NULL) {
		info = json_pack("{s:s, s:I}", "role", roles[handle->role], "packetsIn",
		                 (json_int_t)ROOM_LOAD64(&handle->traffic));
		if (handle->peer != NULL)
			json_object_set_new(info, "peer", parley_room_peer_to_json_locked(room_context, handle->peer, true));
		if (handle->peer != NULL)
			json_object_set_new(info, "roomId", json_string(handle->peer->room_id));
	}
	g_mutex_unlock(&room_context->lock);
	return info;
}

/* GET /health and /metrics: rooms, peers and forwarded packets. */
static json_t *room_query_status(void)
{
	if (room_context == NULL)
		return NULL;
	g_mutex_lock(&room_context->lock);
	json_t *status = json_pack("{s:I, s:I, s:I}", "rooms", (json_int_t)g_hash_table_size(room_context->rooms),
	                           "peers", (json_int_t)parley_room_count_peers_locked(room_context),
	                           "packetsForwarded", (json_int_t)ROOM_LOAD64(&room_context->packets_forwarded));
	g_mutex_unlock(&room_context->lock);
	return status;
}

static void room_incoming_rtp(parley_plugin_session *session, parley_rtp_packet *packet)
{
	room_handle *handle = session != NULL ? session->plugin_handle : NULL;
	if (room_context != NULL && handle != NULL)
		parley_room_incoming_rtp(room_context, handle, packet);
}

static void room_incoming_rtcp(parley_plugin_session *session, parley_rtcp_packet *packet)
{
	room_handle *handle = session != NULL ? session->plugin_handle : NULL;
	if (room_context != NULL && handle != NULL)
		parley_room_incoming_rtcp(room_context, handle, packet);
}

/* DTLS is up: a subscriber's running consumers want a keyframe now. */
static void room_setup_media(parley_plugin_session *session)
{
	if (room_context != NULL)
		parley_room_connection_up(room_context, session);
}

/* The pc went quiet (DISCONNECTED) or came back (CONNECTED): counted per
 * peer and side, and the peer's main handle gets connectionState. */
static void room_connection_state(parley_plugin_session *session, parley_connection_state state)
{
	if (room_context != NULL)
		parley_room_connection_changed(room_context, session, state);
}

/* The pc went away: a publisher's streams end; a subscriber keeps its
 * consumers and m-lines and waits for restartIce. */
static void room_hangup_media(parley_plugin_session *session)
{
	if (room_context == NULL)
		return;
	parley_room_connection_ended(room_context, session);
	/* a WHIP or WHEP resource ends with its pc (ICE consent, DTLS close) */
	parley_room_whip_session_ended(room_context, session, "disconnected");
}

/* /whip/ and /whep/ (whip_http.c). */
static int room_handle_http_call(parley_http_call *call)
{
	if (room_context == NULL)
		return -1;
	return parley_room_whip_http_call(room_context, call);
}

/* A core without route calls cannot give WHIP its headers. */
static int room_handle_http(const parley_http_request *request, parley_http_response *response)
{
	(void)request;
	static const char text[] = "{\"error\":\"this core cannot serve WHIP or WHEP (no route calls)\",\"status\":501}";
	response->status = 501;
	response->content_type = "application/json";
	response->body = g_strdup(text);
	response->body_length = sizeof(text) - 1;
	return 0;
}

static const char *const room_http_prefixes[] = {"/whep/", NULL};

/* The environment variables of this plugin's settings. */
static const parley_env_override room_env_overrides[] = {
	{"WHIP_TOKEN", "whip", "tokens"},
	{"WHEP_TOKEN", "whep", "tokens"},
	{"STUN_SERVERS", "whip", "stun_servers"},
	{"TURN_SERVER", "whip", "turn_servers"},
	{"TURN_USERNAME", "whip", "turn_username"},
	{"TURN_PASSWORD", "whip", "turn_password"},
	{NULL},
};

static const parley_plugin room_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_ROOM_PACKAGE,
	.name = "Room",
	.description = "SFU rooms: publish audio, video and screen share on one PeerConnection, receive everyone "
	               "on another; simulcast, active speaker, stats",
	.author = "Parley",
	.version_string = "0.1.0",
	.version = 100,
	.init = room_init,
	.destroy = room_destroy,
	.create_session = room_create_session,
	.handle_message = room_handle_message,
	.handle_admin_message = room_handle_admin_message,
	.destroy_session = room_destroy_session,
	.query_session = room_query_session,
	.http_prefix = "/whip/",
	.handle_http = room_handle_http,
	.setup_media = room_setup_media,
	.incoming_rtp = room_incoming_rtp,
	.incoming_rtcp = room_incoming_rtcp,
	.hangup_media = room_hangup_media,
	.query_status = room_query_status,
	.connection_state = room_connection_state,
	.env_overrides = room_env_overrides,
	.handle_http_call = room_handle_http_call,
	.http_prefixes = room_http_prefixes,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &room_plugin;
}
