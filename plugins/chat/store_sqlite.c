/*
 * plugins/chat/store_sqlite.c — the chat store (store.h) in SQLite: one
 * table of messages (every room's history, ids from AUTOINCREMENT so a
 * deleted id is never given again), one table of the rooms the API made
 * permanent, and the retention rules applied after each append.
 *
 * One connection per store, WAL mode, statements prepared once at open and
 * used under the store's own mutex: every operation may come from any
 * thread. Times are unix milliseconds.
 */
#include <string.h>
#include <sqlite3.h>

#include "store.h"

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
	Q_PURGE, Q_ROOM_SAVE, Q_ROOM_DELETE, Q_ROOMS,
	Q_COUNT_
};

#define RECORD_COLUMNS "id, kind, room, sender, display, text, date, edited"

static const char *const statement_sql[Q_COUNT_] = {
	[Q_APPEND] = "INSERT INTO chat_messages (room, kind, sender, display, text, date) VALUES (?1,?2,?3,?4,?5,?6)",
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
};

typedef struct sqlite_store {
	parley_chat_store base;
	sqlite3 *sql;
	sqlite3_stmt *stmt[Q_COUNT_];
	GMutex lock;
} sqlite_store;

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

/* The statement `which`, reset (store lock held by the caller). */
static sqlite3_stmt *statement(sqlite_store *s, int which)
{
	sqlite3_stmt *st = s->stmt[which];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int failed(sqlite_store *s, parley_plugin_error *error, const char *what)
{
	return parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "chat store: %s: %s", what,
	                               sqlite3_errmsg(s->sql));
}

static void bind_text_or_null(sqlite3_stmt *st, int column, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(st, column, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, column);
}

/* Retention of one room (lock held); returns how many went, or -1. */
static int64_t trim_locked(sqlite_store *s, const char *room, const parley_chat_retention *keep, int64_t now_ms)
{
	int64_t removed = 0;
	if (keep->count > 0) {
		sqlite3_stmt *st = statement(s, Q_TRIM_COUNT);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, keep->count);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		removed += sqlite3_changes(s->sql);
	}
	if (keep->max_age_ms > 0) {
		sqlite3_stmt *st = statement(s, Q_TRIM_AGE);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, now_ms - keep->max_age_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		removed += sqlite3_changes(s->sql);
	}
	return removed;
}

static int store_append(parley_chat_store *store, const parley_chat_record *record,
                        const parley_chat_retention *keep, int64_t now_ms, int64_t *id, parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	int rc = 0;
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_APPEND);
	sqlite3_bind_text(st, 1, record->room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, record->kind);
	bind_text_or_null(st, 3, record->sender);
	bind_text_or_null(st, 4, record->display);
	sqlite3_bind_text(st, 5, record->text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, record->date_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = failed(s, error, "append");
	else if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->sql);
	if (rc == 0 && trim_locked(s, record->room, keep, now_ms) < 0)
		rc = failed(s, error, "trim");
	g_mutex_unlock(&s->lock);
	return rc;
}

/* 0 when message `id` of `room` exists and `sender` (NULL: anyone) sent
 * it; else the refusal (lock held). */
static int check_owner_locked(sqlite_store *s, const char *room, int64_t id, const char *sender,
                              parley_plugin_error *error)
{
	sqlite3_stmt *st = statement(s, Q_OWNER);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_NOT_FOUND, "no message %" G_GINT64_FORMAT
		                               " in the history of room %s", (gint64)id, room);
	if (step != SQLITE_ROW)
		return failed(s, error, "lookup");
	const char *owner = (const char *)sqlite3_column_text(st, 0);
	if (sender != NULL && g_strcmp0(owner, sender) != 0)
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_NOT_OWNER, "message %" G_GINT64_FORMAT
		                               " was not sent by %s", (gint64)id, sender);
	return 0;
}

static int store_edit(parley_chat_store *store, const char *room, int64_t id, const char *sender, const char *text,
                      int64_t now_ms, parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	g_mutex_lock(&s->lock);
	int rc = check_owner_locked(s, room, id, sender, error);
	if (rc == 0) {
		sqlite3_stmt *st = statement(s, Q_EDIT);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, now_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = failed(s, error, "edit");
	}
	g_mutex_unlock(&s->lock);
	return rc;
}

static int store_remove(parley_chat_store *store, const char *room, int64_t id, const char *sender,
                        parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	g_mutex_lock(&s->lock);
	int rc = check_owner_locked(s, room, id, sender, error);
	if (rc == 0) {
		sqlite3_stmt *st = statement(s, Q_DELETE);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = failed(s, error, "delete");
	}
	g_mutex_unlock(&s->lock);
	return rc;
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

static void reverse(GPtrArray *list)
{
	for (guint i = 0, j = list->len; i + 1 < j; i++, j--) {
		gpointer t = list->pdata[i];
		list->pdata[i] = list->pdata[j - 1];
		list->pdata[j - 1] = t;
	}
}

static GPtrArray *store_page(parley_chat_store *store, const char *room, const parley_chat_page *page,
                             int64_t *total, parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)parley_chat_record_free);
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_PAGE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, page->before_id > 0 ? page->before_id : 0);
	sqlite3_bind_int64(st, 3, page->limit);
	sqlite3_bind_int64(st, 4, page->since_ms > 0 ? page->since_ms : G_MININT64);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(list, row_to_record(st));
	if (step == SQLITE_DONE && total != NULL) {
		st = statement(s, Q_COUNT);
		sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
		step = sqlite3_step(st) == SQLITE_ROW ? SQLITE_DONE : SQLITE_ERROR;
		*total = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE) {
		failed(s, error, "history");
		g_ptr_array_unref(list);
		list = NULL;
	}
	g_mutex_unlock(&s->lock);
	if (list != NULL)
		reverse(list);
	return list;
}

static int64_t store_trim(parley_chat_store *store, const char *room, const parley_chat_retention *keep,
                          int64_t now_ms)
{
	sqlite_store *s = (sqlite_store *)store;
	int64_t removed = 0;
	g_mutex_lock(&s->lock);
	if (room != NULL) {
		removed = trim_locked(s, room, keep, now_ms);
	} else if (keep->max_age_ms > 0) {
		sqlite3_stmt *st = statement(s, Q_TRIM_AGE_ALL);
		sqlite3_bind_int64(st, 1, now_ms - keep->max_age_ms);
		removed = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->sql) : -1;
	}
	g_mutex_unlock(&s->lock);
	return removed;
}

static int64_t store_purge(parley_chat_store *store, const char *room)
{
	sqlite_store *s = (sqlite_store *)store;
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_PURGE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	int64_t removed = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->sql) : -1;
	g_mutex_unlock(&s->lock);
	return removed;
}

static int store_room_save(parley_chat_store *store, const char *room, json_t *settings, parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	char *text = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "chat store: room %s: not JSON", room);
	int rc = 0;
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_ROOM_SAVE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = failed(s, error, "save room");
	g_mutex_unlock(&s->lock);
	free(text);
	return rc;
}

static int store_room_delete(parley_chat_store *store, const char *room, parley_plugin_error *error)
{
	sqlite_store *s = (sqlite_store *)store;
	int rc = 0;
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_ROOM_DELETE);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = failed(s, error, "delete room");
	g_mutex_unlock(&s->lock);
	return rc;
}

static json_t *store_rooms(parley_chat_store *store)
{
	sqlite_store *s = (sqlite_store *)store;
	json_t *rooms = json_object(); /* new, returned */
	g_mutex_lock(&s->lock);
	sqlite3_stmt *st = statement(s, Q_ROOMS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *room = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		json_t *settings = text != NULL ? json_loads(text, 0, NULL) : NULL; /* new, stolen below */
		if (room != NULL && json_is_object(settings))
			json_object_set_new(rooms, room, settings);
		else
			json_decref(settings);
	}
	g_mutex_unlock(&s->lock);
	return rooms;
}

static void store_close(parley_chat_store *store)
{
	sqlite_store *s = (sqlite_store *)store;
	if (s == NULL)
		return;
	for (int i = 0; i < Q_COUNT_; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->sql);
	g_mutex_clear(&s->lock);
	g_free(s);
}

static const parley_chat_store_ops sqlite_ops = {
	.name = "sqlite",
	.append = store_append,
	.edit = store_edit,
	.remove = store_remove,
	.page = store_page,
	.trim = store_trim,
	.purge = store_purge,
	.room_save = store_room_save,
	.room_delete = store_room_delete,
	.rooms = store_rooms,
	.close = store_close,
};

parley_chat_store *parley_chat_store_sqlite_open(const char *path, parley_plugin_error *error)
{
	sqlite_store *s = g_new0(sqlite_store, 1);
	s->base.ops = &sqlite_ops;
	g_mutex_init(&s->lock);
	char *message = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &s->sql, flags, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(s->sql, 2000);
	if (sqlite3_exec(s->sql, schema_sql, NULL, NULL, &message) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < Q_COUNT_; i++)
		if (sqlite3_prepare_v3(s->sql, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) !=
		    SQLITE_OK)
			goto fail;
	return &s->base;
fail:
	parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "%s: %s", path,
	                        message != NULL ? message : s->sql != NULL ? sqlite3_errmsg(s->sql) : "cannot open");
	sqlite3_free(message);
	store_close(&s->base);
	return NULL;
}
