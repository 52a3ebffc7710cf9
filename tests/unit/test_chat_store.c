/*
 * tests/unit/test_chat_store.c — the chat store on SQLite: append and
 * pages (oldest first, before-id paging, since), retention by count and by
 * age after each append and on demand, edit and delete of one's own
 * message, ids never given twice, purge, permanent rooms, and everything
 * still there after the file is closed and opened again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "plugins/chat/store.h"

static const parley_chat_retention keep_all = {.count = 1000};

static int64_t add(parley_chat_store *s, const char *room, const char *sender, const char *text, int64_t at,
                   const parley_chat_retention *keep)
{
	parley_chat_record r = {
		.kind = sender != NULL ? PARLEY_CHAT_KIND_MESSAGE : PARLEY_CHAT_KIND_ANNOUNCEMENT,
		.room = (char *)room, .sender = (char *)sender, .display = sender != NULL ? "Display" : NULL,
		.text = (char *)text, .date_ms = at,
	};
	int64_t id = 0;
	parley_plugin_error error = {0};
	assert_int_equal(s->ops->append(s, &r, keep, at, &id, &error), 0);
	assert_true(id > 0);
	return id;
}

/* The texts of a page, joined by commas (g_free). */
static char *texts(parley_chat_store *s, const char *room, parley_chat_page page, int64_t *total)
{
	parley_plugin_error error = {0};
	GPtrArray *list = s->ops->page(s, room, &page, total, &error);
	assert_non_null(list);
	GString *out = g_string_new("");
	for (guint i = 0; i < list->len; i++) {
		parley_chat_record *r = list->pdata[i];
		g_string_append_printf(out, "%s%s", i ? "," : "", r->text);
	}
	g_ptr_array_unref(list);
	return g_string_free(out, FALSE);
}

static parley_chat_store *open_memory(void)
{
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open(":memory:", &error);
	assert_non_null(s);
	return s;
}

static void pages_oldest_first(void **state)
{
	parley_chat_store *s = open_memory();
	int64_t ids[5];
	char text[8];
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		ids[i] = add(s, "1", "alice", text, 1000 + i, &keep_all);
	}
	add(s, "2", "bob", "elsewhere", 1000, &keep_all);
	int64_t total = 0;
	char *t = texts(s, "1", (parley_chat_page){.limit = 3}, &total);
	assert_string_equal(t, "m2,m3,m4"); /* the newest three, oldest first */
	assert_int_equal(total, 5);
	g_free(t);
	t = texts(s, "1", (parley_chat_page){.limit = 3, .before_id = ids[2]}, NULL);
	assert_string_equal(t, "m0,m1");
	g_free(t);
	t = texts(s, "1", (parley_chat_page){.limit = 10, .since_ms = 1003}, NULL);
	assert_string_equal(t, "m3,m4");
	g_free(t);
	t = texts(s, "3", (parley_chat_page){.limit = 10}, &total);
	assert_string_equal(t, "");
	assert_int_equal(total, 0);
	g_free(t);

	parley_plugin_error error = {0};
	parley_chat_page page = {.limit = 1};
	GPtrArray *one = s->ops->page(s, "1", &page, NULL, &error);
	parley_chat_record *r = one->pdata[0];
	assert_int_equal(r->id, ids[4]);
	assert_int_equal(r->kind, PARLEY_CHAT_KIND_MESSAGE);
	assert_string_equal(r->sender, "alice");
	assert_string_equal(r->display, "Display");
	assert_int_equal(r->date_ms, 1004);
	assert_int_equal(r->edited_ms, 0);
	g_ptr_array_unref(one);
	s->ops->close(s);
}

static void retention_by_count(void **state)
{
	parley_chat_store *s = open_memory();
	parley_chat_retention three = {.count = 3};
	char text[8];
	for (int i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		add(s, "1", "alice", text, 1000 + i, &three);
	}
	int64_t total = 0;
	char *t = texts(s, "1", (parley_chat_page){.limit = 100}, &total);
	assert_string_equal(t, "m7,m8,m9");
	assert_int_equal(total, 3);
	g_free(t);
	/* a room's bound does not touch another room */
	add(s, "2", "bob", "b0", 1000, &keep_all);
	add(s, "2", "bob", "b1", 1001, &keep_all);
	add(s, "1", "alice", "m10", 1010, &three);
	t = texts(s, "2", (parley_chat_page){.limit = 100}, NULL);
	assert_string_equal(t, "b0,b1");
	g_free(t);
	/* trimming later to a smaller bound */
	parley_chat_retention one = {.count = 1};
	assert_int_equal(s->ops->trim(s, "1", &one, 2000), 2);
	t = texts(s, "1", (parley_chat_page){.limit = 100}, NULL);
	assert_string_equal(t, "m10");
	g_free(t);
	s->ops->close(s);
}

static void retention_by_age(void **state)
{
	parley_chat_store *s = open_memory();
	parley_chat_retention minute = {.count = 100, .max_age_ms = 60000};
	add(s, "1", "alice", "old", 0 + 1000, &minute);
	add(s, "1", "alice", "mid", 30000, &minute);
	/* appended at 70 s: "old" (1 s) is over a minute old and goes */
	add(s, "1", "alice", "new", 70000, &minute);
	char *t = texts(s, "1", (parley_chat_page){.limit = 100}, NULL);
	assert_string_equal(t, "mid,new");
	g_free(t);
	/* the purge pass over every room, at 100 s */
	add(s, "2", "bob", "other", 35000, &keep_all);
	assert_int_equal(s->ops->trim(s, NULL, &minute, 100000), 2);
	t = texts(s, "1", (parley_chat_page){.limit = 100}, NULL);
	assert_string_equal(t, "new");
	g_free(t);
	t = texts(s, "2", (parley_chat_page){.limit = 100}, NULL);
	assert_string_equal(t, "");
	g_free(t);
	s->ops->close(s);
}

static void edit_and_delete_own(void **state)
{
	parley_chat_store *s = open_memory();
	int64_t a = add(s, "1", "alice", "hello", 1000, &keep_all);
	int64_t b = add(s, "1", "bob", "hi", 1001, &keep_all);
	parley_plugin_error error = {0};
	assert_int_equal(s->ops->edit(s, "1", a, "alice", "hello!", 2000, &error), 0);
	assert_int_equal(s->ops->edit(s, "1", b, "alice", "nope", 2000, &error), PARLEY_CHAT_STORE_NOT_OWNER);
	assert_non_null(strstr(error.reason, "not sent by alice"));
	assert_int_equal(s->ops->edit(s, "2", a, "alice", "wrong room", 2000, &error), PARLEY_CHAT_STORE_NOT_FOUND);
	assert_int_equal(s->ops->edit(s, "1", 999, "alice", "none", 2000, &error), PARLEY_CHAT_STORE_NOT_FOUND);
	assert_int_equal(s->ops->remove(s, "1", b, "alice", &error), PARLEY_CHAT_STORE_NOT_OWNER);
	assert_int_equal(s->ops->remove(s, "1", b, NULL, &error), 0); /* a moderator */
	assert_int_equal(s->ops->remove(s, "1", b, NULL, &error), PARLEY_CHAT_STORE_NOT_FOUND);
	parley_chat_page page = {.limit = 10};
	GPtrArray *list = s->ops->page(s, "1", &page, NULL, &error);
	assert_int_equal(list->len, 1);
	parley_chat_record *r = list->pdata[0];
	assert_string_equal(r->text, "hello!");
	assert_int_equal(r->edited_ms, 2000);
	g_ptr_array_unref(list);
	/* a deleted id is never given again */
	int64_t c = add(s, "1", "carol", "after", 3000, &keep_all);
	assert_true(c > b);
	s->ops->close(s);
}

static void purge_and_rooms(void **state)
{
	parley_chat_store *s = open_memory();
	add(s, "1", "alice", "a", 1000, &keep_all);
	add(s, "1", NULL, "announced", 1001, &keep_all);
	add(s, "2", "bob", "b", 1000, &keep_all);
	assert_int_equal(s->ops->purge(s, "1"), 2);
	assert_int_equal(s->ops->purge(s, "1"), 0);
	char *t = texts(s, "2", (parley_chat_page){.limit = 10}, NULL);
	assert_string_equal(t, "b");
	g_free(t);

	parley_plugin_error error = {0};
	json_t *settings = json_pack("{s:s, s:i}", "description", "Saved", "history", 5);
	assert_int_equal(s->ops->room_save(s, "77", settings, &error), 0);
	json_object_set_new(settings, "description", json_string("Saved again"));
	assert_int_equal(s->ops->room_save(s, "77", settings, &error), 0);
	assert_int_equal(s->ops->room_save(s, "78", settings, &error), 0);
	json_decref(settings);
	assert_int_equal(s->ops->room_delete(s, "78", &error), 0);
	json_t *rooms = s->ops->rooms(s);
	assert_int_equal(json_object_size(rooms), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rooms, "77"), "description")),
	                    "Saved again");
	json_decref(rooms);
	s->ops->close(s);
}

static void survives_reopen(void **state)
{
	char *dir = g_dir_make_tmp("chat-store-XXXXXX", NULL);
	char *path = g_build_filename(dir, "chat.db", NULL);
	parley_plugin_error error = {0};
	parley_chat_store *s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	add(s, "1234", "alice", "before the restart", 1000, &keep_all);
	int64_t id = add(s, "1234", NULL, "an announcement", 1001, &keep_all);
	json_t *settings = json_pack("{s:s}", "description", "kept");
	assert_int_equal(s->ops->room_save(s, "99", settings, &error), 0);
	json_decref(settings);
	s->ops->close(s);

	s = parley_chat_store_sqlite_open(path, &error);
	assert_non_null(s);
	char *t = texts(s, "1234", (parley_chat_page){.limit = 10}, NULL);
	assert_string_equal(t, "before the restart,an announcement");
	g_free(t);
	parley_chat_page page = {.limit = 1};
	GPtrArray *list = s->ops->page(s, "1234", &page, NULL, &error);
	parley_chat_record *r = list->pdata[0];
	assert_int_equal(r->kind, PARLEY_CHAT_KIND_ANNOUNCEMENT);
	assert_null(r->sender);
	g_ptr_array_unref(list);
	assert_true(add(s, "1234", "bob", "after", 2000, &keep_all) > id);
	json_t *rooms = s->ops->rooms(s);
	assert_non_null(json_object_get(rooms, "99"));
	json_decref(rooms);
	s->ops->close(s);

	/* a file that cannot be opened is a clear refusal */
	char *bad = g_build_filename(dir, "missing-folder", "chat.db", NULL);
	assert_null(parley_chat_store_sqlite_open(bad, &error));
	assert_int_equal(error.code, PARLEY_CHAT_STORE_FAILED);
	assert_non_null(strstr(error.reason, "missing-folder"));
	g_free(bad);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_oldest_first),
		cmocka_unit_test(retention_by_count),
		cmocka_unit_test(retention_by_age),
		cmocka_unit_test(edit_and_delete_own),
		cmocka_unit_test(purge_and_rooms),
		cmocka_unit_test(survives_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
