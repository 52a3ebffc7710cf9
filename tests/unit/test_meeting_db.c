/*
 * tests/unit/test_meeting_db.c — the SQLite meetings database: insert, get,
 * update, duplicate ids, per-user listing (hosted or joined, status,
 * limit/skip), stats counters, TTL expiry listing, and persistence across
 * close and reopen of the same file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "plugins/meeting/meetings_db.h"
#include "plugins/meeting/rules.h"

static parley_meeting *make(const char *room, const char *host, int64_t created)
{
	parley_meeting *m = g_new0(parley_meeting, 1);
	m->room_id = g_strdup(room);
	m->title = g_strdup_printf("Meeting %s", room);
	m->description = g_strdup("");
	m->host_id = g_strdup(host);
	m->host_name = g_strdup(host);
	m->created_at = created;
	parley_meeting_rules_default_settings(&m->settings, 0);
	return m;
}

static void insert_get_update(void **state)
{
	parley_meeting_db *db = parley_meeting_db_open(":memory:", NULL);
	assert_non_null(db);
	parley_meeting *m = make("room1", "host", 1000);
	char *domains[] = { "example.com", NULL };
	m->settings.allowed_domains = g_strdupv(domains);
	m->settings.max_participants = 3;
	assert_int_equal(parley_meeting_db_insert(db, m), 0);
	assert_int_equal(parley_meeting_db_insert(db, m), 1); /* id taken */
	parley_meeting *got = parley_meeting_db_get(db, "room1");
	assert_non_null(got);
	assert_string_equal(got->title, "Meeting room1");
	assert_int_equal(got->created_at, 1000);
	assert_int_equal(got->status, PARLEY_MEETING_STATUS_WAITING);
	assert_int_equal(got->settings.max_participants, 3);
	assert_string_equal(got->settings.allowed_domains[0], "example.com");
	assert_null(parley_meeting_db_get(db, "nope"));

	g_free(got->title);
	got->title = g_strdup("Renamed");
	got->status = PARLEY_MEETING_STATUS_ENDED;
	got->ended_at = 2000;
	got->end_reason = g_strdup("host");
	assert_int_equal(parley_meeting_db_update(db, got), 0);
	parley_meeting *again = parley_meeting_db_get(db, "room1");
	assert_string_equal(again->title, "Renamed");
	assert_int_equal(again->status, PARLEY_MEETING_STATUS_ENDED);
	assert_string_equal(again->end_reason, "host");
	/* the host cannot be changed by an update */
	g_free(again->host_id);
	again->host_id = g_strdup("intruder");
	assert_int_equal(parley_meeting_db_update(db, again), -1);
	parley_meeting_free(again);
	parley_meeting_free(got);
	parley_meeting_free(m);
	parley_meeting_db_close(db);
}

static void user_listing(void **state)
{
	parley_meeting_db *db = parley_meeting_db_open(":memory:", NULL);
	for (int i = 0; i < 5; i++) {
		char room[8];
		g_snprintf(room, sizeof(room), "h%d", i);
		parley_meeting *m = make(room, "alice", 100 + i);
		m->status = i < 2 ? PARLEY_MEETING_STATUS_ACTIVE : PARLEY_MEETING_STATUS_WAITING;
		parley_meeting_db_insert(db, m);
		parley_meeting_free(m);
	}
	parley_meeting *other = make("bobs", "bob", 500);
	parley_meeting_db_insert(db, other);
	parley_meeting_free(other);
	parley_meeting_db_count_join(db, "bobs", "alice", 1, 600);

	int64_t total = 0;
	GPtrArray *all = parley_meeting_db_list_for_user(db, "alice", -1, 20, 0, &total);
	assert_int_equal(all->len, 6);
	assert_int_equal(total, 6);
	assert_string_equal(((parley_meeting *)all->pdata[0])->room_id, "bobs"); /* newest first */
	g_ptr_array_unref(all);
	GPtrArray *active = parley_meeting_db_list_for_user(db, "alice", PARLEY_MEETING_STATUS_ACTIVE, 20, 0, &total);
	assert_int_equal(active->len, 2);
	assert_int_equal(total, 2);
	g_ptr_array_unref(active);
	GPtrArray *page = parley_meeting_db_list_for_user(db, "alice", -1, 2, 1, &total);
	assert_int_equal(page->len, 2);
	assert_int_equal(total, 6);
	assert_string_equal(((parley_meeting *)page->pdata[0])->room_id, "h4");
	g_ptr_array_unref(page);
	GPtrArray *bob = parley_meeting_db_list_for_user(db, "bob", -1, 20, 0, NULL);
	assert_int_equal(bob->len, 1);
	g_ptr_array_unref(bob);
	GPtrArray *nobody = parley_meeting_db_list_for_user(db, "carol", -1, 20, 0, &total);
	assert_int_equal(nobody->len, 0);
	assert_int_equal(total, 0);
	g_ptr_array_unref(nobody);
	parley_meeting_db_close(db);
}

static void stats_and_expiry(void **state)
{
	parley_meeting_db *db = parley_meeting_db_open(":memory:", NULL);
	parley_meeting *m = make("r", "host", 1);
	m->expires_at = 5000;
	parley_meeting_db_insert(db, m);
	parley_meeting_db_count_join(db, "r", "a", 1, 10);
	parley_meeting_db_count_join(db, "r", "b", 2, 11);
	parley_meeting_db_count_join(db, "r", "a", 2, 12); /* again: not a new participant */
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_LEAVE);
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_CHAT);
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_CHAT);
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_AUDIO);
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_VIDEO);
	parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_SCREEN);
	assert_int_equal(parley_meeting_db_count_stat(db, "r", PARLEY_MEETING_STAT_COUNT_), -1);
	parley_meeting_stats s;
	assert_int_equal(parley_meeting_db_get_stats(db, "r", &s), 0);
	assert_int_equal(s.joins, 3);
	assert_int_equal(s.total_participants, 2);
	assert_int_equal(s.peak_participants, 2);
	assert_int_equal(s.leaves, 1);
	assert_int_equal(s.chat_messages, 2);
	assert_int_equal(s.audio_toggles, 1);
	assert_int_equal(s.video_toggles, 1);
	assert_int_equal(s.screen_toggles, 1);

	GPtrArray *expired = parley_meeting_db_list_expired(db, 4999);
	assert_int_equal(expired->len, 0);
	g_ptr_array_unref(expired);
	expired = parley_meeting_db_list_expired(db, 5000);
	assert_int_equal(expired->len, 1);
	assert_string_equal(expired->pdata[0], "r");
	g_ptr_array_unref(expired);
	m->status = PARLEY_MEETING_STATUS_ENDED;
	parley_meeting_db_update(db, m);
	expired = parley_meeting_db_list_expired(db, 99999);
	assert_int_equal(expired->len, 0); /* ended meetings never expire again */
	g_ptr_array_unref(expired);
	parley_meeting_free(m);
	parley_meeting_db_close(db);
}

static void survives_reopen(void **state)
{
	char *dir = g_dir_make_tmp("meetingdb-XXXXXX", NULL);
	char *path = g_build_filename(dir, "meetings.db", NULL);
	parley_meeting_db *db = parley_meeting_db_open(path, NULL);
	assert_non_null(db);
	parley_meeting *m = make("keep", "host", 42);
	m->settings.require_approval = true;
	parley_meeting_db_insert(db, m);
	parley_meeting_db_count_join(db, "keep", "u1", 1, 50);
	parley_meeting_db_count_stat(db, "keep", PARLEY_MEETING_STAT_CHAT);
	parley_meeting_db_close(db);

	db = parley_meeting_db_open(path, NULL);
	assert_non_null(db);
	parley_meeting *got = parley_meeting_db_get(db, "keep");
	assert_non_null(got);
	assert_string_equal(got->host_id, "host");
	assert_int_equal(got->created_at, 42);
	assert_true(got->settings.require_approval);
	parley_meeting_stats s;
	parley_meeting_db_get_stats(db, "keep", &s);
	assert_int_equal(s.joins, 1);
	/* the participant the closed run never saw leave counts as left */
	assert_int_equal(s.leaves, 1);
	assert_int_equal(s.chat_messages, 1);
	GPtrArray *list = parley_meeting_db_list_for_user(db, "u1", -1, 10, 0, NULL);
	assert_int_equal(list->len, 1);
	g_ptr_array_unref(list);
	parley_meeting_free(got);
	parley_meeting_free(m);
	parley_meeting_db_close(db);

	char *error = NULL;
	char *bad = g_build_filename(dir, "missing", "sub", "x.db", NULL);
	assert_null(parley_meeting_db_open(bad, &error));
	assert_non_null(error);
	g_free(error);
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
		cmocka_unit_test(insert_get_update),
		cmocka_unit_test(user_listing),
		cmocka_unit_test(stats_and_expiry),
		cmocka_unit_test(survives_reopen),
	};
	return cmocka_run_group_tests_name("meeting_db", tests, NULL, NULL);
}
