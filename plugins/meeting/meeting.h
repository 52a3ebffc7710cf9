/*
 * plugins/meeting/meeting.h — the meeting plugin's shared state and the
 * internal interfaces between its files: the context (configuration, core
 * table, participant store, meetings database, rate limiter, connected
 * handles), the outbox that carries events out of the state lock, the
 * membership flows (join, admit, leave, end) shared by signaling, REST and
 * the TTL sweep, and the JSON views of meetings, participants and stats.
 *
 * Locking: ctx->lock serializes every decision about membership (check
 * capacity then add, end a meeting then clear it). Events are queued into
 * an outbox while it is held and pushed with core->push_event only after
 * it is released, so the plugin never calls the core with its lock held.
 */
#ifndef PARLEY_MEETING_H
#define PARLEY_MEETING_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "ice.h"
#include "plugins/chat/store.h"
#include "meetings_db.h"
#include "ratelimit.h"
#include "rules.h"
#include "store.h"
#include "util/setting.h"

#define PARLEY_MEETING_PACKAGE "parley.plugin.meeting"
#define PARLEY_MEETING_PEER_ID_LEN 16
#define PARLEY_MEETING_ROOM_ID_LEN 10

typedef struct parley_meeting_config {
	int default_max_participants; /* [general] max_participants (50) */
	int max_participants_limit;   /* [general] max_participants_limit (1000) */
	int64_t meeting_ttl;          /* [general] meeting_ttl, seconds (14400; 0 = never) */
	unsigned ttl_check_interval;  /* [general] ttl_check_interval, seconds (30) */
	size_t max_chat_length;       /* [general] max_chat_length, bytes (5000) */
	size_t max_body_size;         /* [http] max_body_size, bytes (65536) */
	unsigned rate_limit;          /* [http] rate_limit, requests/minute/address (100; 0 = off) */
	char *db_path;                /* [general] db_path or <state_dir>/meetings.db */
	char *stats_handler;          /* [general] stats_handler: the event handler asked for /stats figures ("" = none) */
	char *chat_db_path;           /* [chat] db_path or <state_dir>/chat.db (the chat plugin's store) */
	parley_chat_retention chat_keep; /* [chat] history, max_age: what each meeting's chat keeps */
	parley_meeting_ice_config ice;
} parley_meeting_config;

/* One attached client (one Janus handle, one Socket.IO connection). */
typedef struct parley_meeting_handle {
	parley_plugin_session *session; /* the core's, valid until destroy_session */
	char peer_id[PARLEY_MEETING_PEER_ID_LEN + 1];
} parley_meeting_handle;

typedef struct parley_meeting_ctx {
	const parley_plugin_core *core;
	const parley_plugin *plugin;
	parley_meeting_config cfg;
	parley_meeting_store *store;
	parley_meeting_db *db;
	parley_meeting_ratelimit *ratelimit;
	parley_chat_store *chat;     /* the meetings' chat history (chat_history.c) */
	GMutex lock;
	GHashTable *handles;     /* peer id (borrowed from the handle) → handle (owned) */
	GHashTable *sessions;    /* core session → handle (borrowed from `handles`) */
	int64_t (*now_ms)(void); /* the clock (replaceable in tests) */
	struct parley_meeting_cluster *cluster; /* cluster mode (cluster.h), NULL = local */
} parley_meeting_ctx;

/* Events waiting to be pushed once ctx->lock is released. */
typedef struct parley_meeting_outbox {
	GArray *items;
} parley_meeting_outbox;

/* ---- context.c ---- */
/* Reads every setting through core->config_get (NULL values = defaults). */
void parley_meeting_config_load(parley_meeting_config *cfg, const parley_plugin_core *core);
/* The plugin's settings (parley.plugin.meeting.conf through core->config_get,
 * warnings through core->log) as a source for util/setting.h. */
parley_util_setting_source parley_meeting_config_source(const parley_plugin_core *core);
void parley_meeting_config_clear(parley_meeting_config *cfg);
/* A context over `cfg` (taken: cleared by ctx_free) with a fresh memory
 * store and the database opened at cfg->db_path. NULL (and *error) on error. */
parley_meeting_ctx *parley_meeting_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin,
                                           parley_meeting_config *cfg, char **error);
void parley_meeting_ctx_free(parley_meeting_ctx *ctx);
/* Attaches/detaches a client. attach returns the new handle (owned by ctx). */
parley_meeting_handle *parley_meeting_handle_attach(parley_meeting_ctx *ctx, parley_plugin_session *session);
/* Leaves whatever meeting the session's handle is in (others get
 * participant-left), then forgets the handle. -1 when unknown. */
int parley_meeting_handle_detach(parley_meeting_ctx *ctx, parley_plugin_session *session);
/* Takes ctx->lock and returns the session's handle; NULL (the lock given
 * back) when the session is not attached. */
parley_meeting_handle *parley_meeting_handle_lock(parley_meeting_ctx *ctx, parley_plugin_session *session);
/* Admin view of the session's handle (new reference) or NULL when unknown. */
json_t *parley_meeting_handle_query(parley_meeting_ctx *ctx, parley_plugin_session *session);
int64_t parley_meeting_clock_now(void);
/* A random id of `length` URL-safe characters into `out` (length + 1 bytes). */
void parley_meeting_random_id(char *out, size_t length);

void parley_meeting_outbox_init(parley_meeting_outbox *box);
/* Queues {"event":name,"data":payload} for the client on `peer_id`; steals
 * `payload` (the _new suffix, as in jansson). Call with ctx->lock held. */
void parley_meeting_outbox_emit_new(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                    const char *peer_id, const char *transaction,
                                    const char *name, json_t *payload);
/* Same payload (borrowed) to every joined participant of the room except
 * `except_peer` (may be NULL). */
void parley_meeting_outbox_broadcast(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                     const char *room_id, const char *except_peer,
                                     const char *name, json_t *payload);
/* Cluster mode: the payload (borrowed) to this instance's joined members
 * of the room except `except_peer`, without relaying it further. */
void parley_meeting_outbox_deliver_local(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                         const char *room_id, const char *except_peer,
                                         const char *name, json_t *payload);
/* Pushes everything (ctx->lock NOT held) and empties the box. */
void parley_meeting_outbox_flush(parley_meeting_ctx *ctx, parley_meeting_outbox *box);
/* Queues `data` (stolen) for the event handlers (core->notify_event, from
 * the handle of `peer_id` when it is attached here, else from none); dropped
 * at once when no handler wants plugin events. The plugin's lifecycle
 * events (membership.c, rest.c): {"event": "meeting_created" | "meeting_started"
 * | "meeting_ended" | "participant_joined" | "participant_left", "room", ...}
 * (README "Events for event handlers"). */
void parley_meeting_outbox_notify_new(parley_meeting_ctx *ctx, parley_meeting_outbox *box, const char *peer_id,
                                      json_t *data);
void parley_meeting_outbox_error(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                 const char *peer_id, const char *transaction, const char *error);
/* True when the box holds a meeting-error for a local peer's `transaction`. */
bool parley_meeting_outbox_has_error(const parley_meeting_outbox *box, const char *transaction);

/* ---- membership.c (all with ctx->lock held) ---- */
/* Puts `p` (presence set to joined) in meeting `m` and tells everyone:
 * the joiner gets ice-servers, existing-participants and joined-meeting,
 * the others participant-joined. Starts a waiting meeting. */
void parley_meeting_admit_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting *m,
                                 const parley_meeting_participant *p, const char *transaction);
/* Removes `p` from its meeting; joined: the others get participant-left,
 * waiting: the host gets participant-waiting-cancelled. `reason` (left,
 * disconnected, removed, replaced) goes to the event handlers. */
void parley_meeting_leave_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                 const parley_meeting_participant *p, const char *reason);
/* A joined `target` is muted: its audio flag off (counted as a toggle), it
 * gets muted-by-host, the others participant-audio-changed. */
void parley_meeting_mute_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                const parley_meeting_participant *target);
/* `target` gets removed-from-meeting {roomId, reason: why} and leaves
 * (reason "removed" for the event handlers). */
void parley_meeting_remove_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                  const parley_meeting_participant *target, const char *why);
/* Ends the meeting (status, ended_at, reason saved); everyone in it or
 * waiting gets meeting-ended {roomId, reason} and is removed. 0 or -1. */
int parley_meeting_end_locked(parley_meeting_ctx *ctx, parley_meeting_outbox *box, parley_meeting *m,
                              const char *reason);
/* The joined host's peer id (new string) or NULL. */
char *parley_meeting_host_peer_locked(parley_meeting_ctx *ctx, const parley_meeting *m);
/* Ends every meeting whose TTL is over at `now_ms`; returns how many. */
unsigned parley_meeting_sweep(parley_meeting_ctx *ctx, int64_t now_ms);
/* When the TTL of `m` ends if nothing else happens (0 = never). */
int64_t parley_meeting_expiry(const parley_meeting_ctx *ctx, const parley_meeting *m);

/* ---- views.c ---- */
/* "2024-01-20T09:00:00.000Z" (g_free) or NULL when ms is 0. */
char *parley_meeting_iso8601(int64_t ms);
/* Unix ms of an ISO 8601 date-time with a zone; false when invalid. */
bool parley_meeting_parse_iso8601(const char *text, int64_t *ms);
/* New references. */
json_t *parley_meeting_to_json(const parley_meeting *m);
json_t *parley_meeting_participant_to_json(const parley_meeting_participant *p);
json_t *parley_meeting_participant_detail_to_json(const parley_meeting_participant *p);
json_t *parley_meeting_stats_to_json(const parley_meeting *m, const parley_meeting_stats *s,
                                     unsigned current, unsigned waiting, int64_t now_ms);

/* ---- signaling.c ---- */
/* Handles one request (body borrowed) from the session's handle; answers
 * by events (meeting-error for every refusal). -1 when the session is not
 * attached (any more). */
int parley_meeting_signal(parley_meeting_ctx *ctx, parley_plugin_session *session,
                          const char *transaction, json_t *body);

/* ---- host.c: the host's requests, dispatched from signaling.c ---- */
typedef void (*parley_meeting_request_fn)(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                          parley_meeting_handle *handle, const char *transaction,
                                          json_t *body);
void parley_meeting_host_admit(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                               parley_meeting_handle *handle, const char *transaction, json_t *body);
void parley_meeting_host_reject(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                parley_meeting_handle *handle, const char *transaction, json_t *body);
void parley_meeting_host_end(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                             parley_meeting_handle *handle, const char *transaction, json_t *body);
void parley_meeting_host_mute(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                              parley_meeting_handle *handle, const char *transaction, json_t *body);
void parley_meeting_host_remove(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                parley_meeting_handle *handle, const char *transaction, json_t *body);
/* Shared by signaling.c and host.c: the handle's joined participant in the
 * request's meeting (roomId, when given, must match), or NULL after
 * queueing meeting-error. New copy. */
parley_meeting_participant *parley_meeting_require_member(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                                          parley_meeting_handle *handle,
                                                          const char *transaction, json_t *body);

/* ---- chat_history.c: the meetings' chat, kept through the chat plugin's store ---- */
/* Keeps one chat message of `p` (when [chat] history keeps anything);
 * returns its id, or 0 when not kept (a store failure is logged). */
int64_t parley_meeting_chat_keep(parley_meeting_ctx *ctx, const parley_meeting_participant *p, const char *text,
                                 int64_t now_ms);
/* A page of a meeting's chat, oldest first, as the REST route shows it:
 * {messages: [{id, userId, userName, message, timestamp}], total, limit,
 * hasMore} (new reference), or NULL when the store failed. */
json_t *parley_meeting_chat_page(parley_meeting_ctx *ctx, const char *room_id, int64_t before_id, unsigned limit);

/* ---- admin.c: the admin API's message_plugin requests ---- */
/* Answers one admin request (borrowed): list, info, end, remove, mute
 * (README "Admin (message_plugin)"). Takes ctx->lock itself; a new
 * reference, {"error": {code, message}} for a refusal. */
json_t *parley_meeting_admin(parley_meeting_ctx *ctx, json_t *request);

/* ---- rest.c ---- */
/* Serves one /api/meetings request; always fills `response`. Returns 0. */
int parley_meeting_rest_handle(parley_meeting_ctx *ctx, const parley_http_request *request,
                               parley_http_response *response);

#endif
