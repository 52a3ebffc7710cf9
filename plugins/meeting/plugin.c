/*
 * plugins/meeting/plugin.c — the meeting plugin's face to the core: the
 * parley_plugin vtable, init/destroy (configuration, database, TTL timer),
 * handle attach/detach, and the hand-off of messages, admin requests and
 * REST requests to signaling.c, admin.c and rest.c. All the logic lives in
 * libmeeting.la.
 *
 * In cluster mode ([cluster] mode = redis) messages, detaches, admin
 * queries, REST requests and the TTL sweep are handed to the cluster
 * thread (cluster.c), the only thread that waits for Redis.
 */
#include <string.h>

#include "meeting.h"
#include "cluster.h"

static parley_meeting_ctx *meeting_ctx;
static parley_meeting_cluster *meeting_cluster;
static parley_timer *sweep_timer;
static const parley_plugin meeting_plugin;
static const parley_plugin_core *meeting_core;

static void sweep_job(void *data)
{
	parley_meeting_ctx *ctx = data;
	parley_meeting_sweep(ctx, ctx->now_ms());
}

static bool sweep_now(void *user_data)
{
	parley_meeting_ctx *ctx = user_data;
	if (ctx->cluster != NULL)
		parley_meeting_cluster_post(ctx->cluster, sweep_job, ctx, NULL);
	else
		sweep_job(ctx);
	return true;
}

/* Cluster mode when configured: 0, or -1 when Redis is unreachable and
 * fallback_local is off. */
static int start_cluster(const parley_plugin_core *core)
{
	parley_meeting_cluster_config cc;
	const parley_util_setting_source settings = parley_meeting_config_source(core);
	parley_meeting_cluster_config_load(&cc, &settings);
	int rc = 0;
	if (cc.redis) {
		char *error = NULL;
		meeting_cluster = parley_meeting_cluster_start(meeting_ctx, &cc, &error);
		if (meeting_cluster == NULL && cc.fallback_local) {
			core->log(PARLEY_LOG_WARN, PARLEY_MEETING_PACKAGE,
			          "cluster mode unavailable (%s); running in local mode (fallback_local = true)", error);
		} else if (meeting_cluster == NULL) {
			core->log(PARLEY_LOG_ERROR, PARLEY_MEETING_PACKAGE,
			          "cluster mode: %s (set [cluster] fallback_local = true to start in local mode)", error);
			rc = -1;
		}
		g_free(error);
	}
	parley_meeting_cluster_config_clear(&cc);
	return rc;
}

static int meeting_init(const parley_plugin_core *core)
{
	parley_meeting_config cfg;
	char *error = NULL;
	if (core == NULL || core->push_event == NULL)
		return -1;
	if (core->log == NULL)
		return -1;
	meeting_core = core;
	parley_meeting_config_load(&cfg, core);
	meeting_ctx = parley_meeting_ctx_new(core, &meeting_plugin, &cfg, &error);
	if (meeting_ctx == NULL) {
		if (core->log != NULL)
			core->log(PARLEY_LOG_ERROR, PARLEY_MEETING_PACKAGE, "cannot open the meetings database: %s",
			          error != NULL ? error : "unknown error");
		g_free(error);
		parley_meeting_config_clear(&cfg);
		return -1;
	}
	if (start_cluster(core) != 0) {
		parley_meeting_ctx_free(meeting_ctx);
		meeting_ctx = NULL;
		return -1;
	}
	/* meetings whose TTL ran out while the server was down end now */
	sweep_now(meeting_ctx);
	if (core->timer_start != NULL)
		sweep_timer = core->timer_start(NULL, meeting_ctx->cfg.ttl_check_interval * 1000,
		                                sweep_now, meeting_ctx, NULL);
	if (core->log != NULL)
		core->log(PARLEY_LOG_INFO, PARLEY_MEETING_PACKAGE,
		          "meetings in %s, ttl %" G_GINT64_FORMAT " s, max %d participants, rate limit %u/min",
		          meeting_ctx->cfg.db_path, (gint64)meeting_ctx->cfg.meeting_ttl,
		          meeting_ctx->cfg.default_max_participants, meeting_ctx->cfg.rate_limit);
	return 0;
}

static void meeting_destroy(void)
{
	if (sweep_timer != NULL && meeting_ctx->core->timer_stop != NULL)
		meeting_ctx->core->timer_stop(sweep_timer);
	sweep_timer = NULL;
	parley_meeting_cluster_stop(meeting_cluster);
	meeting_cluster = NULL;
	parley_meeting_ctx_free(meeting_ctx);
	meeting_ctx = NULL;
}

static int meeting_create_session(parley_plugin_session *session)
{
	if (meeting_ctx == NULL || session == NULL)
		return -1;
	session->plugin_handle = parley_meeting_handle_attach(meeting_ctx, session);
	return 0;
}

/* A request or a detach waiting for the cluster thread. */
typedef struct session_job {
	parley_plugin_session *session; /* referenced with core->handle_ref */
	char *transaction;
	json_t *body; /* owned reference, NULL for a detach */
} session_job;

static session_job *session_job_new(parley_plugin_session *session, const char *transaction, json_t *body)
{
	session_job *j = g_new0(session_job, 1);
	if (meeting_core->handle_ref != NULL)
		meeting_core->handle_ref(session);
	j->session = session;
	j->transaction = g_strdup(transaction);
	j->body = body != NULL ? json_incref(body) : NULL;
	return j;
}

static void session_job_free(void *data)
{
	session_job *j = data;
	if (meeting_core->handle_unref != NULL)
		meeting_core->handle_unref(j->session);
	json_decref(j->body);
	g_free(j->transaction);
	g_free(j);
}

static void signal_job(void *data)
{
	session_job *j = data;
	parley_meeting_signal(meeting_ctx, j->session, j->transaction, j->body);
	if (PARLEY_PLUGIN_CORE_HAS(meeting_core, log_context))   /* the plugin's own thread: forget the request */
		meeting_core->log_context(NULL, NULL);
}

static void detach_job(void *data)
{
	session_job *j = data;
	parley_meeting_handle_detach(meeting_ctx, j->session);
}

static bool is_attached(parley_plugin_session *session)
{
	g_mutex_lock(&meeting_ctx->lock);
	bool known = g_hash_table_contains(meeting_ctx->sessions, session);
	g_mutex_unlock(&meeting_ctx->lock);
	return known;
}

static void meeting_handle_message(parley_plugin_session *session, const char *transaction,
                                   json_t *message, json_t *jsep, parley_plugin_result *result)
{
	memset(result, 0, sizeof(*result));
	(void)jsep;
	if (meeting_ctx != NULL && meeting_cluster != NULL && is_attached(session)) {
		parley_meeting_cluster_post(meeting_cluster, signal_job, session_job_new(session, transaction, message),
		                            session_job_free);
		result->kind = PARLEY_PLUGIN_OK_WAIT;
		return;
	}
	if (meeting_ctx == NULL || meeting_cluster != NULL ||
	    parley_meeting_signal(meeting_ctx, session, transaction, message) != 0) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "No such handle in the meeting plugin", sizeof(result->text));
		return;
	}
	result->kind = PARLEY_PLUGIN_OK_WAIT;
}

static int meeting_destroy_session(parley_plugin_session *session)
{
	if (meeting_ctx != NULL && meeting_cluster != NULL) {
		if (!is_attached(session))
			return -1;
		parley_meeting_cluster_post(meeting_cluster, detach_job, session_job_new(session, NULL, NULL),
		                            session_job_free);
		session->plugin_handle = NULL;
		return 0;
	}
	if (meeting_ctx == NULL || parley_meeting_handle_detach(meeting_ctx, session) != 0)
		return -1;
	session->plugin_handle = NULL;
	return 0;
}

typedef struct query_call {
	parley_plugin_session *session;
	json_t *info; /* new reference, returned */
} query_call;

static void query_job(void *data)
{
	query_call *q = data;
	q->info = parley_meeting_handle_query(meeting_ctx, q->session);
}

static json_t *meeting_query_session(parley_plugin_session *session)
{
	if (meeting_ctx == NULL)
		return NULL;
	query_call q = { .session = session };
	if (meeting_cluster != NULL)
		parley_meeting_cluster_call(meeting_cluster, query_job, &q);
	else
		query_job(&q);
	return q.info;
}

typedef struct admin_call {
	json_t *request; /* borrowed */
	json_t *answer;  /* new reference, returned */
} admin_call;

/* An admin request in cluster mode: the named meeting's shared row first,
 * as REST requests do (an end writes the row back itself). */
static void admin_job(void *data)
{
	admin_call *a = data;
	if (!parley_meeting_cluster_available(meeting_cluster)) {
		a->answer = json_pack("{s:{s:i, s:s}}", "error", "code", 503, "message",
		                      PARLEY_MEETING_CLUSTER_UNAVAILABLE);
		return;
	}
	const char *room = json_string_value(json_object_get(a->request, "roomId"));
	if (room != NULL && strlen(room) <= PARLEY_MEETING_ID_MAX)
		parley_meeting_row_pull(parley_meeting_cluster_redis(meeting_cluster), meeting_ctx->db, room);
	a->answer = parley_meeting_admin(meeting_ctx, a->request);
}

static json_t *meeting_handle_admin_message(json_t *message)
{
	if (meeting_ctx == NULL)
		return NULL;
	if (meeting_cluster == NULL)
		return parley_meeting_admin(meeting_ctx, message);
	admin_call a = { .request = message };
	parley_meeting_cluster_call(meeting_cluster, admin_job, &a);
	return a.answer;
}

typedef struct http_call {
	const parley_http_request *request;
	parley_http_response *response;
	int rc;
} http_call;

/* The room id a REST path names ("/api/meetings/<roomId>[/...]"), or NULL:
 * not for "/api/meetings/user/..." nor for POST "/api/meetings/create",
 * whose room is in the answer (rest.c's routes). */
static char *room_of_path(const char *method, const char *path)
{
	const char *prefix = meeting_plugin.http_prefix;
	if (path == NULL || !g_str_has_prefix(path, prefix))
		return NULL;
	const char *start = path + strlen(prefix);
	size_t n = strcspn(start, "/");
	if (n == 0 || n > PARLEY_MEETING_ID_MAX || (n == 4 && strncmp(start, "user", 4) == 0))
		return NULL;
	bool creating = strcmp(method, "POST") == 0 && strncmp(start, "create", n) == 0 && n == 6 &&
	                (start[n] == '\0' || strcmp(start + n, "/") == 0);
	return creating ? NULL : g_strndup(start, n);
}

/* REST in cluster mode: the shared row first, the local handler, and the
 * row written back after a successful change (create, update, end). */
static void http_job(void *data)
{
	http_call *h = data;
	parley_meeting_redis *r = parley_meeting_cluster_redis(meeting_cluster);
	if (!parley_meeting_cluster_available(meeting_cluster)) {
		h->response->status = 503;
		h->response->content_type = "application/json";
		h->response->body = g_strdup("{\"success\":false,\"error\":\"" PARLEY_MEETING_CLUSTER_UNAVAILABLE "\"}");
		h->response->body_length = strlen(h->response->body);
		h->rc = 0;
		return;
	}
	char *room = room_of_path(h->request->method, h->request->path);
	if (room != NULL)
		parley_meeting_row_pull(r, meeting_ctx->db, room);
	h->rc = parley_meeting_rest_handle(meeting_ctx, h->request, h->response);
	bool change = strcmp(h->request->method, "GET") != 0 && strcmp(h->request->method, "OPTIONS") != 0 &&
	              strcmp(h->request->method, "HEAD") != 0;
	if (change && h->response->status >= 200 && h->response->status < 300) {
		if (room == NULL && h->response->body != NULL) {
			json_t *reply = json_loadb(h->response->body, h->response->body_length, 0, NULL); /* new */
			const char *id = json_string_value(json_object_get(json_object_get(reply, "meeting"), "roomId"));
			room = g_strdup(id);
			json_decref(reply);
		}
		parley_meeting *m = room != NULL ? parley_meeting_db_get(meeting_ctx->db, room) : NULL;
		if (m != NULL)
			parley_meeting_row_push(r, m);
		parley_meeting_free(m);
	}
	g_free(room);
}

static int meeting_handle_http(const parley_http_request *request, parley_http_response *response)
{
	if (meeting_ctx == NULL)
		return -1;
	if (meeting_cluster == NULL)
		return parley_meeting_rest_handle(meeting_ctx, request, response);
	http_call h = { .request = request, .response = response, .rc = -1 };
	parley_meeting_cluster_call(meeting_cluster, http_job, &h);
	return h.rc;
}

/* The environment variables of this plugin's settings (the seed service's
 * names; REDIS_URL and REDIS_KEY_PREFIX also set the Redis transport's). */
static const parley_env_override meeting_env_overrides[] = {
	{"STUN_SERVERS", "ice", "stun_servers"},
	{"TURN_SERVER", "ice", "turn_server"},
	{"TURN_USERNAME", "ice", "turn_username"},
	{"TURN_PASSWORD", "ice", "turn_password"},
	{"TURN_SECRET", "ice", "turn_secret"},
	{"MEETING_TTL", "general", "meeting_ttl"},
	{"MAX_PARTICIPANTS", "general", "max_participants"},
	{"REDIS_URL", "cluster", "redis_url"},
	{"REDIS_KEY_PREFIX", "cluster", "key_prefix"},
	{NULL},
};

static const parley_plugin meeting_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_MEETING_PACKAGE,
	.name = "Meeting",
	.description = "Mesh meetings: REST meeting management, peer-to-peer signaling relay, "
	               "approval, host controls, TTL and analytics",
	.author = "Parley",
	.version_string = "0.1.0",
	.version = 100,
	.init = meeting_init,
	.destroy = meeting_destroy,
	.create_session = meeting_create_session,
	.handle_message = meeting_handle_message,
	.destroy_session = meeting_destroy_session,
	.query_session = meeting_query_session,
	.handle_admin_message = meeting_handle_admin_message,
	.http_prefix = "/api/meetings/",
	.handle_http = meeting_handle_http,
	.env_overrides = meeting_env_overrides,
};

const parley_plugin *parley_plugin_entry(void);

const parley_plugin *parley_plugin_entry(void)
{
	return &meeting_plugin;
}
