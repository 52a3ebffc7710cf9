/*
 * tests/unit/test_chat_store_queue.c — the chat store's writer queue:
 * appends answer at once with increasing ids and are read back before
 * the writer has written them (pages see queued appends, in order, with
 * the room's retention applied); edits and deletes of a message still
 * queued wait for it; interleaved rooms keep their own order; close
 * writes everything queued (read back with a plain SQLite connection),
 * and ids go on after a reopen; appends answer while another connection
 * holds the file's write lock, up to the queue's bound (then refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "plugins/chat/store.h"

static int64_t add(parley_chat_store *s, const char *room, const char *text, int64_t at,
                   const parley_chat_retention *keep)
{
	parley_chat_record r = {
		.kind = PARLEY_CHAT_KIND_MESSAGE, .room = (char *)room, .sender = "alice", .text = (char *)text,
		.date_ms = at,
	};
	int64_t id = 0;
	parley_plugin_error error = {0};
	assert_int_equal(s->ops->append(s, &r, keep, at, &id, &error), 0);
	return id;
}

/* Room `room`'s page of `limit`: every text checked against prefix<first..>. */
static void assert_page(parley_chat_store *s, const char *room, unsigned limit, const char *prefix, int first,
                        unsigned expected, int64_t expected_total)
{
	parley_plugin_error error = {0};
	int64_t total = -1;
	GPtrArray *list = s->ops->page(s, room, &(parley_chat_page){.limit = limit}, &total, &error);
	assert_non_null(list);
	assert_int_equal(list->len, expected);
	assert_int_equal(total, expected_total);
	int64_t last = 0;
	for (guint i = 0; i < list->len; i++) {
		parley_chat_record *r = list->pdata[i];
		char text[32];
		snprintf(text, sizeof(text), "%s%d", prefix, first + (int)i);
		assert_string_equal(r->text, text);
		assert_true(r->id > last);
		last = r->id;
	}
	g_ptr_array_unref(list);
}

static char *tmp_db(char **dir)
{
	*dir = g_dir_make_tmp("chat-queue-XXXXXX", NULL);
	return g_build_filename(*dir, "chat.db", NULL);
}

static void tmp_db_remove(char *dir, char *path)
{
	char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
	g_rmdir(dir);
	g_free(wal);
	g_free(shm);
	g_free(path);
	g_free(dir);
}

static void queued_reads_back(void **state)
{
	char *dir, *path = tmp_db(&dir);
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	const parley_chat_retention keep_a = {.count = 1000}, keep_b = {.count = 4000};
	int64_t last = 0;
	char text[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "a%d", i);
		int64_t id = add(s, "A", text, 1000 + i, &keep_a);
		assert_true(id > last); /* given at once, increasing */
		last = id;
		snprintf(text, sizeof(text), "b%d", i);
		last = add(s, "B", text, 1000 + i, &keep_b);
	}
	/* read at once: the newest 1000 of A (its retention), all of B, in order */
	assert_page(s, "A", 1000, "a", 2000, 1000, 1000);
	assert_page(s, "B", 10, "b", 2990, 10, 3000);
	/* an edit and a delete of messages just queued wait for them */
	assert_int_equal(s->ops->edit(s, "B", last, "alice", "b2999", 5000, &error), 0);
	assert_int_equal(s->ops->edit(s, "B", last, "mallory", "x", 5000, &error), PARLEY_CHAT_STORE_NOT_OWNER);
	int64_t fresh = add(s, "B", "b3000", 6000, &keep_b);
	assert_int_equal(s->ops->remove(s, "B", fresh, NULL, &error), 0);
	assert_int_equal(s->ops->remove(s, "B", fresh, NULL, &error), PARLEY_CHAT_STORE_NOT_FOUND);
	assert_page(s, "B", 5, "b", 2995, 5, 3000);
	assert_int_equal(s->ops->purge(s, "A"), 1000);
	assert_page(s, "A", 10, "a", 0, 0, 0);
	s->ops->close(s);
	tmp_db_remove(dir, path);
}

/* Another connection holding the file's write lock, as another process
 * would: the writer waits until release_write_lock. */
static sqlite3 *hold_write_lock(const char *path)
{
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return other;
}

static void release_write_lock(sqlite3 *other)
{
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
}

static int64_t raw_count(const char *path, const char *room)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM chat_messages WHERE room=?1", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, room, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void close_writes_everything(void **state)
{
	char *dir, *path = tmp_db(&dir);
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	const parley_chat_retention keep = {.count = 6000};
	int64_t last = 0;
	char text[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		last = add(s, "R", text, 1000 + i, &keep);
	}
	s->ops->close(s); /* at once: whatever is queued is written first */
	assert_int_equal(raw_count(path, "R"), 5000);
	s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	assert_page(s, "R", 3, "m", 4997, 3, 5000);
	assert_true(add(s, "R", "after", 50000, &keep) > last);
	s->ops->close(s);
	tmp_db_remove(dir, path);
}

/* Another connection holds the file's write lock: appends still answer
 * at once (nothing is written on the caller's thread) and read back; the
 * writer writes them once the lock goes. */
static void appends_do_not_wait_for_the_file(void **state)
{
	char *dir, *path = tmp_db(&dir);
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	sqlite3 *other = hold_write_lock(path);
	const parley_chat_retention keep = {.count = 1000};
	char text[32];
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		assert_true(add(s, "L", text, 1000 + i, &keep) > 0);
	}
	assert_page(s, "L", 100, "m", 0, 100, 100);
	release_write_lock(other);
	s->ops->close(s);
	assert_int_equal(raw_count(path, "L"), 100);
	tmp_db_remove(dir, path);
}

/* write_queue: with the writer held up by a locked file, appends beyond
 * the bound are refused with a reason; the ones taken are all written
 * once the lock goes. */
static void bounded_queue(void **state)
{
	char *dir, *path = tmp_db(&dir);
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open_limited(path, &(parley_chat_store_limits){
		.batch = 4, .max_pending = 16}, &error);
	assert_non_null(s);
	sqlite3 *other = hold_write_lock(path);
	const parley_chat_retention keep = {.count = 100};
	char text[32];
	for (int i = 0; i < 16; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		add(s, "Q", text, 1000 + i, &keep);
	}
	parley_chat_record r = {.kind = PARLEY_CHAT_KIND_MESSAGE, .room = "Q", .sender = "a", .text = "over", .date_ms = 2000};
	int64_t id = 0;
	assert_int_equal(s->ops->append(s, &r, &keep, 2000, &id, &error), PARLEY_CHAT_STORE_FAILED);
	assert_non_null(strstr(error.reason, "the history writer is behind"));
	release_write_lock(other);
	s->ops->close(s);
	assert_int_equal(raw_count(path, "Q"), 16);
	tmp_db_remove(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queued_reads_back),
		cmocka_unit_test(close_writes_everything),
		cmocka_unit_test(appends_do_not_wait_for_the_file),
		cmocka_unit_test(bounded_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
