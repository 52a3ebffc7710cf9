/*
 * test_analytics_rollup.c — unit tests of handlers/analytics/rollup.c: the
 * field table covers every counter once, merging sums counters and keeps
 * the larger peak, the duration histogram's bucket edges, the derived
 * ratios and averages (and "no sample"), bucket starts per hour and day,
 * and the JSON view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "handlers/analytics/rollup.h"

static void test_field_table(void **state)
{
	GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *offsets = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (size_t i = 0; i < parley_analytics_field_count; i++) {
		const analytics_field *f = &parley_analytics_fields[i];
		assert_false(g_hash_table_contains(names, f->name));
		assert_false(g_hash_table_contains(offsets, GSIZE_TO_POINTER(f->offset + 1)));
		g_hash_table_add(names, (gpointer)f->name);
		g_hash_table_add(offsets, GSIZE_TO_POINTER(f->offset + 1));
		assert_true(f->offset + sizeof(int64_t) <= sizeof(analytics_rollup));
		/* names are SQL column names */
		for (const char *p = f->name; *p; p++)
			assert_true(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_');
	}
	assert_int_equal(g_hash_table_size(names), sizeof(analytics_rollup) / sizeof(int64_t));
	g_hash_table_destroy(names);
	g_hash_table_destroy(offsets);
}

static void test_merge(void **state)
{
	analytics_rollup a = { 0 }, b = { 0 };
	a.participants_joined = 3;
	a.peak_participants = 7;
	a.bytes_in = 1000;
	a.duration[2] = 1;
	b.participants_joined = 2;
	b.peak_participants = 5;
	b.bytes_in = 24;
	b.duration[2] = 4;
	b.duration[7] = 1;
	parley_analytics_rollup_merge(&a, &b);
	assert_int_equal(a.participants_joined, 5);
	assert_int_equal(a.peak_participants, 7);   /* the larger, not the sum */
	assert_int_equal(a.bytes_in, 1024);
	assert_int_equal(a.duration[2], 5);
	assert_int_equal(a.duration[7], 1);
	b.peak_participants = 9;
	parley_analytics_rollup_merge(&a, &b);
	assert_int_equal(a.peak_participants, 9);
	analytics_rollup empty = { 0 };
	assert_true(parley_analytics_rollup_is_empty(&empty));
	assert_false(parley_analytics_rollup_is_empty(&a));
}

static void test_durations(void **state)
{
	assert_int_equal(parley_analytics_duration_bucket(0), 0);
	assert_int_equal(parley_analytics_duration_bucket(60), 0);
	assert_int_equal(parley_analytics_duration_bucket(61), 1);
	assert_int_equal(parley_analytics_duration_bucket(300), 1);
	assert_int_equal(parley_analytics_duration_bucket(3600), 4);
	assert_int_equal(parley_analytics_duration_bucket(14400), 6);
	assert_int_equal(parley_analytics_duration_bucket(14401), 7);
	analytics_rollup r = { 0 };
	parley_analytics_rollup_add_duration(&r, 30);
	parley_analytics_rollup_add_duration(&r, 90);
	parley_analytics_rollup_add_duration(&r, -5);  /* a clock step: counted as 0 */
	assert_int_equal(r.rooms_finished, 3);
	assert_int_equal(r.room_seconds, 120);
	assert_int_equal(r.duration[0], 2);
	assert_int_equal(r.duration[1], 1);
	assert_true(parley_analytics_avg_room_seconds(&r) == 40.0);
}

static void test_ratios(void **state)
{
	analytics_rollup r = { 0 };
	assert_true(parley_analytics_success_ratio(&r) < 0);
	assert_true(parley_analytics_turn_share(&r) < 0);
	assert_true(parley_analytics_loss_in_ratio(&r) < 0);
	r.pcs_connected = 3;
	r.pcs_failed = 1;
	r.pcs_relay = 1;
	assert_true(parley_analytics_success_ratio(&r) == 0.75);
	assert_true(parley_analytics_turn_share(&r) == 1.0 / 3.0);
	r.packets_in = 990;
	r.lost_in = 10;
	assert_true(parley_analytics_loss_in_ratio(&r) == 0.01);
	r.participant_seconds = 100;
	r.participants_left = 4;
	assert_true(parley_analytics_avg_participant_seconds(&r) == 25.0);
	assert_true(parley_analytics_avg(10, 0) < 0);
}

static void test_buckets(void **state)
{
	/* 2024-01-20T10:30:15Z */
	int64_t t = 1705746615;
	assert_int_equal(parley_analytics_bucket_start(t, ANALYTICS_PERIOD_HOUR), 1705744800);
	assert_int_equal(parley_analytics_bucket_start(t, ANALYTICS_PERIOD_DAY), 1705708800);
	assert_int_equal(parley_analytics_bucket_start(1705744800, ANALYTICS_PERIOD_HOUR), 1705744800);
	assert_int_equal(parley_analytics_bucket_start(-1, ANALYTICS_PERIOD_HOUR), -3600);
	assert_int_equal(parley_analytics_period_from_name("day"), ANALYTICS_PERIOD_DAY);
	assert_int_equal(parley_analytics_period_from_name("hour"), ANALYTICS_PERIOD_HOUR);
	assert_int_equal(parley_analytics_period_from_name("week"), -1);
	assert_int_equal(parley_analytics_period_from_name(NULL), -1);
	assert_int_equal(parley_analytics_kind_from_name("meeting"), ANALYTICS_KIND_MEETING);
	assert_int_equal(parley_analytics_kind_from_name("nope"), -1);
	assert_string_equal(parley_analytics_kind_name(99), "other");
}

static void test_json(void **state)
{
	analytics_rollup r = { 0 };
	json_t *j = parley_analytics_rollup_to_json(&r);
	assert_true(json_is_null(json_object_get(j, "success_ratio")));
	assert_true(json_is_null(json_object_get(j, "turn_share")));
	assert_int_equal(json_integer_value(json_object_get(j, "duration_le_inf")), 0);
	json_decref(j);
	r.pcs_connected = 1;
	r.pcs_failed = 1;
	r.rtt_ms_sum = 90;
	r.rtt_samples = 3;
	j = parley_analytics_rollup_to_json(&r);
	assert_true(json_real_value(json_object_get(j, "success_ratio")) == 0.5);
	assert_true(json_real_value(json_object_get(j, "avg_rtt_ms")) == 30.0);
	assert_int_equal(json_integer_value(json_object_get(j, "pcs_failed")), 1);
	assert_int_equal(json_object_size(j), parley_analytics_field_count + 9);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ratios),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
