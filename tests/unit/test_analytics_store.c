/*
 * test_analytics_store.c — unit tests of handlers/analytics/store.c on a
 * real SQLite file: rollups add up across writes and survive closing and
 * opening the file again (peaks keep the larger), series per hour and day,
 * by kind or summed; records of rooms and participants and their filters;
 * retention of hourly rows, daily rows and records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "handlers/analytics/store.h"

#define H0 1705744800LL   /* 2024-01-20T10:00:00Z */

static char *folder;

static int setup(void **state)
{
	folder = g_dir_make_tmp("analytics-store-XXXXXX", NULL);
	return folder ? 0 : -1;
}

static int teardown(void **state)
{
	char *db = g_build_filename(folder, "a.db", NULL);
	char *wal = g_strconcat(db, "-wal", NULL), *shm = g_strconcat(db, "-shm", NULL);
	g_unlink(db);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(folder);
	g_free(db);
	g_free(wal);
	g_free(shm);
	g_free(folder);
	return 0;
}

static analytics_store *open_store(void)
{
	char *path = g_build_filename(folder, "a.db", NULL);
	char error[256] = "";
	analytics_store *s = parley_analytics_store_open(path, error, sizeof(error));
	g_free(path);
	assert_non_null(s);
	return s;
}

static void test_rollups_add_up_and_survive(void **state)
{
	analytics_store *s = open_store();
	analytics_rollup a = { 0 };
	a.participants_joined = 2;
	a.peak_participants = 5;
	a.bytes_in = 100;
	a.duration[3] = 1;
	assert_int_equal(parley_analytics_store_begin(s), 0);
	assert_int_equal(parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, H0, ANALYTICS_KIND_ROOM, &a), 0);
	assert_int_equal(parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, H0 + 3600, ANALYTICS_KIND_ROOM, &a), 0);
	assert_int_equal(parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, H0, ANALYTICS_KIND_MEETING, &a), 0);
	assert_int_equal(parley_analytics_store_commit(s), 0);
	parley_analytics_store_close(s);

	s = open_store();   /* a restart */
	analytics_rollup b = { 0 };
	b.participants_joined = 3;
	b.peak_participants = 4;
	b.bytes_in = 5;
	assert_int_equal(parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, H0, ANALYTICS_KIND_ROOM, &b), 0);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	assert_int_equal(parley_analytics_store_series(s, ANALYTICS_PERIOD_HOUR, H0, H0 + 7200, ANALYTICS_KIND_ROOM, rows), 0);
	assert_int_equal(rows->len, 2);
	analytics_bucket *first = &g_array_index(rows, analytics_bucket, 0);
	assert_int_equal(first->start, H0);
	assert_int_equal(first->rollup.participants_joined, 5);
	assert_int_equal(first->rollup.peak_participants, 5);   /* MAX(5, 4) */
	assert_int_equal(first->rollup.bytes_in, 105);
	assert_int_equal(first->rollup.duration[3], 1);
	assert_int_equal(g_array_index(rows, analytics_bucket, 1).rollup.participants_joined, 2);
	/* all kinds summed: the meeting's hour joins the room's */
	g_array_set_size(rows, 0);
	assert_int_equal(parley_analytics_store_series(s, ANALYTICS_PERIOD_HOUR, H0, H0, -1, rows), 0);
	assert_int_equal(rows->len, 1);
	assert_int_equal(g_array_index(rows, analytics_bucket, 0).rollup.participants_joined, 7);
	assert_int_equal(g_array_index(rows, analytics_bucket, 0).rollup.peak_participants, 5);
	/* nothing of the day period was written */
	g_array_set_size(rows, 0);
	assert_int_equal(parley_analytics_store_series(s, ANALYTICS_PERIOD_DAY, 0, H0 * 2, -1, rows), 0);
	assert_int_equal(rows->len, 0);
	g_array_free(rows, TRUE);
	parley_analytics_store_close(s);
}

static void test_records(void **state)
{
	analytics_store *s = open_store();
	analytics_record room = { .type = ANALYTICS_RECORD_ROOM, .plugin = "parley.plugin.room", .kind = ANALYTICS_KIND_ROOM,
	                          .room = "r1", .start_ms = H0 * 1000, .end_ms = H0 * 1000 + 60000, .reason = "empty",
	                          .figures = json_pack("{s:i, s:i}", "peak_participants", 3, "joins", 4) };
	assert_int_equal(parley_analytics_store_add_record(s, &room), 0);
	analytics_record p = { .type = ANALYTICS_RECORD_PARTICIPANT, .plugin = "parley.plugin.room",
	                       .kind = ANALYTICS_KIND_ROOM, .room = "r1", .participant = "A", .start_ms = H0 * 1000,
	                       .end_ms = H0 * 1000 + 30000, .outcome = "connected", .reason = "left",
	                       .figures = json_pack("{s:i}", "time_to_connect_ms", 420) };
	assert_int_equal(parley_analytics_store_add_record(s, &p), 0);
	p.room = "r2";
	p.end_ms += 1000;
	assert_int_equal(parley_analytics_store_add_record(s, &p), 0);
	json_decref(room.figures);
	json_decref(p.figures);

	json_t *rooms = parley_analytics_store_rooms(s, NULL, "r1", 10);
	assert_int_equal(json_array_size(rooms), 1);
	json_t *r = json_array_get(rooms, 0);
	assert_int_equal(json_integer_value(json_object_get(r, "joins")), 4);
	assert_int_equal(json_integer_value(json_object_get(r, "ended_at")), H0 * 1000 + 60000);
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "empty");
	assert_true(json_is_false(json_object_get(r, "live")));
	json_decref(rooms);
	json_t *people = parley_analytics_store_participants(s, NULL, NULL, "A", 0, 10);
	assert_int_equal(json_array_size(people), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "room")), "r2");  /* newest first */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(people, 1), "time_to_connect_ms")), 420);
	json_decref(people);
	people = parley_analytics_store_participants(s, "parley.plugin.room", "r1", NULL, H0 * 1000, 10);
	assert_int_equal(json_array_size(people), 1);
	json_decref(people);
	people = parley_analytics_store_participants(s, "parley.plugin.meeting", NULL, NULL, 0, 10);
	assert_int_equal(json_array_size(people), 0);
	json_decref(people);
	parley_analytics_store_close(s);
}

static void test_retention(void **state)
{
	analytics_store *s = open_store();
	analytics_rollup one = { 0 };
	one.rooms_started = 1;
	int64_t now = H0 + 100 * 86400;
	/* an hourly row 40 days old, one 10 days old; a daily row 500 days old, one 40 days old */
	parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, now - 40 * 86400, ANALYTICS_KIND_ROOM, &one);
	parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_HOUR, now - 10 * 86400, ANALYTICS_KIND_ROOM, &one);
	parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_DAY, now - 500 * 86400, ANALYTICS_KIND_ROOM, &one);
	parley_analytics_store_add_rollup(s, ANALYTICS_PERIOD_DAY, now - 40 * 86400, ANALYTICS_KIND_ROOM, &one);
	analytics_record old = { .type = ANALYTICS_RECORD_ROOM, .plugin = "p", .room = "old",
	                         .start_ms = (now - 41 * 86400) * 1000, .end_ms = (now - 40 * 86400) * 1000 };
	parley_analytics_store_add_record(s, &old);
	int deleted = parley_analytics_store_prune(s, now, 30, 400);
	assert_true(deleted >= 3);   /* plus whatever the other tests left there */
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	parley_analytics_store_series(s, ANALYTICS_PERIOD_HOUR, now - 50 * 86400, now, -1, rows);
	assert_int_equal(rows->len, 1);
	g_array_set_size(rows, 0);
	parley_analytics_store_series(s, ANALYTICS_PERIOD_DAY, now - 600 * 86400, now, -1, rows);
	assert_int_equal(rows->len, 1);
	g_array_free(rows, TRUE);
	json_t *rooms = parley_analytics_store_rooms(s, NULL, "old", 10);
	assert_int_equal(json_array_size(rooms), 0);
	json_decref(rooms);
	/* 0 keeps everything */
	assert_int_equal(parley_analytics_store_prune(s, now + 10000 * 86400LL, 0, 0), 0);
	parley_analytics_store_close(s);
}

static void test_bad_path(void **state)
{
	char error[256] = "";
	assert_null(parley_analytics_store_open("/nonexistent-folder/x/a.db", error, sizeof(error)));
	assert_true(strlen(error) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollups_add_up_and_survive),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_bad_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
