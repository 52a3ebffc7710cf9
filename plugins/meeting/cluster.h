/*
 * plugins/meeting/cluster.h — cluster mode of the meeting plugin: several
 * parleyd instances share one Redis and behave as one meeting service.
 *
 *  - parley_meeting_redis: the command connection (hiredis, blocking with a
 *    timeout, serialized by a mutex) and the key layout under key_prefix.
 *    It is only ever used from the plugin's own cluster thread (see below),
 *    never from the core's workers or event loops.
 *  - store_redis.c: the participant store over that connection (hashes
 *    <prefix>meeting:<roomId>:participants, field userId → JSON record with
 *    the instance id), Lua for every read-modify-write, plus a mirror of the
 *    participants on this instance's own connections.
 *  - cluster_meetings.c: meeting rows shared through <prefix>meeting:<roomId>.
 *  - cluster.c: the cluster thread (own GMainContext): every signaling job,
 *    REST call and timer of the plugin runs there in cluster mode; hiredis
 *    async pub/sub on that context (<prefix>instance:<id> for targeted relays,
 *    <prefix>meeting:<roomId> for fan-out), the lease, the reaper of dead
 *    instances, reconnection with backoff and reconciliation.
 */
#ifndef PARLEY_MEETING_CLUSTER_H
#define PARLEY_MEETING_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <hiredis/hiredis.h>

#include "meetings_db.h"
#include "store.h"
#include "util/redis_url.h"
#include "util/setting.h"

#define PARLEY_MEETING_INSTANCE_ID_LEN 8
#define PARLEY_MEETING_CLUSTER_UNAVAILABLE "cluster store unavailable"

struct parley_meeting_ctx;

typedef struct parley_meeting_cluster_config {
	bool redis;              /* [cluster] mode = redis (else local) */
	char *redis_url;         /* [cluster] redis_url (util/redis_url.h) */
	char *key_prefix;        /* [cluster] key_prefix ("meeting:") */
	unsigned lease_ttl;      /* [cluster] lease_ttl, seconds (10) */
	unsigned timeout_ms;     /* [cluster] command_timeout, ms (1000) */
	bool fallback_local;     /* [cluster] fallback_local (false) */
} parley_meeting_cluster_config;

/* ---- the command connection (cluster.c) ---- */
typedef struct parley_meeting_redis {
	GMutex lock;
	redisContext *conn;  /* NULL while down */
	parley_util_redis_url url;  /* [cluster] redis_url */
	char *prefix;
	unsigned timeout_ms;
	char instance[PARLEY_MEETING_INSTANCE_ID_LEN + 1];
	guint64 failures;    /* commands that got no answer (down, I/O error, timeout); under lock */
} parley_meeting_redis;

/* A link for `instance` (NULL: a random id). Connects at once; when that
 * fails, NULL with *error unless `allow_down` (then the link starts down). */
parley_meeting_redis *parley_meeting_redis_new(const char *url, const char *prefix, const char *instance,
                                               unsigned timeout_ms, bool allow_down, char **error);
void parley_meeting_redis_free(parley_meeting_redis *r);
/* One command (printf-style, as redisCommand). A reply (freeReplyObject)
 * or NULL when Redis is unreachable or answered an error (logged into
 * *error_text when not NULL). The connection is dropped on I/O errors. */
redisReply *parley_meeting_redis_command(parley_meeting_redis *r, const char *format, ...);
redisReply *parley_meeting_redis_argv(parley_meeting_redis *r, int argc, const char **argv, const size_t *lens);
bool parley_meeting_redis_is_up(parley_meeting_redis *r);
/* How many commands got no answer so far: a request that sees it grow had
 * a Redis step fail, whatever its handler made of it. */
guint64 parley_meeting_redis_failures(parley_meeting_redis *r);
/* Tries to (re)connect when down; true when up afterwards. */
bool parley_meeting_redis_reconnect(parley_meeting_redis *r);
/* "<prefix><format...>" (g_free). */
char *parley_meeting_redis_key(const parley_meeting_redis *r, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* ---- store_redis.c ---- */
parley_meeting_store *parley_meeting_store_redis_new(parley_meeting_redis *r);
/* Adds `p` unless the meeting already has `max` joined participants other
 * than p's user (max 0 = no cap); atomic in Redis. 0 added, 1 full, -1 error. */
int parley_meeting_store_redis_add_capped(parley_meeting_store *store, const parley_meeting_participant *p,
                                          int max);
/* Room ids (new array of strings) that have participants on this instance. */
GPtrArray *parley_meeting_store_redis_local_rooms(parley_meeting_store *store);
/* After a reconnection: writes every local participant back and removes
 * this instance's records that are no longer local. `gone` (may be NULL)
 * receives copies of the removed records. 0 or -1. */
int parley_meeting_store_redis_reconcile(parley_meeting_store *store, GPtrArray *gone);
/* Removes every record that `instance` left behind (only records still
 * carrying that instance id). Copies of the removed records into `gone`.
 * Returns how many, or -1 on error. */
int parley_meeting_store_redis_reap(parley_meeting_store *store, const char *instance, GPtrArray *gone);

/* ---- cluster_meetings.c: meeting rows shared through Redis ---- */
/* JSON of a meeting row for Redis (new reference) and back (new record or NULL). */
json_t *parley_meeting_row_to_json(const parley_meeting *m);
parley_meeting *parley_meeting_row_from_json(json_t *row);
/* Writes the row to <prefix>meeting:<roomId>. 0 or -1. */
int parley_meeting_row_push(parley_meeting_redis *r, const parley_meeting *m);
/* After Redis came back: writes the row of every live meeting of `db` that
 * Redis no longer has (HSETNX: a row another instance wrote stays). The
 * number written, or -1 when Redis failed. */
int parley_meeting_rows_restore(parley_meeting_redis *r, parley_meeting_db *db, int64_t now_ms);
/* Copies the Redis row (when there is one) into the local database:
 * 1 copied, 0 no row in Redis, -1 Redis unavailable or bad row. */
int parley_meeting_row_pull(parley_meeting_redis *r, parley_meeting_db *db, const char *room_id);

/* ---- cluster.c: the cluster thread ---- */
typedef struct parley_meeting_cluster parley_meeting_cluster;

void parley_meeting_cluster_config_load(parley_meeting_cluster_config *cfg, const parley_util_setting_source *settings);
void parley_meeting_cluster_config_clear(parley_meeting_cluster_config *cfg);
/* Connects, installs the Redis store into ctx (ctx->store is replaced),
 * starts the thread. NULL with *error when Redis is unreachable. */
parley_meeting_cluster *parley_meeting_cluster_start(struct parley_meeting_ctx *ctx,
                                                     const parley_meeting_cluster_config *cfg, char **error);
/* Stops the thread (pending jobs are dropped, their destroy runs). */
void parley_meeting_cluster_stop(parley_meeting_cluster *c);
const char *parley_meeting_cluster_instance(const parley_meeting_cluster *c);
parley_meeting_redis *parley_meeting_cluster_redis(parley_meeting_cluster *c);
bool parley_meeting_cluster_available(parley_meeting_cluster *c);
/* Runs fn(data) on the cluster thread later; destroy(data) afterwards or
 * when the job is dropped at stop. */
void parley_meeting_cluster_post(parley_meeting_cluster *c, void (*fn)(void *data), void *data,
                                 void (*destroy)(void *data));
/* Runs fn(data) on the cluster thread and waits for it. */
void parley_meeting_cluster_call(parley_meeting_cluster *c, void (*fn)(void *data), void *data);
/* PUBLISH `message` (borrowed) on "<prefix><channel>". */
void parley_meeting_cluster_publish(parley_meeting_cluster *c, const char *channel, json_t *message);
/* Fan-out of an event to a meeting: this instance's members now, the
 * other instances through the meeting channel. Payload borrowed. */
void parley_meeting_cluster_fanout(parley_meeting_cluster *c, const char *room_id, const char *except_peer,
                                   const char *name, json_t *payload);
/* Keeps the room subscriptions in step with the local participants. */
void parley_meeting_cluster_sync_rooms(parley_meeting_cluster *c);

#endif
