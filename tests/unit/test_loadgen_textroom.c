/*
 * test_loadgen_textroom.c — unit tests of parley-loadgen's textroom
 * accounting (bench/loadgen/textroom_stats.c): the --phases list, the
 * message text round
 * trip and its refusals, TextRoom data channel messages (answers, errors,
 * message events ours or not, bad JSON), and a phase's deliveries (counted
 * once per participant, duplicates and unknown sequence numbers apart,
 * missing ones, latency percentiles, capacity and limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "textroom_stats.h"

static void test_phases(void **state)
{
	(void)state;
	loadgen_tr_phase_kind k[LOADGEN_TR_MAX_PHASES];
	char reason[128];
	assert_int_equal(loadgen_tr_parse_phases("one,all", k, LOADGEN_TR_MAX_PHASES, reason, sizeof(reason)), 2);
	assert_int_equal(k[0], LOADGEN_TR_PHASE_ONE);
	assert_int_equal(k[1], LOADGEN_TR_PHASE_ALL);
	assert_int_equal(loadgen_tr_parse_phases("all", k, LOADGEN_TR_MAX_PHASES, reason, sizeof(reason)), 1);
	assert_int_equal(k[0], LOADGEN_TR_PHASE_ALL);
	assert_int_equal(loadgen_tr_parse_phases("all,one,all,one", k, 4, reason, sizeof(reason)), 4);
	assert_int_equal(k[2], LOADGEN_TR_PHASE_ALL);
	static const char *const bad[] = {
		"", ",", "one,", ",one", "one,,all", "on", "onex", "ONE", "one ,all", " one", "all,one,all,one,all", NULL,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		reason[0] = '\0';
		assert_int_equal(loadgen_tr_parse_phases(bad[i], k, 4, reason, sizeof(reason)), -1);
		assert_non_null(strstr(reason, "--phases: a list of at most 4 of one, all"));
	}
	/* the list is bounded by the caller's array */
	assert_int_equal(loadgen_tr_parse_phases("one,all", k, 1, reason, sizeof(reason)), -1);
}

static void test_text_round_trip(void **state)
{
	(void)state;
	char text[LOADGEN_TR_TEXT_SIZE];
	size_t n = loadgen_tr_format_text(text, sizeof(text), 7, 4294967295u, INT64_C(9223372036854775807));
	assert_int_equal(n, strlen(text));
	assert_true(n < LOADGEN_TR_TEXT_SIZE);
	unsigned phase = 0;
	uint32_t seq = 0;
	int64_t t = 0;
	assert_true(loadgen_tr_parse_text(text, &phase, &seq, &t));
	assert_int_equal(phase, 7);
	assert_int_equal(seq, 4294967295u);
	assert_true(t == INT64_C(9223372036854775807));
	assert_true(loadgen_tr_parse_text("lg 1 2 3", &phase, &seq, &t));
	assert_int_equal(seq, 2);
	assert_true(t == 3);
	assert_true(loadgen_tr_parse_text("lg 0 0 0", &phase, &seq, &t));
	assert_int_equal(phase, 0);
}

static void test_text_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "lg", "lg ", "lg 1 2", "lg 1 2 ", "lg 1 2 3 4", "lg 1 2 3x", "lg -1 2 3", "lg 1 4294967296 3",
		"lg 1 2 9223372036854775808", "xx 1 2 3", "lg  1 2 3", "lg 1001 2 3", "hello world", "lg 01 2 3",
		"lg 1 00 3", "lg 1 2 +3", "lg 1 5 9720 ", "lg 1 5  9720",
	};
	unsigned phase;
	uint32_t seq;
	int64_t t;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_false(loadgen_tr_parse_text(bad[i], &phase, &seq, &t));
	assert_false(loadgen_tr_parse_text(NULL, &phase, &seq, &t));
}

static int parse(const char *json, loadgen_tr_event *ev)
{
	char reason[128] = "";
	return loadgen_tr_parse_event(json, strlen(json), ev, reason, sizeof(reason));
}

static void test_events(void **state)
{
	(void)state;
	loadgen_tr_event ev;
	assert_int_equal(parse("{\"textroom\":\"success\",\"transaction\":\"join\",\"participants\":[]}", &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_ANSWER);
	assert_string_equal(ev.transaction, "join");
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"error\",\"transaction\":\"m3\",\"error_code\":417,\"error\":\"No such room\"}",
	                       &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_ERROR);
	assert_int_equal(ev.error_code, 417);
	assert_string_equal(ev.error, "No such room");
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"error\"}", &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_ERROR);
	assert_int_equal(ev.error_code, 0);
	assert_string_equal(ev.error, "");
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"message\",\"room\":1234,\"from\":\"lg1\",\"date\":\"x\",\"text\":\"lg 2 5 100\"}",
	                       &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_MESSAGE);
	assert_true(ev.ours);
	assert_string_equal(ev.from, "lg1");
	assert_int_equal(ev.phase, 2);
	assert_int_equal(ev.seq, 5);
	assert_true(ev.send_us == 100);
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"message\",\"room\":1234,\"from\":\"bob\",\"text\":\"hi\"}", &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_MESSAGE);
	assert_false(ev.ours);
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"message\",\"room\":1234,\"from\":\"bob\",\"text\":7}", &ev), 0);
	assert_false(ev.ours);
	loadgen_tr_event_clear(&ev);

	assert_int_equal(parse("{\"textroom\":\"join\",\"room\":1234,\"username\":\"x\"}", &ev), 0);
	assert_int_equal(ev.kind, LOADGEN_TR_OTHER);
	loadgen_tr_event_clear(&ev);

	static const char *const bad[] = { "", "{", "[1]", "\"x\"", "{\"janus\":\"event\"}", "{\"textroom\":1}" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(parse(bad[i], &ev), -1);
		assert_null(ev.json);
		loadgen_tr_event_clear(&ev);
	}
}

static void test_phase_accounting(void **state)
{
	(void)state;
	assert_null(loadgen_tr_phase_new(0, 10));
	assert_null(loadgen_tr_phase_new(LOADGEN_TR_MAX_PARTICIPANTS + 1, 10));
	assert_null(loadgen_tr_phase_new(3, 0));
	assert_null(loadgen_tr_phase_new(3, LOADGEN_TR_MAX_MESSAGES + 1));

	loadgen_tr_phase *p = loadgen_tr_phase_new(70, 3);   /* two words per message */
	assert_non_null(p);
	assert_int_equal(loadgen_tr_phase_next(p), 0);
	assert_int_equal(loadgen_tr_phase_next(p), 1);
	assert_int_equal(loadgen_tr_phase_missing(p), 140);
	for (unsigned who = 0; who < 70; who++)
		assert_true(loadgen_tr_phase_receipt(p, who, 0, 1000, 1000 + 2000));   /* 2 ms */
	assert_false(loadgen_tr_phase_receipt(p, 69, 0, 1000, 5000));            /* duplicate */
	assert_int_equal(p->duplicates, 1);
	assert_false(loadgen_tr_phase_receipt(p, 1, 2, 1000, 5000));             /* not sent yet */
	assert_false(loadgen_tr_phase_receipt(p, 70, 1, 1000, 5000));            /* no such participant */
	assert_int_equal(p->foreign, 2);
	assert_true(loadgen_tr_phase_has(p, 65, 0));
	assert_false(loadgen_tr_phase_has(p, 65, 1));
	assert_true(loadgen_tr_phase_receipt(p, 65, 1, 1000, 1000 + 90000));    /* 90 ms */
	assert_int_equal(p->receipts[0], 70);
	assert_int_equal(p->receipts[1], 1);
	assert_int_equal(p->delivered, 71);
	assert_int_equal(loadgen_tr_phase_missing(p), 69);
	assert_true(p->last_receipt_us == 91000);
	int64_t p50 = loadgen_stats_histogram_percentile(p->latency, 0.5);
	int64_t p99 = loadgen_stats_histogram_percentile(p->latency, 0.999);
	assert_true(p50 >= 1950 && p50 <= 2050);
	assert_true(p99 >= 89000 && p99 <= 91000);
	assert_int_equal(loadgen_tr_phase_next(p), 2);
	assert_int_equal(loadgen_tr_phase_next(p), -1);   /* capacity reached */
	assert_int_equal(loadgen_tr_phase_missing(p), 69 + 70);
	loadgen_tr_phase_free(p);
	loadgen_tr_phase_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_text_round_trip),
		cmocka_unit_test(test_text_refused),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_phase_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
