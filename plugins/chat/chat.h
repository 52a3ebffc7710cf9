/*
 * plugins/chat/chat.h — the chat plugin's shared state and the interfaces
 * between its files: the configuration, the context (core table, store,
 * rooms, attached handles), rooms and participants, the outbox that
 * carries deliveries out of the lock, the request being served and the
 * request table.
 *
 * The plugin speaks Janus TextRoom's protocol (the same requests, events,
 * replies and error codes) over three paths: a data channel the plugin
 * offers ("setup"), Janus API message bodies, and (through the WebSocket
 * transport's Socket.IO mapping) Socket.IO events. A participant gets its
 * room's events on the path its join came by.
 *
 * Locking: ctx->lock guards rooms, participants and handles; every
 * request runs whole under it. Deliveries (data channel messages, Janus
 * events, event-handler notices) are queued into an outbox while it is
 * held and handed to the core only after it is released: the plugin never
 * calls the core with its lock held. The store has its own lock (taken
 * under ctx->lock, never the other way round).
 */
#ifndef PARLEY_CHAT_H
#define PARLEY_CHAT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "ratelimit.h"
#include "store.h"

#define PARLEY_CHAT_PACKAGE "parley.plugin.chat"

/* Error codes: 411..423 and 499 are Janus TextRoom's (same numbers, same
 * meaning); 424..427 are this plugin's, for what TextRoom does not do. */
enum parley_chat_error {
	PARLEY_CHAT_ERROR_NO_MESSAGE = 411,
	PARLEY_CHAT_ERROR_INVALID_JSON = 412,
	PARLEY_CHAT_ERROR_MISSING_ELEMENT = 413,
	PARLEY_CHAT_ERROR_INVALID_ELEMENT = 414,
	PARLEY_CHAT_ERROR_INVALID_REQUEST = 415,
	PARLEY_CHAT_ERROR_ALREADY_SETUP = 416,
	PARLEY_CHAT_ERROR_NO_SUCH_ROOM = 417,
	PARLEY_CHAT_ERROR_ROOM_EXISTS = 418,
	PARLEY_CHAT_ERROR_UNAUTHORIZED = 419,
	PARLEY_CHAT_ERROR_USERNAME_EXISTS = 420,
	PARLEY_CHAT_ERROR_ALREADY_IN_ROOM = 421,
	PARLEY_CHAT_ERROR_NOT_IN_ROOM = 422,
	PARLEY_CHAT_ERROR_NO_SUCH_USER = 423,
	PARLEY_CHAT_ERROR_RATE_LIMITED = 424,   /* over [limits] message_rate / message_burst */
	PARLEY_CHAT_ERROR_TOO_LARGE = 425,      /* a text, name or request over its size limit */
	PARLEY_CHAT_ERROR_NO_SUCH_MESSAGE = 426, /* edit/delete of a message the history does not hold */
	PARLEY_CHAT_ERROR_LIMIT = 427,          /* too many rooms, participants or rooms per handle */
	PARLEY_CHAT_ERROR_UNKNOWN = 499,
};

/* Keeps the reason of `error` (another layer's refusal, e.g. the store's)
 * under this plugin's `code`; returns `code`. */
static inline int parley_chat_error_recode(parley_plugin_error *error, int code)
{
	error->code = code;
	return code;
}

/* The path a request came by, and so the one its answers and (for a join)
 * the participant's events take. */
typedef enum parley_chat_via {
	PARLEY_CHAT_VIA_DATA = 0,  /* a data channel message; answers on the same channel */
	PARLEY_CHAT_VIA_API = 1,   /* a Janus API message body (also Socket.IO); events by push_event */
	PARLEY_CHAT_VIA_ADMIN = 2, /* the admin API's message_plugin: no handle, room secrets not asked */
} parley_chat_via;

typedef struct parley_chat_config {
	char *admin_key;              /* [general] admin_key: create needs it (NULL = anyone creates) */
	bool notify_events;           /* [general] notify_events */
	bool implicit_rooms;          /* [general] implicit_rooms: a join creates an unknown room */
	char *db_path;                /* [general] db_path or <state_dir>/chat.db */
	parley_chat_retention history;/* [history] count, max_age: rooms that set none */
	unsigned history_limit;       /* [history] limit: the largest count a room may keep */
	unsigned purge_interval;      /* [history] purge_interval, seconds (age trimming of all rooms) */
	parley_chat_store_limits store; /* [history] write_batch, write_queue: the store's writer */
	unsigned max_rooms;           /* [limits] */
	unsigned max_participants;    /* per room */
	unsigned max_rooms_per_handle;
	size_t max_text;              /* [limits] max_message_size: bytes of a message's text */
	size_t max_request;           /* [limits] max_request_size: bytes of a data channel request */
	size_t max_name;              /* [limits] max_name_size: usernames, displays, descriptions, secrets */
	unsigned rate;                /* [limits] message_rate: messages per second per participant (0 = off) */
	unsigned burst;               /* [limits] message_burst */
	unsigned history_page;        /* [limits] history_page: most messages one history answer holds */
	unsigned send_batch;          /* [limits] send_batch: data channel messages sent to a handle per loop iteration */
	unsigned send_queue;          /* [limits] send_queue: messages waiting for one handle's data channel */
	size_t send_queue_bytes;      /* [limits] send_queue_bytes: their bytes */
	json_t *rooms;                /* [general] rooms and their [room-<id>] sections: {id: settings} */
} parley_chat_config;

typedef enum parley_chat_origin {
	PARLEY_CHAT_ORIGIN_CONFIG = 0,   /* the configuration file */
	PARLEY_CHAT_ORIGIN_API = 1,      /* create (permanent ones come back from the store) */
	PARLEY_CHAT_ORIGIN_IMPLICIT = 2, /* a join to an unknown room; gone when empty (its history stays) */
} parley_chat_origin;

typedef struct parley_chat_room {
	guint64 id;
	char key[24];             /* the id in decimal: the store's room key */
	char *description;
	char *secret;             /* NULL = none */
	char *pin;                /* NULL = none */
	bool is_private;
	bool permanent;           /* kept in the store */
	parley_chat_origin origin;
	parley_chat_retention keep;
	bool check_tokens;
	GHashTable *allowed;      /* token set */
	GHashTable *banned;       /* username set */
	GHashTable *muted;        /* username set */
	GHashTable *participants; /* username (the participant's) → participant (owned) */
	guint64 messages;         /* public messages since the room was made */
} parley_chat_room;

struct parley_chat_handle;

/* ---- pump.c: the data channel messages waiting for one handle ---- */
typedef struct parley_chat_pump parley_chat_pump;
/* A pump for `session` (a reference taken until the last unref). */
parley_chat_pump *parley_chat_pump_new(const parley_plugin_core *core, parley_plugin_session *session,
                                       const parley_chat_config *cfg);
parley_chat_pump *parley_chat_pump_ref(parley_chat_pump *pump);
void parley_chat_pump_unref(parley_chat_pump *pump);
/* One message (`text` referenced, `label` copied; NULL: the oldest open
 * channel). `on_loop`: the caller runs on the handle's loop (it may send
 * at once when nothing waits); `queue_first`: never at once (a history
 * replay, sent in slices). Any thread; never with the pump's lock held. */
void parley_chat_pump_send(parley_chat_pump *pump, const char *label, GBytes *text, bool on_loop, bool queue_first);
/* data_ready said WRITABLE (on the handle's loop): sending goes on. */
void parley_chat_pump_resume(parley_chat_pump *pump);
/* The channels are gone: what waits is dropped, nothing more is taken
 * until reopen (a new setup). */
void parley_chat_pump_close(parley_chat_pump *pump);
void parley_chat_pump_reopen(parley_chat_pump *pump);
/* {queued, queued_bytes, sent, dropped, busy, blocked} (new reference). */
json_t *parley_chat_pump_info(parley_chat_pump *pump);

typedef struct parley_chat_participant {
	struct parley_chat_handle *handle;
	parley_chat_room *room;
	char *username;
	char *display;            /* NULL = none */
	parley_chat_via via;      /* how its events go */
	parley_chat_bucket bucket;
} parley_chat_participant;

/* One attached client (one Janus handle, one Socket.IO connection). */
typedef struct parley_chat_handle {
	parley_plugin_session *session;
	GHashTable *rooms;        /* &room->id → participant (borrowed: the room owns it) */
	bool setup;               /* our offer went out */
	bool writable;            /* the data channels carry messages (data_ready) */
	parley_chat_pump *pump;   /* what waits for its data channels (a reference) */
	guint64 sdp_session;
	guint64 sdp_version;
	guint64 requests;         /* counters for handle_info */
} parley_chat_handle;

typedef struct parley_chat_ctx {
	const parley_plugin_core *core;
	const parley_plugin *plugin;
	parley_chat_config cfg;
	parley_chat_store *store;
	GMutex lock;
	GHashTable *rooms;        /* &room->id → room (owned) */
	GHashTable *handles;      /* session → handle (owned) */
	int64_t (*now_ms)(void);  /* the clock (replaceable in tests) */
	guint64 messages;         /* public messages and whispers since start */
	guint64 refused;          /* requests refused since start */
} parley_chat_ctx;

/* ---- config.c ---- */
/* Reads every setting through core->config_get (missing = defaults, bad
 * values warned and defaulted); rooms of the file into cfg->rooms. */
void parley_chat_config_load(parley_chat_config *cfg, const parley_plugin_core *core);
void parley_chat_config_clear(parley_chat_config *cfg);

/* ---- context.c ---- */
/* A context over `cfg` (taken: cleared by ctx_free) with the store opened
 * at cfg->db_path and the rooms of the file and of the store. NULL with
 * `error` when the store cannot be opened. */
parley_chat_ctx *parley_chat_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin,
                                     parley_chat_config *cfg, parley_plugin_error *error);
void parley_chat_ctx_free(parley_chat_ctx *ctx);
parley_chat_handle *parley_chat_handle_attach(parley_chat_ctx *ctx, parley_plugin_session *session);
/* Leaves every room (others get "leave"), then forgets the handle. -1 when unknown. */
int parley_chat_handle_detach(parley_chat_ctx *ctx, parley_plugin_session *session);
/* The handle's data channels are gone: it leaves the rooms it joined over
 * them and may set up again. */
void parley_chat_handle_hangup(parley_chat_ctx *ctx, parley_plugin_session *session);
/* data_ready said WRITABLE (on the handle's loop): the association is up,
 * or the send buffer has room again. */
void parley_chat_handle_writable(parley_chat_ctx *ctx, parley_plugin_session *session);
/* Admin handle_info of the session (new reference) or NULL. */
json_t *parley_chat_handle_query(parley_chat_ctx *ctx, parley_plugin_session *session);
/* {"chatRooms", "chatParticipants", "chatMessages"} for /health (new reference). */
json_t *parley_chat_status(parley_chat_ctx *ctx);
/* Age trimming of every room's history (the purge timer). */
void parley_chat_purge_old(parley_chat_ctx *ctx);
int64_t parley_chat_clock_now(void);

/* ---- outbox.c ---- */
typedef struct parley_chat_outbox {
	GArray *items;            /* outbox items (outbox.c) */
	GPtrArray *payloads;      /* shared payloads: one JSON text for every copy of a broadcast */
	const parley_chat_handle *loop_handle; /* flushed on this handle's loop (a data channel request), or NULL */
	bool paced;               /* data channel items queued now are sent in slices (a history replay) */
} parley_chat_outbox;

void parley_chat_outbox_init(parley_chat_outbox *box);
/* `payload` (borrowed) to `handle` by `via` (DATA: on channel `label`,
 * NULL = its oldest open channel; API: a Janus event with `transaction`,
 * NULL for an unsolicited one). Lock held. */
void parley_chat_outbox_send(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_handle *handle,
                             parley_chat_via via, const char *label, const char *transaction, json_t *payload);
/* `payload` to one participant, by the path of its join. */
void parley_chat_outbox_to(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_participant *p,
                           json_t *payload);
/* `payload` to every participant of `room` but `except` (may be NULL). */
void parley_chat_outbox_broadcast(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_room *room,
                                  parley_chat_participant *except, json_t *payload);
/* An event-handler notice {"event": name, "room", ...fields} (`fields`
 * stolen, may be NULL) about `handle` (may be NULL), when enabled. */
void parley_chat_outbox_notify(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_handle *handle,
                               const char *name, parley_chat_room *room, json_t *fields);
/* Hands everything to the core (lock NOT held) and empties the box. */
void parley_chat_outbox_flush(parley_chat_ctx *ctx, parley_chat_outbox *box);
void parley_chat_outbox_clear(parley_chat_outbox *box);

/* ---- rooms.c (lock held) ---- */
parley_chat_room *parley_chat_room_find(parley_chat_ctx *ctx, guint64 id);
/* A room from `settings` (borrowed: description, secret, pin, is_private,
 * history, history_max_age, allowed), not yet in the table. NULL with
 * `error` when a setting is refused. */
parley_chat_room *parley_chat_room_new(parley_chat_ctx *ctx, guint64 id, json_t *settings, parley_chat_origin origin,
                                       parley_plugin_error *error);
void parley_chat_room_add(parley_chat_ctx *ctx, parley_chat_room *room);
/* Takes `room` out of the table and frees it; its participants are
 * dropped from their handles (no events: the caller sends them). */
void parley_chat_room_remove(parley_chat_ctx *ctx, parley_chat_room *room);
/* Changes `room` to `settings` (borrowed, the shape room_new reads, with
 * every setting: unset ones are cleared), or refuses them with `error`
 * and leaves the room as it was. */
int parley_chat_room_update(parley_chat_ctx *ctx, parley_chat_room *room, json_t *settings,
                            parley_plugin_error *error);
/* The room's settings as the store keeps them (new reference). */
json_t *parley_chat_room_settings(const parley_chat_room *room);
/* Keeps the room's settings in the store (it is permanent from now on):
 * 0, or 499 with `error`. */
int parley_chat_room_save(parley_chat_ctx *ctx, parley_chat_room *room, parley_plugin_error *error);
/* The sorted members of a set of strings (new reference). */
json_t *parley_chat_set_list(GHashTable *set);
/* An unused random id (1..2^53). */
guint64 parley_chat_room_new_id(parley_chat_ctx *ctx);
/* Takes `p` out of its room and its handle and frees it; an implicit
 * room left empty goes too (unless it holds bans or mutes): the caller
 * uses `p->room` no more. */
void parley_chat_participant_remove(parley_chat_ctx *ctx, parley_chat_participant *p);
/* The participant of `handle` in `room`, or NULL. */
parley_chat_participant *parley_chat_participant_of(parley_chat_handle *handle, parley_chat_room *room);

/* ---- views.c ---- */
/* Janus TextRoom's date: "2024-01-20T09:00:00+0000" (UTC) into `out`. */
void parley_chat_date(int64_t ms, char out[32]);
/* A stored line as the event a client gets (new reference): "message"
 * {room, id, from, display, date, text, edited} or "announcement". */
json_t *parley_chat_record_event(guint64 room, const parley_chat_record *record);
/* {"username", "display"?} (new reference). */
json_t *parley_chat_participant_view(const parley_chat_participant *p);
/* A room as "list" shows it (new reference). */
json_t *parley_chat_room_view(const parley_chat_room *room);

/* ---- request.c: one request, whatever its path ---- */
typedef struct parley_chat_request {
	parley_chat_ctx *ctx;
	parley_chat_handle *handle;  /* NULL for the admin API */
	parley_chat_via via;
	const char *label;           /* DATA: the channel it came on */
	const char *transaction;     /* DATA: the body's; API: the envelope's (may be NULL) */
	json_t *body;                /* borrowed */
	const char *name;            /* the request's name */
	int64_t now_ms;
	parley_chat_outbox box;
	json_t *reply;               /* new reference: the answer (NULL: {"textroom": "success"}) */
	bool silent;                 /* no answer at all (a message with "ack": false) */
	parley_plugin_error error;
} parley_chat_request;

/* One request's handler, with ctx->lock held: 0 (req->reply set, or left
 * NULL for "success" alone) or a refusal code with req->error filled. */
typedef int (*parley_chat_request_fn)(parley_chat_request *req);

/* Runs `body` (borrowed) from the handle of `session` (NULL: the admin
 * API) that came by `via`. DATA: the answer goes back on `label` (after
 * the events the request caused) and NULL is returned; API and ADMIN: the
 * answer is returned (a new reference), events went out before it. */
json_t *parley_chat_request_run(parley_chat_ctx *ctx, parley_plugin_session *session, parley_chat_via via,
                                const char *label, const char *transaction, json_t *body);
/* A data channel message (text, `size` bytes, not NUL-terminated) from
 * `session`: parsed, run, answered on `label`. */
void parley_chat_request_data(parley_chat_ctx *ctx, parley_plugin_session *session, const char *label,
                              const char *text, size_t size, bool binary);
/* {"textroom": "error", "error_code", "error"} (new reference). */
json_t *parley_chat_error_reply(int code, const char *reason);

/* ---- params.c: the declarative checks of a request's members ---- */
typedef enum parley_chat_param_type {
	PARLEY_CHAT_PARAM_STRING,
	PARLEY_CHAT_PARAM_POSITIVE,   /* an integer > 0 (room ids, message ids) */
	PARLEY_CHAT_PARAM_COUNT,      /* an integer >= 0 */
	PARLEY_CHAT_PARAM_BOOL,
	PARLEY_CHAT_PARAM_STRINGS,    /* an array of strings */
} parley_chat_param_type;

enum {
	PARLEY_CHAT_PARAM_REQUIRED = 1 << 0,
	PARLEY_CHAT_PARAM_NAME = 1 << 1,     /* at most [limits] max_name_size bytes, not empty */
	PARLEY_CHAT_PARAM_TEXT = 1 << 2,     /* at most [limits] max_message_size bytes */
	PARLEY_CHAT_PARAM_SHORT = 1 << 3,    /* at most [limits] max_name_size bytes (secrets, pins, tokens) */
};

typedef struct parley_chat_param {
	const char *name;
	parley_chat_param_type type;
	unsigned flags;
} parley_chat_param;

/* Checks the members of `body` that `params` (n of them) names: 0, or 413
 * (missing), 414 (wrong type or empty), 425 (too large) with `error`. */
int parley_chat_params_check(const parley_chat_config *cfg, json_t *body, const parley_chat_param *params, size_t n,
                             parley_plugin_error *error);

/* ---- requests_rooms.c, requests_members.c, requests_moderation.c ---- */
typedef struct parley_chat_request_def {
	const char *name;
	parley_chat_request_fn run;
	const parley_chat_param *params;
	size_t n_params;
	unsigned paths;               /* bit (1 << via) for each path that may send it */
} parley_chat_request_def;

#define PARLEY_CHAT_PATHS_ALL ((1u << PARLEY_CHAT_VIA_DATA) | (1u << PARLEY_CHAT_VIA_API) | (1u << PARLEY_CHAT_VIA_ADMIN))
#define PARLEY_CHAT_PATHS_CLIENT ((1u << PARLEY_CHAT_VIA_DATA) | (1u << PARLEY_CHAT_VIA_API))

extern const parley_chat_request_def parley_chat_room_requests[];
extern const size_t parley_chat_room_requests_count;
extern const parley_chat_request_def parley_chat_member_requests[];
extern const size_t parley_chat_member_requests_count;
extern const parley_chat_request_def parley_chat_moderation_requests[];
extern const size_t parley_chat_moderation_requests_count;

/* Shared by the request files (lock held): the room the request names
 * (417 when none, with the error set); the room's secret checked
 * (413/414/419; the admin API is not asked); the requester's participant
 * in the room (422 when not in it). */
parley_chat_room *parley_chat_request_room(parley_chat_request *req);
int parley_chat_request_secret(parley_chat_request *req, parley_chat_room *room);
/* A password the request must carry in `member` when `expected` is set:
 * 0, or 413 (missing), 414 (not a string), 419 (wrong). */
int parley_chat_request_check(parley_chat_request *req, const char *expected, const char *member);
/* The plugin's admin_key, when configured (create, list of private rooms). */
int parley_chat_request_admin_key(parley_chat_request *req);
parley_chat_participant *parley_chat_request_member(parley_chat_request *req, parley_chat_room *room);
/* A reply {"textroom": "success"} (new reference). */
json_t *parley_chat_success(void);
/* Constant-time comparison of a provided secret with the expected one. */
bool parley_chat_secret_equal(const char *expected, const char *given);

/* ---- negotiate.c: setup / ack / restart over the Janus API ---- */
/* Handles one of them (they answer "ack" and an event later): true when
 * `name` is one of them and `result` was filled. */
bool parley_chat_negotiate(parley_chat_ctx *ctx, parley_plugin_session *session, const char *name,
                           const char *transaction, json_t *jsep, parley_plugin_result *result);

#endif
