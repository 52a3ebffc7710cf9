/*
 * plugins/chat/store.h — where chat history and the rooms created through
 * the API with "permanent" live, so that a restart loses neither.
 *
 * The store is an interface (a table of operations) with one
 * implementation today, SQLite (store_sqlite.c); the meeting plugin keeps
 * its meetings' chat through the same interface, under room keys of its
 * own ("meeting/<roomId>"), so both plugins share one history format.
 *
 * Contract of every implementation:
 *  - A room is a text key ("1234" for a chat room, "meeting/<id>" for a
 *    meeting). Message ids are positive, unique across the store and never
 *    reused (a deleted message's id stays dead), and grow with time, so
 *    "before id" pages through a room's history.
 *  - Records are copied in and copied out: append copies what it is
 *    given; page returns new records in a GPtrArray whose free function
 *    is parley_chat_record_free.
 *  - Retention: after each append the room keeps at most `count` messages
 *    (0 = no bound by count) and none older than `max_age_ms` (0 = no
 *    bound by age); trim applies the same to a room at any time. Callers
 *    never append to a room whose retention is {0, 0} (nothing kept).
 *  - Every operation is atomic on its own and may be called from any
 *    thread (the store serializes them itself). The SQLite store writes
 *    on a thread of its own (store_queue.c): append answers before the
 *    message is in the file (its id given at once), and every later
 *    operation sees it; close writes everything still queued.
 *  - A refusal returns a non-zero code and fills a parley_plugin_error:
 *    PARLEY_CHAT_STORE_NOT_FOUND (no such message in that room),
 *    PARLEY_CHAT_STORE_NOT_OWNER (another sender's message), or
 *    PARLEY_CHAT_STORE_FAILED (the database refused; the reason says why).
 */
#ifndef PARLEY_CHAT_STORE_H
#define PARLEY_CHAT_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#define PARLEY_CHAT_STORE_NOT_FOUND 1
#define PARLEY_CHAT_STORE_NOT_OWNER 2
#define PARLEY_CHAT_STORE_FAILED 3

/* What a stored line is. */
typedef enum parley_chat_kind {
	PARLEY_CHAT_KIND_MESSAGE = 0,      /* a participant's public message */
	PARLEY_CHAT_KIND_ANNOUNCEMENT = 1, /* said by the room itself (no sender) */
} parley_chat_kind;

typedef struct parley_chat_record {
	int64_t id;            /* set by append */
	parley_chat_kind kind;
	char *room;
	char *sender;          /* NULL for an announcement */
	char *display;         /* the sender's display name then, or NULL */
	char *text;
	int64_t date_ms;       /* unix ms */
	int64_t edited_ms;     /* last edit, 0 = never edited */
} parley_chat_record;

typedef struct parley_chat_retention {
	unsigned count;        /* the last N messages (0 = no bound by count) */
	int64_t max_age_ms;    /* none older than this (0 = no bound by age) */
} parley_chat_retention;

/* True when a room with this retention keeps anything at all. */
static inline bool parley_chat_retention_keeps(const parley_chat_retention *keep)
{
	return keep->count > 0 || keep->max_age_ms > 0;
}

/* One page of a room's history, oldest first. */
typedef struct parley_chat_page {
	int64_t before_id;     /* only messages with a smaller id (0 = from the newest) */
	unsigned limit;        /* at most this many (the newest of those that qualify) */
	int64_t since_ms;      /* only messages dated at or after this (0 = any) */
} parley_chat_page;

typedef struct parley_chat_store parley_chat_store;

typedef struct parley_chat_store_ops {
	const char *name;
	/* Appends `record` (its id is ignored) and trims its room to `keep`
	 * at `now_ms`; *id gets the new message's id. */
	int (*append)(parley_chat_store *store, const parley_chat_record *record, const parley_chat_retention *keep,
	              int64_t now_ms, int64_t *id, parley_plugin_error *error);
	/* Replaces the text of message `id` of `room`, when `sender` sent it
	 * (NULL: whoever sent it), and sets its edited_ms. */
	int (*edit)(parley_chat_store *store, const char *room, int64_t id, const char *sender, const char *text,
	            int64_t now_ms, parley_plugin_error *error);
	/* Deletes message `id` of `room`, when `sender` sent it (NULL: any). */
	int (*remove)(parley_chat_store *store, const char *room, int64_t id, const char *sender,
	              parley_plugin_error *error);
	/* One page (see parley_chat_page), oldest first; *total (may be NULL)
	 * gets how many messages the room holds. NULL with `error` on failure. */
	GPtrArray *(*page)(parley_chat_store *store, const char *room, const parley_chat_page *page, int64_t *total,
	                   parley_plugin_error *error);
	/* Applies `keep` to `room` at now_ms (`room` NULL: to every room);
	 * returns how many messages went, or -1. */
	int64_t (*trim)(parley_chat_store *store, const char *room, const parley_chat_retention *keep, int64_t now_ms);
	/* Deletes a room's whole history; returns how many messages, or -1. */
	int64_t (*purge)(parley_chat_store *store, const char *room);
	/* Rooms the API made permanent: `settings` (borrowed) is kept under
	 * `room` (replacing what was there); room_delete forgets it; rooms
	 * returns {room: settings} of all of them (a new reference). */
	int (*room_save)(parley_chat_store *store, const char *room, json_t *settings, parley_plugin_error *error);
	int (*room_delete)(parley_chat_store *store, const char *room, parley_plugin_error *error);
	json_t *(*rooms)(parley_chat_store *store);
	void (*close)(parley_chat_store *store);
} parley_chat_store_ops;

struct parley_chat_store {
	const parley_chat_store_ops *ops;
};

/* The SQLite store's writer: changes per transaction, and changes that
 * may wait for it (append beyond: refused). 0 = the default. */
typedef struct parley_chat_store_limits {
	unsigned batch;        /* default 256 */
	unsigned max_pending;  /* default 65536 */
} parley_chat_store_limits;

/* The SQLite store in the file `path` (":memory:" for a private one),
 * made with its schema when new, its writer bounded by `limits` (NULL:
 * the defaults). NULL with `error` filled when it cannot be opened. */
parley_chat_store *parley_chat_store_sqlite_open_limited(const char *path, const parley_chat_store_limits *limits,
                                                         parley_plugin_error *error);
/* The same with the default limits. */
parley_chat_store *parley_chat_store_sqlite_open(const char *path, parley_plugin_error *error);

void parley_chat_record_free(parley_chat_record *record);

#endif
