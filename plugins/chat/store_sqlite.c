/*
 * plugins/chat/store_sqlite.c — the chat store's SQL (store_sqlite.h): one
 * table of messages (every room's history; ids given by the store and
 * kept by AUTOINCREMENT's sequence so a deleted id is never given again),
 * one table of the rooms the API made permanent, and the retention rules
 * applied after each append.
 *
 * One connection, WAL mode, statements prepared once at open. No lock
 * here: store_queue.c serializes every call. Times are unix milliseconds.
 */
#include <string.h>
#include <sqlite3.h>

#include "store_sqlite.h"

static const char *const schema_sql =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS chat_messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, kind INTEGER NOT NULL,"
	" sender TEXT, display TEXT, text TEXT NOT NULL, date INTEGER NOT NULL,"
	" edited INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS chat_messages_room ON chat_messages(room, id);"
	"CREATE TABLE IF NOT EXISTS chat_rooms (room TEXT PRIMARY KEY, settings TEXT NOT NULL);";

enum {
	Q_APPEND, Q_TRIM_COUNT, Q_TRIM_AGE, Q_TRIM_AGE_ALL, Q_OWNER, Q_EDIT, Q_DELETE, Q_PAGE, Q_COUNT,
	Q_PURGE, Q_ROOM_SAVE, Q_ROOM_DELETE, Q_ROOMS, Q_LAST_ID, Q_BEGIN, Q_COMMIT,
	Q_COUNT_
};

#define RECORD_COLUMNS "id, kind, room, sender, display, text, date, edited"

static const char *const statement_sql[Q_COUNT_] = {
	[Q_APPEND] = "INSERT INTO chat_messages (id, room, kind, sender, display, text, date) VALUES (?7,?1,?2,?3,?4,?5,?6)",
	/* every message of the room but the newest ?2 */
	[Q_TRIM_COUNT] = "DELETE FROM chat_messages WHERE room=?1 AND id <= (SELECT id FROM chat_messages"
		" WHERE room=?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	[Q_TRIM_AGE] = "DELETE FROM chat_messages WHERE room=?1 AND date < ?2",
	[Q_TRIM_AGE_ALL] = "DELETE FROM chat_messages WHERE date < ?1",
	[Q_OWNER] = "SELECT sender FROM chat_messages WHERE room=?1 AND id=?2",
	[Q_EDIT] = "UPDATE chat_messages SET text=?3, edited=?4 WHERE room=?1 AND id=?2",
	[Q_DELETE] = "DELETE FROM chat_messages WHERE room=?1 AND id=?2",
	/* the newest ?3 that qualify, returned newest first (reversed by the caller) */
	[Q_PAGE] = "SELECT " RECORD_COLUMNS " FROM chat_messages WHERE room=?1 AND (?2 = 0 OR id < ?2)"
		" AND date >= ?4 ORDER BY id DESC LIMIT ?3",
	[Q_COUNT] = "SELECT COUNT(*) FROM chat_messages WHERE room=?1",
	[Q_PURGE] = "DELETE FROM chat_messages WHERE room=?1",
	[Q_ROOM_SAVE] = "INSERT OR REPLACE INTO chat_rooms (room, settings) VALUES (?1,?2)",
	[Q_ROOM_DELETE] = "DELETE FROM chat_rooms WHERE room=?1",
	[Q_ROOMS] = "SELECT room, settings FROM chat_rooms ORDER BY room LIMIT 100000",
	[Q_LAST_ID] = "SELECT MAX(x) FROM (SELECT seq AS x FROM sqlite_sequence WHERE name='chat_messages'"
		" UNION ALL SELECT MAX(id) FROM chat_messages)",
	[Q_BEGIN] = "BEGIN IMMEDIATE", /* the write lock at once: the busy timeout applies */
	[Q_COMMIT] = "COMMIT",
};

struct chat_db {
	sqlite3 *sql;
	sqlite3_stmt *stmt[Q_COUNT_];
};

void parley_chat_record_free(parley_chat_record *record)
{
	if (record == NULL)
		return;
	g_free(record->room);
	g_free(record->sender);
	g_free(record->display);
	g_free(record->text);
	g_free(record);
}

/* The statement `which`, reset. */
static sqlite3_stmt *statement(chat_db *db, int which)
{
	sqlite3_stmt *st = db->stmt[which];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int failed(chat_db *db, parley_plugin_error *error, const char *what)
{
	return parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "chat store: %s: %s", what,
	                               sqlite3_errmsg(db->sql));
}

static void bind_text_or_null(sqlite3_stmt *st, int column, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(st, column, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, column);
}

static int run(chat_db *db, int which, parley_plugin_error *error, const char *what)
{
	return sqlite3_step(statement(db, which)) == SQLITE_DONE ? 0 : failed(db, error, what);
}

int chat_db_begin(chat_db *db, parley_plugin_error *error)
{
	return run(db, Q_BEGIN, error, "begin");
}

int chat_db_commit(chat_db *db, parley_plugin_error *error)
{
	return run(db, Q_COMMIT, error, "commit");
}

void chat_db_rollback(chat_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

int64_t chat_db_last_id(chat_db *db)
{
	sqlite3_stmt *st = statement(db, Q_LAST_ID);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st); /* no read transaction left open: the writer's BEGIN IMMEDIATE would fail at once */
	return id;
}

int64_t chat_db_trim(chat_db *db, const char *room, const parley_chat_retention *keep, int64_t now_ms)
{
	int64_t removed = 0;
	if (room == NULL) {
		if (keep->max_age_ms <= 0)
			return 0;
		sqlite3_stmt *st = statement(db, Q_TRIM_AGE_ALL);
		sqlite3_bind_int64(st, 1, now_ms - keep->max_age_ms);
		return sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db->sql) : -1;
	}
	if (keep->count > 0) {
		sqlite3_stmt *st = statement(db, Q_TRIM_COUNT);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, keep->count);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		removed += sqlite3_changes(db->sql);
	}
	if (keep->max_age_ms > 0) {
		sqlite3_stmt *st = statement(db, Q_TRIM_AGE);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, now_ms - keep->max_age_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		removed += sqlite3_changes(db->sql);
	}
	return removed;
}

int chat_db_append(chat_db *db, const parley_chat_record *record, const parley_chat_retention *keep, int64_t now_ms,
                   parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_APPEND);
	sqlite3_bind_text(st, 1, record->room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, record->kind);
	bind_text_or_null(st, 3, record->sender);
	bind_text_or_null(st, 4, record->display);
	sqlite3_bind_text(st, 5, record->text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, record->date_ms);
	sqlite3_bind_int64(st, 7, record->id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return failed(db, error, "append");
	if (chat_db_trim(db, record->room, keep, now_ms) < 0)
		return failed(db, error, "trim");
	return 0;
}

int chat_db_check_owner(chat_db *db, const char *room, int64_t id, const char *sender, parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_OWNER);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_NOT_FOUND, "no message %" G_GINT64_FORMAT
		                               " in the history of room %s", (gint64)id, room);
	if (step != SQLITE_ROW)
		return failed(db, error, "lookup");
	const char *owner = (const char *)sqlite3_column_text(st, 0);
	int rc = 0;
	if (sender != NULL && g_strcmp0(owner, sender) != 0)
		rc = parley_plugin_error_set(error, PARLEY_CHAT_STORE_NOT_OWNER, "message %" G_GINT64_FORMAT
		                             " was not sent by %s", (gint64)id, sender);
	sqlite3_reset(st);
	return rc;
}

int chat_db_edit(chat_db *db, const char *room, int64_t id, const char *text, int64_t now_ms,
                 parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_EDIT);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now_ms);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : failed(db, error, "edit");
}

int chat_db_remove(chat_db *db, const char *room, int64_t id, parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_DELETE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : failed(db, error, "delete");
}

static char *column_text(sqlite3_stmt *st, int column)
{
	const unsigned char *t = sqlite3_column_text(st, column);
	return t != NULL ? g_strdup((const char *)t) : NULL;
}

static parley_chat_record *row_to_record(sqlite3_stmt *st)
{
	parley_chat_record *r = g_new0(parley_chat_record, 1);
	r->id = sqlite3_column_int64(st, 0);
	r->kind = sqlite3_column_int(st, 1) == PARLEY_CHAT_KIND_ANNOUNCEMENT ? PARLEY_CHAT_KIND_ANNOUNCEMENT
	                                                                       : PARLEY_CHAT_KIND_MESSAGE;
	r->room = column_text(st, 2);
	r->sender = column_text(st, 3);
	r->display = column_text(st, 4);
	r->text = column_text(st, 5);
	if (r->text == NULL)
		r->text = g_strdup("");
	r->date_ms = sqlite3_column_int64(st, 6);
	r->edited_ms = sqlite3_column_int64(st, 7);
	return r;
}

GPtrArray *chat_db_page(chat_db *db, const char *room, const parley_chat_page *page, int64_t *total,
                        parley_plugin_error *error)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)parley_chat_record_free);
	sqlite3_stmt *st = statement(db, Q_PAGE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, page->before_id > 0 ? page->before_id : 0);
	sqlite3_bind_int64(st, 3, page->limit);
	sqlite3_bind_int64(st, 4, page->since_ms > 0 ? page->since_ms : G_MININT64);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(list, row_to_record(st));
	if (step == SQLITE_DONE && total != NULL) {
		st = statement(db, Q_COUNT);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(st) == SQLITE_ROW ? SQLITE_DONE : SQLITE_ERROR;
		*total = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (step != SQLITE_DONE) {
		failed(db, error, "history");
		g_ptr_array_unref(list);
		return NULL;
	}
	return list;
}

int64_t chat_db_purge(chat_db *db, const char *room)
{
	sqlite3_stmt *st = statement(db, Q_PURGE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	return sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db->sql) : -1;
}

int chat_db_room_save(chat_db *db, const char *room, const char *settings, parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_ROOM_SAVE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, settings, -1, SQLITE_TRANSIENT);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : failed(db, error, "save room");
}

int chat_db_room_delete(chat_db *db, const char *room, parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(db, Q_ROOM_DELETE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : failed(db, error, "delete room");
}

json_t *chat_db_rooms(chat_db *db)
{
	json_t *rooms = json_object(); /* new, returned */
	sqlite3_stmt *st = statement(db, Q_ROOMS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *room = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		json_t *settings = text != NULL ? json_loads(text, 0, NULL) : NULL; /* new, stolen below */
		if (room != NULL && json_is_object(settings))
			json_object_set_new(rooms, room, settings);
		else
			json_decref(settings);
	}
	sqlite3_reset(st);
	return rooms;
}

void chat_db_close(chat_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < Q_COUNT_; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->sql);
	g_free(db);
}

chat_db *chat_db_open(const char *path, parley_plugin_error *error)
{
	chat_db *db = g_new0(chat_db, 1);
	char *message = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK)
		goto fail;
	/* short: the writer holds the connection while it waits for a file
	 * another process locked, and readers (a join's replay) wait for the
	 * connection; the writer tries again later without it (store_queue.c) */
	sqlite3_busy_timeout(db->sql, 50);
	if (sqlite3_exec(db->sql, schema_sql, NULL, NULL, &message) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < Q_COUNT_; i++)
		if (sqlite3_prepare_v3(db->sql, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->stmt[i], NULL) !=
		    SQLITE_OK)
			goto fail;
	return db;
fail:
	parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "%s: %s", path,
	                        message != NULL ? message : db->sql != NULL ? sqlite3_errmsg(db->sql) : "cannot open");
	sqlite3_free(message);
	chat_db_close(db);
	return NULL;
}
