/*
 * plugins/room/whip.h — WHIP ingest (RFC 9725) into rooms and WHEP
 * playback (draft-ietf-wish-whep) out of them, over the core's route calls
 * (parley/http.h): the routes /whip/<roomId> and /whep/<roomId>[/<peerId>]
 * and the resources they make.
 *
 * Files:
 *  - whip_http.c: the HTTP side, the state machine the unit tests walk:
 *    paths, methods, Bearer tokens, rate and size limits, content types,
 *    the offer's shape, the statuses and headers of every answer;
 *  - whip_resources.c: resources (ids, ETags, the table by id and by
 *    handle), the per-address POST budget, and the work queue: each
 *    resource's jobs run one at a time, in arrival order, on a pool of
 *    `[whip] workers` threads;
 *  - whip_publish.c: a WHIP publisher (the core makes a handle for it, the
 *    room a peer whose producers say source "whip"), and what WHIP and
 *    WHEP resources share: trickle, ICE restart, DELETE, the end when ICE
 *    consent stops;
 *  - whep.c: a WHEP player (a hidden viewer of the room whose m-lines are
 *    fixed by its own offer, or by ours on an empty POST) and which
 *    producers feed its m-lines as producers come and go;
 *  - sdpfrag.c: the trickle-ice-sdpfrag bodies.
 *
 * Locking: whip->lock guards the tables, the budget and the queues, and is
 * a leaf: nothing is locked and no core function is called while it is
 * held. A job calls the core (which waits for a handle's loop) without
 * ctx->lock, and takes ctx->lock for the room's part (README.md, locking).
 * A route call is answered by the job that handles it (call->finish), on
 * its worker; the transport's thread only checks and queues.
 */
#ifndef PARLEY_ROOM_WHIP_H
#define PARLEY_ROOM_WHIP_H

#include <parley/http.h>

#include "room.h"
#include "sdpfrag.h"

#define ROOM_WHIP_ID_LEN 24        /* resource ids: random, unguessable */
#define ROOM_WHIP_ETAG_LEN 16
#define ROOM_WHIP_MAX_JOBS 32      /* jobs waiting per resource */
#define ROOM_WHIP_MAX_PENDING 1024 /* resources waiting for a worker */

typedef enum room_whip_kind { ROOM_WHIP_INGEST = 0, ROOM_WHIP_PLAYBACK = 1 } room_whip_kind;

typedef enum room_whip_job_kind {
	ROOM_WHIP_JOB_CREATE = 0,  /* POST: the handle, the offer, the room, our answer */
	ROOM_WHIP_JOB_PATCH,       /* trickle, ICE restart, or the answer to our offer */
	ROOM_WHIP_JOB_DELETE,
	ROOM_WHIP_JOB_CLOSE,       /* no request: the pc ended or the room let it go */
} room_whip_job_kind;

typedef struct room_whip_resource {
	gint refs;
	room_whip_kind kind;
	char id[ROOM_WHIP_ID_LEN + 1];
	char room_id[ROOM_MAX_ID + 1];
	char follow[ROOM_PEER_ID_LEN + 1]; /* WHEP: the peer it plays, "" = the room */
	int layer;                         /* WHEP: the layer query, -1 = none */
	bool server_offer;                 /* WHEP: the empty POST (we offer, PATCH answers) */
	char remote_ip[64];
	int64_t created_ms;
	/* under whip->lock */
	parley_plugin_session *session;    /* the handle the core made for it (handle_ref held), or NULL */
	GQueue jobs;                       /* room_whip_job*, waiting */
	bool running;                      /* a worker runs its jobs */
	bool closed;                       /* ended (or ending): requests get 404 */
	/* the running job's (jobs of one resource never run at once) */
	char peer_id[ROOM_PEER_ID_LEN + 1]; /* its peer (WHIP) or viewer (WHEP) */
	char etag[ROOM_WHIP_ETAG_LEN + 1];
	char *remote;                      /* the client's offer, or its answer to ours: an ICE restart
	                                    * re-applies it with the client's new credentials */
	char *local;                       /* our description without transport: answered again on a restart */
	char remote_ufrag[ROOM_SDPFRAG_MAX_CREDENTIAL + 1];
	char remote_pwd[ROOM_SDPFRAG_MAX_CREDENTIAL + 1];
	bool answered;                     /* WHEP server offer: its answer came */
} room_whip_resource;

typedef struct room_whip_job {
	room_whip_job_kind kind;
	room_whip_resource *res;   /* reference */
	parley_http_call *call;    /* answered by the job; NULL for CLOSE */
	room_sdpfrag *frag;        /* PATCH with a fragment (owned) */
	bool sdp_answer;           /* PATCH with application/sdp (the answer to our offer) */
	char reason[64];           /* CLOSE: why */
} room_whip_job;

struct room_whip {
	room_ctx *ctx;
	GMutex lock;
	GHashTable *resources;     /* id → room_whip_resource* (reference) */
	GHashTable *by_session;    /* parley_plugin_session* → room_whip_resource* (borrowed) */
	GHashTable *budget;        /* address → POSTs this minute */
	GThreadPool *pool;         /* runs room_whip_resource* queues */
	unsigned queued;           /* resources waiting for a worker */
	bool stopping;
	bool core_tokens;          /* the core's token auth is on: its tokens are accepted too */
};

/* ---- whip_resources.c ---- */
room_whip *parley_room_whip_new(room_ctx *ctx);
/* Stops taking work, lets the queued jobs run, frees the tables. */
void parley_room_whip_free(room_whip *w);
/* A new resource of `kind` in the table (a reference for the caller), or
 * NULL when [whip] max_sessions resources exist. */
room_whip_resource *parley_room_whip_resource_new(room_whip *w, room_whip_kind kind, const char *room_id);
void parley_room_whip_resource_ref(room_whip_resource *res);
void parley_room_whip_resource_unref(room_whip_resource *res);
/* The live resource `id` of `kind` in `room_id` (a reference), or NULL. */
room_whip_resource *parley_room_whip_lookup(room_whip *w, room_whip_kind kind, const char *room_id, const char *id);
/* Takes it out of the tables (closed: its requests get 404). */
void parley_room_whip_forget(room_whip *w, room_whip_resource *res);
/* Records the handle the core made for it (the table by handle). */
void parley_room_whip_set_session(room_whip *w, room_whip_resource *res, parley_plugin_session *session);
/* A fresh ETag for its ICE session. */
void parley_room_whip_new_etag(room_whip_resource *res);
/* Counts one POST from `address`; false over [whip] rate_limit a minute. */
bool parley_room_whip_budget_allows(room_whip *w, const char *address);
/* Queues `job` (taken) behind the resource's other jobs: 0, or -1 when too
 * much waits or the plugin stops (the caller answers 503 and frees it). */
int parley_room_whip_submit(room_whip *w, room_whip_job *job);
room_whip_job *parley_room_whip_job_new(room_whip_job_kind kind, room_whip_resource *res, parley_http_call *call);
void parley_room_whip_job_free(room_whip_job *job);

/* ---- whip_http.c ---- */
/* The plugin's handle_http_call for /whip/ and /whep/. */
int parley_room_whip_http_call(room_ctx *ctx, parley_http_call *call);
/* Answers `call` (from a job): `status`, `content_type` (static, NULL =
 * JSON), `body` (copied, may be NULL), extra header lines `headers`
 * (copied, may be NULL); then finish. */
void parley_room_whip_answer(parley_http_call *call, int status, const char *content_type, const char *body,
                             size_t body_length, const char *headers);
/* {"error": reason, "status": status} with that status. */
void parley_room_whip_refuse(parley_http_call *call, int status, const char *reason);
/* The headers of a created resource (Location, ETag, Link, Accept-Patch,
 * Access-Control-Expose-Headers), g_malloc'd. */
char *parley_room_whip_created_headers(room_ctx *ctx, const room_whip_resource *res);
/* The endpoint of `kind` takes requests without a token: no [whip] tokens
 * (WHIP) or [whep] tokens (WHEP) and no core token auth. */
bool parley_room_whip_open(const room_whip *w, room_whip_kind kind);
/* The path of a resource: /whip/<room>/<id> or /whep/<room>/<id>. */
char *parley_room_whip_location(const room_whip_resource *res);

/* ---- whip_publish.c ---- */
void parley_room_whip_run_create_ingest(room_ctx *ctx, room_whip_job *job);
void parley_room_whip_run_patch(room_ctx *ctx, room_whip_job *job);
void parley_room_whip_run_delete(room_ctx *ctx, room_whip_job *job);
void parley_room_whip_run_close(room_ctx *ctx, room_whip_job *job);
/* Ends a resource: its peer or viewer leaves the room (`reason` for
 * peerLeft), the core's handle ends, the tables forget it. Worker only. */
void parley_room_whip_end(room_ctx *ctx, room_whip_resource *res, const char *reason);
/* The handle for a create job's resource (made by the core, held by the
 * resource), or NULL once the job is answered (503). */
parley_plugin_session *parley_room_whip_make_handle(room_ctx *ctx, room_whip_job *job);
/* Refuses a create job after its handle was made: the resource ends. */
void parley_room_whip_create_failed(room_ctx *ctx, room_whip_job *job, int status, const char *reason);
/* The client's ICE credentials in `sdp`, remembered to tell a trickle from
 * an ICE restart. */
void parley_room_whip_remember_credentials(room_whip_resource *res, const char *sdp);

/* ---- whep.c ---- */
void parley_room_whip_run_create_playback(room_ctx *ctx, room_whip_job *job);
/* A WHEP server offer's answer (PATCH application/sdp): 0, or the HTTP status with `reason`. */
int parley_room_whep_take_answer(room_ctx *ctx, room_whip_resource *res, const char *sdp, char *reason,
                                 size_t reason_size);

#endif
