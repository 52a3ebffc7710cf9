/*
 * plugins/meeting/cluster.c — the cluster thread of the meeting plugin in
 * cluster mode (one GMainContext owned by the plugin):
 *  - every signaling job, handle detach, REST call and TTL sweep is posted
 *    here, so Redis is only ever waited for on this thread;
 *  - hiredis async pub/sub on this context: <prefix>instance:<id> (targeted
 *    relays to this instance's peers) and <prefix>meeting:<roomId> for each
 *    meeting with a local participant (fan-out events);
 *  - the lease <prefix>instance:<id>:alive (PX lease_ttl, refreshed every
 *    lease_ttl/3) and the instance registry <prefix>instances;
 *  - the reaper (every lease_ttl/2): an instance whose lease expired loses
 *    its participants (one survivor wins the SET NX lock
 *    <prefix>instance:<id>:cleanup) and the others get participant-left;
 *  - reconnection with backoff (250 ms doubling to 5 s) and, once the
 *    command connection is back, reconciliation of this instance's records
 *    and the meeting rows Redis lost (a restart without persistence).
 *
 * Channel messages are JSON: {"o":origin instance, "k":"peer"|"room",
 * "p":peer, "r":room, "x":except peer, "n":event, "d":data, "t":transaction}.
 */
#include <string.h>
#include <hiredis/async.h>
#include <hiredis/adapters/glib.h>

#include "meeting.h"
#include "cluster.h"

#define LOG(c, level, ...) \
	do { if ((c)->ctx->core != NULL && (c)->ctx->core->log != NULL) \
		(c)->ctx->core->log(level, PARLEY_MEETING_PACKAGE, __VA_ARGS__); } while (0)

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000

/* One pub/sub connection. */
typedef struct sub_conn {
	parley_meeting_cluster *cluster;
	redisAsyncContext *ac; /* NULL once hiredis let go of it */
	GSource *source;
	bool ready;
	bool dead;
} sub_conn;

struct parley_meeting_cluster {
	parley_meeting_ctx *ctx;
	parley_meeting_redis *redis;
	unsigned lease_ttl;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	GSource *tick, *lease, *reaper;
	sub_conn *sub;
	GHashTable *rooms;          /* room ids subscribed on sub */
	int64_t next_try_ms;
	unsigned backoff_ms;
	bool need_reconcile;
	gint available;             /* atomic: command connection up and reconciled */
	bool stopping;
};

static int64_t mono_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* ---- delivery of channel messages ---- */

static void deliver(parley_meeting_cluster *c, json_t *msg)
{
	const char *origin = json_string_value(json_object_get(msg, "o"));
	const char *kind = json_string_value(json_object_get(msg, "k"));
	const char *name = json_string_value(json_object_get(msg, "n"));
	json_t *data = json_object_get(msg, "d"); /* borrowed */
	if (origin == NULL || kind == NULL || name == NULL || data == NULL ||
	    strcmp(origin, c->redis->instance) == 0)
		return;
	parley_meeting_ctx *ctx = c->ctx;
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	if (strcmp(kind, "peer") == 0)
		parley_meeting_outbox_emit_new(ctx, &box, json_string_value(json_object_get(msg, "p")),
		                               json_string_value(json_object_get(msg, "t")), name, json_incref(data));
	else if (strcmp(kind, "room") == 0)
		parley_meeting_outbox_deliver_local(ctx, &box, json_string_value(json_object_get(msg, "r")),
		                                    json_string_value(json_object_get(msg, "x")), name, data);
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
}

static void on_channel(redisAsyncContext *ac, void *r, void *privdata)
{
	(void)ac;
	parley_meeting_cluster *c = privdata;
	redisReply *reply = r;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING || strcmp(reply->element[0]->str, "message") != 0 ||
	    reply->element[2]->type != REDIS_REPLY_STRING)
		return;
	json_t *msg = json_loadb(reply->element[2]->str, reply->element[2]->len, 0, NULL); /* new, dropped below */
	if (json_is_object(msg))
		deliver(c, msg);
	json_decref(msg);
}

/* ---- pub/sub connection ---- */

static void free_sub_conn(gpointer data)
{
	sub_conn *s = data;
	if (s->source != NULL) {
		g_source_destroy(s->source);
		g_source_unref(s->source);
	}
	g_free(s);
}

/* The idle source that frees a lost connection does it in its destroy
 * notify: that also runs when the thread's context goes first (a stop
 * right after the loss). */
static gboolean sub_conn_idle(gpointer data)
{
	return G_SOURCE_REMOVE;
}

/* hiredis is done with s->ac: forget it and free s outside its callback. */
static void sub_gone(sub_conn *s)
{
	if (s->dead)
		return;
	s->dead = true;
	s->ac = NULL;
	parley_meeting_cluster *c = s->cluster;
	if (c->sub == s) {
		c->sub = NULL;
		g_hash_table_remove_all(c->rooms);
		LOG(c, PARLEY_LOG_WARN, "cluster: Redis pub/sub connection lost; reconnecting");
	}
	if (c->stopping) {
		free_sub_conn(s); /* called from redisAsyncFree in quit_job, not from the source */
		return;
	}
	GSource *idle = g_idle_source_new();
	g_source_set_callback(idle, sub_conn_idle, s, free_sub_conn);
	g_source_attach(idle, c->context);
	g_source_unref(idle);
}

static void subscribe(parley_meeting_cluster *c, const char *channel_tail)
{
	char *channel = parley_meeting_redis_key(c->redis, "%s", channel_tail);
	redisAsyncCommand(c->sub->ac, on_channel, c, "SUBSCRIBE %s", channel);
	g_free(channel);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	sub_conn *s = ac->data;
	if (status != REDIS_OK) {
		sub_gone(s);
		return;
	}
	s->ready = true;
	char *mine = g_strdup_printf("instance:%s", s->cluster->redis->instance);
	subscribe(s->cluster, mine);
	g_free(mine);
	parley_meeting_cluster_sync_rooms(s->cluster);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	(void)status;
	sub_gone(ac->data);
}

static void sub_connect(parley_meeting_cluster *c)
{
	redisAsyncContext *ac = redisAsyncConnect(c->redis->url.host, c->redis->url.port);
	if (ac == NULL)
		return;
	if (ac->err != 0) {
		redisAsyncFree(ac);
		return;
	}
	sub_conn *s = g_new0(sub_conn, 1);
	s->cluster = c;
	s->ac = ac;
	ac->data = s;
	s->source = redis_source_new(ac);
	g_source_attach(s->source, c->context);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	const parley_util_redis_url *url = &c->redis->url;
	if (url->password != NULL && url->user != NULL)
		redisAsyncCommand(ac, NULL, NULL, "AUTH %s %s", url->user, url->password);
	else if (url->password != NULL)
		redisAsyncCommand(ac, NULL, NULL, "AUTH %s", url->password);
	c->sub = s;
}

void parley_meeting_cluster_sync_rooms(parley_meeting_cluster *c)
{
	if (c->sub == NULL || !c->sub->ready)
		return;
	GPtrArray *want = parley_meeting_store_redis_local_rooms(c->ctx->store);
	GHashTable *wanted = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < want->len; i++) {
		g_hash_table_add(wanted, want->pdata[i]);
		if (!g_hash_table_contains(c->rooms, want->pdata[i])) {
			char *tail = g_strdup_printf("meeting:%s", (char *)want->pdata[i]);
			subscribe(c, tail);
			g_free(tail);
			g_hash_table_add(c->rooms, g_strdup(want->pdata[i]));
		}
	}
	GHashTableIter it;
	gpointer room;
	g_hash_table_iter_init(&it, c->rooms);
	while (g_hash_table_iter_next(&it, &room, NULL)) {
		if (g_hash_table_contains(wanted, room))
			continue;
		char *channel = parley_meeting_redis_key(c->redis, "meeting:%s", (char *)room);
		redisAsyncCommand(c->sub->ac, NULL, NULL, "UNSUBSCRIBE %s", channel);
		g_free(channel);
		g_hash_table_iter_remove(&it);
	}
	g_hash_table_destroy(wanted);
	g_ptr_array_unref(want);
}

/* ---- publishing ---- */

void parley_meeting_cluster_publish(parley_meeting_cluster *c, const char *channel, json_t *message)
{
	char *text = json_dumps(message, JSON_COMPACT); /* malloc'ed */
	if (text == NULL)
		return;
	char *key = parley_meeting_redis_key(c->redis, "%s", channel);
	redisReply *reply = parley_meeting_redis_command(c->redis, "PUBLISH %s %s", key, text);
	if (reply != NULL)
		freeReplyObject(reply);
	g_free(key);
	free(text);
}

void parley_meeting_cluster_fanout(parley_meeting_cluster *c, const char *room_id, const char *except_peer,
                                   const char *name, json_t *payload)
{
	parley_meeting_ctx *ctx = c->ctx;
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	parley_meeting_outbox_broadcast(ctx, &box, room_id, except_peer, name, payload);
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
}

/* participant-left (or, for a waiting user, participant-waiting-cancelled
 * to the host) for records removed on behalf of a gone connection. */
static void announce_gone(parley_meeting_cluster *c, GPtrArray *gone)
{
	for (guint i = 0; i < gone->len; i++) {
		parley_meeting_participant *p = gone->pdata[i];
		json_t *payload = json_pack("{s:s}", "userId", p->user_id); /* new, dropped below */
		if (p->presence == PARLEY_MEETING_JOINED) {
			parley_meeting_cluster_fanout(c, p->room_id, p->peer_id, "participant-left", payload);
			parley_meeting_db_count_stat(c->ctx->db, p->room_id, PARLEY_MEETING_STAT_LEAVE);
		}
		json_decref(payload);
		LOG(c, PARLEY_LOG_INFO, "cluster: %s removed from %s (connection on instance %.8s gone)",
		    p->user_id, p->room_id, p->peer_id);
	}
}

/* ---- lease, reaper, reconnection ---- */

static void refresh_lease(parley_meeting_cluster *c)
{
	char *alive = parley_meeting_redis_key(c->redis, "instance:%s:alive", c->redis->instance);
	char *registry = parley_meeting_redis_key(c->redis, "instances");
	redisReply *reply = parley_meeting_redis_command(c->redis, "SET %s 1 PX %u", alive, c->lease_ttl * 1000);
	if (reply != NULL)
		freeReplyObject(reply);
	reply = parley_meeting_redis_command(c->redis, "SADD %s %s", registry, c->redis->instance);
	if (reply != NULL)
		freeReplyObject(reply);
	g_free(registry);
	g_free(alive);
}

static gboolean lease_tick(gpointer data)
{
	refresh_lease(data);
	return G_SOURCE_CONTINUE;
}

/* Cleans up after one instance whose lease is gone, when this instance
 * wins the cleanup lock. */
static void reap_instance(parley_meeting_cluster *c, const char *instance)
{
	char *alive = parley_meeting_redis_key(c->redis, "instance:%s:alive", instance);
	redisReply *reply = parley_meeting_redis_command(c->redis, "EXISTS %s", alive);
	g_free(alive);
	bool dead = reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == 0;
	if (reply != NULL)
		freeReplyObject(reply);
	if (!dead)
		return;
	char *lock = parley_meeting_redis_key(c->redis, "instance:%s:cleanup", instance);
	reply = parley_meeting_redis_command(c->redis, "SET %s %s NX PX %u", lock, c->redis->instance,
	                                     c->lease_ttl * 1000);
	g_free(lock);
	bool won = reply != NULL && reply->type == REDIS_REPLY_STATUS;
	if (reply != NULL)
		freeReplyObject(reply);
	if (!won)
		return;
	GPtrArray *gone = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_participant_free);
	g_mutex_lock(&c->ctx->lock);
	int n = parley_meeting_store_redis_reap(c->ctx->store, instance, gone);
	g_mutex_unlock(&c->ctx->lock);
	if (n >= 0) {
		char *registry = parley_meeting_redis_key(c->redis, "instances");
		reply = parley_meeting_redis_command(c->redis, "SREM %s %s", registry, instance);
		if (reply != NULL)
			freeReplyObject(reply);
		g_free(registry);
		LOG(c, PARLEY_LOG_INFO, "cluster: instance %s is gone; %d participant(s) removed", instance, n);
	}
	announce_gone(c, gone);
	g_ptr_array_unref(gone);
}

static gboolean reaper_tick(gpointer data)
{
	parley_meeting_cluster *c = data;
	if (!g_atomic_int_get(&c->available))
		return G_SOURCE_CONTINUE;
	char *registry = parley_meeting_redis_key(c->redis, "instances");
	redisReply *reply = parley_meeting_redis_command(c->redis, "SMEMBERS %s", registry);
	g_free(registry);
	if (reply == NULL)
		return G_SOURCE_CONTINUE;
	for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements && i < 10000; i++)
		if (reply->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(reply->element[i]->str, c->redis->instance) != 0)
			reap_instance(c, reply->element[i]->str);
	freeReplyObject(reply);
	return G_SOURCE_CONTINUE;
}

static void reconcile(parley_meeting_cluster *c)
{
	GPtrArray *gone = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_participant_free);
	g_mutex_lock(&c->ctx->lock);
	int rc = parley_meeting_store_redis_reconcile(c->ctx->store, gone);
	g_mutex_unlock(&c->ctx->lock);
	int rows = rc == 0 ? parley_meeting_rows_restore(c->redis, c->ctx->db, c->ctx->now_ms()) : -1;
	if (rc == 0 && rows >= 0) {
		refresh_lease(c);
		c->need_reconcile = false;
		g_atomic_int_set(&c->available, 1);
		LOG(c, PARLEY_LOG_INFO,
		    "cluster: Redis is back; local participants re-published, %u stale removed, %d meeting row(s) "
		    "written back", gone->len, rows);
		announce_gone(c, gone);
	}
	g_ptr_array_unref(gone);
}

static gboolean reconnect_tick(gpointer data)
{
	parley_meeting_cluster *c = data;
	bool up = parley_meeting_redis_is_up(c->redis);
	if (!up && g_atomic_int_get(&c->available)) {
		g_atomic_int_set(&c->available, 0);
		c->need_reconcile = true;
		LOG(c, PARLEY_LOG_WARN, "cluster: Redis connection lost; requests fail until it is back");
	}
	int64_t now = mono_ms();
	if ((up && c->sub != NULL && !c->need_reconcile) || now < c->next_try_ms) {
		if (up && c->sub != NULL && !c->need_reconcile)
			c->backoff_ms = BACKOFF_MIN_MS;
		return G_SOURCE_CONTINUE;
	}
	if (!up)
		up = parley_meeting_redis_reconnect(c->redis);
	if (c->sub == NULL)
		sub_connect(c);
	if (up && c->need_reconcile)
		reconcile(c);
	c->next_try_ms = now + c->backoff_ms;
	c->backoff_ms = MIN(c->backoff_ms * 2, BACKOFF_MAX_MS);
	return G_SOURCE_CONTINUE;
}

static GSource *add_timer(parley_meeting_cluster *c, unsigned ms, GSourceFunc fn)
{
	GSource *s = g_timeout_source_new(ms);
	g_source_set_callback(s, fn, c, NULL);
	g_source_attach(s, c->context);
	return s;
}

/* ---- the thread and jobs ---- */

static gpointer run_thread(gpointer data)
{
	parley_meeting_cluster *c = data;
	g_main_context_push_thread_default(c->context);
	g_main_loop_run(c->loop);
	g_main_context_pop_thread_default(c->context);
	return NULL;
}

typedef struct job {
	parley_meeting_cluster *c;
	void (*fn)(void *data);
	void *data;
	void (*destroy)(void *data);
} job;

static gboolean job_run(gpointer data)
{
	job *j = data;
	j->fn(j->data);
	parley_meeting_cluster_sync_rooms(j->c);
	return G_SOURCE_REMOVE;
}

static void job_free(gpointer data)
{
	job *j = data;
	if (j->destroy != NULL)
		j->destroy(j->data);
	g_free(j);
}

void parley_meeting_cluster_post(parley_meeting_cluster *c, void (*fn)(void *data), void *data,
                                 void (*destroy)(void *data))
{
	job *j = g_new0(job, 1);
	*j = (job){ .c = c, .fn = fn, .data = data, .destroy = destroy };
	GSource *s = g_idle_source_new();
	g_source_set_priority(s, G_PRIORITY_DEFAULT);
	g_source_set_callback(s, job_run, j, job_free);
	g_source_attach(s, c->context);
	g_source_unref(s);
}

typedef struct call {
	void (*fn)(void *data);
	void *data;
	GMutex lock;
	GCond cond;
	bool done;
} call;

static void call_run(void *data)
{
	call *k = data;
	k->fn(k->data);
	g_mutex_lock(&k->lock);
	k->done = true;
	g_cond_signal(&k->cond);
	g_mutex_unlock(&k->lock);
}

void parley_meeting_cluster_call(parley_meeting_cluster *c, void (*fn)(void *data), void *data)
{
	if (g_main_context_is_owner(c->context)) {
		fn(data);
		return;
	}
	call k = { .fn = fn, .data = data };
	g_mutex_init(&k.lock);
	g_cond_init(&k.cond);
	parley_meeting_cluster_post(c, call_run, &k, NULL);
	g_mutex_lock(&k.lock);
	while (!k.done)
		g_cond_wait(&k.cond, &k.lock);
	g_mutex_unlock(&k.lock);
	g_mutex_clear(&k.lock);
	g_cond_clear(&k.cond);
}

const char *parley_meeting_cluster_instance(const parley_meeting_cluster *c)
{
	return c->redis->instance;
}

parley_meeting_redis *parley_meeting_cluster_redis(parley_meeting_cluster *c)
{
	return c->redis;
}

bool parley_meeting_cluster_available(parley_meeting_cluster *c)
{
	return g_atomic_int_get(&c->available) && parley_meeting_redis_is_up(c->redis);
}

parley_meeting_cluster *parley_meeting_cluster_start(parley_meeting_ctx *ctx,
                                                     const parley_meeting_cluster_config *cfg, char **error)
{
	parley_meeting_redis *r = parley_meeting_redis_new(cfg->redis_url, cfg->key_prefix, NULL, cfg->timeout_ms,
	                                                   false, error);
	if (r == NULL)
		return NULL;
	parley_meeting_cluster *c = g_new0(parley_meeting_cluster, 1);
	c->ctx = ctx;
	c->redis = r;
	c->lease_ttl = cfg->lease_ttl;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ctx->store->ops->destroy(ctx->store);
	ctx->store = parley_meeting_store_redis_new(r);
	ctx->cluster = c;
	refresh_lease(c);
	g_atomic_int_set(&c->available, 1);
	c->context = g_main_context_new();
	c->loop = g_main_loop_new(c->context, FALSE);
	sub_connect(c);
	c->tick = add_timer(c, 100, reconnect_tick);
	c->lease = add_timer(c, MAX(c->lease_ttl * 1000 / 3, 100), lease_tick);
	c->reaper = add_timer(c, MAX(c->lease_ttl * 1000 / 2, 100), reaper_tick);
	c->thread = g_thread_new("meeting-cluster", run_thread, c);
	LOG(c, PARLEY_LOG_INFO, "cluster: instance %s on Redis %s:%d, prefix '%s', lease %u s", r->instance,
	    r->url.host, r->url.port, r->prefix, c->lease_ttl);
	return c;
}

static void quit_job(void *data)
{
	parley_meeting_cluster *c = data;
	char *alive = parley_meeting_redis_key(c->redis, "instance:%s:alive", c->redis->instance);
	redisReply *reply = parley_meeting_redis_command(c->redis, "DEL %s", alive);
	if (reply != NULL)
		freeReplyObject(reply);
	g_free(alive);
	c->stopping = true;
	sub_conn *s = c->sub;
	if (s != NULL && s->ac != NULL)
		redisAsyncFree(s->ac); /* once connected, on_disconnect runs: sub_gone */
	if (s != NULL && c->sub == s) {
		/* still connecting (Redis down): hiredis calls no disconnect callback */
		s->ac = NULL;
		sub_gone(s);
	}
	g_main_loop_quit(c->loop);
}

void parley_meeting_cluster_stop(parley_meeting_cluster *c)
{
	if (c == NULL)
		return;
	parley_meeting_cluster_post(c, quit_job, c, NULL);
	g_thread_join(c->thread);
	GSource *timers[] = { c->tick, c->lease, c->reaper };
	for (size_t i = 0; i < G_N_ELEMENTS(timers); i++) {
		g_source_destroy(timers[i]);
		g_source_unref(timers[i]);
	}
	/* jobs still queued are dropped: their destroy runs with the context */
	g_main_loop_unref(c->loop);
	g_main_context_unref(c->context);
	g_hash_table_destroy(c->rooms);
	c->ctx->cluster = NULL;
	parley_meeting_redis_free(c->redis); /* the store keeps a pointer: ctx_free destroys it first */
	g_free(c);
}
