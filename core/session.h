/*
 * session.h — client connections, sessions and handles (session.c): their
 * ids, lifetimes (reference counts), limits, the idle watchdog and
 * reclaiming a session after its connection went away.
 *
 * Locking: one mutex (the table lock, in session.c) guards the session
 * table, every session's handle table, connection pointer, destroyed flag
 * and reclaim deadline, every connection's session count, and the
 * settings. It is taken on the signaling path only, never per media
 * packet. Reference counts are atomic. A handle's own lock guards its
 * message queue and its WebRTC state (see parley_handle). Functions
 * returning a session or handle return a new reference the caller drops
 * with the matching _unref.
 */
#ifndef PARLEY_SESSION_H
#define PARLEY_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>
#include <parley/transport.h>
#include "loops.h"

/* One client connection (owned by its transport, see parley/transport.h). */
struct parley_conn {
	const parley_transport *transport;
	void *data;
	void (*free_data)(void *data);
	gint refcount;
	gint closed;       /* set once, atomically, by parley_conn_closed */
	unsigned sessions; /* sessions it owns; under the table lock */
};

typedef struct parley_session {
	uint64_t id;
	gint refcount;
	gint destroyed;           /* set once, under the table lock */
	parley_conn *conn;        /* owning connection (a reference) or NULL; under the table lock */
	gint64 created;           /* monotonic µs */
	gint64 last_activity;     /* monotonic µs; atomic access */
	gint64 reclaim_deadline;  /* monotonic µs when a closed conn's session ends; 0 = none; under the table lock */
	GHashTable *handles;      /* &handle->id → handle (holds a reference); under the table lock */
	bool owned;               /* made for a plugin's own handle (handle_new): no conn, no idle timeout;
	                           * set at creation, constant */
} parley_session;

typedef struct parley_handle {
	parley_plugin_session psession; /* what the plugin sees; core_handle = this */

	/* Who the handle is. Owner: core/session.c, which sets these in
	 * parley_handle_create (loop right after the handle entered its
	 * session's table) and never changes them: read without a lock. The
	 * one exception is `loop`: parley_webrtc_share_loop moves it, under
	 * `lock`, while the handle has no PeerConnection; read it under `lock`
	 * to make a pc, elsewhere with __atomic_load_n. */
	uint64_t id;
	parley_session *session;  /* a reference */
	const parley_plugin *plugin;
	parley_loop *loop;        /* event loop (one slot of parley_loops_pick), or NULL */
	char *loop_group;         /* "<package>/<group>" it joined (owned, under lock; left at detach), or NULL */
	char *opaque_id;          /* or NULL */
	gint64 created;           /* monotonic µs */

	/* Its lifetime. Owner: core/session.c; atomic, no lock (others only
	 * read destroyed). */
	struct {
		gint refcount;
		gint destroyed;   /* set once: parley_handle_destroy, or a plugin refusing the attach */
	} life;

	/* Guards `messages` and `webrtc` below. core/session.c initialises
	 * and clears it with the handle. */
	GMutex lock;

	/* Plugin messages run one at a time per handle, in arrival order.
	 * Owner: core/messages.c; under lock. */
	struct {
		bool running;     /* a worker is running this handle's messages */
		GQueue pending;   /* message jobs waiting behind it (each holds a handle reference) */
	} messages;

	/* The handle's PeerConnection. Owner: core/webrtc.c; under lock.
	 * core/session.c makes the candidates array with the handle and frees
	 * what is left in it with the handle. */
	struct {
		struct parley_pc *pc; /* or NULL; holds a handle reference until it is closed */
		bool active;          /* a pc was made since the last hangup: the next one tells plugin and client */
		json_t *candidates;   /* trickled candidates kept until the pc has the client's description */
		int pc_state;         /* the pc's state as /metrics counts it (webrtc.c's PC_STATE_*), 0 = none */
	} webrtc;
} parley_handle;

/* Why a session ends: decides what its client is told. */
typedef enum parley_session_end {
	PARLEY_SESSION_END_REQUEST,   /* destroy request: handles get "detached" */
	PARLEY_SESSION_END_TIMEOUT,   /* idle: the client gets "timeout" */
	PARLEY_SESSION_END_CONN_GONE, /* the connection closed: nobody to tell */
	PARLEY_SESSION_END_ADMIN,     /* admin destroy_session: "detached" per handle */
	PARLEY_SESSION_END_SHUTDOWN,  /* the server stops: "hangup" + "detached" */
} parley_session_end;

typedef struct parley_session_settings {
	unsigned session_timeout;         /* s, 0 = never */
	unsigned reclaim_session_timeout; /* s, 0 = destroy at once when the conn closes */
	unsigned max_sessions;            /* 0 = unlimited */
	unsigned max_sessions_per_connection;
	unsigned max_handles_per_session;
	unsigned max_candidates_per_handle; /* 0 = unlimited */
} parley_session_settings;

/* Settings (copied); may be called again at any time. */
void parley_sessions_configure(const parley_session_settings *settings);
void parley_sessions_settings(parley_session_settings *out);
void parley_sessions_set_timeout(unsigned seconds);
/* Starts the 1 s watchdog on parley_loops_first(). */
int parley_sessions_start(void);
void parley_sessions_stop(void);
/* One watchdog pass (what the timer runs each second). Returns how many
 * sessions it ended. */
unsigned parley_sessions_watchdog_pass(void);
/* Ends every session (shutdown). */
void parley_sessions_destroy_all(parley_session_end why);

/* Connections. */
parley_conn *parley_conn_new(const parley_transport *transport, void *data, void (*free_data)(void *));
void parley_conn_ref(parley_conn *conn);
void parley_conn_unref(parley_conn *conn);
void parley_conn_closed(parley_conn *conn);
/* Sends `message` (borrowed) through the conn's transport; events
 * (request_ctx NULL) to a closed conn are dropped. */
int parley_conn_send(parley_conn *conn, void *request_ctx, bool admin, json_t *message);

/* Sessions. create returns 0 and a reference in *out, or an API error code
 * (467 id not below 2^53, 468 id in use, 490 limit reached) with a reason.
 * requested_id 0 = random. */
int parley_session_create(parley_conn *conn, uint64_t requested_id, parley_session **out,
                          char *reason, size_t reason_size);
/* A session no connection owns, for a handle a plugin makes itself
 * (the plugin table's handle_new): the idle watchdog leaves it alone; it
 * ends with its handle. 0 and a reference in *out, or 490 (limit). */
int parley_session_create_owned(parley_session **out, char *reason, size_t reason_size);
parley_session *parley_session_find(uint64_t id);
void parley_session_ref(parley_session *session);
void parley_session_unref(parley_session *session);
void parley_session_touch(parley_session *session);
/* The owning conn (a reference) or NULL. */
parley_conn *parley_session_conn(parley_session *session);
/* Sends an event (borrowed) to the session's connection. */
int parley_session_notify(parley_session *session, json_t *event);
void parley_session_destroy(parley_session *session, parley_session_end why);
/* Moves the session to `conn`: 0, 458 when the session is ending, or 490
 * when conn's limit is reached. */
int parley_session_claim(parley_session *session, parley_conn *conn, char *reason, size_t reason_size);
json_t *parley_sessions_list(void);                   /* [ids] (new reference) */
json_t *parley_session_handle_ids(parley_session *s); /* [ids] (new reference) */
unsigned parley_sessions_count(void);
unsigned parley_handles_count(void);

/* Handles. create calls plugin->create_session: 0 and a reference in *out,
 * or 490 (limit) / 461 (plugin refused) / 458 (session ending). */
int parley_handle_create(parley_session *session, const parley_plugin *plugin, const char *opaque_id,
                         parley_handle **out, char *reason, size_t reason_size);
parley_handle *parley_handle_find(parley_session *session, uint64_t id);
parley_handle *parley_handle_from_plugin(parley_plugin_session *psession);
void parley_handle_ref(parley_handle *handle);
void parley_handle_unref(parley_handle *handle);
/* Detaches: ends the handle's media (the hangup below), then
 * plugin->destroy_session, then the "detached" event when `notify`.
 * Returns the plugin's result (0 or its error code); 0 when the handle was
 * already destroyed. */
int parley_handle_destroy(parley_handle *handle, bool notify);

/* How the session layer ends a handle's media: `hangup` closes the
 * handle's PeerConnection, tells the plugin (hangup_media) and the client
 * ("hangup") and returns true when there was one. It runs before a
 * plugin's destroy_session, and for every handle when the server stops.
 * parley_api_start installs core/webrtc.c's parley_webrtc_hangup; until
 * then (unit tests of sessions alone) no handle has media. */
void parley_handles_set_hangup(bool (*hangup)(parley_handle *handle, const char *reason));
/* Installed beside it: once a handle is marked detached (no new pc can
 * start), closes a pc its plugin started during that last hangup (an
 * offer pushed from hangup_media), with no event: nothing else would. */
void parley_handles_set_release(void (*release)(parley_handle *handle));

/* A random id in [1, 2^53) (safe for JavaScript clients). */
uint64_t parley_random_id(void);

#endif
