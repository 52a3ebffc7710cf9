/*
 * plugins/room/whip_resources.c — WHIP and WHEP resources (see whip.h):
 * random ids and ETags, the tables by id and by the core's handle, the
 * per-address POST budget, and the work queue: a resource's jobs wait in
 * its own queue and one worker of the pool runs them in order, so the
 * requests of one resource (POST, PATCHes, DELETE) and its end never
 * overlap, while different resources proceed in parallel.
 */
#include <string.h>

#include "whip.h"
#include "util/setting.h"

#define BUDGET_MAX_ADDRESSES 65536

typedef struct budget_slot {
	int64_t minute;
	unsigned count;
} budget_slot;

void parley_room_whip_resource_ref(room_whip_resource *res)
{
	g_atomic_int_inc(&res->refs);
}

void parley_room_whip_resource_unref(room_whip_resource *res)
{
	if (res == NULL || !g_atomic_int_dec_and_test(&res->refs))
		return;
	/* the session's reference went with forget or end */
	g_free(res->remote);
	g_free(res->local);
	g_free(res);
}

void parley_room_whip_job_free(room_whip_job *job)
{
	if (job == NULL)
		return;
	parley_room_whip_resource_unref(job->res);
	g_free(job->frag);
	g_free(job);
}

room_whip_job *parley_room_whip_job_new(room_whip_job_kind kind, room_whip_resource *res, parley_http_call *call)
{
	room_whip_job *job = g_new0(room_whip_job, 1);
	job->kind = kind;
	job->res = res;
	parley_room_whip_resource_ref(res);
	job->call = call;
	return job;
}

/* One job, by its kind and the resource's. */
static void run_job(room_ctx *ctx, room_whip_job *job)
{
	switch (job->kind) {
	case ROOM_WHIP_JOB_CREATE:
		if (job->res->kind == ROOM_WHIP_INGEST)
			parley_room_whip_run_create_ingest(ctx, job);
		else
			parley_room_whip_run_create_playback(ctx, job);
		break;
	case ROOM_WHIP_JOB_PATCH: parley_room_whip_run_patch(ctx, job); break;
	case ROOM_WHIP_JOB_DELETE: parley_room_whip_run_delete(ctx, job); break;
	case ROOM_WHIP_JOB_CLOSE: parley_room_whip_run_close(ctx, job); break;
	}
}

/* A worker: the resource's jobs until its queue is empty. */
static void run_queue(gpointer data, gpointer user_data)
{
	room_whip_resource *res = data;
	room_whip *w = user_data;
	g_mutex_lock(&w->lock);
	w->queued--;
	g_mutex_unlock(&w->lock);
	for (;;) {
		g_mutex_lock(&w->lock);
		room_whip_job *job = g_queue_pop_head(&res->jobs);
		if (job == NULL)
			res->running = false;
		g_mutex_unlock(&w->lock);
		if (job == NULL)
			break;
		run_job(w->ctx, job);
		parley_room_whip_job_free(job);
	}
	parley_room_whip_resource_unref(res); /* the pool's */
}

int parley_room_whip_submit(room_whip *w, room_whip_job *job)
{
	room_whip_resource *res = job->res;
	int rc = 0;
	g_mutex_lock(&w->lock);
	if (w->stopping || g_queue_get_length(&res->jobs) >= ROOM_WHIP_MAX_JOBS ||
	    (!res->running && w->queued >= ROOM_WHIP_MAX_PENDING)) {
		rc = -1;
	} else {
		g_queue_push_tail(&res->jobs, job);
		if (!res->running) {
			res->running = true;
			w->queued++;
			parley_room_whip_resource_ref(res);
			g_thread_pool_push(w->pool, res, NULL);
		}
	}
	g_mutex_unlock(&w->lock);
	return rc;
}

static void random_token(char *out, size_t length)
{
	parley_room_random_id(out, length);
}

void parley_room_whip_new_etag(room_whip_resource *res)
{
	random_token(res->etag, ROOM_WHIP_ETAG_LEN);
}

room_whip_resource *parley_room_whip_resource_new(room_whip *w, room_whip_kind kind, const char *room_id)
{
	room_whip_resource *res = g_new0(room_whip_resource, 1);
	res->refs = 2; /* the table's and the caller's */
	res->kind = kind;
	res->layer = -1;
	g_strlcpy(res->room_id, room_id, sizeof(res->room_id));
	g_queue_init(&res->jobs);
	res->created_ms = w->ctx->now_ms();
	parley_room_whip_new_etag(res);
	g_mutex_lock(&w->lock);
	if (w->stopping || g_hash_table_size(w->resources) >= w->ctx->cfg.whip_max_sessions) {
		g_mutex_unlock(&w->lock);
		g_free(res);
		return NULL;
	}
	do
		random_token(res->id, ROOM_WHIP_ID_LEN);
	while (g_hash_table_contains(w->resources, res->id));
	g_hash_table_insert(w->resources, res->id, res);
	g_mutex_unlock(&w->lock);
	return res;
}

room_whip_resource *parley_room_whip_lookup(room_whip *w, room_whip_kind kind, const char *room_id, const char *id)
{
	g_mutex_lock(&w->lock);
	room_whip_resource *res = id != NULL ? g_hash_table_lookup(w->resources, id) : NULL;
	if (res != NULL && (res->kind != kind || res->closed || strcmp(res->room_id, room_id) != 0))
		res = NULL;
	if (res != NULL)
		parley_room_whip_resource_ref(res);
	g_mutex_unlock(&w->lock);
	return res;
}

void parley_room_whip_set_session(room_whip *w, room_whip_resource *res, parley_plugin_session *session)
{
	g_mutex_lock(&w->lock);
	res->session = session;
	g_hash_table_insert(w->by_session, session, res);
	g_mutex_unlock(&w->lock);
}

void parley_room_whip_forget(room_whip *w, room_whip_resource *res)
{
	g_mutex_lock(&w->lock);
	res->closed = true;
	if (res->session != NULL && g_hash_table_lookup(w->by_session, res->session) == res)
		g_hash_table_remove(w->by_session, res->session);
	bool listed = g_hash_table_lookup(w->resources, res->id) == res;
	if (listed)
		g_hash_table_remove(w->resources, res->id);
	g_mutex_unlock(&w->lock);
	if (listed)
		parley_room_whip_resource_unref(res); /* the table's */
}

bool parley_room_whip_budget_allows(room_whip *w, const char *address)
{
	unsigned limit = w->ctx->cfg.whip_rate_limit;
	if (limit == 0)
		return true;
	int64_t minute = w->ctx->now_ms() / 60000;
	g_mutex_lock(&w->lock);
	budget_slot *slot = g_hash_table_lookup(w->budget, address);
	if (slot == NULL) {
		if (g_hash_table_size(w->budget) >= BUDGET_MAX_ADDRESSES)
			g_hash_table_remove_all(w->budget);
		slot = g_new0(budget_slot, 1);
		g_hash_table_insert(w->budget, g_strdup(address), slot);
	}
	if (slot->minute != minute) {
		slot->minute = minute;
		slot->count = 0;
	}
	bool allowed = ++slot->count <= limit;
	g_mutex_unlock(&w->lock);
	return allowed;
}

void parley_room_whip_session_ended(room_ctx *ctx, parley_plugin_session *session, const char *reason)
{
	room_whip *w = ctx->whip;
	if (w == NULL || session == NULL)
		return;
	g_mutex_lock(&w->lock);
	room_whip_resource *res = g_hash_table_lookup(w->by_session, session);
	if (res != NULL && res->closed)
		res = NULL;
	if (res != NULL)
		parley_room_whip_resource_ref(res);
	g_mutex_unlock(&w->lock);
	if (res == NULL)
		return;
	room_whip_job *job = parley_room_whip_job_new(ROOM_WHIP_JOB_CLOSE, res, NULL);
	g_strlcpy(job->reason, reason != NULL ? reason : "closed", sizeof(job->reason));
	if (parley_room_whip_submit(w, job) != 0)
		parley_room_whip_job_free(job);
	parley_room_whip_resource_unref(res);
}

room_whip *parley_room_whip_new(room_ctx *ctx)
{
	room_whip *w = g_new0(room_whip, 1);
	w->ctx = ctx;
	g_mutex_init(&w->lock);
	w->resources = g_hash_table_new(g_str_hash, g_str_equal);
	w->by_session = g_hash_table_new(g_direct_hash, g_direct_equal);
	w->budget = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	w->pool = g_thread_pool_new(run_queue, w, (gint)ctx->cfg.whip_workers, FALSE, NULL);
	const char *auth = ctx->core->config_get != NULL ? ctx->core->config_get("parley", "auth", "token_auth") : NULL;
	const char *secret = ctx->core->config_get != NULL ? ctx->core->config_get("parley", "auth", "token_secret") : NULL;
	bool token_auth = false; /* the core warns about an unusable value */
	parley_util_setting_bool(auth, &token_auth);
	w->core_tokens = ctx->core->auth_token_allows != NULL && (token_auth || (secret != NULL && secret[0] != '\0'));
	return w;
}

void parley_room_whip_free(room_whip *w)
{
	if (w == NULL)
		return;
	g_mutex_lock(&w->lock);
	w->stopping = true;
	g_mutex_unlock(&w->lock);
	g_thread_pool_free(w->pool, FALSE, TRUE); /* the queued jobs run to their end */
	GList *left = g_hash_table_get_values(w->resources);
	for (GList *l = left; l != NULL; l = l->next) {
		room_whip_resource *res = l->data;
		if (res->session != NULL && w->ctx->core->handle_unref != NULL)
			w->ctx->core->handle_unref(res->session);
		res->session = NULL;
		parley_room_whip_resource_unref(res);
	}
	g_list_free(left);
	g_hash_table_destroy(w->resources);
	g_hash_table_destroy(w->by_session);
	g_hash_table_destroy(w->budget);
	g_mutex_clear(&w->lock);
	g_free(w);
}
