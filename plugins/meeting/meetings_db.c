/*
 * plugins/meeting/meetings_db.c — the SQLite side of the meeting plugin:
 * schema, prepared statements and the row <-> parley_meeting mapping for
 * meetings, the users who joined them and their analytics counters.
 */
#include <limits.h>
#include <string.h>
#include <sqlite3.h>

#include "meetings_db.h"
#include "rules.h"

static const char *const schema_sql =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS meetings ("
	" room_id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	" host_id TEXT NOT NULL, host_name TEXT NOT NULL, scheduled_at INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, started_at INTEGER NOT NULL DEFAULT 0,"
	" ended_at INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL DEFAULT 0,"
	" status INTEGER NOT NULL, end_reason TEXT, settings TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS meetings_host ON meetings(host_id, created_at);"
	"CREATE INDEX IF NOT EXISTS meetings_expiry ON meetings(status, expires_at);"
	"CREATE TABLE IF NOT EXISTS meeting_users ("
	" room_id TEXT NOT NULL REFERENCES meetings(room_id) ON DELETE CASCADE,"
	" user_id TEXT NOT NULL, first_joined_at INTEGER NOT NULL,"
	" PRIMARY KEY (room_id, user_id));"
	"CREATE INDEX IF NOT EXISTS meeting_users_user ON meeting_users(user_id);"
	"CREATE TABLE IF NOT EXISTS meeting_stats ("
	" room_id TEXT PRIMARY KEY REFERENCES meetings(room_id) ON DELETE CASCADE,"
	" peak INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0,"
	" joins INTEGER NOT NULL DEFAULT 0, leaves INTEGER NOT NULL DEFAULT 0,"
	" chat INTEGER NOT NULL DEFAULT 0, audio INTEGER NOT NULL DEFAULT 0,"
	" video INTEGER NOT NULL DEFAULT 0, screen INTEGER NOT NULL DEFAULT 0);";

#define MEETING_COLUMNS "room_id, title, description, host_id, host_name, scheduled_at, created_at," \
	" started_at, ended_at, expires_at, status, end_reason, settings"

/* The prepared statements, by job. */
enum {
	Q_INSERT, Q_UPDATE, Q_GET, Q_LIST_USER, Q_COUNT_USER, Q_EXPIRED, Q_LIVE,
	Q_STATS_ENSURE, Q_USER_SEEN, Q_JOIN, Q_LEAVE, Q_CHAT, Q_AUDIO, Q_VIDEO, Q_SCREEN, Q_STATS_GET,
	Q_COUNT_
};

static const char *const statement_sql[Q_COUNT_] = {
	[Q_INSERT] = "INSERT INTO meetings (" MEETING_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
	[Q_UPDATE] = "UPDATE meetings SET title=?2, description=?3, host_name=?5, scheduled_at=?6,"
		" started_at=?8, ended_at=?9, expires_at=?10, status=?11, end_reason=?12, settings=?13"
		" WHERE room_id=?1 AND host_id=?4",
	[Q_GET] = "SELECT " MEETING_COLUMNS " FROM meetings WHERE room_id=?1",
	[Q_LIST_USER] = "SELECT " MEETING_COLUMNS " FROM meetings WHERE (host_id=?1 OR room_id IN"
		" (SELECT room_id FROM meeting_users WHERE user_id=?1)) AND (?2 < 0 OR status=?2)"
		" ORDER BY created_at DESC, room_id LIMIT ?3 OFFSET ?4",
	[Q_COUNT_USER] = "SELECT COUNT(*) FROM meetings WHERE (host_id=?1 OR room_id IN"
		" (SELECT room_id FROM meeting_users WHERE user_id=?1)) AND (?2 < 0 OR status=?2)",
	[Q_EXPIRED] = "SELECT room_id FROM meetings WHERE status<>2 AND expires_at>0 AND expires_at<=?1"
		" ORDER BY expires_at LIMIT 1000",
	[Q_LIVE] = "SELECT room_id FROM meetings WHERE status<>2 AND (expires_at=0 OR expires_at>?1)"
		" ORDER BY created_at DESC LIMIT 10000",
	[Q_STATS_ENSURE] = "INSERT OR IGNORE INTO meeting_stats (room_id) VALUES (?1)",
	[Q_USER_SEEN] = "INSERT OR IGNORE INTO meeting_users (room_id, user_id, first_joined_at) VALUES (?1,?2,?3)",
	[Q_JOIN] = "UPDATE meeting_stats SET joins=joins+1, total=total+?2, peak=MAX(peak, ?3) WHERE room_id=?1",
	[Q_LEAVE] = "UPDATE meeting_stats SET leaves=leaves+1 WHERE room_id=?1",
	[Q_CHAT] = "UPDATE meeting_stats SET chat=chat+1 WHERE room_id=?1",
	[Q_AUDIO] = "UPDATE meeting_stats SET audio=audio+1 WHERE room_id=?1",
	[Q_VIDEO] = "UPDATE meeting_stats SET video=video+1 WHERE room_id=?1",
	[Q_SCREEN] = "UPDATE meeting_stats SET screen=screen+1 WHERE room_id=?1",
	[Q_STATS_GET] = "SELECT peak, total, joins, leaves, chat, audio, video, screen FROM meeting_stats WHERE room_id=?1",
};

/* Which statement bumps which counter. */
static const int stat_statement[PARLEY_MEETING_STAT_COUNT_] = {
	[PARLEY_MEETING_STAT_LEAVE] = Q_LEAVE,
	[PARLEY_MEETING_STAT_CHAT] = Q_CHAT,
	[PARLEY_MEETING_STAT_AUDIO] = Q_AUDIO,
	[PARLEY_MEETING_STAT_VIDEO] = Q_VIDEO,
	[PARLEY_MEETING_STAT_SCREEN] = Q_SCREEN,
};

struct parley_meeting_db {
	sqlite3 *sql;
	sqlite3_stmt *stmt[Q_COUNT_];
	GMutex lock;
};

static const char *const status_names[] = {
	[PARLEY_MEETING_STATUS_WAITING] = "waiting",
	[PARLEY_MEETING_STATUS_ACTIVE] = "active",
	[PARLEY_MEETING_STATUS_ENDED] = "ended",
};

const char *parley_meeting_status_name(parley_meeting_status status)
{
	if ((unsigned)status >= G_N_ELEMENTS(status_names))
		return "unknown";
	return status_names[status];
}

int parley_meeting_status_parse(const char *name)
{
	for (unsigned i = 0; name != NULL && i < G_N_ELEMENTS(status_names); i++)
		if (strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}

void parley_meeting_settings_clear(parley_meeting_settings *s)
{
	g_strfreev(s->allowed_domains);
	s->allowed_domains = NULL;
}

void parley_meeting_settings_copy(parley_meeting_settings *dst, const parley_meeting_settings *src)
{
	*dst = *src;
	dst->allowed_domains = g_strdupv(src->allowed_domains);
}

json_t *parley_meeting_settings_to_json(const parley_meeting_settings *s)
{
	json_t *domains = json_array(); /* new; stolen by the object below */
	for (char **d = s->allowed_domains; d != NULL && *d != NULL; d++)
		json_array_append_new(domains, json_string(*d));
	/* new reference, returned to the caller */
	return json_pack("{s:i, s:b, s:b, s:b, s:b, s:o}",
	                 "maxParticipants", s->max_participants,
	                 "isRecordingEnabled", s->recording,
	                 "isChatEnabled", s->chat,
	                 "isScreenShareEnabled", s->screen_share,
	                 "requireApproval", s->require_approval,
	                 "allowedDomains", domains);
}

void parley_meeting_free(parley_meeting *m)
{
	if (m == NULL)
		return;
	g_free(m->room_id);
	g_free(m->title);
	g_free(m->description);
	g_free(m->host_id);
	g_free(m->host_name);
	g_free(m->end_reason);
	parley_meeting_settings_clear(&m->settings);
	g_free(m);
}

parley_meeting *parley_meeting_copy(const parley_meeting *m)
{
	parley_meeting *c = g_new0(parley_meeting, 1);
	*c = *m;
	c->room_id = g_strdup(m->room_id);
	c->title = g_strdup(m->title);
	c->description = g_strdup(m->description);
	c->host_id = g_strdup(m->host_id);
	c->host_name = g_strdup(m->host_name);
	c->end_reason = g_strdup(m->end_reason);
	parley_meeting_settings_copy(&c->settings, &m->settings);
	return c;
}

parley_meeting_db *parley_meeting_db_open(const char *path, char **error)
{
	parley_meeting_db *db = g_new0(parley_meeting_db, 1);
	char *msg = NULL;
	g_mutex_init(&db->lock);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db->sql, 2000);
	if (sqlite3_exec(db->sql, schema_sql, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Nobody is in a meeting of this instance while it starts: those the
	 * database still counts as present (joined, never left: the last run
	 * ended by a crash) have left. */
	if (sqlite3_exec(db->sql, "UPDATE meeting_stats SET leaves=joins WHERE leaves<joins", NULL, NULL, &msg) !=
	    SQLITE_OK)
		goto fail;
	for (int i = 0; i < Q_COUNT_; i++)
		if (sqlite3_prepare_v3(db->sql, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &db->stmt[i], NULL) != SQLITE_OK)
			goto fail;
	return db;
fail:
	if (error != NULL)
		*error = g_strdup_printf("%s: %s", path, msg != NULL ? msg :
		                         db->sql != NULL ? sqlite3_errmsg(db->sql) : "cannot open");
	sqlite3_free(msg);
	parley_meeting_db_close(db);
	return NULL;
}

void parley_meeting_db_close(parley_meeting_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < Q_COUNT_; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->sql);
	g_mutex_clear(&db->lock);
	g_free(db);
}

/* Takes the statement for use (lock held by the caller). */
static sqlite3_stmt *statement(parley_meeting_db *db, int which)
{
	sqlite3_stmt *s = db->stmt[which];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static void bind_meeting(sqlite3_stmt *s, const parley_meeting *m)
{
	json_t *settings = parley_meeting_settings_to_json(&m->settings); /* new, dropped below */
	char *text = json_dumps(settings, JSON_COMPACT);
	json_decref(settings);
	sqlite3_bind_text(s, 1, m->room_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, m->title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, m->description != NULL ? m->description : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, m->host_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, m->host_name != NULL ? m->host_name : m->host_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, m->scheduled_at);
	sqlite3_bind_int64(s, 7, m->created_at);
	sqlite3_bind_int64(s, 8, m->started_at);
	sqlite3_bind_int64(s, 9, m->ended_at);
	sqlite3_bind_int64(s, 10, m->expires_at);
	sqlite3_bind_int(s, 11, m->status);
	if (m->end_reason != NULL)
		sqlite3_bind_text(s, 12, m->end_reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 13, text != NULL ? text : "{}", -1, SQLITE_TRANSIENT);
	free(text);
}

static char *column_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t != NULL ? g_strdup((const char *)t) : NULL;
}

static parley_meeting *row_to_meeting(sqlite3_stmt *s)
{
	parley_meeting *m = g_new0(parley_meeting, 1);
	m->room_id = column_text(s, 0);
	m->title = column_text(s, 1);
	m->description = column_text(s, 2);
	m->host_id = column_text(s, 3);
	m->host_name = column_text(s, 4);
	m->scheduled_at = sqlite3_column_int64(s, 5);
	m->created_at = sqlite3_column_int64(s, 6);
	m->started_at = sqlite3_column_int64(s, 7);
	m->ended_at = sqlite3_column_int64(s, 8);
	m->expires_at = sqlite3_column_int64(s, 9);
	m->status = (parley_meeting_status)sqlite3_column_int(s, 10);
	m->end_reason = column_text(s, 11);
	parley_meeting_rules_default_settings(&m->settings, 0);
	const char *text = (const char *)sqlite3_column_text(s, 12);
	json_t *settings = text != NULL ? json_loads(text, 0, NULL) : NULL; /* new, dropped below */
	if (settings != NULL)
		parley_meeting_rules_apply_settings(&m->settings, settings, INT_MAX, NULL);
	json_decref(settings);
	return m;
}

/* Statement `which` with the room id as its first parameter (lock held). */
static sqlite3_stmt *room_statement(parley_meeting_db *db, int which, const char *room_id)
{
	sqlite3_stmt *s = statement(db, which);
	sqlite3_bind_text(s, 1, room_id, -1, SQLITE_TRANSIENT);
	return s;
}

/* Runs a one-row-id statement to completion (lock held). */
static int run_for_room(parley_meeting_db *db, int which, const char *room_id)
{
	sqlite3_stmt *s = room_statement(db, which, room_id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int parley_meeting_db_insert(parley_meeting_db *db, const parley_meeting *m)
{
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = statement(db, Q_INSERT);
	bind_meeting(s, m);
	int rc = sqlite3_step(s);
	int result = rc == SQLITE_DONE ? 0 : rc == SQLITE_CONSTRAINT ? 1 : -1;
	sqlite3_reset(s);
	if (result == 0)
		result = run_for_room(db, Q_STATS_ENSURE, m->room_id);
	g_mutex_unlock(&db->lock);
	return result;
}

int parley_meeting_db_update(parley_meeting_db *db, const parley_meeting *m)
{
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = statement(db, Q_UPDATE);
	bind_meeting(s, m);
	int rc = sqlite3_step(s);
	int changed = sqlite3_changes(db->sql);
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return rc == SQLITE_DONE && changed == 1 ? 0 : -1;
}

parley_meeting *parley_meeting_db_get(parley_meeting_db *db, const char *room_id)
{
	parley_meeting *m = NULL;
	if (room_id == NULL)
		return NULL;
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = room_statement(db, Q_GET, room_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		m = row_to_meeting(s);
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return m;
}

GPtrArray *parley_meeting_db_list_for_user(parley_meeting_db *db, const char *user_id, int status,
                                           int limit, int skip, int64_t *total)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_free);
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = statement(db, Q_LIST_USER);
	sqlite3_bind_text(s, 1, user_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, status);
	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int(s, 4, skip);
	for (int i = 0; i < limit && sqlite3_step(s) == SQLITE_ROW; i++)
		g_ptr_array_add(out, row_to_meeting(s));
	sqlite3_reset(s);
	if (total != NULL) {
		s = statement(db, Q_COUNT_USER);
		sqlite3_bind_text(s, 1, user_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 2, status);
		*total = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
	}
	g_mutex_unlock(&db->lock);
	return out;
}

GPtrArray *parley_meeting_db_list_expired(parley_meeting_db *db, int64_t now_ms)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = statement(db, Q_EXPIRED);
	sqlite3_bind_int64(s, 1, now_ms);
	for (int i = 0; i < 1000 && sqlite3_step(s) == SQLITE_ROW; i++)
		g_ptr_array_add(out, column_text(s, 0));
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return out;
}

GPtrArray *parley_meeting_db_list_live(parley_meeting_db *db, int64_t now_ms)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = statement(db, Q_LIVE);
	sqlite3_bind_int64(s, 1, now_ms);
	for (int i = 0; i < 10000 && sqlite3_step(s) == SQLITE_ROW; i++)
		g_ptr_array_add(out, column_text(s, 0));
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return out;
}

int parley_meeting_db_count_join(parley_meeting_db *db, const char *room_id, const char *user_id,
                                 int64_t current, int64_t now_ms)
{
	g_mutex_lock(&db->lock);
	int rc = run_for_room(db, Q_STATS_ENSURE, room_id);
	sqlite3_stmt *s = room_statement(db, Q_USER_SEEN, room_id);
	sqlite3_bind_text(s, 2, user_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = -1;
	int first_time = sqlite3_changes(db->sql) > 0;
	sqlite3_reset(s);
	s = room_statement(db, Q_JOIN, room_id);
	sqlite3_bind_int(s, 2, first_time);
	sqlite3_bind_int64(s, 3, current);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return rc;
}

int parley_meeting_db_count_stat(parley_meeting_db *db, const char *room_id, parley_meeting_stat stat)
{
	if ((unsigned)stat >= PARLEY_MEETING_STAT_COUNT_ || room_id == NULL)
		return -1;
	g_mutex_lock(&db->lock);
	int rc = run_for_room(db, stat_statement[stat], room_id);
	g_mutex_unlock(&db->lock);
	return rc;
}

int parley_meeting_db_get_stats(parley_meeting_db *db, const char *room_id, parley_meeting_stats *out)
{
	memset(out, 0, sizeof(*out));
	g_mutex_lock(&db->lock);
	sqlite3_stmt *s = room_statement(db, Q_STATS_GET, room_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->peak_participants = sqlite3_column_int64(s, 0);
		out->total_participants = sqlite3_column_int64(s, 1);
		out->joins = sqlite3_column_int64(s, 2);
		out->leaves = sqlite3_column_int64(s, 3);
		out->chat_messages = sqlite3_column_int64(s, 4);
		out->audio_toggles = sqlite3_column_int64(s, 5);
		out->video_toggles = sqlite3_column_int64(s, 6);
		out->screen_toggles = sqlite3_column_int64(s, 7);
	}
	sqlite3_reset(s);
	g_mutex_unlock(&db->lock);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
