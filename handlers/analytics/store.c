/*
 * handlers/analytics/store.c — the SQLite side of the analytics handler
 * (see store.h): schema, the rollup upsert built from the field table,
 * records, retention, and the reads behind the series, room and
 * participant queries.
 */
#include <string.h>
#include <sqlite3.h>
#include "store.h"

struct analytics_store {
	sqlite3 *db;
	sqlite3_stmt *upsert, *record_room, *record_participant;
	char *select_columns;   /* "rooms_started, ..." */
};

static const char *const schema_sql =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS rooms ("
	" plugin TEXT NOT NULL, kind TEXT NOT NULL, room_id TEXT NOT NULL,"
	" started_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL, reason TEXT, figures TEXT NOT NULL,"
	" PRIMARY KEY (plugin, room_id, started_ms));"
	"CREATE INDEX IF NOT EXISTS rooms_ended ON rooms(ended_ms);"
	"CREATE TABLE IF NOT EXISTS participants ("
	" plugin TEXT NOT NULL, kind TEXT NOT NULL, room_id TEXT NOT NULL, participant_id TEXT NOT NULL,"
	" joined_ms INTEGER NOT NULL, left_ms INTEGER NOT NULL, outcome TEXT, reason TEXT, figures TEXT NOT NULL,"
	" PRIMARY KEY (plugin, room_id, participant_id, joined_ms));"
	"CREATE INDEX IF NOT EXISTS participants_id ON participants(participant_id, left_ms);"
	"CREATE INDEX IF NOT EXISTS participants_left ON participants(left_ms);";

/* 0 for a step or exec that worked, else -1 (the reason: parley_analytics_store_error). */
static int status_of(int rc)
{
	return rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

const char *parley_analytics_store_error(const analytics_store *store)
{
	return store && store->db ? sqlite3_errmsg(store->db) : "no database";
}

/* CREATE TABLE rollups and the upsert, from the field table. */
static int prepare_rollups(analytics_store *s, char *error, size_t error_size)
{
	GString *create = g_string_new("CREATE TABLE IF NOT EXISTS rollups (period TEXT NOT NULL,"
	                               " start INTEGER NOT NULL, kind TEXT NOT NULL");
	GString *columns = g_string_new(NULL), *values = g_string_new(NULL), *update = g_string_new(NULL);
	for (size_t i = 0; i < parley_analytics_field_count; i++) {
		const analytics_field *f = &parley_analytics_fields[i];
		g_string_append_printf(create, ", %s INTEGER NOT NULL DEFAULT 0", f->name);
		g_string_append_printf(columns, "%s%s", i ? ", " : "", f->name);
		g_string_append_printf(values, ", ?%zu", i + 4);
		if (f->merge == ANALYTICS_MERGE_MAX)
			g_string_append_printf(update, "%s%s = MAX(%s, excluded.%s)", i ? ", " : "", f->name, f->name, f->name);
		else
			g_string_append_printf(update, "%s%s = %s + excluded.%s", i ? ", " : "", f->name, f->name, f->name);
	}
	g_string_append(create, ", PRIMARY KEY (period, start, kind))");
	char *sql = g_strdup_printf("INSERT INTO rollups (period, start, kind, %s) VALUES (?1, ?2, ?3%s)"
	                            " ON CONFLICT (period, start, kind) DO UPDATE SET %s",
	                            columns->str, values->str, update->str);
	char *message = NULL;
	int rc = sqlite3_exec(s->db, create->str, NULL, NULL, &message);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, sql, -1, &s->upsert, NULL);
	if (rc != SQLITE_OK)
		g_snprintf(error, error_size, "rollups table: %s", message ? message : sqlite3_errmsg(s->db));
	sqlite3_free(message);
	g_free(sql);
	s->select_columns = g_string_free(columns, FALSE);
	g_string_free(create, TRUE);
	g_string_free(values, TRUE);
	g_string_free(update, TRUE);
	return rc == SQLITE_OK ? 0 : -1;
}

analytics_store *parley_analytics_store_open(const char *path, char *error, size_t error_size)
{
	analytics_store *s = g_new0(analytics_store, 1);
	char *message = NULL;
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(s->db, 2000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, &message);
	if (rc != SQLITE_OK) {
		g_snprintf(error, error_size, "%s: %s", path, message ? message : s->db ? sqlite3_errmsg(s->db) : "cannot open");
		sqlite3_free(message);
		parley_analytics_store_close(s);
		return NULL;
	}
	if (prepare_rollups(s, error, error_size) != 0 ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO rooms (plugin, kind, room_id, started_ms, ended_ms, reason,"
	                              " figures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &s->record_room, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO participants (plugin, kind, room_id, participant_id,"
	                              " joined_ms, left_ms, outcome, reason, figures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	                              " ?8, ?9)", -1, &s->record_participant, NULL) != SQLITE_OK) {
		if (!*error)
			g_snprintf(error, error_size, "%s: %s", path, sqlite3_errmsg(s->db));
		parley_analytics_store_close(s);
		return NULL;
	}
	return s;
}

void parley_analytics_store_close(analytics_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->upsert);
	sqlite3_finalize(s->record_room);
	sqlite3_finalize(s->record_participant);
	sqlite3_close(s->db);
	g_free(s->select_columns);
	g_free(s);
}

int parley_analytics_store_begin(analytics_store *s)
{
	return status_of(sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL));
}

int parley_analytics_store_commit(analytics_store *s)
{
	return status_of(sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL));
}

int parley_analytics_store_add_rollup(analytics_store *s, analytics_period period, int64_t start, analytics_kind kind,
                                      const analytics_rollup *delta)
{
	sqlite3_stmt *st = s->upsert;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, parley_analytics_period_name(period), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start);
	sqlite3_bind_text(st, 3, parley_analytics_kind_name(kind), -1, SQLITE_STATIC);
	for (size_t i = 0; i < parley_analytics_field_count; i++)
		sqlite3_bind_int64(st, (int)i + 4, parley_analytics_field_get(delta, &parley_analytics_fields[i]));
	return status_of(sqlite3_step(st));
}

static void bind_text_or_null(sqlite3_stmt *st, int index, const char *text)
{
	if (text)
		sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, index);
}

int parley_analytics_store_add_record(analytics_store *s, const analytics_record *r)
{
	char *figures = r->figures ? json_dumps(r->figures, JSON_COMPACT) : NULL;
	sqlite3_stmt *st = r->type == ANALYTICS_RECORD_ROOM ? s->record_room : s->record_participant;
	sqlite3_reset(st);
	int i = 1;
	bind_text_or_null(st, i++, r->plugin ? r->plugin : "");
	bind_text_or_null(st, i++, parley_analytics_kind_name(r->kind));
	bind_text_or_null(st, i++, r->room ? r->room : "");
	if (r->type == ANALYTICS_RECORD_PARTICIPANT)
		bind_text_or_null(st, i++, r->participant ? r->participant : "");
	sqlite3_bind_int64(st, i++, r->start_ms);
	sqlite3_bind_int64(st, i++, r->end_ms);
	if (r->type == ANALYTICS_RECORD_PARTICIPANT)
		bind_text_or_null(st, i++, r->outcome);
	bind_text_or_null(st, i++, r->reason);
	bind_text_or_null(st, i++, figures ? figures : "{}");
	int rc = sqlite3_step(st);
	free(figures);
	return status_of(rc);
}

static int delete_before(analytics_store *s, const char *sql, int64_t before)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(s->db) : -1;
}

int parley_analytics_store_prune(analytics_store *s, int64_t now_s, unsigned hour_days, unsigned day_days)
{
	int total = 0, n;
	if (hour_days) {
		int64_t before = now_s - (int64_t)hour_days * 86400;
		if ((n = delete_before(s, "DELETE FROM rollups WHERE period = 'hour' AND start < ?1", before)) < 0)
			return -1;
		total += n;
		if ((n = delete_before(s, "DELETE FROM rooms WHERE ended_ms < ?1", before * 1000)) < 0)
			return -1;
		total += n;
		if ((n = delete_before(s, "DELETE FROM participants WHERE left_ms < ?1", before * 1000)) < 0)
			return -1;
		total += n;
	}
	if (day_days) {
		int64_t before = now_s - (int64_t)day_days * 86400;
		if ((n = delete_before(s, "DELETE FROM rollups WHERE period = 'day' AND start < ?1", before)) < 0)
			return -1;
		total += n;
	}
	return total;
}

int parley_analytics_store_series(analytics_store *s, analytics_period period, int64_t from, int64_t to, int kind,
                                  GArray *out)
{
	char *sql = g_strdup_printf("SELECT start, kind, %s FROM rollups WHERE period = ?1 AND start >= ?2 AND"
	                            " start <= ?3 AND (?4 IS NULL OR kind = ?4) ORDER BY start LIMIT 100000",
	                            s->select_columns);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	g_free(sql);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, parley_analytics_period_name(period), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (kind >= 0)
		sqlite3_bind_text(st, 4, parley_analytics_kind_name(kind), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		analytics_bucket b = { .start = sqlite3_column_int64(st, 0), .kind = kind >= 0 ? kind : -1 };
		for (size_t i = 0; i < parley_analytics_field_count; i++)
			*parley_analytics_field_ptr(&b.rollup, &parley_analytics_fields[i]) = sqlite3_column_int64(st, (int)i + 2);
		analytics_bucket *last = out->len ? &g_array_index(out, analytics_bucket, out->len - 1) : NULL;
		if (last && last->start == b.start)
			parley_analytics_rollup_merge(&last->rollup, &b.rollup);
		else
			g_array_append_val(out, b);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The figures column merged with the row's own columns. */
static json_t *row_json(sqlite3_stmt *st, int figures_column, const char *const *names, int n_names)
{
	json_t *figures = json_loads((const char *)sqlite3_column_text(st, figures_column), 0, NULL);
	if (!json_is_object(figures)) {
		json_decref(figures);
		figures = json_object();
	}
	for (int i = 0; i < n_names; i++) {
		if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
			json_object_set_new(figures, names[i], json_integer(sqlite3_column_int64(st, i)));
		else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
			json_object_set_new(figures, names[i], json_string((const char *)sqlite3_column_text(st, i)));
		else
			json_object_set_new(figures, names[i], json_null());
	}
	json_object_set_new(figures, "live", json_false());
	return figures;
}

json_t *parley_analytics_store_rooms(analytics_store *s, const char *plugin, const char *room, unsigned limit)
{
	static const char *const names[] = { "plugin", "kind", "room", "started_at", "ended_at", "reason" };
	json_t *list = json_array();
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT plugin, kind, room_id, started_ms, ended_ms, reason, figures FROM rooms"
	                              " WHERE (?1 IS NULL OR plugin = ?1) AND (?2 IS NULL OR room_id = ?2)"
	                              " ORDER BY ended_ms DESC LIMIT ?3", -1, &st, NULL) != SQLITE_OK)
		return list;
	bind_text_or_null(st, 1, plugin);
	bind_text_or_null(st, 2, room);
	sqlite3_bind_int(st, 3, (int)limit);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, row_json(st, 6, names, 6));
	sqlite3_finalize(st);
	return list;
}

json_t *parley_analytics_store_participants(analytics_store *s, const char *plugin, const char *room,
                                            const char *participant, int64_t since_ms, unsigned limit)
{
	static const char *const names[] = { "plugin", "kind", "room", "participant", "joined_at", "left_at", "outcome",
	                                     "reason" };
	json_t *list = json_array();
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT plugin, kind, room_id, participant_id, joined_ms, left_ms, outcome, reason,"
	                              " figures FROM participants WHERE (?1 IS NULL OR plugin = ?1) AND"
	                              " (?2 IS NULL OR room_id = ?2) AND (?3 IS NULL OR participant_id = ?3) AND"
	                              " left_ms >= ?4 ORDER BY left_ms DESC LIMIT ?5", -1, &st, NULL) != SQLITE_OK)
		return list;
	bind_text_or_null(st, 1, plugin);
	bind_text_or_null(st, 2, room);
	bind_text_or_null(st, 3, participant);
	sqlite3_bind_int64(st, 4, since_ms);
	sqlite3_bind_int(st, 5, (int)limit);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, row_json(st, 8, names, 8));
	sqlite3_finalize(st);
	return list;
}
