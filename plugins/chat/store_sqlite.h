/*
 * plugins/chat/store_sqlite.h — the SQL side of the chat store: one
 * SQLite connection with its statements, and one function per statement
 * group. Private to the store: store_queue.c (the parley_chat_store the
 * plugins use) calls these with the connection's lock held — its writer
 * thread for every change, the callers' threads for reads.
 *
 * Errors: 0, or PARLEY_CHAT_STORE_* with `error` filled.
 */
#ifndef PARLEY_CHAT_STORE_SQLITE_H
#define PARLEY_CHAT_STORE_SQLITE_H

#include "store.h"

typedef struct chat_db chat_db;

/* The file `path` (":memory:" for a private one) with its schema. NULL
 * with `error` filled. */
chat_db *chat_db_open(const char *path, parley_plugin_error *error);
void chat_db_close(chat_db *db);
/* The largest message id ever given (0 when none). */
int64_t chat_db_last_id(chat_db *db);
int chat_db_begin(chat_db *db, parley_plugin_error *error);
int chat_db_commit(chat_db *db, parley_plugin_error *error);
void chat_db_rollback(chat_db *db);
/* Inserts `record` with its id, then trims its room to `keep` at now_ms. */
int chat_db_append(chat_db *db, const parley_chat_record *record, const parley_chat_retention *keep, int64_t now_ms,
                   parley_plugin_error *error);
/* 0 when message `id` of `room` exists and `sender` (NULL: anyone) sent
 * it; NOT_FOUND, NOT_OWNER or FAILED. */
int chat_db_check_owner(chat_db *db, const char *room, int64_t id, const char *sender, parley_plugin_error *error);
int chat_db_edit(chat_db *db, const char *room, int64_t id, const char *text, int64_t now_ms,
                 parley_plugin_error *error);
int chat_db_remove(chat_db *db, const char *room, int64_t id, parley_plugin_error *error);
/* As parley_chat_store_ops.page, newest first (not reversed). */
GPtrArray *chat_db_page(chat_db *db, const char *room, const parley_chat_page *page, int64_t *total,
                        parley_plugin_error *error);
/* Retention of `room` (NULL: the age bound over every room); how many went, or -1. */
int64_t chat_db_trim(chat_db *db, const char *room, const parley_chat_retention *keep, int64_t now_ms);
int64_t chat_db_purge(chat_db *db, const char *room);
int chat_db_room_save(chat_db *db, const char *room, const char *settings, parley_plugin_error *error);
int chat_db_room_delete(chat_db *db, const char *room, parley_plugin_error *error);
json_t *chat_db_rooms(chat_db *db);

#endif
