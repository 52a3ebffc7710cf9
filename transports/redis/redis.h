/*
 * transports/redis/redis.h — private state of the Redis transport
 * (parley.transport.redis), shared by redis.c (module, configuration, the
 * loop thread, life cycle), link.c (the two hiredis connections, the GLib
 * source, connect/reconnect with backoff), streams.c (consumer groups,
 * reading and claiming request entries, forwarding to the owning instance,
 * handing requests to the core) and clients.c (one parley_conn per
 * reply_to, replies and events out, the session→instance map).
 *
 * Threading: every hiredis call and every field marked "loop" runs on the
 * transport's own thread (its GMainContext). The core calls send_message,
 * session_created and session_over from any thread: they queue an rd_op
 * under `lock` and wake the loop. No core call is made while `lock` is held.
 */
#ifndef PARLEY_TRANSPORT_REDIS_H
#define PARLEY_TRANSPORT_REDIS_H

#include <glib.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <parley/transport.h>
#include "parse.h"
#include "util/redis_url.h"

#define RD_PACKAGE "parley.transport.redis"

/* One async connection. The reader only ever runs XREADGROUP BLOCK; every
 * other command goes on the writer so a blocked read delays nothing. */
typedef struct rd_link {
	const char *name;
	redisAsyncContext *ac; /* loop; NULL while down */
	bool ready;            /* connected (AUTH and SELECT queued first) */
} rd_link;

/* One reply_to destination: the transport_data of its parley_conn. */
typedef struct rd_client {
	parley_conn *conn;
	char *key; /* mode + reply_to: the clients table key */
	char *reply_to;
	rd_reply_mode mode;
	unsigned sessions; /* loop */
	gint64 last_used;  /* loop, monotonic µs */
} rd_client;

/* One request handed to the core: the core's request_ctx. */
typedef struct rd_ctx {
	char *tag; /* "stream id": the pending table key */
	char *stream;
	char *id;
	char *reply_to;
	rd_reply_mode mode;
} rd_ctx;

/* One message waiting for (or written to) Redis. */
typedef struct rd_out {
	char *target; /* stream or channel */
	rd_reply_mode mode;
	char *text;
	rd_ctx *ack; /* XACK this request once written (owned) or NULL */
	bool event;
} rd_out;

typedef enum rd_op_kind {
	RD_OP_REPLY,
	RD_OP_EVENT,
	RD_OP_SESSION_CREATED,
	RD_OP_SESSION_OVER,
} rd_op_kind;

/* A call from a core thread, applied on the loop. */
typedef struct rd_op {
	rd_op_kind kind;
	parley_conn *conn; /* a reference */
	rd_ctx *ctx;       /* RD_OP_REPLY */
	char *text;        /* RD_OP_REPLY, RD_OP_EVENT */
	uint64_t session_id;
} rd_op;

typedef struct rd_state {
	const parley_transport_core *core;
	/* configuration */
	char *url_text;
	parley_util_redis_url url;
	char *prefix, *instance_id, *group, *reply_prefix;
	bool start_without_redis, admin_enabled;
	long block_ms, read_count, max_inflight, max_queue, reply_maxlen, session_ttl;
	long claim_idle_ms, claim_interval, reconnect_min_ms, reconnect_max_ms;
	long max_clients, client_idle, connect_timeout_ms;
	size_t max_message;
	char *key_requests, *key_admin, *key_instance;

	/* the loop thread */
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	gint stopping;
	gint online; /* both links up and the groups exist (atomic for readers) */
	rd_link reader, writer;
	long backoff_ms;                             /* loop */
	GSource *reconnect_timer, *read_retry_timer; /* loop */
	bool reading;                                /* loop: an XREADGROUP is outstanding */
	unsigned inflight;                           /* loop: requests handed to the core, not answered */
	GHashTable *pending;                         /* loop: tag → rd_ctx being answered */
	GHashTable *clients;                         /* loop: key → rd_client (holds the conn reference) */
	GHashTable *sessions;                        /* loop: &id → rd_client (borrowed) */
	GQueue backlog;                              /* loop: rd_out waiting for the writer */

	/* calls from core threads */
	GMutex lock;
	GQueue ops;         /* rd_op; under lock */
	bool ops_scheduled; /* under lock */

	/* counters (atomic) */
	guint64 requests_in, replies_out, events_out, forwarded, dropped, claimed, reconnects;
} rd_state;

extern rd_state parley_rd;
extern const parley_transport parley_rd_transport;

#define RD_LOG(level, ...) parley_rd.core->log(level, RD_PACKAGE, __VA_ARGS__)

/* redis.c */
void parley_rd_on_loop(GSourceFunc fn, void *data); /* runs fn once on the loop */

/* link.c */
int parley_rd_link_probe(char *error, size_t error_size); /* blocking check at start */
void parley_rd_link_start(void);                          /* loop: connect both links */
void parley_rd_link_stop(void);                           /* loop: free both links */
/* loop: a command on a link (argv lengths by strlen when `lengths` is NULL).
 * 0 when queued; -1 when the link is down (fn is NOT called then). */
int parley_rd_command(rd_link *link, redisCallbackFn *fn, void *privdata, int argc, const char **argv,
                      const size_t *lengths);
void parley_rd_link_lost(const char *why); /* loop: drop both links, reconnect later */

/* streams.c (loop) */
void parley_rd_streams_online(void); /* links up: ensure groups, then read */
void parley_rd_streams_read(void);   /* issue the next XREADGROUP if room */
void parley_rd_streams_claim(void);  /* one XAUTOCLAIM pass */
void parley_rd_ctx_free(rd_ctx *ctx);

/* clients.c */
int parley_rd_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
void parley_rd_session_created(parley_conn *conn, uint64_t session_id);
void parley_rd_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed);
rd_client *parley_rd_client_for(const char *reply_to, rd_reply_mode mode); /* loop; NULL at the limit */
void parley_rd_out_send(rd_out *out);                                      /* loop: write now or keep in the backlog */
void parley_rd_out_free(rd_out *out);
void parley_rd_backlog_flush(void);                /* loop, once online */
void parley_rd_sessions_refresh(void);             /* loop: SET every local session key with its TTL */
void parley_rd_session_touch(uint64_t session_id); /* loop: EXPIRE the key */
void parley_rd_clients_sweep(void);                /* loop: close idle reply_to conns */
void parley_rd_clients_destroy(void);              /* after the loop stopped */
void parley_rd_ops_run(void);                      /* loop: apply queued ops */

#endif
