/*
 * plugins/meeting/store.h — where the meeting plugin keeps its participants:
 * who is in (or waiting to enter) which meeting, on which connection (peer),
 * with which media flags.
 *
 * The store is an interface (a table of operations) so that a Redis-backed
 * store can replace the in-memory one for cluster mode without touching the
 * signaling code. Every implementation follows the same contract:
 *  - Records are copied in and copied out: `add` copies what it is given,
 *    `get`/`get_by_peer`/`list` return new copies that the caller frees with
 *    parley_meeting_participant_free (or by unreffing the GPtrArray, whose
 *    free function is set).
 *  - A user is in at most one place per meeting: adding (room, user) again
 *    replaces the earlier record (and its peer mapping).
 *  - A peer (one client connection) maps to at most one participant record.
 *  - Every operation is atomic on its own; callers that need several steps
 *    to be atomic (check capacity, then add) serialize above the store.
 */
#ifndef PARLEY_MEETING_STORE_H
#define PARLEY_MEETING_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/* Whether a participant is in the meeting or in its waiting room. */
typedef enum parley_meeting_presence {
	PARLEY_MEETING_JOINED = 0,
	PARLEY_MEETING_WAITING = 1,
} parley_meeting_presence;

/* Media flags, as a bit mask for update_flags. */
enum {
	PARLEY_MEETING_FLAG_AUDIO = 1 << 0,
	PARLEY_MEETING_FLAG_VIDEO = 1 << 1,
	PARLEY_MEETING_FLAG_SCREEN = 1 << 2,
};

typedef struct parley_meeting_participant {
	char *room_id;
	char *user_id;
	char *user_name;
	char *user_picture; /* may be NULL */
	char *user_email;   /* may be NULL */
	char *peer_id;      /* the connection this participant is on */
	parley_meeting_presence presence;
	bool audio;
	bool video;
	bool screen;
	int64_t joined_at;  /* unix ms */
} parley_meeting_participant;

typedef struct parley_meeting_store parley_meeting_store;

typedef struct parley_meeting_store_ops {
	const char *name;
	/* Copies `p` in (replacing the same room+user and any record on the
	 * same peer). 0 or -1. */
	int (*add)(parley_meeting_store *store, const parley_meeting_participant *p);
	/* 0 when removed, -1 when absent. */
	int (*remove)(parley_meeting_store *store, const char *room_id, const char *user_id);
	/* A new copy, or NULL. */
	parley_meeting_participant *(*get)(parley_meeting_store *store, const char *room_id,
	                                   const char *user_id);
	/* A new copy of the participant on `peer_id`, or NULL (handle → participant). */
	parley_meeting_participant *(*get_by_peer)(parley_meeting_store *store, const char *peer_id);
	/* New array of copies (oldest join first) with the given presence. */
	GPtrArray *(*list)(parley_meeting_store *store, const char *room_id,
	                   parley_meeting_presence presence);
	/* Sets the flags in `mask` to the values in `values`. 0 or -1 (absent). */
	int (*update_flags)(parley_meeting_store *store, const char *room_id, const char *user_id,
	                    unsigned mask, unsigned values);
	/* Changes presence (waiting → joined on admission). 0 or -1. */
	int (*set_presence)(parley_meeting_store *store, const char *room_id, const char *user_id,
	                    parley_meeting_presence presence);
	unsigned (*count)(parley_meeting_store *store, const char *room_id,
	                  parley_meeting_presence presence);
	/* Removes every record of the meeting; returns how many. */
	unsigned (*clear_room)(parley_meeting_store *store, const char *room_id);
	void (*destroy)(parley_meeting_store *store);
} parley_meeting_store_ops;

struct parley_meeting_store {
	const parley_meeting_store_ops *ops;
};

/* The in-memory implementation (GHashTables under one mutex). */
parley_meeting_store *parley_meeting_store_memory_new(void);

/* Helpers for records. */
parley_meeting_participant *parley_meeting_participant_copy(const parley_meeting_participant *p);
void parley_meeting_participant_free(parley_meeting_participant *p);

#endif
