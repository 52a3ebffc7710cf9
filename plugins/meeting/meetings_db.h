/*
 * plugins/meeting/meetings_db.h — meetings and their analytics, kept in
 * SQLite so a restart loses nothing: the meeting records (title, host,
 * schedule, status, settings, times), who ever joined each meeting (for the
 * per-user listing and the total-participant count) and the counters of
 * each meeting (joins, leaves, peak, chat messages, media toggles).
 *
 * One connection per plugin, WAL mode, prepared statements made once at
 * open, schema created at open. Calls are serialized by the db's own mutex
 * and may come from any thread. Times are unix milliseconds (0 = unset).
 */
#ifndef PARLEY_MEETING_DB_H
#define PARLEY_MEETING_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>

typedef enum parley_meeting_status {
	PARLEY_MEETING_STATUS_WAITING = 0,
	PARLEY_MEETING_STATUS_ACTIVE = 1,
	PARLEY_MEETING_STATUS_ENDED = 2,
} parley_meeting_status;

typedef struct parley_meeting_settings {
	int max_participants;
	bool recording;
	bool chat;
	bool screen_share;
	bool require_approval;
	char **allowed_domains; /* NULL-terminated (g_strfreev), may be NULL = any */
} parley_meeting_settings;

typedef struct parley_meeting {
	char *room_id;
	char *title;
	char *description; /* "" when unset */
	char *host_id;
	char *host_name;
	int64_t scheduled_at;
	int64_t created_at;
	int64_t started_at;
	int64_t ended_at;
	int64_t expires_at; /* when the TTL ends it (0 = not yet armed) */
	parley_meeting_status status;
	char *end_reason;   /* "host", "ttl", ... or NULL */
	parley_meeting_settings settings;
} parley_meeting;

typedef struct parley_meeting_stats {
	int64_t peak_participants;
	int64_t total_participants; /* distinct users who joined */
	int64_t joins;
	int64_t leaves;
	int64_t chat_messages;
	int64_t audio_toggles;
	int64_t video_toggles;
	int64_t screen_toggles;
} parley_meeting_stats;

/* Counters that parley_meeting_db_count_stat bumps. */
typedef enum parley_meeting_stat {
	PARLEY_MEETING_STAT_LEAVE,
	PARLEY_MEETING_STAT_CHAT,
	PARLEY_MEETING_STAT_AUDIO,
	PARLEY_MEETING_STAT_VIDEO,
	PARLEY_MEETING_STAT_SCREEN,
	PARLEY_MEETING_STAT_COUNT_
} parley_meeting_stat;

typedef struct parley_meeting_db parley_meeting_db;

/* Opens (creating file and schema) the database at `path` (":memory:" is
 * accepted), counting as left every participant a previous run counted as
 * joined and never as left (it crashed). NULL on error, with the reason in `error` (may be NULL). */
parley_meeting_db *parley_meeting_db_open(const char *path, char **error);
void parley_meeting_db_close(parley_meeting_db *db);

/* Inserts a new meeting; 0, 1 when room_id is taken, -1 on error. */
int parley_meeting_db_insert(parley_meeting_db *db, const parley_meeting *m);
/* Rewrites the mutable fields (title, description, host name, schedule,
 * status, times, end reason, settings) of an existing meeting. 0 or -1. */
int parley_meeting_db_update(parley_meeting_db *db, const parley_meeting *m);
/* A new record (free with parley_meeting_free) or NULL when unknown. */
parley_meeting *parley_meeting_db_get(parley_meeting_db *db, const char *room_id);
/* Meetings the user hosts or ever joined, newest first; status < 0 = any.
 * New array of records; *total (may be NULL) gets the unpaged count. */
GPtrArray *parley_meeting_db_list_for_user(parley_meeting_db *db, const char *user_id, int status,
                                           int limit, int skip, int64_t *total);
/* Room ids of meetings neither ended nor expired at now_ms, newest first
 * (at most 10000). */
GPtrArray *parley_meeting_db_list_live(parley_meeting_db *db, int64_t now_ms);
/* Room ids of meetings not ended whose expires_at is set and <= now. */
GPtrArray *parley_meeting_db_list_expired(parley_meeting_db *db, int64_t now_ms);

/* Records a join of `user_id` with `current` participants now present. */
int parley_meeting_db_count_join(parley_meeting_db *db, const char *room_id, const char *user_id,
                                 int64_t current, int64_t now_ms);
int parley_meeting_db_count_stat(parley_meeting_db *db, const char *room_id, parley_meeting_stat stat);
/* 0 and *out filled (zeros when the meeting has no counters yet), or -1. */
int parley_meeting_db_get_stats(parley_meeting_db *db, const char *room_id, parley_meeting_stats *out);

void parley_meeting_free(parley_meeting *m);
parley_meeting *parley_meeting_copy(const parley_meeting *m);
const char *parley_meeting_status_name(parley_meeting_status status);
/* -1 when `name` is not a status. */
int parley_meeting_status_parse(const char *name);

/* Settings <-> JSON ({"maxParticipants":..,"isRecordingEnabled":..,...}).
 * to_json returns a new reference. */
json_t *parley_meeting_settings_to_json(const parley_meeting_settings *s);
void parley_meeting_settings_clear(parley_meeting_settings *s);
void parley_meeting_settings_copy(parley_meeting_settings *dst, const parley_meeting_settings *src);

#endif
